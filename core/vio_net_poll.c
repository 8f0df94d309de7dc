// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_net_poll.c - polled send/receive on queue pair 0 for a kernel debugger
 * or netconsole: no allocation, no lock, bounded waits.
 *
 * TX uses the reserved poll_buf and descriptors set aside at attach
 * (vio_vq_reserve), so it finds room however full normal traffic left the
 * ring; its chain carries a sentinel cookie that never reaches the
 * front-end. Normal completions met while waiting go to the txq stash.
 * RX copies a frame out of a posted buffer and re-posts that buffer at once.
 */
#include "vio_log.h"
#include "vio_net.h"

#define VIO_NET_POLL_STEP_US 1

/* A deadline measured two ways: the sum of our own delays and the clock.
 * Either one running out ends the wait, so a frozen clock (debugger) or an
 * imprecise udelay cannot make it unbounded. */
struct vio_net_deadline {
	const struct vio_os *os;
	uint64_t start_ns;
	uint32_t waited_us, timeout_us;
};

static void vio_net_deadline_init(struct vio_net_deadline *d, const struct vio_os *os, uint32_t timeout_us)
{
	d->os = os;
	d->start_ns = os->now_ns ? os->now_ns(os->ctx) : 0;
	d->waited_us = 0;
	d->timeout_us = timeout_us;
}

/* Wait one step; false once the time is up. */
static bool vio_net_deadline_step(struct vio_net_deadline *d)
{
	const struct vio_os *os = d->os;

	if (d->waited_us >= d->timeout_us)
		return false;
	if (os->now_ns && os->now_ns(os->ctx) - d->start_ns >= (uint64_t)d->timeout_us * 1000)
		return false;
	os->udelay(os->ctx, VIO_NET_POLL_STEP_US);
	d->waited_us += VIO_NET_POLL_STEP_US;
	return true;
}

/* ---- send ---- */

/* Reap until our frame is back or the deadline passes. */
static int vio_net_poll_tx_wait(struct vio_net *n, struct vio_net_deadline *dl)
{
	struct vio_net_txq *q = &n->txq[0];
	int err;

	for (;;) {
		err = vio_net_tx_reap(q);
		if (err)
			return err;
		if (!n->poll_tx_busy)
			return VIO_OK;
		if (!vio_net_deadline_step(dl))
			return VIO_ETIMEDOUT;
	}
}

/* Header zeroed: no offload (§5.1.6.2, flags 0, GSO_NONE); the frame
 * follows it in poll_buf, in its own descriptor without any_layout. */
static int vio_net_poll_tx_add(struct vio_net *n, const void *frame, uint32_t len)
{
	struct vio_net_txq *q = &n->txq[0];
	uint8_t *buf = n->poll_buf.vaddr;
	struct vio_vq_seg seg[2];
	uint16_t nseg = 1;
	int err;

	vio_memset(buf, 0, n->hdr_len);
	vio_memcpy(buf + n->hdr_len, frame, len);
	seg[0].daddr = n->poll_buf.daddr;
	seg[0].len = n->hdr_len + len;
	if (!n->any_layout) {
		seg[0].len = n->hdr_len;
		seg[1].daddr = n->poll_buf.daddr + n->hdr_len;
		seg[1].len = len;
		nseg = 2;
	}
	err = vio_vq_add_reserved(&q->vq, seg, nseg, NULL, 0, vio_net_poll_cookie(n));
	if (err)
		return err;
	q->inflight++;
	n->poll_tx_busy = true;
	vio_vq_kick(&q->vq);
	return VIO_OK;
}

int vio_net_poll_send(struct vio_net *n, const void *frame, uint32_t len, uint32_t timeout_us)
{
	struct vio_net_deadline dl;
	int err;

	if (!frame || len == 0 || len > VIO_NET_POLL_FRAME_MAX || !vio_vq_size(&n->txq[0].vq))
		return VIO_EINVAL;
	if (vio_vq_broken(&n->txq[0].vq))
		return VIO_EBROKEN;
	vio_net_deadline_init(&dl, n->os, timeout_us);
	if (n->poll_tx_busy) {
		err = vio_net_poll_tx_wait(n, &dl); /* poll_buf is still the device's */
		if (err == VIO_ETIMEDOUT)
			return VIO_ENOSPC; /* this frame was not posted */
		if (err)
			return err;
	}
	err = vio_net_poll_tx_add(n, frame, len);
	if (err)
		return err;
	err = vio_net_poll_tx_wait(n, &dl);
	if (err == VIO_OK)
		n->txq[0].stats.poll_packets++;
	return err;
}

/* ---- receive ---- */

/* Copy `len` bytes starting `off` bytes into the chain of slot s. */
static void vio_net_poll_copy(const struct vio_net_rxslot *s, uint32_t off, uint8_t *dst, uint32_t len)
{
	const struct vio_net_rxbuf *b = s->segs ? s->segs : &s->buf;
	uint16_t nb = s->segs ? s->nsegs : 1;
	uint16_t i;

	for (i = 0; i < nb && len; i++) {
		uint32_t l;

		if (off >= b[i].len) {
			off -= b[i].len;
			continue;
		}
		l = b[i].len - off < len ? b[i].len - off : len;
		vio_memcpy(dst, (const uint8_t *)b[i].vaddr + off, l);
		dst += l;
		len -= l;
		off = 0;
	}
}

/* num_buffers of a mergeable packet (1 otherwise); 0 if the buffer is too
 * short to hold a header and an Ethernet header. */
static uint16_t vio_net_poll_nbufs(const struct vio_net *n, const struct vio_net_rxslot *s, uint32_t len)
{
	struct vio_net_hdr h;

	if (len < (uint32_t)n->hdr_len + VIO_ETH_HLEN)
		return 0;
	if (n->rx_mode != VIO_NET_RX_MERGEABLE)
		return 1;
	vio_memcpy(&h, s->buf.vaddr, VIO_NET_HDR_LEN);
	return vio_net_h16(n, h.num_buffers);
}

/* A packet spread over several buffers is consumed and dropped: take and
 * re-post the others that are already in the used ring (the device
 * publishes a packet's buffers together), at most a ring's worth. */
static int vio_net_poll_rx_skip(struct vio_net_rxq *q, uint16_t nbufs)
{
	struct vio_net_rxslot s;
	uint32_t len;
	uint16_t i;
	int r;

	if (nbufs > vio_vq_size(&q->vq))
		return VIO_OK;
	for (i = 1; i < nbufs; i++) {
		r = vio_net_rx_take(q, &s, &len);
		if (r <= 0)
			return r;
		r = vio_net_rx_repost(q, &s);
		if (r)
			return r;
	}
	return VIO_OK;
}

/* One packet taken: copy it out if it is a single buffer and fits, re-post
 * every buffer, kick. Returns 1 delivered, 0 dropped, < 0 broken. */
static int vio_net_poll_rx_one(struct vio_net_rxq *q, const struct vio_net_rxslot *s, uint32_t len, void *buf,
			       uint32_t cap, uint32_t *out)
{
	const struct vio_net *n = q->net;
	uint16_t nbufs = vio_net_poll_nbufs(n, s, len);
	int delivered = 0;
	int err = VIO_OK;

	if (nbufs == 1 && len - n->hdr_len <= cap) {
		vio_net_poll_copy(s, n->hdr_len, buf, len - n->hdr_len);
		*out = len - n->hdr_len;
		delivered = 1;
	} else if (nbufs > 1) {
		err = vio_net_poll_rx_skip(q, nbufs);
	}
	/* s goes back whatever happened (on a broken queue it waits for the
	 * drain: vio_net_rx_repost keeps it) */
	if (vio_net_rx_repost(q, s) != VIO_OK && err == VIO_OK)
		err = VIO_EBROKEN;
	vio_vq_kick(&q->vq);
	if (err) {
		vio_vq_set_broken(&q->vq, "polled rx could not re-post a buffer");
		return VIO_EBROKEN;
	}
	if (delivered)
		q->stats.poll_packets++;
	else
		q->stats.drops++;
	return delivered;
}

int vio_net_poll_recv(struct vio_net *n, void *buf, uint32_t cap, uint32_t *len, uint32_t timeout_us)
{
	struct vio_net_rxq *q = &n->rxq[0];
	struct vio_net_deadline dl;
	struct vio_net_rxslot s;
	uint32_t got;
	int r;

	if (!buf || !len || !vio_vq_size(&q->vq))
		return VIO_EINVAL;
	vio_net_deadline_init(&dl, n->os, timeout_us);
	for (;;) {
		r = vio_net_rx_take(q, &s, &got);
		if (r < 0)
			return r;
		if (r == 1) {
			r = vio_net_poll_rx_one(q, &s, got, buf, cap, len);
			if (r != 0)
				return r;
		}
		/* nothing, or a dropped packet: a flood must not extend the wait */
		if (!vio_net_deadline_step(&dl))
			return 0;
	}
}
