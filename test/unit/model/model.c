/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * model.c - PCI config space, BARs and the vio_os services of the device
 * model. Register semantics follow virtio 1.2 §4.1.4 (modern common config,
 * notify, ISR, device config capabilities) and §4.1.4.8 (legacy I/O BAR).
 */
#define _GNU_SOURCE
#include "model.h"

#include <sanitizer/asan_interface.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* violations, log                                                      */

void model_violation(struct model *m, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (m->violations++ == 0)
		snprintf(m->first_violation, sizeof(m->first_violation), "%s", buf);
	if (!m->quiet_violations || m->echo_log)
		fprintf(stderr, "    [model] driver violation: %s\n", buf);
}

/* A driver bug the transport fuzz target aborts on (check_windows). */
static void model_fault(struct model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void model_fault(struct model *m, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (m->check_windows && m->window_faults++ == 0)
		snprintf(m->first_window_fault, sizeof(m->first_window_fault), "%s", buf);
	model_violation(m, "%s", buf);
}

bool model_log_has(const struct model *m, const char *needle)
{
	for (int i = 0; i < m->nlines; i++)
		if (strstr(m->lines[i], needle))
			return true;
	return false;
}

void model_log_clear(struct model *m)
{
	m->nlines = 0;
}

/* ------------------------------------------------------------------ */
/* regions                                                              */

/* Regions are kept sorted by base (they are distinct allocations, so they
 * never overlap): lookups are a binary search, which keeps the fuzz
 * targets linear in the number of buffers. */
static int region_lower(const struct model *m, uintptr_t base)
{
	int lo = 0, hi = m->nregions;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (m->regions[mid].base < base)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo; /* first region with base >= base */
}

static void region_add(struct model *m, uintptr_t base, size_t len, int kind)
{
	int at;

	if (m->nregions == m->cap_regions) {
		int nc = m->cap_regions ? m->cap_regions * 2 : 64;
		struct model_region *r = realloc(m->regions, (size_t)nc * sizeof(*r));
		if (!r)
			abort();
		m->regions = r;
		m->cap_regions = nc;
	}
	at = region_lower(m, base);
	memmove(&m->regions[at + 1], &m->regions[at], (size_t)(m->nregions - at) * sizeof(m->regions[0]));
	m->regions[at] = (struct model_region){base, len, kind};
	m->nregions++;
}

static struct model_region *region_find_base(struct model *m, const void *p, int kind)
{
	for (int i = region_lower(m, (uintptr_t)p); i < m->nregions && m->regions[i].base == (uintptr_t)p;
	     i++)
		if (m->regions[i].kind == kind)
			return &m->regions[i];
	return NULL;
}

static void region_remove(struct model *m, struct model_region *r)
{
	int at = (int)(r - m->regions);

	memmove(&m->regions[at], &m->regions[at + 1], (size_t)(m->nregions - at - 1) * sizeof(m->regions[0]));
	m->nregions--;
}

void model_region_add(struct model *m, const void *p, size_t len)
{
	region_add(m, (uintptr_t)p, len, MR_TEST);
}

void model_region_del(struct model *m, const void *p)
{
	struct model_region *r = region_find_base(m, p, MR_TEST);
	if (r)
		region_remove(m, r);
}

void *model_buf_alloc(struct model *m, size_t len)
{
	void *p = calloc(1, len ? len : 1);
	if (!p)
		abort();
	model_region_add(m, p, len);
	return p;
}

void *model_buf_alloc_raw(struct model *m, size_t len)
{
	void *p = malloc(len ? len : 1);
	uintptr_t a = (uintptr_t)p; /* only the address is registered */

	if (!p)
		abort();
	region_add(m, a, len, MR_TEST);
	return p;
}

void model_buf_free(struct model *m, void *p)
{
	if (!p)
		return;
	model_region_del(m, p);
	free(p);
}

/* Device-visible range? (used by the ring code before any dereference) */
bool model_dev_range_ok(struct model *m, uint64_t addr, uint64_t len, bool ring_only);
bool model_dev_range_ok(struct model *m, uint64_t addr, uint64_t len, bool ring_only)
{
	int i;

	if (addr + len < addr)
		return false;
	/* the one region that could hold addr: the last with base <= addr
	 * (zero-length regions at the same base are skipped backwards) */
	for (i = region_lower(m, (uintptr_t)addr + 1) - 1; i >= 0; i--) {
		struct model_region *r = &m->regions[i];
		if (r->base + r->len <= addr && r->len)
			return false;
		if (r->kind == MR_ZALLOC || (ring_only && r->kind != MR_DMA))
			return false;
		if (addr >= r->base && addr + len <= r->base + r->len)
			return true;
		if (r->len)
			return false;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* OS services                                                          */

static bool alloc_should_fail(struct model *m)
{
	m->n_alloc++;
	return m->fail_nth && m->n_alloc == m->fail_nth;
}

static int os_dma_alloc(void *ctx, size_t size, size_t align, struct vio_dma *out)
{
	struct model *m = ctx;
	if (!out)
		return VIO_EINVAL;
	memset(out, 0, sizeof(*out));
	if (align == 0 || (align & (align - 1)) || align > 4096)
		model_violation(m, "dma_alloc align %zu not a power of two <= 4096", align);
	if (size == 0)
		model_violation(m, "dma_alloc of 0 bytes");
	if (alloc_should_fail(m))
		return VIO_ENOMEM;
	size_t a = align < 16 ? 16 : align;
	if (a & (a - 1))
		a = 4096;
	size_t sz = (size + a - 1) & ~(a - 1);
	void *p;
	if (m->kind != M_MODERN) {
		/* a legacy device takes a 32-bit PFN: rings must lie below
		 * 16 TiB, which under ASan only the low 2 GiB are (§4.1.4.8) */
		size_t ps = (size + 4095) & ~(size_t)4095;
		p = mmap(NULL, ps ? ps : 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		if (p == MAP_FAILED)
			return VIO_ENOMEM;
		if (ps > size)
			ASAN_POISON_MEMORY_REGION((uint8_t *)p + size, ps - size);
	} else {
		p = aligned_alloc(a, sz ? sz : a);
		if (!p)
			return VIO_ENOMEM;
		memset(p, 0, sz ? sz : a);
	}
	out->vaddr = p;
	out->daddr = (uintptr_t)p;
	out->size = size;
	out->handle = p;
	region_add(m, (uintptr_t)p, size, MR_DMA);
	m->live_dma++;
	return VIO_OK;
}

static void os_dma_free(void *ctx, struct vio_dma *dma)
{
	struct model *m = ctx;
	if (!dma || !dma->vaddr) {
		model_violation(m, "dma_free of an empty vio_dma");
		return;
	}
	struct model_region *r = region_find_base(m, dma->vaddr, MR_DMA);
	if (!r) {
		model_violation(m, "dma_free of %p: not a live allocation", dma->vaddr);
		return;
	}
	if (r->len != dma->size)
		model_violation(m, "dma_free size %zu != allocated %zu", dma->size, r->len);
	if (dma->daddr != (uintptr_t)dma->vaddr)
		model_violation(m, "dma_free daddr does not match vaddr");
	region_remove(m, r);
	if (m->kind != M_MODERN) {
		size_t ps = (dma->size + 4095) & ~(size_t)4095;
		ASAN_UNPOISON_MEMORY_REGION(dma->vaddr, ps ? ps : 4096);
		munmap(dma->vaddr, ps ? ps : 4096);
	} else {
		free(dma->vaddr);
	}
	m->live_dma--;
	dma->vaddr = NULL;
}

static int os_dma_map(void *ctx, void *vaddr, size_t len, enum vio_dma_dir dir, uint64_t *daddr)
{
	struct model *m = ctx;
	(void)dir;
	region_add(m, (uintptr_t)vaddr, len, MR_MAP);
	m->n_map++;
	m->live_map++;
	*daddr = (uintptr_t)vaddr;
	return VIO_OK;
}

static void os_dma_unmap(void *ctx, uint64_t daddr, size_t len, enum vio_dma_dir dir)
{
	struct model *m = ctx;
	(void)dir;
	struct model_region *r = region_find_base(m, (void *)(uintptr_t)daddr, MR_MAP);
	if (!r || r->len != len) {
		model_violation(m, "dma_unmap of an unknown mapping");
		return;
	}
	region_remove(m, r);
	m->live_map--;
}

static void *os_zalloc(void *ctx, size_t size)
{
	struct model *m = ctx;
	if (alloc_should_fail(m))
		return NULL;
	void *p = calloc(1, size ? size : 1);
	if (!p)
		return NULL;
	region_add(m, (uintptr_t)p, size, MR_ZALLOC);
	m->live_zalloc++;
	return p;
}

static void os_free(void *ctx, void *ptr, size_t size)
{
	struct model *m = ctx;
	if (!ptr)
		return;
	struct model_region *r = region_find_base(m, ptr, MR_ZALLOC);
	if (!r) {
		model_violation(m, "free of %p: not a live zalloc", ptr);
		return;
	}
	if (r->len != size)
		model_violation(m, "free size %zu != allocated %zu", size, r->len);
	region_remove(m, r);
	free(ptr);
	m->live_zalloc--;
}

/* ---- PCI config space ---- */
static uint8_t os_cfg_read8(void *ctx, uint16_t off)
{
	struct model *m = ctx;
	if (off >= 256) {
		model_fault(m, "cfg_read8 at %u", off);
		return 0xff;
	}
	return m->pcicfg[off];
}

static uint16_t os_cfg_read16(void *ctx, uint16_t off)
{
	struct model *m = ctx;
	if (off > 254) {
		model_fault(m, "cfg_read16 at %u", off);
		return 0xffff;
	}
	return (uint16_t)(m->pcicfg[off] | m->pcicfg[off + 1] << 8);
}

static uint32_t os_cfg_read32(void *ctx, uint16_t off)
{
	struct model *m = ctx;
	if (off > 252) {
		model_fault(m, "cfg_read32 at %u", off);
		return 0xffffffffu;
	}
	return (uint32_t)m->pcicfg[off] | (uint32_t)m->pcicfg[off + 1] << 8 |
	       (uint32_t)m->pcicfg[off + 2] << 16 | (uint32_t)m->pcicfg[off + 3] << 24;
}

static void cfg_write(struct model *m, uint16_t off, uint32_t val, int size)
{
	/* Only the command register and the MSI-X message control are
	 * writable; everything else reads as wired. */
	for (int i = 0; i < size; i++) {
		uint16_t o = (uint16_t)(off + i);
		uint8_t b = (uint8_t)(val >> (8 * i));
		if (o >= 256) {
			model_fault(m, "cfg write at %u", o);
			return;
		}
		if (o == VIO_PCI_CFG_COMMAND || o == VIO_PCI_CFG_COMMAND + 1)
			m->pcicfg[o] = b;
		else if (m->msix_cap && o == m->msix_cap + VIO_PCI_MSIX_FLAGS + 1)
			m->pcicfg[o] = (uint8_t)((m->pcicfg[o] & 0x07) | (b & 0xc0));
	}
}
static void os_cfg_write8(void *ctx, uint16_t off, uint8_t val)
{
	cfg_write(ctx, off, val, 1);
}
static void os_cfg_write16(void *ctx, uint16_t off, uint16_t val)
{
	cfg_write(ctx, off, val, 2);
}
static void os_cfg_write32(void *ctx, uint16_t off, uint32_t val)
{
	cfg_write(ctx, off, val, 4);
}

static uint64_t os_bar_len(void *ctx, int bar, bool *is_io)
{
	struct model *m = ctx;
	if (is_io)
		*is_io = false;
	if (bar == M_LEGACY_BAR && m->kind != M_MODERN) {
		if (is_io)
			*is_io = true;
		return m->io_bar_len;
	}
	if (bar == M_MEM_BAR && m->kind != M_LEGACY)
		return m->mem_bar_len;
	return 0;
}

bool model_msix_enabled(const struct model *m)
{
	return m->msix_cap && (m->pcicfg[m->msix_cap + VIO_PCI_MSIX_FLAGS + 1] & 0x80);
}

void model_set_msix(struct model *m, bool enabled)
{
	if (!m->msix_cap)
		return;
	uint8_t *b = &m->pcicfg[m->msix_cap + VIO_PCI_MSIX_FLAGS + 1];
	*b = (uint8_t)(enabled ? (*b | 0x80) : (*b & ~0x80));
}

/* ---- common device logic ---- */
static void q_reset(struct mq *q)
{
	free(q->owned);
	q->owned = NULL;
	free(q->pk_ndesc);
	q->pk_ndesc = NULL;
	q->size = q->max;
	q->vector = VIO_MSI_NO_VECTOR;
	q->enabled = false;
	q->desc = q->avail = q->used = 0;
	q->last_avail = q->used_idx = q->signalled = 0;
	q->auto_avail_event = true;
	q->was_reset = false;
}

static void dev_reset(struct model *m)
{
	m->resets++;
	for (int i = 0; i < M_MAXQ; i++)
		q_reset(&m->q[i]);
	m->drv_features = 0;
	m->dfsel = m->gfsel = 0;
	m->isr = 0;
	m->msix_config = VIO_MSI_NO_VECTOR;
	m->qsel = 0;
	if (!m->reset_stuck)
		m->status = 0;
}

static uint8_t status_read(struct model *m)
{
	if (m->reset_stuck)
		return (uint8_t)(m->status | VIO_STATUS_ACKNOWLEDGE | m->status_or);
	return m->status ? (uint8_t)(m->status | m->status_or) : 0; /* a reset still completes */
}

static void status_write(struct model *m, uint8_t v, bool modern)
{
	if (v == 0) {
		dev_reset(m);
		return;
	}
	if (m->status & ~v)
		model_violation(m, "driver cleared status bits %#x -> %#x without reset", m->status, v);
	if (v & (0x30 | VIO_STATUS_NEEDS_RESET))
		model_violation(m, "driver wrote status %#x: reserved or device-owned bits (§2.1)", v);
	if (modern && (v & VIO_STATUS_FEATURES_OK) && !(m->status & VIO_STATUS_FEATURES_OK)) {
		bool ok = !m->refuse_features_ok;
		if (m->drv_features & ~m->features) {
			model_violation(m, "driver accepted features %#llx the device did not offer",
					(unsigned long long)(m->drv_features & ~m->features));
			ok = false;
		}
		if (!(m->drv_features & VIO_BIT(VIO_F_VERSION_1)))
			ok = false; /* §6.1: a modern device may refuse to work without it */
		if (!ok)
			v &= (uint8_t)~VIO_STATUS_FEATURES_OK;
		else if (m->devcfg_flip_on_features_ok)
			memcpy(m->devcfg, m->devcfg_flip, sizeof(m->devcfg_flip));
	}
	if (modern && (v & VIO_STATUS_DRIVER_OK) && !(m->status & VIO_STATUS_DRIVER_OK) &&
	    !(v & VIO_STATUS_FEATURES_OK) && !(v & VIO_STATUS_FAILED))
		model_violation(m, "DRIVER_OK without FEATURES_OK (§3.1.1)");
	m->status = v;
}

bool model_driver_ok(const struct model *m)
{
	return (m->status & VIO_STATUS_DRIVER_OK) && !(m->status & VIO_STATUS_FAILED);
}

bool model_has(const struct model *m, unsigned bit)
{
	return (m->drv_features >> bit) & 1;
}

static uint16_t vector_accept(struct model *m, uint16_t v)
{
	if (v == VIO_MSI_NO_VECTOR || m->refuse_vectors || v >= M_MSIX_VECTORS)
		return VIO_MSI_NO_VECTOR;
	return v;
}

static uint16_t queue_vector_accept(struct model *m, uint16_t v)
{
	return m->refuse_queue_vectors ? VIO_MSI_NO_VECTOR : vector_accept(m, v);
}

static void q_enable(struct model *m, int qi, bool legacy)
{
	struct mq *q = &m->q[qi];
	if (q->size == 0 || (q->size & (q->size - 1)) || q->size > q->max) {
		model_violation(m, "queue %d enabled with size %u (max %u)", qi, q->size, q->max);
		return;
	}
	if ((m->status & VIO_STATUS_DRIVER_OK) && !q->was_reset)
		model_violation(m, "queue %d enabled after DRIVER_OK", qi);
	q->was_reset = false;
	uint64_t n = q->size;
	if (model_q_packed(m)) {
		if (mpk_enable_ok(m, qi)) {
			free(q->owned);
			q->owned = calloc(q->size, 1);
			q->enabled = true;
			q->last_avail = q->used_idx = q->signalled = 0;
		}
		return;
	}
	if (!legacy && ((q->desc & 15) || (q->avail & 1) || (q->used & 3)))
		model_violation(m, "queue %d ring parts misaligned (§2.7)", qi);
	if (!model_dev_range_ok(m, q->desc, VIO_VQ_DESC_BYTES(n), true))
		model_violation(m, "queue %d descriptor table outside any DMA allocation", qi);
	else if (!model_dev_range_ok(m, q->avail, VIO_VQ_AVAIL_BYTES(n), true))
		model_violation(m, "queue %d avail ring outside any DMA allocation", qi);
	else if (!model_dev_range_ok(m, q->used, VIO_VQ_USED_BYTES(n), true))
		model_violation(m, "queue %d used ring (%llu bytes) outside any DMA allocation", qi,
				(unsigned long long)VIO_VQ_USED_BYTES(n));
	else {
		free(q->owned);
		q->owned = calloc(q->size, 1);
		q->enabled = true;
		q->last_avail = q->used_idx = q->signalled = 0;
	}
}

static void do_notify(struct model *m, int qi)
{
	if (qi < 0 || qi >= m->nq || !m->q[qi].enabled) {
		model_violation(m, "notify of queue %d which is not enabled", qi);
		return;
	}
	/* notify before DRIVER_OK is allowed: §3.1.1 lets the driver post RX
	 * buffers before DRIVER_OK */
	m->q[qi].notifies++;
	if (m->on_notify)
		m->on_notify(m, qi, m->hook_arg);
	if (m->console)
		mcons_notified(m, qi);
	else if (m->ctrl_auto && qi == mnet_ctrlq(m))
		mnet_ctrl_service(m);
}

/* device config: reads bump the generation while gen_flips says so */
static uint32_t devcfg_read(struct model *m, uint32_t off, int size)
{
	uint32_t v = 0;
	for (int i = 0; i < size; i++)
		if (off + (uint32_t)i < M_DEVCFG_LEN)
			v |= (uint32_t)m->devcfg[off + (uint32_t)i] << (8 * i);
	if (m->devcfg_unstable)
		v ^= (uint32_t)++m->unstable_reads; /* a value that never reads the same twice */
	if (m->gen_flips) {
		m->gen++;
		if (m->gen_flips > 0)
			m->gen_flips--;
	}
	return v;
}

static void devcfg_write(struct model *m, uint32_t off, uint32_t v, int size, bool legacy)
{
	if (m->console) { /* §5.3.4: emerg_wr is the one field the driver writes */
		if (off == VIO_CONS_CFG_EMERG_WR && size == 4 && m->emerg_len < sizeof(m->emerg))
			m->emerg[m->emerg_len++] = (uint8_t)v;
		else if (off != VIO_CONS_CFG_EMERG_WR || size != 4)
			model_violation(m, "driver wrote console config at %u width %d", off, size);
		return;
	}
	/* virtio-net config is read-only for the driver (§5.1.4), except the
	 * mac field through the legacy interface (§5.1.4.3 legacy) */
	if (legacy && off + (uint32_t)size <= VIO_NET_CFG_MAC + 6) {
		for (int i = 0; i < size; i++)
			m->devcfg[off + (uint32_t)i] = (uint8_t)(v >> (8 * i));
		return;
	}
	model_violation(m, "driver wrote net config at %u", off);
}

/* ---- modern common config (§4.1.4.3) ---- */
struct cfield {
	uint32_t off;
	int size;
};
static const struct cfield common_fields[] = {
    {0, 4},  {4, 4},  {8, 4},  {12, 4}, {16, 2}, {18, 2}, {20, 1}, {21, 1}, {22, 2}, {24, 2}, {26, 2},
    {28, 2}, {30, 2}, {32, 4}, {36, 4}, {40, 4}, {44, 4}, {48, 4}, {52, 4}, {56, 2}, {58, 2},
};

static bool common_check(struct model *m, uint32_t off, int size, const char *what)
{
	for (size_t i = 0; i < sizeof(common_fields) / sizeof(common_fields[0]); i++)
		if (common_fields[i].off == off) {
			if (common_fields[i].size != size) {
				model_violation(m,
						"common cfg %s at %u with width %d (field is %d, §4.1.3.1)",
						what, off, size, common_fields[i].size);
				return false;
			}
			return true;
		}
	model_violation(m, "common cfg %s at %u: not a field start", what, off);
	return false;
}

static struct mq *selq(struct model *m)
{
	return m->qsel < m->nq ? &m->q[m->qsel] : NULL;
}

static uint32_t common_read(struct model *m, uint32_t off, int size)
{
	if (!common_check(m, off, size, "read"))
		return 0;
	struct mq *q = selq(m);
	switch (off) {
	case VIO_PCI_COMMON_DFSELECT:
		return m->dfsel;
	case VIO_PCI_COMMON_DF:
		if (m->features_flip_after && --m->features_flip_after == 0)
			m->features = m->features_flip; /* the offer changes under the driver */
		return m->dfsel < 2 ? (uint32_t)(m->features >> (32 * m->dfsel)) : 0;
	case VIO_PCI_COMMON_GFSELECT:
		return m->gfsel;
	case VIO_PCI_COMMON_GF:
		return m->gfsel < 2 ? (uint32_t)(m->drv_features >> (32 * m->gfsel)) : 0;
	case VIO_PCI_COMMON_MSIX:
		return m->msix_config;
	case VIO_PCI_COMMON_NUMQ:
		return m->num_queues_shown ? m->num_queues_shown : m->nq;
	case VIO_PCI_COMMON_STATUS:
		return status_read(m);
	case VIO_PCI_COMMON_CFGGENERATION:
		return m->gen;
	case VIO_PCI_COMMON_Q_SELECT:
		return m->qsel;
	case VIO_PCI_COMMON_Q_SIZE:
		if (q && q->shrink_to) {
			uint16_t was = q->size;
			q->size = q->max = q->shrink_to;
			q->shrink_to = 0;
			return was;
		}
		return q ? q->size : 0;
	case VIO_PCI_COMMON_Q_MSIX:
		return q ? q->vector : VIO_MSI_NO_VECTOR;
	case VIO_PCI_COMMON_Q_ENABLE:
		return q ? q->enabled : 0;
	case VIO_PCI_COMMON_Q_NOFF:
		return q ? q->notify_off : 0;
	case VIO_PCI_COMMON_Q_DESCLO:
		return q ? (uint32_t)q->desc : 0;
	case VIO_PCI_COMMON_Q_DESCHI:
		return q ? (uint32_t)(q->desc >> 32) : 0;
	case VIO_PCI_COMMON_Q_AVAILLO:
		return q ? (uint32_t)q->avail : 0;
	case VIO_PCI_COMMON_Q_AVAILHI:
		return q ? (uint32_t)(q->avail >> 32) : 0;
	case VIO_PCI_COMMON_Q_USEDLO:
		return q ? (uint32_t)q->used : 0;
	case VIO_PCI_COMMON_Q_USEDHI:
		return q ? (uint32_t)(q->used >> 32) : 0;
	case VIO_PCI_COMMON_Q_RESET:
		if (!q || !q->was_reset)
			return 0;
		if (q->reset_stuck)
			return 1;
		if (q->reset_reads) {
			q->reset_reads--;
			return 1;
		}
		return 0;
	default:
		return 0;
	}
}

/* §2.6.1: the device forgets the queue; it presents its defaults and 0 in
 * queue_enable, and 0 in queue_reset once done (knobs delay or stop that). */
static void queue_reset_write(struct model *m, struct mq *q, uint32_t v)
{
	if (!(m->drv_features & VIO_BIT(VIO_F_RING_RESET))) {
		model_violation(m, "queue_reset written without RING_RESET");
		return;
	}
	if (v != 1) {
		model_violation(m, "queue_reset written %u (only 1)", v);
		return;
	}
	q_reset(q);
	q->was_reset = true;
	q->queue_resets++;
}

static void set_lo(uint64_t *p, uint32_t v)
{
	*p = (*p & ~0xffffffffULL) | v;
}
static void set_hi(uint64_t *p, uint32_t v)
{
	*p = (*p & 0xffffffffULL) | (uint64_t)v << 32;
}

static void common_write(struct model *m, uint32_t off, uint32_t v, int size)
{
	if (!common_check(m, off, size, "write"))
		return;
	struct mq *q = selq(m);
	bool qfield = off >= VIO_PCI_COMMON_Q_SIZE && off != VIO_PCI_COMMON_Q_NOFF;
	if (qfield && !q) {
		model_violation(m, "queue field %u written with queue_select %u out of range", off, m->qsel);
		return;
	}
	if (qfield && q->enabled && off != VIO_PCI_COMMON_Q_MSIX && off != VIO_PCI_COMMON_Q_RESET) {
		model_fault(m, "queue %u field %u written while enabled", m->qsel, off);
		return;
	}
	switch (off) {
	case VIO_PCI_COMMON_DFSELECT:
		m->dfsel = v;
		break;
	case VIO_PCI_COMMON_GFSELECT:
		m->gfsel = v;
		break;
	case VIO_PCI_COMMON_GF:
		if (m->status & VIO_STATUS_FEATURES_OK)
			model_violation(m, "driver_feature written after FEATURES_OK");
		if (m->gfsel == 0)
			m->drv_features = (m->drv_features & ~0xffffffffULL) | v;
		else if (m->gfsel == 1)
			m->drv_features = (m->drv_features & 0xffffffffULL) | (uint64_t)v << 32;
		else if (v)
			model_violation(m, "driver_feature_select %u written nonzero", m->gfsel);
		break;
	case VIO_PCI_COMMON_MSIX:
		m->msix_config = vector_accept(m, (uint16_t)v);
		break;
	case VIO_PCI_COMMON_STATUS:
		status_write(m, (uint8_t)v, true);
		break;
	case VIO_PCI_COMMON_Q_SELECT:
		m->qsel = (uint16_t)v;
		break;
	case VIO_PCI_COMMON_Q_SIZE:
		q->size = (uint16_t)v;
		break;
	case VIO_PCI_COMMON_Q_MSIX:
		q->vector = queue_vector_accept(m, (uint16_t)v);
		break;
	case VIO_PCI_COMMON_Q_ENABLE:
		if (v != 1)
			model_violation(m, "queue_enable written %u (§4.1.4.3.2: only 1)", v);
		else
			q_enable(m, m->qsel, false);
		break;
	case VIO_PCI_COMMON_Q_DESCLO:
		set_lo(&q->desc, v);
		break;
	case VIO_PCI_COMMON_Q_DESCHI:
		set_hi(&q->desc, v);
		break;
	case VIO_PCI_COMMON_Q_AVAILLO:
		set_lo(&q->avail, v);
		break;
	case VIO_PCI_COMMON_Q_AVAILHI:
		set_hi(&q->avail, v);
		break;
	case VIO_PCI_COMMON_Q_USEDLO:
		set_lo(&q->used, v);
		break;
	case VIO_PCI_COMMON_Q_USEDHI:
		set_hi(&q->used, v);
		break;
	case VIO_PCI_COMMON_Q_RESET:
		queue_reset_write(m, q, v);
		break;
	default:
		model_violation(m, "write to read-only common cfg field %u", off);
		break;
	}
}

static uint32_t mem_read(struct model *m, uint32_t off, int size)
{
	if (m->kind == M_LEGACY || off + (uint32_t)size > M_MEM_BAR_LEN) {
		model_violation(m, "memory BAR read at %#x outside the BAR", off);
		return 0xffffffffu;
	}
	if (off < M_ISR_OFF)
		return common_read(m, off - M_COMMON_OFF, size);
	if (off < M_DEVCFG_OFF) {
		if (off != M_ISR_OFF || size != 1) {
			model_violation(m, "ISR read at %#x width %d", off, size);
			return 0;
		}
		uint8_t v = m->isr;
		m->isr = 0; /* read to acknowledge, §4.1.4.5 */
		return v;
	}
	if (off < M_NOTIFY_OFF)
		return devcfg_read(m, off - M_DEVCFG_OFF, size);
	model_violation(m, "read of the notify area at %#x", off);
	return 0;
}

static void mem_write(struct model *m, uint32_t off, uint32_t v, int size)
{
	if (m->kind == M_LEGACY || off + (uint32_t)size > M_MEM_BAR_LEN) {
		model_violation(m, "memory BAR write at %#x outside the BAR", off);
		return;
	}
	if (off < M_ISR_OFF) {
		common_write(m, off - M_COMMON_OFF, v, size);
		return;
	}
	if (off < M_DEVCFG_OFF) {
		model_violation(m, "write to ISR");
		return;
	}
	if (off < M_NOTIFY_OFF) {
		devcfg_write(m, off - M_DEVCFG_OFF, v, size, false);
		return;
	}
	uint32_t noff = off - M_NOTIFY_OFF;
	if (size != 2 || noff % M_NOTIFY_MULT) {
		model_violation(m, "notify write at %#x width %d", off, size);
		return;
	}
	int qi = (int)v;
	if (qi >= m->nq || m->q[qi].notify_off * M_NOTIFY_MULT != noff) {
		model_violation(m, "notify of queue %u at the wrong address %#x", v, off);
		return;
	}
	do_notify(m, qi);
}

/* ---- legacy I/O BAR 0 (§4.1.4.8) ---- */
static uint32_t legacy_cfg_off(struct model *m)
{
	return model_msix_enabled(m) ? VIO_LEGACY_CONFIG_OFF_MSIX : VIO_LEGACY_CONFIG_OFF;
}

static bool io_width(struct model *m, uint32_t off, int size, int want)
{
	if (size != want) {
		model_violation(m, "legacy register %u accessed with width %d (is %d)", off, size, want);
		return false;
	}
	return true;
}

static uint32_t io_read(struct model *m, uint32_t off, int size)
{
	if (m->check_windows && off + (uint32_t)size > m->io_bar_len)
		model_fault(m, "I/O BAR read at %u past its length %u", off, m->io_bar_len);
	if (m->kind == M_MODERN || off + (uint32_t)size > M_LEGACY_BAR_LEN) {
		model_violation(m, "I/O BAR read at %u outside the BAR", off);
		return 0xffffffffu;
	}
	uint32_t co = legacy_cfg_off(m);
	if (off >= co)
		return devcfg_read(m, off - co, size);
	struct mq *q = selq(m);
	switch (off) {
	case VIO_LEGACY_HOST_FEATURES:
		return io_width(m, off, size, 4) ? (uint32_t)m->features : 0;
	case VIO_LEGACY_GUEST_FEATURES:
		return io_width(m, off, size, 4) ? (uint32_t)m->drv_features : 0;
	case VIO_LEGACY_QUEUE_PFN:
		return io_width(m, off, size, 4) && q && q->enabled ? (uint32_t)(q->desc >> 12) : 0;
	case VIO_LEGACY_QUEUE_NUM:
		if (io_width(m, off, size, 2) && q && q->shrink_to) {
			uint16_t was = q->max;
			q->max = q->shrink_to;
			q->shrink_to = 0;
			return was;
		}
		return io_width(m, off, size, 2) && q ? q->max : 0;
	case VIO_LEGACY_QUEUE_SEL:
		return io_width(m, off, size, 2) ? m->qsel : 0;
	case VIO_LEGACY_STATUS:
		return io_width(m, off, size, 1) ? status_read(m) : 0;
	case VIO_LEGACY_ISR:
		if (io_width(m, off, size, 1)) {
			uint8_t v = m->isr;
			m->isr = 0;
			return v;
		}
		return 0;
	case VIO_LEGACY_CONFIG_VECTOR:
		return io_width(m, off, size, 2) ? m->msix_config : 0;
	case VIO_LEGACY_QUEUE_VECTOR:
		return io_width(m, off, size, 2) && q ? q->vector : VIO_MSI_NO_VECTOR;
	default:
		model_violation(m, "legacy read at %u: not a register start", off);
		return 0;
	}
}

static void io_write(struct model *m, uint32_t off, uint32_t v, int size)
{
	if (m->check_windows && off + (uint32_t)size > m->io_bar_len)
		model_fault(m, "I/O BAR write at %u past its length %u", off, m->io_bar_len);
	if (m->kind == M_MODERN || off + (uint32_t)size > M_LEGACY_BAR_LEN) {
		model_violation(m, "I/O BAR write at %u outside the BAR", off);
		return;
	}
	uint32_t co = legacy_cfg_off(m);
	if (off >= co) {
		devcfg_write(m, off - co, v, size, true);
		return;
	}
	struct mq *q = selq(m);
	switch (off) {
	case VIO_LEGACY_GUEST_FEATURES:
		if (io_width(m, off, size, 4)) {
			if (v & ~(uint32_t)m->features)
				model_violation(m, "legacy driver accepted features %#x not offered",
						v & ~(uint32_t)m->features);
			m->drv_features = v;
		}
		break;
	case VIO_LEGACY_QUEUE_PFN:
		if (!io_width(m, off, size, 4))
			break;
		if (!q) {
			model_violation(m, "QUEUE_PFN with queue_sel %u out of range", m->qsel);
			break;
		}
		if (v == 0) {
			q_reset(q);
			break;
		}
		q->size = q->max;
		q->desc = (uint64_t)v << VIO_LEGACY_PFN_SHIFT;
		q->avail = q->desc + VIO_VQ_DESC_BYTES(q->size);
		q->used = (q->avail + VIO_VQ_AVAIL_BYTES(q->size) + VIO_LEGACY_QUEUE_ALIGN - 1) &
			  ~(uint64_t)(VIO_LEGACY_QUEUE_ALIGN - 1);
		q_enable(m, m->qsel, true);
		break;
	case VIO_LEGACY_QUEUE_SEL:
		if (io_width(m, off, size, 2))
			m->qsel = (uint16_t)v;
		break;
	case VIO_LEGACY_QUEUE_NOTIFY:
		if (io_width(m, off, size, 2))
			do_notify(m, (int)v);
		break;
	case VIO_LEGACY_STATUS:
		if (io_width(m, off, size, 1))
			status_write(m, (uint8_t)v, false);
		break;
	case VIO_LEGACY_CONFIG_VECTOR:
		if (io_width(m, off, size, 2))
			m->msix_config = vector_accept(m, (uint16_t)v);
		break;
	case VIO_LEGACY_QUEUE_VECTOR:
		if (io_width(m, off, size, 2) && q)
			q->vector = queue_vector_accept(m, (uint16_t)v);
		break;
	default:
		model_violation(m, "legacy write at %u: read-only or not a register", off);
		break;
	}
}

/* ---- declared windows (check_windows) ---- */
struct mwin {
	uint8_t type, bar;
	uint32_t off, len, mult;
};

static uint32_t cfg_get32(const struct model *m, unsigned at)
{
	return (uint32_t)m->pcicfg[at] | (uint32_t)m->pcicfg[at + 1] << 8 |
	       (uint32_t)m->pcicfg[at + 2] << 16 | (uint32_t)m->pcicfg[at + 3] << 24;
}

/* Does a capability at `at` meet what §4.1.4 asks of the device: the
 * structure inside config space, a BAR that exists and holds the window,
 * and per type a minimum length and offset alignment (common 56 bytes,
 * 4-aligned; notify a 16-bit doorbell, 2-aligned; device 4-aligned)? */
static bool model_cap_valid(const struct model *m, unsigned at, struct mwin *w)
{
	static const uint32_t min_len[] = {0, 56, 2, 1, 1}, align[] = {0, 4, 2, 1, 4};
	const uint8_t *c = &m->pcicfg[at];
	uint32_t need = c[VIO_PCI_CAP_CFG_TYPE] == VIO_PCI_CAP_NOTIFY_CFG ? 20 : 16;
	uint64_t blen;

	if (at + 16 > 256 || c[VIO_PCI_CAP_CFG_TYPE] < VIO_PCI_CAP_COMMON_CFG ||
	    c[VIO_PCI_CAP_CFG_TYPE] > VIO_PCI_CAP_DEVICE_CFG || c[VIO_PCI_CAP_LEN] < need ||
	    at + c[VIO_PCI_CAP_LEN] > 256)
		return false;
	w->type = c[VIO_PCI_CAP_CFG_TYPE];
	w->bar = c[VIO_PCI_CAP_BAR];
	w->off = cfg_get32(m, at + VIO_PCI_CAP_OFFSET);
	w->len = cfg_get32(m, at + VIO_PCI_CAP_LENGTH);
	w->mult = w->type == VIO_PCI_CAP_NOTIFY_CFG ? cfg_get32(m, at + VIO_PCI_NOTIFY_CAP_MULT) : 0;
	blen = w->bar == M_MEM_BAR && m->kind != M_LEGACY ? m->mem_bar_len : 0;
	return (uint64_t)w->off + w->len <= blen && w->len >= min_len[w->type] &&
	       !(w->off & (align[w->type] - 1));
}

/* The declared windows, by cfg_type (1..4): the first valid capability of
 * each type (§4.1.4.1); type 0 where there is none. */
static void model_windows(const struct model *m, struct mwin w[5])
{
	bool seen[256] = {false};
	unsigned at = m->pcicfg[VIO_PCI_CFG_CAP_PTR];
	struct mwin x;

	memset(w, 0, 5 * sizeof(*w));
	while (at >= 0x40) {
		at &= 0xfc;
		if (seen[at] || m->pcicfg[at] == 0xff)
			break;
		seen[at] = true;
		if (m->pcicfg[at] == VIO_PCI_CAP_ID_VNDR && model_cap_valid(m, at, &x) && !w[x.type].type)
			w[x.type] = x;
		at = m->pcicfg[at + 1];
	}
}

/* The model's own offset for an access inside window w, or UINT32_MAX
 * for a hole (beyond the registers of that type: reads 0, writes lost). */
static uint32_t window_fixed(const struct mwin *w, uint32_t off, int size)
{
	static const uint32_t base[] = {0, M_COMMON_OFF, M_NOTIFY_OFF, M_ISR_OFF, M_DEVCFG_OFF};
	static const uint32_t room[] = {0, 0x1000, 0x800, 0x1000, 0x1000};
	uint32_t rel = off - w->off;

	if (rel + (uint32_t)size > room[w->type])
		return UINT32_MAX;
	return base[w->type] + rel;
}

/* Find the window of an access (faults when none); a notify write is
 * checked as a doorbell and delivered here (*done). */
static uint32_t window_route(struct model *m, int bar, uint32_t off, int size, bool write, uint32_t v,
			     bool *done)
{
	struct mwin w[5];

	*done = false;
	model_windows(m, w);
	if (m->kind == M_LEGACY || bar != M_MEM_BAR || (uint64_t)off + (uint64_t)size > m->mem_bar_len) {
		model_fault(m, "BAR %d access at %#x width %d past the BAR (length %#x)", bar, off, size,
			    m->mem_bar_len);
		return UINT32_MAX;
	}
	for (int t = VIO_PCI_CAP_COMMON_CFG; t <= VIO_PCI_CAP_DEVICE_CFG; t++) {
		if (!w[t].type || w[t].bar != bar || off < w[t].off ||
		    (uint64_t)off + (uint64_t)size > (uint64_t)w[t].off + w[t].len)
			continue;
		if (t != VIO_PCI_CAP_NOTIFY_CFG || !write)
			return window_fixed(&w[t], off, size);
		*done = true;
		if (size != 2 || v >= m->nq || off != w[t].off + (uint32_t)m->q[v].notify_off * w[t].mult) {
			model_fault(m,
				    "doorbell %u (width %d) at %#x: not where the notify capability puts it",
				    v, size, off);
			return UINT32_MAX;
		}
		do_notify(m, (int)v);
		return UINT32_MAX;
	}
	model_fault(m, "BAR %d %s at %#x width %d: outside every declared window", bar,
		    write ? "write" : "read", off, size);
	return UINT32_MAX;
}

static uint32_t bar_read(struct model *m, int bar, uint32_t off, int size)
{
	if (m->check_windows && (m->kind == M_MODERN || bar != M_LEGACY_BAR)) {
		bool done;
		off = window_route(m, bar, off, size, false, 0, &done);
		if (off == UINT32_MAX)
			return 0;
	}
	if (bar == M_MEM_BAR)
		return mem_read(m, off, size);
	if (bar == M_LEGACY_BAR)
		return io_read(m, off, size);
	model_violation(m, "read of absent BAR %d", bar);
	return 0xffffffffu;
}

static void bar_write(struct model *m, int bar, uint32_t off, uint32_t v, int size)
{
	if (m->check_windows && (m->kind == M_MODERN || bar != M_LEGACY_BAR)) {
		bool done;
		off = window_route(m, bar, off, size, true, v, &done);
		if (off == UINT32_MAX)
			return;
	}
	if (bar == M_MEM_BAR)
		mem_write(m, off, v, size);
	else if (bar == M_LEGACY_BAR)
		io_write(m, off, v, size);
	else
		model_violation(m, "write to absent BAR %d", bar);
}

static uint8_t os_bar_read8(void *c, int b, uint32_t o)
{
	return (uint8_t)bar_read(c, b, o, 1);
}
static uint16_t os_bar_read16(void *c, int b, uint32_t o)
{
	return (uint16_t)bar_read(c, b, o, 2);
}
static uint32_t os_bar_read32(void *c, int b, uint32_t o)
{
	return bar_read(c, b, o, 4);
}
static void os_bar_write8(void *c, int b, uint32_t o, uint8_t v)
{
	bar_write(c, b, o, v, 1);
}
static void os_bar_write16(void *c, int b, uint32_t o, uint16_t v)
{
	bar_write(c, b, o, v, 2);
}
static void os_bar_write32(void *c, int b, uint32_t o, uint32_t v)
{
	bar_write(c, b, o, v, 4);
}

static void os_udelay(void *ctx, uint32_t us)
{
	struct model *m = ctx;
	m->now_ns += (uint64_t)us * 1000u;
	m->udelay_calls++;
	if (m->on_udelay)
		m->on_udelay(m, -1, m->hook_arg);
}

static uint64_t os_now_ns(void *ctx)
{
	struct model *m = ctx;
	m->now_ns += 100; /* time passes a little on every look */
	return m->now_ns;
}

static void os_log(void *ctx, enum vio_log_level level, const char *line)
{
	struct model *m = ctx;
	if (!line) {
		model_violation(m, "log(NULL)");
		return;
	}
	if (m->echo_log)
		fprintf(stderr, "    [core %d] %s\n", (int)level, line);
	if (m->nlines < M_LOGLINES)
		snprintf(m->lines[m->nlines++], VIO_LOG_LINE_MAX, "%s", line);
}

/* ------------------------------------------------------------------ */
/* construction                                                         */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint8_t add_vcap(struct model *m, uint8_t at, uint8_t type, uint32_t off, uint32_t len, uint8_t caplen)
{
	uint8_t *c = &m->pcicfg[at];
	c[VIO_PCI_CAP_VNDR] = VIO_PCI_CAP_ID_VNDR;
	c[VIO_PCI_CAP_LEN] = caplen;
	c[VIO_PCI_CAP_CFG_TYPE] = type;
	c[VIO_PCI_CAP_BAR] = M_MEM_BAR;
	if (m->bad_cap == type)
		off = M_MEM_BAR_LEN - 4; /* starts inside, ends outside the BAR */
	put32(c + VIO_PCI_CAP_OFFSET, off);
	put32(c + VIO_PCI_CAP_LENGTH, len);
	return at;
}

void model_finalize(struct model *m)
{
	uint8_t keep_msix = m->msix_cap ? (m->pcicfg[m->msix_cap + 3] & 0xc0) : 0;
	memset(m->pcicfg, 0, sizeof(m->pcicfg));
	uint8_t *c = m->pcicfg;
	put16(c + VIO_PCI_CFG_VENDOR, VIO_PCI_VENDOR);
	uint16_t type = m->console ? VIO_ID_CONSOLE : VIO_ID_NET;
	put16(c + VIO_PCI_CFG_DEVICE, m->kind == M_MODERN ? VIO_PCI_DEV_MODERN_BASE + type
				      : m->console	  ? 0x1003
							  : 0x1000);
	put16(c + VIO_PCI_CFG_STATUS, VIO_PCI_STATUS_CAP_LIST);
	c[VIO_PCI_CFG_REVISION] = m->kind == M_MODERN ? 1 : 0;
	c[0x0a] = 0x00; /* class: network, ethernet */
	c[0x0b] = 0x02;
	put16(c + VIO_PCI_CFG_SUBSYS_VENDOR, VIO_PCI_VENDOR);
	put16(c + VIO_PCI_CFG_SUBSYS_ID, m->kind == M_MODERN ? 0x1100 : type);
	if (m->kind != M_MODERN)
		put32(c + VIO_PCI_CFG_BAR0, 0xc001); /* I/O */
	if (m->kind != M_LEGACY)
		put32(c + VIO_PCI_CFG_BAR0 + 4 * M_MEM_BAR, 0xfe000000u | 0x4 /* 64-bit mem */);

	/* capability chain: MSI-X, then vendor caps, then a PCI_CFG cap the
	 * driver must skip */
	uint8_t chain[8];
	int n = 0;
	m->msix_cap = 0x40;
	c[0x40] = VIO_PCI_CAP_ID_MSIX;
	put16(c + 0x42, (uint16_t)((M_MSIX_VECTORS - 1) | (keep_msix << 8)));
	put32(c + 0x44, M_MEM_BAR | 0x3800);
	put32(c + 0x48, M_MEM_BAR | 0x3c00);
	chain[n++] = 0x40;
	if (m->kind != M_LEGACY) {
		if (!m->no_common_cap)
			chain[n++] = add_vcap(m, 0x50, VIO_PCI_CAP_COMMON_CFG, M_COMMON_OFF, 0x1000, 16);
		chain[n++] = add_vcap(m, 0x60, VIO_PCI_CAP_ISR_CFG, M_ISR_OFF, 0x1000, 16);
		chain[n++] = add_vcap(m, 0x70, VIO_PCI_CAP_DEVICE_CFG, M_DEVCFG_OFF, 0x1000, 16);
		chain[n++] = add_vcap(m, 0x80, VIO_PCI_CAP_NOTIFY_CFG, M_NOTIFY_OFF, 0x800, 20);
		put32(c + 0x80 + VIO_PCI_NOTIFY_CAP_MULT, M_NOTIFY_MULT);
		chain[n++] = add_vcap(m, 0x98, VIO_PCI_CAP_PCI_CFG, 0, 0, 20);
		c[0x98 + VIO_PCI_CAP_BAR] = 0;
	}
	c[VIO_PCI_CFG_CAP_PTR] = chain[0];
	for (int i = 0; i < n; i++)
		c[chain[i] + 1] = i + 1 < n ? chain[i + 1] : 0;
	for (int i = 0; i < M_MAXQ; i++)
		m->q[i].notify_off = (uint16_t)i;
	dev_reset(m);
	m->resets = 0;
}

void model_set_mac(struct model *m, const uint8_t mac[6])
{
	memcpy(m->devcfg + VIO_NET_CFG_MAC, mac, 6);
}

void model_set_link(struct model *m, bool up, bool raise_irq)
{
	uint16_t st = (uint16_t)(m->devcfg[VIO_NET_CFG_STATUS] | m->devcfg[VIO_NET_CFG_STATUS + 1] << 8);
	st = up ? (st | VIO_NET_S_LINK_UP) : (st & ~VIO_NET_S_LINK_UP);
	put16(m->devcfg + VIO_NET_CFG_STATUS, st);
	m->gen++;
	if (raise_irq)
		m->isr |= VIO_ISR_CONFIG; /* §4.1.4.5 config change */
}

void model_set_speed(struct model *m, uint32_t speed, uint8_t duplex, bool raise_irq)
{
	for (int i = 0; i < 4; i++)
		m->devcfg[VIO_NET_CFG_SPEED + i] = (uint8_t)(speed >> (8 * i));
	m->devcfg[VIO_NET_CFG_DUPLEX] = duplex;
	m->gen++;
	if (raise_irq)
		m->isr |= VIO_ISR_CONFIG;
}

struct model *model_new(enum model_kind kind)
{
	struct model *m = calloc(1, sizeof(*m));
	if (!m)
		abort();
	m->lines = calloc(M_LOGLINES, VIO_LOG_LINE_MAX);
	m->kind = kind;
	m->mem_bar_len = M_MEM_BAR_LEN;
	m->io_bar_len = M_LEGACY_BAR_LEN;
	m->echo_log = getenv("VIO_TEST_VERBOSE") != NULL;
	m->os = (struct vio_os){
	    .ctx = m,
	    .dma_alloc = os_dma_alloc,
	    .dma_free = os_dma_free,
	    .dma_map = os_dma_map,
	    .dma_unmap = os_dma_unmap,
	    .dma_sync = NULL,
	    .zalloc = os_zalloc,
	    .free = os_free,
	    .cfg_read8 = os_cfg_read8,
	    .cfg_read16 = os_cfg_read16,
	    .cfg_read32 = os_cfg_read32,
	    .cfg_write8 = os_cfg_write8,
	    .cfg_write16 = os_cfg_write16,
	    .cfg_write32 = os_cfg_write32,
	    .bar_len = os_bar_len,
	    .bar_read8 = os_bar_read8,
	    .bar_read16 = os_bar_read16,
	    .bar_read32 = os_bar_read32,
	    .bar_write8 = os_bar_write8,
	    .bar_write16 = os_bar_write16,
	    .bar_write32 = os_bar_write32,
	    .udelay = os_udelay,
	    .now_ns = os_now_ns,
	    .log = os_log,
	};
	m->features = VIO_BIT(VIO_NET_F_CSUM) | VIO_BIT(VIO_NET_F_GUEST_CSUM) | VIO_BIT(VIO_NET_F_MAC) |
		      VIO_BIT(VIO_NET_F_GUEST_TSO4) | VIO_BIT(VIO_NET_F_GUEST_TSO6) |
		      VIO_BIT(VIO_NET_F_HOST_TSO4) | VIO_BIT(VIO_NET_F_HOST_TSO6) |
		      VIO_BIT(VIO_NET_F_MRG_RXBUF) | VIO_BIT(VIO_NET_F_STATUS) | VIO_BIT(VIO_NET_F_CTRL_VQ) |
		      VIO_BIT(VIO_NET_F_CTRL_RX) | VIO_BIT(VIO_NET_F_CTRL_MAC_ADDR) |
		      VIO_BIT(VIO_NET_F_CTRL_GUEST_OFFLOADS) | VIO_BIT(VIO_F_INDIRECT_DESC) |
		      VIO_BIT(VIO_F_EVENT_IDX) | VIO_BIT(VIO_F_ANY_LAYOUT);
	if (kind != M_LEGACY)
		m->features |= VIO_BIT(VIO_F_VERSION_1);
	m->nq = 3;
	for (int i = 0; i < M_MAXQ; i++)
		m->q[i].max = 256;
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	model_set_mac(m, mac);
	put16(m->devcfg + VIO_NET_CFG_STATUS, VIO_NET_S_LINK_UP);
	put16(m->devcfg + VIO_NET_CFG_MAX_VQ_PAIRS, 1);
	put16(m->devcfg + VIO_NET_CFG_MTU, 1500);
	m->gen = 0;
	m->ctrl_auto = true;
	m->ctrl_ack = VIO_NET_OK;
	model_finalize(m);
	return m;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	for (int i = 0; i < M_MAXQ; i++) {
		free(m->q[i].owned);
		free(m->q[i].pk_ndesc);
	}
	/* free whatever the driver leaked so ASan reports the count, not a leak */
	for (int i = 0; i < m->nregions; i++) {
		if (m->regions[i].kind == MR_ZALLOC || (m->regions[i].kind == MR_DMA && m->kind == M_MODERN))
			free((void *)m->regions[i].base);
		else if (m->regions[i].kind == MR_DMA) {
			size_t ps = (m->regions[i].len + 4095) & ~(size_t)4095;
			ASAN_UNPOISON_MEMORY_REGION((void *)m->regions[i].base, ps ? ps : 4096);
			munmap((void *)m->regions[i].base, ps ? ps : 4096);
		}
	}
	free(m->regions);
	free(m->lines);
	free(m->scr_cs);
	free(m->scr_lens);
	free(m->scr_bytes);
	free(m);
}
