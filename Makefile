# Two commands for a fresh machine with Python 3.11:
#   make demo   run the example AutoML DAG end to end against the local backend
#   make test   install what the tests need, then lint, type-check and run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Airflow 2.11 (the amazon provider's floor, MWAA's 2.x line) in a second environment.
VENV2 ?= .venv-airflow2
# The local emulator on its own, without Airflow: proves automl-local needs none.
VENVL ?= .venv-local
LOCAL := ./automl-local

.PHONY: demo test lint types pytest docs test-local test-airflow2 bench install clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml $(LOCAL)/pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet -p $(BIN)/python -e "$(LOCAL)[test]" -e ".[local,test,docs,lineage]"
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/python scripts/demo.py

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.installed
	$(BIN)/mypy

pytest: $(VENV)/.installed
	$(BIN)/python -m pytest -q -p no:cacheprovider

# Side-by-side benchmarks against the amazon provider; rewrites docs/benchmarks.md (~10 min).
bench: $(VENV)/.installed
	$(BIN)/python -m benchmarks

docs: $(VENV)/.installed
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

$(VENV2)/.installed: pyproject.toml $(LOCAL)/pyproject.toml | $(BIN)/uv
	$(BIN)/uv venv --quiet --allow-existing -p $(BIN)/python $(VENV2)
	$(BIN)/uv pip install --quiet -p $(VENV2)/bin/python "apache-airflow>=2.11,<3" -e "$(LOCAL)" -e ".[local,test]"
	touch $@

# Unit tests, the DagBag test and the tabular example DAG end to end, on Airflow 2.11.
test-airflow2: $(VENV2)/.installed
	$(VENV2)/bin/python -m pytest -q -p no:cacheprovider tests/unit \
		tests/integration/test_example_dags.py::test_tabular_example_registers_the_best_candidate

$(VENVL)/.installed: $(LOCAL)/pyproject.toml | $(BIN)/uv
	$(BIN)/uv venv --quiet --allow-existing -p $(BIN)/python $(VENVL)
	$(BIN)/uv pip install --quiet -p $(VENVL)/bin/python -e "$(LOCAL)[test]"
	touch $@

# The emulator's own suite, in a venv with no Airflow in it.
test-local: $(VENVL)/.installed
	@! $(VENVL)/bin/python -c "import airflow" 2>/dev/null || (echo "airflow leaked into $(VENVL)"; exit 1)
	cd $(LOCAL) && ../$(VENVL)/bin/python -m pytest -q -p no:cacheprovider

test: lint types pytest docs test-local test-airflow2

clean:
	rm -rf $(VENV) $(VENV2) $(VENVL) .demo
