// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_dev.c - generic virtio device: initialisation (virtio 1.2 §3.1.1),
 * feature negotiation (§2.2), generation-consistent config access (§2.5),
 * interrupt vectors and counted allocations.
 */
#include "vio_dev.h"
#include "vio_log.h"

#define VIO_DEV_RESET_TIMEOUT_US 1000000 /* 1 s: QEMU resets synchronously */
#define VIO_DEV_CFG_TRIES	 10	 /* bounded retry of §2.5.1 reads */

/* Bits 24..41 belong to the transport and ring (§6, "Reserved Feature
 * Bits"): we accept only those we implement (VIO_DEV_RING_FEATURES), never
 * what a caller passes in `wanted`. IN_ORDER and NOTIFICATION_DATA change
 * the ring or doorbell protocol and are not implemented; RING_PACKED is
 * accepted unless the front-end forces the split ring (split_only). */
#define VIO_DEV_TRANSPORT_MASK (((1ULL << 42) - 1) & ~((1ULL << 24) - 1))

/* §3.1.1: each step sets a bit in addition to those already set. What
 * is written is the bits this driver set, not what the device reads back:
 * a read-modify-write would echo a device's stray bits (DRIVER_OK before
 * the queues are live, reserved bits, NEEDS_RESET) as the driver's own. */
static void vio_dev_add_status(struct vio_dev *d, uint8_t bits)
{
	d->status |= bits;
	vio_pci_set_status(&d->pci, d->status);
}

int vio_dev_reset(struct vio_dev *d)
{
	uint32_t timeout = d->reset_timeout_us ? d->reset_timeout_us : VIO_DEV_RESET_TIMEOUT_US;
	int err = vio_pci_reset(&d->pci, timeout);

	if (err)
		return err;
	d->status = 0;
	if (d->dma_stopped) {
		vio_pci_bus_master(&d->pci, true); /* reset done: DMA may resume */
		d->dma_stopped = false;
	}
	return VIO_OK;
}

void vio_dev_stop_dma(struct vio_dev *d)
{
	if (d->dma_stopped || !vio_pci_bus_master(&d->pci, false))
		return;
	d->dma_stopped = true;
	vio_err(d->os, "bus mastering turned off: the device did not reset and may still use our memory");
}

void vio_dev_driver_ok(struct vio_dev *d)
{
	vio_dev_add_status(d, VIO_STATUS_DRIVER_OK);
}

void vio_dev_fail(struct vio_dev *d)
{
	vio_dev_add_status(d, VIO_STATUS_FAILED);
}

void vio_dev_set_broken(struct vio_dev *d, const char *why)
{
	if (d->broken)
		return;
	d->broken = true;
	vio_err(d->os, "device broken: %s", why ? why : "unknown reason");
}

uint8_t vio_dev_isr(struct vio_dev *d)
{
	return vio_pci_isr(&d->pci);
}

/* A device that vanished reads all ones, which includes NEEDS_RESET: the
 * caller's recovery path is the right answer for both. Legacy devices never
 * set the bit themselves. */
bool vio_dev_needs_reset(struct vio_dev *d)
{
	return (vio_pci_get_status(&d->pci) & VIO_STATUS_NEEDS_RESET) != 0;
}

/* ---- the rings' view of the PCI transport (vio_vq_bus) ---- */

static uint16_t vio_dev_bus_queue_max(void *ctx, uint16_t idx)
{
	return vio_pci_queue_max(ctx, idx);
}

static int vio_dev_bus_queue_setup(void *ctx, uint16_t idx, uint16_t size, uint64_t desc, uint64_t avail,
				   uint64_t used, uint16_t vector, uint32_t *notify)
{
	int err = vio_pci_queue_setup(ctx, idx, size, desc, avail, used, vector);

	return err ? err : vio_pci_queue_notify_off(ctx, idx, notify);
}

static void vio_dev_bus_queue_disable(void *ctx, uint16_t idx)
{
	vio_pci_queue_disable(ctx, idx);
}

static int vio_dev_bus_queue_reset(void *ctx, uint16_t idx)
{
	return vio_pci_queue_reset(ctx, idx, VIO_DEV_QUEUE_RESET_US);
}

static void vio_dev_bus_notify(void *ctx, uint16_t idx, uint32_t notify)
{
	vio_pci_notify(ctx, idx, notify);
}

static void vio_dev_bus_init(struct vio_dev *d)
{
	d->vq_bus = (struct vio_vq_bus){
	    .ctx = &d->pci,
	    .queue_max = vio_dev_bus_queue_max,
	    .queue_setup = vio_dev_bus_queue_setup,
	    .queue_disable = vio_dev_bus_queue_disable,
	    .queue_reset = vio_dev_bus_queue_reset,
	    .notify = vio_dev_bus_notify,
	    .legacy = !vio_dev_le(d),
	};
}

/* §3.1.1 steps 1-3: reset, ACKNOWLEDGE, DRIVER. */
int vio_dev_init(struct vio_dev *d, const struct vio_os *os, const struct vio_dev_params *p)
{
	int err;

	if (!d || !os)
		return VIO_EINVAL;
	vio_memset(d, 0, sizeof(*d));
	d->os = os;
	d->dma_is_iommu = p && p->dma_is_iommu;
	d->reset_timeout_us = p && p->reset_timeout_us ? p->reset_timeout_us : VIO_DEV_RESET_TIMEOUT_US;
	d->split_only = p && p->split_only;
	d->drv = p ? p->driver : NULL;
	err = vio_pci_probe(&d->pci, os, p && p->prefer_legacy);
	if (err)
		return err;
	if (d->drv && d->pci.device_type != d->drv->device_type) {
		vio_err(os, "%s: virtio device type %lu is not ours (%lu)", d->drv->name,
			(unsigned long)d->pci.device_type, (unsigned long)d->drv->device_type);
		return VIO_ENODEV;
	}
	vio_dev_bus_init(d);
	err = vio_dev_reset(d);
	if (err) {
		vio_dev_fail(d);
		return err;
	}
	vio_dev_add_status(d, VIO_STATUS_ACKNOWLEDGE);
	vio_dev_add_status(d, VIO_STATUS_DRIVER);
	return VIO_OK;
}

/* ---- feature negotiation: §2.2, §3.1.1 steps 4-6 ---- */

static uint64_t vio_dev_accept(struct vio_dev *d, uint64_t offered, uint64_t wanted)
{
	uint64_t ring = VIO_DEV_RING_FEATURES | (d->split_only ? 0 : VIO_BIT(VIO_F_RING_PACKED));
	uint64_t accept = offered & ((wanted & ~VIO_DEV_TRANSPORT_MASK) | ring);

	/* RING_RESET only for a device driver that resets queues itself, and
	 * only with the modern common window that has queue_reset */
	if (d->pci.modern && d->pci.common.len >= VIO_PCI_COMMON_SIZE_RESET)
		accept |= offered & wanted & VIO_BIT(VIO_F_RING_RESET);

	if (d->pci.modern)
		accept |= VIO_BIT(VIO_F_VERSION_1); /* checked offered by the caller */
	else
		accept &= 0xffffffffULL; /* the legacy register is 32 bits wide */
	/* §6.1: ACCESS_PLATFORM tells the device to use the platform's DMA
	 * translation; only right when our addresses are IOMMU addresses */
	if (!d->dma_is_iommu)
		accept &= ~VIO_BIT(VIO_F_ACCESS_PLATFORM);
	return accept;
}

static void vio_dev_log_missing(struct vio_dev *d, uint64_t missing)
{
	const char *name;
	unsigned bit;

	for (bit = 0; bit < 64; bit++) {
		if (!(missing >> bit & 1))
			continue;
		name = vio_dev_feature_name(d->drv, bit);
		vio_err(d->os, "required feature %s (bit %u) not available", name ? name : "?", bit);
	}
}

/* Legacy devices have no FEATURES_OK (§2.2.3 legacy): features take effect
 * when written. Modern devices must read FEATURES_OK back (§3.1.1 step 6). */
static int vio_dev_features_ok(struct vio_dev *d, bool platform_dropped)
{
	if (!d->pci.modern)
		return VIO_OK;
	vio_dev_add_status(d, VIO_STATUS_FEATURES_OK);
	if (vio_pci_get_status(&d->pci) & VIO_STATUS_FEATURES_OK)
		return VIO_OK;
	if (platform_dropped)
		vio_err(d->os,
			"device refused FEATURES_OK: it probably requires ACCESS_PLATFORM, which needs "
			"IOMMU-mapped DMA addresses this front-end does not provide");
	else
		vio_err(d->os, "device refused FEATURES_OK");
	return VIO_ENOTSUP;
}

int vio_dev_negotiate(struct vio_dev *d, uint64_t wanted, uint64_t required)
{
	uint64_t offered = vio_pci_get_features(&d->pci);
	uint64_t accept, missing;
	bool platform_dropped;
	int err;

	d->dev_features = offered;
	if (d->pci.modern && !(offered & VIO_BIT(VIO_F_VERSION_1))) {
		vio_err(d->os, "device offers no VERSION_1 on its modern interface");
		vio_dev_fail(d);
		return VIO_ENOTSUP;
	}
	accept = vio_dev_accept(d, offered, wanted);
	platform_dropped = (offered & ~accept & VIO_BIT(VIO_F_ACCESS_PLATFORM)) != 0;
	if (platform_dropped)
		vio_warn(d->os, "device offers ACCESS_PLATFORM but DMA addresses are not IOMMU addresses: "
				"not accepting it");
	if (d->dma_is_iommu && d->pci.modern && !(offered & VIO_BIT(VIO_F_ACCESS_PLATFORM)))
		vio_warn(d->os, "DMA addresses are IOMMU addresses but the device lacks ACCESS_PLATFORM: "
				"it will bypass the IOMMU");
	missing = required & ~accept;
	if (missing) {
		vio_dev_log_missing(d, missing);
		vio_dev_fail(d);
		return VIO_ENOTSUP;
	}
	vio_pci_set_features(&d->pci, accept);
	err = vio_dev_features_ok(d, platform_dropped);
	if (err) {
		vio_dev_fail(d);
		return err;
	}
	d->features = accept;
	vio_info(d->os, "features: device 0x%llx, negotiated 0x%llx", (unsigned long long)offered,
		 (unsigned long long)accept);
	return VIO_OK;
}

int vio_dev_renegotiate_without(struct vio_dev *d, uint64_t wanted, uint64_t drop)
{
	int err = vio_dev_reset(d);

	if (err) {
		vio_dev_fail(d);
		return err;
	}
	vio_dev_add_status(d, VIO_STATUS_ACKNOWLEDGE);
	vio_dev_add_status(d, VIO_STATUS_DRIVER);
	return vio_dev_negotiate(d, wanted & ~drop, 0);
}

/* §3.1.1 again on a device that was reset: exactly the features negotiated
 * before (the front-end and the queues were built for them), the same
 * interrupt layout. */
int vio_dev_reinit(struct vio_dev *d)
{
	uint64_t had = d->features, offered, missing;
	int err;

	err = vio_dev_reset(d);
	if (err) {
		vio_err(d->os, "reinit: reset did not complete");
		vio_dev_fail(d);
		return err;
	}
	d->broken = false;
	vio_dev_add_status(d, VIO_STATUS_ACKNOWLEDGE);
	vio_dev_add_status(d, VIO_STATUS_DRIVER);
	offered = vio_pci_get_features(&d->pci);
	d->dev_features = offered;
	missing = had & ~offered;
	if (missing) {
		vio_err(d->os, "reinit: the device came back offering fewer features");
		vio_dev_log_missing(d, missing);
		vio_dev_fail(d);
		return VIO_ENOTSUP;
	}
	vio_pci_set_features(&d->pci, had);
	err = vio_dev_features_ok(d, false);
	if (err) {
		vio_err(d->os, "reinit: the features negotiated before were refused");
		vio_dev_fail(d);
		return err;
	}
	err = vio_dev_set_irq_mode(d, d->irq_mode);
	if (err) {
		vio_err(d->os, "reinit: the interrupt layout was refused: %s", vio_strerror(err));
		vio_dev_fail(d);
	}
	return err;
}

/* ---- device config: §2.5 ---- */

static int vio_dev_cfg_range(struct vio_dev *d, uint32_t off, const void *buf, uint32_t len)
{
	uint32_t cfglen;

	if (!buf)
		return VIO_EINVAL;
	cfglen = vio_pci_config_len(&d->pci);
	if (off > cfglen || len > cfglen - off)
		return VIO_EINVAL;
	return VIO_OK;
}

/* One natural-width access for aligned 1/2/4-byte fields (§4.1.3.1 asks
 * for natural widths), two 32-bit halves for an aligned 8-byte field, bytes
 * otherwise (a MAC address). Values land in CPU order. */
static int vio_dev_cfg_read_once(struct vio_dev *d, uint32_t off, uint8_t *buf, uint32_t len)
{
	uint32_t lo, hi, i;
	uint64_t v;
	int err;

	if ((len == 1 || len == 2 || len == 4) && !(off & (len - 1)))
		return vio_pci_config_read(&d->pci, off, buf, len);
	if (len == 8 && !(off & 3)) {
		err = vio_pci_config_read(&d->pci, off, &lo, 4);
		if (err)
			return err;
		err = vio_pci_config_read(&d->pci, off + 4, &hi, 4);
		if (err)
			return err;
		v = (uint64_t)hi << 32 | lo;
		vio_memcpy(buf, &v, 8);
		return VIO_OK;
	}
	for (i = 0; i < len; i++) {
		err = vio_pci_config_read(&d->pci, off + i, buf + i, 1);
		if (err)
			return err;
	}
	return VIO_OK;
}

/* §2.5.1: read, and retry while config_generation changed under us. */
static int vio_dev_cfg_read_modern(struct vio_dev *d, uint32_t off, uint8_t *buf, uint32_t len)
{
	uint8_t gen, gen2;
	unsigned tries;
	int err;

	for (tries = 0; tries < VIO_DEV_CFG_TRIES; tries++) {
		gen = vio_pci_config_generation(&d->pci);
		err = vio_dev_cfg_read_once(d, off, buf, len);
		if (err)
			return err;
		gen2 = vio_pci_config_generation(&d->pci);
		if (gen == gen2)
			return VIO_OK;
	}
	vio_err(d->os, "config generation never settled reading %u bytes at %u", len, off);
	return VIO_EIO;
}

/* Legacy devices have no generation counter; §2.5.4 (legacy) has drivers
 * read until two reads agree. Byte by byte, so no bounce buffer is needed:
 * every re-read byte that differs is taken and forces another pass. */
static int vio_dev_cfg_read_legacy(struct vio_dev *d, uint32_t off, uint8_t *buf, uint32_t len)
{
	unsigned tries;
	bool changed;
	uint32_t i;
	uint8_t b;
	int err;

	err = vio_dev_cfg_read_once(d, off, buf, len);
	for (tries = 1; !err && tries < VIO_DEV_CFG_TRIES; tries++) {
		changed = false;
		for (i = 0; i < len && !err; i++) {
			err = vio_pci_config_read(&d->pci, off + i, &b, 1);
			if (!err && b != buf[i]) {
				buf[i] = b;
				changed = true;
			}
		}
		if (!err && !changed)
			return VIO_OK;
	}
	if (err)
		return err;
	vio_err(d->os, "legacy config never read the same twice (%u bytes at %u)", len, off);
	return VIO_EIO;
}

int vio_dev_config_read(struct vio_dev *d, uint32_t off, void *buf, uint32_t len)
{
	int err = vio_dev_cfg_range(d, off, buf, len);

	if (err || !len)
		return err;
	if (d->pci.modern)
		return vio_dev_cfg_read_modern(d, off, buf, len);
	/* legacy: byte-wise in guest order, see §2.5.4 */
	return vio_dev_cfg_read_legacy(d, off, buf, len);
}

int vio_dev_config_write(struct vio_dev *d, uint32_t off, const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint32_t i;
	int err = vio_dev_cfg_range(d, off, buf, len);

	if (err || !len)
		return err;
	if (d->pci.modern && (len == 1 || len == 2 || len == 4) && !(off & (len - 1)))
		return vio_pci_config_write(&d->pci, off, buf, len);
	for (i = 0; i < len; i++) {
		err = vio_pci_config_write(&d->pci, off + i, p + i, 1);
		if (err)
			return err;
	}
	return VIO_OK;
}

/* ---- interrupts: §4.1.5.1.2 ---- */

int vio_dev_set_irq_mode(struct vio_dev *d, enum vio_irq_mode mode)
{
	int err;

	d->irq_mode = mode;
	if (mode == VIO_IRQ_INTX) {
		/* ignore the result: on legacy without MSI-X there is no register */
		vio_pci_set_config_vector(&d->pci, VIO_MSI_NO_VECTOR);
		return VIO_OK;
	}
	err = vio_pci_set_config_vector(&d->pci, 0);
	if (err)
		vio_err(d->os, "config interrupts unavailable: MSI-X config vector 0 not accepted");
	return err;
}

uint16_t vio_dev_queue_vector(const struct vio_dev *d, uint16_t queue)
{
	switch (d->irq_mode) {
	case VIO_IRQ_MSIX_SINGLE:
		return 0;
	case VIO_IRQ_MSIX_SHARED:
		return 1;
	case VIO_IRQ_MSIX_PER_VQ:
		/* 1 + queue must not reach NO_VECTOR (0xffff) */
		return queue < VIO_MSI_NO_VECTOR - 1 ? (uint16_t)(queue + 1) : VIO_MSI_NO_VECTOR;
	default:
		return VIO_MSI_NO_VECTOR;
	}
}

static int vio_dev_vq_make(struct vio_dev *d, struct vio_vq *vq, uint16_t idx, uint16_t max_size,
			   uint16_t max_indirect, uint16_t vector)
{
	struct vio_vq_params p = {
	    .bus = &d->vq_bus,
	    .index = idx,
	    .max_size = max_size,
	    .vector = vector,
	    .event_idx = vio_dev_has(d, VIO_F_EVENT_IDX),
	    .indirect = vio_dev_has(d, VIO_F_INDIRECT_DESC),
	    .packed = vio_dev_has(d, VIO_F_RING_PACKED),
	};

	p.max_indirect = p.indirect ? max_indirect : 0;
	return vio_vq_create(vq, d, &p);
}

int vio_dev_vq_create(struct vio_dev *d, struct vio_vq *vq, uint16_t idx, uint16_t max_size,
		      uint16_t max_indirect)
{
	return vio_dev_vq_make(d, vq, idx, max_size, max_indirect, vio_dev_queue_vector(d, idx));
}

/* A queue the driver only busy-polls (the net control queue) needs no
 * interrupt: NO_VECTOR (§4.1.4.3 allows it per queue) and callbacks off
 * (§2.7.7), so a command costs the guest no interrupt in any mode. */
int vio_dev_vq_create_polled(struct vio_dev *d, struct vio_vq *vq, uint16_t idx, uint16_t max_size)
{
	int err = vio_dev_vq_make(d, vq, idx, max_size, 0, VIO_MSI_NO_VECTOR);

	if (!err)
		vio_vq_disable_cb(vq);
	return err;
}

/* ---- counted allocations ---- */

const struct vio_os *vio_dev_os(const struct vio_dev *d)
{
	return d->os;
}

int vio_dev_dma_alloc(struct vio_dev *d, size_t size, size_t align, struct vio_dma *out)
{
	const struct vio_os *os = d->os;
	int err;

	if (!out || !size || !align || (align & (align - 1)) || align > 4096)
		return VIO_EINVAL;
	vio_memset(out, 0, sizeof(*out));
	if (!os->dma_alloc || !os->dma_free)
		return VIO_ENOMEM;
	err = os->dma_alloc(os->ctx, size, align, out);
	if (err || !out->vaddr) {
		vio_err(os, "DMA allocation of %zu bytes failed", size);
		vio_memset(out, 0, sizeof(*out));
		return VIO_ENOMEM;
	}
	if (!out->size)
		out->size = size;
	d->allocs++;
	/* the device is told daddr: a misaligned ring would be misread */
	if (out->daddr & (align - 1)) {
		vio_err(os, "DMA allocation at 0x%llx is not %zu-aligned", (unsigned long long)out->daddr,
			align);
		vio_dev_dma_free(d, out);
		return VIO_ENOMEM;
	}
	vio_memset(out->vaddr, 0, size); /* rings start zeroed whatever the front-end does */
	return VIO_OK;
}

void vio_dev_dma_free(struct vio_dev *d, struct vio_dma *dma)
{
	if (!dma || !dma->vaddr)
		return;
	d->os->dma_free(d->os->ctx, dma);
	d->allocs--;
	vio_memset(dma, 0, sizeof(*dma));
}

void *vio_dev_zalloc(struct vio_dev *d, size_t size)
{
	void *p;

	if (!size || !d->os->zalloc)
		return NULL;
	p = d->os->zalloc(d->os->ctx, size);
	if (!p) {
		vio_err(d->os, "allocation of %zu bytes failed", size);
		return NULL;
	}
	d->allocs++;
	vio_memset(p, 0, size);
	return p;
}

void vio_dev_free(struct vio_dev *d, void *p, size_t size)
{
	if (!p)
		return;
	d->os->free(d->os->ctx, p, size);
	d->allocs--;
}

/* ---- feature names ---- */

static const char *vio_dev_ring_feature_name(unsigned bit)
{
	switch (bit) {
	case VIO_F_NOTIFY_ON_EMPTY:
		return "NOTIFY_ON_EMPTY";
	case VIO_F_ANY_LAYOUT:
		return "ANY_LAYOUT";
	case VIO_F_INDIRECT_DESC:
		return "INDIRECT_DESC";
	case VIO_F_EVENT_IDX:
		return "EVENT_IDX";
	case VIO_F_VERSION_1:
		return "VERSION_1";
	case VIO_F_ACCESS_PLATFORM:
		return "ACCESS_PLATFORM";
	case VIO_F_RING_PACKED:
		return "RING_PACKED";
	case VIO_F_IN_ORDER:
		return "IN_ORDER";
	case VIO_F_ORDER_PLATFORM:
		return "ORDER_PLATFORM";
	case VIO_F_SR_IOV:
		return "SR_IOV";
	case VIO_F_NOTIFICATION_DATA:
		return "NOTIFICATION_DATA";
	case 39:
		return "NOTIF_CONFIG_DATA";
	case VIO_F_RING_RESET:
		return "RING_RESET";
	case 41:
		return "ADMIN_VQ";
	default:
		return NULL;
	}
}

const char *vio_dev_feature_name(const struct vio_driver *drv, unsigned bit)
{
	const char *name = vio_dev_ring_feature_name(bit);

	if (name || bit >= 64 || !drv || !drv->feature_names)
		return name;
	return drv->feature_names[bit];
}

int vio_dev_features_string(const struct vio_dev *d, char *buf, size_t size)
{
	size_t pos = 0;
	unsigned bit;

	if (buf && size)
		buf[0] = 0;
	for (bit = 0; bit < 64; bit++) {
		const char *name;
		size_t room = pos < size ? size - pos : 0;
		int w;

		if (!((d->features >> bit) & 1))
			continue;
		name = vio_dev_feature_name(d->drv, bit);
		if (name)
			w = vio_snprintf(buf && room ? buf + pos : NULL, room, "%s%s", pos ? " " : "", name);
		else
			w = vio_snprintf(buf && room ? buf + pos : NULL, room, "%sbit%u", pos ? " " : "",
					 bit);
		if (w > 0)
			pos += (size_t)w;
	}
	return (int)pos;
}

/* ---- interrupt dispatch ---- */

bool vio_irq_needs_isr(enum vio_irq_mode mode, uint16_t vector)
{
	return mode == VIO_IRQ_INTX || (mode == VIO_IRQ_MSIX_SINGLE && vector == 0);
}

struct vio_irq_work vio_irq_decode(enum vio_irq_mode mode, uint16_t vector, uint8_t isr)
{
	struct vio_irq_work w = {false, false, false, VIO_IRQ_ALL_QUEUES};

	switch (mode) {
	case VIO_IRQ_INTX:
		w.ours = isr != 0;
		w.config = (isr & VIO_ISR_CONFIG) != 0;
		w.queues = (isr & VIO_ISR_QUEUE) != 0;
		break;
	case VIO_IRQ_MSIX_SINGLE:
		w.ours = w.queues = vector == 0;
		w.config = vector == 0 && (isr & VIO_ISR_CONFIG);
		break;
	case VIO_IRQ_MSIX_SHARED:
		w.ours = vector <= 1;
		w.config = vector == 0;
		w.queues = vector == 1;
		break;
	case VIO_IRQ_MSIX_PER_VQ:
		w.ours = vector != VIO_MSI_NO_VECTOR;
		w.config = vector == 0;
		w.queues = w.ours && vector > 0;
		if (w.queues)
			w.queue = (uint16_t)(vector - 1);
		break;
	}
	return w;
}

struct vio_irq_work vio_dev_irq(struct vio_dev *d, uint16_t vector)
{
	uint8_t isr = vio_irq_needs_isr(d->irq_mode, vector) ? vio_dev_isr(d) : 0;

	return vio_irq_decode(d->irq_mode, vector, isr);
}
