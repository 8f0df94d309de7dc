// SPDX-License-Identifier: BSD-2-Clause
/*
 * macvio_os.c - the core's OS contract (core/vio_os.h) on Linux.
 *
 * Every function here may be called in the context its vio_os.h tag says:
 * [attach] ones may sleep, [any] ones run with interrupts off or from a
 * debugger's polled path, so they use only non-sleeping, lock-free kernel
 * primitives (ioread/iowrite, pci_read_config_* with its raw spinlock,
 * the NMI-safe clock).
 */
#include <linux/cc_platform.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <xen/xen.h>

#include "macvio.h"
#include "vio_log.h"

/* Live coherent allocations of all devices; the unload test checks that it
 * is back to 0 (read-only /sys/module/macvio/parameters/dma_allocs). */
static atomic_t macvio_dma_allocs = ATOMIC_INIT(0);
/* Live streaming mappings (packet buffers). Per-CPU so the data path pays
 * no shared cache line; summed when read (parameters/dma_maps). */
static DEFINE_PER_CPU(long, macvio_dma_maps);

static int macvio_get_dma_allocs(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&macvio_dma_allocs));
}

static int macvio_get_dma_maps(char *buf, const struct kernel_param *kp)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) sum += per_cpu(macvio_dma_maps, cpu);
	return sysfs_emit(buf, "%ld\n", sum);
}

static const struct kernel_param_ops macvio_dma_allocs_ops = {.get = macvio_get_dma_allocs};
static const struct kernel_param_ops macvio_dma_maps_ops = {.get = macvio_get_dma_maps};
module_param_cb(dma_allocs, &macvio_dma_allocs_ops, NULL, 0444);
MODULE_PARM_DESC(dma_allocs, "live coherent DMA allocations (read-only; 0 when no device is bound)");
module_param_cb(dma_maps, &macvio_dma_maps_ops, NULL, 0444);
MODULE_PARM_DESC(dma_maps, "live streaming DMA mappings of packet buffers (read-only)");

static inline struct macvio_fn *ctx_fn(void *ctx)
{
	return ctx;
}

static inline struct device *ctx_dev(void *ctx)
{
	return &ctx_fn(ctx)->pdev->dev;
}

/* ---- packet buffer mappings, shared with the RX/TX paths ---- */

/* Test/bench hook: packet buffers through the DMA API even without
 * ACCESS_PLATFORM (the path a device behind an IOMMU takes). */
static bool dma_api;
module_param(dma_api, bool, 0444);
MODULE_PARM_DESC(dma_api, "test: map packet buffers with the DMA API even without ACCESS_PLATFORM");

/* Virtio 1.2 §6.1: without VIRTIO_F_ACCESS_PLATFORM the device reads and
 * writes guest physical addresses, bypassing any IOMMU, so a DMA API
 * address (an IOVA behind an IOMMU) would be wrong and on a plain x86 guest
 * the mapping is pure cost (Linux's virtio_ring decides the same in
 * vring_use_dma_api()). With it, every buffer goes through the DMA API.
 * A bool and a feature bit per call, on the data path: nothing is mapped
 * before negotiation, and a reset renegotiates the same set. */
bool macvio_use_dma_api(const struct macvio_fn *fn)
{
	return fn->dma_platform || (fn->vdev && vio_dev_has(fn->vdev, VIO_F_ACCESS_PLATFORM));
}

/* [probe] What does not depend on the device, read once (macvio.dma_platform):
 * Xen (grant mappings) and confidential guests (SEV, TDX: private memory
 * the device cannot read, swiotlb bounces through shared memory) need the
 * DMA API whatever is negotiated, as in Linux's vring_use_dma_api() and
 * virtio's restricted-memory rule; so does the dma_api test parameter. */
bool macvio_platform_needs_dma_api(void)
{
	return READ_ONCE(dma_api) || xen_domain() || cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT);
}

dma_addr_t macvio_map_single(struct macvio_fn *fn, void *va, size_t len, enum dma_data_direction dir)
{
	dma_addr_t a;

	if (likely(!macvio_use_dma_api(fn))) {
		this_cpu_inc(macvio_dma_maps); /* still counted: unload's leak check */
		return virt_to_phys(va);
	}
	a = dma_map_single(&fn->pdev->dev, va, len, dir);
	if (dma_mapping_error(&fn->pdev->dev, a))
		return DMA_MAPPING_ERROR;
	this_cpu_inc(macvio_dma_maps);
	return a;
}

void macvio_unmap_single(struct macvio_fn *fn, dma_addr_t a, size_t len, enum dma_data_direction dir)
{
	if (macvio_use_dma_api(fn))
		dma_unmap_single(&fn->pdev->dev, a, len, dir);
	this_cpu_dec(macvio_dma_maps);
}

dma_addr_t macvio_map_frag(struct macvio_fn *fn, const skb_frag_t *frag)
{
	dma_addr_t a;

	if (likely(!macvio_use_dma_api(fn))) {
		this_cpu_inc(macvio_dma_maps);
		return page_to_phys(skb_frag_page(frag)) + skb_frag_off(frag);
	}
	a = skb_frag_dma_map(&fn->pdev->dev, frag, 0, skb_frag_size(frag), DMA_TO_DEVICE);
	if (dma_mapping_error(&fn->pdev->dev, a))
		return DMA_MAPPING_ERROR;
	this_cpu_inc(macvio_dma_maps);
	return a;
}

void macvio_unmap_page(struct macvio_fn *fn, dma_addr_t a, size_t len, enum dma_data_direction dir)
{
	if (macvio_use_dma_api(fn))
		dma_unmap_page(&fn->pdev->dev, a, len, dir);
	this_cpu_dec(macvio_dma_maps);
}

/* Hand a still-mapped buffer back to the device. */
void macvio_sync_for_device(struct macvio_fn *fn, dma_addr_t a, size_t len, enum dma_data_direction dir)
{
	if (macvio_use_dma_api(fn))
		dma_sync_single_for_device(&fn->pdev->dev, a, len, dir);
}

/* ---- DMA ---- */

/* vio_dma.handle of memory from alloc_pages_exact (no DMA API). */
#define MACVIO_DMA_PAGES ((void *)1)

/* [attach] Zeroed and page aligned, which covers every alignment the core
 * may ask for (<= 4096). dma_alloc_coherent when the device goes through
 * the DMA API; otherwise whole pages and their physical address, as
 * Linux's vring_alloc_queue does without it: a device without
 * ACCESS_PLATFORM bypasses an IOMMU, so an IOVA would be the wrong address
 * for its rings too (macvio_use_dma_api; the core allocates only after
 * negotiation, and the handle records which way each one went). */
static int os_dma_alloc(void *ctx, size_t size, size_t align, struct vio_dma *out)
{
	dma_addr_t daddr;
	void *va;

	if (!size || align > PAGE_SIZE || (align & (align - 1)))
		return VIO_EINVAL;
	if (!macvio_use_dma_api(ctx_fn(ctx))) {
		va = alloc_pages_exact(PAGE_ALIGN(size), GFP_KERNEL | __GFP_ZERO);
		daddr = va ? virt_to_phys(va) : 0;
		out->handle = MACVIO_DMA_PAGES;
	} else {
		va = dma_alloc_coherent(ctx_dev(ctx), size, &daddr, GFP_KERNEL);
		out->handle = NULL;
	}
	if (!va)
		return VIO_ENOMEM;
	out->vaddr = va;
	out->daddr = daddr;
	out->size = size;
	atomic_inc(&macvio_dma_allocs);
	return VIO_OK;
}

static void os_dma_free(void *ctx, struct vio_dma *dma)
{
	if (!dma->vaddr)
		return;
	if (dma->handle == MACVIO_DMA_PAGES)
		free_pages_exact(dma->vaddr, PAGE_ALIGN(dma->size));
	else
		dma_free_coherent(ctx_dev(ctx), dma->size, dma->vaddr, dma->daddr);
	dma->handle = NULL;
	atomic_dec(&macvio_dma_allocs);
	dma->vaddr = NULL;
	dma->daddr = 0;
	dma->size = 0;
}

static enum dma_data_direction os_dir(enum vio_dma_dir dir)
{
	switch (dir) {
	case VIO_DMA_TO_DEVICE:
		return DMA_TO_DEVICE;
	case VIO_DMA_FROM_DEVICE:
		return DMA_FROM_DEVICE;
	default:
		return DMA_BIDIRECTIONAL;
	}
}

static int os_dma_map(void *ctx, void *vaddr, size_t len, enum vio_dma_dir dir, uint64_t *daddr)
{
	dma_addr_t a = macvio_map_single(ctx_fn(ctx), vaddr, len, os_dir(dir));

	if (a == DMA_MAPPING_ERROR)
		return VIO_ENOMEM;
	*daddr = a;
	return VIO_OK;
}

static void os_dma_unmap(void *ctx, uint64_t daddr, size_t len, enum vio_dma_dir dir)
{
	macvio_unmap_single(ctx_fn(ctx), daddr, len, os_dir(dir));
}

static void os_dma_sync(void *ctx, uint64_t daddr, size_t len, enum vio_dma_dir dir, bool for_device)
{
	if (!macvio_use_dma_api(ctx_fn(ctx)))
		return; /* a physical address the DMA API never mapped */
	if (for_device)
		dma_sync_single_for_device(ctx_dev(ctx), daddr, len, os_dir(dir));
	else
		dma_sync_single_for_cpu(ctx_dev(ctx), daddr, len, os_dir(dir));
}

/* ---- shadow memory ---- */

/* [attach] kvzalloc: big-mode segment tables can be 100+ KiB. */
static void *os_zalloc(void *ctx, size_t size)
{
	return kvzalloc(size, GFP_KERNEL);
}

static void os_free(void *ctx, void *ptr, size_t size)
{
	kvfree(ptr);
}

/* ---- PCI config space ---- */

static uint8_t os_cfg_read8(void *ctx, uint16_t off)
{
	u8 v = 0xff;

	pci_read_config_byte(ctx_fn(ctx)->pdev, off, &v);
	return v;
}

static uint16_t os_cfg_read16(void *ctx, uint16_t off)
{
	u16 v = 0xffff;

	pci_read_config_word(ctx_fn(ctx)->pdev, off, &v);
	return v;
}

static uint32_t os_cfg_read32(void *ctx, uint16_t off)
{
	u32 v = 0xffffffff;

	pci_read_config_dword(ctx_fn(ctx)->pdev, off, &v);
	return v;
}

static void os_cfg_write8(void *ctx, uint16_t off, uint8_t val)
{
	pci_write_config_byte(ctx_fn(ctx)->pdev, off, val);
}

static void os_cfg_write16(void *ctx, uint16_t off, uint16_t val)
{
	pci_write_config_word(ctx_fn(ctx)->pdev, off, val);
}

static void os_cfg_write32(void *ctx, uint16_t off, uint32_t val)
{
	pci_write_config_dword(ctx_fn(ctx)->pdev, off, val);
}

/* ---- BARs ---- */

static uint64_t os_bar_len(void *ctx, int bar, bool *is_io)
{
	struct macvio_fn *fn = ctx_fn(ctx);

	if (bar < 0 || bar >= PCI_STD_NUM_BARS || !fn->bars[bar].base) {
		if (is_io)
			*is_io = false;
		return 0;
	}
	if (is_io)
		*is_io = fn->bars[bar].is_io;
	return fn->bars[bar].len;
}

/* The core validated (bar, off, width) against bar_len at probe; these run
 * on the data path (notify) and must stay cheap. ioread*() dispatches to
 * inb/readb for I/O and memory BARs alike. */
static inline void __iomem *bar_addr(void *ctx, int bar, uint32_t off)
{
	return ctx_fn(ctx)->bars[bar].base + off;
}

static uint8_t os_bar_read8(void *ctx, int bar, uint32_t off)
{
	return ioread8(bar_addr(ctx, bar, off));
}

static uint16_t os_bar_read16(void *ctx, int bar, uint32_t off)
{
	return ioread16(bar_addr(ctx, bar, off));
}

static uint32_t os_bar_read32(void *ctx, int bar, uint32_t off)
{
	return ioread32(bar_addr(ctx, bar, off));
}

static void os_bar_write8(void *ctx, int bar, uint32_t off, uint8_t val)
{
	iowrite8(val, bar_addr(ctx, bar, off));
}

static void os_bar_write16(void *ctx, int bar, uint32_t off, uint16_t val)
{
	iowrite16(val, bar_addr(ctx, bar, off));
}

static void os_bar_write32(void *ctx, int bar, uint32_t off, uint32_t val)
{
	iowrite32(val, bar_addr(ctx, bar, off));
}

/* ---- time ---- */

/* udelay() is meant for short waits; long ones go through mdelay() in 1 ms
 * steps so no arch limit on the argument applies. */
static void os_udelay(void *ctx, uint32_t us)
{
	while (us >= 1000) {
		mdelay(1);
		us -= 1000;
	}
	if (us)
		udelay(us);
}

/* NMI-safe: the polled (debugger) path may ask for the time with the world
 * stopped. */
static uint64_t os_now_ns(void *ctx)
{
	return ktime_get_mono_fast_ns();
}

/* ---- log ---- */

/* Lines that can repeat (per-packet errors) are rate limited per device;
 * dev_printk gives the "macvio 0000:00:05.0" prefix, netdev_printk adds the
 * interface name once it is registered. */
static void os_log(void *ctx, enum vio_log_level level, const char *line)
{
	struct macvio_fn *fn = ctx_fn(ctx);
	const char *kl;

	switch (level) {
	case VIO_LOG_ERR:
		kl = KERN_ERR;
		break;
	case VIO_LOG_WARN:
		kl = KERN_WARNING;
		break;
	case VIO_LOG_INFO:
		kl = KERN_INFO;
		break;
	default:
		dev_dbg(&fn->pdev->dev, "%s\n", line);
		return;
	}
	if (!__ratelimit(&fn->log_rs))
		return;
	if (fn->ndev && fn->ndev->reg_state == NETREG_REGISTERED)
		netdev_printk(kl, fn->ndev, "%s\n", line);
	else
		dev_printk(kl, &fn->pdev->dev, "%s\n", line);
}

void macvio_os_init(struct macvio_fn *fn, struct pci_dev *pdev, const struct vio_dev *vdev)
{
	struct vio_os *os = &fn->os;

	fn->pdev = pdev;
	fn->vdev = vdev;
	os->ctx = fn;
	os->dma_alloc = os_dma_alloc;
	os->dma_free = os_dma_free;
	os->dma_map = os_dma_map;
	os->dma_unmap = os_dma_unmap;
	os->dma_sync = os_dma_sync;
	os->zalloc = os_zalloc;
	os->free = os_free;
	os->cfg_read8 = os_cfg_read8;
	os->cfg_read16 = os_cfg_read16;
	os->cfg_read32 = os_cfg_read32;
	os->cfg_write8 = os_cfg_write8;
	os->cfg_write16 = os_cfg_write16;
	os->cfg_write32 = os_cfg_write32;
	os->bar_len = os_bar_len;
	os->bar_read8 = os_bar_read8;
	os->bar_read16 = os_bar_read16;
	os->bar_read32 = os_bar_read32;
	os->bar_write8 = os_bar_write8;
	os->bar_write16 = os_bar_write16;
	os->bar_write32 = os_bar_write32;
	os->udelay = os_udelay;
	os->now_ns = os_now_ns;
	os->log = os_log;
	/* 20 lines per 5 s: enough for a full attach report, not a flood */
	ratelimit_state_init(&fn->log_rs, 5 * HZ, 20);
}

/* Map every present BAR once at probe; the core decides which ones it uses
 * and checks each capability against the length we report. */
int macvio_map_bars(struct macvio_fn *fn)
{
	struct pci_dev *pdev = fn->pdev;
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		unsigned long flags = pci_resource_flags(pdev, bar);
		struct macvio_bar *b = &fn->bars[bar];

		if (!pci_resource_len(pdev, bar) || !(flags & (IORESOURCE_IO | IORESOURCE_MEM)))
			continue;
		b->base = pci_iomap(pdev, bar, 0);
		if (!b->base) {
			dev_warn(&pdev->dev, "BAR %d (%pR) could not be mapped; the core will not use it\n",
				 bar, &pdev->resource[bar]);
			continue;
		}
		b->len = pci_resource_len(pdev, bar);
		b->is_io = !!(flags & IORESOURCE_IO);
	}
	return 0;
}

void macvio_unmap_bars(struct macvio_fn *fn)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (fn->bars[bar].base)
			pci_iounmap(fn->pdev, fn->bars[bar].base);
		fn->bars[bar].base = NULL;
		fn->bars[bar].len = 0;
	}
}
