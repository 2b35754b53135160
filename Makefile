# IR Portal: `make run` serves the portal with demo data, `make test` checks it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in notices (and the demo's outcome link) point at the address `make run` serves.
PORTAL_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint typecheck pytest migrate seed worker beat clean check-python messages

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "IR Portal needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1). Set PYTHON=python3.11 (or newer)."; exit 1; }

$(BIN)/activate: | check-python
	$(PYTHON) -m venv $(VENV)

# The running portal needs only requirements.txt; the tests, linters and benchmarks
# add requirements-dev.txt.
$(VENV)/.installed: requirements.txt $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

migrate: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	PORTAL_BASE_URL=$(PORTAL_BASE_URL) $(BIN)/python manage.py seed_demo

# The periodic jobs (deadlines, undelivered referrals, reminders, digests, the notification
# sweep) run beside the web server every minute, and stop with it.
run: seed
	@PORTAL_BASE_URL=$(PORTAL_BASE_URL) $(BIN)/python manage.py run_background_work --every 60 --quiet & jobs=$$!; \
	trap 'kill $$jobs 2>/dev/null' EXIT INT TERM; \
	echo "Periodic jobs running (process $$jobs); they stop with the server."; \
	DEBUG=$${DEBUG:-true} PORTAL_BASE_URL=$(PORTAL_BASE_URL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy .

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# After changing a patient page's text: update the Spanish catalog (needs GNU gettext's
# xgettext), translate the new entries in locale/es/LC_MESSAGES/django.po, then run it again
# to compile (pure Python). The compiled .mo is committed.
messages: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemessages --locale es --no-location --ignore '.venv/*' \
		--ignore 'tests/*' --ignore 'static/*' --ignore 'staticfiles/*' --ignore 'test-output/*'
	$(BIN)/python -m tests.compile_catalogs

worker: $(VENV)/.installed
	$(BIN)/celery -A portal worker --loglevel=INFO

beat: $(VENV)/.installed
	$(BIN)/celery -A portal beat --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
