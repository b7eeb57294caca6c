"""Demo data: a believable year of a sales team, written through the bulk paths."""
