// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_pci.c - virtio-pci transport: modern capabilities (virtio 1.2 §4.1.4)
 * and the legacy I/O BAR (virtio 1.2 §4.1.4.8).
 *
 * Every value read from the device here (ids, capability fields, queue
 * sizes, notify offsets, vector read-backs) is checked before it is used to
 * compute an address: a capability that points outside its BAR is skipped,
 * and a notify offset outside the notify window fails the queue.
 */
#include "vio_pci.h"
#include "vio_log.h"
#include "virtio_spec.h"

/* Linux's bound for capability walks (PCI_FIND_CAP_TTL): a device whose list
 * loops must not hang the driver. */
#define VIO_PCI_CAP_TTL	  48
#define VIO_PCI_CAP_FIRST 0x40 /* capabilities live after the 64-byte header */
#define VIO_PCI_CFG_SPACE 256  /* standard config space holds the cap list */

/* ---- raw accessors ---- */

/* Config reads stay inside the conventional 256-byte space the contract
 * promises (vio_os.h): a device-supplied offset past it reads as all ones
 * (what absent config space reads as) and never reaches the front-end. */
static bool vio_pci_cfg_in(uint16_t off, uint16_t size)
{
	return (uint32_t)off + size <= VIO_PCI_CFG_SPACE;
}

static uint8_t vio_pci_cfg8(struct vio_pci *t, uint16_t off)
{
	return vio_pci_cfg_in(off, 1) ? t->os->cfg_read8(t->os->ctx, off) : 0xff;
}

static uint16_t vio_pci_cfg16(struct vio_pci *t, uint16_t off)
{
	return vio_pci_cfg_in(off, 2) ? t->os->cfg_read16(t->os->ctx, off) : 0xffff;
}

static uint32_t vio_pci_cfg32(struct vio_pci *t, uint16_t off)
{
	return vio_pci_cfg_in(off, 4) ? t->os->cfg_read32(t->os->ctx, off) : 0xffffffffu;
}

static uint8_t vio_pci_rd8(struct vio_pci *t, int bar, uint32_t off)
{
	return t->os->bar_read8(t->os->ctx, bar, off);
}

static uint16_t vio_pci_rd16(struct vio_pci *t, int bar, uint32_t off)
{
	return t->os->bar_read16(t->os->ctx, bar, off);
}

static uint32_t vio_pci_rd32(struct vio_pci *t, int bar, uint32_t off)
{
	return t->os->bar_read32(t->os->ctx, bar, off);
}

static void vio_pci_wr8(struct vio_pci *t, int bar, uint32_t off, uint8_t v)
{
	t->os->bar_write8(t->os->ctx, bar, off, v);
}

static void vio_pci_wr16(struct vio_pci *t, int bar, uint32_t off, uint16_t v)
{
	t->os->bar_write16(t->os->ctx, bar, off, v);
}

static void vio_pci_wr32(struct vio_pci *t, int bar, uint32_t off, uint32_t v)
{
	t->os->bar_write32(t->os->ctx, bar, off, v);
}

/* common_cfg fields (§4.1.4.3), always at their natural width (§4.1.3.1) */
static uint8_t vio_pci_c8(struct vio_pci *t, uint32_t field)
{
	return vio_pci_rd8(t, t->common.bar, t->common.off + field);
}

static uint16_t vio_pci_c16(struct vio_pci *t, uint32_t field)
{
	return vio_pci_rd16(t, t->common.bar, t->common.off + field);
}

static uint32_t vio_pci_c32(struct vio_pci *t, uint32_t field)
{
	return vio_pci_rd32(t, t->common.bar, t->common.off + field);
}

static void vio_pci_cw8(struct vio_pci *t, uint32_t field, uint8_t v)
{
	vio_pci_wr8(t, t->common.bar, t->common.off + field, v);
}

static void vio_pci_cw16(struct vio_pci *t, uint32_t field, uint16_t v)
{
	vio_pci_wr16(t, t->common.bar, t->common.off + field, v);
}

static void vio_pci_cw32(struct vio_pci *t, uint32_t field, uint32_t v)
{
	vio_pci_wr32(t, t->common.bar, t->common.off + field, v);
}

/* 64-bit common_cfg fields are written as two 32-bit halves, low first
 * (§4.1.3.1). */
static void vio_pci_cw64(struct vio_pci *t, uint32_t field_lo, uint32_t field_hi, uint64_t v)
{
	vio_pci_cw32(t, field_lo, (uint32_t)v);
	vio_pci_cw32(t, field_hi, (uint32_t)(v >> 32));
}

/* ---- identification: §4.1.2 ---- */

static uint32_t vio_pci_type_of(uint16_t device, uint16_t subsys_id)
{
	if (device >= VIO_PCI_DEV_TRANS_FIRST && device <= VIO_PCI_DEV_TRANS_LAST)
		return subsys_id; /* transitional: §4.1.2.1 "Legacy Interfaces" */
	if (device >= VIO_PCI_DEV_MODERN_BASE && device <= VIO_PCI_DEV_MODERN_LAST)
		return (uint32_t)device - VIO_PCI_DEV_MODERN_BASE;
	return 0;
}

static bool vio_pci_is_transitional(uint16_t device)
{
	return device >= VIO_PCI_DEV_TRANS_FIRST && device <= VIO_PCI_DEV_TRANS_LAST;
}

/* Type 0 is reserved (§5), so a transitional device with subsystem id 0 or
 * device id 0x1040 is never a match. The revision is not part of the match:
 * §4.1.2.2 has drivers accept any revision (transitional devices have 0,
 * non-transitional ones >= 1). */
bool vio_pci_id_match(uint16_t vendor, uint16_t device, uint16_t subsys_id, uint32_t device_type)
{
	uint32_t type = vio_pci_type_of(device, subsys_id);

	if (vendor != VIO_PCI_VENDOR || type == 0)
		return false;
	return device_type == 0 || device_type == type;
}

/* Device types whose modern interface must carry a device-config window:
 * every type we may drive except entropy, which has no config (§5.4.4). */
static bool vio_pci_type_has_config(uint32_t type)
{
	return type != VIO_ID_ENTROPY;
}

static int vio_pci_read_ids(struct vio_pci *t)
{
	t->vendor = vio_pci_cfg16(t, VIO_PCI_CFG_VENDOR);
	t->device = vio_pci_cfg16(t, VIO_PCI_CFG_DEVICE);
	t->revision = vio_pci_cfg8(t, VIO_PCI_CFG_REVISION);
	t->subsys_vendor = vio_pci_cfg16(t, VIO_PCI_CFG_SUBSYS_VENDOR);
	t->subsys_id = vio_pci_cfg16(t, VIO_PCI_CFG_SUBSYS_ID);
	if (t->vendor == 0xffff) {
		vio_err(t->os, "pci: no device answers config reads (vendor 0xffff)");
		return VIO_ENODEV;
	}
	if (!vio_pci_id_match(t->vendor, t->device, t->subsys_id, 0)) {
		vio_err(t->os, "pci: %04x:%04x subsystem %04x is not a virtio device", t->vendor, t->device,
			t->subsys_id);
		return VIO_ENODEV;
	}
	t->device_type = vio_pci_type_of(t->device, t->subsys_id);
	return VIO_OK;
}

/* ---- capability walk: §4.1.4 ---- */

static struct vio_pci_window *vio_pci_cap_window(struct vio_pci *t, uint8_t cfg_type)
{
	switch (cfg_type) {
	case VIO_PCI_CAP_COMMON_CFG:
		return &t->common;
	case VIO_PCI_CAP_NOTIFY_CFG:
		return &t->notify;
	case VIO_PCI_CAP_ISR_CFG:
		return &t->isr;
	case VIO_PCI_CAP_DEVICE_CFG:
		return &t->devcfg;
	default:
		return NULL; /* PCI_CFG, shared memory, vendor: not used (§4.1.4.1) */
	}
}

static const char *vio_pci_cap_name(uint8_t cfg_type)
{
	static const char *const names[] = {"?", "common", "notify", "isr", "device"};

	return cfg_type < 5 ? names[cfg_type] : "?";
}

/* Minimum window length and offset alignment per type: common_cfg holds the
 * 56 bytes we use (§4.1.4.3), a notify window at least one 16-bit doorbell
 * (§4.1.4.4), ISR one byte (§4.1.4.5). Offsets are 4-aligned for common and
 * device config and 2-aligned for notify (§4.1.4.3, §4.1.4.4, §4.1.4.6): a
 * misaligned MMIO access faults on arm64, so we hold the device to it. */
static void vio_pci_cap_rules(uint8_t cfg_type, uint32_t *min_len, uint32_t *align)
{
	*align = 1;
	*min_len = 1;
	if (cfg_type == VIO_PCI_CAP_COMMON_CFG) {
		*min_len = VIO_PCI_COMMON_SIZE;
		*align = 4;
	} else if (cfg_type == VIO_PCI_CAP_NOTIFY_CFG) {
		*min_len = 2;
		*align = 2;
	} else if (cfg_type == VIO_PCI_CAP_DEVICE_CFG) {
		*align = 4;
	}
}

/* Does [off, off+len) lie inside BAR `bar`? 64-bit math: off and len are
 * 32-bit device values and their sum must not wrap. The window must also
 * stay addressable with the 32-bit offsets of the vio_os accessors. */
static bool vio_pci_cap_fits(struct vio_pci *t, uint8_t cfg_type, uint8_t bar, uint32_t off, uint32_t len)
{
	const char *name = vio_pci_cap_name(cfg_type);
	uint32_t min_len, align;
	uint64_t blen;
	bool is_io = false;

	if (bar >= VIO_PCI_MAX_BARS) {
		vio_warn(t->os, "pci: %s capability names BAR %u: skipped", name, bar);
		return false;
	}
	blen = t->os->bar_len(t->os->ctx, bar, &is_io);
	if ((uint64_t)off + len > blen || (uint64_t)off + len > 0xffffffffULL) {
		vio_warn(t->os, "pci: %s capability 0x%x+0x%x outside BAR %u (0x%llx bytes): skipped", name,
			 off, len, bar, (unsigned long long)blen);
		return false;
	}
	vio_pci_cap_rules(cfg_type, &min_len, &align);
	if (len < min_len || (off & (align - 1))) {
		vio_warn(t->os, "pci: %s capability offset 0x%x length %u (need >= %u, %u-aligned): skipped",
			 name, off, len, min_len, align);
		return false;
	}
	return true;
}

static void vio_pci_vndr_cap(struct vio_pci *t, uint8_t pos)
{
	uint8_t cap_len, cfg_type, bar;
	struct vio_pci_window *w;
	uint32_t need, off, len;

	/* the fixed part of struct virtio_pci_cap must fit before any field
	 * of it is read (a capability at 0xfc would put bar at 0x100) */
	if ((uint32_t)pos + VIO_PCI_CAP_SIZE > VIO_PCI_CFG_SPACE) {
		vio_warn(t->os, "pci: vendor capability at 0x%02x runs past the config space: skipped", pos);
		return;
	}
	cap_len = vio_pci_cfg8(t, pos + VIO_PCI_CAP_LEN);
	cfg_type = vio_pci_cfg8(t, pos + VIO_PCI_CAP_CFG_TYPE);
	bar = vio_pci_cfg8(t, pos + VIO_PCI_CAP_BAR);
	w = vio_pci_cap_window(t, cfg_type);
	need = cfg_type == VIO_PCI_CAP_NOTIFY_CFG ? VIO_PCI_NOTIFY_CAP_SIZE : VIO_PCI_CAP_SIZE;

	/* §4.1.4.1: the driver uses the first capability of each type it can
	 * use and ignores types it does not know */
	if (!w || w->bar >= 0)
		return;
	if (cap_len < need || (uint32_t)pos + cap_len > VIO_PCI_CFG_SPACE) {
		vio_warn(t->os, "pci: %s capability at 0x%02x has cap_len %u (need %u): skipped",
			 vio_pci_cap_name(cfg_type), pos, cap_len, need);
		return;
	}
	off = vio_pci_cfg32(t, pos + VIO_PCI_CAP_OFFSET);
	len = vio_pci_cfg32(t, pos + VIO_PCI_CAP_LENGTH);
	if (!vio_pci_cap_fits(t, cfg_type, bar, off, len))
		return;
	if (cfg_type == VIO_PCI_CAP_NOTIFY_CFG)
		t->notify_mult = vio_pci_cfg32(t, pos + VIO_PCI_NOTIFY_CAP_MULT);
	w->bar = bar;
	w->off = off;
	w->len = len;
}

static void vio_pci_msix_cap(struct vio_pci *t, uint8_t pos)
{
	if (t->msix_cap)
		return;
	t->msix_cap = pos;
	t->msix_table_size =
	    (uint16_t)((vio_pci_cfg16(t, pos + VIO_PCI_MSIX_FLAGS) & VIO_PCI_MSIX_FLAGS_QSIZE) + 1);
}

/* Walk the list with a TTL (a looping list must not hang us) and the
 * lenient alignment of Linux's walker: low two bits masked. */
static void vio_pci_walk_caps(struct vio_pci *t)
{
	unsigned ttl;
	uint8_t pos, id;

	if (!(vio_pci_cfg16(t, VIO_PCI_CFG_STATUS) & VIO_PCI_STATUS_CAP_LIST)) {
		vio_info(t->os, "pci: no capability list");
		return;
	}
	pos = vio_pci_cfg8(t, VIO_PCI_CFG_CAP_PTR);
	for (ttl = 0; ttl < VIO_PCI_CAP_TTL; ttl++) {
		if (pos < VIO_PCI_CAP_FIRST)
			return; /* 0 ends the list; < 0x40 points into the header */
		pos &= (uint8_t)~3u;
		id = vio_pci_cfg8(t, pos);
		if (id == 0xff)
			return; /* device gone, or a list of 0xff bytes */
		if (id == VIO_PCI_CAP_ID_MSIX)
			vio_pci_msix_cap(t, pos);
		else if (id == VIO_PCI_CAP_ID_VNDR)
			vio_pci_vndr_cap(t, pos);
		pos = vio_pci_cfg8(t, pos + 1);
	}
	if (pos >= VIO_PCI_CAP_FIRST)
		vio_warn(t->os, "pci: capability list longer than %u entries (a loop?): stopped",
			 VIO_PCI_CAP_TTL);
}

static bool vio_pci_windows_overlap(const struct vio_pci_window *a, const struct vio_pci_window *b)
{
	return a->bar >= 0 && a->bar == b->bar && (uint64_t)a->off < (uint64_t)b->off + b->len &&
	       (uint64_t)b->off < (uint64_t)a->off + a->len;
}

/* Two windows sharing bytes: a doorbell would land in common config (a
 * queue_size rewritten while the queue runs, found by fuzz_transport), a
 * config read would acknowledge the ISR. No device has a reason to
 * declare that (QEMU's are 4 KiB apart), so the interface is refused. */
static bool vio_pci_windows_disjoint(struct vio_pci *t)
{
	const struct vio_pci_window *w[4] = {&t->common, &t->notify, &t->isr, &t->devcfg};

	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			if (vio_pci_windows_overlap(w[i], w[j])) {
				vio_warn(t->os,
					 "pci: %s and %s windows overlap in BAR %d: modern interface refused",
					 vio_pci_cap_name((uint8_t)(i + 1)),
					 vio_pci_cap_name((uint8_t)(j + 1)), w[i]->bar);
				return false;
			}
	return true;
}

static bool vio_pci_modern_complete(struct vio_pci *t)
{
	bool devcfg_ok = t->devcfg.bar >= 0 || !vio_pci_type_has_config(t->device_type);
	bool any = t->common.bar >= 0 || t->notify.bar >= 0 || t->isr.bar >= 0 || t->devcfg.bar >= 0;

	if (t->common.bar >= 0 && t->notify.bar >= 0 && t->isr.bar >= 0 && devcfg_ok)
		return vio_pci_windows_disjoint(t);
	if (any)
		vio_warn(t->os, "pci: modern interface incomplete:%s%s%s%s missing or invalid",
			 t->common.bar < 0 ? " common" : "", t->notify.bar < 0 ? " notify" : "",
			 t->isr.bar < 0 ? " isr" : "", devcfg_ok ? "" : " device");
	return false;
}

/* Legacy interface (§4.1.4.8): transitional ids only, I/O BAR 0 holding at
 * least the 24-byte common header (20 bytes + the MSI-X vectors). */
static bool vio_pci_legacy_usable(struct vio_pci *t)
{
	bool is_io = false;
	uint64_t len;

	if (!vio_pci_is_transitional(t->device))
		return false;
	len = t->os->bar_len(t->os->ctx, 0, &is_io);
	if (!is_io || len < VIO_LEGACY_BAR_MIN) {
		if (len)
			vio_info(t->os, "pci: BAR 0 is %s, 0x%llx bytes: no legacy interface",
				 is_io ? "I/O" : "memory", (unsigned long long)len);
		return false;
	}
	t->legacy_len = len > 0xffff ? 0xffff : (uint32_t)len; /* I/O space is 64 KiB */
	return true;
}

static int vio_pci_choose(struct vio_pci *t, bool prefer_legacy)
{
	if (t->has_modern && !(prefer_legacy && t->has_legacy)) {
		t->modern = true;
		if (prefer_legacy)
			vio_info(t->os, "pci: legacy interface asked for but absent: using modern");
	} else if (t->has_legacy) {
		t->modern = false;
	} else if (!vio_pci_is_transitional(t->device)) {
		vio_err(t->os, "pci: modern virtio device %04x (type %u) has no usable virtio capabilities",
			t->device, t->device_type);
		return VIO_ENODEV;
	} else {
		vio_err(t->os,
			"pci: transitional virtio device %04x (type %u) has neither usable modern "
			"capabilities nor a legacy I/O BAR 0",
			t->device, t->device_type);
		return VIO_ENODEV;
	}
	vio_info(t->os, "pci: virtio %04x:%04x type %u rev %u: %s interface%s", t->vendor, t->device,
		 t->device_type, t->revision, t->modern ? "modern" : "legacy",
		 t->msix_cap ? ", MSI-X capable" : "");
	return VIO_OK;
}

static bool vio_pci_os_complete(const struct vio_os *os)
{
	return os && os->cfg_read8 && os->cfg_read16 && os->cfg_read32 && os->bar_len && os->bar_read8 &&
	       os->bar_read16 && os->bar_read32 && os->bar_write8 && os->bar_write16 && os->bar_write32;
}

int vio_pci_probe(struct vio_pci *t, const struct vio_os *os, bool prefer_legacy)
{
	int err;

	if (!t)
		return VIO_EINVAL;
	vio_memset(t, 0, sizeof(*t));
	t->os = os;
	t->common.bar = t->notify.bar = t->isr.bar = t->devcfg.bar = -1;
	if (!vio_pci_os_complete(os)) {
		vio_err(os, "pci: front-end lacks config or BAR accessors");
		return VIO_EINVAL;
	}
	err = vio_pci_read_ids(t);
	if (err)
		return err;
	vio_pci_walk_caps(t);
	t->has_modern = vio_pci_modern_complete(t);
	t->has_legacy = vio_pci_legacy_usable(t);
	return vio_pci_choose(t, prefer_legacy);
}

/* ---- status and reset: §2.1, §4.1.4.3.2 ---- */

uint8_t vio_pci_get_status(struct vio_pci *t)
{
	if (t->modern)
		return vio_pci_c8(t, VIO_PCI_COMMON_STATUS);
	return vio_pci_rd8(t, 0, VIO_LEGACY_STATUS);
}

void vio_pci_set_status(struct vio_pci *t, uint8_t status)
{
	if (t->modern)
		vio_pci_cw8(t, VIO_PCI_COMMON_STATUS, status);
	else
		vio_pci_wr8(t, 0, VIO_LEGACY_STATUS, status);
}

/* PCI COMMAND bit 2, Bus Master Enable (PCI Local Bus 3.0 §6.2.2): with
 * it clear the function cannot start a memory transaction, so a device
 * that never finished a reset cannot reach memory the driver frees next.
 * Returns whether the bit was set before. */
bool vio_pci_bus_master(struct vio_pci *t, bool on)
{
	uint16_t cmd = vio_pci_cfg16(t, VIO_PCI_CFG_COMMAND);
	bool was = (cmd & VIO_PCI_CMD_MASTER) != 0;

	if (cmd == 0xffff)
		return false; /* the function is gone */
	cmd = on ? (uint16_t)(cmd | VIO_PCI_CMD_MASTER) : (uint16_t)(cmd & ~VIO_PCI_CMD_MASTER);
	t->os->cfg_write16(t->os->ctx, VIO_PCI_CFG_COMMAND, cmd);
	return was;
}

#define VIO_PCI_RESET_POLL_US 10

/* §4.1.4.3.2: after writing 0 the driver waits for device_status to read 0
 * before re-initialising. The wait is bounded twice over: by the clock and
 * by an iteration count, so a front-end whose clock stands still (a test, a
 * stopped debugger) cannot hang us. */
int vio_pci_reset(struct vio_pci *t, uint32_t timeout_us)
{
	const struct vio_os *os = t->os;
	uint64_t start = os->now_ns ? os->now_ns(os->ctx) : 0;
	uint64_t limit_ns = (uint64_t)timeout_us * 1000;
	uint32_t polls = timeout_us / VIO_PCI_RESET_POLL_US + 1;
	uint8_t status;

	vio_pci_set_status(t, 0);
	for (;;) {
		status = vio_pci_get_status(t);
		if (status == 0)
			return VIO_OK;
		if (!polls-- || (os->now_ns && os->now_ns(os->ctx) - start > limit_ns))
			break;
		if (os->udelay)
			os->udelay(os->ctx, VIO_PCI_RESET_POLL_US);
	}
	vio_err(os, "pci: reset did not complete in %u us (status 0x%02x)", timeout_us, status);
	return VIO_ETIMEDOUT;
}

/* VIRTIO_F_RING_RESET (§2.6.1, §4.1.4.3.2): write 1 to queue_reset of the
 * selected queue, then wait until queue_reset and queue_enable both read 0
 * (what Linux's vp_modern_set_queue_reset waits for). Bounded as the
 * device reset above. The queue is then disabled: the device uses none of
 * its buffers, and it is enabled again by vio_pci_queue_setup. */
int vio_pci_queue_reset(struct vio_pci *t, uint16_t idx, uint32_t timeout_us)
{
	const struct vio_os *os = t->os;
	uint64_t start = os->now_ns ? os->now_ns(os->ctx) : 0;
	uint32_t polls = timeout_us / VIO_PCI_RESET_POLL_US + 1;
	uint16_t r, e;

	if (!t->modern || t->common.len < VIO_PCI_COMMON_SIZE_RESET || idx >= vio_pci_num_queues(t))
		return VIO_ENOTSUP;
	vio_pci_cw16(t, VIO_PCI_COMMON_Q_SELECT, idx);
	vio_pci_cw16(t, VIO_PCI_COMMON_Q_RESET, 1);
	for (;;) {
		r = vio_pci_c16(t, VIO_PCI_COMMON_Q_RESET);
		e = vio_pci_c16(t, VIO_PCI_COMMON_Q_ENABLE);
		if (r == 0 && e == 0)
			return VIO_OK;
		if (!polls-- || (os->now_ns && os->now_ns(os->ctx) - start > (uint64_t)timeout_us * 1000))
			break;
		if (os->udelay)
			os->udelay(os->ctx, VIO_PCI_RESET_POLL_US);
	}
	vio_err(os, "pci: queue %u reset did not complete in %u us (queue_reset %u, queue_enable %u)", idx,
		timeout_us, r, e);
	return VIO_ETIMEDOUT;
}

/* ---- features: §2.2, §4.1.4.3 ---- */

uint64_t vio_pci_get_features(struct vio_pci *t)
{
	uint64_t lo, hi;

	if (!t->modern)
		return vio_pci_rd32(t, 0, VIO_LEGACY_HOST_FEATURES);
	vio_pci_cw32(t, VIO_PCI_COMMON_DFSELECT, 0);
	lo = vio_pci_c32(t, VIO_PCI_COMMON_DF);
	vio_pci_cw32(t, VIO_PCI_COMMON_DFSELECT, 1);
	hi = vio_pci_c32(t, VIO_PCI_COMMON_DF);
	return lo | hi << 32;
}

void vio_pci_set_features(struct vio_pci *t, uint64_t features)
{
	if (!t->modern) {
		vio_pci_wr32(t, 0, VIO_LEGACY_GUEST_FEATURES, (uint32_t)features);
		return;
	}
	vio_pci_cw32(t, VIO_PCI_COMMON_GFSELECT, 0);
	vio_pci_cw32(t, VIO_PCI_COMMON_GF, (uint32_t)features);
	vio_pci_cw32(t, VIO_PCI_COMMON_GFSELECT, 1);
	vio_pci_cw32(t, VIO_PCI_COMMON_GF, (uint32_t)(features >> 32));
}

/* ---- device config: §4.1.4.6, §4.1.4.8 ---- */

bool vio_pci_msix_enabled(struct vio_pci *t)
{
	if (!t->msix_cap)
		return false;
	return vio_pci_cfg16(t, t->msix_cap + VIO_PCI_MSIX_FLAGS) & VIO_PCI_MSIX_FLAGS_ENABLE;
}

/* Where device config lives right now. Legacy: 20 bytes into BAR 0, or 24
 * while MSI-X is enabled, read live from the MSI-X capability each time:
 * the offset follows the enable bit, not what the driver meant to do (the
 * original OS X driver's "cable unplugged" on Q35 read the MAC/status 4
 * bytes off). */
static void vio_pci_cfg_window(struct vio_pci *t, int *bar, uint32_t *base, uint32_t *len)
{
	uint32_t off;

	if (t->modern) {
		*bar = t->devcfg.bar;
		*base = t->devcfg.off;
		*len = t->devcfg.bar >= 0 ? t->devcfg.len : 0;
		return;
	}
	off = vio_pci_msix_enabled(t) ? VIO_LEGACY_CONFIG_OFF_MSIX : VIO_LEGACY_CONFIG_OFF;
	*bar = 0;
	*base = off;
	*len = t->legacy_len > off ? t->legacy_len - off : 0;
}

uint32_t vio_pci_config_len(struct vio_pci *t)
{
	uint32_t base, len;
	int bar;

	vio_pci_cfg_window(t, &bar, &base, &len);
	return len;
}

static int vio_pci_cfg_check(uint32_t off, uint32_t size, uint32_t len, const void *buf)
{
	if (!buf || (size != 1 && size != 2 && size != 4))
		return VIO_EINVAL;
	if (off > len || size > len - off)
		return VIO_EINVAL;
	return VIO_OK;
}

int vio_pci_config_read(struct vio_pci *t, uint32_t off, void *buf, uint32_t size)
{
	uint32_t base, len, v32;
	uint16_t v16;
	uint8_t v8;
	int bar, err;

	vio_pci_cfg_window(t, &bar, &base, &len);
	err = vio_pci_cfg_check(off, size, len, buf);
	if (err)
		return err;
	if (size == 1) {
		v8 = vio_pci_rd8(t, bar, base + off);
		vio_memcpy(buf, &v8, 1);
	} else if (size == 2) {
		v16 = vio_pci_rd16(t, bar, base + off);
		vio_memcpy(buf, &v16, 2);
	} else {
		v32 = vio_pci_rd32(t, bar, base + off);
		vio_memcpy(buf, &v32, 4);
	}
	return VIO_OK;
}

int vio_pci_config_write(struct vio_pci *t, uint32_t off, const void *buf, uint32_t size)
{
	uint32_t base, len, v32;
	uint16_t v16;
	uint8_t v8;
	int bar, err;

	vio_pci_cfg_window(t, &bar, &base, &len);
	err = vio_pci_cfg_check(off, size, len, buf);
	if (err)
		return err;
	if (size == 1) {
		vio_memcpy(&v8, buf, 1);
		vio_pci_wr8(t, bar, base + off, v8);
	} else if (size == 2) {
		vio_memcpy(&v16, buf, 2);
		vio_pci_wr16(t, bar, base + off, v16);
	} else {
		vio_memcpy(&v32, buf, 4);
		vio_pci_wr32(t, bar, base + off, v32);
	}
	return VIO_OK;
}

uint8_t vio_pci_config_generation(struct vio_pci *t)
{
	return t->modern ? vio_pci_c8(t, VIO_PCI_COMMON_CFGGENERATION) : 0;
}

/* ---- queues: §4.1.5.1.3 (modern), §4.1.4.8 (legacy) ---- */

uint16_t vio_pci_num_queues(struct vio_pci *t)
{
	return t->modern ? vio_pci_c16(t, VIO_PCI_COMMON_NUMQ) : 0xffff;
}

uint16_t vio_pci_queue_max(struct vio_pci *t, uint16_t idx)
{
	if (!t->modern) {
		vio_pci_wr16(t, 0, VIO_LEGACY_QUEUE_SEL, idx);
		return vio_pci_rd16(t, 0, VIO_LEGACY_QUEUE_NUM);
	}
	if (idx >= vio_pci_num_queues(t))
		return 0;
	vio_pci_cw16(t, VIO_PCI_COMMON_Q_SELECT, idx);
	return vio_pci_c16(t, VIO_PCI_COMMON_Q_SIZE);
}

/* §4.1.4.4: queue idx's doorbell is at cap.offset + queue_notify_off *
 * notify_off_multiplier, and the window must hold its 2 bytes (no
 * NOTIFICATION_DATA). The queue must already be selected. */
static int vio_pci_notify_resolve(struct vio_pci *t, uint16_t idx, uint32_t *off)
{
	uint16_t noff = vio_pci_c16(t, VIO_PCI_COMMON_Q_NOFF);
	uint64_t rel = (uint64_t)noff * t->notify_mult;

	if (rel + 2 > t->notify.len || (rel & 1)) {
		vio_err(t->os, "pci: queue %u notify offset %u * %u outside the %u-byte notify window", idx,
			noff, t->notify_mult, t->notify.len);
		return VIO_EIO;
	}
	*off = t->notify.off + (uint32_t)rel;
	return VIO_OK;
}

static int vio_pci_check_vector(struct vio_pci *t, uint16_t idx, uint16_t want, uint16_t got)
{
	if (want == VIO_MSI_NO_VECTOR || got == want)
		return VIO_OK;
	/* §4.1.5.1.2: NO_VECTOR read back means the device could not map it */
	vio_err(t->os, "pci: queue %u: device refused MSI-X vector %u (read back 0x%x)", idx, want, got);
	return VIO_EIO;
}

static int vio_pci_queue_check_size(struct vio_pci *t, uint16_t idx, uint16_t size, uint16_t max)
{
	if (!max) {
		vio_err(t->os, "pci: queue %u does not exist", idx);
		return VIO_EIO;
	}
	/* split rings are powers of two (§2.7) */
	if (!size || size > max || (size & (size - 1))) {
		vio_err(t->os, "pci: queue %u: size %u invalid (device max %u)", idx, size, max);
		return VIO_EINVAL;
	}
	return VIO_OK;
}

static int vio_pci_queue_setup_modern(struct vio_pci *t, uint16_t idx, uint16_t size, uint64_t desc,
				      uint64_t avail, uint64_t used, uint16_t vector)
{
	uint32_t noff;
	uint16_t max;
	int err;

	if (idx >= vio_pci_num_queues(t)) {
		vio_err(t->os, "pci: queue %u does not exist", idx);
		return VIO_EIO;
	}
	vio_pci_cw16(t, VIO_PCI_COMMON_Q_SELECT, idx);
	max = vio_pci_c16(t, VIO_PCI_COMMON_Q_SIZE);
	err = vio_pci_queue_check_size(t, idx, size, max);
	if (err)
		return err;
	vio_pci_cw16(t, VIO_PCI_COMMON_Q_SIZE, size);
	vio_pci_cw64(t, VIO_PCI_COMMON_Q_DESCLO, VIO_PCI_COMMON_Q_DESCHI, desc);
	vio_pci_cw64(t, VIO_PCI_COMMON_Q_AVAILLO, VIO_PCI_COMMON_Q_AVAILHI, avail);
	vio_pci_cw64(t, VIO_PCI_COMMON_Q_USEDLO, VIO_PCI_COMMON_Q_USEDHI, used);
	vio_pci_cw16(t, VIO_PCI_COMMON_Q_MSIX, vector);
	err = vio_pci_check_vector(t, idx, vector, vio_pci_c16(t, VIO_PCI_COMMON_Q_MSIX));
	if (err)
		return err;
	err = vio_pci_notify_resolve(t, idx, &noff);
	if (err)
		return err;
	vio_pci_cw16(t, VIO_PCI_COMMON_Q_ENABLE, 1);
	return VIO_OK;
}

/* Legacy rings sit at one page-aligned guest-physical address given as a
 * 32-bit page frame number, with avail right after desc and used at the
 * next 4 KiB boundary (§2.7.2 legacy interface). */
static int vio_pci_legacy_layout_ok(struct vio_pci *t, uint16_t idx, uint16_t size, uint64_t desc,
				    uint64_t avail, uint64_t used)
{
	uint64_t want_avail = desc + VIO_VQ_DESC_BYTES(size);
	uint64_t want_used = (want_avail + VIO_VQ_AVAIL_BYTES(size) + VIO_LEGACY_QUEUE_ALIGN - 1) &
			     ~(uint64_t)(VIO_LEGACY_QUEUE_ALIGN - 1);

	if ((desc & (VIO_LEGACY_QUEUE_ALIGN - 1)) || avail != want_avail || used != want_used) {
		vio_err(t->os, "pci: queue %u: ring layout is not the legacy 4 KiB layout", idx);
		return VIO_EINVAL;
	}
	if ((desc >> VIO_LEGACY_PFN_SHIFT) > 0xffffffffULL) {
		vio_err(t->os, "pci: queue %u: ring above the legacy 16 TiB PFN limit", idx);
		return VIO_EINVAL;
	}
	return VIO_OK;
}

static int vio_pci_queue_setup_legacy(struct vio_pci *t, uint16_t idx, uint16_t size, uint64_t desc,
				      uint64_t avail, uint64_t used, uint16_t vector)
{
	bool msix = vio_pci_msix_enabled(t);
	uint16_t max;
	int err;

	vio_pci_wr16(t, 0, VIO_LEGACY_QUEUE_SEL, idx);
	max = vio_pci_rd16(t, 0, VIO_LEGACY_QUEUE_NUM);
	err = vio_pci_queue_check_size(t, idx, size, max);
	if (err)
		return err;
	if (size != max) {
		vio_err(t->os, "pci: queue %u: legacy devices cannot resize (%u != %u)", idx, size, max);
		return VIO_EINVAL;
	}
	err = vio_pci_legacy_layout_ok(t, idx, size, desc, avail, used);
	if (err)
		return err;
	/* the vector registers exist only while MSI-X is on: without it offset
	 * 22 is device config and writing there would corrupt it */
	if (vector != VIO_MSI_NO_VECTOR && !msix) {
		vio_err(t->os, "pci: queue %u: MSI-X vector %u asked while MSI-X is disabled", idx, vector);
		return VIO_EINVAL;
	}
	if (msix) {
		vio_pci_wr16(t, 0, VIO_LEGACY_QUEUE_VECTOR, vector);
		err = vio_pci_check_vector(t, idx, vector, vio_pci_rd16(t, 0, VIO_LEGACY_QUEUE_VECTOR));
		if (err)
			return err;
	}
	vio_pci_wr32(t, 0, VIO_LEGACY_QUEUE_PFN, (uint32_t)(desc >> VIO_LEGACY_PFN_SHIFT));
	return VIO_OK;
}

int vio_pci_queue_setup(struct vio_pci *t, uint16_t idx, uint16_t size, uint64_t desc, uint64_t avail,
			uint64_t used, uint16_t vector)
{
	if (t->modern)
		return vio_pci_queue_setup_modern(t, idx, size, desc, avail, used, vector);
	return vio_pci_queue_setup_legacy(t, idx, size, desc, avail, used, vector);
}

/* Modern: §4.1.4.3.2 forbids writing 0 to queue_enable; a queue stops with
 * the device reset. We only release its MSI-X vector, as Linux does.
 * Legacy: a PFN of 0 deactivates the queue (§4.1.4.8). */
void vio_pci_queue_disable(struct vio_pci *t, uint16_t idx)
{
	if (t->modern) {
		if (idx >= vio_pci_num_queues(t))
			return;
		vio_pci_cw16(t, VIO_PCI_COMMON_Q_SELECT, idx);
		vio_pci_cw16(t, VIO_PCI_COMMON_Q_MSIX, VIO_MSI_NO_VECTOR);
		return;
	}
	vio_pci_wr16(t, 0, VIO_LEGACY_QUEUE_SEL, idx);
	if (vio_pci_msix_enabled(t))
		vio_pci_wr16(t, 0, VIO_LEGACY_QUEUE_VECTOR, VIO_MSI_NO_VECTOR);
	vio_pci_wr32(t, 0, VIO_LEGACY_QUEUE_PFN, 0);
}

int vio_pci_queue_notify_off(struct vio_pci *t, uint16_t idx, uint32_t *off)
{
	if (!off)
		return VIO_EINVAL;
	if (!t->modern) {
		*off = VIO_LEGACY_QUEUE_NOTIFY;
		return VIO_OK;
	}
	if (idx >= vio_pci_num_queues(t))
		return VIO_EINVAL;
	vio_pci_cw16(t, VIO_PCI_COMMON_Q_SELECT, idx);
	return vio_pci_notify_resolve(t, idx, off);
}

/* §4.1.4.4 / §4.1.4.8: the doorbell takes the queue index. */
void vio_pci_notify(struct vio_pci *t, uint16_t idx, uint32_t notify_off)
{
	if (t->modern)
		vio_pci_wr16(t, t->notify.bar, notify_off, idx);
	else
		vio_pci_wr16(t, 0, VIO_LEGACY_QUEUE_NOTIFY, idx);
}

uint8_t vio_pci_isr(struct vio_pci *t)
{
	if (t->modern)
		return vio_pci_rd8(t, t->isr.bar, t->isr.off);
	return vio_pci_rd8(t, 0, VIO_LEGACY_ISR);
}

/* msix_config (§4.1.4.3) / legacy CONFIG_VECTOR (§4.1.4.8). The front-end
 * enables MSI-X first: a legacy device has the register only then. */
int vio_pci_set_config_vector(struct vio_pci *t, uint16_t vector)
{
	uint16_t got;

	if (t->modern) {
		vio_pci_cw16(t, VIO_PCI_COMMON_MSIX, vector);
		got = vio_pci_c16(t, VIO_PCI_COMMON_MSIX);
	} else if (!vio_pci_msix_enabled(t)) {
		if (vector == VIO_MSI_NO_VECTOR)
			return VIO_OK;
		vio_err(t->os, "pci: config vector %u asked while MSI-X is disabled", vector);
		return VIO_EINVAL;
	} else {
		vio_pci_wr16(t, 0, VIO_LEGACY_CONFIG_VECTOR, vector);
		got = vio_pci_rd16(t, 0, VIO_LEGACY_CONFIG_VECTOR);
	}
	if (vector != VIO_MSI_NO_VECTOR && got != vector) {
		vio_err(t->os, "pci: device refused MSI-X config vector %u (read back 0x%x)", vector, got);
		return VIO_EIO;
	}
	return VIO_OK;
}
