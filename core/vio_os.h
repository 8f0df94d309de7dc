/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vio_os.h - THE contract between the portable core and an OS front-end.
 *
 * A front-end (os/linux, os/darwin, the unit-test device model) fills one
 * struct vio_os with function pointers and a context pointer; nothing else
 * crosses from the core to the OS. The core never includes an OS header.
 *
 * Context rules, per function:
 *   [attach]  called only from attach/detach paths: may sleep, may allocate.
 *   [any]     may be called with interrupts off, from an interrupt handler or
 *             from a kernel debugger's polled path: must not sleep, allocate,
 *             or take a lock that normal driver code may hold.
 *   [data]    called on the data path (softirq/interrupt/work loop): must not
 *             sleep; may fail and the core then drops one packet.
 * Return values: 0 for success, a negative VIO_E* code for failure.
 */
#ifndef VIO_OS_H
#define VIO_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes the core returns (negative). */
enum {
	VIO_OK = 0,
	VIO_EINVAL = -1,    /* bad argument from the caller */
	VIO_ENOMEM = -2,    /* an allocation failed */
	VIO_ENODEV = -3,    /* not a device we drive (ids, type, layout) */
	VIO_EIO = -4,	    /* the device broke a rule of the spec */
	VIO_ENOTSUP = -5,   /* a feature we need is missing */
	VIO_ENOSPC = -6,    /* ring full: try again after reclaim */
	VIO_ETIMEDOUT = -7, /* the device did not answer in time */
	VIO_EBROKEN = -8,   /* the queue/device is latched broken */
	VIO_EAGAIN = -9,    /* nothing to do now */
};

enum vio_log_level { VIO_LOG_ERR = 0, VIO_LOG_WARN = 1, VIO_LOG_INFO = 2, VIO_LOG_DEBUG = 3 };

enum vio_dma_dir {
	VIO_DMA_TO_DEVICE = 1,
	VIO_DMA_FROM_DEVICE = 2,
	VIO_DMA_BIDIRECTIONAL = 3,
};

/* A region of coherent DMA memory. daddr is what the device is told: a bus or
 * IOMMU address, never assumed equal to a physical address. */
struct vio_dma {
	void *vaddr;
	uint64_t daddr;
	size_t size;
	void *handle; /* front-end private (IOBufferMemoryDescriptor, ...) */
};

struct vio_os {
	void *ctx; /* passed back as the first argument of every call */

	/* [attach] Coherent memory, zeroed, aligned to `align` (a power of two
	 * <= 4096), physically contiguous as seen by the device. Used for rings,
	 * headers, indirect tables and the polled path's reserved buffers. */
	int (*dma_alloc)(void *ctx, size_t size, size_t align, struct vio_dma *out);
	void (*dma_free)(void *ctx, struct vio_dma *dma);

	/* [data] Map / unmap a front-end buffer for the device. The core itself
	 * only needs these in helpers front-ends may choose to use; most
	 * front-ends map their own packet buffers and hand device addresses in. */
	int (*dma_map)(void *ctx, void *vaddr, size_t len, enum vio_dma_dir dir, uint64_t *daddr);
	void (*dma_unmap)(void *ctx, uint64_t daddr, size_t len, enum vio_dma_dir dir);

	/* [any] Optional (NULL on cache-coherent platforms): make device writes
	 * visible to the CPU (for_device = false) or CPU writes visible to the
	 * device (for_device = true) for a mapped range. */
	void (*dma_sync)(void *ctx, uint64_t daddr, size_t len, enum vio_dma_dir dir, bool for_device);

	/* [attach] Plain kernel memory for the core's shadow state (never shown
	 * to the device), zeroed. */
	void *(*zalloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr, size_t size);

	/* [any] PCI configuration space of the device (offsets 0..255/4095). */
	uint8_t (*cfg_read8)(void *ctx, uint16_t off);
	uint16_t (*cfg_read16)(void *ctx, uint16_t off);
	uint32_t (*cfg_read32)(void *ctx, uint16_t off);
	void (*cfg_write8)(void *ctx, uint16_t off, uint8_t val);
	void (*cfg_write16)(void *ctx, uint16_t off, uint16_t val);
	void (*cfg_write32)(void *ctx, uint16_t off, uint32_t val);

	/* [attach] Length in bytes of BAR `bar` (0..5) as the front-end mapped
	 * it, 0 when absent or unmappable; *is_io says I/O space. The core
	 * validates every capability's offset and length against this. */
	uint64_t (*bar_len)(void *ctx, int bar, bool *is_io);

	/* [any] BAR register access, little-endian device registers for a
	 * modern device, guest order for the legacy I/O BAR. There are no 64-bit
	 * accessors on purpose: virtio 1.2 §4.1.3.1 has the driver access 64-bit
	 * common-config fields as two 32-bit halves, and I/O BARs have no 64-bit
	 * cycle at all. */
	uint8_t (*bar_read8)(void *ctx, int bar, uint32_t off);
	uint16_t (*bar_read16)(void *ctx, int bar, uint32_t off);
	uint32_t (*bar_read32)(void *ctx, int bar, uint32_t off);
	void (*bar_write8)(void *ctx, int bar, uint32_t off, uint8_t val);
	void (*bar_write16)(void *ctx, int bar, uint32_t off, uint16_t val);
	void (*bar_write32)(void *ctx, int bar, uint32_t off, uint32_t val);

	/* [any] Busy-wait for `us` microseconds (bounded waits: reset, polled
	 * path, control queue). */
	void (*udelay)(void *ctx, uint32_t us);
	/* [any] Monotonic nanoseconds. */
	uint64_t (*now_ns)(void *ctx);

	/* [any] One formatted line, no trailing newline. The core formats with
	 * its own printf subset (vio_log.h) so no OS printf is needed. */
	void (*log)(void *ctx, enum vio_log_level level, const char *line);
};

/* ---- memory barriers -------------------------------------------------------
 * Ring updates need ordering against the device, which runs on another CPU
 * (virtio 1.2 §2.7.13 "publish the available buffer"). A front-end may define
 * VIO_OS_HAVE_BARRIERS and its own vio_mb/vio_rmb/vio_wmb before including
 * this header (e.g. Linux's virt_mb()); otherwise these compiler builtins give
 * the same guarantees for coherent memory on x86_64 and arm64. */
#ifndef VIO_OS_HAVE_BARRIERS
#define vio_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define vio_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define vio_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

/* Reads and writes of ring fields shared with the device: exactly once, no
 * tearing, never cached by the compiler. */
#define VIO_READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define VIO_WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#endif /* VIO_OS_H */
