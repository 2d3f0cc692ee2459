# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test lint bench loadtest fuzz services assets migrate clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): install python3-venv (apt-get install python3-venv)"; exit 1; }
	$(VENV)/bin/pip install --quiet --upgrade pip

$(VENV)/.base-installed: requirements/base.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.dev-installed: requirements/base.txt requirements/dev.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements/dev.txt
	touch $@ $(VENV)/.base-installed

## Browser assets: npm packages from the lockfile, bundled by esbuild into static/dist (git-ignored).
node_modules/.installed: package.json package-lock.json
	@bash deploy/scripts/ensure-node.sh
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/.built: node_modules/.installed static/build.mjs $(shell find static/src static/css -type f 2>/dev/null)
	node static/build.mjs
	touch $@

assets: static/dist/.built

migrate: $(VENV)/.base-installed
	$(PY) manage.py migrate --noinput

## Start the web server and a worker on embedded defaults at http://127.0.0.1:$(PORT).
run: $(VENV)/.base-installed assets
	@bash deploy/scripts/run-local.sh

## Install what is missing (system packages too, when root) and run the whole suite.
test: $(VENV)/.dev-installed
	@bash deploy/scripts/ensure-test-services.sh
	@$(MAKE) --no-print-directory assets
	node --test static/tests/*.test.mjs
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)
	@echo "--- annotations, comments, measurements and their moderation again, stored in MongoDB (SecantusDB) ---"
	bash deploy/scripts/with-secantus.sh $(PY) -m pytest tests/annotations tests/admin tests/conversation/test_comments.py \
	  tests/measure tests/compare/test_drawings.py $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed node_modules/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/mypy .
	node_modules/.bin/eslint .

clean:
	rm -rf staticfiles .pytest_cache .mypy_cache .ruff_cache .run

## Benchmarks (numbers, not assertions): ratios against a baseline run in the same process.
bench: $(VENV)/.dev-installed
	@bash deploy/scripts/ensure-test-services.sh
	$(PY) -m tests.bench.bench_upload --size-mib $${BENCH_UPLOAD_MIB:-1024}
	$(PY) -m tests.bench.bench_transcode --seconds $${BENCH_TRANSCODE_SECONDS:-30}
	$(PY) -m tests.bench.bench_realtime --events $${BENCH_REALTIME_EVENTS:-200}
	$(PY) -m tests.bench.bench_export --seconds $${BENCH_EXPORT_SECONDS:-30}
	$(PY) -m tests.bench.bench_tracking --seconds $${BENCH_TRACKING_SECONDS:-10}
	$(PY) -m tests.bench.bench_api --seconds $${BENCH_API_SECONDS:-5}

## The load and fault suite (tests/reliability/load): mixed API load, tus uploads with cut
## connections, 200 sockets, faults during uploads, against make run's stack started on a free
## port with its own Redis and SQLite (LOADTEST_URL: a running server, no faults). Full size;
## LOADTEST_USERS, _SECONDS, _UPLOADS, _SOCKETS, _ANNOTATIONS, _FAULT_UPLOADS, _FAULTS scale it.
## Exits 1 on any FAIL. A short version runs in make test (tests/reliability/test_load.py).
loadtest: $(VENV)/.dev-installed
	$(PY) -m tests.reliability.load $${LOADTEST_URL:+--url $$LOADTEST_URL}

## The fuzzers at length (make test runs them bounded): schemathesis over the OpenAPI schema, and
## random WebSocket frames and tus headers. FUZZ_SEED=<n> for another run of cases.
fuzz: $(VENV)/.dev-installed
	@bash deploy/scripts/ensure-test-services.sh
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} $(PY) -m pytest tests/fuzz -p no:cacheprovider -s $(PYTEST_ARGS)
