#!/bin/sh
# fuzz/campaign.sh TARGET [libFuzzer args...]: one libFuzzer campaign of
# build/TARGET-lf on a working copy of corpus/TARGET (the committed seeds),
# then one line: executions, exec/s, coverage, features, crashes.
# Exit status 1 when the campaign found a crash, leak or timeout.
t=$1
shift
mkdir -p "corpus/$t" "build/work/$t"
cp -n corpus/"$t"/* "build/work/$t/" 2>/dev/null || true
rm -f build/"$t"-crash-* build/"$t"-leak-* build/"$t"-timeout-*
ASAN_OPTIONS=max_malloc_fill_size=0:detect_leaks=1 ./build/"$t"-lf -max_len=4096 -len_control=0 \
	-print_final_stats=1 -artifact_prefix=build/"$t"- "$@" "build/work/$t" >"build/$t.log" 2>&1
rc=$?
n=$(sed -n 's/^stat::number_of_executed_units: *//p' "build/$t.log")
r=$(sed -n 's/^stat::average_exec_per_sec: *//p' "build/$t.log")
cov=$(grep -o 'cov: [0-9]*' "build/$t.log" | tail -n 1)
ft=$(grep -o 'ft: [0-9]*' "build/$t.log" | tail -n 1)
k=$(ls build/"$t"-crash-* build/"$t"-leak-* build/"$t"-timeout-* 2>/dev/null | wc -l)
echo "fuzz $t: ${n:-0} executions, ${r:-0} exec/s, ${cov:-cov: ?}, ${ft:-ft: ?}, crashes $k (rc $rc; fuzz/build/$t.log)"
[ "$k" = 0 ] && [ "$rc" = 0 ]
