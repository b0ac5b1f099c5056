"""No single wrong member makes a build fail with anything but a ``GoblError``.

Bad input (a wrong type, a missing member, an unknown code, an odd value) must end in a
``GoblError`` with its key, message and faults, never in a ``KeyError`` or ``TypeError`` from
deep inside calculation. For every member of every ES example input (at any depth, in gobl's own
types), the member is removed or replaced by each of a list of values of every JSON type, and
the build must either give an envelope or raise ``GoblError``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from facturo.gobl import build, parse
from facturo.gobl.errors import GoblError

from .mutations import changed, members

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT.parent / "shared" / "data" / "gobl" / "examples" / "es"
FILES = sorted(p for p in EXAMPLES.glob("*.*") if p.suffix in (".yaml", ".json"))
U = UUID("8a51fd30-2a27-11ee-be56-0242ac120002")

#: Values of every JSON type, blanks, codes of the wrong kind and overlong text.
VALUES: tuple[Any, ...] = (
    *("", "X", "-1", "0.00", "1e3", "99999999999999999999", "2024-02-30", "21%", "ZZ"),
    *("A" * 300, "../../x", "es-verifactu-v1", "VAT", "standard"),
    *(None, 0, -1, 1.5, True, False, [], {}, ["x"], [None], [{}], {"a": "b"}, {"a": None}),
)


@pytest.mark.parametrize("src", FILES, ids=[p.name for p in FILES])
def test_every_single_bad_member_is_a_gobl_error(src: Path) -> None:
    data = parse(src.read_text("utf-8"))
    crashes = []
    for path in members(data, items=True):
        for remove, value in [(True, None), *((False, v) for v in VALUES)]:
            try:
                build(changed(data, path, value, remove=remove), uuid_factory=lambda: U)
            except GoblError:
                pass
            except Exception as exc:  # what this test is for: every other error is a crash
                crashes.append((path, "removed" if remove else value, repr(exc)))
    assert crashes == []
