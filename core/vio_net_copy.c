// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_net_copy.c - copy mode: the core owns every packet buffer.
 *
 * For a front-end whose packet memory has no device address. macOS on Apple
 * silicon is the case: mbuf_data_to_physical() answers a physical address
 * (xnu bsd/kern/kpi_mbuf.c), while the function sits behind its own DART,
 * whose addresses only IODMACommand with the device's mapper produces
 * (docs/macos.md, "DMA addresses"). So the core keeps, in memory from
 * os->dma_alloc (which the front-end maps for the device):
 *  - per RX queue, a pool of buffers it posts itself; the front-end copies a
 *    received packet out and gives the buffers back (vio_net_rx_repost_copy);
 *  - per TX queue, a bounce slot per ring head next to the header slot; the
 *    front-end hands the frame as (vaddr, len) pieces and the core copies
 *    them (vio_net_tx_copy). One frame per slot: no GSO in copy mode.
 * One copy per packet each way, no allocation on the data path.
 */
#include "vio_log.h"
#include "vio_net.h"

#define VIO_NET_COPY_ALIGN 64

static uint32_t vio_net_copy_round(uint32_t v)
{
	return (v + VIO_NET_COPY_ALIGN - 1) & ~(uint32_t)(VIO_NET_COPY_ALIGN - 1);
}

/* ---- RX pool ---- */

uint32_t vio_net_copy_rx_len(const struct vio_net *n)
{
	/* small mode: one whole frame per buffer (the post minimum); mergeable:
	 * a full-size frame per buffer, bigger packets merge */
	if (n->rx_mode == VIO_NET_RX_SMALL)
		return vio_net_copy_round(vio_net_rx_buf_len(&n->rxq[0]));
	return vio_net_copy_round((uint32_t)n->hdr_len + VIO_ETH_MAX_FRAME);
}

/* Point every pool buffer at its share of the pool (allocated by attach). */
void vio_net_copy_rx_layout(struct vio_net_rxq *q)
{
	uint16_t i;

	for (i = 0; i < q->pool_n; i++) {
		struct vio_net_rxbuf *b = &q->pool_bufs[i];

		b->vaddr = (uint8_t *)q->pool.vaddr + (size_t)i * q->pool_len;
		b->daddr = q->pool.daddr + (uint64_t)i * q->pool_len;
		b->len = q->pool_len;
		b->cookie = b;
	}
}

/* Index of a pool buffer from its cookie; -1 if it is not one of ours. */
static int vio_net_copy_index(const struct vio_net_rxq *q, const void *cookie)
{
	uintptr_t off = (uintptr_t)cookie - (uintptr_t)q->pool_bufs;

	if (!q->pool_bufs || (uintptr_t)cookie < (uintptr_t)q->pool_bufs || off % sizeof(*q->pool_bufs) ||
	    off / sizeof(*q->pool_bufs) >= q->pool_n)
		return -1;
	return (int)(off / sizeof(*q->pool_bufs));
}

/* Every post (rx_add) and every take (rx_take, drain) of a pool buffer
 * passes here, so pool_posted says exactly which buffers the ring holds. */
void vio_net_copy_rx_held(struct vio_net_rxq *q, const void *cookie, bool held)
{
	int i = vio_net_copy_index(q, cookie);

	if (i >= 0)
		q->pool_posted[i] = held;
}

static int vio_net_copy_post(struct vio_net_rxq *q, int i)
{
	if (q->net->dev.broken || vio_vq_broken(&q->vq))
		return VIO_EBROKEN;
	return vio_net_rx_post(q, &q->pool_bufs[i]);
}

int vio_net_rx_fill_copy(struct vio_net_rxq *q)
{
	int i, n = 0, err;

	if (!q->pool_n)
		return VIO_EINVAL;
	for (i = 0; i < q->pool_n && vio_net_rx_room(q) > 0; i++) {
		if (q->pool_posted[i])
			continue;
		err = vio_net_copy_post(q, i);
		if (err)
			return n ? n : err;
		n++;
	}
	return n;
}

int vio_net_rx_repost_copy(struct vio_net_rxq *q, void *cookie)
{
	int i = vio_net_copy_index(q, cookie);

	if (i < 0 || q->pool_posted[i])
		return VIO_EINVAL;
	return vio_net_copy_post(q, i);
}

/* ---- TX bounce slots ---- */

uint32_t vio_net_copy_tx_stride(const struct vio_net *n)
{
	return vio_net_copy_round(VIO_NET_TX_HDR_STRIDE + n->copy_frame);
}

int vio_net_tx_copy(struct vio_net_txq *q, const struct vio_net_tx_meta *m,
		    const struct vio_net_piece *pieces, uint16_t npieces, void *cookie)
{
	struct vio_net *n = q->net;
	struct vio_net_sg sg;
	uint8_t *dst;
	uint64_t total = 0;
	uint16_t head, i;

	if (!n->copy || !pieces || !npieces || !cookie)
		return VIO_EINVAL;
	if (vio_vq_broken(&q->vq))
		return VIO_EBROKEN;
	for (i = 0; i < npieces; i++) {
		if (!pieces[i].vaddr && pieces[i].len)
			return VIO_EINVAL;
		total += pieces[i].len;
	}
	if (!total || total > n->copy_frame)
		return VIO_EINVAL;
	if (!vio_net_tx_has_room(q)) {
		q->stats.full++;
		return VIO_ENOSPC;
	}
	/* the head vio_net_tx() takes next owns header and bounce slot */
	head = vio_vq_next_id(&q->vq);
	dst = (uint8_t *)q->hdrs.vaddr + (size_t)head * q->hdr_stride + VIO_NET_TX_HDR_STRIDE;
	for (i = 0; i < npieces; i++) {
		vio_memcpy(dst, pieces[i].vaddr, pieces[i].len);
		dst += pieces[i].len;
	}
	sg.daddr = q->hdrs.daddr + (uint64_t)head * q->hdr_stride + VIO_NET_TX_HDR_STRIDE;
	sg.len = (uint32_t)total;
	if (n->os->dma_sync)
		n->os->dma_sync(n->os->ctx, sg.daddr, sg.len, VIO_DMA_TO_DEVICE, true);
	return vio_net_tx(q, m, &sg, 1, cookie);
}
