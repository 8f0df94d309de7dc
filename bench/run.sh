#!/bin/bash
# bench/run.sh - `make bench`: macvio (split and packed rings) vs Linux's
# virtio_net vs e1000, side by side in one TCG guest (see bench/README.md for
# the method and why).
#
#   make bench                                   # full run, ~20-25 min
#   BENCH_QUICK=1 BENCH_OUT=/tmp/bench-quick make bench    # smoke, ~3-4 min
#
# Env: BENCH_DRIVERS ("macvio macvio_packed virtio_net e1000"; any subset/order
# of macvio macvio_packed virtio_net virtio_net_packed e1000), BENCH_TESTS
# ("tcp_g2h tcp_h2g udp_g2h udp_h2g rr1 rr64", any subset), BENCH_ROUNDS (5),
# BENCH_SECONDS (10, TCP runs), BENCH_SHORT_SECONDS (5, UDP and RR runs),
# BENCH_QUICK=1 (1 round, 3 s runs, 1 s warm-up, unless set explicitly),
# BENCH_PIN=1 (NIC interrupts on vCPU 0, clients on vCPU 1),
# BENCH_WARMUP (2 s, 0 = none), BENCH_UDP_RATE (10G iperf3 -b), BENCH_UDP_LEN
# (64), BENCH_MACHINE (pc|q35), BENCH_VIRTIO_OPTS (extra -device options for
# every virtio NIC, e.g. disable-legacy=on), BENCH_OUT (bench/results),
# BENCH_MACVIO_KO (use this macvio.ko instead of building one), BENCH_KEEP=1
# (keep raw files; `bench/report.py RAW OUT` re-reports them).
# Last line of a good run:
#   ratio macvio/virtio_net tx=X rx=Y cpu_tx=A cpu_rx=B rr1=R rr64=S udp_tx=P udp_rx=Q; macvio/e1000 tx=X rx=Y; packed/split tx=X rx=Y
# Any failure (setup, module build, bind, no packed ring where packed=on, a run
# failing twice): a line starting "bench: FAILED:" and exit status 1, never ratios.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$BENCH_DIR/.." && pwd)
if [ "${BENCH_QUICK:-0}" = 1 ]; then   # a smoke: explicit settings still win
	export BENCH_ROUNDS=${BENCH_ROUNDS:-1} BENCH_SECONDS=${BENCH_SECONDS:-3}
	export BENCH_SHORT_SECONDS=${BENCH_SHORT_SECONDS:-3} BENCH_WARMUP=${BENCH_WARMUP:-1}
fi
export BENCH_SECONDS=${BENCH_SECONDS:-10}
export BENCH_SHORT_SECONDS=${BENCH_SHORT_SECONDS:-5}
export BENCH_ROUNDS=${BENCH_ROUNDS:-5}
export BENCH_WARMUP=${BENCH_WARMUP:-2}
export BENCH_DRIVERS=${BENCH_DRIVERS:-macvio macvio_packed virtio_net e1000}
export BENCH_TESTS=${BENCH_TESTS:-tcp_g2h tcp_h2g udp_g2h udp_h2g rr1 rr64}
export BENCH_UDP_LEN=${BENCH_UDP_LEN:-64}
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
[[ $BENCH_SHORT_SECONDS =~ ^[1-9][0-9]*$ ]] || fail "BENCH_SHORT_SECONDS=$BENCH_SHORT_SECONDS is not a positive integer"
[[ $BENCH_ROUNDS =~ ^[1-9][0-9]*$ ]] || fail "BENCH_ROUNDS=$BENCH_ROUNDS is not a positive integer"
[[ $BENCH_WARMUP =~ ^[0-9]+$ ]] || fail "BENCH_WARMUP=$BENCH_WARMUP is not an integer"
[[ $BENCH_UDP_LEN =~ ^[1-9][0-9]*$ ]] || fail "BENCH_UDP_LEN=$BENCH_UDP_LEN is not a positive integer"
[[ ${BENCH_QUICK:-0} =~ ^[01]?$ ]] || fail "BENCH_QUICK=$BENCH_QUICK: use 1 (or 0)"
[[ ${BENCH_PIN:-0} =~ ^[01]?$ ]] || fail "BENCH_PIN=$BENCH_PIN: use 1 (or 0)"
read -ra DRV <<<"$BENCH_DRIVERS"
[ ${#DRV[@]} -gt 0 ] || fail "BENCH_DRIVERS is empty"
seen=' '
for d in "${DRV[@]}"; do
	case "$d" in macvio | macvio_packed | virtio_net | virtio_net_packed | e1000) ;;
	*) fail "unknown driver '$d' in BENCH_DRIVERS (macvio macvio_packed virtio_net virtio_net_packed e1000)" ;; esac
	[[ $seen == *" $d "* ]] && fail "driver '$d' twice in BENCH_DRIVERS"
	seen+="$d "
done
export BENCH_DRIVERS="${DRV[*]}"
WITH_MACVIO=''
[[ $seen == *" macvio "* || $seen == *" macvio_packed "* ]] && WITH_MACVIO=1
[[ $seen == *_packed* && ${BENCH_VIRTIO_OPTS:-} == *packed=* ]] &&
	fail "BENCH_VIRTIO_OPTS=$BENCH_VIRTIO_OPTS sets packed= while BENCH_DRIVERS has a *_packed driver (it adds packed=on itself)"
read -ra TST <<<"$BENCH_TESTS"
[ ${#TST[@]} -gt 0 ] || fail "BENCH_TESTS is empty"
seen=' '
for t in "${TST[@]}"; do
	case "$t" in tcp_g2h | tcp_h2g | udp_g2h | udp_h2g | rr1 | rr64) ;;
	*) fail "unknown test '$t' in BENCH_TESTS (tcp_g2h tcp_h2g udp_g2h udp_h2g rr1 rr64)" ;; esac
	[[ $seen == *" $t "* ]] && fail "test '$t' twice in BENCH_TESTS"
	seen+="$t "
done
export BENCH_TESTS="${TST[*]}"
WITH_RR=''
[[ $seen == *" rr"* ]] && WITH_RR=1

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

# ---------------------------------------------------------------- rr
# bench/rr.c, static (the guest has busybox and a few copied binaries only);
# the same binary serves on the host and runs as the client in the guest.
if [ -n "$WITH_RR" ]; then
	gcc -O2 -static -Wall -o "$WORK/rr" "$BENCH_DIR/rr.c" 2>"$WORK/rr.err" ||
		fail "cannot build bench/rr.c with gcc -O2 -static (libc6-dev?): $(head -n 3 "$WORK/rr.err" | tr '\n' ' ')"
	export BENCH_RR=$WORK/rr
fi

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
# Time estimate: per run the client's seconds plus ~2 s around it (server
# start, counters, command channel); per NIC a warm-up each way and a 1 s rr
# check; ~60 s for boot and binding.
ntcp=0 nshort=0
for t in "${TST[@]}"; do case "$t" in tcp_*) ntcp=$((ntcp + 1)) ;; *) nshort=$((nshort + 1)) ;; esac; done
est=$((BENCH_ROUNDS * ${#DRV[@]} * (ntcp * (BENCH_SECONDS + 2) + nshort * (BENCH_SHORT_SECONDS + 2)) +
	${#DRV[@]} * (BENCH_WARMUP > 0 ? 2 * (BENCH_WARMUP + 2) : 0) + ${#DRV[@]} * (WITH_RR ? 3 : 0) + 60))
say "drivers: ${DRV[*]}; tests: ${TST[*]}; ${BENCH_ROUNDS} round(s) x ${#TST[@]} tests x ${#DRV[@]} drivers," \
	"${BENCH_SECONDS}s TCP / ${BENCH_SHORT_SECONDS}s UDP+RR runs (about $((est / 60 + 1)) min after the module build)"
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
