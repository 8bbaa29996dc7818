# minqing — two commands do everything:  `make run`  and  `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
MINQING := $(VENV)/bin/minqing
HOST    ?= 127.0.0.1
PORT    ?= 8000
PG_URL  ?= postgres://postgres@127.0.0.1:5432/minqing
# Labelled public messages to train the first category model from, when present (a deployment retrains weekly
# from its own confirmed requests).
TEXT_CSV ?= ../shared/data/teddy2020/messages_labeled.csv

help:
	@echo "make run    install everything, migrate, load the demo township, serve on http://$(HOST):$(PORT)/"
	@echo "make test   lint, type-check and run the whole suite on SQLite and PostgreSQL"
	@echo "make bench  run the benchmarks in bench/ (prints figures)"
	@echo "make lock   re-pin Python dependencies after editing pyproject.toml"

$(VENV)/.installed: requirements/dev.lock pyproject.toml
	@set -e; py=$$(scripts/find-python.sh); echo "installing Python packages with $$py (log: $(VENV)/install.log)"; \
	  [ -x $(PY) ] || $$py -m venv $(VENV); \
	  ( $(PY) -m pip install --upgrade pip \
	    && $(PY) -m pip install -r requirements/dev.lock \
	    && $(PY) -m pip install --no-deps -e . ) > $(VENV)/install.log 2>&1 \
	    || { tail -n 30 $(VENV)/install.log; echo "pip install failed (full log: $(VENV)/install.log)"; exit 1; }; \
	  $(PY) -c "import django, minqing; assert django.VERSION[:2] == (6, 1)"
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed

# Browser tests drive Debian's Chromium, with CJK fonts so screenshots show Chinese; the catalogue tests use GNU
# gettext. Install them when missing and we may.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q . || ! command -v msgattrib >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk gettext >/dev/null) \
	      || echo "could not install chromium: browser tests will be skipped"; \
	  else echo "chromium or CJK fonts missing (apt-get install chromium fonts-noto-cjk): browser tests may be skipped"; fi; \
	fi

# Printed notices (PDF) need a CJK font; set MINQING_PDF_FONT to use another one.
fonts:
	@if ! fc-list :lang=zh 2>/dev/null | grep -q . && [ -z "$$MINQING_PDF_FONT" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null) \
	      || echo "could not install fonts-noto-cjk: printed notices need MINQING_PDF_FONT"; \
	  else echo "no CJK font found (apt-get install fonts-noto-cjk, or set MINQING_PDF_FONT): printed notices are unavailable"; fi; \
	fi

run: install fonts
	$(MINQING) migrate --noinput
	$(MINQING) demo_load --if-empty
	-@if [ -f "$(TEXT_CSV)" ] && $(MINQING) textintel status 2>/dev/null | grep -q '^none'; then \
	  echo "training the category model on $(TEXT_CSV)…"; $(MINQING) textintel train --csv "$(TEXT_CSV)"; fi
	@$(MINQING) schedule
	-@$(MINQING) pdf_font_cache
	@$(MINQING) demo_logins --url http://$(HOST):$(PORT)/
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C stops the server and the task worker)"
	@trap 'kill $$worker 2>/dev/null' EXIT; \
	  $(MINQING) db_worker --queue-name '*' >>.worker.log 2>&1 & worker=$$!; \
	  $(MINQING) runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(MINQING) makemigrations --check --dry-run

test-sqlite: install browser
	$(VENV)/bin/pytest -n 2 --dist loadgroup -q

test-postgres: install
	@if scripts/pg-ready.sh; then \
	  DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -n 2 --dist loadgroup -q -m "not browser"; \
	elif [ -n "$$CI" ]; then echo "PostgreSQL is not reachable at 127.0.0.1:5432 and CI requires it"; exit 1; \
	else echo; echo "*** PostgreSQL run SKIPPED: no server at 127.0.0.1:5432 (set PG_URL or start PostgreSQL) ***"; echo; fi

test: lint test-sqlite test-postgres

bench: install
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

lock:
	$(PY) -m pip install -q uv
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.12 -o requirements/base.lock -q
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.12 -o requirements/dev.lock -q

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache test-output

.PHONY: fonts help install browser run lint test test-sqlite test-postgres bench lock clean
