# Facturo — the two commands: `make serve` and `make test`.
# Everything is set up on first use: a virtualenv in .venv with the locked dependencies, and
# PostgreSQL's server binaries (Debian's package) for the tests when the machine has none.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test bench lint types imports unit setup postgres lock clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

setup: $(STAMP)

## serve: set up, migrate, create the demo workspace and token, and run the platform.
serve: $(STAMP)
	$(BIN)/facturo serve

## test: set up and run lint, types, import contracts and the whole test suite.
test: $(STAMP) postgres lint types imports unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

types: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest

## bench: run the benchmarks and print their tables (never part of `make test`).
bench: $(STAMP) postgres
	$(BIN)/python -m benchmarks

## postgres: make sure PostgreSQL server binaries exist (tests start their own server).
postgres:
	@$(BIN)/python -c "from facturo.platform.pgserver import find_bindir; find_bindir()" 2>/dev/null \
	  || { echo "Installing PostgreSQL server binaries (Debian package postgresql)"; \
	       apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

## lock: re-resolve requirements.lock after changing pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench --extra s3 --python-version 3.11 \
	  --generate-hashes --no-header -o requirements.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
