# `make bench` runs the default benchmark; `make test` runs the test suite.
# Both create .venv on first use and install the package with the extras they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: test bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.test-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

$(VENV)/.bench-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[bench]"
	touch $@

test: $(VENV)/.test-installed
	$(PY) -m pytest

bench: $(VENV)/.bench-installed
	$(PY) -m benchmarks.default $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
