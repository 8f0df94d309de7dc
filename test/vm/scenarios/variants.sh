#!/bin/bash
# variants: the virtio-net device in the shapes QEMU can give it (legacy,
# modern, transitional, no MSI-X, ring sizes, feature subsets) on machines pc
# and q35. One boot per machine carries one NIC per variant, each on its own
# tap; every NIC is bound to the driver under test, pinged both ways, and moves
# XFER_MIB (4) MiB of TCP each way with SHA-256 checked.
# VARIANTS="pc:modern q35:legacy" picks a subset (machine:name).
# An optional 4th field names the interrupt mode macvio must end up in (its
# probe line says "irq <mode>"): vectors=2 and vectors=1 prove the fallback
# from per-queue MSI-X to shared and to single-vector MSI-X. An optional
# 5th names a feature macvio must have negotiated (its probe line's
# features): RING_PACKED proves the packed ring ran, not a split fallback.
# An optional 6th is what `ethtool IF` must say as "Speed Duplex": QEMU
# offers NET_F_SPEED_DUPLEX only when speed= or duplex= is set; unset ones
# read as unknown (§5.1.4), and without the feature both are unknown.
. "$(dirname "$0")/../lib.sh"
tb_init variants
MIB=${XFER_MIB:-4}

ALL=(
	pc:transitional:
	'pc:modern:disable-legacy=on:::Unknown! Unknown! (255)'
	'pc:speed:speed=10000,duplex=full:::10000Mb/s Full'
	'pc:speed_half:speed=100,duplex=half:::100Mb/s Half'
	'pc:duplex_only:duplex=full:::Unknown! Full'
	pc:legacy:disable-modern=on,disable-legacy=off
	pc:novectors:vectors=0
	pc:legacy_novectors:disable-modern=on,disable-legacy=off,vectors=0
	pc:msix_shared:vectors=2:msix-shared
	pc:msix_single:vectors=1:msix-single
	pc:queues256:rx_queue_size=256,tx_queue_size=256
	pc:rxq1024:rx_queue_size=1024
	pc:nomrg:mrg_rxbuf=off
	pc:nocsum:csum=off,guest_csum=off
	pc:packed:packed=on::RING_PACKED
	pc:packed_nomrg:packed=on,mrg_rxbuf=off::RING_PACKED
	pc:packed_noevent:packed=on,event_idx=off,indirect_desc=off::RING_PACKED
	pc:packed_q256:packed=on,rx_queue_size=256,tx_queue_size=256::RING_PACKED
	pc:packed_rxq1024:packed=on,rx_queue_size=1024::RING_PACKED
	pc:noeventidx:event_idx=off,indirect_desc=off
	q35:transitional:
	q35:modern:disable-legacy=on
	q35:legacy:disable-modern=on,disable-legacy=off
	q35:novectors:vectors=0
	q35:packed:packed=on::RING_PACKED
)
[ "$NIC_MODEL" = virtio-net-pci ] || { tb_log "DRIVER=$DRIVER is not virtio: nothing to vary"; tb_finish; }

selected() { [ -z "${VARIANTS:-}" ] || [[ " $VARIANTS " == *" $1 "* ]]; }

# run_machine M: boot M with every selected variant of M and test each NIC.
run_machine() {
	local m=$1 v name opts irq feat link i=0 names=() irqs=() feats=() links=() out got
	for v in "${ALL[@]}"; do
		IFS=: read -r vm name opts irq feat link <<<"$v"
		[ "$vm" = "$m" ] && selected "$m:$name" || continue
		tb_nic tap $i "$opts"
		names[i]=$name irqs[i]=$irq feats[i]=$feat links[i]=$link i=$((i + 1))
	done
	[ $i -gt 0 ] || return 0
	vm_start "$m"
	vm_wait_boot || return 1
	for i in "${!names[@]}"; do
		t_begin "variants.$m.${names[i]}"
		tb_bind $i || { t_fail "bind: $TB_ERR"; continue; }
		if [ -n "${irqs[i]}" ] && [ "$DRIVER" = macvio ] &&
			! guest_run "dmesg | grep '$(nic_pci $i)' | grep -q 'irq ${irqs[i]},'" >/dev/null; then
			t_fail "expected interrupt mode ${irqs[i]}: $(guest_run "dmesg | grep '$(nic_pci $i)' | grep -o 'irq [a-z-]*'")"
		elif [ -n "${feats[i]}" ] && [ "$DRIVER" = macvio ] &&
			! guest_run "dmesg | grep '$(nic_pci $i)' | grep -q 'features.* ${feats[i]}'" >/dev/null; then
			t_fail "expected ${feats[i]} negotiated: $(guest_run "dmesg | grep '$(nic_pci $i)' | grep -o 'features [A-Z_0-9 ]*'")"
		elif [ -n "${links[i]}" ] && got=$(guest_run "ethtool ${NIC_IF[$i]} | sed -n 's/^[[:space:]]*Speed: //p; s/^[[:space:]]*Duplex: //p' | paste -sd' '") &&
			[ "$got" != "${links[i]}" ]; then
			t_fail "ethtool speed/duplex: expected '${links[i]}', got '$got'"
		elif [ -n "${links[i]}" ] && [ "$got" != "${links[i]}" ]; then
			t_fail "ethtool ${NIC_IF[$i]} failed: $got"
		elif out=$(ping_both $i && xfer $i "$MIB" g2h && xfer $i "$MIB" h2g); then
			t_info "$(guest_run "nic_facts $(nic_pci $i)"); $(grep -o '[0-9]* Mbit/s' <<<"$out" | tr '\n' ' ')${links[i]:+; ethtool: $got}"
			t_pass
		else
			t_fail "$out"
		fi
	done
	t_guest "variants.$m.dmesg_clean" dmesg_bad
	vm_stop
}

run_machine pc
run_machine q35
tb_finish
