#!/bin/bash
# bench/measure.sh - the measuring half of `make bench`; bench/run.sh runs it
# (arguments, setup, module source snapshot, rr build) and bench/report.py
# turns what it leaves in $BENCH_RAW into tables, JSON and a chart. Not meant
# to be run by hand, but it can be: BENCH_RAW=/tmp/x bash bench/measure.sh
#
# One guest boot (TCG, 2 vCPU, 1 GiB), one NIC per driver, each NIC on its own
# tap / subnet in the test bed's private netns:
#   NIC i = driver i of BENCH_DRIVERS, PCI 00:0(5+i).0, host 10.77.(i+1).1,
#   guest 10.77.(i+1).2; macvio, macvio_packed, virtio_net and
#   virtio_net_packed get virtio-net-pci (the *_packed ones with packed=on),
#   e1000 gets e1000.
# Per sample: the guest runs the client (iperf3 against a one-shot iperf3
# server on the host address of that NIC, or rr against the NIC's rr server,
# started once after boot) and reads /proc/stat and the NIC's counters right
# before and right after the client (so the CPU window is the client's
# lifetime); the host reads QEMU's CPU time and its own /proc/stat around it.
# Output in $BENCH_RAW: samples.tsv (one line per attempt), s<seq>.a<n>.out
# (@@ lines and the client's output), nic<i>.txt (what the guest says about
# each NIC), idle.txt, meta.txt (key=value), fail.txt (why the run failed,
# when it did).

# shellcheck source=../test/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../test/vm/lib.sh"

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RAW=${BENCH_RAW:?BENCH_RAW must name the raw output directory}
SECS=${BENCH_SECONDS:-10}
SHORT=${BENCH_SHORT_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-5}
WARMUP=${BENCH_WARMUP:-2}
UDP_RATE=${BENCH_UDP_RATE:-10G}
UDP_LEN=${BENCH_UDP_LEN:-64}
VIRTIO_OPTS=${BENCH_VIRTIO_OPTS:-}
# BENCH_PIN=1: every NIC's interrupts on vCPU 0, every client on vCPU 1.
# Left to the scheduler, whether a run's client shares a vCPU with the
# NIC's softirq work is chance, and it moves one run by up to 2x (per-round
# host->guest ratios spread 0.49-1.78 in the first 5-round run; 0.90-0.99
# pinned, bench/README.md). Off by default until a full pinned run has
# replaced the published numbers.
PIN=${BENCH_PIN:-0}
PINNED=''
[ "$PIN" = 1 ] && PINNED='taskset 2'
PY=/usr/bin/python3
read -ra DRV <<<"${BENCH_DRIVERS:-macvio macvio_packed virtio_net e1000}"
read -ra TESTS <<<"${BENCH_TESTS:-tcp_g2h tcp_h2g udp_g2h udp_h2g rr1 rr64}"
N=${#DRV[@]}
WITH_RR=''
[[ " ${TESTS[*]} " == *" rr"* ]] && WITH_RR=1
mkdir -p "$RAW"

# bench_fail MSG: say why, loudly, leave it for run.sh, stop (non-zero).
bench_fail() {
	echo "[bench] FAILED: $*" >&2
	echo "$*" >>"$RAW/fail.txt"
	FAILS=$((FAILS + 1))   # lib.sh keeps the run dir (logs) when FAILS != 0
	vm_console_tail >&2
	exit 1
}
meta() { printf '%s=%s\n' "$1" "$2" >>"$RAW/meta.txt"; }

# The driver lib.sh resolves decides whether macvio.ko is built (and carried
# into the guest): macvio when we bench it (split or packed) - explicit, so
# lib.sh never falls back to virtio_net and dies if the module cannot be built
# - and otherwise no macvio.ko in the guest at all, so it cannot influence the
# others.
if [[ " ${DRV[*]} " == *" macvio "* || " ${DRV[*]} " == *" macvio_packed "* ]]; then
	DRIVER=macvio
else
	DRIVER=${DRV[0]%_packed}
	MACVIO_KO=/nonexistent/macvio.ko
fi
tb_init bench

pci_drv_of() { case "$1" in virtio_net*) echo virtio-pci ;; macvio*) echo macvio ;; *) echo "$1" ;; esac; }
model_of() { case "$1" in e1000) echo e1000 ;; *) echo virtio-net-pci ;; esac; }
opts_of() {
	case "$1" in
	e1000) echo '' ;;
	*_packed) echo "${VIRTIO_OPTS:+$VIRTIO_OPTS,}packed=on" ;;
	*) echo "$VIRTIO_OPTS" ;;
	esac
}
rr_port() { echo $((5400 + $1)); }
secs_of() { case "$1" in tcp_*) echo "$SECS" ;; *) echo "$SHORT" ;; esac; }

# forget_pid PID: drop a finished job from lib.sh's HOST_PIDS, so teardown does
# not signal a PID number that may have been reused by then.
forget_pid() {
	local p keep=()
	for p in "${HOST_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	HOST_PIDS=("${keep[@]}")
}

# qemu_ticks: CPU time (utime + stime, clock ticks) of our QEMU so far, all threads.
qemu_ticks() { awk '{ print $14 + $15 }' "/proc/$QEMU_PID/stat" 2>/dev/null || echo 0; }

# host_counters 0|1 I: where UDP datagrams get lost on the host side: the
# netns's Udp counters (header + values line) and NIC I's tap counters.
host_counters() {
	local d
	d=/sys/class/net/$(nic_tap "$2")/statistics
	host_ns grep ^Udp: /proc/net/snmp | sed "s/^/@@HUDP$1 /"
	echo "@@TAP$1 $(host_ns cat "$d/rx_packets" "$d/rx_dropped" "$d/tx_packets" "$d/tx_dropped" | paste -sd' ')"
}

# wait_listen PORT: until something in our netns listens on TCP PORT (5 s).
wait_listen() {
	local n=0
	until [ -n "$(host_ns ss -Hltn "sport = :$1" 2>/dev/null)" ]; do
		[ $n -ge 50 ] && return 1
		sleep 0.1; n=$((n + 1))
	done
}

# The rr servers: one per NIC on the host address, port 5400 + i, started once
# after boot (host_bg: in HOST_PIDS, so lib.sh's teardown kills them). Never
# call these in $(...): HOST_PIDS and HBG_* would be lost.
# rr_start I: start NIC I's server and wait until it listens.
rr_start() {
	host_bg "rrs$1" "$RR" -s "$(host_ip "$1")" "$(rr_port "$1")"
	wait_listen "$(rr_port "$1")"
}
# rr_stop I: stop NIC I's server (if any) and forget it.
rr_stop() {
	local pid
	eval "pid=\${HBG_rrs$1:-}"
	[ -n "$pid" ] || return 0
	host_kill "rrs$1"
	forget_pid "$pid"
	eval "HBG_rrs$1="
}
# rr_ensure I: the server runs (restarted, and said so, if it died).
rr_ensure() {
	local pid
	eval "pid=\${HBG_rrs$1:-}"
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && return 0
	tb_log "rr server of NIC $1 is gone ($(tail -n 1 "$RUN_DIR/rrs$1.log" 2>/dev/null)); restarting it"
	rr_stop "$1"
	rr_start "$1"
}

# Guest helpers, shipped as /etc/tb-bench.sh (busybox sh).
# bench_counters TAG IFACE PCI: the counters read right before (TAG 0) and right
# after (TAG 1) a client, one @@ line per group:
#   @@NIC  interface statistics (rx_bytes tx_bytes rx_packets tx_packets rx_dropped tx_dropped)
#   @@ETH  every numeric `ethtool -S` counter as name=value
#   @@IRQ  the NIC's interrupts: irq:name=count summed over CPUs, for the irqs
#          in /sys/bus/pci/devices/PCI/msi_irqs (or its `irq` file for INTx)
#   @@SIRQ /proc/softirqs NET_RX and NET_TX summed over CPUs
#   @@GUDP the guest's Udp: header and values lines from /proc/net/snmp
cat >"$RUN_DIR/tb-bench.sh" <<'EOF'
bench_counters() {
	local s=/sys/class/net/$2/statistics d=/sys/bus/pci/devices/$3 irqs
	echo "@@NIC$1 $(cat $s/rx_bytes $s/tx_bytes $s/rx_packets $s/tx_packets $s/rx_dropped $s/tx_dropped | paste -sd' ')"
	echo "@@ETH$1$(ethtool -S "$2" 2>/dev/null | awk -F: 'NF == 2 { k = $1; v = $2
		gsub(/^[ \t]+|[ \t]+$/, "", k); gsub(/[ \t]/, "_", k); gsub(/[ \t]/, "", v)
		if (v ~ /^[0-9]+$/) printf " %s=%s", k, v }')"
	irqs=$(ls "$d/msi_irqs" 2>/dev/null)
	[ -n "$irqs" ] || irqs=$(cat "$d/irq")
	echo "@@IRQ$1$(awk -v want=" $(echo $irqs) " 'NR == 1 { ncpu = NF; next }
		{ n = $1; sub(/:$/, "", n); if (index(want, " " n " ")) { s = 0
			for (i = 2; i <= ncpu + 1; i++) s += $i
			printf " %s:%s=%.0f", n, $NF, s } }' /proc/interrupts)"
	echo "@@SIRQ$1$(awk '$1 == "NET_TX:" || $1 == "NET_RX:" { s = 0; for (i = 2; i <= NF; i++) s += $i
		printf " %s=%.0f", substr($1, 1, length($1) - 1), s }' /proc/softirqs)"
	grep ^Udp: /proc/net/snmp | sed "s/^/@@GUDP$1 /"
}
EOF
EXTRA_FILES+=("$RUN_DIR/tb-bench.sh:etc/tb-bench.sh")
if [ -n "$WITH_RR" ]; then
	RR=${BENCH_RR:-}
	if [ -z "$RR" ]; then
		RR=$RUN_DIR/rr
		gcc -O2 -static -Wall -o "$RR" "$BENCH_DIR/rr.c" || bench_fail "cannot build bench/rr.c (gcc -O2 -static)"
	fi
	[ -x "$RR" ] || bench_fail "rr binary $RR missing"
	EXTRA_FILES+=("$RR:bin/rr")
fi

# bench_run I TEST SECS: one sample on NIC I; prints the host's and the
# guest's @@ lines (@@CPU0/@@CPU1 = `grep ^cpu /proc/stat` before/after the
# client, @@UP0/@@UP1 its /proc/uptime, bench_counters' lines, @@HOST0/1 = QEMU
# ticks + host time, @@HSTAT0/1 = host /proc/stat cpu line), then @@JSON and
# iperf3 -J, or @@RR and rr's line. Status: the client's. Not in $(...) for rr
# (rr_ensure may restart a server).
bench_run() {
	local i=$1 t=$2 secs=$3 port=$((5300 + $1)) opts='' ifc=${NIC_IF[$1]} pci rc pid='' client tag
	pci=$(nic_pci "$i")
	case "$t" in
	tcp_g2h) ;;
	tcp_h2g) opts='-R' ;;
	udp_g2h) opts="-u -b $UDP_RATE -l $UDP_LEN" ;;
	udp_h2g) opts="-u -b $UDP_RATE -l $UDP_LEN -R" ;;
	rr1 | rr64) ;;
	*) echo "unknown test $t"; return 2 ;;
	esac
	if [[ $t == rr* ]]; then
		rr_ensure "$i" || { echo "rr server of NIC $i does not listen: $(tail -n 2 "$RUN_DIR/rrs$i.log")"; return 1; }
		client="rr -c $(host_ip "$i") $(rr_port "$i") ${t#rr} $secs $(guest_ip "$i")" tag=@@RR
	else
		host_bg "srv$i" iperf3 -s -1 -B "$(host_ip "$i")" -p "$port"
		eval "pid=\$HBG_srv$i"
		wait_listen "$port" || { host_kill "srv$i"; forget_pid "$pid"; echo "host iperf3 server did not start"; return 1; }
		client="iperf3 -c $(host_ip "$i") -B $(guest_ip "$i") -p $port -t $secs -i 1 -J $opts" tag=@@JSON
	fi
	host_counters 0 "$i"
	echo "@@HSTAT0 $(head -n 1 /proc/stat)"
	echo "@@HOST0 $(qemu_ticks) $EPOCHREALTIME"
	guest_run -t $((secs + 45)) ". /etc/tb-bench.sh
		bench_counters 0 $ifc $pci; c0=\$(grep ^cpu /proc/stat); u0=\$(cat /proc/uptime)
		$PINNED $client >/tmp/bench.out 2>&1
		rc=\$?
		c1=\$(grep ^cpu /proc/stat); u1=\$(cat /proc/uptime); bench_counters 1 $ifc $pci
		echo \"\$c0\" | sed 's/^/@@CPU0 /'; echo \"\$c1\" | sed 's/^/@@CPU1 /'
		echo \"@@UP0 \$u0\"; echo \"@@UP1 \$u1\"
		echo $tag; cat /tmp/bench.out; echo; exit \$rc"
	rc=$?
	echo "@@HOST1 $(qemu_ticks) $EPOCHREALTIME"
	echo "@@HSTAT1 $(head -n 1 /proc/stat)"
	host_counters 1 "$i"
	if [ -n "$pid" ]; then
		host_wait "srv$i" 15 >/dev/null || host_kill "srv$i"
		forget_pid "$pid"
	fi
	return $rc
}

# ---------------------------------------------------------------- boot, bind
meta drivers "${DRV[*]}"
meta tests "${TESTS[*]}"
meta seconds "$SECS"
meta short_seconds "$SHORT"
meta rounds "$ROUNDS"
meta warmup "$WARMUP"
meta quick "${BENCH_QUICK:-}"
meta udp_rate "$UDP_RATE"
meta udp_len "$UDP_LEN"
meta virtio_opts "$VIRTIO_OPTS"
meta machine "${BENCH_MACHINE:-pc}"
meta pin "$PIN"
meta guest_kernel "$KVER"
meta qemu "$(qemu-system-x86_64 --version | head -1)"
meta host_kernel "$(uname -r)"
meta host_cpus "$(nproc)"
meta host_cpu_model "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
meta iperf3 "$(iperf3 --version | head -1)"
meta clk_tck "$(getconf CLK_TCK)"
[ -n "$WITH_RR" ] && meta rr_sha256 "$(sha256sum "$RR" | cut -d' ' -f1)"
if [ "$DRIVER" = macvio ]; then
	meta macvio_ko_sha256 "$(sha256sum "$MACVIO_KO" | cut -d' ' -f1)"
	meta macvio_srcversion "$(modinfo -F srcversion "$MACVIO_KO" 2>/dev/null)"
	meta macvio_vermagic "$(modinfo -F vermagic "$MACVIO_KO" 2>/dev/null)"
	meta macvio_args "${MACVIO_ARGS:-}"   # insmod arguments (lib.sh passes MACVIO_ARGS on)
fi

for ((i = 0; i < N; i++)); do
	tb_nic tap "$i" "$(opts_of "${DRV[i]}")" "$(model_of "${DRV[i]}")"
done
vm_start "${BENCH_MACHINE:-pc}"
vm_wait_boot || bench_fail "the guest did not boot (see the console above)"
grep -q 'Initramfs unpacking failed' "$RUN_DIR/console.log" &&
	bench_fail "the guest's initramfs is damaged: $(grep -m1 'Initramfs unpacking failed' "$RUN_DIR/console.log" | tr -d '\r')"
# shellcheck disable=SC2016 # $MACVIO_KO is the guest's (tb.sh)
if [ "$DRIVER" = macvio ] && ! guest_run '[ -f "$MACVIO_KO" ]' >/dev/null; then
	bench_fail "macvio.ko is not in the guest (the per-run initramfs did not carry it)"
fi
if [ "$DRIVER" = macvio ] && grep -q 'insmod macvio failed' "$RUN_DIR/console.log"; then
	bench_fail "macvio.ko did not load in the guest: $(grep -m1 'insmod: ' "$RUN_DIR/console.log" | tr -d '\r')" \
		"$(guest_run 'dmesg | grep -i macvio | tail -3' | tr '\n' ' ')"
fi
guest_run '[ -f /etc/tb-bench.sh ]' >/dev/null || bench_fail "/etc/tb-bench.sh is not in the guest (per-run initramfs)"
if [ -n "$WITH_RR" ] && ! guest_run '[ -x /bin/rr ]' >/dev/null; then
	bench_fail "rr is not in the guest (per-run initramfs)"
fi

for ((i = 0; i < N; i++)); do
	d=${DRV[i]} pci=$(nic_pci "$i")
	tb_bind "$i" "$(pci_drv_of "$d")" ||
		bench_fail "$d: binding NIC $i ($pci) to PCI driver $(pci_drv_of "$d") failed: $TB_ERR;" \
			"guest dmesg: $(guest_run "dmesg | tail -5" | tr '\n' ' ')"
	out=$(ping_both "$i") || bench_fail "$d: no ping on NIC $i (${NIC_IF[i]}): $out"
	# ring=packed|split: macvio's from its probe line (its features list),
	# virtio_net's from the virtio device's feature bits (bit 34 = RING_PACKED)
	guest_run "ifc=${NIC_IF[i]}; echo \"interface=\$ifc\"; echo \"pci=$pci\"
		echo \"facts=\$(nic_facts $pci)\"; echo \"mtu=\$(cat /sys/class/net/\$ifc/mtu)\"
		ethtool -i \$ifc | sed -n 's/^\(driver\|version\|bus-info\): /ethtool_\1=/p'
		ethtool -k \$ifc | sed -n 's/^\([a-z-]*\): \(on\|off\).*/offload_\1=\2/p'
		ethtool -g \$ifc 2>/dev/null | awk '/^Current/ { c = 1 } c && /^(RX|TX):/ { sub(/:/, \"\"); printf \"ring_size_%s=%s\\n\", \$1, \$2 }'
		f=\$(cat /sys/class/net/\$ifc/device/features 2>/dev/null); echo \"features=\$f\"
		case $d in
		macvio*) p=\$(dmesg | grep 'macvio $pci' | grep ' virtio-net .* features ' | tail -n 1)
			echo \"probe=\$p\"
			case \"\$p\" in *' features '*' RING_PACKED'*) echo ring=packed ;; *' features '*) echo ring=split ;; *) echo ring=unknown ;; esac ;;
		virtio_net*) case \"\$(echo \"\$f\" | cut -c35)\" in 1) echo ring=packed ;; 0) echo ring=split ;; *) echo ring=unknown ;; esac ;;
		esac" >"$RAW/nic$i.txt"
	{
		echo "driver=$d"
		echo "model=$(model_of "$d")"
		echo "device_options=$(opts_of "$d")"
	} >>"$RAW/nic$i.txt"
	ring=$(sed -n 's/^ring=//p' "$RAW/nic$i.txt")
	case "$d" in
	macvio_packed)
		[ "$ring" = packed ] || bench_fail "macvio_packed: NIC $i ($pci, packed=on) did not negotiate RING_PACKED:" \
			"macvio's probe line is '$(sed -n 's/^probe=//p' "$RAW/nic$i.txt")'" ;;
	virtio_net_packed)
		[ "$ring" = packed ] || bench_fail "virtio_net_packed: NIC $i ($pci, packed=on) did not negotiate RING_PACKED:" \
			"virtio features '$(sed -n 's/^features=//p' "$RAW/nic$i.txt")'" ;;
	macvio | virtio_net)
		[ "$ring" = packed ] && tb_log "note: $d on NIC $i runs a packed ring (BENCH_VIRTIO_OPTS=$VIRTIO_OPTS)" ;;
	esac
	tb_log "NIC $i: $d on ${NIC_IF[i]} ($(sed -n 's/^facts=//p' "$RAW/nic$i.txt")${ring:+, ring $ring})"
	if [ "$PIN" = 1 ]; then
		out=$(guest_run "d=/sys/bus/pci/devices/$pci; for n in \$(ls \$d/msi_irqs 2>/dev/null || cat \$d/irq); do
			[ -d /proc/irq/\$n ] || continue; echo 1 >/proc/irq/\$n/smp_affinity || exit 1; done") ||
			bench_fail "$d: cannot pin NIC $i's interrupts to vCPU 0: $out"
	fi
done

# ---------------------------------------------------------------- rr servers
# One per NIC, started once; a 1 s transaction run per NIC proves the path
# (and warms it up) before anything is recorded.
if [ -n "$WITH_RR" ]; then
	for ((i = 0; i < N; i++)); do
		rr_start "$i" || bench_fail "the rr server on $(host_ip "$i"):$(rr_port "$i") does not listen: $(tail -n 2 "$RUN_DIR/rrs$i.log")"
		out=$(guest_run -t 40 "rr -c $(host_ip "$i") $(rr_port "$i") 1 1 $(guest_ip "$i") 2>&1")
		[[ $out == "rr len=1 "* ]] || bench_fail "${DRV[i]}: rr check on NIC $i failed: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
	done
	tps=${out#*tps=}
	tb_log "rr servers up on port 5400+i (last NIC's check: ${tps%% *} transactions/s)"
fi

# ---------------------------------------------------------------- warm-up
# Unrecorded short TCP runs both ways per NIC: TCG translates the hot paths,
# ARP/neighbour entries settle, and a driver that cannot move data fails here.
if [ "$WARMUP" -gt 0 ]; then
	for ((i = 0; i < N; i++)); do
		for t in tcp_g2h tcp_h2g; do
			bench_run "$i" "$t" "$WARMUP" >"$RUN_DIR/warmup.out" 2>&1 ||
				bench_fail "${DRV[i]}: warm-up $t failed: $(grep -m1 '"error"' "$RUN_DIR/warmup.out" || tail -n 3 "$RUN_DIR/warmup.out")"
		done
	done
	tb_log "warm-up done (${WARMUP}s TCP each way per NIC)"
fi
# How busy the guest is while idle (all NICs up, no traffic): the floor under
# every CPU figure.
guest_run "grep ^cpu /proc/stat | sed 's/^/@@CPU0 /'; echo @@UP0 \$(cat /proc/uptime); sleep 3
	grep ^cpu /proc/stat | sed 's/^/@@CPU1 /'; echo @@UP1 \$(cat /proc/uptime)" >"$RAW/idle.txt"

# ---------------------------------------------------------------- rounds
# Round r runs every test; within a test the drivers go in BENCH_DRIVERS order
# rotated by r (A/B/C, B/C/A, C/A/B, ...), so each driver is in every position
# equally often and the runs compared with each other are a minute apart at most.
printf 'round\tseq\tpos\tdriver\ttest\tattempt\trc\tfile\tloadavg\tother_qemu\tt_start\n' >"$RAW/samples.tsv"
total=$((ROUNDS * ${#TESTS[@]} * N)) seq=0 t0=$SECONDS
meta host_stat_rounds0 "$(head -n 1 /proc/stat)"
meta host_time_rounds0 "$EPOCHREALTIME"
for ((r = 0; r < ROUNDS; r++)); do
	for t in "${TESTS[@]}"; do
		secs=$(secs_of "$t")
		for ((k = 0; k < N; k++)); do
			i=$(((k + r) % N)) d=${DRV[(k + r) % N]}
			seq=$((seq + 1))
			for attempt in 1 2; do
				f=s$seq.a$attempt.out
				la=$(cut -d' ' -f1-3 /proc/loadavg)
				# other QEMUs on this host (not ours): context for noisy numbers
				oq=$(($(pgrep -c -x qemu-system-x86) - 1))
				ts=$EPOCHREALTIME
				bench_run "$i" "$t" "$secs" >"$RAW/$f" 2>&1
				rc=$?
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$seq" "$k" "$d" "$t" "$attempt" "$rc" "$f" "$la" "$oq" "$ts" >>"$RAW/samples.tsv"
				vm_alive || bench_fail "QEMU is gone during $d $t (round $((r + 1)))"
				[ $rc = 0 ] && break
				tb_log "$d $t round $((r + 1)) failed (rc $rc): $(grep -m1 '"error"' "$RAW/$f" || tail -n 2 "$RAW/$f" | tr '\n' ' ')"
				# a stuck rr connection would hold the (one client at a time) server
				[[ $t == rr* ]] && { rr_stop "$i"; rr_start "$i"; }
				sleep 2
			done
			tb_log "[$seq/$total] round $((r + 1)) $t $d: $("$PY" "$BENCH_DIR/report.py" --sample "$RAW/$f" "$t" 2>&1 | tail -n 1) ($((SECONDS - t0))s)"
		done
	done
done
meta host_stat_rounds1 "$(head -n 1 /proc/stat)"
meta host_time_rounds1 "$EPOCHREALTIME"
guest_run "dmesg_bad" >"$RAW/dmesg_bad.txt" 2>&1 && rm -f "$RAW/dmesg_bad.txt"
[ -s "$RAW/dmesg_bad.txt" ] && tb_log "guest kernel warnings: $(head -3 "$RAW/dmesg_bad.txt" | tr '\n' ' ')"
if [ -n "$WITH_RR" ]; then
	for ((i = 0; i < N; i++)); do rr_stop "$i"; done
fi
vm_stop
exit 0
