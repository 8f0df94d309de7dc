/* SPDX-License-Identifier: BSD-2-Clause */
/* t_net.c - the virtio-net engine against the model (virtio 1.2 §5.1). */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define F(b) VIO_BIT(b)
/* feature sets that select each rx_mode (§5.1.6.3.1) */
#define NO_MRG	  F(VIO_NET_F_MRG_RXBUF)
#define GUEST_GSO (F(VIO_NET_F_GUEST_TSO4) | F(VIO_NET_F_GUEST_TSO6))

static struct model *mk_net(enum model_kind kind, uint64_t drop)
{
	struct model *m = model_new(kind);
	m->features &= ~drop;
	return m;
}

static void up(struct fe *f, struct model *m, const struct vio_net_params *p)
{
	ASSERT_EQ(fe_attach(f, m, p), 0);
	ASSERT_EQ(fe_start(f), 0);
	ASSERT(model_driver_ok(m));
}

static void attach_mode(enum model_kind kind, bool legacy, uint64_t drop, enum vio_net_rx_mode want)
{
	struct model *m = mk_net(kind, drop);
	struct fe f;
	struct vio_net_params p;
	fe_params_default(&p);
	p.dev.prefer_legacy = legacy;
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	ASSERT_EQ(f.n.rx_mode, want);
	ASSERT_EQ(f.n.hdr_len, mnet_hdr_len(m));
	ASSERT(!model_driver_ok(m)); /* attach stops before DRIVER_OK */
	int posted = fe_fill_rx(&f, 0);
	ASSERT(posted > 0);
	ASSERT_EQ(vio_net_start(&f.n), 0);
	ASSERT(model_driver_ok(m));
	ASSERT_EQ(model_vq_avail_count(m, mnet_rxq(m, 0)), posted); /* published */
	ASSERT(f.n.has_ctrl);
	fe_down(&f);
}
TEST(net_attach_small)
{
	attach_mode(M_MODERN, false, NO_MRG | GUEST_GSO, VIO_NET_RX_SMALL);
}
TEST(net_attach_mergeable)
{
	attach_mode(M_MODERN, false, 0, VIO_NET_RX_MERGEABLE);
}
TEST(net_attach_big)
{
	attach_mode(M_MODERN, false, NO_MRG, VIO_NET_RX_BIG);
}
TEST(net_attach_legacy_small)
{
	attach_mode(M_TRANSITIONAL, true, NO_MRG | GUEST_GSO, VIO_NET_RX_SMALL);
}
TEST(net_attach_legacy_mergeable)
{
	attach_mode(M_LEGACY, false, 0, VIO_NET_RX_MERGEABLE);
}
TEST(net_attach_legacy_big)
{
	attach_mode(M_LEGACY, false, NO_MRG, VIO_NET_RX_BIG);
}
TEST(net_attach_legacy_no_any_layout)
{
	/* legacy without ANY_LAYOUT: header in its own descriptor (§2.6.4) */
	attach_mode(M_LEGACY, false, NO_MRG | GUEST_GSO | F(VIO_F_ANY_LAYOUT), VIO_NET_RX_SMALL);
}

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void mac_case(enum model_kind kind, bool msix)
{
	struct model *m = mk_net(kind, 0);
	model_set_msix(m, msix);
	struct fe f;
	struct vio_net_params p;
	fe_params_default(&p);
	p.irq_mode = msix ? VIO_IRQ_MSIX_PER_VQ : VIO_IRQ_INTX;
	up(&f, m, &p);
	ASSERT_MEM(f.n.mac, MAC, 6);
	ASSERT(!f.n.mac_random);
	fe_down(&f);
}
TEST(net_mac_modern)
{
	mac_case(M_MODERN, false);
}
TEST(net_mac_modern_msix)
{
	mac_case(M_MODERN, true);
}
TEST(net_mac_legacy)
{
	mac_case(M_LEGACY, false);
}
TEST(net_mac_legacy_msix)
{
	mac_case(M_LEGACY, true);
}

TEST(net_mac_absent_random)
{
	struct model *m = mk_net(M_MODERN, F(VIO_NET_F_MAC));
	struct fe f;
	struct vio_net_params p;
	fe_params_default(&p);
	static const uint8_t r[6] = {0xf1, 0x22, 0x33, 0x44, 0x55, 0x66};
	memcpy(p.random_mac, r, 6);
	up(&f, m, &p);
	ASSERT(f.n.mac_random);
	ASSERT_EQ(f.n.mac[0] & 1, 0); /* unicast */
	ASSERT_EQ(f.n.mac[0] & 2, 2); /* locally administered */
	ASSERT_MEM(f.n.mac + 1, r + 1, 5);
	ASSERT(!model_has(m, VIO_NET_F_MAC));
	fe_down(&f);
}

TEST(net_link_state)
{
	struct model *m = mk_net(M_MODERN, 0);
	model_set_link(m, false, false);
	struct fe f;
	up(&f, m, NULL);
	ASSERT(!f.n.link_up);
	model_set_link(m, true, true);
	ASSERT(vio_dev_isr(&f.n.dev) & VIO_ISR_CONFIG);
	ASSERT(vio_net_config_changed(&f.n));
	ASSERT(f.n.link_up);
	ASSERT(!vio_net_config_changed(&f.n)); /* no change */
	model_set_link(m, false, true);
	ASSERT(vio_net_config_changed(&f.n));
	ASSERT(!f.n.link_up);
	fe_down(&f);
}

/* NET_F_SPEED_DUPLEX (§5.1.4): read at attach, re-read at every config
 * change (a change alone reports one), out-of-range values are unknown and
 * said once per value; without the feature both stay unknown. */
TEST(net_speed_duplex)
{
	struct model *m = mk_net(M_MODERN, 0);
	struct fe f;

	m->features |= F(VIO_NET_F_SPEED_DUPLEX);
	model_set_speed(m, 10000, VIO_NET_DUPLEX_FULL, false);
	up(&f, m, NULL);
	ASSERT(vio_dev_has(&f.n.dev, VIO_NET_F_SPEED_DUPLEX));
	ASSERT_EQ(f.n.speed, 10000);
	ASSERT_EQ(f.n.duplex, VIO_NET_DUPLEX_FULL);
	model_set_speed(m, 2500, VIO_NET_DUPLEX_HALF, true);
	ASSERT(vio_net_config_changed(&f.n)); /* link still up: the speed changed */
	ASSERT(f.n.link_up);
	ASSERT_EQ(f.n.speed, 2500);
	ASSERT_EQ(f.n.duplex, VIO_NET_DUPLEX_HALF);
	ASSERT(!vio_net_config_changed(&f.n));
	model_set_speed(m, VIO_NET_SPEED_MAX, VIO_NET_DUPLEX_FULL, true);
	ASSERT(vio_net_config_changed(&f.n));
	ASSERT_EQ(f.n.speed, VIO_NET_SPEED_MAX); /* the largest valid speed */
	model_log_clear(m);
	model_set_speed(m, 0x80000000u, 0x05, true); /* neither is allowed */
	ASSERT(vio_net_config_changed(&f.n));
	ASSERT_EQ(f.n.speed, VIO_NET_SPEED_UNKNOWN);
	ASSERT_EQ(f.n.duplex, VIO_NET_DUPLEX_UNKNOWN);
	ASSERT(model_log_has(m, "speed 0x80000000 out of range"));
	ASSERT(model_log_has(m, "duplex 0x5 out of range"));
	model_log_clear(m);
	model_set_speed(m, 0x80000000u, 0x05, true); /* the same again: quiet */
	ASSERT(!vio_net_config_changed(&f.n));
	ASSERT(!model_log_has(m, "out of range"));
	model_set_speed(m, VIO_NET_SPEED_UNKNOWN, VIO_NET_DUPLEX_UNKNOWN, true); /* valid unknowns */
	ASSERT(!vio_net_config_changed(&f.n));
	ASSERT(!model_log_has(m, "out of range"));
	model_set_speed(m, 0, VIO_NET_DUPLEX_FULL, true); /* 0 Mbit/s is a speed */
	ASSERT(vio_net_config_changed(&f.n));
	ASSERT_EQ(f.n.speed, 0);
	fe_down(&f);

	m = mk_net(M_MODERN, 0); /* not offered: config bytes mean nothing */
	model_set_speed(m, 1000, VIO_NET_DUPLEX_FULL, false);
	up(&f, m, NULL);
	ASSERT_EQ(f.n.speed, VIO_NET_SPEED_UNKNOWN);
	ASSERT_EQ(f.n.duplex, VIO_NET_DUPLEX_UNKNOWN);
	fe_down(&f);
}

TEST(net_link_without_status_is_up)
{
	struct model *m = mk_net(M_MODERN, F(VIO_NET_F_STATUS));
	model_set_link(m, false, false);
	struct fe f;
	up(&f, m, NULL);
	ASSERT(f.n.link_up);
	fe_down(&f);
}

/* ---- TX ---- */

static void tx_one(struct fe *f, const struct vio_net_tx_meta *meta, uint32_t len, void *cookie,
		   struct mpkt *pk, uint8_t **frame_out)
{
	uint8_t *fr = mk_frame(f->m, len, 7);
	struct vio_net_sg sg[2] = {{(uintptr_t)fr, 40}, {(uintptr_t)fr + 40, len - 40}};
	ASSERT_EQ(vio_net_tx(&f->n.txq[0], meta, sg, 2, cookie), 0);
	uint64_t nt = f->m->q[mnet_txq(f->m, 0)].notifies;
	vio_net_tx_flush(&f->n.txq[0]);
	ASSERT_EQ(f->m->q[mnet_txq(f->m, 0)].notifies, nt + 1);
	ASSERT_EQ(mnet_tx_pop(f->m, mnet_txq(f->m, 0), pk), 1);
	ASSERT_EQ(pk->frame_len, len);
	ASSERT_MEM(pk->frame, fr, len);
	*frame_out = fr;
}

static void tx_meta_case(enum model_kind kind, bool legacy)
{
	struct model *m = mk_net(kind, 0);
	struct fe f;
	struct vio_net_params p;
	fe_params_default(&p);
	p.dev.prefer_legacy = legacy;
	up(&f, m, &p);
	struct mpkt pk;
	uint8_t *fr;
	int txq = mnet_txq(m, 0);

	/* checksum offload: §5.1.6.2 NEEDS_CSUM + csum_start/offset */
	struct vio_net_tx_meta csum = {.flags = VIO_NET_TX_F_CSUM, .csum_start = 34, .csum_offset = 16};
	tx_one(&f, &csum, 300, (void *)0x10, &pk, &fr);
	ASSERT_EQ(pk.hdr.flags, VIO_NET_HDR_F_NEEDS_CSUM);
	ASSERT_EQ(pk.hdr.gso_type, VIO_NET_HDR_GSO_NONE);
	ASSERT_EQ(pk.hdr.csum_start, 34);
	ASSERT_EQ(pk.hdr.csum_offset, 16);
	ASSERT_EQ(pk.hdr.gso_size, 0);
	if (pk.hdr_len == VIO_NET_HDR_LEN)
		ASSERT_EQ(pk.hdr.num_buffers, 0); /* §5.1.6.2.1 */
	model_vq_push(m, txq, pk.head, 0);
	mpkt_free(&pk);
	model_buf_free(m, fr);

	/* TSO4 */
	struct vio_net_tx_meta tso = {.flags = VIO_NET_TX_F_CSUM,
				      .gso_type = VIO_NET_HDR_GSO_TCPV4,
				      .hdr_len = 54,
				      .gso_size = 1448,
				      .csum_start = 34,
				      .csum_offset = 16};
	tx_one(&f, &tso, 9000, (void *)0x11, &pk, &fr);
	ASSERT_EQ(pk.hdr.flags, VIO_NET_HDR_F_NEEDS_CSUM);
	ASSERT_EQ(pk.hdr.gso_type, VIO_NET_HDR_GSO_TCPV4);
	ASSERT_EQ(pk.hdr.hdr_len, 54);
	ASSERT_EQ(pk.hdr.gso_size, 1448);
	ASSERT_EQ(pk.hdr.csum_start, 34);
	ASSERT_EQ(pk.hdr.csum_offset, 16);
	model_vq_push(m, txq, pk.head, 0);
	mpkt_free(&pk);
	model_buf_free(m, fr);

	/* TSO6 */
	tso.gso_type = VIO_NET_HDR_GSO_TCPV6;
	tso.csum_start = 54;
	tso.hdr_len = 74;
	tx_one(&f, &tso, 5000, (void *)0x12, &pk, &fr);
	ASSERT_EQ(pk.hdr.gso_type, VIO_NET_HDR_GSO_TCPV6);
	ASSERT_EQ(pk.hdr.hdr_len, 74);
	ASSERT_EQ(pk.hdr.csum_start, 54);
	model_vq_push(m, txq, pk.head, 0);
	mpkt_free(&pk);
	model_buf_free(m, fr);

	/* plain */
	struct vio_net_tx_meta none = {0};
	tx_one(&f, &none, 60, (void *)0x13, &pk, &fr);
	ASSERT_EQ(pk.hdr.flags, 0);
	ASSERT_EQ(pk.hdr.gso_type, 0);
	model_vq_push(m, txq, pk.head, 0);
	mpkt_free(&pk);
	model_buf_free(m, fr);

	void *ck[8];
	ASSERT_EQ(vio_net_tx_reclaim(&f.n.txq[0], ck, 8), 4);
	ASSERT(ck[0] == (void *)0x10 && ck[1] == (void *)0x11 && ck[2] == (void *)0x12 &&
	       ck[3] == (void *)0x13);
	ASSERT_EQ(vio_net_tx_reclaim(&f.n.txq[0], ck, 8), 0);
	ASSERT_EQ(f.n.txq[0].stats.csum, 3);
	ASSERT_EQ(f.n.txq[0].stats.gso, 2);
	fe_down(&f);
}
TEST(net_tx_meta_modern)
{
	tx_meta_case(M_MODERN, false);
}
TEST(net_tx_meta_legacy)
{
	tx_meta_case(M_TRANSITIONAL, true);
}

TEST(net_tx_refused_offloads)
{
	struct model *m =
	    mk_net(M_MODERN, F(VIO_NET_F_CSUM) | F(VIO_NET_F_HOST_TSO4) | F(VIO_NET_F_HOST_TSO6));
	struct fe f;
	up(&f, m, NULL);
	uint8_t *fr = mk_frame(m, 200, 1);
	struct vio_net_sg sg = {(uintptr_t)fr, 200};
	struct vio_net_tx_meta csum = {.flags = VIO_NET_TX_F_CSUM, .csum_start = 34, .csum_offset = 16};
	struct vio_net_tx_meta tso = {.flags = VIO_NET_TX_F_CSUM,
				      .gso_type = VIO_NET_HDR_GSO_TCPV4,
				      .hdr_len = 54,
				      .gso_size = 100,
				      .csum_start = 34,
				      .csum_offset = 16};
	ASSERT_EQ(vio_net_tx(&f.n.txq[0], &csum, &sg, 1, (void *)1), VIO_EINVAL);
	ASSERT_EQ(vio_net_tx(&f.n.txq[0], &tso, &sg, 1, (void *)1), VIO_EINVAL);
	ASSERT_EQ(f.n.txq[0].stats.err_meta, 2);
	vio_net_tx_flush(&f.n.txq[0]);
	ASSERT_EQ(model_vq_avail_count(m, mnet_txq(m, 0)), 0);
	model_buf_free(m, fr);
	fe_down(&f);
}

TEST(net_tx_inconsistent_meta)
{
	struct model *m = mk_net(M_MODERN, 0);
	struct fe f;
	up(&f, m, NULL);
	uint8_t *fr = mk_frame(m, 200, 1);
	struct vio_net_sg sg = {(uintptr_t)fr, 200};
	/* GSO without NEEDS_CSUM (§5.1.6.2.1) */
	struct vio_net_tx_meta a = {.gso_type = VIO_NET_HDR_GSO_TCPV4, .hdr_len = 54, .gso_size = 100};
	ASSERT_EQ(vio_net_tx(&f.n.txq[0], &a, &sg, 1, (void *)1), VIO_EINVAL);
	/* csum_start past the packet */
	struct vio_net_tx_meta b = {.flags = VIO_NET_TX_F_CSUM, .csum_start = 250, .csum_offset = 16};
	ASSERT_EQ(vio_net_tx(&f.n.txq[0], &b, &sg, 1, (void *)1), VIO_EINVAL);
	/* ECN without HOST_ECN */
	struct vio_net_tx_meta c = {.flags = VIO_NET_TX_F_CSUM,
				    .gso_type = VIO_NET_HDR_GSO_TCPV4 | VIO_NET_HDR_GSO_ECN,
				    .hdr_len = 54,
				    .gso_size = 100,
				    .csum_start = 34,
				    .csum_offset = 16};
	ASSERT_EQ(vio_net_tx(&f.n.txq[0], &c, &sg, 1, (void *)1), VIO_EINVAL);
	/* too many segments */
	struct vio_net_sg many[VIO_NET_MAX_TX_SG + 1];
	for (int i = 0; i <= VIO_NET_MAX_TX_SG; i++)
		many[i] = (struct vio_net_sg){(uintptr_t)fr, 2};
	struct vio_net_tx_meta none = {0};
	ASSERT_EQ(vio_net_tx(&f.n.txq[0], &none, many, VIO_NET_MAX_TX_SG + 1, (void *)1), VIO_EINVAL);
	ASSERT_EQ(vio_net_tx(&f.n.txq[0], &none, &sg, 1, NULL), VIO_EINVAL);
	vio_net_tx_flush(&f.n.txq[0]);
	ASSERT_EQ(model_vq_avail_count(m, mnet_txq(m, 0)), 0);
	model_buf_free(m, fr);
	fe_down(&f);
}

TEST(net_tx_ring_full_and_batch_kick)
{
	struct model *m = mk_net(M_MODERN, 0);
	m->q[1].max = 64;
	struct fe f;
	up(&f, m, NULL);
	uint8_t *fr = mk_frame(m, 100, 2);
	struct vio_net_sg sg = {(uintptr_t)fr, 100};
	struct vio_net_tx_meta none = {0};
	int n = 0, rc;
	while ((rc = vio_net_tx(&f.n.txq[0], &none, &sg, 1, (void *)(uintptr_t)(n + 1))) == 0)
		n++;
	ASSERT_EQ(rc, VIO_ENOSPC);
	ASSERT(n >= 32 && n <= 64);
	ASSERT(!vio_net_tx_has_room(&f.n.txq[0]));
	ASSERT(vio_net_tx_flush(&f.n.txq[0]));
	ASSERT_EQ(m->q[1].notifies, 1);
	ASSERT_EQ(model_vq_complete_all(m, 1), n);
	void *ck[128];
	ASSERT_EQ(vio_net_tx_reclaim(&f.n.txq[0], ck, 128), n);
	for (int i = 0; i < n; i++)
		ASSERT(ck[i] == (void *)(uintptr_t)(i + 1));
	ASSERT(vio_net_tx_has_room(&f.n.txq[0]));
	model_buf_free(m, fr);
	fe_down(&f);
}

/* ---- RX ---- */

static int rx_take(struct fe *f, struct vio_net_rx_pkt *pkt, struct vio_net_rx_frag *fr, uint8_t *out,
		   uint32_t cap)
{
	int r = vio_net_rx_get(&f->n.rxq[0], pkt, fr, 256);
	if (r != 1)
		return r;
	uint32_t o = 0;
	for (int i = 0; i < pkt->nfrags; i++) {
		uint32_t skip = i == 0 ? pkt->hdr_len : 0;
		ASSERT(fr[i].len >= skip);
		ASSERT(o + fr[i].len - skip <= cap);
		memcpy(out + o, (uint8_t *)fr[i].vaddr + skip, fr[i].len - skip);
		o += fr[i].len - skip;
	}
	ASSERT_EQ(o, pkt->len);
	return r;
}

static void recycle(struct fe *f, struct vio_net_rx_pkt *pkt, struct vio_net_rx_frag *fr)
{
	for (int i = 0; i < pkt->nfrags; i++)
		fe_rx_returned(f, fr[i].cookie);
}

static void rx_case(uint64_t drop, enum vio_net_rx_mode mode, uint32_t len, int want_bufs)
{
	struct model *m = mk_net(M_MODERN, drop);
	struct fe f;
	up(&f, m, NULL);
	ASSERT_EQ(f.n.rx_mode, mode);
	uint8_t *frame = mk_frame(m, len, 3);
	struct vio_net_hdr h = {0};
	h.flags = VIO_NET_HDR_F_DATA_VALID;
	ASSERT_EQ(mnet_rx_put(m, 0, &h, frame, len, -1), want_bufs);
	struct vio_net_rx_pkt pkt;
	struct vio_net_rx_frag *fr = calloc(256, sizeof(*fr));
	uint8_t *out = malloc(len + 16);
	ASSERT_EQ(rx_take(&f, &pkt, fr, out, len + 16), 1);
	ASSERT_EQ(pkt.len, len);
	ASSERT_EQ(pkt.hdr_len, mnet_hdr_len(m));
	ASSERT_MEM(out, frame, len);
	ASSERT_EQ(pkt.csum, VIO_NET_RX_CSUM_VALID);
	if (mode == VIO_NET_RX_MERGEABLE)
		ASSERT_EQ(pkt.nfrags, want_bufs);
	if (mode == VIO_NET_RX_SMALL) {
		ASSERT_EQ(pkt.nfrags, 1);
		ASSERT_EQ(fr[0].len, len + pkt.hdr_len);
	}
	ASSERT_EQ(f.n.rxq[0].stats.packets, 1);
	recycle(&f, &pkt, fr);
	struct vio_net_rx_pkt pkt2;
	ASSERT_EQ(vio_net_rx_get(&f.n.rxq[0], &pkt2, fr, 256), 0);
	free(fr);
	free(out);
	model_buf_free(m, frame);
	fe_down(&f);
}
TEST(net_rx_small)
{
	rx_case(NO_MRG | GUEST_GSO, VIO_NET_RX_SMALL, 1000, 1);
}
TEST(net_rx_small_full_frame)
{
	rx_case(NO_MRG | GUEST_GSO, VIO_NET_RX_SMALL, 1518, 1);
}
TEST(net_rx_mergeable_1)
{
	rx_case(0, VIO_NET_RX_MERGEABLE, 600, 1);
}
TEST(net_rx_mergeable_3)
{
	/* buffers are hdr + 1518 rounded: 4000 bytes need exactly 3 */
	rx_case(0, VIO_NET_RX_MERGEABLE, 4000, 3);
}
TEST(net_rx_big)
{
	rx_case(NO_MRG, VIO_NET_RX_BIG, 60000, 1);
}
TEST(net_rx_big_shadow_segments)
{
	/* the core's shadow of every posted big-mode chain names exactly the
	 * segments the front-end gave (cookie, vaddr, daddr, len), in order */
	struct model *m = mk_net(M_MODERN, NO_MRG);
	struct fe f;
	up(&f, m, NULL);
	ASSERT_EQ(f.n.rx_mode, VIO_NET_RX_BIG);
	int checked = 0;
	for (int i = 0; i < f.nrxb; i++) {
		struct fe_rxb *b = f.rxb[i];
		const struct vio_net_rxslot *slot = NULL;
		for (uint16_t h = 0; h < f.n.rxq[0].vq.size; h++)
			if (f.n.rxq[0].slots[h].buf.cookie == b && f.n.rxq[0].slots[h].segs)
				slot = &f.n.rxq[0].slots[h];
		ASSERT(slot != NULL);
		ASSERT_EQ(slot->nsegs, b->nseg);
		for (int k = 0; k < b->nseg; k++) {
			const struct vio_net_rxbuf *sg = &slot->segs[k];
			ASSERT(sg->vaddr == b->mem + (size_t)k * b->len);
			ASSERT_EQ(sg->daddr, (uintptr_t)sg->vaddr);
			ASSERT_EQ(sg->len, b->len);
			ASSERT(sg->cookie == (k == 0 ? (void *)b : (void *)&b->seg_posted[k]));
		}
		checked++;
	}
	ASSERT(checked > 0);
	fe_down(&f);
}

static void rx_hdr_case(struct vio_net_hdr h, uint32_t len, int want_rc, int want_csum, uint64_t drop)
{
	struct model *m = mk_net(M_MODERN, drop);
	struct fe f;
	up(&f, m, NULL);
	uint8_t *frame = mk_frame(m, len, 4);
	ASSERT(mnet_rx_put(m, 0, &h, frame, len, -1) > 0);
	struct vio_net_rx_pkt pkt;
	struct vio_net_rx_frag fr[256];
	int r = vio_net_rx_get(&f.n.rxq[0], &pkt, fr, 256);
	ASSERT_EQ(r, want_rc);
	if (r == 1) {
		ASSERT_EQ(pkt.csum, want_csum);
		if (want_csum == VIO_NET_RX_CSUM_PARTIAL) {
			ASSERT_EQ(pkt.csum_start, h.csum_start);
			ASSERT_EQ(pkt.csum_offset, h.csum_offset);
		}
		ASSERT_EQ(pkt.gso_type, h.gso_type);
		if (h.gso_type)
			ASSERT_EQ(pkt.gso_size, h.gso_size);
	} else {
		/* exactly one packet dropped, counted once as a header error */
		ASSERT_EQ(f.n.rxq[0].stats.drops, 1);
		ASSERT_EQ(f.n.rxq[0].stats.err_hdr, 1);
		ASSERT_EQ(f.n.rxq[0].stats.err_len + f.n.rxq[0].stats.err_num_buffers, 0);
		ASSERT_EQ(f.n.rxq[0].stats.packets, 0);
		ASSERT(!f.n.rxq[0].vq.broken);
		/* and the queue goes on: the next (plain) packet is delivered */
		recycle(&f, &pkt, fr);
		struct vio_net_hdr ok = {0};
		ASSERT(mnet_rx_put(m, 0, &ok, frame, 100, -1) > 0);
		ASSERT_EQ(vio_net_rx_get(&f.n.rxq[0], &pkt, fr, 256), 1);
		ASSERT_EQ(f.n.rxq[0].stats.packets, 1);
		ASSERT_EQ(f.n.rxq[0].stats.drops, 1);
	}
	recycle(&f, &pkt, fr);
	model_buf_free(m, frame);
	fe_down(&f);
}
TEST(net_rx_csum_none)
{
	struct vio_net_hdr h = {0};
	rx_hdr_case(h, 100, 1, VIO_NET_RX_CSUM_NONE, 0);
}
TEST(net_rx_csum_partial)
{
	struct vio_net_hdr h = {.flags = VIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 6};
	rx_hdr_case(h, 100, 1, VIO_NET_RX_CSUM_PARTIAL, 0);
}
TEST(net_rx_gso_tcpv4)
{
	struct vio_net_hdr h = {.flags = VIO_NET_HDR_F_NEEDS_CSUM,
				.gso_type = VIO_NET_HDR_GSO_TCPV4,
				.hdr_len = 54,
				.gso_size = 1448,
				.csum_start = 34,
				.csum_offset = 16};
	rx_hdr_case(h, 3000, 1, VIO_NET_RX_CSUM_PARTIAL, 0);
}
TEST(net_rx_bad_csum_start_past_packet)
{
	struct vio_net_hdr h = {.flags = VIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 90, .csum_offset = 16};
	rx_hdr_case(h, 100, VIO_EIO, 0, 0);
}
TEST(net_rx_bad_gso_not_negotiated)
{
	struct vio_net_hdr h = {.flags = VIO_NET_HDR_F_NEEDS_CSUM,
				.gso_type = VIO_NET_HDR_GSO_TCPV4,
				.hdr_len = 54,
				.gso_size = 1448,
				.csum_start = 34,
				.csum_offset = 16};
	rx_hdr_case(h, 3000, VIO_EIO, 0, GUEST_GSO);
}
TEST(net_rx_bad_gso_unknown_type)
{
	struct vio_net_hdr h = {.flags = VIO_NET_HDR_F_NEEDS_CSUM,
				.gso_type = 0x42,
				.gso_size = 1448,
				.csum_start = 34,
				.csum_offset = 16};
	rx_hdr_case(h, 3000, VIO_EIO, 0, 0);
}
TEST(net_rx_bad_gso_size_zero)
{
	struct vio_net_hdr h = {.flags = VIO_NET_HDR_F_NEEDS_CSUM,
				.gso_type = VIO_NET_HDR_GSO_TCPV4,
				.hdr_len = 54,
				.gso_size = 0,
				.csum_start = 34,
				.csum_offset = 16};
	rx_hdr_case(h, 3000, VIO_EIO, 0, 0);
}
TEST(net_rx_bad_gso_tcpv6_with_only_tso4)
{
	struct vio_net_hdr h = {.flags = VIO_NET_HDR_F_NEEDS_CSUM,
				.gso_type = VIO_NET_HDR_GSO_TCPV6,
				.hdr_len = 74,
				.gso_size = 1428,
				.csum_start = 54,
				.csum_offset = 16};
	rx_hdr_case(h, 3000, VIO_EIO, 0, F(VIO_NET_F_GUEST_TSO6));
}
TEST(net_rx_bad_gso_ecn_not_negotiated)
{
	struct vio_net_hdr h = {.flags = VIO_NET_HDR_F_NEEDS_CSUM,
				.gso_type = VIO_NET_HDR_GSO_TCPV4 | VIO_NET_HDR_GSO_ECN,
				.hdr_len = 54,
				.gso_size = 1448,
				.csum_start = 34,
				.csum_offset = 16};
	rx_hdr_case(h, 3000, VIO_EIO, 0, F(VIO_NET_F_GUEST_ECN));
}
TEST(net_rx_bad_csum_field_past_packet)
{
	/* csum_start inside, but the 2-byte field at csum_start + csum_offset is not */
	struct vio_net_hdr h = {.flags = VIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 65};
	rx_hdr_case(h, 100, VIO_EIO, 0, 0);
}
TEST(net_rx_bad_csum_without_guest_csum)
{
	struct vio_net_hdr h = {.flags = VIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 6};
	rx_hdr_case(h, 100, VIO_EIO, 0, F(VIO_NET_F_GUEST_CSUM) | GUEST_GSO);
}

/* ---- control queue ---- */

TEST(net_ctrl_commands)
{
	struct model *m = mk_net(M_MODERN, 0);
	struct fe f;
	up(&f, m, NULL);
	m->nctrl = 0; /* start's receive filter: t_netpolicy.c */
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), 0);
	ASSERT_EQ(m->nctrl, 1);
	ASSERT_EQ(m->ctrl_log[0].cls, VIO_NET_CTRL_RX);
	ASSERT_EQ(m->ctrl_log[0].cmd, VIO_NET_CTRL_RX_PROMISC);
	ASSERT_EQ(m->ctrl_log[0].len, 1);
	ASSERT_EQ(m->ctrl_log[0].data[0], 1);
	ASSERT_EQ(vio_net_set_allmulti(&f.n, false), 0);
	ASSERT_EQ(m->ctrl_log[1].cmd, VIO_NET_CTRL_RX_ALLMULTI);
	ASSERT_EQ(m->ctrl_log[1].data[0], 0);
	static const uint8_t nm[6] = {0x02, 1, 2, 3, 4, 5};
	ASSERT_EQ(vio_net_set_mac(&f.n, nm), 0);
	ASSERT_EQ(m->ctrl_log[2].cls, VIO_NET_CTRL_MAC);
	ASSERT_EQ(m->ctrl_log[2].cmd, VIO_NET_CTRL_MAC_ADDR_SET);
	ASSERT_EQ(m->ctrl_log[2].len, 6);
	ASSERT_MEM(m->ctrl_log[2].data, nm, 6);
	uint64_t off = F(VIO_NET_F_GUEST_CSUM) | F(VIO_NET_F_GUEST_TSO4);
	ASSERT_EQ(vio_net_set_guest_offloads(&f.n, off), 0);
	ASSERT_EQ(m->ctrl_log[3].cls, VIO_NET_CTRL_GUEST_OFFLOADS);
	ASSERT_EQ(m->ctrl_log[3].cmd, VIO_NET_CTRL_GUEST_OFFLOADS_SET);
	ASSERT_EQ(m->ctrl_log[3].len, 8);
	uint8_t le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(off >> (8 * i));
	ASSERT_MEM(m->ctrl_log[3].data, le, 8);
	/* MAC table: two le32 counts with entries (§5.1.6.5.2) */
	static const uint8_t uc[6] = {0x02, 9, 9, 9, 9, 9},
			     mc[12] = {0x01, 0, 0x5e, 0, 0, 1, 0x33, 0x33, 0, 0, 0, 1};
	ASSERT_EQ(vio_net_set_mac_table(&f.n, uc, 1, mc, 2), 0);
	ASSERT_EQ(m->ctrl_log[4].cmd, VIO_NET_CTRL_MAC_TABLE_SET);
	ASSERT_EQ(m->ctrl_log[4].len, 4 + 6 + 4 + 12);
	ASSERT_EQ(m->ctrl_log[4].data[0], 1);
	ASSERT_MEM(m->ctrl_log[4].data + 4, uc, 6);
	ASSERT_EQ(m->ctrl_log[4].data[10], 2);
	ASSERT_MEM(m->ctrl_log[4].data + 14, mc, 12);
	/* the device says no */
	m->ctrl_ack = VIO_NET_ERR;
	ASSERT_EQ(vio_net_set_promisc(&f.n, false), VIO_EIO);
	fe_down(&f);
}

TEST(net_ctrl_missing_features)
{
	struct model *m = mk_net(M_MODERN, F(VIO_NET_F_CTRL_RX) | F(VIO_NET_F_CTRL_MAC_ADDR) |
					       F(VIO_NET_F_CTRL_GUEST_OFFLOADS));
	struct fe f;
	up(&f, m, NULL);
	static const uint8_t nm[6] = {0x02, 1, 2, 3, 4, 5};
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), VIO_ENOTSUP);
	ASSERT_EQ(vio_net_set_mac(&f.n, nm), VIO_ENOTSUP);
	ASSERT_EQ(vio_net_set_guest_offloads(&f.n, 0), VIO_ENOTSUP);
	ASSERT_EQ(m->nctrl, 0);
	fe_down(&f);
}

TEST(net_ctrl_no_ctrl_vq)
{
	struct model *m = mk_net(M_MODERN, F(VIO_NET_F_CTRL_VQ) | F(VIO_NET_F_CTRL_RX) |
					       F(VIO_NET_F_CTRL_MAC_ADDR) | F(VIO_NET_F_CTRL_GUEST_OFFLOADS));
	m->nq = 2;
	struct fe f;
	up(&f, m, NULL);
	ASSERT(!f.n.has_ctrl);
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), VIO_ENOTSUP);
	fe_down(&f);
}

TEST(net_ctrl_device_never_answers)
{
	struct model *m = mk_net(M_MODERN, 0);
	struct fe f;
	up(&f, m, NULL);
	m->ctrl_auto = false;
	uint64_t t0 = m->now_ns;
	int rc = vio_net_set_promisc(&f.n, true);
	ASSERT_MSG(rc == VIO_ETIMEDOUT || rc == VIO_EIO || rc == VIO_EBROKEN, "rc %d", rc);
	ASSERT(m->now_ns > t0); /* it waited on the fake clock, bounded */
	fe_down(&f);
}

/* ---- stats and strings ---- */
TEST(net_stats_and_features_string)
{
	struct model *m = mk_net(M_MODERN, 0);
	struct fe f;
	up(&f, m, NULL);
	unsigned n = vio_net_stats_count(&f.n);
	ASSERT(n > 10);
	char b[64];
	for (unsigned i = 0; i < n; i++) {
		const char *s = vio_net_stat_name(&f.n, i, b, sizeof(b));
		ASSERT(s && s[0]);
	}
	char fs[1024];
	ASSERT(vio_net_features_string(&f.n, fs, sizeof(fs)) > 0);
	ASSERT_MSG(strstr(fs, "VERSION_1") && strstr(fs, "NET_MAC"), "features: %s", fs);
	fe_down(&f);
}

/* Without GUEST_CSUM the device must leave flags zero (§5.1.6.4.1): a
 * DATA_VALID it sets anyway is not believed, the stack checks the sum. */
TEST(net_rx_data_valid_needs_guest_csum)
{
	struct model *m = mk_net(M_MODERN, F(VIO_NET_F_GUEST_CSUM) | GUEST_GSO);
	struct fe f;
	up(&f, m, NULL);
	ASSERT(!vio_dev_has(&f.n.dev, VIO_NET_F_GUEST_CSUM));
	uint8_t *frame = mk_frame(m, 600, 5);
	struct vio_net_hdr h = {0};
	h.flags = VIO_NET_HDR_F_DATA_VALID;
	ASSERT_EQ(mnet_rx_put(m, 0, &h, frame, 600, -1), 1);
	struct vio_net_rx_pkt pkt;
	struct vio_net_rx_frag fr[256];
	uint8_t out[700];
	ASSERT_EQ(rx_take(&f, &pkt, fr, out, sizeof(out)), 1);
	ASSERT_EQ(pkt.csum, VIO_NET_RX_CSUM_NONE);
	ASSERT_EQ(f.n.rxq[0].stats.csum_valid, 0);
	recycle(&f, &pkt, fr);
	model_buf_free(m, frame);
	fe_down(&f);
}

/* The control queue is busy-polled: no MSI-X vector, interrupts suppressed,
 * while data queues get their own vectors (per-VQ mode). */
TEST(net_ctrl_queue_has_no_vector)
{
	struct model *m = mk_net(M_MODERN, 0);
	model_set_msix(m, true);
	struct vio_net_params p;
	fe_params_default(&p);
	p.irq_mode = VIO_IRQ_MSIX_PER_VQ;
	struct fe f;
	up(&f, m, &p);
	ASSERT(f.n.has_ctrl);
	int cq = mnet_ctrlq(m);
	ASSERT_EQ(m->q[cq].vector, VIO_MSI_NO_VECTOR);
	ASSERT_EQ(m->q[mnet_rxq(m, 0)].vector, 1 + mnet_rxq(m, 0));
	ASSERT_EQ(m->q[mnet_txq(m, 0)].vector, 1 + mnet_txq(m, 0));
	if (model_has(m, VIO_F_EVENT_IDX))
		ASSERT_NE(model_vq_used_event(m, cq), 0); /* far away: no interrupt wanted */
	else
		ASSERT(model_vq_avail_flags(m, cq) & VIO_AVAIL_F_NO_INTERRUPT);
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), 0);
	fe_down(&f);
}

static int pairs_set_count(const struct model *m, int from, uint16_t k)
{
	int n = 0;

	for (int i = from; i < m->nctrl; i++)
		n += m->ctrl_log[i].cls == VIO_NET_CTRL_MQ &&
		     m->ctrl_log[i].cmd == VIO_NET_CTRL_MQ_VQ_PAIRS_SET && m->ctrl_log[i].len == 2 &&
		     (m->ctrl_log[i].data[0] | m->ctrl_log[i].data[1] << 8) == k;
	return n;
}

/* Pairs created vs enabled (ethtool -L): 4 created, 2 enabled at start;
 * vio_net_set_pairs moves between 1 and 4 with one command each, refuses
 * 0 and 5, keeps the old count when the device refuses, and a reset
 * enables the last count that was set. */
TEST(net_mq_set_pairs)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_params p;
	struct fe f;

	m->features |= F(VIO_NET_F_MQ);
	m->nq = 9;
	m->devcfg[VIO_NET_CFG_MAX_VQ_PAIRS] = 4;
	fe_params_default(&p);
	p.max_qp = 8;
	p.active_qp = 2;
	up(&f, m, &p);
	ASSERT_EQ(f.n.nqp, 4);
	ASSERT_EQ(f.n.curr_qp, 2);
	ASSERT_EQ(pairs_set_count(m, 0, 2), 1);
	int k = m->nctrl;
	ASSERT_EQ(vio_net_set_pairs(&f.n, 4), 0);
	ASSERT_EQ(f.n.curr_qp, 4);
	ASSERT_EQ(pairs_set_count(m, k, 4), 1);
	ASSERT_EQ(vio_net_set_pairs(&f.n, 1), 0);
	ASSERT_EQ(f.n.curr_qp, 1);
	ASSERT_EQ(pairs_set_count(m, k, 1), 1);
	k = m->nctrl;
	ASSERT_EQ(vio_net_set_pairs(&f.n, 1), 0); /* already: no command */
	ASSERT_EQ(vio_net_set_pairs(&f.n, 0), VIO_EINVAL);
	ASSERT_EQ(vio_net_set_pairs(&f.n, 5), VIO_EINVAL);
	ASSERT_EQ(m->nctrl, k);
	m->ctrl_ack = VIO_NET_ERR;
	ASSERT_EQ(vio_net_set_pairs(&f.n, 3), VIO_EIO);
	ASSERT_EQ(f.n.curr_qp, 1);
	m->ctrl_ack = VIO_NET_OK;
	ASSERT_EQ(vio_net_set_pairs(&f.n, 3), 0);
	k = m->nctrl;
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), 0);
	ASSERT_EQ(f.n.curr_qp, 3);
	ASSERT_EQ(pairs_set_count(m, k, 3), 1);
	fe_down(&f);

	m = model_new(M_MODERN); /* no MQ: one pair, and only one */
	up(&f, m, &p);
	ASSERT_EQ(f.n.nqp, 1);
	ASSERT_EQ(vio_net_set_pairs(&f.n, 1), 0);
	ASSERT_EQ(vio_net_set_pairs(&f.n, 2), VIO_EINVAL);
	fe_down(&f);
}

/* MQ (§5.1.6.5.5): two queue pairs at queues 0-3, control queue at 4, and
 * VQ_PAIRS_SET 2 sent at start; traffic on pair 1 reaches queue 3. */
TEST(net_mq_two_pairs)
{
	struct model *m = model_new(M_MODERN);
	m->features |= F(VIO_NET_F_MQ);
	m->nq = 5;
	m->devcfg[VIO_NET_CFG_MAX_VQ_PAIRS] = 2;
	struct vio_net_params p;
	fe_params_default(&p);
	p.max_qp = 2;
	struct fe f;
	up(&f, m, &p);
	ASSERT_EQ(f.n.nqp, 2);
	ASSERT_EQ(f.n.curr_qp, 2);
	ASSERT_EQ(mnet_ctrlq(m), 4);
	int k = 0; /* first command after DRIVER_OK; the receive filter follows */
	ASSERT(m->nctrl >= 1);
	ASSERT_EQ(m->ctrl_log[k].cls, VIO_NET_CTRL_MQ);
	ASSERT_EQ(m->ctrl_log[k].cmd, VIO_NET_CTRL_MQ_VQ_PAIRS_SET);
	ASSERT_EQ(m->ctrl_log[k].len, 2);
	ASSERT_EQ(m->ctrl_log[k].data[0] | m->ctrl_log[k].data[1] << 8, 2);
	uint8_t *frame = mk_frame(m, 200, 9);
	struct vio_net_sg sg = {(uint64_t)(uintptr_t)frame, 200};
	ASSERT_EQ(vio_net_tx(&f.n.txq[1], NULL, &sg, 1, frame), 0);
	vio_net_tx_flush(&f.n.txq[1]);
	struct mpkt pk;
	ASSERT_EQ(mnet_tx_pop(m, mnet_txq(m, 1), &pk), 1);
	ASSERT_EQ(mnet_txq(m, 1), 3);
	ASSERT_EQ(pk.frame_len, 200);
	ASSERT_MEM(pk.frame, frame, 200);
	model_vq_push(m, mnet_txq(m, 1), pk.head, 0);
	mpkt_free(&pk);
	ASSERT_EQ(mnet_tx_pop(m, mnet_txq(m, 0), &pk), 0);
	void *c = NULL;
	ASSERT_EQ(vio_net_tx_reclaim(&f.n.txq[1], &c, 1), 1);
	ASSERT(c == frame);
	model_buf_free(m, frame);
	fe_down(&f);
}

/* GUEST_ANNOUNCE (§5.1.6.5.3): status ANNOUNCE sets n->announce and the
 * driver acknowledges through the control queue. */
TEST(net_guest_announce_acked)
{
	struct model *m = model_new(M_MODERN);
	m->features |= F(VIO_NET_F_GUEST_ANNOUNCE);
	struct fe f;
	up(&f, m, NULL);
	ASSERT(vio_dev_has(&f.n.dev, VIO_NET_F_GUEST_ANNOUNCE));
	int before = m->nctrl;
	m->devcfg[VIO_NET_CFG_STATUS] = VIO_NET_S_LINK_UP | VIO_NET_S_ANNOUNCE;
	vio_net_config_changed(&f.n);
	ASSERT(f.n.announce);
	ASSERT(f.n.link_up);
	ASSERT_EQ(m->nctrl, before + 1);
	ASSERT_EQ(m->ctrl_log[before].cls, VIO_NET_CTRL_ANNOUNCE);
	ASSERT_EQ(m->ctrl_log[before].cmd, VIO_NET_CTRL_ANNOUNCE_ACK);
	fe_down(&f);
}

/* vio_net_params.mrg_buf_max: the EWMA may suggest buffers up to it
 * (header included), default 4096 as Linux's virtio_net, clamped to
 * 4096..64 KiB; the ring's byte budget counts chains of that size. */
static uint32_t mrg_len_after(uint32_t want, uint32_t buf_max, uint32_t pktlen)
{
	struct model *m = mk_net(M_MODERN, 0);
	struct vio_net_rx_frag frags[256];
	struct vio_net_params p;
	struct vio_net_hdr h = {0};
	struct vio_net_rx_pkt pkt;
	struct fe f;
	uint32_t len;

	fe_params_default(&p);
	p.mrg_buf_max = want;
	p.rx_buf_max = buf_max;
	up(&f, m, &p);
	uint8_t *fr = mk_frame(m, pktlen, 7);
	ASSERT(mnet_rx_put(m, 0, &h, fr, pktlen, -1) >= 1);
	ASSERT_EQ(vio_net_rx_get(&f.n.rxq[0], &pkt, frags, 256), 1);
	ASSERT_EQ(pkt.len, pktlen);
	for (int k = 0; k < pkt.nfrags; k++)
		fe_rx_returned(&f, frags[k].cookie);
	len = vio_net_rx_buf_len(&f.n.rxq[0]); /* the EWMA took this one packet */
	model_buf_free(m, fr);
	fe_down(&f);
	return len;
}

TEST(net_rx_mrg_buf_max)
{
	ASSERT_EQ(mrg_len_after(0, 0, 60000), 4096);	      /* Linux's page */
	ASSERT_EQ(mrg_len_after(32768, 0, 60000), 32768);     /* the wish */
	ASSERT_EQ(mrg_len_after(32768, 0, 9000), 9024);	      /* hdr 12 + 9000, to 64 */
	ASSERT_EQ(mrg_len_after(32768, 0, 1000), 1536);	      /* 12 + 1518, to 64 */
	ASSERT_EQ(mrg_len_after(1 << 20, 0, 65000), 65024);   /* 12 + 65000, to 64 */
	ASSERT_EQ(mrg_len_after(1 << 20, 0, 65530), 65536);   /* at most 64 KiB */
	ASSERT_EQ(mrg_len_after(100, 0, 60000), 4096);	      /* at least a page */
	ASSERT_EQ(mrg_len_after(32768, 16384, 60000), 16384); /* rx_buf_max lowers it */
	ASSERT_EQ(mrg_len_after(0, 2046, 60000), 4096);	      /* the kext: as before */
}

/* Mergeable on a 32768 ring with 32 KiB buffers: the 32 MiB budget holds
 * 1024 of them. */
TEST(net_rx_mrg_buf_max_budget)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_params p;
	struct fe f;

	m->q[0].max = 32768;
	fe_params_default(&p);
	p.mrg_buf_max = 32768;
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	ASSERT(model_log_has(m, "at most 1024 of 32768 entries posted"));
	fe_teardown(&f);
	fe_free(&f);
	EXPECT_CLEAN(m);
	model_free(m);
}

/* Every frag names the size the front-end posted (vio_net_rx_frag.size),
 * next to the bytes written: the Linux front-end's bare buffers keep no
 * header of their own, so their truesize and re-post length come from it. */
TEST(net_rx_frag_reports_posted_size)
{
	struct model *m = mk_net(M_MODERN, 0);
	struct vio_net_rx_frag frags[64];
	struct vio_net_hdr h = {0};
	struct vio_net_rx_pkt pkt;
	struct fe f;
	uint32_t posted;

	up(&f, m, NULL);
	posted = vio_net_rx_buf_len(&f.n.rxq[0]); /* what fe_start posted */
	uint8_t *fr = mk_frame(m, 3000, 5);
	ASSERT(mnet_rx_put(m, 0, &h, fr, 3000, -1) >= 2);
	ASSERT_EQ(vio_net_rx_get(&f.n.rxq[0], &pkt, frags, 64), 1);
	ASSERT(pkt.nfrags >= 2);
	for (int k = 0; k < pkt.nfrags; k++) {
		ASSERT_EQ(frags[k].size, posted);
		ASSERT(frags[k].len <= frags[k].size);
		fe_rx_returned(&f, frags[k].cookie);
	}
	model_buf_free(m, fr);
	fe_down(&f);
}

/* ---- RSS (§5.1.6.5.7) ---- */

static struct model *mk_rss(uint8_t key, uint16_t table, uint32_t hashes)
{
	struct model *m = model_new(M_MODERN);

	m->features |= F(VIO_NET_F_MQ) | F(VIO_NET_F_RSS);
	m->nq = 9;
	m->devcfg[VIO_NET_CFG_MAX_VQ_PAIRS] = 4;
	m->devcfg[VIO_NET_CFG_RSS_KEY_MAX] = key;
	m->devcfg[VIO_NET_CFG_RSS_TABLE] = (uint8_t)table;
	m->devcfg[VIO_NET_CFG_RSS_TABLE + 1] = (uint8_t)(table >> 8);
	for (int i = 0; i < 4; i++)
		m->devcfg[VIO_NET_CFG_RSS_HASHES + i] = (uint8_t)(hashes >> (8 * i));
	return m;
}

static uint16_t le16at(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* One RSS_CONFIG as sent: hash types, mask, table, max_tx_vq, key. */
static void rss_cmd_check(const struct mctrl_cmd *c, uint32_t hashes, uint16_t len, const uint16_t *table,
			  uint16_t max_tx, const uint8_t *key, uint8_t klen)
{
	ASSERT_EQ(c->cls, VIO_NET_CTRL_MQ);
	ASSERT_EQ(c->cmd, VIO_NET_CTRL_MQ_RSS_CONFIG);
	ASSERT_EQ(c->len, 4u + 2 + 2 + 2u * len + 2 + 1 + klen);
	ASSERT_EQ(le16at(c->data) | (uint32_t)le16at(c->data + 2) << 16, hashes);
	ASSERT_EQ(le16at(c->data + 4), len - 1);
	ASSERT_EQ(le16at(c->data + 6), 0);
	for (uint16_t i = 0; i < len; i++)
		ASSERT_EQ(le16at(c->data + 8 + 2 * i), table[i]);
	ASSERT_EQ(le16at(c->data + 8 + 2 * len), max_tx);
	ASSERT_EQ(c->data[10 + 2 * len], klen);
	ASSERT_MEM(c->data + 11 + 2 * len, key, klen);
}

/* Start sends RSS_CONFIG instead of VQ_PAIRS_SET: all supported hash
 * types, 128 buckets spread over the 2 enabled pairs, the front-end's
 * key; a table set through vio_net_set_rss survives a pair change that
 * keeps it valid and a reset, one that does not fit falls back to the
 * spread; bad entries are refused without a command. */
TEST(net_rss_config)
{
	struct model *m = mk_rss(40, 128, 0x1ff);
	struct vio_net_params p;
	uint16_t t[128], want[128];
	struct fe f;

	fe_params_default(&p);
	p.max_qp = 8;
	p.active_qp = 2;
	for (int i = 0; i < 40; i++)
		p.rss_key[i] = (uint8_t)(0xa0 + i);
	up(&f, m, &p);
	ASSERT(model_has(m, VIO_NET_F_RSS));
	ASSERT_EQ(f.n.rss.table_len, 128);
	ASSERT_EQ(f.n.rss.key_len, 40);
	ASSERT_EQ(f.n.curr_qp, 2);
	ASSERT_EQ(pairs_set_count(m, 0, 2), 0);
	for (int i = 0; i < 128; i++)
		want[i] = (uint16_t)(i % 2);
	rss_cmd_check(&m->ctrl_log[0], 0x1ff, 128, want, 2, p.rss_key, 40);

	for (int i = 0; i < 128; i++)
		t[i] = 1;
	int k = m->nctrl;
	ASSERT_EQ(vio_net_set_rss(&f.n, t, NULL), 0);
	rss_cmd_check(&m->ctrl_log[k], 0x1ff, 128, t, 2, p.rss_key, 40);
	t[5] = 2; /* pair 2 is not enabled */
	ASSERT_EQ(vio_net_set_rss(&f.n, t, NULL), VIO_EINVAL);
	ASSERT_EQ(m->nctrl, k + 1);
	t[5] = 0;
	m->ctrl_ack = VIO_NET_ERR; /* refused: the table stays the one acked */
	ASSERT_EQ(vio_net_set_rss(&f.n, t, NULL), VIO_EIO);
	ASSERT_EQ(f.n.rss.table[5], 1);
	m->ctrl_ack = VIO_NET_OK;
	k = m->nctrl - 1;
	t[5] = 1;
	ASSERT_EQ(vio_net_set_pairs(&f.n, 4), 0); /* the user's table stays */
	rss_cmd_check(&m->ctrl_log[k + 1], 0x1ff, 128, t, 4, p.rss_key, 40);
	k = m->nctrl;
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), 0);
	int found = 0;
	for (int i = k; i < m->nctrl; i++)
		if (m->ctrl_log[i].cls == VIO_NET_CTRL_MQ) {
			rss_cmd_check(&m->ctrl_log[i], 0x1ff, 128, t, 4, p.rss_key, 40);
			found++;
		}
	ASSERT_EQ(found, 1);
	ASSERT_EQ(vio_net_set_pairs(&f.n, 1), 0); /* entries of 1 do not fit one pair */
	for (int i = 0; i < 128; i++)
		want[i] = 0;
	rss_cmd_check(&m->ctrl_log[m->nctrl - 1], 0x1ff, 128, want, 1, p.rss_key, 40);
	ASSERT(!f.n.rss.user);
	fe_down(&f);
}

/* RSS limits the device reports: a table length that is no power of two
 * is rounded down (a 200-entry table is used as 128), a bigger key is
 * used as 40 bytes; zero key size, table length or hash types, or RSS
 * without MQ, and RSS is not negotiated (one pair still works). */
TEST(net_rss_limits)
{
	struct vio_net_params p;
	struct model *m;
	struct fe f;

	fe_params_default(&p);
	p.max_qp = 4;
	m = mk_rss(52, 200, 0x3f);
	up(&f, m, &p);
	ASSERT(model_has(m, VIO_NET_F_RSS));
	ASSERT_EQ(f.n.rss.table_len, 128);
	ASSERT_EQ(f.n.rss.key_len, 40);
	ASSERT_EQ(f.n.rss.hash_types, 0x3f);
	fe_down(&f);
	m = mk_rss(40, 100, 0x1ff);
	up(&f, m, &p);
	ASSERT_EQ(f.n.rss.table_len, 64);
	fe_down(&f);

	static const struct {
		uint8_t key;
		uint16_t table;
		uint32_t hashes;
	} bad[] = {{0, 128, 0x1ff}, {40, 0, 0x1ff}, {40, 128, 0}, {40, 128, 0x600}};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = mk_rss(bad[i].key, bad[i].table, bad[i].hashes);
		up(&f, m, &p);
		ASSERT(!model_has(m, VIO_NET_F_RSS));
		ASSERT(model_has(m, VIO_NET_F_MQ));
		ASSERT(model_log_has(m, "ignoring NET_F_RSS"));
		ASSERT_EQ(f.n.rss.table_len, 0);
		ASSERT_EQ(f.n.curr_qp, 4); /* VQ_PAIRS_SET instead */
		ASSERT_EQ(vio_net_set_rss(&f.n, NULL, NULL), VIO_ENOTSUP);
		fe_down(&f);
	}
	m = mk_rss(40, 128, 0x1ff);
	m->features &= ~F(VIO_NET_F_MQ);
	up(&f, m, &p);
	ASSERT(!model_has(m, VIO_NET_F_RSS));
	ASSERT_EQ(f.n.nqp, 1);
	fe_down(&f);
}

/* ---- HASH_REPORT (§5.1.6.4) and the RSS peer kick ---- */

static struct model *mk_hash(uint8_t key, uint32_t hashes)
{
	struct model *m = model_new(M_MODERN);

	m->features |= F(VIO_NET_F_HASH_REPORT);
	m->devcfg[VIO_NET_CFG_RSS_KEY_MAX] = key;
	for (int i = 0; i < 4; i++)
		m->devcfg[VIO_NET_CFG_RSS_HASHES + i] = (uint8_t)(hashes >> (8 * i));
	return m;
}

/* The last MQ command of type cmd in the log, or NULL. */
static const struct mctrl_cmd *last_mq(const struct model *m, uint8_t cmd)
{
	for (int i = m->nctrl - 1; i >= 0; i--)
		if (m->ctrl_log[i].cls == VIO_NET_CTRL_MQ && m->ctrl_log[i].cmd == cmd)
			return &m->ctrl_log[i];
	return NULL;
}

static int count_mq(const struct model *m, uint8_t cmd)
{
	int n = 0;

	for (int i = 0; i < m->nctrl; i++)
		n += m->ctrl_log[i].cls == VIO_NET_CTRL_MQ && m->ctrl_log[i].cmd == cmd;
	return n;
}

/* HASH_CONFIG as sent: le32 hash types, 8 reserved zero bytes, key. */
static void hash_cmd_check(const struct mctrl_cmd *c, uint32_t hashes, const uint8_t *key, uint8_t klen)
{
	static const uint8_t zero[8];

	ASSERT(c != NULL);
	ASSERT_EQ(c->len, 4u + 8 + 1 + klen);
	ASSERT_EQ(le16at(c->data) | (uint32_t)le16at(c->data + 2) << 16, hashes);
	ASSERT_MEM(c->data + 4, zero, 8);
	ASSERT_EQ(c->data[12], klen);
	ASSERT_MEM(c->data + 13, key, klen);
}

/* One 200-byte frame through rxq 0 with the model's hash fields; the
 * packet must arrive whole whatever the hash says. */
static void hash_rx(struct fe *f, uint16_t report, uint32_t value, struct vio_net_rx_pkt *pkt)
{
	struct vio_net_rx_frag fr[256];
	struct vio_net_hdr h = {0};
	uint8_t *frame = mk_frame(f->m, 200, 9), out[256];

	f->m->rx_hash_report = report;
	f->m->rx_hash_value = value;
	ASSERT_EQ(mnet_rx_put(f->m, 0, &h, frame, 200, -1), 1);
	ASSERT_EQ(rx_take(f, pkt, fr, out, sizeof(out)), 1);
	ASSERT_EQ(pkt->hdr_len, VIO_NET_HDR_LEN_HASH);
	ASSERT_EQ(pkt->len, 200);
	ASSERT_MEM(out, frame, 200);
	recycle(f, pkt, fr);
	model_buf_free(f->m, frame);
}

/* HASH_REPORT without RSS: 20-byte headers both ways (the polled path's
 * too), HASH_CONFIG with every supported type and the front-end's key at
 * start and after a reset; a reported hash of a type asked for reaches
 * the packet (L4 for TCP/UDP, L3 for IP), one of another type or an
 * unknown report is counted and dropped from the packet (not the packet). */
TEST(net_hash_report)
{
	struct model *m = mk_hash(40, 0x1ff);
	struct vio_net_rx_pkt pkt;
	struct vio_net_params p;
	struct mpkt pk;
	uint8_t *fr;
	struct fe f;

	fe_params_default(&p);
	for (int i = 0; i < 40; i++)
		p.rss_key[i] = (uint8_t)(0x31 * i);
	up(&f, m, &p);
	ASSERT(model_has(m, VIO_NET_F_HASH_REPORT));
	ASSERT_EQ(f.n.hdr_len, VIO_NET_HDR_LEN_HASH);
	ASSERT_EQ(f.n.rss.table_len, 0);
	ASSERT(f.n.rss.hash_on);
	ASSERT_EQ(count_mq(m, VIO_NET_CTRL_MQ_HASH_CONFIG), 1);
	hash_cmd_check(last_mq(m, VIO_NET_CTRL_MQ_HASH_CONFIG), 0x1ff, p.rss_key, 40);

	hash_rx(&f, VIO_NET_HASH_REPORT_TCPV4, 0xdeadbeef, &pkt);
	ASSERT_EQ(pkt.hash_report, VIO_NET_HASH_REPORT_TCPV4);
	ASSERT_EQ(pkt.hash, 0xdeadbeef);
	ASSERT(vio_net_hash_l4(pkt.hash_report));
	hash_rx(&f, VIO_NET_HASH_REPORT_IPV6, 7, &pkt);
	ASSERT_EQ(pkt.hash_report, VIO_NET_HASH_REPORT_IPV6);
	ASSERT(!vio_net_hash_l4(pkt.hash_report));
	hash_rx(&f, VIO_NET_HASH_REPORT_NONE, 0x1234, &pkt);
	ASSERT_EQ(pkt.hash_report, VIO_NET_HASH_REPORT_NONE);
	ASSERT_EQ(pkt.hash, 0);
	hash_rx(&f, 10, 0x1234, &pkt); /* beyond UDPv6_EX */
	ASSERT_EQ(pkt.hash_report, VIO_NET_HASH_REPORT_NONE);
	ASSERT_EQ(f.n.rxq[0].stats.hashed, 2);
	ASSERT_EQ(f.n.rxq[0].stats.err_hash, 1);
	ASSERT_EQ(f.n.rxq[0].stats.packets, 4);

	/* transmit: the hash fields go out zero */
	tx_one(&f, NULL, 120, (void *)0x5, &pk, &fr);
	ASSERT_EQ(pk.hdr_len, VIO_NET_HDR_LEN_HASH);
	ASSERT_EQ(pk.hhdr.hash_value, 0);
	ASSERT_EQ(pk.hhdr.hash_report, 0);
	model_vq_push(m, mnet_txq(m, 0), pk.head, 0);
	mpkt_free(&pk);
	model_buf_free(m, fr);
	void *ck[4];
	ASSERT_EQ(vio_net_tx_reclaim(&f.n.txq[0], ck, 4), 1);
	/* the polled path's frame sits behind the same 20 bytes */
	uint8_t frame[64];
	memset(frame, 0x5a, sizeof(frame));
	ASSERT_EQ(vio_net_poll_send(&f.n, frame, sizeof(frame), 0), VIO_ETIMEDOUT);
	ASSERT_EQ(mnet_tx_pop(m, mnet_txq(m, 0), &pk), 1);
	ASSERT_EQ(pk.hdr_len, VIO_NET_HDR_LEN_HASH);
	ASSERT_EQ(pk.frame_len, sizeof(frame));
	ASSERT_MEM(pk.frame, frame, sizeof(frame));
	mpkt_free(&pk);

	/* a reset forgets the hash types: asked for again */
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), 0);
	ASSERT_EQ(count_mq(m, VIO_NET_CTRL_MQ_HASH_CONFIG), 2);
	ASSERT(f.n.rss.hash_on);
	/* a new key: HASH_CONFIG again; a table is not ours to set */
	uint8_t key[40];
	memset(key, 0x77, sizeof(key));
	uint16_t table[1] = {0};
	ASSERT_EQ(vio_net_set_rss(&f.n, table, key), VIO_EINVAL);
	ASSERT_EQ(vio_net_set_rss(&f.n, NULL, key), 0);
	hash_cmd_check(last_mq(m, VIO_NET_CTRL_MQ_HASH_CONFIG), 0x1ff, key, 40);
	ASSERT_MEM(f.n.rss.key, key, 40);
	fe_down(&f);
}

/* Hash types the device supports limit what a report may say; a device
 * that refuses HASH_CONFIG gets no trust: its reports are ignored (not
 * counted as errors: it was never told what to hash), packets flow, and a
 * later acknowledged key change turns hashes on. */
TEST(net_hash_report_trust)
{
	struct vio_net_rx_pkt pkt;
	struct vio_net_params p;
	struct model *m;
	struct fe f;

	fe_params_default(&p);
	m = mk_hash(40, VIO_NET_RSS_HASH_IPV4 | VIO_NET_RSS_HASH_TCPV4);
	up(&f, m, &p);
	hash_cmd_check(last_mq(m, VIO_NET_CTRL_MQ_HASH_CONFIG), 0x3, p.rss_key, 40);
	hash_rx(&f, VIO_NET_HASH_REPORT_TCPV4, 1, &pkt);
	ASSERT_EQ(pkt.hash_report, VIO_NET_HASH_REPORT_TCPV4);
	hash_rx(&f, VIO_NET_HASH_REPORT_UDPV4, 2, &pkt); /* not asked for */
	ASSERT_EQ(pkt.hash_report, VIO_NET_HASH_REPORT_NONE);
	ASSERT_EQ(f.n.rxq[0].stats.err_hash, 1);
	fe_down(&f);

	m = mk_hash(40, 0x1ff);
	m->ctrl_ack = VIO_NET_ERR;
	up(&f, m, &p);
	ASSERT(model_log_has(m, "setting the hash types failed"));
	ASSERT(!f.n.rss.hash_on);
	hash_rx(&f, VIO_NET_HASH_REPORT_TCPV4, 3, &pkt);
	ASSERT_EQ(pkt.hash_report, VIO_NET_HASH_REPORT_NONE);
	ASSERT_EQ(f.n.rxq[0].stats.err_hash, 0);
	m->ctrl_ack = VIO_NET_OK;
	ASSERT_EQ(vio_net_set_rss(&f.n, NULL, p.rss_key), 0);
	ASSERT(f.n.rss.hash_on);
	hash_rx(&f, VIO_NET_HASH_REPORT_TCPV4, 3, &pkt);
	ASSERT_EQ(pkt.hash_report, VIO_NET_HASH_REPORT_TCPV4);
	ASSERT_EQ(pkt.hash, 3);
	fe_down(&f);
}

/* Limits that make hash reports unusable (no key, no hash type we know,
 * no control queue) leave HASH_REPORT out: 12-byte headers, no command. */
TEST(net_hash_report_limits)
{
	static const struct {
		uint8_t key;
		uint32_t hashes;
		bool ctrl;
	} bad[] = {{0, 0x1ff, true}, {40, 0, true}, {40, 0x600, true}, {40, 0x1ff, false}};
	struct vio_net_params p;

	fe_params_default(&p);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct model *m = mk_hash(bad[i].key, bad[i].hashes);
		struct fe f;

		if (!bad[i].ctrl)
			m->features &= ~F(VIO_NET_F_CTRL_VQ);
		up(&f, m, &p);
		ASSERT(!model_has(m, VIO_NET_F_HASH_REPORT));
		ASSERT_EQ(f.n.hdr_len, VIO_NET_HDR_LEN);
		if (bad[i].ctrl)
			ASSERT(model_log_has(m, "ignoring NET_F_HASH_REPORT"));
		ASSERT_EQ(count_mq(m, VIO_NET_CTRL_MQ_HASH_CONFIG), 0);
		ASSERT_EQ(vio_net_set_rss(&f.n, NULL, p.rss_key), VIO_ENOTSUP);
		fe_down(&f);
	}
}

/* With RSS too, RSS_CONFIG carries the hash types: no HASH_CONFIG. */
TEST(net_hash_report_rss)
{
	struct model *m = mk_rss(40, 128, 0x1ff);
	struct vio_net_rx_pkt pkt;
	struct vio_net_params p;
	struct fe f;

	m->features |= F(VIO_NET_F_HASH_REPORT);
	fe_params_default(&p);
	p.max_qp = 2;
	up(&f, m, &p);
	ASSERT(model_has(m, VIO_NET_F_HASH_REPORT) && model_has(m, VIO_NET_F_RSS));
	ASSERT_EQ(f.n.hdr_len, VIO_NET_HDR_LEN_HASH);
	ASSERT_EQ(count_mq(m, VIO_NET_CTRL_MQ_HASH_CONFIG), 0);
	ASSERT_EQ(count_mq(m, VIO_NET_CTRL_MQ_RSS_CONFIG), 1);
	ASSERT(f.n.rss.hash_on);
	hash_rx(&f, VIO_NET_HASH_REPORT_UDPV6_EX, 0xabc, &pkt);
	ASSERT_EQ(pkt.hash_report, VIO_NET_HASH_REPORT_UDPV6_EX);
	ASSERT(vio_net_hash_l4(pkt.hash_report));
	fe_down(&f);
}

/* QEMU's software RSS flushes a steered packet only when the queue it came
 * in on is kicked: when the device asks to hear about new buffers on one
 * RX queue, the other enabled ones are notified too - with RSS only, and
 * only when the kick itself was wanted. */
static void peer_kick_case(bool rss, bool wanted, uint64_t want_peer)
{
	struct model *m = rss ? mk_rss(40, 128, 0x1ff) : model_new(M_MODERN);
	struct vio_net_rx_pkt pkt;
	struct vio_net_rx_frag fr[256];
	struct vio_net_params p;
	struct vio_net_hdr h = {0};
	uint8_t out[256];
	struct fe f;

	if (!rss) {
		m->features |= F(VIO_NET_F_MQ);
		m->nq = 9;
		m->devcfg[VIO_NET_CFG_MAX_VQ_PAIRS] = 4;
	}
	m->features &= ~F(VIO_F_EVENT_IDX); /* flags decide: no_notify */
	fe_params_default(&p);
	p.max_qp = 3;
	up(&f, m, &p);
	ASSERT_EQ(f.n.curr_qp, 3);
	uint8_t *frame = mk_frame(m, 100, 2);
	ASSERT_EQ(mnet_rx_put(m, 0, &h, frame, 100, -1), 1);
	ASSERT_EQ(rx_take(&f, &pkt, fr, out, sizeof(out)), 1);
	recycle(&f, &pkt, fr);
	ASSERT(fe_fill_rx(&f, 0) > 0);
	model_vq_set_no_notify(m, mnet_rxq(m, 0), !wanted);
	uint64_t n1 = m->q[mnet_rxq(m, 1)].notifies, n2 = m->q[mnet_rxq(m, 2)].notifies;
	uint64_t n3 = m->q[mnet_rxq(m, 3)].notifies;
	ASSERT_EQ(vio_net_rx_kick(&f.n.rxq[0]), wanted);
	ASSERT_EQ(m->q[mnet_rxq(m, 1)].notifies, n1 + want_peer);
	ASSERT_EQ(m->q[mnet_rxq(m, 2)].notifies, n2 + want_peer);
	ASSERT_EQ(m->q[mnet_rxq(m, 3)].notifies, n3); /* pair 3 is not enabled */
	ASSERT_EQ(f.n.rxq[0].stats.kicks_peer, 2 * want_peer);
	model_buf_free(m, frame);
	fe_down(&f);
}
TEST(net_rss_peer_kick)
{
	peer_kick_case(true, true, 1);
	peer_kick_case(true, false, 0);
	peer_kick_case(false, true, 0);
}

/* ---- ring sizes and VIRTIO_F_RING_RESET (§2.6.1) ---- */

/* Take back every buffer of RX queue qp after a queue reset; how many. */
static int rx_drain_all(struct fe *f, int qp)
{
	void *c;
	int n = 0;

	while ((c = vio_net_rx_drain(&f->n.rxq[qp])) != NULL) {
		fe_rx_returned(f, c);
		n++;
	}
	return n;
}

/* One packet in and out after a resize: the ring works at its new size. */
static void ring_works(struct fe *f, uint16_t rx, uint16_t tx)
{
	struct model *m = f->m;
	struct vio_net_rx_frag fr[256];
	struct vio_net_rx_pkt pkt;
	struct vio_net_hdr h = {0};
	uint8_t *frame = mk_frame(m, 300, 5), *sent, out[512];
	struct mpkt pk;

	ASSERT_EQ(vio_vq_size(&f->n.rxq[0].vq), rx);
	ASSERT_EQ(vio_vq_size(&f->n.txq[0].vq), tx);
	ASSERT_EQ(m->q[mnet_rxq(m, 0)].size, rx);
	ASSERT(m->q[mnet_rxq(m, 0)].enabled && m->q[mnet_txq(m, 0)].enabled);
	ASSERT(f->n.rxq[0].posted > 0 && f->n.rxq[0].posted <= rx);
	ASSERT(mnet_rx_put(m, 0, &h, frame, 300, -1) > 0);
	ASSERT_EQ(rx_take(f, &pkt, fr, out, sizeof(out)), 1);
	ASSERT_MEM(out, frame, 300);
	recycle(f, &pkt, fr);
	tx_one(f, NULL, 200, (void *)0x77, &pk, &sent);
	model_vq_push(m, mnet_txq(m, 0), pk.head, 0);
	void *ck[2];
	ASSERT_EQ(vio_net_tx_reclaim(&f->n.txq[0], ck, 2), 1);
	ASSERT(ck[0] == (void *)0x77);
	mpkt_free(&pk);
	model_buf_free(m, sent);
	model_buf_free(m, frame);
}

/* ethtool -G with RING_RESET: each queue reset alone (no device reset),
 * every buffer handed back once (the TX packet in flight too), the queue
 * enabled again at the new size while the device runs; the sizes hold
 * across a later device reset; bad sizes are refused. */
static void ring_reset_case(bool packed)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_params p;
	struct fe f;

	m->features |= VIO_BIT(VIO_F_RING_RESET) | (packed ? VIO_BIT(VIO_F_RING_PACKED) : 0);
	fe_params_default(&p);
	up(&f, m, &p);
	ASSERT(model_has(m, VIO_F_RING_RESET));
	ASSERT_EQ(model_has(m, VIO_F_RING_PACKED), packed);
	ASSERT_EQ(f.n.rxq[0].vq.cap, 256);
	ASSERT_EQ(vio_net_set_ring_sizes(&f.n, 100, 0), VIO_EINVAL); /* no power of two */
	ASSERT_EQ(vio_net_set_ring_sizes(&f.n, 512, 0), VIO_EINVAL); /* beyond what was created */
	ASSERT_EQ(vio_net_set_ring_sizes(&f.n, 0, 1), VIO_EINVAL);
	ASSERT_EQ(vio_net_set_ring_sizes(&f.n, 64, 128), 0);

	/* a TX packet in flight when the queue resets comes back by drain */
	uint8_t *fr = mk_frame(m, 100, 1);
	struct vio_net_sg sg = {(uintptr_t)fr, 100};
	ASSERT_EQ(vio_net_tx(&f.n.txq[0], NULL, &sg, 1, (void *)0x55), 0);
	vio_net_tx_flush(&f.n.txq[0]);
	uint16_t posted = f.n.rxq[0].posted;
	uint32_t resets = m->resets;

	ASSERT_EQ(vio_net_rxq_reset(&f.n.rxq[0]), 0);
	ASSERT_EQ(m->q[mnet_rxq(m, 0)].queue_resets, 1);
	ASSERT(!m->q[mnet_rxq(m, 0)].enabled);
	ASSERT_EQ(vio_net_rxq_restart(&f.n.rxq[0]), VIO_EINVAL); /* not drained yet */
	ASSERT_EQ(rx_drain_all(&f, 0), posted);
	ASSERT_EQ(vio_net_rxq_restart(&f.n.rxq[0]), 0);
	ASSERT(fe_fill_rx(&f, 0) > 0);
	vio_net_rx_kick(&f.n.rxq[0]);
	ASSERT_EQ(vio_net_txq_reset(&f.n.txq[0]), 0);
	ASSERT(vio_net_tx_drain(&f.n.txq[0]) == (void *)0x55);
	ASSERT(vio_net_tx_drain(&f.n.txq[0]) == NULL);
	ASSERT_EQ(vio_net_txq_restart(&f.n.txq[0]), 0);
	ASSERT_EQ(m->resets, resets); /* no device reset */
	ring_works(&f, 64, 128);

	/* the sizes hold through the recovery path */
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), 0);
	ring_works(&f, 64, 128);
	/* and back to the full size */
	ASSERT_EQ(vio_net_set_ring_sizes(&f.n, 256, 256), 0);
	ASSERT_EQ(vio_net_rxq_reset(&f.n.rxq[0]), 0);
	rx_drain_all(&f, 0);
	ASSERT_EQ(vio_net_rxq_restart(&f.n.rxq[0]), 0);
	ASSERT(fe_fill_rx(&f, 0) > 64);
	vio_net_rx_kick(&f.n.rxq[0]);
	ASSERT_EQ(vio_net_txq_reset(&f.n.txq[0]), 0);
	ASSERT(vio_net_tx_drain(&f.n.txq[0]) == NULL);
	ASSERT_EQ(vio_net_txq_restart(&f.n.txq[0]), 0);
	ring_works(&f, 256, 256);
	model_buf_free(m, fr);
	fe_down(&f);
}
TEST(net_ring_reset)
{
	ring_reset_case(false);
	ring_reset_case(true);
}

/* Without RING_RESET the per-queue path says so (the front-end takes the
 * recovery path, which applies the sizes); a queue reset the device never
 * confirms latches the queue broken and asks for the device reset, which
 * brings it back at the new size. */
TEST(net_ring_reset_fallback)
{
	struct model *m = model_new(M_MODERN);
	enum vio_net_reset_cause why;
	struct vio_net_params p;
	struct fe f;

	fe_params_default(&p);
	up(&f, m, &p);
	ASSERT(!model_has(m, VIO_F_RING_RESET));
	ASSERT_EQ(vio_net_set_ring_sizes(&f.n, 128, 64), 0);
	ASSERT_EQ(vio_net_rxq_reset(&f.n.rxq[0]), VIO_ENOTSUP);
	ASSERT_EQ(vio_net_txq_reset(&f.n.txq[0]), VIO_ENOTSUP);
	ASSERT(!vio_net_reset_wanted(&f.n, &why));
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), 0);
	ring_works(&f, 128, 64);
	fe_down(&f);

	m = model_new(M_MODERN);
	m->features |= VIO_BIT(VIO_F_RING_RESET);
	up(&f, m, &p);
	m->q[mnet_rxq(m, 0)].reset_stuck = true;
	ASSERT_EQ(vio_net_set_ring_sizes(&f.n, 32, 0), 0);
	ASSERT_EQ(vio_net_rxq_reset(&f.n.rxq[0]), VIO_ETIMEDOUT);
	ASSERT(model_log_has(m, "reset did not complete"));
	ASSERT(vio_net_reset_wanted(&f.n, &why));
	ASSERT_EQ(why, VIO_NET_RESET_BROKEN);
	ASSERT_EQ(vio_net_rxq_reset(&f.n.rxq[0]), VIO_EBROKEN);
	m->q[mnet_rxq(m, 0)].reset_stuck = false;
	ASSERT_EQ(fe_recover(&f, why, NULL), 0);
	ring_works(&f, 32, 256);
	fe_down(&f);

	/* legacy: no resizing at all */
	m = model_new(M_LEGACY);
	up(&f, m, &p);
	ASSERT_EQ(vio_net_set_ring_sizes(&f.n, 128, 0), VIO_ENOTSUP);
	fe_down(&f);
}

/* Sizes a queue could not work at are refused up front: a TX ring whose
 * packet of max_sg segments could no longer go indirect (the tables shrink
 * with the ring) and would not fit direct, a big-mode RX ring too small for
 * its 21-segment chains. Resizes through the recovery path (a device
 * without RING_RESET) never count toward giving the device up. */
TEST(net_ring_sizes_limits)
{
	struct model *m = model_new(M_MODERN);
	struct vio_net_params p;
	struct fe f;

	fe_params_default(&p); /* tx_max_sg 16: 17 descriptors direct */
	up(&f, m, &p);
	ASSERT_EQ(vio_net_set_ring_sizes(&f.n, 0, 16), VIO_EINVAL);
	ASSERT_EQ(vio_net_set_ring_sizes(&f.n, 2, 32), 0);
	for (int i = 0; i < 6; i++) /* ethtool -G, again and again, at once */
		ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_RESIZE, NULL), 0);
	ASSERT(!f.n.reset_given_up);
	ASSERT_EQ(f.n.resets[VIO_NET_RESET_RESIZE], 6);
	ring_works(&f, 2, 32);
	fe_down(&f);

	m = model_new(M_MODERN);
	m->features &= ~VIO_BIT(VIO_NET_F_MRG_RXBUF); /* guest TSO: big mode */
	up(&f, m, &p);
	ASSERT_EQ(f.n.rx_mode, VIO_NET_RX_BIG);
	ASSERT_EQ(vio_net_set_ring_sizes(&f.n, 16, 0), VIO_EINVAL);
	ASSERT_EQ(vio_net_set_ring_sizes(&f.n, 32, 0), 0);
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_RESIZE, NULL), 0);
	ASSERT_EQ(vio_vq_size(&f.n.rxq[0].vq), 32);
	ASSERT(vio_net_rx_room(&f.n.rxq[0]) > 0 || f.n.rxq[0].posted > 0);
	fe_down(&f);
}
