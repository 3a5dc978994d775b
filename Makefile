# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8050
WORKERS ?= 2
PIP_VERSION := 26.3
PIP_TOOLS := pip-tools==7.7.0
# The build backend pyproject.toml pins, so that make lock hashes it too.
BUILD_BACKEND := $(shell sed -n 's/^requires = \["\(.*\)"\]/\1/p' pyproject.toml)

.PHONY: run serve build test test-quick lint install browser bench bench-quick bench-tools status refresh clean lock audit soak

## Create the virtual environment and install pinned dependencies (re-run when they change).
## Every package (pip and the build backend included) comes from constraints-test.txt with its
## hash, so pip refuses any file that differs from the one the project was locked with; then the
## project itself, editable, with nothing more resolved or downloaded.
$(STAMP): pyproject.toml constraints.txt constraints-test.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r constraints-test.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

## Build the warehouse from bundled data and stored snapshots (no network).
build: install
	$(BIN)/python -m etl build

## Install, build, and serve on http://127.0.0.1:$(PORT) (server settings: gunicorn.conf.py)
run: build serve

serve: install
	$(BIN)/gunicorn -c gunicorn.conf.py app:server --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile -

## Browser tests use Debian's chromium (Playwright's own browser download does not work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

## axe-core for the browser tests' accessibility check (pinned in package-lock.json).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm; \
	  else echo "The accessibility tests need npm: sudo apt-get install nodejs npm" >&2; exit 1; fi; }
	npm ci --no-audit --no-fund
	touch $@

## Install and run every test (lint, unit, integration against fake SSB/KLASS servers, browser, axe).
test: install lint browser node_modules/axe-core/axe.min.js
	$(BIN)/python -m pytest -q

## ruff (rules in pyproject.toml); the layers' import directions are tests/test_architecture.py.
lint: install
	$(BIN)/ruff check .

## The quick loop while working: the unit tests alone (no servers, no browser): 1 096 tests, about 2 min on 2 cores.
test-quick: install
	$(BIN)/python -m pytest -q -m unit -p no:cacheprovider

## Online: fetch SSB tables and KLASS regions, then rebuild.
refresh: install
	$(BIN)/python -m etl refresh

status: install
	$(BIN)/python -m etl status

## Every bench, one after the other (bench/run_all.py, ~25 min, Lighthouse most of it): prints each figure and writes
## bench/results/*.json. BENCH_SOAK=1 includes the 5-minute soak.
bench: install browser node_modules/axe-core/axe.min.js bench-tools
	$(BIN)/python bench/run_all.py

## Short runs of every bench, to try the scripts (not figures for the README).
bench-quick: install browser node_modules/axe-core/axe.min.js bench-tools
	$(BIN)/python bench/run_all.py --quick

## wrk and nginx (Debian) for the load benches; without them those benches say "not available".
bench-tools:
	@{ command -v wrk >/dev/null 2>&1 && { command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx; }; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk nginx; \
	  else echo "Load benches: sudo apt-get install wrk nginx (otherwise they report 'not available')" >&2; fi; }

clean:
	rm -rf $(VENV) .venv-audit .venv-lock node_modules data/warehouse.duckdb data/warehouse.duckdb.* data/etl_runs.jsonl tests/artifacts

## Re-pin dependencies after changing pyproject.toml, with the hash of every file: constraints.txt
## (what the app needs; the Docker image installs it) and constraints-test.txt (that plus the
## test tools; make install). Existing pins are kept; to raise one, delete its lines first.
## pip-tools runs from its own .venv-lock and is never pinned with the app.
lock:
	test -x .venv-lock/bin/pip-compile || { $(PYTHON) -m venv .venv-lock && .venv-lock/bin/python -m pip install -q $(PIP_TOOLS); }
	printf '%s\n' "pip==$(PIP_VERSION)" '$(BUILD_BACKEND)' | CUSTOM_COMPILE_COMMAND="make lock" .venv-lock/bin/pip-compile \
	  -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
	  -o constraints.txt pyproject.toml -
	printf '%s\n' "pip==$(PIP_VERSION)" '$(BUILD_BACKEND)' | CUSTOM_COMPILE_COMMAND="make lock" .venv-lock/bin/pip-compile \
	  -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --extra test \
	  -c constraints.txt -o constraints-test.txt pyproject.toml -

## Known vulnerabilities in the pinned dependencies (pip-audit in its own .venv-audit, so it is
## never pinned with the app). Fails on a known vulnerability; says so when no service answers.
audit:
	$(PYTHON) .ci/audit.py constraints-test.txt

## Soak: 50 readers for 5 minutes against gunicorn, rebuild halfway (SOAK_SECONDS=30 to try it).
soak: install
	$(BIN)/python bench/soak.py
