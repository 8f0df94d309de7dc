#!/bin/bash
# panic: netconsole over a macvio NIC, up to and through a kernel panic, with
# the TX ring full of iperf3 traffic. netpoll sends through macvio's polled
# path (vio_net_poll_send on reserved descriptors, os/linux/macvio_poll.c).
# One boot per transport (the guest dies): modern-only (disable-legacy=on),
# legacy-only (disable-modern=on,disable-legacy=off) and modern with the packed
# ring (packed=on; RING_PACKED must be negotiated), each slowed down by
# SLOW_TX (QEMU timer TX mode, 8 packets/ms; SLOW_TX= for the default device)
# so that the flood keeps the ring full. For each transport T:
#   panic.T.netconsole  netconsole=6665@GUEST/IF,6666@HOST/TAPMAC loads and a
#                       /dev/kmsg line reaches a UDP receiver (socat) in the netns
#   panic.T.load        iperf3 UDP guest->host at full speed (the TX queue keeps
#                       stopping: ring full); NETCONS_N (20) kmsg lines written
#                       meanwhile all arrive
#   panic.T.crash       echo c >/proc/sysrq-trigger under that load: the host
#                       receives "sysrq: Trigger a crash" and "Kernel panic"; the
#                       guest (panic=-1, QEMU -no-reboot) ends and QEMU exits
# What the host received after the crash is printed (PANIC_LINES lines).
. "$(dirname "$0")/../lib.sh"
tb_init panic
NETCONS_N=${NETCONS_N:-20}
[ "$NIC_MODEL" = virtio-net-pci ] || { tb_log "DRIVER=$DRIVER is not virtio: no transports to test"; tb_finish; }
[ "$DRIVER" = macvio ] || tb_log "DRIVER=$DRIVER: netconsole through Linux's driver (reference run)"

TRANSPORTS=(modern:disable-legacy=on legacy:disable-modern=on,disable-legacy=off packed:disable-legacy=on,packed=on)
# A device slower than the guest (QEMU's timer TX mode: at most 8 packets per
# ms) so that the flood keeps the TX ring full, not just now and then.
SLOW_TX=${SLOW_TX-tx=timer,x-txtimer=1000000,x-txburst=8}

# rx_wait FILE PATTERN SECS: until FILE holds a line matching PATTERN (grep -E).
rx_wait() {
	local n=0
	until grep -qE "$2" "$1" 2>/dev/null; do
		[ $n -lt $(($3 * 10)) ] || return 1
		sleep 0.1; n=$((n + 1))
	done
}

# stat_of NAME OUT: value of an "ethtool -S"-style "NAME: V" line in OUT.
stat_of() { sed -n "s/^ *$1: *\([0-9]*\).*/\1/p" <<<"$2" | head -1; }

run_transport() {
	local tr=$1 opts=$2 ifc tapmac rx out st1 st2 n got i d
	tb_nic tap 0 "$opts${SLOW_TX:+,$SLOW_TX}"
	vm_start "${MACHINE:-pc}"
	vm_wait_boot || return 1
	t_bind "panic.$tr.bind" 0 || return 1
	ifc=${NIC_IF[0]}
	if [[ $opts == *packed=on* ]] && [ "$DRIVER" = macvio ]; then
		t_begin "panic.$tr.ring"
		out=$(guest_run "dmesg | grep '$(nic_pci 0)' | grep -o 'features [A-Z_0-9 ]*'")
		if grep -q ' RING_PACKED' <<<"$out"; then t_pass; else t_fail "RING_PACKED not negotiated: $out"; fi
	fi
	tapmac=$(host_ns cat "/sys/class/net/$(nic_tap 0)/address")
	rx=$RUN_DIR/netcons-$tr.log
	: >"$rx"
	host_bg "netcons_$tr" socat -u "UDP-RECV:6666,bind=$(host_ip 0)" "OPEN:$rx,creat,append"
	d=/sys/kernel/debug/macvio/$(nic_pci 0)

	t_begin "panic.$tr.netconsole"
	if out=$(guest_run -t 30 "ethtool -i $ifc | grep -E '^(driver|firmware)' | tr '\n' ' '; echo
		modprobe netconsole netconsole=6665@$(guest_ip 0)/$ifc,6666@$(host_ip 0)/$tapmac || exit 1
		dmesg -n 8; dmesg | grep -i netconsole | tail -2
		echo 'macvio-netconsole-live-$tr' >/dev/kmsg") &&
		rx_wait "$rx" "macvio-netconsole-live-$tr" 10; then
		t_info "$(head -1 <<<"$out")"; t_pass
	else
		t_fail "nothing on the host: $out"
		return 1
	fi

	t_begin "panic.$tr.load"
	host_bg "iperf_$tr" iperf3 -s -1 -B "$(host_ip 0)" -p 5301
	sleep 0.3
	# UDP at full speed: TCP's window keeps the ring from filling even on a
	# slow device; unlimited UDP fills it
	guest_run "tb_bg iperf iperf3 -c $(host_ip 0) -p 5301 -u -b 0 -l 1400 -t 120" >/dev/null
	sleep 3
	st1=$(guest_run "ethtool -S $ifc")
	out=$(guest_run -t 60 "i=0; while [ \$i -lt $NETCONS_N ]; do
			echo \"macvio-netconsole-load-$tr-\$i\" >/dev/kmsg; usleep 20000; i=\$((i + 1)); done")
	sleep 1
	st2=$(guest_run "ethtool -S $ifc; for f in $d/netpoll_*; do echo \"\${f##*/}: \$(cat \$f)\"; done")
	got=$(grep -c "macvio-netconsole-load-$tr-" "$rx")
	n=$(($(stat_of tx0_packets "$st2") - $(stat_of tx0_packets "$st1")))
	t_info "during the load: tx0_packets +$n, tx0_stops $(stat_of tx0_stops "$st1") -> $(stat_of tx0_stops "$st2"), netpoll_tx $(stat_of netpoll_tx "$st2") late $(stat_of netpoll_tx_late "$st2") ring $(stat_of netpoll_tx_ring "$st2") drop $(stat_of netpoll_tx_drop "$st2"), $got of $NETCONS_N lines received"
	if ! guest_run "[ -e /tmp/bg.iperf.pid ] && ! [ -e /tmp/bg.iperf.rc ]" >/dev/null; then
		t_fail "iperf3 is not running: $(guest_run 'tail -3 /tmp/bg.iperf.log')"
	elif [ "$DRIVER" = macvio ] && [ "$(stat_of tx0_stops "$st2")" -le "$(stat_of tx0_stops "$st1")" ]; then
		t_fail "the TX queue never stopped during the load: the ring was not full"
	elif [ "$got" != "$NETCONS_N" ]; then
		t_fail "$got of $NETCONS_N netconsole lines arrived under load"
	else
		t_pass
	fi

	t_begin "panic.$tr.crash"
	n=$(wc -l <"$rx")
	guest_run "tb_bg crash 'usleep 300000; echo c >/proc/sysrq-trigger'" >/dev/null
	i=0
	while vm_alive && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	out=$(vm_alive && echo "QEMU still running $((i / 10)) s after the crash (killed)" ||
		echo "QEMU exited $((i / 10)) s after the crash")
	sleep 1
	host_kill "netcons_$tr"
	host_kill "iperf_$tr"
	tail -n +$((n + 1)) "$rx" >"$RUN_DIR/panic-$tr.rx"
	# the serial console (console level 8 too) shows every line the panic printed
	sed -n '/sysrq: Trigger a crash/,$p' "$RUN_DIR/console.log" | grep '^\[' >"$RUN_DIR/panic-$tr.console"
	t_info "$out; netconsole delivered $(grep -c '^\[' "$RUN_DIR/panic-$tr.rx") of the $(wc -l <"$RUN_DIR/panic-$tr.console") lines the serial console shows from the sysrq line on; the host received:"
	head -n "${PANIC_LINES:-60}" "$RUN_DIR/panic-$tr.rx" | sed 's/^/    | /'
	if ! grep -q 'sysrq: Trigger a crash' "$RUN_DIR/panic-$tr.rx"; then
		t_fail "no 'sysrq: Trigger a crash' on the host"
	elif ! grep -q 'Kernel panic' "$RUN_DIR/panic-$tr.rx"; then
		t_fail "no 'Kernel panic' on the host"
	elif [[ $out == *killed* ]]; then
		t_fail "$out"
	else
		t_pass
	fi
	vm_stop
}

for t in "${TRANSPORTS[@]}"; do
	run_transport "${t%%:*}" "${t#*:}" || vm_stop
done
tb_finish
