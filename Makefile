# Maestro. `make demo` runs the product on this machine; `make test` is what CI runs (.ci/run).
# `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:

VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.requirements.stamp
UV_VERSION := 0.13.9
PORT ?= 8000
PYTEST_ARGS ?=

# uv must use the Python we found, never download one; compile at install, not on first import.
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1

# The demo runs on the embedded defaults (SQLite and the filesystem broker in var/); its mail
# links point at the port it serves on unless MAESTRO_SITE_URL says otherwise.
DEMO_ENV = env DJANGO_DEBUG=1 MAESTRO_SITE_URL=$${MAESTRO_SITE_URL:-http://127.0.0.1:$(PORT)}
# Tests pick their own backends (tests/plugins/backends.py); a developer's env must not leak in.
TEST_ENV := env -u DATABASE_URL -u CELERY_BROKER_URL -u DJANGO_SETTINGS_MODULE \
	-u MAESTRO_VAR_DIR -u MAESTRO_BROKER_DIR
# Production-like: DEBUG off, every required variable set, nothing reachable needed.
DEPLOY_ENV = env -u DJANGO_DEBUG -u DJANGO_SETTINGS_MODULE \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	DATABASE_URL=postgres://x@localhost/x \
	CELERY_BROKER_URL=redis://localhost:6379/0 \
	DJANGO_ALLOWED_HOSTS=maestro.example.com

.PHONY: help venv demo test pip-check pip-audit lint format migrations-check deploy-check \
	test-embedded test-real api-fuzz imports bench bench-load clean distclean system-deps-demo \
	system-deps-test

help:
	@echo "make demo           run web + Celery worker + beat on http://127.0.0.1:$(PORT)/ (PORT=...)"
	@echo "make test           everything CI runs: pip check, pip-audit, ruff, migrations, deploy"
	@echo "                    checks, pytest on embedded backends, then on real PostgreSQL +"
	@echo "                    Redis, then the API fuzzing"
	@echo "make test-embedded  pytest on SQLite + filesystem broker   (PYTEST_ARGS=...)"
	@echo "make test-real      pytest on throwaway PostgreSQL + Redis (PYTEST_ARGS=...)"
	@echo "make api-fuzz       schemathesis over every API operation, on the demo data"
	@echo "make pip-audit      known vulnerabilities in the installed pinned packages"
	@echo "make lint           ruff check + ruff format --check + mypy (domain core)"
	@echo "make imports        import-linter: each app imports only from the layers below it"
	@echo "make format         ruff format + ruff check --fix"
	@echo "make bench          benchmarks vs bare baselines on SQLite and a throwaway PostgreSQL,"
	@echo "                    3 interleaved runs, one table of ratios (BENCH_RUNS=, BENCH_BACKENDS=)"
	@echo "make bench-load     intake vs bare DRF under load: gunicorn + throwaway PostgreSQL + Redis,"
	@echo "                    locust on loopback, 10 and 50 agents, the two alternating in pairs of"
	@echo "                    slices (BENCH_LOAD_SECONDS=30 per endpoint and level, BENCH_LOAD_PAIRS=6)"
	@echo "make venv           create/update .venv (automatic for the targets above)"
	@echo "make clean          remove var/ (demo database, broker folder) and caches"
	@echo "make distclean      clean + remove .venv"

# --- Virtualenv -------------------------------------------------------------------------------
# Created once with the first Python >= 3.12 that scripts/find-python.sh finds (PYTHON=... to
# choose); packages re-installed only when a requirements file is newer than the stamp.

$(VENV)/pyvenv.cfg:
	@python=$$(scripts/find-python.sh); \
	echo "Creating $(VENV) with $$python ($$("$$python" -V 2>&1))"; \
	"$$python" -m venv --clear $(VENV)

$(STAMP): requirements.txt requirements-dev.txt $(VENV)/pyvenv.cfg
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
		echo "error: $(VENV) runs $$($(PY) -V 2>&1); Maestro needs 3.12+. Run: make distclean" >&2; \
		exit 1; }
	@$(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip --upgrade --default-pip
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) pip install --python $(PY) -r requirements-dev.txt
	$(UV) pip check --python $(PY)
	@touch $@

venv: $(STAMP)

# --- System packages (Debian/Ubuntu: installed when root, else the command to run is shown) --

system-deps-demo:
	@scripts/system-deps.sh demo

system-deps-test:
	@scripts/system-deps.sh test

# --- Demo -------------------------------------------------------------------------------------

demo: $(STAMP) system-deps-demo
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	@echo
	@echo "Maestro demo: http://127.0.0.1:$(PORT)/   (status page: /status/, API docs: /api/docs/)"
	@echo "Ctrl-C stops the web server, the Celery worker and beat."
	@echo
	$(DEMO_ENV) $(VENV)/bin/honcho --env /dev/null --procfile Procfile.dev start --port $(PORT)

# --- Checks and tests -------------------------------------------------------------------------

# Every step runs even if an earlier one failed, so one CI run reports everything; the summary
# at the end names the failed steps and the exit status is non-zero if any failed.
TEST_STEPS := pip-check pip-audit lint imports migrations-check deploy-check test-embedded \
	test-real api-fuzz
# The API fuzzing (schemathesis) is its own step, so its findings are told apart from the tests'.
FUZZ := tests/api/test_fuzz.py
# Each run's temporary folders (the throwaway PostgreSQL's data folder among them) in a folder of
# its own: in pytest's shared numbered folders, another pytest session on the same machine could
# remove them while the run still needs them.
PYTEST := $(PY) -m pytest --basetemp="$$(mktemp -d -t maestro-pytest-XXXXXX)"

test: $(STAMP) system-deps-test
	@failed=(); \
	for step in $(TEST_STEPS); do \
		echo "== make $$step"; \
		start=$$SECONDS; \
		$(MAKE) --no-print-directory $$step || failed+=("$$step"); \
		echo "== make $$step: $$((SECONDS - start)) s"; \
	done; \
	if (( $${#failed[@]} )); then echo "make test: FAILED: $${failed[*]}" >&2; exit 1; fi; \
	echo "make test: all steps passed"

pip-check: $(STAMP)
	$(UV) pip check --python $(PY)

# Known vulnerabilities (PyPI's advisory data) in the packages installed from the pins. Without
# the service (offline) it says so and passes, unless MAESTRO_AUDIT_REQUIRED=1.
pip-audit: $(STAMP)
	$(PY) scripts/audit-deps.py

# The apps' layers (README.md, "Architecture"; [tool.importlinter] in pyproject.toml).
imports: $(STAMP)
	$(VENV)/bin/lint-imports

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: $(STAMP)
	$(TEST_ENV) DJANGO_SETTINGS_MODULE=maestro.settings_test \
		$(PY) manage.py makemigrations --check --dry-run

deploy-check: $(STAMP)
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING

test-embedded: $(STAMP)
	@echo "pytest, embedded backends: SQLite file + Celery filesystem broker"
	$(TEST_ENV) MAESTRO_TEST_BACKENDS=embedded $(PYTEST) --ignore=$(FUZZ) $(PYTEST_ARGS)

test-real: $(STAMP) system-deps-test
	@echo "pytest, real backends: throwaway PostgreSQL + Redis on loopback"
	$(TEST_ENV) MAESTRO_TEST_BACKENDS=real $(PYTEST) --ignore=$(FUZZ) $(PYTEST_ARGS)

# Every API operation as the demo's consultant, operator and sponsor, on the demo data (embedded
# backends; MAESTRO_TEST_BACKENDS=real .venv/bin/pytest $(FUZZ) for PostgreSQL).
api-fuzz: $(STAMP)
	@echo "schemathesis: every API operation, demo data, embedded backends"
	$(TEST_ENV) MAESTRO_TEST_BACKENDS=embedded $(PYTEST) --tb=short $(FUZZ)

# Its own throwaway PostgreSQL (as test-real); a developer's DATABASE_URL is never used
# (BENCH_DATABASE_URL=... points the PostgreSQL side at a database on purpose).
bench: $(STAMP) system-deps-test
	$(TEST_ENV) $(PY) bench/run.py

# Loopback only, bounded in time (BENCH_LOAD_SECONDS per endpoint and level); its own servers.
bench-load: $(STAMP) system-deps-test
	$(TEST_ENV) $(PY) bench/load.py

# --- Cleaning ---------------------------------------------------------------------------------

clean:
	rm -rf var .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
