"""Reading GOBL input text (JSON or YAML) without ever going through a float.

gobl reads YAML by converting it to JSON first, where a YAML float literal passes through a
float64: ``1.50`` arrives as ``1.5``. JSON numbers, in contrast, keep their text (``10.10``
stays exponent 2). Both behaviours are reproduced with exact ``Decimal`` values: JSON numbers
keep their text; YAML floats lose trailing fractional zeros, as the float round trip would.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from facturo.gobl.errors import ErrorKey, GoblError


class _Loader(yaml.SafeLoader):
    """Safe YAML loader whose floats are exact Decimals and whose dates stay text."""


def _float(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    try:
        d = Decimal(text)
    except InvalidOperation:
        return text
    if not d.is_finite():
        return text
    if d == d.to_integral_value():
        return int(d)
    return Decimal(f"{d:f}".rstrip("0"))


def _str(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:float", _float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _str)


def parse(text: str | bytes) -> dict[str, Any]:
    """Read a JSON or YAML document or envelope into plain Python values."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            data = json.loads(text, parse_float=Decimal)
        else:
            data = yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except (ValueError, yaml.YAMLError) as exc:
        raise GoblError(ErrorKey.INPUT, str(exc)) from exc
    if not isinstance(data, dict):
        raise GoblError(ErrorKey.INPUT, "input must be an object")
    return data
