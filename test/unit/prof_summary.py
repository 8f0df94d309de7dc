#!/usr/bin/env python3
# prof_summary.py N WORKLOAD..: per-packet instruction counts of the core from
# build-prof/cg.WORKLOAD.LAYOUT (callgrind of prof_dp, LAYOUT split and
# packed); used by "make prof". Ends with one table of both layouts.
import os
import re
import subprocess
import sys

N = int(sys.argv[1])
LAYOUTS = ("split", "packed")
API = ("vio_net_tx", "vio_net_tx_flush", "vio_net_tx_reclaim", "vio_net_rx_get", "vio_net_rx_post",
       "vio_net_rx_post_big", "vio_net_rx_kick", "vio_net_rx_room", "vio_net_rx_buf_len", "vio_net_tx_has_room")


def parse(f, incl):
    out = subprocess.run(["callgrind_annotate"] + (["--inclusive=yes"] if incl else []) + ["--threshold=100", f],
                         capture_output=True, text=True).stdout
    d = {}
    for line in out.splitlines():
        m = re.match(r'\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S+?):(\S+)\s+\[.*prof_dp\]', line)
        if m:
            d.setdefault((m.group(2).split('/')[-1], m.group(3)), int(m.group(1).replace(',', '')))
    return d


def report(w, layout):
    f = "build-prof/cg.%s.%s" % (w, layout)
    if not os.path.exists(f):
        return None
    inc, exc = parse(f, True), parse(f, False)
    print("== %s, %s ring: per packet (N=%d); inclusive of API entry points" % (w, layout, N))
    for (fi, fn), v in sorted(inc.items(), key=lambda x: -x[1]):
        if fi.startswith("vio_net") and fn in API:
            print("   %-28s %8.1f" % (fn, v / N))
    core = sum(v for (fi, fn), v in exc.items() if fi.startswith("vio_"))
    print("   core total (exclusive, all vio_* files) %8.1f" % (core / N))
    print("   top core functions (exclusive):")
    for (fi, fn), v in sorted(exc.items(), key=lambda x: -x[1]):
        if fi.startswith("vio_") and v / N >= 5:
            print("     %-45s %8.1f" % (fi + ':' + fn, v / N))
    return core / N


rows = []
for w in sys.argv[2:]:
    rows.append((w, [report(w, lay) for lay in LAYOUTS]))
print()
print("core instructions per packet (one TX + one RX packet), split vs packed ring:")
print("   %-8s %10s %10s %14s" % ("workload", "split", "packed", "packed/split"))
for w, (s, p) in rows:
    r = "%.2f" % (p / s) if s and p else "n/a"
    print("   %-8s %10s %10s %14s" % (w, "%.1f" % s if s else "n/a", "%.1f" % p if p else "n/a", r))
