// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_net_reset.c - the one way back: reset and reinitialise a virtio-net
 * device that needs it, keeping everything the front-end configured.
 *
 * Who may ask (vio_net_reset_wanted): the device (DEVICE_NEEDS_RESET,
 * virtio 1.2 §2.1.2, seen at a config change), a latched broken queue or
 * device, a control command that timed out and never came back, the
 * front-end's TX watchdog, and suspend/resume. The core decides whether a
 * recovery may run (vio_net_reset_begin: bounded, no loop); the front-end
 * runs it in a context that may sleep:
 *
 *   vio_net_stop()                       reset: no DMA after it
 *   vio_net_rx_drain() / tx_drain()      every cookie back, exactly once
 *   vio_net_reinit()                     same features, same queues, same
 *                                        interrupt layout (or a clear error)
 *   refill RX, vio_net_start()           DRIVER_OK; MQ, MAC, filters and
 *                                        guest offloads re-applied
 *   vio_net_reset_end(err)
 */
#include "vio_log.h"
#include "vio_net.h"

static const char *const vio_net_cause_names[VIO_NET_RESET_CAUSES] = {
    "needs_reset", "broken", "tx_timeout", "ctrl_timeout", "resume", "forced", "relink", "resize",
};

const char *vio_net_reset_cause_name(enum vio_net_reset_cause c)
{
	return (unsigned)c < VIO_NET_RESET_CAUSES ? vio_net_cause_names[c] : "?";
}

bool vio_net_tx_stalled(struct vio_net_txq *q, uint64_t now_ns, uint64_t timeout_ns)
{
	uint64_t done = vio_vq_stats(&q->vq)->completed;

	if (!q->inflight) { /* nothing owed: the clock is not running */
		q->wd_since = 0;
		return false;
	}
	if (!q->wd_since || done != q->wd_done) { /* first look, or progress */
		q->wd_done = done;
		q->wd_since = now_ns ? now_ns : 1;
		return false;
	}
	return now_ns - q->wd_since >= timeout_ns;
}

static bool vio_net_any_broken(const struct vio_net *n)
{
	uint16_t i;

	if (n->dev.broken || (n->has_ctrl && n->ctrlq.broken))
		return true;
	for (i = 0; i < n->nqp; i++)
		if (vio_vq_broken(&n->rxq[i].vq) || vio_vq_broken(&n->txq[i].vq))
			return true;
	return false;
}

bool vio_net_reset_wanted(const struct vio_net *n, enum vio_net_reset_cause *cause)
{
	enum vio_net_reset_cause c;

	if (n->reset_given_up)
		return false;
	if (n->needs_reset)
		c = VIO_NET_RESET_NEEDS_RESET;
	else if (vio_net_any_broken(n))
		c = VIO_NET_RESET_BROKEN;
	else if (n->ctrl_pending)
		c = VIO_NET_RESET_CTRL_TIMEOUT;
	else if (n->relink_reset)
		c = VIO_NET_RESET_RELINK;
	else
		return false;
	if (cause)
		*cause = c;
	return true;
}

/* TX chains the device completed, ever: it worked between two recoveries
 * when this moved. Not RX: fresh buffers complete on any broadcast. */
static uint64_t vio_net_done(const struct vio_net *n)
{
	uint64_t d = 0;
	uint16_t i;

	for (i = 0; i < n->nqp; i++)
		d += vio_vq_stats(&n->txq[i].vq)->completed;
	return d;
}

/* The counting window (VIO_NET_RESET_WINDOW_NS) that `now` falls in. */
static void vio_net_reset_window(struct vio_net *n, uint64_t now)
{
	if (n->reset_window_ns && now - n->reset_window_ns < VIO_NET_RESET_WINDOW_NS)
		return;
	n->reset_window_ns = now ? now : 1;
	n->reset_window_n = 0;
	n->relink_window_n = 0;
}

/* A relink reset: never a failure, bounded per window (then skipped). */
static bool vio_net_relink_begin(struct vio_net *n, uint64_t now)
{
	vio_net_reset_window(n, now);
	if (n->relink_window_n >= VIO_NET_RELINK_MAX) {
		n->relink_reset = false;
		if (!n->relinks_skipped++)
			vio_warn(n->os,
				 "net: link cycling faster than %u resets a minute: relink resets skipped",
				 VIO_NET_RELINK_MAX);
		return false;
	}
	n->relink_window_n++;
	vio_warn(n->os, "net: resetting the device (%s)", vio_net_reset_cause_name(VIO_NET_RESET_RELINK));
	return true;
}

_Static_assert(VIO_NET_RESET_WINDOW_NS == 60000000000ull, "the give-up line says a minute");

static void vio_net_reset_give_up(struct vio_net *n, const char *why, unsigned count,
				  enum vio_net_reset_cause cause)
{
	n->reset_given_up = true;
	vio_err(n->os,
		"net: the device failed again after %u resets %s (last: %s): left reset, link down; "
		"reload the driver to try again",
		count, why, vio_net_reset_cause_name(cause));
}

bool vio_net_reset_begin(struct vio_net *n, enum vio_net_reset_cause cause)
{
	uint64_t now = n->os->now_ns(n->os->ctx);
	bool again;

	if ((unsigned)cause >= VIO_NET_RESET_CAUSES)
		cause = VIO_NET_RESET_FORCED;
	if (n->reset_given_up)
		return false;
	n->resets[cause]++;
	/* never a failure, never counted: a resume, or new ring sizes an
	 * operator asked for (ethtool -G may come four times a second) */
	if (cause == VIO_NET_RESET_RESUME || cause == VIO_NET_RESET_RESIZE) {
		n->reset_tries = 0;
		vio_warn(n->os, "net: resetting the device (%s)", vio_net_reset_cause_name(cause));
		return true;
	}
	if (cause == VIO_NET_RESET_RELINK) /* the outside world's doing */
		return vio_net_relink_begin(n, now);
	/* A device that needs another reset right after one, without having
	 * completed any TX since (or whose last recovery failed), is failing
	 * again. */
	again = n->reset_last_failed || (n->reset_ok_ns && now - n->reset_ok_ns < VIO_NET_RESET_QUIET_NS &&
					 vio_net_done(n) == n->reset_done);
	n->reset_tries = again ? n->reset_tries + 1 : 0;
	if (n->reset_tries >= VIO_NET_RESET_MAX_TRIES) {
		vio_net_reset_give_up(n, "in a row", n->reset_tries, cause);
		return false;
	}
	/* however much it worked between: a bounded number per window */
	vio_net_reset_window(n, now);
	if (++n->reset_window_n > VIO_NET_RESET_WINDOW_MAX) {
		vio_net_reset_give_up(n, "within a minute", n->reset_window_n - 1, cause);
		return false;
	}
	vio_warn(n->os, "net: resetting the device (%s)", vio_net_reset_cause_name(cause));
	return true;
}

void vio_net_reset_end(struct vio_net *n, int err)
{
	if (err) {
		n->reset_failures++;
		n->reset_last_failed = true;
		n->link_up = false;
		vio_err(n->os, "net: recovery failed (%s): device left reset, link down", vio_strerror(err));
		return;
	}
	n->reset_last_failed = false;
	n->reset_ok_ns = n->os->now_ns(n->os->ctx);
	n->reset_done = vio_net_done(n);
	vio_info(n->os, "net: device back after reset, link %s", n->link_up ? "up" : "down");
}

/* The size a queue runs at: the one asked for, or (0) its own. */
static uint16_t vio_net_ring_of(const struct vio_vq *vq, uint16_t want)
{
	return want ? want : vio_vq_size(vq);
}

static int vio_net_reinit_queues(struct vio_net *n)
{
	uint16_t i;
	int err = VIO_OK;

	for (i = 0; i < n->nqp && !err; i++) {
		struct vio_net_txq *t = &n->txq[i];

		n->rxq[i].drain_slot = NULL;
		/* at the sizes asked for last (vio_net_set_ring_sizes) */
		err = vio_vq_resize(&n->rxq[i].vq, vio_net_ring_of(&n->rxq[i].vq, n->rx_ring));
		if (!err)
			err = vio_vq_resize(&t->vq, vio_net_ring_of(&t->vq, n->tx_ring));
		n->rxq[i].max_posted = vio_net_rx_budget(n, &n->rxq[i]);
		t->inflight = 0;
		t->stash_head = 0;
		t->stash_count = 0;
		t->wd_since = 0;
	}
	if (!err && n->has_ctrl) {
		/* a command that timed out is still in the ring: it was ours */
		while (vio_vq_detach_unused(&n->ctrlq))
			;
		err = vio_vq_restart(&n->ctrlq);
		if (!err)
			vio_vq_disable_cb(&n->ctrlq); /* busy-polled, as created */
	}
	return err;
}

int vio_net_reinit(struct vio_net *n)
{
	int err = vio_dev_reinit(&n->dev);

	if (!err)
		err = vio_net_reinit_queues(n);
	/* legacy without CTRL_MAC_ADDR: the MAC lives in config (§5.1.4.3) */
	if (!err && n->mac_set && !vio_dev_has(&n->dev, VIO_NET_F_CTRL_MAC_ADDR))
		err = vio_net_set_mac_cfg(n, n->mac);
	n->poll_tx_busy = false;
	n->ctrl_pending = false;
	n->needs_reset = false;
	n->relink_reset = false;
	n->announce = false;
	n->curr_qp = 1;
	if (err) {
		vio_err(n->os, "net: reinitialisation failed: %s", vio_strerror(err));
		vio_dev_fail(&n->dev);
		n->link_up = false;
		return err;
	}
	vio_net_read_status(n);
	vio_net_read_speed(n); /* a resumed or migrated device may report another */
	/* back with the link down: its coming up is a link cycle of its own
	 * (a TX kick meanwhile, e.g. netpoll's, meets QEMU's drop path) */
	n->link_went_down = !n->link_up;
	return VIO_OK;
}

/* ---- ring sizes: ethtool -G (VIRTIO_F_RING_RESET, §2.6.1) ---- */

/* Descriptors a chain of nseg segments takes in vq once resized to size:
 * one when it can go indirect then (vio_vq_resize clamps the tables to the
 * ring, §2.7.5.3.1), else nseg. */
static uint32_t vio_net_chain_descs(const struct vio_vq *vq, uint16_t nseg, uint16_t size)
{
	uint16_t mi = vq->indirect_cap < size ? vq->indirect_cap : size;

	return nseg > 1 && nseg <= mi ? 1 : nseg;
}

/* Every queue must still take its largest chain: TX one packet of max_sg
 * segments next to the polled path's reserve (vio_net_txq_clamp_sg at
 * attach), RX its mode's chain (big mode: header + 20 pages; legacy
 * without any_layout: header + data). */
static bool vio_net_rings_fit(const struct vio_net *n, uint16_t rx, uint16_t tx)
{
	uint16_t rx_seg = n->rx_mode == VIO_NET_RX_BIG ? VIO_NET_MAX_BIG_SEGS + 1 : n->any_layout ? 1 : 2;
	uint16_t i;

	for (i = 0; i < n->nqp; i++) {
		const struct vio_net_txq *t = &n->txq[i];
		const struct vio_net_rxq *r = &n->rxq[i];

		if (vio_net_chain_descs(&t->vq, (uint16_t)(t->max_sg + 1), tx) + t->vq.reserved > tx ||
		    vio_net_chain_descs(&r->vq, rx_seg, rx) > rx)
			return false;
	}
	return true;
}

/* A power of two every queue of the kind was created big enough for. */
static bool vio_net_ring_size_ok(const struct vio_net *n, bool rx, uint16_t size)
{
	uint16_t i;

	if (size < 2 || (size & (size - 1)))
		return false;
	for (i = 0; i < n->nqp; i++)
		if (size > (rx ? n->rxq[i].vq.cap : n->txq[i].vq.cap))
			return false;
	return true;
}

int vio_net_set_ring_sizes(struct vio_net *n, uint16_t rx, uint16_t tx)
{
	if (n->copy || !n->dev.pci.modern)
		return VIO_ENOTSUP; /* a pool sized to the ring; legacy cannot resize */
	rx = rx ? rx : vio_net_ring_of(&n->rxq[0].vq, n->rx_ring);
	tx = tx ? tx : vio_net_ring_of(&n->txq[0].vq, n->tx_ring);
	if (!vio_net_ring_size_ok(n, true, rx) || !vio_net_ring_size_ok(n, false, tx) ||
	    !vio_net_rings_fit(n, rx, tx))
		return VIO_EINVAL;
	n->rx_ring = rx;
	n->tx_ring = tx;
	return VIO_OK;
}

static int vio_net_queue_reset(struct vio_net *n, struct vio_vq *vq)
{
	int err;

	if (!vio_dev_has(&n->dev, VIO_F_RING_RESET))
		return VIO_ENOTSUP;
	if (vq->broken || n->dev.broken)
		return VIO_EBROKEN;
	err = vio_vq_reset(vq);
	if (err) {
		/* the device may still own the buffers: only a device reset
		 * can take them back now */
		vio_vq_set_broken(vq, "queue reset failed");
		return err;
	}
	return VIO_OK;
}

int vio_net_rxq_reset(struct vio_net_rxq *q)
{
	q->drain_slot = NULL;
	VIO_WRITE_ONCE(q->resetting, true);
	return vio_net_queue_reset(q->net, &q->vq);
}

int vio_net_txq_reset(struct vio_net_txq *q)
{
	return vio_net_queue_reset(q->net, &q->vq);
}

/* After the drain: the ring at its new size, enabled again. A failure
 * latches the queue broken, which asks for the device reset. */
static int vio_net_queue_restart(struct vio_vq *vq, uint16_t size)
{
	int err = vio_vq_resize(vq, size);

	if (err)
		vio_vq_set_broken(vq, "re-enabling after a queue reset failed");
	return err;
}

int vio_net_rxq_restart(struct vio_net_rxq *q)
{
	struct vio_net *n = q->net;
	int err;

	if (q->posted || q->norphans)
		return VIO_EINVAL; /* not drained */
	err = vio_net_queue_restart(&q->vq, vio_net_ring_of(&q->vq, n->rx_ring));
	if (err)
		return err;
	q->drain_slot = NULL;
	q->max_posted = vio_net_rx_budget(n, q);
	VIO_WRITE_ONCE(q->resetting, false);
	return VIO_OK;
}

int vio_net_txq_restart(struct vio_net_txq *q)
{
	struct vio_net *n = q->net;
	int err;

	if (q->stash_count)
		return VIO_EINVAL; /* not drained */
	err = vio_net_queue_restart(&q->vq, vio_net_ring_of(&q->vq, n->tx_ring));
	if (err)
		return err;
	q->inflight = 0;
	q->stash_head = 0;
	q->wd_since = 0;
	if (q == &n->txq[0])
		n->poll_tx_busy = false; /* the polled frame went with the ring */
	return VIO_OK;
}
