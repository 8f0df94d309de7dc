/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_reset.c - the reset and recovery path (core/vio_net_reset.c): every
 * trigger, everything the front-end configured kept, every cookie back
 * once, bounded retries, and a control queue that never answers.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define F(b) VIO_BIT(b)

static void up(struct fe *f, struct model *m)
{
	ASSERT_EQ(fe_attach(f, m, NULL), 0);
	ASSERT_EQ(fe_start(f), 0);
}

/* one packet each way works */
static void traffic_ok(struct fe *f, unsigned seed)
{
	struct model *m = f->m;
	uint8_t *fr = mk_frame(m, 300, seed);
	struct vio_net_sg sg = {(uintptr_t)fr, 300};
	struct mpkt pk;
	void *done[4];

	ASSERT_EQ(vio_net_tx(&f->n.txq[0], NULL, &sg, 1, fr), 0);
	vio_net_tx_flush(&f->n.txq[0]);
	ASSERT_EQ(mnet_tx_pop(m, mnet_txq(m, 0), &pk), 1);
	ASSERT_MEM(pk.frame, fr, 300);
	model_vq_push(m, mnet_txq(m, 0), pk.head, 0);
	mpkt_free(&pk);
	ASSERT_EQ(vio_net_tx_reclaim(&f->n.txq[0], done, 4), 1);
	ASSERT(done[0] == fr);

	struct vio_net_hdr h = {0};
	struct vio_net_rx_pkt pkt;
	struct vio_net_rx_frag frags[256];
	ASSERT_EQ(mnet_rx_put(m, 0, &h, fr, 300, -1), 1);
	ASSERT_EQ(vio_net_rx_get(&f->n.rxq[0], &pkt, frags, 256), 1);
	ASSERT_EQ(pkt.len, 300);
	ASSERT_MEM((uint8_t *)frags[0].vaddr + pkt.hdr_len, fr, 300);
	fe_rx_returned(f, frags[0].cookie);
	for (int k = 0; k < f->nrxb; k++)
		if (f->rxb[k]->mem == frags[0].vaddr || (uint8_t *)frags[0].cookie == (uint8_t *)f->rxb[k]) {
			ASSERT_EQ(fe_rx_repost(f, 0, f->rxb[k]), 0);
			break;
		}
	vio_net_rx_kick(&f->n.rxq[0]);
	model_buf_free(m, fr);
}

/* §2.1.2: the device sets NEEDS_RESET; the config change sees it, the
 * recovery keeps MAC, filters and guest offloads, traffic flows again. */
TEST(reset_needs_reset_keeps_configuration)
{
	static const uint8_t mac[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
	static const uint8_t mc[6] = {0x01, 0, 0x5e, 0, 0, 9};
	struct model *m = model_new(M_MODERN);
	enum vio_net_reset_cause cause;
	struct fe f;

	up(&f, m);
	uint64_t feats = f.n.dev.features;
	ASSERT_EQ(vio_net_set_mac(&f.n, mac), 0);
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), 0);
	ASSERT_EQ(vio_net_set_mac_table(&f.n, NULL, 0, mc, 1), 0);
	ASSERT_EQ(vio_net_set_guest_offloads(&f.n, F(VIO_NET_F_GUEST_CSUM)), 0);
	ASSERT(!vio_net_reset_wanted(&f.n, &cause));

	m->status |= VIO_STATUS_NEEDS_RESET;
	model_set_link(m, true, true);
	vio_net_config_changed(&f.n);
	ASSERT(!f.n.link_up);
	ASSERT(vio_net_reset_wanted(&f.n, &cause));
	ASSERT_EQ(cause, VIO_NET_RESET_NEEDS_RESET);
	uint32_t resets = m->resets;
	m->nctrl = 0;
	ASSERT_EQ(fe_recover(&f, cause, NULL), 0);
	ASSERT(m->resets > resets);
	ASSERT(model_driver_ok(m));
	ASSERT_EQ(f.n.dev.features, feats);
	ASSERT(f.n.link_up);
	ASSERT(!vio_net_reset_wanted(&f.n, NULL));
	ASSERT_EQ(f.n.resets[VIO_NET_RESET_NEEDS_RESET], 1);
	/* after DRIVER_OK: our MAC, promisc on, allmulti off, the table, offloads */
	int saw_mac = 0, saw_promisc = 0, saw_table = 0, saw_offl = 0;
	for (int k = 0; k < m->nctrl; k++) {
		struct mctrl_cmd *c = &m->ctrl_log[k];
		if (c->cls == VIO_NET_CTRL_MAC && c->cmd == VIO_NET_CTRL_MAC_ADDR_SET &&
		    !memcmp(c->data, mac, 6))
			saw_mac = 1;
		if (c->cls == VIO_NET_CTRL_RX && c->cmd == VIO_NET_CTRL_RX_PROMISC && c->data[0] == 1)
			saw_promisc = 1;
		if (c->cls == VIO_NET_CTRL_MAC && c->cmd == VIO_NET_CTRL_MAC_TABLE_SET && c->len == 14 &&
		    !memcmp(c->data + 8, mc, 6))
			saw_table = 1;
		if (c->cls == VIO_NET_CTRL_GUEST_OFFLOADS && c->data[0] == (1u << VIO_NET_F_GUEST_CSUM))
			saw_offl = 1;
	}
	ASSERT_MSG(saw_mac && saw_promisc && saw_table && saw_offl, "mac %d promisc %d table %d offloads %d",
		   saw_mac, saw_promisc, saw_table, saw_offl);
	traffic_ok(&f, 3);
	fe_down(&f);
}

/* Reset with RX buffers, TX packets and a control command all in flight:
 * every RX buffer and TX cookie back exactly once, nothing leaked. */
TEST(reset_everything_in_flight)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;
	uint8_t *fr[20];
	int tx_back = 0;

	up(&f, m);
	for (int i = 0; i < 20; i++) {
		fr[i] = mk_frame(m, 100, (unsigned)i);
		struct vio_net_sg sg = {(uintptr_t)fr[i], 100};
		ASSERT_EQ(vio_net_tx(&f.n.txq[0], NULL, &sg, 1, fr[i]), 0);
	}
	vio_net_tx_flush(&f.n.txq[0]);
	m->ctrl_auto = false;
	ASSERT_EQ(vio_net_set_promisc(&f.n, false), VIO_ETIMEDOUT);
	enum vio_net_reset_cause cause;
	ASSERT(vio_net_reset_wanted(&f.n, &cause));
	ASSERT_EQ(cause, VIO_NET_RESET_CTRL_TIMEOUT);
	long dma = m->live_dma, za = m->live_zalloc;
	m->ctrl_auto = true;
	ASSERT_EQ(fe_recover(&f, cause, &tx_back), 0);
	ASSERT_EQ(tx_back, 20);
	ASSERT_EQ(m->live_dma, dma); /* in place: nothing allocated or freed */
	ASSERT_EQ(m->live_zalloc, za);
	ASSERT(!vio_net_reset_wanted(&f.n, NULL));
	ASSERT_EQ(vio_net_set_promisc(&f.n, false), 0); /* the control queue works again */
	traffic_ok(&f, 9);
	for (int i = 0; i < 20; i++)
		model_buf_free(m, fr[i]);
	fe_down(&f);
}

TEST(reset_broken_queue_recovers)
{
	struct model *m = model_new(M_MODERN);
	enum vio_net_reset_cause cause;
	struct fe f;

	up(&f, m);
	model_vq_push_raw(m, mnet_txq(m, 0), 77, 0); /* a head never posted */
	void *done[4];
	ASSERT_EQ(vio_net_tx_reclaim(&f.n.txq[0], done, 4), VIO_EBROKEN);
	ASSERT(vio_net_reset_wanted(&f.n, &cause));
	ASSERT_EQ(cause, VIO_NET_RESET_BROKEN);
	m->quiet_violations = true;
	ASSERT_EQ(fe_recover(&f, cause, NULL), 0);
	ASSERT(!f.n.txq[0].vq.broken);
	traffic_ok(&f, 4);
	m->violations = 0;
	fe_down(&f);
}

/* A reinit the device refuses: FEATURES_OK not accepted any more. */
TEST(reset_reinit_features_ok_refused)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	up(&f, m);
	m->refuse_features_ok = true;
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), VIO_ENOTSUP);
	ASSERT(!f.n.link_up);
	ASSERT(m->status & VIO_STATUS_FAILED);
	ASSERT(model_log_has(m, "were refused"));
	ASSERT_EQ(f.n.reset_failures, 1);
	fe_down(&f);
}

/* A device that comes back offering less than the driver relies on. */
TEST(reset_reinit_fewer_features)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	up(&f, m);
	m->features &= ~F(VIO_NET_F_CSUM);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), VIO_ENOTSUP);
	ASSERT(model_log_has(m, "offering fewer features"));
	ASSERT(model_log_has(m, "NET_CSUM"));
	ASSERT(m->status & VIO_STATUS_FAILED);
	ASSERT(!model_driver_ok(m));
	fe_down(&f);
}

/* A control queue that never answers: one full wait in total, every later
 * command fails at once, recovery brings commands back. */
TEST(reset_ctrl_never_answers_one_wait)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	up(&f, m);
	m->ctrl_auto = false;
	uint64_t t0 = m->now_ns;
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), VIO_ETIMEDOUT);
	uint64_t one = m->now_ns - t0;
	ASSERT(one >= (uint64_t)VIO_NET_CTRL_TIMEOUT_US * 1000);
	for (int i = 0; i < 50; i++) {
		ASSERT_EQ(vio_net_set_allmulti(&f.n, i & 1), VIO_ETIMEDOUT);
		f.n.status |= VIO_NET_S_ANNOUNCE;
	}
	m->status |= 0; /* config change with ANNOUNCE: no ack sent while pending */
	vio_net_config_changed(&f.n);
	ASSERT_MSG(m->now_ns - t0 < one + 1000000, "waited %llu ns in total, one timeout is %llu",
		   (unsigned long long)(m->now_ns - t0), (unsigned long long)one);
	ASSERT(f.n.ctrl_fast_fails >= 50);
	ASSERT_EQ(f.n.ctrl_timeouts, 1);
	m->ctrl_auto = true;
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_CTRL_TIMEOUT, NULL), 0);
	ASSERT_EQ(vio_net_set_promisc(&f.n, false), 0);
	fe_down(&f);
}

/* A device that breaks again right after every reset: three resets in a
 * row, then one error line and no more (no loop). Resume never counts. */
TEST(reset_bounded_retries)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	up(&f, m);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_RESUME, NULL), 0);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_RESUME, NULL), 0);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_RESUME, NULL), 0);
	ASSERT(!f.n.reset_given_up);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_BROKEN, NULL), 0); /* right after: 1 in a row */
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_BROKEN, NULL), 0); /* 2 */
	ASSERT(!f.n.reset_given_up);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_BROKEN, NULL), VIO_EBROKEN); /* 3: given up */
	ASSERT(f.n.reset_given_up);
	ASSERT(model_log_has(m, "failed again after 3 resets"));
	model_log_clear(m);
	ASSERT(!vio_net_reset_begin(&f.n, VIO_NET_RESET_FORCED));
	ASSERT(!model_log_has(m, "failed again")); /* logged once */
	ASSERT(!vio_net_reset_wanted(&f.n, NULL));
	fe_down(&f);
}

/* Quiet time between failures resets the count. */
TEST(reset_quiet_time_forgives)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	up(&f, m);
	for (int i = 0; i < 6; i++) {
		ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_BROKEN, NULL), 0);
		m->now_ns += VIO_NET_RESET_QUIET_NS + 1;
	}
	ASSERT(!f.n.reset_given_up);
	ASSERT_EQ(f.n.resets[VIO_NET_RESET_BROKEN], 6);
	fe_down(&f);
}

/* One TX packet the device completes: the device worked. */
static void worked(struct fe *f)
{
	uint8_t *fr = mk_frame(f->m, 100, 1);
	struct vio_net_sg sg = {(uintptr_t)fr, 100};
	void *done[2];

	ASSERT_EQ(vio_net_tx(&f->n.txq[0], NULL, &sg, 1, fr), 0);
	vio_net_tx_flush(&f->n.txq[0]);
	ASSERT_EQ(model_vq_complete_all(f->m, mnet_txq(f->m, 0)), 1);
	ASSERT_EQ(vio_net_tx_reclaim(&f->n.txq[0], done, 2), 1);
	model_buf_free(f->m, fr);
}

/* A device that completed TX between two resets is not failing again,
 * however soon the next one comes: ten quick recoveries, none given up.
 * Without the work between, the third in a row gives up as before; an RX
 * packet between does not count (fresh buffers complete on any broadcast). */
TEST(reset_progress_between_is_not_in_a_row)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	up(&f, m);
	for (int i = 0; i < 10; i++) {
		worked(&f);
		ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_NEEDS_RESET, NULL), 0);
		ASSERT_EQ(f.n.reset_tries, 0);
	}
	ASSERT(!f.n.reset_given_up);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_NEEDS_RESET, NULL), 0); /* no work: 1 in a row */
	struct vio_net_hdr h = {0};
	uint8_t *fr = mk_frame(m, 60, 9);
	ASSERT_EQ(mnet_rx_put(m, 0, &h, fr, 60, -1), 1); /* a broadcast arrives */
	model_buf_free(m, fr);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_NEEDS_RESET, NULL), 0); /* still 2 */
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_NEEDS_RESET, NULL), VIO_EBROKEN);
	ASSERT(model_log_has(m, "failed again after 3 resets in a row"));
	fe_down(&f);
}

/* However much the device works between: at most RESET_WINDOW_MAX
 * recoveries per RESET_WINDOW_NS (a device that completes one packet and
 * breaks again cannot keep the front-end resetting). A new window starts
 * the count again; resume is never counted. */
TEST(reset_window_bounds_recoveries)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	up(&f, m);
	for (int i = 0; i < VIO_NET_RESET_WINDOW_MAX; i++) {
		worked(&f);
		ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_BROKEN, NULL), 0);
	}
	m->now_ns += VIO_NET_RESET_WINDOW_NS; /* a new window */
	for (int i = 0; i < VIO_NET_RESET_WINDOW_MAX; i++) {
		worked(&f);
		ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_BROKEN, NULL), 0);
		ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_RESUME, NULL), 0);
	}
	ASSERT(!f.n.reset_given_up);
	worked(&f);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_BROKEN, NULL), VIO_EBROKEN);
	ASSERT(f.n.reset_given_up);
	ASSERT(model_log_has(m, "failed again after 32 resets within a minute"));
	fe_down(&f);
}

/* Legacy: a MAC set through config (no CTRL_MAC_ADDR) is written again. */
TEST(reset_legacy_mac_rewritten)
{
	static const uint8_t mac[6] = {0x02, 1, 2, 3, 4, 5};
	struct model *m = model_new(M_LEGACY);
	struct fe f;

	m->features &= ~F(VIO_NET_F_CTRL_MAC_ADDR);
	up(&f, m);
	ASSERT_EQ(vio_net_set_mac(&f.n, mac), 0);
	model_set_mac(m, (const uint8_t[6]){0x52, 0x54, 0, 0, 0, 1}); /* the reset forgot it */
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), 0);
	ASSERT_MEM(m->devcfg + VIO_NET_CFG_MAC, mac, 6);
	fe_down(&f);
}

/* The reset counters are in the stats table by cause. */
TEST(reset_counters_by_cause)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;
	char b[64];

	up(&f, m);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_RESUME, NULL), 0);
	int found = 0;
	for (unsigned i = 0; i < vio_net_stats_count(&f.n); i++) {
		const char *s = vio_net_stat_name(&f.n, i, b, sizeof(b));
		if (!strcmp(s, "resets_resume")) {
			ASSERT_EQ(vio_net_stat_value(&f.n, i), 1);
			found = 1;
		}
	}
	ASSERT(found);
	fe_down(&f);
}

/* The TX watchdog test (for the kext): in flight and no completion for the
 * timeout is a stall; any completion, or nothing in flight, is not. */
TEST(reset_tx_stalled_watchdog)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_txq *q;
	struct fe f;
	void *done[4];

	up(&f, m);
	q = &f.n.txq[0];
	ASSERT(!vio_net_tx_stalled(q, 1000, 5000)); /* idle */
	ASSERT(!vio_net_tx_stalled(q, 100000, 5000));
	uint8_t *fr = mk_frame(m, 100, 1);
	struct vio_net_sg sg = {(uintptr_t)fr, 100};
	ASSERT_EQ(vio_net_tx(q, NULL, &sg, 1, fr), 0);
	vio_net_tx_flush(q);
	ASSERT(!vio_net_tx_stalled(q, 200000, 5000)); /* first look: starts the clock */
	ASSERT(!vio_net_tx_stalled(q, 204000, 5000));
	ASSERT(vio_net_tx_stalled(q, 205000, 5000)); /* no completion for 5000 */
	ASSERT_EQ(model_vq_complete_all(m, mnet_txq(m, 0)), 1);
	ASSERT_EQ(vio_net_tx_reclaim(q, done, 4), 1);
	ASSERT(!vio_net_tx_stalled(q, 300000, 5000)); /* progress, nothing in flight */
	model_buf_free(m, fr);
	fe_down(&f);
}

/* A packed ring that lived through a link-down is reset when the link is
 * back (QEMU's packed drop-all leaves the queue wrong, vio_net.c
 * vio_net_relink_check); a split ring is not. The relink reset never counts
 * as the device failing again: twenty flaps, twenty resets, none given up. */
TEST(reset_relink_packed_only)
{
	for (int packed = 0; packed < 2; packed++) {
		struct model *m = model_new(M_MODERN);
		enum vio_net_reset_cause c;
		struct fe f;

		if (packed)
			m->features |= VIO_BIT(VIO_F_RING_PACKED);
		up(&f, m);
		ASSERT_EQ(vio_dev_has(&f.n.dev, VIO_F_RING_PACKED), packed);
		for (int k = 0; k < 20; k++) {
			model_set_link(m, false, true);
			ASSERT(vio_net_config_changed(&f.n));
			ASSERT(!vio_net_reset_wanted(&f.n, NULL)); /* not while down */
			model_set_link(m, true, true);
			ASSERT(vio_net_config_changed(&f.n));
			ASSERT_EQ(vio_net_reset_wanted(&f.n, &c), packed);
			if (!packed)
				continue;
			ASSERT_EQ(c, VIO_NET_RESET_RELINK);
			ASSERT_EQ(fe_recover(&f, c, NULL), 0);
			ASSERT(f.n.link_up);
			ASSERT(!vio_net_reset_wanted(&f.n, NULL));
		}
		ASSERT(!f.n.reset_given_up);
		ASSERT_EQ(f.n.resets[VIO_NET_RESET_RELINK], packed ? 20 : 0);
		fe_down(&f);
	}
}

/* Relink resets never give the device up and never hide a failing one:
 * past VIO_NET_RELINK_MAX per window they are skipped (counted, the request
 * dropped), a new window allows them again, and they leave the count of
 * resets in a row alone. */
TEST(reset_relink_bounded_never_gives_up)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	m->features |= VIO_BIT(VIO_F_RING_PACKED);
	up(&f, m);
	for (int k = 0; k < VIO_NET_RELINK_MAX + 5; k++) {
		model_set_link(m, false, true);
		vio_net_config_changed(&f.n);
		model_set_link(m, true, true);
		vio_net_config_changed(&f.n);
		ASSERT(f.n.relink_reset);
		int rc = fe_recover(&f, VIO_NET_RESET_RELINK, NULL);
		ASSERT_EQ(rc, k < VIO_NET_RELINK_MAX ? 0 : VIO_EBROKEN);
		ASSERT(!f.n.relink_reset);
	}
	ASSERT(!f.n.reset_given_up);
	ASSERT_EQ(f.n.relinks_skipped, 5);
	ASSERT(model_log_has(m, "relink resets skipped"));
	m->now_ns += VIO_NET_RESET_WINDOW_NS;
	model_set_link(m, false, true);
	vio_net_config_changed(&f.n);
	model_set_link(m, true, true);
	vio_net_config_changed(&f.n);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_RELINK, NULL), 0); /* a new window */
	/* failing resets with a relink between still add up */
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_BROKEN, NULL), 0); /* 1 in a row */
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_BROKEN, NULL), 0); /* 2 */
	model_set_link(m, false, true);
	vio_net_config_changed(&f.n);
	model_set_link(m, true, true);
	vio_net_config_changed(&f.n);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_RELINK, NULL), 0);
	ASSERT_EQ(f.n.reset_tries, 2);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_BROKEN, NULL), VIO_EBROKEN); /* 3 */
	ASSERT(f.n.reset_given_up);
	fe_down(&f);
}
