"""Privacy (SPEC §11, §18): consents, do-not-contact, export, erasure and retention."""
