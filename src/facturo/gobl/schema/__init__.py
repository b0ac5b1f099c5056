"""gobl's schema package: document types known by their ``$schema`` URL."""

from facturo.gobl.schema.registry import GOBL_BASE, Node, node_for, schema_id

__all__ = ["GOBL_BASE", "Node", "node_for", "schema_id"]
