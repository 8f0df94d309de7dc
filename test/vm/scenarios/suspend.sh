#!/bin/bash
# suspend: S3 suspend-to-RAM and resume of the guest with macvio's NICs, on
# pc and q35 (MACHINES, default "pc q35"), each with a modern NIC 0 and a
# legacy NIC 1. QEMU gets S3 enabled (PIIX4_PM / ICH9-LPC disable_s3=0); the
# guest enters with `echo mem > /sys/power/state`; QMP system_wakeup wakes
# it. QEMU resets the devices on wake, so the driver's resume runs the core's
# reset path (cause "resume").
#   transfer_across   XFER_S3_MIB (64) MiB host->guest on NIC 0 running while
#                     the guest sleeps: it completes with the right SHA-256,
#                     or fails cleanly (never a corrupt file)
#   nicN              after resume: resets_resume 1, 16 MiB each way SHA-256
#   dmesg_clean, unbind_no_leak
. "$(dirname "$0")/../lib.sh"
tb_init suspend
MIB=${XFER_MIB:-16}
S3MIB=${XFER_S3_MIB:-64}
[ "$DRIVER" = macvio ] || tb_log "DRIVER=$DRIVER: resets_resume is macvio's counter, expect FAILs"

for machine in ${MACHINES:-pc q35}; do
	TB_PREFIX=$machine.
	pm=PIIX4_PM; [ "$machine" = q35 ] && pm=ICH9-LPC
	tb_nic tap 0
	tb_nic tap 1 "disable-modern=on,disable-legacy=off"
	QEMU_DEVS+=(-global "$pm.disable_s3=0")
	vm_start "$machine"
	vm_wait_boot || continue
	ok=1
	for i in 0 1; do t_bind "suspend.bind$i" $i || ok=0; done
	[ $ok = 1 ] || { vm_stop; continue; }

	t_begin suspend.transfer_across
	f=$(host_data "$S3MIB")
	hs=$(sha256sum "$f" | cut -d' ' -f1)
	guest_run "tb_bg s3rx socat -b 262144 -u TCP-LISTEN:5199,reuseaddr OPEN:/tmp/s3rx.bin,creat,trunc" >/dev/null
	host_bg s3tx socat -b 65536 -u "FILE:$f" "TCP:$(guest_ip 0):5199,retry=50,interval=0.2"
	sleep 0.5
	if s3_cycle; then
		ph=$S3_PH
		host_wait s3tx 90; src=$?
		ph+="; sender done after $((SECONDS - S3_T0)) s"
		out=$(guest_run -t 90 "tb_wait s3rx 60; echo rx \$?; sha256sum /tmp/s3rx.bin; rm -f /tmp/s3rx.bin")
		gs=$(grep -o '^[0-9a-f]\{64\}' <<<"$out")
		rx=$(sed -n 's/^rx //p' <<<"$out")
		if [ "$src" = 0 ] && [ "$rx" = 0 ] && [ "$gs" = "$hs" ]; then
			t_info "$S3MIB MiB across suspend/resume completed, sha256 ok ($ph)"
			t_pass
		elif [ "$gs" != "$hs" ] && [ "$src" = 0 ] && [ "$rx" = 0 ]; then
			t_fail "transfer completed with a wrong SHA-256: guest $gs host $hs"
		elif [ "$src" != 0 ] || [ "$rx" != 0 ]; then
			t_info "transfer failed cleanly (sender $src, receiver $rx; $ph)"
			t_pass
		else
			t_fail "sender $src receiver $rx guest $gs host $hs: $out"
		fi
	else
		t_fail "$S3_PH"
	fi

	for i in 0 1; do
		t_begin "suspend.nic$i"
		ifc=${NIC_IF[i]}
		if out=$(ping_both $i && xfer $i "$MIB" g2h && xfer $i "$MIB" h2g) &&
			n=$(guest_run "ethtool -S $ifc | awk '\$1 == \"resets_resume:\" { print \$2 }'") && [ "$n" = 1 ]; then
			t_info "resets_resume $n; $(tr '\n' ';' <<<"$out")"
			t_pass
		else
			t_fail "resets_resume ${n:-?}: $out"
		fi
	done
	t_guest suspend.dmesg_clean dmesg_bad
	t_begin suspend.unbind_no_leak
	out=$(guest_run "unbind_pci $(nic_pci 0) && unbind_pci $(nic_pci 1) &&
		a=\$(cat /sys/module/macvio/parameters/dma_allocs) m=\$(cat /sys/module/macvio/parameters/dma_maps) &&
		echo dma_allocs=\$a dma_maps=\$m && [ \$a = 0 ] && [ \$m = 0 ]") && { t_info "$out"; t_pass; } || t_fail "$out"
	vm_stop
done
TB_PREFIX=
tb_finish
