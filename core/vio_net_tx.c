// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_net_tx.c - virtio-net transmit path (virtio 1.2 §5.1.6.2).
 *
 * The core owns one header slot per ring head (hdrs[head]); a packet is the
 * chain {header slot, front-end segments...}, indirect when negotiated so it
 * takes one ring entry. Completions are reclaimed lazily by the caller.
 */
#include "vio_log.h"
#include "vio_net.h"

/* GSO type -> the feature the device needs to segment it (§5.1.6.2.1). */
static bool vio_net_tx_gso_ok(const struct vio_dev *d, uint8_t gso_type)
{
	if ((gso_type & VIO_NET_HDR_GSO_ECN) && !vio_dev_has(d, VIO_NET_F_HOST_ECN))
		return false;
	switch (gso_type & ~VIO_NET_HDR_GSO_ECN) {
	case VIO_NET_HDR_GSO_TCPV4:
		return vio_dev_has(d, VIO_NET_F_HOST_TSO4);
	case VIO_NET_HDR_GSO_TCPV6:
		return vio_dev_has(d, VIO_NET_F_HOST_TSO6);
	case VIO_NET_HDR_GSO_UDP:
		return vio_dev_has(d, VIO_NET_F_HOST_UFO);
	case VIO_NET_HDR_GSO_UDP_L4:
		return vio_dev_has(d, VIO_NET_F_HOST_USO);
	default:
		return false;
	}
}

/* §5.1.6.2.1: the driver MUST NOT ask for an offload it did not negotiate;
 * a GSO packet needs checksum offload (NEEDS_CSUM) and an MSS. */
static bool vio_net_tx_meta_ok(const struct vio_net *n, const struct vio_net_tx_meta *m, uint64_t total)
{
	const struct vio_dev *d = &n->dev;

	if (m->flags & ~VIO_NET_TX_F_CSUM)
		return false;
	if (m->flags & VIO_NET_TX_F_CSUM) {
		if (!vio_dev_has(d, VIO_NET_F_CSUM))
			return false;
		if ((uint64_t)m->csum_start + m->csum_offset + 2 > total)
			return false;
	}
	if (m->gso_type == VIO_NET_HDR_GSO_NONE)
		return true;
	if (!(m->flags & VIO_NET_TX_F_CSUM) || !m->gso_size || m->hdr_len > total)
		return false;
	return vio_net_tx_gso_ok(d, m->gso_type);
}

/* Sum of the segment lengths; 0 for a bad list (empty segment). */
static uint64_t vio_net_tx_total(const struct vio_net_sg *sg, uint16_t nsg)
{
	uint64_t total = 0;
	uint16_t i;

	for (i = 0; i < nsg; i++) {
		if (!sg[i].len)
			return 0;
		total += sg[i].len;
	}
	return total;
}

/* Write the header of head `head`: byte order per vio_net_h16, num_buffers 0
 * (§5.1.6.2: the driver sets it to 0 on transmit). */
static void vio_net_tx_hdr(struct vio_net_txq *q, uint16_t head, const struct vio_net_tx_meta *m)
{
	const struct vio_net *n = q->net;
	struct vio_net_hdr *h =
	    (struct vio_net_hdr *)((uint8_t *)q->hdrs.vaddr + (size_t)head * q->hdr_stride);

	vio_memset(h, 0, VIO_NET_TX_HDR_STRIDE);
	if (m->flags & VIO_NET_TX_F_CSUM) {
		h->flags = VIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = vio_net_h16(n, m->csum_start);
		h->csum_offset = vio_net_h16(n, m->csum_offset);
	}
	if (m->gso_type != VIO_NET_HDR_GSO_NONE) {
		h->gso_type = m->gso_type;
		h->hdr_len = vio_net_h16(n, m->hdr_len);
		h->gso_size = vio_net_h16(n, m->gso_size);
	}
}

static void vio_net_tx_count(struct vio_net_txq *q, const struct vio_net_tx_meta *m, uint64_t total)
{
	q->stats.packets++;
	q->stats.bytes += total;
	if (m->flags & VIO_NET_TX_F_CSUM)
		q->stats.csum++;
	if (m->gso_type != VIO_NET_HDR_GSO_NONE)
		q->stats.gso++;
}

/* Stash + in-flight chains never exceed the ring size (see struct
 * vio_net_txq.inflight), which bounds the stash. */
static bool vio_net_tx_slots_left(const struct vio_net_txq *q)
{
	return (uint32_t)q->inflight + q->stash_count < vio_vq_size(&q->vq);
}

bool vio_net_tx_has_room(const struct vio_net_txq *q)
{
	return !vio_vq_broken(&q->vq) && vio_net_tx_slots_left(q) &&
	       vio_vq_has_room(&q->vq, (uint16_t)(q->max_sg + 1));
}

int vio_net_tx(struct vio_net_txq *q, const struct vio_net_tx_meta *m, const struct vio_net_sg *sg,
	       uint16_t nsg, void *cookie)
{
	static const struct vio_net_tx_meta none;
	uint64_t total;
	uint16_t head, i;
	int err;

	if (!m)
		m = &none;
	if (vio_vq_broken(&q->vq))
		return VIO_EBROKEN;
	if (!sg || nsg == 0 || nsg > q->max_sg || !cookie || cookie == vio_net_poll_cookie(q->net))
		return VIO_EINVAL;
	total = vio_net_tx_total(sg, nsg);
	if (!total || !vio_net_tx_meta_ok(q->net, m, total)) {
		q->stats.err_meta++;
		return VIO_EINVAL;
	}
	if (!vio_net_tx_slots_left(q) || !vio_vq_has_room(&q->vq, (uint16_t)(nsg + 1))) {
		q->stats.full++;
		return VIO_ENOSPC;
	}
	head = vio_vq_next_id(&q->vq);
	vio_net_tx_hdr(q, head, m);
	q->segs[0].daddr = q->hdrs.daddr + (uint64_t)head * q->hdr_stride;
	q->segs[0].len = q->net->hdr_len;
	for (i = 0; i < nsg; i++) {
		q->segs[i + 1].daddr = sg[i].daddr;
		q->segs[i + 1].len = sg[i].len;
	}
	err = vio_vq_add(&q->vq, q->segs, (uint16_t)(nsg + 1), NULL, 0, cookie);
	if (err) {
		if (err == VIO_ENOSPC)
			q->stats.full++;
		return err;
	}
	q->inflight++;
	vio_net_tx_count(q, m, total);
	return VIO_OK;
}

bool vio_net_tx_flush(struct vio_net_txq *q)
{
	return vio_vq_kick(&q->vq);
}

/* ---- completions ---- */

static void vio_net_tx_stash_push(struct vio_net_txq *q, void *cookie)
{
	/* Cannot be full: inflight + stash_count <= size, and this cookie
	 * was just counted in inflight. */
	q->stash[(q->stash_head + q->stash_count) % vio_vq_size(&q->vq)] = cookie;
	q->stash_count++;
}

static void *vio_net_tx_stash_pop(struct vio_net_txq *q)
{
	void *c;

	if (!q->stash_count)
		return NULL;
	c = q->stash[q->stash_head];
	q->stash[q->stash_head] = NULL;
	q->stash_head = (uint16_t)((q->stash_head + 1) % vio_vq_size(&q->vq));
	q->stash_count--;
	return c;
}

/* One completion taken from the used ring: account for it and say whether
 * it belongs to the front-end (the polled frame does not). */
static bool vio_net_tx_done(struct vio_net_txq *q, void *cookie)
{
	if (q->inflight)
		q->inflight--;
	if (cookie == vio_net_poll_cookie(q->net)) {
		q->net->poll_tx_busy = false;
		return false;
	}
	return true;
}

int vio_net_tx_reap(struct vio_net_txq *q)
{
	void *cookie;
	uint32_t len;
	int r;

	while ((r = vio_vq_get(&q->vq, &cookie, &len)) == 1)
		if (vio_net_tx_done(q, cookie))
			vio_net_tx_stash_push(q, cookie);
	return r < 0 ? r : VIO_OK;
}

/* Stash first (older completions), then the used ring. Cookies already
 * taken are returned even if the queue breaks meanwhile; the next call then
 * reports VIO_EBROKEN. */
int vio_net_tx_reclaim(struct vio_net_txq *q, void **cookies, unsigned max)
{
	unsigned got = 0;
	void *cookie;
	uint32_t len;
	int r = 0;

	if (!cookies)
		return VIO_EINVAL;
	while (got < max && (cookie = vio_net_tx_stash_pop(q)) != NULL)
		cookies[got++] = cookie;
	while (got < max && (r = vio_vq_get(&q->vq, &cookie, &len)) == 1)
		if (vio_net_tx_done(q, cookie))
			cookies[got++] = cookie;
	q->stats.reclaimed += got;
	if (r < 0 && !got)
		return r;
	if (!got && vio_vq_broken(&q->vq))
		return VIO_EBROKEN;
	return (int)got;
}

/* After vio_net_stop(): the stash, then every chain still in the ring; the
 * polled path's own frame is skipped. */
void *vio_net_tx_drain(struct vio_net_txq *q)
{
	void *cookie;

	if (!vio_vq_size(&q->vq))
		return NULL;
	cookie = vio_net_tx_stash_pop(q);
	if (cookie)
		return cookie;
	while ((cookie = vio_vq_detach_unused(&q->vq)) != NULL) {
		if (q->inflight)
			q->inflight--;
		if (cookie != vio_net_poll_cookie(q->net))
			return cookie;
		q->net->poll_tx_busy = false;
	}
	return NULL;
}
