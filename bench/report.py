#!/usr/bin/env python3
"""bench/report.py RAW OUT - turn bench/measure.sh's raw output into results.

Reads RAW (samples.tsv, s*.out, nic*.txt, idle.txt, meta.txt) and writes into
OUT: latest.json (every sample plus medians, versions, commit), latest.md (the
Markdown table the README can carry) and latest.png (gnuplot chart). Prints the
terminal table, the Markdown table, and as the very last line:
  ratio macvio/virtio_net tx=X rx=Y cpu_tx=A cpu_rx=B; macvio/e1000 tx=X rx=Y
A run counts only when it succeeded (measure.sh retries a failed run once);
if any run failed for good, nothing is written as latest.*, the failure is
printed last and the exit status is 1 - never a ratio made of missing data.
"""
import json
import os
import statistics
import subprocess
import sys

TESTS = ["tcp_g2h", "tcp_h2g", "udp_g2h", "udp_h2g"]
TEST_LABEL = {
    "tcp_g2h": "TCP guest->host",
    "tcp_h2g": "TCP host->guest",
    "udp_g2h": "UDP guest->host",
    "udp_h2g": "UDP host->guest",
}
SHORT = {"tcp_g2h": "TCP g->h", "tcp_h2g": "TCP h->g", "udp_g2h": "UDP g->h", "udp_h2g": "UDP h->g"}


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
    host), so this reads low; kept as a cross-check."""
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


def parse_out(path):
    """Guest output of one run: cpu rows, uptimes, NIC counters, host QEMU
    ticks, iperf3 JSON (between the @@JSON line and the next @@ line)."""
    r = {"cpu0": [], "cpu1": [], "up0": None, "up1": None, "nic0": None, "nic1": None,
         "host0": None, "host1": None, "json": None, "error": None}
    text = open(path, errors="replace").read() if os.path.exists(path) else ""
    js, in_js, saw_js = [], False, False
    for ln in text.splitlines():
        if in_js and not ln.startswith("@@"):
            js.append(ln)
            continue
        in_js = False
        tag, _, rest = ln.partition(" ")
        if tag == "@@JSON":
            in_js = saw_js = True
        elif tag in ("@@CPU0", "@@CPU1"):
            r["cpu" + tag[-1]].append(rest)
        elif tag in ("@@UP0", "@@UP1"):
            r["up" + tag[-1]] = float(rest.split()[0])
        elif tag in ("@@NIC0", "@@NIC1"):
            r["nic" + tag[-1]] = [int(x) for x in rest.split()]
        elif tag in ("@@GUDP0", "@@GUDP1", "@@HUDP0", "@@HUDP1"):
            r.setdefault(tag[2:].lower(), []).append(rest.split()[1:])
        elif tag in ("@@TAP0", "@@TAP1"):
            r["tap" + tag[-1]] = [int(x) for x in rest.split()]
        elif tag in ("@@HOST0", "@@HOST1"):
            t, w = rest.split()
            r["host" + tag[-1]] = (int(t), float(w))
    r["cpu0"], r["cpu1"] = parse_cpu_lines(r["cpu0"]), parse_cpu_lines(r["cpu1"])
    if saw_js:
        try:
            r["json"] = json.loads("\n".join(js).strip())
        except ValueError as e:
            r["error"] = "iperf3 output is not JSON: %s" % e
    else:
        r["error"] = "no iperf3 output: " + " ".join(text.strip().splitlines()[-3:])
    if r["json"] is not None and r["json"].get("error"):
        r["error"] = "iperf3: " + r["json"]["error"]
    return r


def sample_from(row, raw, clk_tck):
    p = parse_out(os.path.join(raw, row["file"]))
    cpu0, cpu1, js, err = p["cpu0"], p["cpu1"], p["json"], p["error"]
    s = {
        "round": int(row["round"]) + 1,
        "seq": int(row["seq"]),
        "position": int(row["pos"]) + 1,
        "driver": row["driver"],
        "test": row["test"],
        "attempt": int(row["attempt"]),
        "exit_status": int(row["rc"]),
        "host_loadavg": row["loadavg"],
        "other_qemu_on_host": int(row["other_qemu"]) if row["other_qemu"].lstrip("-").isdigit() else None,
        "ok": False,
    }
    if err is None and row["rc"] != "0":
        err = "iperf3 client exit status %s" % row["rc"]
    end = (js or {}).get("end", {})
    rcv, snd = end.get("sum_received"), end.get("sum_sent")
    if err is None and not rcv:
        err = "no sum_received in iperf3 JSON"
    if err is None and ("cpu" not in cpu0 or "cpu" not in cpu1):
        err = "no /proc/stat sample from the guest"
    if err:
        s["error"] = err
        return s
    s["ok"] = True
    s["gbps"] = rcv["bits_per_second"] / 1e9
    s["seconds"] = rcv["seconds"]
    s["bytes_received"] = rcv["bytes"]
    s["sender_gbps"] = snd["bits_per_second"] / 1e9 if snd else None
    if row["test"].startswith("udp"):
        s["loss_pct"] = rcv.get("lost_percent")
        s["lost_packets"] = rcv.get("lost_packets")
        s["packets"] = rcv.get("packets")
        s["jitter_ms"] = rcv.get("jitter_ms")
    else:
        s["retransmits"] = snd.get("retransmits") if snd else None
    vcpus = sorted(k for k in cpu0 if k != "cpu" and k in cpu1)
    s["guest_cpu_pct"] = busy_pct_clock(cpu0["cpu"], cpu1["cpu"], p["up0"], p["up1"], len(vcpus))
    s["guest_vcpu_pct"] = [busy_pct_clock(cpu0[k], cpu1[k], p["up0"], p["up1"], 1) for k in vcpus]
    s["guest_cpu_pct_ticks"] = busy_pct(cpu0["cpu"], cpu1["cpu"])
    if s["guest_cpu_pct"] is None:   # no uptime (older raw data): ticks
        s["guest_cpu_pct"] = s["guest_cpu_pct_ticks"]
    s["guest_window_s"] = (p["up1"] - p["up0"]) if p["up0"] is not None and p["up1"] is not None else None
    s["cpu_pct_per_gbps"] = s["guest_cpu_pct"] / s["gbps"] if s["gbps"] > 0 else None
    if p["host0"] and p["host1"] and p["host1"][1] > p["host0"][1]:
        # all QEMU threads, % of one host CPU, over the host's (slightly longer) window
        s["host_qemu_cpu_pct"] = 100.0 * (p["host1"][0] - p["host0"][0]) / clk_tck / (p["host1"][1] - p["host0"][1])
        # Gbit/s per host CPU QEMU got: throughput with the host's contention divided out
        if s["host_qemu_cpu_pct"] > 0:
            s["gbps_per_host_cpu"] = s["gbps"] / (s["host_qemu_cpu_pct"] / 100.0)
    nic0, nic1 = p["nic0"], p["nic1"]
    # UDP counters: where datagrams were lost (guest stack, tap, host stack)
    for side in ("gudp", "hudp"):
        a, b = p.get(side + "0"), p.get(side + "1")
        if a and b and len(a) == 2 and len(b) == 2:
            s[("guest" if side == "gudp" else "host") + "_udp_delta"] = {
                k: int(y) - int(x) for k, x, y in zip(a[0], a[1], b[1])}
    if p.get("tap0") and p.get("tap1"):
        # host view of the tap: rx = frames from the guest, tx = frames to the guest
        s["tap_delta"] = dict(zip(["rx_packets", "rx_dropped", "tx_packets", "tx_dropped"],
                                  [y - x for x, y in zip(p["tap0"], p["tap1"])]))
    if nic0 and nic1:
        names = ["rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "rx_dropped", "tx_dropped"]
        s["nic_delta"] = dict(zip(names, [b - a for a, b in zip(nic0, nic1)]))
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


def fmt_range(st, nd=2, pct=False):
    if not st:
        return "n/a"
    f = "%%.%df" % nd
    return (f % st["median"]) + " (" + (f % st["min"]) + "-" + (f % st["max"]) + ")"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def r2(x):
    return "n/a" if x is None else "%.2f" % x


def med(summary, drv, test, key):
    st = summary.get(drv, {}).get(test, {}).get(key)
    return st["median"] if st else None


def chart(summary, drivers, out_png, meta, workdir):
    """2x2 panels: throughput and guest CPU-% per Gbit/s, TCP and UDP apart
    (their scales differ ~10x); bars are medians, whiskers min-max."""
    n = len(drivers)
    colors = {"macvio": "#1f77b4", "virtio_net": "#ff7f0e", "e1000": "#7f7f7f"}
    dats = {}
    for proto in ("tcp", "udp"):
        dats[proto] = os.path.join(workdir, "chart_%s.dat" % proto)
        with open(dats[proto], "w") as f:
            for t in TESTS:
                if not t.startswith(proto):
                    continue
                f.write('"%s"' % TEST_LABEL[t])
                for key in ("gbps", "cpu_pct_per_gbps"):
                    for d in drivers:
                        st = summary.get(d, {}).get(t, {}).get(key)
                        f.write(" %g %g %g" % ((st["median"], st["min"], st["max"]) if st else (0, 0, 0)))
                f.write("\n")

    def plot(proto, key_index):
        parts = []
        for j, d in enumerate(drivers):
            c = 2 + key_index * 3 * n + 3 * j
            parts.append("'%s' using %d:%d:%d%s title '%s' lc rgb '%s'" % (
                dats[proto], c, c + 1, c + 2, ":xtic(1)" if j == 0 else "", d, colors.get(d, "#2ca02c")))
        return "plot " + ", ".join(parts)

    title = "%s - QEMU %s TCG, 2 vCPU, guest %s, iperf3 %s s x %s rounds, %s" % (
        " vs ".join(drivers),
        (meta.get("qemu") or "?").replace("QEMU emulator version ", ""),
        meta.get("guest_kernel", "?"), meta.get("seconds", "?"), meta.get("rounds", "?"),
        meta.get("date", ""))
    gp = """set terminal pngcairo size 1200,850 font "sans,10" noenhanced
set output '%s'
set multiplot layout 2,2 title "%s"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top right
set yrange [0:*]
set ylabel "Gbit/s (receiver)"
set title "TCP throughput (median, min-max)"
%s
set title "UDP %s-byte datagrams, throughput (median, min-max)"
%s
set ylabel "guest CPU-%% per Gbit/s"
set title "TCP guest CPU per Gbit/s (lower is better)"
%s
set title "UDP guest CPU per Gbit/s (lower is better)"
%s
unset multiplot
""" % (out_png, title, plot("tcp", 0), meta.get("udp_len", "?"), plot("udp", 0), plot("tcp", 1), plot("udp", 1))
    gpf = os.path.join(workdir, "chart.gp")
    with open(gpf, "w") as f:
        f.write(gp)
    r = subprocess.run(["gnuplot", gpf], capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(out_png):
        raise RuntimeError("gnuplot failed: " + r.stderr.strip()[-300:])


def main():
    raw, out = sys.argv[1], sys.argv[2]
    meta = read_kv(os.path.join(raw, "meta.txt"))
    drivers = meta.get("drivers", "").split()
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

    summary = {}
    for d in drivers:
        summary[d] = {}
        for t in TESTS:
            good = [s for s in runs if s["driver"] == d and s["test"] == t and s["ok"]]
            summary[d][t] = {
                "gbps": stat([s["gbps"] for s in good]),
                "guest_cpu_pct": stat([s["guest_cpu_pct"] for s in good]),
                "cpu_pct_per_gbps": stat([s["cpu_pct_per_gbps"] for s in good]),
                "guest_cpu_pct_ticks": stat([s["guest_cpu_pct_ticks"] for s in good]),
                "host_qemu_cpu_pct": stat([s.get("host_qemu_cpu_pct") for s in good]),
                "gbps_per_host_cpu": stat([s.get("gbps_per_host_cpu") for s in good]),
                "loss_pct": stat([s.get("loss_pct") for s in good]) if t.startswith("udp") else None,
                "runs": len(good),
            }

    def rat(drv, test, key):
        return ratio(med(summary, "macvio", test, key), med(summary, drv, test, key))

    ratios = {
        "macvio/virtio_net": {
            "tx": rat("virtio_net", "tcp_g2h", "gbps"),
            "rx": rat("virtio_net", "tcp_h2g", "gbps"),
            "cpu_tx": rat("virtio_net", "tcp_g2h", "cpu_pct_per_gbps"),
            "cpu_rx": rat("virtio_net", "tcp_h2g", "cpu_pct_per_gbps"),
            "udp_tx": rat("virtio_net", "udp_g2h", "gbps"),
            "udp_rx": rat("virtio_net", "udp_h2g", "gbps"),
        },
        "host_cpu_normalized": {
            "macvio/virtio_net": {"tx": rat("virtio_net", "tcp_g2h", "gbps_per_host_cpu"),
                                  "rx": rat("virtio_net", "tcp_h2g", "gbps_per_host_cpu")},
            "macvio/e1000": {"tx": rat("e1000", "tcp_g2h", "gbps_per_host_cpu"),
                             "rx": rat("e1000", "tcp_h2g", "gbps_per_host_cpu")},
        },
        "macvio/e1000": {
            "tx": rat("e1000", "tcp_g2h", "gbps"),
            "rx": rat("e1000", "tcp_h2g", "gbps"),
            "cpu_tx": rat("e1000", "tcp_g2h", "cpu_pct_per_gbps"),
            "cpu_rx": rat("e1000", "tcp_h2g", "cpu_pct_per_gbps"),
        },
    }
    v, e = ratios["macvio/virtio_net"], ratios["macvio/e1000"]
    last = "ratio macvio/virtio_net tx=%s rx=%s cpu_tx=%s cpu_rx=%s; macvio/e1000 tx=%s rx=%s" % (
        r2(v["tx"]), r2(v["rx"]), r2(v["cpu_tx"]), r2(v["cpu_rx"]), r2(e["tx"]), r2(e["rx"]))

    hn = ratios["host_cpu_normalized"]
    norm = "per QEMU host CPU: macvio/virtio_net tx=%s rx=%s; macvio/e1000 tx=%s rx=%s" % (
        r2(hn["macvio/virtio_net"]["tx"]), r2(hn["macvio/virtio_net"]["rx"]),
        r2(hn["macvio/e1000"]["tx"]), r2(hn["macvio/e1000"]["rx"]))
    idle = None
    if os.path.exists(os.path.join(raw, "idle.txt")):
        p = parse_out(os.path.join(raw, "idle.txt"))
        c0, c1 = p["cpu0"], p["cpu1"]
        if "cpu" in c0 and "cpu" in c1:
            idle = busy_pct_clock(c0["cpu"], c1["cpu"], p["up0"], p["up1"], len([k for k in c0 if k != "cpu"]))
    nics = []
    for i in range(len(drivers)):
        nics.append(read_kv(os.path.join(raw, "nic%d.txt" % i)))

    result = {
        "schema": "macvio-bench/1",
        "date": meta.get("date"),
        "git_commit": meta.get("git_commit"),
        "git_describe": meta.get("git_describe"),
        "git_uncommitted": meta.get("git_uncommitted"),
        "macvio_source_sha256": meta.get("macvio_source_sha256"),
        "macvio_ko_sha256": meta.get("macvio_ko_sha256"),
        "macvio_srcversion": meta.get("macvio_srcversion"),
        "qemu_version": meta.get("qemu"),
        "guest_kernel": meta.get("guest_kernel"),
        "host_kernel": meta.get("host_kernel"),
        "host_cpus": meta.get("host_cpus"),
        "host_cpu_model": meta.get("host_cpu_model"),
        "iperf3": meta.get("iperf3"),
        "run_time_s": int(meta["run_time_s"]) if meta.get("run_time_s", "").isdigit() else None,
        "setup": {
            "accel": "tcg",
            "machine": meta.get("machine"),
            "vcpus": 2,
            "memory_mib": 1024,
            "one_boot_all_nics": True,
            "virtio_device_options": meta.get("virtio_opts"),
            "seconds": int(meta.get("seconds", 0)),
            "rounds": int(meta.get("rounds", 0)),
            "warmup_seconds": int(meta.get("warmup", 0)),
            "udp_target_rate": meta.get("udp_rate"),
            "udp_datagram_bytes": int(meta.get("udp_len", 0)),
            "drivers": drivers,
            "order": "per round r, per test: drivers in BENCH_DRIVERS order rotated by r",
            "throughput": "iperf3 receiver side (end.sum_received), Gbit/s",
            "guest_cpu": "busy % of both vCPUs: 1 - (idle + iowait from guest /proc/stat) / "
                         "(elapsed guest /proc/uptime x vCPUs), read right before and after the iperf3 client; "
                         "guest_cpu_pct_ticks counts /proc/stat ticks instead (reads low: TCG loses ticks)",
            "host_qemu_cpu": "utime+stime of the whole QEMU process on the host, % of one host CPU, "
                             "over the host-side window (includes the command channel)",
            "guest_idle_cpu_pct": idle,
        },
        "nics": nics,
        "summary": summary,
        "ratios": ratios,
        "ratio_line": last,
        "host_cpu_normalized_line": norm,
        "failed_runs": [{k: s.get(k) for k in ("round", "driver", "test", "error")} for s in failed],
        "samples": samples,
    }

    # ---- terminal table
    lines = []
    hdr = "%-16s %-11s %-18s %-18s %-18s %-20s %-14s %s" % (
        "test", "driver", "Gbit/s (min-max)", "UDP loss %", "guest CPU %", "CPU-% per Gbit/s", "QEMU host CPU%",
        "Gbit/s per host CPU")
    lines.append(hdr)
    lines.append("-" * len(hdr))
    for t in TESTS:
        for d in drivers:
            sm = summary[d][t]
            lines.append("%-16s %-11s %-18s %-18s %-18s %-20s %-14s %s" % (
                TEST_LABEL[t], d, fmt_range(sm["gbps"]),
                fmt_range(sm["loss_pct"], 1) if t.startswith("udp") else "-",
                fmt_range(sm["guest_cpu_pct"], 1), fmt_range(sm["cpu_pct_per_gbps"], 1),
                fmt_range(sm["host_qemu_cpu_pct"], 0), fmt_range(sm["gbps_per_host_cpu"])))
    table = "\n".join(lines)

    # ---- markdown
    md = []
    md.append("Benchmark: %s, %s x %s s iperf3 runs per driver and test (rotated order), "
              "QEMU %s TCG (no KVM), 2 vCPU / 1 GiB, guest Linux %s, %s on %s host CPUs (%s)." % (
                  result["date"] or "?", meta.get("rounds"), meta.get("seconds"),
                  (meta.get("qemu") or "?").replace("QEMU emulator version ", ""), meta.get("guest_kernel"),
                  "commit " + (meta.get("git_describe") or "?"), meta.get("host_cpus"),
                  meta.get("host_cpu_model") or "?"))
    md.append("")
    md.append("| test | driver | Gbit/s median (min-max) | UDP loss % | guest CPU % | CPU-% per Gbit/s "
              "| QEMU host CPU % | Gbit/s per host CPU |")
    md.append("|---|---|---|---|---|---|---|---|")
    for t in TESTS:
        for d in drivers:
            sm = summary[d][t]
            md.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                TEST_LABEL[t], d, fmt_range(sm["gbps"]),
                fmt_range(sm["loss_pct"], 1) if t.startswith("udp") else "-",
                fmt_range(sm["guest_cpu_pct"], 1), fmt_range(sm["cpu_pct_per_gbps"], 1),
                fmt_range(sm["host_qemu_cpu_pct"], 0), fmt_range(sm["gbps_per_host_cpu"])))
    md.append("")
    md.append("`%s`" % last)
    md.append("")
    md.append("TCP throughput per host CPU that QEMU got (divides out the host's load; see bench/README.md): `%s`" % norm)
    md.append("")
    md.append("Throughput is what the iperf3 receiver counted; UDP uses %s-byte datagrams at a %s "
              "target (saturating). Guest CPU is the busy share of both vCPUs (guest /proc/stat idle time "
              "against elapsed time around each run; idle guest: %s %%); CPU-%% per Gbit/s: lower is better. "
              "QEMU host CPU: the whole QEMU process, %% of one host CPU; Gbit/s per host CPU = Gbit/s / "
              "(QEMU host CPU %% / 100), the most load-independent number on a shared host. "
              "`make bench` reproduces it; "
              "raw samples in bench/results/latest.json." % (
                  meta.get("udp_len"), meta.get("udp_rate"), "%.1f" % idle if idle is not None else "n/a"))
    mdtext = "\n".join(md) + "\n"

    os.makedirs(out, exist_ok=True)
    print()
    print("guest idle CPU: %s %%; run time %s s; %d runs, %d failed" % (
        "%.1f" % idle if idle is not None else "n/a", meta.get("run_time_s", "?"), len(runs), len(failed)))
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
        chart(summary, drivers, png + ".tmp", meta, raw)
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
    print("throughput " + norm)
    print(last)
    return 0


if __name__ == "__main__":
    sys.exit(main())
