"""Port of gobl ``Invoice.CorrectionOptionsSchema``: the options schema for one invoice.

A client correcting an invoice asks which options make sense *for that invoice*: the static
``bill/correction-options`` schema is narrowed with the regime's and addons' correction
definitions (allowed types with the first as default, the series of the original as default,
the extension keys with their code lists, ``reason`` required when the rules say so).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any, Final

from facturo.gobl.bill.invoice import resolve_addons
from facturo.gobl.bill.invoice_correct import correction_definition

_DEF: Final = "bill.CorrectionOptions"
_RECOMMENDED: Final = "recommended"


@cache
def _base() -> dict[str, Any]:
    path = resources.files("facturo.gobl.data").joinpath("schemas/bill/correction-options.json")
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


@cache
def _extension_defs() -> dict[str, dict[str, Any]]:
    """Every extension defined by a regime or addon this port carries, by key."""
    out: dict[str, dict[str, Any]] = {}
    root = resources.files("facturo.gobl.data")
    for kind in ("regimes", "addons"):
        for entry in root.joinpath(kind).iterdir():
            if entry.name.endswith(".json"):
                for ext in json.loads(entry.read_text("utf-8")).get("extensions") or ():
                    out.setdefault(ext["key"], ext)
    return out


def _en(text: Any) -> str:
    return str((text or {}).get("en", "")) if isinstance(text, dict) else str(text or "")


def _extension_property(definition: dict[str, Any]) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": "string", "title": _en(definition.get("name"))}
    desc = _en(definition.get("desc"))
    if desc:
        prop["description"] = desc
    values = definition.get("values") or ()
    if values:
        prop["oneOf"] = [{"const": v["code"], "title": _en(v.get("name"))} for v in values]
    return prop


def correction_options_schema(doc: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of the options that can correct ``doc`` (an invoice document)."""
    schema = copy.deepcopy(_base())
    inv = dict(doc)
    regime_code = str(inv.get("$regime") or "")
    if not regime_code:
        regime_code = str(((inv.get("supplier") or {}).get("tax_id") or {}).get("country") or "")
    schema["$id"] = f"{schema['$id']}?tax_regime={regime_code.lower()}"
    schema["$comment"] = f"Generated dynamically for {regime_code.lower()}"
    cos = schema["$defs"][_DEF]
    props = cos["properties"]
    cd = correction_definition(regime_code, resolve_addons(inv))
    recommended = ["series"]
    if cd.types:
        props["type"]["default"] = cd.types[0]
        props["type"]["oneOf"] = [{"const": t, "title": t} for t in cd.types]
    if doc.get("series"):
        props["series"]["default"] = doc["series"]
    defs = _extension_defs()
    known = [k for k in cd.extensions if k in defs]
    if known:
        props["ext"] = {
            "type": "object",
            "title": props["ext"].get("title", "Extensions"),
            "description": props["ext"].get("description", ""),
            "properties": {k: _extension_property(defs[k]) for k in known},
            _RECOMMENDED: known,
        }
        recommended.append("ext")
    else:
        props.pop("ext", None)
    if cd.reason_required:
        cos["required"] = [*cos.get("required", []), "reason"]
    cos[_RECOMMENDED] = recommended
    return schema
