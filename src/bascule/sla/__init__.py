"""SLAs between marketing and sales (SPEC §4, §9): business time, first-response clocks,
failed attempts and mandatory conversion."""
