"""Port of gobl org: parties, identities, items, notes and document references."""
