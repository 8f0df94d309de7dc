/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_irq.h - the interrupt sources of one device driver on a MacvioNub:
 * the plan (macvio_irqplan.c, from what IOPCIFamily published), one
 * IOFilterInterruptEventSource per planned source on the driver's work
 * loop, and the decode every filter does (vio_dev_irq with the vector the
 * plan gives that source). MacvioNet and MacvioConsole both use it:
 * nothing else in the kext decodes an interrupt.
 */
#ifndef MACVIO_IRQ_H
#define MACVIO_IRQ_H

#include <IOKit/IOFilterInterruptEventSource.h>
#include <IOKit/IOWorkLoop.h>

#include "macvio_pci.h"

extern "C" {
#include "vio_dev.h"
}

class MacvioIrq
{
public:
	/* nothing held (the driver's init) */
	void reset();
	/* Register the plan's sources on wl (disabled), MSI-X first, then
	 * the INTx line if IOPCIFamily did not enable MSI-X; false when no
	 * source works (logged, `who` names the driver). */
	bool setup(MacvioNub *nub, OSObject *owner, IOWorkLoop *wl, IOInterruptEventSource::Action action,
		   IOFilterInterruptEventSource::Filter filter, const char *who);
	void enable();
	/* Disabled and removed (removeEventSource waits for a running action). */
	void teardown(IOWorkLoop *wl);
	/* A filter's work after its driver's own guards (attached, counted):
	 * primary interrupt context, no lock, at most one ISR read. Records
	 * VIO_ISR_CONFIG / VIO_ISR_QUEUE in *pending; true when ours. */
	bool decode(struct vio_dev *dev, IOFilterInterruptEventSource *src, const volatile bool *ready,
		    volatile UInt32 *pending) const;
	/* Run the action again (queue work left over). */
	void signalQueues();

	enum vio_irq_mode mode() const
	{
		return plan_.mode;
	}
	const char *why() const
	{
		return plan_.why;
	}
	unsigned held() const
	{
		return (src_[0] != NULL) + (src_[1] != NULL);
	}

private:
	struct macvio_irq_plan plan_;
	IOFilterInterruptEventSource *src_[2];
};

#endif /* MACVIO_IRQ_H */
