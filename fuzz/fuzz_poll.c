/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_poll.c - the polled path (kernel debugger, netconsole) interleaved
 * with the normal path on queue pair 0: normal TX posts and reclaims,
 * polled sends and receives, and a device that completes TX chains and
 * delivers RX packets in any order - including while the polled path is
 * busy-waiting (model udelay hook), which is when its stash and reserve
 * matter. Invariants: every normal TX cookie exactly once (from reclaim or
 * the final drain), never the polled frame; every RX buffer exactly once;
 * a polled receive returns only frames that fit; allocations back.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define FP_TX 32

struct fp {
	struct model *m;
	struct fe f;
	uint8_t *buf[FP_TX];
	uint8_t live[FP_TX];
	const uint8_t *d;
	size_t n, i;
};

static uint8_t fp_u8(struct fp *z)
{
	return z->i < z->n ? z->d[z->i++] : 0;
}

static void fp_back(struct fp *z, void *c)
{
	uint8_t *p = c;

	if (p < z->live || p >= z->live + FP_TX || !*p)
		abort(); /* the polled frame, an unknown cookie, or twice */
	*p = 0;
}

/* the device, during the polled path's waits: complete some TX, deliver
 * a packet now and then */
static void fp_on_udelay(struct model *m, int q, void *arg)
{
	struct fp *z = arg;
	struct mpkt pk;
	uint8_t b = fp_u8(z);

	(void)q;
	if (b & 1) {
		if (mnet_tx_pop(m, mnet_txq(m, 0), &pk) == 1) {
			model_vq_push(m, mnet_txq(m, 0), pk.head, 0);
			mpkt_free(&pk);
		}
	}
	if ((b & 6) == 6) {
		static uint8_t frame[1600];
		struct vio_net_hdr h = {0};
		mnet_rx_put(m, mnet_rxq(m, 0), &h, frame, 60 + (uint32_t)fp_u8(z) * 6, -1);
	}
}

static void fp_reclaim(struct fp *z)
{
	void *c[8];
	int r;

	while ((r = vio_net_tx_reclaim(&z->f.n.txq[0], c, 8)) > 0)
		for (int k = 0; k < r; k++)
			fp_back(z, c[k]);
}

static void fp_rx(struct fp *z)
{
	struct vio_net_rx_frag fr[64];
	struct vio_net_rx_pkt pkt;
	int r;

	while ((r = vio_net_rx_get(&z->f.n.rxq[0], &pkt, fr, 64)) != 0 && r != VIO_EINVAL) {
		for (int k = 0; k < pkt.nfrags; k++)
			fe_rx_returned(&z->f, fr[k].cookie);
		fe_rx_repost_all(&z->f, 0);
		vio_net_rx_kick(&z->f.n.rxq[0]);
		if (r != 1 && r != VIO_EIO)
			break;
	}
}

/* Back to a clean device for the next input through the core's reset
 * path: every normal TX cookie and RX buffer back first (the invariants),
 * nothing allocated or freed. A device that does not come back is
 * destroyed and its allocations checked. */
static void fp_settle(struct fp *z)
{
	uint32_t allocs = z->f.n.dev.allocs;
	void *c;
	int err;

	vio_net_stop(&z->f.n);
	fp_reclaim(z);
	while ((c = vio_net_tx_drain(&z->f.n.txq[0])) != NULL)
		fp_back(z, c);
	for (int k = 0; k < FP_TX; k++)
		if (z->live[k])
			abort(); /* a normal TX cookie never came back */
	while ((c = vio_net_rx_drain(&z->f.n.rxq[0])) != NULL)
		fe_rx_returned(&z->f, c);
	for (int k = 0; k < z->f.nrxb; k++)
		if (z->f.rxb[k]->posted)
			abort(); /* an RX buffer never came back */
	err = vio_net_reinit(&z->f.n);
	if (!err)
		fe_rx_repost_all(&z->f, 0);
	if (!err)
		err = vio_net_start(&z->f.n);
	if (z->f.n.dev.allocs != allocs)
		abort();
	if (!err)
		return;
	vio_net_stop(&z->f.n);
	while ((c = vio_net_rx_drain(&z->f.n.rxq[0])) != NULL)
		fe_rx_returned(&z->f, c);
	for (int k = 0; k < FP_TX; k++)
		if (z->buf[k])
			model_buf_free(z->m, z->buf[k]);
	z->m->on_udelay = NULL;
	fe_teardown(&z->f); /* every allocation returned */
	fe_free(&z->f);
	model_free(z->m);
	memset(z, 0, sizeof(*z));
}

/* One persistent device per transport (modern, legacy) and layout (split,
 * packed; legacy stays split). */
static struct fp fp_devs[4];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t pbuf[1600];
	uint32_t got;
	struct fp *zp;

	if (!size)
		return 0;
	zp = &fp_devs[data[0] & 3];
	if (!zp->m) {
		zp->m = model_new(data[0] & 1 ? M_LEGACY : M_MODERN);
		if (data[0] & 2)
			zp->m->features |= VIO_BIT(VIO_F_RING_PACKED);
		for (int q = 0; q < M_MAXQ; q++)
			zp->m->q[q].max = 32;
		zp->m->quiet_violations = true;
		zp->m->on_udelay = fp_on_udelay;
		zp->m->hook_arg = zp;
		if (fe_attach(&zp->f, zp->m, NULL) != 0 || fe_start(&zp->f) != 0)
			abort();
	}
	struct fp z_unused;
	(void)z_unused;
#define z (*zp)
	z.d = data, z.n = size, z.i = 1;
	for (int steps = 0; z.i < z.n && steps < 256; steps++) {
		uint8_t op = fp_u8(&z);
		unsigned s = fp_u8(&z) % FP_TX;
		int rc;

		switch (op % 6) {
		case 0: /* normal TX */
			if (z.live[s])
				break;
			if (!z.buf[s])
				z.buf[s] = mk_frame(z.m, 200, s);
			{
				struct vio_net_sg sg = {(uintptr_t)z.buf[s], 60 + s};
				if (vio_net_tx(&z.f.n.txq[0], NULL, &sg, 1, &z.live[s]) == VIO_OK)
					z.live[s] = 1;
				vio_net_tx_flush(&z.f.n.txq[0]);
			}
			break;
		case 1:
			fp_reclaim(&z);
			break;
		case 2:
			rc = vio_net_poll_send(&z.f.n, pbuf, 60 + s * 40, 5 * (op >> 3));
			/* the codes a caller must tell apart (posted or not) */
			if (rc != VIO_OK && rc != VIO_ETIMEDOUT && rc != VIO_ENOSPC && rc != VIO_EBROKEN &&
			    rc != VIO_EINVAL)
				abort();
			break;
		case 3:
			got = 0;
			if (vio_net_poll_recv(&z.f.n, pbuf, sizeof(pbuf), &got, 5 * (op >> 3)) == 1 &&
			    got > sizeof(pbuf))
				abort();
			break;
		case 4:
			fp_on_udelay(z.m, -1, &z);
			break;
		default:
			fp_rx(&z);
			break;
		}
	}
	z.n = 0; /* the device's hook reads nothing more */
#undef z
	fp_settle(zp);
	return 0;
}
