"""Reading gobl's correction options (schema ``bill/correction-options``) without trusting them.

Options reach the library from a CLI, the Silo API and workflows, so they are plain JSON. They
are checked here, field by field, before anything is built: a wrong type or an unknown field
becomes a fault with the option's path (``$.options.issue_date``), never a guess. Older gobl
clients send ``{"credit": true}`` or ``{"debit": true}`` instead of ``type``; those still name
the type, as gobl's JSON options once did.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from facturo.errors import Fault

OPTIONS_FAULT: Final = "GOBL-BILL-CORRECTION-OPTIONS-01"
"""Fault code for options that do not follow the ``bill/correction-options`` schema."""

FIELDS: Final = ("type", "issue_date", "series", "stamps", "reason", "ext", "copy_tax")
_LEGACY: Final = {"credit": "credit-note", "debit": "debit-note"}
_KEY: Final = re.compile(r"^(?:[a-z0-9]|[a-z0-9][a-z0-9-+]*[a-z0-9])$")
_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Stamp:
    """``head.Stamp``: a third party's seal of the previous document (``prv``, ``val``)."""

    prv: str
    val: str

    def to_json(self) -> dict[str, str]:
        return {"prv": self.prv, "val": self.val}


@dataclass(frozen=True, slots=True)
class CorrectionOptions:
    """What the corrective document should be; only ``type`` is required."""

    type: str
    issue_date: str = ""
    series: str = ""
    stamps: tuple[Stamp, ...] = ()
    reason: str = ""
    ext: dict[str, str] = field(default_factory=dict)
    copy_tax: bool = False


def _str(opts: Mapping[str, Any], name: str, path: str, faults: list[Fault]) -> str:
    value = opts.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        faults.append(Fault(OPTIONS_FAULT, "must be a string", (f"{path}.{name}",)))
        return ""
    return value.strip()


def _issue_date(opts: Mapping[str, Any], path: str, faults: list[Fault]) -> str:
    text = _str(opts, "issue_date", path, faults)
    if not text:
        return ""
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        date.fromisoformat(text)
    except ValueError:
        faults.append(Fault(OPTIONS_FAULT, "must be a date (YYYY-MM-DD)", (f"{path}.issue_date",)))
        return ""
    return text


def _stamps(opts: Mapping[str, Any], path: str, faults: list[Fault]) -> tuple[Stamp, ...]:
    rows = opts.get("stamps")
    if rows is None:
        return ()
    if not isinstance(rows, list):
        faults.append(Fault(OPTIONS_FAULT, "must be a list of stamps", (f"{path}.stamps",)))
        return ()
    out: list[Stamp] = []
    for i, row in enumerate(rows):
        prv = row.get("prv") if isinstance(row, dict) else None
        val = row.get("val") if isinstance(row, dict) else None
        if not isinstance(prv, str) or not prv or not isinstance(val, str):
            faults.append(
                Fault(
                    OPTIONS_FAULT,
                    "a stamp needs a provider key `prv` and a value `val`",
                    (f"{path}.stamps[{i}]",),
                )
            )
            continue
        out.append(Stamp(prv=prv, val=val))
    return tuple(out)


def _ext(opts: Mapping[str, Any], path: str, faults: list[Fault]) -> dict[str, str]:
    ext = opts.get("ext")
    if ext is None:
        return {}
    if not isinstance(ext, dict):
        faults.append(Fault(OPTIONS_FAULT, "must be a map of extension codes", (f"{path}.ext",)))
        return {}
    out: dict[str, str] = {}
    for key, value in ext.items():
        if not isinstance(value, str):
            faults.append(Fault(OPTIONS_FAULT, "must be a string", (f"{path}.ext.{key}",)))
        elif value.strip():  # gobl drops empty extension values
            out[str(key)] = value.strip()
    return out


def _type(opts: Mapping[str, Any], path: str, faults: list[Fault]) -> str:
    typ = _str(opts, "type", path, faults)
    legacy = []
    for name, implied in _LEGACY.items():
        flag = opts.get(name)
        if flag is None:
            continue
        if not isinstance(flag, bool):
            faults.append(Fault(OPTIONS_FAULT, "must be a boolean", (f"{path}.{name}",)))
        elif flag:
            legacy.append(implied)
    if len(legacy) > 1:
        faults.append(
            Fault(OPTIONS_FAULT, "cannot use both credit and debit options", (f"{path}.credit",))
        )
    elif legacy and not typ:
        typ = legacy[0]
    elif legacy and typ != legacy[0]:
        faults.append(
            Fault(OPTIONS_FAULT, f"`{legacy[0]}` conflicts with the type", (f"{path}.type",))
        )
    if typ and not _KEY.match(typ):
        faults.append(Fault(OPTIONS_FAULT, "must be a key", (f"{path}.type",)))
    return typ


def read_options(data: Any, path: str) -> tuple[CorrectionOptions | None, list[Fault]]:
    """Options read from JSON, or the faults explaining why they cannot be read.

    ``path`` is where the options sit in what the caller sent (``$.options``, ``$.correct``),
    so the faults point there. A missing ``type`` is left for the correction to report, since
    whether it is missing depends on nothing else here.
    """
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        return None, [Fault(OPTIONS_FAULT, "correction options must be an object", (path,))]
    faults: list[Fault] = [
        Fault(OPTIONS_FAULT, "unknown correction option", (f"{path}.{name}",))
        for name in data
        if name not in FIELDS and name not in _LEGACY
    ]
    copy_tax = data.get("copy_tax", False)
    if not isinstance(copy_tax, bool):
        faults.append(Fault(OPTIONS_FAULT, "must be a boolean", (f"{path}.copy_tax",)))
        copy_tax = False
    opts = CorrectionOptions(
        type=_type(data, path, faults),
        issue_date=_issue_date(data, path, faults),
        series=_str(data, "series", path, faults),
        stamps=_stamps(data, path, faults),
        reason=_str(data, "reason", path, faults),
        ext=_ext(data, path, faults),
        copy_tax=copy_tax,
    )
    return (None, faults) if faults else (opts, [])
