#!/usr/bin/env python3
# prof_summary.py N WORKLOAD..: per-packet instruction counts of the core from
# build-prof/cg.WORKLOAD (callgrind of prof_dp); used by "make prof".
import re,subprocess,sys
N=int(sys.argv[1]); 
for w in sys.argv[2:]:
    f=f"build-prof/cg.{w}"
    def parse(incl):
        out=subprocess.run(["callgrind_annotate"]+(["--inclusive=yes"] if incl else [])+["--threshold=100",f],capture_output=True,text=True).stdout
        d={}
        for l in out.splitlines():
            m=re.match(r'\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S+?):(\S+)\s+\[.*prof_dp\]',l)
            if m: d.setdefault((m.group(2).split('/')[-1],m.group(3)),int(m.group(1).replace(',','')))
        return d
    inc=parse(True); exc=parse(False)
    tot=sum(v for (fi,fn),v in exc.items())
    print(f"== {w}: per packet (N={N}); inclusive of API entry points")
    for (fi,fn),v in sorted(inc.items(),key=lambda x:-x[1]):
        if fn.startswith("vio_net_") and fi.startswith("vio_net") and fn in ("vio_net_tx","vio_net_tx_flush","vio_net_tx_reclaim","vio_net_rx_get","vio_net_rx_post","vio_net_rx_post_big","vio_net_rx_kick","vio_net_rx_room","vio_net_rx_buf_len","vio_net_tx_has_room"):
            print(f"   {fn:28s} {v/N:8.1f}")
    core=sum(v for (fi,fn),v in exc.items() if fi.startswith("vio_"))
    print(f"   core total (exclusive, all vio_* files) {core/N:8.1f}")
    print("   top core functions (exclusive):")
    for (fi,fn),v in sorted(exc.items(),key=lambda x:-x[1]):
        if fi.startswith("vio_") and v/N>=5: print(f"     {fi+':'+fn:45s} {v/N:8.1f}")
