# Sourced by the scripts here: a ./.venv with pip up to date, on Python >= 3.11.
# Each step says what it does in one line; pip's own output stays quiet.
step() { printf 'mastwidgets: %s\n' "$*"; }
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "mastwidgets needs Python 3.11 or newer" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  step "creating a virtual environment in ./.venv"
  python3 -m venv .venv
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
step "updating pip in ./.venv"
.venv/bin/python -m pip install --quiet --upgrade pip
