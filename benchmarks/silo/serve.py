"""One server process: Facturo's app or the bare ceiling, on uvicorn as ``facturo serve`` runs it.

Run: ``python -m silo.serve facturo|bare DB_PATH DATA_DIR PORT`` (with ``benchmarks/`` on the
path). Both get the same uvicorn settings as ``facturo serve`` (loopback, no access log, no proxy
headers, one process); Facturo also gets its logging configured as ``serve`` does, since a real
server writes its request log line. Both settle their heap at start (``settle_heap``, which
Facturo's app does in its lifespan), so the collector treats them alike.
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI


def facturo_app(db_path: Path, data_dir: Path) -> FastAPI:
    from facturo.platform import logs
    from facturo.platform.app import create_app
    from facturo.platform.runtime import Runtime
    from facturo.platform.settings import Settings

    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{db_path}")
    logs.configure(settings.log_level, json_lines=settings.log_json)
    return create_app(Runtime.from_settings(settings))


def main(argv: list[str]) -> None:
    kind, db_path, data_dir, port = argv
    if kind == "facturo":
        app = facturo_app(Path(db_path), Path(data_dir))
    else:
        from facturo.platform.app import settle_heap
        from silo.bare import create_bare_app

        app = create_bare_app(Path(db_path))
        # Facturo's app settles its heap when it starts; the ceiling gets the same treatment.
        settle_heap()
    uvicorn.run(app, host="127.0.0.1", port=int(port), log_config=None, proxy_headers=False)


if __name__ == "__main__":
    main(sys.argv[1:])
