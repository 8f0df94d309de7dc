#!/bin/bash
# setup.sh - prepare a Debian 12 host for the macvio QEMU test bed.
# Idempotent; run as root. Installs host tools, fetches (does not install) the
# current Debian guest kernel into $MACVIO_TB_CACHE, and installs the matching
# linux-headers on the host for building os/linux/macvio.ko.
set -Eeuo pipefail

CACHE=${MACVIO_TB_CACHE:-/var/cache/macvio-tb}
PKGS="qemu-system-x86 busybox-static iperf3 ethtool socat cpio kmod iproute2
      procps python3 tcpdump iputils-ping coreutils util-linux gzip make gcc"
export DEBIAN_FRONTEND=noninteractive
# Wait for other apt/dpkg users instead of failing on the lock.
APT_OPTS=(-o DPkg::Lock::Timeout=600 -o APT::Sandbox::User=root)

log() { echo "[setup] $*"; }
die() { echo "[setup] ERROR: $*" >&2; exit 1; }
trap 'echo "[setup] ERROR: command failed at line $LINENO" >&2' ERR

# step NAME CMD...: run CMD and print how long it took.
step() {
	local name=$1 t0=$SECONDS; shift
	log "$name ..."
	"$@"
	log "$name done ($((SECONDS - t0))s)"
}

apt_update() {
	# Skip when the lists are fresh (< 6 h) so reruns stay fast.
	local lists=/var/lib/apt/lists
	if [ -n "$(find "$lists" -maxdepth 1 -name '*Packages*' -mmin -360 2>/dev/null | head -1)" ]; then
		log "apt lists are fresh, skipping apt-get update"
		return 0
	fi
	apt-get "${APT_OPTS[@]}" update -qq
}

install_tools() {
	local missing=() p
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && { log "host tools already installed"; return 0; }
	log "installing: ${missing[*]}"
	apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The kernel ABI moves: ask apt which linux-image the meta package points to.
resolve_kernel() {
	KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	[ -n "$KPKG" ] || die "cannot resolve linux-image-amd64 dependency"
	KVER=${KPKG#linux-image-}
	log "guest kernel: $KPKG (version $KVER)"
}

fetch_kernel() {
	local root=$CACHE/kernel-$KVER
	if [ -e "$root/boot/vmlinuz-$KVER" ] && [ -d "$root/lib/modules/$KVER" ]; then
		log "kernel $KVER already unpacked in $root"
	else
		mkdir -p "$CACHE/debs" && rm -rf "$root.tmp"
		(cd "$CACHE/debs" && apt-get "${APT_OPTS[@]}" download -qq "$KPKG")
		dpkg -x "$CACHE/debs/${KPKG}_"*.deb "$root.tmp"
		depmod -b "$root.tmp" "$KVER"
		rm -rf "$root" && mv "$root.tmp" "$root"
	fi
	echo "$KVER" > "$CACHE/kernel-version"
	ln -sfn "kernel-$KVER" "$CACHE/kernel"
}

install_headers() {
	local hp=linux-headers-$KVER
	if dpkg-query -W -f='${Status}' "$hp" 2>/dev/null | grep -q 'ok installed'; then
		log "$hp already installed"
	else
		apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends "$hp" >/dev/null
	fi
	KDIR=/usr/src/linux-headers-$KVER
	[ -f "$KDIR/Makefile" ] || die "headers missing at $KDIR"
	echo "$KDIR" > "$CACHE/kdir"
}

main() {
	[ "$(id -u)" = 0 ] || die "run as root"
	local t0=$SECONDS
	mkdir -p "$CACHE"
	step "apt-get update" apt_update
	step "host tools" install_tools
	step "resolve kernel" resolve_kernel
	step "fetch guest kernel" fetch_kernel
	step "host headers" install_headers
	log "cache:  $CACHE"
	log "kernel: $CACHE/kernel/boot/vmlinuz-$KVER"
	log "KDIR=$KDIR"
	log "all done ($((SECONDS - t0))s)"
}

main "$@"
