#!/bin/sh
# `make bench`: control-plane cost of each plugin against the reference plugins.
set -eu
cd "$(dirname "$0")/../.."
ROUNDS=${BENCH_ROUNDS:-30}
mkdir -p bench
/usr/bin/python3 test/bench/bench_plugins.py --rounds "$ROUNDS" --json bench/plugins.json
