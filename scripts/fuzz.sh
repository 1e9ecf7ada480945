#!/bin/sh
# Runs each libFuzzer target of build/fuzz for SECONDS: scripts/fuzz.sh SECONDS SPEC...
# with SPEC = target:max_len:seed,seed (fixture files, globs allowed). Every target runs even
# after one fails; the exit status is 1 when any found a crash, a leak or a broken property.
# A target first replays test/fuzz/corpus/<target>/, which holds every input that once failed.
set -u

seconds=$1
shift
dir=${FUZZ_DIR:-build/fuzz}
failed=""

for spec in "$@"; do
	target=${spec%%:*}
	rest=${spec#*:}
	max_len=${rest%%:*}
	seeds=${rest#*:}
	bin=$dir/fuzz_$target
	log=$dir/fuzz_$target.log

	# libFuzzer reads folders, so the fixtures it starts from are copied into one
	rm -rf "$dir/seeds/$target"
	mkdir -p "$dir/seeds/$target" "$dir/corpus/$target"
	if [ -n "$seeds" ]; then
		# shellcheck disable=SC2086
		for f in $(echo "$seeds" | tr ',' ' '); do
			cp "$f" "$dir/seeds/$target/"
		done
	fi
	printf '== fuzz_%s (%s s, max_len %s): ' "$target" "$seconds" "$max_len"
	corpus="$dir/corpus/$target $dir/seeds/$target"
	[ -d "test/fuzz/corpus/$target" ] && corpus="$corpus test/fuzz/corpus/$target"
	# shellcheck disable=SC2086
	if "$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=25 \
		-print_final_stats=1 -artifact_prefix="$dir/crash-$target-" $corpus \
		>"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -E '^#[0-9]+.*(DONE|INITED)' "$log" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
		echo "ok, $runs runs, coverage $cov"
	else
		echo "FAILED"
		tail -50 "$log"
		echo "fuzz_$target: the input is in $dir/crash-$target-*; log $log"
		failed="$failed $target"
	fi
done

if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed" >&2
	exit 1
fi
