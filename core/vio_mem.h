/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vio_mem.h - what a layer below the device needs from it: the OS and the
 * counted allocations (every core allocation goes through these so
 * vio_dev.allocs reaches zero after detach; the leak tests check it).
 *
 * The device stays opaque here: the ring layer (vio_vq*.c) includes this,
 * never vio_dev.h, so it cannot reach the transport (vio_pci.h) - its
 * notifications go through the struct vio_vq_bus it is given at creation.
 */
#ifndef VIO_MEM_H
#define VIO_MEM_H

#include "vio_os.h"

struct vio_dev;

/* The OS services the device was attached with (logs, clock, memory). */
const struct vio_os *vio_dev_os(const struct vio_dev *d);
int vio_dev_dma_alloc(struct vio_dev *d, size_t size, size_t align, struct vio_dma *out);
void vio_dev_dma_free(struct vio_dev *d, struct vio_dma *dma);
void *vio_dev_zalloc(struct vio_dev *d, size_t size);
void vio_dev_free(struct vio_dev *d, void *p, size_t size);

#endif
