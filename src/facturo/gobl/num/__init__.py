"""Exact decimal numbers as gobl's ``num`` package defines them."""

from facturo.gobl.num.amount import ZERO, Amount, InvalidAmount, rounded_div
from facturo.gobl.num.percentage import Percentage

__all__ = ["ZERO", "Amount", "InvalidAmount", "Percentage", "rounded_div"]
