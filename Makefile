# The 1540 Portal. `make run` serves it locally; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint schema check-schema messages compile-messages clean

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

# Extract every translatable string into the catalogues (needs GNU gettext's xgettext), then compile them.
MESSAGE_LOCALES := -l en -l ar -l zh_Hans -l fr -l ru -l es
MESSAGE_IGNORE := -i ".venv/*" -i "bench/*" -i "staticfiles/*" -i "static/vendor/*" -i "docs/*" \
	-i "*/tests/*" -i "portal/testing/*" -i "conftest.py"
messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages $(MESSAGE_LOCALES) $(MESSAGE_IGNORE) --no-obsolete --add-location file
	$(BIN)/python manage.py makemessages -d djangojs $(MESSAGE_LOCALES) $(MESSAGE_IGNORE) --no-obsolete --add-location file
	$(MAKE) compile-messages

# Compile the catalogues into the .mo files Django reads (pure Python; the .mo files are committed).
compile-messages: $(VENV)/.installed
	$(BIN)/python manage.py compile_catalogues

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
