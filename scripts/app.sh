#!/usr/bin/env bash
# Installs mastwidgets into ./.venv and serves the web app (Voila) at http://127.0.0.1:8866/.
#   scripts/app.sh             the real MAST
#   scripts/app.sh --sandbox   the offline MAST sandbox (no network needed)
# Other options go to `mastwidgets app`: --port N, --no-browser, --theme dark, and for a
# page served to others --data-root DIR, --token, --max-import-bytes, --max-concurrent-imports
# (see: .venv/bin/mastwidgets app --help, and the README's hosting section).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
step "installing mastwidgets and its dependencies into ./.venv (the first time: a minute or two)"
# A plain install (not --editable): the app runs from ./.venv, and setuptools has no
# editable-mode warnings to print.
.venv/bin/python -m pip install --quiet ".[sandbox]"
step "starting the app"
exec .venv/bin/mastwidgets app "$@"
