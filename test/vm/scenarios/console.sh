#!/bin/bash
# console: virtio-console (core/vio_cons.c, os/linux/macvio_cons.c) on QEMU's
# virtio-serial-pci, one boot, two devices, Linux's virtio_console not loaded:
#   vs0 modern with MSI-X: a virtconsole (port 0) and a virtserialport
#       org.macvio.test.0 (port 1), a chardev for a hot-plugged port;
#   vs1 legacy (disable-modern=on) on the INTx line (vectors=0): a
#       virtconsole and org.macvio.test.1.
# Per device: bound to macvio, ports as ttys (/dev/mvportN) with their names
# in sysfs; data both ways on the named port (vs0 16 MiB, vs1 1 MiB, SHA-256);
# open/close seen on both sides (sysfs host_open as the host connects and
# leaves; QMP VSERPORT_CHANGE as the guest opens and closes). On vs0: kernel
# messages reach the host through the console port (console=mvcon0); a
# port hot-added and removed with QMP appears and disappears; the guest
# sleeps (S3) and wakes with the named port's tty open: the same tty then
# receives what the host sends (the engine set up anew, PORT_OPEN said
# again) and kernel messages reach the console port again; finally a
# sysrq crash with the rings marked stuck (debugfs stall): the panic text
# reaches the host only through the emergency write (EMERG_WRITE).
. "$(dirname "$0")/../lib.sh"
tb_init console
MIB=${CONS_MIB:-16}
[ "$DRIVER" = macvio ] || { tb_log "DRIVER=$DRIVER: the console checks need macvio"; tb_finish; }

VS_PCI=(0000:00:10.0 0000:00:11.0)
VS_OPTS=("max_ports=4" "max_ports=4,disable-modern=on,disable-legacy=off,vectors=0")
for d in 0 1; do
	QEMU_DEVS+=(-device "virtio-serial-pci,id=vs$d,addr=0x1$d,${VS_OPTS[d]}"
		-chardev "socket,id=cc$d,path=$RUN_DIR/cc$d.sock,server=on,wait=off"
		-device "virtconsole,bus=vs$d.0,chardev=cc$d,name=console.$d"
		-chardev "socket,id=cp$d,path=$RUN_DIR/cp$d.sock,server=on,wait=off"
		-device "virtserialport,bus=vs$d.0,chardev=cp$d,name=org.macvio.test.$d,id=port$d")
done
QEMU_DEVS+=(-chardev "socket,id=hpc,path=$RUN_DIR/hp.sock,server=on,wait=off")
pm=PIIX4_PM; [ "${MACHINE:-pc}" = q35 ] && pm=ICH9-LPC
QEMU_DEVS+=(-global "$pm.disable_s3=0")
TB_APPEND="${TB_APPEND:-} console=mvcon0"
vm_start "${MACHINE:-pc}"
vm_wait_boot || tb_finish

# tty_of NAME: the /dev name of the port called NAME (sysfs "name")
tty_of() {
	guest_run "for t in /sys/class/tty/mvport*; do [ \"\$(cat \$t/name 2>/dev/null)\" = '$1' ] && basename \$t; done" | head -1
}
# host_reader NAME SOCK FILE: keep what the host side of SOCK receives in FILE
host_reader() { host_bg "$1" socat -u "UNIX-CONNECT:$2" "OPEN:$3,creat,trunc"; }
wait_for() { # wait_for FILE PATTERN SECS
	local n=0
	until grep -qaE "$2" "$1" 2>/dev/null; do
		[ $n -lt $(($3 * 10)) ] || return 1
		sleep 0.1; n=$((n + 1))
	done
}

for d in 0 1; do
	pci=${VS_PCI[d]}
	t_begin "console.vs$d.bind"
	if ! out=$(guest_run "bind_pci $pci macvio"); then
		t_fail "$out"
		continue
	fi
	sleep 1
	line=$(guest_run "dmesg | grep '$pci: virtio-console' | tail -1")
	tty=$(tty_of "org.macvio.test.$d")
	con=$(guest_run "for t in /sys/class/tty/mvport*; do [ \"\$(cat \$t/console)\" = 1 ] && [ -e \$t/device ] && readlink -f \$t/device | grep -q '$pci' && basename \$t; done" | head -1)
	TTY[d]=$tty CON[d]=$con
	want_irq=$([ "$d" = 0 ] && echo "modern, irq msix" || echo "legacy, irq intx")
	if [ -z "$line" ] || [ -z "$tty" ] || [ -z "$con" ] || [[ $line != *"$want_irq"* ]]; then
		t_fail "probe: '$line' (want '$want_irq'), named port tty '${tty}', console tty '${con}'"
		continue
	elif guest_run "grep -q '^virtio_console' /proc/modules" >/dev/null; then
		t_fail "Linux's virtio_console is loaded: the test would not be ours"
		continue
	fi
	t_info "${line#*] }; org.macvio.test.$d on /dev/$tty, console on /dev/$con"
	t_pass

	t_begin "console.vs$d.open_close"
	h0=$(guest_run "cat /sys/class/tty/$tty/host_open")
	host_bg "hold$d" socat -u FILE:/dev/null,ignoreeof "UNIX-CONNECT:$RUN_DIR/cp$d.sock"
	sleep 1
	h1=$(guest_run "cat /sys/class/tty/$tty/host_open")
	host_kill "hold$d"
	sleep 1
	h2=$(guest_run "cat /sys/class/tty/$tty/host_open")
	: >"$RUN_DIR/qmp-events.log"
	guest_run "exec 3<>/dev/$tty; usleep 300000; exec 3>&-" >/dev/null
	sleep 1.5 # QEMU rate-limits VSERPORT_CHANGE to one a second per port (monitor_qapi_event_conf)
	ev=$(qmp_events | grep VSERPORT_CHANGE | grep "\"port$d\"" | grep -o '"open": *[a-z]*' | tr -d ' "' | tr '\n' ' ')
	if [ "$h0$h1$h2" = 010 ] && [ "$ev" = "open:true open:false " ]; then
		t_info "host connects/leaves: host_open $h0 -> $h1 -> $h2; guest opens/closes: QMP VSERPORT_CHANGE $ev"
		t_pass
	else
		t_fail "host_open $h0 -> $h1 -> $h2 (want 0 1 0); guest open/close events: '$ev'; $(guest_run "cd /sys/kernel/debug/macvio-console-$pci && grep . * | tr '\n' ' '; grep -i macvio /proc/interrupts | tr -s ' \n' ' '")"
	fi

	mib=$([ "$d" = 0 ] && echo "$MIB" || echo 1)
	t_begin "console.vs$d.h2g"
	head -c $((mib << 20)) /dev/urandom >"$RUN_DIR/h2g$d.bin"
	hs=$(sha256sum "$RUN_DIR/h2g$d.bin" | cut -d' ' -f1)
	guest_run "tb_bg rx$d 'stty -F /dev/$tty raw -echo && head -c $((mib << 20)) </dev/$tty >/tmp/h2g.bin'; usleep 500000" >/dev/null
	t0=$EPOCHREALTIME
	# the sender stays connected until the guest has it all: QEMU drops what
	# is still in a socket whose peer hung up while the guest was behind
	# (char-socket.c tcp_chr_hup)
	host_bg "h2gsend$d" socat -u "SYSTEM:cat $RUN_DIR/h2g$d.bin && exec sleep 150" "UNIX-CONNECT:$RUN_DIR/cp$d.sock"
	if ! out=$(guest_run -t 150 "tb_wait rx$d ${CONS_WAIT:-120} || { cat /tmp/bg.rx$d.log; exit 1; }; sha256sum /tmp/h2g.bin; rm -f /tmp/h2g.bin"); then
		t_fail "guest receive: $out; $(guest_run "ls -l /tmp/h2g.bin; cd /sys/kernel/debug/macvio-console-$pci && grep . * | tr '\n' ' '")"
	elif [ "$(tail -1 <<<"$out" | cut -d' ' -f1)" != "$hs" ]; then
		t_fail "SHA-256 mismatch: $out vs $hs; $(guest_run "cd /sys/kernel/debug/macvio-console-$pci && grep . p1* | tr '\n' ' '")"
		host_kill "h2gsend$d"
	else
		host_kill "h2gsend$d"
		t_info "$mib MiB host->guest on /dev/$tty, SHA-256 ok, $(awk -v a="$t0" -v b="$EPOCHREALTIME" -v m="$mib" 'BEGIN { printf "%.1f s, %.0f Mbit/s", b - a, m * 8.388608 / (b - a) }')"
		t_pass
	fi

	t_begin "console.vs$d.g2h"
	guest_run "dd if=/dev/urandom of=/tmp/g2h.bin bs=1M count=$mib 2>/dev/null" >/dev/null
	gs=$(guest_run "sha256sum /tmp/g2h.bin" | cut -d' ' -f1)
	# socat itself is the job (host_kill ends it): a socat left behind
	# a shell would keep the chardev's one connection, and a later
	# client of the port would wait forever (QEMU accepts one)
	host_bg "g2h$d" socat -u "UNIX-CONNECT:$RUN_DIR/cp$d.sock" "OPEN:$RUN_DIR/g2h$d.bin,creat,trunc"
	sleep 0.5
	t0=$EPOCHREALTIME
	out=$(guest_run -t 150 "stty -F /dev/$tty raw -echo && cat /tmp/g2h.bin >/dev/$tty && rm -f /tmp/g2h.bin")
	n=0 # the reader's socat stays connected: wait for the bytes, not for it
	while [ "$(stat -c %s "$RUN_DIR/g2h$d.bin" 2>/dev/null)" != $((mib << 20)) ] && [ $n -lt 600 ]; do
		sleep 0.1; n=$((n + 1))
	done
	hs=$(sha256sum "$RUN_DIR/g2h$d.bin" 2>/dev/null | cut -d' ' -f1)
	if [ -n "$gs" ] && [ "$gs" = "$hs" ]; then
		t_info "$mib MiB guest->host on /dev/$tty, SHA-256 ok, $(awk -v a="$t0" -v b="$EPOCHREALTIME" -v m="$mib" 'BEGIN { printf "%.1f s, %.0f Mbit/s", b - a, m * 8.388608 / (b - a) }')"
		t_pass
	else
		t_fail "guest $gs host $hs ($(stat -c %s "$RUN_DIR/g2h$d.bin" 2>/dev/null) bytes) $out"
	fi
	host_kill "g2h$d"
done

# kernel messages through the console port of vs0 (console=mvcon0)
t_begin console.kmsg
host_reader conlog "$RUN_DIR/cc0.sock" "$RUN_DIR/cc0.out"
sleep 0.5
mark="macvio-kmsg-$RANDOM$RANDOM"
dbg=/sys/kernel/debug/macvio-console-${VS_PCI[0]}
before=$(guest_run "cat $dbg/kcons_emerg $dbg/p0_tx_bytes" | tr '\n' ' ')
guest_run "echo '<2>$mark' >/dev/kmsg" >/dev/null
if wait_for "$RUN_DIR/cc0.out" "$mark" 10; then
	after=$(guest_run "cat $dbg/kcons_emerg $dbg/p0_tx_bytes" | tr '\n' ' ')
	read -r e0 t0 <<<"$before"
	read -r e1 t1 <<<"$after"
	if [ "$e1" = "$e0" ] && [ "${t1:-0}" -gt "${t0:-0}" ]; then
		t_info "host read: $(grep -a "$mark" "$RUN_DIR/cc0.out" | head -1 | tr -d '\r'); through the port's queue (+$((t1 - t0)) bytes), none by emergency write"
		t_pass
	else
		t_fail "kernel console did not use the queue: emergency bytes $e0 -> $e1, queue bytes $t0 -> $t1"
	fi
else
	t_fail "'$mark' not on the console port's socket ($(wc -c <"$RUN_DIR/cc0.out") bytes there); guest: $(guest_run 'cat /proc/consoles')"
fi

t_begin console.hotplug
if ! out=$(qmp '{"execute":"device_add","arguments":{"driver":"virtserialport","bus":"vs0.0","chardev":"hpc","name":"org.macvio.hot","id":"hp0"}}'); then
	t_fail "device_add: $out"
else
	n=0
	while [ -z "$(tty_of org.macvio.hot)" ] && [ $n -lt 50 ]; do sleep 0.2; n=$((n + 1)); done
	hp=$(tty_of org.macvio.hot)
	qmp '{"execute":"device_del","arguments":{"id":"hp0"}}' >/dev/null
	n=0
	while [ -n "$(tty_of org.macvio.hot)" ] && [ $n -lt 50 ]; do sleep 0.2; n=$((n + 1)); done
	gone=$(tty_of org.macvio.hot)
	if [ -n "$hp" ] && [ -z "$gone" ] && ! guest_run "[ -e /dev/$hp ]" >/dev/null; then
		t_info "org.macvio.hot appeared as /dev/$hp and went away"
		t_pass
	else
		t_fail "after device_add: '$hp'; after device_del: '$gone'"
	fi
fi

# S3 with a reader holding the named port of vs0 open across the sleep
t_begin console.suspend_resume
tty=${TTY[0]} pci=${VS_PCI[0]}
dbg=/sys/kernel/debug/macvio-console-$pci
head -c 65536 /dev/urandom >"$RUN_DIR/s3.bin"
hs=$(sha256sum "$RUN_DIR/s3.bin" | cut -d' ' -f1)
guest_run "tb_bg s3rd 'stty -F /dev/$tty raw -echo && head -c 65536 </dev/$tty >/tmp/s3rd.bin'; usleep 300000" >/dev/null
if ! s3_cycle; then
	t_fail "$S3_PH"
else
	host_bg s3send socat -u "SYSTEM:cat $RUN_DIR/s3.bin && exec sleep 30" "UNIX-CONNECT:$RUN_DIR/cp0.sock"
	out=$(guest_run -t 60 "tb_wait s3rd 30 || { cat /tmp/bg.s3rd.log; exit 1; }; sha256sum /tmp/s3rd.bin; rm -f /tmp/s3rd.bin")
	rc=$?
	host_kill s3send
	mark="macvio-after-s3-$RANDOM$RANDOM"
	read -r e0 q0 <<<"$(guest_run "cat $dbg/kcons_emerg $dbg/p0_tx_bytes" | tr '\n' ' ')"
	guest_run "echo '<2>$mark' >/dev/kmsg" >/dev/null
	facts=$(guest_run "cat $dbg/resumes; readlink -f /sys/class/tty/$tty/device" | tr '\n' ' ')
	if [ $rc != 0 ] || [ "$(tail -1 <<<"$out" | cut -d' ' -f1)" != "$hs" ]; then
		t_fail "the tty open across the sleep did not get the host's 64 KiB: $out ($S3_PH; resumes, device: $facts; $(guest_run "cd $dbg && grep . * | tr '\n' ' '; dmesg | grep -i 'macvio\|console' | tail -8"))"
	elif [ "$(tty_of org.macvio.test.0)" != "$tty" ] || [ "${facts%% *}" != 1 ]; then
		t_fail "after wake: org.macvio.test.0 on '$(tty_of org.macvio.test.0)', was $tty; resumes, device: $facts"
	elif ! wait_for "$RUN_DIR/cc0.out" "$mark" 10; then
		t_fail "no kernel message on the console port after wake ($S3_PH)"
	elif read -r e1 q1 <<<"$(guest_run "cat $dbg/kcons_emerg $dbg/p0_tx_bytes" | tr '\n' ' ')" &&
		{ [ "$e1" != "$e0" ] || [ "${q1:-0}" -le "${q0:-0}" ]; }; then
		t_fail "the kernel console after wake did not use the port's queue: emergency bytes $e0 -> $e1, queue bytes $q0 -> $q1"
	else
		t_info "$S3_PH; /dev/$tty stayed open across the sleep and got 64 KiB, SHA-256 ok; kernel console back on the queue (+$((q1 - q0)) bytes); resumes ${facts%% *}"
		t_pass
	fi
fi

t_guest console.dmesg_clean dmesg_bad

# the panic, through the emergency write only: the rings count as stuck
t_begin console.panic_emerg
dbg=/sys/kernel/debug/macvio-console-${VS_PCI[0]}
n0=$(wc -c <"$RUN_DIR/cc0.out")
guest_run "echo 1 >$dbg/stall; tb_bg crash 'usleep 300000; echo c >/proc/sysrq-trigger'" >/dev/null
i=0
while vm_alive && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1
host_kill conlog
tail -c +$((n0 + 1)) "$RUN_DIR/cc0.out" | tr -d '\r' >"$RUN_DIR/panic.rx"
t_info "host received after the crash ($(wc -c <"$RUN_DIR/panic.rx") bytes):"
grep -a -E 'sysrq|Kernel panic|RIP' "$RUN_DIR/panic.rx" | head -n 5 | sed 's/^/    | /'
if vm_alive; then
	t_fail "QEMU still running 60 s after the crash"
elif ! grep -qa 'sysrq: Trigger a crash' "$RUN_DIR/panic.rx"; then
	t_fail "no 'sysrq: Trigger a crash' on the console socket"
elif ! grep -qa 'Kernel panic' "$RUN_DIR/panic.rx"; then
	t_fail "no 'Kernel panic' on the console socket"
else
	t_pass
fi
vm_stop
tb_finish
