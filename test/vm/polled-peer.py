#!/usr/bin/env python3
# polled-peer.py - host side of the polled receive/reply test (scenarios/polled.sh).
#
#   polled-peer.py IFACE GUEST_MAC N [READY_SECS] [ECHO_SECS]
#
# Listens on IFACE (the NIC's tap, inside the test's netns) for Ethernet frames
# of ethertype 0x88b5 (IEEE 802 local experimental). Prints "listening", then
# waits for the guest's "ready" frame (payload MACVIO_ECHO_READY, sent by the
# macvio poll_echo hook once interrupts are off). Then sends N frames to
# GUEST_MAC, each "MVEC" + sequence number (u32 BE) + N (u32 BE) + bytes
# derived from the sequence number, lengths 60..1514, at most WINDOW
# unanswered at a time. Every echo must come back from GUEST_MAC to the tap's
# MAC, in order, with the payload and length unchanged.
# With N = 0 it only waits for the ready frame and then checks that nothing
# is echoed for ECHO_SECS.
# Exit 0 and a summary line when all is well; 1 and the reason otherwise.
import random
import socket
import struct
import sys
import time

ETH_P = 0x88B5
PACKET_OUTGOING = 4
WINDOW = 32
LENGTHS = (60, 61, 64, 100, 128, 255, 256, 512, 999, 1000, 1400, 1513, 1514)


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def frame(dst, src, seq, n):
    length = LENGTHS[seq % len(LENGTHS)]
    head = dst + src + struct.pack("!H", ETH_P) + b"MVEC" + struct.pack("!II", seq, n)
    rnd = random.Random(seq * 7919 + 1)
    return head + bytes(rnd.getrandbits(8) for _ in range(length - len(head)))


def main():
    ifname, guest = sys.argv[1], mac_bytes(sys.argv[2])
    n = int(sys.argv[3])
    ready_secs = float(sys.argv[4]) if len(sys.argv) > 4 else 20
    echo_secs = float(sys.argv[5]) if len(sys.argv) > 5 else 10
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P))
    s.bind((ifname, ETH_P))
    mine = s.getsockname()[4][:6]

    def recv(deadline):
        """Next incoming 0x88b5 frame from the guest, or None at the deadline."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            s.settimeout(left)
            try:
                data, addr = s.recvfrom(65536)
            except socket.timeout:
                return None
            if addr[2] == PACKET_OUTGOING or data[6:12] != guest:
                continue
            return data

    print("listening on %s (%s) for %s" % (ifname, mac_str(mine), mac_str(guest)), flush=True)
    t_ready = time.monotonic()
    while True:
        f = recv(t_ready + ready_secs)
        if f is None:
            print("FAIL: no ready frame from the guest within %.0f s" % ready_secs)
            return 1
        if f[14:31] == b"MACVIO_ECHO_READY":
            break
    want = struct.unpack("!I", f[32:36])[0]
    print("ready frame from %s (guest wants %u), %d bytes, after %.2f s"
          % (mac_str(f[6:12]), want, len(f), time.monotonic() - t_ready), flush=True)

    if n == 0:
        f = recv(time.monotonic() + echo_secs)
        if f is not None:
            print("FAIL: unexpected frame from the guest: %s" % f[:40].hex())
            return 1
        print("no echo in %.1f s, as expected" % echo_secs)
        return 0

    sent = {}
    nxt = got = 0
    t0 = time.monotonic()
    deadline = t0 + echo_secs
    while got < n:
        while nxt < n and nxt - got < WINDOW:
            sent[nxt] = frame(guest, mine, nxt, n)
            s.send(sent[nxt])
            nxt += 1
        f = recv(deadline)
        if f is None:
            print("FAIL: %d of %d echoed (%d sent) within %.0f s" % (got, n, nxt, echo_secs))
            return 1
        if f[14:18] != b"MVEC":
            print("FAIL: echo %d: not an echo frame: %s" % (got, f[:40].hex()))
            return 1
        seq = struct.unpack("!I", f[18:22])[0]
        want = sent[got]
        if seq != got:
            print("FAIL: echo %d carries sequence number %d (out of order or lost)" % (got, seq))
            return 1
        if f[0:6] != mine or f[6:12] != guest:
            print("FAIL: echo %d: addresses %s <- %s, expected %s <- %s"
                  % (seq, mac_str(f[0:6]), mac_str(f[6:12]), mac_str(mine), mac_str(guest)))
            return 1
        if f[12:] != want[12:]:
            print("FAIL: echo %d: %d bytes, payload differs from the %d bytes sent" % (seq, len(f), len(want)))
            return 1
        got += 1
    dt = time.monotonic() - t0
    print("%d frames (%d..%d bytes) echoed in order, payload and length intact, %.2f s, %.0f frames/s"
          % (n, min(LENGTHS), max(LENGTHS), dt, n / dt))
    f = recv(time.monotonic() + 0.5)
    if f is not None:
        print("FAIL: extra frame after the last echo: %s" % f[:40].hex())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
