#!/bin/bash
# demo.sh - the user-facing demo: boot a Debian guest in QEMU with one
# virtio-net NIC on user networking, give the NIC to the driver under test,
# DHCP, ping the gateway, fetch a file over HTTP from a server on the loopback
# (QEMU and the server share a private netns: the guest sees it as 10.0.2.2),
# check its SHA-256, print a report, power off.
# Env: DRIVER (macvio, or virtio_net while macvio.ko is absent), DEMO_MIB (32),
# MACHINE (pc|q35), NIC_OPTS (extra -device options, e.g. disable-legacy=on).
. "$(dirname "$0")/lib.sh"
MIB=${DEMO_MIB:-32}
PORT=8080

say() { echo "[demo] $*"; }
gr() { guest_run -t "${2:-30}" "$1"; }

# macvio_report IF: HOOK for the module author - transport and negotiated
# features as the module reports them (ethtool -i, kernel lines "macvio...").
macvio_report() {
	gr "ethtool -i $1 | sed -n 's/^\(driver\|version\|firmware-version\|bus-info\): /\1=/p' | paste -sd' '"
	gr "dmesg | sed -n 's/^\[[^]]*\] //p' | grep '^macvio' | tail -n 8"
}

# virtio_features IF: decode the negotiated feature bits sysfs shows for a
# virtio_net interface (not available for a PCI driver such as macvio).
virtio_features() {
	gr "cat /sys/class/net/$1/device/features 2>/dev/null" | awk '{
		split("CSUM GUEST_CSUM CTRL_GUEST_OFFLOADS MTU - MAC - GUEST_TSO4 GUEST_TSO6 GUEST_ECN GUEST_UFO HOST_TSO4 HOST_TSO6 HOST_ECN HOST_UFO MRG_RXBUF STATUS CTRL_VQ CTRL_RX CTRL_VLAN - GUEST_ANNOUNCE MQ CTRL_MAC_ADDR - - - - INDIRECT_DESC EVENT_IDX - - VERSION_1 ACCESS_PLATFORM RING_PACKED IN_ORDER ORDER_PLATFORM SR_IOV NOTIFICATION_DATA NOTIF_CONFIG_DATA RING_RESET", n, " ")
		for (i = 1; i <= length($0); i++) if (substr($0, i, 1) == "1") s = s " " (n[i] != "" && n[i] != "-" ? n[i] : "bit" (i - 1))
		print substr(s, 2) }'
}

main() {
	local t0=$SECONDS f sum out IF PCI r0 r1 x0 x1 c0 c1
	say "macvio demo: a virtio-net NIC in a QEMU guest, driven end to end"
	"$TB_DIR/setup.sh" || { echo "FAIL demo: setup.sh failed"; exit 1; }
	tb_init demo
	say "building guest initramfs"
	"$TB_DIR/initramfs.sh" base >/dev/null || tb_die "initramfs build failed"
	f=$(host_data "$MIB")
	sum=$(sha256sum "$f" | cut -d' ' -f1)
	tb_nic user 0 "${NIC_OPTS:-}"
	host_bg http python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$RUN_DIR"
	say "serving $MIB MiB on 127.0.0.1:$PORT (sha256 ${sum:0:16}...)"
	say "booting Debian $KVER in QEMU (TCG, 2 vCPUs, ${MACHINE:-pc}); this takes ~10 s"
	vm_start "${MACHINE:-pc}" >/dev/null
	vm_wait_boot || exit 1
	PCI=$(nic_pci 0)
	say "binding $PCI to $PCI_DRV (driver_override + unbind + drivers_probe)"
	tb_bind 0 || { t_begin demo; t_fail "bind: $TB_ERR"; exit 1; }
	IF=${NIC_IF[0]}
	say "DHCP on $IF"
	out=$(gr "udhcpc -s /etc/udhcpc/default.script -i $IF -n -q -t 10 -T 2 >/dev/null 2>&1; cat /tmp/dhcp.$IF.ip" 40) ||
		{ t_begin demo; t_fail "no DHCP lease"; exit 1; }
	say "lease $out from 10.0.2.2"
	out=$(gr "wait_ping 10.0.2.2 15 && ping -c 3 -i 0.2 -q 10.0.2.2 | tail -2 | paste -sd' '") ||
		{ t_begin demo; t_fail "gateway does not answer: $out"; exit 1; }
	say "ping gateway: $out"
	say "fetching http://10.0.2.2:$PORT/$(basename "$f")"
	out=$(gr "r0=\$(cat /sys/class/net/$IF/statistics/rx_bytes) x0=\$(cat /sys/class/net/$IF/statistics/tx_bytes)
		c0=\$(now_cs); wget -q -O /tmp/payload http://10.0.2.2:$PORT/$(basename "$f") || exit 1; c1=\$(now_cs)
		echo \$r0 \$(cat /sys/class/net/$IF/statistics/rx_bytes) \$x0 \$(cat /sys/class/net/$IF/statistics/tx_bytes) \$c0 \$c1
		sha256sum /tmp/payload; rm -f /tmp/payload" 120) || { t_begin demo; t_fail "fetch failed: $out"; exit 1; }
	read -r r0 r1 x0 x1 c0 c1 <<<"$(head -1 <<<"$out")"
	[ "$(tail -1 <<<"$out" | cut -d' ' -f1)" = "$sum" ] || { t_begin demo; t_fail "SHA-256 mismatch"; exit 1; }
	say "sha256 matches"
	report
	say "powering off"
	vm_stop
	echo "PASS demo ($((SECONDS - t0))s)"
}

report() {
	local d=/sys/bus/pci/devices/$PCI ids
	ids=$(gr "cat $d/vendor $d/device $d/subsystem_vendor $d/subsystem_device | sed s/0x// | paste -sd' '")
	echo "================ macvio demo report ================"
	printf ' %-11s %s\n' \
		"PCI" "$PCI  $(awk '{ print $1 ":" $2 " (subsystem " $3 ":" $4 ")" }' <<<"$ids")  $(pci_kind "${ids#* }")" \
		"driver" "$DRIVER (PCI driver $(gr "pci_owner $PCI"), interface $IF)" \
		"MAC" "$(gr "cat /sys/class/net/$IF/address")" \
		"link" "$(gr "echo carrier \$(cat /sys/class/net/$IF/carrier), \$(cat /sys/class/net/$IF/operstate), MTU \$(cat /sys/class/net/$IF/mtu)")" \
		"IP" "$(gr "ip -4 -o addr show $IF | awk '{ print \$4 }'") via 10.0.2.2" \
		"interrupts" "$(gr "nic_facts $PCI" | sed 's/.*, //')" \
		"moved" "$(awk -v a="$r0" -v b="$r1" -v c="$x0" -v d="$x1" 'BEGIN { printf "rx %.1f MB, tx %.0f kB during the fetch", (b - a) / 1e6, (d - c) / 1e3 }')" \
		"throughput" "$(awk -v m="$MIB" -v a="$c0" -v b="$c1" 'BEGIN { t = (b - a) / 100; if (t <= 0) t = 0.01; printf "%d MiB in %.2f s = %.0f Mbit/s (guest clock, user networking)", m, t, m * 8.388608 / t }')"
	if [ "$DRIVER" = macvio ]; then
		macvio_report "$IF" | sed 's/^/ macvio      /'
	else
		printf ' %-11s %s\n' "features" "$(virtio_features "$IF" | fold -s -w 64 | sed '2,$s/^/             /')"
	fi
	echo "===================================================="
}

# pci_kind DEVICE_ID...: what QEMU made of the virtio-net function.
pci_kind() {
	case "$1" in
	1000*) echo "virtio-net, transitional or legacy-only (has the 0.9.5 I/O BAR)" ;;
	1041*) echo "virtio-net, modern only (virtio 1.x)" ;;
	100e*) echo "Intel e1000" ;;
	*) echo "?" ;;
	esac
}

main "$@"
