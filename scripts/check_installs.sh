#!/usr/bin/env bash
# mastwidgets installs beside the tools scientists already use: in a fresh virtual
# environment, pip resolves `pip install <this project> lightkurve` (and jdaviz), exactly
# as a user types it, in under a minute each (a dry run: resolution only). It took
# minutes while boto3 was a dependency (see pyproject.toml). Run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=60
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
for peer in lightkurve jdaviz; do
  SECONDS=0
  if ! timeout "$limit" "$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      --dry-run . "$peer" >"$work/$peer.log" 2>&1; then
    echo "check_installs: 'pip install . $peer' did not resolve within ${limit} s:" >&2
    grep -v "^WARNING: Location" "$work/$peer.log" | tail -20 >&2
    exit 1
  fi
  echo "check_installs: 'pip install . $peer' resolves in ${SECONDS} s (limit ${limit} s)"
done
