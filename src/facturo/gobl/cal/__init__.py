"""Port of gobl cal: civil dates and periods."""
