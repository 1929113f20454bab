#!/usr/bin/env bash
# Installs mastwidgets into ./.venv and serves the web app (Voila) at http://127.0.0.1:8866/.
#   scripts/app.sh             the real MAST
#   scripts/app.sh --sandbox   the offline MAST sandbox (no network needed)
# Other options: --port N, --no-browser (see: .venv/bin/mastwidgets app --help).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "mastwidgets needs Python 3.11 or newer" >&2; exit 1; }
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet --editable .
exec .venv/bin/mastwidgets app "$@"
