# Two entry points for a fresh machine: `make data` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CFF := .venv-cff

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

## Run the whole test suite, then check CITATION.cff with cffconvert (in its own
## virtualenv: it pins an old jsonschema that the test tools cannot share).
test: $(BIN)/.installed $(CFF)/.installed
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest
	$(CFF)/bin/cffconvert --validate -i CITATION.cff

$(CFF)/.installed:
	$(PYTHON) -m venv $(CFF)
	$(CFF)/bin/python -m pip install --quiet cffconvert==2.0.0
	touch $@

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy

clean:
	rm -rf build $(VENV) $(CFF)
