#!/bin/sh
# os/darwin/ioserial-resolve.sh RES XNU_DIR ARCH - called by darwin-check's
# symbol step (os/darwin/check.sh runs a copy of ../shared/darwin-check that
# calls this right after it looked every undefined symbol up). RES is its
# "symbol [bundle]" list: a line without a bundle is a symbol it found in no
# export list. Two kinds are in fact exported, and get their bundle here:
#  - the classes of IOSerialFamily (IOSERIAL_CLASSES, read by check.sh from
#    the family's headers): a family kext has no export list in xnu, a
#    dependent links against its symbols directly, and the family defines
#    every symbol of these classes (IOSerialStreamSync.cpp:
#    OSDefineMetaClassAndAbstractStructors(IOSerialDriverSync, IOService),
#    OSDefineMetaClassAndStructors of each stream, their methods);
#  - kernel exports written "symbol:target" in xnu's config/*.exports (an
#    alias: _IOSimpleLockLock:_lck_spin_lock in IOKit.exports, operator new
#    of OSObject in Libkern.exports of 11 and 12.0), which the shared check
#    reads as one unknown name.
set -eu
res=$1 X=$2 arch=$3
: "${IOSERIAL_CLASSES:?}"
pat=$(printf '%s\n' $IOSERIAL_CLASSES | paste -sd'|')
tmp=$res.resolved
alias_lib() {
    for lib in BSDKernel:com.apple.kpi.bsd IOKit:com.apple.kpi.iokit Libkern:com.apple.kpi.libkern \
               Mach:com.apple.kpi.mach Unsupported:com.apple.kpi.unsupported Private:com.apple.kpi.private; do
        f=${lib%%:*}
        if cat "$X/config/$f.exports" "$X/config/$f.$arch.exports" "$X/config/$f.$arch.MacOSX.exports" \
            2>/dev/null | grep -q "^$1:"; then
            echo "${lib#*:}"; return 0
        fi
    done
    return 1
}
while read -r sym lib; do
    if [ -z "$lib" ]; then
        if printf '%s\n' "$sym" | c++filt -_ |
            grep -Eq "^((vtable|VTT|typeinfo|typeinfo name) for )?($pat)(::|\$)"; then
            lib=com.apple.iokit.IOSerialFamily
        else
            lib=$(alias_lib "$sym") || lib=
        fi
    fi
    echo "$sym${lib:+ $lib}"
done < "$res" > "$tmp"
mv "$tmp" "$res"
