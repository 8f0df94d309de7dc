/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_medium.c - the medium the kext publishes for the device's speed and
 * duplex (os/darwin/macvio_medium.c), against the facts of
 * apple-oss-distributions/IONetworkingFamily (IONetworkMedium.h constants)
 * and xnu (bsd/net/if_media.h subtypes) each row names.
 */
#include "macvio_medium.h"
#include "runner.h"

#define UNKNOWN 0xffffffffu

struct medium_case {
	const char *source;
	uint32_t mbps;
	uint8_t duplex;
	unsigned darwin;
	uint32_t type;
	uint64_t bps;
};

static const struct medium_case cases[] = {
    {"no NET_F_SPEED_DUPLEX: the 10GBaseT full-duplex medium the kext always published", UNKNOWN, 0xff, 23,
     0x35 | 0x00100000, 10000000000ull},
    {"IONetworkMedium.h -62: kIOMediumEthernet10GBaseT 0x35, IFM_FDX 0x00100000", 10000, 1, 13,
     0x35 | 0x00100000, 10000000000ull},
    {"no kIOMedium for 25G+ (IONetworkMedium.h -160.40.1 'will not be extended'): 10GBaseT, exact speed",
     100000, 1, 24, 0x35 | 0x00100000, 100000000000ull},
    {"IONetworkMedium.h -107 kIOMediumEthernet2500BaseT 0x36; IFM_2500_T since xnu-3247.1.106 (Darwin 15)",
     2500, 1, 15, 0x36 | 0x00100000, 2500000000ull},
    {"Darwin 14 (xnu-2782) has no IFM_2500_T: 1000BaseT, exact speed", 2500, 1, 14, 0x30 | 0x00100000,
     2500000000ull},
    {"IONetworkMedium.h -107 kIOMediumEthernet5000BaseT 0x37", 5000, 1, 20, 0x37 | 0x00100000, 5000000000ull},
    {"Darwin 13 (OS X 10.9): no IFM_5000_T", 5000, 1, 13, 0x30 | 0x00100000, 5000000000ull},
    {"IONetworkMedium.h -42 kIOMediumEthernet1000BaseT 0x30", 1000, 1, 13, 0x30 | 0x00100000, 1000000000ull},
    {"IONetworkMedium.h -4 kIOMediumEthernet100BaseTX 0x26, IFM_HDX 0x00200000", 100, 0, 13,
     0x26 | 0x00200000, 100000000ull},
    {"IONetworkMedium.h -4 kIOMediumEthernet10BaseT 0x23", 10, 1, 13, 0x23 | 0x00100000, 10000000ull},
    {"between subtypes: the fastest not above the speed", 9999, 1, 20, 0x37 | 0x00100000, 9999000000ull},
    {"0 Mbit/s is a speed (virtio 1.2 5.1.4)", 0, 1, 20, 0x23 | 0x00100000, 0},
    {"largest speed the spec allows", 0x7fffffff, 1, 20, 0x35 | 0x00100000, 0x7fffffffull * 1000000u},
    {"speed without a duplex: neither IFM_FDX nor IFM_HDX", 1000, 0xff, 20, 0x30, 1000000000ull},
    {"duplex without a speed: 10 Gb/s as without the feature, the duplex as told", UNKNOWN, 0, 20,
     0x35 | 0x00200000, 10000000000ull},
};

TEST(medium_table)
{
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct medium_case *c = &cases[i];
		struct macvio_medium got;

		macvio_medium_pick(c->mbps, c->duplex, c->darwin, &got);
		ASSERT_MSG(got.type == c->type && got.bps == c->bps, "%s: type 0x%x bps %llu, want 0x%x %llu",
			   c->source, got.type, (unsigned long long)got.bps, c->type,
			   (unsigned long long)c->bps);
	}
}
