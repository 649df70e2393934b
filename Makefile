# The two commands of the README: `make run` and `make test`. Each makes its own .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test catalogues clean

run: $(VENV)/.installed
	$(BIN)/tidtam demo

test: $(VENV)/.installed-test
	./scripts/ensure-postgres
	$(BIN)/python -m pytest

catalogues: $(VENV)/.installed
	$(BIN)/python -m locales.update

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) data
