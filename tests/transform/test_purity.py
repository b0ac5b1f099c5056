"""The pure core imports nothing of the database, the web or the platform (STYLE.md)."""

from __future__ import annotations

import subprocess
import sys

PURE_MODULES = (
    "facturo.transform.statuses",
    "facturo.transform.catalogue",
    "facturo.transform.workflows.models",
    "facturo.transform.workflows.paths",
    "facturo.transform.workflows.flow",
    "facturo.transform.workflows.digest",
    "facturo.transform.workflows.validate",
    "facturo.transform.engine.plan",
    "facturo.transform.engine.retry",
)
FORBIDDEN = ("sqlalchemy", "fastapi", "starlette", "httpx", "facturo.platform")


def test_pure_modules_import_no_io_layers() -> None:
    # A fresh interpreter: this test process may have loaded those libraries for other tests.
    program = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in PURE_MODULES)
        + f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} "
        + "or m.startswith('facturo.platform')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
