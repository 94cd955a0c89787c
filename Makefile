# The two commands of the README's Quick start:
#   make run    set everything up, then start the assistant on the bundled skills
#   make test   set everything up, then run the tests
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test setup system venv lint bench clean

run: setup
	$(BIN)/assistant run

test: venv-dev
	$(BIN)/assistant setup
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

setup: venv
	$(BIN)/assistant setup

system:
	sh scripts/system-deps.sh

$(BIN)/python: | system
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

venv: system $(BIN)/python
	$(BIN)/python -m pip install -q .

venv-dev: system $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'

lint: venv-dev
	$(BIN)/ruff check assistant tests bench
	$(BIN)/mypy

bench: venv
	$(BIN)/python bench/accuracy.py

clean:
	rm -rf $(VENV) build *.egg-info
