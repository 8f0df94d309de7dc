#!/bin/bash
# linkflap: FLAPS (20) QMP set_link off/on cycles under traffic. Each time the
# guest's carrier must follow within CARRIER_MS (1000) ms, measured in the guest
# from the moment QMP has answered, and traffic must resume; afterwards TCP
# still works.
. "$(dirname "$0")/../lib.sh"
tb_init linkflap
FLAPS=${FLAPS:-20}
CARRIER_MS=${CARRIER_MS:-1000}   # e1000 needs ~3000: its watchdog polls the link every 2 s

tb_nic tap 0
vm_start "${MACHINE:-pc}"
vm_wait_boot || tb_finish
t_bind linkflap.bind 0 || tb_finish
IF=${NIC_IF[0]} HOST=$(host_ip 0)
t_begin linkflap.ping
out=$(ping_both 0) && t_pass || t_fail "$out"

# flap DIR(off|on) CARRIER(0|1): one transition; keeps the worst latencies.
flap() {
	local t0=$EPOCHREALTIME ms host_ms
	qmp set_link nic0 "$1" >/dev/null || { ERR="QMP set_link $1 failed"; return 1; }
	ms=$(guest_run -t 10 "wait_carrier $IF $2 $CARRIER_MS") || { ERR="link $1: $ms"; return 1; }
	host_ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
	[ "$ms" -gt "$WORST" ] && WORST=$ms
	[ "$host_ms" -gt "$WORST_HOST" ] && WORST_HOST=$host_ms
	return 0
}

t_begin linkflap.flaps
traffic_start 0
WORST=0 WORST_HOST=0 ERR=''
for k in $(seq "$FLAPS"); do
	flap off 0 && flap on 1 || { ERR="flap $k: $ERR"; break; }
	out=$(guest_run -t 15 "wait_ping $HOST 5") || { ERR="flap $k: traffic did not resume: $out"; break; }
done
stats=$(traffic_stop 0)
if [ -z "$ERR" ]; then
	t_info "$FLAPS flaps; carrier followed within ${WORST} ms (guest), ${WORST_HOST} ms incl. QMP + command channel"
	t_info "$stats"
	t_pass
else
	t_fail "$ERR"
fi

t_begin linkflap.after
out=$(ping_both 0 && xfer 0 16 g2h && xfer 0 16 h2g) && { t_info "$(tr '\n' ';' <<<"$out")"; t_pass; } || t_fail "$out"
t_guest linkflap.dmesg_clean dmesg_bad
vm_stop
tb_finish
