/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_parse.c - vio_net_tx_meta_from_frame: offsets derived from a frame's
 * headers (for stacks that give none, i.e. macOS), and its refusals.
 */
#include <stdlib.h>

#include "runner.h"
#include "vio_net.h"

static struct vio_net net_with(uint64_t features)
{
	struct vio_net n;
	memset(&n, 0, sizeof(n));
	n.dev.features = features;
	return n;
}

#define ALL_TX                                                                                               \
	(VIO_BIT(VIO_NET_F_CSUM) | VIO_BIT(VIO_NET_F_HOST_TSO4) | VIO_BIT(VIO_NET_F_HOST_TSO6) |             \
	 VIO_BIT(VIO_NET_F_HOST_ECN))

/* Build Ethernet [+VLAN] + IPv4|IPv6 [+ext] + TCP|UDP into f; returns the
 * header length. tcp_doff in 32-bit words. */
struct hdr_spec {
	bool vlan, ipv6, ext, udp, frag, cwr;
	unsigned ihl, tcp_doff;
};

static uint32_t build(uint8_t *f, const struct hdr_spec *s)
{
	uint32_t o = 12;
	memset(f, 0, 128);
	if (s->vlan) {
		f[o] = 0x81, f[o + 1] = 0x00, f[o + 2] = 0, f[o + 3] = 5;
		o += 4;
	}
	if (s->ipv6) {
		f[o] = 0x86, f[o + 1] = 0xdd;
		o += 2;
		f[o] = 0x60;
		f[o + 6] = s->ext ? 0 : (s->udp ? 17 : 6);
		o += 40;
		if (s->ext) {
			f[o] = s->udp ? 17 : 6; /* hop-by-hop, 8 bytes */
			f[o + 1] = 0;
			o += 8;
		}
	} else {
		unsigned ihl = s->ihl ? s->ihl : 5;
		f[o] = 0x08, f[o + 1] = 0x00;
		o += 2;
		f[o] = (uint8_t)(0x40 | ihl);
		if (s->frag)
			f[o + 6] = 0x20; /* MF */
		f[o + 9] = s->udp ? 17 : 6;
		o += ihl * 4;
	}
	if (s->udp)
		return o + 8;
	unsigned doff = s->tcp_doff ? s->tcp_doff : 5;
	f[o + 12] = (uint8_t)(doff << 4);
	f[o + 13] = s->cwr ? 0x80 : 0x10;
	return o + doff * 4;
}

TEST(parse_ipv4_tcp_csum)
{
	struct vio_net n = net_with(ALL_TX);
	uint8_t f[1500];
	struct vio_net_tx_meta m;
	struct hdr_spec s = {0};
	uint32_t h = build(f, &s);
	ASSERT_EQ(h, 54);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&n, f, h, 1500, VIO_NET_OFL_CSUM, 0, &m), VIO_OK);
	ASSERT_EQ(m.flags, VIO_NET_TX_F_CSUM);
	ASSERT_EQ(m.csum_start, 34);
	ASSERT_EQ(m.csum_offset, 16);
	ASSERT_EQ(m.gso_type, VIO_NET_HDR_GSO_NONE);
}

TEST(parse_vlan_ipv4_options_udp_csum)
{
	struct vio_net n = net_with(ALL_TX);
	uint8_t f[600];
	struct vio_net_tx_meta m;
	struct hdr_spec s = {.vlan = true, .udp = true, .ihl = 7};
	uint32_t h = build(f, &s);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&n, f, h, sizeof(f), VIO_NET_OFL_CSUM, 0, &m), VIO_OK);
	ASSERT_EQ(m.csum_start, 14 + 4 + 28);
	ASSERT_EQ(m.csum_offset, 6);
}

TEST(parse_ipv6_ext_tcp_tso)
{
	struct vio_net n = net_with(ALL_TX);
	uint8_t f[9000];
	struct vio_net_tx_meta m;
	struct hdr_spec s = {.ipv6 = true, .ext = true, .tcp_doff = 8};
	uint32_t h = build(f, &s);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&n, f, h, sizeof(f), VIO_NET_OFL_TSO, 1440, &m), VIO_OK);
	ASSERT_EQ(m.csum_start, 14 + 40 + 8);
	ASSERT_EQ(m.csum_offset, 16);
	ASSERT_EQ(m.gso_type, VIO_NET_HDR_GSO_TCPV6);
	ASSERT_EQ(m.hdr_len, 14 + 40 + 8 + 32);
	ASSERT_EQ(m.gso_size, 1440);
}

TEST(parse_tso_needs_negotiated_features)
{
	uint8_t f[9000];
	struct vio_net_tx_meta m;
	struct hdr_spec v4 = {0}, v6 = {.ipv6 = true}, cwr = {.cwr = true};
	struct vio_net only_csum = net_with(VIO_BIT(VIO_NET_F_CSUM));
	struct vio_net none = net_with(0);
	struct vio_net no_ecn = net_with(VIO_BIT(VIO_NET_F_CSUM) | VIO_BIT(VIO_NET_F_HOST_TSO4));
	struct vio_net all = net_with(ALL_TX);
	uint32_t h = build(f, &v4);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&none, f, h, sizeof(f), VIO_NET_OFL_CSUM, 0, &m), VIO_ENOTSUP);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&only_csum, f, h, sizeof(f), VIO_NET_OFL_TSO, 1460, &m),
		  VIO_ENOTSUP);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&no_ecn, f, h, sizeof(f), VIO_NET_OFL_TSO, 1460, &m), VIO_OK);
	ASSERT_EQ(m.gso_type, VIO_NET_HDR_GSO_TCPV4);
	h = build(f, &v6);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&no_ecn, f, h, sizeof(f), VIO_NET_OFL_TSO, 1460, &m),
		  VIO_ENOTSUP);
	h = build(f, &cwr);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&no_ecn, f, h, sizeof(f), VIO_NET_OFL_TSO, 1460, &m),
		  VIO_ENOTSUP);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&all, f, h, sizeof(f), VIO_NET_OFL_TSO, 1460, &m), VIO_OK);
	ASSERT_EQ(m.gso_type, VIO_NET_HDR_GSO_TCPV4 | VIO_NET_HDR_GSO_ECN);
}

TEST(parse_refuses_what_it_cannot_prove)
{
	struct vio_net n = net_with(ALL_TX);
	uint8_t f[2000];
	struct vio_net_tx_meta m;
	struct hdr_spec frag = {.frag = true}, udp = {.udp = true}, tcp = {0};
	uint32_t h = build(f, &frag);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&n, f, h, sizeof(f), VIO_NET_OFL_CSUM, 0, &m), VIO_EINVAL);
	h = build(f, &udp);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&n, f, h, sizeof(f), VIO_NET_OFL_TSO, 1400, &m), VIO_EINVAL);
	h = build(f, &tcp);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&n, f, h, sizeof(f), VIO_NET_OFL_TSO, 0, &m), VIO_EINVAL);
	f[12] = 0x08, f[13] = 0x06; /* ARP */
	ASSERT_EQ(vio_net_tx_meta_from_frame(&n, f, h, sizeof(f), VIO_NET_OFL_CSUM, 0, &m), VIO_EINVAL);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&n, f, h, sizeof(f), 0, 0, &m), VIO_OK);
	ASSERT_EQ(m.flags, 0);
	ASSERT_EQ(vio_net_tx_meta_from_frame(&n, f, h, sizeof(f), 0x80, 0, &m), VIO_EINVAL);
}

/* Every truncation of the header bytes is refused without reading past them
 * (exact-size heap copies: ASan catches one byte too far). */
TEST(parse_truncated_headers)
{
	struct vio_net n = net_with(ALL_TX);
	const struct hdr_spec specs[] = {{0}, {.vlan = true, .ipv6 = true, .ext = true}, {.udp = true}};
	uint8_t f[256];
	struct vio_net_tx_meta m;
	for (unsigned k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
		uint32_t h = build(f, &specs[k]);
		unsigned want = specs[k].udp ? VIO_NET_OFL_CSUM : VIO_NET_OFL_TSO;
		for (uint32_t a = 0; a < h; a++) {
			uint8_t *c = malloc(a ? a : 1);
			memcpy(c, f, a);
			int r = vio_net_tx_meta_from_frame(&n, c, a, a, want, 1000, &m);
			ASSERT_MSG(r == VIO_EINVAL, "spec %u avail %u: %d", k, a, r);
			free(c);
		}
		ASSERT_EQ(vio_net_tx_meta_from_frame(&n, f, h, h + 100, want, 1000, &m), VIO_OK);
	}
}

static unsigned xr(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Random bytes: never out of bounds, and any accepted answer points inside
 * the frame (csum_start + csum_offset + 2 <= total). */
TEST(parse_random_frames)
{
	struct vio_net n = net_with(ALL_TX);
	struct vio_net_tx_meta m;
	unsigned seed = 12345, ok = 0;
	for (int i = 0; i < 20000; i++) {
		uint32_t len = (uint32_t)(xr(&seed) % 160);
		uint8_t *f = malloc(len ? len : 1);
		for (uint32_t j = 0; j < len; j++)
			f[j] = (uint8_t)xr(&seed);
		if (len > 14 && (i & 1)) /* steer half of them into IPv4/IPv6 */
			f[12] = (i & 2) ? 0x86 : 0x08, f[13] = (i & 2) ? 0xdd : 0x00,
			f[14] = (uint8_t)((i & 2) ? 0x60 : 0x45);
		unsigned want = (i & 4) ? VIO_NET_OFL_TSO : VIO_NET_OFL_CSUM;
		if (vio_net_tx_meta_from_frame(&n, f, len, len, want, 1000, &m) == VIO_OK) {
			ASSERT((uint32_t)m.csum_start + m.csum_offset + 2 <= len);
			ASSERT(m.gso_type == 0 || m.hdr_len <= len);
			ok++;
		}
		free(f);
	}
	ASSERT(ok > 0); /* the steering must reach the accepting paths */
}
