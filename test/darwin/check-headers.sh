#!/bin/bash
# test/darwin/check-headers.sh - the Mac build's guard against x86_64 slices
# older kernels refuse (os/darwin/check-headers.sh), on header trees that
# carry exactly the declarations Apple's headers of each generation have.
# When Apple's source mirrors are present (../shared/darwin-check), the
# real headers of 10.13 and 10.15 are checked too.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CH=$ROOT/os/darwin/check-headers.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
expect() { # name want(0|1) archs headers
	local out r
	out=$(sh "$CH" "$3" "$4" 2>&1); r=$?
	if [ "$r" = "$2" ]; then echo "PASS $1"; pass=$((pass + 1)); else echo "FAIL $1 (exit $r): $out"; fail=$((fail + 1)); fi
}
mk() { # dir with IOKit/IOService.h etc.; extra lines per file
	mkdir -p "$1/IOKit/network" "$1/IOKit/serial"
	echo "class IOService { OSDeclareDefaultStructors(IOService); };" >"$1/IOKit/IOService.h"
	echo "class IOSerialDriverSync : public IOService {};" >"$1/IOKit/serial/IOSerialDriverSync.h"
	echo "class IOEthernetController;" >"$1/IOKit/network/IOEthernetController.h"
	echo "class IONetworkController;" >"$1/IOKit/network/IONetworkController.h"
}
mk "$T/h1013"
mk "$T/h1014"; echo "virtual IOReturn setAVBControllerState(IOEthernetControllerAVBState newState);" >>"$T/h1014/IOKit/network/IOEthernetController.h"
mk "$T/h1015"; echo "OSDeclareDefaultStructorsWithDispatch(IOService);" >>"$T/h1015/IOKit/IOService.h"
mk "$T/h13"; echo "virtual mbuf_t allocatePacketNoWait(UInt32 size);" >>"$T/h13/IOKit/network/IONetworkController.h"

expect "x86_64 without KERNEL_HEADERS is refused" 1 "x86_64 arm64e" ""
expect "arm64e alone needs no KERNEL_HEADERS" 0 "arm64e" ""
expect "10.13-era headers accepted" 0 "x86_64 arm64e" "$T/h1013"
expect "10.14 headers (setAVBControllerState) refused" 1 "x86_64" "$T/h1014"
expect "10.15 headers (IOService::Dispatch) refused" 1 "x86_64" "$T/h1015"
expect "13 headers (allocatePacketNoWait) refused" 1 "x86_64" "$T/h13"
expect "a path without IOKit/IOService.h refused" 1 "x86_64" "$T"
mk "$T/noser"; rm -r "$T/noser/IOKit/serial"
expect "headers without IOKit/serial (IOSerialFamily, the console) refused" 1 "x86_64" "$T/noser"

# Apple's own headers, when the mirrors are there
M=${MIRROR:-/work/.mirror}
X=$M/apple-oss-distributions+xnu/repo N=$M/apple-oss-distributions+IONetworkingFamily/repo
if git --git-dir="$X" rev-parse -q --verify xnu-4570.1.46 >/dev/null 2>&1 &&
	git --git-dir="$N" rev-parse -q --verify IONetworkingFamily-124 >/dev/null 2>&1; then
	real() { # dir xnu-tag net-tag
		mkdir -p "$1/IOKit/network" "$1/IOKit/serial"
		git --git-dir="$X" show "$2:iokit/IOKit/IOService.h" >"$1/IOKit/IOService.h"
		# IOSerialFamily's header, as the SDK installs it (its own mirror
		# when present; the guard only looks for the file)
		git --git-dir="$M/apple-oss-distributions+IOSerialFamily/repo" \
			show IOSerialFamily-93.200.2:IOSerialFamily.kmodproj/IOSerialDriverSync.h \
			>"$1/IOKit/serial/IOSerialDriverSync.h" 2>/dev/null ||
			echo "class IOSerialDriverSync;" >"$1/IOKit/serial/IOSerialDriverSync.h"
		git --git-dir="$N" show "$3:IOEthernetController.h" >"$1/IOKit/network/IOEthernetController.h"
		git --git-dir="$N" show "$3:IONetworkController.h" >"$1/IOKit/network/IONetworkController.h"
	}
	real "$T/r1013" xnu-4570.1.46 IONetworkingFamily-124
	real "$T/r1015" xnu-6153.11.26 IONetworkingFamily-139
	real "$T/r14" xnu-10002.1.13 IONetworkingFamily-170
	expect "Apple 10.13 headers (xnu-4570.1.46, IONetworkingFamily-124) accepted" 0 "x86_64" "$T/r1013"
	expect "Apple 10.15 headers (xnu-6153.11.26, IONetworkingFamily-139) refused" 1 "x86_64" "$T/r1015"
	expect "Apple 14 headers (xnu-10002.1.13, IONetworkingFamily-170) refused" 1 "x86_64" "$T/r14"
else
	echo "SKIP Apple's headers: no mirrors under $M"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
