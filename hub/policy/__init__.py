"""Access-control policy: compiled decision tables, masking rules, probing limits."""
