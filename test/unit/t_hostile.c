/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_hostile.c - the hostile-device review's findings (docs/threat-model.md),
 * one test each: values a device controls that once steered the core wrong.
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

/* max_virtqueue_pairs the device claims, num_queues it has (0 = model
 * default); MQ must be negotiated exactly when want_mq, and attach works. */
static void mq_case(enum model_kind kind, uint16_t pairs, uint16_t nq, bool want_mq, const char *log)
{
	struct model *m = model_new(kind);
	struct vio_net_params p;
	struct fe f;

	m->features |= F(VIO_NET_F_MQ);
	if (nq)
		m->nq = nq;
	put16le(m->devcfg + VIO_NET_CFG_MAX_VQ_PAIRS, pairs);
	fe_params_default(&p);
	p.max_qp = 2;
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	ASSERT_EQ(model_has(m, VIO_NET_F_MQ), want_mq);
	if (log)
		ASSERT_MSG(model_log_has(m, log), "log lacks '%s'", log);
	/* the control queue is where it belongs, never on top of RX queue 0 */
	ASSERT_EQ(f.n.ctrlq.index, want_mq ? 2 * f.n.max_pairs : 2);
	ASSERT(f.n.ctrlq.index != f.n.rxq[0].vq.index);
	ASSERT_EQ(fe_start(&f), 0);
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), 0); /* commands reach the control queue */
	fe_teardown(&f);
	fe_free(&f);
	EXPECT_CLEAN(m);
	model_free(m);
}

/* 2 x 0x8000 wrapped to queue 0 in 16 bits: the control ring went on top
 * of live RX queue 0. Now computed in 32 bits and checked. */
TEST(hostile_mq_pairs_0x7fff_0x8000_0x8001)
{
	mq_case(M_MODERN, 0x7fff, 0, false, "ignoring NET_F_MQ");
	mq_case(M_MODERN, 0x8000, 0, false, "ignoring NET_F_MQ");
	mq_case(M_MODERN, 0x8001, 0, false, "out of range");
	mq_case(M_LEGACY, 0x8000, 0, false, "ignoring NET_F_MQ");
	mq_case(M_LEGACY, 0x7fff, 0, false, "ignoring NET_F_MQ");
}

/* num_queues too small for the pairs claimed (§4.1.4.3): one pair. */
TEST(hostile_mq_num_queues_too_small)
{
	mq_case(M_MODERN, 2, 4, false, "ignoring NET_F_MQ"); /* needs 5 */
	mq_case(M_MODERN, 2, 5, true, NULL);
}

/* ---- RX header semantics, decided in the core (the kext gets raw values) ---- */

/* One packet with header h and len bytes: the result of rx_get; on a drop,
 * exactly one err_hdr and the queue goes on. *out gets the packet. */
static int rx_one(struct vio_net_hdr h, uint32_t len, struct vio_net_rx_pkt *out)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_rx_frag fr[256];
	struct vio_net_rx_pkt pkt;
	struct fe f;
	int r;

	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT_EQ(fe_start(&f), 0);
	uint8_t *frame = mk_frame(m, len, 4);
	ASSERT(mnet_rx_put(m, 0, &h, frame, len, -1) > 0);
	r = vio_net_rx_get(&f.n.rxq[0], &pkt, fr, 256);
	*out = pkt;
	if (r != 1) {
		ASSERT_EQ(r, VIO_EIO);
		ASSERT_EQ(f.n.rxq[0].stats.err_hdr, 1);
		ASSERT_EQ(f.n.rxq[0].stats.drops, 1);
		ASSERT(!f.n.rxq[0].vq.broken);
	}
	for (int i = 0; i < pkt.nfrags; i++)
		fe_rx_returned(&f, fr[i].cookie);
	struct vio_net_hdr ok = {0};
	ASSERT(fe_rx_repost_all(&f, 0) >= 0);
	vio_net_rx_kick(&f.n.rxq[0]);
	ASSERT(mnet_rx_put(m, 0, &ok, frame, 100, -1) > 0);
	ASSERT_EQ(vio_net_rx_get(&f.n.rxq[0], &pkt, fr, 256), 1); /* the queue goes on */
	fe_rx_returned(&f, fr[0].cookie);
	model_buf_free(m, frame);
	fe_teardown(&f);
	fe_free(&f);
	EXPECT_CLEAN(m);
	model_free(m);
	return r;
}

static const struct vio_net_hdr tso4 = {.flags = VIO_NET_HDR_F_NEEDS_CSUM,
					.gso_type = VIO_NET_HDR_GSO_TCPV4,
					.hdr_len = 54,
					.gso_size = 1448,
					.csum_start = 34,
					.csum_offset = 16};

TEST(hostile_rx_gso_without_needs_csum)
{
	struct vio_net_hdr h = tso4;
	struct vio_net_rx_pkt p;

	h.flags = 0; /* §5.1.6.4.1: the device MUST set NEEDS_CSUM with GSO */
	ASSERT_EQ(rx_one(h, 3000, &p), VIO_EIO);
	h.flags = VIO_NET_HDR_F_DATA_VALID;
	ASSERT_EQ(rx_one(h, 3000, &p), VIO_EIO);
}

TEST(hostile_rx_gso_size_ffff_and_zero)
{
	struct vio_net_hdr h = tso4;
	struct vio_net_rx_pkt p;

	h.gso_size = 0xffff;
	ASSERT_EQ(rx_one(h, 3000, &p), VIO_EIO);
	h.gso_size = 0;
	ASSERT_EQ(rx_one(h, 3000, &p), VIO_EIO);
}

/* csum_start + a TCP header past the end of the packet: drop. A payload
 * not larger than gso_size: one segment, delivered without GSO. */
TEST(hostile_rx_gso_payload_vs_csum_start)
{
	struct vio_net_hdr h = tso4;
	struct vio_net_rx_pkt p;

	h.csum_start = 90; /* 90 + 20 > 100 */
	h.csum_offset = 6; /* the field itself is inside: 98 */
	ASSERT_EQ(rx_one(h, 100, &p), VIO_EIO);
	h = tso4;
	ASSERT_EQ(rx_one(h, 54 + 1448, &p), 1); /* exactly one MSS of payload */
	ASSERT_EQ(p.gso_type, VIO_NET_HDR_GSO_NONE);
	ASSERT_EQ(p.gso_size, 0);
	ASSERT_EQ(p.csum, VIO_NET_RX_CSUM_PARTIAL);
	ASSERT_EQ(rx_one(h, 54 + 1449, &p), 1); /* two segments: GSO kept */
	ASSERT_EQ(p.gso_type, VIO_NET_HDR_GSO_TCPV4);
	ASSERT_EQ(p.gso_size, 1448);
}

/* ---- config-space bounds ---- */

/* A vendor capability at 0xfc: its cfg_type/bar fields would sit at
 * 0xff..0x100, past the 256 bytes the contract promises. Nothing past
 * 0xff is read (the model records any such read as a violation). */
TEST(hostile_cap_at_0xfc_never_reads_past_256)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;
	uint8_t pos = m->pcicfg[0x34];

	while (m->pcicfg[pos + 1]) /* the last capability of the list */
		pos = m->pcicfg[pos + 1];
	m->pcicfg[pos + 1] = 0xfc;
	m->pcicfg[0xfc] = 0x09; /* vendor-specific: a virtio capability */
	m->pcicfg[0xfd] = 0x00;
	m->pcicfg[0xfe] = 16;
	m->pcicfg[0xff] = VIO_PCI_CAP_COMMON_CFG;
	ASSERT_EQ(fe_attach(&f, m, NULL), 0); /* the real capabilities came first */
	ASSERT(model_log_has(m, "runs past the config space"));
	fe_teardown(&f);
	fe_free(&f);
	EXPECT_CLEAN(m);
	model_free(m);
}

/* ---- RX buffer size is the driver's choice ---- */

/* A small-mode device (no mergeable buffers, no guest GSO) with MTU 65535
 * and a 32768-entry ring once made the core ask for 2 GiB. Now: MTU
 * clamped to a 65535-byte VLAN frame (logged), big-packet chains of pages,
 * and no more than VIO_NET_RX_RING_BYTES_MAX of them posted. */
TEST(hostile_rx_mtu_65535_ring_32768)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_params p;
	struct fe f;

	m->features |= F(VIO_NET_F_MTU);
	m->features &= ~(F(VIO_NET_F_MRG_RXBUF) | F(VIO_NET_F_GUEST_TSO4) | F(VIO_NET_F_GUEST_TSO6));
	put16le(m->devcfg + VIO_NET_CFG_MTU, 65535);
	m->q[0].max = 32768;
	fe_params_default(&p);
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	ASSERT_EQ(f.n.rx_mode, VIO_NET_RX_BIG);
	ASSERT(model_log_has(m, "clamped"));
	ASSERT_EQ(f.n.max_mtu, 65535 - 18);
	ASSERT(vio_net_rx_buf_len(&f.n.rxq[0]) <= 4096);
	int posted = fe_fill_rx(&f, 0);
	uint64_t bytes = 0;
	for (int k = 0; k < f.nrxb; k++)
		bytes += (uint64_t)f.rxb[k]->len * (uint64_t)(f.rxb[k]->nseg ? f.rxb[k]->nseg : 1);
	ASSERT_MSG(bytes <= VIO_NET_RX_RING_BYTES_MAX, "%llu bytes posted in %d chains",
		   (unsigned long long)bytes, posted);
	ASSERT(posted >= 16);
	ASSERT_EQ(vio_net_rx_room(&f.n.rxq[0]), 0);
	ASSERT_EQ(vio_net_start(&f.n), 0);
	fe_teardown(&f);
	fe_free(&f);
	EXPECT_CLEAN(m);
	model_free(m);
}

/* Mergeable on a 32768 ring: 4 KiB a chain at most, 32 MiB a ring. */
TEST(hostile_rx_ring_budget_mergeable)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	m->q[0].max = 32768;
	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	int posted = fe_fill_rx(&f, 0);
	ASSERT_EQ(posted, VIO_NET_RX_RING_BYTES_MAX / VIO_NET_MRG_BUF_MAX);
	ASSERT(model_log_has(m, "at most 8192 of 32768 entries posted"));
	fe_teardown(&f);
	fe_free(&f);
	EXPECT_CLEAN(m);
	model_free(m);
}

/* ---- teardown cost ---- */

/* Draining a full 32768-entry ring looks at each head about once (the scan
 * restarted at 0 on every call: ~5 x 10^8 steps). */
TEST(hostile_drain_32768_linear)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;
	struct vio_net_params p;

	m->q[1].max = 32768; /* TX */
	fe_params_default(&p);
	p.tx_max_sg = 1; /* small indirect tables: the test is about the drain */
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	ASSERT_EQ(fe_start(&f), 0);
	struct vio_net_txq *q = &f.n.txq[0];
	ASSERT_EQ(q->vq.size, 32768);
	uint8_t *fr = mk_frame(m, 64, 1);
	struct vio_net_sg sg = {(uintptr_t)fr, 64};
	int n = 0;
	while (vio_net_tx(q, NULL, &sg, 1, fr) == VIO_OK)
		n++;
	ASSERT(n > 30000);
	vio_net_stop(&f.n);
	uint64_t s0 = q->vq.stats.detach_steps;
	int back = 0;
	while (vio_net_tx_drain(q))
		back++;
	ASSERT_EQ(back, n);
	uint64_t steps = q->vq.stats.detach_steps - s0;
	ASSERT_MSG(steps <= 2u * 32768u, "%llu steps to drain %d chains", (unsigned long long)steps, n);
	f.attached = true;
	fe_teardown(&f);
	model_buf_free(m, fr);
	fe_free(&f);
	model_free(m);
}

/* ---- every buffer back, even when a re-post meets a broken queue ---- */

/* The polled path takes a packet of num_buffers 2 whose second buffer is a
 * used entry the driver never posted: the queue breaks while the first
 * buffer is out. It must come back through the drain like every other
 * (found by the persistent fuzz target: the buffer was lost). */
TEST(hostile_poll_recv_broken_mid_packet_loses_nothing)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;
	uint8_t buf[1600];
	uint32_t len = 0;

	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT_EQ(fe_start(&f), 0);
	ASSERT_EQ(f.n.rx_mode, VIO_NET_RX_MERGEABLE);
	uint8_t *frame = mk_frame(m, 200, 3);
	struct vio_net_hdr h = {0};
	ASSERT_EQ(mnet_rx_put(m, 0, &h, frame, 200, 2), 1); /* claims 2 buffers, wrote 1 */
	model_vq_push_raw(m, mnet_rxq(m, 0), 0x7777, 10);   /* the "second": never posted */
	m->quiet_violations = true;
	ASSERT_EQ(vio_net_poll_recv(&f.n, buf, sizeof(buf), &len, 1000), VIO_EBROKEN);
	ASSERT(f.n.rxq[0].vq.broken);
	fe_teardown(&f); /* asserts every RX buffer came back exactly once */
	model_buf_free(m, frame);
	fe_free(&f);
	model_free(m);
}

/* Mergeable buffers chained past a 64 KiB IP packet in a VLAN frame: one
 * drop (err_len), every buffer back to the front-end, the queue goes on
 * (found by the persistent fuzz target: fuzz/regress/net-rx-merged-too-long.bin). */
TEST(hostile_rx_merged_longer_than_any_frame)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_rx_frag *fr = calloc(256, sizeof(*fr));
	struct vio_net_rx_pkt pkt;
	struct fe f;
	struct vio_net_hdr h = {0};

	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT_EQ(fe_start(&f), 0);
	uint8_t *frame = mk_frame(m, VIO_NET_PKT_MAX + 1, 2);
	ASSERT(mnet_rx_put(m, 0, &h, frame, VIO_NET_PKT_MAX + 1, -1) > 1);
	ASSERT_EQ(vio_net_rx_get(&f.n.rxq[0], &pkt, fr, 256), VIO_EIO);
	ASSERT_EQ(f.n.rxq[0].stats.err_len, 1);
	ASSERT(pkt.nfrags > 1);
	for (int i = 0; i < pkt.nfrags; i++)
		fe_rx_returned(&f, fr[i].cookie);
	ASSERT(fe_rx_repost_all(&f, 0) >= 0);
	vio_net_rx_kick(&f.n.rxq[0]);
	ASSERT(mnet_rx_put(m, 0, &h, frame, VIO_NET_PKT_MAX, -1) > 1); /* the longest legal one */
	ASSERT_EQ(vio_net_rx_get(&f.n.rxq[0], &pkt, fr, 256), 1);
	ASSERT_EQ(pkt.len, VIO_NET_PKT_MAX);
	for (int i = 0; i < pkt.nfrags; i++)
		fe_rx_returned(&f, fr[i].cookie);
	fe_teardown(&f);
	model_buf_free(m, frame);
	fe_free(&f);
	free(fr);
	model_free(m);
}

/* The ECN bit with no GSO type (found by the rxhdr fuzz target): not a
 * segment stream, an err_hdr drop. */
TEST(hostile_rx_ecn_without_gso_type)
{
	struct vio_net_hdr h = {.flags = VIO_NET_HDR_F_NEEDS_CSUM,
				.gso_type = VIO_NET_HDR_GSO_ECN,
				.gso_size = 100,
				.csum_start = 34,
				.csum_offset = 16};
	struct vio_net_rx_pkt p;

	ASSERT_EQ(rx_one(h, 1000, &p), VIO_EIO);
}

/* ---- values that change between two reads ---- */

/* The offer is read before negotiation (to decide) and again by it: a
 * device that drops CSUM in between would get HOST_TSO4 accepted without
 * its prerequisite (§5.1.3.1). Attach refuses, clearly. */
TEST(hostile_features_changed_during_negotiation)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	m->features_flip = m->features & ~F(VIO_NET_F_CSUM);
	m->features_flip_after = 3; /* the first read of the negotiation's pass */
	ASSERT(m->features & F(VIO_NET_F_HOST_TSO4));
	ASSERT(fe_attach(&f, m, NULL) != VIO_OK);
	ASSERT(model_log_has(m, "changed its offered features"));
	ASSERT(m->status & VIO_STATUS_FAILED);
	EXPECT_NO_ALLOCS(m);
	fe_free(&f);
	model_free(m);
}

/* Small mode with a buffer limit (the kext's 2 KiB clusters): the MTU was
 * checked before negotiation and raised by the device afterwards. The
 * buffers must still hold a frame: the MTU is clamped, not trusted. */
TEST(hostile_mtu_raised_after_the_check)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_params p;
	struct fe f;

	m->features |= F(VIO_NET_F_MTU);
	m->features &= ~(F(VIO_NET_F_MRG_RXBUF) | F(VIO_NET_F_GUEST_TSO4) | F(VIO_NET_F_GUEST_TSO6));
	put16le(m->devcfg + VIO_NET_CFG_MTU, 1500);
	memcpy(m->devcfg_flip, m->devcfg, sizeof(m->devcfg_flip));
	put16le(m->devcfg_flip + VIO_NET_CFG_MTU, 9000);
	m->devcfg_flip_on_features_ok = true;
	fe_params_default(&p);
	p.rx_buf_max = 2048;
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	ASSERT(model_has(m, VIO_NET_F_MTU));
	ASSERT(model_log_has(m, "changed during negotiation"));
	ASSERT(f.n.max_mtu <= 2048 - 12 - 18);
	ASSERT(vio_net_rx_buf_len(&f.n.rxq[0]) <= 2048);
	ASSERT_EQ(fe_start(&f), 0); /* buffers fit: something was posted */
	fe_teardown(&f);
	fe_free(&f);
	EXPECT_CLEAN(m);
	model_free(m);
}

/* ---- config fields ---- */

/* A multicast or all-zero MAC is no address: a random locally
 * administered one, logged, and the device is told it (CTRL_MAC_ADDR). */
TEST(hostile_config_mac_multicast_or_zero)
{
	static const uint8_t bad[2][6] = {{0x01, 0, 0x5e, 0, 0, 1}, {0, 0, 0, 0, 0, 0}};

	for (int k = 0; k < 2; k++) {
		struct model *m = model_new(M_MODERN);
		struct fe f;

		model_set_mac(m, bad[k]);
		ASSERT_EQ(fe_attach(&f, m, NULL), 0);
		ASSERT(f.n.mac_random);
		ASSERT(!(f.n.mac[0] & 1) && (f.n.mac[0] & 2));
		ASSERT(model_log_has(m, "device MAC unusable"));
		ASSERT_EQ(fe_start(&f), 0);
		ASSERT_EQ(m->ctrl_log[0].cmd, VIO_NET_CTRL_MAC_ADDR_SET);
		fe_teardown(&f);
		fe_free(&f);
		EXPECT_CLEAN(m);
		model_free(m);
	}
}

/* mtu below 68 (RFC 791): NET_F_MTU is not negotiated. */
TEST(hostile_config_mtu_below_68)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	m->features |= F(VIO_NET_F_MTU);
	put16le(m->devcfg + VIO_NET_CFG_MTU, 10);
	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT(!model_has(m, VIO_NET_F_MTU));
	ASSERT(model_log_has(m, "ignoring NET_F_MTU"));
	ASSERT_EQ(f.n.mtu, 1500);
	fe_teardown(&f);
	fe_free(&f);
	EXPECT_CLEAN(m);
	model_free(m);
}

TEST(hostile_config_mq_pairs_zero)
{
	mq_case(M_MODERN, 0, 0, false, "out of range");
}

/* A control answer whose ack byte the device never wrote reads as the
 * poison, never as a stale OK: VIO_EIO. */
TEST(hostile_ctrl_ack_never_written)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	ASSERT_EQ(fe_attach(&f, m, NULL), 0);
	ASSERT_EQ(fe_start(&f), 0);
	m->ctrl_ack = 0xff; /* what the driver poisoned it with: as if untouched */
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), VIO_EIO);
	m->ctrl_ack = VIO_NET_OK;
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), VIO_OK); /* the queue goes on */
	fe_teardown(&f);
	fe_free(&f);
	EXPECT_CLEAN(m);
	model_free(m);
}
