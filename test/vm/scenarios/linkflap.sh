#!/bin/bash
# linkflap: FLAPS (20) QMP set_link off/on cycles under traffic, on a split-ring
# NIC (nic0) and then on a packed-ring one (nic1, packed=on). Each time the
# guest's carrier must follow within CARRIER_MS (1000) ms, measured in the guest
# from the moment QMP has answered, and traffic must resume; afterwards TCP
# still works (SHA-256 both ways). macvio must have negotiated RING_PACKED on
# nic1, or the packed half proves nothing, and must have reset the device
# after the link cycles there (resets_relink: QEMU's packed drop path leaves
# the queue wrong, see core/vio_net.c vio_net_relink_check; Linux's
# virtio_net keeps a dead TX queue after such a flap).
. "$(dirname "$0")/../lib.sh"
tb_init linkflap
FLAPS=${FLAPS:-20}
CARRIER_MS=${CARRIER_MS:-1000}   # e1000 needs ~3000: its watchdog polls the link every 2 s

# NIC index -> test-name infix ("" for split, "packed." for packed)
LAYOUT=("")
tb_nic tap 0
# macvio only: QEMU's packed drop path leaves the queue deaf after a flap
# with traffic, which Linux's virtio_net does not recover from (it fails
# here at about the fifth flap), so a reference run would always be red
if [ "$DRIVER" = macvio ]; then
	tb_nic tap 1 packed=on
	LAYOUT+=("packed.")
fi
vm_start "${MACHINE:-pc}"
vm_wait_boot || tb_finish

# flap I DIR(off|on) CARRIER(0|1): one transition; keeps the worst latencies.
flap() {
	local t0=$EPOCHREALTIME ms host_ms
	qmp set_link "nic$1" "$2" >/dev/null || { ERR="QMP set_link $2 failed"; return 1; }
	ms=$(guest_run -t 10 "wait_carrier ${NIC_IF[$1]} $3 $CARRIER_MS") || { ERR="link $2: $ms"; return 1; }
	host_ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
	[ "$ms" -gt "$WORST" ] && WORST=$ms
	[ "$host_ms" -gt "$WORST_HOST" ] && WORST_HOST=$host_ms
	return 0
}

# flaps I: the whole sequence on NIC I.
flaps() {
	local i=$1 p=linkflap.${LAYOUT[$1]} k out stats
	t_bind "${p}bind" "$i" || return 1
	if [ -n "${LAYOUT[$i]}" ] && [ "$DRIVER" = macvio ]; then
		t_begin "${p}ring"
		out=$(guest_run "dmesg | grep '$(nic_pci "$i")' | grep -o 'features [A-Z_0-9 ]*'")
		if grep -q ' RING_PACKED' <<<"$out"; then t_pass; else t_fail "RING_PACKED not negotiated: $out"; fi
	fi
	t_begin "${p}ping"
	out=$(ping_both "$i") && t_pass || t_fail "$out"
	t_begin "${p}flaps"
	traffic_start "$i"
	WORST=0 WORST_HOST=0 ERR=''
	for k in $(seq "$FLAPS"); do
		flap "$i" off 0 && flap "$i" on 1 || { ERR="flap $k: $ERR"; break; }
		out=$(guest_run -t 15 "wait_ping $(host_ip "$i") 5") || { ERR="flap $k: traffic did not resume: $out"; break; }
	done
	stats=$(traffic_stop "$i")
	# packed: every link cycle is followed by a reset (QEMU's packed drop
	# path leaves the queue wrong; core/vio_net.c vio_net_relink_check)
	# (at least half the flaps: two config interrupts can fold into one
	# look at the status); a split ring never needs one
	if [ -z "$ERR" ] && [ "$DRIVER" = macvio ]; then
		k=$(guest_run "ethtool -S ${NIC_IF[$i]} | awk '\$1 == \"resets_relink:\" { print \$2 }'")
		stats+="; resets_relink ${k:-?}"
		if [ -n "${LAYOUT[$i]}" ] && [ "${k:-0}" -lt $((FLAPS / 2)) ]; then
			ERR="only ${k:-0} relink resets after $FLAPS flaps"
		elif [ -z "${LAYOUT[$i]}" ] && [ "${k:-0}" != 0 ]; then
			ERR="$k relink resets on a split ring"
		fi
	fi
	if [ -z "$ERR" ]; then
		t_info "$FLAPS flaps; carrier followed within ${WORST} ms (guest), ${WORST_HOST} ms incl. QMP + command channel"
		t_info "$stats"
		t_pass
	else
		t_fail "$ERR"
		t_info "$(guest_run "dmesg | grep '$(nic_pci "$i")' | tail -n 12
			ethtool -S ${NIC_IF[$i]} | awk '\$2 != 0' | tr -s ' \n' ' '")"
	fi
	t_begin "${p}after"
	out=$(ping_both "$i" && xfer "$i" 16 g2h && xfer "$i" 16 h2g) && { t_info "$(tr '\n' ';' <<<"$out")"; t_pass; } || t_fail "$out"
}

for i in "${!LAYOUT[@]}"; do flaps "$i"; done
t_guest linkflap.dmesg_clean dmesg_bad
vm_stop
tb_finish
