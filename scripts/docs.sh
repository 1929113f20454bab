#!/usr/bin/env bash
# Builds the manual (docs/) into docs/_build/html, strictly: warnings are errors, every
# cross-reference is checked (sphinx -W -n), nothing is fetched from the network, and
# every tutorial notebook is executed against the MAST sandbox (a cell that raises fails
# the build). Installs mastwidgets with the docs requirements into ./.venv first, at the
# versions the tests use (requirements/test-constraints.txt).
# Extra arguments go to sphinx-build, e.g. scripts/docs.sh -b linkcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
step "installing mastwidgets (editable) with the docs requirements (the versions of requirements/test-constraints.txt)"
.venv/bin/python -m pip install --quiet "uv>=0.5"
.venv/bin/uv pip install --python .venv/bin/python --quiet \
  --editable ".[docs]" --constraint requirements/test-constraints.txt
step "building the manual into docs/_build/html (warnings are errors; the tutorials run)"
rm -rf docs/_build docs/api  # no page or API stub left from an earlier build
.venv/bin/python -m sphinx -W -n --keep-going -b html docs docs/_build/html "$@"
step "the manual: docs/_build/html/index.html"
