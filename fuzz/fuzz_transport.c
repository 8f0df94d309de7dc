/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_transport.c - a hostile PCI function: capability bytes and chain,
 * the windows' BAR/offset/length, the notify multiplier, num_queues, queue
 * sizes, queue_notify_off, the BAR lengths the OS reports, offered
 * features, every device-config byte and generation flips, set before
 * attach; then attach, start, a little traffic, a config change, teardown.
 *
 * The model runs with check_windows (model.h): it routes each BAR access
 * through the capabilities as they now are, and these abort the input:
 * an access outside every declared window or past a BAR, a doorbell not
 * where a notify capability puts it, a queue field written while the
 * queue is enabled, a PCI config access past byte 255, a legacy access
 * past the I/O BAR. Plus ASan/UBSan, every RX buffer back exactly once,
 * and every allocation returned, whether attach succeeded or not.
 * One fresh device per input (attach is what is fuzzed); rings of at most
 * 32 entries by default, so an input costs well under a millisecond.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

struct ft {
	const uint8_t *d;
	size_t n, i;
};

static uint8_t ft_u8(struct ft *z)
{
	return z->i < z->n ? z->d[z->i++] : 0;
}

static uint16_t ft_u16(struct ft *z)
{
	uint16_t lo = ft_u8(z);

	return (uint16_t)(lo | ft_u8(z) << 8);
}

static uint32_t ft_u32(struct ft *z)
{
	uint32_t lo = ft_u16(z);

	return lo | (uint32_t)ft_u16(z) << 16;
}

/* Values near the edges matter more than random ones. */
static uint32_t ft_edgy(struct ft *z)
{
	uint8_t k = ft_u8(z);

	switch (k & 7) {
	case 0:
		return 1u << (ft_u8(z) % 32);
	case 1:
		return (1u << (ft_u8(z) % 32)) - 1;
	case 2:
		return 0xffffffffu - ft_u8(z);
	case 3:
		return (uint32_t)ft_u8(z) * 4;
	default:
		return ft_u32(z);
	}
}

static void ft_put32(uint8_t *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

/* Where model_finalize puts the vendor capabilities (model.c). */
static const uint8_t ft_caps[] = {0x50, 0x60, 0x70, 0x80, 0x98};

static void ft_cap_field(struct model *m, struct ft *z)
{
	uint8_t *c = &m->pcicfg[ft_caps[ft_u8(z) % sizeof(ft_caps)]];

	switch (ft_u8(z) % 8) {
	case 0:
		ft_put32(c + VIO_PCI_CAP_OFFSET, ft_edgy(z));
		break;
	case 1:
		ft_put32(c + VIO_PCI_CAP_LENGTH, ft_edgy(z));
		break;
	case 2:
		c[VIO_PCI_CAP_BAR] = ft_u8(z);
		break;
	case 3:
		c[VIO_PCI_CAP_LEN] = ft_u8(z);
		break;
	case 4:
		c[VIO_PCI_CAP_CFG_TYPE] = ft_u8(z);
		break;
	case 5:
		c[1] = ft_u8(z); /* next pointer: loops, overlaps, 0xfc */
		break;
	case 6:
		c[VIO_PCI_CAP_VNDR] = ft_u8(z);
		break;
	default:
		ft_put32(&m->pcicfg[0x80 + VIO_PCI_NOTIFY_CAP_MULT], ft_edgy(z));
		break;
	}
}

/* Powers of two up to 1024, or any 16-bit value (mostly not a power of
 * two). Legacy rings take the device's size as it is (no resize), and a
 * 32768-entry RX fill per input cost 5 ms of the fixture's bookkeeping:
 * t_vq and t_hostile cover the large sizes. */
static uint16_t ft_qsize(struct ft *z)
{
	uint8_t k = ft_u8(z);
	uint16_t v = (k & 0x80) ? ft_u16(z) : (uint16_t)(1u << (k % 11));

	return v > 1024 && !(v & (v - 1)) ? 1024 : v;
}

/* The device as the input describes it; false when the input says go. */
static bool ft_mutate(struct model *m, struct ft *z)
{
	uint8_t op = ft_u8(z);

	switch (op % 12) {
	case 0:
		m->pcicfg[0x34 + ft_u8(z) % (256 - 0x34)] = ft_u8(z);
		break;
	case 1:
	case 2:
		ft_cap_field(m, z);
		break;
	case 3:
		m->nq = (uint16_t)(ft_u8(z) % (M_MAXQ + 1));
		break;
	case 4:
		m->num_queues_shown = ft_u16(z);
		break;
	case 5:
		m->q[ft_u8(z) % M_MAXQ].max = ft_qsize(z);
		break;
	case 6:
		m->q[ft_u8(z) % M_MAXQ].notify_off = ft_u16(z);
		break;
	case 7:
		m->devcfg[ft_u8(z) % M_DEVCFG_LEN] = ft_u8(z);
		break;
	case 8:
		m->gen_flips = (int8_t)ft_u8(z);
		break;
	case 9:
		if (op & 0x10)
			m->io_bar_len = ft_u8(z) & 0x80 ? ft_edgy(z) : ft_u8(z);
		else
			m->mem_bar_len = ft_edgy(z);
		break;
	case 10:
		m->features ^= VIO_BIT(ft_u8(z) % 64);
		break;
	default:
		return false;
	}
	return true;
}

/* A few frames each way and a link change on a device that attached. */
static void ft_traffic(struct fe *f, struct ft *z)
{
	struct vio_net_rx_frag fr[64];
	struct vio_net_rx_pkt pkt;
	struct model *m = f->m;
	uint8_t *frame = mk_frame(m, 320, 1);
	struct vio_net_sg sg = {(uintptr_t)frame, 200};
	struct vio_net_hdr h = {0};
	void *ck;
	int r;

	for (int k = 0; k < f->n.nqp; k++)
		if (vio_net_rx_room(&f->n.rxq[k]) && fe_fill_rx(f, k) <= 0)
			return;
	if (vio_net_start(&f->n) == VIO_OK) {
		if (vio_net_tx(&f->n.txq[0], NULL, &sg, 1, frame) == VIO_OK)
			vio_net_tx_flush(&f->n.txq[0]);
		model_vq_complete_all(m, mnet_txq(m, 0));
		while (vio_net_tx_reclaim(&f->n.txq[0], &ck, 1) > 0)
			if (ck != frame)
				abort(); /* a cookie we never sent */
		mnet_rx_put(m, mnet_rxq(m, 0), &h, frame, 60 + ft_u8(z), -1);
		while ((r = vio_net_rx_get(&f->n.rxq[0], &pkt, fr, 64)) != 0 && r != VIO_EINVAL)
			for (int k = 0; k < pkt.nfrags; k++)
				fe_rx_returned(f, fr[k].cookie);
		model_set_link(m, ft_u8(z) & 1, true);
		vio_net_config_changed(&f->n);
	}
	model_buf_free(m, frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t size)
{
	struct ft z = {d, size, 0};
	struct vio_net_params p;
	struct model *m;
	struct fe f;

	if (size < 2)
		return 0;
	m = model_new((enum model_kind)(d[0] % 3));
	z.i = 1;
	m->quiet_violations = true;
	m->check_windows = true;
	for (int q = 0; q < M_MAXQ; q++)
		m->q[q].max = 32;
	fe_params_default(&p);
	p.max_qp = (uint16_t)(1 + (d[0] >> 4) % 4);
	if (d[0] & 8) {
		static const enum vio_irq_mode modes[] = {VIO_IRQ_MSIX_SHARED, VIO_IRQ_MSIX_PER_VQ,
							  VIO_IRQ_MSIX_SINGLE};
		p.irq_mode = modes[(d[0] >> 6) % 3];
		model_set_msix(m, true); /* the OS enabled it; the input may undo that */
	}
	p.dev.prefer_legacy = d[0] & 4;
	p.dev.reset_timeout_us = 2000;
	p.ctrl_timeout_us = 500;
	/* the driver's cap on ring sizes (32, as the other targets): a device
	 * offering 32768 still gets
	 * its size checks (power of two, shrink, legacy exact), not a 32768-
	 * buffer fill on every input (the fixture's regions are a sorted array) */
	p.rx_size = p.tx_size = 32;
	for (int k = 0; k < 64 && ft_mutate(m, &z); k++)
		;
	if (fe_attach(&f, m, &p) == VIO_OK)
		ft_traffic(&f, &z);
	fe_teardown(&f); /* every buffer back, every allocation returned */
	if (!f.attached && (m->live_dma || m->live_zalloc))
		abort(); /* a failed attach kept memory */
	if (m->window_faults) {
		fprintf(stderr, "transport: %d fault(s), first: %s\n", m->window_faults,
			m->first_window_fault);
		abort();
	}
	fe_free(&f);
	model_free(m);
	return 0;
}
