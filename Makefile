# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Every install takes its versions from constraints.txt, so runs are reproducible.
CONSTRAINTS := constraints.txt
PIP_INSTALL := $(BIN)/python -m pip install --quiet --constraint $(CONSTRAINTS)
# `make run` needs only the service's own dependencies; `make test` adds the dev
# tools (moto, schemathesis, mypy, ...) on top. Each stamp records one layer, so
# either command, in either order, installs only what is missing.
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
# mypyc and setuptools, which compile the redaction modules (`compile` below).
COMPILER := $(VENV)/.installed-compiler
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/.installed
# The console's browser tests drive Debian's Chromium: a test tool's own browser
# download is not possible everywhere, Debian's package is.
CHROMIUM := /usr/bin/chromium

.PHONY: install compile run test lint typecheck pytest package bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tenantlog needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

# pip first: the pinned pip is the one that knows --build-constraint.
$(RUNTIME): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) --upgrade pip
	$(PIP_INSTALL) --build-constraint $(CONSTRAINTS) --editable .
	touch $@

$(DEV): $(RUNTIME)
	$(PIP_INSTALL) --build-constraint $(CONSTRAINTS) --editable '.[dev]'
	touch $@

$(COMPILER): $(RUNTIME)
	$(PIP_INSTALL) --build-constraint $(CONSTRAINTS) --editable '.[compile]'
	touch $@

# The redaction modules in C (mypyc), into build/compiled: minutes the first
# time, nothing while the sources are unchanged. Without a C compiler it says
# so and the service runs them as Python (tenantlog/redaction/compiled.py).
compile: $(COMPILER)
	$(BIN)/python packaging/compile_redaction.py

# checkov lives in its own virtualenv: its pinned dependencies clash with the app's.
$(CHECKOV):
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov==3.3.30'
	touch $@

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	$$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null

install: $(DEV)

run: $(RUNTIME) compile
	$(BIN)/tenantlog serve

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV)
	$(BIN)/mypy

pytest: $(DEV) compile $(CHECKOV) $(CHROMIUM)
	$(BIN)/pytest

test: lint typecheck pytest

package: $(DEV)
	$(BIN)/python packaging/build_lambda.py

bench: $(DEV) compile
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) build dist data .pytest_cache .mypy_cache .ruff_cache
