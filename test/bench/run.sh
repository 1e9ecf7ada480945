#!/bin/sh
# `make bench`: the scheduler's scoring time, then the control-plane cost of each plugin
# against the reference plugins.
set -eu
cd "$(dirname "$0")/../.."
ROUNDS=${BENCH_ROUNDS:-30}
BUILD=${BENCH_BUILD:-build/std}
mkdir -p bench
echo "== vdno-scheduler: one scoring (eq. 1-3); target for 1,000 regions / 10,000 links: < 20 ms CPU"
"$BUILD/bench/sched_score"
/usr/bin/python3 test/bench/bench_plugins.py --rounds "$ROUNDS" --json bench/plugins.json
