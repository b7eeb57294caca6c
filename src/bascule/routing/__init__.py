"""Lead routing (SPEC §9): who owns a new lead, by the playbook's ``[routing]`` rules."""
