/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vio_pci.h - the virtio-pci transport: modern (virtio 1.x capabilities,
 * virtio 1.2 §4.1.4) and legacy (0.9.5 I/O BAR, §4.1.4.8).
 *
 * vio_pci_probe() identifies the device from PCI config space, walks the
 * vendor capability list and validates every capability against the BAR it
 * names, then picks the modern interface when it is complete and the legacy
 * one otherwise (a transitional device offers both). Everything after that
 * goes through the functions below; the device layer (vio_dev.h) never
 * touches a register itself.
 */
#ifndef VIO_PCI_H
#define VIO_PCI_H

#include "vio_os.h"

/* One validated register window: BAR index, offset and length inside it. */
struct vio_pci_window {
	int bar; /* -1 when absent */
	uint32_t off;
	uint32_t len;
};

enum vio_irq_mode {
	VIO_IRQ_INTX = 0,    /* line or MSI: ISR must be read to acknowledge */
	VIO_IRQ_MSIX_SHARED, /* MSI-X: vector 0 config, vector 1 every queue */
	VIO_IRQ_MSIX_PER_VQ, /* MSI-X: vector 0 config, vector 1+i queue i */
	VIO_IRQ_MSIX_SINGLE, /* MSI-X: vector 0 for config and every queue; the
			      * handler cannot tell them apart, so it checks all
			      * (macOS before 12.4 grants only one vector) */
};

struct vio_pci {
	const struct vio_os *os;
	uint16_t vendor, device, subsys_vendor, subsys_id;
	uint8_t revision;
	uint32_t device_type; /* virtio device type (VIO_ID_*) */
	bool modern;	      /* true: modern interface in use; false: legacy */
	bool has_legacy;      /* an I/O BAR 0 legacy interface exists */
	bool has_modern;      /* a complete set of modern capabilities exists */
	uint8_t msix_cap;     /* config-space offset of the MSI-X cap, 0 = none */
	uint16_t msix_table_size;
	/* modern windows: §4.1.4 */
	struct vio_pci_window common, notify, isr, devcfg;
	uint32_t notify_mult; /* notify_off_multiplier */
	/* legacy: I/O BAR 0 */
	uint32_t legacy_len;
};

/* True for the PCI ids a virtio driver of `device_type` accepts (0 = any
 * type). Front-ends' matching tables and the kext's Info.plist test use it. */
bool vio_pci_id_match(uint16_t vendor, uint16_t device, uint16_t subsys_id, uint32_t device_type);

/* [attach] Identify and map the transport. prefer_legacy forces the legacy
 * interface on a transitional device (used by tests). Returns VIO_ENODEV with
 * a logged reason for anything that is not a usable virtio-pci device. */
int vio_pci_probe(struct vio_pci *t, const struct vio_os *os, bool prefer_legacy);

/* Device status register (§2.1). reset writes 0 and waits (bounded,
 * timeout_us) for the device to read back 0: VIO_ETIMEDOUT otherwise. */
/* [stop] PCI COMMAND Bus Master Enable on or off; returns its old value. */
bool vio_pci_bus_master(struct vio_pci *t, bool on);
uint8_t vio_pci_get_status(struct vio_pci *t);
void vio_pci_set_status(struct vio_pci *t, uint8_t status);
int vio_pci_reset(struct vio_pci *t, uint32_t timeout_us);

/* Features (§2.2): 64 bits modern, the low 32 legacy. */
uint64_t vio_pci_get_features(struct vio_pci *t);
void vio_pci_set_features(struct vio_pci *t, uint64_t features);

/* Device-specific config space. read/write one field of 1, 2 or 4 bytes at
 * `off`; returns VIO_EINVAL if off+size is outside the window. The
 * generation counter is 0 on legacy devices, which have none. */
int vio_pci_config_read(struct vio_pci *t, uint32_t off, void *buf, uint32_t size);
int vio_pci_config_write(struct vio_pci *t, uint32_t off, const void *buf, uint32_t size);
uint8_t vio_pci_config_generation(struct vio_pci *t);
uint32_t vio_pci_config_len(struct vio_pci *t);

/* Queues. queue_max returns the device's maximum size for queue idx, 0 when
 * the queue does not exist. queue_setup programs size, the three ring
 * addresses and the MSI-X vector (VIO_MSI_NO_VECTOR for none) and enables the
 * queue; VIO_EIO if the device refuses the vector. Legacy devices cannot
 * change the size (must equal queue_max) and need page-aligned rings at the
 * layout of §2.7.2 (legacy): desc_addr then avail, used at the next 4 KiB. */
uint16_t vio_pci_num_queues(struct vio_pci *t); /* 0xffff when unknown (legacy) */
uint16_t vio_pci_queue_max(struct vio_pci *t, uint16_t idx);
int vio_pci_queue_setup(struct vio_pci *t, uint16_t idx, uint16_t size, uint64_t desc, uint64_t avail,
			uint64_t used, uint16_t vector);
void vio_pci_queue_disable(struct vio_pci *t, uint16_t idx);
/* [attach] RING_RESET: reset one queue (§2.6.1) and wait, at most
 * timeout_us, for the device to say it is done; it then holds none of the
 * queue's buffers and the queue is disabled. VIO_ENOTSUP on a legacy
 * interface or a common window without queue_reset, VIO_ETIMEDOUT. */
int vio_pci_queue_reset(struct vio_pci *t, uint16_t idx, uint32_t timeout_us);
/* The notification address of queue idx, resolved once at setup: returns
 * the (bar, offset) pair vio_pci_notify writes to. */
int vio_pci_queue_notify_off(struct vio_pci *t, uint16_t idx, uint32_t *off);
/* [any] Notify the device that queue idx has new buffers (§4.1.4.4). */
void vio_pci_notify(struct vio_pci *t, uint16_t idx, uint32_t notify_off);

/* [any] Read and thereby acknowledge the ISR status (§4.1.4.5). */
uint8_t vio_pci_isr(struct vio_pci *t);

/* MSI-X: whether the front-end has MSI-X enabled right now (read from the
 * capability; this moves the legacy config offset), and the config vector.
 * set_config_vector returns VIO_EIO if the device reads back NO_VECTOR. */
bool vio_pci_msix_enabled(struct vio_pci *t);
int vio_pci_set_config_vector(struct vio_pci *t, uint16_t vector);

#endif /* VIO_PCI_H */
