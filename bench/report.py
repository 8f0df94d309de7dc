#!/usr/bin/env python3
"""bench/report.py RAW OUT - turn bench/measure.sh's raw output into results.

Reads RAW (samples.tsv, s*.out, nic*.txt, idle.txt, meta.txt) and writes into
OUT: latest.json (every sample with its counters, per-round ratios, medians,
versions, commit), latest.md (the Markdown tables the README can carry) and
latest.png (gnuplot chart). Prints the terminal table, the Markdown, and as
the last three lines:
  spread over N rounds: tx=min-max rx=min-max ...
  throughput per QEMU host CPU: ...; host load: loadavg A-B, host CPU busy C %
  ratio macvio/virtio_net tx=X rx=Y cpu_tx=A cpu_rx=B rr1=R rr64=S udp_tx=P udp_rx=Q; macvio/e1000 tx=X rx=Y; packed/split tx=X rx=Y
Every ratio is computed within a round (the same round's runs of both
drivers), then the median and min-max over the rounds are reported.
A run counts only when it succeeded (measure.sh retries a failed run once);
if any run failed for good, nothing is written as latest.*, the failure is
printed last and the exit status is 1 - never a ratio made of missing data.

  report.py --sample FILE TEST   one raw sample as one short line (measure.sh's
                                 progress log)
"""
import json
import os
import re
import statistics
import subprocess
import sys

ALL_TESTS = ["tcp_g2h", "tcp_h2g", "udp_g2h", "udp_h2g", "rr1", "rr64"]
OLD_TESTS = ["tcp_g2h", "tcp_h2g", "udp_g2h", "udp_h2g"]   # raw dirs without meta "tests"
KIND_UNIT = {"tcp": "Gbit/s", "udp": "kpps", "rr": "trans/s"}
# guest CPU-% per unit: per Gbit/s, per kpps, per 1000 transactions/s
CPU_UNIT = {"tcp": "Gbit/s", "udp": "kpps", "rr": "1k trans/s"}
CPU_SCALE = {"tcp": 1.0, "udp": 1.0, "rr": 1000.0}
DIAG_TESTS = ["tcp_g2h", "tcp_h2g"]


def kind(test):
    return "rr" if test.startswith("rr") else test[:3]


def test_label(test, udp_len="?"):
    return {
        "tcp_g2h": "TCP guest->host",
        "tcp_h2g": "TCP host->guest",
        "udp_g2h": "UDP%s guest->host" % udp_len,
        "udp_h2g": "UDP%s host->guest" % udp_len,
        "rr1": "RR 1 byte",
        "rr64": "RR 64 bytes",
    }[test]


def read_kv(path):
    d = {}
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                if "=" in line:
                    k, v = line.split("=", 1)
                    d[k] = v
    return d


def parse_cpu_lines(lines):
    """{'cpu': [..], 'cpu0': [..]} from /proc/stat cpu lines."""
    out = {}
    for ln in lines:
        parts = ln.split()
        if parts and parts[0].startswith("cpu"):
            out[parts[0]] = [int(x) for x in parts[1:]]
    return out


def busy_pct(a, b):
    """Busy % between two /proc/stat cpu rows by counting ticks (user nice
    system idle iowait irq softirq steal ...; guest time is inside user). Busy
    ticks get lost when the guest's timer interrupts come late (TCG on a busy
    host), so this reads low in the guest; kept as a cross-check. On the host
    (real timer) it is the usual busy share; steal counts as busy there."""
    d = [y - x for x, y in zip(a, b)]
    d += [0] * (8 - len(d))
    idle = d[3] + d[4]
    busy = d[0] + d[1] + d[2] + d[5] + d[6] + d[7]
    tot = idle + busy
    return 100.0 * busy / tot if tot > 0 else None


def busy_pct_clock(a, b, up0, up1, ncpu, user_hz=100):
    """Busy % = 1 - idle / elapsed: /proc/stat idle + iowait (NO_HZ keeps
    these from the clock, not from ticks) against /proc/uptime elapsed time
    times the number of CPUs. Time a vCPU was runnable but not running (no
    steal accounting in TCG) counts as busy: the guest was not idle."""
    if up0 is None or up1 is None or up1 <= up0:
        return None
    idle = (b[3] - a[3]) + (b[4] - a[4])
    cap = (up1 - up0) * user_hz * ncpu
    return max(0.0, min(100.0, 100.0 * (1 - idle / cap)))


def col_share(a, b, col, up0, up1, ncpu, user_hz=100):
    """Share (%) of the window's CPU capacity that /proc/stat column `col`
    (0-based after the name: 5 irq, 6 softirq) grew by."""
    if up0 is None or up1 is None or up1 <= up0 or len(a) <= col or len(b) <= col:
        return None
    return 100.0 * (b[col] - a[col]) / ((up1 - up0) * user_hz * ncpu)


def kv_pairs(rest):
    """'a=1 b=2' -> {'a': 1, 'b': 2} (non-integer values skipped)."""
    d = {}
    for tok in rest.split():
        k, sep, v = tok.rpartition("=")
        if sep and k and v.isdigit():
            d[k] = int(v)
    return d


def delta(a, b):
    """Per-key difference of two counter dicts (keys present in both)."""
    if a is None or b is None:
        return None
    return {k: b[k] - a[k] for k in b if k in a}


RR_RE = re.compile(r"^rr len=(\d+) transactions=(\d+) seconds=([0-9.]+) tps=([0-9.]+) p50_us=(\d+) p99_us=(\d+)")


def parse_out(path):
    """One raw sample: guest cpu rows, uptimes, counters (@@ lines), host QEMU
    ticks and /proc/stat, and the client's output: iperf3 JSON (after @@JSON)
    or rr's line (after @@RR)."""
    r = {"cpu0": [], "cpu1": [], "up0": None, "up1": None, "nic0": None, "nic1": None,
         "host0": None, "host1": None, "json": None, "rr": None, "error": None}
    text = open(path, errors="replace").read() if os.path.exists(path) else ""
    js, in_js, saw_js, in_rr, saw_rr, rr_text = [], False, False, False, False, []
    for ln in text.splitlines():
        if in_js and not ln.startswith("@@"):
            js.append(ln)
            continue
        if in_rr and not ln.startswith("@@"):
            rr_text.append(ln)
            m = RR_RE.match(ln.strip())
            if m:
                r["rr"] = {"len": int(m.group(1)), "transactions": int(m.group(2)),
                           "seconds": float(m.group(3)), "tps": float(m.group(4)),
                           "p50_us": int(m.group(5)), "p99_us": int(m.group(6))}
            continue
        in_js = in_rr = False
        tag, _, rest = ln.partition(" ")
        if tag == "@@JSON":
            in_js = saw_js = True
        elif tag == "@@RR":
            in_rr = saw_rr = True
        elif tag in ("@@CPU0", "@@CPU1"):
            r["cpu" + tag[-1]].append(rest)
        elif tag in ("@@UP0", "@@UP1"):
            r["up" + tag[-1]] = float(rest.split()[0])
        elif tag in ("@@NIC0", "@@NIC1"):
            try:
                r["nic" + tag[-1]] = [int(x) for x in rest.split()]
            except ValueError:
                pass
        elif tag in ("@@ETH0", "@@ETH1", "@@IRQ0", "@@IRQ1", "@@SIRQ0", "@@SIRQ1"):
            r[tag[2:].lower()] = kv_pairs(rest)
        elif tag in ("@@GUDP0", "@@GUDP1", "@@HUDP0", "@@HUDP1"):
            r.setdefault(tag[2:].lower(), []).append(rest.split()[1:])
        elif tag in ("@@TAP0", "@@TAP1"):
            try:
                r["tap" + tag[-1]] = [int(x) for x in rest.split()]
            except ValueError:
                pass
        elif tag in ("@@HSTAT0", "@@HSTAT1"):
            parts = rest.split()
            if parts and parts[0] == "cpu":
                r["hstat" + tag[-1]] = [int(x) for x in parts[1:]]
        elif tag in ("@@HOST0", "@@HOST1"):
            t, w = rest.split()
            r["host" + tag[-1]] = (int(t), float(w))
    r["cpu0"], r["cpu1"] = parse_cpu_lines(r["cpu0"]), parse_cpu_lines(r["cpu1"])
    if saw_js:
        try:
            r["json"] = json.loads("\n".join(js).strip())
        except ValueError as e:
            r["error"] = "iperf3 output is not JSON: %s" % e
        if r["json"] is not None and r["json"].get("error"):
            r["error"] = "iperf3: " + r["json"]["error"]
    elif saw_rr:
        if r["rr"] is None:
            r["error"] = "rr: " + (" ".join(x.strip() for x in rr_text if x.strip())[-200:] or "no output")
    else:
        r["error"] = "no client output: " + " ".join(text.strip().splitlines()[-3:])
    return r


def sample_from(row, raw, clk_tck):
    p = parse_out(os.path.join(raw, row["file"]))
    cpu0, cpu1, js, err = p["cpu0"], p["cpu1"], p["json"], p["error"]
    test = row["test"]
    k = kind(test)
    s = {
        "round": int(row["round"]) + 1,
        "seq": int(row["seq"]),
        "position": int(row["pos"]) + 1,
        "driver": row["driver"],
        "test": test,
        "attempt": int(row["attempt"]),
        "exit_status": int(row["rc"]),
        "host_loadavg": row["loadavg"],
        "other_qemu_on_host": int(row["other_qemu"]) if row["other_qemu"].lstrip("-").isdigit() else None,
        "unit": KIND_UNIT[k],
        "ok": False,
    }
    if err is None and row["rc"] != "0":
        err = "client exit status %s" % row["rc"]
    end = (js or {}).get("end", {})
    rcv, snd = end.get("sum_received"), end.get("sum_sent")
    if err is None and k != "rr" and not rcv:
        err = "no sum_received in iperf3 JSON"
    if err is None and k == "udp" and not end.get("sum"):
        err = "no end.sum in iperf3 JSON"
    if err is None and ("cpu" not in cpu0 or "cpu" not in cpu1):
        err = "no /proc/stat sample from the guest"
    # host load over the sample's window: all host CPUs from /proc/stat
    if p.get("hstat0") and p.get("hstat1"):
        s["host_cpu_busy_pct"] = busy_pct(p["hstat0"], p["hstat1"])
        dd = [y - x for x, y in zip(p["hstat0"], p["hstat1"])]
        tot = sum(dd[:8])
        s["host_steal_pct"] = 100.0 * dd[7] / tot if len(dd) > 7 and tot > 0 else None
    if err:
        s["error"] = err
        return s
    s["ok"] = True
    if k == "tcp":
        s["value"] = s["gbps"] = rcv["bits_per_second"] / 1e9
        s["seconds"] = rcv["seconds"]
        s["bytes_received"] = rcv["bytes"]
        s["sender_gbps"] = snd["bits_per_second"] / 1e9 if snd else None
        s["retransmits"] = snd.get("retransmits") if snd else None
    elif k == "udp":
        sm = end["sum"]
        s["packets_received"] = sm["packets"] - sm["lost_packets"]
        s["seconds"] = sm["seconds"]
        s["value"] = s["kpps"] = s["packets_received"] / sm["seconds"] / 1e3 if sm["seconds"] > 0 else 0.0
        s["packets"] = sm["packets"]
        s["lost_packets"] = sm["lost_packets"]
        s["loss_pct"] = sm.get("lost_percent")
        s["jitter_ms"] = sm.get("jitter_ms")
        s["gbps"] = rcv["bits_per_second"] / 1e9
        s["sender_gbps"] = snd["bits_per_second"] / 1e9 if snd else None
    else:
        rr = p["rr"]
        s["value"] = s["tps"] = rr["tps"]
        s["transactions"] = rr["transactions"]
        s["seconds"] = rr["seconds"]
        s["p50_us"] = rr["p50_us"]
        s["p99_us"] = rr["p99_us"]
        s["request_bytes"] = rr["len"]
    vcpus = sorted(x for x in cpu0 if x != "cpu" and x in cpu1)
    s["guest_cpu_pct"] = busy_pct_clock(cpu0["cpu"], cpu1["cpu"], p["up0"], p["up1"], len(vcpus))
    s["guest_vcpu_pct"] = [busy_pct_clock(cpu0[x], cpu1[x], p["up0"], p["up1"], 1) for x in vcpus]
    s["guest_cpu_pct_ticks"] = busy_pct(cpu0["cpu"], cpu1["cpu"])
    if s["guest_cpu_pct"] is None:   # no uptime (older raw data): ticks
        s["guest_cpu_pct"] = s["guest_cpu_pct_ticks"]
    s["guest_softirq_pct"] = col_share(cpu0["cpu"], cpu1["cpu"], 6, p["up0"], p["up1"], len(vcpus))
    s["guest_irq_pct"] = col_share(cpu0["cpu"], cpu1["cpu"], 5, p["up0"], p["up1"], len(vcpus))
    win = (p["up1"] - p["up0"]) if p["up0"] is not None and p["up1"] is not None else None
    s["guest_window_s"] = win
    per = s["value"] / CPU_SCALE[k]
    s["cpu_pct_per_unit"] = s["guest_cpu_pct"] / per if per > 0 else None
    if k == "tcp":
        s["cpu_pct_per_gbps"] = s["cpu_pct_per_unit"]
    if p["host0"] and p["host1"] and p["host1"][1] > p["host0"][1]:
        # all QEMU threads, % of one host CPU, over the host's (slightly longer) window
        s["host_qemu_cpu_pct"] = 100.0 * (p["host1"][0] - p["host0"][0]) / clk_tck / (p["host1"][1] - p["host0"][1])
        # the result per host CPU QEMU got: the host's contention divided out
        if s["host_qemu_cpu_pct"] > 0:
            s["value_per_host_cpu"] = s["value"] / (s["host_qemu_cpu_pct"] / 100.0)
            s["host_qemu_cpu_pct_per_unit"] = s["host_qemu_cpu_pct"] / per if per > 0 else None
            if k == "tcp":
                s["gbps_per_host_cpu"] = s["value_per_host_cpu"]
    nic0, nic1 = p["nic0"], p["nic1"]
    # UDP counters: where datagrams were lost (guest stack, tap, host stack)
    for side in ("gudp", "hudp"):
        a, b = p.get(side + "0"), p.get(side + "1")
        if a and b and len(a) == 2 and len(b) == 2:
            s[("guest" if side == "gudp" else "host") + "_udp_delta"] = {
                x: int(w) - int(v) for x, v, w in zip(a[0], a[1], b[1])}
    if p.get("tap0") and p.get("tap1"):
        # host view of the tap: rx = frames from the guest, tx = frames to the guest
        s["tap_delta"] = dict(zip(["rx_packets", "rx_dropped", "tx_packets", "tx_dropped"],
                                  [y - x for x, y in zip(p["tap0"], p["tap1"])]))
    if nic0 and nic1:
        names = ["rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "rx_dropped", "tx_dropped"]
        s["nic_delta"] = dict(zip(names, [b - a for a, b in zip(nic0, nic1)]))
    # diagnosis counters: driver's ethtool -S, the NIC's interrupts, NET_RX/NET_TX softirqs
    s["ethtool_delta"] = delta(p.get("eth0"), p.get("eth1"))
    s["irq_delta"] = delta(p.get("irq0"), p.get("irq1"))
    s["softirq_delta"] = delta(p.get("sirq0"), p.get("sirq1"))
    diag = {}
    if win and win > 0:
        if s["irq_delta"] is not None:
            diag["irq_per_s"] = sum(s["irq_delta"].values()) / win
        if s["softirq_delta"]:
            diag["net_rx_softirq_per_s"] = s["softirq_delta"].get("NET_RX", 0) / win
            diag["net_tx_softirq_per_s"] = s["softirq_delta"].get("NET_TX", 0) / win
        if s.get("nic_delta"):
            diag["rx_pps"] = s["nic_delta"]["rx_packets"] / win
            diag["tx_pps"] = s["nic_delta"]["tx_packets"] / win
    nd = s.get("nic_delta")
    if nd:
        diag["rx_bytes_per_packet"] = nd["rx_bytes"] / nd["rx_packets"] if nd["rx_packets"] else None
        diag["tx_bytes_per_packet"] = nd["tx_bytes"] / nd["tx_packets"] if nd["tx_packets"] else None
        irqs = sum(s["irq_delta"].values()) if s["irq_delta"] else 0
        diag["packets_per_irq"] = (nd["rx_packets"] + nd["tx_packets"]) / irqs if irqs else None
    s["diag"] = diag
    if js:
        # the client's per-second view (client = guest: sender for g2h, receiver for h2g)
        s["client_intervals_gbps"] = [
            round(iv["sum"]["bits_per_second"] / 1e9, 4) for iv in (js.get("intervals") or []) if "sum" in iv
        ]
        s["iperf3_cpu_utilization_percent"] = end.get("cpu_utilization_percent")
    return s


def stat(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def ndig(unit):
    return {"Gbit/s": 2, "kpps": 1, "trans/s": 0}.get(unit, 2)


def fmt_range(st, nd=2):
    if not st:
        return "n/a"
    f = "%%.%df" % nd
    return (f % st["median"]) + " (" + (f % st["min"]) + "-" + (f % st["max"]) + ")"


def fmt_num(x, nd=2):
    return "n/a" if x is None else ("%%.%df" % nd) % x


def r2(x):
    return "n/a" if x is None else "%.2f" % x


def mm(st):
    return "n/a" if not st else "%.2f-%.2f" % (st["min"], st["max"])


def med(summary, drv, test, key):
    st = summary.get(drv, {}).get(test, {}).get(key)
    return st["median"] if st else None


def chart(summary, drivers, tests, out_png, meta, workdir):
    """Panels per test kind (TCP Gbit/s, UDP kpps, RR trans/s; their scales
    differ): top row the result, bottom row guest CPU-% per unit; bars are
    medians, whiskers min-max."""
    n = len(drivers)
    colors = {"macvio": "#1f77b4", "macvio_packed": "#17becf", "virtio_net": "#ff7f0e",
              "virtio_net_packed": "#d62728", "e1000": "#7f7f7f"}
    kinds = [k for k in ("tcp", "udp", "rr") if any(kind(t) == k for t in tests)]
    ulen = meta.get("udp_len", "?")
    dats = {}
    for k in kinds:
        dats[k] = os.path.join(workdir, "chart_%s.dat" % k)
        with open(dats[k], "w") as f:
            for t in tests:
                if kind(t) != k:
                    continue
                f.write('"%s"' % test_label(t, ulen))
                for key in ("value", "cpu_pct_per_unit"):
                    for d in drivers:
                        st = summary.get(d, {}).get(t, {}).get(key)
                        f.write(" %g %g %g" % ((st["median"], st["min"], st["max"]) if st else (0, 0, 0)))
                f.write("\n")

    def plot(k, key_index):
        parts = []
        for j, d in enumerate(drivers):
            c = 2 + key_index * 3 * n + 3 * j
            parts.append("'%s' using %d:%d:%d%s title '%s' lc rgb '%s'" % (
                dats[k], c, c + 1, c + 2, ":xtic(1)" if j == 0 else "", d, colors.get(d, "#2ca02c")))
        return "plot " + ", ".join(parts)

    title = "%s - QEMU %s TCG, 2 vCPU, guest %s, %s round(s), %s" % (
        " vs ".join(drivers),
        (meta.get("qemu") or "?").replace("QEMU emulator version ", ""),
        meta.get("guest_kernel", "?"), meta.get("rounds", "?"), meta.get("date", ""))
    name = {"tcp": "TCP", "udp": "UDP %s-byte datagrams" % ulen, "rr": "TCP request/response"}
    gp = ["set terminal pngcairo size %d,850 font \"sans,10\" noenhanced" % (450 * len(kinds) + 100),
          "set output '%s'" % out_png,
          "set multiplot layout 2,%d title \"%s\"" % (len(kinds), title),
          "set style data histogram", "set style histogram errorbars gap 2 lw 1",
          "set style fill solid 0.85 border -1", "set boxwidth 0.9", "set grid ytics",
          "set key below horizontal", "set yrange [0:*]"]
    for k in kinds:
        gp += ["set ylabel \"%s\"" % KIND_UNIT[k], "set title \"%s (median, min-max)\"" % name[k], plot(k, 0)]
    for k in kinds:
        gp += ["set ylabel \"guest CPU-%% per %s\"" % CPU_UNIT[k],
               "set title \"%s guest CPU per %s (lower is better)\"" % (name[k], CPU_UNIT[k]), plot(k, 1)]
    gp.append("unset multiplot")
    gpf = os.path.join(workdir, "chart.gp")
    with open(gpf, "w") as f:
        f.write("\n".join(gp) + "\n")
    r = subprocess.run(["gnuplot", gpf], capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(out_png):
        raise RuntimeError("gnuplot failed: " + r.stderr.strip()[-300:])


# ratio keys: name -> (test, metric); "value" is Gbit/s, kpps or trans/s
RATIO_KEYS = [
    ("tx", "tcp_g2h", "value"), ("rx", "tcp_h2g", "value"),
    ("cpu_tx", "tcp_g2h", "cpu_pct_per_unit"), ("cpu_rx", "tcp_h2g", "cpu_pct_per_unit"),
    ("rr1", "rr1", "value"), ("rr64", "rr64", "value"),
    ("udp_tx", "udp_g2h", "value"), ("udp_rx", "udp_h2g", "value"),
    ("cpu_udp_tx", "udp_g2h", "cpu_pct_per_unit"), ("cpu_udp_rx", "udp_h2g", "cpu_pct_per_unit"),
    ("cpu_rr1", "rr1", "cpu_pct_per_unit"), ("cpu_rr64", "rr64", "cpu_pct_per_unit"),
]
HOSTCPU_KEYS = [("tx", "tcp_g2h"), ("rx", "tcp_h2g"), ("udp_tx", "udp_g2h"), ("udp_rx", "udp_h2g"),
                ("rr1", "rr1"), ("rr64", "rr64")]
# label -> (numerator driver, denominator driver)
PAIRS = [("macvio/virtio_net", "macvio", "virtio_net"), ("macvio/e1000", "macvio", "e1000"),
         ("packed/split", "macvio_packed", "macvio"),
         ("virtio_net_packed/virtio_net", "virtio_net_packed", "virtio_net"),
         ("macvio_packed/virtio_net_packed", "macvio_packed", "virtio_net_packed")]


def round_ratios(runs, rounds, num, den, test, metric):
    """The ratio num/den of `metric` within each round, then median and
    min-max over the rounds (None when a driver or the test is missing)."""
    by = {(s["round"], s["driver"], s["test"]): s for s in runs if s["ok"]}
    per = []
    for r in range(1, rounds + 1):
        a, b = by.get((r, num, test)), by.get((r, den, test))
        if a is None or b is None or a.get(metric) is None or not b.get(metric):
            continue
        per.append(a[metric] / b[metric])
    st = stat(per)
    if st:
        st["per_round"] = per
    return st


def sample_line(path, test):
    """measure.sh's progress log: one sample in a few words."""
    row = {"round": "0", "seq": "0", "pos": "0", "driver": "?", "test": test, "attempt": "1",
           "rc": "0", "file": os.path.basename(path), "loadavg": "", "other_qemu": ""}
    s = sample_from(row, os.path.dirname(path) or ".", os.sysconf("SC_CLK_TCK"))
    if not s["ok"]:
        return "FAILED: %s" % s.get("error")
    k = kind(test)
    out = "%s %s" % (fmt_num(s["value"], ndig(s["unit"])), s["unit"])
    if k == "udp":
        out += ", loss %s %%" % fmt_num(s.get("loss_pct"), 1)
    if k == "rr":
        out += ", p50 %s us, p99 %s us" % (s["p50_us"], s["p99_us"])
    out += ", guest CPU %s %%, QEMU %s %%, host busy %s %%" % (
        fmt_num(s.get("guest_cpu_pct"), 0), fmt_num(s.get("host_qemu_cpu_pct"), 0),
        fmt_num(s.get("host_cpu_busy_pct"), 0))
    return out


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--sample":
        print(sample_line(sys.argv[2], sys.argv[3]))
        return 0
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    raw, out = sys.argv[1], sys.argv[2]
    meta = read_kv(os.path.join(raw, "meta.txt"))
    drivers = meta.get("drivers", "").split()
    tests = meta.get("tests", "").split() or OLD_TESTS
    ulen = meta.get("udp_len", "?")
    rounds = int(meta.get("rounds") or 0)
    rows = []
    with open(os.path.join(raw, "samples.tsv")) as f:
        hdr = f.readline().rstrip("\n").split("\t")
        for ln in f:
            rows.append(dict(zip(hdr, ln.rstrip("\n").split("\t"))))
    clk_tck = int(meta.get("clk_tck") or 100)
    samples = [sample_from(r, raw, clk_tck) for r in rows]

    # the result of a run = its last attempt; failed attempts stay in the raw list
    final = {}
    for s in samples:
        final[s["seq"]] = s
    runs = [final[k] for k in sorted(final)]
    failed = [s for s in runs if not s["ok"]]
    rounds = max([rounds] + [s["round"] for s in runs])

    diag_keys = ["irq_per_s", "packets_per_irq", "net_rx_softirq_per_s", "net_tx_softirq_per_s",
                 "rx_pps", "tx_pps", "rx_bytes_per_packet", "tx_bytes_per_packet"]
    summary = {}
    for d in drivers:
        summary[d] = {}
        for t in tests:
            good = [s for s in runs if s["driver"] == d and s["test"] == t and s["ok"]]
            sm = {
                "unit": KIND_UNIT[kind(t)],
                "value": stat([s["value"] for s in good]),
                "guest_cpu_pct": stat([s["guest_cpu_pct"] for s in good]),
                "cpu_pct_per_unit": stat([s["cpu_pct_per_unit"] for s in good]),
                "cpu_unit": CPU_UNIT[kind(t)],
                "guest_cpu_pct_ticks": stat([s["guest_cpu_pct_ticks"] for s in good]),
                "guest_softirq_pct": stat([s.get("guest_softirq_pct") for s in good]),
                "guest_irq_pct": stat([s.get("guest_irq_pct") for s in good]),
                "host_qemu_cpu_pct": stat([s.get("host_qemu_cpu_pct") for s in good]),
                "value_per_host_cpu": stat([s.get("value_per_host_cpu") for s in good]),
                "host_cpu_busy_pct": stat([s.get("host_cpu_busy_pct") for s in good]),
                "runs": len(good),
            }
            if kind(t) == "tcp":
                sm["gbps"] = sm["value"]
                sm["cpu_pct_per_gbps"] = sm["cpu_pct_per_unit"]
                sm["gbps_per_host_cpu"] = sm["value_per_host_cpu"]
                sm["retransmits"] = stat([s.get("retransmits") for s in good])
            if kind(t) == "udp":
                sm["loss_pct"] = stat([s.get("loss_pct") for s in good])
                sm["gbps"] = stat([s.get("gbps") for s in good])
            if kind(t) == "rr":
                sm["p50_us"] = stat([s.get("p50_us") for s in good])
                sm["p99_us"] = stat([s.get("p99_us") for s in good])
            sm["diag"] = {k: stat([s["diag"].get(k) for s in good]) for k in diag_keys}
            summary[d][t] = sm

    # ---- per-round ratios
    ratios = {"method": "per round: the two drivers' runs of that round divided; "
                        "median, min, max over the rounds"}
    for label, a, b in PAIRS:
        ratios[label] = {k: round_ratios(runs, rounds, a, b, t, m) for k, t, m in RATIO_KEYS}
    ratios["per_host_cpu"] = {
        label: {k: round_ratios(runs, rounds, a, b, t, "value_per_host_cpu") for k, t in HOSTCPU_KEYS}
        for label, a, b in PAIRS}

    def rm(label, key, group=None):
        st = (ratios[group][label] if group else ratios[label]).get(key)
        return st["median"] if st else None

    def sp(label, key):
        return mm(ratios[label].get(key))

    vkeys = ["tx", "rx", "cpu_tx", "cpu_rx", "rr1", "rr64", "udp_tx", "udp_rx"]
    last = "ratio macvio/virtio_net %s; macvio/e1000 tx=%s rx=%s; packed/split tx=%s rx=%s" % (
        " ".join("%s=%s" % (k, r2(rm("macvio/virtio_net", k))) for k in vkeys),
        r2(rm("macvio/e1000", "tx")), r2(rm("macvio/e1000", "rx")),
        r2(rm("packed/split", "tx")), r2(rm("packed/split", "rx")))
    spread = "spread over %d round%s: %s; macvio/e1000 tx=%s rx=%s; packed/split tx=%s rx=%s" % (
        rounds, "" if rounds == 1 else "s", " ".join("%s=%s" % (k, sp("macvio/virtio_net", k)) for k in vkeys),
        sp("macvio/e1000", "tx"), sp("macvio/e1000", "rx"), sp("packed/split", "tx"), sp("packed/split", "rx"))

    # ---- host load
    las = []
    for s in runs:
        try:
            las.append(float(s["host_loadavg"].split()[0]))
        except (ValueError, IndexError, AttributeError):
            pass
    run_busy = None
    h0, h1 = meta.get("host_stat_rounds0", "").split(), meta.get("host_stat_rounds1", "").split()
    if h0[:1] == ["cpu"] and h1[:1] == ["cpu"]:
        run_busy = busy_pct([int(x) for x in h0[1:]], [int(x) for x in h1[1:]])
    busy_st = stat([s.get("host_cpu_busy_pct") for s in runs])
    host_load = {
        "loadavg_1min": stat(las),
        "host_cpu_busy_pct_rounds": run_busy,
        "host_cpu_busy_pct_per_run": busy_st,
        "other_qemu_on_host": stat([s.get("other_qemu_on_host") for s in runs]),
        "how": "loadavg: /proc/loadavg 1-min value before each run; host CPU busy: all host CPUs from "
               "/proc/stat ((total - idle - iowait) / total, steal counts as busy), over each run's "
               "window and over all rounds",
    }
    load_txt = "host load: loadavg %s, host CPU busy %s %%" % (
        ("%.2f-%.2f" % (min(las), max(las))) if las else "n/a", fmt_num(run_busy, 0))

    def hc(label, key):
        return r2(rm(label, key, "per_host_cpu"))

    norm = "throughput per QEMU host CPU: macvio/virtio_net tx=%s rx=%s; macvio/e1000 tx=%s rx=%s; " \
           "packed/split tx=%s rx=%s; %s" % (
               hc("macvio/virtio_net", "tx"), hc("macvio/virtio_net", "rx"),
               hc("macvio/e1000", "tx"), hc("macvio/e1000", "rx"),
               hc("packed/split", "tx"), hc("packed/split", "rx"), load_txt)

    idle = None
    if os.path.exists(os.path.join(raw, "idle.txt")):
        p = parse_out(os.path.join(raw, "idle.txt"))
        c0, c1 = p["cpu0"], p["cpu1"]
        if "cpu" in c0 and "cpu" in c1:
            idle = busy_pct_clock(c0["cpu"], c1["cpu"], p["up0"], p["up1"], len([k for k in c0 if k != "cpu"]))
    nics = []
    for i in range(len(drivers)):
        nics.append(read_kv(os.path.join(raw, "nic%d.txt" % i)))

    def mint(key):
        return int(meta[key]) if meta.get(key, "").isdigit() else None

    result = {
        "schema": "macvio-bench/2",
        "date": meta.get("date"),
        "git_commit": meta.get("git_commit"),
        "git_describe": meta.get("git_describe"),
        "git_uncommitted": meta.get("git_uncommitted"),
        "macvio_source_sha256": meta.get("macvio_source_sha256"),
        "macvio_ko_sha256": meta.get("macvio_ko_sha256"),
        "macvio_srcversion": meta.get("macvio_srcversion"),
        "macvio_insmod_args": meta.get("macvio_args"),
        "rr_sha256": meta.get("rr_sha256"),
        "qemu_version": meta.get("qemu"),
        "guest_kernel": meta.get("guest_kernel"),
        "host_kernel": meta.get("host_kernel"),
        "host_cpus": meta.get("host_cpus"),
        "host_cpu_model": meta.get("host_cpu_model"),
        "iperf3": meta.get("iperf3"),
        "run_time_s": mint("run_time_s"),
        "setup": {
            "accel": "tcg",
            "machine": meta.get("machine"),
            "vcpus": 2,
            "memory_mib": 1024,
            "one_boot_all_nics": True,
            "virtio_device_options": meta.get("virtio_opts"),
            "quick": meta.get("quick") == "1",
            "tests": tests,
            "seconds_tcp": mint("seconds"),
            "seconds_udp_rr": mint("short_seconds"),
            "rounds": rounds,
            "warmup_seconds": mint("warmup"),
            "udp_target_rate": meta.get("udp_rate"),
            "udp_datagram_bytes": mint("udp_len"),
            "drivers": drivers,
            "order": "per round r, per test: drivers in BENCH_DRIVERS order rotated by r",
            "units": {"tcp": "Gbit/s (iperf3 receiver, end.sum_received)",
                      "udp": "kpps received (iperf3 end.sum: packets - lost_packets over seconds)",
                      "rr": "transactions/s (bench/rr.c, one TCP connection, TCP_NODELAY, "
                            "request and response of the same size)"},
            "cpu_per_unit": "guest CPU % per Gbit/s (TCP), per kpps (UDP), per 1000 transactions/s (RR)",
            "guest_cpu": "busy % of both vCPUs: 1 - (idle + iowait from guest /proc/stat) / "
                         "(elapsed guest /proc/uptime x vCPUs), read right before and after the client; "
                         "guest_cpu_pct_ticks counts /proc/stat ticks instead (reads low: TCG loses ticks)",
            "guest_softirq": "guest /proc/stat softirq column (7th) growth over the window, "
                             "% of the window's capacity (both vCPUs); guest_irq_pct the same for the irq "
                             "column (6th); ticks, so they read low like guest_cpu_pct_ticks",
            "host_qemu_cpu": "utime+stime of the whole QEMU process on the host, % of one host CPU, "
                             "over the host-side window (includes the command channel)",
            "counters": "per sample: ethtool_delta (every numeric ethtool -S counter), irq_delta (the NIC's "
                        "/proc/interrupts lines: msi_irqs or the INTx irq, summed over CPUs, keyed irq:name), "
                        "softirq_delta (/proc/softirqs NET_RX/NET_TX summed over CPUs), nic_delta",
            "guest_idle_cpu_pct": idle,
        },
        "host_load": host_load,
        "nics": nics,
        "summary": summary,
        "ratios": ratios,
        "ratio_line": last,
        "spread_line": spread,
        "host_cpu_normalized_line": norm,
        "failed_runs": [{k: s.get(k) for k in ("round", "driver", "test", "error")} for s in failed],
        "samples": samples,
    }

    def extra(t, sm):
        k = kind(t)
        if k == "udp":
            return fmt_range(sm["loss_pct"], 1)
        if k == "rr":
            return "%s / %s" % (fmt_num(med_st(sm["p50_us"]), 0), fmt_num(med_st(sm["p99_us"]), 0))
        return "-"

    def med_st(st):
        return st["median"] if st else None

    def row(t, d):
        sm = summary[d][t]
        u = sm["unit"]
        return [test_label(t, ulen), d, "%s %s" % (fmt_range(sm["value"], ndig(u)), u), extra(t, sm),
                fmt_range(sm["guest_cpu_pct"], 1), fmt_range(sm["cpu_pct_per_unit"], 2 if kind(t) == "udp" else 1),
                fmt_range(sm["host_qemu_cpu_pct"], 0), fmt_range(sm["value_per_host_cpu"], ndig(u))]

    heads = ["test", "driver", "result median (min-max)", "UDP loss % / RR p50/p99 us", "guest CPU %",
             "guest CPU-% per unit", "QEMU host CPU %", "result per host CPU"]
    # ---- terminal table
    table_rows = [row(t, d) for t in tests for d in drivers]
    widths = [max(len(str(x[j])) for x in table_rows + [heads]) for j in range(len(heads))]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(heads, widths)).rstrip()]
    lines.append("-" * len(lines[0]))
    for rw in table_rows:
        lines.append("  ".join(str(x).ljust(w) for x, w in zip(rw, widths)).rstrip())
    table = "\n".join(lines)

    # ---- markdown
    md = []
    md.append("Benchmark: %s, %s rounds per driver and test (rotated order; TCP %s s, UDP/RR %s s per run), "
              "QEMU %s TCG (no KVM), 2 vCPU / 1 GiB, guest Linux %s, %s on %s host CPUs (%s)." % (
                  result["date"] or "?", rounds, meta.get("seconds"), meta.get("short_seconds", "?"),
                  (meta.get("qemu") or "?").replace("QEMU emulator version ", ""), meta.get("guest_kernel"),
                  "commit " + (meta.get("git_describe") or "?"), meta.get("host_cpus"),
                  meta.get("host_cpu_model") or "?"))
    md.append("")
    md.append("| " + " | ".join(heads) + " |")
    md.append("|" + "---|" * len(heads))
    for rw in table_rows:
        md.append("| " + " | ".join(rw) + " |")
    md.append("")
    md.append("Units: TCP Gbit/s (receiver), UDP%s kpps received, RR transactions/s; guest CPU-%% per unit is "
              "per Gbit/s, per kpps and per 1000 transactions/s." % ulen)
    md.append("")
    # ratio table
    shown = [("macvio/virtio_net", vkeys), ("macvio/e1000", vkeys), ("packed/split", vkeys),
             ("virtio_net_packed/virtio_net", vkeys), ("macvio_packed/virtio_net_packed", vkeys)]
    md.append("Ratios, computed within each round, then median (min-max) over %d rounds "
              "(cpu_*: guest CPU per unit, below 1 = the first driver spends less; packed/split = "
              "macvio_packed/macvio):" % rounds)
    md.append("")
    md.append("| ratio | " + " | ".join(vkeys) + " | tx per host CPU | rx per host CPU |")
    md.append("|---|" + "---|" * (len(vkeys) + 2))
    for label, keys in shown:
        if not any(ratios[label].get(k) for k in keys):
            continue
        md.append("| %s | %s | %s | %s |" % (
            label, " | ".join(fmt_range(ratios[label].get(k)) for k in keys),
            fmt_range(ratios["per_host_cpu"][label]["tx"]), fmt_range(ratios["per_host_cpu"][label]["rx"])))
    md.append("")
    # diagnosis counters
    dt = [t for t in DIAG_TESTS if t in tests]
    if dt:
        md.append("Diagnosis (medians; guest side, over each run's window): interrupts/s of the NIC, packets "
                  "(rx+tx) per interrupt, NET_RX / NET_TX softirqs/s, guest softirq and hard-irq time (% of both vCPUs), bytes per packet "
                  "as the guest's interface counts them (above the MTU: TSO/GSO on tx, GRO/LRO on rx). "
                  "Every `ethtool -S` counter per run is in latest.json (`samples[].ethtool_delta`).")
        md.append("")
        md.append("| test | driver | irq/s | pkts/irq | NET_RX/s | NET_TX/s | softirq % | hardirq % | rx pkt/s "
                  "| tx pkt/s | rx B/pkt | tx B/pkt |")
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for t in dt:
            for d in drivers:
                sm = summary[d][t]
                dg = sm["diag"]

                def g(k, nd=0):
                    return fmt_num(med_st(dg.get(k)), nd)
                md.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    test_label(t, ulen), d, g("irq_per_s"), g("packets_per_irq", 1), g("net_rx_softirq_per_s"),
                    g("net_tx_softirq_per_s"), fmt_num(med_st(sm["guest_softirq_pct"]), 1),
                    fmt_num(med_st(sm["guest_irq_pct"]), 1), g("rx_pps"),
                    g("tx_pps"), g("rx_bytes_per_packet"), g("tx_bytes_per_packet")))
        md.append("")
    md.append("Host load: 1-min loadavg %s over the runs (median %s), host CPU busy %s %% over all rounds "
              "(per run median %s %%, %s), other QEMUs on the host: %s." % (
                  ("%.2f-%.2f" % (min(las), max(las))) if las else "n/a",
                  fmt_num(statistics.median(las), 2) if las else "n/a", fmt_num(run_busy, 0),
                  fmt_num(med_st(busy_st), 0), ("%.0f-%.0f" % (busy_st["min"], busy_st["max"])) if busy_st else "n/a",
                  fmt_range(host_load["other_qemu_on_host"], 0)))
    md.append("")
    md.append("`%s`" % spread)
    md.append("")
    md.append("`%s`" % norm)
    md.append("")
    md.append("`%s`" % last)
    md.append("")
    md.append("Throughput is what the receiver counted (iperf3; UDP %s-byte datagrams at a %s target, "
              "saturating; RR: bench/rr.c, one connection). Guest CPU is the busy share of both vCPUs (guest "
              "/proc/stat idle time against elapsed time around each run; idle guest: %s %%); CPU per unit: "
              "lower is better. QEMU host CPU: the whole QEMU process, %% of one host CPU; result per host "
              "CPU = result / (QEMU host CPU %% / 100), the most load-independent number on a shared host. "
              "`make bench` reproduces it; raw samples in bench/results/latest.json." % (
                  ulen, meta.get("udp_rate"), "%.1f" % idle if idle is not None else "n/a"))
    mdtext = "\n".join(md) + "\n"

    os.makedirs(out, exist_ok=True)
    print()
    print("guest idle CPU: %s %%; run time %s s; %d runs, %d failed; %s" % (
        "%.1f" % idle if idle is not None else "n/a", meta.get("run_time_s", "?"), len(runs), len(failed),
        load_txt))
    print()
    print(table)
    if failed:
        fj = os.path.join(out, "failed.json")
        with open(fj + ".tmp", "w") as f:
            json.dump(result, f, indent=1)
        os.replace(fj + ".tmp", fj)
        print()
        for s in failed:
            print("FAILED run: round %d %s %s: %s" % (s["round"], s["driver"], s["test"], s.get("error")))
        print("bench: FAILED: %d of %d runs failed twice (details in %s); no ratios" % (len(failed), len(runs), fj))
        return 1

    png = os.path.join(out, "latest.png")
    try:
        chart(summary, drivers, tests, png + ".tmp", meta, raw)
        os.replace(png + ".tmp", png)
        result["chart"] = "latest.png"
    except (OSError, RuntimeError) as ex:
        print("bench: warning: no chart: %s" % ex)
    for name, text in (("latest.json", json.dumps(result, indent=1) + "\n"), ("latest.md", mdtext)):
        p = os.path.join(out, name)
        with open(p + ".tmp", "w") as f:
            f.write(text)
        os.replace(p + ".tmp", p)
    print()
    print("Markdown (%s):" % os.path.join(out, "latest.md"))
    print()
    print(mdtext)
    print(spread)
    print(norm)
    print(last)
    return 0


if __name__ == "__main__":
    sys.exit(main())
