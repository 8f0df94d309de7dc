// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_net_rx.c - virtio-net receive path (virtio 1.2 §5.1.6.3, §5.1.6.4).
 *
 * Each posted chain has a shadow slot keyed by its head; the slot's address
 * is the virtqueue cookie, so a completion leads back to exactly what was
 * posted (the virtqueue has already checked id and length).
 */
#include "vio_log.h"
#include "vio_net.h"

/* Linux's GOOD_PACKET_LEN: a VLAN-tagged 1500-byte frame. */
#define VIO_NET_GOOD_LEN    VIO_ETH_MAX_FRAME
#define VIO_NET_EWMA_WEIGHT 64 /* like Linux's DECLARE_EWMA(pkt_len, 0, 64) */
#define VIO_NET_EWMA_SHIFT  4  /* ewma_len holds length x16 */

static struct vio_net *vio_net_rxq_net(const struct vio_net_rxq *q)
{
	return q->net;
}

/* Smallest frame buffer (header excluded) small mode may post: a full
 * VLAN-tagged frame of max_mtu (§5.1.4.1: with NET_F_MTU the driver must be
 * able to receive a packet of mtu), never less than GOOD_PACKET_LEN. */
static uint32_t vio_net_rx_small_frame(const struct vio_net *n)
{
	uint32_t f = (uint32_t)n->max_mtu + VIO_ETH_HLEN + VIO_ETH_VLAN_HLEN;

	return f < VIO_NET_GOOD_LEN ? VIO_NET_GOOD_LEN : f;
}

/* Mergeable: hdr + clamp(average, GOOD_PACKET_LEN, max - hdr), rounded up
 * to a cache line without passing max (Linux get_mergeable_buf_len, whose
 * max is a page: vio_net_params.mrg_buf_max). */
static uint32_t vio_net_rx_mrg_len(const struct vio_net_rxq *q, uint16_t hdr, uint32_t max)
{
	uint32_t avg = q->ewma_len >> VIO_NET_EWMA_SHIFT;
	uint32_t len;

	if (avg < VIO_NET_GOOD_LEN)
		avg = VIO_NET_GOOD_LEN;
	if (avg > max - hdr)
		avg = max - hdr;
	len = (hdr + avg + VIO_NET_RX_ALIGN - 1) & ~(uint32_t)(VIO_NET_RX_ALIGN - 1);
	return len > max ? max : len;
}

uint32_t vio_net_rx_buf_len(const struct vio_net_rxq *q)
{
	const struct vio_net *n = vio_net_rxq_net(q);

	switch (n->rx_mode) {
	case VIO_NET_RX_MERGEABLE:
		return vio_net_rx_mrg_len(q, n->hdr_len, n->mrg_buf_max);
	case VIO_NET_RX_BIG:
		return VIO_NET_BIG_SEG_LEN;
	default:
		return n->hdr_len + vio_net_rx_small_frame(n);
	}
}

/* Minimum length of one small/mergeable buffer (header included). */
static uint32_t vio_net_rx_min_len(const struct vio_net *n)
{
	if (n->rx_mode == VIO_NET_RX_MERGEABLE)
		return (uint32_t)n->hdr_len + VIO_NET_GOOD_LEN;
	return (uint32_t)n->hdr_len + vio_net_rx_small_frame(n);
}

/* Descriptors-worth of segments one posted buffer uses: legacy devices
 * without ANY_LAYOUT get the header in its own descriptor (§5.1.6.6). */
static uint16_t vio_net_rx_nseg(const struct vio_net *n, uint16_t nbuf)
{
	return (uint16_t)(nbuf + (n->any_layout ? 0 : 1));
}

uint16_t vio_net_rx_room(const struct vio_net_rxq *q)
{
	const struct vio_net *n = vio_net_rxq_net(q);
	uint16_t nbuf = n->rx_mode == VIO_NET_RX_BIG ? VIO_NET_MAX_BIG_SEGS : 1;
	uint16_t per = vio_vq_descs_needed(&q->vq, vio_net_rx_nseg(n, nbuf));

	uint16_t room;

	if (vio_vq_broken(&q->vq) || !vio_vq_free_descs(&q->vq) || !per)
		return 0;
	room = (uint16_t)(vio_vq_free_descs(&q->vq) / per);
	/* the budget: what one ring may hold is the driver's choice, not the
	 * device's ring size (vio_net_rxq.max_posted) */
	if (q->max_posted && q->posted >= q->max_posted)
		return 0;
	if (q->max_posted && room > q->max_posted - q->posted)
		room = (uint16_t)(q->max_posted - q->posted);
	return room;
}

/* Build the device-writable segment list for `nbuf` buffers; without
 * any_layout the first hdr_len bytes of buffer 0 become their own segment. */
static uint16_t vio_net_rx_segs(const struct vio_net *n, const struct vio_net_rxbuf *b, uint16_t nbuf,
				struct vio_vq_seg *seg)
{
	uint16_t i, k = 0;

	for (i = 0; i < nbuf; i++) {
		seg[k].daddr = b[i].daddr;
		seg[k].len = b[i].len;
		if (i == 0 && !n->any_layout) {
			seg[k].len = n->hdr_len;
			k++;
			seg[k].daddr = b[0].daddr + n->hdr_len;
			seg[k].len = b[0].len - n->hdr_len;
		}
		k++;
	}
	return k;
}

static bool vio_net_rxbuf_ok(const struct vio_net_rxbuf *b)
{
	return b->vaddr && b->cookie && b->len;
}

/* Post a chain of nbuf buffers; the shadow slot is written only once the
 * chain is in the ring. */
static int vio_net_rx_add(struct vio_net_rxq *q, const struct vio_net_rxbuf *b, uint16_t nbuf)
{
	struct vio_net *n = vio_net_rxq_net(q);
	struct vio_vq_seg seg[VIO_NET_MAX_BIG_SEGS + 1];
	struct vio_net_rxslot *slot;
	uint16_t head, nseg;
	int err;

	nseg = vio_net_rx_segs(n, b, nbuf, seg);
	if (!vio_vq_has_room(&q->vq, nseg))
		return vio_vq_broken(&q->vq) ? VIO_EBROKEN : VIO_ENOSPC;
	head = vio_vq_next_id(&q->vq);
	slot = &q->slots[head];
	err = vio_vq_add(&q->vq, NULL, 0, seg, nseg, slot);
	if (err)
		return err;
	slot->buf = b[0];
	slot->nsegs = nbuf;
	slot->segs = NULL;
	q->posted++;
	if (n->copy) /* also the polled path's and rx_get's reposts */
		vio_net_copy_rx_held(q, b[0].cookie, true);
	if (n->rx_mode == VIO_NET_RX_BIG) {
		slot->segs = &q->bigsegs[(size_t)head * VIO_NET_MAX_BIG_SEGS];
		if (slot->segs != b) { /* repost of the same head: already there */
			uint16_t i;

			/* struct copies: a byte-wise vio_memcpy of these
			 * 20 x 32 bytes cost ~2800 instructions per chain */
			for (i = 0; i < nbuf; i++)
				slot->segs[i] = b[i];
		}
	}
	return VIO_OK;
}

int vio_net_rx_post(struct vio_net_rxq *q, const struct vio_net_rxbuf *b)
{
	struct vio_net *n = vio_net_rxq_net(q);

	if (n->rx_mode == VIO_NET_RX_BIG)
		return vio_net_rx_post_big(q, b, 1);
	if (!b || !vio_net_rxbuf_ok(b) || b->len < vio_net_rx_min_len(n))
		return VIO_EINVAL;
	return vio_net_rx_add(q, b, 1);
}

/* Big mode (§5.1.6.3.1): one chain of at least 65562 bytes; the header and
 * an Ethernet header must fit in the first segment. */
int vio_net_rx_post_big(struct vio_net_rxq *q, const struct vio_net_rxbuf *segs, uint16_t nseg)
{
	struct vio_net *n = vio_net_rxq_net(q);
	uint64_t total = 0;
	uint16_t i;

	if (n->rx_mode != VIO_NET_RX_BIG || !segs || nseg == 0 || nseg > VIO_NET_MAX_BIG_SEGS)
		return VIO_EINVAL;
	if (segs[0].len < (uint32_t)n->hdr_len + VIO_ETH_HLEN)
		return VIO_EINVAL;
	for (i = 0; i < nseg; i++) {
		if (!vio_net_rxbuf_ok(&segs[i]))
			return VIO_EINVAL;
		total += segs[i].len;
	}
	if (total < VIO_NET_BIG_PACKET_BYTES)
		return VIO_EINVAL;
	return vio_net_rx_add(q, segs, nseg);
}

/* RSS in QEMU's software steering (hw/net/virtio-net.c, QEMU 7.2): a
 * packet that tap queue j hands over and RSS steers to RX queue k waits in
 * queue j's backlog when k has no buffers, and virtio_net_handle_rx
 * flushes only the backlog of the queue the guest kicked. Refilling k
 * kicks k, not j: a flow stalls for good when the table starves j. So when
 * the device asked to hear about new buffers on k (it ran dry, the only
 * time QEMU enables RX notifications: virtio_net_has_buffers), every other
 * enabled RX queue is notified too - rare, and harmless to any device. */
static void vio_net_rx_kick_peers(struct vio_net_rxq *q)
{
	struct vio_net *n = q->net;
	uint16_t k = n->curr_qp, i;

	if (!n->rss.table_len || k < 2 || k > n->nqp || n->dev.broken)
		return;
	for (i = 0; i < k; i++) {
		const struct vio_net_rxq *p = &n->rxq[i];

		/* a queue being reset alone or latched broken is not nudged
		 * (a reset that starts right after this check meets one
		 * harmless doorbell: QEMU ignores it on a disabled queue) */
		if (p == q || VIO_READ_ONCE(p->resetting) || VIO_READ_ONCE(p->vq.broken))
			continue;
		vio_vq_notify_only(&p->vq);
		q->stats.kicks_peer++;
	}
}

bool vio_net_rx_kick(struct vio_net_rxq *q)
{
	if (!vio_vq_kick(&q->vq))
		return false;
	vio_net_rx_kick_peers(q);
	return true;
}

/* ---- completion ---- */

static uint32_t vio_net_slot_len(const struct vio_net_rxslot *s)
{
	uint32_t total = 0;
	uint16_t i;

	if (!s->segs)
		return s->buf.len;
	for (i = 0; i < s->nsegs; i++)
		total += s->segs[i].len;
	return total;
}

/* Non-coherent DMA: make `len` device-written bytes visible to the CPU, or
 * (for_device) hand the whole buffer back to the device before re-posting. */
static void vio_net_rx_sync(const struct vio_net *n, const struct vio_net_rxslot *s, uint32_t len,
			    bool for_device)
{
	const struct vio_os *os = n->os;
	uint16_t i;

	if (!os->dma_sync)
		return;
	if (!s->segs) {
		os->dma_sync(os->ctx, s->buf.daddr, len, VIO_DMA_FROM_DEVICE, for_device);
		return;
	}
	for (i = 0; i < s->nsegs && len; i++) {
		uint32_t l = len < s->segs[i].len ? len : s->segs[i].len;

		os->dma_sync(os->ctx, s->segs[i].daddr, l, VIO_DMA_FROM_DEVICE, for_device);
		len -= l;
	}
}

int vio_net_rx_take(struct vio_net_rxq *q, struct vio_net_rxslot *slot, uint32_t *len)
{
	void *cookie;
	uintptr_t off;
	int r = vio_vq_get(&q->vq, &cookie, len);

	if (r <= 0)
		return r;
	/* The cookie comes from our own shadow, but check it anyway: it must
	 * be one of our slots. */
	off = (uintptr_t)cookie - (uintptr_t)q->slots;
	if ((uintptr_t)cookie < (uintptr_t)q->slots || off / sizeof(*q->slots) >= vio_vq_size(&q->vq) ||
	    off % sizeof(*q->slots)) {
		vio_vq_set_broken(&q->vq, "rx cookie is not a slot");
		return VIO_EBROKEN;
	}
	*slot = *(struct vio_net_rxslot *)cookie;
	if (q->posted)
		q->posted--;
	if (q->net->copy)
		vio_net_copy_rx_held(q, slot->buf.cookie, false);
	/* *len needs no check here: vio_vq_get() already bounded it by the
	 * chain's device-writable length, which is exactly this slot's length */
	vio_net_rx_sync(q->net, slot, *len, false);
	return 1;
}

/* A taken slot that cannot go back into the ring (the queue broke): its
 * cookies wait for vio_net_rx_drain(). Copy mode's pool buffers are the
 * core's own and simply stay unposted. */
static void vio_net_rx_orphan(struct vio_net_rxq *q, const struct vio_net_rxslot *s)
{
	uint16_t i, n = s->segs ? s->nsegs : 1;

	if (q->net->copy)
		return;
	for (i = 0; i < n && q->norphans < q->orphans_cap; i++)
		q->orphans[q->norphans++] = s->segs ? s->segs[i].cookie : s->buf.cookie;
}

int vio_net_rx_repost(struct vio_net_rxq *q, const struct vio_net_rxslot *slot)
{
	struct vio_net_rxslot s = *slot; /* the new head may be the same slot */
	int err;

	vio_net_rx_sync(q->net, &s, vio_net_slot_len(&s), true);
	if (s.segs)
		err = vio_net_rx_add(q, s.segs, s.nsegs);
	else
		err = vio_net_rx_add(q, &s.buf, 1);
	if (err)
		vio_net_rx_orphan(q, &s);
	return err;
}

static void vio_net_rx_frag(struct vio_net_rx_frag *f, const struct vio_net_rxbuf *b, uint32_t len)
{
	f->cookie = b->cookie;
	f->vaddr = b->vaddr;
	f->len = len;
	f->size = b->len;
}

/* Big mode: every segment of the chain is one frag (the front-end owns each
 * cookie), with the bytes the device wrote into it (0 past the end). */
static uint16_t vio_net_rx_big_frags(const struct vio_net_rxslot *s, uint32_t len,
				     struct vio_net_rx_frag *frags)
{
	uint16_t i;

	for (i = 0; i < s->nsegs; i++) {
		uint32_t l = len < s->segs[i].len ? len : s->segs[i].len;

		vio_net_rx_frag(&frags[i], &s->segs[i], l);
		len -= l;
	}
	return s->nsegs;
}

/* Fill the frags of the first chain of a packet; mergeable appends later. */
static uint16_t vio_net_rx_first_frags(const struct vio_net_rxslot *s, uint32_t len,
				       struct vio_net_rx_frag *frags)
{
	if (s->segs)
		return vio_net_rx_big_frags(s, len, frags);
	vio_net_rx_frag(&frags[0], &s->buf, len);
	return 1;
}

/* ---- header checks (§5.1.6.4.1: what the device may set) ---- */

static int vio_net_rx_gso_ok(const struct vio_net *n, uint8_t gso_type, uint16_t gso_size)
{
	const struct vio_dev *d = &n->dev;
	uint8_t base = (uint8_t)(gso_type & ~VIO_NET_HDR_GSO_ECN);

	if ((gso_type & VIO_NET_HDR_GSO_ECN) && !vio_dev_has(d, VIO_NET_F_GUEST_ECN))
		return 0;
	switch (base) {
	case VIO_NET_HDR_GSO_NONE:
		return !(gso_type & VIO_NET_HDR_GSO_ECN); /* ECN marks a TCP segment stream */
	case VIO_NET_HDR_GSO_TCPV4:
		return vio_dev_has(d, VIO_NET_F_GUEST_TSO4) && gso_size;
	case VIO_NET_HDR_GSO_TCPV6:
		return vio_dev_has(d, VIO_NET_F_GUEST_TSO6) && gso_size;
	case VIO_NET_HDR_GSO_UDP:
		return vio_dev_has(d, VIO_NET_F_GUEST_UFO) && gso_size;
	case VIO_NET_HDR_GSO_UDP_L4:
		return (vio_dev_has(d, VIO_NET_F_GUEST_USO4) || vio_dev_has(d, VIO_NET_F_GUEST_USO6)) &&
		       gso_size;
	default:
		return 0;
	}
}

/* A GSO packet's shape (the front-end gets these values raw: the kext has
 * no virtio_net_hdr_to_skb to catch them):
 *  - §5.1.6.4.1: with a gso_type the device MUST set NEEDS_CSUM;
 *  - gso_size 0xffff is no segment size (Linux's GSO_BY_FRAGS marker);
 *  - csum_start plus the minimal L4 header (TCP 20, UDP 8) must lie inside
 *    the packet.
 * Each is a drop (err_hdr). A packet whose payload past that is not larger
 * than gso_size is one segment: delivered as an ordinary packet with its
 * partial checksum (as Linux's virtio_net_hdr_to_skb treats it). */
static int vio_net_rx_gso_shape(struct vio_net_rx_pkt *pkt)
{
	uint8_t base = (uint8_t)(pkt->gso_type & ~VIO_NET_HDR_GSO_ECN);
	uint32_t thlen = (base == VIO_NET_HDR_GSO_TCPV4 || base == VIO_NET_HDR_GSO_TCPV6) ? 20 : 8;
	uint32_t p_off = (uint32_t)pkt->csum_start + thlen;

	if (pkt->csum != VIO_NET_RX_CSUM_PARTIAL || pkt->gso_size == 0xffff || p_off > pkt->len)
		return VIO_EIO;
	if (pkt->len - p_off <= pkt->gso_size) {
		pkt->gso_type = VIO_NET_HDR_GSO_NONE;
		pkt->gso_size = 0;
	}
	return VIO_OK;
}

/* Parse the header already copied out of device memory into pkt. len is the
 * packet length without the virtio header. NEEDS_CSUM wins over DATA_VALID
 * (as in Linux's virtio_net_hdr_to_skb). DATA_VALID is believed only with
 * GUEST_CSUM: without it the device must leave flags zero (§5.1.6.4.1), so
 * the flag is ignored and the stack verifies the checksum itself. */
int vio_net_rx_parse(const struct vio_net *n, const struct vio_net_hdr *h, struct vio_net_rx_pkt *pkt)
{
	pkt->gso_type = h->gso_type;
	pkt->gso_size = vio_net_h16(n, h->gso_size);
	pkt->csum = VIO_NET_RX_CSUM_NONE;
	pkt->csum_start = 0;
	pkt->csum_offset = 0;
	if (h->flags & VIO_NET_HDR_F_NEEDS_CSUM) {
		uint32_t start = vio_net_h16(n, h->csum_start);
		uint32_t off = vio_net_h16(n, h->csum_offset);

		if (!vio_dev_has(&n->dev, VIO_NET_F_GUEST_CSUM) || start + off + 2 > pkt->len)
			return VIO_EIO;
		pkt->csum = VIO_NET_RX_CSUM_PARTIAL;
		pkt->csum_start = (uint16_t)start;
		pkt->csum_offset = (uint16_t)off;
	} else if ((h->flags & VIO_NET_HDR_F_DATA_VALID) && vio_dev_has(&n->dev, VIO_NET_F_GUEST_CSUM)) {
		pkt->csum = VIO_NET_RX_CSUM_VALID;
	}
	if (!vio_net_rx_gso_ok(n, pkt->gso_type, pkt->gso_size))
		return VIO_EIO;
	if (pkt->gso_type == VIO_NET_HDR_GSO_NONE)
		pkt->gso_size = 0;
	else
		return vio_net_rx_gso_shape(pkt);
	return VIO_OK;
}

/* num_buffers is only meaningful with MRG_RXBUF (§5.1.6.4). */
static uint16_t vio_net_rx_nbufs(const struct vio_net *n, const struct vio_net_hdr *h)
{
	if (n->rx_mode != VIO_NET_RX_MERGEABLE)
		return 1;
	return vio_net_h16(n, h->num_buffers);
}

static void vio_net_rx_ewma(struct vio_net_rxq *q, uint32_t len)
{
	uint32_t v = len << VIO_NET_EWMA_SHIFT;

	if (!q->ewma_len)
		q->ewma_len = v; /* first sample, like Linux's ewma_*_add */
	else
		q->ewma_len = q->ewma_len - q->ewma_len / VIO_NET_EWMA_WEIGHT + v / VIO_NET_EWMA_WEIGHT;
}

static int vio_net_rx_drop(struct vio_net_rxq *q, uint64_t *counter)
{
	(*counter)++;
	q->stats.drops++;
	return VIO_EIO;
}

/* Mergeable: take buffers 2..nbufs of the packet. They must all be in the
 * used ring now (the device publishes a packet's buffers together). Beyond
 * max_frags they are re-posted by the core so none is lost and the ring
 * stays in step; the packet is then dropped. Returns 1, VIO_EIO (missing
 * buffer or too many), VIO_EBROKEN. */
static int vio_net_rx_merge(struct vio_net_rxq *q, uint16_t nbufs, struct vio_net_rx_pkt *pkt,
			    struct vio_net_rx_frag *frags, uint16_t max_frags)
{
	struct vio_net_rxslot s;
	uint32_t len;
	uint16_t i;
	int r = 1;

	for (i = 1; i < nbufs; i++) {
		r = vio_net_rx_take(q, &s, &len);
		if (r <= 0)
			break;
		if (i < max_frags) {
			vio_net_rx_frag(&frags[pkt->nfrags++], &s.buf, len);
			pkt->len += len;
		} else if (vio_net_rx_repost(q, &s) != VIO_OK) {
			vio_vq_set_broken(&q->vq, "rx repost failed");
			return VIO_EBROKEN;
		}
	}
	if (r < 0)
		return r;
	if (r == 0 || nbufs > max_frags)
		return VIO_EIO;
	return 1;
}

/* Checks on the first buffer: an Ethernet header must follow the virtio
 * header in it (Linux: hdr_len + ETH_HLEN), and num_buffers in [1, ring]. */
static int vio_net_rx_first(struct vio_net_rxq *q, const struct vio_net_rxslot *s, uint32_t len,
			    struct vio_net_hdr_hash *h, uint16_t *nbufs)
{
	const struct vio_net *n = q->net;

	if (len < (uint32_t)n->hdr_len + VIO_ETH_HLEN)
		return vio_net_rx_drop(q, &q->stats.err_len);
	vio_memset(h, 0, sizeof(*h));
	vio_memcpy(h, s->buf.vaddr, n->hdr_len); /* read once: the device may rewrite */
	*nbufs = vio_net_rx_nbufs(n, &h->hdr);
	if (*nbufs == 0 || *nbufs > vio_vq_size(&q->vq))
		return vio_net_rx_drop(q, &q->stats.err_num_buffers);
	return VIO_OK;
}

static void vio_net_rx_count(struct vio_net_rxq *q, const struct vio_net_rx_pkt *pkt)
{
	q->stats.packets++;
	q->stats.bytes += pkt->len;
	if (pkt->csum == VIO_NET_RX_CSUM_VALID)
		q->stats.csum_valid++;
	else if (pkt->csum == VIO_NET_RX_CSUM_PARTIAL)
		q->stats.csum_partial++;
	if (pkt->gso_type != VIO_NET_HDR_GSO_NONE)
		q->stats.gso++;
	if (pkt->nfrags > 1 && q->net->rx_mode == VIO_NET_RX_MERGEABLE)
		q->stats.merged++;
	if (q->net->rx_mode == VIO_NET_RX_MERGEABLE)
		vio_net_rx_ewma(q, pkt->len);
}

/* HASH_REPORT (§5.1.6.4): the device's hash reaches the stack only when
 * its type is one we asked for (bit report - 1 of rss.hash_types) and the
 * device acknowledged that request. A report before that, or of a type we
 * did not ask for, is no hash: QEMU, for one, leaves the field as its tap
 * backend wrote it until hash types are set (hw/net/virtio-net.c,
 * virtio_net_process_rss runs only with rss_data.enabled). */
static void vio_net_rx_hash(struct vio_net_rxq *q, const struct vio_net_hdr_hash *h,
			    struct vio_net_rx_pkt *pkt)
{
	const struct vio_net *n = q->net;
	uint16_t r = vio_net_h16(n, h->hash_report);

	pkt->hash_report = VIO_NET_HASH_REPORT_NONE;
	pkt->hash = 0;
	if (!n->rss.hash_report || r == VIO_NET_HASH_REPORT_NONE || !n->rss.hash_on)
		return;
	if (r > VIO_NET_HASH_REPORT_UDPV6_EX || !(n->rss.hash_types & (1u << (r - 1)))) {
		q->stats.err_hash++;
		return;
	}
	pkt->hash_report = (uint8_t)r;
	pkt->hash = vio_net_h32(n, h->hash_value);
	q->stats.hashed++;
}

bool vio_net_hash_l4(uint8_t report)
{
	return report != VIO_NET_HASH_REPORT_NONE && report != VIO_NET_HASH_REPORT_IPV4 &&
	       report != VIO_NET_HASH_REPORT_IPV6 && report != VIO_NET_HASH_REPORT_IPV6_EX &&
	       report <= VIO_NET_HASH_REPORT_UDPV6_EX;
}

int vio_net_rx_get(struct vio_net_rxq *q, struct vio_net_rx_pkt *pkt, struct vio_net_rx_frag *frags,
		   uint16_t max_frags)
{
	const struct vio_net *n = q->net;
	uint16_t need = n->rx_mode == VIO_NET_RX_BIG ? VIO_NET_MAX_BIG_SEGS : 1;
	struct vio_net_rxslot s;
	struct vio_net_hdr_hash h;
	uint16_t nbufs;
	uint32_t len;
	int r;

	if (!pkt || !frags || max_frags < need)
		return VIO_EINVAL;
	pkt->nfrags = 0;
	r = vio_net_rx_take(q, &s, &len);
	if (r <= 0)
		return r;
	pkt->hdr_len = n->hdr_len;
	pkt->nfrags = vio_net_rx_first_frags(&s, len, frags);
	pkt->len = len;
	r = vio_net_rx_first(q, &s, len, &h, &nbufs);
	if (r == VIO_OK && nbufs > 1) {
		r = vio_net_rx_merge(q, nbufs, pkt, frags, max_frags);
		if (r == VIO_EIO)
			return vio_net_rx_drop(q, &q->stats.err_num_buffers);
	}
	if (r < 0)
		return r;
	pkt->len -= n->hdr_len;
	/* no frame is longer than a 65535-byte IP packet in a VLAN-tagged
	 * Ethernet frame, however many mergeable buffers the device chains */
	if (pkt->len > VIO_NET_PKT_MAX)
		return vio_net_rx_drop(q, &q->stats.err_len);
	if (vio_net_rx_parse(n, &h.hdr, pkt))
		return vio_net_rx_drop(q, &q->stats.err_hdr);
	vio_net_rx_hash(q, &h, pkt);
	vio_net_rx_count(q, pkt);
	return 1;
}

/* After vio_net_stop(): every cookie still posted, one per call; a big-mode
 * chain yields the cookie of each of its segments. */
void *vio_net_rx_drain(struct vio_net_rxq *q)
{
	struct vio_net_rxslot *s;

	if (!vio_vq_size(&q->vq))
		return NULL;
	if (q->norphans)
		return q->orphans[--q->norphans];
	if (q->drain_slot && q->drain_seg < q->drain_slot->nsegs)
		return q->drain_slot->segs[q->drain_seg++].cookie;
	q->drain_slot = NULL;
	s = vio_vq_detach_unused(&q->vq);
	while (s && q->net->copy) { /* pool buffers stay the core's */
		vio_net_copy_rx_held(q, s->buf.cookie, false);
		q->posted--;
		s = vio_vq_detach_unused(&q->vq);
	}
	if (!s)
		return NULL;
	q->posted--;
	if (s->segs) {
		q->drain_slot = s;
		q->drain_seg = 1;
	}
	return s->buf.cookie;
}
