#!/bin/bash
# offloads: checksum/TSO/GRO offloads, big-packet mode, jumbo frames, IPv6 and
# fragmented UDP, end to end. One boot carries one NIC per device variant
# (slot 5 + i, each on its own tap):
#   default        every offload QEMU offers
#   csum_off       csum=off        (no TX checksum, hence no TSO)
#   guest_csum_off guest_csum=off  (no RX checksum, hence no guest TSO)
#   host_tso4_off  host_tso4=off   (TSO6 only)
#   guest_tso4_off guest_tso4=off  (guest TSO6 only)
#   mrg_off        mrg_rxbuf=off   (big-packet mode: the module must say "rx big")
#   noctrl_offl    ctrl_guest_offloads=off (rx-gro-hw fixed, cannot be turned off)
#   mtu9000        host_mtu=9000   (MTU 9000 on guest and tap)
#   small          mrg_rxbuf=off, no guest TSO (small mode: one buffer per frame)
#   small_jumbo    the same with host_mtu=9000 and MTU 9000 (the core picks big
#                  mode: page chains, not one 9 KiB buffer per entry)
#   packed_*       packed=on (RING_PACKED must be negotiated) with every
#                  offload (packed_default), with none (packed_nocsum:
#                  csum=off, guest_csum=off), and in small mode (packed_small)
# For each: `ethtool -k` must show exactly what was negotiated (the feature
# list of the module's probe line), XFER_MIB (16) MiB TCP each way with SHA-256,
# and the counters (ethtool -S) must show the offloads used or not used as
# negotiated and no drop/error counter may move. On NIC 0 also: IPv6 TCP both
# ways, fragmented UDP both ways (4000-byte datagrams at MTU 1500: reassembled,
# no checksum errors, loss <= UDP_FRAG_MAX_LOSS %), and rx-gro-hw off/on through
# the control queue (the device stops/starts sending GSO packets), and
# NEEDS_CSUM completed by the core (rx_csum_complete, the macOS kext's path)
# with the guest's TCP verifying every checksum.
. "$(dirname "$0")/../lib.sh"
tb_init offloads
MIB=${XFER_MIB:-16}
[ "$NIC_MODEL" = virtio-net-pci ] || { tb_log "DRIVER=$DRIVER is not virtio: no virtio offloads to test"; tb_finish; }
[ "$DRIVER" = macvio ] || tb_log "DRIVER=$DRIVER: probe-line and counter checks are macvio's, expect FAILs"

# name:device options:features that must be absent:features that must be present
CASES=(
	"default::NET_HOST_USO:NET_CSUM NET_GUEST_CSUM NET_HOST_TSO4 NET_HOST_TSO6 NET_GUEST_TSO4 NET_GUEST_TSO6 NET_MRG_RXBUF NET_CTRL_GUEST_OFFLOADS"
	"csum_off:csum=off:NET_CSUM NET_HOST_TSO4 NET_HOST_TSO6 NET_HOST_ECN:NET_GUEST_CSUM NET_GUEST_TSO4"
	"guest_csum_off:guest_csum=off:NET_GUEST_CSUM NET_GUEST_TSO4 NET_GUEST_TSO6 NET_GUEST_ECN:NET_CSUM NET_HOST_TSO4"
	"host_tso4_off:host_tso4=off:NET_HOST_TSO4:NET_CSUM NET_HOST_TSO6"
	"guest_tso4_off:guest_tso4=off:NET_GUEST_TSO4:NET_GUEST_CSUM NET_GUEST_TSO6"
	"mrg_off:mrg_rxbuf=off:NET_MRG_RXBUF:NET_GUEST_TSO4"
	"noctrl_offl:ctrl_guest_offloads=off:NET_CTRL_GUEST_OFFLOADS:NET_GUEST_TSO4"
	"mtu9000:host_mtu=9000::NET_MTU NET_MRG_RXBUF"
	"small:mrg_rxbuf=off,guest_tso4=off,guest_tso6=off:NET_MRG_RXBUF NET_GUEST_TSO4 NET_GUEST_TSO6:NET_GUEST_CSUM NET_HOST_TSO4"
	"small_jumbo:mrg_rxbuf=off,guest_tso4=off,guest_tso6=off,host_mtu=9000:NET_MRG_RXBUF NET_GUEST_TSO4 NET_GUEST_TSO6:NET_MTU"
	"packed_default:packed=on:NET_HOST_USO:NET_CSUM NET_GUEST_CSUM NET_HOST_TSO4 NET_GUEST_TSO4 NET_MRG_RXBUF RING_PACKED"
	"packed_nocsum:packed=on,csum=off,guest_csum=off:NET_CSUM NET_GUEST_CSUM NET_HOST_TSO4 NET_GUEST_TSO4:NET_MRG_RXBUF RING_PACKED"
	"packed_small:packed=on,mrg_rxbuf=off,guest_tso4=off,guest_tso6=off:NET_MRG_RXBUF NET_GUEST_TSO4 NET_GUEST_TSO6:NET_GUEST_CSUM NET_HOST_TSO4 RING_PACKED"
)
jumbo() { [ "$1" = mtu9000 ] || [ "$1" = small_jumbo ]; }

# Guest helpers, shipped as /etc/tb-offloads.sh.
cat >"$RUN_DIR/tb-offloads.sh" <<'EOF'
# probe_line ADDR: the module's last "virtio-net ... features ..." line for ADDR
probe_line() { dmesg | grep "macvio $1" | grep ' virtio-net .* features ' | tail -n 1; }

# offl_check ADDR IF ABSENT PRESENT [MODE]: negotiated features as expected,
# and ethtool -k shows exactly what they allow.
offl_check() {
	local line feats k bad=0 f exp got csum tso4 tso6 gtso
	line=$(probe_line "$1")
	[ -n "$line" ] || { echo "no probe line for $1"; return 1; }
	feats=" $(echo "$line" | sed 's/.* features \(.*\), mac .*/\1/') "
	echo "negotiated:$feats"
	for f in $3; do case "$feats" in *" $f "*) echo "$f negotiated, should not be"; bad=1 ;; esac; done
	for f in $4; do case "$feats" in *" $f "*) ;; *) echo "$f not negotiated"; bad=1 ;; esac; done
	if [ -n "$5" ]; then
		case "$line" in *", rx $5,"*) ;; *) echo "rx mode is not '$5': $line"; bad=1 ;; esac
	fi
	fhas() { case "$feats" in *" $1 "*) return 0 ;; esac; return 1; }
	onoff() { if "$@"; then echo on; else echo off; fi; }
	k=$(ethtool -k "$2") || { echo "ethtool -k failed"; return 1; }
	kget() { echo "$k" | awk -v n="$1" '{ sub(/^[ \t]+/, "") } $1 == n ":" { print $2; exit }'; }
	csum() { fhas NET_CSUM; }
	tso4() { fhas NET_CSUM && fhas NET_HOST_TSO4; }
	tso6() { fhas NET_CSUM && fhas NET_HOST_TSO6; }
	gtso() { fhas NET_GUEST_CSUM && { fhas NET_GUEST_TSO4 || fhas NET_GUEST_TSO6; }; }
	ecn() { { tso4 || tso6; } && fhas NET_HOST_ECN; }
	for f in "tx-checksum-ip-generic $(onoff csum)" "scatter-gather $(onoff csum)" \
		"tx-tcp-segmentation $(onoff tso4)" "tx-tcp6-segmentation $(onoff tso6)" \
		"tx-tcp-ecn-segmentation $(onoff ecn)" "rx-checksumming $(onoff fhas NET_GUEST_CSUM)" \
		"rx-gro-hw $(onoff gtso)" "large-receive-offload off" \
		"tx-udp-segmentation off" "rx-vlan-filter $(onoff fhas NET_CTRL_VLAN)"; do
		set -- $f
		got=$(kget "$1")
		[ "$got" = "$2" ] || { echo "ethtool -k: $1 is '$got', negotiation says '$2'"; bad=1; }
	done
	# GRO_HW can be switched only through CTRL_GUEST_OFFLOADS
	if gtso; then
		case "$(echo "$k" | grep 'rx-gro-hw:')" in
		*fixed*) fhas NET_CTRL_GUEST_OFFLOADS && { echo "rx-gro-hw fixed despite CTRL_GUEST_OFFLOADS"; bad=1; } ;;
		*) fhas NET_CTRL_GUEST_OFFLOADS || { echo "rx-gro-hw changeable without CTRL_GUEST_OFFLOADS"; bad=1; } ;;
		esac
	fi
	echo "ethtool -k:$(echo "$k" | grep -E '^[[:space:]]*(tx-checksum-ip-generic|scatter-gather|tx-tcp-segmentation|tx-tcp6-segmentation|tx-tcp-ecn-segmentation|rx-checksumming|rx-gro-hw|large-receive-offload):' |
		sed 's/^[[:space:]]*/ /; s/-segmentation:/:/; s/tx-checksum-ip-generic/tx-csum/' | tr -d '\n')"
	return $bad
}

# st IF NAME: one ethtool -S counter
st() { ethtool -S "$1" | awk -v n="$2" '{ sub(/^[ \t]+/, "") } $1 == n ":" { print $2; exit }'; }
# stats IF: the counters the checks use, as NAME=VALUE
stats() {
	ethtool -S "$1" | awk '{ sub(/^[ \t]+/, ""); sub(/:$/, "", $1) }
		$1 ~ /^(rx0|tx0)_(packets|csum|csum_valid|csum_partial|gso|merged|err_.*|drops|alloc_fail|map_fail|hdr_drop|build_fail|dropped)$/ { printf "%s=%s ", $1, $2 }'
	echo
}
EOF

# snmp: IP/UDP fragment and error counters of the calling side, NAME=VALUE
SNMP_AWK='$1 == "Ip:" || $1 == "Udp:" { if (!(($1) in hdr)) { for (i = 2; i <= NF; i++) h[$1, i] = $i; hdr[$1] = 1 }
	else for (i = 2; i <= NF; i++) v[$1 h[$1, i]] = $i }
	END { printf "ReasmOKs=%d ReasmFails=%d FragCreates=%d FragFails=%d InCsumErrors=%d InErrors=%d\n",
		v["Ip:ReasmOKs"], v["Ip:ReasmFails"], v["Ip:FragCreates"], v["Ip:FragFails"], v["Udp:InCsumErrors"], v["Udp:InErrors"] }'
snmp_guest() { guest_run "awk '$SNMP_AWK' /proc/net/snmp"; }
snmp_host() { host_ns awk "$SNMP_AWK" /proc/net/snmp; }
# kv "A=1 B=2" B -> 2
kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# iputils ping (for -M do) and its libraries, next to busybox's
EXTRA_FILES+=("$RUN_DIR/tb-offloads.sh:etc/tb-offloads.sh" "$(command -v ping):bin/iping")
for lib in $(ldd "$(command -v ping)" | grep -o '/[^ ]*' | grep -v -e libc.so -e ld-linux); do
	EXTRA_FILES+=("$lib:${lib#/}")
done
G=". /etc/tb-offloads.sh;"

# counters_check CASE BEFORE AFTER: the offload counters moved as negotiated,
# no error counter moved.
counters_check() {
	local c=$1 b=$2 a=$3 n d bad='' f
	delta() { echo $(($(kv "$a" "$1") - $(kv "$b" "$1"))); }
	for n in $(tr ' ' '\n' <<<"$a" | sed -n 's/^\(\(rx0\|tx0\)_\(err_[a-z_]*\|drops\|alloc_fail\|map_fail\|hdr_drop\|build_fail\|dropped\)\)=.*/\1/p'); do
		d=$(delta "$n"); [ "$d" = 0 ] || bad+=" $n+$d"
	done
	# what must (1) or must not (0) have been used
	case ${c#packed_} in
	default | mtu9000 | noctrl_offl) f="tx0_gso:1 tx0_csum:1 rx0_gso:1" ;;
	nocsum) f="tx0_gso:0 tx0_csum:0 rx0_gso:0 rx0_csum_partial:0 rx0_csum_valid:0" ;;
	csum_off) f="tx0_gso:0 tx0_csum:0 rx0_gso:1" ;;
	guest_csum_off) f="tx0_gso:1 rx0_gso:0 rx0_csum_partial:0 rx0_csum_valid:0" ;;
	host_tso4_off) f="tx0_gso:0 tx0_csum:1 rx0_gso:1" ;;
	guest_tso4_off) f="tx0_gso:1 rx0_gso:0" ;;
	small | small_jumbo) f="tx0_gso:1 rx0_gso:0 rx0_merged:0" ;;
	mrg_off) f="tx0_gso:1 rx0_gso:1 rx0_merged:0" ;;
	esac
	for n in $f; do
		d=$(delta "${n%:*}")
		if [ "${n#*:}" = 1 ]; then [ "$d" -gt 0 ] || bad+=" ${n%:*} did not move"
		else [ "$d" = 0 ] || bad+=" ${n%:*}+$d (should not be used)"; fi
	done
	[ -z "$bad" ] || { echo "counters:$bad"; return 1; }
	echo "counters ok ($f)"
}

i=0 names=() absent=() present=()
for c in "${CASES[@]}"; do
	IFS=: read -r name opts no yes <<<"$c"
	tb_nic tap $i "$opts"
	names[i]=$name absent[i]=$no present[i]=$yes
	jumbo "$name" && host_ns ip link set "$(nic_tap $i)" mtu 9000
	i=$((i + 1))
done
T_BOOT=$SECONDS
vm_start "${MACHINE:-pc}"
vm_wait_boot || tb_finish

for i in "${!names[@]}"; do
	c=${names[i]} mode=mergeable
	[ "$c" = mrg_off ] && mode=big
	[ "${c#small}" = "$c" ] && [ "${c#packed_small}" = "$c" ] || mode=small
	# above a 1500 MTU without mergeable buffers the core picks big-packet
	# chains, as Linux does, never one 9 KiB buffer per ring entry
	[ "$c" = small_jumbo ] && mode=big
	t_begin "offloads.$c.features"
	if ! tb_bind $i; then t_fail "bind: $TB_ERR"; continue; fi
	ifc=${NIC_IF[i]}
	if jumbo "$c"; then
		guest_run "ip link set $ifc mtu 9000" >/dev/null
	fi
	if out=$(guest_run "$G offl_check $(nic_pci $i) $ifc '${absent[i]}' '${present[i]}' $mode"); then
		t_info "$(grep '^ethtool -k:' <<<"$out")"
		t_pass
	else
		t_fail "$(grep -v -e '^negotiated:' -e '^ethtool -k:' <<<"$out" | tr '\n' ';') $(grep '^negotiated:' <<<"$out")"
	fi

	if jumbo "$c"; then
		t_begin "offloads.$c.ping_8000_df"
		if out=$(guest_run -t 40 "wait_ping $(host_ip $i) 20 && iping -M do -s 8000 -c 3 -i 0.2 -W 2 -q $(host_ip $i)" &&
			host_ns ping -M do -s 8000 -c 3 -i 0.2 -W 2 -q "$(guest_ip $i)"); then
			t_info "$(grep -h 'packets transmitted' <<<"$out" | tr '\n' ';')"; t_pass
		else
			t_fail "$out"
		fi
	fi

	t_begin "offloads.$c.tcp"
	before=$(guest_run "$G stats $ifc")
	if out=$(ping_both $i && xfer $i "$MIB" g2h && xfer $i "$MIB" h2g) &&
		after=$(guest_run "$G stats $ifc") && cout=$(counters_check "$c" "$before" "$after"); then
		t_info "$(grep -o '^[gh]2[gh] .*' <<<"$out" | tr '\n' ';') $cout"
		t_pass
	else
		t_fail "$out ${cout:-}"
	fi
	cout=''
done

# ---- NIC 0 (default device): IPv6, fragmented UDP, GRO_HW through the control queue
if [ "${names[0]}" = default ] && [ -n "${NIC_IF[0]:-}" ]; then
	ifc=${NIC_IF[0]}
	t_begin offloads.ipv6.tcp
	h6=fd77:1::1 g6=fd77:1::2
	host_ns sh -c "echo 0 >/proc/sys/net/ipv6/conf/$(nic_tap 0)/accept_dad; ip -6 addr add $h6/64 dev $(nic_tap 0)"
	if out=$(guest_run "echo 0 >/proc/sys/net/ipv6/conf/$ifc/accept_dad; ip -6 addr add $g6/64 dev $ifc &&
		n=0; until ping -6 -c 1 -W 1 $h6 >/dev/null 2>&1; do n=\$((n+1)); [ \$n -lt 20 ] || exit 1; done") &&
		before=$(guest_run "$G stats $ifc") &&
		out=$(XFER_TCP=TCP6 XFER_HIP="[$h6]" XFER_GIP="[$g6]" xfer 0 "$MIB" g2h &&
			XFER_TCP=TCP6 XFER_HIP="[$h6]" XFER_GIP="[$g6]" xfer 0 "$MIB" h2g) &&
		after=$(guest_run "$G stats $ifc") && cout=$(counters_check default "$before" "$after"); then
		t_info "$(tr '\n' ';' <<<"$out") $cout (TSO6/GUEST_TSO6)"
		t_pass
	else
		t_fail "$out ${cout:-}"
	fi

	for dir in g2h h2g; do
		t_begin "offloads.udp_frag_$dir"
		gb=$(snmp_guest) hb=$(snmp_host)
		if out=$(UDP_LEN=4000 UDP_MAX_LOSS=${UDP_FRAG_MAX_LOSS:-5} udp 0 $dir "${UDP_FRAG_RATE:-8M}" 3); then
			ga=$(snmp_guest) ha=$(snmp_host)
			if [ $dir = g2h ]; then sb=$gb sa=$ga rb=$hb ra=$ha; else sb=$hb sa=$ha rb=$gb ra=$ga; fi
			frags=$(($(kv "$sa" FragCreates) - $(kv "$sb" FragCreates)))
			reasm=$(($(kv "$ra" ReasmOKs) - $(kv "$rb" ReasmOKs)))
			rfail=$(($(kv "$ra" ReasmFails) - $(kv "$rb" ReasmFails)))
			csumerr=$(($(kv "$ra" InCsumErrors) - $(kv "$rb" InCsumErrors)))
			info="$out; sender FragCreates +$frags, receiver ReasmOKs +$reasm ReasmFails +$rfail Udp InCsumErrors +$csumerr"
			if [ $frags -gt 0 ] && [ $reasm -gt 0 ] && [ $csumerr = 0 ] && [ $rfail -le $((reasm / 20)) ]; then
				t_info "$info"; t_pass
			else
				t_fail "$info"
			fi
		else
			t_fail "$out"
		fi
	done

	# GRO_HW (GUEST_TSO4/6) off through CTRL_GUEST_OFFLOADS: the device must
	# stop sending GSO packets (rx0_gso stays), on again: it starts again.
	t_begin offloads.gro_hw_ctrl
	if out=$(guest_run "ethtool -K $ifc lro off && ethtool -K $ifc rx-gro-hw off && ethtool -k $ifc | grep -E 'rx-gro-hw|large-receive'") &&
		grep -q 'rx-gro-hw: off' <<<"$out" &&
		g0=$(guest_run "$G st $ifc rx0_gso") && x1=$(xfer 0 "$MIB" h2g) && g1=$(guest_run "$G st $ifc rx0_gso") &&
		[ "$g1" = "$g0" ] &&
		out2=$(guest_run "ethtool -K $ifc rx-gro-hw on && ethtool -k $ifc | grep rx-gro-hw") &&
		grep -q 'rx-gro-hw: on' <<<"$out2" &&
		x2=$(xfer 0 "$MIB" h2g) && g2=$(guest_run "$G st $ifc rx0_gso") && [ "$g2" -gt "$g1" ]; then
		t_info "off: $x1, rx0_gso +$((g1 - g0)); on: $x2, rx0_gso +$((g2 - g1))"
		t_pass
	else
		t_fail "$(tr '\n' ' ' <<<"$out ${out2:-}") ${x1:-} ${x2:-} rx0_gso ${g0:-?} -> ${g1:-?} -> ${g2:-?}"
	fi
	# RX checksum off: GUEST_CSUM (and with it every guest GSO) off in the
	# device: no NEEDS_CSUM and no GSO packets; on again: both come back
	t_begin offloads.rxcsum_ctrl
	out='' out2='' x1='' x2=''
	if out=$(guest_run "ethtool -K $ifc rx off && ethtool -k $ifc | grep -E '^(rx-checksumming|rx-gro-hw):'") &&
		grep -q 'rx-checksumming: off' <<<"$out" && grep -q 'rx-gro-hw: off' <<<"$out" &&
		s0=$(guest_run "$G stats $ifc") && x1=$(xfer 0 "$MIB" h2g) && s1=$(guest_run "$G stats $ifc") &&
		[ "$(kv "$s1" rx0_gso)" = "$(kv "$s0" rx0_gso)" ] &&
		[ "$(kv "$s1" rx0_csum_partial)" = "$(kv "$s0" rx0_csum_partial)" ] &&
		out2=$(guest_run "ethtool -K $ifc rx on rx-gro-hw on && ethtool -k $ifc | grep -E '^(rx-checksumming|rx-gro-hw):'") &&
		grep -q 'rx-checksumming: on' <<<"$out2" && grep -q 'rx-gro-hw: on' <<<"$out2" &&
		x2=$(xfer 0 "$MIB" h2g) && s2=$(guest_run "$G stats $ifc") &&
		[ "$(kv "$s2" rx0_gso)" -gt "$(kv "$s1" rx0_gso)" ] &&
		[ "$(kv "$s2" rx0_csum_partial)" -gt "$(kv "$s1" rx0_csum_partial)" ]; then
		t_info "off: $x1, rx0_gso +$(($(kv "$s1" rx0_gso) - $(kv "$s0" rx0_gso))) rx0_csum_partial +$(($(kv "$s1" rx0_csum_partial) - $(kv "$s0" rx0_csum_partial))); on: $x2, rx0_gso +$(($(kv "$s2" rx0_gso) - $(kv "$s1" rx0_gso))) rx0_csum_partial +$(($(kv "$s2" rx0_csum_partial) - $(kv "$s1" rx0_csum_partial)))"
		t_pass
	else
		t_fail "$(tr '\n' ' ' <<<"$out ${out2:-}") ${x1:-} ${x2:-} before: ${s0:-} after off: ${s1:-} after on: ${s2:-}"
	fi
	# NEEDS_CSUM completed in the core (what the macOS kext does, whose stack
	# cannot carry a partial checksum): rx-gro-hw off so every data packet
	# arrives non-GSO with NEEDS_CSUM, the module's rx_csum_complete=1
	# finishes each checksum and hands the packet up unverified, so the
	# kernel's TCP checks every one: SHA-256 over IPv4 and IPv6, and Tcp
	# InCsumErrors must not move.
	t_begin offloads.rx_csum_complete
	out='' x1='' x2=''
	TCP_AWK='$1 == "Tcp:" { n++; if (n == 1) for (i = 2; i <= NF; i++) h[i] = $i; else for (i = 2; i <= NF; i++) if (h[i] == "InCsumErrors") print $i }'
	P=/sys/module/macvio/parameters/rx_csum_complete
	if out=$(guest_run "ethtool -K $ifc rx-gro-hw off && echo 1 >$P && cat $P") && [ "$out" = Y ] &&
		s0=$(guest_run "$G st $ifc rx0_csum_completed") && e0=$(guest_run "awk '$TCP_AWK' /proc/net/snmp") &&
		x1=$(xfer 0 "$MIB" h2g) &&
		x2=$(XFER_TCP=TCP6 XFER_HIP="[$h6]" XFER_GIP="[$g6]" xfer 0 "$MIB" h2g) &&
		s1=$(guest_run "$G st $ifc rx0_csum_completed") && e1=$(guest_run "awk '$TCP_AWK' /proc/net/snmp") &&
		[ "$e1" = "$e0" ] && [ $((s1 - s0)) -gt $((MIB * 1024 * 2 / 1500)) ]; then
		t_info "v4: $x1; v6: $x2; rx0_csum_completed +$((s1 - s0)), Tcp InCsumErrors +$((e1 - e0))"
		t_pass
	else
		t_fail "$out ${x1:-} ${x2:-} rx0_csum_completed ${s0:-?} -> ${s1:-?}, InCsumErrors ${e0:-?} -> ${e1:-?}"
	fi
	guest_run "echo 0 >$P; ethtool -K $ifc rx-gro-hw on" >/dev/null
	# without CTRL_GUEST_OFFLOADS the request must be refused, not half-done
	for i in "${!names[@]}"; do
		[ "${names[i]}" = noctrl_offl ] && [ -n "${NIC_IF[i]:-}" ] || continue
		t_begin offloads.noctrl_offl.gro_hw_fixed
		if out=$(guest_run "ethtool -K ${NIC_IF[i]} rx-gro-hw off; ethtool -k ${NIC_IF[i]} | grep rx-gro-hw") &&
			grep -q 'rx-gro-hw: on \[fixed\]' <<<"$out"; then
			t_pass
		else
			t_fail "$(tr '\n' ' ' <<<"$out")"
		fi
	done
fi
t_guest offloads.dmesg_clean dmesg_bad
vm_stop
tb_log "offloads took $((SECONDS - T_BOOT)) s from boot"
tb_finish
