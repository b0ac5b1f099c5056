"""Port of gobl pay: payment terms, instructions and records."""
