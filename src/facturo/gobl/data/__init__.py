"""Regime, addon, currency and schema JSON copied from gobl (read-only package data)."""
