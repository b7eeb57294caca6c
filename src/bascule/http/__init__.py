"""What the API and the web pages share about a request: its database, transaction, actor,
playbook and clock. Below both, so that neither imports the other."""
