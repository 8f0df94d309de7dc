#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""rsshash.py - the host side of the receive-hash checks (scenarios/mq.sh).

  rsshash.py hash KEY SRC DST SPORT DPORT   print the Toeplitz hash (hex) of
                                            an IPv4 UDP 4-tuple; KEY as
                                            `ethtool -x` prints it (aa:bb:..)
  rsshash.py send SRC DST SPORT DPORT N     send N 200-byte UDP datagrams
                                            from SRC:SPORT to DST:DPORT

The hash is the one virtio 1.2 defines for a UDPv4 packet ("Hash calculation
for incoming packets": the
Microsoft RSS Toeplitz function over source address, destination address,
source port, destination port, in network byte order), which is what the
device must report and what skb->hash must then hold.
"""
import socket
import sys
import time


def toeplitz(key: bytes, data: bytes) -> int:
    k = int.from_bytes(key, "big")
    klen = len(key) * 8
    h = 0
    for i, byte in enumerate(data):
        for b in range(8):
            if byte & (0x80 >> b):
                shift = klen - 32 - (i * 8 + b)
                if shift < 0:
                    raise SystemExit("key too short for the input")
                h ^= (k >> shift) & 0xFFFFFFFF
    return h


def main() -> int:
    if len(sys.argv) == 7 and sys.argv[1] == "hash":
        key = bytes(int(x, 16) for x in sys.argv[2].split(":"))
        data = (socket.inet_aton(sys.argv[3]) + socket.inet_aton(sys.argv[4]) +
                int(sys.argv[5]).to_bytes(2, "big") + int(sys.argv[6]).to_bytes(2, "big"))
        print("%08x" % toeplitz(key, data))
        return 0
    if len(sys.argv) == 7 and sys.argv[1] == "send":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((sys.argv[2], int(sys.argv[4])))
        for i in range(int(sys.argv[6])):
            s.sendto(i.to_bytes(4, "big") * 50, (sys.argv[3], int(sys.argv[5])))
            time.sleep(0.002)  # well below what fills a ring: no loss expected
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
