# The two commands of the README's Quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := shopmail

.PHONY: run test install install-test lint clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The standalone panel needs the `standalone` extra (login, `flask db`) and `dev` (the capture SMTP server).
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[standalone,dev]'
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# Message catalogs, domain `shopmail` (Spanish is the source language, English a translation). The *.mo files are built
# here, not kept in git, so `make run` and `make test` compile them on a fresh clone.
CATALOG_DIR := src/shopmail/translations
MO := $(patsubst %.po,%.mo,$(wildcard $(CATALOG_DIR)/*/LC_MESSAGES/shopmail.po))

$(CATALOG_DIR)/%.mo: $(CATALOG_DIR)/%.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# The database, keys and cache live in instance/ at the repository root (shopmail.app.source_checkout_instance),
# for these commands and for any `flask --app shopmail shopmail …` run from the checkout alike.
run: install $(MO)
	$(BIN)/flask shopmail db-upgrade
	$(BIN)/flask shopmail ensure-admin
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# pytest exits 5 when it collects no tests: that is a failure here, not a pass.
test: install-test $(MO)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check src tests

# After changing UI or e-mail text: refresh the template and the English catalog, translate the entries
# left empty, and commit both .po/.pot files (tests/browser/test_languages.py fails while any is missing).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _sm -k shopmail_ngettext:1,2 \
		--no-location --sort-output --project shopmail --copyright-holder shopmail -o $(CATALOG_DIR)/shopmail.pot .
	$(BIN)/pybabel update -D shopmail -i $(CATALOG_DIR)/shopmail.pot -d $(CATALOG_DIR) --no-fuzzy-matching --no-wrap \
		--ignore-obsolete

clean:
	rm -rf $(VENV) build dist *.egg-info
