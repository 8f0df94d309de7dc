// SPDX-License-Identifier: BSD-2-Clause
/*
 * macvio_tx.c - transmit path.
 *
 * ndo_start_xmit maps the skb (linear part + page frags) and hands the core
 * a scatter-gather list with offload metadata; the core writes the virtio
 * header into its own slot. Completions are reclaimed lazily at the top of
 * the next transmit, not by interrupt (DESIGN.md "Data flow"). The TX
 * interrupt is armed only while the queue is stopped for lack of room; it
 * schedules a small TX NAPI that reclaims and wakes the queue.
 *
 * Because a completed skb may sit in the ring until the next transmit, skbs
 * are orphaned at transmit (as Linux's virtio_net does without napi_tx):
 * otherwise a socket's send buffer or TCP small queues could wait forever
 * for memory that only a later transmit would free.
 *
 * Everything here runs under the netdev TX queue lock, with BHs or (netpoll)
 * interrupts off: nothing sleeps, allocations are GFP_ATOMIC.
 */
#include <linux/netdevice.h>
#include <linux/netpoll.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/netfilter/nf_conntrack.h>

#include "macvio.h"

#define TXBUF_NONE U16_MAX

static struct macvio_txbuf *txbuf_get(struct macvio_txq *tq)
{
	struct macvio_txbuf *b;

	if (unlikely(tq->free_head == TXBUF_NONE))
		return NULL;
	b = &tq->bufs[tq->free_head];
	tq->free_head = b->next_free;
	return b;
}

static void txbuf_put(struct macvio_txq *tq, struct macvio_txbuf *b)
{
	b->skb = NULL;
	b->nsg = 0;
	b->next_free = tq->free_head;
	tq->free_head = (u16)(b - tq->bufs);
}

/* sg[0] is the linear part when it has bytes (dma_map_single), every other
 * entry a page fragment (skb_frag_dma_map). */
static void tx_unmap(struct macvio_txq *tq, struct macvio_txbuf *b)
{
	u16 i = 0;

	if (b->linear) {
		macvio_unmap_single(&tq->vi->fn, b->sg[0].daddr, b->sg[0].len, DMA_TO_DEVICE);
		i = 1;
	}
	for (; i < b->nsg; i++)
		macvio_unmap_page(&tq->vi->fn, b->sg[i].daddr, b->sg[i].len, DMA_TO_DEVICE);
	b->nsg = 0;
}

static int tx_map(struct macvio_txq *tq, struct sk_buff *skb, struct macvio_txbuf *b)
{
	unsigned int hl = skb_headlen(skb);
	int i;

	b->nsg = 0;
	b->linear = false;
	if (hl) {
		dma_addr_t a = macvio_map_single(&tq->vi->fn, skb->data, hl, DMA_TO_DEVICE);

		if (unlikely(a == DMA_MAPPING_ERROR))
			return -ENOMEM;
		b->sg[0].daddr = a;
		b->sg[0].len = hl;
		b->nsg = 1;
		b->linear = true;
	}
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *f = &skb_shinfo(skb)->frags[i];
		dma_addr_t a;

		if (!skb_frag_size(f))
			continue;
		a = macvio_map_frag(&tq->vi->fn, f);
		if (unlikely(a == DMA_MAPPING_ERROR)) {
			tx_unmap(tq, b);
			return -ENOMEM;
		}
		b->sg[b->nsg].daddr = a;
		b->sg[b->nsg].len = skb_frag_size(f);
		b->nsg++;
	}
	return b->nsg ? 0 : -EINVAL;
}

/* Offload metadata from the skb. Only offloads we advertised reach us
 * (features follow negotiation), so anything else is a stack bug: -EINVAL. */
static int tx_meta(const struct sk_buff *skb, struct vio_net_tx_meta *m)
{
	memset(m, 0, sizeof(*m));
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		m->flags = VIO_NET_TX_F_CSUM;
		m->csum_start = skb_checksum_start_offset(skb);
		m->csum_offset = skb->csum_offset;
	}
	if (skb_is_gso(skb)) {
		unsigned int t = skb_shinfo(skb)->gso_type;

		if (t & SKB_GSO_TCPV4)
			m->gso_type = VIO_NET_HDR_GSO_TCPV4;
		else if (t & SKB_GSO_TCPV6)
			m->gso_type = VIO_NET_HDR_GSO_TCPV6;
		else
			return -EINVAL;
		if (t & SKB_GSO_TCP_ECN)
			m->gso_type |= VIO_NET_HDR_GSO_ECN;
		m->gso_size = skb_shinfo(skb)->gso_size;
		/* exact L2-L4 header length: a hint the host uses to size the
		 * linear part of the skb it builds (§5.1.6.2) */
		m->hdr_len = skb_tcp_all_headers(skb);
	}
	return 0;
}

/* Take back up to everything the device completed; returns how many, or a
 * negative VIO_E* when the queue is broken. budget as for napi_consume_skb
 * (0 outside NAPI: netpoll / xmit path with BHs off). */
static int tx_reclaim(struct macvio_txq *tq, int budget)
{
	void *cookies[MACVIO_TX_RECLAIM_BATCH];
	int n, i, total = 0;

	if (unlikely(READ_ONCE(tq->vi->stall_tx)))
		return 0; /* test: a device that stopped completing */
	do {
		n = vio_net_tx_reclaim(tq->q, cookies, ARRAY_SIZE(cookies));
		if (n < 0)
			return total ? total : n;
		for (i = 0; i < n; i++) {
			struct macvio_txbuf *b = cookies[i];

			tx_unmap(tq, b);
			napi_consume_skb(b->skb, budget);
			txbuf_put(tq, b);
		}
		total += n;
	} while (n == ARRAY_SIZE(cookies));
	return total;
}

/* Caller holds the TX lock (ndo_stop after netif_tx_disable, remove). */
void macvio_tx_reclaim_all(struct macvio_txq *tq)
{
	tx_reclaim(tq, 0);
}

/* The device broke a rule on this queue; the core latched it. Recovery
 * (macvio_reset.c) runs from process context. */
void macvio_tx_broken(struct macvio_txq *tq)
{
	struct macvio *vi = tq->vi;

	if (!READ_ONCE(vi->broken))
		netdev_err(vi->ndev, "tx queue %u broken by the device: link down, recovering\n", tq->index);
	WRITE_ONCE(vi->broken, true);
	netif_carrier_off(vi->ndev);
	macvio_schedule_reset(vi, VIO_NET_RESET_BROKEN);
}

/* Arm the TX interrupt for when most of what is in flight has completed
 * (EVENT_IDX), so a stopped queue gets woken. If that many completed while
 * we were arming, no interrupt will come for them: reclaim and, if there is
 * room now, restart the queue ourselves; else arm again. Returns true when
 * the queue was restarted. Caller holds the TX lock. */
static bool tx_arm_or_wake(struct macvio_txq *tq, struct netdev_queue *txq)
{
	if (unlikely(READ_ONCE(tq->vi->stall_tx)))
		return false; /* test stall: nothing will be reclaimed; the watchdog acts */
	while (!vio_vq_enable_cb_delayed(&tq->q->vq)) {
		vio_vq_disable_cb(&tq->q->vq);
		tx_reclaim(tq, 0);
		if (vio_net_tx_has_room(tq->q)) {
			netif_tx_wake_queue(txq);
			tq->stats.wakes++;
			return true;
		}
	}
	return false;
}

/* The ring cannot take a worst-case packet: stop until it can. */
static void tx_maybe_stop(struct macvio_txq *tq, struct netdev_queue *txq)
{
	if (likely(vio_net_tx_has_room(tq->q)))
		return;
	netif_tx_stop_queue(txq);
	tq->stats.stops++;
	if (tx_arm_or_wake(tq, txq))
		vio_vq_disable_cb(&tq->q->vq);
}

/* Copy mode: the skb's pieces, copied by the core into its bounce slot. */
static int tx_copy(struct macvio_txq *tq, struct sk_buff *skb, const struct vio_net_tx_meta *meta,
		   struct macvio_txbuf *b)
{
	struct vio_net_piece pc[MAX_SKB_FRAGS + 1];
	u16 n = 0;
	int i;

	b->nsg = 0;
	b->linear = false;
	if (skb_headlen(skb)) {
		pc[n].vaddr = skb->data;
		pc[n++].len = skb_headlen(skb);
	}
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *f = &skb_shinfo(skb)->frags[i];

		if (!skb_frag_size(f))
			continue;
		pc[n].vaddr = skb_frag_address(f);
		pc[n++].len = skb_frag_size(f);
	}
	return vio_net_tx_copy(tq->q, meta, pc, n, b);
}

/* Queue one skb. Returns 0, or a negative errno after counting the drop
 * in *why; the caller then frees the skb. */
static int tx_one(struct macvio_txq *tq, struct sk_buff *skb, u64 **why)
{
	struct vio_net_tx_meta meta;
	struct macvio_txbuf *b;
	int err;

	*why = &tq->stats.dropped;
	if (unlikely(skb_shinfo(skb)->nr_frags + 1 > tq->q->max_sg && skb_linearize(skb)))
		return -ENOMEM;
	if (unlikely(tx_meta(skb, &meta)))
		return -EINVAL;
	b = txbuf_get(tq);
	if (unlikely(!b))
		return -ENOSPC;
	if (tq->vi->net.copy) { /* nothing mapped: the core copies */
		err = tx_copy(tq, skb, &meta, b);
		goto queued;
	}
	if (unlikely(tx_map(tq, skb, b))) {
		txbuf_put(tq, b);
		*why = &tq->stats.map_fail;
		return -ENOMEM;
	}
	err = vio_net_tx(tq->q, &meta, b->sg, b->nsg, b);
queued:
	if (unlikely(err)) {
		tx_unmap(tq, b);
		txbuf_put(tq, b);
		if (err == VIO_EBROKEN)
			macvio_tx_broken(tq);
		return -EIO;
	}
	b->skb = skb;
	return 0;
}

netdev_tx_t macvio_start_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct macvio *vi = netdev_priv(ndev);
	u16 qi = skb_get_queue_mapping(skb);
	struct macvio_txq *tq = &vi->txq[qi];
	struct netdev_queue *txq = netdev_get_tx_queue(ndev, qi);
	bool kick = !netdev_xmit_more();
	u64 *why;

	/* netpoll (IRQs off, maybe after a panic): the core's polled path,
	 * unless its one buffer is still out (then on with the normal path) */
	if (unlikely(netpoll_tx_running(ndev)) && macvio_netpoll_xmit(vi, skb))
		return NETDEV_TX_OK;
	if (unlikely(READ_ONCE(vi->broken))) { /* recovering, or given up */
		tq->stats.dropped++;
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	tx_reclaim(tq, 0);
	skb_tx_timestamp(skb);
	skb_orphan(skb);
	nf_reset_ct(skb);
	if (unlikely(tx_one(tq, skb, &why))) {
		(*why)++;
		dev_kfree_skb_any(skb);
	}
	tx_maybe_stop(tq, txq);
	/* one kick per batch; always when stopped, or the device would
	 * never see the packets that filled the ring */
	if (kick || netif_xmit_stopped(txq))
		vio_net_tx_flush(tq->q);
	return NETDEV_TX_OK;
}

/* TX NAPI: only scheduled by the TX interrupt, which is armed only while
 * the queue is stopped. Reclaim, then wake the queue (interrupt left off)
 * or re-arm. Completing inside the TX lock, after arming: an interrupt in
 * between marks NAPI missed and we run again; and ndo_stop's napi_disable
 * cannot let teardown start while we still touch the queue. netpoll calls
 * this with budget 0: then we must not complete (it also runs us when we
 * are not scheduled, to reclaim and wake a stopped queue). */
int macvio_tx_poll(struct napi_struct *napi, int budget)
{
	struct macvio_txq *tq = container_of(napi, struct macvio_txq, napi);
	struct netdev_queue *txq = netdev_get_tx_queue(tq->vi->ndev, tq->index);

	/* budget 0 is netpoll: never spin, the lock's owner may be a CPU
	 * that panic() stopped in the middle of ndo_start_xmit */
	if (budget)
		__netif_tx_lock(txq, raw_smp_processor_id());
	else if (!__netif_tx_trylock(txq))
		return 0;
	vio_vq_disable_cb(&tq->q->vq);
	tx_reclaim(tq, budget);
	if (netif_tx_queue_stopped(txq)) {
		if (vio_net_tx_has_room(tq->q)) {
			netif_tx_wake_queue(txq);
			tq->stats.wakes++;
		} else if (tx_arm_or_wake(tq, txq)) {
			vio_vq_disable_cb(&tq->q->vq);
		}
	}
	if (budget)
		napi_complete_done(napi, 0);
	__netif_tx_unlock(txq);
	return 0;
}

/* After vio_net_stop(): unmap and free every skb the device never
 * completed (and any completed but not yet reclaimed). */
void macvio_tx_drain(struct macvio_txq *tq)
{
	struct macvio_txbuf *b;

	while ((b = vio_net_tx_drain(tq->q)) != NULL) {
		tx_unmap(tq, b);
		dev_kfree_skb_any(b->skb);
		txbuf_put(tq, b);
	}
}

int macvio_txq_init(struct macvio_txq *tq)
{
	u16 i, n = vio_vq_size(&tq->q->vq);

	tq->bufs = kvcalloc(n, sizeof(*tq->bufs), GFP_KERNEL);
	if (!tq->bufs)
		return -ENOMEM;
	tq->nbufs = n;
	tq->free_head = TXBUF_NONE;
	for (i = n; i-- > 0;)
		txbuf_put(tq, &tq->bufs[i]);
	return 0;
}

void macvio_txq_fini(struct macvio_txq *tq)
{
	kvfree(tq->bufs);
	tq->bufs = NULL;
	tq->nbufs = 0;
}
