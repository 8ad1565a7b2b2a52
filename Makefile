# Entry points: `make demo` plans the default bundled scenario, `make serve` starts the web app and HTTP API,
# `make test` runs the suite.
# Each creates .venv with Python 3.11+ when it is missing and installs the exact versions of requirements.lock
# (then the project itself, without resolving again). `make lock` adds new dependencies of pyproject.toml to the
# lock, keeping the other pins; `make lock UPGRADE=1` moves every pin to the newest release the index serves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo serve test lint bench lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/campaign optimize cafe-chain-q1

# The web app and HTTP API on http://127.0.0.1:8000 (the bundled scenarios and this folder's scenario files).
serve: $(STAMP)
	$(BIN)/campaign serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/optimizer.py

# The lock is compiled by uv (from PyPI, kept in its own venv) for every platform and Python 3.11+, with one
# version of each package for all of them (--fork-strategy fewest), from pyproject.toml with the dev extra.
LOCK_TOOLS := .venv-lock
lock:
	test -x $(LOCK_TOOLS)/bin/uv || { $(PYTHON) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/python -m pip install --quiet uv; }
	$(LOCK_TOOLS)/bin/uv pip compile pyproject.toml --extra dev --universal --fork-strategy fewest \
		--python-version 3.11 --no-config --custom-compile-command 'make lock   (make lock UPGRADE=1: every pin to its newest release; README, Development)' $(if $(UPGRADE),--upgrade) \
		--output-file requirements.lock

clean:
	rm -rf $(VENV) $(LOCK_TOOLS) .pytest_cache .ruff_cache
