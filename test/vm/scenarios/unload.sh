#!/bin/bash
# unload: CYCLES (20) unload/reload cycles of the driver under test while
# traffic runs on two NICs, a split-ring one (nic0) and a packed-ring one (nic1,
# packed=on; macvio must have negotiated RING_PACKED on it); each time both NICs
# come back and answer pings. Afterwards the kernel log has no WARNING/BUG/Oops,
# both NICs still move TCP data (SHA-256), and (macvio) check_leaks finds every
# DMA allocation returned; macvio alternates dma_api=0/1 between cycles, so
# that holds for both RX buffer layouts.
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
NICS=(0)
if [ "$NIC_MODEL" = virtio-net-pci ]; then
	tb_nic tap 1 packed=on
	NICS+=(1)
fi
vm_start "${MACHINE:-pc}"
vm_wait_boot || tb_finish
t_bind unload.bind 0 || tb_finish
if [ ${#NICS[@]} = 2 ]; then
	t_bind unload.packed.bind 1 || tb_finish
	if [ "$DRIVER" = macvio ]; then
		t_begin unload.packed.ring
		out=$(guest_run "dmesg | grep '$(nic_pci 1)' | grep -o 'features [A-Z_0-9 ]*'")
		if grep -q ' RING_PACKED' <<<"$out"; then t_pass; else t_fail "RING_PACKED not negotiated: $out"; fi
	fi
fi
t_begin unload.ping
out=$(for i in "${NICS[@]}"; do ping_both "$i" || exit 1; done) && t_pass || t_fail "$out"

# cycle: detach every NIC, check leaks, unload, reload, bring each NIC back
# and ping through it.
cycle() {
	local i up='' load
	if [ "$DRIVER" = macvio ]; then
		for i in "${NICS[@]}"; do
			out=$(guest_run "unbind_pci $(nic_pci "$i")") || { ERR="unbind: $out"; return 1; }
		done
		out=$(check_leaks) || { ERR=$out; return 1; }
		[ -n "$out" ] && NOTE=$out
	fi
	for i in "${NICS[@]}"; do
		up+=" && nic_up $(nic_pci "$i") $(guest_ip "$i")/24 >/dev/null && wait_ping $(host_ip "$i") 10"
	done
	# macvio: odd cycles load with dma_api=1, so the leak counters are
	# checked after both RX buffer layouts (bare, and DMA API + meta header)
	load="drv_load $DRIVER"
	[ "$DRIVER" = macvio ] && load="insmod \$MACVIO_KO dma_api=$(($1 % 2)) \$(tb_cmdline tb.macvio_args)"
	out=$(guest_run -t 40 "drv_unload $DRIVER && $load $up") || { ERR=$out; return 1; }
}

t_begin unload.cycles
for i in "${NICS[@]}"; do traffic_start "$i"; done
ERR='' NOTE=''
for k in $(seq "$CYCLES"); do
	cycle "$k" || { ERR="cycle $k: $ERR"; break; }
done
stats=$(for i in "${NICS[@]}"; do traffic_stop "$i" | sed "s/^/nic$i /"; done)
if [ -z "$ERR" ]; then
	[ "$DRIVER" = macvio ] && NOTE+="; dma_api now $(guest_run 'cat /sys/module/macvio/parameters/dma_api')"
	t_info "$CYCLES unload/reload cycles of $DRIVER with ${#NICS[@]} NICs under traffic${NOTE:+; $NOTE}"
	t_info "$(tr '\n' ';' <<<"$stats")"
	t_pass
else
	t_fail "$ERR"
fi
t_guest unload.dmesg_clean dmesg_bad
t_begin unload.after
out=$(for i in "${NICS[@]}"; do ping_both "$i" && xfer "$i" 16 g2h && xfer "$i" 16 h2g || exit 1; done) &&
	{ t_info "$(tr '\n' ';' <<<"$out")"; t_pass; } || t_fail "$out"
vm_stop
tb_finish
