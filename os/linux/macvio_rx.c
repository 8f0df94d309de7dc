// SPDX-License-Identifier: BSD-2-Clause
/*
 * macvio_rx.c - receive path: RX buffers, NAPI poll, skb construction.
 *
 * Without the DMA API (no ACCESS_PLATFORM: the device takes physical
 * addresses, macvio_use_dma_api) buffers are carved upward from one page
 * fragment per queue, back to back, as Linux's virtio_net does; the cookie
 * is the buffer itself and the core hands back its posted size. A packet's
 * buffers are then adjacent in memory and coalesce into one skb frag per
 * page (skb_can_coalesce), which lets TCP coalesce the skbs in its queues
 * (TCPRcvCoalesce / TCPBacklogCoalesce): with one frag per 4 KiB buffer,
 * a 64 KiB GSO packet filled all 17 frag slots, nothing coalesced, and
 * receive cost ~20 % more guest CPU per byte (bench/README.md).
 *
 * With the DMA API each buffer is a page fragment mapped on its own:
 *
 *   frag: | struct macvio_rxmeta | pad | DMA area: virtio hdr, frame ...   |
 *         ^ cookie                      ^ vaddr given to the core (len L)
 *
 * Small mode posts one of L = vio_net_rx_buf_len() bytes per frame,
 * mergeable mode one of the core's adaptive length per buffer, big mode a
 * chain of VIO_NET_BIG_PACKET_BYTES in 4 KiB segments. A received packet is
 * turned into an skb by copying the first MACVIO_RX_COPY bytes into the skb
 * head and attaching the rest of every buffer as a page fragment (no copy).
 *
 * The rule of DESIGN.md: a packet's buffers are replaced BEFORE the packet
 * goes up. If no replacement can be had, the packet's own buffers are
 * posted again and the packet is dropped, so the ring never drains and
 * there is never a refill to schedule later.
 */
#include <linux/etherdevice.h>
#include <linux/moduleparam.h>
#include <linux/skbuff.h>
#include <linux/virtio_net.h>

#include "macvio.h"

static inline struct macvio_rxmeta *rx_meta(void *cookie)
{
	return cookie;
}

static inline void *rx_area(void *cookie)
{
	return (u8 *)cookie + MACVIO_RX_PAD;
}

/* Test hook: make every Nth data-path buffer allocation fail, to exercise
 * the re-post-and-drop path (the kernel here has no fault injection). */
static unsigned int fault_rx_alloc;
module_param(fault_rx_alloc, uint, 0644);
MODULE_PARM_DESC(fault_rx_alloc, "test: fail every Nth RX buffer allocation in NAPI (0 = never)");

/* Test hook: finish NEEDS_CSUM checksums in the core, as the macOS kext
 * must (its stack cannot carry a partial checksum), and hand the packet up
 * unverified so the kernel checks the core's result on every packet. */
static bool rx_csum_complete;
module_param(rx_csum_complete, bool, 0644);
MODULE_PARM_DESC(rx_csum_complete, "test: complete NEEDS_CSUM in the core; the stack verifies it");

static void *rx_alloc_frag(struct macvio_rxq *rq, unsigned int size, bool in_napi)
{
	unsigned int every = READ_ONCE(fault_rx_alloc);

	if (!in_napi)
		return netdev_alloc_frag(size);
	if (unlikely(every) && ++rq->fault_ctr >= every) {
		rq->fault_ctr = 0;
		return NULL;
	}
	return napi_alloc_frag(size);
}

/* Buffers without a meta header (no DMA API): see the top of this file. */
static inline bool rx_bare(const struct macvio_rxq *rq)
{
	return !macvio_use_dma_api(&rq->vi->fn);
}

/* Carve `*len` bytes from the queue's page fragment, upward; a rest too
 * small for another buffer goes to this one (*len grows), so the next
 * buffer starts a new page (Linux virtio_net add_recvbuf_mergeable). When
 * memory is short skb_page_frag_refill falls back to one page, which may
 * hold less than a large buffer: *len shrinks to the page. A mergeable
 * buffer may be any size above the core's minimum; a small-mode buffer
 * for a jumbo MTU cut short is refused by vio_net_rx_post (a failed post,
 * never a buffer the device could overrun). */
static void *rx_carve(struct macvio_rxq *rq, u32 *len, bool in_napi)
{
	struct page_frag *pf = &rq->pf;
	unsigned int every = READ_ONCE(fault_rx_alloc);
	u32 hole;
	void *va;

	if (in_napi && unlikely(every) && ++rq->fault_ctr >= every) {
		rq->fault_ctr = 0;
		return NULL;
	}
	if (unlikely(!skb_page_frag_refill(*len, pf, in_napi ? GFP_ATOMIC : GFP_KERNEL)))
		return NULL;
	if (unlikely(pf->size - pf->offset < *len)) /* an order-0 fallback page */
		*len = pf->size - pf->offset;
	va = (u8 *)page_address(pf->page) + pf->offset;
	get_page(pf->page);
	pf->offset += *len;
	hole = pf->size - pf->offset;
	if (hole < *len) {
		*len += hole;
		pf->offset += hole;
	}
	return va;
}

static int rx_buf_new_bare(struct macvio_rxq *rq, u32 len, bool in_napi, struct vio_net_rxbuf *b)
{
	void *va = rx_carve(rq, &len, in_napi);

	if (unlikely(!va)) {
		rq->stats.alloc_fail++;
		return -ENOMEM;
	}
	b->vaddr = va;
	b->daddr = macvio_map_single(&rq->vi->fn, va, len, DMA_FROM_DEVICE); /* physical, counted */
	b->len = len;
	b->cookie = va;
	return 0;
}

/* Allocate and map one buffer of `len` device-writable bytes. */
static int rx_buf_new(struct macvio_rxq *rq, u32 len, bool in_napi, struct vio_net_rxbuf *b)
{
	u32 truesize = MACVIO_RX_PAD + len;
	struct macvio_rxmeta *m;
	dma_addr_t a;
	void *frag;

	if (rx_bare(rq))
		return rx_buf_new_bare(rq, len, in_napi, b);
	/* napi_alloc_frag serves more than a page only while its cache holds
	 * a compound page: stay within one, header included (the core accepts
	 * any length down to its minimum, and mergeable buffers need no more) */
	if (truesize > PAGE_SIZE && rq->vi->net.rx_mode == VIO_NET_RX_MERGEABLE) {
		len = PAGE_SIZE - MACVIO_RX_PAD;
		truesize = PAGE_SIZE;
	}
	frag = rx_alloc_frag(rq, truesize, in_napi);
	if (unlikely(!frag)) {
		rq->stats.alloc_fail++;
		return -ENOMEM;
	}
	a = macvio_map_single(&rq->vi->fn, rx_area(frag), len, DMA_FROM_DEVICE);
	if (unlikely(a == DMA_MAPPING_ERROR)) {
		skb_free_frag(frag);
		rq->stats.map_fail++;
		return -ENOMEM;
	}
	m = rx_meta(frag);
	m->daddr = a;
	m->dma_len = len;
	m->truesize = truesize;
	b->vaddr = rx_area(frag);
	b->daddr = a;
	b->len = len;
	b->cookie = frag;
	return 0;
}

/* The device is done with this buffer: unmap it (DMA API) or just count it
 * (macvio_dma_maps, what unload's leak check reads). */
static void rx_unmap(struct macvio_rxq *rq, void *cookie)
{
	struct macvio_rxmeta *m;

	if (rx_bare(rq)) {
		macvio_unmap_single(&rq->vi->fn, 0, 0, DMA_FROM_DEVICE);
		return;
	}
	m = rx_meta(cookie);
	macvio_unmap_single(&rq->vi->fn, m->daddr, m->dma_len, DMA_FROM_DEVICE);
}

/* Unmap and free a buffer we own (dropped packet, drain, failed post). */
static void rx_buf_free(struct macvio_rxq *rq, void *cookie)
{
	rx_unmap(rq, cookie);
	skb_free_frag(cookie); /* either layout: a reference on the buffer's page */
}

/* Describe a buffer that is still mapped (for a re-post), and hand it back
 * to the device: the core synced it for the CPU when it took it. */
static void rx_buf_again(struct macvio_rxq *rq, const struct vio_net_rx_frag *f, struct vio_net_rxbuf *b)
{
	struct macvio_rxmeta *m;

	b->cookie = f->cookie;
	if (rx_bare(rq)) {
		b->vaddr = f->cookie;
		b->daddr = virt_to_phys(f->cookie);
		b->len = f->size;
		return;
	}
	m = rx_meta(f->cookie);
	macvio_sync_for_device(&rq->vi->fn, m->daddr, m->dma_len, DMA_FROM_DEVICE);
	b->vaddr = rx_area(f->cookie);
	b->daddr = m->daddr;
	b->len = m->dma_len;
}

/* Post one new buffer (small / mergeable). */
static int rx_post_one(struct macvio_rxq *rq, bool in_napi)
{
	struct vio_net_rxbuf b;
	int err;

	err = rx_buf_new(rq, vio_net_rx_buf_len(rq->q), in_napi, &b);
	if (err)
		return err;
	err = vio_net_rx_post(rq->q, &b);
	if (unlikely(err)) {
		rx_buf_free(rq, b.cookie);
		return -ENOSPC;
	}
	return 0;
}

/* Post one new big-mode chain: enough segments for a 64 KiB packet. */
static int rx_post_big(struct macvio_rxq *rq, bool in_napi)
{
	u32 seg = vio_net_rx_buf_len(rq->q);
	u32 total = 0;
	u16 n = 0;
	int err = 0;

	while (total < VIO_NET_BIG_PACKET_BYTES && n < VIO_NET_MAX_BIG_SEGS) {
		err = rx_buf_new(rq, seg, in_napi, &rq->bigsegs[n]);
		if (err)
			break;
		total += seg;
		n++;
	}
	if (!err)
		err = vio_net_rx_post_big(rq->q, rq->bigsegs, n) ? -ENOSPC : 0;
	if (err)
		while (n--)
			rx_buf_free(rq, rq->bigsegs[n].cookie);
	return err;
}

static int rx_post_new(struct macvio_rxq *rq, bool in_napi)
{
	if (rq->vi->net.rx_mode == VIO_NET_RX_BIG)
		return rx_post_big(rq, in_napi);
	return rx_post_one(rq, in_napi);
}

/* Top the ring up; returns the number of chains posted (kicked), or
 * -ENOMEM when not even one could be allocated while there was room. */
int macvio_rx_fill(struct macvio_rxq *rq, bool in_napi)
{
	int posted = 0;

	if (rq->vi->net.copy) { /* the core's pool */
		posted = vio_net_rx_fill_copy(rq->q);
		if (posted > 0)
			vio_net_rx_kick(rq->q);
		return posted > 0 || !vio_net_rx_room(rq->q) ? max(posted, 0) : -ENOMEM;
	}

	while (vio_net_rx_room(rq->q)) {
		if (rx_post_new(rq, in_napi))
			break;
		posted++;
	}
	if (posted)
		vio_net_rx_kick(rq->q);
	return posted || !vio_net_rx_room(rq->q) ? posted : -ENOMEM;
}

/* Give the buffers of frags[from..nfrags) back to the device unchanged. */
static void rx_repost(struct macvio_rxq *rq, const struct vio_net_rx_pkt *pkt, u16 from)
{
	struct vio_net_rxbuf *segs = rq->bigsegs;
	u16 i;

	if (rq->vi->net.copy) {
		for (i = from; i < pkt->nfrags; i++)
			vio_net_rx_repost_copy(rq->q, rq->frags[i].cookie);
		return;
	}
	if (rq->vi->net.rx_mode == VIO_NET_RX_BIG) {
		for (i = 0; i < pkt->nfrags; i++)
			rx_buf_again(rq, &rq->frags[i], &segs[i]);
		if (vio_net_rx_post_big(rq->q, segs, pkt->nfrags))
			for (i = 0; i < pkt->nfrags; i++)
				rx_buf_free(rq, segs[i].cookie);
		return;
	}
	for (i = from; i < pkt->nfrags; i++) {
		struct vio_net_rxbuf b;

		rx_buf_again(rq, &rq->frags[i], &b);
		if (vio_net_rx_post(rq->q, &b))
			rx_buf_free(rq, b.cookie); /* cannot happen: the slot just freed */
	}
}

static void rx_free_frags(struct macvio_rxq *rq, const struct vio_net_rx_pkt *pkt, u16 from, u16 to)
{
	u16 i;

	if (rq->vi->net.copy)
		return; /* pool buffers belong to the core */
	for (i = from; i < to; i++)
		rx_buf_free(rq, rq->frags[i].cookie);
}

/* Replace the packet's buffers with new ones. On failure the packet's
 * buffers not yet replaced go back to the device, the ones that were are
 * freed, and false says: drop the packet. */
static bool rx_replace(struct macvio_rxq *rq, const struct vio_net_rx_pkt *pkt)
{
	u16 i;

	if (rq->vi->net.rx_mode == VIO_NET_RX_BIG) {
		if (likely(!rx_post_big(rq, true)))
			return true;
		rx_repost(rq, pkt, 0);
		return false;
	}
	for (i = 0; i < pkt->nfrags; i++)
		if (unlikely(rx_post_one(rq, true)))
			break;
	if (likely(i == pkt->nfrags))
		return true;
	rx_repost(rq, pkt, i);
	rx_free_frags(rq, pkt, 0, i);
	return false;
}

/* Bytes of memory the buffer of frag f holds (skb truesize). */
static u32 rx_truesize(const struct macvio_rxq *rq, const struct vio_net_rx_frag *f)
{
	return rx_bare(rq) ? f->size : rx_meta(f->cookie)->truesize;
}

/* Attach `len` bytes at `data` (inside the buffer of frag f) to the skb
 * chain; a full skb gets a frag_list successor. The buffer's page
 * reference moves into the skb; bytes that continue the previous frag in
 * the same page extend it instead (bare buffers sit back to back). */
static bool rx_add_frag(struct macvio_rxq *rq, struct sk_buff *head, struct sk_buff **curr,
			const struct vio_net_rx_frag *f, void *data, u32 len)
{
	struct page *page = virt_to_head_page(data);
	u32 truesize = rx_truesize(rq, f);
	u32 off = (u8 *)data - (u8 *)page_address(page);
	struct sk_buff *c = *curr;
	int nr = skb_shinfo(c)->nr_frags;

	if (nr && skb_can_coalesce(c, nr, page, off)) {
		skb_coalesce_rx_frag(c, nr - 1, len, truesize);
		put_page(page); /* the frag holds this page already */
		goto counted;
	}

	if (skb_shinfo(c)->nr_frags == MAX_SKB_FRAGS) {
		struct sk_buff *nskb = napi_alloc_skb(&rq->napi, 0);

		if (unlikely(!nskb))
			return false;
		if (c == head)
			skb_shinfo(head)->frag_list = nskb;
		else
			c->next = nskb;
		*curr = c = nskb;
	}
	skb_add_rx_frag(c, skb_shinfo(c)->nr_frags, page, off, len, truesize);
counted:
	if (c != head) {
		head->data_len += len;
		head->len += len;
		head->truesize += truesize;
	}
	return true;
}

/* Build the skb from the (already unmapped) buffers; frees every buffer not
 * attached to it. NULL when an allocation failed (all buffers freed). */
static struct sk_buff *rx_build(struct macvio_rxq *rq, const struct vio_net_rx_pkt *pkt)
{
	struct vio_net_rx_frag *f = rq->frags;
	u8 *data = (u8 *)f[0].vaddr + pkt->hdr_len;
	u32 len0 = f[0].len - pkt->hdr_len;
	u32 copy = min3(len0, pkt->len, (u32)MACVIO_RX_COPY);
	struct sk_buff *skb, *curr;
	u16 i = 0;

	skb = napi_alloc_skb(&rq->napi, copy);
	if (unlikely(!skb))
		goto fail;
	skb_put_data(skb, data, copy);
	curr = skb;
	if (len0 > copy) {
		if (!rx_add_frag(rq, skb, &curr, &f[0], data + copy, len0 - copy))
			goto fail_skb;
	} else {
		skb_free_frag(f[0].cookie);
	}
	for (i = 1; i < pkt->nfrags; i++) {
		if (!f[i].len) { /* big mode: segment past the end of the packet */
			skb_free_frag(f[i].cookie);
			continue;
		}
		if (!rx_add_frag(rq, skb, &curr, &f[i], f[i].vaddr, f[i].len))
			goto fail_skb;
	}
	return skb;

	/* f[i] and everything after it are not attached to the skb */
fail_skb:
	dev_kfree_skb_any(skb);
fail:
	for (; i < pkt->nfrags; i++)
		skb_free_frag(f[i].cookie);
	rq->stats.build_fail++;
	return NULL;
}

/* Offload metadata: the core checked it against what was negotiated; the
 * kernel's own virtio_net_hdr_to_skb() then applies it exactly as Linux's
 * virtio_net does (partial checksum, GSO type + SKB_GSO_DODGY). */
static int rx_offloads(struct sk_buff *skb, const struct vio_net_rx_pkt *pkt)
{
	struct virtio_net_hdr h = {
	    .gso_type = pkt->gso_type,
	    .gso_size = __cpu_to_virtio16(true, pkt->gso_size),
	};

	if (pkt->csum == VIO_NET_RX_CSUM_PARTIAL) {
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.csum_start = __cpu_to_virtio16(true, pkt->csum_start);
		h.csum_offset = __cpu_to_virtio16(true, pkt->csum_offset);
	} else if (pkt->csum == VIO_NET_RX_CSUM_VALID) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}
	return virtio_net_hdr_to_skb(skb, &h, true);
}

static void rx_unmap_all(struct macvio_rxq *rq, const struct vio_net_rx_pkt *pkt)
{
	u16 i;

	for (i = 0; i < pkt->nfrags; i++)
		rx_unmap(rq, rq->frags[i].cookie);
}

/* Copy mode: copy the packet out of the core's pool into a new skb and
 * give the buffers straight back. NULL when no skb could be had. */
static struct sk_buff *rx_copy(struct macvio_rxq *rq, const struct vio_net_rx_pkt *pkt)
{
	struct sk_buff *skb = napi_alloc_skb(&rq->napi, pkt->len);
	u16 i;

	if (likely(skb)) {
		for (i = 0; i < pkt->nfrags; i++) {
			u32 skip = i == 0 ? pkt->hdr_len : 0;

			skb_put_data(skb, (u8 *)rq->frags[i].vaddr + skip, rq->frags[i].len - skip);
		}
	} else {
		rq->stats.build_fail++;
	}
	rx_repost(rq, pkt, 0);
	return skb;
}

/* A frame of at most MACVIO_RX_COPY_SMALL bytes in one buffer larger than
 * a page (mrg_max): copied out and the buffer posted again, so a socket is
 * charged ~2 KiB for it, not the 32 KiB buffer (truesize), and no buffer
 * is allocated. Big GSO packets, the reason for big buffers, go up
 * without a copy. */
static bool rx_copy_small(const struct macvio_rxq *rq, const struct vio_net_rx_pkt *pkt)
{
	return pkt->nfrags == 1 && pkt->len <= MACVIO_RX_COPY_SMALL && rq->frags[0].size > PAGE_SIZE &&
	       rx_bare(rq) && !READ_ONCE(rx_csum_complete);
}

/* One good packet from the core: refill, then build and pass up. */
static void rx_packet(struct macvio_rxq *rq, const struct vio_net_rx_pkt *pkt)
{
	struct net_device *ndev = rq->vi->ndev;
	struct vio_net_rx_pkt done;
	struct sk_buff *skb;

	if (rq->vi->net.copy || rx_copy_small(rq, pkt)) {
		skb = rx_copy(rq, pkt);
		if (unlikely(!skb))
			return;
		goto built;
	}
	if (unlikely(!rx_replace(rq, pkt)))
		return;
	rx_unmap_all(rq, pkt);
	if (unlikely(READ_ONCE(rx_csum_complete)) && pkt->csum == VIO_NET_RX_CSUM_PARTIAL &&
	    pkt->gso_type == VIO_NET_HDR_GSO_NONE) {
		done = *pkt;
		if (vio_net_rx_csum_complete(&done, rq->frags) == VIO_OK) {
			done.csum = VIO_NET_RX_CSUM_NONE; /* the stack verifies it */
			rq->stats.csum_completed++;
			pkt = &done;
		}
	}
	skb = rx_build(rq, pkt);
	if (unlikely(!skb))
		return;
built:
	if (unlikely(rx_offloads(skb, pkt))) {
		rq->stats.hdr_drop++;
		dev_kfree_skb_any(skb);
		return;
	}
	if (pkt->hash_report && (ndev->features & NETIF_F_RXHASH))
		skb_set_hash(skb, pkt->hash,
			     vio_net_hash_l4(pkt->hash_report) ? PKT_HASH_TYPE_L4 : PKT_HASH_TYPE_L3);
	skb->protocol = eth_type_trans(skb, ndev);
	skb_record_rx_queue(skb, rq - rq->vi->rxq);
	napi_gro_receive(&rq->napi, skb);
}

/* The queue latched broken: free the buffers the core handed us with the
 * error, report link down once. The remaining buffers are freed at remove. */
static void rx_broken(struct macvio_rxq *rq, const struct vio_net_rx_pkt *pkt)
{
	struct macvio *vi = rq->vi;

	rx_free_frags(rq, pkt, 0, pkt->nfrags);
	if (!READ_ONCE(vi->broken))
		netdev_err(vi->ndev, "rx queue %ld broken by the device: link down, recovering\n",
			   (long)(rq - vi->rxq));
	WRITE_ONCE(vi->broken, true);
	netif_carrier_off(vi->ndev);
	macvio_schedule_reset(vi, VIO_NET_RESET_BROKEN);
}

/* Receive up to budget packets. Returns the count, or -1 when the queue is
 * broken (then NAPI completes without re-arming the interrupt). */
static int rx_receive(struct macvio_rxq *rq, int budget)
{
	struct vio_net_rx_pkt pkt;
	int done = 0, r;

	while (done < budget) {
		r = vio_net_rx_get(rq->q, &pkt, rq->frags, rq->max_frags);
		if (r == 0)
			break;
		if (likely(r == 1)) {
			rx_packet(rq, &pkt);
		} else if (r == VIO_EIO) {
			rx_repost(rq, &pkt, 0); /* bad packet, counted by the core */
		} else {
			rx_broken(rq, &pkt);
			return -1;
		}
		done++;
	}
	return done;
}

int macvio_rx_poll(struct napi_struct *napi, int budget)
{
	struct macvio_rxq *rq = container_of(napi, struct macvio_rxq, napi);
	struct vio_vq *vq = &rq->q->vq;
	int done;

	/* budget 0 is netpoll asking for TX work only: never receive there */
	if (unlikely(!budget))
		return 0;
	vio_vq_disable_cb(vq);
	done = rx_receive(rq, budget);
	/* replacements were posted without a kick; top-up covers a ring that
	 * a failed initial fill left short */
	macvio_rx_fill(rq, true);
	vio_net_rx_kick(rq->q);
	if (unlikely(done < 0)) {
		napi_complete_done(napi, 0);
		return 0;
	}
	if (done < budget && napi_complete_done(napi, done)) {
		/* a packet that arrived before the re-arm gets no interrupt */
		if (unlikely(!vio_vq_enable_cb(vq)) && napi_schedule_prep(napi)) {
			vio_vq_disable_cb(vq);
			__napi_schedule(napi);
		}
	}
	return done;
}

/* After vio_net_stop(): every buffer still posted goes back to the page
 * allocator. */
void macvio_rx_drain(struct macvio_rxq *rq)
{
	void *cookie;

	while ((cookie = vio_net_rx_drain(rq->q)) != NULL)
		rx_buf_free(rq, cookie);
}

int macvio_rxq_init(struct macvio_rxq *rq)
{
	u16 n = vio_vq_size(&rq->q->vq);

	if (n < VIO_NET_MAX_BIG_SEGS)
		n = VIO_NET_MAX_BIG_SEGS;
	rq->max_frags = n;
	rq->frags = kcalloc(n, sizeof(*rq->frags), GFP_KERNEL);
	rq->bigsegs = kcalloc(VIO_NET_MAX_BIG_SEGS, sizeof(*rq->bigsegs), GFP_KERNEL);
	if (!rq->frags || !rq->bigsegs) {
		macvio_rxq_fini(rq);
		return -ENOMEM;
	}
	return 0;
}

void macvio_rxq_fini(struct macvio_rxq *rq)
{
	if (rq->pf.page) /* the page fragment's own reference */
		put_page(rq->pf.page);
	rq->pf.page = NULL;
	kfree(rq->frags);
	kfree(rq->bigsegs);
	rq->frags = NULL;
	rq->bigsegs = NULL;
}
