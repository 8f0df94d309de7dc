#!/bin/bash
# twonics: NICs 0 and 1 bound to the driver under test, NIC 2 left on Linux's
# virtio_net as a control. All three pass traffic, alone and at the same time,
# and binding one NIC never moves another. macvio runs with dma_api=1 here:
# packet buffers through the DMA API and RX buffers with their meta header,
# the layout a device with ACCESS_PLATFORM gets (every other scenario runs
# the default: no DMA API, RX buffers back to back).
. "$(dirname "$0")/../lib.sh"
MACVIO_ARGS="${MACVIO_ARGS:+$MACVIO_ARGS }dma_api=1"
tb_init twonics
MIB=${XFER_MIB:-16}

tb_nic tap 0
tb_nic tap 1
tb_nic tap 2 '' virtio-net-pci
vm_start "${MACHINE:-pc}"
vm_wait_boot || tb_finish
t_bind twonics.bind0 0 || tb_finish
t_bind twonics.bind1 1 || tb_finish
t_bind twonics.bind_control 2 virtio-pci || tb_finish

[ "$DRIVER" = macvio ] && t_guest twonics.dma_api "[ \"\$(cat /sys/module/macvio/parameters/dma_api)\" = Y ]"
t_guest twonics.owners expect_owner "$(nic_pci 0)=$PCI_DRV" "$(nic_pci 1)=$PCI_DRV" "$(nic_pci 2)=virtio-pci"
for i in 0 1 2; do
	t_begin twonics.nic$i
	out=$(ping_both $i && xfer $i "$MIB" g2h && xfer $i "$MIB" h2g) &&
		{ t_info "$(tr '\n' ';' <<<"$out")"; t_pass; } || t_fail "$out"
done

# concurrent: iperf3 TCP guest->host on both NICs under test at once
t_begin twonics.concurrent
for i in 0 1; do host_bg "iperf$i" iperf3 -s -1 -B "$(host_ip $i)" -p $((5300 + i)); done
sleep 0.3
out=$(guest_run -t 40 "for i in 0 1; do tb_bg ip\$i iperf3 -c 10.77.\$((i + 1)).1 -p \$((5300 + i)) -t 3; done
	tb_wait ip0 30 && tb_wait ip1 30; rc=\$?; grep -h receiver /tmp/bg.ip0.log /tmp/bg.ip1.log; exit \$rc")
rc=$?
for i in 0 1; do host_wait "iperf$i" 10 >/dev/null; done
[ $rc = 0 ] && [ "$(grep -c receiver <<<"$out")" = 2 ] && { t_info "$(sed 's/^\[ *[0-9]*\] *//' <<<"$out" | tr -s ' ' | tr '\n' ';')"; t_pass; } || t_fail "$out"
t_guest twonics.dmesg_clean dmesg_bad
vm_stop
tb_finish
