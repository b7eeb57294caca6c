# Two entry points (see README): `make run` and `make test`. Each installs what it needs first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Re-installing is skipped while pyproject.toml is older than this stamp.
STAMP := $(VENV)/.bascule-install.stamp
# Paths the linters look at (bench/ may not exist yet in a fresh clone).
LINT_PATHS := $(wildcard src tests bench)

export BASCULE_DATABASE_URL ?= sqlite:///./bascule.db
HOST ?= 127.0.0.1
PORT ?= 8000
# Two workers: the suite runs on SQLite and PostgreSQL, each worker with its own databases.
PYTEST_ARGS ?= -n 2

.PHONY: help install run test pytest lint fmt bench postgres chromium clean

help:
	@echo "make run    install, create the database, load demo data once, serve on $(HOST):$(PORT)"
	@echo "make test   install, start PostgreSQL if needed, run every test, ruff and mypy"
	@echo "make lint   ruff check, ruff format --check, mypy, import layers"
	@echo "make fmt    ruff format and ruff check --fix"
	@echo "make bench  run every bench/*.py"
	@echo "make clean  remove the virtualenv and caches"

install: $(STAMP)

$(STAMP): pyproject.toml
	PYTHON=$(PYTHON) scripts/make-venv.sh $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(STAMP)
	$(BIN)/bascule init
	@status=0; $(BIN)/python scripts/db-has-leads.py || status=$$?; \
	if [ $$status -eq 3 ]; then \
		echo "No leads yet: loading demo data"; $(BIN)/bascule demo; \
	elif [ $$status -ne 0 ]; then \
		echo "could not count the leads in $$BASCULE_DATABASE_URL" >&2; exit $$status; \
	fi
	$(BIN)/bascule serve --host $(HOST) --port $(PORT)

test: $(STAMP) postgres chromium pytest lint

# Exit status 5 means "no tests collected": not a failure while the suite is being written.
pytest: $(STAMP) postgres
	@status=0; $(BIN)/pytest $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest: no tests collected"; \
	elif [ $$status -ne 0 ]; then exit $$status; fi

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

bench: $(STAMP) postgres
	@shopt -s nullglob; for f in bench/*.py; do \
		echo "== $$f"; $(BIN)/python "$$f"; \
	done

postgres:
	scripts/ensure-postgres.sh

# Browser tests need Debian's Chromium; failing to install it is a warning, not an error.
chromium:
	@scripts/ensure-chromium.sh || echo "WARNING: could not install chromium; browser tests will not run" >&2

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist src/*.egg-info
