# lib.sh - host side of the macvio QEMU test bed. Source it from a scenario:
#   . "$(dirname "$0")/../lib.sh"; tb_init myscenario
#   tb_nic tap 0; vm_start pc; vm_wait_boot; tb_bind 0
#   t_begin ping; guest_run "ping -c1 $(host_ip 0)" >/dev/null && t_pass || t_fail "no reply"
#   tb_finish
# Env: DRIVER=macvio|virtio_net|e1000 (default macvio, falls back to virtio_net
# while os/linux has no Kbuild), MACVIO_KO, MACVIO_ARGS (insmod args),
# MACVIO_TB_CACHE, KEEP=1 (keep run dir), TB_VERBOSE=1, BOOT_TIMEOUT,
# TB_PREFIX (prepended to result names), MACHINE (pc|q35 where a scenario boots once).

TB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_SRC=$(cd "$TB_DIR/../.." && pwd)
CACHE=${MACVIO_TB_CACHE:-/var/cache/macvio-tb}
MACVIO_SRC=${MACVIO_SRC:-$TB_SRC/os/linux}
export MACVIO_KO=${MACVIO_KO:-$MACVIO_SRC/macvio.ko}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
TB_ID=mvtb$$
RUN_DIR=${TMPDIR:-/tmp}/$TB_ID
QEMU_DEVS=() HOST_PIDS=() CHAN_PIDS=() EXTRA_FILES=()
declare -a NIC_IF NIC_KIND
QEMU_PID='' NETNS_MADE='' PASSES=0 FAILS=0 T_NAME='' T_START=0

tb_log() { echo "[$TB_NAME] $*"; }
tb_die() { echo "[$TB_NAME] ERROR: $*" >&2; exit 1; }
vlog() { [ -z "${TB_VERBOSE:-}" ] || echo "[$TB_NAME] $*" >&2; }

# ---------------------------------------------------------------- setup/driver
# tb_build_module: build os/linux against the KDIR from setup.sh (build-module.sh).
# Status 0 built, 1 failed, 2 no os/linux/Kbuild yet (skipped).
tb_build_module() {
	if [ ! -f "$MACVIO_SRC/Kbuild" ]; then
		echo "[build] $MACVIO_SRC/Kbuild not found: macvio.ko not built (skipped)"
		return 2
	fi
	MACVIO_SRC=$MACVIO_SRC BUILD_LOG=${RUN_DIR:-/tmp}/build.log sh "$TB_DIR/build-module.sh"
}

# tb_resolve_driver: default macvio; with DRIVER unset and no module source yet,
# fall back to virtio_net (an explicit DRIVER=macvio never falls back).
tb_resolve_driver() {
	local explicit=${DRIVER:+yes}
	DRIVER=${DRIVER:-macvio}
	if [ "$DRIVER" = macvio ] && [ "${MACVIO_BUILD:-1}" = 1 ] && [ -f "$MACVIO_SRC/Kbuild" ]; then
		tb_build_module || tb_die "building macvio.ko failed (see above)"
	fi
	if [ "$DRIVER" = macvio ] && [ ! -f "$MACVIO_KO" ]; then
		[ -n "$explicit" ] && tb_die "DRIVER=macvio but $MACVIO_KO does not exist"
		tb_log "macvio.ko not available ($MACVIO_KO): testing with DRIVER=virtio_net instead"
		DRIVER=virtio_net
	fi
	case "$DRIVER" in
	macvio) PCI_DRV=macvio NIC_MODEL=virtio-net-pci ;;
	virtio_net) PCI_DRV=virtio-pci NIC_MODEL=virtio-net-pci ;;
	e1000) PCI_DRV=e1000 NIC_MODEL=e1000 ;;
	*) tb_die "unknown DRIVER=$DRIVER (macvio|virtio_net|e1000)" ;;
	esac
	export DRIVER
}

# tb_init NAME: run dir, traps, driver; every scenario calls it first.
tb_init() {
	TB_NAME=$1
	[ "$(id -u)" = 0 ] || tb_die "must run as root (netns, tap)"
	[ -s "$CACHE/kernel-version" ] || tb_die "run test/vm/setup.sh first"
	KVER=$(cat "$CACHE/kernel-version")
	KERNEL=$CACHE/kernel/boot/vmlinuz-$KVER
	mkdir -p "$RUN_DIR"
	trap tb_teardown EXIT
	trap 'exit 130' INT TERM
	trap '' PIPE
	tb_resolve_driver
	tb_log "driver under test: $DRIVER (pci driver $PCI_DRV), kernel $KVER, run dir $RUN_DIR"
}

# ---------------------------------------------------------------- results
t_begin() { T_NAME=${TB_PREFIX:-}$1; T_START=$EPOCHREALTIME; }
t_elapsed() { awk -v a="$T_START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
t_pass() { echo "PASS $T_NAME ($(t_elapsed)s)"; PASSES=$((PASSES + 1)); }
t_fail() {
	echo "FAIL $T_NAME: $*"
	FAILS=$((FAILS + 1))
	vm_console_tail
}
t_info() { echo "    $*"; }
# t_guest NAME [-t SECS] CMD: one test = one guest command (exit 0 = pass).
t_guest() {
	local name=$1 out; shift
	t_begin "$name"
	if out=$(guest_run "$@"); then t_pass; else t_fail "$(tail -n 3 <<<"$out" | tr '\n' ' ')"; fi
}
# tb_finish: exit status of the scenario (non-zero if anything failed).
tb_finish() {
	tb_log "$PASSES passed, $FAILS failed"
	[ "$FAILS" = 0 ]
	exit $?
}

# ---------------------------------------------------------------- host network
host_ns() { ip netns exec "$TB_ID" "$@"; }
tb_netns() {
	[ -n "$NETNS_MADE" ] && return 0
	ip netns add "$TB_ID" && NETNS_MADE=1
	ip -n "$TB_ID" link set lo up
}
# Per NIC index I: PCI slot 5+I, own /24, fixed MAC.
nic_slot() { printf '0x%x' $((5 + $1)); }
nic_pci() { printf '0000:00:%02x.0' $((5 + $1)); }
nic_mac() { printf '52:54:00:77:%02x:02' "$1"; }
host_ip() { echo "10.77.$(($1 + 1)).1"; }
guest_ip() { echo "10.77.$(($1 + 1)).2"; }
nic_tap() { echo "${TB_ID}t$1"; }

# tb_nic tap|user I [DEVICE_OPTS] [MODEL] [QUEUES]: add NIC I (id nicI) to the
# next boot. QUEUES > 1 (tap only): a multi-queue tap with that many queues
# and a device with mq=on and 2 x QUEUES + 2 vectors (QEMU's own default).
tb_nic() {
	local kind=$1 i=$2 opts=${3:-} model=${4:-$NIC_MODEL} qn=${5:-1} tap mq= nq=
	tb_netns
	NIC_KIND[$i]=$kind
	if [ "$kind" = tap ]; then
		tap=$(nic_tap "$i")
		[ "$qn" -gt 1 ] && mq=multi_queue nq=",queues=$qn" opts="mq=on,vectors=$((2 * qn + 2))${opts:+,$opts}"
		if ! host_ns ip link show "$tap" >/dev/null 2>&1; then   # kept across boots
			host_ns ip tuntap add dev "$tap" mode tap $mq
			host_ns ip addr add "$(host_ip "$i")/24" dev "$tap"
			host_ns ip link set "$tap" up
		fi
		QEMU_DEVS+=(-netdev "tap,id=nd$i,ifname=$tap,script=no,downscript=no$nq")
	else
		QEMU_DEVS+=(-netdev "user,id=nd$i")
	fi
	QEMU_DEVS+=(-device "$model,id=nic$i,netdev=nd$i,mac=$(nic_mac "$i"),addr=$(nic_slot "$i"),romfile=${opts:+,$opts}")
}

# host_bg NAME CMD...: run CMD in our netns in the background (log in run dir).
host_bg() {
	local n=$1; shift
	ip netns exec "$TB_ID" "$@" </dev/null >"$RUN_DIR/$n.log" 2>&1 &
	HOST_PIDS+=($!)
	eval "HBG_$n=$!"
}
# host_wait NAME SECS: wait for a host_bg job; its exit status (124 on timeout).
host_wait() {
	local pid n=0
	eval "pid=\$HBG_$1"
	while kill -0 "$pid" 2>/dev/null; do
		[ $n -ge $((${2:-60} * 10)) ] && { kill "$pid" 2>/dev/null; wait "$pid"; return 124; }
		sleep 0.1; n=$((n + 1))
	done
	wait "$pid"
}
# host_kill NAME [SIGNAL]: stop a host_bg job.
host_kill() {
	local pid
	eval "pid=\${HBG_$1:-}"
	[ -n "$pid" ] || return 0
	kill -"${2:-TERM}" "$pid" 2>/dev/null
	local n=0   # poll: in a $(...) subshell the job is not our child to wait for
	while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# ---------------------------------------------------------------- VM
# vm_start [pc|q35]: build initrd (base + per-run cpio) and boot QEMU (TCG).
vm_start() {
	local machine=${1:-pc} base args
	tb_netns
	base=$("$TB_DIR/initramfs.sh" base) || tb_die "initramfs build failed"
	local ko=$MACVIO_KO   # the reference drivers run without macvio in the guest
	[ "$DRIVER" = macvio ] || ko=/nonexistent
	MACVIO_KO=$ko "$TB_DIR/initramfs.sh" extra "$RUN_DIR/extra.cpio.gz" "${EXTRA_FILES[@]}" ||
		tb_die "extra cpio failed"
	cat "$base" "$RUN_DIR/extra.cpio.gz" >"$RUN_DIR/initrd.cpio.gz"
	rm -f "$RUN_DIR"/{console.log,cmd.sock,qmp.sock}
	# loglevel=5: warnings, oopses and errors reach console.log, info does not
	args="console=ttyS0 loglevel=5 panic=-1 mitigations=off ${TB_APPEND:-}"
	[ -n "${MACVIO_ARGS:-}" ] && args+=" tb.macvio_args=${MACVIO_ARGS// /,}"
	# a simple command (no function) so that $! is QEMU's own PID
	ip netns exec "$TB_ID" qemu-system-x86_64 -name "$TB_ID" -machine "$machine" -accel tcg \
		-smp 2 -m 1024 -nodefaults -no-user-config -nographic -no-reboot \
		-kernel "$KERNEL" -initrd "$RUN_DIR/initrd.cpio.gz" -append "$args" \
		-serial "file:$RUN_DIR/console.log" \
		-serial "unix:$RUN_DIR/cmd.sock,server=on,wait=off" \
		-qmp "unix:$RUN_DIR/qmp.sock,server=on,wait=off" \
		"${QEMU_DEVS[@]}" </dev/null >"$RUN_DIR/qemu.log" 2>&1 &
	QEMU_PID=$!
	VM_T0=$SECONDS
	tb_log "booting $machine with: ${QEMU_DEVS[*]}"
}

vm_alive() { [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; }

# vm_wait_boot: until the guest served a command; opens the command and QMP channels.
vm_wait_boot() {
	local end=$((SECONDS + BOOT_TIMEOUT))
	until grep -q 'TB-READY' "$RUN_DIR/console.log" 2>/dev/null; do
		vm_alive || { vm_fail_boot "QEMU exited: $(tail -3 "$RUN_DIR/qemu.log")"; return 1; }
		[ $SECONDS -lt $end ] || { vm_fail_boot "no TB-READY within ${BOOT_TIMEOUT}s"; return 1; }
		sleep 0.2
	done
	chan_open CMD "$RUN_DIR/cmd.sock" && chan_open QMP "$RUN_DIR/qmp.sock" ||
		{ vm_fail_boot "cannot connect to QEMU sockets"; return 1; }
	until guest_run -t 3 true >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || { vm_fail_boot "command channel does not answer"; return 1; }
	done
	qmp_open || { vm_fail_boot "QMP does not answer"; return 1; }
	tb_log "guest up in $((SECONDS - VM_T0))s"
}
vm_fail_boot() { t_begin "${TB_NAME}.boot"; t_fail "$*"; }

# vm_stop: power off politely, then make sure our QEMU is gone. Also after the
# guest ended by itself (panic=-1 with -no-reboot): channels closed, devices reset.
vm_stop() {
	[ -n "$QEMU_PID" ] || return 0
	local n=0
	if vm_alive; then
		[ -n "${CMD_W:-}" ] && printf 'off%s 5 %s\n' "$$" "$(printf 'sync; poweroff -f' | base64 -w0)" >&"$CMD_W"
		while vm_alive && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
		vm_alive && kill "$QEMU_PID" 2>/dev/null
	fi
	wait "$QEMU_PID" 2>/dev/null
	chan_close CMD; chan_close QMP
	QEMU_PID='' QEMU_DEVS=()
}

# vm_console_tail: what a FAIL line is followed by: the guest console (kernel
# messages up to warnings) and, if the guest still answers, its last dmesg lines.
vm_console_tail() {
	[ -s "$RUN_DIR/console.log" ] || return 0
	echo "    --- guest console (last ${TAIL_LINES:-20} lines) ---"
	tail -n "${TAIL_LINES:-20}" "$RUN_DIR/console.log" | sed 's/^/    | /'
	if ! vm_alive; then
		echo "    (QEMU is not running: $(tail -2 "$RUN_DIR/qemu.log" 2>/dev/null | tr '\n' ' '))"
	elif [ ! -e "$RUN_DIR/chan-dead" ]; then
		echo "    --- guest dmesg (last 12 lines) ---"
		guest_run -t 3 'dmesg | tail -n 12' 2>&1 | sed 's/^/    | /'
	fi
}

# ---------------------------------------------------------------- channels
# chan_open NAME SOCK: socat bridges SOCK to two FIFOs; sets NAME_W / NAME_R fds.
chan_open() {
	local in=$RUN_DIR/$1.in out=$RUN_DIR/$1.out w r
	rm -f "$in" "$out" && mkfifo "$in" "$out"
	socat -t 1 "UNIX-CONNECT:$2" STDIO <"$in" >"$out" 2>>"$RUN_DIR/socat.log" &
	CHAN_PIDS+=($!)
	exec {w}>"$in" {r}<"$out"
	printf -v "${1}_W" %s "$w"
	printf -v "${1}_R" %s "$r"
}
chan_close() {
	local w r
	eval "w=\${${1}_W:-} r=\${${1}_R:-}"
	[ -n "$w" ] && exec {w}>&-
	[ -n "$r" ] && exec {r}<&-
	printf -v "${1}_W" %s ''
	printf -v "${1}_R" %s ''
}

# guest_run [-t SECS] CMD: run CMD in the guest (sh, with /etc/tb.sh sourced).
# Prints its output (stdout+stderr), returns its exit status; 124 = no answer.
guest_run() {
	local tmo=60 id line out='' rc end cmd
	[ "$1" = -t ] && { tmo=$2; shift 2; }
	cmd=$*
	[ -n "${CMD_W:-}" ] || { echo "guest_run: no VM"; return 125; }
	id="c${BASHPID}_${EPOCHREALTIME/./}"
	printf '%s %s %s\n' "$id" "$tmo" "$(printf '%s' "$*" | base64 -w0)" >&"$CMD_W" ||
		{ echo "guest_run: channel closed"; return 125; }
	vlog "guest> $*"
	end=$((SECONDS + tmo + 15))
	while [ "$line" != "@@TB-BEGIN $id" ]; do
		guest_read_line || return $?
	done
	while guest_read_line; do
		case "$line" in
		"@@TB-END $id "*)
			rc=${line##* } out=${out%$'\n'}
			rm -f "$RUN_DIR/chan-dead"
			[ -n "$out" ] && printf '%s\n' "${out%$'\n'}"
			return "$rc" ;;
		*) out+=$line$'\n' ;;
		esac
	done
	return 124
}
guest_read_line() {
	local left=$((end - SECONDS))
	[ $left -gt 0 ] || { echo "guest_run: no answer within ${tmo}s to: $cmd"; return 124; }
	IFS= read -r -t "$left" -u "$CMD_R" line && return 0
	[ $? -gt 128 ] && { echo "guest_run: timeout (${tmo}s) for: $cmd"; : >"$RUN_DIR/chan-dead"; return 124; }
	echo "guest_run: channel closed (QEMU gone?)"; : >"$RUN_DIR/chan-dead"; return 125
}

# qmp_wait_status S SECS: until QMP query-status says S
qmp_wait_status() {
	local n=0
	until qmp query-status | grep -q "\"status\": *\"$1\""; do
		n=$((n + 1)); [ $n -lt $(($2 * 10)) ] || return 1; sleep 0.1
	done
}

# s3_cycle: suspend the guest to RAM and wake it with QMP (the machine needs
# S3: -global PIIX4_PM.disable_s3=0, ICH9-LPC on q35), then wait until it
# answers on the command line again. S3_PH says what happened when
# (seconds from S3_T0); status 1 when it did not suspend or come back.
s3_cycle() {
	local n=0 back=''
	S3_T0=$SECONDS
	# the answer must leave the guest's serial line before the suspend
	# freezes it, or guest_run waits out its 75 s timeout
	guest_run "tb_bg s3 'sleep 0.5; echo mem > /sys/power/state'" >/dev/null
	if ! qmp_wait_status suspended 20; then
		S3_PH="the guest did not suspend: $(qmp query-status) $(guest_run -t 5 'cat /tmp/bg.s3.log; cat /sys/power/state' 2>&1)"
		return 1
	fi
	S3_PH="suspended after $((SECONDS - S3_T0)) s"
	sleep 1
	qmp system_wakeup >/dev/null
	qmp_wait_status running 20 || { S3_PH+=", no wake: $(qmp query-status)"; return 1; }
	S3_PH+=", running $((SECONDS - S3_T0)) s"
	# the first bytes on the command serial line may be lost while the
	# guest's tty resumes: ask again until the guest answers
	sleep 2
	until back=$(guest_run -t 4 "tb_wait s3 30; echo \"echo mem: rc \$?, \$(cat /sys/power/wakeup_count 2>/dev/null) wakeups\""); do
		n=$((n + 1))
		[ $n -lt 8 ] || { S3_PH+=", no answer after resume: $back"; return 1; }
	done
	S3_PH+=", guest answers $((SECONDS - S3_T0)) s ($back)"
}

# qmp_open: read the greeting and enter command mode.
qmp_open() { local l; IFS= read -r -t 10 -u "$QMP_R" l && qmp_raw '{"execute":"qmp_capabilities"}' >/dev/null; }
# qmp_raw JSON: send one command, print its reply line; status 1 on error.
qmp_raw() {
	local l
	printf '%s\n' "$1" >&"$QMP_W" || return 125
	while IFS= read -r -t 10 -u "$QMP_R" l; do
		case "$l" in
		*'"return"'*) echo "$l"; return 0 ;;
		*'"error"'*) echo "$l"; return 1 ;;
		*'"event"'*) echo "$l" >>"$RUN_DIR/qmp-events.log" ;; # qmp_events reads them
		esac
	done
	echo "qmp: no reply to $1"; return 124
}
# qmp_events: the QMP events seen so far (one JSON line each), after a
# round trip that collects any pending ones.
qmp_events() { qmp_raw '{"execute":"query-status"}' >/dev/null; cat "$RUN_DIR/qmp-events.log" 2>/dev/null; }
# qmp CMD [ARGS]: shorthands (set_link NIC on|off, system_reset) or raw JSON.
qmp() {
	case "$1" in
	set_link) local up=false; [ "$3" = on ] && up=true
		qmp_raw "{\"execute\":\"set_link\",\"arguments\":{\"name\":\"$2\",\"up\":$up}}" ;;
	\{*) qmp_raw "$1" ;;
	*) qmp_raw "{\"execute\":\"$1\"}" ;;
	esac
}

# ---------------------------------------------------------------- NIC helpers
# tb_bind I [DRV]: in the guest, bind NIC I to the PCI driver under test (or
# DRV) and bring it up (tap NICs also get their address). Sets NIC_IF[I]; on
# failure TB_ERR says why. Do not call it in $(...): NIC_IF would be lost.
tb_bind() {
	local i=$1 drv=${2:-$PCI_DRV} out ip=''
	TB_ERR=''
	[ "${NIC_KIND[$i]}" = tap ] && ip=$(guest_ip "$i")/24
	out=$(guest_run -t 30 "bind_pci $(nic_pci "$i") $drv && nic_up $(nic_pci "$i") $ip") ||
		{ TB_ERR=$(tail -n 2 <<<"$out" | tr '\n' ' '); return 1; }
	NIC_IF[$i]=$(tail -n1 <<<"$out")
}
# t_bind NAME I [DRV]: tb_bind as a test of its own (not in a subshell: sets NIC_IF).
t_bind() {
	t_begin "$1"
	if tb_bind "$2" "${3:-}"; then t_pass; else t_fail "$TB_ERR"; return 1; fi
}

# ping_both I: ping host<->guest on tap NIC I.
ping_both() {
	guest_run -t 30 "wait_ping $(host_ip "$1") 20 && ping -c 3 -i 0.2 -W 2 -q $(host_ip "$1") >/dev/null" ||
		{ echo "guest->host ping failed"; return 1; }
	host_ns ping -c 3 -W 2 -i 0.2 -q "$(guest_ip "$1")" >/dev/null || { echo "host->guest ping failed"; return 1; }
}

# host_data MiB: a random file in the run dir (made once per size); prints path.
host_data() {
	local f=$RUN_DIR/data-$1M.bin
	[ -s "$f" ] || head -c $(($1 << 20)) /dev/urandom >"$f"
	echo "$f"
}

# xfer I MiB g2h|h2g [PORT]: TCP transfer with socat, SHA-256 compared at both
# ends. Prints "N MiB in S s = R Mbit/s" or the reason of failure.
# XFER_TCP=TCP6 XFER_HIP='[fd77:1::1]' XFER_GIP='[fd77:1::2]' runs it over IPv6.
xfer() {
	local i=$1 mib=$2 dir=$3 port=${4:-$((5100 + $1))} t0 t1 hs gs out f
	local tcp=${XFER_TCP:-TCP} hip=${XFER_HIP:-$(host_ip "$1")} gip=${XFER_GIP:-$(guest_ip "$1")}
	if [ "$dir" = g2h ]; then
		out=$(guest_run -t 120 "dd if=/dev/urandom of=/tmp/tx$i.bin bs=1M count=$mib 2>/dev/null &&
			sha256sum /tmp/tx$i.bin") || { echo "guest data: $out"; return 1; }
		gs=$(tail -n1 <<<"$out" | cut -d' ' -f1)
		host_bg "rx$i" socat -b 262144 -u "$tcp-LISTEN:$port,reuseaddr,bind=$hip" "OPEN:$RUN_DIR/rx$i.bin,creat,trunc"
		t0=$EPOCHREALTIME
		out=$(guest_run -t 120 "socat -b 262144 -u FILE:/tmp/tx$i.bin $tcp:$hip:$port,retry=50,interval=0.2") ||
			{ host_kill "rx$i"; echo "guest send failed: $out"; return 1; }
		host_wait "rx$i" 60 || { echo "host receiver failed: $(tail -2 "$RUN_DIR/rx$i.log")"; return 1; }
		t1=$EPOCHREALTIME
		guest_run "rm -f /tmp/tx$i.bin" >/dev/null
		hs=$(sha256sum "$RUN_DIR/rx$i.bin" | cut -d' ' -f1)
		rm -f "$RUN_DIR/rx$i.bin"
	else
		f=$(host_data "$mib")
		hs=$(sha256sum "$f" | cut -d' ' -f1)
		guest_run "tb_bg rx$i socat -b 262144 -u $tcp-LISTEN:$port,reuseaddr OPEN:/tmp/rx$i.bin,creat,trunc" >/dev/null
		t0=$EPOCHREALTIME
		host_ns socat -b 262144 -u "FILE:$f" "$tcp:$gip:$port,retry=50,interval=0.2" 2>"$RUN_DIR/tx$i.log" ||
			{ echo "host send failed: $(tail -2 "$RUN_DIR/tx$i.log")"; return 1; }
		out=$(guest_run -t 90 "tb_wait rx$i 60 || cat /tmp/bg.rx$i.log") || { echo "guest receive failed: $out"; return 1; }
		t1=$EPOCHREALTIME
		out=$(guest_run -t 90 "sha256sum /tmp/rx$i.bin; rc=\$?; rm -f /tmp/rx$i.bin; exit \$rc") ||
			{ echo "guest hash failed: $out"; return 1; }
		gs=$(tail -n1 <<<"$out" | cut -d' ' -f1)
	fi
	[ "$gs" = "$hs" ] || { echo "SHA-256 mismatch: guest $gs host $hs"; return 1; }
	awk -v m="$mib" -v a="$t0" -v b="$t1" -v d="$dir" \
		'BEGIN { printf "%s %d MiB, sha256 ok, %.1f s, %.0f Mbit/s\n", d, m, b - a, m * 8.388608 / (b - a) }'
}

# udp I g2h|h2g RATE SECS: iperf3 UDP burst; prints the receiver's loss line.
# UDP_LEN: datagram bytes (1400; above the MTU the datagrams are fragmented).
# Fails when nothing arrived or loss exceeds UDP_MAX_LOSS percent (default 30;
# TCG guests drop some UDP at high rates whatever the driver).
udp() {
	local i=$1 rev='' out line pct
	[ "$2" = h2g ] && rev=-R
	host_bg "iperf$i" iperf3 -s -1 -B "$(host_ip "$i")" -p $((5300 + i))
	sleep 0.3
	out=$(guest_run -t $(($4 + 30)) "iperf3 -u -c $(host_ip "$i") -p $((5300 + i)) -b $3 -l ${UDP_LEN:-1400} -t $4 $rev") ||
		{ host_kill "iperf$i"; echo "iperf3 failed: $(tail -3 <<<"$out")"; return 1; }
	host_wait "iperf$i" 10 >/dev/null
	line=$(grep receiver <<<"$out" | tail -1)
	pct=$(sed -n 's/.*(\([0-9.e+-]*\)%).*/\1/p' <<<"$line")
	[ -n "$pct" ] || { echo "no receiver line: $(tail -3 <<<"$out")"; return 1; }
	echo "$2 UDP at $3 for $4 s, receiver: $(sed 's/.*sec  *[0-9.]* [KMG]*Bytes  *//; s/ *receiver//' <<<"$line")"
	awk -v p="$pct" -v m="${UDP_MAX_LOSS:-30}" 'BEGIN { exit !(p <= m) }' || { echo "loss ${pct}% > ${UDP_MAX_LOSS:-30}%"; return 1; }
}

# traffic_start I / traffic_stop I: background load on NIC I while a scenario
# pokes the driver: host pings the guest every 10 ms, the guest streams UDP
# (64 KiB every ~20 ms) to a sink in the netns. Errors are expected and ignored
# while the link is down; traffic_stop prints the host ping summary.
traffic_start() {
	local i=$1
	host_bg "sink$i" socat -u "UDP-RECV:9999,bind=$(host_ip "$i")" /dev/null
	host_bg "ping$i" ping -i 0.01 -q "$(guest_ip "$i")"
	guest_run "head -c 65536 /dev/urandom >/tmp/blob; tb_bg udptx$i 'while :; do
		socat -u -b 1400 FILE:/tmp/blob UDP-SENDTO:$(host_ip "$i"):9999 2>/dev/null; usleep 20000; done'" >/dev/null
}
traffic_stop() {
	local i=$1
	guest_run "tb_kill udptx$i" >/dev/null
	host_kill "ping$i" INT
	host_kill "sink$i"
	grep -h 'packets transmitted' "$RUN_DIR/ping$i.log" | sed 's/^/host ping: /'
}

# ---------------------------------------------------------------- teardown
tb_teardown() {
	local rc=$? pid
	trap - EXIT
	[ -n "$QEMU_PID" ] && { kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null; }
	chan_close CMD; chan_close QMP
	for pid in "${HOST_PIDS[@]}" "${CHAN_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	if [ -n "$NETNS_MADE" ]; then
		# whatever still runs inside our private netns was started by us
		for pid in $(ip netns pids "$TB_ID" 2>/dev/null); do kill "$pid" 2>/dev/null; done
		ip netns del "$TB_ID" 2>/dev/null
	fi
	wait 2>/dev/null
	if [ -n "${KEEP:-}" ] || [ "$FAILS" != 0 ]; then
		echo "[$TB_NAME] logs kept in $RUN_DIR"
		rm -f "$RUN_DIR"/*.bin "$RUN_DIR"/*.cpio.gz
	else
		rm -rf "$RUN_DIR"
	fi
	exit $rc
}
