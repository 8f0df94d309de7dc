/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_medium.h - the Ethernet medium the kext publishes for the speed and
 * duplex the device reports (NET_F_SPEED_DUPLEX, virtio 1.2 §5.1.4). Plain C,
 * no IOKit type, so test/unit runs it against a table of Apple's facts
 * (test/unit/t_medium.c; docs/macos.md "Link speed and duplex").
 *
 * The facts it rests on:
 *  - ifconfig's media line comes from the medium dictionary: SIOCGIFMEDIA
 *    looks the IOActiveMedium name up there and reports that entry's type
 *    (apple-oss-distributions/IONetworkingFamily, IONetworkInterface.cpp
 *    syncSIOCGIFMEDIA, IONetworkingFamily-100 .. -188): the medium given to
 *    setLinkStatus must be in the published dictionary, so a new speed
 *    means a new dictionary (publishMediumDictionary may be called again,
 *    IONetworkController.h, -188) and then setLinkStatus with its medium.
 *  - setLinkStatus takes the speed in bits/s (IONetworkController.cpp
 *    setLinkStatus, -100 and -188); a speed change alone broadcasts
 *    kIONetworkEventTypeLinkSpeedChange, which IONetworkInterface::inputEvent
 *    turns into ifnet_set_bandwidths (since -85).
 *  - kIOMediumEthernet* is (IFM_xxx | IFM_ETHER) (IONetworkMedium.h):
 *    10BaseT 0x23, 100BaseTX 0x26 (since -4), 1000BaseT 0x30 (-42), 10GBaseT
 *    0x35 (-62), 2500BaseT 0x36 and 5000BaseT 0x37 (-107); the subtypes
 *    IFM_2500_T / IFM_5000_T exist in the kernel since xnu-3247.1.106 (OS X
 *    10.11, Darwin 15), so older kernels get 1000BaseT for those speeds.
 *    No kIOMedium constant names 25G or more; the extended IFM_X subtypes
 *    (xnu-4903.270.47+) "must not be used by kernel extensions deployed on
 *    older system versions" (bsd/net/if_media.h): 10 Gb/s and up is
 *    10GBaseT, and the exact speed goes to setLinkStatus.
 *  - Duplex: kIOMediumOptionFullDuplex 0x00100000, ...HalfDuplex
 *    0x00200000 (IFM_FDX / IFM_HDX, since -4); unknown sets neither.
 */
#ifndef MACVIO_MEDIUM_H
#define MACVIO_MEDIUM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MACVIO_MEDIUM_10BASET	0x00000023u
#define MACVIO_MEDIUM_100BASETX 0x00000026u
#define MACVIO_MEDIUM_1000BASET 0x00000030u
#define MACVIO_MEDIUM_10GBASET	0x00000035u
#define MACVIO_MEDIUM_2500BASET 0x00000036u
#define MACVIO_MEDIUM_5000BASET 0x00000037u
#define MACVIO_MEDIUM_FDX	0x00100000u
#define MACVIO_MEDIUM_HDX	0x00200000u
/* first Darwin major whose kernel knows IFM_2500_T / IFM_5000_T */
#define MACVIO_MEDIUM_NBASET_DARWIN 15u
/* what the kext reports without NET_F_SPEED_DUPLEX, as before it: 10 Gb/s */
#define MACVIO_MEDIUM_DEFAULT_MBPS 10000u

struct macvio_medium {
	uint32_t type; /* kIOMediumEthernet* | duplex option */
	uint64_t bps;  /* for IONetworkMedium::medium and setLinkStatus */
};

/* speed in Mbit/s or 0xffffffff (unknown), duplex 0 half / 1 full / other
 * unknown, as the core validated them (vio_net_speed_valid). Unknown speed
 * and duplex together (no NET_F_SPEED_DUPLEX) give the medium the kext
 * always published: 10GBaseT full duplex, 10 Gb/s. */
void macvio_medium_pick(uint32_t speed_mbps, uint8_t duplex, unsigned darwin_major,
			struct macvio_medium *out);

#ifdef __cplusplus
}
#endif

#endif
