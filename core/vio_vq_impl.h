/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vio_vq_impl.h - between the ring interface (vio_vq.c) and its layouts:
 * the split ring lives in vio_vq.c, the packed ring in vio_vq_packed.c.
 * Not for callers of vio_vq.h.
 */
#ifndef VIO_VQ_IMPL_H
#define VIO_VQ_IMPL_H

#include "vio_vq.h"

/* Ring fields are little-endian, or guest order on the legacy interface
 * (§2.4 legacy): vq->legacy, from the bus. Identity on our little-endian
 * targets. */
static inline uint16_t vio_vq_16(const struct vio_vq *vq, uint16_t v)
{
#if VIO_BIG_ENDIAN
	return vq->legacy ? v : vio_le16(v);
#else
	(void)vq;
	return v;
#endif
}

static inline uint32_t vio_vq_32(const struct vio_vq *vq, uint32_t v)
{
#if VIO_BIG_ENDIAN
	return vq->legacy ? v : vio_le32(v);
#else
	(void)vq;
	return v;
#endif
}

static inline uint64_t vio_vq_64(const struct vio_vq *vq, uint64_t v)
{
#if VIO_BIG_ENDIAN
	return vq->legacy ? v : vio_le64(v);
#else
	(void)vq;
	return v;
#endif
}

/* shared checks (vio_vq.c) */
void vio_vq_violation(struct vio_vq *vq, const char *what, uint32_t v, uint32_t limit);
int vio_vq_check_used(struct vio_vq *vq, uint32_t id, uint32_t *len);

/* packed layout (vio_vq_packed.c) */
size_t vio_vq_packed_bytes(uint16_t size, size_t *drv_off, size_t *dev_off);
void vio_vq_packed_layout(struct vio_vq *vq);
void vio_vq_packed_reset_state(struct vio_vq *vq);
int vio_vq_packed_add(struct vio_vq *vq, const struct vio_vq_seg *out, uint16_t nout,
		      const struct vio_vq_seg *in, uint16_t nin, void *cookie, uint16_t need);
bool vio_vq_packed_kick_prepare(struct vio_vq *vq);
bool vio_vq_packed_pending(const struct vio_vq *vq);
int vio_vq_packed_get(struct vio_vq *vq, void **cookie, uint32_t *len);
void vio_vq_packed_disable_cb(struct vio_vq *vq);
void vio_vq_packed_arm(struct vio_vq *vq, uint16_t ahead);
uint16_t vio_vq_packed_inflight(const struct vio_vq *vq);
void *vio_vq_packed_detach(struct vio_vq *vq, uint16_t id);

#endif
