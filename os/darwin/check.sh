#!/bin/bash
# os/darwin/check.sh: compile-check the macOS kext sources (os/darwin + core) on
# Linux against Apple's open-source kernel headers, with ../shared/darwin-check.
#
# usage (from anywhere):  os/darwin/check.sh            old, new and matrix
#                         PROFILE=old os/darwin/check.sh  10.9-era headers only
#                         PROFILE=new os/darwin/check.sh  newest headers only
#                         PROFILE=matrix ...  every SDK generation 10.9..newest
#                                             + which kernels load each build
# env: XNU_GIT NET_GIT PCI_GIT SER_GIT  bare git dirs of apple-oss-distributions/
#      xnu, IONetworkingFamily, IOPCIFamily, IOSerialFamily; when unset they are
#      looked for under $MIRROR (default /work/.mirror/<owner>+<name>/repo).
#      SER_REF  IOSerialFamily tag whose headers the console driver compiles
#               against (default: -64.1.1 for old, -93.200.2, the last
#               published, for new and matrix)
#
# IOSerialFamily (the console's serial ports) is not among the families
# ../shared/darwin-check knows: its headers come from SER_GIT, and the check
# runs from a copy of ../shared/darwin-check whose symbol step also calls
# ioserial-resolve.sh, which credits the family's own classes to
# com.apple.iokit.IOSerialFamily (a family kext exports its symbols itself;
# xnu has no export list for it). Everything else is the shared check as is.
#      DARWIN_CHECK  path of the check script (default ../shared/darwin-check/check)
# Exit status: 0 when every profile passes.
# `make darwin-check` runs this with sh: re-run under bash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
CHECK=${DARWIN_CHECK:-$ROOT/../shared/darwin-check/check}
MIRROR=${MIRROR:-/work/.mirror}

find_git() {   # $1 = repository name under apple-oss-distributions
    local d
    for d in "$MIRROR/apple-oss-distributions+$1/repo" "$MIRROR/apple-oss-distributions+$1" \
             "$MIRROR/$1.git" "$MIRROR/$1"; do
        if [ -d "$d" ] && git --git-dir="$d" rev-parse -q --verify HEAD >/dev/null 2>&1; then
            echo "$d"; return 0
        fi
    done
    return 1
}

missing=0
for v in XNU_GIT:xnu NET_GIT:IONetworkingFamily PCI_GIT:IOPCIFamily SER_GIT:IOSerialFamily; do
    var=${v%%:*}; name=${v#*:}
    if [ -z "${!var:-}" ]; then
        d=$(find_git "$name") && export "$var=$d"
    fi
    if [ -z "${!var:-}" ] || ! git --git-dir="${!var}" rev-parse -q --verify HEAD >/dev/null 2>&1; then
        echo "darwin-check: no bare git dir of apple-oss-distributions/$name" >&2
        echo "  get it with:  git clone --bare https://github.com/apple-oss-distributions/$name $MIRROR/apple-oss-distributions+$name/repo" >&2
        echo "  or point $var at an existing bare clone" >&2
        missing=1
    fi
done
[ -x "$CHECK" ] || { echo "darwin-check: $CHECK not found (set DARWIN_CHECK)" >&2; exit 2; }
[ $missing = 0 ] || exit 2
for t in ${CLANG:-clang} llvm-nm llvm-objdump c++filt; do
    command -v "$t" >/dev/null || { echo "darwin-check: $t missing (apt-get install -y clang llvm)" >&2; exit 2; }
done

# IOSerialFamily headers as the SDK installs them (<IOKit/serial/...>), per
# tag: -64.1.1 came with 10.9 (profile old), -93.200.2 is the last published
# (new, matrix: no source for 10.14 and later exists)
BASE=${WORK:-${TMPDIR:-/tmp}/darwin-check}
ser_headers() {   # $1 = tag; prints the include dir
    local d=$BASE/ioserial-$1 h
    if [ ! -e "$d/IOKit/serial/IOSerialDriverSync.h" ]; then
        mkdir -p "$d/IOKit/serial"
        for h in IOSerialDriverSync.h IOSerialStreamSync.h IORS232SerialStreamSync.h IOModemSerialStreamSync.h \
                 IOSerialKeys.h; do
            git --git-dir="$SER_GIT" show "$1:IOSerialFamily.kmodproj/$h" > "$d/IOKit/serial/$h" ||
                { echo "darwin-check: $h not in $1" >&2; return 1; }
        done
    fi
    echo "$d"
}
SERINC_OLD=$(ser_headers "${SER_REF:-IOSerialFamily-64.1.1}") &&
SERINC_NEW=$(ser_headers "${SER_REF:-IOSerialFamily-93.200.2}") || exit 2
IOSERIAL_CLASSES=$(sed -n 's/^class \([A-Za-z0-9_]*\) *: *public.*/\1/p' "$SERINC_NEW"/IOKit/serial/*.h | sort -u | tr '\n' ' ')
[ -n "$IOSERIAL_CLASSES" ] || { echo "darwin-check: no classes in the IOSerialFamily headers" >&2; exit 2; }
export IOSERIAL_CLASSES FAMILY_RESOLVE=$ROOT/os/darwin/ioserial-resolve.sh

# the shared check, copied, with one line added after its symbol lookup
mkdir -p "$BASE" && COPY=$(mktemp -d "$BASE/check-copy.XXXXXX") || exit 2
trap 'rm -rf "$COPY"' EXIT
cp -r "$(dirname "$CHECK")"/. "$COPY"/ || exit 2
anchor='join -a1 "$T/undef" "$T/alls" > "$T/res"'
grep -qF "$anchor" "$COPY/check" || { echo "darwin-check: $CHECK changed: no symbol step to extend" >&2; exit 2; }
sed -i 's#^\(.*join -a1 "$T/undef" "$T/alls" > "$T/res"\)$#\1; "$FAMILY_RESOLVE" "$T/res" "$X" "$a"#' "$COPY/check"
grep -qF '"$FAMILY_RESOLVE" "$T/res" "$X" "$a"' "$COPY/check" || { echo "darwin-check: could not extend $CHECK" >&2; exit 2; }

rc=0
for p in ${PROFILE:-old new matrix}; do
    inc=$SERINC_NEW; [ "$p" = old ] && inc=$SERINC_OLD
    PROFILE=$p "$COPY/check" os/darwin core -Icore -I"$inc" || rc=1
done
exit $rc
