"""CSV exports of the lead, contact, account and opportunity lists."""
