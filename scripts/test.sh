#!/usr/bin/env bash
# Installs everything the test suite needs into ./.venv and runs the whole suite:
# the install check (pip resolves this project beside lightkurve and jdaviz), the
# linter, then every test (real astroquery against the MAST sandbox on loopback).
# Extra arguments go to pytest, e.g. scripts/test.sh -k sandbox
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: Debian's chromium, for the browser tests (driven by Playwright).
if ! command -v chromium >/dev/null; then
  echo "mastwidgets: installing Debian's chromium (for the browser tests)"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
source scripts/_venv.sh
step "installing mastwidgets (editable) with the test requirements"
.venv/bin/python -m pip install --quiet --editable ".[test]"
step "checking that pip resolves mastwidgets beside lightkurve and jdaviz"
scripts/check_installs.sh
step "linting"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
