/* SPDX-License-Identifier: BSD-2-Clause */
/* t_packed.c - the packed virtqueue (virtio 1.2 §2.8) behind the ring
 * interface, against the model's packed device side: wrap counters over
 * many laps, chains across the ring's end, indirect, out-of-order
 * completion, batching (one publish), event suppression both ways, and a
 * hostile device (ids, duplicates, lengths, impossible flags). */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

struct pqf {
	struct model *m;
	struct vio_dev d;
	struct vio_vq vq;
	uint8_t *buf;
};

static void pqf_up(struct pqf *f, uint16_t size, bool event_idx, uint16_t max_indirect)
{
	struct vio_vq_params p = {0};

	memset(f, 0, sizeof(*f));
	f->m = model_new(M_MODERN);
	f->m->packed = true;
	f->m->q[0].max = size;
	if (!event_idx)
		f->m->features &= ~VIO_BIT(VIO_F_EVENT_IDX);
	ASSERT_EQ(dev_up(f->m, &f->d, false, false), 0);
	ASSERT_EQ(vio_dev_negotiate(&f->d, 0, 0), 0);
	p.bus = &f->d.vq_bus;
	p.index = 0;
	p.vector = VIO_MSI_NO_VECTOR;
	p.event_idx = event_idx;
	p.indirect = max_indirect != 0;
	p.max_indirect = max_indirect;
	p.packed = true;
	ASSERT_EQ(vio_vq_create(&f->vq, &f->d, &p), 0);
	ASSERT(f->vq.packed);
	ASSERT_EQ(f->m->q[0].enabled, true);
	vio_dev_driver_ok(&f->d);
	f->buf = model_buf_alloc(f->m, 4096);
}

static void pqf_down(struct pqf *f)
{
	ASSERT_EQ(vio_dev_reset(&f->d), 0);
	while (vio_vq_detach_unused(&f->vq))
		;
	vio_vq_destroy(&f->vq);
	ASSERT_EQ(f->d.allocs, 0);
	EXPECT_NO_ALLOCS(f->m);
	model_buf_free(f->m, f->buf);
	model_free(f->m);
}

/* A chain of nout readable + nin writable 16-byte segments of f->buf. */
static int pq_add(struct pqf *f, uint16_t nout, uint16_t nin, void *cookie)
{
	struct vio_vq_seg out[8], in[8];

	for (uint16_t i = 0; i < nout; i++)
		out[i] = (struct vio_vq_seg){(uintptr_t)f->buf + 16u * i, 16};
	for (uint16_t i = 0; i < nin; i++)
		in[i] = (struct vio_vq_seg){(uintptr_t)f->buf + 1024 + 16u * i, 16};
	return vio_vq_add(&f->vq, out, nout, in, nin, cookie);
}

/* Many laps of an 8-entry ring with chains of 1..3 descriptors (so chains
 * straddle the ring's end), completed in order: every cookie back once,
 * with its length, and the model saw only well-formed chains. */
TEST(packed_wrap_many_laps_chains_across_the_end)
{
	struct pqf f;
	uint8_t ck[64];

	pqf_up(&f, 8, true, 0);
	for (int round = 0; round < 200; round++) {
		uint16_t n = (uint16_t)(1 + round % 3);
		struct mchain c;
		void *got;
		uint32_t len;

		ASSERT_EQ(pq_add(&f, 1, (uint16_t)(n - 1), &ck[round % 64]), 0);
		vio_vq_kick(&f.vq);
		ASSERT_EQ(model_vq_pop(f.m, 0, &c), 1);
		ASSERT_EQ(c.ndesc, n);
		ASSERT_EQ(c.nout, 1);
		ASSERT_EQ(c.nin, n - 1);
		model_vq_push(f.m, 0, c.head, (n - 1) * 16u);
		ASSERT_EQ(vio_vq_get(&f.vq, &got, &len), 1);
		ASSERT(got == &ck[round % 64]);
		ASSERT_EQ(len, (n - 1) * 16u);
		ASSERT_EQ(vio_vq_get(&f.vq, &got, &len), 0);
		ASSERT_EQ(vio_vq_num_free(&f.vq), 8);
	}
	EXPECT_CLEAN(f.m);
	pqf_down(&f);
}

/* Fill the ring, complete in reverse order (buffer ids, not positions),
 * refill, several times; indirect chains take one descriptor each. */
TEST(packed_out_of_order_and_indirect)
{
	for (int ind = 0; ind < 2; ind++) {
		struct pqf f;
		uint8_t ck[16];
		struct mchain c[16];

		pqf_up(&f, 16, true, ind ? 4 : 0);
		for (int lap = 0; lap < 5; lap++) {
			int k = 0, got_n = 0;
			while (pq_add(&f, 1, 2, &ck[k]) == 0)
				k++;
			ASSERT_EQ(k, ind ? 16 : 5);
			vio_vq_kick(&f.vq);
			for (int i = 0; i < k; i++) {
				ASSERT_EQ(model_vq_pop(f.m, 0, &c[i]), 1);
				ASSERT_EQ(c[i].indirect, ind != 0);
				ASSERT_EQ(c[i].nin, 2);
			}
			for (int i = k - 1; i >= 0; i--)
				model_vq_push(f.m, 0, c[i].head, 32);
			void *cookie;
			uint32_t len;
			uint8_t seen[16] = {0};
			while (vio_vq_get(&f.vq, &cookie, &len) == 1) {
				int at = (int)((uint8_t *)cookie - ck);
				ASSERT(at >= 0 && at < k && !seen[at]);
				seen[at] = 1;
				ASSERT_EQ(len, 32);
				got_n++;
			}
			ASSERT_EQ(got_n, k);
			ASSERT_EQ(vio_vq_num_free(&f.vq), 16);
		}
		EXPECT_CLEAN(f.m);
		pqf_down(&f);
	}
}

/* One publish per batch: chains added are invisible to the device until
 * kick_prepare, then all of them are. */
TEST(packed_batch_published_once)
{
	struct pqf f;
	uint8_t ck[3];
	struct mchain c;

	pqf_up(&f, 16, true, 0);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(pq_add(&f, 1, 0, &ck[i]), 0);
	ASSERT_EQ(model_vq_avail_count(f.m, 0), 0);
	ASSERT_EQ(model_vq_pop(f.m, 0, &c), 0);
	ASSERT(vio_vq_kick_prepare(&f.vq)); /* device event flags ENABLE */
	ASSERT_EQ(model_vq_avail_count(f.m, 0), 3);
	EXPECT_CLEAN(f.m);
	pqf_down(&f);
}

/* The device's event suppression: DISABLE means no notification; DESC
 * (EVENT_IDX) means one only when the batch crosses that descriptor. */
TEST(packed_notification_suppression)
{
	struct pqf f;
	uint8_t ck[8];
	struct vio_pvirtq_event *dev;

	pqf_up(&f, 16, true, 0);
	dev = (struct vio_pvirtq_event *)(uintptr_t)f.m->q[0].used;
	dev->flags = VIO_PEVENT_F_DISABLE;
	ASSERT_EQ(pq_add(&f, 1, 0, &ck[0]), 0);
	ASSERT(!vio_vq_kick_prepare(&f.vq));
	ASSERT_EQ(f.vq.stats.kicks_suppressed, 1);
	dev->flags = VIO_PEVENT_F_DESC;
	dev->off_wrap = (uint16_t)(3 | 0x8000); /* slot 3, this lap */
	ASSERT_EQ(pq_add(&f, 1, 0, &ck[1]), 0); /* slot 1 */
	ASSERT(!vio_vq_kick_prepare(&f.vq));
	ASSERT_EQ(pq_add(&f, 1, 0, &ck[2]), 0); /* slot 2 */
	ASSERT_EQ(pq_add(&f, 1, 0, &ck[3]), 0); /* slot 3: crosses the event */
	ASSERT(vio_vq_kick_prepare(&f.vq));
	EXPECT_CLEAN(f.m);
	pqf_down(&f);
}

/* Our event suppression: disabled, no interrupt; enabled, one. */
TEST(packed_interrupt_suppression)
{
	for (int ev = 0; ev < 2; ev++) {
		struct pqf f;
		uint8_t ck[4];
		struct mchain c;
		void *got;

		pqf_up(&f, 16, ev, 0);
		vio_vq_disable_cb(&f.vq);
		ASSERT_EQ(pq_add(&f, 1, 0, &ck[0]), 0);
		vio_vq_kick(&f.vq);
		ASSERT_EQ(model_vq_pop(f.m, 0, &c), 1);
		model_vq_push(f.m, 0, c.head, 0);
		ASSERT_EQ(f.m->q[0].irqs, 0);
		ASSERT(!vio_vq_enable_cb(&f.vq)); /* one arrived meanwhile */
		ASSERT_EQ(vio_vq_get(&f.vq, &got, NULL), 1);
		ASSERT(vio_vq_enable_cb(&f.vq));
		ASSERT_EQ(pq_add(&f, 1, 0, &ck[1]), 0);
		vio_vq_kick(&f.vq);
		ASSERT_EQ(model_vq_pop(f.m, 0, &c), 1);
		model_vq_push(f.m, 0, c.head, 0);
		ASSERT_EQ(f.m->q[0].irqs, 1);
		EXPECT_CLEAN(f.m);
		pqf_down(&f);
	}
}

/* ---- a hostile device ---- */

/* What the device writes at the next used slot, raw. */
static void pq_raw(struct pqf *f, uint32_t id, uint32_t len, uint16_t flags_xor)
{
	mpk_push_raw(f->m, 0, id, len, flags_xor);
}

static void pq_hostile(uint32_t id, uint32_t len, uint16_t flags_xor, const char *log, bool twice)
{
	struct pqf f;
	uint8_t ck[2];
	struct mchain c;
	void *got;
	uint32_t n;

	pqf_up(&f, 8, true, 0);
	ASSERT_EQ(pq_add(&f, 1, 1, &ck[0]), 0);
	ASSERT_EQ(pq_add(&f, 1, 1, &ck[1]), 0);
	vio_vq_kick(&f.vq);
	ASSERT_EQ(model_vq_pop(f.m, 0, &c), 1);
	if (twice) {
		pq_raw(&f, c.head, 16, 0);
		ASSERT_EQ(vio_vq_get(&f.vq, &got, &n), 1);
	}
	pq_raw(&f, id == 0xffff ? c.head : id, len, flags_xor);
	ASSERT_EQ(vio_vq_get(&f.vq, &got, &n), VIO_EBROKEN);
	ASSERT(vio_vq_broken(&f.vq));
	ASSERT(model_log_has(f.m, log));
	ASSERT_EQ(vio_vq_get(&f.vq, &got, &n), VIO_EBROKEN);
	/* every cookie still out comes back at teardown, once */
	ASSERT_EQ(vio_dev_reset(&f.d), 0);
	int back = 0;
	while ((got = vio_vq_detach_unused(&f.vq)) != NULL)
		back++;
	ASSERT_EQ(back, twice ? 1 : 2);
	pqf_down(&f);
}

TEST(packed_hostile_id_out_of_range)
{
	pq_hostile(8, 0, 0, "used id out of range", false);
}

TEST(packed_hostile_id_not_in_flight)
{
	pq_hostile(5, 0, 0, "not in flight", false);
}

TEST(packed_hostile_completed_twice)
{
	pq_hostile(0xffff, 16, 0, "not in flight", true);
}

TEST(packed_hostile_len_beyond_posted)
{
	pq_hostile(0xffff, 17, 0, "used len larger than posted", false);
}

/* Flags with AVAIL from another lap at the slot of a published chain:
 * only the device can have written that (§2.8.1). */
TEST(packed_hostile_impossible_flags)
{
	pq_hostile(0xffff, 16, VIO_PDESC_F_AVAIL, "used flags from another lap", false);
}

/* Reset with chains out, restart on the same memory: the wrap counters
 * start over at 1 on both sides and traffic flows. */
TEST(packed_restart_after_reset)
{
	struct pqf f;
	uint8_t ck[4];
	struct mchain c;
	void *got;

	pqf_up(&f, 4, true, 0);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(pq_add(&f, 1, 0, &ck[i]), 0);
	vio_vq_kick(&f.vq);
	ASSERT_EQ(vio_dev_reset(&f.d), 0);
	int back = 0;
	while (vio_vq_detach_unused(&f.vq))
		back++;
	ASSERT_EQ(back, 3);
	ASSERT_EQ(vio_dev_reinit(&f.d), 0);
	ASSERT_EQ(vio_vq_restart(&f.vq), 0);
	vio_dev_driver_ok(&f.d);
	for (int lap = 0; lap < 10; lap++) {
		ASSERT_EQ(pq_add(&f, 1, 0, &ck[3]), 0);
		vio_vq_kick(&f.vq);
		ASSERT_EQ(model_vq_pop(f.m, 0, &c), 1);
		model_vq_push(f.m, 0, c.head, 0);
		ASSERT_EQ(vio_vq_get(&f.vq, &got, NULL), 1);
		ASSERT(got == &ck[3]);
	}
	pqf_down(&f);
}

/* ---- the net engine on a packed ring (RING_PACKED negotiated) ---- */

static void net_one_each_way(struct fe *f, uint32_t len, unsigned seed)
{
	struct model *m = f->m;
	uint8_t *fr = mk_frame(m, len, seed);
	struct vio_net_sg sg = {(uintptr_t)fr, len};
	struct vio_net_rx_frag frags[64];
	struct vio_net_rx_pkt pkt;
	struct vio_net_hdr h = {0};
	struct mpkt pk;
	void *done[4];
	int r;

	ASSERT_EQ(vio_net_tx(&f->n.txq[0], NULL, &sg, 1, fr), 0);
	vio_net_tx_flush(&f->n.txq[0]);
	ASSERT_EQ(mnet_tx_pop(m, mnet_txq(m, 0), &pk), 1);
	ASSERT_MEM(pk.frame, fr, len);
	model_vq_push(m, mnet_txq(m, 0), pk.head, 0);
	mpkt_free(&pk);
	ASSERT_EQ(vio_net_tx_reclaim(&f->n.txq[0], done, 4), 1);
	ASSERT(done[0] == fr);
	ASSERT(mnet_rx_put(m, 0, &h, fr, len, -1) >= 1);
	r = vio_net_rx_get(&f->n.rxq[0], &pkt, frags, 64);
	ASSERT_EQ(r, 1);
	ASSERT_EQ(pkt.len, len);
	for (int k = 0; k < pkt.nfrags; k++)
		fe_rx_returned(f, frags[k].cookie);
	fe_rx_repost_all(f, 0);
	vio_net_rx_kick(&f->n.rxq[0]);
	model_buf_free(m, fr);
}

static void tx_completer(struct model *m, int q, void *arg)
{
	(void)q;
	(void)arg;
	model_vq_complete_all(m, mnet_txq(m, 0));
}

/* Attach negotiates RING_PACKED when offered (and not with split_only);
 * frames both ways over many laps of small rings, merged RX (a frame over
 * several buffers), a recovery, and the polled path. */
TEST(packed_net_engine_end_to_end)
{
	for (int split_only = 0; split_only < 2; split_only++) {
		struct model *m = model_new(M_MODERN);
		struct vio_net_params p;
		uint8_t buf[1600];
		uint32_t got = 0;
		struct fe f;

		m->features |= VIO_BIT(VIO_F_RING_PACKED);
		for (int q = 0; q < 3; q++)
			m->q[q].max = 16;
		fe_params_default(&p);
		p.dev.split_only = split_only;
		ASSERT_EQ(fe_attach(&f, m, &p), 0);
		ASSERT_EQ(vio_dev_has(&f.n.dev, VIO_F_RING_PACKED), !split_only);
		ASSERT_EQ(f.n.rxq[0].vq.packed, !split_only);
		ASSERT_EQ(fe_start(&f), 0);
		for (unsigned i = 0; i < 100; i++)
			net_one_each_way(&f, 60 + (i * 97) % 1400, i);
		net_one_each_way(&f, 3000, 7);		       /* over two or more buffers */
		ASSERT_EQ(vio_net_set_promisc(&f.n, true), 0); /* the control queue */
		ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), 0);
		for (unsigned i = 0; i < 20; i++)
			net_one_each_way(&f, 200, i);
		m->on_udelay = tx_completer; /* the device, while the polled path waits */
		ASSERT_EQ(vio_net_poll_send(&f.n, buf, 60, 1000), 0);
		ASSERT_EQ(vio_net_poll_recv(&f.n, buf, sizeof(buf), &got, 100), 0);
		struct vio_net_hdr h = {0};
		ASSERT_EQ(mnet_rx_put(m, 0, &h, buf, 100, -1), 1);
		ASSERT_EQ(vio_net_poll_recv(&f.n, buf, sizeof(buf), &got, 100), 1);
		ASSERT_EQ(got, 100);
		m->on_udelay = NULL;
		fe_down(&f);
	}
}
