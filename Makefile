VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: venv demo test test-sdks test-live lint bench schema help-text clean

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

# The official Node SDKs (stream-chat, @stream-io/node-sdk) against the emulator: npm installs them into
# tests/sdk/node/node_modules (git-ignored), and node's test runner runs one script per SDK, each starting
# its own emulator with the venv's Python. (The Python SDKs' tests are part of `make test`.)
NPM ?= npm
NODE ?= node
NODE_SDK_TESTS := tests/sdk/node

test-sdks: venv
	cd $(NODE_SDK_TESTS) && $(NPM) install --no-audit --no-fund --no-package-lock --ignore-scripts --loglevel=error
	STREAM_EMULATOR_PYTHON="$(abspath $(PY))" $(NODE) --test \
		$(NODE_SDK_TESTS)/stream-chat.test.mjs $(NODE_SDK_TESTS)/node-sdk.test.mjs

# The end-to-end round trips against a real Stream app of your own (see README, "Checking our assumptions
# against Stream"): set STREAM_IAC_LIVE_API_KEY and STREAM_IAC_LIVE_API_SECRET; without them every test is
# skipped and the reason shown. `make test` runs the same suite against the emulator.
test-live: venv
	$(PY) -m pytest -m live -rs tests/live

lint: venv
	$(VENV)/bin/ruff check stream_iac stream_emulator tests benchmarks
	$(VENV)/bin/mypy

bench: venv
	$(PY) benchmarks/run.py

schema: venv
	$(VENV)/bin/stream-iac schema --out schemas
	$(PY) -c "from stream_iac.reference import write_reference; write_reference('docs/reference')"

help-text: venv
	$(PY) -c "from stream_iac.cli.entry import write_help_module; write_help_module('stream_iac/cli/_help.py')"
	$(PY) -m stream_iac.cli.version

clean:
	rm -rf $(VENV) build *.egg-info
