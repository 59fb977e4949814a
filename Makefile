# `make bench` runs the default and text benchmarks; `make test` runs the test suite;
# `make docs` builds the documentation. Each creates .venv on first use and installs the
# package with the extras it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: test bench docs clean dist check-dist

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
	$(PY) -m benchmarks.text

# `make docs` builds the documentation into docs/_build/html (open index.html there):
# warnings are errors, and the gallery's examples run during the build.
$(VENV)/.docs-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[docs]"
	touch $@

docs: $(VENV)/.docs-installed
	$(PY) -m sphinx -E -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) build dist *.egg-info docs/_build docs/_generated docs/generated docs/auto_examples

# `make dist` builds the sdist and the wheel into dist/ and checks their metadata;
# `make check-dist` also installs the wheel into a fresh venv and runs the README there.
$(VENV)/.dist-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dist]"
	touch $@

dist: $(VENV)/.dist-installed
	rm -rf dist
	$(PY) -m build --outdir dist . > /dev/null
	$(PY) -m twine check --strict dist/*

check-dist: dist $(VENV)/.test-installed
	$(PY) .ci/check_wheel.py dist
