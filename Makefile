# Follicle: `make run` starts everything on the embedded defaults; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# the database, local photo store and signing secret of `make run` live here, whatever the directory
export FOLLICLE_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test test-dates app install install-dev migrate migrations clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed-backend: pyproject.toml | $(PY)
	$(PIP) install -e '.[backend]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PIP) install -e '.[dev]'
	touch $@ $(VENV)/.installed-backend $(VENV)/.installed-app

$(VENV)/.installed-app: pyproject.toml | $(PY)
	$(PIP) install -e '.[backend,app]'
	touch $@ $(VENV)/.installed-backend

install: $(VENV)/.installed-backend
install-dev: $(VENV)/.installed-dev

migrate: install
	$(VENV)/bin/follicle migrate

# the demo clinic, a second demo clinic and the network's registry (port 8100) they both joined
REGISTRY_URL ?= http://127.0.0.1:8100
run: install migrate
	$(VENV)/bin/follicle registry migrate
	$(VENV)/bin/follicle registry serve & registry=$$!; trap "kill $$registry" EXIT INT TERM; \
	FOLLICLE_NETWORK_REGISTRY_URL=$(REGISTRY_URL) $(VENV)/bin/follicle seed-demo && \
	FOLLICLE_NETWORK_REGISTRY_URL=$(REGISTRY_URL) $(VENV)/bin/follicle serve

app: $(VENV)/.installed-app
	$(PY) -m mobile

# the suite in parallel: one worker a core, each with its own database (tests/conftest.py)
PYTEST_WORKERS ?= auto

test: install-dev
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# the date sweep: the calendar-sensitive tiers run as if today were each of these days (tests/conftest.py
# --today); the browser tests stay out, Chromium keeps the machine's own clock
DATES ?= 2026-01-31 2026-03-29 2026-06-30 2026-11-01 2026-12-31 2028-02-29
DATE_TIERS ?= tests/shared tests/backend/checkins tests/backend/reminders tests/backend/reports \
	tests/backend/outcomes tests/backend/patients tests/backend/dashboard tests/backend/records \
	tests/backend/test_enrolment.py tests/backend/test_injections.py tests/backend/test_patients.py \
	tests/mobile/test_local_schedule.py tests/mobile/test_home_summary.py

test-dates: install-dev
	@for day in $(DATES); do echo "== as if today were $$day"; \
	  $(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal --today=$$day $(DATE_TIERS) $(PYTEST_ARGS) || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache

# after changing models: write the migration that brings the schema along
migrations: install
	FOLLICLE_DATABASE_URL=sqlite://var/makemigrations.sqlite3 $(PY) -m tortoise -c backend.tortoise_cli.TORTOISE_ORM makemigrations $(if $(NAME),--name $(NAME))
