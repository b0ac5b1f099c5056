"""Port of gobl addons/es/tbai: the TicketBAI addon (es-tbai-v1)."""
