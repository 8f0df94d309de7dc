// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_net_csum.c - complete a received NEEDS_CSUM checksum in software.
 *
 * A device may hand the driver a packet whose L4 checksum was never computed
 * (virtio 1.2 §5.1.6.4: VIRTIO_NET_HDR_F_NEEDS_CSUM, the sender is on the
 * same host). Linux can carry such a packet as CHECKSUM_PARTIAL all the way
 * out of another interface; macOS cannot: setChecksumResult() only says
 * "verified", and a packet forwarded (bridge, Internet Sharing) would leave
 * with the pseudo-header sum in its checksum field. So the front-end asks
 * the core to finish the job first.
 *
 * The checksum field holds the pseudo-header sum (§5.1.6.2), so the Internet
 * checksum (RFC 1071) over csum_start .. end of packet, field included, is
 * exactly the value to store (complemented), as Linux's skb_checksum_help()
 * does. A result of 0 is stored as 0xffff (the same value in one's
 * complement; for UDP 0 would mean "no checksum", RFC 768).
 */
#include "vio_net.h"

/* Position of packet byte `off` (from the first byte of the Ethernet frame)
 * in the fragment list: fragment index and offset inside its data. */
struct vio_net_csum_pos {
	uint16_t frag;
	uint32_t at; /* offset from the fragment's vaddr */
};

static uint32_t vio_net_frag_data_start(const struct vio_net_rx_pkt *pkt, uint16_t i)
{
	return i == 0 ? pkt->hdr_len : 0;
}

static bool vio_net_csum_seek(const struct vio_net_rx_pkt *pkt, const struct vio_net_rx_frag *f, uint32_t off,
			      struct vio_net_csum_pos *pos)
{
	uint16_t i;

	for (i = 0; i < pkt->nfrags; i++) {
		uint32_t start = vio_net_frag_data_start(pkt, i);
		uint32_t n = f[i].len > start ? f[i].len - start : 0;

		if (off < n) {
			pos->frag = i;
			pos->at = start + off;
			return true;
		}
		off -= n;
	}
	return false;
}

/* One's-complement sum of `len` bytes from `pos` on, as big-endian 16-bit
 * words counted from the first byte summed (fragment boundaries may fall on
 * odd offsets). */
static uint32_t vio_net_csum_sum(const struct vio_net_rx_pkt *pkt, const struct vio_net_rx_frag *f,
				 struct vio_net_csum_pos pos, uint32_t len)
{
	uint32_t sum = 0;
	bool odd = false;

	while (len && pos.frag < pkt->nfrags) {
		const uint8_t *p = (const uint8_t *)f[pos.frag].vaddr;
		uint32_t end = f[pos.frag].len;

		for (; pos.at < end && len; pos.at++, len--) {
			sum += odd ? p[pos.at] : (uint32_t)p[pos.at] << 8;
			odd = !odd;
		}
		if (sum & 0x80000000u)
			sum = (sum & 0xffff) + (sum >> 16);
		pos.frag++;
		pos.at = pos.frag < pkt->nfrags ? vio_net_frag_data_start(pkt, pos.frag) : 0;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static void vio_net_csum_put(const struct vio_net_rx_pkt *pkt, const struct vio_net_rx_frag *f,
			     struct vio_net_csum_pos pos, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	int k;

	for (k = 0; k < 2; k++) {
		while (pos.at >= f[pos.frag].len) { /* the field may straddle two buffers */
			pos.frag++;
			pos.at = vio_net_frag_data_start(pkt, pos.frag);
		}
		((uint8_t *)f[pos.frag].vaddr)[pos.at++] = b[k];
	}
}

int vio_net_rx_csum_complete(struct vio_net_rx_pkt *pkt, const struct vio_net_rx_frag *frags)
{
	struct vio_net_csum_pos start, field, last;
	uint32_t sum;

	if (!pkt || !frags || pkt->csum != VIO_NET_RX_CSUM_PARTIAL)
		return VIO_EINVAL;
	/* A GSO packet is many packets' worth of payload: its checksum is
	 * computed per segment, by whoever segments it. */
	if (pkt->gso_type != VIO_NET_HDR_GSO_NONE)
		return VIO_ENOTSUP;
	/* rx_get checked csum_start + csum_offset + 2 <= len; check again
	 * against the fragments themselves, this is cheap. */
	if ((uint32_t)pkt->csum_start + pkt->csum_offset + 2 > pkt->len ||
	    !vio_net_csum_seek(pkt, frags, pkt->csum_start, &start) ||
	    !vio_net_csum_seek(pkt, frags, (uint32_t)pkt->csum_start + pkt->csum_offset, &field) ||
	    !vio_net_csum_seek(pkt, frags, pkt->len - 1, &last))
		return VIO_EINVAL;
	sum = vio_net_csum_sum(pkt, frags, start, pkt->len - pkt->csum_start);
	sum = ~sum & 0xffff;
	vio_net_csum_put(pkt, frags, field, sum ? (uint16_t)sum : 0xffff);
	pkt->csum = VIO_NET_RX_CSUM_VALID;
	return VIO_OK;
}
