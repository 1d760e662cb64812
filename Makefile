# Fleet Portal. `make demo` runs the portal with demo data; `make test` runs the whole suite.
# Both install what they need on a fresh Debian machine and are quick the second time.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed
APT_PACKAGES := gettext chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils osmo-hlr

.PHONY: demo test test-only lint bench messages compile-messages system-packages pg-available clean prod-like

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

compile-messages: $(STAMP) system-packages
	$(PY) manage.py compilemessages -v0 --ignore '.venv/*'

demo: $(STAMP) compile-messages
	DEMO_MODE=1 $(PY) manage.py migrate -v0
	DEMO_MODE=1 $(PY) manage.py collectstatic --noinput -v0
	DEMO_MODE=1 $(PY) manage.py demo_data
	@echo "Fleet Portal on http://127.0.0.1:$(PORT)/  (demo outbox: /dev/outbox/)"
	DEMO_MODE=1 PORT=$(PORT) bin/run-demo

test: $(STAMP) compile-messages
	$(MAKE) test-only

# The browser tests run on their own, one at a time, after the rest (two cores: a page under
# a loaded CPU misses its timeouts); one that still fails is tried twice more and reported.
test-only:
	$(PY) -m pytest -n 2 --dist loadfile -m "not e2e"
	$(PY) -m pytest -p no:xdist -m e2e --reruns 2 -rR

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy fleetportal
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run -v0
	SECRET_KEY=ci-$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=portal.example.com \
		OIDC_RSA_PRIVATE_KEY="$$(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null)" \
		$(PY) manage.py check --deploy --fail-level WARNING

messages: $(STAMP)
	$(PY) manage.py makemessages -l nl -l fr -l en -l de -l hu --ignore '.venv/*' --ignore 'var/*' --ignore '*/tests/*' --ignore 'bench/*'

pg-available:
	@$(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null

bench: $(STAMP)
	@ls bench/*.py >/dev/null 2>&1 && for b in bench/*.py; do $(PY) $$b; done || echo "no benchmarks yet"

# The production shape on this machine (gunicorn, PostgreSQL, Redis-backed Huey, DEBUG off):
# see bin/prod-like for its settings; Ctrl-C stops it.
prod-like: $(STAMP) compile-messages
	bin/prod-like

clean:
	rm -rf $(VENV) var
