"""Request and response bodies of the HTTP API (SPEC §13.1 field names), one module per
domain; ``common`` holds what they share."""
