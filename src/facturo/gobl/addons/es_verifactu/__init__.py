"""Port of gobl addons/es/verifactu: the VERI*FACTU addon (es-verifactu-v1)."""
