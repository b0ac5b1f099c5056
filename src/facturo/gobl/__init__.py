"""GOBL in Python: models, calculation, validation, digest and signatures (pure library)."""
