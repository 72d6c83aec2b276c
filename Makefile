# `make run` sets everything up and serves on http://127.0.0.1:5000; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app jisr
STAMP := $(VENV)/.installed

.PHONY: run test install translations db seed lint clean

run: install translations db seed
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

test: install translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check jisr tests

clean:
	rm -rf $(VENV) instance .pytest_cache
