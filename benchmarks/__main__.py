"""``make bench``: run every benchmark module and print pytest-benchmark's table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent

if __name__ == "__main__":
    files = sorted(str(p) for p in HERE.glob("bench_*.py"))
    if not files:
        print("no benchmarks yet")
        sys.exit(0)
    args = [
        *files,
        *("-p", "no:cacheprovider", "--import-mode=importlib"),
        *("-o", "python_files=bench_*.py", "-o", "python_functions=bench_* test_*"),
        "--benchmark-only",
        "--benchmark-columns=min,median,mean,ops,rounds",
        "--benchmark-sort=name",
        "-q",
        "-s",
    ]
    status = pytest.main(args)
    # Benchmarks that race peer libraries side by side print their own table.
    for script in sorted(HERE.glob("bench_*.py")):
        if "def main(" in script.read_text():
            print(f"\n== {script.name}")
            status = status or subprocess.call([sys.executable, str(script), "--seconds", "3"])
    sys.exit(status)
