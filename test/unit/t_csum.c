/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_csum.c - vio_net_rx_csum_complete: a NEEDS_CSUM packet's L4 checksum
 * finished in software, on known IPv4/IPv6 TCP/UDP packets, split across
 * receive buffers at every offset.
 */
#include <stdlib.h>

#include "runner.h"
#include "vio_net.h"

#define HDR 12 /* virtio header bytes in front of frag 0's data */

/* An independent reference: RFC 1071 over pseudo-header + L4 segment with
 * the checksum field zeroed (the way a sender computes it). */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

struct frame {
	uint8_t b[2048];
	uint32_t len, l4, field; /* frame length, L4 offset, checksum field offset */
	uint16_t ref;		 /* the checksum a correct sender writes */
};

/* Ethernet + IPv4|IPv6 + TCP|UDP + payload; the checksum field holds the
 * pseudo-header sum, as a sender offloading it leaves it (§5.1.6.2). */
static void build(struct frame *f, bool ipv6, bool udp, uint32_t plen, unsigned seed)
{
	uint32_t o = 14, l4len, ps;
	uint8_t proto = udp ? 17 : 6;

	memset(f, 0, sizeof(*f));
	f->b[12] = ipv6 ? 0x86 : 0x08, f->b[13] = ipv6 ? 0xdd : 0x00;
	l4len = (udp ? 8 : 20) + plen;
	if (ipv6) {
		f->b[o] = 0x60;
		f->b[o + 4] = (uint8_t)(l4len >> 8), f->b[o + 5] = (uint8_t)l4len;
		f->b[o + 6] = proto, f->b[o + 7] = 64;
		for (int i = 0; i < 32; i++)
			f->b[o + 8 + i] = (uint8_t)(0x20 + i * 7 + seed);
		o += 40;
	} else {
		f->b[o] = 0x45;
		f->b[o + 2] = (uint8_t)((20 + l4len) >> 8), f->b[o + 3] = (uint8_t)(20 + l4len);
		f->b[o + 8] = 64, f->b[o + 9] = proto;
		for (int i = 0; i < 8; i++)
			f->b[o + 12 + i] = (uint8_t)(10 + i * 13 + seed);
		o += 20;
	}
	f->l4 = o;
	f->b[o] = 0x12, f->b[o + 1] = (uint8_t)seed, f->b[o + 2] = 0x34, f->b[o + 3] = 0x56;
	if (udp) {
		f->b[o + 4] = (uint8_t)(l4len >> 8), f->b[o + 5] = (uint8_t)l4len;
		f->field = o + 6;
	} else {
		f->b[o + 12] = 0x50, f->b[o + 13] = 0x18, f->b[o + 14] = 0xff;
		f->field = o + 16;
	}
	for (uint32_t i = 0; i < plen; i++)
		f->b[o + (udp ? 8 : 20) + i] = (uint8_t)(seed * 31 + i * 7 + (i >> 3));
	f->len = o + l4len;
	/* pseudo-header: addresses, protocol, L4 length (RFC 768/793, RFC 8200 §8.1) */
	ps = ipv6 ? sum16(f->b + 22, 32, 0) : sum16(f->b + 26, 8, 0);
	ps += proto + (l4len & 0xffff) + (l4len >> 16);
	f->ref = (uint16_t)~fold(sum16(f->b + o, l4len, ps));
	if (udp && f->ref == 0)
		f->ref = 0xffff;
	f->b[f->field] = (uint8_t)(fold(ps) >> 8), f->b[f->field + 1] = (uint8_t)fold(ps);
}

/* Lay the frame into up to three buffers split at a and b (frame offsets),
 * the first with a virtio header in front, and complete it. */
static int complete_split(const struct frame *f, uint32_t a, uint32_t b, uint8_t out[2048])
{
	static uint8_t buf[3][HDR + 2048];
	struct vio_net_rx_frag fr[3];
	struct vio_net_rx_pkt pkt;
	uint32_t cut[4] = {0, a, b, f->len};
	int r;

	memset(&pkt, 0, sizeof(pkt));
	pkt.hdr_len = HDR;
	pkt.len = f->len;
	pkt.csum = VIO_NET_RX_CSUM_PARTIAL;
	pkt.csum_start = (uint16_t)f->l4;
	pkt.csum_offset = (uint16_t)(f->field - f->l4);
	for (int i = 0; i < 3; i++) {
		uint32_t pre = i == 0 ? HDR : 0, n = cut[i + 1] - cut[i];
		memset(buf[i], 0xee, sizeof(buf[i]));
		memcpy(buf[i] + pre, f->b + cut[i], n);
		fr[i].vaddr = buf[i];
		fr[i].len = pre + n;
		fr[i].cookie = buf[i];
	}
	pkt.nfrags = 3;
	r = vio_net_rx_csum_complete(&pkt, fr);
	for (int i = 0; i < 3; i++)
		memcpy(out + cut[i], buf[i] + (i == 0 ? HDR : 0), cut[i + 1] - cut[i]);
	if (r == VIO_OK && pkt.csum != VIO_NET_RX_CSUM_VALID)
		return -100;
	return r;
}

static void check_all_splits(bool ipv6, bool udp, uint32_t plen, unsigned seed)
{
	struct frame f;
	uint8_t out[2048];

	build(&f, ipv6, udp, plen, seed);
	for (uint32_t a = 0; a <= f.len; a += (a < f.field + 4 ? 1 : 37)) {
		uint32_t b = a + (f.len - a) / 2 + (seed & 1);

		if (b > f.len)
			b = f.len;
		ASSERT_EQ(complete_split(&f, a, b, out), VIO_OK);
		ASSERT_EQ(out[f.field] << 8 | out[f.field + 1], f.ref);
		/* every other byte untouched */
		ASSERT_MEM(out, f.b, f.field);
		ASSERT_MEM(out + f.field + 2, f.b + f.field + 2, f.len - f.field - 2);
	}
}

TEST(csum_complete_ipv4_tcp_every_split)
{
	check_all_splits(false, false, 1000, 1);
	check_all_splits(false, false, 1, 2); /* odd payload */
}

TEST(csum_complete_ipv4_udp_every_split)
{
	check_all_splits(false, true, 1472, 3);
	check_all_splits(false, true, 0, 4);
}

TEST(csum_complete_ipv6_tcp_every_split)
{
	check_all_splits(true, false, 1440, 5);
}

TEST(csum_complete_ipv6_udp_every_split)
{
	check_all_splits(true, true, 333, 6);
}

/* Known answers computed outside this code (Python, RFC 1071):
 * IPv4 UDP 10.0.0.1:1000 -> 10.0.0.2:2000 "macvio\n" -> 0x9bce;
 * IPv6 TCP ::1:80 -> ::2:1234 SYN seq 1 win 65535 "hello" -> 0x66e6. */
TEST(csum_complete_known_answers)
{
	static const uint8_t udp4[] = {0,    0,	   0, 0,   0,	0,   0,	  0,   0,    0,	   0,	 0,    0x08,
				       0x00, 0x45, 0, 0,   35,	0,   0,	  0,   0,    64,   17,	 0,    0,
				       10,   0,	   0, 1,   10,	0,   0,	  2,   0x03, 0xe8, 0x07, 0xd0, 0,
				       15,   0,	   0, 'm', 'a', 'c', 'v', 'i', 'o',  '\n'};
	static const uint8_t tcp6_l4[] = {0,	80,   0x04, 0xd2, 0, 0, 0, 1,	0,   0,	  0,   0,  0x50,
					  0x02, 0xff, 0xff, 0,	  0, 0, 0, 'h', 'e', 'l', 'l', 'o'};
	uint8_t buf[HDR + 128];
	struct vio_net_rx_frag fr = {buf, buf, 0, 0};
	struct vio_net_rx_pkt pkt;
	uint32_t ps;

	/* UDP: pseudo-header sum 0x0a00+0x0001+0x0a00+0x0002+17+15 */
	memset(buf, 0, sizeof(buf));
	memcpy(buf + HDR, udp4, sizeof(udp4));
	ps = fold(0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + 15);
	buf[HDR + 40] = (uint8_t)(ps >> 8), buf[HDR + 41] = (uint8_t)ps;
	memset(&pkt, 0, sizeof(pkt));
	pkt.nfrags = 1, pkt.hdr_len = HDR, pkt.len = sizeof(udp4), pkt.csum = VIO_NET_RX_CSUM_PARTIAL;
	pkt.csum_start = 34, pkt.csum_offset = 6;
	fr.len = HDR + sizeof(udp4);
	ASSERT_EQ(vio_net_rx_csum_complete(&pkt, &fr), VIO_OK);
	ASSERT_EQ(buf[HDR + 40] << 8 | buf[HDR + 41], 0x9bce);

	/* TCP over IPv6: only the L4 part matters past csum_start */
	memset(buf, 0, sizeof(buf));
	memcpy(buf + HDR + 54, tcp6_l4, sizeof(tcp6_l4));
	ps = fold(1 + 2 + sizeof(tcp6_l4) + 6);
	buf[HDR + 54 + 16] = (uint8_t)(ps >> 8), buf[HDR + 54 + 17] = (uint8_t)ps;
	memset(&pkt, 0, sizeof(pkt));
	pkt.nfrags = 1, pkt.hdr_len = HDR, pkt.len = 54 + sizeof(tcp6_l4), pkt.csum = VIO_NET_RX_CSUM_PARTIAL;
	pkt.csum_start = 54, pkt.csum_offset = 16;
	fr.len = HDR + pkt.len;
	ASSERT_EQ(vio_net_rx_csum_complete(&pkt, &fr), VIO_OK);
	ASSERT_EQ(buf[HDR + 70] << 8 | buf[HDR + 71], 0x66e6);
}

/* A sum that comes out 0 is stored as 0xffff (UDP: 0 means "none"). */
TEST(csum_complete_zero_becomes_ffff)
{
	struct frame f;
	uint8_t out[2048];
	uint32_t last;

	build(&f, false, true, 64, 9);
	last = f.len - 2; /* an even offset from the UDP header: one 16-bit word */
	ASSERT_EQ((last - f.l4) & 1, 0);
	f.b[last] = 0, f.b[last + 1] = 0;
	/* choose the last word so the sum over the segment (field holding the
	 * pseudo-header sum) is 0xffff: its complement is 0 */
	uint16_t w = (uint16_t)~fold(sum16(f.b + f.l4, f.len - f.l4, 0));
	f.b[last] = (uint8_t)(w >> 8), f.b[last + 1] = (uint8_t)w;
	ASSERT_EQ(complete_split(&f, 20, 40, out), VIO_OK);
	ASSERT_EQ(out[f.field] << 8 | out[f.field + 1], 0xffff);
}

TEST(csum_complete_refusals)
{
	struct frame f;
	uint8_t buf[HDR + 2048];
	struct vio_net_rx_frag fr;
	struct vio_net_rx_pkt pkt;

	build(&f, false, false, 100, 1);
	memcpy(buf + HDR, f.b, f.len);
	fr.vaddr = buf, fr.cookie = buf, fr.len = HDR + f.len;
	memset(&pkt, 0, sizeof(pkt));
	pkt.nfrags = 1, pkt.hdr_len = HDR, pkt.len = f.len;
	pkt.csum_start = (uint16_t)f.l4, pkt.csum_offset = 16;

	pkt.csum = VIO_NET_RX_CSUM_VALID;
	ASSERT_EQ(vio_net_rx_csum_complete(&pkt, &fr), VIO_EINVAL);
	pkt.csum = VIO_NET_RX_CSUM_PARTIAL;
	ASSERT_EQ(vio_net_rx_csum_complete(NULL, &fr), VIO_EINVAL);
	ASSERT_EQ(vio_net_rx_csum_complete(&pkt, NULL), VIO_EINVAL);
	pkt.gso_type = VIO_NET_HDR_GSO_TCPV4;
	ASSERT_EQ(vio_net_rx_csum_complete(&pkt, &fr), VIO_ENOTSUP);
	pkt.gso_type = 0;
	pkt.csum_offset = (uint16_t)(f.len - f.l4 - 1); /* field would pass the end */
	ASSERT_EQ(vio_net_rx_csum_complete(&pkt, &fr), VIO_EINVAL);
	pkt.csum_offset = 16;
	fr.len = HDR + f.len - 1; /* buffers shorter than the packet claims */
	ASSERT_EQ(vio_net_rx_csum_complete(&pkt, &fr), VIO_EINVAL);
	ASSERT_EQ(pkt.csum, VIO_NET_RX_CSUM_PARTIAL); /* nothing changed on refusal */
	fr.len = HDR + f.len;
	ASSERT_EQ(vio_net_rx_csum_complete(&pkt, &fr), VIO_OK);
	ASSERT_EQ(buf[HDR + f.field] << 8 | buf[HDR + f.field + 1], f.ref);
}
