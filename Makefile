# Two commands for a newcomer: `make demo` (set up, run the main job on the bundled
# sample) and `make test` (set up, run the tests). Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := out/demo.duckdb

.PHONY: setup demo lint typecheck check test bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(BIN)/chronolink run sample_data/world --referrals sample_data/world/mash_referrals.csv \
		--as-of 2026-10-31 --out out/demo --db $(DEMO_DB)
	$(BIN)/chronolink export mentions out/demo/mentions.csv --db $(DEMO_DB)
	$(BIN)/chronolink export flags out/demo/flags.csv --db $(DEMO_DB)
	@echo "Open out/demo/index.html in a browser, or the workbench over the demo store:"
	@echo "  $(BIN)/chronolink serve --db $(DEMO_DB)"

# Gates every landing passes before the tests: lint and import order (ruff) on the package.
lint: $(STAMP)
	$(BIN)/ruff check engine reports schemas chronolink

# The type checker on the package as it installs: mypy cannot follow the editable install's import hook,
# so a folder of links gives it the installed shape (chronolink/engine -> engine/, ...).
TYPECHECK := $(VENV)/typecheck
typecheck: $(STAMP)
	rm -rf $(TYPECHECK)/chronolink && mkdir -p $(TYPECHECK)/chronolink
	ln -s $(CURDIR)/engine $(CURDIR)/schemas $(CURDIR)/reports $(CURDIR)/chronolink/*.py $(TYPECHECK)/chronolink/
	cd $(TYPECHECK) && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml -p chronolink

# A fast subset (under a minute on 2 cores; 26 s measured): contracts, errors, the store, tamper, one-home and
# import-graph checks.
check: lint typecheck
	$(BIN)/python -m pytest -n 2 tests/test_errors.py tests/test_one_home.py tests/test_packaging.py \
		tests/test_import_graph.py tests/store tests/security/test_tamper.py tests/normalise tests/schemas

test: lint typecheck
	$(BIN)/python -m pytest -n 2 tests

clean:
	rm -rf out .pytest_cache .hypothesis
