#!/bin/bash
# polled: the core's polled receive and send (vio_net_poll_recv/_send), as a
# kernel debugger uses them, through macvio's debugfs hook
# /sys/kernel/debug/macvio/<pci>/poll_echo (os/linux/macvio_poll.c): writing
# "N TIMEOUT_MS" disables the NIC's NAPI and local interrupts, sends a "ready"
# frame, then echoes raw Ethernet frames of ethertype 0x88b5 until N were
# echoed or nothing came for TIMEOUT_MS.
# One boot, NIC 0 modern-only (disable-legacy=on), NIC 1 legacy-only
# (disable-modern=on,disable-legacy=off), NIC 2 modern with the packed ring
# (packed=on: RING_PACKED must be negotiated), all bound to macvio. For each:
#   polled.T.echo  polled-peer.py sends ECHO_N (64) frames of 60..1514 bytes
#                  from the tap; every echo must come back in order with its
#                  payload; the hook reports "echoed N of N"
#   polled.T.idle  nothing sent: the hook returns after its timeout (1 s)
#                  with "echoed 0", and nothing is echoed
#   polled.T.after the NIC works normally again: ping both ways, 4 MiB TCP
#                  each way, the core's poll counters moved
# then polled.debugfs (unbind/bind: macvio/<pci> follows the devices) and
# polled.dmesg_clean.
. "$(dirname "$0")/../lib.sh"
tb_init polled
ECHO_N=${ECHO_N:-64}
PEER=$TB_DIR/polled-peer.py
[ "$DRIVER" = macvio ] || { tb_log "DRIVER=$DRIVER: the poll_echo hook is macvio's, nothing to test"; tb_finish; }

TRANSPORTS=(modern:disable-legacy=on legacy:disable-modern=on,disable-legacy=off packed:disable-legacy=on,packed=on)
for i in "${!TRANSPORTS[@]}"; do tb_nic tap "$i" "${TRANSPORTS[i]#*:}"; done
vm_start "${MACHINE:-pc}"
vm_wait_boot || tb_finish

# peer_start NAME I N [READY_S ECHO_S]: polled-peer.py on NIC I's tap, in the
# background; returns once it listens.
peer_start() {
	local n=0
	host_bg "$1" python3 "$PEER" "$(nic_tap "$2")" "$(nic_mac "$2")" "$3" "${4:-20}" "${5:-10}"
	until grep -q '^listening' "$RUN_DIR/$1.log" 2>/dev/null; do
		[ $n -lt 100 ] || { echo "peer did not start: $(cat "$RUN_DIR/$1.log")"; return 1; }
		sleep 0.1; n=$((n + 1))
	done
}

# echo_run I NAME N TIMEOUT_MS PEER_N: run the hook in the guest (background)
# while the peer answers; prints the peer's and the hook's lines.
echo_run() {
	local i=$1 name=$2 d out rc=0
	d=/sys/kernel/debug/macvio/$(nic_pci "$i")
	peer_start "$name" "$i" "$5" 20 "${6:-10}" || return 1
	out=$(guest_run "[ -w $d/poll_echo ] || { echo 'no $d/poll_echo'; exit 1; }
		tb_bg $name \"echo '$3 $4' >$d/poll_echo\"") || { host_kill "$name"; echo "$out"; return 1; }
	host_wait "$name" 40 || rc=1
	sed 's/^/peer: /' "$RUN_DIR/$name.log"
	out=$(guest_run -t 30 "tb_wait $name 20; rc=\$?; cat /tmp/bg.$name.log; echo \"hook: \$(cat $d/poll_echo)\"; exit \$rc") ||
		{ echo "$out"; echo "the hook's write failed"; return 1; }
	echo "$out"
	return $rc
}

for i in "${!TRANSPORTS[@]}"; do
	tr=${TRANSPORTS[i]%%:*}
	t_bind "polled.$tr.bind" "$i" || continue
	ifc=${NIC_IF[i]}
	t_info "$(guest_run "ethtool -i $ifc | grep -E '^(driver|firmware)' | tr '\n' ' '")"
	if [[ ${TRANSPORTS[i]} == *packed=on* ]]; then
		t_begin "polled.$tr.ring"
		out=$(guest_run "dmesg | grep '$(nic_pci "$i")' | grep -o 'features [A-Z_0-9 ]*'")
		if grep -q ' RING_PACKED' <<<"$out"; then t_pass; else t_fail "RING_PACKED not negotiated: $out"; fi
	fi

	t_begin "polled.$tr.echo"
	if out=$(echo_run "$i" "echo$i" "$ECHO_N" 3000 "$ECHO_N"); then
		if grep -q "hook: echoed $ECHO_N of $ECHO_N, .*all echoed" <<<"$out"; then
			t_info "$(grep -E '^peer: [0-9]+ frames|^hook:' <<<"$out" | tr '\n' ' ')"; t_pass
		else
			t_fail "hook result: $(grep '^hook:' <<<"$out")"
		fi
	else
		t_fail "$(tr '\n' ' ' <<<"$out")"
	fi

	t_begin "polled.$tr.idle"
	if out=$(echo_run "$i" "idle$i" 5 1000 0 3); then
		ms=$(sed -n 's/^hook: .* \([0-9]*\) ms, idle timeout.*/\1/p' <<<"$out")
		if grep -q '^hook: echoed 0 of 5,' <<<"$out" && [ -n "$ms" ] && [ "$ms" -ge 1000 ] && [ "$ms" -lt 2000 ]; then
			t_info "$(grep '^hook:' <<<"$out")"; t_pass
		else
			t_fail "expected 'echoed 0 of 5' after 1000-2000 ms of idle timeout: $(tr '\n' ' ' <<<"$out")"
		fi
	else
		t_fail "$(tr '\n' ' ' <<<"$out")"
	fi

	t_begin "polled.$tr.after"
	if out=$(ping_both "$i" && xfer "$i" 4 g2h && xfer "$i" 4 h2g); then
		st=$(guest_run "ethtool -S $ifc | grep -E 'rx0_(poll_packets|drops)|tx0_poll_packets'" | tr -s ' \n' ' ')
		t_info "$(grep -o '[0-9]* Mbit/s' <<<"$out" | tr '\n' ' ')counters:$st"
		rxp=$(sed -n 's/.*rx0_poll_packets: \([0-9]*\).*/\1/p' <<<"$st")
		txp=$(sed -n 's/.*tx0_poll_packets: \([0-9]*\).*/\1/p' <<<"$st")
		# the polled path received and sent (at least) the echoed frames
		if [ "${rxp:-0}" -ge "$ECHO_N" ] && [ "${txp:-0}" -ge "$ECHO_N" ]; then t_pass
		else t_fail "poll counters rx $rxp tx $txp, expected >= $ECHO_N each"
		fi
	else
		t_fail "$out"
	fi
done
# the debugfs directories follow the devices: one per bound NIC, macvio/
# itself gone with the last one
others=''
for i in "${!TRANSPORTS[@]}"; do [ "$i" = 0 ] || others+=" $(nic_pci "$i")"; done
t_guest polled.debugfs "d=/sys/kernel/debug/macvio
	for a in $others; do unbind_pci \$a; [ ! -e \$d/\$a ] || exit 1; done
	[ -e \$d/$(nic_pci 0)/poll_echo ] &&
	unbind_pci $(nic_pci 0) && [ ! -e \$d ] && bind_pci $(nic_pci 0) macvio &&
	[ -e \$d/$(nic_pci 0)/poll_echo ] && [ \$(ls \$d | wc -l) = 1 ] || { ls -R \$d; exit 1; }"
t_guest polled.dmesg_clean dmesg_bad
vm_stop
tb_finish
