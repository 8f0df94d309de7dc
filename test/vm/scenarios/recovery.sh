#!/bin/bash
# recovery: the reset path of macvio (core/vio_net_reset.c, os/linux/
# macvio_reset.c) on QEMU's real device, through the debugfs file `force`
# that fires each trigger. One boot, two NICs: 0 modern, 1 legacy. Per NIC:
#   mac_broken   a MAC set by the user, then txq 0 latched broken under
#                traffic: back (host ping answered) within RECOVER_MS (2000),
#                16 MiB each way with SHA-256 afterwards, resets_broken 1.
#                QEMU's filter is promiscuous only until our start turns it
#                off, so the ping also proves MAC and filter were re-applied
#   needs_reset  DEVICE_NEEDS_RESET through the config path: recovered,
#                SHA-256 transfer, resets_needs_reset 1
#   tx_stall     completions no longer taken: the netdev watchdog calls
#                ndo_tx_timeout, the reset follows, traffic resumes
# Then on NIC 1: a device that breaks again right after every reset: three
# resets in a row, one error line, given up (carrier off), while the guest
# and NIC 0 stay usable; both NICs unbound: leak counters 0. dmesg: no splat
# except the kernel's own NETDEV WATCHDOG warning for the forced TX stall.
. "$(dirname "$0")/../lib.sh"
tb_init recovery
MIB=${XFER_MIB:-16}
RECOVER_MS=${RECOVER_MS:-2000}
[ "$DRIVER" = macvio ] || { tb_log "DRIVER=$DRIVER: the reset path is macvio's"; tb_finish; }

cat >"$RUN_DIR/tb-recovery.sh" <<'G'
# force PCI WHAT: write the debugfs trigger
force() { echo "$2" > /sys/kernel/debug/macvio/$1/force; }
# st IF NAME: one ethtool -S counter
st() { ethtool -S "$1" | awk -v n="$2:" '{ sub(/^[ \t]+/, "") } $1 == n { print $2; exit }'; }
# back_ms PCI WHAT HOST: fire WHAT, print ms until HOST answers a ping again
back_ms() {
	local t0=$(now_cs) n=0
	force "$1" "$2" || return 1
	sleep 0.05
	while ! ping -c 1 -W 1 "$3" >/dev/null 2>&1; do
		n=$((n + 1)); [ $n -lt 40 ] || { echo "no ping after $2"; return 1; }
	done
	echo $(( ($(now_cs) - t0) * 10 ))
}
G
EXTRA_FILES+=("$RUN_DIR/tb-recovery.sh:etc/tb-recovery.sh")
G=". /etc/tb-recovery.sh;"

tb_nic tap 0
tb_nic tap 1 "disable-modern=on,disable-legacy=off"
vm_start "${MACHINE:-pc}"
vm_wait_boot || tb_finish
for i in 0 1; do t_bind "recovery.bind$i" $i || tb_finish; done

for i in 0 1; do
	pci=$(nic_pci $i) ifc=${NIC_IF[i]} host=$(host_ip $i)

	t_begin "recovery.nic$i.mac_broken"
	mac=$(printf '02:77:00:00:%02x:99' $i)
	out=$(guest_run "ip link set $ifc address $mac && wait_ping $host 20") || { t_fail "set MAC: $out"; continue; }
	traffic_start $i
	ms=$(guest_run -t 60 "$G back_ms $pci broken $host")
	rc=$?
	stats=$(traffic_stop $i)
	if [ $rc = 0 ] && [ "$ms" -le "$RECOVER_MS" ] && out=$(xfer $i "$MIB" g2h && xfer $i "$MIB" h2g) &&
		n=$(guest_run "$G st $ifc resets_broken") && [ "$n" = 1 ] &&
		m=$(guest_run "cat /sys/class/net/$ifc/address") && [ "$m" = "$mac" ]; then
		t_info "back in $ms ms (bound $RECOVER_MS) under traffic, MAC $m kept; $(tr '\n' ';' <<<"$out") $stats"
		t_pass
	else
		t_fail "recovery ${ms:-?} ms (rc $rc), resets_broken ${n:-?}, mac ${m:-?}: $out"
	fi

	t_begin "recovery.nic$i.needs_reset"
	if ms=$(guest_run -t 60 "$G back_ms $pci needs_reset $host") && out=$(xfer $i "$MIB" h2g) &&
		n=$(guest_run "$G st $ifc resets_needs_reset") && [ "$n" = 1 ]; then
		t_info "back in $ms ms; $out"
		t_pass
	else
		t_fail "${ms:-} resets_needs_reset ${n:-?}: $out"
	fi

	t_begin "recovery.nic$i.tx_stall"
	out=$(guest_run -t 90 "$G head -c 65536 /dev/urandom >/tmp/blob; force $pci tx_stall
		tb_bg flood$i 'while :; do socat -u -b 1400 FILE:/tmp/blob UDP-SENDTO:$host:9999 2>/dev/null; done'
		n=0; while [ \"\$(st $ifc resets_tx_timeout)\" != 1 ]; do n=\$((n + 1)); [ \$n -lt 300 ] || break; usleep 100000; done
		tb_kill flood$i; [ \$n -lt 300 ] || { echo 'no tx_timeout reset within 30 s'; exit 1; }; echo \$((n / 10))")
	rc=$?
	s=$(tail -n1 <<<"$out")
	if [ $rc = 0 ] && out=$(guest_run "wait_ping $host 10") && out=$(xfer $i "$MIB" g2h); then
		t_info "watchdog reset ~${s} s after the stall; $out; $(guest_run "dmesg | grep 'stalled:' | tail -n1 | sed 's/^.*eth/eth/'")"
		t_pass
	else
		t_fail "no watchdog reset / no traffic after: $out"
	fi
done

t_begin recovery.breaks_again_bounded
pci=$(nic_pci 1) ifc=${NIC_IF[1]}
out=$(guest_run -t 60 ". /etc/tb-recovery.sh; force $pci 'rebreak 5' && force $pci broken; n=0
	until grep -q given-up /sys/kernel/debug/macvio/$pci/force; do n=\$((n + 1)); [ \$n -lt 100 ] || exit 1; usleep 100000; done
	cat /sys/kernel/debug/macvio/$pci/force; cat /sys/class/net/$ifc/carrier
	dmesg | grep -c 'failed again after 3 resets'")
rc=$?
if [ $rc = 0 ] && [ "$(tail -n1 <<<"$out")" = 1 ] && [ "$(tail -n2 <<<"$out" | head -n1)" = 0 ] &&
	o0=$(xfer 0 "$MIB" g2h); then
	t_info "$(head -n1 <<<"$out"); carrier 0, one error line; NIC 0 still works: $o0"
	t_pass
else
	t_fail "$out ${o0:-}"
fi

t_begin recovery.unbind_no_leak
out=$(guest_run "unbind_pci $(nic_pci 0) && unbind_pci $(nic_pci 1) &&
	a=\$(cat /sys/module/macvio/parameters/dma_allocs) m=\$(cat /sys/module/macvio/parameters/dma_maps) &&
	echo dma_allocs=\$a dma_maps=\$m && [ \$a = 0 ] && [ \$m = 0 ]") && { t_info "$out"; t_pass; } || t_fail "$out"

# the forced TX stall makes the kernel's dev_watchdog report it (NETDEV
# WATCHDOG; a WARN_ONCE in some kernels, from dev_watchdog); anything else is
# a splat
t_begin recovery.dmesg_clean
out=$(guest_run "dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|kernel BUG|refcount_t:|list_(add|del) corruption' | grep -v 'dev_watchdog'; dmesg | grep -c 'NETDEV WATCHDOG'")
bad=$(sed '$d' <<<"$out")
if [ -z "$bad" ]; then t_info "NETDEV WATCHDOG warnings: $(tail -n1 <<<"$out") (the forced stalls)"; t_pass; else t_fail "$bad"; fi
vm_stop
tb_finish
