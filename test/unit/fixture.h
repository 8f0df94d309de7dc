/* SPDX-License-Identifier: BSD-2-Clause */
/* fixture.h - shared set-up for the unit tests: a device model plus a
 * minimal front-end around the core (RX buffer bookkeeping that checks every
 * posted buffer comes back exactly once). */
#ifndef FIXTURE_H
#define FIXTURE_H

#include "model.h"
#include "runner.h"
#include "vio_dev.h"
#include "vio_log.h"
#include "vio_net.h"

/* no driver-rule violations seen by the model */
#define EXPECT_CLEAN(m)                                                                                      \
	ASSERT_MSG((m)->violations == 0, "model saw %d driver violation(s), first: %s", (m)->violations,     \
		   (m)->first_violation)
/* every allocation returned */
#define EXPECT_NO_ALLOCS(m)                                                                                  \
	ASSERT_MSG((m)->live_dma == 0 && (m)->live_zalloc == 0, "leaked %ld dma + %ld zalloc allocations",   \
		   (m)->live_dma, (m)->live_zalloc)

int dev_up(struct model *m, struct vio_dev *d, bool prefer_legacy, bool iommu);

struct fe_rxb {
	uint8_t *mem;
	uint32_t len;
	int posted;				      /* segments the core holds */
	int nseg;				      /* big mode: segments (mem is one block, nseg*len) */
	uint8_t seg_posted[VIO_NET_MAX_BIG_SEGS + 1]; /* cookie of seg i>0 = &seg_posted[i] */
};

struct fe {
	struct model *m;
	struct vio_net n;
	struct vio_net_params p;
	struct fe_rxb **rxb;
	int nrxb, caprxb;
	const void **hkeys; /* cookie -> index in rxb (fixture.c) */
	int *hvals;
	uint32_t hcap, hcount;
	bool attached;
};

void fe_params_default(struct vio_net_params *p);
int fe_attach(struct fe *f, struct model *m, const struct vio_net_params *p);
/* fill every RX ring, then vio_net_start */
int fe_fill_rx(struct fe *f, int qp);
int fe_start(struct fe *f);
/* a buffer came back from the core: check and mark it */
void fe_rx_returned(struct fe *f, void *cookie);
/* re-post a returned buffer */
int fe_rx_repost(struct fe *f, int qp, struct fe_rxb *b);
/* re-post every buffer the front-end holds (returned, not posted) while the
 * ring has room, no kick; how many, or the first error */
int fe_rx_repost_all(struct fe *f, int qp);
/* stop, drain, destroy; asserts all buffers back and all memory freed */
int fe_stop_drain(struct fe *f);
void fe_teardown(struct fe *f);
/* teardown + free + the model reports nothing leaked, then frees the model */
void fe_down(struct fe *f);
void fe_free(struct fe *f);
/* the front-end's side of a recovery (vio_net_reset.c): begin, stop and
 * drain (TX cookies counted into *tx_back), reinit, re-post, start, end */
int fe_recover(struct fe *f, enum vio_net_reset_cause cause, int *tx_back);

/* a TX frame of len bytes (pattern seeded by `seed`) in a registered buffer */
uint8_t *mk_frame(struct model *m, uint32_t len, unsigned seed);

#endif
