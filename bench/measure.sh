#!/bin/bash
# bench/measure.sh - the measuring half of `make bench`; bench/run.sh runs it
# (setup, module source snapshot) and bench/report.py turns what it leaves in
# $BENCH_RAW into tables, JSON and a chart. Not meant to be run by hand, but it
# can be: BENCH_RAW=/tmp/x bash bench/measure.sh
#
# One guest boot (TCG, 2 vCPU, 1 GiB), one NIC per driver, each NIC on its own
# tap / subnet in the test bed's private netns:
#   NIC i = driver i of BENCH_DRIVERS, PCI 00:0(5+i).0, host 10.77.(i+1).1,
#   guest 10.77.(i+1).2; macvio and virtio_net get virtio-net-pci, e1000 e1000.
# Per sample: the guest runs the iperf3 client against a one-shot iperf3 server
# on the host address of that NIC, and reads /proc/stat right before and right
# after the client (so the CPU window is the client's lifetime).
# Output in $BENCH_RAW: samples.tsv (one line per attempt), s<seq>.a<n>.out
# (guest output: @@CPU / @@NIC lines and iperf3's JSON), nic<i>.txt (what the
# guest says about each NIC), idle.txt, meta.txt (key=value), fail.txt (why the
# run failed, when it did).

# shellcheck source=../test/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../test/vm/lib.sh"

RAW=${BENCH_RAW:?BENCH_RAW must name the raw output directory}
SECS=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-2}
UDP_RATE=${BENCH_UDP_RATE:-10G}
UDP_LEN=${BENCH_UDP_LEN:-1400}
VIRTIO_OPTS=${BENCH_VIRTIO_OPTS:-}
read -ra DRV <<<"${BENCH_DRIVERS:-macvio virtio_net e1000}"
TESTS=(tcp_g2h tcp_h2g udp_g2h udp_h2g)
N=${#DRV[@]}
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
# into the guest): macvio when we bench it - explicit, so lib.sh never falls
# back to virtio_net and dies if the module cannot be built - and otherwise
# no macvio.ko in the guest at all, so it cannot influence the others.
if [[ " ${DRV[*]} " == *" macvio "* ]]; then
	DRIVER=macvio
else
	DRIVER=${DRV[0]}
	MACVIO_KO=/nonexistent/macvio.ko
fi
tb_init bench

pci_drv_of() { case "$1" in virtio_net) echo virtio-pci ;; *) echo "$1" ;; esac; }
model_of() { case "$1" in e1000) echo e1000 ;; *) echo virtio-net-pci ;; esac; }
opts_of() { case "$1" in e1000) echo '' ;; *) echo "$VIRTIO_OPTS" ;; esac; }

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

# iperf_run I TEST SECS: one iperf3 run on NIC I; prints the guest's output
# (@@CPU0/@@CPU1 = `grep ^cpu /proc/stat` before/after the client, @@NIC0/@@NIC1
# = interface counters, @@JSON then iperf3 -J). Status: the client's.
iperf_run() {
	local i=$1 t=$2 secs=$3 port=$((5300 + $1)) opts='' ifc=${NIC_IF[$1]} rc pid
	case "$t" in
	tcp_g2h) ;;
	tcp_h2g) opts='-R' ;;
	udp_g2h) opts="-u -b $UDP_RATE -l $UDP_LEN" ;;
	udp_h2g) opts="-u -b $UDP_RATE -l $UDP_LEN -R" ;;
	*) echo "unknown test $t"; return 2 ;;
	esac
	host_bg "srv$i" iperf3 -s -1 -B "$(host_ip "$i")" -p "$port"
	eval "pid=\$HBG_srv$i"
	wait_listen "$port" || { host_kill "srv$i"; forget_pid "$pid"; echo "host iperf3 server did not start"; return 1; }
	host_counters 0 "$i"
	echo "@@HOST0 $(qemu_ticks) $EPOCHREALTIME"
	guest_run -t $((secs + 45)) "
		s=/sys/class/net/$ifc/statistics
		nic() { echo \"@@NIC\$1 \$(cat \$s/rx_bytes \$s/tx_bytes \$s/rx_packets \$s/tx_packets \$s/rx_dropped \$s/tx_dropped | paste -sd' ')\"; }
		udp() { grep ^Udp: /proc/net/snmp | sed \"s/^/@@GUDP\$1 /\"; }
		udp 0; nic 0; c0=\$(grep ^cpu /proc/stat); u0=\$(cat /proc/uptime)
		iperf3 -c $(host_ip "$i") -B $(guest_ip "$i") -p $port -t $secs -i 1 -J $opts >/tmp/bench.json 2>&1
		rc=\$?
		c1=\$(grep ^cpu /proc/stat); u1=\$(cat /proc/uptime); nic 1; udp 1
		echo \"\$c0\" | sed 's/^/@@CPU0 /'; echo \"\$c1\" | sed 's/^/@@CPU1 /'
		echo \"@@UP0 \$u0\"; echo \"@@UP1 \$u1\"
		echo @@JSON; cat /tmp/bench.json; echo; exit \$rc"
	rc=$?
	echo "@@HOST1 $(qemu_ticks) $EPOCHREALTIME"
	host_counters 1 "$i"
	host_wait "srv$i" 15 >/dev/null || host_kill "srv$i"
	forget_pid "$pid"
	return $rc
}

# ---------------------------------------------------------------- boot, bind
meta drivers "${DRV[*]}"
meta seconds "$SECS"
meta rounds "$ROUNDS"
meta warmup "$WARMUP"
meta udp_rate "$UDP_RATE"
meta udp_len "$UDP_LEN"
meta virtio_opts "$VIRTIO_OPTS"
meta machine "${BENCH_MACHINE:-pc}"
meta guest_kernel "$KVER"
meta qemu "$(qemu-system-x86_64 --version | head -1)"
meta host_kernel "$(uname -r)"
meta host_cpus "$(nproc)"
meta host_cpu_model "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
meta iperf3 "$(iperf3 --version | head -1)"
meta clk_tck "$(getconf CLK_TCK)"
if [ "$DRIVER" = macvio ]; then
	meta macvio_ko_sha256 "$(sha256sum "$MACVIO_KO" | cut -d' ' -f1)"
	meta macvio_srcversion "$(modinfo -F srcversion "$MACVIO_KO" 2>/dev/null)"
	meta macvio_vermagic "$(modinfo -F vermagic "$MACVIO_KO" 2>/dev/null)"
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

for ((i = 0; i < N; i++)); do
	d=${DRV[i]}
	tb_bind "$i" "$(pci_drv_of "$d")" ||
		bench_fail "$d: binding NIC $i ($(nic_pci "$i")) to PCI driver $(pci_drv_of "$d") failed: $TB_ERR;" \
			"guest dmesg: $(guest_run "dmesg | tail -5" | tr '\n' ' ')"
	out=$(ping_both "$i") || bench_fail "$d: no ping on NIC $i (${NIC_IF[i]}): $out"
	guest_run "ifc=${NIC_IF[i]}; echo \"interface=\$ifc\"; echo \"pci=$(nic_pci "$i")\"
		echo \"facts=\$(nic_facts $(nic_pci "$i"))\"; echo \"mtu=\$(cat /sys/class/net/\$ifc/mtu)\"
		ethtool -i \$ifc | sed -n 's/^\(driver\|version\|bus-info\): /ethtool_\1=/p'
		ethtool -k \$ifc | sed -n 's/^\([a-z-]*\): \(on\|off\).*/offload_\1=\2/p'
		echo \"features=\$(cat /sys/class/net/\$ifc/device/features 2>/dev/null)\"" >"$RAW/nic$i.txt"
	echo "driver=$d" >>"$RAW/nic$i.txt"
	echo "model=$(model_of "$d")" >>"$RAW/nic$i.txt"
	tb_log "NIC $i: $d on ${NIC_IF[i]} ($(sed -n 's/^facts=//p' "$RAW/nic$i.txt"))"
done

# ---------------------------------------------------------------- warm-up
# Unrecorded short TCP runs both ways per NIC: TCG translates the hot paths,
# ARP/neighbour entries settle, and a driver that cannot move data fails here.
if [ "$WARMUP" -gt 0 ]; then
	for ((i = 0; i < N; i++)); do
		for t in tcp_g2h tcp_h2g; do
			out=$(iperf_run "$i" "$t" "$WARMUP") ||
				bench_fail "${DRV[i]}: warm-up $t failed: $(grep -m1 '"error"' <<<"$out" || tail -n 3 <<<"$out")"
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
# rotated by r, so each driver is first/second/third once in 3 rounds and the
# runs compared with each other are at most a minute apart.
printf 'round\tseq\tpos\tdriver\ttest\tattempt\trc\tfile\tloadavg\tother_qemu\tt_start\n' >"$RAW/samples.tsv"
total=$((ROUNDS * ${#TESTS[@]} * N)) seq=0 t0=$SECONDS
for ((r = 0; r < ROUNDS; r++)); do
	for t in "${TESTS[@]}"; do
		for ((k = 0; k < N; k++)); do
			i=$(((k + r) % N)) d=${DRV[(k + r) % N]}
			seq=$((seq + 1))
			for attempt in 1 2; do
				f=s$seq.a$attempt.out
				la=$(cut -d' ' -f1-3 /proc/loadavg)
				# other QEMUs on this host (not ours): context for noisy numbers
				oq=$(($(pgrep -c -x qemu-system-x86) - 1))
				ts=$EPOCHREALTIME
				iperf_run "$i" "$t" "$SECS" >"$RAW/$f" 2>&1
				rc=$?
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$seq" "$k" "$d" "$t" "$attempt" "$rc" "$f" "$la" "$oq" "$ts" >>"$RAW/samples.tsv"
				vm_alive || bench_fail "QEMU is gone during $d $t (round $((r + 1)))"
				[ $rc = 0 ] && break
				tb_log "$d $t round $((r + 1)) failed (rc $rc): $(grep -m1 '"error"' "$RAW/$f" || tail -n 2 "$RAW/$f" | tr '\n' ' ')"
				sleep 2
			done
			tb_log "[$seq/$total] round $((r + 1)) $t $d: $(sed -n '/@@JSON/,$p' "$RAW/$f" | tr -d '\n\t ' |
				sed -n 's/.*"sum_received":{[^}]*"bits_per_second":\([0-9.e+]*\).*/\1/p' |
				awk '{ printf "%.2f Gbit/s", $1 / 1e9 }') ($((SECONDS - t0))s)"
		done
	done
done
guest_run "dmesg_bad" >"$RAW/dmesg_bad.txt" 2>&1 && rm -f "$RAW/dmesg_bad.txt"
[ -s "$RAW/dmesg_bad.txt" ] && tb_log "guest kernel warnings: $(head -3 "$RAW/dmesg_bad.txt" | tr '\n' ' ')"
vm_stop
exit 0
