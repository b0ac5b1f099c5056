"""The pure modules import nothing of the platform, the web, the database or the clock's owners."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import facturo.verifactu

# The context's database and HTTP parts (STYLE.md layout): everything else is pure.
STORAGE = {
    "tables.py",
    "ledger.py",
    "registration_tables.py",
    "registrations.py",
    "registrations_api.py",
}
PURE = sorted(
    p for p in Path(facturo.verifactu.__file__).parent.glob("*.py") if p.name not in STORAGE
)
FORBIDDEN = ("facturo.platform", "sqlalchemy", "fastapi", "httpx", "starlette", "os", "random")


@pytest.mark.parametrize("path", PURE, ids=lambda p: p.name)
def test_module_imports_nothing_forbidden(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    bad = [n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)]
    assert bad == []


@pytest.mark.parametrize("path", PURE, ids=lambda p: p.name)
def test_module_reads_no_clock(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert ".now(" not in text
    assert "time.time(" not in text
    assert ".today(" not in text
