# The two commands of the README: `make run` and `make test`. Each makes its own .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test test-fast lint format catalogues clean system-run system-test liff

run: system-run $(VENV)/.installed
	$(BIN)/tidtam run --simulator

test: lint system-test tests/peers/node_modules/.installed bot/web/static/liff/liff.js
	$(BIN)/python -m pytest

# the tests that need no server of their own (no PostgreSQL, emulator, browser) and are quick; CI runs all
test-fast: lint
	$(BIN)/python -m pytest -q -n auto -m "not postgres and not peers and not browser and not slow"

# imports point down the layers (import-linter, pyproject's contract), the code is as ruff formats it, ruff
# finds nothing, and mypy (over every product package, strict on base, domain and locales) neither.
# `make format` formats it.
lint: $(VENV)/.installed-test
	$(BIN)/lint-imports
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff format .

system-run:
	./scripts/ensure-system run

system-test:
	./scripts/ensure-system test

catalogues: $(VENV)/.installed
	$(BIN)/python -m locales.update

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# the third-party Telegram emulator the end-to-end tests run against
tests/peers/node_modules/.installed: tests/peers/package.json tests/peers/package-lock.json
	cd tests/peers && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# LINE's LIFF SDK (npm) bundled into the one file the answer form serves inside LINE (no CDN); needs Node.js.
# Only a deployment with LINE_LIFF_ID needs it (docs/form.md); the tests load it.
liff: bot/web/static/liff/liff.js

bot/web/static/liff/liff.js: bot/web/static/liff/package.json bot/web/static/liff/package-lock.json bot/web/static/liff/entry.js
	cd bot/web/static/liff && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

clean:
	rm -rf $(VENV) data tests/peers/node_modules bot/web/static/liff/node_modules bot/web/static/liff/liff.js
