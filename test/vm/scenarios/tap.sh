#!/bin/bash
# tap: one NIC on a tap in a private netns. operstate "up", ping both ways,
# XFER_MIB (64) MiB of TCP each way with SHA-256 compared at both ends, UDP
# bursts both ways (UDP_RATE 50M, 3 s) with the loss counted; on virtio NICs
# the device's VLAN filter (see below).
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

# VLAN filter (CTRL_VLAN, §5.1.6.5.3), virtio NICs: a device told the ids in
# use drops tagged frames of every other id. The host kernel here has no
# 802.1Q, so the host end is test/vm/vlanpeer.py on the tap (ARP and ICMP
# echo, tagged). VLAN 10, joined by the guest: VLAN_PINGS (200) echoes of
# 1400 random bytes, every reply's payload compared. VLAN 20, not joined: 20
# echoes must not reach the guest (its NIC's rx packets do not move: the
# device dropped them); joined, the same 20 arrive and are answered.
vlan_ping() { # VID COUNT: runs the peer, prints "sent N replies R ok K arp A rx D"
	local b a out
	b=$(guest_run "cat /sys/class/net/${NIC_IF[0]}/statistics/rx_packets") || return 1
	out=$(host_ns /usr/bin/python3 "$TB_DIR/vlanpeer.py" "$(nic_tap 0)" "$(nic_mac 0)" "$1" \
		"10.78.$1.1" "10.78.$1.2" "$2" 1400) || return 1
	a=$(guest_run "cat /sys/class/net/${NIC_IF[0]}/statistics/rx_packets") || return 1
	echo "$out rx $((a - b))"
}
if [ "$NIC_MODEL" = virtio-net-pci ]; then
	ifc=${NIC_IF[0]} n=${VLAN_PINGS:-200}
	t_begin tap.vlan_joined
	if ! out=$(guest_run "modprobe 8021q && ip link add link $ifc name $ifc.10 type vlan id 10 &&
		ip addr add 10.78.10.2/24 dev $ifc.10 && ip link set $ifc.10 up"); then
		t_fail "guest VLAN 10: $out"
	elif ! r=$(vlan_ping 10 "$n"); then
		t_fail "vlanpeer failed: $r"
	elif read -r _ sent _ rep _ ok _ _ _ rx <<<"$r" && [ "$ok" = "$n" ] && [ "$rx" -ge "$n" ]; then
		t_info "VLAN 10: $r"
		t_pass
	else
		t_fail "VLAN 10: want $n replies with the payload sent: $r"
	fi
	t_begin tap.vlan_foreign_dropped
	if ! r=$(vlan_ping 20 20); then
		t_fail "vlanpeer failed: $r"
	elif read -r _ sent _ rep _ ok _ _ _ rx <<<"$r" && [ "$sent" = 20 ] && [ "$rx" -le 2 ] && [ "$rep" = 0 ]; then
		t_info "VLAN 20 not joined: $r"
		t_pass
	else
		t_fail "VLAN 20 not joined, the device should drop them: $r"
	fi
	t_begin tap.vlan_foreign_joined
	if ! out=$(guest_run "ip link add link $ifc name $ifc.20 type vlan id 20 &&
		ip addr add 10.78.20.2/24 dev $ifc.20 && ip link set $ifc.20 up"); then
		t_fail "guest VLAN 20: $out"
	elif ! r=$(vlan_ping 20 20); then
		t_fail "vlanpeer failed: $r"
	elif read -r _ sent _ rep _ ok _ _ _ rx <<<"$r" && [ "$ok" = 20 ] && [ "$rx" -ge 20 ]; then
		t_info "VLAN 20 joined: $r"
		t_pass
	else
		t_fail "VLAN 20 joined: want 20 replies: $r"
	fi
	guest_run "ip link del $ifc.20; ip link del $ifc.10" >/dev/null

	# Receive filter (CTRL_RX; CTRL_RX_EXTRA for macvio): 20 echo requests
	# from the host to a foreign unicast MAC reach the guest only while it
	# is promiscuous; 20 to multicast 239.1.2.3 (01:00:5e:01:02:03) only
	# while a socket in the guest is a member, and (macvio) not while the
	# interface says `multicast off` (NOMULTI). Counted as the guest NIC's
	# rx packets; "<= 2" leaves room for an unrelated frame.
	frames() { # DST_MAC DST_IP: the guest NIC's rx delta over 20 frames
		local b a
		b=$(guest_run "sleep 1; cat /sys/class/net/$ifc/statistics/rx_packets") || return 1
		host_ns /usr/bin/python3 "$TB_DIR/vlanpeer.py" "$(nic_tap 0)" "$1" 0 "$(host_ip 0)" "$2" 20 200 0.5 \
			>/dev/null || return 1
		a=$(guest_run "cat /sys/class/net/$ifc/statistics/rx_packets") || return 1
		echo $((a - b))
	}
	t_begin tap.filter_unicast
	fu=02:00:00:00:00:99 gip=$(guest_ip 0)
	r1=$(frames $fu "$gip") && guest_run "ip link set $ifc promisc on" >/dev/null &&
		r2=$(frames $fu "$gip") && guest_run "ip link set $ifc promisc off" >/dev/null &&
		r3=$(frames $fu "$gip")
	if [ "${r1:-99}" -le 2 ] && [ "${r2:-0}" -ge 20 ] && [ "${r3:-99}" -le 2 ]; then
		t_info "foreign unicast: $r1 received, promiscuous $r2, off again $r3"
		t_pass
	else
		t_fail "foreign unicast: want <=2 / >=20 / <=2, got ${r1:-?} / ${r2:-?} / ${r3:-?}"
	fi
	t_begin tap.filter_multicast
	mm=01:00:5e:01:02:03 mip=239.1.2.3 m3=- m4=-
	m1=$(frames $mm $mip) &&
		guest_run "tb_bg mjoin socat -u UDP4-RECV:5999,ip-add-membership=$mip:$ifc OPEN:/dev/null" >/dev/null &&
		m2=$(frames $mm $mip)
	if [ "$DRIVER" = macvio ] && [ -n "${m2:-}" ]; then
		guest_run "ip link set $ifc multicast off" >/dev/null && m3=$(frames $mm $mip) &&
			guest_run "ip link set $ifc multicast on" >/dev/null && m4=$(frames $mm $mip)
	fi
	guest_run "kill \$(pidof socat) 2>/dev/null; true" >/dev/null # tb_kill would end only its subshell
	m5=$(frames $mm $mip)
	if [ "${m1:-99}" -le 2 ] && [ "${m2:-0}" -ge 20 ] && [ "${m5:-99}" -le 2 ] &&
		{ [ "$DRIVER" != macvio ] || { [ "$m3" -le 2 ] && [ "$m4" -ge 20 ]; }; }; then
		t_info "multicast $mip: not joined $m1, joined $m2, multicast off $m3, on $m4, left $m5"
		t_pass
	else
		t_fail "multicast $mip: want <=2 / >=20 / <=2 / >=20 / <=2, got not joined ${m1:-?}, joined ${m2:-?}, multicast off $m3, on $m4, left ${m5:-?}"
	fi
fi
t_guest tap.dmesg_clean dmesg_bad
vm_stop
tb_finish
