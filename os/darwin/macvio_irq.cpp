/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_irq.cpp - interrupt sources of a device driver on a MacvioNub
 * (macvio_irq.h).
 */
#include "macvio_irq.h"

#include <IOKit/IOLib.h>

extern "C" {
#include "virtio_spec.h"
}

void MacvioIrq::reset()
{
	bzero(&plan_, sizeof(plan_));
	src_[0] = src_[1] = NULL;
}

bool MacvioIrq::setup(MacvioNub *nub, OSObject *owner, IOWorkLoop *wl, IOInterruptEventSource::Action action,
		      IOFilterInterruptEventSource::Filter filter, const char *who)
{
	int pass, i;

	for (pass = 0; pass < 2; pass++) {
		plan_ = nub->irqPlan(pass == 0);
		IOLog("macvio: %s: interrupts: %s\n", who, plan_.why);
		for (i = 0; i < plan_.count && i < 2; i++) {
			src_[i] = IOFilterInterruptEventSource::filterInterruptEventSource(
			    owner, action, filter, nub->interruptProvider(), plan_.index[i]);
			if (!src_[i] || wl->addEventSource(src_[i]) != kIOReturnSuccess) {
				OSSafeReleaseNULL(src_[i]);
				break;
			}
		}
		/* Registering a message-signalled source is what makes
		 * IOPCIFamily set MSI-X enable: check it did, else the device
		 * (whose vectors the core programs) would never interrupt. */
		if (plan_.count > 0 && i == plan_.count && (plan_.mode == VIO_IRQ_INTX || nub->msixEnabled()))
			return true;
		teardown(wl);
		if (plan_.mode == VIO_IRQ_INTX)
			break;
		IOLog("macvio: %s: MSI-X could not be enabled, trying the INTx line\n", who);
	}
	IOLog("macvio: %s: no usable interrupt source on this PCI function\n", who);
	return false;
}

void MacvioIrq::enable()
{
	for (int i = 0; i < 2; i++)
		if (src_[i])
			src_[i]->enable();
}

void MacvioIrq::teardown(IOWorkLoop *wl)
{
	for (int i = 0; i < 2; i++) {
		if (!src_[i])
			continue;
		src_[i]->disable();
		if (wl)
			wl->removeEventSource(src_[i]); /* waits for a running action */
		OSSafeReleaseNULL(src_[i]);
	}
}

/* The core decides what the interrupt means (vio_dev_irq, the same decode
 * as the Linux bed's): INTx reads (and so acknowledges) the ISR; two
 * MSI-X vectors tell config (source 0, vector 0) from queues (source 1,
 * vector 1); one MSI-X vector (VIO_IRQ_MSIX_SINGLE) services every queue
 * and reads the ISR for the config bit, since a device sets it before
 * every config notification, MSI-X or not (virtio 1.2 §4.1.4.5.1). The
 * spec's "SHOULD NOT read ISR on a queue interrupt" (§4.1.4.5.2) assumes
 * the driver can tell the two apart; with one vector it cannot, and one
 * register read is cheaper than re-reading the config space each time. */
bool MacvioIrq::decode(struct vio_dev *dev, IOFilterInterruptEventSource *src, const volatile bool *ready,
		       volatile UInt32 *pending) const
{
	struct vio_irq_work w;

	if (!*ready && !macvio_irq_decode_idle(&plan_))
		return false;
	w = vio_dev_irq(dev, macvio_irq_vector(&plan_, src == src_[1] ? 1 : 0));
	if (!w.ours || !*ready)
		return false; /* a shared line: not ours; or stopping began */
	OSBitOrAtomic((w.config ? VIO_ISR_CONFIG : 0u) | (w.queues ? VIO_ISR_QUEUE : 0u), pending);
	return true;
}

void MacvioIrq::signalQueues()
{
	IOFilterInterruptEventSource *s = src_[plan_.count > 1 ? 1 : 0];

	if (s)
		s->signalInterrupt();
}
