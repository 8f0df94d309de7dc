/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_pci.h - the virtio-pci provider of the macOS kext.
 *
 *   IOPCIDevice
 *     org_macvio_VirtioPCI      (MacvioPCI)  maps the BARs, fills the core's
 *                                             struct vio_os, picks interrupts
 *       org_macvio_VirtioDevice (MacvioNub)  one nub, property VirtioDeviceType
 *         org_macvio_VirtioNet  (MacvioNet)  virtio-net (macvio_net.h), or
 *         org_macvio_VirtioConsole (MacvioConsole) virtio-console
 *                                             (macvio_cons.h); block, entropy later
 *
 * Everything virtio lives in core/; this file only turns IOKit services into
 * the function pointers of core/vio_os.h.
 */
#ifndef MACVIO_PCI_H
#define MACVIO_PCI_H

/* IOKit kext KPIs are marked deprecated in favour of DriverKit, which cannot
 * serve OS X 10.9 - 10.14: this kext targets them on purpose. */
#pragma clang diagnostic ignored "-Wdeprecated-declarations"

#include <IOKit/IOService.h>
#include <IOKit/IOMapper.h>
#include <IOKit/IOMemoryDescriptor.h>
#include <IOKit/pci/IOPCIDevice.h>

extern "C" {
#include "macvio_irqplan.h"
#include "vio_os.h"
#include "vio_pci.h"
}

#define MacvioPCI org_macvio_VirtioPCI
#define MacvioNub org_macvio_VirtioDevice

/* Registry property of a nub: the virtio device type (virtio 1.2 §5). Child
 * drivers match on it with IOPropertyMatch. */
#define kMacvioDeviceTypeKey "VirtioDeviceType"

/* The virtio device types this kext has a driver for. The provider only
 * claims PCI functions of these types, so Apple's own driver (or nobody)
 * keeps every other virtio device (a virtio-blk boot disk above all).
 * test/plist/check.sh reads this line: the Info.plist PCI match lists must
 * accept exactly the ids core/vio_pci.c accepts for these types. */
#define MACVIO_DRIVEN_TYPES                                                                                  \
	{                                                                                                    \
		VIO_ID_NET, VIO_ID_CONSOLE                                                                   \
	}

class MacvioPCI;

/* The nub a device driver matches and talks to, and nothing past it: the
 * OS contract for the core, the interrupt plan and its sources, the bus
 * facts a driver needs (issue: no child reaches for its grandparent). */
class MacvioNub : public IOService
{
	OSDeclareDefaultStructors(org_macvio_VirtioDevice)

	    public :
	    /* set by the provider before attach; valid while attached to it */
	    void setBus(MacvioPCI *bus)
	{
		bus_ = bus;
	}
	inline const struct vio_os *vioOS() const;
	/* where the interrupt sources live (IOFilterInterruptEventSource's
	 * provider) and which to use */
	inline IOService *interruptProvider() const;
	inline struct macvio_irq_plan irqPlan(bool allowMsix) const;
	inline bool msixEnabled() const;
	inline bool copyMode() const;
	inline void setDebuggerMode(bool on) const;

private:
	MacvioPCI *bus_;
};

class MacvioPCI : public IOService
{
	OSDeclareDefaultStructors(org_macvio_VirtioPCI)

	    public : IOService *probe(IOService *provider, SInt32 *score) override;
	bool start(IOService *provider) override;
	void stop(IOService *provider) override;
	void free() override;

	/* For the child driver of the nub. */
	IOPCIDevice *pciDevice() const
	{
		return pci_;
	}
	const struct vio_os *vioOS() const
	{
		return &os_;
	}
	bool legacyOnly() const
	{
		return !tp_.modern;
	}
	/* The interrupt sources to use (macvio_irqplan.h: decided from what
	 * IOPCIFamily published; allowMsix false after MSI-X failed to enable). */
	struct macvio_irq_plan irqPlan(bool allowMsix) const;
	/* Whether IOPCIFamily actually enabled MSI-X (after the child enabled
	 * its message-signalled sources). */
	bool msixEnabled()
	{
		return vio_pci_msix_enabled(&tp_);
	}
	/* Copy mode (vio_net_params.copy): on Apple silicon the function sits
	 * behind its own DART and mbuf_data_to_physical() is a physical
	 * address there (xnu bsd/kern/kpi_mbuf.c), so packets are copied into
	 * core-owned DMA memory mapped through the device's mapper. x86_64
	 * keeps mbufs zero-copy: their addresses are valid for the device
	 * (physical, or the system mapper's when VT-d is on). */
	bool copyMode() const
	{
#if defined(__arm64__)
		return true;
#else
		return false;
#endif
	}
	/* Debugger mode: log through kprintf, not IOLog. */
	void setDebuggerMode(bool on)
	{
		inDebugger_ = on;
	}

private:
	bool mapBars();
	void unmapBars();
	void requestVectors();

	/* struct vio_os, implemented with IOKit */
	static int osDmaAlloc(void *ctx, size_t size, size_t align, struct vio_dma *out);
	static void osDmaFree(void *ctx, struct vio_dma *dma);
	static int osDmaMap(void *ctx, void *vaddr, size_t len, enum vio_dma_dir dir, uint64_t *daddr);
	static void osDmaUnmap(void *ctx, uint64_t daddr, size_t len, enum vio_dma_dir dir);
	static void *osZalloc(void *ctx, size_t size);
	static void osFree(void *ctx, void *ptr, size_t size);
	static uint8_t osCfgRead8(void *ctx, uint16_t off);
	static uint16_t osCfgRead16(void *ctx, uint16_t off);
	static uint32_t osCfgRead32(void *ctx, uint16_t off);
	static void osCfgWrite8(void *ctx, uint16_t off, uint8_t val);
	static void osCfgWrite16(void *ctx, uint16_t off, uint16_t val);
	static void osCfgWrite32(void *ctx, uint16_t off, uint32_t val);
	static uint64_t osBarLen(void *ctx, int bar, bool *is_io);
	static uint8_t osBarRead8(void *ctx, int bar, uint32_t off);
	static uint16_t osBarRead16(void *ctx, int bar, uint32_t off);
	static uint32_t osBarRead32(void *ctx, int bar, uint32_t off);
	static void osBarWrite8(void *ctx, int bar, uint32_t off, uint8_t val);
	static void osBarWrite16(void *ctx, int bar, uint32_t off, uint16_t val);
	static void osBarWrite32(void *ctx, int bar, uint32_t off, uint32_t val);
	static void osUdelay(void *ctx, uint32_t us);
	static uint64_t osNowNs(void *ctx);
	static void osLog(void *ctx, enum vio_log_level level, const char *line);

	IOPCIDevice *pci_;
	IOMapper *mapper_; /* the function's DART (arm64) or NULL: the system mapper */
	bool opened_;
	IOMemoryMap *bar_[6];
	bool barIO_[6];
	volatile uint8_t *barVA_[6]; /* memory BARs only */
	struct vio_os os_;
	struct vio_pci tp_; /* the probed transport: type, layout, MSI-X cap */
	MacvioNub *nub_;
	bool inDebugger_;
	char name_[24]; /* "macvio 00:03.0" for logs */
};

/* Boot-arg "macvio": 0 disables every personality (Apple's driver, if any,
 * then gets the devices), 2 also logs debug lines. Default 1. */
int macvioBootArg(void);
/* boot-arg macvio_split=1: never negotiate the packed ring */
bool macvioSplitOnly(void);

/* MacvioNub's calls, forwarded to the provider that published it. */
inline const struct vio_os *MacvioNub::vioOS() const
{
	return bus_->vioOS();
}
inline IOService *MacvioNub::interruptProvider() const
{
	return bus_->pciDevice();
}
inline struct macvio_irq_plan MacvioNub::irqPlan(bool allowMsix) const
{
	return bus_->irqPlan(allowMsix);
}
inline bool MacvioNub::msixEnabled() const
{
	return bus_->msixEnabled();
}
inline bool MacvioNub::copyMode() const
{
	return bus_->copyMode();
}
inline void MacvioNub::setDebuggerMode(bool on) const
{
	bus_->setDebuggerMode(on);
}

#endif /* MACVIO_PCI_H */
