/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_copy.c - copy mode (vio_net_copy.c): the core owns every packet buffer
 * (RX pool, TX bounce slot per head), for front-ends whose packet memory
 * has no device address (macOS on Apple silicon).
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define F(b) VIO_BIT(b)

static void copy_params(struct vio_net_params *p)
{
	fe_params_default(p);
	p->copy = true;
}

/* attach + fill the pool + start */
static void copy_up(struct fe *f, struct model *m)
{
	struct vio_net_params p;

	copy_params(&p);
	ASSERT_EQ(fe_attach(f, m, &p), 0);
	ASSERT(f->n.copy);
	int n = vio_net_rx_fill_copy(&f->n.rxq[0]);
	ASSERT(n > 0);
	ASSERT_EQ(vio_net_rx_fill_copy(&f->n.rxq[0]), 0); /* every buffer is in the ring */
	ASSERT_EQ(vio_net_start(&f->n), 0);
	ASSERT_EQ(model_vq_avail_count(m, mnet_rxq(m, 0)), n);
}

static void copy_down(struct fe *f, struct model *m)
{
	fe_teardown(f);
	fe_free(f);
	EXPECT_CLEAN(m);
	EXPECT_NO_ALLOCS(m);
	model_free(m);
}

TEST(copy_no_gso_negotiated)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	copy_up(&f, m);
	ASSERT(!model_has(m, VIO_NET_F_HOST_TSO4) && !model_has(m, VIO_NET_F_HOST_TSO6));
	ASSERT(!model_has(m, VIO_NET_F_GUEST_TSO4) && !model_has(m, VIO_NET_F_GUEST_TSO6));
	ASSERT(model_has(m, VIO_NET_F_CSUM) && model_has(m, VIO_NET_F_MRG_RXBUF));
	copy_down(&f, m);
}

/* Received data lands in pool buffers; the front-end copies it out and
 * gives them back, and the same buffers serve the next packets. */
static void copy_rx_case(uint64_t drop, uint32_t len, int want_bufs)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_rx_frag fr[256];
	struct vio_net_rx_pkt pkt;
	struct fe f;
	uint8_t *out = malloc(len);

	m->features &= ~drop;
	copy_up(&f, m);
	for (int round = 0; round < 600; round++) { /* > 2 x ring: buffers reused */
		uint8_t *frame = mk_frame(m, len, (unsigned)round);
		struct vio_net_hdr h = {0};
		uint32_t o = 0;

		ASSERT_EQ(mnet_rx_put(m, 0, &h, frame, len, -1), want_bufs);
		ASSERT_EQ(vio_net_rx_get(&f.n.rxq[0], &pkt, fr, 256), 1);
		ASSERT_EQ(pkt.len, len);
		ASSERT_EQ(pkt.nfrags, want_bufs);
		for (int i = 0; i < pkt.nfrags; i++) {
			uint32_t skip = i == 0 ? pkt.hdr_len : 0;
			memcpy(out + o, (uint8_t *)fr[i].vaddr + skip, fr[i].len - skip);
			o += fr[i].len - skip;
		}
		ASSERT_MEM(out, frame, len);
		for (int i = 0; i < pkt.nfrags; i++)
			ASSERT_EQ(vio_net_rx_repost_copy(&f.n.rxq[0], fr[i].cookie), 0);
		ASSERT_EQ(vio_net_rx_repost_copy(&f.n.rxq[0], fr[0].cookie), VIO_EINVAL); /* twice */
		vio_net_rx_kick(&f.n.rxq[0]);
		model_buf_free(m, frame);
	}
	int foreign;
	ASSERT_EQ(vio_net_rx_repost_copy(&f.n.rxq[0], &foreign), VIO_EINVAL);
	ASSERT_EQ(vio_net_rx_repost_copy(&f.n.rxq[0], NULL), VIO_EINVAL);
	free(out);
	copy_down(&f, m);
}

TEST(copy_rx_mergeable_one_buffer)
{
	copy_rx_case(0, 1514, 1);
}

TEST(copy_rx_mergeable_three_buffers)
{
	copy_rx_case(0, 4000, 3); /* pool buffers of hdr + 1518 rounded to 64 */
}

TEST(copy_rx_small)
{
	copy_rx_case(F(VIO_NET_F_MRG_RXBUF), 1514, 1);
}

/* The frame is copied from the pieces into the head's bounce slot: every
 * packet in a full ring keeps its own bytes. */
TEST(copy_tx_pieces_full_ring)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;
	uint8_t frames[300][200];
	int sent = 0, r;

	copy_up(&f, m);
	for (;;) {
		uint8_t *fr = frames[sent];
		for (int i = 0; i < 200; i++)
			fr[i] = (uint8_t)(sent * 7 + i);
		struct vio_net_piece pc[3] = {{fr, 14}, {fr + 14, 1}, {fr + 15, 185}};
		r = vio_net_tx_copy(&f.n.txq[0], NULL, pc, 3, fr);
		if (r != VIO_OK)
			break;
		sent++;
		ASSERT(sent < 300);
	}
	ASSERT_EQ(r, VIO_ENOSPC);
	ASSERT(sent > 100);
	vio_net_tx_flush(&f.n.txq[0]);
	for (int k = 0; k < sent; k++) {
		struct mpkt pk;
		ASSERT_EQ(mnet_tx_pop(m, mnet_txq(m, 0), &pk), 1);
		ASSERT_EQ(pk.frame_len, 200);
		ASSERT_MEM(pk.frame, frames[k], 200);
		model_vq_push(m, mnet_txq(m, 0), pk.head, 0);
		mpkt_free(&pk);
	}
	void *done[300];
	ASSERT_EQ(vio_net_tx_reclaim(&f.n.txq[0], done, 300), sent);
	for (int k = 0; k < sent; k++)
		ASSERT(done[k] == frames[k]);
	copy_down(&f, m);
}

TEST(copy_tx_checksum_meta_and_refusals)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;
	static uint8_t fr[1600];
	struct vio_net_tx_meta meta = {.flags = VIO_NET_TX_F_CSUM, .csum_start = 34, .csum_offset = 16};
	struct vio_net_piece one = {fr, 1000};
	struct mpkt pk;

	copy_up(&f, m);
	ASSERT_EQ(vio_net_tx_copy(&f.n.txq[0], &meta, &one, 1, fr), 0);
	vio_net_tx_flush(&f.n.txq[0]);
	ASSERT_EQ(mnet_tx_pop(m, mnet_txq(m, 0), &pk), 1);
	ASSERT_EQ(pk.hdr.flags, VIO_NET_HDR_F_NEEDS_CSUM);
	ASSERT_EQ(pk.hdr.csum_start, 34);
	ASSERT_EQ(pk.frame_len, 1000);
	mpkt_free(&pk);
	struct vio_net_piece big = {fr, 1519}; /* > copy_frame (1518) */
	ASSERT_EQ(vio_net_tx_copy(&f.n.txq[0], NULL, &big, 1, fr), VIO_EINVAL);
	struct vio_net_piece empty = {fr, 0};
	ASSERT_EQ(vio_net_tx_copy(&f.n.txq[0], NULL, &empty, 1, fr), VIO_EINVAL);
	ASSERT_EQ(vio_net_tx_copy(&f.n.txq[0], NULL, NULL, 1, fr), VIO_EINVAL);
	struct vio_net_tx_meta tso = {.flags = VIO_NET_TX_F_CSUM,
				      .gso_type = VIO_NET_HDR_GSO_TCPV4,
				      .gso_size = 1000,
				      .hdr_len = 54,
				      .csum_start = 34,
				      .csum_offset = 16};
	ASSERT_EQ(vio_net_tx_copy(&f.n.txq[0], &tso, &one, 1, fr), VIO_EINVAL); /* TSO not negotiated */
	copy_down(&f, m);
}

TEST(copy_tx_outside_copy_mode_refused)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;
	uint8_t fr[64] = {0};
	struct vio_net_piece one = {fr, 64};

	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT_EQ(vio_net_tx_copy(&f.n.txq[0], NULL, &one, 1, fr), VIO_EINVAL);
	ASSERT_EQ(vio_net_rx_fill_copy(&f.n.rxq[0]), VIO_EINVAL);
	copy_down(&f, m);
}

/* The polled path copies out and re-posts pool buffers itself: the pool's
 * bookkeeping must follow (fill finds nothing to post afterwards). */
TEST(copy_polled_recv_keeps_pool_consistent)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;
	uint8_t buf[1518];
	uint32_t len = 0;

	copy_up(&f, m);
	uint8_t *frame = mk_frame(m, 300, 5);
	struct vio_net_hdr h = {0};
	ASSERT_EQ(mnet_rx_put(m, 0, &h, frame, 300, -1), 1);
	ASSERT_EQ(vio_net_poll_recv(&f.n, buf, sizeof(buf), &len, 1000), 1);
	ASSERT_EQ(len, 300);
	ASSERT_MEM(buf, frame, 300);
	ASSERT_EQ(vio_net_rx_fill_copy(&f.n.rxq[0]), 0);
	model_buf_free(m, frame);
	copy_down(&f, m);
}

/* Every allocation of a copy-mode attach may fail: a clean error, nothing
 * left allocated. */
TEST(copy_alloc_fail_each)
{
	struct vio_net_params p;
	long total;

	copy_params(&p);
	{
		struct model *m = model_new(M_MODERN);
		struct fe f;
		ASSERT_EQ(fe_attach(&f, m, &p), 0);
		total = m->n_alloc;
		fe_teardown(&f);
		fe_free(&f);
		model_free(m);
	}
	for (long n = 1; n <= total; n++) {
		struct model *m = model_new(M_MODERN);
		struct fe f;
		m->fail_nth = n;
		ASSERT_EQ(fe_attach(&f, m, &p), VIO_ENOMEM);
		EXPECT_NO_ALLOCS(m);
		fe_free(&f);
		model_free(m);
	}
}
