"""Port of gobl addons/es/sii: the SII addon (es-sii-v1)."""
