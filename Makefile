# ASCN Summit: `make run` serves the demo summit, `make test` checks everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format translations extract-messages bench audit install install-dev clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# JavaScript from the npm registry: jsQR, the scanner page's QR decoder (served by the app from node_modules/),
# and ical.js, the independent iCalendar parser of the feed tests.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d translations 2>&1 | grep -v '^$$' || true
	@test -f translations/vi/LC_MESSAGES/messages.mo

# --ignore-dirs replaces Babel's default, which also skips directories named _* (templates/_macros).
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--ignore-dirs '.* __pycache__ node_modules' -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

run: translations node_modules/.installed
	$(FLASK) db upgrade
	$(FLASK) demo load
	@echo
	@echo "  ASCN Summit is starting on http://$(HOST):$(PORT)"
	@echo "  Demo sign-in (organiser): organiser@ascn2020.gov.vn / ascn-demo-2020"
	@echo "  Other demo accounts (same password): admin@ascn2020.gov.vn, checkin@ascn2020.gov.vn, focal.vn@ascn2020.gov.vn"
	@echo
	$(FLASK) run --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# With TEST_DATABASE_URL, the SQLite and PostgreSQL runs go side by side (one core each; every test picks its own
# free ports and temporary folders), their lines prefixed; the target fails if either run fails.
test: install-dev node_modules/.installed translations lint
	@if [ -z "$$TEST_DATABASE_URL" ]; then \
		ASCN_TEST_BACKEND=sqlite $(BIN)/pytest; \
		echo "== TEST_DATABASE_URL not set: PostgreSQL run skipped"; \
	else \
		set -o pipefail; \
		( ASCN_TEST_BACKEND=sqlite $(BIN)/pytest -p no:cacheprovider 2>&1 | sed -u 's/^/[sqlite] /' ) & sqlite=$$!; \
		( ASCN_TEST_BACKEND=postgres $(BIN)/pytest 2>&1 | sed -u 's/^/[postgres] /' ) & postgres=$$!; \
		wait $$sqlite; sqlite_rc=$$?; wait $$postgres; postgres_rc=$$?; \
		echo "== SQLite run: exit $$sqlite_rc; PostgreSQL run: exit $$postgres_rc"; \
		test $$sqlite_rc -eq 0 -a $$postgres_rc -eq 0; \
	fi

# All benches, or some: make bench BENCHES="checkin badges". Settings BENCH_* (bench/harness.py, docs/benchmarks.md).
# Without BENCH_DATABASE_URL a scratch database is made on the local PostgreSQL and dropped after; SQLite when
# PostgreSQL does not answer (with a warning).
bench: install-dev translations
	$(BIN)/python -m bench $(BENCHES)

# Known vulnerabilities of every pinned package, from PyPI's advisory data (AUDIT_SERVICE=osv for OSV's). --strict:
# a package that could not be checked (no network, an index without the advisory API) fails the audit, so an audit
# that checked nothing never passes.
AUDIT_SERVICE ?= pypi
audit: install-dev
	@$(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off --vulnerability-service $(AUDIT_SERVICE) \
		-r requirements.txt -r requirements-dev.txt || { \
		echo "make audit FAILED: a vulnerability is listed above, or a package could not be checked because the"; \
		echo "advisory service ($(AUDIT_SERVICE)) was not reachable. See docs/security.md."; exit 1; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
