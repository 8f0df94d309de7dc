#!/bin/sh
# os/darwin/check-headers.sh ARCHS KERNEL_HEADERS
# Refuse to build an x86_64 slice that some x86_64 release this kext claims
# (10.9 and later) would refuse to load. kxld (every x86_64 kernel before
# macOS 11; xnu libkern/kxld/kxld_vtable.c) rejects a kext whose vtable fills
# a slot its parent class still has as a _RESERVED pad in the running
# kernel, and newer headers fill such pads. Each marker below is a method
# that took a pad; headers that declare it make a vtable older kernels
# refuse (the release named is the newest one that refuses):
#   IOService.h              Dispatch(IORPC)         xnu-6153 (10.15)       10.14
#     (declared through OSDeclareDefaultStructorsWithDispatch(IOService))
#   IOEthernetController.h   setAVBControllerState   IONetworking-124.20.1  10.13
#   IONetworkController.h    allocatePacketNoWait    IONetworking-166 (13)  12
# Exit 0 when the slice may be built, 1 with the reason otherwise.
archs=$1
kh=$2
case " $archs " in *" x86_64 "*) ;; *) exit 0 ;; esac
if [ -z "$kh" ]; then
	cat >&2 <<MSG
The x86_64 slice needs KERNEL_HEADERS: the Kernel.framework/Headers of a
macOS 10.9 - 10.13 SDK. A slice built from this Mac's current SDK would not
load on OS X 10.9 - 10.14 (kxld refuses vtables that fill reserved slots).
  make -C os/darwin pkg KERNEL_HEADERS=/path/to/MacOSX10.13.sdk/System/Library/Frameworks/Kernel.framework/Headers
docs/macos.md ("Build") says where to get such an SDK; or build Apple silicon
only with ARCHS=arm64e.
MSG
	exit 1
fi
for h in IOKit/IOService.h IOKit/serial/IOSerialDriverSync.h; do
	# the console driver's serial ports: IOSerialFamily installs its headers
	# into Kernel.framework (IOSerialFamily.xcodeproj, Headers/IOKit/serial)
	[ -f "$kh/$h" ] || { echo "KERNEL_HEADERS=$kh: no $h there (expected .../Kernel.framework/Headers)" >&2; exit 1; }
done
bad=0
refuse() { # file pattern what newest-refusing-release
	if [ -f "$kh/$1" ] && grep -q "$2" "$kh/$1"; then
		echo "KERNEL_HEADERS=$kh declares $3 ($1): an x86_64 kext built from them is refused by kxld on $4 and older" >&2
		bad=1
	fi
}
refuse IOKit/IOService.h 'OSDeclareDefaultStructorsWithDispatch(IOService)' 'IOService::Dispatch(IORPC) (10.15+ headers)' 10.14
refuse IOKit/network/IOEthernetController.h 'setAVBControllerState' 'IOEthernetController::setAVBControllerState (10.14+ headers)' 10.13
refuse IOKit/network/IONetworkController.h 'allocatePacketNoWait' 'IONetworkController::allocatePacketNoWait (13+ headers)' 12
if [ $bad = 1 ]; then
	echo "Use the headers of a 10.9 - 10.13 SDK for the x86_64 slice (docs/macos.md, Build)." >&2
	exit 1
fi
exit 0
