/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_pci.cpp - the virtio-pci provider: IOPCIDevice -> struct vio_os.
 *
 * Register access: memory BARs through a kernel mapping with volatile
 * accesses; the legacy I/O BAR through IOPCIDevice::ioRead / ioWrite with the
 * BAR's IOMemoryMap (port I/O on x86_64, a memory window on arm64).
 * DMA memory: IOBufferMemoryDescriptor (physically contiguous, page aligned)
 * prepared by an IODMACommand, whose segment is the address the device is
 * told. With VT-d / DART that is an IOMMU address, never assumed physical.
 */
#include "macvio_pci.h"

#include <IOKit/IOBufferMemoryDescriptor.h>
#include <IOKit/IODMACommand.h>
#include <IOKit/IOLib.h>
#include <libkern/OSByteOrder.h>
#include <pexpert/pexpert.h>
#include <sys/kpi_mbuf.h>

extern "C" {
#include "vio_pci.h"
#include "virtio_spec.h"
/* libkern/version.h is generated at xnu build time (SDK only): the two
 * exported integers we need, declared as it declares them. */
extern const int version_major;
extern const int version_minor;
/* <kern/clock.h> is not in every SDK's public Kernel.framework headers. */
extern uint64_t mach_absolute_time(void);
extern void absolutetime_to_nanoseconds(uint64_t abstime, uint64_t *result);
/* machine_routines.h is not public either; exported in Libkern.exports
 * (xnu-2422 .. -11417) */
extern boolean_t ml_get_interrupts_enabled(void);
}

/* IOPCIFamilyDefinitions.h (IOPCIFamily-428.40.7+) names it; older headers
 * do not, and the value is what the kernel checks. */
#define MACVIO_INTERRUPT_TYPE_PCI_MESSAGED_X 0x00020000u

/* IOPCIDevice::configureInterrupts() is declared by IOPCIFamily-484.101.2+
 * headers only (11 and 12.0 headers ship IOPCIFamilyDefinitions.h without
 * it). Guard by what the headers declare: this overload exists only when
 * the member does (SFINAE), the other one answers "not in these headers". */
template <typename D>
static auto macvioConfigureInterrupts(D *dev, UInt32 n, int)
    -> decltype(dev->configureInterrupts(MACVIO_INTERRUPT_TYPE_PCI_MESSAGED_X, n, n, 0), IOReturn())
{
	return dev->configureInterrupts(MACVIO_INTERRUPT_TYPE_PCI_MESSAGED_X, n, n, 0);
}

template <typename D> static IOReturn macvioConfigureInterrupts(D *, UInt32, long)
{
	return kIOReturnUnsupported; /* built with headers older than 12.4 */
}

OSDefineMetaClassAndStructors(org_macvio_VirtioDevice, IOService)
    OSDefineMetaClassAndStructors(org_macvio_VirtioPCI, IOService)

#define super IOService

	int macvioBootArg(void)
{
	int v = 1;

	if (!PE_parse_boot_argn("macvio", &v, sizeof(v)))
		v = 1;
	return v;
}

bool macvioSplitOnly(void)
{
	int v = 0;

	return PE_parse_boot_argn("macvio_split", &v, sizeof(v)) && v == 1;
}

/* ---- matching ---- */

IOService *MacvioPCI::probe(IOService *provider, SInt32 *score)
{
	static const uint32_t driven[] = MACVIO_DRIVEN_TYPES;
	IOPCIDevice *pci = OSDynamicCast(IOPCIDevice, provider);
	uint16_t vendor, device, subsys;
	unsigned i;

	if (!pci)
		return NULL;
	if (macvioBootArg() == 0) {
		IOLog("macvio: disabled by boot-arg macvio=0, leaving %s to other drivers\n", pci->getName());
		return NULL;
	}
	vendor = pci->configRead16(kIOPCIConfigVendorID);
	device = pci->configRead16(kIOPCIConfigDeviceID);
	subsys = pci->configRead16(kIOPCIConfigSubSystemID);
	for (i = 0; i < sizeof(driven) / sizeof(driven[0]); i++)
		if (vio_pci_id_match(vendor, device, subsys, driven[i]))
			return super::probe(provider, score);
	return NULL;
}

/* ---- life cycle ---- */

bool MacvioPCI::start(IOService *provider)
{
	int err;

	if (!super::start(provider))
		return false;
	pci_ = OSDynamicCast(IOPCIDevice, provider);
	if (!pci_)
		return false;
	snprintf(name_, sizeof(name_), "macvio %02x:%02x.%x", pci_->getBusNumber(), pci_->getDeviceNumber(),
		 pci_->getFunctionNumber());
	if (!pci_->open(this)) {
		IOLog("%s: the PCI device is held by another driver\n", name_);
		goto fail;
	}
	opened_ = true;

	/* Before anything reads IOInterruptSpecifiers: IOPCIFamily resolves the
	 * vectors once, on first use. */
	requestVectors();

#if defined(__arm64__)
	/* The DART in front of this function: device addresses for rings and
	 * packet buffers come from it. IOMapper::copyMapperForDevice reads the
	 * nub's iommu-parent (xnu iokit/Kernel/IOMapper.cpp), the way xnu's own
	 * DriverKit DMA does (IOUserServer.cpp IODMACommand::Create_Impl) and
	 * IOPCIFamily-484.40.6+ getNubResources does; NULL: the system mapper. */
	mapper_ = IOMapper::copyMapperForDevice(pci_);
#endif
	pci_->setMemoryEnable(true);
	pci_->setIOEnable(true);
	pci_->setBusMasterEnable(true); /* setBusLeadEnable exists only on 12.4+ */
	if (!mapBars())
		goto fail;

	os_.ctx = this;
	os_.dma_alloc = osDmaAlloc;
	os_.dma_free = osDmaFree;
	os_.dma_map = osDmaMap;
	os_.dma_unmap = osDmaUnmap;
	os_.dma_sync = NULL; /* PCI DMA is cache-coherent on x86_64 and Apple arm64 */
	os_.zalloc = osZalloc;
	os_.free = osFree;
	os_.cfg_read8 = osCfgRead8;
	os_.cfg_read16 = osCfgRead16;
	os_.cfg_read32 = osCfgRead32;
	os_.cfg_write8 = osCfgWrite8;
	os_.cfg_write16 = osCfgWrite16;
	os_.cfg_write32 = osCfgWrite32;
	os_.bar_len = osBarLen;
	os_.bar_read8 = osBarRead8;
	os_.bar_read16 = osBarRead16;
	os_.bar_read32 = osBarRead32;
	os_.bar_write8 = osBarWrite8;
	os_.bar_write16 = osBarWrite16;
	os_.bar_write32 = osBarWrite32;
	os_.udelay = osUdelay;
	os_.now_ns = osNowNs;
	os_.log = osLog;

	err = vio_pci_probe(&tp_, &os_, false);
	if (err) {
		IOLog("%s: not a usable virtio-pci device (%d); see the lines above\n", name_, err);
		goto fail;
	}

	nub_ = new MacvioNub;
	if (!nub_ || !nub_->init()) {
		IOLog("%s: out of memory for the device nub\n", name_);
		goto fail;
	}
	nub_->setBus(this);
	nub_->setProperty(kMacvioDeviceTypeKey, (unsigned long long)tp_.device_type, 32);
	nub_->setProperty("VirtioInterface", tp_.modern ? "modern (virtio 1.x)" : "legacy (virtio 0.9.5)");
	if (!nub_->attach(this))
		goto fail;
	nub_->registerService();
	IOLog("%s: virtio device type %u, %s interface%s\n", name_, (unsigned)tp_.device_type,
	      tp_.modern ? "modern" : "legacy", tp_.has_legacy && tp_.has_modern ? " (transitional)" : "");
	return true;

fail:
	stop(provider);
	return false;
}

void MacvioPCI::stop(IOService *provider)
{
	/* The nub and its driver have stopped by now (IOKit terminates clients
	 * first); the child reset the device, so no DMA is in flight. */
	if (nub_) {
		if (nub_->getProvider() == this)
			nub_->detach(this);
		nub_->release();
		nub_ = NULL;
	}
	if (pci_) {
		pci_->setBusMasterEnable(false);
	}
	unmapBars();
	if (opened_) {
		pci_->close(this);
		opened_ = false;
	}
	super::stop(provider);
}

void MacvioPCI::free()
{
	unmapBars();
	OSSafeReleaseNULL(mapper_);
	OSSafeReleaseNULL(nub_);
	super::free();
}

/* ---- BARs ---- */

bool MacvioPCI::mapBars()
{
	int i;

	for (i = 0; i < 6; i++) {
		UInt8 reg = (UInt8)(kIOPCIConfigBaseAddress0 + 4 * i);
		UInt32 raw = pci_->configRead32(reg);
		bool io = raw & 1;

		if (raw == 0 || raw == 0xffffffff)
			continue;
		bar_[i] = pci_->mapDeviceMemoryWithRegister(reg, io ? 0 : kIOMapInhibitCache);
		barIO_[i] = io;
		if (bar_[i] && !io)
			barVA_[i] = (volatile uint8_t *)bar_[i]->getVirtualAddress();
		if (!io && (raw & 6) == 4)
			i++; /* 64-bit memory BAR: the next register is its upper half */
	}
	return true; /* the core checks that the BARs it needs are mapped */
}

void MacvioPCI::unmapBars()
{
	int i;

	for (i = 0; i < 6; i++) {
		barVA_[i] = NULL;
		OSSafeReleaseNULL(bar_[i]);
	}
}

/* ---- interrupts ---- */

/* Ask for two distinct MSI-X vectors (config, queues) where IOPCIFamily
 * can give them: configureInterrupts(), IOPCIFamily-484.101.2+ (12.4,
 * Darwin 21.5). Below that its vtable slot is a reserved pad: never call
 * it there (macvio_irq_can_configure). It must come before anything reads
 * the interrupt properties, which resolves them for good (IOPCIDevice.cpp
 * configureInterrupts: kIOReturnUnsupported once interruptVectorsResolved).
 * Whatever it answers, irqPlan() decides from what was published. */
void MacvioPCI::requestVectors()
{
	IOReturn r;

	if (!macvio_irq_can_configure(version_major, version_minor))
		return;
	r = macvioConfigureInterrupts(pci_, 2, 0);
	if (r != kIOReturnSuccess)
		IOLog("%s: two MSI-X vectors not granted (0x%x): using what IOPCIFamily published\n", name_,
		      r);
}

/* The first word of IOInterruptSpecifiers entry i: the vector IOPCIFamily
 * allocated (MIC addDeviceInterruptProperties). Equal words = one shared
 * CPU vector. */
static uint32_t macvioSpecifierVector(OSArray *specs, int i)
{
	OSData *d = specs ? OSDynamicCast(OSData, specs->getObject((unsigned)i)) : NULL;
	const uint32_t *w = d && d->getLength() >= 4 ? (const uint32_t *)d->getBytesNoCopy() : NULL;

	(void)i;
	/* unknown: count it as shared - the single-source plan works on a
	 * shared vector and on distinct ones, the two-source plan only on
	 * distinct ones */
	return w ? w[0] : 0xffffffffu;
}

struct macvio_irq_plan MacvioPCI::irqPlan(bool allowMsix) const
{
	struct macvio_irq_facts f;
	OSArray *specs;
	int i, type;

	bzero(&f, sizeof(f));
	f.darwin_major = version_major;
	f.msix_table_size = tp_.msix_cap ? tp_.msix_table_size : 0;
	f.allow_msix = allowMsix;
	for (i = 0; i < MACVIO_IRQ_MAX_SRC && pci_->getInterruptType(i, &type) == kIOReturnSuccess; i++)
		f.src[i].messaged = (type & kIOInterruptTypePCIMessaged) != 0;
	f.nsrc = i;
	specs = OSDynamicCast(OSArray, pci_->getProperty(gIOInterruptSpecifiersKey));
	for (i = 0; i < f.nsrc; i++)
		f.src[i].vector = macvioSpecifierVector(specs, i);
	return macvio_irq_plan(&f);
}

/* ---- struct vio_os: DMA memory ---- */

int MacvioPCI::osDmaAlloc(void *ctx, size_t size, size_t align, struct vio_dma *out)
{
	MacvioPCI *self = (MacvioPCI *)ctx;
	/* Legacy queues are programmed as a 32-bit page number: 44 bits of
	 * address (virtio 1.2 §4.1.5.1.3.1 legacy). Modern takes 64. */
	UInt8 bits = self->tp_.modern ? 64 : 44;
	mach_vm_address_t mask = (bits == 64 ? ~0ULL : ((1ULL << bits) - 1)) & ~(mach_vm_address_t)4095;
	IOBufferMemoryDescriptor *bmd;
	IODMACommand *cmd;
	IODMACommand::Segment64 seg;
	UInt64 offset = 0;
	UInt32 nseg = 1;

	if (!size || align > 4096 || (align & (align - 1)))
		return VIO_EINVAL;
	bmd = IOBufferMemoryDescriptor::inTaskWithPhysicalMask(
	    kernel_task, kIODirectionInOut | kIOMemoryPhysicallyContiguous, size, mask);
	if (!bmd)
		return VIO_ENOMEM;
	/* mapper_: the device's own DART on Apple silicon; NULL on x86_64,
	 * where IODMACommand takes the system mapper (VT-d) or none, exactly
	 * as before (10.9's IODMACommand gets no device argument). */
	cmd = IODMACommand::withSpecification(kIODMACommandOutputHost64, bits, 0, IODMACommand::kMapped, 0, 1,
					      self->mapper_);
	if (!cmd) {
		bmd->release();
		return VIO_ENOMEM;
	}
	if (bmd->prepare() != kIOReturnSuccess) {
		cmd->release();
		bmd->release();
		return VIO_ENOMEM;
	}
	/* The command keeps its own reference; ours goes with dma_free. */
	if (cmd->setMemoryDescriptor(bmd, true) != kIOReturnSuccess ||
	    cmd->gen64IOVMSegments(&offset, &seg, &nseg) != kIOReturnSuccess || nseg != 1 ||
	    seg.fLength < size || (seg.fIOVMAddr & (align ? align - 1 : 0))) {
		/* not one device-contiguous range: the rings cannot live there */
		cmd->clearMemoryDescriptor(true);
		cmd->release();
		bmd->complete();
		bmd->release();
		return VIO_ENOMEM;
	}
	bzero(bmd->getBytesNoCopy(), size);
	out->vaddr = bmd->getBytesNoCopy();
	out->daddr = seg.fIOVMAddr;
	out->size = size;
	out->handle = cmd;
	return VIO_OK;
}

void MacvioPCI::osDmaFree(void *ctx, struct vio_dma *dma)
{
	IODMACommand *cmd = (IODMACommand *)dma->handle;
	IOBufferMemoryDescriptor *bmd;

	(void)ctx;
	if (!cmd)
		return;
	bmd = (IOBufferMemoryDescriptor *)cmd->getMemoryDescriptor();
	if (bmd)
		bmd->retain();
	cmd->clearMemoryDescriptor(true); /* complete() and drop its reference */
	cmd->release();
	if (bmd) {
		bmd->complete();
		bmd->release(); /* the command's */
		bmd->release(); /* ours, from inTaskWithPhysicalMask */
	}
	dma->vaddr = NULL;
	dma->daddr = 0;
	dma->handle = NULL;
}

/* Packet buffers on macOS are mbufs; mbuf_data_to_physical() returns the
 * address of mbuf memory in the system IOMapper's space when there is one
 * (xnu maps the whole mbuf map at boot), i.e. a device address. Anything else
 * would need an allocation per call, which [data] forbids: VIO_EINVAL. */
int MacvioPCI::osDmaMap(void *ctx, void *vaddr, size_t len, enum vio_dma_dir dir, uint64_t *daddr)
{
	uint64_t first, last;

	(void)ctx;
	(void)dir;
	if (!len)
		return VIO_EINVAL;
	first = mbuf_data_to_physical(vaddr);
	last = mbuf_data_to_physical((uint8_t *)vaddr + len - 1);
	if (!first || !last || last - first != len - 1)
		return VIO_EINVAL; /* not mbuf memory, or not contiguous for the device */
	*daddr = first;
	return VIO_OK;
}

void MacvioPCI::osDmaUnmap(void *ctx, uint64_t daddr, size_t len, enum vio_dma_dir dir)
{
	(void)ctx;
	(void)daddr;
	(void)len;
	(void)dir; /* mbuf memory stays mapped for its whole life */
}

/* Shadow state, never shown to the device. libkern's operator new (wired,
 * may block: [attach] only) is exported under its own name from 10.9 to
 * today; IOMalloc is exported through a symbol alias on newer kernels,
 * which ../shared/darwin-check cannot resolve. */
void *MacvioPCI::osZalloc(void *ctx, size_t size)
{
	void *p;

	(void)ctx;
	p = ::operator new(size);
	if (p)
		bzero(p, size);
	return p;
}

void MacvioPCI::osFree(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	(void)size;
	if (ptr)
		::operator delete(ptr);
}

/* ---- struct vio_os: PCI configuration space ---- */

uint8_t MacvioPCI::osCfgRead8(void *ctx, uint16_t off)
{
	return ((MacvioPCI *)ctx)->pci_->extendedConfigRead8(off);
}

uint16_t MacvioPCI::osCfgRead16(void *ctx, uint16_t off)
{
	return ((MacvioPCI *)ctx)->pci_->extendedConfigRead16(off);
}

uint32_t MacvioPCI::osCfgRead32(void *ctx, uint16_t off)
{
	return ((MacvioPCI *)ctx)->pci_->extendedConfigRead32(off);
}

void MacvioPCI::osCfgWrite8(void *ctx, uint16_t off, uint8_t val)
{
	((MacvioPCI *)ctx)->pci_->extendedConfigWrite8(off, val);
}

void MacvioPCI::osCfgWrite16(void *ctx, uint16_t off, uint16_t val)
{
	((MacvioPCI *)ctx)->pci_->extendedConfigWrite16(off, val);
}

void MacvioPCI::osCfgWrite32(void *ctx, uint16_t off, uint32_t val)
{
	((MacvioPCI *)ctx)->pci_->extendedConfigWrite32(off, val);
}

/* ---- struct vio_os: BAR registers ---- */

uint64_t MacvioPCI::osBarLen(void *ctx, int bar, bool *is_io)
{
	MacvioPCI *self = (MacvioPCI *)ctx;

	if (bar < 0 || bar > 5 || !self->bar_[bar])
		return 0;
	*is_io = self->barIO_[bar];
	return self->bar_[bar]->getLength();
}

/* The core checked (bar, off, size) against bar_len before it ever calls
 * these; a missing map still reads as all-ones rather than faulting. */
uint8_t MacvioPCI::osBarRead8(void *ctx, int bar, uint32_t off)
{
	MacvioPCI *self = (MacvioPCI *)ctx;

	if (self->barIO_[bar])
		return self->pci_->ioRead8((UInt16)off, self->bar_[bar]);
	return self->barVA_[bar] ? *(volatile uint8_t *)(self->barVA_[bar] + off) : 0xff;
}

uint16_t MacvioPCI::osBarRead16(void *ctx, int bar, uint32_t off)
{
	MacvioPCI *self = (MacvioPCI *)ctx;

	if (self->barIO_[bar])
		return self->pci_->ioRead16((UInt16)off, self->bar_[bar]);
	return self->barVA_[bar] ? OSReadLittleInt16((volatile void *)self->barVA_[bar], off) : 0xffff;
}

uint32_t MacvioPCI::osBarRead32(void *ctx, int bar, uint32_t off)
{
	MacvioPCI *self = (MacvioPCI *)ctx;

	if (self->barIO_[bar])
		return self->pci_->ioRead32((UInt16)off, self->bar_[bar]);
	return self->barVA_[bar] ? OSReadLittleInt32((volatile void *)self->barVA_[bar], off) : 0xffffffffu;
}

void MacvioPCI::osBarWrite8(void *ctx, int bar, uint32_t off, uint8_t val)
{
	MacvioPCI *self = (MacvioPCI *)ctx;

	if (self->barIO_[bar])
		self->pci_->ioWrite8((UInt16)off, val, self->bar_[bar]);
	else if (self->barVA_[bar])
		*(volatile uint8_t *)(self->barVA_[bar] + off) = val;
	OSSynchronizeIO();
}

void MacvioPCI::osBarWrite16(void *ctx, int bar, uint32_t off, uint16_t val)
{
	MacvioPCI *self = (MacvioPCI *)ctx;

	if (self->barIO_[bar])
		self->pci_->ioWrite16((UInt16)off, val, self->bar_[bar]);
	else if (self->barVA_[bar])
		OSWriteLittleInt16((volatile void *)self->barVA_[bar], off, val);
	OSSynchronizeIO();
}

void MacvioPCI::osBarWrite32(void *ctx, int bar, uint32_t off, uint32_t val)
{
	MacvioPCI *self = (MacvioPCI *)ctx;

	if (self->barIO_[bar])
		self->pci_->ioWrite32((UInt16)off, val, self->bar_[bar]);
	else if (self->barVA_[bar])
		OSWriteLittleInt32((volatile void *)self->barVA_[bar], off, val);
	OSSynchronizeIO();
}

/* ---- struct vio_os: time, log ---- */

void MacvioPCI::osUdelay(void *ctx, uint32_t us)
{
	(void)ctx;
	IODelay(us);
}

uint64_t MacvioPCI::osNowNs(void *ctx)
{
	uint64_t ns;

	(void)ctx;
	absolutetime_to_nanoseconds(mach_absolute_time(), &ns);
	return ns;
}

void MacvioPCI::osLog(void *ctx, enum vio_log_level level, const char *line)
{
	MacvioPCI *self = (MacvioPCI *)ctx;
	static const char *const tag[] = {"error: ", "warning: ", "", "debug: "};

	if (level == VIO_LOG_DEBUG && macvioBootArg() < 2)
		return;
	/* interrupts off and not the debugger: the console's kprintf hook
	 * (macvio_kputc.h), maybe on a panicking CPU; IOLog may block there.
	 * The core's counters and broken latch keep what the line said. */
	if (!self->inDebugger_ && !ml_get_interrupts_enabled())
		return;
	if (self->inDebugger_)
		kprintf("%s: %s%s\n", self->name_, tag[level & 3], line);
	else
		IOLog("%s: %s%s\n", self->name_, tag[level & 3], line);
}
