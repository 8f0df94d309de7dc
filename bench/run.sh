#!/bin/bash
# bench/run.sh - `make bench`: macvio vs Linux's virtio_net vs e1000, side by
# side in one TCG guest (see bench/README.md for the method and why).
#
#   make bench                                   # full run, ~10 min
#   BENCH_SECONDS=3 BENCH_ROUNDS=1 BENCH_DRIVERS="virtio_net e1000" make bench
#
# Env: BENCH_SECONDS (10) per iperf3 run, BENCH_ROUNDS (3), BENCH_DRIVERS
# ("macvio virtio_net e1000", any subset/order), BENCH_WARMUP (2 s, 0 = none),
# BENCH_UDP_RATE (10G iperf3 -b), BENCH_UDP_LEN (1400), BENCH_MACHINE (pc|q35),
# BENCH_VIRTIO_OPTS (extra -device options for both virtio NICs, e.g.
# disable-legacy=on), BENCH_OUT (bench/results), BENCH_MACVIO_KO (use this
# macvio.ko instead of building one), BENCH_KEEP=1 (keep raw files).
# Last line of a good run:
#   ratio macvio/virtio_net tx=X rx=Y cpu_tx=A cpu_rx=B; macvio/e1000 tx=X rx=Y
# Any failure (setup, module build, bind, a run failing twice): a line starting
# "bench: FAILED:" and exit status 1, never ratios.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$BENCH_DIR/.." && pwd)
export BENCH_SECONDS=${BENCH_SECONDS:-10}
export BENCH_ROUNDS=${BENCH_ROUNDS:-3}
export BENCH_DRIVERS=${BENCH_DRIVERS:-macvio virtio_net e1000}
OUT=${BENCH_OUT:-$BENCH_DIR/results}
PY=/usr/bin/python3   # Debian's (setup.sh installs it), not whatever is first in PATH
T0=$SECONDS

say() { echo "[bench] $*"; }
fail() {
	echo "bench: FAILED: $*"
	exit 1
}

# ---------------------------------------------------------------- arguments
[ "$(id -u)" = 0 ] || fail "must run as root (network namespace, taps, apt)"
[[ $BENCH_SECONDS =~ ^[1-9][0-9]*$ ]] || fail "BENCH_SECONDS=$BENCH_SECONDS is not a positive integer"
[[ $BENCH_ROUNDS =~ ^[1-9][0-9]*$ ]] || fail "BENCH_ROUNDS=$BENCH_ROUNDS is not a positive integer"
[[ ${BENCH_WARMUP:-2} =~ ^[0-9]+$ ]] || fail "BENCH_WARMUP=$BENCH_WARMUP is not an integer"
read -ra DRV <<<"$BENCH_DRIVERS"
[ ${#DRV[@]} -gt 0 ] || fail "BENCH_DRIVERS is empty"
seen=' '
for d in "${DRV[@]}"; do
	case "$d" in macvio | virtio_net | e1000) ;; *) fail "unknown driver '$d' in BENCH_DRIVERS (macvio virtio_net e1000)" ;; esac
	[[ $seen == *" $d "* ]] && fail "driver '$d' twice in BENCH_DRIVERS"
	seen+="$d "
done
export BENCH_DRIVERS="${DRV[*]}"
WITH_MACVIO=''
[[ $seen == *" macvio "* ]] && WITH_MACVIO=1

# ---------------------------------------------------------------- setup
say "setup (test/vm/setup.sh: QEMU, iperf3, guest kernel, headers)"
bash "$SRC/test/vm/setup.sh" | sed -n '/ERROR\|all done/p' ||
	fail "test/vm/setup.sh failed; run it alone to see why"
[ -s "${MACVIO_TB_CACHE:-/var/cache/macvio-tb}/kernel-version" ] || fail "test/vm/setup.sh did not leave a guest kernel"
if ! dpkg-query -W -f='${Status}' gnuplot-nox 2>/dev/null | grep -q 'ok installed'; then
	say "installing gnuplot-nox (chart)"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		--no-install-recommends gnuplot-nox >/dev/null 2>&1 ||
		say "warning: gnuplot-nox did not install; the run goes on without a chart"
fi
[ -x "$PY" ] || fail "$PY missing (test/vm/setup.sh installs python3)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/macvio-bench.XXXXXX")
cleanup() { [ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
export BENCH_RAW=$WORK/raw
mkdir -p "$BENCH_RAW"

# A private view of the test bed cache: the guest kernel, its modules and the
# headers are shared (read-only), but the base initramfs is built here. The
# shared one is rebuilt whenever test/vm/guest changes, by whoever boots next
# (two such builds at once once left it with trailing garbage, so the kernel
# ignored the per-run cpio that carries macvio.ko; fixed in test/vm since), and
# an engineer's edit to test/vm/guest must not change the guest mid-bench.
SHARED_CACHE=${MACVIO_TB_CACHE:-/var/cache/macvio-tb}
export MACVIO_TB_CACHE=$WORK/tbcache
mkdir -p "$MACVIO_TB_CACHE"
cp "$SHARED_CACHE/kernel-version" "$SHARED_CACHE/kdir" "$MACVIO_TB_CACHE/" || fail "test bed cache $SHARED_CACHE incomplete"
ln -s "$(readlink -f "$SHARED_CACHE/kernel")" "$MACVIO_TB_CACHE/kernel"

# ---------------------------------------------------------------- macvio.ko
# Built by the test bed's tb_build_module (inside measure.sh's tb_init), but from
# a snapshot of os/linux + core taken now: the module benchmarked is exactly
# the source recorded, and a concurrent `make` in the work tree cannot change it
# halfway or race with this build.
if [ -n "$WITH_MACVIO" ]; then
	if [ -n "${BENCH_MACVIO_KO:-}" ]; then
		[ -f "$BENCH_MACVIO_KO" ] || fail "BENCH_MACVIO_KO=$BENCH_MACVIO_KO does not exist"
		export MACVIO_KO=$BENCH_MACVIO_KO MACVIO_BUILD=0
		say "macvio: using prebuilt $MACVIO_KO"
	else
		[ -f "$SRC/os/linux/Kbuild" ] ||
			fail "macvio.ko cannot be built: os/linux/Kbuild does not exist (bench the others alone with BENCH_DRIVERS=\"virtio_net e1000\")"
		snap=$WORK/src
		mkdir -p "$snap/os/linux" "$snap/core"
		cp "$SRC"/core/*.[ch] "$snap/core/" || fail "cannot copy core/"
		(cd "$SRC/os/linux" && tar cf - --exclude=./core --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
			--exclude='*.mod' --exclude='*.mod.c' --exclude=Module.symvers --exclude=modules.order .) |
			tar xf - -C "$snap/os/linux" || fail "cannot copy os/linux/"
		export MACVIO_SRC=$snap/os/linux MACVIO_KO=$snap/os/linux/macvio.ko
		echo "macvio_source_sha256=$(cd "$snap" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-64)" >>"$BENCH_RAW/meta.txt"
		say "macvio: building from a snapshot of os/linux + core (test bed's tb_build_module)"
	fi
fi

# ---------------------------------------------------------------- measure
{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "git_commit=$(git -C "$SRC" rev-parse HEAD 2>/dev/null)"
	echo "git_describe=$(git -C "$SRC" describe --always --dirty 2>/dev/null)"
	echo "git_uncommitted=$(git -C "$SRC" status --porcelain -- core os/linux 2>/dev/null | wc -l) paths under core/ os/linux/"
} >>"$BENCH_RAW/meta.txt"
say "drivers: ${DRV[*]}; ${BENCH_ROUNDS} rounds x 4 tests x ${BENCH_SECONDS}s" \
	"(about $(((BENCH_ROUNDS * 4 * ${#DRV[@]} * (BENCH_SECONDS + 4) + ${#DRV[@]} * 2 * (${BENCH_WARMUP:-2} + 4) + 40) / 60 + 1)) min)"
bash "$BENCH_DIR/measure.sh" 2> >(tee "$WORK/measure.err" >&2)
rc=$?
if [ $rc != 0 ]; then
	sleep 0.2   # let tee finish
	[ -s "$BENCH_RAW/fail.txt" ] && fail "$(tail -n 1 "$BENCH_RAW/fail.txt")"
	msg=$(sed -n 's/^\[bench\] ERROR: //p' "$WORK/measure.err" | tail -n 1)
	[ -n "$msg" ] && fail "$msg"
	fail "the measurement stopped (exit status $rc; see the messages above)"
fi
echo "run_time_s=$((SECONDS - T0))" >>"$BENCH_RAW/meta.txt"

# ---------------------------------------------------------------- report
[ -n "${BENCH_KEEP:-}" ] && say "raw files kept in $WORK"
"$PY" "$BENCH_DIR/report.py" "$BENCH_RAW" "$OUT"
