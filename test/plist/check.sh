#!/bin/bash
# test/plist/check.sh - validate the macOS kext's Info.plist on Linux.
#
#   sh test/plist/check.sh            (make plist / make check run this)
#   PLIST=other.plist sh test/plist/check.sh   check another file (tests of the test)
#
# Checks, one PASS/FAIL line each, then "N passed, M failed":
#   - plistutil (Debian: libplist-utils) parses it; xml -> binary -> xml is lossless
#   - required bundle keys exist with sane values
#   - every personality names our bundle, a class the sources define, a provider
#   - the provider personalities' PCI ids are exactly the ids the code accepts:
#     core/vio_pci.c vio_pci_id_match() for os/darwin's MACVIO_DRIVEN_TYPES,
#     evaluated with IOPCIFamily's matching rules (test/plist/pci_match.c)
#   - the device-type personalities are exactly MACVIO_DRIVEN_TYPES
#   - OSBundleLibraries: the families the sources include, valid versions; and
#     when Apple's source mirrors are present, exactly what darwin-check reports
# Exit status 0 only when nothing failed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D=$ROOT/os/darwin
PLIST=${PLIST:-$D/Info.plist}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok()  { echo "PASS $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
skip() { echo "SKIP $*"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }

# ---- 1. parse and round trip ----
if ! command -v plistutil >/dev/null; then
    bad "plistutil missing (apt-get install -y libplist-utils)"; finish
fi
if ! command -v python3 >/dev/null; then
    bad "python3 missing (needed to read the plist)"; finish
fi
if plistutil -i "$PLIST" -f xml -o "$T/a.xml" >/dev/null 2>"$T/err" && [ -s "$T/a.xml" ] &&
   plistutil -i "$T/a.xml" -f bin -o "$T/b.bin" >/dev/null 2>>"$T/err" &&
   plistutil -i "$T/b.bin" -f xml -o "$T/c.xml" >/dev/null 2>>"$T/err" &&
   cmp -s "$T/a.xml" "$T/c.xml"; then
    ok "Info.plist parses; xml -> binary -> xml round trip is lossless"
else
    bad "Info.plist does not parse or round-trip with plistutil: $(head -c 300 "$T/err")"; finish
fi

# ---- 2..: content, read from plistutil's binary output ----
# the macro may span continuation lines (clang-format): join them first
DRIVEN=$(awk '/^#define MACVIO_DRIVEN_TYPES/ { f = 1 } f { l = l $0; if ($0 !~ /\\$/) { print l; exit } }' \
	"$D/macvio_pci.h" | sed 's/\\//g; s/^#define MACVIO_DRIVEN_TYPES[[:space:]]*//; s/[[:space:]][[:space:]]*/ /g')
python3 - "$T/b.bin" "$D" "$DRIVEN" > "$T/py.out" 2>&1 <<'EOF'
import plistlib, re, sys, glob, os
path, ddir, driven = sys.argv[1], sys.argv[2], sys.argv[3]
p = plistlib.load(open(path, 'rb'))
def say(ok, msg): print(("PASS " if ok else "FAIL ") + msg)

need = {'CFBundleIdentifier': str, 'CFBundleExecutable': str, 'CFBundleVersion': str,
        'CFBundleShortVersionString': str, 'CFBundleName': str, 'CFBundlePackageType': str,
        'CFBundleInfoDictionaryVersion': str, 'IOKitPersonalities': dict,
        'OSBundleLibraries': dict, 'OSBundleRequired': str}
missing = [k for k, t in need.items() if not isinstance(p.get(k), t)]
say(not missing, "required keys present with the right types" + (": missing/wrong " + ", ".join(missing) if missing else ""))
bid = p.get('CFBundleIdentifier', '')
say(re.fullmatch(r'[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+', bid) is not None and not bid.startswith('com.apple.'),
    "CFBundleIdentifier %r is reverse-DNS and not Apple's" % bid)
say(p.get('CFBundlePackageType') == 'KEXT', "CFBundlePackageType is KEXT")
ver = p.get('CFBundleVersion', '')
# kext versions: 1-4 digit major, up to two more numeric parts, optional d/a/b/fc + number
vre = r'\d{1,4}(\.\d{1,2}){0,2}([dabf]c?\d{1,3})?'
say(re.fullmatch(vre, ver) is not None, "CFBundleVersion %r is a valid kext version" % ver)
say(p.get('OSBundleRequired') in ('Root', 'Local-Root', 'Network-Root', 'Console', 'Safe Boot'),
    "OSBundleRequired %r is a value kextd knows" % p.get('OSBundleRequired'))

# the executable name the Makefile builds, and kmod_info's defaults
mk = open(os.path.join(ddir, 'Makefile')).read() if os.path.exists(os.path.join(ddir, 'Makefile')) else ''
m = re.search(r'^EXEC\s*:?=\s*(\S+)', mk, re.M)
say(m is not None and m.group(1) == p.get('CFBundleExecutable'),
    "CFBundleExecutable %r is what os/darwin/Makefile links (EXEC = %s)" % (p.get('CFBundleExecutable'), m.group(1) if m else '?'))

# classes defined in the sources
src = ''.join(open(f).read() for f in glob.glob(os.path.join(ddir, '*.cpp')))
defined = set(re.findall(r'OSDefineMetaClassAndStructors\(\s*(\w+)\s*,', src))
pers = p.get('IOKitPersonalities', {})
probs = []
provider_rows, type_vals, resource_rows = [], [], []
for name, d in sorted(pers.items()):
    if d.get('CFBundleIdentifier') != bid: probs.append(name + ": CFBundleIdentifier is not the bundle's")
    if d.get('IOClass') not in defined: probs.append(name + ": IOClass %r is not defined in os/darwin" % d.get('IOClass'))
    prov = d.get('IOProviderClass')
    if not isinstance(prov, str): probs.append(name + ": no IOProviderClass")
    if 'IOProbeScore' in d and not isinstance(d['IOProbeScore'], int): probs.append(name + ": IOProbeScore not an integer")
    if prov == 'IOPCIDevice':
        keys = ['IOPCIMatch', 'IOPCIPrimaryMatch', 'IOPCISecondaryMatch', 'IOPCIClassMatch']
        provider_rows.append('\t'.join([name] + [d.get(k, '-') for k in keys]))
        # the default category: IOProbeScore must decide against Apple's
        # driver (xnu IOService::probeCandidates sorts within a category)
        if d.get('IOMatchCategory', 'IODefaultMatchCategory') != 'IODefaultMatchCategory':
            probs.append(name + ": a PCI personality outside the default match category would not compete with Apple's driver")
    elif prov == 'IOResources':
        # one instance beside every other IOResources client: its own category
        cat = d.get('IOMatchCategory')
        if not isinstance(cat, str) or cat in ('IODefaultMatchCategory', 'IOKit'):
            probs.append(name + ": an IOResources personality needs its own IOMatchCategory")
        if d.get('IOResourceMatch') != 'IOKit':
            probs.append(name + ": IOResourceMatch is not IOKit")
        resource_rows.append(name)
    elif prov in defined:
        pm = d.get('IOPropertyMatch', {})
        t = pm.get('VirtioDeviceType') if isinstance(pm, dict) else None
        if not isinstance(t, int): probs.append(name + ": matches a macvio nub without IOPropertyMatch VirtioDeviceType")
        else: type_vals.append(t)
    else:
        probs.append(name + ": IOProviderClass %r is neither IOPCIDevice, IOResources nor a macvio class" % prov)
say(pers and not probs, "%d personalities: bundle id, IOClass defined in the sources, provider%s"
    % (len(pers), (": " + "; ".join(probs)) if probs else ""))
say(len(provider_rows) > 0, "%d IOPCIDevice personalities" % len(provider_rows))
# the opt-in takeover of functions Apple's driver bound at boot (11+):
# one IOResources personality whose class reads boot-arg macvio_takeover
tk = [n for n in resource_rows if pers[n].get('IOClass') == 'org_macvio_VirtioTakeover']
doc = open(os.path.join(ddir, '..', '..', 'docs', 'macos.md')).read()
say(len(tk) == 1 and '"macvio_takeover"' in src and 'macvio_takeover=1' in doc,
    "takeover personality: IOResources, own category, class reads boot-arg macvio_takeover, docs/macos.md explains it")
hdr = open(os.path.join(ddir, 'macvio_pci.h')).read()
say('#define kMacvioDeviceTypeKey "VirtioDeviceType"' in hdr, "the nub property key in macvio_pci.h is VirtioDeviceType")
with open(path + '.pci', 'w') as f: f.write('\n'.join(provider_rows) + '\n')
with open(path + '.types', 'w') as f: f.write(' '.join(str(t) for t in sorted(type_vals)))

# libraries: the families the sources include, versions well formed
libs = p.get('OSBundleLibraries', {})
allsrc = src + ''.join(open(f).read() for f in glob.glob(os.path.join(ddir, '*.h')))
want = {'com.apple.kpi.iokit', 'com.apple.kpi.libkern'}
if '<IOKit/network/' in allsrc: want.add('com.apple.iokit.IONetworkingFamily')
if '<IOKit/pci/' in allsrc: want.add('com.apple.iokit.IOPCIFamily')
if '<IOKit/serial/' in allsrc: want.add('com.apple.iokit.IOSerialFamily')
absent = sorted(want - set(libs))
badv = sorted(k for k, v in libs.items() if not (isinstance(v, str) and re.fullmatch(vre, v)))
say(not absent and not badv, "OSBundleLibraries names the families the sources include, versions valid"
    + (": missing " + ", ".join(absent) if absent else "") + (": bad version for " + ", ".join(badv) if badv else ""))
with open(path + '.libs', 'w') as f: f.write('\n'.join(sorted(libs)) + '\n')
EOF
cat "$T/py.out"
pass=$((pass + $(grep -c '^PASS' "$T/py.out"))); fail=$((fail + $(grep -c '^FAIL' "$T/py.out")))
grep -q '^Traceback' "$T/py.out" && bad "the plist reader crashed (see above)"

# ---- PCI ids: plist personalities vs the code ----
CC=${CC:-cc}
if [ -z "$DRIVEN" ]; then
    bad "no MACVIO_DRIVEN_TYPES line in os/darwin/macvio_pci.h"
elif ! ls "$ROOT"/core/*.c >/dev/null 2>&1; then
    bad "core/*.c missing: cannot ask vio_pci_id_match which ids the code accepts"
elif ! $CC -std=gnu11 -O2 -w -I"$ROOT/core" "-DDRIVEN=$DRIVEN" -o "$T/pci_match" \
        "$ROOT/test/plist/pci_match.c" "$ROOT"/core/*.c 2>"$T/cc.err"; then
    bad "building test/plist/pci_match.c with core/*.c: $(head -c 400 "$T/cc.err")"
else
    if "$T/pci_match" < "$T/b.bin.pci" > "$T/pci.out"; then
        ok "PCI ids matched by Info.plist == ids the code accepts for types {$(sed -n 's/^driven types: //p' "$T/pci.out")} ($(tail -1 "$T/pci.out"))"
    else
        bad "PCI ids matched by Info.plist differ from the code's:"; sed 's/^/     /' "$T/pci.out"
    fi
    code_types=$(sed -n 's/^driven types: //p' "$T/pci.out" | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')
    plist_types=$(tr ' ' '\n' < "$T/b.bin.types" | sort -n | tr '\n' ' ' | sed 's/ $//')
    if [ -n "$code_types" ] && [ "$code_types" = "$plist_types" ]; then
        ok "device-type personalities {$plist_types} == MACVIO_DRIVEN_TYPES"
    else
        bad "device-type personalities {$plist_types} != MACVIO_DRIVEN_TYPES {$code_types}"
    fi
fi
if grep -q 'MACVIO_DRIVEN_TYPES' "$D/macvio_pci.cpp" && grep -q 'vio_pci_id_match' "$D/macvio_pci.cpp"; then
    ok "MacvioPCI::probe accepts through vio_pci_id_match over MACVIO_DRIVEN_TYPES"
else
    bad "os/darwin/macvio_pci.cpp no longer matches through vio_pci_id_match(MACVIO_DRIVEN_TYPES)"
fi

# ---- OSBundleLibraries vs darwin-check, when Apple's sources are here ----
rc=2
if [ -x "$D/check.sh" ]; then WORK=$T/dc PROFILE=old bash "$D/check.sh" > "$T/dc.out" 2>&1; rc=$?; fi
if [ $rc = 0 ]; then
    awk '/libraries the Info.plist must list/{f=1; next} f && /^ +[0-9]+ +/{print $2; next} {f=0}' "$T/dc.out" |
        sort -u > "$T/dc.libs"
    if cmp -s "$T/dc.libs" "$T/b.bin.libs"; then
        ok "OSBundleLibraries == what darwin-check reports ($(tr '\n' ' ' < "$T/dc.libs" | sed 's/ $//'))"
    else
        bad "OSBundleLibraries differ from darwin-check: plist {$(tr '\n' ' ' < "$T/b.bin.libs")} check {$(tr '\n' ' ' < "$T/dc.libs")}"
    fi
elif [ $rc = 2 ]; then
    skip "OSBundleLibraries vs darwin-check: Apple's source mirrors or ../shared/darwin-check not here ($(grep -m1 'darwin-check' "$T/dc.out" 2>/dev/null || echo 'os/darwin/check.sh missing'))"
else
    bad "darwin-check fails, so OSBundleLibraries cannot be compared (run: make darwin-check)"
fi
finish
