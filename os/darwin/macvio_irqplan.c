// SPDX-License-Identifier: BSD-2-Clause
/*
 * macvio_irqplan.c - the interrupt plan (see macvio_irqplan.h for the facts
 * from IOPCIFamily it rests on). Pure: no IOKit, no allocation.
 */
#include "macvio_irqplan.h"

bool macvio_irq_has_single_shortcut(int darwin_major)
{
	return darwin_major >= 16;
}

bool macvio_irq_can_configure(int darwin_major, int darwin_minor)
{
	return darwin_major > 21 || (darwin_major == 21 && darwin_minor >= 5);
}

static struct macvio_irq_plan macvio_irq_intx(const struct macvio_irq_facts *f, const char *why)
{
	struct macvio_irq_plan p = {VIO_IRQ_INTX, {-1, -1}, 0, why};
	int i;

	for (i = 0; i < f->nsrc && i < MACVIO_IRQ_MAX_SRC; i++) {
		if (!f->src[i].messaged) {
			p.index[0] = i;
			p.count = 1;
			return p;
		}
	}
	p.why = "no INTx line and no usable MSI-X: no interrupt";
	return p;
}

struct macvio_irq_plan macvio_irq_plan(const struct macvio_irq_facts *f)
{
	struct macvio_irq_plan p = {VIO_IRQ_INTX, {-1, -1}, 0, ""};
	int i, msg[2] = {-1, -1}, nmsg = 0;

	for (i = 0; i < f->nsrc && i < MACVIO_IRQ_MAX_SRC; i++) {
		if (f->src[i].messaged) {
			if (nmsg < 2)
				msg[nmsg] = i;
			nmsg++;
		}
	}
	if (!f->allow_msix)
		return macvio_irq_intx(f, "INTx: MSI-X did not get enabled");
	if (!f->msix_table_size || !nmsg)
		return macvio_irq_intx(f, "INTx: IOPCIFamily published no MSI-X source");

	/* Distinct vectors (configureInterrupts, or 12.x's Ethernet default):
	 * each source is dispatched directly, no PBA. Table entry i is the
	 * i-th messaged index, so config = entry 0, queues = entry 1. */
	if (nmsg >= 2 && f->msix_table_size >= 2 && f->src[msg[0]].vector != f->src[msg[1]].vector) {
		p.mode = VIO_IRQ_MSIX_SHARED;
		p.index[0] = msg[0];
		p.index[1] = msg[1];
		p.count = 2;
		p.why = "MSI-X: distinct vectors, config + queues";
		return p;
	}
	/* One source: a one-entry table is published on the distinct path
	 * (dispatched directly); a shared vector needs the msiEnable == 1
	 * shortcut, which calls the FIRST messaged index's handler. */
	if (nmsg == 1 || macvio_irq_has_single_shortcut(f->darwin_major)) {
		p.mode = VIO_IRQ_MSIX_SINGLE;
		p.index[0] = msg[0];
		p.count = 1;
		p.why = nmsg == 1 ? "MSI-X: one vector" : "MSI-X: one shared vector, one source registered";
		return p;
	}
	return macvio_irq_intx(f, "INTx: shared MSI-X vector and no single-source dispatch (10.10/10.11)");
}

uint16_t macvio_irq_vector(const struct macvio_irq_plan *p, int source)
{
	if (p->mode == VIO_IRQ_INTX)
		return VIO_MSI_NO_VECTOR;
	if (p->mode == VIO_IRQ_MSIX_SINGLE || source <= 0)
		return 0;
	return 1;
}

bool macvio_irq_decode_idle(const struct macvio_irq_plan *p)
{
	return p->mode == VIO_IRQ_INTX;
}
