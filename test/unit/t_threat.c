/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_threat.c - rows of docs/threat-model.md that had no test: one hostile
 * value each, fed by the model, with what the core must do about it.
 * Tests are named after their rows; the table names them back.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define F(b) VIO_BIT(b)

static void put16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32le(uint8_t *p, uint32_t v)
{
	put16le(p, (uint16_t)v);
	put16le(p + 2, (uint16_t)(v >> 16));
}

/* attach must fail with `want`, a log line, every allocation back */
static void attach_fails(struct model *m, const struct vio_net_params *p, int want, const char *log)
{
	struct fe f;

	ASSERT_EQ(fe_attach(&f, m, p), want);
	if (log)
		ASSERT_MSG(model_log_has(m, log), "log lacks '%s'", log);
	EXPECT_NO_ALLOCS(m);
	fe_free(&f);
	model_free(m);
}

/* ---- PCI / transport ---- */

/* A capability ID 0xff ends the walk (a device gone reads all ones); a
 * second MSI-X capability is ignored, the first one's table size used. */
TEST(threat_cap_id_ff_and_second_msix)
{
	struct model *m = model_new(M_MODERN);
	struct vio_dev d;

	m->pcicfg[0x50] = 0xff; /* common: the walk stops before any virtio cap */
	ASSERT_EQ(dev_up(m, &d, false, false), VIO_ENODEV);
	EXPECT_NO_ALLOCS(m);
	model_free(m);

	m = model_new(M_MODERN);
	m->pcicfg[0xb0] = VIO_PCI_CAP_ID_MSIX; /* chained after PCI_CFG at 0x98 */
	put16le(&m->pcicfg[0xb2], 63);	       /* a 64-entry table */
	m->pcicfg[0x99] = 0xb0;
	ASSERT_EQ(dev_up(m, &d, false, false), VIO_OK);
	ASSERT_EQ(d.pci.msix_cap, 0x40);
	ASSERT_EQ(d.pci.msix_table_size, M_MSIX_VECTORS);
	vio_dev_reset(&d);
	EXPECT_CLEAN(m);
	model_free(m);
}

/* Two capabilities of one type: an unusable first one is skipped for the
 * next valid one, a valid first one wins (§4.1.4.1). check_windows makes
 * the model route through the same choice and fault any other access. */
TEST(threat_duplicate_cfg_type)
{
	for (int first_valid = 0; first_valid < 2; first_valid++) {
		struct model *m = model_new(M_MODERN);
		struct fe f;

		/* a second common cap at 0xb0, same window */
		memcpy(&m->pcicfg[0xb0], &m->pcicfg[0x50], 16);
		m->pcicfg[0xb1] = 0;
		m->pcicfg[0x99] = 0xb0;
		if (!first_valid)
			m->pcicfg[0x50 + VIO_PCI_CAP_BAR] = 3; /* absent BAR */
		m->check_windows = true;
		ASSERT_EQ(fe_attach(&f, m, NULL), 0);
		ASSERT_EQ(fe_start(&f), 0);
		ASSERT_EQ(model_log_has(m, "common capability 0x0+0x1000 outside BAR 3"), !first_valid);
		ASSERT_EQ(m->window_faults, 0);
		fe_down(&f);
	}
}

/* The config vector refused while attaching (the interrupt layout fails,
 * clearly) and after a reset (recovery fails, FAILED set). */
TEST(threat_msix_config_refused_attach_and_reinit)
{
	struct vio_net_params p;
	struct model *m = model_new(M_MODERN);
	struct fe f;

	fe_params_default(&p);
	p.irq_mode = VIO_IRQ_MSIX_SHARED;
	model_set_msix(m, true);
	m->refuse_vectors = true;
	attach_fails(m, &p, VIO_EIO, "interrupt mode");

	m = model_new(M_MODERN);
	model_set_msix(m, true);
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	ASSERT_EQ(fe_start(&f), 0);
	m->refuse_vectors = true;
	ASSERT(fe_recover(&f, VIO_NET_RESET_FORCED, NULL) != VIO_OK);
	ASSERT(m->status & VIO_STATUS_FAILED);
	m->violations = 0; /* the failed recovery's half-set-up queues */
	fe_down(&f);
}

/* CTRL_VQ offered, num_queues 2: the device still carries packets, without
 * a control queue (and without what needs one). Linux fails the probe. */
TEST(threat_ctrl_vq_without_its_queue)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	m->nq = 2;
	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT(model_log_has(m, "CTRL_VQ offered without a queue 2"));
	ASSERT(!vio_dev_has(&f.n.dev, VIO_NET_F_CTRL_VQ));
	ASSERT(!vio_dev_has(&f.n.dev, VIO_NET_F_CTRL_RX));
	ASSERT(!f.n.has_ctrl);
	ASSERT_EQ(fe_start(&f), 0);
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), VIO_ENOTSUP);
	fe_down(&f);
}

/* queue_size read once at pick, shrunk before set-up: set-up refuses. */
TEST(threat_queue_size_shrinks_before_setup)
{
	struct model *m = model_new(M_MODERN);

	m->q[1].shrink_to = 64;
	attach_fails(m, NULL, VIO_EINVAL, NULL);
	m = model_new(M_LEGACY); /* QUEUE_NUM differs between the two reads */
	m->q[0].shrink_to = 128;
	attach_fails(m, NULL, VIO_EINVAL, NULL);
}

/* A device that comes back from a reset with smaller queues (legacy: any
 * other size): the recovery fails, FAILED, nothing lost. */
TEST(threat_queue_size_at_restart)
{
	for (int legacy = 0; legacy < 2; legacy++) {
		struct model *m = model_new(legacy ? M_LEGACY : M_MODERN);
		struct fe f;

		ASSERT_EQ(fe_attach(&f, m, NULL), 0);
		ASSERT_EQ(fe_start(&f), 0);
		m->q[0].max = legacy ? 512 : 128;
		ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), VIO_EIO);
		ASSERT(model_log_has(m, "device size is now"));
		ASSERT(m->status & VIO_STATUS_FAILED);
		fe_down(&f);
	}
}

/* A TX ring too small for max_sg plus the polled path's reserve: max_sg
 * is clamped; below reserve + 2 attach fails. */
TEST(threat_tx_ring_too_small)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_params p;
	struct fe f;

	fe_params_default(&p);
	p.features &= ~F(VIO_F_INDIRECT_DESC); /* a chain takes max_sg + 1 descriptors */
	m->q[1].max = 8;
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	ASSERT_EQ(f.n.txq[0].max_sg, 8 - VIO_NET_POLL_RESERVE - 1);
	ASSERT_EQ(fe_start(&f), 0);
	fe_down(&f);

	m = model_new(M_MODERN);
	m->q[1].max = 2;
	attach_fails(m, &p, VIO_EIO, "too small");
}

/* ISR (modern offset 0 of its window, legacy offset 19): whatever the
 * device shows is returned raw and the read acknowledges it; reserved bits
 * mean nothing to the core (front-ends test bits 0 and 1 only). */
TEST(threat_isr_values)
{
	for (int kind = M_MODERN; kind <= M_LEGACY; kind++) {
		struct model *m = model_new((enum model_kind)kind);
		struct vio_dev d;

		m->check_windows = true;
		ASSERT_EQ(dev_up(m, &d, kind == M_TRANSITIONAL, false), VIO_OK);
		m->isr = 0xfc;
		ASSERT_EQ(vio_dev_isr(&d), 0xfc);
		ASSERT_EQ(vio_dev_isr(&d), 0); /* read = acknowledge */
		m->isr = 0xff;
		ASSERT_EQ(vio_dev_isr(&d), 0xff);
		ASSERT_EQ(m->isr, 0);
		ASSERT_EQ(m->window_faults, 0);
		vio_dev_reset(&d);
		model_free(m);
	}
}

/* ---- status and features ---- */

/* A reset that never completes, at recovery: ETIMEDOUT, FAILED. */
TEST(threat_reset_timeout_at_reinit)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_params p;
	struct fe f;

	fe_params_default(&p);
	p.dev.reset_timeout_us = 1000;
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	ASSERT_EQ(fe_start(&f), 0);
	m->reset_stuck = true;
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), VIO_ETIMEDOUT);
	ASSERT(model_log_has(m, "reset did not complete"));
	m->reset_stuck = false;
	fe_down(&f);
}

/* A reset that never completes at stop: the caller is about to drain and
 * free, so bus mastering goes off (the device can no longer reach memory),
 * and the next reset that completes turns it back on. */
TEST(threat_reset_timeout_at_stop_stops_dma)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_params p;
	struct fe f;

	fe_params_default(&p);
	p.dev.reset_timeout_us = 1000;
	m->pcicfg[VIO_PCI_CFG_COMMAND] |= VIO_PCI_CMD_MASTER; /* as the OS left it */
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	ASSERT_EQ(fe_start(&f), 0);
	m->reset_stuck = true;
	vio_net_stop(&f.n);
	ASSERT(!(m->pcicfg[VIO_PCI_CFG_COMMAND] & VIO_PCI_CMD_MASTER));
	ASSERT(model_log_has(m, "bus mastering turned off"));
	m->reset_stuck = false;
	fe_stop_drain(&f);
	ASSERT_EQ(vio_net_reinit(&f.n), VIO_OK);
	ASSERT(m->pcicfg[VIO_PCI_CFG_COMMAND] & VIO_PCI_CMD_MASTER);
	ASSERT(fe_rx_repost_all(&f, 0) > 0);
	ASSERT_EQ(vio_net_start(&f.n), VIO_OK);
	ASSERT(model_driver_ok(m));
	fe_down(&f);
}

/* A status register showing bits the driver never set (DRIVER_OK early,
 * reserved bits): the driver writes only its own (§2.1, §3.1.1). */
TEST(threat_status_stray_bits_not_echoed)
{
	for (int kind = M_MODERN; kind <= M_LEGACY; kind += 2) {
		struct model *m = model_new((enum model_kind)kind);
		struct fe f;

		m->status_or = VIO_STATUS_DRIVER_OK | 0x30;
		ASSERT_EQ(fe_attach(&f, m, NULL), 0);
		ASSERT_EQ(fe_start(&f), 0);
		m->status_or = 0;
		fe_down(&f); /* EXPECT_CLEAN: no reserved bit, no early DRIVER_OK */
	}
}

/* §5.1.3.1: a feature offered without its prerequisite is not accepted. */
TEST(threat_feature_dependencies)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	m->features &= ~(F(VIO_NET_F_CSUM) | F(VIO_NET_F_GUEST_CSUM) | F(VIO_NET_F_CTRL_VQ));
	m->features |= F(VIO_NET_F_MQ);
	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	static const int gone[] = {
	    VIO_NET_F_HOST_TSO4, VIO_NET_F_HOST_TSO6,	  VIO_NET_F_GUEST_TSO4,		 VIO_NET_F_GUEST_TSO6,
	    VIO_NET_F_CTRL_RX,	 VIO_NET_F_CTRL_MAC_ADDR, VIO_NET_F_CTRL_GUEST_OFFLOADS, VIO_NET_F_MQ};
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		ASSERT_MSG(!vio_dev_has(&f.n.dev, (unsigned)gone[i]),
			   "feature %d accepted without its prerequisite", gone[i]);
	ASSERT(vio_dev_has(&f.n.dev, VIO_NET_F_MRG_RXBUF)); /* needs nothing */
	ASSERT_EQ(fe_start(&f), 0);
	fe_down(&f);
}

/* ---- device config ---- */

/* A device-config window of 8 bytes: MAC (0..5) readable, status (6..7)
 * too, max pairs (8) and mtu (10) not: MQ and MTU fall back, attach works. */
TEST(threat_short_device_config_window)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	m->features |= F(VIO_NET_F_MQ) | F(VIO_NET_F_MTU);
	put16le(m->devcfg + VIO_NET_CFG_MAX_VQ_PAIRS, 2);
	m->nq = 5;
	put32le(&m->pcicfg[0x70 + VIO_PCI_CAP_LENGTH], 8);
	m->check_windows = true;
	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT(!vio_dev_has(&f.n.dev, VIO_NET_F_MQ));
	ASSERT(!vio_dev_has(&f.n.dev, VIO_NET_F_MTU));
	ASSERT_EQ(f.n.mac[0], 0x52);
	ASSERT(f.n.link_up);
	ASSERT_EQ(fe_start(&f), 0);
	ASSERT_EQ(m->window_faults, 0);
	fe_down(&f);
}

/* ANNOUNCE without GUEST_ANNOUNCE is ignored (no command); with it, an
 * acknowledgement the device refuses is warned and nothing else. */
TEST(threat_announce_without_feature_and_failed_ack)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT_EQ(fe_start(&f), 0);
	int before = m->nctrl;
	m->devcfg[VIO_NET_CFG_STATUS] = VIO_NET_S_LINK_UP | VIO_NET_S_ANNOUNCE;
	vio_net_config_changed(&f.n);
	ASSERT(!f.n.announce);
	ASSERT_EQ(m->nctrl, before);
	fe_down(&f);

	m = model_new(M_MODERN);
	m->features |= F(VIO_NET_F_GUEST_ANNOUNCE);
	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT_EQ(fe_start(&f), 0);
	m->ctrl_ack = VIO_NET_ERR;
	m->devcfg[VIO_NET_CFG_STATUS] = VIO_NET_S_LINK_UP | VIO_NET_S_ANNOUNCE;
	vio_net_config_changed(&f.n);
	ASSERT(model_log_has(m, "announce ack failed"));
	ASSERT(f.n.link_up);
	ASSERT(!vio_net_reset_wanted(&f.n, NULL));
	fe_down(&f);
}

/* RSS offered with MQ on a device that never adds the queues for its
 * pairs: the second negotiation drops RSS with MQ (RSS needs it), attach
 * succeeds with one pair and a working control queue at 2. */
TEST(threat_mq_queues_missing_with_rss)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_params p;
	struct fe f;

	m->features |= F(VIO_NET_F_MQ) | F(VIO_NET_F_RSS);
	m->nq = 4; /* 2 pairs need 5 */
	put16le(m->devcfg + VIO_NET_CFG_MAX_VQ_PAIRS, 2);
	m->devcfg[VIO_NET_CFG_RSS_KEY_MAX] = 40;
	put16le(m->devcfg + VIO_NET_CFG_RSS_TABLE, 128);
	m->devcfg[VIO_NET_CFG_RSS_HASHES] = 0x3f;
	fe_params_default(&p);
	p.max_qp = 2;
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	ASSERT(!model_has(m, VIO_NET_F_MQ));
	ASSERT(!model_has(m, VIO_NET_F_RSS));
	ASSERT(model_log_has(m, "negotiating again"));
	ASSERT_EQ(f.n.nqp, 1);
	ASSERT_EQ(f.n.ctrlq.index, 2);
	ASSERT_EQ(fe_start(&f), 0);
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), 0);
	fe_down(&f);
}

/* max_virtqueue_pairs valid at the check, 0x8000 once FEATURES_OK is set:
 * re-validated after negotiation (vio_net_mq_recheck), negotiated again
 * without MQ: one pair, the control queue at 2 where the device looks. */
TEST(threat_mq_pairs_changed_after_negotiation)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_params p;
	struct fe f;

	m->features |= F(VIO_NET_F_MQ);
	m->nq = 5;
	put16le(m->devcfg + VIO_NET_CFG_MAX_VQ_PAIRS, 2);
	memcpy(m->devcfg_flip, m->devcfg, sizeof(m->devcfg_flip));
	put16le(m->devcfg_flip + VIO_NET_CFG_MAX_VQ_PAIRS, 0x8000);
	m->devcfg_flip_on_features_ok = true;
	fe_params_default(&p);
	p.max_qp = 2;
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	ASSERT_EQ(f.n.max_pairs, 1);
	ASSERT_EQ(f.n.nqp, 1);
	ASSERT_EQ(f.n.ctrlq.index, 2); /* in range, not on top of RX queue 0 */
	ASSERT(!model_has(m, VIO_NET_F_MQ));
	ASSERT(model_log_has(m, "negotiating again"));
	ASSERT_EQ(fe_start(&f), 0);
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), 0);
	ASSERT(!vio_net_reset_wanted(&f.n, NULL));
	fe_down(&f);
}

/* ---- RX header ---- */

/* num_buffers larger than the caller's frags array: the extra buffers
 * are re-posted by the core, the packet dropped and counted. */
TEST(threat_num_buffers_beyond_max_frags)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_rx_frag fr[2];
	struct vio_net_rx_pkt pkt;
	struct vio_net_hdr h = {0};
	struct fe f;
	int r;

	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT_EQ(fe_start(&f), 0);
	uint32_t len = 4 * vio_net_rx_buf_len(&f.n.rxq[0]);
	uint8_t *frame = mk_frame(m, len, 9);
	ASSERT(mnet_rx_put(m, 0, &h, frame, len, -1) >= 4);
	uint16_t room = vio_net_rx_room(&f.n.rxq[0]);
	r = vio_net_rx_get(&f.n.rxq[0], &pkt, fr, 2);
	ASSERT(r != 1);
	for (int k = 0; k < pkt.nfrags; k++)
		fe_rx_returned(&f, fr[k].cookie);
	ASSERT_EQ(f.n.rxq[0].stats.err_num_buffers, 1);
	ASSERT(!f.n.rxq[0].vq.broken);
	/* the caller's frags are off the ring, the extras went back onto it */
	ASSERT_EQ(vio_net_rx_room(&f.n.rxq[0]), room + pkt.nfrags);
	model_buf_free(m, frame);
	fe_down(&f);
}

/* ---- control queue ---- */

/* VQ_PAIRS_SET refused: one pair kept, warned, the device goes on. */
TEST(threat_vq_pairs_set_refused)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_params p;
	struct fe f;

	m->features |= F(VIO_NET_F_MQ);
	m->nq = 5;
	put16le(m->devcfg + VIO_NET_CFG_MAX_VQ_PAIRS, 2);
	fe_params_default(&p);
	p.max_qp = 2;
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	m->ctrl_ack = VIO_NET_ERR;
	ASSERT_EQ(fe_start(&f), 0);
	ASSERT(model_log_has(m, "queue pairs failed"));
	ASSERT_EQ(f.n.curr_qp, 1);
	ASSERT(model_driver_ok(m));
	fe_down(&f);
}

/* The device answers a control command with a used length over the one
 * writable byte, or a used idx that jumps: the control queue latches
 * broken, the command fails, recovery is asked for. */
static int bad_len_or_jump;

static void ctrl_misanswer(struct model *m, int q, void *arg)
{
	struct mchain c;

	(void)arg;
	if (q != mnet_ctrlq(m) || model_vq_pop(m, q, &c) <= 0)
		return;
	*c.in[c.nin - 1].p = VIO_NET_OK;
	if (bad_len_or_jump == 0)
		model_vq_push(m, q, c.head, 5);
	else {
		model_vq_push(m, q, c.head, 1);
		model_vq_set_used_idx(m, q, (uint16_t)(m->q[q].used_idx + 100)); /* > ring size */
	}
}

TEST(threat_ctrl_used_len_and_idx_jump)
{
	for (bad_len_or_jump = 0; bad_len_or_jump < 2; bad_len_or_jump++) {
		struct model *m = model_new(M_MODERN);
		struct fe f;

		ASSERT_EQ(fe_attach(&f, m, NULL), 0);
		ASSERT_EQ(fe_start(&f), 0);
		m->ctrl_auto = false;
		m->on_notify = ctrl_misanswer;
		ASSERT(vio_net_set_promisc(&f.n, true) != VIO_OK);
		ASSERT(f.n.ctrlq.broken);
		ASSERT(vio_net_reset_wanted(&f.n, NULL));
		ASSERT_EQ(vio_net_set_allmulti(&f.n, true), VIO_EBROKEN);
		m->on_notify = NULL;
		m->ctrl_auto = true;
		ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_BROKEN, NULL), VIO_OK);
		ASSERT_EQ(vio_net_set_allmulti(&f.n, true), VIO_OK);
		fe_down(&f);
	}
}

/* ---- polled path ---- */

/* A device that delivers a runt on every poll: each is dropped and
 * re-posted, and the wait still ends at its deadline. */
static void runt_flood(struct model *m, int q, void *arg)
{
	static const uint8_t runt[8];
	struct vio_net_hdr h = {0};

	(void)q;
	(void)arg;
	mnet_rx_put(m, 0, &h, runt, sizeof(runt), -1);
}

TEST(threat_poll_recv_flood_of_drops)
{
	struct model *m = model_new(M_MODERN);
	uint8_t buf[1600];
	uint32_t got = 0;
	struct fe f;

	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT_EQ(fe_start(&f), 0);
	m->on_udelay = runt_flood;
	uint64_t t0 = m->now_ns, calls = m->udelay_calls;
	ASSERT_EQ(vio_net_poll_recv(&f.n, buf, sizeof(buf), &got, 2000), 0);
	ASSERT(m->now_ns - t0 <= 2000u * 1000u + 100000u);
	ASSERT(m->udelay_calls - calls <= 2000);
	ASSERT(f.n.rxq[0].stats.drops >= 10);
	m->on_udelay = NULL;
	fe_down(&f);
}

/* ---- legacy ---- */

/* I/O BAR 0 below the 20-byte header (no legacy interface), and over
 * 64 KiB (clamped; the config window follows it). */
TEST(threat_legacy_io_bar_length)
{
	struct model *m = model_new(M_LEGACY);
	struct vio_dev d;

	m->io_bar_len = 16;
	m->check_windows = true;
	ASSERT_EQ(dev_up(m, &d, false, false), VIO_ENODEV);
	ASSERT(model_log_has(m, "no legacy interface"));
	ASSERT_EQ(m->window_faults, 0);
	model_free(m);

	m = model_new(M_LEGACY);
	m->io_bar_len = 0x20000;
	ASSERT_EQ(dev_up(m, &d, false, false), VIO_OK);
	ASSERT_EQ(d.pci.legacy_len, 0xffff);
	vio_dev_reset(&d);
	model_free(m);

	m = model_new(M_LEGACY); /* room for the header and 4 config bytes */
	struct fe f;
	m->io_bar_len = VIO_LEGACY_CONFIG_OFF + 4;
	m->check_windows = true;
	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT_EQ(fe_start(&f), 0);
	ASSERT_EQ(m->window_faults, 0);
	fe_down(&f);
}

/* Legacy config without a generation: two passes must agree; a device
 * whose config changes on every read gives VIO_EIO, and the readers fall
 * back (random MAC) instead of using a torn value. */
TEST(threat_legacy_config_never_stable)
{
	struct model *m = model_new(M_LEGACY);
	struct fe f;

	m->devcfg_unstable = true;
	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT(model_log_has(m, "random"));
	ASSERT_EQ(f.n.mac[0] & 1, 0);
	ASSERT(f.n.mac_random);
	m->devcfg_unstable = false;
	m->violations = 0; /* the random MAC written back to config */
	fe_down(&f);
}

/* Legacy + MSI-X: the config vector refused (attach fails), a queue vector
 * refused (queue set-up fails), both clearly. */
TEST(threat_legacy_vectors_refused)
{
	struct vio_net_params p;
	struct model *m = model_new(M_LEGACY);

	fe_params_default(&p);
	p.irq_mode = VIO_IRQ_MSIX_SHARED;
	model_set_msix(m, true);
	m->refuse_vectors = true;
	attach_fails(m, &p, VIO_EIO, "interrupt mode");

	m = model_new(M_LEGACY);
	model_set_msix(m, true);
	m->refuse_queue_vectors = true;
	attach_fails(m, &p, VIO_EIO, "queue set-up");
}
