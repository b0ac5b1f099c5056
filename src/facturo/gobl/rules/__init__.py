"""Validation rules as gobl expresses them: codes, paths and messages."""
