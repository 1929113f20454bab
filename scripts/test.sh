#!/usr/bin/env bash
# Installs everything the test suite needs into ./.venv and runs the whole suite:
# the install check (pip resolves this project beside lightkurve and jdaviz), the
# linter, then every test (real astroquery against the MAST sandbox on loopback),
# in two pytest workers (one per core).
# Extra arguments go to pytest, e.g. scripts/test.sh -k sandbox, or the quick loop:
#   scripts/test.sh -m "not slow"
set -euo pipefail
cd "$(dirname "$0")/.."
AXE_CORE=4.14.1  # axe-core, from npm: the accessibility audit of the browser tests

# System packages, from Debian when missing: chromium (the browser tests, driven by
# Playwright) and npm (to fetch axe-core, their accessibility audit).
apt_install() {  # apt_install PACKAGE COMMAND WHY
  command -v "$2" >/dev/null && return
  echo "mastwidgets: installing Debian's $1 ($3)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null && sudo=sudo; } || return 0
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
}
apt_install chromium chromium "for the browser tests"
apt_install npm npm "for axe-core, the accessibility audit"
source scripts/_venv.sh
step "checking that pip resolves mastwidgets beside lightkurve and jdaviz"
scripts/check_installs.sh  # first: it is timed, and the two resolves share nothing else
step "installing mastwidgets (editable) with the test requirements (uv; the versions of requirements/test-constraints.txt)"
.venv/bin/python -m pip install --quiet "uv>=0.5"
.venv/bin/uv pip install --python .venv/bin/python --quiet \
  --editable ".[test]" --constraint requirements/test-constraints.txt
# Bytecode is written by the processes that import a module, the first time (where
# PYTHONDONTWRITEBYTECODE is set, as on these machines, every process would compile
# astropy, pandas and Jupyter again). Compiling all 22,000 installed files up front
# (uv's --compile-bytecode) took 53 s; writing the ~2,800 the suite imports costs its
# first run about half a minute (processes starting side by side compile some twice).
step "installing lksearch in its own environment (.venv-lksearch: it pins numpy < 2 and pandas < 3)"
[ -x .venv-lksearch/bin/python ] || .venv/bin/uv venv --quiet --python .venv/bin/python .venv-lksearch
.venv/bin/uv pip install --python .venv-lksearch/bin/python --quiet -r requirements/lksearch.txt
step "filling .venv/share/wheelhouse: what the suite installs offline, as a newcomer would (scripts/app.sh, the built wheel)"
# The packages mastwidgets needs to run (and setuptools, to build it), at the tested
# versions: tests/browser/test_newcomer_install.py makes fresh environments from them
# with pip alone and no index. Fetched again only when what decides them changes.
wheelhouse=.venv/share/wheelhouse
wanted=$(cat pyproject.toml requirements/test-constraints.txt | sha256sum | cut -c1-16)
if [ "$(cat "$wheelhouse/.made-for" 2>/dev/null)" != "$wanted" ]; then
  rm -rf "$wheelhouse" && mkdir -p "$wheelhouse"
  .venv/bin/python -m pip download --quiet --dest "$wheelhouse" ".[sandbox]" "setuptools>=77" \
    --constraint requirements/test-constraints.txt
  rm -f "$wheelhouse"/mastwidgets-*  # the project itself: each test builds its own copy
  echo "$wanted" > "$wheelhouse/.made-for"
fi
export MASTWIDGETS_WHEELHOUSE="$PWD/$wheelhouse"
step "fetching axe-core $AXE_CORE from npm (the browser tests' accessibility audit)"
if [ ! -f ".venv/share/axe-core-$AXE_CORE/axe.min.js" ]; then
  mkdir -p .venv/share && tarball=$(cd .venv/share && npm pack --silent "axe-core@$AXE_CORE")
  mkdir -p ".venv/share/axe-core-$AXE_CORE"
  tar -xzf ".venv/share/$tarball" -C ".venv/share/axe-core-$AXE_CORE" --strip-components=1 \
    package/axe.min.js package/LICENSE
  rm ".venv/share/$tarball"
fi
export MASTWIDGETS_AXE_JS="$PWD/.venv/share/axe-core-$AXE_CORE/axe.min.js"
unset PYTHONDONTWRITEBYTECODE
step "linting"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Two workers, one test module each at a time (a module's servers are started once),
# the longest modules first (tests/conftest.py orders them): the suite keeps both cores
# busy to its end. scripts/test.sh -n 0 runs it in one process.
exec .venv/bin/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder "$@"
