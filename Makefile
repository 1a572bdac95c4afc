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

# The secret key of this checkout, made once and kept out of git (.gitignore): sessions
# and the sealed ballots (the ballot key derives from it) survive restarts.
LOCAL_ENV := .kaohe-local.env
# `make run` serves as production does (debug off, static files by WhiteNoise after
# collectstatic, gunicorn and the background worker), on plain local HTTP.
PROD_ENV := KAOHE_DEBUG=0 KAOHE_SSL_REDIRECT=0 KAOHE_SECURE_COOKIES=0

$(LOCAL_ENV):
	umask 077 && $(PYTHON) -c "import secrets; print('KAOHE_SECRET_KEY=' + secrets.token_urlsafe(50))" > $@.tmp
	mv $@.tmp $@

run: $(VENV)/.installed $(LOCAL_ENV)
	set -a && . ./$(LOCAL_ENV) && set +a && export $(PROD_ENV) && \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py collectstatic --noinput --verbosity 0 && \
	$(PY) manage.py demo_load && \
	$(PY) manage.py notices_daily --schedule && \
	echo "kaohe: http://$(HOST):$(PORT)/ (Ctrl-C stops the server and the worker)" && \
	exec $(PY) tools/serve.py --bind $(HOST):$(PORT)

test: $(VENV)/.installed-dev
	$(PY) -m pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy kaohe bench
	$(VENV)/bin/lint-imports

bench: $(VENV)/.installed-dev
	$(PY) bench/foundation.py

# Recompile translations after editing kaohe/locale/*/LC_MESSAGES/django.po (needs GNU gettext).
messages: $(VENV)/.installed-dev
	cd kaohe && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete
	cd kaohe && ../$(PY) ../manage.py compilemessages

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles test-artifacts
	@echo "kept $(LOCAL_ENV) (the secret key); delete it by hand to make a new one"
