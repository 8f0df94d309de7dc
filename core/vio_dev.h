/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vio_dev.h - the generic virtio device layer: status machine, feature
 * negotiation, consistent config reads, queue creation, interrupts.
 *
 * Initialisation follows virtio 1.2 §3.1.1:
 *   vio_dev_init()       reset (bounded wait), ACKNOWLEDGE, DRIVER
 *   vio_dev_negotiate()  offer ∩ wanted, FEATURES_OK written and read back
 *   vio_dev_vq_create()  per queue
 *   vio_dev_driver_ok()  DRIVER_OK
 * Any failure sets FAILED (§2.1.2) and returns an error that says why.
 * Device types (net, console, later block/entropy/balloon) sit on top, each
 * described to this layer by one struct vio_driver (the bus layer): this
 * file knows no device type's feature names or queues.
 */
#ifndef VIO_DEV_H
#define VIO_DEV_H

#include "vio_mem.h"
#include "vio_pci.h"
#include "vio_vq.h"

/* Features the transport/ring layer itself understands and may accept. */
#define VIO_DEV_RING_FEATURES                                                                                \
	(VIO_BIT(VIO_F_INDIRECT_DESC) | VIO_BIT(VIO_F_EVENT_IDX) | VIO_BIT(VIO_F_VERSION_1) |                \
	 VIO_BIT(VIO_F_ACCESS_PLATFORM) | VIO_BIT(VIO_F_ANY_LAYOUT))

/* RING_RESET: how long a queue reset may take before we give up on it (a
 * device reset then follows). QEMU completes it inside the write. */
#define VIO_DEV_QUEUE_RESET_US 1000000

/* A device type the core drives: everything the generic layer knows of it
 * (one per engine, e.g. vio_net_driver). */
struct vio_driver {
	const char *name;		  /* "net", "console": for logs */
	uint32_t device_type;		  /* virtio device id (§5): VIO_ID_NET, ... */
	const char *const *feature_names; /* [64]: its bits' names, NULL where none */
};

struct vio_dev {
	struct vio_pci pci;
	const struct vio_driver *drv; /* vio_dev_params.driver; NULL: generic */
	const struct vio_os *os;
	uint64_t dev_features; /* offered by the device */
	uint64_t features;     /* negotiated */
	bool dma_is_iommu;     /* front-end's DMA addresses are IOMMU addresses */
	bool broken;	       /* latched on device violation */
	enum vio_irq_mode irq_mode;
	uint32_t allocs;	   /* outstanding dma_alloc + zalloc: 0 after detach */
	uint32_t reset_timeout_us; /* from vio_dev_params, for vio_dev_reset() */
	bool split_only;	   /* from vio_dev_params */
	uint8_t status;		   /* status bits written since the last reset */
	bool dma_stopped;	   /* vio_dev_stop_dma cleared bus mastering */
	struct vio_vq_bus vq_bus;  /* the transport as the rings see it (set by init) */
};

/* The one byte-order decision of the core (§2.4): ring, header and config
 * fields are little-endian on the modern interface, which the core uses
 * only with VERSION_1, and in the guest's order on the legacy interface. */
static inline bool vio_dev_le(const struct vio_dev *d)
{
	return d->pci.modern;
}

struct vio_dev_params {
	bool dma_is_iommu;	   /* allows VIRTIO_F_ACCESS_PLATFORM (§6.1) */
	bool prefer_legacy;	   /* use the legacy interface of a transitional device */
	uint32_t reset_timeout_us; /* 0 = default (1 s) */
	bool split_only;	   /* never negotiate RING_PACKED (a front-end's switch) */
	/* the device type expected (VIO_ENODEV for another); NULL takes any
	 * and names ring features only */
	const struct vio_driver *driver;
};

/* [attach] Probe the transport and bring the device to DRIVER. VIO_ENODEV:
 * not a virtio-pci device, or not of p->driver's type (nothing written);
 * VIO_ETIMEDOUT: reset never completed. */
int vio_dev_init(struct vio_dev *d, const struct vio_os *os, const struct vio_dev_params *p);

/* [attach] Negotiate: accept device ∩ (wanted | ring features we support).
 * A modern device requires VERSION_1 (VIO_ENOTSUP without it);
 * ACCESS_PLATFORM is accepted only when dma_is_iommu; features a legacy device
 * cannot carry (bit >= 32) are dropped. `required` bits missing from the
 * result fail with VIO_ENOTSUP. FEATURES_OK not read back: VIO_ENOTSUP. */
int vio_dev_negotiate(struct vio_dev *d, uint64_t wanted, uint64_t required);
/* [attach] Negotiate again, from reset, for a smaller set: when what the
 * device looks like after FEATURES_OK makes a negotiated feature unusable
 * (§3.1.1 lets the driver give up and start over). As vio_dev_negotiate. */
int vio_dev_renegotiate_without(struct vio_dev *d, uint64_t wanted, uint64_t drop);
static inline bool vio_dev_has(const struct vio_dev *d, unsigned bit)
{
	return (d->features >> bit) & 1;
}

/* Device config read consistent across config_generation (§2.5.1, retried a
 * bounded number of times: VIO_EIO if the generation never settles); legacy
 * devices are read byte by byte (§2.5.1 legacy) in guest order. */
int vio_dev_config_read(struct vio_dev *d, uint32_t off, void *buf, uint32_t len);
int vio_dev_config_write(struct vio_dev *d, uint32_t off, const void *buf, uint32_t len);

/* [attach] Interrupt mode the front-end obtained, before queues are created:
 * MSI-X vector counts decide config (vector 0) and queue vectors. Call it
 * after the front-end enabled MSI-X (a legacy device has the vector
 * registers only then): in the MSI-X modes it writes config vector 0 and
 * checks the read-back. Returns VIO_EIO when the device refuses the vector,
 * VIO_EINVAL when an MSI-X mode is asked on a legacy device whose MSI-X is
 * not enabled; irq_mode is recorded either way. INTX writes NO_VECTOR where
 * the register exists. (Returns int since the read-back can fail; callers
 * that ignore the result still compile.) */
int vio_dev_set_irq_mode(struct vio_dev *d, enum vio_irq_mode mode);
uint16_t vio_dev_queue_vector(const struct vio_dev *d, uint16_t queue);

/* [attach] Create queue idx with this device's negotiated ring features. */
int vio_dev_vq_create(struct vio_dev *d, struct vio_vq *vq, uint16_t idx, uint16_t max_size,
		      uint16_t max_indirect);

/* [attach] Create a queue the driver only busy-polls: no MSI-X vector and
 * interrupts suppressed (the net control queue). */
int vio_dev_vq_create_polled(struct vio_dev *d, struct vio_vq *vq, uint16_t idx, uint16_t max_size);

/* [attach] A device that was initialised once, again after a reset: reset
 * (bounded), ACKNOWLEDGE, DRIVER, exactly the features negotiated before
 * (VIO_ENOTSUP, logged with the missing names, if the device now offers
 * fewer or refuses FEATURES_OK; d->features keeps the old set) and the same
 * interrupt layout. Clears d->broken. Queues are restarted by the caller
 * (vio_vq_restart). */
int vio_dev_reinit(struct vio_dev *d);

void vio_dev_driver_ok(struct vio_dev *d);
/* [attach] Set FAILED (§2.1.2), e.g. after an error during set-up. */
void vio_dev_fail(struct vio_dev *d);
/* [attach] Reset and wait; queues stop being used by the device. */
int vio_dev_reset(struct vio_dev *d);
/* [stop] After a reset that did not complete: bus mastering off, so the
 * device cannot reach memory the caller is about to free; the next reset
 * that completes turns it back on. */
void vio_dev_stop_dma(struct vio_dev *d);
/* Latch broken, log once with the reason. */
void vio_dev_set_broken(struct vio_dev *d, const char *why);

/* [any] INTx/MSI: read-to-acknowledge ISR (§4.1.4.5); 0 means "not ours". */
uint8_t vio_dev_isr(struct vio_dev *d);

/* ---- interrupt dispatch: what one interrupt asks of the driver ---- */
#define VIO_IRQ_ALL_QUEUES 0xffff
struct vio_irq_work {
	bool ours;	/* false: a shared line someone else raised (or a vector we never set) */
	bool config;	/* the device's config changed (§4.1.4.5.1): re-read it */
	bool queues;	/* queue activity: `queue`, or every queue */
	uint16_t queue; /* the queue of a per-queue vector, else VIO_IRQ_ALL_QUEUES */
};
/* [irq] The decision alone, for a mode, the MSI-X vector that fired
 * (VIO_MSI_NO_VECTOR for the line or MSI) and the ISR value read (when
 * vio_irq_needs_isr says so):
 *  - INTX (line/MSI): ours when the ISR is non-zero; its config bit is a
 *    config change, its queue bit every queue (§4.1.4.5);
 *  - MSIX_SINGLE, vector 0: every queue, and a config change when the ISR
 *    says so (a device sets the config bit before every config interrupt,
 *    MSI-X or not, §4.1.4.5.1; one register read is cheaper than the
 *    config space every time);
 *  - MSIX_SHARED: vector 0 config, vector 1 every queue;
 *  - MSIX_PER_VQ: vector 0 config, vector 1 + i queue i (vio_dev_queue_vector);
 *  - any other vector: not ours. */
struct vio_irq_work vio_irq_decode(enum vio_irq_mode mode, uint16_t vector, uint8_t isr);
bool vio_irq_needs_isr(enum vio_irq_mode mode, uint16_t vector);
/* [irq] Primary interrupt context, no lock, no allocation, at most one
 * register read (the ISR, which acknowledges it): the decode for this
 * device's mode. The front-end then schedules its config work and its
 * per-queue handlers; every front-end and device type share it. */
struct vio_irq_work vio_dev_irq(struct vio_dev *d, uint16_t vector);
/* Did the device ask for a reset (DEVICE_NEEDS_RESET, §2.1.1)? */
bool vio_dev_needs_reset(struct vio_dev *d);

/* Counted allocation wrappers and vio_dev_os(): vio_mem.h. */

/* Name of a feature bit for logs and reports: the ring's ("VERSION_1")
 * or drv's ("NET_CSUM", ...; none without drv), NULL when unknown. */
const char *vio_dev_feature_name(const struct vio_driver *drv, unsigned bit);
/* "VERSION_1 NET_MAC NET_STATUS ..." for the negotiated features (bit
 * order, "bit<n>" for unnamed bits); returns the full length like
 * snprintf, truncating safely. */
int vio_dev_features_string(const struct vio_dev *d, char *buf, size_t size);

#endif /* VIO_DEV_H */
