"""Public forms (SPEC §6-7): form keys, what each form creates, submissions."""
