#!/bin/bash
# Run the libFuzzer targets; called by make fuzz, fuzz-ci, fuzz-replay (tests/fuzz/Makemodule.am).
#   run.sh fuzz   CORPUS_ROOT BINDIR SECONDS TARGET...   fuzz each target SECONDS on a scratch copy
#                                                       of CORPUS_ROOT/TARGET; new crash inputs go
#                                                       to BINDIR/crashes/TARGET/
#   run.sh replay CORPUS_ROOT BINDIR 0 TARGET...         run each target once on every file of its
#                                                       corpus, without fuzzing
# Prints one line per target (executions, crashes) and exits 1 if any target crashed or failed.
# A target that exits 77 (fuzz_diff_libsubid without a private mount namespace) is reported as
# SKIP and does not fail the run; libFuzzer's own failure code (77 by default) is set to 1.
set -euo pipefail

mode=${1:?mode}
corpus_root=${2:?corpus root}
bindir=${3:?binary dir}
seconds=${4:?seconds}
shift 4

scratch=$(mktemp -d "${TMPDIR:-/tmp}/newidmap-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

failed=0
printf '%-16s %-8s %12s %8s  %s\n' target result executions crashes log
for t in "$@"; do
	bin="$bindir/fuzz_$t"
	log="$bindir/fuzz_$t.$mode.log"
	if [[ ! -x $bin ]]; then
		echo "run.sh: $bin is missing: run make fuzz-build" >&2
		exit 2
	fi
	rc=0
	case $mode in
	fuzz)
		mkdir -p "$scratch/$t" "$bindir/crashes/$t"
		if [[ -d $corpus_root/$t ]]; then
			cp -R "$corpus_root/$t/." "$scratch/$t/"
		fi
		before=$(find "$bindir/crashes/$t" -type f | wc -l)
		"$bin" -max_total_time="$seconds" -timeout=10 -error_exitcode=1 -print_final_stats=1 \
			-artifact_prefix="$bindir/crashes/$t/" "$scratch/$t" >"$log" 2>&1 || rc=$?
		after=$(find "$bindir/crashes/$t" -type f | wc -l)
		crashes=$((after - before))
		;;
	replay)
		files=()
		if [[ -d $corpus_root/$t ]]; then
			while IFS= read -r -d '' f; do files+=("$f"); done \
				< <(find "$corpus_root/$t" -type f -print0 | sort -z)
		fi
		if ((${#files[@]} == 0)); then
			printf '%-16s %-8s %12s %8s  %s\n' "$t" "no-corpus" 0 0 -
			continue
		fi
		"$bin" -timeout=10 -error_exitcode=1 -runs=1 -artifact_prefix="$scratch/" "${files[@]}" >"$log" 2>&1 || rc=$?
		crashes=$(find "$scratch" -maxdepth 1 -type f | wc -l)
		;;
	*)
		echo "run.sh: unknown mode '$mode'" >&2
		exit 2
		;;
	esac
	if [[ $mode == fuzz ]]; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	else
		execs=$(grep -c '^Running: ' "$log" || true)
	fi
	if ((rc == 77)); then
		result=SKIP
	elif ((rc != 0 || crashes != 0)); then
		result=FAIL
		failed=1
	else
		result=ok
	fi
	printf '%-16s %-8s %12s %8s  %s\n' "$t" "$result" "${execs:-0}" "$crashes" "$log"
	if [[ $result == FAIL ]]; then
		grep -E 'property failed|ERROR: |SUMMARY: |Test unit written|^Running: ' "$log" | tail -n 8 | sed 's/^/    /' >&2
	fi
done
exit "$failed"
