# `make run` sets everything up and serves on http://127.0.0.1:5000; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app jisr
STAMP := $(VENV)/.installed
# The browser tests' tools: Debian's Chromium (never a browser downloaded by a test tool), and axe-core
# and the Nu HTML checker from npm, pinned by package-lock.json.
CHROMIUM := $(or $(CHROMIUM_PATH),/usr/bin/chromium)
NODE_STAMP := node_modules/.installed
# The PDFs (jisr/printing.py): WeasyPrint draws with Pango, and print.css names DejaVu Sans, from Debian.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core

.PHONY: run test install translations db seed lint clean browser-deps pdf-deps bench-deps

run: install translations db seed pdf-deps
	$(FLASK) run --host 127.0.0.1 --port 5000

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

translations: install
	$(BIN)/pybabel compile -d translations --statistics

db: install
	$(FLASK) db upgrade

seed: db
	$(FLASK) seed-demo

browser-deps: $(NODE_STAMP)
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's$$missing for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
	    || echo "Could not install$$missing: the browser tests will be skipped (they fail under CI=true)." >&2; \
	else \
	  echo "Missing for the browser tests:$$missing (installing needs root and apt-get). They will be skipped:" \
	    "install Debian's chromium (or set CHROMIUM_PATH) and a Java runtime to enable them." >&2; \
	fi

pdf-deps: install
	@missing=""; \
	if command -v dpkg-query >/dev/null 2>&1; then \
	  for package in $(PDF_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q " installed$$" || missing="$$missing $$package"; \
	  done; \
	fi; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's$$missing for the PDFs"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
	    || echo "Could not install$$missing: PDF downloads will fail." >&2; \
	else \
	  echo "Missing for the PDFs:$$missing (installing needs root and apt-get). PDF downloads and" \
	    "tests/test_printing.py will fail until they are installed: apt-get install$$missing" >&2; \
	fi; \
	$(BIN)/python -c "import weasyprint" 2>/dev/null || echo "WeasyPrint cannot load Pango: PDF downloads" \
	  "will fail. Install Pango 1.44 or later ($(PDF_PACKAGES) on Debian) and the DejaVu fonts." >&2

# bench/national.py's load generator: Debian's wrk (not part of make test).
bench-deps:
	@if command -v wrk >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's wrk for the benchmarks"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk \
	    || echo "Could not install wrk: bench/national.py will not run." >&2; \
	else \
	  echo "Missing for bench/national.py: wrk (installing needs root and apt-get): apt-get install wrk" >&2; \
	fi

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	else \
	  echo "npm is missing: axe-core and vnu-jar cannot be installed, the browser tests will be skipped." >&2; \
	fi

test: install translations browser-deps pdf-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check jisr tests

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules test-results
