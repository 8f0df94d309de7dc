#!/bin/bash
# dhcp: one NIC on QEMU user networking (slirp, inside our netns): udhcpc gets
# the 10.0.2.15 lease and the gateway 10.0.2.2 answers pings.
. "$(dirname "$0")/../lib.sh"
tb_init dhcp

tb_nic user 0
vm_start "${MACHINE:-pc}"
vm_wait_boot || tb_finish

t_bind dhcp.bind 0 || tb_finish
IF=${NIC_IF[0]}
t_guest dhcp.lease -t 40 "udhcpc -s /etc/udhcpc/default.script -i $IF -n -q -t 10 -T 2 >/dev/null 2>&1; ip=\$(cat /tmp/dhcp.$IF.ip 2>/dev/null);
	[ \"\$ip\" = 10.0.2.15 ] || { echo \"lease: '\$ip'\"; exit 1; }"
t_guest dhcp.ping_gateway -t 30 "wait_ping 10.0.2.2 15 && ping -c 3 -i 0.2 -W 2 -q 10.0.2.2"
t_guest dhcp.dmesg_clean dmesg_bad
vm_stop
tb_finish
