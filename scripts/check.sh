#!/usr/bin/env bash
# make check: run every suite in order (cheapest first), keep going after a
# failing suite so one run shows everything, then print one total.
# Each suite ends its output with "N passed, M failed"; this adds them up.
set -u
cd "$(dirname "$0")/.."
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
total_p=0 total_f=0 rc=0
start=$(date +%s)

suite() { # name, command...
	local name=$1; shift
	local t0=$(date +%s)
	echo "=== $name: $*"
	"$@" 2>&1 | tee "$log/$name"
	local st=${PIPESTATUS[0]}
	local line p f
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log/$name" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	elif [ "$st" = 0 ]; then
		p=1 f=0 # a step without its own count (the build) is one check
	else
		p=0 f=1
	fi
	[ "$st" = 0 ] || { [ "$f" -gt 0 ] || f=1; rc=1; }
	[ "$f" = 0 ] || rc=1
	total_p=$((total_p + p)) total_f=$((total_f + f))
	echo "=== $name: $p passed, $f failed ($(( $(date +%s) - t0 )) s)"
}

suite build make --no-print-directory core
suite format make --no-print-directory format-check
suite unit make -s --no-print-directory -C test/unit run
suite fuzz-smoke make -s --no-print-directory -C fuzz smoke FUZZ_RUNS=1000
suite plist sh test/plist/check.sh
suite darwin-build bash test/darwin/check-headers.sh
suite e2e bash test/vm/run-all.sh
echo "make check took $(( $(date +%s) - start )) s"
echo "check: $total_p passed, $total_f failed"
exit $rc
