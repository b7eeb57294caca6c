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
# `make run` is a development run: the demo's admin gets this password to sign in with.
DEMO_ADMIN ?= nathalie.roux@bascule-demo.fr
DEMO_PASSWORD ?= bascule-demo
# The web UI's message catalogues (Babel): fr and en, compiled to .mo by `make install`.
LOCALE_DIR := src/bascule/web/locale
# axe-core, from the npm registry, for the accessibility tests (scripts/ensure-axe.sh).
export BASCULE_AXE_DIR ?= $(CURDIR)/.cache/axe
# Two workers: the suite runs on SQLite and PostgreSQL, each worker with its own databases.
PYTEST_ARGS ?= -n 2

.PHONY: help install run test pytest lint fmt bench postgres chromium axe messages catalogues clean

help:
	@echo "make run    install, create the database, load demo data once, serve on $(HOST):$(PORT)"
	@echo "make test   install, start PostgreSQL if needed, run every test, ruff and mypy"
	@echo "make lint   ruff check, ruff format --check, mypy, import layers"
	@echo "make fmt    ruff format and ruff check --fix"
	@echo "make bench  run every bench/*.py"
	@echo "make messages  extract the web UI's messages and update the fr/en catalogues"
	@echo "make clean  remove the virtualenv and caches"

install: $(STAMP)

$(STAMP): pyproject.toml
	PYTHON=$(PYTHON) scripts/make-venv.sh $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(MAKE) --no-print-directory catalogues
	touch $@

# Compiled catalogues are not committed; the app compiles a missing one in memory anyway.
catalogues:
	$(BIN)/pybabel compile -d $(LOCALE_DIR) -D messages

# After adding or changing a message: extract, merge into both catalogues, then translate the
# new entries in the .po files (tests/unit/web/test_catalogues.py lists any left empty).
messages: $(STAMP)
	mkdir -p .cache
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --omit-header -o .cache/messages.pot .
	$(BIN)/pybabel update -i .cache/messages.pot -d $(LOCALE_DIR) -D messages --no-fuzzy-matching --ignore-obsolete --width 100
	$(MAKE) --no-print-directory catalogues

run: $(STAMP)
	$(BIN)/bascule init
	@status=0; $(BIN)/python scripts/db-has-leads.py || status=$$?; \
	if [ $$status -eq 3 ]; then \
		echo "No leads yet: loading demo data"; $(BIN)/bascule demo; \
		printf '%s\n' '$(DEMO_PASSWORD)' | $(BIN)/bascule users password $(DEMO_ADMIN); \
		echo "Sign in at http://$(HOST):$(PORT)/login as $(DEMO_ADMIN), password $(DEMO_PASSWORD)"; \
	elif [ $$status -ne 0 ]; then \
		echo "could not count the leads in $$BASCULE_DATABASE_URL" >&2; exit $$status; \
	fi
	$(BIN)/bascule serve --dev --host $(HOST) --port $(PORT)

test: $(STAMP) postgres chromium axe pytest lint

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

# Accessibility tests inject axe-core; failing to install it is a warning (those tests skip).
axe:
	@scripts/ensure-axe.sh "$(BASCULE_AXE_DIR)" || echo "WARNING: could not install axe-core; accessibility tests will be skipped" >&2

clean:
	rm -rf $(VENV) .cache .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist src/*.egg-info
