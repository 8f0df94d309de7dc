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

/* Wait until the nub has no client, then match it again. */
bool MacvioTakeover::takeOne(IOService *pci, IOService *client, const char *where)
{
	unsigned waited;

	IOLog("macvio: %s: taking it from %s (boot-arg macvio_takeover=1)\n", where, client->getName());
	if (!client->terminate(kIOServiceSynchronous)) {
		IOLog("macvio: %s: %s refused to terminate; left as it is\n", where, client->getName());
		return false;
	}
	for (waited = 0; pci->getClient() && waited < MACVIO_TAKEOVER_WAIT_MS;
	     waited += MACVIO_TAKEOVER_STEP_MS)
		IOSleep(MACVIO_TAKEOVER_STEP_MS);
	if (pci->getClient()) {
		IOLog("macvio: %s: %s still attached after %u ms; not re-matching\n", where,
		      pci->getClient()->getName(), waited);
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
		client = pci->getClient();
		if (!client || OSDynamicCast(MacvioPCI, client))
			continue;
		held++;
		snprintf(where, sizeof(where), "virtio-net %02x:%02x.%x", pci->getBusNumber(),
			 pci->getDeviceNumber(), pci->getFunctionNumber());
		if (!take) {
			IOLog("macvio: %s is driven by %s, not macvio (Apple's driver binds first on macOS "
			      "11+); "
			      "boot with macvio_takeover=1 to use macvio for it\n",
			      where, client->getName());
			continue;
		}
		client->retain();
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
