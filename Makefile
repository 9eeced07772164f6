# The README's two commands: `make run` and `make test`. Each sets everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
# links in emails and calendar feeds point at the port the app runs on, unless TRACKER_BASE_URL says otherwise
export TRACKER_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: setup run test test-deep lock audit lint clean translations security bench

# every package, direct or not, at the version and hashes of requirements.lock (made from pyproject.toml: make lock)
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

setup: $(VENV)/.installed

## run: migrate, load roadmaps/, create demo accounts, then serve web (gunicorn) and the clock on 127.0.0.1:$(PORT)
run: setup
	$(BIN)/mindet db upgrade
	$(BIN)/mindet roadmaps sync
	$(BIN)/mindet demo seed
	@echo
	@echo "The clock's emails are printed to its log (TRACKER_MAIL_BACKEND=console): clock.log in the instance folder"
	@$(BIN)/mindet serve --port $(PORT)

# three workers on two cores: a third of the tests wait on a browser, a server or a subprocess meanwhile
PYTEST := $(BIN)/pytest -n 3 --dist worksteal --durations=10

## test: the everyday suite (under a minute), one worker per core, the ten slowest tests and the time it took (SQLite; TRACKER_TEST_DATABASE_URL for PostgreSQL)
test: setup
	@started=$$(date +%s); $(PYTEST) -m "not deep"; status=$$?; \
	echo "make test: $$(( $$(date +%s) - started )) s"; exit $$status

## test-deep: what make test leaves out or keeps small: schemathesis, several servers, many generated examples (CI runs it too)
test-deep: setup
	@started=$$(date +%s); TRACKER_TEST_DEEP=1 $(PYTEST) -m "deep or sized"; status=$$?; \
	echo "make test-deep: $$(( $$(date +%s) - started )) s"; exit $$status

## security: wapiti, sqlmap, pip-audit and bandit against a throwaway instance; summary in security/SUMMARY.md
security: setup
	SCAN_MINUTES=$(or $(SCAN_MINUTES),10) security/run

## bench: the benchmark (not in make test): pages at small (SQLite, PostgreSQL) and national scale (PostgreSQL, kept and rendered on every request), then the batch jobs (sync, clock, digests); bench/RESULTS.md
BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432
bench: setup
	rm -rf bench/results/previous && mkdir -p bench/results/previous && cp bench/results/*.json bench/results/previous/ 2>/dev/null || true
	$(BIN)/python bench/run.py --scale small
	psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS bench_small" -qc "CREATE DATABASE bench_small"
	$(BIN)/python bench/run.py --scale small --database-url $(BENCH_PG)/bench_small
	psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS bench_national" -qc "CREATE DATABASE bench_national"
	$(BIN)/python bench/run.py --scale national --database-url $(BENCH_PG)/bench_national
	$(BIN)/python bench/run.py --scale national --database-url $(BENCH_PG)/bench_national --rendered
	psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS bench_sync" -qc "CREATE DATABASE bench_sync"
	$(BIN)/python bench/explain.py --database-url $(BENCH_PG)/bench_national
	$(BIN)/python bench/jobs.py --database-url $(BENCH_PG)/bench_national --sync-database-url $(BENCH_PG)/bench_sync
	$(BIN)/python bench/report.py

## lock: pin every package (direct and indirect, runtime and test) with hashes after a change to pyproject.toml
lock:
	test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip-tools==7.6.2
	$(BIN)/pip-compile --quiet --generate-hashes --extra test --allow-unsafe --no-emit-index-url \
		--no-emit-find-links -o requirements.lock pyproject.toml

## audit: the locked packages against PyPI's vulnerability advisories (CI runs it)
audit: setup
	$(BIN)/pip-audit --progress-spinner off --disable-pip --require-hashes -r requirements.lock

lint: setup
	$(BIN)/ruff check tracker tests

clean:
	rm -rf $(VENV) .venv-security .pytest_cache .hypothesis .ruff_cache *.egg-info security/reports

## translations: refresh the message catalogs after changing interface strings (then translate the new entries)
translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d tracker/translations --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile -d tracker/translations
	rm messages.pot
