#!/usr/bin/env bash
# Writes requirements/test-constraints.txt: the versions pip resolves today for
# mastwidgets[test,docs], in a fresh virtual environment, as a user's `pip install` would.
# scripts/test.sh installs exactly these (with uv: seconds instead of minutes). Run
# this after changing the dependencies in pyproject.toml, and commit the file.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# jsonschema 4.24+ imports rfc3987-syntax, which compiles ~35 Lark grammars: 3 s in
# every Jupyter/Voila server and pytest process. Nothing here needs a newer one.
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check ".[test,docs]" "jsonschema<4.24"
{
  echo "# The versions ./scripts/test.sh installs (uv pip install -c this file): what pip resolved"
  echo "# for mastwidgets[test] on $(date -u +%Y-%m-%d), written by scripts/lock.sh. astroquery is left out on"
  echo "# purpose: the sandbox's protocol tests run against the newest release its range allows."
  "$work/venv/bin/python" -m pip freeze --disable-pip-version-check \
    | grep -v "^#" | grep -viE "^(astroquery|mastwidgets|pip|setuptools|uv|wheel)(==| @)"
} > requirements/test-constraints.txt
echo "wrote requirements/test-constraints.txt ($(grep -vc '^#' requirements/test-constraints.txt) packages)"
