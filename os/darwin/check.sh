#!/bin/bash
# os/darwin/check.sh: compile-check the macOS kext sources (os/darwin + core) on
# Linux against Apple's open-source kernel headers, with ../shared/darwin-check.
#
# usage (from anywhere):  os/darwin/check.sh            old, new and matrix
#                         PROFILE=old os/darwin/check.sh  10.9-era headers only
#                         PROFILE=new os/darwin/check.sh  newest headers only
#                         PROFILE=matrix ...  every SDK generation 10.9..newest
#                                             + which kernels load each build
# env: XNU_GIT NET_GIT PCI_GIT  bare git dirs of apple-oss-distributions/xnu,
#      IONetworkingFamily, IOPCIFamily; when unset they are looked for under
#      $MIRROR (default /work/.mirror/<owner>+<name>/repo).
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
for v in XNU_GIT:xnu NET_GIT:IONetworkingFamily PCI_GIT:IOPCIFamily; do
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

rc=0
for p in ${PROFILE:-old new matrix}; do
    PROFILE=$p "$CHECK" os/darwin core -Icore || rc=1
done
exit $rc
