# Quick start: `make demo` (set up, run the main job on the bundled AIME24 data) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# CPU torch for the test suite's toy-size runner tests (this wheel lies on the CI machines' disk).
TORCH  ?= torch==2.13.0
DB     ?= warehouse/demo.duckdb
REPORT ?= report

.PHONY: demo test docs check browser bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q "$(TORCH)"
	$(BIN)/pip install -q -e ".[dev,torch,llamacpp]"
	touch $@ $(VENV)/.core

demo: $(VENV)/.core
	$(BIN)/kinetics-sql --db $(DB) init
	$(BIN)/kinetics-sql --db $(DB) ingest --bundled warehouse/measurements
	$(BIN)/kinetics-sql --db $(DB) report --out $(REPORT)

# The test command of the README and CI: the static checks first (they fail fast), then the whole suite, the tests
# marked slow included (a plain `pytest` leaves them out: pyproject.toml's addopts).
test: check browser
	$(BIN)/python -m pytest -q -n 2 -m "slow or not slow"

# tests/test_browser.py opens the report in Debian's chromium (through playwright, the dev extra): install
# it where it is missing and apt-get can (root); elsewhere the browser tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    { apt-get install -y -q chromium >/dev/null 2>&1 || \
	      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; }; } || \
	  echo "chromium is not installed and apt-get could not install it: tests/test_browser.py will skip"

# ruff, mypy over every folder (kinetics_sql includes ingest/runners/figures/queries) and tests,
# import-linter's layered and forbidden contracts (pyproject.toml).
check: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The documentation site (docs/, mkdocs.yml) into site/, offline (no web fonts, no CDN); a warning fails it.
docs: $(VENV)/.dev
	$(BIN)/mkdocs build --strict --quiet
	@echo "site/index.html: the documentation site (open it from the file)"

bench: $(VENV)/.dev
	$(BIN)/python -m bench

lint: check

clean:
	rm -rf $(VENV) $(DB) $(REPORT) site build dist *.egg-info
