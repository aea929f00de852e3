# The 1540 Portal. `make run` serves it locally; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint schema check-schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	PORTAL_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	PORTAL_DEBUG=1 $(BIN)/python manage.py load_reference
	PORTAL_DEBUG=1 $(BIN)/python manage.py seed_demo --if-empty
	@echo "Serving the 1540 Portal on http://127.0.0.1:$(PORT)/"
	PORTAL_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache

schema: $(VENV)/.installed
	$(BIN)/python manage.py spectacular --file docs/openapi.yaml --validate --fail-on-warn

check-schema: $(VENV)/.installed
	$(BIN)/python manage.py spectacular --file $(VENV)/openapi.yaml --validate --fail-on-warn
	diff -u docs/openapi.yaml $(VENV)/openapi.yaml

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
