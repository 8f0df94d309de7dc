/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vio_vq.h - split virtqueue, driver side (virtio 1.2 §2.7).
 *
 * One vio_dma allocation holds the descriptor table, the available ring and
 * the used ring, laid out by the spec's alignment rules (modern) or the legacy
 * 4 KiB rule. The driver keeps a shadow of every chain it posted (cookie,
 * descriptor count, last descriptor, writable length), so completing a chain
 * never re-reads a descriptor from shared memory: the device can only make us
 * look up our own state, which we check.
 *
 * Posting is split from publishing and notifying so callers batch:
 *     vio_vq_add() ... vio_vq_add();   // fill descriptors, avail entries
 *     if (vio_vq_kick_prepare(vq))     // publish avail idx once; ask the
 *             vio_vq_notify(vq);       // device (EVENT_IDX/NO_NOTIFY) and kick
 *
 * Any device violation (used id out of range or not in flight, a completion
 * twice, len larger than posted, used idx moving by more than the ring size)
 * latches vq->broken, is logged once, and every later call returns
 * VIO_EBROKEN: the caller reports link down and stops using the queue; memory
 * is still released normally by vio_vq_destroy().
 *
 * Corner cases (decided in vio_vq.c):
 *  - used len is checked against the device-writable bytes posted; a chain
 *    with no writable buffer (TX) reports len 0 whatever the device wrote
 *    (VirtualBox's legacy device writes the bytes it read; §2.7.8.1 legacy
 *    says to ignore len), it is never a violation.
 *  - a chain of more segments than the ring that cannot go indirect is
 *    VIO_ENOSPC like any chain that does not fit (and will never fit: a
 *    caller must bound its segment count by the ring size).
 *  - max_indirect is clamped to the ring size (§2.7.5.3.1: no chain longer
 *    than the queue size); vq->max_indirect holds the clamped value.
 *  - a legacy device ignores params.max_size (it cannot resize).
 *  - reserve(n) clamps n to the ring size.
 *  - enable_cb / enable_cb_delayed return true on a broken queue (there is
 *    nothing to poll; a caller looping on false must not spin).
 *  - disable_cb with EVENT_IDX parks used_event at last_used + 0x8000
 *    (flags must stay 0 with EVENT_IDX, §2.7.7.1).
 *  - vio_vq_get's len may be NULL; detach_unused works on a broken queue.
 *
 * Locking: a virtqueue is not thread-safe; the caller serialises all calls
 * for one queue (the front-end's queue lock or NAPI context).
 */
#ifndef VIO_VQ_H
#define VIO_VQ_H

#include "vio_os.h"
#include "virtio_spec.h"

/* What a ring needs from the transport that carries it, set at creation
 * (vio_dev.c gives PCI's): the ring itself knows nothing of the bus. */
struct vio_vq_bus {
	void *ctx;
	/* the device's maximum size of queue idx; 0 = no such queue */
	uint16_t (*queue_max)(void *ctx, uint16_t idx);
	/* program the ring's addresses and vector and enable the queue;
	 * *notify receives what notify() needs to find the doorbell */
	int (*queue_setup)(void *ctx, uint16_t idx, uint16_t size, uint64_t desc, uint64_t avail,
			   uint64_t used, uint16_t vector, uint32_t *notify);
	void (*queue_disable)(void *ctx, uint16_t idx);
	/* RING_RESET: reset queue idx alone (NULL: cannot) */
	int (*queue_reset)(void *ctx, uint16_t idx);
	void (*notify)(void *ctx, uint16_t idx, uint32_t notify);
	/* the legacy interface (§2.4, §2.7.2): guest byte order, the used
	 * ring at the next 4 KiB, and the device's size only (no resize) */
	bool legacy;
};

/* One buffer of a chain. */
struct vio_vq_seg {
	uint64_t daddr;
	uint32_t len;
};

/* Per-head shadow state (driver memory only). */
struct vio_vq_shadow {
	void *cookie;	  /* NULL = head not in flight */
	uint32_t in_len;  /* sum of device-writable lengths: bound for used len */
	uint16_t ndesc;	  /* descriptors of the ring table this chain holds */
	uint16_t last;	  /* last descriptor of the chain in the ring table */
	uint8_t indirect; /* chain uses this head's indirect table */
};

struct vio_vq_stats {
	uint64_t kicks;		   /* notifications written to the device */
	uint64_t kicks_suppressed; /* publishes where the device wanted none */
	uint64_t added;		   /* chains posted */
	uint64_t completed;	   /* chains returned */
	uint64_t full;		   /* adds refused for lack of descriptors */
	uint64_t detach_steps;	   /* heads looked at by detach_unused (linear) */
};

struct vio_dev;

struct vio_vq {
	struct vio_dev *dev;	      /* owner: counted allocations (vio_mem.h) */
	const struct vio_os *os;      /* the owner's, for logs */
	const struct vio_vq_bus *bus; /* the transport (vio_vq_params.bus) */
	bool legacy;		      /* bus->legacy, read once */
	uint16_t index;		      /* queue index on the device */
	uint16_t size;		      /* ring size, a power of two */
	uint16_t cap;		      /* entries allocated: size can change up to this */
	uint16_t vector;	      /* MSI-X vector or VIO_MSI_NO_VECTOR */
	uint32_t notify_off;
	bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
	bool broken;
	bool cb_disabled; /* driver asked for no interrupts */

	struct vio_dma ring; /* desc + avail + used */
	struct vio_vring_desc *desc;
	struct vio_vring_avail *avail;
	struct vio_vring_used *used;
	uint16_t *used_event;  /* in avail ring: &avail->ring[size] */
	uint16_t *avail_event; /* in used ring: &used->ring[size] */

	/* free descriptor list, threaded through a driver-private next array so
	 * the device cannot corrupt it */
	uint16_t *next;
	uint16_t free_head;
	uint16_t num_free;
	uint16_t reserved; /* descriptors only vio_vq_add_reserved may use */

	uint16_t avail_idx;  /* driver's next avail idx (published or not) */
	uint16_t avail_pub;  /* avail idx at the last publish */
	uint16_t kicked_idx; /* avail idx at the last notification decision */
	uint16_t last_used;  /* next used idx we will consume */
	uint16_t detach_pos; /* detach_unused cursor */

	struct vio_vq_shadow *shadow; /* [size] */
	/* indirect tables, one per head, max_indirect descriptors each; NULL
	 * when INDIRECT_DESC is not negotiated or max_indirect is 0 */
	struct vio_dma indirect;
	uint16_t max_indirect;
	uint16_t indirect_cap; /* descriptors per indirect table allocated */

	/* packed ring (§2.8, vio_vq_packed.c) when `packed`: next[] and
	 * free_head are the free-id list, shadow[] is keyed by buffer id,
	 * last_used is the next descriptor slot to look at */
	bool packed;
	struct vio_pvirtq_desc *pdesc;
	struct vio_pvirtq_event *drv_event; /* ours: interrupt suppression */
	struct vio_pvirtq_event *dev_event; /* the device's: notification suppression */
	uint16_t next_avail;		    /* next descriptor slot we write */
	bool avail_wrap, used_wrap;	    /* wrap counters (§2.8.1) */
	uint16_t batch_head, batch_flags;   /* first head of the unpublished batch */
	uint16_t batch_n;		    /* chains in it */
	uint16_t batch_descs;		    /* their descriptors */
	uint16_t added_descs;		    /* descriptors since the last kick decision */

	struct vio_vq_stats stats;
};

struct vio_vq_params {
	const struct vio_vq_bus *bus; /* outlives the queue */
	uint16_t index;
	uint16_t max_size;     /* 0 = the device's maximum; modern only */
	uint16_t max_indirect; /* 0 = no indirect tables for this queue */
	uint16_t vector;       /* MSI-X vector, VIO_MSI_NO_VECTOR for none */
	bool event_idx;
	bool indirect; /* INDIRECT_DESC negotiated */
	bool packed;   /* RING_PACKED: the packed layout (§2.8) */
};

/* [attach] Allocate (through dev's counted allocators) and program queue
 * p->index on the device. Size is the device's maximum, or the largest power
 * of two <= max_size on a modern device; a size of 0 or not a power of two is
 * VIO_EIO. Normally called through vio_dev_vq_create(). */
int vio_vq_create(struct vio_vq *vq, struct vio_dev *dev, const struct vio_vq_params *p);
/* [attach] Disable on the device (or after reset), free everything. */
void vio_vq_destroy(struct vio_vq *vq);
/* [attach] After a device reset, once every chain was taken back
 * (vio_vq_detach_unused until NULL): the ring zeroed, the free list whole,
 * indices 0, callbacks enabled, broken cleared, and the queue programmed
 * again with the same size, addresses and vector; the reserve is kept.
 * VIO_EINVAL while a chain is still out; VIO_EIO if the device's size no
 * longer allows this ring (a legacy device cannot change it). */
int vio_vq_restart(struct vio_vq *vq);
/* [attach] vio_vq_restart at another size: a power of two up to the size
 * the queue was created with (vq->cap, whose memory it keeps) and the
 * device's maximum, above the reserve. VIO_EINVAL otherwise (or while a
 * chain is out), VIO_EIO if the device no longer allows it. */
int vio_vq_resize(struct vio_vq *vq, uint16_t size);
/* [attach] VIRTIO_F_RING_RESET: reset this queue alone on the device
 * (§2.6.1), which then uses none of its buffers; take them back with
 * vio_vq_detach_unused, then vio_vq_resize (any size) enables it again.
 * VIO_ENOTSUP when the transport cannot, VIO_ETIMEDOUT when the device
 * never confirms (then only a device reset helps). */
int vio_vq_reset(struct vio_vq *vq);

/* Set aside n descriptors that only vio_vq_add_reserved may use (the polled
 * path of a kernel debugger must find room while normal traffic fills the
 * ring). */
void vio_vq_reserve(struct vio_vq *vq, uint16_t n);

/* Post one chain: out[0..nout) device-readable, in[0..nin) device-writable.
 * Uses the head's indirect table when the chain has more than one segment,
 * fits and indirect is enabled. Returns VIO_OK, VIO_ENOSPC when the ring
 * lacks descriptors, VIO_EINVAL for an empty chain or a NULL cookie,
 * VIO_EBROKEN. Does not publish. */
int vio_vq_add(struct vio_vq *vq, const struct vio_vq_seg *out, uint16_t nout, const struct vio_vq_seg *in,
	       uint16_t nin, void *cookie);
int vio_vq_add_reserved(struct vio_vq *vq, const struct vio_vq_seg *out, uint16_t nout,
			const struct vio_vq_seg *in, uint16_t nin, void *cookie);

/* Buffer id the next vio_vq_add will use, in [0, size): callers key
 * per-chain state (a TX header slot, an RX slot) by it before adding, so
 * no layout detail leaks into them. On a split ring it is the head
 * descriptor (the free-list head); on a packed ring it will be the buffer
 * id (§2.8.6), which a packed ring has instead of heads. Valid only when
 * vio_vq_has_room() says the chain fits. */
static inline uint16_t vio_vq_next_id(const struct vio_vq *vq)
{
	return vq->free_head;
}

/* What the layers above read of a ring: no field is theirs to touch. */
static inline uint16_t vio_vq_size(const struct vio_vq *vq)
{
	return vq->size;
}
static inline uint16_t vio_vq_index(const struct vio_vq *vq)
{
	return vq->index;
}
static inline bool vio_vq_broken(const struct vio_vq *vq)
{
	return vq->broken;
}
/* descriptors free outside the reserve */
static inline uint16_t vio_vq_free_descs(const struct vio_vq *vq)
{
	return vq->num_free > vq->reserved ? (uint16_t)(vq->num_free - vq->reserved) : 0;
}
static inline uint16_t vio_vq_num_free(const struct vio_vq *vq)
{
	return vq->num_free;
}
static inline const struct vio_vq_stats *vio_vq_stats(const struct vio_vq *vq)
{
	return &vq->stats;
}

/* Descriptors a chain of nseg segments needs right now (1 when it would go
 * indirect), and whether such a chain fits outside the reserve. */
uint16_t vio_vq_descs_needed(const struct vio_vq *vq, uint16_t nseg);
bool vio_vq_has_room(const struct vio_vq *vq, uint16_t nseg);

/* Publish everything added since the last publish (one avail idx write,
 * after a write barrier) and say whether the device wants a notification
 * (EVENT_IDX / VRING_USED_F_NO_NOTIFY). */
bool vio_vq_kick_prepare(struct vio_vq *vq);
/* [any] Write the notification. */
void vio_vq_notify(struct vio_vq *vq);
/* [any] Write the notification and nothing else: no counter, no ring state,
 * so a context that does not own the queue may nudge it (the queue must
 * exist; a notification never harms, §2.9). */
void vio_vq_notify_only(const struct vio_vq *vq);
/* kick_prepare + notify when wanted; returns whether it notified. */
bool vio_vq_kick(struct vio_vq *vq);

/* Take one completed chain. Returns 1 with *cookie and *len set, 0 when
 * nothing is pending, VIO_EBROKEN on a device violation (latched). */
int vio_vq_get(struct vio_vq *vq, void **cookie, uint32_t *len);
/* Anything in the used ring we have not taken? (no side effects) */
bool vio_vq_pending(const struct vio_vq *vq);

/* Interrupt suppression (§2.7.7, §2.7.10). disable_cb asks for no
 * interrupts (best effort). enable_cb re-arms them and returns false when
 * completions arrived meanwhile (the caller must poll again to avoid a lost
 * wake-up). enable_cb_delayed asks for an interrupt only after about 3/4 of
 * the outstanding chains completed (EVENT_IDX), for TX reclaim. */
void vio_vq_disable_cb(struct vio_vq *vq);
bool vio_vq_enable_cb(struct vio_vq *vq);
bool vio_vq_enable_cb_delayed(struct vio_vq *vq);

/* [attach] After the device was reset: return cookies of chains still in
 * flight one by one (NULL when none remain) so the front-end can free them. */
void *vio_vq_detach_unused(struct vio_vq *vq);

/* Latch broken with a reason (logged once). Used by upper layers that find
 * a violation in the payload (e.g. a bad num_buffers). */
void vio_vq_set_broken(struct vio_vq *vq, const char *why);

/* Ring memory layout (exported for tests): total bytes for `size` entries
 * and the offsets of avail and used. legacy selects the 4 KiB rule: used at
 * ALIGN(desc + avail, 4096) and the total by the formula of §2.7.2
 * (both halves rounded up to 4096). Modern: avail at 16*size, used at
 * ALIGN(avail_off + 6 + 2*size, 4), total used_off + 6 + 8*size. */
size_t vio_vq_ring_bytes(uint16_t size, bool legacy, size_t *avail_off, size_t *used_off);

#endif /* VIO_VQ_H */
