// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_net_parse.c - derive TX offload metadata from a frame's own headers.
 *
 * Some stacks (macOS) say only "TCP checksum, please" or "TSO with MSS n";
 * the virtio header needs csum_start, csum_offset and hdr_len (virtio 1.2
 * §5.1.6.2). This walks Ethernet (+ one 802.1Q tag), IPv4 or IPv6 (with
 * hop-by-hop, routing and destination-options extension headers) and the
 * TCP/UDP header, with every offset checked against the bytes available.
 * Anything it cannot prove gives VIO_EINVAL and the front-end falls back to
 * software: a wrong csum_start would make the device corrupt the packet.
 */
#include "vio_log.h"
#include "vio_net.h"

#define VIO_ETHERTYPE_IPV4 0x0800
#define VIO_ETHERTYPE_IPV6 0x86dd
#define VIO_ETHERTYPE_VLAN 0x8100
#define VIO_IPPROTO_TCP	   6
#define VIO_IPPROTO_UDP	   17
#define VIO_TCP_CSUM_OFF   16
#define VIO_UDP_CSUM_OFF   6
#define VIO_TCP_FLAG_CWR   0x80

struct vio_net_l4 {
	uint32_t off;  /* start of the TCP/UDP header */
	uint8_t proto; /* VIO_IPPROTO_* */
	bool ipv6;
};

static uint16_t vio_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* IPv6 extension headers we may step over to reach TCP/UDP (RFC 8200 §4). */
static bool vio_net_ip6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 60;
}

static int vio_net_parse_ip6(const uint8_t *f, uint32_t avail, uint32_t off, struct vio_net_l4 *l4)
{
	uint8_t nh;
	int hops;

	if (off + 40 > avail)
		return VIO_EINVAL;
	nh = f[off + 6];
	off += 40;
	for (hops = 0; vio_net_ip6_ext(nh) && hops < 8; hops++) {
		if (off + 8 > avail)
			return VIO_EINVAL;
		nh = f[off];
		off += ((uint32_t)f[off + 1] + 1) * 8;
	}
	l4->off = off;
	l4->proto = nh;
	l4->ipv6 = true;
	return VIO_OK;
}

static int vio_net_parse_ip4(const uint8_t *f, uint32_t avail, uint32_t off, struct vio_net_l4 *l4)
{
	uint32_t ihl;

	if (off + 20 > avail || (f[off] >> 4) != 4)
		return VIO_EINVAL;
	ihl = (uint32_t)(f[off] & 0x0f) * 4;
	/* a fragment (MF set or an offset) has no L4 header to offload */
	if (ihl < 20 || (vio_be16(f + off + 6) & 0x3fff))
		return VIO_EINVAL;
	l4->off = off + ihl;
	l4->proto = f[off + 9];
	l4->ipv6 = false;
	return VIO_OK;
}

/* Find the L4 header behind Ethernet (and one VLAN tag). */
static int vio_net_parse_l3(const uint8_t *f, uint32_t avail, struct vio_net_l4 *l4)
{
	uint32_t off = VIO_ETH_HLEN;
	uint16_t type;

	if (avail < VIO_ETH_HLEN)
		return VIO_EINVAL;
	type = vio_be16(f + 12);
	if (type == VIO_ETHERTYPE_VLAN) {
		if (avail < VIO_ETH_HLEN + VIO_ETH_VLAN_HLEN)
			return VIO_EINVAL;
		type = vio_be16(f + 16);
		off += VIO_ETH_VLAN_HLEN;
	}
	if (type == VIO_ETHERTYPE_IPV4)
		return vio_net_parse_ip4(f, avail, off, l4);
	if (type == VIO_ETHERTYPE_IPV6)
		return vio_net_parse_ip6(f, avail, off, l4);
	return VIO_EINVAL;
}

static int vio_net_meta_tso(const struct vio_net *n, const uint8_t *f, uint32_t avail, uint32_t total,
			    const struct vio_net_l4 *l4, uint16_t mss, struct vio_net_tx_meta *m)
{
	uint32_t thl;

	if (l4->proto != VIO_IPPROTO_TCP || !mss || l4->off + 20 > avail)
		return VIO_EINVAL;
	thl = (uint32_t)(f[l4->off + 12] >> 4) * 4;
	if (thl < 20 || l4->off + thl > total || l4->off + thl > avail)
		return VIO_EINVAL;
	if (!vio_dev_has(&n->dev, l4->ipv6 ? VIO_NET_F_HOST_TSO6 : VIO_NET_F_HOST_TSO4))
		return VIO_ENOTSUP;
	m->gso_type = l4->ipv6 ? VIO_NET_HDR_GSO_TCPV6 : VIO_NET_HDR_GSO_TCPV4;
	/* a CWR segment must keep CWR on the first segment only: the device
	 * does that only with HOST_ECN (§5.1.6.2.1) */
	if (f[l4->off + 13] & VIO_TCP_FLAG_CWR) {
		if (!vio_dev_has(&n->dev, VIO_NET_F_HOST_ECN))
			return VIO_ENOTSUP;
		m->gso_type |= VIO_NET_HDR_GSO_ECN;
	}
	m->hdr_len = (uint16_t)(l4->off + thl);
	m->gso_size = mss;
	return VIO_OK;
}

int vio_net_tx_meta_from_frame(const struct vio_net *n, const uint8_t *frame, uint32_t avail, uint32_t total,
			       unsigned want, uint16_t mss, struct vio_net_tx_meta *m)
{
	struct vio_net_l4 l4;
	uint32_t csum_off;
	int err;

	vio_memset(m, 0, sizeof(*m));
	if (!want)
		return VIO_OK;
	if (!frame || avail > total || want & ~(VIO_NET_OFL_CSUM | VIO_NET_OFL_TSO))
		return VIO_EINVAL;
	if (!vio_dev_has(&n->dev, VIO_NET_F_CSUM))
		return VIO_ENOTSUP;
	err = vio_net_parse_l3(frame, avail, &l4);
	if (err)
		return err;
	if (l4.proto == VIO_IPPROTO_TCP)
		csum_off = VIO_TCP_CSUM_OFF;
	else if (l4.proto == VIO_IPPROTO_UDP && !(want & VIO_NET_OFL_TSO))
		csum_off = VIO_UDP_CSUM_OFF;
	else
		return VIO_EINVAL;
	if (l4.off + csum_off + 2 > total || l4.off > 0xffff)
		return VIO_EINVAL;
	m->flags = VIO_NET_TX_F_CSUM;
	m->csum_start = (uint16_t)l4.off;
	m->csum_offset = (uint16_t)csum_off;
	if (want & VIO_NET_OFL_TSO)
		return vio_net_meta_tso(n, frame, avail, total, &l4, mss, m);
	return VIO_OK;
}
