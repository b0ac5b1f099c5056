"""The playbooks' workflow documents (package data, read by ``..library``)."""
