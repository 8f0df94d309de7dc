// SPDX-License-Identifier: BSD-2-Clause
/*
 * macvio_medium.c - speed and duplex to an Ethernet medium (macvio_medium.h
 * has the Apple facts it follows).
 */
#include "macvio_medium.h"

#define MACVIO_SPEED_UNKNOWN 0xffffffffu

/* The fastest subtype not faster than the speed (ifconfig shows a
 * twisted-pair name; IOLinkSpeed and the interface bandwidth carry the
 * exact value). */
static uint32_t macvio_medium_subtype(uint32_t mbps, unsigned darwin_major)
{
	int nbaset = darwin_major >= MACVIO_MEDIUM_NBASET_DARWIN;

	if (mbps >= 10000)
		return MACVIO_MEDIUM_10GBASET;
	if (mbps >= 5000 && nbaset)
		return MACVIO_MEDIUM_5000BASET;
	if (mbps >= 2500 && nbaset)
		return MACVIO_MEDIUM_2500BASET;
	if (mbps >= 1000)
		return MACVIO_MEDIUM_1000BASET;
	if (mbps >= 100)
		return MACVIO_MEDIUM_100BASETX;
	return MACVIO_MEDIUM_10BASET;
}

void macvio_medium_pick(uint32_t speed_mbps, uint8_t duplex, unsigned darwin_major, struct macvio_medium *out)
{
	int full = duplex == 1, half = duplex == 0;
	uint32_t mbps = speed_mbps;

	if (speed_mbps == MACVIO_SPEED_UNKNOWN && !full && !half) {
		mbps = MACVIO_MEDIUM_DEFAULT_MBPS;
		full = 1;
	} else if (speed_mbps == MACVIO_SPEED_UNKNOWN) {
		mbps = MACVIO_MEDIUM_DEFAULT_MBPS; /* a duplex without a speed */
	}
	out->type = macvio_medium_subtype(mbps, darwin_major) | (full	? MACVIO_MEDIUM_FDX
								 : half ? MACVIO_MEDIUM_HDX
									: 0u);
	out->bps = (uint64_t)mbps * 1000000u;
}
