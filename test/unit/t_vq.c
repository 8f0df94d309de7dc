/* SPDX-License-Identifier: BSD-2-Clause */
/* t_vq.c - the split virtqueue against the device side of the model
 * (virtio 1.2 §2.7): layout, wrap-around, indirect, EVENT_IDX, batching,
 * interrupt suppression. */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

struct vqf {
	struct model *m;
	struct vio_dev d;
	struct vio_vq vq;
	uint8_t *buf; /* device-visible scratch for segments */
};

static void vqf_up(struct vqf *f, enum model_kind kind, uint16_t size, bool indirect, bool event_idx,
		   uint16_t max_indirect)
{
	memset(f, 0, sizeof(*f));
	f->m = model_new(kind);
	f->m->q[0].max = size;
	if (!indirect)
		f->m->features &= ~VIO_BIT(VIO_F_INDIRECT_DESC);
	if (!event_idx)
		f->m->features &= ~VIO_BIT(VIO_F_EVENT_IDX);
	ASSERT_EQ(dev_up(f->m, &f->d, kind == M_TRANSITIONAL, false), 0);
	ASSERT_EQ(vio_dev_negotiate(&f->d, 0, 0), 0);
	ASSERT_EQ(vio_dev_has(&f->d, VIO_F_INDIRECT_DESC), indirect);
	ASSERT_EQ(vio_dev_has(&f->d, VIO_F_EVENT_IDX), event_idx);
	ASSERT_EQ(vio_dev_vq_create(&f->d, &f->vq, 0, 0, max_indirect), 0);
	ASSERT_EQ(f->vq.size, size);
	ASSERT_EQ(f->m->q[0].enabled, true);
	vio_dev_driver_ok(&f->d);
	f->buf = model_buf_alloc(f->m, 4096);
}

static void vqf_down(struct vqf *f)
{
	ASSERT_EQ(vio_dev_reset(&f->d), 0);
	while (vio_vq_detach_unused(&f->vq))
		;
	vio_vq_destroy(&f->vq);
	EXPECT_CLEAN(f->m);
	ASSERT_EQ(f->d.allocs, 0);
	EXPECT_NO_ALLOCS(f->m);
	model_buf_free(f->m, f->buf);
	model_free(f->m);
}

TEST(vq_ring_layout_sizes)
{
	for (uint32_t n = 1; n <= VIO_VQ_MAX_SIZE; n *= 2) {
		size_t a, u, t;
		t = vio_vq_ring_bytes((uint16_t)n, false, &a, &u);
		ASSERT_EQ(a, 16 * n);
		ASSERT_EQ(u % VIO_VQ_USED_ALIGN, 0);
		ASSERT(u >= a + VIO_VQ_AVAIL_BYTES(n));
		ASSERT(u < a + VIO_VQ_AVAIL_BYTES(n) + VIO_VQ_USED_ALIGN);
		ASSERT_MSG(t >= u + VIO_VQ_USED_BYTES(n), "size %u: total %zu < used end %zu", n, t,
			   u + (size_t)VIO_VQ_USED_BYTES(n));
		/* legacy: §2.7.2 legacy layout, used ring on the next 4 KiB */
		t = vio_vq_ring_bytes((uint16_t)n, true, &a, &u);
		ASSERT_EQ(a, 16 * n);
		ASSERT_EQ(u, (16 * n + VIO_VQ_AVAIL_BYTES(n) + 4095) & ~(size_t)4095);
		ASSERT_MSG(t >= u + VIO_VQ_USED_BYTES(n), "legacy size %u: total %zu < used end %zu", n, t,
			   u + (size_t)VIO_VQ_USED_BYTES(n));
	}
}

static void create_sizes(enum model_kind kind)
{
	for (uint32_t n = 1; n <= VIO_VQ_MAX_SIZE; n *= 2) {
		struct vqf f;
		vqf_up(&f, kind, (uint16_t)n, true, true, 4);
		/* the model checked desc/avail/used (incl. avail_event) lie inside
		 * one DMA allocation when the queue was enabled */
		ASSERT_EQ(f.vq.num_free, n);
		ASSERT((uint8_t *)f.vq.avail_event + 2 <= (uint8_t *)f.vq.ring.vaddr + f.vq.ring.size);
		ASSERT((uint8_t *)f.vq.used_event + 2 <= (uint8_t *)f.vq.ring.vaddr + f.vq.ring.size);
		vqf_down(&f);
	}
}
TEST(vq_create_all_sizes_modern)
{
	create_sizes(M_MODERN);
}
TEST(vq_create_all_sizes_legacy)
{
	create_sizes(M_TRANSITIONAL);
}

TEST(vq_modern_max_size_clamped)
{
	struct vqf f;
	memset(&f, 0, sizeof(f));
	f.m = model_new(M_MODERN);
	f.m->q[0].max = 1024;
	ASSERT_EQ(dev_up(f.m, &f.d, false, false), 0);
	ASSERT_EQ(vio_dev_negotiate(&f.d, 0, 0), 0);
	ASSERT_EQ(vio_dev_vq_create(&f.d, &f.vq, 0, 300, 0), 0);
	ASSERT_EQ(f.vq.size, 256);
	ASSERT_EQ(f.m->q[0].size, 256);
	f.buf = model_buf_alloc(f.m, 16);
	vqf_down(&f);
}

/* push total chains through a queue; completion order in_order or reversed
 * per batch; every cookie must come back exactly once (in posting order
 * when completed in order) with the length the device wrote. */
static void wrap(enum model_kind kind, uint16_t size, bool indirect, bool event_idx, bool in_order, int nseg)
{
	struct vqf f;
	vqf_up(&f, kind, size, indirect, event_idx, 4);
	const uint32_t total = 3u * size + 7;
	uint8_t *seen = calloc(total + 1, 1);
	struct mchain *c = malloc(sizeof(*c));
	uint16_t *batch = malloc(sizeof(uint16_t) * size);
	uint32_t posted = 0, done = 0, expect = 1;
	while (done < total) {
		/* driver: add as many as fit */
		while (posted < total) {
			struct vio_vq_seg o = {(uintptr_t)f.buf, 16},
					  in[2] = {{(uintptr_t)f.buf + 64, 32}, {(uintptr_t)f.buf + 128, 32}};
			int rc = vio_vq_add(&f.vq, &o, 1, in, (uint16_t)(nseg - 1),
					    (void *)(uintptr_t)(posted + 1));
			if (rc == VIO_ENOSPC)
				break;
			ASSERT_EQ(rc, 0);
			posted++;
		}
		vio_vq_kick(&f.vq);
		/* device: take all, complete in order or reversed */
		int nb = 0, r;
		while ((r = model_vq_pop(f.m, 0, c)) > 0) {
			ASSERT_EQ(c->nout, 1);
			ASSERT_EQ(c->nin, nseg - 1);
			batch[nb++] = c->head;
		}
		ASSERT_EQ(r, 0);
		ASSERT(nb > 0);
		for (int i = 0; i < nb; i++) {
			uint16_t h = in_order ? batch[i] : batch[nb - 1 - i];
			model_vq_push(f.m, 0, h, nseg > 1 ? 20 : 0);
		}
		/* driver: take completions */
		void *ck;
		uint32_t len;
		while ((r = vio_vq_get(&f.vq, &ck, &len)) == 1) {
			uintptr_t id = (uintptr_t)ck;
			ASSERT(id >= 1 && id <= total);
			ASSERT_MSG(!seen[id], "cookie %zu returned twice", (size_t)id);
			seen[id] = 1;
			if (in_order)
				ASSERT_EQ(id, expect++);
			ASSERT_EQ(len, nseg > 1 ? 20 : 0);
			done++;
		}
		ASSERT_EQ(r, 0);
		ASSERT(!f.vq.broken);
	}
	ASSERT_EQ(done, total);
	ASSERT_EQ(f.vq.num_free, size);
	ASSERT_EQ(f.vq.stats.completed, total);
	free(seen);
	free(c);
	free(batch);
	vqf_down(&f);
}

TEST(vq_wrap_size2_inorder)
{
	wrap(M_MODERN, 2, false, false, true, 1);
}
TEST(vq_wrap_size2_ooo_chain2)
{
	wrap(M_MODERN, 2, false, false, false, 2);
}
TEST(vq_wrap_size256_inorder_indirect)
{
	wrap(M_MODERN, 256, true, true, true, 3);
}
TEST(vq_wrap_size256_ooo_direct)
{
	wrap(M_MODERN, 256, false, true, false, 3);
}
TEST(vq_wrap_size256_ooo_indirect_legacy)
{
	wrap(M_TRANSITIONAL, 256, true, false, false, 2);
}
TEST(vq_wrap_size32768_inorder)
{
	wrap(M_MODERN, 32768, false, true, true, 2);
}
TEST(vq_wrap_size32768_ooo_indirect)
{
	wrap(M_MODERN, 32768, true, false, false, 3);
}

static void indirect_case(bool indirect)
{
	struct vqf f;
	vqf_up(&f, M_MODERN, 16, indirect, false, 8);
	struct vio_vq_seg o[2] = {{(uintptr_t)f.buf, 10}, {(uintptr_t)f.buf + 10, 20}};
	struct vio_vq_seg in = {(uintptr_t)f.buf + 100, 50};
	ASSERT_EQ(vio_vq_descs_needed(&f.vq, 3), indirect ? 1 : 3);
	ASSERT_EQ(vio_vq_add(&f.vq, o, 2, &in, 1, (void *)1), 0);
	ASSERT_EQ(f.vq.num_free, indirect ? 15 : 13);
	/* a single segment never needs an indirect table */
	ASSERT_EQ(vio_vq_add(&f.vq, o, 1, NULL, 0, (void *)2), 0);
	ASSERT_EQ(f.vq.num_free, indirect ? 14 : 12);
	vio_vq_kick(&f.vq);
	struct mchain c;
	ASSERT_EQ(model_vq_pop(f.m, 0, &c), 1);
	ASSERT_EQ(c.indirect, indirect);
	ASSERT_EQ(c.ndesc, indirect ? 1 : 3);
	ASSERT_EQ(c.nout, 2);
	ASSERT_EQ(c.nin, 1);
	ASSERT(c.out[0].p == f.buf && c.out[0].len == 10);
	ASSERT(c.out[1].p == f.buf + 10 && c.out[1].len == 20);
	ASSERT(c.in[0].p == f.buf + 100 && c.in[0].len == 50);
	model_vq_push(f.m, 0, c.head, 50);
	ASSERT_EQ(model_vq_pop(f.m, 0, &c), 1);
	ASSERT(!c.indirect);
	model_vq_push(f.m, 0, c.head, 0);
	void *ck;
	uint32_t len;
	ASSERT_EQ(vio_vq_get(&f.vq, &ck, &len), 1);
	ASSERT(ck == (void *)1 && len == 50);
	ASSERT_EQ(vio_vq_get(&f.vq, &ck, &len), 1);
	ASSERT(ck == (void *)2 && len == 0);
	ASSERT_EQ(f.vq.num_free, 16);
	/* more segments than the indirect table holds: falls back to direct */
	struct vio_vq_seg many[10];
	for (int i = 0; i < 10; i++)
		many[i] = (struct vio_vq_seg){(uintptr_t)f.buf + 8 * (unsigned)i, 8};
	ASSERT_EQ(vio_vq_add(&f.vq, many, 10, NULL, 0, (void *)3), 0);
	vio_vq_kick(&f.vq);
	ASSERT_EQ(model_vq_pop(f.m, 0, &c), 1);
	ASSERT_EQ(c.nout, 10);
	ASSERT_EQ(c.ndesc, 10);
	model_vq_push(f.m, 0, c.head, 0);
	ASSERT_EQ(vio_vq_get(&f.vq, &ck, &len), 1);
	/* bad arguments */
	ASSERT_EQ(vio_vq_add(&f.vq, NULL, 0, NULL, 0, (void *)4), VIO_EINVAL);
	ASSERT_EQ(vio_vq_add(&f.vq, o, 1, NULL, 0, NULL), VIO_EINVAL);
	/* a chain longer than the ring: ENOSPC, not corruption */
	struct vio_vq_seg huge[17];
	for (int i = 0; i < 17; i++)
		huge[i] = (struct vio_vq_seg){(uintptr_t)f.buf, 1};
	if (!indirect)
		ASSERT_EQ(vio_vq_add(&f.vq, huge, 17, NULL, 0, (void *)5), VIO_ENOSPC);
	vqf_down(&f);
}
TEST(vq_indirect_on)
{
	indirect_case(true);
}
TEST(vq_indirect_off)
{
	indirect_case(false);
}

static void add_n(struct vqf *f, int n)
{
	for (int i = 0; i < n; i++) {
		struct vio_vq_seg o = {(uintptr_t)f->buf, 64};
		ASSERT_EQ(vio_vq_add(&f->vq, &o, 1, NULL, 0, (void *)(uintptr_t)(i + 1)), 0);
	}
}

TEST(vq_one_kick_per_batch)
{
	struct vqf f;
	vqf_up(&f, M_MODERN, 256, true, false, 0);
	add_n(&f, 32);
	ASSERT_EQ(model_vq_avail_idx(f.m, 0), 0); /* add does not publish */
	ASSERT_EQ(f.m->q[0].notifies, 0);
	ASSERT(vio_vq_kick_prepare(&f.vq));
	ASSERT_EQ(model_vq_avail_idx(f.m, 0), 32);
	vio_vq_notify(&f.vq);
	ASSERT_EQ(f.m->q[0].notifies, 1);
	ASSERT_EQ(model_vq_complete_all(f.m, 0), 32);
	/* NO_NOTIFY: the device asks for none */
	model_vq_set_no_notify(f.m, 0, true);
	add_n(&f, 8);
	ASSERT(!vio_vq_kick(&f.vq));
	ASSERT_EQ(f.m->q[0].notifies, 1);
	ASSERT_EQ(model_vq_avail_idx(f.m, 0), 40);
	model_vq_set_no_notify(f.m, 0, false);
	add_n(&f, 1);
	ASSERT(vio_vq_kick(&f.vq));
	ASSERT_EQ(f.m->q[0].notifies, 2);
	vqf_down(&f);
}

TEST(vq_event_idx_kicks)
{
	struct vqf f;
	vqf_up(&f, M_MODERN, 256, true, true, 0);
	add_n(&f, 32);
	ASSERT(vio_vq_kick(&f.vq));
	ASSERT_EQ(f.m->q[0].notifies, 1);
	ASSERT_EQ(model_vq_complete_all(f.m, 0), 32); /* avail_event = 32 */
	/* avail_event far away: no notification for the next batch */
	model_vq_set_avail_event(f.m, 0, (uint16_t)(32 + 1000));
	add_n(&f, 32);
	ASSERT(!vio_vq_kick(&f.vq));
	ASSERT_EQ(f.m->q[0].notifies, 1);
	ASSERT_EQ(model_vq_avail_idx(f.m, 0), 64); /* still published */
	/* avail_event = 64: the next add crosses it (§2.7.10) */
	model_vq_set_avail_event(f.m, 0, 64);
	add_n(&f, 1);
	ASSERT(vio_vq_kick(&f.vq));
	ASSERT_EQ(f.m->q[0].notifies, 2);
	/* avail_event = 64 still, the next add does not cross it again */
	add_n(&f, 1);
	ASSERT(!vio_vq_kick(&f.vq));
	ASSERT_EQ(f.m->q[0].notifies, 2);
	/* an empty kick never notifies */
	ASSERT(!vio_vq_kick(&f.vq));
	ASSERT_EQ(f.m->q[0].notifies, 2);
	vqf_down(&f);
}

static void cb_case(bool event_idx)
{
	struct vqf f;
	vqf_up(&f, M_MODERN, 64, true, event_idx, 0);
	add_n(&f, 4);
	vio_vq_kick(&f.vq);
	struct mchain c;
	vio_vq_disable_cb(&f.vq);
	if (!event_idx)
		ASSERT(model_vq_avail_flags(f.m, 0) & VIO_AVAIL_F_NO_INTERRUPT);
	ASSERT_EQ(model_vq_pop(f.m, 0, &c), 1);
	uint64_t irq0 = f.m->q[0].irqs;
	model_vq_push(f.m, 0, c.head, 0);
	if (!event_idx)
		ASSERT_EQ(f.m->q[0].irqs, irq0); /* suppressed */
	ASSERT(vio_vq_pending(&f.vq));
	/* completion arrived while disabled: enable_cb must say "poll again" */
	ASSERT(!vio_vq_enable_cb(&f.vq));
	void *ck;
	uint32_t len;
	ASSERT_EQ(vio_vq_get(&f.vq, &ck, &len), 1);
	ASSERT(!vio_vq_pending(&f.vq));
	ASSERT(vio_vq_enable_cb(&f.vq));
	if (!event_idx)
		ASSERT(!(model_vq_avail_flags(f.m, 0) & VIO_AVAIL_F_NO_INTERRUPT));
	else
		ASSERT_EQ(model_vq_used_event(f.m, 0), 1);
	/* armed: the next completion interrupts */
	irq0 = f.m->q[0].irqs;
	ASSERT_EQ(model_vq_pop(f.m, 0, &c), 1);
	model_vq_push(f.m, 0, c.head, 0);
	ASSERT_EQ(f.m->q[0].irqs, irq0 + 1);
	ASSERT_EQ(vio_vq_get(&f.vq, &ck, &len), 1);
	vqf_down(&f);
}
TEST(vq_enable_cb_pending_no_event_idx)
{
	cb_case(false);
}
TEST(vq_enable_cb_pending_event_idx)
{
	cb_case(true);
}

TEST(vq_enable_cb_delayed)
{
	struct vqf f;
	vqf_up(&f, M_MODERN, 64, true, true, 0);
	add_n(&f, 16);
	vio_vq_kick(&f.vq);
	vio_vq_disable_cb(&f.vq);
	ASSERT(vio_vq_enable_cb_delayed(&f.vq));
	uint64_t irq0 = f.m->q[0].irqs;
	struct mchain c;
	int first_irq = -1;
	for (int i = 0; i < 16; i++) {
		ASSERT_EQ(model_vq_pop(f.m, 0, &c), 1);
		model_vq_push(f.m, 0, c.head, 0);
		if (first_irq < 0 && f.m->q[0].irqs > irq0)
			first_irq = i + 1;
	}
	ASSERT_MSG(first_irq >= 8 && first_irq <= 16, "interrupt after %d of 16 completions", first_irq);
	vqf_down(&f);
}

TEST(vq_reserve_for_polled_path)
{
	struct vqf f;
	vqf_up(&f, M_MODERN, 16, false, false, 0);
	vio_vq_reserve(&f.vq, 2);
	int n = 0;
	struct vio_vq_seg o = {(uintptr_t)f.buf, 64};
	while (vio_vq_add(&f.vq, &o, 1, NULL, 0, (void *)(uintptr_t)(n + 1)) == 0)
		n++;
	ASSERT_EQ(n, 14);
	ASSERT(!vio_vq_has_room(&f.vq, 1));
	ASSERT_EQ(vio_vq_add_reserved(&f.vq, &o, 1, NULL, 0, (void *)100), 0);
	ASSERT_EQ(vio_vq_add_reserved(&f.vq, &o, 1, NULL, 0, (void *)101), 0);
	ASSERT_EQ(vio_vq_add_reserved(&f.vq, &o, 1, NULL, 0, (void *)102), VIO_ENOSPC);
	vio_vq_kick(&f.vq);
	ASSERT_EQ(model_vq_complete_all(f.m, 0), 16);
	int got = 0, r;
	void *ck;
	uint32_t len;
	while ((r = vio_vq_get(&f.vq, &ck, &len)) == 1)
		got++;
	ASSERT_EQ(got, 16);
	ASSERT_EQ(f.vq.num_free, 16);
	vqf_down(&f);
}

TEST(vq_detach_unused_after_reset)
{
	struct vqf f;
	vqf_up(&f, M_MODERN, 8, true, true, 0);
	add_n(&f, 5);
	vio_vq_kick(&f.vq);
	ASSERT_EQ(vio_dev_reset(&f.d), 0);
	int n = 0;
	uintptr_t sum = 0;
	void *c;
	while ((c = vio_vq_detach_unused(&f.vq)) != NULL) {
		n++;
		sum += (uintptr_t)c;
	}
	ASSERT_EQ(n, 5);
	ASSERT_EQ(sum, 15);
	vio_vq_destroy(&f.vq);
	EXPECT_NO_ALLOCS(f.m);
	model_buf_free(f.m, f.buf);
	model_free(f.m);
}
