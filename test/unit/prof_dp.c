/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * prof_dp.c - a data-path workload for profiling the core (not a test):
 * pushes N TX packets and N RX packets through the engine against the
 * device model, the way a front-end does (batches of 32, one kick per batch,
 * reclaim per batch, RX re-posted after each packet).
 *
 *   make -C test/unit prof            # build (-O2, no sanitizers) + callgrind
 *   build-prof/prof_dp [N] [tso|mrg4k|small|big] [split|packed]
 *
 * Workloads: default = 1514-byte frames with checksum offload, mergeable RX
 * (one buffer per packet); tso = 64 KiB TSO sends (18 segments) + 9000-byte
 * RX (3 mergeable buffers); small / big = the same 1514-byte RX in small
 * mode / big-packet mode. The third argument picks the ring layout (split
 * by default; packed negotiates VIRTIO_F_RING_PACKED). Everything the model does (completing chains,
 * writing RX packets) is counted separately from the core by callgrind's
 * per-function totals; see os/linux/README.md "Where the cycles go".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define BATCH 32

static void tx_run(struct fe *f, int n, int tso)
{
	struct model *m = f->m;
	struct vio_net_txq *q = &f->n.txq[0];
	uint32_t flen = tso ? 65536 : 1514;
	uint8_t *frame = mk_frame(m, flen, 7);
	struct vio_net_sg sg[VIO_NET_MAX_TX_SG];
	uint16_t nsg = 0;
	struct vio_net_tx_meta meta = {.flags = VIO_NET_TX_F_CSUM, .csum_start = 34, .csum_offset = 16};
	void *cookies[BATCH];
	int sent = 0;

	if (tso) {
		meta.gso_type = VIO_NET_HDR_GSO_TCPV4;
		meta.gso_size = 1448;
		meta.hdr_len = 66;
		/* linear head + 4 KiB page fragments, as Linux hands a TSO skb */
		sg[nsg].daddr = (uintptr_t)frame;
		sg[nsg++].len = 66;
		for (uint32_t off = 66; off < flen; off += 4096) {
			sg[nsg].daddr = (uintptr_t)frame + off;
			sg[nsg++].len = flen - off < 4096 ? flen - off : 4096;
		}
	} else {
		sg[0].daddr = (uintptr_t)frame;
		sg[0].len = 66; /* headers in the linear part, payload in a frag */
		sg[1].daddr = (uintptr_t)frame + 66;
		sg[1].len = flen - 66;
		nsg = 2;
	}
	while (sent < n) {
		int b = 0;
		while (b < BATCH && sent < n) {
			int r = vio_net_tx(q, &meta, sg, nsg, &cookies[b]);
			if (r == VIO_ENOSPC)
				break;
			ASSERT_EQ(r, 0);
			b++;
			sent++;
		}
		vio_net_tx_flush(q);
		model_vq_complete_all(m, mnet_txq(m, 0));
		int got = 0, r;
		while ((r = vio_net_tx_reclaim(q, cookies, BATCH)) > 0)
			got += r;
		ASSERT(r == 0);
		(void)got;
	}
	model_buf_free(m, frame);
}

static void rx_run(struct fe *f, int n, uint32_t flen)
{
	struct model *m = f->m;
	struct vio_net_rxq *q = &f->n.rxq[0];
	uint8_t *frame = mk_frame(m, flen, 9);
	struct vio_net_hdr h = {.flags = VIO_NET_HDR_F_DATA_VALID};
	struct vio_net_rx_frag fr[1024];
	struct vio_net_rx_pkt pkt;
	int done = 0;

	while (done < n) {
		int b = 0;
		while (b < BATCH && done + b < n && mnet_rx_put(m, 0, &h, frame, flen, -1) > 0)
			b++;
		ASSERT(b > 0);
		for (int i = 0; i < b; i++) {
			int r = vio_net_rx_get(q, &pkt, fr, 1024);
			ASSERT_EQ(r, 1);
			ASSERT_EQ(pkt.len, flen);
			for (int k = 0; k < pkt.nfrags; k++) {
				struct fe_rxb *rb = fr[k].cookie;
				if (f->n.rx_mode == VIO_NET_RX_BIG) {
					if (k == 0) { /* segments come back in order: re-post the chain */
						memset(rb->seg_posted, 0, sizeof(rb->seg_posted));
						rb->posted = 0;
					}
					continue;
				}
				rb->posted = 0;
				ASSERT_EQ(fe_rx_repost(f, 0, rb), 0);
			}
			if (f->n.rx_mode == VIO_NET_RX_BIG)
				ASSERT_EQ(fe_rx_repost(f, 0, fr[0].cookie), 0);
		}
		vio_net_rx_kick(q);
		done += b;
	}
	model_buf_free(m, frame);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100000;
	const char *w = argc > 2 ? argv[2] : "";
	int packed = argc > 3 && !strcmp(argv[3], "packed");
	struct model *m = model_new(M_MODERN);
	struct fe f;

	if (packed)
		m->features |= VIO_BIT(VIO_F_RING_PACKED);

	if (!strcmp(w, "small"))
		m->features &= ~(VIO_BIT(VIO_NET_F_MRG_RXBUF) | VIO_BIT(VIO_NET_F_GUEST_TSO4) |
				 VIO_BIT(VIO_NET_F_GUEST_TSO6));
	else if (!strcmp(w, "big"))
		m->features &= ~VIO_BIT(VIO_NET_F_MRG_RXBUF);
	struct vio_net_params p;
	fe_params_default(&p);
	p.tx_max_sg = 18; /* MAX_SKB_FRAGS + 1 */
	if (fe_attach(&f, m, &p) || fe_start(&f)) {
		fprintf(stderr, "attach/start failed\n");
		return 1;
	}
	tx_run(&f, n, !strcmp(w, "tso"));
	rx_run(&f, n, !strcmp(w, "tso") ? 9000 : 1514);
	if (f.n.txq[0].vq.packed != packed) {
		fprintf(stderr, "ring layout is not the one asked for\n");
		return 1;
	}
	printf("%d TX + %d RX packets (%s, %s), rx mode %d, tx %llu rx %llu, kicks tx %llu\n", n, n,
	       *w ? w : "1514", packed ? "packed" : "split", f.n.rx_mode,
	       (unsigned long long)f.n.txq[0].stats.packets, (unsigned long long)f.n.rxq[0].stats.packets,
	       (unsigned long long)f.n.txq[0].vq.stats.kicks);
	fe_teardown(&f);
	fe_free(&f);
	model_free(m);
	return 0;
}
