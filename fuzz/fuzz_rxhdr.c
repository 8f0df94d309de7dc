/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_rxhdr.c - the RX header parser alone (vio_net_rx_parse): every
 * virtio_net_hdr field the device writes, against every combination of
 * negotiated guest offloads and both byte orders. What it accepts must be
 * safe for a front-end that trusts it raw (the macOS kext):
 *  - NEEDS_CSUM only with GUEST_CSUM, csum_start + csum_offset + 2 <= len;
 *  - DATA_VALID reported only with GUEST_CSUM;
 *  - a gso_type only when its GUEST_* feature (and ECN) was negotiated,
 *    only with NEEDS_CSUM, gso_size in 1..0xfffe, csum_start + the L4
 *    header inside the packet, and a payload larger than gso_size;
 *  - gso_size 0 for GSO_NONE.
 * Any other acceptance aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "vio_net.h"

static uint64_t feat(uint8_t b)
{
	static const unsigned bits[] = {VIO_NET_F_GUEST_CSUM, VIO_NET_F_GUEST_TSO4, VIO_NET_F_GUEST_TSO6,
					VIO_NET_F_GUEST_ECN,  VIO_NET_F_GUEST_UFO,  VIO_NET_F_GUEST_USO4,
					VIO_NET_F_GUEST_USO6, VIO_F_VERSION_1};
	uint64_t f = 0;

	for (unsigned i = 0; i < 8; i++)
		if (b >> i & 1)
			f |= VIO_BIT(bits[i]);
	return f;
}

static void check(const struct vio_net *n, const struct vio_net_rx_pkt *p)
{
	uint8_t base = (uint8_t)(p->gso_type & ~VIO_NET_HDR_GSO_ECN);
	uint32_t thlen = (base == VIO_NET_HDR_GSO_TCPV4 || base == VIO_NET_HDR_GSO_TCPV6) ? 20 : 8;

	if (p->csum != VIO_NET_RX_CSUM_NONE && !vio_dev_has(&n->dev, VIO_NET_F_GUEST_CSUM))
		abort();
	if (p->csum == VIO_NET_RX_CSUM_PARTIAL && (uint32_t)p->csum_start + p->csum_offset + 2 > p->len)
		abort();
	if (p->gso_type == VIO_NET_HDR_GSO_NONE) {
		if (p->gso_size)
			abort();
		return;
	}
	if (p->csum != VIO_NET_RX_CSUM_PARTIAL || !p->gso_size || p->gso_size == 0xffff)
		abort();
	if ((uint32_t)p->csum_start + thlen > p->len || p->len - (p->csum_start + thlen) <= p->gso_size)
		abort();
	if ((p->gso_type & VIO_NET_HDR_GSO_ECN) && !vio_dev_has(&n->dev, VIO_NET_F_GUEST_ECN))
		abort();
	switch (base) {
	case VIO_NET_HDR_GSO_TCPV4:
		if (!vio_dev_has(&n->dev, VIO_NET_F_GUEST_TSO4))
			abort();
		break;
	case VIO_NET_HDR_GSO_TCPV6:
		if (!vio_dev_has(&n->dev, VIO_NET_F_GUEST_TSO6))
			abort();
		break;
	case VIO_NET_HDR_GSO_UDP:
		if (!vio_dev_has(&n->dev, VIO_NET_F_GUEST_UFO))
			abort();
		break;
	case VIO_NET_HDR_GSO_UDP_L4:
		if (!vio_dev_has(&n->dev, VIO_NET_F_GUEST_USO4) &&
		    !vio_dev_has(&n->dev, VIO_NET_F_GUEST_USO6))
			abort();
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t size)
{
	static struct vio_net n;
	struct vio_net_hdr h;
	struct vio_net_rx_pkt p;
	size_t i;

	if (size < 1)
		return 0;
	memset(&n, 0, sizeof(n));
	n.dev.features = feat(d[0]);
	/* then any number of (header, length) records */
	for (i = 1; i + sizeof(h) + 2 <= size; i += sizeof(h) + 2) {
		memcpy(&h, d + i, sizeof(h));
		memset(&p, 0, sizeof(p));
		p.len = (uint32_t)d[i + sizeof(h)] | (uint32_t)d[i + sizeof(h) + 1] << 8;
		p.len += (uint32_t)(h.flags & 0x80) << 9; /* reach past 64 KiB too */
		if (vio_net_rx_parse(&n, &h, &p) == VIO_OK)
			check(&n, &p);
	}
	return 0;
}
