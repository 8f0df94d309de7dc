#!/bin/sh
# build-module.sh - build os/linux/macvio.ko against the headers of the guest
# kernel (KDIR written by setup.sh). POSIX sh, so `sh build-module.sh` works.
# Exit 0: built, or skipped because os/linux has no Kbuild yet; 1: failed.
# Env: MACVIO_SRC (os/linux), KDIR, MACVIO_TB_CACHE, BUILD_LOG.
here=$(cd "$(dirname "$0")" && pwd)
src=${MACVIO_SRC:-$(cd "$here/../.." && pwd)/os/linux}
cache=${MACVIO_TB_CACHE:-/var/cache/macvio-tb}
log=${BUILD_LOG:-/tmp/macvio-build.log}

if [ ! -f "$src/Kbuild" ]; then
	echo "[build] $src/Kbuild not found: macvio.ko not built (skipped)"
	exit 0
fi
kdir=${KDIR:-$(cat "$cache/kdir" 2>/dev/null)}
if [ -z "$kdir" ] || [ ! -f "$kdir/Makefile" ]; then
	echo "[build] no kernel headers (KDIR '$kdir'): run test/vm/setup.sh first"
	exit 1
fi
echo "[build] make -C $kdir M=$src modules"
if ! make -C "$kdir" M="$src" modules >"$log" 2>&1; then
	tail -n 30 "$log"
	echo "[build] FAILED (full log: $log)"
	exit 1
fi
grep -E 'warning:' "$log" | head -n 10
echo "[build] built $src/macvio.ko"
