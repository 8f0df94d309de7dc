// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_vq_packed.c - packed virtqueue, driver side (virtio 1.2 §2.8), behind
 * the same interface as the split ring (vio_vq.h; vio_vq.c dispatches on
 * vq->packed).
 *
 * Memory (one coherent allocation):
 *   0           desc[size]           16 bytes each, 16-aligned (§2.8.10)
 *   drv_off     driver event area    ours: interrupt suppression (§2.8.10.1)
 *   dev_off     device event area    the device's: notification suppression
 *
 * Descriptors are written in ring order from next_avail; the avail and used
 * flag bits carry the wrap counters (§2.8.1). Chains are known by buffer id
 * (§2.8.6): ids come from a free list threaded through next[] (driver
 * memory), and shadow[id] holds what we posted - cookie, descriptor count,
 * writable length - so a completion is resolved from our own state.
 * Batching: the head flags of the first chain of a batch are held back and
 * written at publish (kick_prepare), after a write barrier (§2.8.21.2): one
 * publish makes the whole batch available, as avail->idx does for split.
 */
#include "vio_mem.h"
#include "vio_log.h"
#include "vio_vq.h"
#include "vio_vq_impl.h"

size_t vio_vq_packed_bytes(uint16_t size, size_t *drv_off, size_t *dev_off)
{
	size_t d = (size_t)size * sizeof(struct vio_pvirtq_desc);

	if (drv_off)
		*drv_off = d;
	if (dev_off)
		*dev_off = d + sizeof(struct vio_pvirtq_event);
	return d + 2 * sizeof(struct vio_pvirtq_event);
}

/* The avail/used bits of a descriptor made available now (§2.8.1). */
static uint16_t vio_pq_avail_bits(const struct vio_vq *vq)
{
	return vq->avail_wrap ? VIO_PDESC_F_AVAIL : VIO_PDESC_F_USED;
}

void vio_vq_packed_reset_state(struct vio_vq *vq)
{
	uint32_t i;

	for (i = 0; i < vq->size; i++)
		vq->next[i] = (uint16_t)(i + 1);
	vq->free_head = 0;
	vq->num_free = vq->size;
	vq->next_avail = 0;
	vq->last_used = 0;
	vq->avail_wrap = true; /* §2.8.1: both counters start at 1 */
	vq->used_wrap = true;
	vq->batch_n = 0;
	vq->batch_descs = 0;
	vq->added_descs = 0;
}

void vio_vq_packed_layout(struct vio_vq *vq)
{
	size_t drv_off, dev_off;
	char *base = vq->ring.vaddr;

	vio_vq_packed_bytes(vq->size, &drv_off, &dev_off);
	vq->pdesc = (void *)base;
	vq->drv_event = (void *)(base + drv_off);
	vq->dev_event = (void *)(base + dev_off);
}

/* One descriptor at slot `at`; its flags are written by the caller (the
 * head's last of all). */
static void vio_pq_fill(struct vio_vq *vq, struct vio_pvirtq_desc *d, const struct vio_vq_seg *s, uint16_t id)
{
	d->addr = vio_vq_64(vq, s->daddr);
	d->len = vio_vq_32(vq, s->len);
	d->id = vio_vq_16(vq, id);
}

static void vio_pq_advance(struct vio_vq *vq)
{
	if (++vq->next_avail == vq->size) {
		vq->next_avail = 0;
		vq->avail_wrap = !vq->avail_wrap;
	}
}

/* Write flags of the head slot: now, or at publish when it opens a batch. */
static void vio_pq_head_flags(struct vio_vq *vq, uint16_t slot, uint16_t flags)
{
	if (!vq->batch_n++) {
		vq->batch_head = slot;
		vq->batch_flags = flags;
		return;
	}
	vio_wmb(); /* the rest of the chain before its head (§2.8.21.2) */
	VIO_WRITE_ONCE(vq->pdesc[slot].flags, vio_vq_16(vq, flags));
}

/* The chain in this id's indirect table; one ring descriptor (§2.8.7). */
static uint64_t vio_pq_add_indirect(struct vio_vq *vq, uint16_t id, const struct vio_vq_seg *out,
				    uint16_t nout, const struct vio_vq_seg *in, uint16_t nin)
{
	size_t first = (size_t)id * vq->max_indirect;
	struct vio_pvirtq_desc *tbl = (struct vio_pvirtq_desc *)vq->indirect.vaddr + first;
	uint32_t total = (uint32_t)nout + nin, k;
	uint64_t in_len = 0;
	struct vio_vq_seg ind;
	uint16_t slot = vq->next_avail, flags;

	for (k = 0; k < total; k++) {
		const struct vio_vq_seg *s = k < nout ? &out[k] : &in[k - nout];

		vio_pq_fill(vq, &tbl[k], s, id);
		tbl[k].flags = vio_vq_16(vq, k < nout ? 0 : VIO_DESC_F_WRITE);
		if (k >= nout)
			in_len += s->len;
	}
	ind.daddr = vq->indirect.daddr + first * sizeof(*tbl);
	ind.len = (uint32_t)(total * sizeof(*tbl));
	vio_pq_fill(vq, &vq->pdesc[slot], &ind, id);
	flags = (uint16_t)(VIO_DESC_F_INDIRECT | vio_pq_avail_bits(vq)); /* before the wrap flips */
	vio_pq_advance(vq);
	vio_pq_head_flags(vq, slot, flags);
	return in_len;
}

static uint64_t vio_pq_add_direct(struct vio_vq *vq, uint16_t id, const struct vio_vq_seg *out, uint16_t nout,
				  const struct vio_vq_seg *in, uint16_t nin)
{
	uint32_t total = (uint32_t)nout + nin, k;
	uint16_t head = vq->next_avail, head_flags = 0;
	uint64_t in_len = 0;

	for (k = 0; k < total; k++) {
		const struct vio_vq_seg *s = k < nout ? &out[k] : &in[k - nout];
		uint16_t slot = vq->next_avail;
		uint16_t flags = (uint16_t)((k + 1 < total ? VIO_DESC_F_NEXT : 0) |
					    (k < nout ? 0 : VIO_DESC_F_WRITE) | vio_pq_avail_bits(vq));

		if (k >= nout)
			in_len += s->len;
		vio_pq_fill(vq, &vq->pdesc[slot], s, id);
		if (k == 0)
			head_flags = flags; /* with the wrap counter of its own slot */
		else
			VIO_WRITE_ONCE(vq->pdesc[slot].flags, vio_vq_16(vq, flags));
		vio_pq_advance(vq);
	}
	vio_pq_head_flags(vq, head, head_flags);
	return in_len;
}

int vio_vq_packed_add(struct vio_vq *vq, const struct vio_vq_seg *out, uint16_t nout,
		      const struct vio_vq_seg *in, uint16_t nin, void *cookie, uint16_t need)
{
	uint32_t total = (uint32_t)nout + nin;
	struct vio_vq_shadow *sh;
	uint16_t id = vq->free_head;
	uint64_t in_len;

	sh = &vq->shadow[id];
	vq->free_head = vq->next[id];
	if (need == 1 && total > 1)
		in_len = vio_pq_add_indirect(vq, id, out, nout, in, nin);
	else
		in_len = vio_pq_add_direct(vq, id, out, nout, in, nin);
	sh->in_len = in_len > 0xffffffffULL ? 0xffffffffU : (uint32_t)in_len;
	sh->ndesc = need;
	sh->indirect = need == 1 && total > 1;
	sh->cookie = cookie;
	vq->num_free = (uint16_t)(vq->num_free - need);
	vq->added_descs = (uint16_t)(vq->added_descs + need);
	vq->batch_descs = (uint16_t)(vq->batch_descs + need); /* unpublished until kick_prepare */
	return VIO_OK;
}

/* ---- publish and notify: §2.8.21 ---- */

static void vio_pq_publish(struct vio_vq *vq)
{
	if (!vq->batch_n) {
		vq->batch_descs = 0;
		return;
	}
	vio_wmb(); /* every descriptor of the batch before its first head */
	VIO_WRITE_ONCE(vq->pdesc[vq->batch_head].flags, vio_vq_16(vq, vq->batch_flags));
	vq->batch_n = 0;
	vq->batch_descs = 0;
}

/* The device's event suppression area in one 32-bit read, so flags and
 * off_wrap come from the same update (Linux's virtqueue_kick_prepare_packed
 * takes the same snapshot); the union keeps the fields in memory order. */
static void vio_pq_dev_event(const struct vio_vq *vq, uint16_t *flags, uint16_t *off_wrap)
{
	union {
		uint32_t u32;
		struct vio_pvirtq_event e;
	} snap;

	snap.u32 = VIO_READ_ONCE(*(const volatile uint32_t *)(const void *)vq->dev_event);
	*flags = vio_vq_16(vq, snap.e.flags);
	*off_wrap = vio_vq_16(vq, snap.e.off_wrap);
}

bool vio_vq_packed_kick_prepare(struct vio_vq *vq)
{
	uint16_t new = vq->next_avail, old, flags, off_wrap, event;
	uint16_t added = vq->added_descs;

	vio_pq_publish(vq);
	if (!added)
		return false;
	vq->added_descs = 0;
	old = (uint16_t)(new - added); /* may be "negative": need_event is mod 2^16 */
	vio_mb();		       /* our flags before the device's suppression state (§2.8.21.3) */
	vio_pq_dev_event(vq, &flags, &off_wrap);
	if (flags != VIO_PEVENT_F_DESC || !vq->event_idx) {
		if (flags == VIO_PEVENT_F_DISABLE) {
			vq->stats.kicks_suppressed++;
			return false;
		}
		return true;
	}
	event = (uint16_t)(off_wrap & 0x7fff);
	/* an event in the other lap of the ring sits `size` earlier */
	if ((bool)(off_wrap >> 15) != vq->avail_wrap)
		event = (uint16_t)(event - vq->size);
	if (vio_vring_need_event(event, new, old))
		return true;
	vq->stats.kicks_suppressed++;
	return false;
}

/* ---- completions: §2.8.8 ---- */

/* Used when both flag bits equal our used wrap counter (§2.8.1). */
static bool vio_pq_is_used(const struct vio_vq *vq, uint16_t flags)
{
	bool avail = flags & VIO_PDESC_F_AVAIL, used = flags & VIO_PDESC_F_USED;

	return avail == used && used == vq->used_wrap;
}

bool vio_vq_packed_pending(const struct vio_vq *vq)
{
	return !vq->broken &&
	       vio_pq_is_used(vq, vio_vq_16(vq, VIO_READ_ONCE(vq->pdesc[vq->last_used].flags)));
}

static void vio_pq_free_id(struct vio_vq *vq, uint16_t id)
{
	struct vio_vq_shadow *sh = &vq->shadow[id];

	vq->num_free = (uint16_t)(vq->num_free + sh->ndesc);
	vq->next[id] = vq->free_head;
	vq->free_head = id;
	*sh = (struct vio_vq_shadow){0}; /* a few stores, not a byte loop */
}

static void vio_pq_advance_used(struct vio_vq *vq, uint16_t ndesc)
{
	uint32_t at = (uint32_t)vq->last_used + ndesc;

	if (at >= vq->size) {
		at -= vq->size;
		vq->used_wrap = !vq->used_wrap;
	}
	vq->last_used = (uint16_t)at;
}

/* The flags at last_used, checked. While a published chain is out, the
 * slot at last_used was written by us in this lap, so its AVAIL bit is our
 * used wrap counter: pending (USED not) or used (USED too). AVAIL from
 * another lap there is a state only the device can have written (with
 * nothing out, the slot holds the last lap's flags and means nothing). */
static int vio_pq_used_at(struct vio_vq *vq, uint16_t *flags)
{
	uint16_t out = (uint16_t)(vq->size - vq->num_free - vq->batch_descs);

	*flags = vio_vq_16(vq, VIO_READ_ONCE(vq->pdesc[vq->last_used].flags));
	if (vio_pq_is_used(vq, *flags))
		return 1;
	if (out && (bool)(*flags & VIO_PDESC_F_AVAIL) != vq->used_wrap) {
		vio_vq_violation(vq, "used flags from another lap of the ring (wrap counter)", *flags,
				 vq->last_used);
		return VIO_EBROKEN;
	}
	return 0;
}

int vio_vq_packed_get(struct vio_vq *vq, void **cookie, uint32_t *len)
{
	uint16_t flags, id;
	uint32_t n;
	int r = vio_pq_used_at(vq, &flags);

	if (r <= 0)
		return r;
	vio_rmb(); /* §2.8.8: id and len after the flags that say used */
	id = vio_vq_16(vq, VIO_READ_ONCE(vq->pdesc[vq->last_used].id));
	n = vio_vq_32(vq, VIO_READ_ONCE(vq->pdesc[vq->last_used].len));
	r = vio_vq_check_used(vq, id, &n);
	if (r)
		return r;
	*cookie = vq->shadow[id].cookie;
	if (len)
		*len = n;
	vio_pq_advance_used(vq, vq->shadow[id].ndesc);
	vio_pq_free_id(vq, id);
	vq->stats.completed++;
	if (vq->event_idx && !vq->cb_disabled) {
		VIO_WRITE_ONCE(vq->drv_event->off_wrap,
			       vio_vq_16(vq, (uint16_t)(vq->last_used | (vq->used_wrap ? 0x8000 : 0))));
		vio_mb();
	}
	return 1;
}

/* ---- interrupt suppression: §2.8.10 ---- */

void vio_vq_packed_disable_cb(struct vio_vq *vq)
{
	VIO_WRITE_ONCE(vq->drv_event->flags, vio_vq_16(vq, VIO_PEVENT_F_DISABLE));
}

/* Ask for an interrupt at the used descriptor `ahead` slots past last_used
 * (EVENT_IDX: desc-specific), or at every one; then recheck. */
void vio_vq_packed_arm(struct vio_vq *vq, uint16_t ahead)
{
	if (vq->event_idx) {
		uint32_t at = (uint32_t)vq->last_used + ahead;
		bool wrap = vq->used_wrap;

		if (at >= vq->size) {
			at -= vq->size;
			wrap = !wrap;
		}
		VIO_WRITE_ONCE(vq->drv_event->off_wrap, vio_vq_16(vq, (uint16_t)(at | (wrap ? 0x8000 : 0))));
		vio_wmb(); /* the event before the flags that enable it */
		VIO_WRITE_ONCE(vq->drv_event->flags, vio_vq_16(vq, VIO_PEVENT_F_DESC));
	} else {
		VIO_WRITE_ONCE(vq->drv_event->flags, vio_vq_16(vq, VIO_PEVENT_F_ENABLE));
	}
	vio_mb();
}

/* Descriptors in flight: what the delayed interrupt counts 3/4 of. */
uint16_t vio_vq_packed_inflight(const struct vio_vq *vq)
{
	return (uint16_t)(vq->size - vq->num_free);
}

void *vio_vq_packed_detach(struct vio_vq *vq, uint16_t id)
{
	void *cookie = vq->shadow[id].cookie;

	vio_pq_free_id(vq, id);
	return cookie;
}
