"""Sequences: gapless numbering series per workspace (Invopop's ``/sequence/v1``)."""
