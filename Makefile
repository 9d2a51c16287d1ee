# The two entry points of the project (see README.md):
#   make repro   install what is missing, then run the whole pipeline (dvc repro) on params.yaml
#   make test    install what is missing, then run the test suite
# Installation goes into ./.venv from requirements.txt (the pinned list of what runs) and is redone only when
# requirements.txt or pyproject.toml change; `make test` adds requirements-test.txt (test-only oracles and tools).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

# No hub downloads at run time: the tiny profile needs none, and tests must prove it.
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

.PHONY: install repro test clean-env

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

repro: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro

$(TEST_STAMP): $(STAMP) requirements-test.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-test.txt
	touch $(TEST_STAMP)

test: $(TEST_STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest

clean-env:
	rm -rf $(VENV)
