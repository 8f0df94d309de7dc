#!/bin/bash
# unload: CYCLES (20) unload/reload cycles of the driver under test while
# traffic runs; each time the NIC comes back and answers pings. Afterwards the
# kernel log has no WARNING/BUG/Oops, the NIC still moves TCP data, and (macvio)
# check_leaks finds every DMA allocation returned.
. "$(dirname "$0")/../lib.sh"
tb_init unload
CYCLES=${CYCLES:-20}

# ---------------------------------------------------------------------------
# check_leaks: MODULE AUTHOR, FILL IN / ADJUST. Called with the module loaded
# and the NIC under test detached (unbound), i.e. after the driver's remove()
# ran. Must succeed only if every DMA allocation/mapping (and IRQ vector) the
# driver took is back. Contract: /sys/module/macvio/parameters/dma_allocs (live
# coherent allocations) and .../dma_maps (live streaming mappings), or debugfs
# macvio/dma_allocs, read 0 when no device is bound. No counter = skipped.
check_leaks() {
	[ "$DRIVER" = macvio ] || return 0
	guest_run 'seen=0 rc=0
	for f in /sys/module/macvio/parameters/dma_allocs /sys/module/macvio/parameters/dma_maps \
		/sys/kernel/debug/macvio/dma_allocs; do
		[ -r $f ] || continue
		seen=1 n=$(cat $f)
		[ "$n" = 0 ] || { echo "leak: $f = $n after detach"; rc=1; }
	done
	[ $seen = 1 ] && [ $rc = 0 ] && echo "leak counters 0 after every detach"
	[ $seen = 1 ] || echo "no leak counter exported (check skipped)"
	exit $rc'
}
# ---------------------------------------------------------------------------

tb_nic tap 0
vm_start "${MACHINE:-pc}"
vm_wait_boot || tb_finish
t_bind unload.bind 0 || tb_finish
PCI=$(nic_pci 0) HOST=$(host_ip 0) GIP=$(guest_ip 0)/24
t_begin unload.ping
out=$(ping_both 0) && t_pass || t_fail "$out"

# cycle: detach, check leaks, unload, reload, bring the NIC back, ping.
cycle() {
	if [ "$DRIVER" = macvio ]; then
		out=$(guest_run "unbind_pci $PCI") || { ERR="unbind: $out"; return 1; }
		out=$(check_leaks) || { ERR=$out; return 1; }
		[ -n "$out" ] && NOTE=$out
	fi
	out=$(guest_run -t 30 "drv_unload $DRIVER && drv_load $DRIVER && nic_up $PCI $GIP >/dev/null &&
		wait_ping $HOST 10") || { ERR=$out; return 1; }
}

t_begin unload.cycles
traffic_start 0
ERR='' NOTE=''
for k in $(seq "$CYCLES"); do
	cycle || { ERR="cycle $k: $ERR"; break; }
done
stats=$(traffic_stop 0)
if [ -z "$ERR" ]; then
	t_info "$CYCLES unload/reload cycles of $DRIVER under traffic${NOTE:+; $NOTE}"
	t_info "$stats"
	t_pass
else
	t_fail "$ERR"
fi
t_guest unload.dmesg_clean dmesg_bad
t_begin unload.after
out=$(ping_both 0 && xfer 0 16 g2h && xfer 0 16 h2g) && { t_info "$(tr '\n' ';' <<<"$out")"; t_pass; } || t_fail "$out"
vm_stop
tb_finish
