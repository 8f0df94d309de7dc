#!/bin/bash
# run-all.sh - the whole QEMU test bed: setup, module build, initramfs, every
# scenario, the demo, then a summary whose last line is "N passed, M failed".
# Exit status is non-zero if anything failed.
# Env: DRIVER (default macvio when os/linux builds, else virtio_net),
# SCENARIOS (default "dhcp tap variants linkflap unload twonics offloads copy recovery suspend polled panic mq console demo"),
# BASELINE=0 skips the e1000 baseline run of the tap scenario, SKIP_SETUP=1.
TB_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TB_DIR/lib.sh"
TB_NAME=run-all
LOG_DIR=${LOG_DIR:-/tmp/macvio-tb-logs}
SCENARIOS=${SCENARIOS:-dhcp tap variants linkflap unload twonics offloads copy recovery suspend polled panic mq console demo}
PASSED=0 FAILED=0 T_ALL=$SECONDS
ROWS=() FAIL_LINES=()
mkdir -p "$LOG_DIR"
RUN_DIR=$LOG_DIR

# record NAME STATUS LOG SECS: count the PASS/FAIL lines a scenario printed.
record() {
	local name=$1 st=$2 log=$3 secs=$4 p f
	p=$(grep -c '^PASS ' "$log") f=$(grep -c '^FAIL ' "$log")
	if [ "$st" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $name: exited with status $st (see $log)" | tee -a "$log"
		f=1
	fi
	PASSED=$((PASSED + p)) FAILED=$((FAILED + f))
	ROWS+=("$(printf '%-22s %3d passed %3d failed %5ss' "$name" "$p" "$f" "$secs")")
	mapfile -t -O "${#FAIL_LINES[@]}" FAIL_LINES < <(grep '^FAIL ' "$log")
}

# run NAME CMD...: run one step, output to the terminal and to its log.
run() {
	local name=$1 t0=$SECONDS log=$LOG_DIR/$1.log; shift
	echo "=== $name"
	"$@" 2>&1 | tee "$log"
	record "$name" "${PIPESTATUS[0]}" "$log" $((SECONDS - t0))
}

step_setup() {
	"$TB_DIR/setup.sh" && echo "PASS setup ($((SECONDS - T_ALL))s)" || echo "FAIL setup: setup.sh failed"
}

# step_build: builds os/linux once; picks the driver the scenarios will test.
step_build() {
	local t0=$SECONDS rc
	if [ -n "${DRIVER:-}" ] && [ "$DRIVER" != macvio ]; then
		echo "[build] DRIVER=$DRIVER: macvio.ko not needed, build skipped"
		echo "DRIVER=$DRIVER" >"$LOG_DIR/driver"
		return 0
	fi
	tb_build_module; rc=$?
	if [ $rc = 0 ]; then
		echo "PASS build.macvio ($((SECONDS - t0))s)"
		echo "DRIVER=${DRIVER:-macvio}" >"$LOG_DIR/driver"
	elif [ $rc = 2 ]; then
		echo "[build] no module yet: scenarios test Linux's virtio_net instead"
		echo "DRIVER=${DRIVER:-virtio_net}" >"$LOG_DIR/driver"
	else
		echo "FAIL build.macvio: make failed (log $LOG_DIR/build.log)"
		echo "DRIVER=${DRIVER:-virtio_net}" >"$LOG_DIR/driver"
	fi
}

step_initramfs() { "$TB_DIR/initramfs.sh" base && echo "PASS initramfs (0s)" || echo "FAIL initramfs: build failed"; }

main() {
	[ -n "${SKIP_SETUP:-}" ] || run setup step_setup
	run build step_build
	. "$LOG_DIR/driver"
	export DRIVER MACVIO_BUILD=0   # built once above
	echo "[run-all] driver under test: $DRIVER"
	run initramfs step_initramfs
	local s
	for s in $SCENARIOS; do
		if [ "$s" = demo ]; then run demo "$TB_DIR/demo.sh"
		else run "$s" "$TB_DIR/scenarios/$s.sh"
		fi
	done
	if [ "${BASELINE:-1}" = 1 ] && [ "$DRIVER" != e1000 ]; then
		run e1000-tap env DRIVER=e1000 TB_PREFIX=e1000: XFER_MIB=16 "$TB_DIR/scenarios/tap.sh"
	fi
	echo
	echo "================ summary (driver $DRIVER, $((SECONDS - T_ALL)) s, logs in $LOG_DIR) ================"
	printf '%s\n' "${ROWS[@]}"
	[ ${#FAIL_LINES[@]} = 0 ] || printf '%s\n' "${FAIL_LINES[@]}"
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ]
}

main "$@"
