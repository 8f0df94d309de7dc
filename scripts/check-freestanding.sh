#!/bin/sh
# The core is freestanding (DESIGN.md): a core file may include only
# <stdint.h> <stddef.h> <stdbool.h> and the core's own headers ("...").
# Prints every offending line and fails the build if there is one.
set -u
dir=${1:-core}
bad=$(grep -nE '^[[:space:]]*#[[:space:]]*include' "$dir"/*.c "$dir"/*.h 2>/dev/null |
	grep -vE '#[[:space:]]*include[[:space:]]*(<(stdint|stddef|stdbool)\.h>|"[A-Za-z0-9_]+\.h")')
if [ -n "$bad" ]; then
	echo "freestanding check FAILED: the core may include only <stdint.h> <stddef.h> <stdbool.h> and its own headers:" >&2
	echo "$bad" >&2
	exit 1
fi
# a quoted include must name a header that lives in the core itself
for inc in $(grep -hoE '#[[:space:]]*include[[:space:]]*"[A-Za-z0-9_]+\.h"' "$dir"/*.c "$dir"/*.h | sed 's/.*"\(.*\)"/\1/' | sort -u); do
	[ -f "$dir/$inc" ] || { echo "freestanding check FAILED: \"$inc\" is not a core header" >&2; exit 1; }
done
echo "freestanding check: ok ($(ls "$dir"/*.c "$dir"/*.h 2>/dev/null | wc -l) core files)"
