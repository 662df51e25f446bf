# The two commands of the README: `make run` and `make test`. Each sets up .venv from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLES := tests/fixtures

.PHONY: run test setup lint bench clean site-assets browser

$(BIN)/xxgk: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

setup: $(BIN)/xxgk site-assets

# The front-end packages the static site bundles (YASGUI, Chart.js), as site/package-lock.json pins them.
site-assets: site/node_modules/.package-lock.json

site/node_modules/.package-lock.json: site/package.json site/package-lock.json
	npm ci --prefix site --no-audit --no-fund
	touch $@

# Debian's Chromium, for the browser tests of the site (tests/test_site.py).
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

lint: setup
	$(BIN)/ruff check publisher tests bench

test: setup lint browser
	$(BIN)/pytest -q --durations=15

run: setup
	$(BIN)/xxgk build $(SAMPLES)/0*.* --out out
	$(BIN)/xxgk serve out --host 127.0.0.1 --port 8000

bench: setup
	$(BIN)/python bench/parse_throughput.py

clean:
	rm -rf $(VENV) out
