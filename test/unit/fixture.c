/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

int dev_up(struct model *m, struct vio_dev *d, bool prefer_legacy, bool iommu)
{
	struct vio_dev_params p = {.dma_is_iommu = iommu, .prefer_legacy = prefer_legacy};
	memset(d, 0, sizeof(*d));
	return vio_dev_init(d, &m->os, &p);
}

void fe_params_default(struct vio_net_params *p)
{
	memset(p, 0, sizeof(*p));
	p->features = VIO_NET_ENGINE_FEATURES;
	p->tx_max_sg = 16;
	p->max_qp = 1;
	p->irq_mode = VIO_IRQ_INTX;
	static const uint8_t r[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
	memcpy(p->random_mac, r, 6);
}

int fe_attach(struct fe *f, struct model *m, const struct vio_net_params *p)
{
	memset(f, 0, sizeof(*f));
	f->m = m;
	if (p)
		f->p = *p;
	else
		fe_params_default(&f->p);
	int rc = vio_net_attach(&f->n, &m->os, &f->p);
	f->attached = rc == 0;
	return rc;
}

/* cookie -> buffer index: an open-addressing table, so a returned cookie
 * is found in O(1) (the fuzz targets return thousands per input) */
static uint32_t cookie_hash(const void *c, uint32_t cap)
{
	uint64_t v = (uint64_t)(uintptr_t)c * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(v >> 32) & (cap - 1);
}

static void cookie_put(struct fe *f, const void *c, int idx)
{
	if (2 * (f->hcount + 1) > f->hcap) { /* keep it at most half full */
		uint32_t oc = f->hcap, nc = oc ? 2 * oc : 1024;
		const void **ok = f->hkeys;
		int *ov = f->hvals;
		f->hkeys = calloc(nc, sizeof(*f->hkeys));
		f->hvals = calloc(nc, sizeof(*f->hvals));
		f->hcap = nc;
		f->hcount = 0;
		for (uint32_t i = 0; i < oc; i++)
			if (ok[i])
				cookie_put(f, ok[i], ov[i]);
		free(ok);
		free(ov);
	}
	uint32_t h = cookie_hash(c, f->hcap);
	while (f->hkeys[h])
		h = (h + 1) & (f->hcap - 1);
	f->hkeys[h] = c;
	f->hvals[h] = idx;
	f->hcount++;
}

static int cookie_get(const struct fe *f, const void *c)
{
	if (!f->hcap)
		return -1;
	for (uint32_t h = cookie_hash(c, f->hcap);; h = (h + 1) & (f->hcap - 1)) {
		if (!f->hkeys[h])
			return -1;
		if (f->hkeys[h] == c)
			return f->hvals[h];
	}
}

static struct fe_rxb *new_rxb(struct fe *f, uint32_t len, int nseg)
{
	struct fe_rxb *b = calloc(1, sizeof(*b));
	b->len = len;
	b->nseg = nseg;
	/* zeroed: inputs replay the same whatever the allocator left there */
	b->mem = model_buf_alloc(f->m, (size_t)len * (size_t)(nseg ? nseg : 1));
	if (f->nrxb == f->caprxb) {
		f->caprxb = f->caprxb ? 2 * f->caprxb : 256;
		f->rxb = realloc(f->rxb, sizeof(*f->rxb) * (size_t)f->caprxb);
	}
	cookie_put(f, b, f->nrxb);
	for (int i = 1; i < nseg; i++)
		cookie_put(f, &b->seg_posted[i], f->nrxb);
	f->rxb[f->nrxb++] = b;
	return b;
}

int fe_rx_repost(struct fe *f, int qp, struct fe_rxb *b)
{
	struct vio_net_rxq *q = &f->n.rxq[qp];
	int rc;
	if (f->n.rx_mode == VIO_NET_RX_BIG) {
		struct vio_net_rxbuf segs[VIO_NET_MAX_BIG_SEGS + 1];
		for (int i = 0; i < b->nseg; i++) {
			segs[i].vaddr = b->mem + (size_t)i * b->len;
			segs[i].daddr = (uintptr_t)segs[i].vaddr;
			segs[i].len = b->len;
			segs[i].cookie = i == 0 ? (void *)b : (void *)&b->seg_posted[i];
		}
		rc = vio_net_rx_post_big(q, segs, (uint16_t)b->nseg);
		if (rc == 0) {
			ASSERT_MSG(b->posted == 0, "buffer posted twice");
			for (int i = 1; i < b->nseg; i++)
				b->seg_posted[i] = 1;
			b->seg_posted[0] = 1;
			b->posted = b->nseg;
		}
		return rc;
	} else {
		struct vio_net_rxbuf rb = {b->mem, (uintptr_t)b->mem, b->len, b};
		rc = vio_net_rx_post(q, &rb);
	}
	if (rc == 0) {
		ASSERT_MSG(b->posted == 0, "buffer posted twice");
		b->posted = 1;
	}
	return rc;
}

int fe_rx_repost_all(struct fe *f, int qp)
{
	int n = 0, rc;

	for (int k = 0; k < f->nrxb && vio_net_rx_room(&f->n.rxq[qp]); k++) {
		if (f->rxb[k]->posted)
			continue;
		rc = fe_rx_repost(f, qp, f->rxb[k]);
		if (rc)
			return rc;
		n++;
	}
	return n;
}

int fe_fill_rx(struct fe *f, int qp)
{
	struct vio_net_rxq *q = &f->n.rxq[qp];
	int n = 0;
	for (;;) {
		if (vio_net_rx_room(q) == 0)
			break;
		uint32_t len = vio_net_rx_buf_len(q);
		int nseg = 0;
		if (f->n.rx_mode == VIO_NET_RX_BIG) {
			nseg = (int)((VIO_NET_BIG_PACKET_BYTES + len - 1) / len);
			if (nseg > VIO_NET_MAX_BIG_SEGS)
				nseg = VIO_NET_MAX_BIG_SEGS;
		}
		struct fe_rxb *b = new_rxb(f, len, nseg);
		int rc = fe_rx_repost(f, qp, b);
		if (rc == VIO_ENOSPC)
			break;
		ASSERT_EQ(rc, 0);
		n++;
	}
	return n;
}

int fe_start(struct fe *f)
{
	for (int i = 0; i < f->n.nqp; i++)
		ASSERT_MSG(fe_fill_rx(f, i) > 0, "no RX buffer could be posted on queue %d", i);
	return vio_net_start(&f->n);
}

void fe_rx_returned(struct fe *f, void *cookie)
{
	int at = cookie_get(f, cookie);

	for (int i = at < 0 ? f->nrxb : at; i < f->nrxb && (at < 0 || i == at); i++) {
		struct fe_rxb *b = f->rxb[i];
		int seg = -1;
		if ((void *)b == cookie)
			seg = 0;
		else if (b->nseg && (uint8_t *)cookie > &b->seg_posted[0] &&
			 (uint8_t *)cookie < &b->seg_posted[b->nseg])
			seg = (int)((uint8_t *)cookie - &b->seg_posted[0]);
		if (seg < 0)
			continue;
		if (!b->nseg) {
			ASSERT_MSG(b->posted == 1, "RX cookie %p returned but not posted (twice?)", cookie);
			b->posted = 0;
			return;
		}
		ASSERT_MSG(b->seg_posted[seg] == 1, "RX segment cookie %p returned but not posted (twice?)",
			   cookie);
		b->seg_posted[seg] = 0;
		b->posted--;
		return;
	}
	ASSERT_MSG(0, "RX cookie %p unknown", cookie);
}

/* Stop the rings and take every cookie back: RX buffers return to the
 * fixture's pool, TX cookies are only counted (the caller owns none). */
int fe_stop_drain(struct fe *f)
{
	int tx = 0;

	vio_net_stop(&f->n);
	for (int i = 0; i < f->n.nqp; i++) {
		void *c;
		while ((c = vio_net_rx_drain(&f->n.rxq[i])) != NULL)
			fe_rx_returned(f, c);
		while (vio_net_tx_drain(&f->n.txq[i]) != NULL)
			tx++;
	}
	return tx;
}

void fe_down(struct fe *f)
{
	struct model *m = f->m;
	fe_teardown(f);
	fe_free(f);
	EXPECT_CLEAN(m);
	model_free(m);
}

void fe_teardown(struct fe *f)
{
	if (!f->attached)
		return;
	fe_stop_drain(f);
	for (int i = 0; i < f->nrxb; i++)
		ASSERT_MSG(f->rxb[i]->posted == 0, "RX buffer %d never came back (%d of %d segments out)", i,
			   f->rxb[i]->posted, f->rxb[i]->nseg);
	vio_net_destroy(&f->n);
	f->attached = false;
	ASSERT_EQ(f->n.dev.allocs, 0);
	EXPECT_NO_ALLOCS(f->m);
}

void fe_free(struct fe *f)
{
	for (int i = 0; i < f->nrxb; i++) {
		model_buf_free(f->m, f->rxb[i]->mem);
		free(f->rxb[i]);
	}
	free(f->rxb);
	f->rxb = NULL;
	f->nrxb = 0;
	free(f->hkeys);
	free(f->hvals);
	f->hkeys = NULL;
	f->hvals = NULL;
	f->hcap = f->hcount = 0;
}

uint8_t *mk_frame(struct model *m, uint32_t len, unsigned seed)
{
	uint8_t *p = model_buf_alloc(m, len);
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31u + i * 7u + (i >> 8));
	if (len >= 14) {
		static const uint8_t dst[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};
		memcpy(p, dst, 6);
		p[12] = 0x08;
		p[13] = 0x00;
	}
	return p;
}

/* The front-end's side of a recovery, as vio_net_reset.c lays it out.
 * TX cookies drained are counted into *tx_back. */
int fe_recover(struct fe *f, enum vio_net_reset_cause cause, int *tx_back)
{
	int err, n;

	if (!vio_net_reset_begin(&f->n, cause))
		return VIO_EBROKEN;
	n = fe_stop_drain(f);
	if (tx_back)
		*tx_back += n;
	err = vio_net_reinit(&f->n);
	if (!err) {
		for (int i = 0; i < f->n.nqp; i++) /* the buffers that came back */
			ASSERT(fe_rx_repost_all(f, i) >= 0);
		err = vio_net_start(&f->n);
	}
	vio_net_reset_end(&f->n, err);
	return err;
}
