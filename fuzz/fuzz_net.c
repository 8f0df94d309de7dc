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
 * end of each input, the reset path between inputs allocates nothing, and
 * every allocation is returned when a device is destroyed. Devices persist
 * across inputs (one per configuration) and are brought back by the core's
 * reset path after each one, which fuzzes recovery on every input.
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
	uint16_t lo = u8(z); /* sequenced: operand order is unspecified */

	return (uint16_t)(lo | u8(z) << 8);
}

static uint32_t u32(struct fz *z)
{
	uint32_t lo = u16(z);

	return lo | (uint32_t)u16(z) << 16;
}

static void fz_repost_all(struct fz *z)
{
	fe_rx_repost_all(&z->f, 0);
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
		if (r == 0 || r == VIO_EINVAL)
			break;
		if (pkt.nfrags > 1024)
			abort();
		/* a packet, a dropped one, or a break: every buffer named is
		 * the front-end's again (vio_net.h rx_get) */
		for (int k = 0; k < pkt.nfrags; k++)
			fe_rx_returned(&z->f, fr[k].cookie);
		if (r != 1 && r != VIO_EIO)
			break;
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
	/* one read per statement: the order an initializer list or an
	 * argument list is evaluated in is unspecified (gcc and clang differ),
	 * and an input must mean the same to every build */
	unsigned slot = u8(z) % FZ_TX_MAX;
	uint32_t len = 14 + u16(z) % 9000;
	struct vio_net_tx_meta m;
	struct vio_net_sg sg[3];
	uint16_t nsg;

	memset(&m, 0, sizeof(m));
	m.flags = u8(z) & 3;
	m.gso_type = u8(z);
	m.hdr_len = u16(z);
	m.gso_size = u16(z);
	m.csum_start = u16(z);
	m.csum_offset = u16(z);
	nsg = 1 + u8(z) % 3;

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
	struct vio_net_hdr h;
	uint32_t len;
	int nbuf;

	memset(&h, 0, sizeof(h));
	h.flags = u8(z);
	h.gso_type = u8(z);
	h.hdr_len = u16(z);
	h.gso_size = u16(z);
	h.csum_start = u16(z);
	h.csum_offset = u16(z);
	len = u32(z) % 66000;
	nbuf = (u8(z) & 1) ? (int)u16(z) : -1;

	if (!filled) { /* the contents do not matter, only the lengths */
		memset(frame, 0x5a, sizeof(frame));
		filled = true;
	}
	mnet_rx_put(z->m, mnet_rxq(z->m, 0), &h, frame, len, nbuf);
}

static void fz_step(struct fz *z, uint8_t op)
{
	uint8_t buf[1600];
	uint32_t got, a, b;
	int q;

	switch (op % 12) {
	case 0:
		fz_rx_put(z);
		break;
	case 1:
		a = u16(z);
		b = u32(z);
		model_vq_push_raw(z->m, mnet_rxq(z->m, 0), a, b);
		break;
	case 2:
		a = u16(z);
		b = u32(z);
		model_vq_push_raw(z->m, mnet_txq(z->m, 0), a, b);
		break;
	case 3:
		q = (u8(z) & 1) ? mnet_txq(z->m, 0) : mnet_rxq(z->m, 0);
		model_vq_set_used_idx(z->m, q, u16(z));
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

/* Every TX cookie and RX buffer back, exactly once, after a reset. */
static void fz_drain(struct fz *z)
{
	void *c;

	vio_net_stop(&z->f.n);
	fz_tx_reclaim(z); /* stash only: the device is reset */
	while ((c = vio_net_tx_drain(&z->f.n.txq[0])) != NULL)
		fz_tx_returned(z, c);
	for (int k = 0; k < FZ_TX_MAX; k++)
		if (z->txlive[k])
			abort(); /* a TX cookie never came back */
	while ((c = vio_net_rx_drain(&z->f.n.rxq[0])) != NULL)
		fe_rx_returned(&z->f, c);
	for (int k = 0; k < z->f.nrxb; k++)
		if (z->f.rxb[k]->posted)
			abort(); /* an RX buffer never came back */
}

static void fz_destroy(struct fz *z)
{
	for (int k = 0; k < FZ_TX_MAX; k++) {
		if (z->txbuf[k])
			model_buf_free(z->m, z->txbuf[k]);
		z->txbuf[k] = NULL;
	}
	vio_net_destroy(&z->f.n);
	z->f.attached = false;
	if (z->f.n.dev.allocs || z->m->live_dma || z->m->live_zalloc)
		abort(); /* an allocation outlived detach */
	fe_free(&z->f);
	model_free(z->m);
	z->m = NULL;
}

/* End of one input: the core's own reset path (the recovery every trigger
 * uses) brings the device back for the next input with nothing allocated
 * or freed; a device that does not come back is destroyed and checked. */
static void fz_settle(struct fz *z)
{
	uint32_t allocs = z->f.n.dev.allocs;
	int err;

	fz_drain(z);
	err = vio_net_reinit(&z->f.n);
	if (!err) {
		fe_rx_repost_all(&z->f, 0);
		err = vio_net_start(&z->f.n);
	}
	if (z->f.n.dev.allocs != allocs)
		abort(); /* recovery must not allocate or leak */
	if (err || z->f.n.rxq[0].posted == 0) {
		fz_drain(z);
		fz_destroy(z);
	}
}

/* Persistent devices, one per configuration the first input byte picks
 * (kind x withheld features x ring size x split/packed): attach and RX
 * fill cost more than a whole input's steps, so each device is set up
 * once and brought back by the reset path after every input (fz_settle).
 * Legacy cannot carry RING_PACKED (bit 34): those configs stay split. */
#define FZ_CONFIGS (3 * 6 * 2 * 2)
static struct fz fz_devs[FZ_CONFIGS];

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
	struct fz *z;
	uint8_t sel;
	unsigned cfg;

	if (!size)
		return 0;
	sel = data[0];
	cfg = sel % FZ_CONFIGS;
	z = &fz_devs[cfg];
	if (!z->m) {
		memset(z, 0, sizeof(*z));
		z->m = model_new(kinds[cfg % 3]);
		z->m->features &= ~drops[(cfg / 3) % 6];
		if (cfg / 36)
			z->m->features |= VIO_BIT(VIO_F_RING_PACKED);
		/* small rings (32 or 64 entries; big mode without indirect
		 * needs 21): depth comes from many steps, not buffers */
		for (int q = 0; q < M_MAXQ; q++)
			z->m->q[q].max = (uint16_t)(32u << (cfg / 18 % 2));
		z->m->quiet_violations = true; /* hostile steps confuse the model, not the driver */
		model_finalize(z->m);
		if (fe_attach(&z->f, z->m, NULL) != 0 || fe_start(&z->f) != 0) {
			fe_teardown(&z->f);
			fe_free(&z->f);
			model_free(z->m);
			z->m = NULL;
			return 0;
		}
	}
	z->d = data, z->n = size, z->i = 1;
	for (int steps = 0; z->i < z->n && steps < 256; steps++)
		fz_step(z, u8(z));
	fz_settle(z);
	return 0;
}
