#!/bin/bash
# copy: the core's copy mode (macvio copy=1), the path the macOS kext takes on
# Apple silicon, where mbufs have no address in the function's DART: the core
# owns every packet buffer (an RX pool, a TX bounce slot per head) and the
# front-end copies. One boot, two NICs:
#   0  modern, mergeable RX buffers (3-buffer packets at MTU 1500: no)
#   1  legacy, mrg_rxbuf=off (small mode, header in its own descriptor)
# For each: the probe line shows no GSO negotiated (a slot holds one frame),
# XFER_MIB (16) MiB TCP each way with SHA-256, no error counter moves. Then
# both NICs are unbound and the leak counters read 0 (pool and bounce
# memory returned).
. "$(dirname "$0")/../lib.sh"
tb_init copy
MIB=${XFER_MIB:-16}
[ "$DRIVER" = macvio ] || { tb_log "DRIVER=$DRIVER: copy mode is macvio's"; tb_finish; }
MACVIO_ARGS="${MACVIO_ARGS:+$MACVIO_ARGS }copy=1"

tb_nic tap 0
tb_nic tap 1 "disable-modern=on,disable-legacy=off,mrg_rxbuf=off"
vm_start "${MACHINE:-pc}"
vm_wait_boot || tb_finish
t_begin copy.param
out=$(guest_run "cat /sys/module/macvio/parameters/copy") && [ "$out" = Y ] && t_pass || t_fail "copy parameter reads '$out'"

ERRS='rx0_err_len rx0_err_num_buffers rx0_err_hdr rx0_drops rx0_build_fail tx0_err_meta tx0_dropped tx0_map_fail'
for i in 0 1; do
	t_begin "copy.nic$i"
	if ! tb_bind $i; then t_fail "bind: $TB_ERR"; continue; fi
	ifc=${NIC_IF[i]}
	line=$(guest_run "dmesg | grep 'macvio $(nic_pci $i)' | grep ' virtio-net .* features ' | tail -n 1")
	case " $line " in
	*NET_HOST_TSO4* | *NET_GUEST_TSO4* | *NET_HOST_TSO6* | *NET_GUEST_TSO6*)
		t_fail "GSO negotiated in copy mode: $line"
		continue
		;;
	esac
	before=$(guest_run "ethtool -S $ifc")
	if out=$(ping_both $i && xfer $i "$MIB" g2h && xfer $i "$MIB" h2g) && after=$(guest_run "ethtool -S $ifc"); then
		bad=''
		for c in $ERRS; do
			b=$(awk -v n="$c:" '$1 == n { print $2 }' <<<"$before") a=$(awk -v n="$c:" '$1 == n { print $2 }' <<<"$after")
			[ "${a:-0}" = "${b:-0}" ] || bad+=" $c+$((a - b))"
		done
		pk=$(awk '$1 == "rx0_packets:" { print $2 }' <<<"$after")
		if [ -z "$bad" ]; then
			t_info "$(tr '\n' ';' <<<"$out") rx0_packets $pk; $(sed 's/.* features //; s/, mac.*//' <<<"$line" | tr ' ' '\n' | grep -c .) features, no GSO"
			t_pass
		else
			t_fail "error counters moved:$bad"
		fi
	else
		t_fail "$out"
	fi
done

t_begin copy.unbind_no_leak
out=$(guest_run "unbind_pci $(nic_pci 0) && unbind_pci $(nic_pci 1) &&
	a=\$(cat /sys/module/macvio/parameters/dma_allocs) m=\$(cat /sys/module/macvio/parameters/dma_maps) &&
	echo dma_allocs=\$a dma_maps=\$m && [ \$a = 0 ] && [ \$m = 0 ]") && { t_info "$out"; t_pass; } || t_fail "$out"
t_guest copy.dmesg_clean dmesg_bad
vm_stop
tb_finish
