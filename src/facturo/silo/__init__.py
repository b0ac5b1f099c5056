"""Silo: the store of GOBL documents, speaking Invopop's ``/silo/v1`` contract."""
