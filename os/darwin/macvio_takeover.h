/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_takeover.h - find virtio-net PCI functions another driver holds,
 * say so, and with boot-arg macvio_takeover=1 hand them to macvio.
 *
 * Why (docs/macos.md, "Apple's virtio driver"): from macOS 11, Apple's
 * AppleVirtIO is in the boot kernel collection and binds virtio functions
 * during boot matching; macvio's personalities arrive later with the
 * auxiliary collection, and xnu's IOService::probeCandidates does not
 * replace a running boot-matched driver for a later personality
 * (xnu-7195.50.7.100.1 IOService.cpp probeCandidates; from xnu-8019 only a
 * driver that carries IOPrimaryDriverTerminateOptions is replaced), so
 * IOProbeScore never comes into play there.
 *
 * This service matches IOResources in its own match category (one instance
 * per boot, beside every other IOResources client), looks at every
 * IOPCIDevice whose ids core/vio_pci.c accepts as virtio-net, and for each
 * one held by a driver that is not macvio:
 *  - logs which driver holds it and how to opt in (always);
 *  - with macvio_takeover=1: terminates that client synchronously
 *    (IOService::terminate(kIOServiceSynchronous)), waits (bounded) until
 *    the nub has no client, and re-registers the nub (registerService),
 *    which runs matching again; macvio's IOProbeScore 20000 in the same
 *    (default) category then decides, and the result is logged.
 * Only virtio-net functions are touched: a virtio-blk boot disk never is.
 */
#ifndef MACVIO_TAKEOVER_H
#define MACVIO_TAKEOVER_H

#include <IOKit/IOService.h>

#define MacvioTakeover org_macvio_VirtioTakeover

class MacvioTakeover : public IOService
{
	OSDeclareDefaultStructors(org_macvio_VirtioTakeover)

	    public : IOService *probe(IOService *provider, SInt32 *score) override;
	bool start(IOService *provider) override;

private:
	bool takeOne(IOService *pci, IOService *client, const char *where);
};

#endif
