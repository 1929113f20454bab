#!/usr/bin/env bash
# Installs everything the test suite needs into ./.venv and runs the whole suite:
# the linter, then every test (real astroquery against the MAST sandbox on loopback).
# Extra arguments go to pytest, e.g. scripts/test.sh -k sandbox
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: none are needed yet beyond Python >= 3.11 with venv.
source scripts/_venv.sh
.venv/bin/python -m pip install --quiet --editable ".[test]"

.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
