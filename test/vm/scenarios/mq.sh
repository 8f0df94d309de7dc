#!/bin/bash
# mq: multiqueue (VIRTIO_NET_F_MQ) on multi-queue taps, one boot, NICs of
# N=2 and N=4 queue pairs on a 2-vCPU guest. Per NIC:
#  - channels: `ethtool -l` says max N, and min(N, CPUs) enabled at probe;
#  - flows: MQ_FLOWS (8) parallel TCP flows each way, SHA-256 each, with N
#    pairs enabled; `ethtool -S` per-queue packet counters show the flows
#    spread over at least two queues each way;
#  - set_channels: `ethtool -L combined` 1, N, 2 while 64 MiB move each way
#    (SHA-256 checked after), and `ethtool -l` follows every change.
# A third NIC with rss=on,hash=on (N=2): RSS and HASH_REPORT negotiated,
# `ethtool -x` shows the table and key; host->guest flows land on the
# queue the table names (`ethtool -X weight 1 0` all on RX queue 0,
# `weight 0 1` on queue 1; 4 flows SHA-256 each time; MQ_RSS_STEER=0 skips
# this). QEMU 7.2's software RSS used to stall a flow for good here: a
# packet from tap queue 1 steered to a full RX queue 0 waits in queue 1's
# backlog, which only a kick of RX queue 1 flushes (virtio_net_handle_rx);
# the driver now notifies the other RX queues when one ran dry
# (vio_net_rx_kick, counted in rx<i>_kicks_peer).
# Ring sizes (ethtool -G, VIRTIO_F_RING_RESET): on the N=2 NIC rx/tx
# 64/128, 256/64, 256/256 while 256 MiB move host->guest (SHA-256; both
# queues of each pair are reset), `ethtool -g` following each change, no
# device reset (queue by queue); on the fourth NIC (queue_reset=off) the
# same host->guest through one device reset each; tx 16 is refused. (With
# 128 MiB a loaded host finished the transfer before the last change.)
# Receive hashes, on that NIC and on a fourth with hash=on alone (one pair,
# HASH_CONFIG instead of RSS_CONFIG): for 4 UDP flows, skb->hash in the
# guest (read by test/vm/rxhash.c's BPF filter) equals the Toeplitz hash
# of the key `ethtool -x` shows (test/vm/rsshash.py); with `ethtool -K
# rxhash off` no packet carries it; on the fourth NIC a key set with
# `ethtool -X hkey` reaches the device (the hashes follow the new key).
. "$(dirname "$0")/../lib.sh"
tb_init mq
MIB=${XFER_MIB:-4} # per flow: 8 flows x 4 MiB spread over the queues in every run
FLOWS=${MQ_FLOWS:-8}
[ "$NIC_MODEL" = virtio-net-pci ] || { tb_log "DRIVER=$DRIVER is not virtio: no multiqueue"; tb_finish; }
# per-queue counters and the probe line are macvio's names
[ "$DRIVER" = macvio ] || { tb_log "DRIVER=$DRIVER: the checks read macvio's counters"; tb_finish; }

QN=(2 4)
for i in "${!QN[@]}"; do tb_nic tap "$i" "" "" "${QN[i]}"; done
RSS=${#QN[@]} HASH=$((${#QN[@]} + 1))
tb_nic tap "$RSS" rss=on,hash=on "" 2
tb_nic tap "$HASH" hash=on,queue_reset=off
gcc -O2 -static -Wall -Wextra -Werror -o "$RUN_DIR/rxhash" "$TB_DIR/rxhash.c" || tb_die "building rxhash failed"
EXTRA_FILES+=("$RUN_DIR/rxhash:bin/rxhash")
vm_start "${MACHINE:-pc}"
vm_wait_boot || tb_finish

# channels I: "max current" combined of NIC I
channels() {
	guest_run "ethtool -l ${NIC_IF[$1]}" | awk '/^Combined:/ { v[n++] = $2 } END { print v[0], v[1] }'
}

# qcounts I DIR(rx|tx): "q0 q1 ..." packets per queue from ethtool -S
qcounts() {
	guest_run "ethtool -S ${NIC_IF[$1]}" |
		awk -v d="$2" '$1 ~ "^" d "[0-9]+_packets:$" { q = substr($1, 3); sub(/_.*/, "", q); c[q] = $2; if (q + 1 > n) n = q + 1 }
			END { for (k = 0; k < n; k++) printf "%d ", c[k] }'
}

# resets I: recoveries so far (every resets_<cause> counter), to prove a
# channel change did not go through the watchdog or a reset
resets() {
	guest_run "ethtool -S ${NIC_IF[$1]}" | awk '$1 ~ /^resets_/ { s += $2 } END { print s + 0 }'
}

# used BEFORE AFTER: how many queues moved more than 100 packets
used() {
	local -a b=($1) a=($2)
	local k n=0
	for k in "${!a[@]}"; do [ $((a[k] - ${b[k]:-0})) -gt 100 ] && n=$((n + 1)); done
	echo $n
}

# par I MiB DIR FLOWS: FLOWS TCP transfers at once on NIC I (ports 5300+f),
# each SHA-256 compared at both ends.
par() {
	local i=$1 mib=$2 dir=$3 nf=$4 f hip gip out gs hs
	hip=$(host_ip "$i") gip=$(guest_ip "$i")
	if [ "$dir" = g2h ]; then
		guest_run -t 120 "for f in \$(seq $nf); do dd if=/dev/urandom of=/tmp/p\$f.bin bs=1M count=$mib 2>/dev/null; done" >/dev/null ||
			{ echo "guest data failed"; return 1; }
		for f in $(seq "$nf"); do
			host_bg "prx$f" socat -b 262144 -u "TCP-LISTEN:$((5300 + f)),reuseaddr,bind=$hip" "OPEN:$RUN_DIR/p$f.bin,creat,trunc"
		done
		out=$(guest_run -t 180 "for f in \$(seq $nf); do tb_bg ptx\$f socat -b 262144 -u FILE:/tmp/p\$f.bin TCP:$hip:\$((5300 + f)),retry=50,interval=0.2; done
			for f in \$(seq $nf); do tb_wait ptx\$f 150 || { cat /tmp/bg.ptx\$f.log; exit 1; }; done") ||
			{ echo "guest send failed: $out"; return 1; }
		for f in $(seq "$nf"); do
			host_wait "prx$f" 60 || { echo "host receiver $f failed"; return 1; }
			gs=$(guest_run "sha256sum /tmp/p$f.bin" | cut -d' ' -f1)
			hs=$(sha256sum "$RUN_DIR/p$f.bin" | cut -d' ' -f1)
			[ -n "$gs" ] && [ "$gs" = "$hs" ] || { echo "flow $f: SHA-256 mismatch: guest $gs host $hs"; return 1; }
		done
		guest_run "rm -f /tmp/p*.bin" >/dev/null; rm -f "$RUN_DIR"/p*.bin
	else
		for f in $(seq "$nf"); do head -c $((mib << 20)) /dev/urandom >"$RUN_DIR/h$f.bin"; done
		guest_run "for f in \$(seq $nf); do tb_bg prx\$f socat -b 262144 -u TCP-LISTEN:\$((5300 + f)),reuseaddr OPEN:/tmp/h\$f.bin,creat,trunc; done" >/dev/null
		local pids=()
		for f in $(seq "$nf"); do
			host_ns timeout 150 socat -b 262144 -u "FILE:$RUN_DIR/h$f.bin" "TCP:$gip:$((5300 + f)),retry=50,interval=0.2" 2>"$RUN_DIR/htx$f.log" &
			pids+=($!)
		done
		for f in "${!pids[@]}"; do wait "${pids[f]}" || { echo "host send $((f + 1)) failed"; return 1; }; done
		out=$(guest_run -t 180 "for f in \$(seq $nf); do tb_wait prx\$f 150 || { cat /tmp/bg.prx\$f.log; exit 1; }; done") ||
			{ echo "guest receive failed: $out"; return 1; }
		for f in $(seq "$nf"); do
			gs=$(guest_run "sha256sum /tmp/h$f.bin" | cut -d' ' -f1)
			hs=$(sha256sum "$RUN_DIR/h$f.bin" | cut -d' ' -f1)
			[ -n "$gs" ] && [ "$gs" = "$hs" ] || { echo "flow $f: SHA-256 mismatch: guest $gs host $hs"; return 1; }
		done
		guest_run "rm -f /tmp/h*.bin" >/dev/null; rm -f "$RUN_DIR"/h*.bin
	fi
	echo "$nf x $mib MiB $dir, SHA-256 ok"
}

# ring_test NAME I DIR RESETS MIB: ethtool -G rx/tx 64/128, 256/64, 256/256
# while MIB MiB move in DIR (SHA-256 checked), `ethtool -g` following every
# change and traffic still moving around it (+); RESETS device resets it
# takes (0 with RING_RESET: queue by queue; one per change without: the
# recovery path)
ring_test() {
	local name=$1 i=$2 dir=$3 want=$4 mib=$5 ifc=${NIC_IF[$2]} r0 out seen
	guest_run "cat >/tmp/ring$i.sh <<'EOS'
bytes() { cat /sys/class/net/$ifc/statistics/rx_bytes /sys/class/net/$ifc/statistics/tx_bytes | awk '{ s += \$1 } END { print s }'; }
n=0 p=\$(bytes)
while [ \$n -lt 300 ]; do
	usleep 100000
	c=\$(bytes)
	[ \$((c - p)) -gt 1000000 ] && break
	p=\$c n=\$((n + 1))
done
for s in \"\$@\"; do
	b=\$(bytes)
	ethtool -G $ifc rx \${s%:*} tx \${s#*:} >/dev/null 2>&1 || echo \"failed:\$s\"
	usleep 200000
	m=-; [ \$((\$(bytes) - b)) -gt 100000 ] && m=+
	echo \"\$s=\$(ethtool -g $ifc | awk '/^Current/ { c = 1 } c && /^RX:/ { r = \$2 } c && /^TX:/ { t = \$2 } END { print r \":\" t }')\$m\"
done
EOS" >/dev/null
	t_begin "$name"
	r0=$(resets "$i")
	guest_run "tb_bg ring$i sh /tmp/ring$i.sh 64:128 256:64 256:256" >/dev/null
	if ! out=$(xfer "$i" "$mib" "$dir"); then
		t_fail "transfer while resizing rings: $out"
	elif ! seen=$(guest_run "tb_wait ring$i 60 && cat /tmp/bg.ring$i.log" | tr '\n' ' '); then
		t_fail "ring changes did not finish: $seen"
	elif [ "$seen" != "64:128=64:128+ 256:64=256:64+ 256:256=256:256+ " ]; then
		t_fail "ethtool -g after each -G (asked=current, + while traffic moved): $seen"
	elif [ $(($(resets "$i") - r0)) != "$want" ]; then
		t_fail "device resets for 3 ring changes: $(($(resets "$i") - r0)), want $want"
	else
		t_info "$out; rings asked=current $seen; device resets $want"
		t_pass
	fi
}
for i in "${!QN[@]}"; do
	n=${QN[i]} name=mq.n${QN[i]} ifc=
	t_bind "$name.bind" "$i" || continue
	ifc=${NIC_IF[$i]}
	cpus=$(guest_run "grep -c ^processor /proc/cpuinfo")
	want=$((n < cpus ? n : cpus))
	t_begin "$name.channels"
	c=$(channels "$i")
	[ "$c" = "$n $want" ] && { t_info "ethtool -l: max $n, enabled $want on $cpus CPUs"; t_pass; } ||
		t_fail "ethtool -l combined (max current): want '$n $want', got '$c'"
	t_begin "$name.ping"
	out=$(ping_both "$i") && t_pass || t_fail "$out"

	for dir in g2h h2g; do
		t_begin "$name.flows_$dir"
		guest_run "ethtool -L $ifc combined $n" >/dev/null
		k=$([ $dir = g2h ] && echo tx || echo rx)
		b=$(qcounts "$i" $k)
		if out=$(par "$i" "$MIB" $dir "$FLOWS"); then
			a=$(qcounts "$i" $k)
			u=$(used "$b" "$a")
			if [ "$u" -ge 2 ]; then
				t_info "$out; $k packets per queue before: $b after: $a ($u queues used of $n)"
				t_pass
			else
				t_fail "$out, but the flows used $u queue(s): $k before: $b after: $a"
			fi
		else
			t_fail "$out"
		fi
	done

	# the guest changes channels itself (one command channel: no guest_run
	# while xfer runs), logging "asked:enabled" after each change
	guest_run "cat >/tmp/chg.sh <<'EOS'
bytes() { cat /sys/class/net/$ifc/statistics/rx_bytes /sys/class/net/$ifc/statistics/tx_bytes | awk '{ s += \$1 } END { print s }'; }
n=0 p=\$(bytes)
while [ \$n -lt 300 ]; do # until the transfer moves > 1 MB per 0.1 s
	usleep 100000
	c=\$(bytes)
	[ \$((c - p)) -gt 1000000 ] && break
	p=\$c n=\$((n + 1))
done
for k in \"\$@\"; do
	ethtool -L $ifc combined \$k >/dev/null 2>&1
	echo \"\$k:\$(ethtool -l $ifc | awk '/^Combined:/ { v = \$2 } END { print v }')\"
	usleep 200000
done
EOS" >/dev/null
	for dir in g2h h2g; do
		t_begin "$name.set_channels_$dir"
		r0=$(resets "$i")
		guest_run "ethtool -L $ifc combined $want; tb_bg chg sh /tmp/chg.sh 1 $n 2" >/dev/null
		if ! out=$(xfer "$i" 64 $dir); then
			t_fail "transfer while changing channels: $out"
		elif ! seen=$(guest_run "tb_wait chg 30 && cat /tmp/bg.chg.log" | tr '\n' ' '); then
			t_fail "channel changes did not finish: $seen"
		elif [ "$seen" != "1:1 $n:$n 2:2 " ]; then
			t_fail "ethtool -l after each -L (asked:enabled): $seen"
		elif [ "$(resets "$i")" != "$r0" ]; then
			t_fail "the channel changes cost a device reset: resets $r0 -> $(resets "$i")"
		else
			t_info "$out; channels asked:enabled $seen"
			t_pass
		fi
	done
	guest_run "ethtool -L $ifc combined $want" >/dev/null
	if [ "$i" = 0 ]; then # RING_RESET: queue by queue, no device reset
		ring_test "$name.ring_reset_h2g" "$i" h2g 0 256
		# a TX ring too small for one packet (MAX_SKB_FRAGS + 1 segments
		# direct: indirect tables shrink with the ring) is refused
		t_begin "$name.ring_refused"
		out=$(guest_run "ethtool -G $ifc tx 16 2>&1; echo rc=\$?; ethtool -g $ifc | awk '/^Current/ { c = 1 } c && /^RX:/ { r = \$2 } c && /^TX:/ { t = \$2 } END { print \"current \" r \":\" t }'")
		if grep -q "rc=0" <<<"$out" || ! grep -q "current 256:256" <<<"$out"; then
			t_fail "ethtool -G tx 16: $out"
		elif ! p=$(ping_both "$i"); then
			t_fail "after the refusal: $p"
		else
			t_info "$(tr '\n' ' ' <<<"$out")"
			t_pass
		fi
	fi
done
# RSS: packets per RX queue while 4 flows come in, after a table change
rss_run() { # prints "q0 q1" rx packet deltas, or fails
	local b a out
	b=$(qcounts "$RSS" rx)
	out=$(par "$RSS" 4 h2g 4) || { echo "$out"; return 1; }
	a=$(qcounts "$RSS" rx)
	awk -v b="$b" -v a="$a" 'BEGIN { n = split(b, x, " "); split(a, y, " "); for (k = 1; k <= n; k++) printf "%d ", y[k] - x[k] }'
}
# hash_key I: the RSS/hash key `ethtool -x` shows (aa:bb:...)
hash_key() {
	guest_run "ethtool -x ${NIC_IF[$1]}" | awk '/RSS hash key:/ { getline; print; exit }'
}
# hash_run I: 4 UDP flows x 50 datagrams host->guest (ports 6001..6004 to
# 5400); prints rxhash's "match M other O" against the flows' Toeplitz
# hashes under the current key
hash_run() {
	local i=$1 ifc=${NIC_IF[$1]} hip gip key f hs=() out
	hip=$(host_ip "$i") gip=$(guest_ip "$i")
	key=$(hash_key "$i")
	[ -n "$key" ] || { echo "no key in ethtool -x"; return 1; }
	for f in 1 2 3 4; do hs+=("$(python3 "$TB_DIR/rsshash.py" hash "$key" "$hip" "$gip" $((6000 + f)) 5400)"); done
	guest_run "tb_bg rxh rxhash $ifc 5400 200 60 ${hs[*]}
		n=0; until grep -q ready /tmp/bg.rxh.log 2>/dev/null || [ \$n -ge 100 ]; do usleep 100000; n=\$((n + 1)); done" >/dev/null
	for f in 1 2 3 4; do
		host_ns python3 "$TB_DIR/rsshash.py" send "$hip" "$gip" $((6000 + f)) 5400 50 || { echo "host send failed"; return 1; }
	done
	out=$(guest_run "tb_wait rxh 70; cat /tmp/bg.rxh.log") || true
	grep '^match' <<<"$out" || { echo "rxhash: $out"; return 1; }
}
# hash_checks NAME I: the hash reaches the stack, and not with rxhash off
hash_checks() {
	local name=$1 i=$2 ifc=${NIC_IF[$2]} r m o
	t_begin "$name.rxhash"
	if ! guest_run "dmesg | grep '$(nic_pci "$i")' | grep -q 'features.* NET_HASH_REPORT'" >/dev/null; then
		t_fail "HASH_REPORT not negotiated"
	elif ! r=$(hash_run "$i"); then
		t_fail "$r"
	else
		read -r _ m _ o <<<"$r"
		if [ "$o" = 0 ] && [ "$m" -ge 180 ]; then
			t_info "skb->hash = Toeplitz hash for 4 flows: $r; rx hashed $(guest_run "ethtool -S $ifc" | awk '/_hashed:/ { s += $2 } END { print s }')"
			t_pass
		else
			t_fail "skb->hash against the Toeplitz hashes: $r (want >= 180 matching, 0 other)"
		fi
	fi
	t_begin "$name.rxhash_off"
	guest_run "ethtool -K $ifc rxhash off" >/dev/null
	if ! r=$(hash_run "$i"); then
		t_fail "$r"
	else
		read -r _ m _ o <<<"$r"
		if [ "$m" = 0 ] && [ "$o" -ge 180 ]; then t_info "rxhash off: $r"; t_pass; else t_fail "rxhash off: $r (want 0 matching)"; fi
	fi
	guest_run "ethtool -K $ifc rxhash on" >/dev/null
}
if t_bind mq.rss.bind "$RSS"; then
	ifc=${NIC_IF[$RSS]}
	t_begin mq.rss.table
	if ! guest_run "dmesg | grep '$(nic_pci "$RSS")' | grep -q 'features.* NET_RSS'" >/dev/null; then
		t_fail "RSS not negotiated: $(guest_run "dmesg | grep '$(nic_pci "$RSS")' | grep -o 'features [A-Z_0-9 ]*'")"
	elif out=$(guest_run "ethtool -x $ifc") && grep -q "with 2 RX ring" <<<"$out" &&
		[ "$(grep -cE '^ +[0-9]+: ' <<<"$out")" -ge 16 ] && grep -qi "toeplitz: on" <<<"$out"; then
		t_info "$(grep -E 'ring|^ +0: ' <<<"$out" | tr -s ' \n' ' ')"
		t_pass
	else
		t_fail "ethtool -x: $out"
	fi
	[ "${MQ_RSS_STEER:-1}" = 0 ] && t_info "MQ_RSS_STEER=0: steering not checked"
	for w in $([ "${MQ_RSS_STEER:-1}" = 0 ] || echo "1_0 0_1"); do
		w=${w/_/ }
		t_begin "mq.rss.weight_${w// /_}"
		if ! out=$(guest_run "ethtool -X $ifc weight $w 2>&1"); then
			t_fail "ethtool -X weight $w: $out"
		elif ! r=$(rss_run); then
			t_fail "flows: $r"
		else
			read -r q0 q1 <<<"$r"
			if [ "$w" = "1 0" ]; then hit=$q0 miss=$q1; else hit=$q1 miss=$q0; fi
			if [ "$hit" -ge 100 ] && [ "$miss" -le $((hit / 20)) ]; then
				t_info "table weight $w: rx packets per queue $r"
				t_pass
			else
				t_fail "table weight $w: rx packets per queue $r (want nearly all on the weighted queue)"
			fi
		fi
	done
	guest_run "ethtool -X $ifc default" >/dev/null
	t_info "peer kicks (rx<i>_kicks_peer): $(guest_run "ethtool -S $ifc" | awk '/kicks_peer/ { printf "%s ", $2 }')"
	hash_checks mq.rss "$RSS"
fi
if t_bind mq.hash.bind "$HASH"; then
	hash_checks mq.hash "$HASH"
	t_begin mq.hash.key
	key=$(od -An -tx1 -N40 /dev/urandom | tr -s ' \n' ':' | sed 's/^://; s/:$//')
	if ! out=$(guest_run "ethtool -X ${NIC_IF[$HASH]} hkey $key 2>&1"); then
		t_fail "ethtool -X hkey: $out"
	elif ! r=$(hash_run "$HASH"); then
		t_fail "$r"
	elif [ "$(hash_key "$HASH")" != "$key" ]; then
		t_fail "ethtool -x shows key $(hash_key "$HASH"), not $key"
	else
		read -r _ m _ o <<<"$r"
		if [ "$o" = 0 ] && [ "$m" -ge 180 ]; then t_info "new key: $r"; t_pass; else t_fail "new key: $r"; fi
	fi
	# queue_reset=off: each ring change goes through one device reset
	ring_test mq.hash.ring_fallback_h2g "$HASH" h2g 3 256
fi
t_guest mq.dmesg_clean dmesg_bad
vm_stop
tb_finish
