/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_net.c - a hostile device drives the net engine.
 *
 * The input picks a transport (modern / transitional-as-legacy / legacy) and
 * features to withhold, then a sequence of device and front-end actions:
 * well-formed RX packets with arbitrary header fields, raw used-ring entries
 * with arbitrary id/len on RX and TX, used idx jumps, link flaps, TX of
 * packets with arbitrary offload requests, reclaim, and the polled path.
 * Invariants (abort on violation, plus ASan/UBSan): every RX buffer comes
 * back exactly once, every TX cookie at most once and all of them by the
 * end, every allocation is returned after detach.
 *
 * Built two ways: with libFuzzer (make fuzz) and as a standalone driver that
 * runs a fixed number of pseudo-random inputs (make -C fuzz smoke, part of
 * make check).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define FZ_TX_MAX 64

struct fz {
	const uint8_t *d;
	size_t n, i;
	struct model *m;
	struct fe f;
	uint8_t *txbuf[FZ_TX_MAX];
	uint8_t txlive[FZ_TX_MAX]; /* cookie posted, not yet returned */
	bool broken;
};

static uint8_t u8(struct fz *z)
{
	return z->i < z->n ? z->d[z->i++] : 0;
}

static uint16_t u16(struct fz *z)
{
	return (uint16_t)(u8(z) | u8(z) << 8);
}

static uint32_t u32(struct fz *z)
{
	return (uint32_t)u16(z) | (uint32_t)u16(z) << 16;
}

static void fz_repost_all(struct fz *z)
{
	for (int i = 0; i < z->f.nrxb; i++)
		if (z->f.rxb[i]->posted == 0 && fe_rx_repost(&z->f, 0, z->f.rxb[i]) != 0)
			break;
	vio_net_rx_kick(&z->f.n.rxq[0]);
}

static void fz_rx_take(struct fz *z)
{
	static struct vio_net_rx_frag fr[1024];
	struct vio_net_rx_pkt pkt;
	int r, guard = 0;

	while (guard++ < 512) {
		memset(&pkt, 0, sizeof(pkt));
		r = vio_net_rx_get(&z->f.n.rxq[0], &pkt, fr, 1024);
		if (r != 1 && r != VIO_EIO)
			break;
		if (pkt.nfrags > 1024)
			abort();
		for (int k = 0; k < pkt.nfrags; k++)
			fe_rx_returned(&z->f, fr[k].cookie);
		if (r == 1 && pkt.len + pkt.hdr_len > 70000)
			abort();
	}
	fz_repost_all(z);
}

static void fz_tx_returned(struct fz *z, void *cookie)
{
	uint8_t *c = cookie;
	if (c < z->txlive || c >= z->txlive + FZ_TX_MAX || !*c)
		abort(); /* unknown cookie or returned twice */
	*c = 0;
}

static void fz_tx_reclaim(struct fz *z)
{
	void *c[16];
	int r;
	while ((r = vio_net_tx_reclaim(&z->f.n.txq[0], c, 16)) > 0)
		for (int k = 0; k < r; k++)
			fz_tx_returned(z, c[k]);
}

static void fz_tx(struct fz *z)
{
	unsigned slot = u8(z) % FZ_TX_MAX;
	uint32_t len = 14 + u16(z) % 9000;
	struct vio_net_tx_meta m = {.flags = u8(z) & 3,
				    .gso_type = u8(z),
				    .hdr_len = u16(z),
				    .gso_size = u16(z),
				    .csum_start = u16(z),
				    .csum_offset = u16(z)};
	struct vio_net_sg sg[3];
	uint16_t nsg = 1 + u8(z) % 3;

	if (z->txlive[slot])
		return;
	if (z->txbuf[slot])
		model_buf_free(z->m, z->txbuf[slot]);
	z->txbuf[slot] = mk_frame(z->m, len, slot);
	for (uint16_t k = 0; k < nsg; k++) {
		uint32_t part = len / nsg, off = part * k;
		sg[k].daddr = (uint64_t)(uintptr_t)(z->txbuf[slot] + off);
		sg[k].len = k + 1 == nsg ? len - off : part;
	}
	if (vio_net_tx(&z->f.n.txq[0], &m, sg, nsg, &z->txlive[slot]) == VIO_OK)
		z->txlive[slot] = 1;
	vio_net_tx_flush(&z->f.n.txq[0]);
}

static void fz_rx_put(struct fz *z)
{
	static uint8_t frame[70000];
	static bool filled;
	struct vio_net_hdr h = {.flags = u8(z),
				.gso_type = u8(z),
				.hdr_len = u16(z),
				.gso_size = u16(z),
				.csum_start = u16(z),
				.csum_offset = u16(z)};
	uint32_t len = u32(z) % 66000;
	int nbuf = (u8(z) & 1) ? (int)u16(z) : -1;

	if (!filled) { /* the contents do not matter, only the lengths */
		memset(frame, 0x5a, sizeof(frame));
		filled = true;
	}
	mnet_rx_put(z->m, mnet_rxq(z->m, 0), &h, frame, len, nbuf);
}

static void fz_step(struct fz *z, uint8_t op)
{
	uint8_t buf[1600];
	uint32_t got;

	switch (op % 12) {
	case 0:
		fz_rx_put(z);
		break;
	case 1:
		model_vq_push_raw(z->m, mnet_rxq(z->m, 0), u16(z), u32(z));
		break;
	case 2:
		model_vq_push_raw(z->m, mnet_txq(z->m, 0), u16(z), u32(z));
		break;
	case 3:
		model_vq_set_used_idx(z->m, (u8(z) & 1) ? mnet_txq(z->m, 0) : mnet_rxq(z->m, 0), u16(z));
		break;
	case 4:
		fz_tx(z);
		break;
	case 5:
		model_vq_complete_all(z->m, mnet_txq(z->m, 0));
		break;
	case 6:
		fz_rx_take(z);
		break;
	case 7:
		fz_tx_reclaim(z);
		break;
	case 8:
		model_set_link(z->m, u8(z) & 1, true);
		vio_net_config_changed(&z->f.n);
		break;
	case 9:
		vio_net_poll_send(&z->f.n, buf, 14 + u16(z) % 1600, 10);
		break;
	case 10:
		vio_net_poll_recv(&z->f.n, buf, sizeof(buf), &got, 10);
		break;
	case 11:
		model_vq_complete_all(z->m, mnet_rxq(z->m, 0));
		break;
	}
}

static void fz_finish(struct fz *z)
{
	void *c;

	vio_net_stop(&z->f.n);
	fz_tx_reclaim(z); /* stash only: the device is reset */
	while ((c = vio_net_tx_drain(&z->f.n.txq[0])) != NULL)
		fz_tx_returned(z, c);
	for (int k = 0; k < FZ_TX_MAX; k++) {
		if (z->txlive[k])
			abort(); /* a TX cookie never came back */
		if (z->txbuf[k])
			model_buf_free(z->m, z->txbuf[k]);
	}
	fe_teardown(&z->f); /* RX buffers all back, allocations zero */
	fe_free(&z->f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum model_kind kinds[] = {M_MODERN, M_TRANSITIONAL, M_LEGACY};
	static const uint64_t drops[] = {0,
					 VIO_BIT(VIO_NET_F_MRG_RXBUF),
					 VIO_BIT(VIO_F_EVENT_IDX),
					 VIO_BIT(VIO_F_INDIRECT_DESC),
					 VIO_BIT(VIO_NET_F_MRG_RXBUF) | VIO_BIT(VIO_NET_F_GUEST_TSO4) |
					     VIO_BIT(VIO_NET_F_GUEST_TSO6),
					 VIO_BIT(VIO_NET_F_GUEST_CSUM) | VIO_BIT(VIO_NET_F_CSUM)};
	struct fz z;
	uint8_t sel;

	memset(&z, 0, sizeof(z));
	z.d = data, z.n = size;
	sel = u8(&z);
	z.m = model_new(kinds[sel % 3]);
	z.m->features &= ~drops[(sel / 3) % 6];
	/* small rings (32 or 64 entries; big mode without indirect needs 21): depth comes from many steps,
	 * not from setting up thousands of buffers per input */
	for (int q = 0; q < M_MAXQ; q++)
		z.m->q[q].max = (uint16_t)(32u << (u8(&z) % 2));
	z.m->quiet_violations = true; /* hostile steps confuse the model, not the driver */
	model_finalize(z.m);
	if (fe_attach(&z.f, z.m, NULL) != 0 || fe_start(&z.f) != 0) {
		fe_teardown(&z.f);
		fe_free(&z.f);
		model_free(z.m);
		return 0;
	}
	for (int steps = 0; z.i < z.n && steps < 256; steps++)
		fz_step(&z, u8(&z));
	fz_finish(&z);
	model_free(z.m);
	return 0;
}
