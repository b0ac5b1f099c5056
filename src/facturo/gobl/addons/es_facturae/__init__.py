"""Port of gobl addons/es/facturae: the FacturaE addon (es-facturae-v3)."""
