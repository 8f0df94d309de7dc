/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_takeover.cpp - see macvio_takeover.h.
 */
#include "macvio_takeover.h"

#include <IOKit/IOLib.h>
#include <IOKit/pci/IOPCIDevice.h>
#include <pexpert/pexpert.h>

#include "macvio_pci.h"

extern "C" {
#include "vio_pci.h"
#include "virtio_spec.h"
}

OSDefineMetaClassAndStructors(org_macvio_VirtioTakeover, IOService)

#define super			IOService

#define MACVIO_TAKEOVER_WAIT_MS 10000 /* for the old driver to let go */
#define MACVIO_TAKEOVER_STEP_MS 50

    static bool macvioTakeoverWanted(void)
{
	int v = 0;

	return PE_parse_boot_argn("macvio_takeover", &v, sizeof(v)) && v == 1;
}

IOService *MacvioTakeover::probe(IOService *provider, SInt32 *score)
{
	if (macvioBootArg() == 0)
		return NULL; /* macvio=0: every personality declines */
	return super::probe(provider, score);
}

/* The driver of the function: its client in the default match category
 * (getClient() could be any child), retained. */
static IOService *macvioDriverOf(IOService *pci)
{
	return pci->copyClientWithCategory(gIODefaultMatchCategoryKey);
}

/* Wait until the function has no driver, then match it again. */
bool MacvioTakeover::takeOne(IOService *pci, IOService *client, const char *where)
{
	IOService *still = NULL;
	unsigned waited;

	IOLog("macvio: %s: taking it from %s (boot-arg macvio_takeover=1)\n", where, client->getName());
	if (!client->terminate(kIOServiceSynchronous)) {
		IOLog("macvio: %s: %s refused to terminate; left as it is\n", where, client->getName());
		return false;
	}
	for (waited = 0;; waited += MACVIO_TAKEOVER_STEP_MS) {
		still = macvioDriverOf(pci);
		if (!still || waited >= MACVIO_TAKEOVER_WAIT_MS)
			break;
		still->release();
		still = NULL;
		IOSleep(MACVIO_TAKEOVER_STEP_MS);
	}
	if (still) {
		IOLog("macvio: %s: %s still attached after %u ms; not re-matching\n", where, still->getName(),
		      waited);
		still->release();
		return false;
	}
	pci->registerService(); /* matching again: macvio's probe score decides */
	return true;
}

bool MacvioTakeover::start(IOService *provider)
{
	OSDictionary *match;
	OSIterator *it;
	OSObject *o;
	bool take = macvioTakeoverWanted();
	unsigned held = 0, taken = 0;

	if (!super::start(provider))
		return false;
	match = IOService::serviceMatching("IOPCIDevice");
	it = match ? IOService::getMatchingServices(match) : NULL;
	OSSafeReleaseNULL(match);
	while (it && (o = it->getNextObject()) != NULL) {
		IOPCIDevice *pci = OSDynamicCast(IOPCIDevice, o);
		IOService *client;
		char where[24];

		if (!pci || !vio_pci_id_match(pci->configRead16(kIOPCIConfigVendorID),
					      pci->configRead16(kIOPCIConfigDeviceID),
					      pci->configRead16(kIOPCIConfigSubSystemID), VIO_ID_NET))
			continue;
		client = macvioDriverOf(pci); /* retained */
		if (!client)
			continue;
		if (OSDynamicCast(MacvioPCI, client)) {
			client->release();
			continue;
		}
		held++;
		snprintf(where, sizeof(where), "virtio-net %02x:%02x.%x", pci->getBusNumber(),
			 pci->getDeviceNumber(), pci->getFunctionNumber());
		if (!take) {
			IOLog("macvio: %s is driven by %s, not macvio (Apple's driver binds first on macOS "
			      "11+); "
			      "boot with macvio_takeover=1 to use macvio for it\n",
			      where, client->getName());
			client->release();
			continue;
		}
		if (takeOne(pci, client, where))
			taken++;
		client->release();
	}
	OSSafeReleaseNULL(it);
	setProperty("VirtioNetHeldByOthers", held, 32);
	setProperty("VirtioNetTakenOver", taken, 32);
	registerService();
	return true;
}
