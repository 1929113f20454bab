# Sourced by the scripts here: a ./.venv with pip up to date, on Python >= 3.11.
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "mastwidgets needs Python 3.11 or newer" >&2; exit 1; }
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
