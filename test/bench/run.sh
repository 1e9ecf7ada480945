#!/bin/sh
# `make bench`: control plane, data plane, scheduler and churn, then bench/results.md, PNG plots
# and the summary table (test/bench/report.py).
# BENCH_ROUNDS=N: control-plane rounds (default 30). BENCH_QUICK=1: tiny counts, results in
# $BENCH_BUILD/bench-smoke/ (the smoke run of `make check`), so the committed figures stay.
# BENCH_OUT=DIR: where the results go. BENCH_ONLY="plugins dataplane sched churn": a subset
# (the other parts' earlier JSON in BENCH_OUT stays and goes into the report).
set -eu
cd "$(dirname "$0")/../.."
BENCH_BUILD=${BENCH_BUILD:-build/std}
export BENCH_BUILD
QUICK=${BENCH_QUICK:-}
[ "$QUICK" = 0 ] && QUICK=
if [ -n "$QUICK" ]; then
	OUT=${BENCH_OUT:-$BENCH_BUILD/bench-smoke}
else
	OUT=${BENCH_OUT:-bench}
fi
ONLY=${BENCH_ONLY:-plugins dataplane sched churn}
PY=/usr/bin/python3
mkdir -p "$OUT"
for part in $ONLY; do rm -f "$OUT/$part.json"; done
load_start=$(cut -d' ' -f1 /proc/loadavg)

for part in $ONLY; do
	t0=$(date +%s)
	case $part in
	plugins)
		echo "== 1. Control plane: ADD+DEL cycle, ours against the reference plugins"
		$PY test/bench/bench_plugins.py ${BENCH_ROUNDS:+--rounds "$BENCH_ROUNDS"} \
			--json "$OUT/plugins.json" ;;
	dataplane)
		echo "== 2. Data plane: iperf3 between two pods (the paper's Fig. 10/11)"
		$PY test/bench/bench_dataplane.py --json "$OUT/dataplane.json" ;;
	sched)
		echo "== 3. Scheduler: scoring and select"
		$PY test/bench/bench_sched.py --json "$OUT/sched.json" ;;
	churn)
		echo "== 4. Churn: pods created and deleted through multicni"
		$PY test/bench/bench_churn.py --json "$OUT/churn.json" ;;
	*)
		echo "run.sh: unknown part $part" >&2
		exit 2 ;;
	esac
	echo "($part: $(($(date +%s) - t0)) s)"
	echo
done
$PY test/bench/report.py --dir "$OUT" --load-start "$load_start"
