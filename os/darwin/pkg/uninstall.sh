#!/bin/sh
# Remove macvio: unload it, delete the kext and this script, forget the
# package, refresh the kext caches. Installed as
#   /Library/Application Support/macvio/uninstall.sh
# run:  sudo "/Library/Application Support/macvio/uninstall.sh"
BUNDLE_ID=org.macvio.driver
KEXT=/Library/Extensions/macvio.kext
if [ "$(id -u)" != 0 ]; then
    exec sudo "$0" "$@"
fi
major=$(sw_vers -productVersion | cut -d. -f1)
if [ "$major" -ge 11 ]; then
    kmutil unload -b "$BUNDLE_ID" 2>/dev/null || true
else
    kextunload -b "$BUNDLE_ID" 2>/dev/null || true
fi
if kextstat 2>/dev/null | grep -q "$BUNDLE_ID"; then
    echo "macvio: still loaded (a network interface may be in use); it goes away at reboot"
fi
rm -rf "$KEXT"
pkgutil --forget "$BUNDLE_ID.pkg" >/dev/null 2>&1 || true
if [ "$major" -ge 11 ]; then
    kmutil install --volume-root / --update-all --check-rebuild || true
else
    touch /Library/Extensions
    kextcache -i / || true
fi
rm -rf "/Library/Application Support/macvio"
echo "macvio removed. Reboot to be sure no copy stays in the kernel caches."
