"""Workflow definitions: the document model, paths into it, validation and flow semantics."""
