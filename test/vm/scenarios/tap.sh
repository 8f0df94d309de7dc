#!/bin/bash
# tap: one NIC on a tap in a private netns. operstate "up", ping both ways,
# XFER_MIB (64) MiB of TCP each way with SHA-256 compared at both ends, UDP
# bursts both ways (UDP_RATE 50M, 3 s) with the loss counted.
. "$(dirname "$0")/../lib.sh"
tb_init tap
MIB=${XFER_MIB:-64}

tb_nic tap 0
vm_start "${MACHINE:-pc}"
vm_wait_boot || tb_finish

t_bind tap.bind 0 || tb_finish
# once the carrier is up, operstate must become "up" (linkwatch may take ~1 s);
# "unknown" means the driver never reported a carrier change to the stack
t_guest tap.operstate "wait_carrier ${NIC_IF[0]} 1 5000 && wait_operstate ${NIC_IF[0]} up 3000"
t_begin tap.ping
out=$(ping_both 0) && t_pass || t_fail "$out"
for dir in g2h h2g; do
	t_begin tap.tcp_$dir
	out=$(xfer 0 "$MIB" $dir) && { t_info "$out"; t_pass; } || t_fail "$out"
done
for dir in g2h h2g; do
	t_begin tap.udp_$dir
	out=$(udp 0 $dir "${UDP_RATE:-50M}" 3) && { t_info "$out"; t_pass; } || t_fail "$out"
done
t_guest tap.dmesg_clean dmesg_bad
vm_stop
tb_finish
