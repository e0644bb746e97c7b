# The two commands: `make run` (set up and serve the demo store) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: install run test lint format migrate demo worker beat schema bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo --base-url http://$(HOST):$(PORT)

run: demo
	DEBUG=$${DEBUG:-true} $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(PY) -m celery -A shoprocket_site worker --loglevel=INFO

beat: install
	$(PY) -m celery -A shoprocket_site beat --loglevel=INFO

# The HTTP bench (bench/README.md): PostgreSQL, Redis and wrk; e.g. BENCH_ARGS="--products 10000".
bench: install
	$(PY) -m bench.run $(BENCH_ARGS)

schema: install
	DEBUG=true $(PY) manage.py spectacular --file var/openapi.yaml --validate

clean:
	rm -rf $(VENV) var/db.sqlite3* var/demo.json
