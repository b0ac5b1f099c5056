"""Port of gobl bill/invoice_correct.go: a credit note, debit note or corrective from an invoice.

A correction is a new invoice that points back at the one it corrects. The original's key
fields move into ``preceding[0]`` (uuid, type, series, code, issue date, the reason, extension
codes from the options, the stamps the rules ask for and, where the tax agency wants them, a
copy of its tax totals); the new invoice loses the uuid and the code, takes the correction type,
the new series and issue date, and is calculated and validated like any build.

What may be done is data: the regime and every addon in ``$addons`` contribute a correction
definition for ``bill/invoice`` (types, extension keys, required stamps, ``reason_required``,
``copy_tax``), merged as gobl merges them. Spain allows ``credit-note``, ``corrective`` and
``debit-note``; VERI*FACTU and SII add their doc-type extension and ask for the tax copy.

Differences from the older gobl versions, on purpose: a debit note keeps the original lines
(current gobl no longer empties them, and an invoice without lines cannot be validated), and a
credit note keeps its values positive. Payment advances belong to the original, so notes of
differences (credit and debit) drop them; a corrective, which replaces the original whole, keeps
them.

Faults (the options' own shape is checked in :mod:`facturo.gobl.bill.correction_options`):

=======================  ====================  ===========================================
code                     path                  when
=======================  ====================  ===========================================
GOBL-BILL-CORRECTION-01  ``$.$schema``         the document is not an invoice
GOBL-BILL-CORRECTION-02  ``$.code``            the original has no code
GOBL-BILL-CORRECTION-03  ``<options>.type``    no correction type
GOBL-BILL-CORRECTION-04  ``<options>.type``    a type the definitions do not allow
GOBL-BILL-CORRECTION-05  ``<options>.stamps``  a stamp the definitions require is absent
GOBL-BILL-CORRECTION-06  ``<options>.reason``  the definitions require a reason
GOBL-BILL-CORRECTION-07  ``<options>.ext.k``   an extension no definition allows
=======================  ====================  ===========================================
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from facturo.errors import Fault
from facturo.gobl.bill.correction_options import CorrectionOptions, Stamp, read_options
from facturo.gobl.bill.invoice import resolve_addons
from facturo.gobl.envelope import Envelope, UuidFactory, calculate_document, is_envelope, wrap
from facturo.gobl.errors import ErrorKey, GoblError
from facturo.gobl.schema.codec import ZERO_UUID
from facturo.gobl.schema.registry import schema_id
from facturo.gobl.tax.regime_def import addon, regime

SCHEMA: Final = "bill/invoice"
INVOICE_SCHEMA: Final = schema_id(SCHEMA)

NOT_INVOICE: Final = "GOBL-BILL-CORRECTION-01"
NO_CODE: Final = "GOBL-BILL-CORRECTION-02"
NO_TYPE: Final = "GOBL-BILL-CORRECTION-03"
BAD_TYPE: Final = "GOBL-BILL-CORRECTION-04"
NO_STAMP: Final = "GOBL-BILL-CORRECTION-05"
NO_REASON: Final = "GOBL-BILL-CORRECTION-06"
BAD_EXT: Final = "GOBL-BILL-CORRECTION-07"

# Addons whose gobl normalizer lifts a doc type given in the options (and so parked on the
# preceding reference) up to the new invoice's ``tax.ext``. SII's normalizer here already does
# that on every calculation; VERI*FACTU's is done at correction time.
_LIFTED_TO_TAX: Final = {"es-verifactu-v1": "es-verifactu-doc-type"}
_DIFFERENCES: Final = ("credit-note", "debit-note")


@dataclass(frozen=True, slots=True)
class CorrectionDefinition:
    """What a regime and its addons allow when correcting one document schema (merged)."""

    types: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    stamps: tuple[str, ...] = ()
    reason_required: bool = False
    copy_tax: bool = False

    def merge(self, other: dict[str, Any]) -> CorrectionDefinition:
        """gobl ``CorrectionDefinition.Merge``: lists are unioned, flags are or-ed."""

        def union(mine: tuple[str, ...], theirs: Iterable[str]) -> tuple[str, ...]:
            return tuple(dict.fromkeys((*mine, *theirs)))

        return CorrectionDefinition(
            types=union(self.types, other.get("types") or ()),
            extensions=union(self.extensions, other.get("extensions") or ()),
            stamps=union(self.stamps, other.get("stamps") or ()),
            reason_required=self.reason_required or bool(other.get("reason_required")),
            copy_tax=self.copy_tax or bool(other.get("copy_tax")),
        )


@cache
def _raw_corrections(kind: str, name: str) -> tuple[dict[str, Any], ...]:
    """The ``corrections`` list of a regime or addon file, as data (all fields kept)."""
    path = resources.files("facturo.gobl.data").joinpath(kind, name + ".json")
    if not path.is_file():
        return ()
    data = json.loads(path.read_text("utf-8"))
    return tuple(data.get("corrections") or ())


def correction_definition(regime_code: str, addons: Iterable[str]) -> CorrectionDefinition:
    """The merged definition for invoices of a regime with these addons."""
    cd = CorrectionDefinition()
    sources: list[tuple[str, str]] = []
    if regime(regime_code) is not None:
        sources.append(("regimes", regime_code.lower()))
    sources.extend(("addons", key) for key in addons if addon(key) is not None)
    for kind, name in sources:
        for row in _raw_corrections(kind, name):
            if row.get("schema") == SCHEMA:
                cd = cd.merge(row)
    return cd


def _today(regime_code: str, now: datetime) -> str:
    """``now``'s date where the regime lives (gobl ``cal.TodayIn``), else ``now``'s own date."""
    reg = regime(regime_code)
    if reg is not None and reg.time_zone and now.tzinfo is not None:
        try:
            return now.astimezone(ZoneInfo(reg.time_zone)).date().isoformat()
        except ZoneInfoNotFoundError:  # no tz database: fall back to the caller's clock
            pass
    return now.date().isoformat()


def _check(
    inv: dict[str, Any], opts: CorrectionOptions, cd: CorrectionDefinition, opath: str
) -> list[Fault]:
    faults: list[Fault] = []
    if not inv.get("code"):
        faults.append(Fault(NO_CODE, "cannot correct an invoice without a code", ("$.code",)))
    if not opts.type:
        faults.append(Fault(NO_TYPE, "missing correction type", (f"{opath}.type",)))
    elif opts.type not in cd.types:
        allowed = ", ".join(cd.types) or "none"
        faults.append(
            Fault(
                BAD_TYPE,
                f"invalid correction type: {opts.type} (allowed: {allowed})",
                (f"{opath}.type",),
            )
        )
    given = {s.prv for s in opts.stamps}
    faults.extend(
        Fault(NO_STAMP, f"missing stamp: {k}", (f"{opath}.stamps",))
        for k in cd.stamps
        if k not in given
    )
    if cd.reason_required and not opts.reason:
        faults.append(Fault(NO_REASON, "missing corrective reason", (f"{opath}.reason",)))
    faults.extend(
        Fault(BAD_EXT, "extension not allowed in corrections", (f"{opath}.ext.{k}",))
        for k in opts.ext
        if k not in cd.extensions
    )
    return faults


def _preceding(
    inv: dict[str, Any], opts: CorrectionOptions, cd: CorrectionDefinition
) -> dict[str, Any]:
    """``org.DocumentRef`` of the original; empty values are left out, as gobl omits them."""
    pre: dict[str, Any] = {}
    if inv.get("uuid") and inv["uuid"] != ZERO_UUID:
        pre["uuid"] = inv["uuid"]
    for name in ("type", "issue_date", "series", "code"):
        if inv.get(name):
            pre[name] = inv[name]
    if opts.reason:
        pre["reason"] = opts.reason
    wanted: list[Stamp] = []
    for k in cd.stamps:
        wanted.append(next(s for s in opts.stamps if s.prv == k))
    if wanted:
        pre["stamps"] = [s.to_json() for s in wanted]
    taxes = (inv.get("totals") or {}).get("taxes")
    if (cd.copy_tax or opts.copy_tax) and taxes:
        pre["tax"] = copy.deepcopy(taxes)
    if opts.ext:
        pre["ext"] = dict(opts.ext)
    return pre


def correct_invoice(
    inv: dict[str, Any],
    opts: CorrectionOptions,
    *,
    now: datetime,
    options_path: str = "$.options",
    definition: CorrectionDefinition | None = None,
) -> dict[str, Any]:
    """The corrective invoice's JSON, not yet calculated, from a calculated original.

    ``inv`` is not modified. Raises :class:`GoblError` (``validation``) with every fault found
    in the original and the options at once, so a caller fixes them in one go. ``definition``
    replaces the one merged from the regime and addon data, for rules this port has no data
    for (regimes whose agencies stamp invoices, such as Mexico's SAT).
    """
    if inv.get("$schema") != INVOICE_SCHEMA:
        raise GoblError(
            ErrorKey.VALIDATION,
            faults=[Fault(NOT_INVOICE, "only invoices can be corrected", ("$.$schema",))],
        )
    out = copy.deepcopy(inv)
    regime_code = str(out.get("$regime") or "")
    addons = resolve_addons(out)
    cd = definition or correction_definition(regime_code, addons)
    faults = _check(out, opts, cd, options_path)
    if faults:
        raise GoblError(ErrorKey.VALIDATION, faults=faults)
    pre = _preceding(out, opts, cd)
    out.pop("uuid", None)
    out.pop("code", None)
    out["type"] = opts.type
    if opts.series:
        out["series"] = opts.series
    out["issue_date"] = opts.issue_date or _today(regime_code, now)
    out.pop("issue_time", None)  # the original's time of issue says nothing of this one
    out["preceding"] = [pre]
    for key, ext_key in _LIFTED_TO_TAX.items():
        if key in addons and ext_key in (pre.get("ext") or {}):
            tax = out.setdefault("tax", {})
            tax["ext"] = {**(tax.get("ext") or {}), ext_key: pre["ext"].pop(ext_key)}
            if not pre["ext"]:
                del pre["ext"]
    payment = out.get("payment")
    advances_dropped = (
        opts.type in _DIFFERENCES and isinstance(payment, dict) and payment.pop("advances", None)
    )
    if advances_dropped and not payment:
        del out["payment"]
    return out


def corrected_document(
    data: dict[str, Any], options: Any, *, now: datetime, options_path: str = "$.options"
) -> dict[str, Any]:
    """The corrective invoice of ``data`` (an invoice or its envelope), not yet calculated.

    For callers that build it their own way (the Silo stores invalid documents on request);
    :func:`correct` is this followed by a build. Raises :class:`GoblError` as :func:`correct`.
    """
    opts, faults = read_options(options, options_path)
    if opts is None:
        raise GoblError(ErrorKey.VALIDATION, faults=faults)
    prefix = "$"
    doc = data
    if is_envelope(data):
        prefix = "$.doc"
        doc = data.get("doc") or {}
        head_stamps = tuple(
            Stamp(prv=s["prv"], val=s["val"])
            for s in (data.get("head") or {}).get("stamps") or ()
            if isinstance(s, dict)
            and isinstance(s.get("prv"), str)
            and isinstance(s.get("val"), str)
        )
        if head_stamps:
            opts = replace(opts, stamps=(*opts.stamps, *head_stamps))
    if not isinstance(doc, dict) or doc.get("$schema") != INVOICE_SCHEMA:
        raise GoblError(
            ErrorKey.VALIDATION,
            faults=[Fault(NOT_INVOICE, "only invoices can be corrected", (f"{prefix}.$schema",))],
        )
    original = calculate_document(doc)  # totals present and normalised, even for raw input
    try:
        return correct_invoice(original, opts, now=now, options_path=options_path)
    except GoblError as exc:
        raise _rooted(exc, prefix, options_path) from exc


def correct(
    data: dict[str, Any],
    options: Any,
    *,
    uuid_factory: UuidFactory,
    now: datetime,
    options_path: str = "$.options",
) -> Envelope:
    """Build the envelope of a correction of ``data`` (an invoice or its envelope).

    ``options`` is the JSON of ``bill/correction-options``; ``options_path`` is where it sits in
    what the caller sent, for fault paths. Stamps in an envelope's header count as given, as in
    gobl (a signed original carries its agency's stamps there). The result is a new envelope:
    a new header uuid and document uuid from ``uuid_factory``; nothing of the original's header
    is kept. Document faults are rooted like :func:`facturo.gobl.build` (``$.doc.…`` for an
    envelope); option faults at ``options_path``.
    """
    doc = corrected_document(data, options, now=now, options_path=options_path)
    return wrap(doc, uuid_factory=uuid_factory, now=now)


def _rooted(exc: GoblError, prefix: str, options_path: str) -> GoblError:
    """Document fault paths moved under ``prefix``; option paths stay as they are."""
    if prefix == "$":
        return exc
    faults = [
        Fault(
            f.code,
            f.message,
            tuple(
                p if p.startswith(options_path) else prefix + p[1:] if p.startswith("$") else p
                for p in f.paths
            ),
            f.provider,
        )
        for f in exc.faults
    ]
    return GoblError(exc.key, exc.message, faults=faults)
