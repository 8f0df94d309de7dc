# tb.sh - shell helpers inside the test-bed guest; sourced by /init and by
# every command the host sends (so scenarios can call these by name).
MACVIO_KO=/lib/modules/$(uname -r)/extra/macvio.ko

# tb_cmdline KEY: value of KEY=... on the kernel command line.
tb_cmdline() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | tr ',' ' '; }

# tb_serve TTY: the command loop. Host sends "ID TIMEOUT BASE64CMD\n"; we answer
# "@@TB-BEGIN ID\n<output>\n@@TB-END ID RC\n". Garbage lines are ignored.
tb_serve() {
	stty -F "$1" raw -echo 115200 || return 1
	while IFS=' ' read -r id tmo b64; do
		case "$id$tmo" in *[!0-9A-Za-z_-]*|'') echo "bad: $id $tmo $b64" >>/tmp/.tb.bad; continue ;; esac
		echo "$b64" | base64 -d >/tmp/.tb.cmd 2>/dev/null || { echo "b64: $id $tmo $b64" >>/tmp/.tb.bad; continue; }
		timeout -s KILL "$tmo" sh -c '. /etc/tb.sh; . /tmp/.tb.cmd' \
			</dev/null >/tmp/.tb.out 2>&1
		rc=$?
		echo "$id $rc" >>/tmp/.tb.hist
		{ echo "@@TB-BEGIN $id"; cat /tmp/.tb.out; echo; echo "@@TB-END $id $rc"; } >"$1"
	done <"$1"
}

# uptime in centiseconds (busybox date has no %N)
now_cs() { awk '{ printf "%d", $1 * 100 }' /proc/uptime; }

# pci_driver_of DRIVER: the PCI driver that owns a NIC for that driver.
pci_driver_of() {
	case "$1" in virtio_net) echo virtio-pci ;; *) echo "$1" ;; esac
}

# bind_pci ADDR DRV: give PCI function ADDR to PCI driver DRV, like a user would
# (driver_override + unbind + drivers_probe). DRV "" clears the override.
# It always unbinds and reprobes, even when DRV already owns ADDR.
bind_pci() {
	local d=/sys/bus/pci/devices/$1 cur
	[ -d "$d" ] || { echo "bind_pci: no PCI device $1"; return 1; }
	echo "$2" >"$d/driver_override"
	if [ -e "$d/driver" ]; then
		echo "$1" >"$d/driver/unbind"
	fi
	echo "$1" >/sys/bus/pci/drivers_probe
	[ -z "$2" ] && return 0
	cur=$(basename "$(readlink "$d/driver" 2>/dev/null)")
	[ "$cur" = "$2" ] || { echo "bind_pci: $1 bound to '${cur:-nothing}', wanted $2"; return 1; }
}

# pci_owner ADDR: name of the PCI driver bound to ADDR ("none" if unbound).
pci_owner() {
	[ -e /sys/bus/pci/devices/$1/driver ] || { echo none; return; }
	basename "$(readlink /sys/bus/pci/devices/$1/driver)"
}
# expect_owner ADDR=DRV...: fail, saying which, unless every ADDR is on its DRV.
expect_owner() {
	local a d rc=0
	for a in "$@"; do
		d=$(pci_owner "${a%=*}")
		[ "$d" = "${a#*=}" ] || { echo "${a%=*} is on $d, expected ${a#*=}"; rc=1; }
	done
	return $rc
}

# nic_facts ADDR: one line about the NIC: PCI ids, driver, interrupt mode.
nic_facts() {
	local d=/sys/bus/pci/devices/$1 irq
	irq=$(ls "$d/msi_irqs" 2>/dev/null | wc -l)
	[ "$irq" -gt 0 ] && irq="$irq MSI-X vectors" || irq="INTx $(cat "$d/irq")"
	echo "$(cat "$d/vendor" "$d/device" | sed 's/0x//' | paste -sd:) $(pci_owner "$1"), $irq"
}

# unbind_pci ADDR: detach ADDR from its driver (override stays).
unbind_pci() {
	local d=/sys/bus/pci/devices/$1
	[ -e "$d/driver" ] && echo "$1" >"$d/driver/unbind"
	return 0
}

# netdev_of ADDR [SECS]: interface name of the NIC at PCI ADDR (direct child for
# a pci driver such as macvio/e1000, or under virtioN for virtio-pci).
netdev_of() {
	local n=0 i
	while [ $n -lt $((${2:-5} * 10)) ]; do
		for i in /sys/bus/pci/devices/$1/net/* /sys/bus/pci/devices/$1/virtio*/net/*; do
			[ -e "$i" ] && { basename "$i"; return 0; }
		done
		usleep 100000; n=$((n + 1))
	done
	echo "netdev_of: no interface for $1" >&2; return 1
}

# nic_up ADDR [IP/PREFIX]: find the interface of ADDR, address it, bring it up.
nic_up() {
	local ifc
	ifc=$(netdev_of "$1") || return 1
	ip addr flush dev "$ifc"
	[ -z "$2" ] || ip addr add "$2" dev "$ifc" || return 1
	ip link set "$ifc" up && echo "$ifc"
}

# wait_value FILE VALUE MS: wait until FILE reads VALUE; prints the ms it took.
wait_value() {
	local t0 t c
	t0=$(now_cs)
	while :; do
		c=$(cat "$1" 2>/dev/null)
		t=$(( ($(now_cs) - t0) * 10 ))
		[ "$c" = "$2" ] && { echo "$t"; return 0; }
		[ $t -gt "$3" ] && { echo "$1 still '$c' after ${t}ms"; return 1; }
		usleep 5000
	done
}
# wait_carrier IFACE 0|1 MS / wait_operstate IFACE STATE MS
wait_carrier() { wait_value "/sys/class/net/$1/carrier" "$2" "$3"; }
wait_operstate() { wait_value "/sys/class/net/$1/operstate" "$2" "$3"; }

# wait_ping IP SECS: succeed as soon as one ping answers.
wait_ping() {
	local end=$(( $(now_cs) + $2 * 100 ))
	while [ "$(now_cs)" -lt $end ]; do
		ping -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0
	done
	echo "no ping reply from $1 within $2 s"; return 1
}

# drv_load / drv_unload DRIVER: (re)load the module of the driver under test.
drv_load() {
	case "$1" in
	macvio) insmod "$MACVIO_KO" $(tb_cmdline tb.macvio_args) ;;
	*) modprobe "$1" ;;
	esac
}
drv_unload() { rmmod "$1"; }

# tb_bg NAME CMD: run CMD in the background; tb_wait NAME SECS gives its status.
tb_bg() {
	local n=$1; shift
	rm -f /tmp/bg.$n.rc
	( eval "$*"; echo $? >/tmp/bg.$n.rc ) </dev/null >/tmp/bg.$n.log 2>&1 &
	echo $! >/tmp/bg.$n.pid
}
tb_wait() {
	local n=0
	while [ ! -e /tmp/bg.$1.rc ]; do
		[ $n -ge $(( ${2:-60} * 10 )) ] && { echo "bg $1 still running"; return 124; }
		usleep 100000; n=$((n + 1))
	done
	return "$(cat /tmp/bg.$1.rc)"
}
tb_kill() { [ -e /tmp/bg.$1.pid ] && kill "$(cat /tmp/bg.$1.pid)" 2>/dev/null; return 0; }

# dmesg_bad: print kernel warnings/oopses; succeed only if there are none.
dmesg_bad() {
	! dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection|kernel BUG|refcount_t:|list_(add|del) corruption'
}
