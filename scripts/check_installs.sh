#!/usr/bin/env bash
# mastwidgets installs beside the tools scientists already use: pip resolves
# `pip install <this project> lightkurve` (and jdaviz), exactly as a user types it, in
# under a minute each (a dry run: resolution only). It took minutes while boto3 was a
# dependency (see pyproject.toml). Run by scripts/test.sh, before anything else is
# installed into ./.venv: its pip (the newest, as _venv.sh left it) resolves with
# --ignore-installed, as in a fresh environment. The two resolves run side by side
# (mostly waiting on the package index: 38 s for both, 64 s one after the other),
# each from its own copy of the project (building its metadata writes into the
# source folder); each is timed alone.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=60
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
resolve() {
  local peer=$1 start=$SECONDS
  mkdir "$work/$peer"
  tar --exclude=./.venv --exclude=./.git --exclude=./test-artifacts -cf - . | tar -xf - -C "$work/$peer"
  if timeout "$limit" .venv/bin/python -m pip install --quiet --disable-pip-version-check \
      --dry-run --ignore-installed "$work/$peer" "$peer" >"$work/$peer.log" 2>&1; then
    echo "check_installs: 'pip install . $peer' resolves in $((SECONDS - start)) s (limit ${limit} s)"
  else
    echo "check_installs: 'pip install . $peer' did not resolve within ${limit} s:" >&2
    grep -v "^WARNING: Location" "$work/$peer.log" | tail -20 >&2
    return 1
  fi
}
resolve lightkurve &
lightkurve=$!
resolve jdaviz &
jdaviz=$!
failed=0
wait "$lightkurve" || failed=1
wait "$jdaviz" || failed=1
exit "$failed"
