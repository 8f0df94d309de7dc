/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * model_packed.c - the DEVICE side of the packed virtqueue (virtio 1.2
 * §2.8): read descriptors the driver made available (avail/used bits
 * against the device's wrap counter), walk chains (NEXT across the ring's
 * end, INDIRECT), write used descriptors in order, and decide interrupts
 * from the driver's event suppression area. Every driver-written value is
 * checked before use; a bad one is a recorded violation.
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

bool model_dev_range_ok(struct model *m, uint64_t addr, uint64_t len, bool ring_only);

bool model_q_packed(const struct model *m)
{
	return m->packed || model_has(m, VIO_F_RING_PACKED);
}

static struct vio_pvirtq_desc *pk_ring(struct mq *q)
{
	return (struct vio_pvirtq_desc *)(uintptr_t)q->desc;
}
static struct vio_pvirtq_event *pk_drv(struct mq *q)
{
	return (struct vio_pvirtq_event *)(uintptr_t)q->avail;
}

/* §2.8.10: descriptor ring 16-aligned, event areas 4-aligned. */
bool mpk_enable_ok(struct model *m, int qi)
{
	struct mq *q = &m->q[qi];

	if ((q->desc & 15) || (q->avail & 3) || (q->used & 3)) {
		model_violation(m, "packed queue %d areas misaligned (§2.8.10)", qi);
		return false;
	}
	if (!model_dev_range_ok(m, q->desc, (uint64_t)q->size * 16, true) ||
	    !model_dev_range_ok(m, q->avail, 4, true) || !model_dev_range_ok(m, q->used, 4, true)) {
		model_violation(m, "packed queue %d areas outside any DMA allocation", qi);
		return false;
	}
	free(q->pk_ndesc);
	q->pk_ndesc = calloc(q->size, sizeof(*q->pk_ndesc));
	q->pk_next = 0;
	q->pk_avail_wrap = q->pk_used_wrap = true;
	return true;
}

static bool pk_available(const struct mq *q, uint16_t flags, bool wrap)
{
	bool avail = flags & VIO_PDESC_F_AVAIL, used = flags & VIO_PDESC_F_USED;

	(void)q;
	return avail == wrap && used != wrap;
}

static void pk_step(struct mq *q, uint16_t *at, bool *wrap)
{
	if (++*at == q->size) {
		*at = 0;
		*wrap = !*wrap;
	}
}

static bool pk_seg(struct model *m, struct mchain *c, const struct vio_pvirtq_desc *d, bool *seen_write)
{
	if (!model_dev_range_ok(m, d->addr, d->len, false)) {
		model_violation(m, "packed descriptor addr %#llx len %u outside device-visible memory",
				(unsigned long long)d->addr, d->len);
		return false;
	}
	struct mseg s = {(uint8_t *)(uintptr_t)d->addr, d->len};
	if (d->flags & VIO_DESC_F_WRITE) {
		*seen_write = true;
		if (c->nin >= M_MAXSEG)
			return false;
		c->in[c->nin++] = s;
		c->in_len += d->len;
	} else {
		if (*seen_write)
			model_violation(m, "readable descriptor after a writable one (§2.8.5)");
		if (c->nout >= M_MAXSEG)
			return false;
		c->out[c->nout++] = s;
		c->out_len += d->len;
	}
	return true;
}

static int pk_indirect(struct model *m, struct mchain *c, const struct vio_pvirtq_desc *d, bool *seen_write)
{
	if (d->len == 0 || d->len % 16 || !model_dev_range_ok(m, d->addr, d->len, true)) {
		model_violation(m, "packed indirect table addr %#llx len %u", (unsigned long long)d->addr,
				d->len);
		return -1;
	}
	const struct vio_pvirtq_desc *t = (const struct vio_pvirtq_desc *)(uintptr_t)d->addr;
	c->indirect = true;
	for (uint32_t k = 0; k < d->len / 16; k++) {
		if (t[k].flags & VIO_DESC_F_INDIRECT) {
			model_violation(m, "nested INDIRECT (§2.8.7)");
			return -1;
		}
		if (!pk_seg(m, c, &t[k], seen_write))
			return -1;
	}
	return 1;
}

int mpk_pop(struct model *m, int qi, struct mchain *c)
{
	struct mq *q = &m->q[qi];
	struct vio_pvirtq_desc *r = pk_ring(q);
	uint16_t at = q->pk_next, id = 0, n = 0;
	bool wrap = q->pk_avail_wrap, seen_write = false;
	struct vio_pvirtq_desc d;

	d = r[at];
	vio_rmb();
	if (!pk_available(q, d.flags, wrap))
		return 0;
	c->nout = c->nin = 0;
	c->out_len = c->in_len = 0;
	c->indirect = false;
	/* a malformed chain is consumed as far as it was read (as split's
	 * entry is), so a caller looping on pop always gets to the end */
	for (;;) {
		if (n >= q->size) {
			model_violation(m, "q%d packed chain longer than the ring", qi);
			goto bad;
		}
		d = r[at];
		if (n && !pk_available(q, d.flags, wrap)) {
			model_violation(m, "q%d packed chain continues into a descriptor not available", qi);
			goto bad;
		}
		n++;
		id = d.id;
		pk_step(q, &at, &wrap);
		if (d.flags & VIO_DESC_F_INDIRECT) {
			if (d.flags & VIO_DESC_F_NEXT)
				model_violation(m, "INDIRECT together with NEXT");
			if (pk_indirect(m, c, &d, &seen_write) < 0)
				goto bad;
			break;
		}
		if (!pk_seg(m, c, &d, &seen_write))
			goto bad;
		if (!(d.flags & VIO_DESC_F_NEXT))
			break;
	}
	q->pk_next = at;
	q->pk_avail_wrap = wrap;
	c->head = id;
	c->ndesc = n;
	if (id >= q->size) {
		model_violation(m, "q%d packed buffer id %u >= size %u", qi, id, q->size);
		return -1;
	}
	if (q->owned[id]) {
		model_violation(m, "q%d buffer id %u made available while the device holds it", qi, id);
		return -1;
	}
	q->owned[id] = 1;
	q->pk_ndesc[id] = n;
	return 1;
bad:
	q->pk_next = at;
	q->pk_avail_wrap = wrap;
	return -1;
}

/* §2.8.10: the driver's event suppression decides the interrupt. */
static bool pk_need_irq(struct model *m, struct mq *q, uint16_t old)
{
	struct vio_pvirtq_event e = *pk_drv(q);
	int off;

	if (e.flags == VIO_PEVENT_F_DISABLE)
		return false;
	if (e.flags != VIO_PEVENT_F_DESC)
		return true;
	if (!model_has(m, VIO_F_EVENT_IDX) && !m->packed)
		model_violation(m, "packed desc-specific event without EVENT_IDX");
	off = e.off_wrap & 0x7fff;
	if ((bool)(e.off_wrap >> 15) != q->pk_used_wrap)
		off -= q->size;
	return vio_vring_need_event((uint16_t)off, q->used_idx, old);
}

/* Write one used descriptor at the device's used position: id and len,
 * then the flags (avail = used = the used wrap counter, §2.8.1), and step
 * over the chain's descriptors. flags_xor lets a test write impossible
 * flag combinations. */
void mpk_push_raw(struct model *m, int qi, uint32_t id, uint32_t len, uint16_t flags_xor)
{
	struct mq *q = &m->q[qi];
	struct vio_pvirtq_desc *d = &pk_ring(q)[q->used_idx];
	uint16_t flags = q->pk_used_wrap ? (uint16_t)(VIO_PDESC_F_AVAIL | VIO_PDESC_F_USED) : 0;
	uint16_t old = q->signalled, n = id < q->size && q->pk_ndesc[id] ? q->pk_ndesc[id] : 1;

	VIO_WRITE_ONCE(d->id, (uint16_t)id);
	VIO_WRITE_ONCE(d->len, len);
	vio_wmb();
	VIO_WRITE_ONCE(d->flags, (uint16_t)(flags ^ flags_xor));
	vio_mb();
	if ((uint32_t)q->used_idx + n >= q->size) {
		q->used_idx = (uint16_t)(q->used_idx + n - q->size);
		q->pk_used_wrap = !q->pk_used_wrap;
	} else {
		q->used_idx = (uint16_t)(q->used_idx + n);
	}
	if (pk_need_irq(m, q, old)) {
		q->irqs++;
		m->isr |= VIO_ISR_QUEUE;
	}
	q->signalled = q->used_idx;
}

/* Chains available now (without taking them). */
int mpk_avail_count(struct model *m, int qi)
{
	struct mq *q = &m->q[qi];
	struct vio_pvirtq_desc *r = pk_ring(q);
	uint16_t at = q->pk_next;
	bool wrap = q->pk_avail_wrap;
	int chains = 0;

	for (int k = 0; k < q->size; k++) {
		uint16_t f = VIO_READ_ONCE(r[at].flags);
		if (!pk_available(q, f, wrap))
			break;
		if (!(f & VIO_DESC_F_NEXT))
			chains++;
		pk_step(q, &at, &wrap);
	}
	return chains;
}
