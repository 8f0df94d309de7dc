#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""vlanpeer.py: a VLAN peer on a tap for hosts without 802.1Q support
(and a raw frame source for receive-filter tests: VID 0 sends untagged).

The test bed's host kernel has no 8021q (nor bridge), so a VLAN device on
the tap is not possible. This speaks the little a ping needs, tagged, on a
packet socket: it sends COUNT ICMP echo requests of SIZE random bytes from
SRC_IP/our MAC to DST_IP/PEER_MAC on VLAN VID, answers ARP for SRC_IP on
that VLAN, and compares every echo reply's payload with what it sent.

    vlanpeer.py IFACE PEER_MAC VID SRC_IP DST_IP COUNT SIZE [WAIT_S]

PEER_MAC may be any address (a foreign unicast or a multicast MAC, to see
what the guest's filter lets through).

Prints "sent N replies R ok K arp A": K replies carried the payload of
their request byte for byte. Exit status 0 unless the socket failed.
The kernel moves a received 802.1Q tag out of the frame (skb_vlan_untag);
PACKET_AUXDATA gives it back (tp_vlan_tci, TP_STATUS_VLAN_VALID).
"""
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_8021Q = 0x8100
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def tagged(dst, src, vid, etype, payload):
    if not vid:
        return dst + src + struct.pack("!H", etype) + payload
    return dst + src + struct.pack("!HHH", ETH_P_8021Q, vid, etype) + payload


def ipv4(src, dst, proto, payload, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def echo(ident, seq, data):
    h = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def main():
    ifc, peer, vid, sip, dip, count, size = sys.argv[1:8]
    wait = float(sys.argv[8]) if len(sys.argv) > 8 else 2.0
    vid, count, size = int(vid), int(count), int(size)
    sip_b, dip_b, peer_b = socket.inet_aton(sip), socket.inet_aton(dip), mac(peer)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifc, 0))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    ours = s.getsockname()[4][:6]
    ident = os.getpid() & 0xFFFF
    sent_data, replies, ok, arps = {}, 0, 0, 0

    def frame_vid(anc, frame):
        for lvl, typ, data in anc:
            if lvl == SOL_PACKET and typ == PACKET_AUXDATA and len(data) >= 20:
                st, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", data[:20])
                if st & TP_STATUS_VLAN_VALID:
                    return tci & 0xFFF, frame
        if len(frame) >= 18 and struct.unpack("!H", frame[12:14])[0] == ETH_P_8021Q:
            return struct.unpack("!H", frame[14:16])[0] & 0xFFF, frame[:12] + frame[16:]
        return None, frame

    def handle(frame, anc):
        nonlocal replies, ok, arps
        v, f = frame_vid(anc, frame)
        if (v or 0) != vid or f[6:12] == ours or len(f) < 14:
            return
        etype = struct.unpack("!H", f[12:14])[0]
        body = f[14:]
        if etype == 0x0806 and len(body) >= 28 and body[6:8] == b"\0\1" and body[24:28] == sip_b:
            rep = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + ours + sip_b + body[8:14] + body[14:18]
            s.send(tagged(body[8:14], ours, vid, 0x0806, rep))
            arps += 1
        elif etype == 0x0800 and len(body) >= 28 and body[9] == 1 and body[12:16] == dip_b:
            ihl = (body[0] & 0xF) * 4
            icmp = body[ihl:struct.unpack("!H", body[2:4])[0]]
            if len(icmp) >= 8 and icmp[0] == 0:
                rid, seq = struct.unpack("!HH", icmp[4:8])
                if rid == ident and seq in sent_data:
                    replies += 1
                    ok += icmp[8:] == sent_data.pop(seq)

    def drain(until):
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return
            if select.select([s], [], [], left)[0]:
                frame, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(64))
                handle(frame, anc)

    for seq in range(count):
        data = os.urandom(size)
        sent_data[seq] = data
        s.send(tagged(peer_b, ours, vid, 0x0800, ipv4(sip_b, dip_b, 1, echo(ident, seq, data), seq)))
        drain(time.monotonic() + 0.02)
    drain(time.monotonic() + wait)
    print("sent %d replies %d ok %d arp %d" % (count, replies, ok, arps))


if __name__ == "__main__":
    main()
