"""Digests of every gobl example envelope, reproduced from the document alone (spec §3.1)."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from facturo.gobl.c14n import canonical_json_text
from facturo.gobl.dsig import Digest, DigestError, digest_document
from facturo.gobl.dsig.digest import digest_json

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared" / "data"
SOURCES = [SHARED / "gobl" / "examples" / "es" / "out", SHARED / "invopop" / "gobl"]


def _envelopes() -> list[Path]:
    found = []
    for folder in SOURCES:
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("head", {}).get("dig"), dict):
                found.append(path)
    return found


ENVELOPES = _envelopes()


def test_example_envelopes_are_found() -> None:
    # 36 ES example outputs; the invopop/gobl files are bare documents without a head.
    assert len(ENVELOPES) == 36
    assert all(path.parent == SOURCES[0] for path in ENVELOPES)


@pytest.mark.parametrize("path", ENVELOPES, ids=lambda p: p.name)
def test_digest_matches_head_dig(path: Path) -> None:
    envelope = json.loads(path.read_text(encoding="utf-8"))
    expected = Digest.from_json(envelope["head"]["dig"])
    assert digest_document(envelope["doc"]) == expected
    exact = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    assert digest_document(exact["doc"]) == expected


@pytest.mark.parametrize("path", ENVELOPES[:3], ids=lambda p: p.name)
def test_digest_from_document_text_matches(path: Path) -> None:
    envelope = json.loads(path.read_text(encoding="utf-8"))
    text = json.dumps(envelope["doc"], indent="\t", ensure_ascii=True)
    assert hashlib.sha256(canonical_json_text(text)).hexdigest() == envelope["head"]["dig"]["val"]


def test_any_change_to_the_document_changes_the_digest() -> None:
    envelope = json.loads(ENVELOPES[0].read_text(encoding="utf-8"))
    before = digest_document(envelope["doc"])
    envelope["doc"]["code"] = str(envelope["doc"].get("code", "")) + "X"
    assert digest_document(envelope["doc"]) != before


def test_digest_shape_and_value() -> None:
    digest = digest_document({"$schema": "https://gobl.org/draft-0/note/message", "content": "hi"})
    canonical = b'{"$schema":"https://gobl.org/draft-0/note/message","content":"hi"}'
    assert digest == Digest("sha256", hashlib.sha256(canonical).hexdigest())
    assert digest.to_json() == {"alg": "sha256", "val": digest.val}
    assert list(digest.to_json()) == ["alg", "val"]
    assert Digest.from_json(digest.to_json()) == digest
    assert str(digest) == f"sha256;{digest.val}"


@pytest.mark.parametrize(
    "data",
    [
        None,
        "sha256",
        {"alg": "sha256"},
        {"val": "ab"},
        {"alg": 1, "val": "ab"},
        {"alg": "", "val": ""},
    ],
)
def test_malformed_digest_json_is_refused(data: Any) -> None:
    with pytest.raises(DigestError):
        Digest.from_json(data)


def test_document_that_cannot_be_canonical_raises_digest_error() -> None:
    with pytest.raises(DigestError) as info:
        digest_document({"name": "bad \udcff"})
    assert info.value.__cause__ is not None


@pytest.mark.parametrize("path", ENVELOPES[:5], ids=lambda p: p.name)
@pytest.mark.parametrize("plain", [False, True])
def test_digest_json_is_the_digest_written_out(path: Path, plain: bool) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))["doc"]
    written = digest_json(doc, plain=plain)
    assert written == digest_document(doc, plain=plain).to_json() == dict(written)
    assert list(written) == ["alg", "val"]
    assert written == json.loads(path.read_text(encoding="utf-8"))["head"]["dig"]


@pytest.mark.parametrize("plain", [False, True])
def test_digest_json_refuses_what_digest_document_refuses(plain: bool) -> None:
    with pytest.raises(DigestError, match="cannot be digested") as info:
        digest_json({"name": "bad \udcff"}, plain=plain)
    assert info.value.__cause__ is not None
