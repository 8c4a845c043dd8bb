# Follicle: `make run` starts everything on the embedded defaults; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# the database, local photo store and signing secret of `make run` live here, whatever the directory
export FOLLICLE_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test app install install-dev migrate migrations clean

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

run: install migrate
	$(VENV)/bin/follicle seed-demo
	$(VENV)/bin/follicle serve

app: $(VENV)/.installed-app
	$(PY) -m mobile

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache

# after changing models: write the migration that brings the schema along
migrations: install
	FOLLICLE_DATABASE_URL=sqlite://var/makemigrations.sqlite3 $(PY) -m tortoise -c backend.tortoise_cli.TORTOISE_ORM makemigrations $(if $(NAME),--name $(NAME))
