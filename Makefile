# kaohe: `make run` to try it, `make test` to check it. Only Python 3.11+ is needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-pg lint bench messages clean

# Created on first use; reinstalled when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(VENV): $(VENV)/.installed

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_load
	$(PY) manage.py notices_daily --schedule
	@echo "kaohe: http://$(HOST):$(PORT)/"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev
	$(PY) -m pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy kaohe bench

bench: $(VENV)/.installed-dev
	$(PY) bench/foundation.py

# Recompile translations after editing kaohe/locale/*/LC_MESSAGES/django.po (needs GNU gettext).
messages: $(VENV)/.installed-dev
	cd kaohe && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete
	cd kaohe && ../$(PY) ../manage.py compilemessages

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles test-artifacts
