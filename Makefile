# The two commands: `make run` (embedded default: SQLite, tasks inline, no setup) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails (confirmations, digests) point at the address `make run` serves, unless SITE_URL is set.
SITE_URL ?= http://$(HOST):$(PORT)
# Tests run on real PostgreSQL and Redis; these defaults are the local servers.
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/tracker
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint install setup fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# axe-core, which the browser tests evaluate in each page (tests/site/test_pages.py); never served by the app.
# Without npm, `make run` still works and those tests skip (CI, with REQUIRE_BROWSER=1, installs npm and fails).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the accessibility checks of the browser tests will be skipped"; fi

install: $(VENV)/.installed node_modules/.installed

setup: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_registry
	$(BIN)/python manage.py seed_sources
	$(BIN)/python manage.py load_samples
	$(BIN)/python manage.py ensure_admin

run: setup
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: /admin/, API: /api/v1/)"
	SITE_URL='$(SITE_URL)' $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$${REDIS_URL:-$(TEST_REDIS_URL)}} \
	SECRET_KEY=test-only-secret-key DEBUG=0 SECURE_SSL_REDIRECT=0 \
	sh -c '$(BIN)/python manage.py makemigrations --check --dry-run && $(BIN)/python -m pytest $(PYTEST_ARGS)'

# schemathesis, longer than the bounded profile the test suite runs.
fuzz: install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$${REDIS_URL:-$(TEST_REDIS_URL)}} \
	SECRET_KEY=test-only-secret-key DEBUG=0 SECURE_SSL_REDIRECT=0 SCHEMATHESIS_MAX_EXAMPLES=$${SCHEMATHESIS_MAX_EXAMPLES:-200} \
	$(BIN)/python -m pytest -q tests/api/test_schema_fuzz.py

clean:
	rm -rf var $(VENV) node_modules
