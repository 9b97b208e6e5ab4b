# Two commands do all set-up on a fresh machine with Python 3.11:
#   make run    the main job (installs the exam extra)
#   make test   the whole test suite (installs everything the tests need)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python


.PHONY: run test test-fast test-learning lint bench mutants clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.exam: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[exam]"
	touch $@

$(VENV)/.test: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

$(VENV)/.mutation: pyproject.toml $(VENV)/.test
	$(PY) -m pip install --quiet -e ".[test,mutation]"
	touch $@

run: $(VENV)/.exam
	$(PY) -m zoo exam --quick

# The suite runs on WORKERS processes (pytest-xdist), each taking whole test files, so that
# a module's fixture (a trained model, an exam sat) is made once. WORKERS=0 runs it in this
# process alone.
WORKERS ?= 2
PYTEST := $(PY) -m pytest -n $(WORKERS) --dist loadfile

test: $(VENV)/.test
	$(PYTEST)

# The tests that take under 2 s each, fixtures included.
test-fast: $(VENV)/.test
	$(PYTEST) -m "not slow"

# Every test of learning on five seeds, with each bound's worst value and margin.
test-learning: $(VENV)/.test
	$(PYTEST) -m learning --learning-seeds 0,1,2,3,4

lint: $(VENV)/.test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Mutation testing of the layers, the models, the grader's exact parts and the JSON
# codec (docs/mutation.md): some 4-5 hours on 2 cores, so neither `make test` nor CI
# runs it. MUTANTS narrows it, e.g. make mutants MUTANTS='zoo.grading.tokenizer*'.
# mutmut records which tests reach each function again only for tests of new
# names: the record is deleted so that a test changed under its old name is rerun.
MUTANTS ?=
mutants: $(VENV)/.mutation
	rm -f mutants/mutmut-stats.json
	$(VENV)/bin/mutmut run $(MUTANTS)
	$(PY) benchmarks/mutation.py

bench: $(VENV)/.test
	$(PY) benchmarks/layers.py

clean:
	rm -rf $(VENV) build *.egg-info mutants
