#!/bin/bash
# initramfs.sh - build the test-bed guest initramfs.
#   initramfs.sh base            -> prints path of the cached base cpio.gz
#   initramfs.sh extra OUT [F..] -> per-run cpio.gz: macvio.ko (if $MACVIO_KO
#                                   exists) + files F given as SRC:DEST
# Linux accepts concatenated cpio archives: cat base extra > run.cpio.gz.
set -Eeuo pipefail

TB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${MACVIO_TB_CACHE:-/var/cache/macvio-tb}
MACVIO_KO=${MACVIO_KO:-$(cd "$TB_DIR/../.." && pwd)/os/linux/macvio.ko}
GUEST_MODS="virtio_pci virtio_net e1000 netconsole configfs 8021q"
GUEST_BINS="iperf3 socat ethtool"

log() { echo "[initramfs] $*" >&2; }
die() { echo "[initramfs] ERROR: $*" >&2; exit 1; }

kver() { cat "$CACHE/kernel-version" 2>/dev/null || die "run setup.sh first"; }

# copy_bin FILE ROOT: a binary plus every shared library ldd names.
copy_bin() {
	local f=$1 root=$2 lib
	install -D -m 755 "$f" "$root/bin/$(basename "$f")"
	for lib in $(ldd "$f" | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$root$lib"
	done
}

# copy_mods ROOT VER: the listed modules plus their dependency chain.
copy_mods() {
	local root=$1 ver=$2 src=$CACHE/kernel/lib/modules/$2 m f
	for m in $GUEST_MODS; do
		for f in $(grep -E "(^|/)$m\.ko:" "$src/modules.dep" | tr -d ':'); do
			install -D -m 644 "$src/$f" "$root/lib/modules/$ver/$f"
		done
	done
	cp "$src"/modules.order "$src"/modules.builtin* "$root/lib/modules/$ver/"
	depmod -b "$root" "$ver"
}

# pack DIR OUT: newc cpio, owned by root, gzip'ed.
pack() { (cd "$1" && find . | sort | cpio -o -H newc -R 0:0 --quiet | gzip -6) >"$2"; }

build_base() {
	local ver root out stamp
	ver=$(kver)
	out=$CACHE/initramfs-base.cpio.gz
	stamp=$( { echo "$ver $GUEST_MODS $GUEST_BINS"; cat "$TB_DIR/initramfs.sh" "$TB_DIR"/guest/*; } | sha256sum | cut -c1-16)
	if [ -s "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then
		echo "$out"; return 0
	fi
	log "building base initramfs for $ver"
	root=$(mktemp -d "$CACHE/root.XXXXXX")
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,etc/udhcpc}
	install -m 755 /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"; done
	for b in $GUEST_BINS; do copy_bin "$(command -v "$b")" "$root"; done
	copy_mods "$root" "$ver"
	install -m 755 "$TB_DIR/guest/init" "$root/init"
	install -m 644 "$TB_DIR/guest/tb.sh" "$root/etc/tb.sh"
	install -m 755 "$TB_DIR/guest/udhcpc.script" "$root/etc/udhcpc/default.script"
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
	# unique temp + rename: concurrent runs may rebuild at the same time
	pack "$root" "$root.cpio.gz" && mv "$root.cpio.gz" "$out"
	echo "$stamp" >"$out.stamp.$$" && mv "$out.stamp.$$" "$out.stamp"
	rm -rf "$root"
	log "base initramfs: $out ($(du -h "$out" | cut -f1))"
	echo "$out"
}

# build_extra OUT [SRC:DEST ...]
build_extra() {
	local out=$1 ver root spec; shift
	ver=$(kver)
	root=$(mktemp -d)
	if [ -f "$MACVIO_KO" ]; then
		install -D -m 644 "$MACVIO_KO" "$root/lib/modules/$ver/extra/macvio.ko"
		log "per-run cpio carries $MACVIO_KO"
	fi
	for spec in "$@"; do install -D -m 755 "${spec%%:*}" "$root/${spec#*:}"; done
	pack "$root" "$out"
	rm -rf "$root"
}

case "${1:-}" in
base) build_base ;;
extra) shift; build_extra "$@" ;;
*) echo "usage: $0 base | extra OUT [SRC:DEST ...]" >&2; exit 2 ;;
esac
