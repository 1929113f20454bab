#!/usr/bin/env bash
# Installs mastwidgets into ./.venv and serves the web app (Voila) at http://127.0.0.1:8866/.
#   scripts/app.sh             the real MAST
#   scripts/app.sh --sandbox   the offline MAST sandbox (no network needed)
# Other options: --port N, --no-browser (see: .venv/bin/mastwidgets app --help).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
.venv/bin/python -m pip install --quiet --editable .
exec .venv/bin/mastwidgets app "$@"
