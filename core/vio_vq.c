// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_vq.c - split virtqueue, driver side (virtio 1.2 §2.7).
 *
 * Memory (one coherent allocation, 4 KiB aligned):
 *
 *   0             desc[size]        16 bytes each, 16-aligned   (§2.7.5)
 *   avail_off     avail ring        flags, idx, ring[size], used_event
 *   used_off      used ring         flags, idx, ring[size], avail_event
 *
 * Modern: avail follows desc, used at the next 4-byte boundary (§2.7 "Queue
 * Part Alignment"). Legacy: used at the next 4 KiB boundary (§2.7.2 legacy
 * interface); the original OS X driver under-allocated this for sizes >= 512.
 *
 * Driver-private state (never shown to the device): the free list threaded
 * through next[], and shadow[head] for each chain in flight. A completion is
 * resolved entirely from shadow[]: the device can name a head, we check it
 * is one we posted, and free exactly what we recorded.
 */
#include "vio_vq.h"
#include "vio_mem.h"
#include "vio_log.h"
#include "vio_vq_impl.h"

static size_t vio_vq_align(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

size_t vio_vq_ring_bytes(uint16_t size, bool legacy, size_t *avail_off, size_t *used_off)
{
	size_t avail = VIO_VQ_DESC_BYTES(size);
	size_t used = avail + VIO_VQ_AVAIL_BYTES(size);

	if (avail_off)
		*avail_off = avail;
	if (!legacy) {
		used = vio_vq_align(used, VIO_VQ_USED_ALIGN);
		if (used_off)
			*used_off = used;
		return used + VIO_VQ_USED_BYTES(size);
	}
	/* §2.7.2: the legacy formula rounds both halves up to Queue Align */
	used = vio_vq_align(used, VIO_LEGACY_QUEUE_ALIGN);
	if (used_off)
		*used_off = used;
	return used + vio_vq_align(VIO_VQ_USED_BYTES(size), VIO_LEGACY_QUEUE_ALIGN);
}

/* ---- broken latch ---- */

void vio_vq_violation(struct vio_vq *vq, const char *why, uint32_t val, uint32_t limit)
{
	if (vq->broken)
		return;
	vq->broken = true;
	vio_err(vq->os, "queue %u broken: %s (%u, limit %u)", vq->index, why, val, limit);
}

void vio_vq_set_broken(struct vio_vq *vq, const char *why)
{
	if (vq->broken)
		return;
	vq->broken = true;
	vio_err(vq->os, "queue %u broken: %s", vq->index, why ? why : "unknown reason");
}

/* ---- create / destroy ---- */

static uint16_t vio_vq_pow2_floor(uint16_t v)
{
	uint16_t p = 1;

	while (p <= v / 2)
		p = (uint16_t)(p * 2);
	return p;
}

/* The device's maximum must be a power of two for a split ring (§2.7). A
 * modern device takes any smaller power of two (§4.1.4.3); a legacy one only
 * its own size. */
static int vio_vq_pick_size(struct vio_vq *vq, uint16_t max_size, uint16_t *size)
{
	uint16_t max = vq->bus->queue_max(vq->bus->ctx, vq->index);

	if (!max || (max & (max - 1))) {
		vio_err(vq->os, "queue %u: device size %u is not a usable power of two", vq->index, max);
		return VIO_EIO;
	}
	*size = max;
	if (max_size && max_size < max) {
		if (!vq->legacy)
			*size = vio_vq_pow2_floor(max_size);
		else
			vio_dbg(vq->os, "queue %u: legacy device cannot shrink, using %u", vq->index, max);
	}
	return VIO_OK;
}

static void vio_vq_init_free_list(struct vio_vq *vq)
{
	uint32_t i;

	if (vq->packed) {
		vio_vq_packed_reset_state(vq);
		return;
	}
	/* next[size - 1] = size marks the end; num_free guards every walk */
	for (i = 0; i < vq->size; i++)
		vq->next[i] = (uint16_t)(i + 1);
	vq->free_head = 0;
	vq->num_free = vq->size;
}

/* One indirect table of max_indirect descriptors per head (§2.7.5.3),
 * clamped to the queue size: §2.7.5.3.1 forbids longer chains. */
static int vio_vq_alloc_indirect(struct vio_vq *vq, const struct vio_vq_params *p)
{
	uint16_t mi = p->max_indirect;
	int err;

	if (!p->indirect || !mi)
		return VIO_OK;
	if (mi > vq->size)
		mi = vq->size;
	err = vio_dev_dma_alloc(vq->dev, (size_t)vq->size * mi * sizeof(struct vio_vring_desc),
				VIO_VQ_DESC_ALIGN, &vq->indirect);
	if (err)
		return err;
	vq->max_indirect = vq->indirect_cap = mi;
	return VIO_OK;
}

/* Bytes of ring memory and where the driver and device areas start. */
static size_t vio_vq_layout(const struct vio_vq *vq, size_t *avail_off, size_t *used_off)
{
	if (vq->packed)
		return vio_vq_packed_bytes(vq->size, avail_off, used_off);
	return vio_vq_ring_bytes(vq->size, vq->legacy, avail_off, used_off);
}

/* Point the ring parts into ring memory for the current size. */
static void vio_vq_set_layout(struct vio_vq *vq)
{
	size_t avail_off, used_off;
	char *base = vq->ring.vaddr;

	vio_vq_layout(vq, &avail_off, &used_off);
	/* via void *: the offsets keep each part aligned (see the layout) */
	vq->desc = (void *)base;
	vq->avail = (void *)(base + avail_off);
	vq->used = (void *)(base + used_off);
	vq->used_event = &vq->avail->ring[vq->size];
	vq->avail_event = (uint16_t *)&vq->used->ring[vq->size];
	if (vq->packed)
		vio_vq_packed_layout(vq);
}

static int vio_vq_alloc(struct vio_vq *vq, const struct vio_vq_params *p)
{
	size_t avail_off, used_off, bytes;
	int err;

	bytes = vio_vq_layout(vq, &avail_off, &used_off);
	err = vio_dev_dma_alloc(vq->dev, bytes, VIO_LEGACY_QUEUE_ALIGN, &vq->ring);
	if (err)
		return err;
	vio_vq_set_layout(vq);
	vq->shadow = vio_dev_zalloc(vq->dev, (size_t)vq->size * sizeof(*vq->shadow));
	vq->next = vio_dev_zalloc(vq->dev, (size_t)vq->size * sizeof(*vq->next));
	if (!vq->shadow || !vq->next)
		return VIO_ENOMEM;
	vio_vq_init_free_list(vq);
	return vio_vq_alloc_indirect(vq, p);
}

static int vio_vq_program(struct vio_vq *vq)
{
	uint64_t base = vq->ring.daddr;
	size_t avail_off, used_off;

	vio_vq_layout(vq, &avail_off, &used_off);
	return vq->bus->queue_setup(vq->bus->ctx, vq->index, vq->size, base, base + avail_off,
				    base + used_off, vq->vector, &vq->notify_off);
}

int vio_vq_create(struct vio_vq *vq, struct vio_dev *dev, const struct vio_vq_params *p)
{
	uint16_t size;
	int err;

	if (!vq || !dev || !p || !p->bus)
		return VIO_EINVAL;
	vio_memset(vq, 0, sizeof(*vq));
	vq->dev = dev;
	vq->os = vio_dev_os(dev);
	vq->bus = p->bus;
	vq->legacy = p->bus->legacy;
	vq->packed = p->packed && !p->bus->legacy; /* §2.8 needs VERSION_1 */
	vq->index = p->index;
	vq->vector = p->vector;
	vq->event_idx = p->event_idx;
	err = vio_vq_pick_size(vq, p->max_size, &size);
	if (err) {
		vq->dev = NULL;
		return err;
	}
	vq->size = vq->cap = size;
	err = vio_vq_alloc(vq, p);
	if (!err)
		err = vio_vq_program(vq);
	if (err) {
		vio_err(vio_dev_os(dev), "queue %u: set-up failed: %s", p->index, vio_strerror(err));
		vio_vq_destroy(vq);
		return err;
	}
	vio_dbg(vio_dev_os(dev), "queue %u: size %u, indirect %u, event_idx %u, vector 0x%x", vq->index,
		vq->size, vq->max_indirect, vq->event_idx, vq->vector);
	return VIO_OK;
}

/* The queue as vio_vq_create left it, at `size` entries, on the memory it
 * already has: after a device or queue reset every chain must have been
 * taken back (detach_unused). */
int vio_vq_resize(struct vio_vq *vq, uint16_t size)
{
	size_t avail_off, used_off;
	uint16_t max;

	if (!vq || !vq->dev || !vq->ring.vaddr)
		return VIO_EINVAL;
	if (!size || (size & (size - 1)) || size > vq->cap || (vq->legacy && size != vq->size) ||
	    size <= vq->reserved)
		return VIO_EINVAL;
	for (max = 0; max < vq->size; max++)
		if (vq->shadow[max].cookie)
			return VIO_EINVAL; /* a chain still out: the caller must drain first */
	max = vq->bus->queue_max(vq->bus->ctx, vq->index);
	if (!max || max < size || (vq->legacy && max != size)) {
		vio_err(vq->os, "queue %u: device size is now %u, the ring needs %u", vq->index, max, size);
		return VIO_EIO;
	}
	vq->size = size;
	vio_vq_set_layout(vq);
	/* §2.7.5.3.1: no indirect table longer than the queue */
	vq->max_indirect = vq->indirect_cap < size ? vq->indirect_cap : size;
	vio_memset(vq->ring.vaddr, 0, vio_vq_layout(vq, &avail_off, &used_off));
	vio_memset(vq->shadow, 0, (size_t)vq->cap * sizeof(*vq->shadow));
	vio_vq_init_free_list(vq);
	vq->avail_idx = vq->avail_pub = vq->kicked_idx = vq->last_used = 0;
	vq->detach_pos = 0;
	vq->broken = false;
	vq->cb_disabled = false;
	return vio_vq_program(vq);
}

int vio_vq_restart(struct vio_vq *vq)
{
	return vq ? vio_vq_resize(vq, vq->size) : VIO_EINVAL;
}

/* RING_RESET (§2.6.1): the device forgets this queue; vio_vq_detach_unused
 * then hands back every chain, and vio_vq_resize enables it again. */
int vio_vq_reset(struct vio_vq *vq)
{
	int err;

	if (!vq || !vq->dev || !vq->ring.vaddr)
		return VIO_EINVAL;
	if (!vq->bus->queue_reset)
		return VIO_ENOTSUP;
	err = vq->bus->queue_reset(vq->bus->ctx, vq->index);
	if (err)
		return err;
	vq->detach_pos = 0;
	return VIO_OK;
}

void vio_vq_destroy(struct vio_vq *vq)
{
	struct vio_dev *d;

	if (!vq || !vq->dev)
		return;
	d = vq->dev;
	if (vq->ring.vaddr && vq->bus)
		vq->bus->queue_disable(vq->bus->ctx, vq->index);
	vio_dev_dma_free(d, &vq->indirect);
	vio_dev_free(d, vq->shadow, (size_t)vq->cap * sizeof(*vq->shadow));
	vio_dev_free(d, vq->next, (size_t)vq->cap * sizeof(*vq->next));
	vio_dev_dma_free(d, &vq->ring);
	vio_memset(vq, 0, sizeof(*vq));
}

void vio_vq_reserve(struct vio_vq *vq, uint16_t n)
{
	vq->reserved = n > vq->size ? vq->size : n;
}

/* ---- posting ---- */

static bool vio_vq_goes_indirect(const struct vio_vq *vq, uint32_t nseg)
{
	return nseg > 1 && nseg <= vq->max_indirect;
}

uint16_t vio_vq_descs_needed(const struct vio_vq *vq, uint16_t nseg)
{
	return vio_vq_goes_indirect(vq, nseg) ? 1 : nseg;
}

bool vio_vq_has_room(const struct vio_vq *vq, uint16_t nseg)
{
	uint32_t need = vio_vq_descs_needed(vq, nseg);

	return !vq->broken && need && vq->num_free >= need + vq->reserved;
}

static void vio_vq_set_desc(const struct vio_vq *vq, struct vio_vring_desc *d, const struct vio_vq_seg *s,
			    uint16_t flags, uint16_t next)
{
	d->addr = vio_vq_64(vq, s->daddr);
	d->len = vio_vq_32(vq, s->len);
	d->flags = vio_vq_16(vq, flags);
	d->next = vio_vq_16(vq, next);
}

/* Write out[] then in[] (device-readable before device-writable, §2.7.4.2)
 * into tbl starting at `first`, following links[] (the ring's free list) or
 * consecutive slots (an indirect table, links NULL). Returns the writable
 * length; *last is the chain's final slot. */
static uint64_t vio_vq_fill_table(const struct vio_vq *vq, struct vio_vring_desc *tbl, const uint16_t *links,
				  uint16_t first, const struct vio_vq_seg *out, uint16_t nout,
				  const struct vio_vq_seg *in, uint16_t nin, uint16_t *last)
{
	uint32_t total = (uint32_t)nout + nin, k;
	uint16_t i = first, nxt, flags;
	uint64_t in_len = 0;

	for (k = 0; k < total; k++) {
		nxt = links ? links[i] : (uint16_t)(i + 1);
		flags = k + 1 < total ? VIO_DESC_F_NEXT : 0;
		if (k < nout) {
			vio_vq_set_desc(vq, &tbl[i], &out[k], flags, nxt);
		} else {
			vio_vq_set_desc(vq, &tbl[i], &in[k - nout], flags | VIO_DESC_F_WRITE, nxt);
			in_len += in[k - nout].len;
		}
		*last = i;
		i = nxt;
	}
	return in_len;
}

static uint32_t vio_vq_clamp32(uint64_t v)
{
	return v > 0xffffffffULL ? 0xffffffffU : (uint32_t)v;
}

/* The chain goes into this head's own table; the ring holds one descriptor
 * with INDIRECT alone, never with NEXT or WRITE (§2.7.5.3.1). */
static void vio_vq_add_indirect(struct vio_vq *vq, uint16_t head, const struct vio_vq_seg *out, uint16_t nout,
				const struct vio_vq_seg *in, uint16_t nin, struct vio_vq_shadow *sh)
{
	size_t first = (size_t)head * vq->max_indirect;
	struct vio_vring_desc *tbl = (struct vio_vring_desc *)vq->indirect.vaddr + first;
	struct vio_vq_seg ind;
	uint16_t last;

	sh->in_len = vio_vq_clamp32(vio_vq_fill_table(vq, tbl, NULL, 0, out, nout, in, nin, &last));
	ind.daddr = vq->indirect.daddr + first * sizeof(*tbl);
	ind.len = (uint32_t)(((uint32_t)nout + nin) * sizeof(*tbl));
	vio_vq_set_desc(vq, &vq->desc[head], &ind, VIO_DESC_F_INDIRECT, 0);
	vq->free_head = vq->next[head];
	vq->num_free--;
	sh->ndesc = 1;
	sh->last = head;
	sh->indirect = 1;
}

static void vio_vq_add_direct(struct vio_vq *vq, uint16_t head, const struct vio_vq_seg *out, uint16_t nout,
			      const struct vio_vq_seg *in, uint16_t nin, struct vio_vq_shadow *sh)
{
	uint16_t total = (uint16_t)(nout + nin);
	sh->in_len =
	    vio_vq_clamp32(vio_vq_fill_table(vq, vq->desc, vq->next, head, out, nout, in, nin, &sh->last));
	/* the chain keeps its next[] links: freeing it is one splice */
	vq->free_head = vq->next[sh->last];
	vq->num_free = (uint16_t)(vq->num_free - total);
	sh->ndesc = total;
	sh->indirect = 0;
}

static int vio_vq_check_chain(struct vio_vq *vq, const struct vio_vq_seg *out, uint16_t nout,
			      const struct vio_vq_seg *in, uint16_t nin, void *cookie)
{
	uint32_t total = (uint32_t)nout + nin;

	if (vq->broken)
		return VIO_EBROKEN;
	if (!cookie || !total || (nout && !out) || (nin && !in))
		return VIO_EINVAL;
	return VIO_OK;
}

static int vio_vq_add_chain(struct vio_vq *vq, const struct vio_vq_seg *out, uint16_t nout,
			    const struct vio_vq_seg *in, uint16_t nin, void *cookie, uint16_t floor)
{
	uint32_t total = (uint32_t)nout + nin, need;
	struct vio_vq_shadow *sh;
	uint16_t head;
	int err = vio_vq_check_chain(vq, out, nout, in, nin, cookie);

	if (err)
		return err;
	/* a chain longer than the ring (and not indirect) is ENOSPC too: it
	 * needs more descriptors than num_free can ever hold */
	need = total > 0xffff ? total : vio_vq_descs_needed(vq, (uint16_t)total);
	if ((uint32_t)vq->num_free < need + floor) {
		vq->stats.full++;
		return VIO_ENOSPC;
	}
	if (vq->packed) {
		vio_vq_packed_add(vq, out, nout, in, nin, cookie, (uint16_t)need);
		vq->stats.added++;
		return VIO_OK;
	}
	head = vq->free_head;
	sh = &vq->shadow[head];
	if (vio_vq_goes_indirect(vq, total))
		vio_vq_add_indirect(vq, head, out, nout, in, nin, sh);
	else
		vio_vq_add_direct(vq, head, out, nout, in, nin, sh);
	sh->cookie = cookie;
	/* visible to the device only at the next publish (avail->idx) */
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = vio_vq_16(vq, head);
	vq->avail_idx++;
	vq->stats.added++;
	return VIO_OK;
}

int vio_vq_add(struct vio_vq *vq, const struct vio_vq_seg *out, uint16_t nout, const struct vio_vq_seg *in,
	       uint16_t nin, void *cookie)
{
	return vio_vq_add_chain(vq, out, nout, in, nin, cookie, vq->reserved);
}

int vio_vq_add_reserved(struct vio_vq *vq, const struct vio_vq_seg *out, uint16_t nout,
			const struct vio_vq_seg *in, uint16_t nin, void *cookie)
{
	return vio_vq_add_chain(vq, out, nout, in, nin, cookie, 0);
}

/* ---- publish and notify: §2.7.13 ---- */

bool vio_vq_kick_prepare(struct vio_vq *vq)
{
	uint16_t old = vq->kicked_idx, new = vq->avail_idx;
	bool kick;

	if (vq->broken)
		return false;
	if (vq->packed)
		return vio_vq_packed_kick_prepare(vq);
	if (new != vq->avail_pub) {
		/* §2.7.13.3: descriptors and ring entries before the index */
		vio_wmb();
		VIO_WRITE_ONCE(vq->avail->idx, vio_vq_16(vq, new));
		vq->avail_pub = new;
	}
	if (old == new)
		return false;
	vq->kicked_idx = new;
	/* §2.7.13.4: the index must be visible before we read the device's
	 * suppression state, or both sides can decide to wait */
	vio_mb();
	if (vq->event_idx)
		kick = vio_vring_need_event(vio_vq_16(vq, VIO_READ_ONCE(*vq->avail_event)), new, old);
	else
		kick = !(vio_vq_16(vq, VIO_READ_ONCE(vq->used->flags)) & VIO_USED_F_NO_NOTIFY);
	if (!kick)
		vq->stats.kicks_suppressed++;
	return kick;
}

void vio_vq_notify(struct vio_vq *vq)
{
	if (vq->broken)
		return;
	vq->bus->notify(vq->bus->ctx, vq->index, vq->notify_off);
	vq->stats.kicks++;
}

void vio_vq_notify_only(const struct vio_vq *vq)
{
	vq->bus->notify(vq->bus->ctx, vq->index, vq->notify_off);
}

bool vio_vq_kick(struct vio_vq *vq)
{
	if (!vio_vq_kick_prepare(vq))
		return false;
	vio_vq_notify(vq);
	return true;
}

/* ---- completions: §2.7.8 ---- */

static uint16_t vio_vq_used_idx(const struct vio_vq *vq)
{
	return vio_vq_16(vq, VIO_READ_ONCE(vq->used->idx));
}

bool vio_vq_pending(const struct vio_vq *vq)
{
	if (vq->packed)
		return vio_vq_packed_pending(vq);
	return !vq->broken && vio_vq_used_idx(vq) != vq->last_used;
}

/* Return a chain to the free list from our shadow alone: its next[] links
 * were never changed while it was in flight, so one splice frees it. */
static void vio_vq_free_chain(struct vio_vq *vq, uint16_t head)
{
	struct vio_vq_shadow *sh = &vq->shadow[head];

	vq->next[sh->last] = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + sh->ndesc);
	*sh = (struct vio_vq_shadow){0}; /* a few stores, not a byte loop */
}

/* Check one used element against what we posted. A chain with no
 * device-writable buffer (TX) carries no meaningful len: some devices
 * (VirtualBox's legacy virtio-net) report the bytes they read, so its len
 * is reported as 0 rather than treated as a violation. */
int vio_vq_check_used(struct vio_vq *vq, uint32_t id, uint32_t *len)
{
	struct vio_vq_shadow *sh;

	if (id >= vq->size) {
		vio_vq_violation(vq, "used id out of range", id, vq->size);
		return VIO_EBROKEN;
	}
	sh = &vq->shadow[id];
	if (!sh->cookie) {
		vio_vq_violation(vq, "used id not in flight (duplicate completion?)", id, vq->size);
		return VIO_EBROKEN;
	}
	if (!sh->in_len) {
		*len = 0;
	} else if (*len > sh->in_len) {
		vio_vq_violation(vq, "used len larger than posted", *len, sh->in_len);
		return VIO_EBROKEN;
	}
	return VIO_OK;
}

int vio_vq_get(struct vio_vq *vq, void **cookie, uint32_t *len)
{
	struct vio_vring_used_elem *e;
	uint16_t used_idx;
	uint32_t id, n;
	int err;

	if (vq->broken)
		return VIO_EBROKEN;
	if (!cookie)
		return VIO_EINVAL;
	if (vq->packed)
		return vio_vq_packed_get(vq, cookie, len);
	used_idx = vio_vq_used_idx(vq);
	if (used_idx == vq->last_used)
		return 0;
	/* §2.7.8.2: the device writes the element before idx; read it after */
	vio_rmb();
	if ((uint16_t)(used_idx - vq->last_used) > vq->size) {
		vio_vq_violation(vq, "used idx jumped", (uint16_t)(used_idx - vq->last_used), vq->size);
		return VIO_EBROKEN;
	}
	e = &vq->used->ring[vq->last_used & (vq->size - 1)];
	id = vio_vq_32(vq, VIO_READ_ONCE(e->id));
	n = vio_vq_32(vq, VIO_READ_ONCE(e->len));
	err = vio_vq_check_used(vq, id, &n);
	if (err)
		return err;
	*cookie = vq->shadow[id].cookie;
	if (len)
		*len = n;
	vio_vq_free_chain(vq, (uint16_t)id);
	vq->last_used++;
	vq->stats.completed++;
	/* EVENT_IDX (§2.7.10): ask for an interrupt at the next entry, and
	 * order the write before the next read of used->idx (Linux's
	 * virtqueue_get_buf does the same) */
	if (vq->event_idx && !vq->cb_disabled) {
		VIO_WRITE_ONCE(*vq->used_event, vio_vq_16(vq, vq->last_used));
		vio_mb();
	}
	return 1;
}

/* ---- interrupt suppression: §2.7.7, §2.7.10 ---- */

void vio_vq_disable_cb(struct vio_vq *vq)
{
	if (vq->cb_disabled)
		return;
	vq->cb_disabled = true;
	if (vq->packed) {
		vio_vq_packed_disable_cb(vq);
		return;
	}
	/* With EVENT_IDX the flags field must stay 0 (§2.7.7.1); park
	 * used_event half the index space away instead, where no honest used
	 * idx (at most `size` <= 32768 ahead) can cross it. */
	if (vq->event_idx)
		VIO_WRITE_ONCE(*vq->used_event, vio_vq_16(vq, (uint16_t)(vq->last_used + 0x8000)));
	else
		VIO_WRITE_ONCE(vq->avail->flags, vio_vq_16(vq, VIO_AVAIL_F_NO_INTERRUPT));
}

/* Re-arm at `event` (EVENT_IDX) or clear NO_INTERRUPT, then recheck: a
 * completion that landed before the re-arm raised no interrupt. */
static void vio_vq_arm(struct vio_vq *vq, uint16_t event)
{
	bool was_disabled = vq->cb_disabled;

	vq->cb_disabled = false;
	if (vq->event_idx)
		VIO_WRITE_ONCE(*vq->used_event, vio_vq_16(vq, event));
	else if (was_disabled)
		VIO_WRITE_ONCE(vq->avail->flags, 0);
	vio_mb();
}

bool vio_vq_enable_cb(struct vio_vq *vq)
{
	if (vq->broken)
		return true; /* nothing to poll: a broken queue yields nothing */
	if (vq->packed) {
		vq->cb_disabled = false;
		vio_vq_packed_arm(vq, 0);
		return !vio_vq_packed_pending(vq);
	}
	vio_vq_arm(vq, vq->last_used);
	return vio_vq_used_idx(vq) == vq->last_used;
}

bool vio_vq_enable_cb_delayed(struct vio_vq *vq)
{
	uint16_t bufs;

	if (vq->broken)
		return true;
	if (vq->packed) { /* ~3/4 of the descriptors in flight */
		vq->cb_disabled = false;
		vio_vq_packed_arm(vq, (uint16_t)(vio_vq_packed_inflight(vq) * 3 / 4));
		return !vio_vq_packed_pending(vq);
	}
	/* interrupt after ~3/4 of what the device holds (Linux's threshold) */
	bufs = (uint16_t)((uint16_t)(vq->avail_pub - vq->last_used) * 3 / 4);
	vio_vq_arm(vq, (uint16_t)(vq->last_used + bufs));
	return (uint16_t)(vio_vq_used_idx(vq) - vq->last_used) <= bufs;
}

/* ---- teardown ---- */

/* A cursor keeps a full drain linear: each call resumes where the last
 * one found a chain (heads before it were empty then, and a drain posts
 * nothing); one wrapped pass catches a chain posted behind the cursor. */
void *vio_vq_detach_unused(struct vio_vq *vq)
{
	uint32_t n, i;
	void *cookie;

	if (!vq || !vq->shadow || !vq->size)
		return NULL;
	for (n = 0; n < vq->size; n++) {
		i = ((uint32_t)vq->detach_pos + n) % vq->size;
		vq->stats.detach_steps++;
		cookie = vq->shadow[i].cookie;
		if (cookie && vq->packed) {
			vio_vq_packed_detach(vq, (uint16_t)i);
			vq->detach_pos = (uint16_t)((i + 1) % vq->size);
			return cookie;
		}
		if (cookie) {
			vio_vq_free_chain(vq, (uint16_t)i);
			vq->detach_pos = (uint16_t)((i + 1) % vq->size);
			return cookie;
		}
	}
	vq->detach_pos = 0;
	return NULL;
}
