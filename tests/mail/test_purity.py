"""The template engine and message building stay free of I/O layers (STYLE.md)."""

from __future__ import annotations

import subprocess
import sys

PURE_MODULES = (
    "facturo.mail.templates",
    "facturo.mail.template_nodes",
    "facturo.mail.template_parse",
    "facturo.mail.template_render",
    "facturo.mail.template_funcs",
    "facturo.mail.variables",
    "facturo.mail.message",
)
FORBIDDEN = ("sqlalchemy", "fastapi", "starlette", "httpx", "aiosmtplib", "aiosmtpd")


def test_pure_mail_modules_import_no_io_layers() -> None:
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
