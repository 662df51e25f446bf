# The two commands of the README: `make run` and `make test`. Each sets up .venv from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLES := tests/fixtures

.PHONY: run test setup lint bench clean

$(BIN)/xxgk: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

setup: $(BIN)/xxgk

lint: setup
	$(BIN)/ruff check publisher tests bench

test: setup lint
	$(BIN)/pytest -q

run: setup
	$(BIN)/xxgk build $(SAMPLES)/*.* --out out
	$(BIN)/xxgk serve out --host 127.0.0.1 --port 8000

bench: setup
	$(BIN)/python bench/parse_throughput.py

clean:
	rm -rf $(VENV) out
