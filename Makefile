# Two entry points for a fresh machine: `make data` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: data test lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## Validate dataset/ and build it into build/.
data: $(BIN)/.installed
	$(BIN)/allyledger validate dataset
	$(BIN)/allyledger build dataset --out build

## Run the whole test suite.
test: $(BIN)/.installed
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests scripts

clean:
	rm -rf build $(VENV)
