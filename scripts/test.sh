#!/usr/bin/env bash
# Installs everything the test suite needs into ./.venv and runs the whole suite:
# the linter, then every test (real astroquery against the MAST sandbox on loopback).
# Extra arguments go to pytest, e.g. scripts/test.sh -k sandbox
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: none are needed yet beyond Python >= 3.11 with venv.
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "mastwidgets needs Python 3.11 or newer" >&2; exit 1; }
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet --editable ".[test]"

.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
