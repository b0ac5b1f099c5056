"""Short summaries of documents for entry lists (``SiloEntry.snippet``, spec §2.2).

The shapes follow the Go client's ``pkg/snippets``: an invoice shows its code, parties and
totals (amounts as decimal strings, as GOBL writes them), a party its name and tax code, a
message its title. Other schemas get what they have of ``uuid`` and a title-like field.
"""

from __future__ import annotations

from typing import Any

GOBL_DRAFT = "https://gobl.org/draft-0/"


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _party(party: Any) -> dict[str, Any]:
    party = _obj(party)
    tax_id = _obj(party.get("tax_id"))
    return _compact(
        {
            "name": party.get("name"),
            "alias": party.get("alias"),
            "country": tax_id.get("country"),
            "tax_code": tax_id.get("code"),
        }
    )


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "", {}, [])}


def snippet(doc: dict[str, Any]) -> dict[str, Any]:
    """The snippet of a GOBL document (the envelope's ``doc``)."""
    schema = str(doc.get("$schema", "")).removeprefix(GOBL_DRAFT)
    if schema == "bill/invoice":
        totals = _obj(doc.get("totals"))
        preceding = doc.get("preceding")
        first = _obj(preceding[0]) if isinstance(preceding, list) and preceding else {}
        return _compact(
            {
                "uuid": doc.get("uuid"),
                "type": doc.get("type"),
                "series": doc.get("series"),
                "code": doc.get("code"),
                "currency": doc.get("currency"),
                "issue_date": doc.get("issue_date"),
                "supplier": _party(doc.get("supplier")),
                "customer": _party(doc.get("customer")),
                "total": totals.get("total"),
                "tax": totals.get("tax"),
                "total_with_tax": totals.get("total_with_tax"),
                "payable": totals.get("payable"),
                "p_series": first.get("series"),
                "p_code": first.get("code"),
                "p_uuid": first.get("uuid"),
            }
        )
    if schema == "org/party":
        return _compact({"uuid": doc.get("uuid"), **_party(doc)})
    return _compact({"uuid": doc.get("uuid"), "title": doc.get("title") or doc.get("name")})
