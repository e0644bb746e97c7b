# The two commands: `make run` (set up and serve the demo store) and `make test`.
# `PORT=9000 make run` and `HOST=0.0.0.0 make run` serve elsewhere.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
# An IPv6 address is bracketed in URLs and in runserver's address.
ADDR := $(if $(findstring :,$(HOST)),[$(HOST)],$(HOST))
# Links made outside a request (printed, emailed) use the address the server is started on.
RUN_ENV := DEBUG=$${DEBUG:-true} SERVER_URL=$${SERVER_URL:-http://$(ADDR):$(PORT)}

.PHONY: install run test lint format migrate demo worker beat schema bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,s3]'
	touch $@

install: $(VENV)/.installed

migrate: install
	@$(RUN_ENV) $(PY) manage.py migrate --noinput --verbosity 0

demo: migrate
	@$(RUN_ENV) $(PY) manage.py seed_demo

run: migrate
	@$(RUN_ENV) $(PY) manage.py seed_demo --verbosity 0
	@$(RUN_ENV) $(PY) manage.py rundemo $(ADDR):$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# One worker for every queue (development, small shops); in production, one per queue, e.g.
# `make worker QUEUES=emails` (README, "Running in production").
QUEUES ?= default,emails,webhooks,housekeeping,imports
comma := ,
worker: install
	$(RUN_ENV) $(PY) -m celery -A shoprocket_site worker --loglevel=INFO -Q $(QUEUES) \
		-n $(subst $(comma),-,$(QUEUES))@%h

beat: install
	$(RUN_ENV) $(PY) -m celery -A shoprocket_site beat --loglevel=INFO

# The HTTP bench (bench/README.md): PostgreSQL, Redis and wrk; e.g. BENCH_ARGS="--products 10000".
bench: install
	$(PY) -m bench.run $(BENCH_ARGS)

schema: install
	@mkdir -p var
	DEBUG=true $(PY) manage.py spectacular --file var/openapi.yaml --validate

clean:
	rm -rf $(VENV) var/db.sqlite3* var/demo.json
