VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: venv demo test lint bench schema help-text clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,compat]'
	touch $@

venv: $(VENV)/.installed

demo: venv
	bash scripts/demo.sh

test: venv lint
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check stream_iac stream_emulator tests benchmarks
	$(VENV)/bin/mypy

bench: venv
	$(PY) benchmarks/run.py

schema: venv
	$(VENV)/bin/stream-iac schema --out schemas

help-text: venv
	$(PY) -c "from stream_iac.cli.entry import write_help_module; write_help_module('stream_iac/cli/_help.py')"

clean:
	rm -rf $(VENV) build *.egg-info
