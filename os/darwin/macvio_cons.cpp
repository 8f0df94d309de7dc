/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_cons.cpp - virtio-console ports as serial devices over
 * core/vio_cons (see macvio_cons.h for the object graph and locking).
 *
 * IOSerialBSDClient (apple-oss-distributions/IOSerialFamily-93.200.2,
 * IOSerialBSDClient.cpp) drives each port from two kernel threads: RX
 * sleeps in dequeueData(min 1), TX in watchState; both end when
 * executeEvent(PD_E_ACTIVE, false) arrives (killThreads). What the state
 * word must say when is macvio_serial.c, tested against those sequences.
 */
#include "macvio_cons.h"

#include <IOKit/IOLib.h>
#include <IOKit/serial/IOSerialKeys.h>
#include <pexpert/pexpert.h>

extern "C" {
#include "vio_log.h"
#include "virtio_spec.h"
}

#define super IOSerialDriverSync
OSDefineMetaClassAndStructors(org_macvio_VirtioConsole, IOSerialDriverSync)

    /* macvio_serial.h repeats Apple's values for the plain-C tests */
    static_assert(MACVIO_PD_S_ACQUIRED == PD_S_ACQUIRED && MACVIO_PD_S_ACTIVE == PD_S_ACTIVE, "PD_S");
static_assert(MACVIO_PD_S_TX_BUSY == PD_S_TX_BUSY && MACVIO_PD_S_TXQ_EMPTY == PD_S_TXQ_EMPTY, "PD_S");
static_assert(MACVIO_PD_S_TXQ_LOW_WATER == PD_S_TXQ_LOW_WATER && MACVIO_PD_S_TXQ_FULL == PD_S_TXQ_FULL,
	      "PD_S");
static_assert(MACVIO_PD_S_RXQ_EMPTY == PD_S_RXQ_EMPTY && MACVIO_PD_S_RX_ENABLE == PD_S_RX_ENABLE, "PD_S");
static_assert(MACVIO_PD_S_TX_EVENT == PD_S_TX_EVENT && MACVIO_PD_S_RX_EVENT == PD_S_RX_EVENT, "PD_S");
static_assert(MACVIO_PD_RS232_S_CAR == PD_RS232_S_CAR && MACVIO_PD_RS232_S_CTS == PD_RS232_S_CTS, "RS232");
static_assert(MACVIO_PD_RS232_S_DSR == PD_RS232_S_DSR && MACVIO_PD_RS232_S_DTR == PD_RS232_S_DTR, "RS232");
static_assert(MACVIO_PD_RS232_S_RTS == PD_RS232_S_RTS && MACVIO_PD_RS232_S_LOOP == PD_RS232_S_LOOP, "RS232");
static_assert(MACVIO_PD_E_ACTIVE == PD_E_ACTIVE && MACVIO_PD_E_DATA_RATE == PD_E_DATA_RATE, "PD_E");
static_assert(MACVIO_PD_E_TXQ_AVAILABLE == PD_E_TXQ_AVAILABLE &&
		  MACVIO_PD_E_FLOW_CONTROL == PD_E_FLOW_CONTROL,
	      "PD_E");
static_assert(MACVIO_PD_RS232_E_STOP_BITS == PD_RS232_E_STOP_BITS &&
		  MACVIO_PD_RS232_E_LINE_BREAK == PD_RS232_E_LINE_BREAK,
	      "PD_RS232_E");
static_assert(MACVIO_PD_RS232_E_XON_BYTE == PD_RS232_E_XON_BYTE && MACVIO_PD_E_RXQ_FLUSH == PD_E_RXQ_FLUSH,
	      "PD_E");

enum {
	OP_ACQUIRE,
	OP_RELEASE,
	OP_SET,
	OP_GET,
	OP_WATCH,
	OP_EXECUTE,
	OP_REQUEST,
	OP_DEQ_EVENT,
	OP_ENQ_DATA,
	OP_DEQ_DATA,
};

/* ---- the PE_kputc hook (x86_64 only: macvio_kputc.h) ---- */

#if defined(__x86_64__)
static MacvioConsole *volatile gKputcCons;
static bool gKputcPinned; /* our hook stays in someone's chain: never take PE_kputc again */
static void (*gKputcSaved)(char c);

/* kprintf's character sink: the previous one first (a UART keeps its
 * output), then our line. Interrupts off, kprintf_lock held, maybe a
 * panicking CPU: nothing here blocks (macvio_kputc.h). */
static void macvioKputc(char c)
{
	struct macvio_kline *k;
	MacvioConsole *cons;

	if (gKputcSaved)
		gKputcSaved(c);
	cons = gKputcCons;
	k = cons ? cons->kputcLine() : NULL;
	if (k)
		macvio_kline_putc(k, c);
}
#endif

uint32_t MacvioConsole::kputcQueue(void *ctx, const char *s, uint32_t n)
{
	MacvioConsole *self = (MacvioConsole *)ctx;
	int took = 0;

	if (!self->ready_ || self->kputcPort_ < 0 || !IOSimpleLockTryLock(self->txLock_))
		return 0;
	if (self->ready_)
		took = vio_cons_write(&self->cons_, (uint32_t)self->kputcPort_, s, n);
	IOSimpleLockUnlock(self->txLock_);
	return took > 0 ? (uint32_t)took : 0;
}

void MacvioConsole::kputcEmerg(void *ctx, const char *s, uint32_t n)
{
	MacvioConsole *self = (MacvioConsole *)ctx;

	/* counted: the wake path waits for us before it rebuilds cons_ */
	__atomic_fetch_add(&self->users_, 1, __ATOMIC_SEQ_CST);
	if (self->attached_)
		(void)vio_cons_emerg_write(&self->cons_, s, n);
	__atomic_fetch_sub(&self->users_, 1, __ATOMIC_SEQ_CST);
}

/* Boot-arg macvio_kprintf=1: take PE_kputc when this kernel allows it
 * (macvio_kputc_plan: x86_64 and debug=0x8). One console device does. */
void MacvioConsole::kputcStart()
{
	struct macvio_kputc_facts f;
	struct macvio_kputc_plan plan;
	UInt32 v = 0;

	bzero(&f, sizeof(f));
#if defined(__arm64__)
	f.arm64 = true;
#endif
	f.asked = PE_parse_boot_argn("macvio_kprintf", &v, sizeof(v)) && v != 0;
	f.has_debug = PE_parse_boot_argn("debug", &f.debug, sizeof(f.debug));
	plan = macvio_kputc_plan(&f);
	if (plan.route != MACVIO_KPUTC_OFF)
		IOLog("macvio: console: %s\n", plan.why);
	if (plan.route != MACVIO_KPUTC_HOOK)
		return;
#if defined(__x86_64__)
	bzero(&kline_, sizeof(kline_));
	kline_.queue = kputcQueue;
	kline_.emerg = kputcEmerg;
	kline_.ctx = this;
	if (gKputcPinned) { /* a hook that chains to our old one: ours again would loop */
		IOLog("macvio: console: PE_kputc still leads to an earlier macvio hook: not taken again\n");
		return;
	}
	if (!OSCompareAndSwapPtr(NULL, this, (void *volatile *)&gKputcCons)) {
		IOLog("macvio: console: kernel printf already goes to another console device\n");
		return;
	}
	kputcOwner_ = true;
	gKputcSaved = PE_kputc;
	PE_kputc = macvioKputc;
#endif
}

/* Unload: PE_kputc back as it was. A kprintf that read our pointer keeps
 * calling it for the rest of its message (_doprnt(fmt, .., PE_kputc, ..),
 * pe_kprintf.c), under kprintf_lock, which is not ours to take: from here
 * our hook only chains, and 100 ms is far more than one message takes
 * (a UART chained behind us at 115200 baud: ~10 ms for 128 bytes). */
void MacvioConsole::kputcStop()
{
	if (!kputcOwner_)
		return;
#if defined(__x86_64__)
	gKputcCons = NULL;
	if (PE_kputc == macvioKputc) {
		PE_kputc = gKputcSaved;
	} else {
		/* someone hooked after us and calls our hook: our code must
		 * stay; a live instance keeps the kext from unloading (OSKext
		 * refuses while a class has instances) */
		IOLog("macvio: console: PE_kputc was taken over after us: the kext stays loaded\n");
		gKputcPinned = true;
		retain();
	}
	IOSleep(100);
	macvio_kline_flush(&kline_);
	IOLog("macvio: console: kernel printf: %llu bytes through the port, %llu by emergency write\n",
	      (unsigned long long)kline_.queued, (unsigned long long)kline_.emergency);
#endif
	kputcOwner_ = false;
}

struct macvio_kline *MacvioConsole::kputcLine()
{
	return kputcOwner_ ? &kline_ : NULL;
}

/* ---- life cycle ---- */

bool MacvioConsole::init(OSDictionary *properties)
{
	uint32_t i;

	if (!super::init(properties))
		return false;
	bzero(&cons_, sizeof(cons_));
	bzero(ports_, sizeof(ports_));
	irq_.reset();
	for (i = 0; i < VIO_CONS_MAX_PORTS; i++) {
		ports_[i].id = i;
	}
	kputcPort_ = -1;
	return true;
}

bool MacvioConsole::start(IOService *provider)
{
	static IOPMPowerState states[2] = {
	    {kIOPMPowerStateVersion1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	    {kIOPMPowerStateVersion1, kIOPMDeviceUsable, kIOPMPowerOn, kIOPMPowerOn, 0, 0, 0, 0, 0, 0, 0, 0},
	};
	IOReturn r;

	if (!super::start(provider))
		return false;
	nub_ = OSDynamicCast(MacvioNub, provider);
	wl_ = IOWorkLoop::workLoop();
	gate_ = IOCommandGate::commandGate(this);
	txLock_ = IOSimpleLockAlloc();
	if (!nub_ || !wl_ || !gate_ || !txLock_ || wl_->addEventSource(gate_) != kIOReturnSuccess) {
		IOLog("macvio: console: no provider, work loop, gate or lock\n");
		goto fail;
	}
	gateAdded_ = true;
	if (!irq_.setup(nub_, this, wl_, interruptAction, interruptFilter, "console"))
		goto fail;
	irq_.enable(); /* the filter checks attached_ itself */
	r = gate_->runAction(startGated);
	if (r != kIOReturnSuccess)
		goto fail;
	PMinit();
	pmInited_ = true;
	provider->joinPMtree(this);
	registerPowerDriver(this, states, 2);
	kputcStart();
	registerService();
	IOLog("macvio: virtio-console: %u port(s), %s, %s\n", cons_.nports,
	      cons_.multiport ? "multiport" : "single port", irq_.why());
	return true;

fail:
	stop(provider);
	return false;
}

/* 1. kprintf no longer reaches us; 2. on the work loop: the device reset
 * (no DMA, no interrupt), every port unpublished and its sleepers woken
 * (they return kIOReturnOffline from here on); 3. interrupt sources gone;
 * 4. the engine freed. The gate lives until free(): IOSerialBSDClient
 * threads may still call in while their nub terminates. */
void MacvioConsole::stop(IOService *provider)
{
	/* PMstop first: it waits for a setPowerState in flight, which could
	 * otherwise set the device up again after the teardown below */
	if (pmInited_)
		PMstop();
	pmInited_ = false;
	stopping_ = true;
	kputcStop();
	/* a gate outside a work loop would dereference NULL in runAction
	 * (xnu-2422, -2782 IOCommandGate.cpp): the start that failed early
	 * runs the same steps directly */
	if (gateAdded_)
		gate_->runAction(stopGated, (void *)0);
	else
		stopGated(this, (void *)0, NULL, NULL, NULL);
	teardownInterrupts();
	if (gateAdded_)
		gate_->runAction(stopGated, (void *)1);
	else
		stopGated(this, (void *)1, NULL, NULL, NULL);
	super::stop(provider);
}

IOReturn MacvioConsole::stopGated(OSObject *owner, void *a0, void *a1, void *a2, void *a3)
{
	MacvioConsole *self = (MacvioConsole *)owner;
	uint32_t i;

	(void)a1;
	(void)a2;
	(void)a3;
	if (a0 == NULL) {
		self->stopDevice();
		for (i = 0; i < VIO_CONS_MAX_PORTS; i++)
			self->unpublishPort(i);
		return kIOReturnSuccess;
	}
	if (self->attached_ && self->detachCore()) {
		if (self->cons_.dev.allocs)
			IOLog("macvio: console: %u core allocations not returned at detach\n",
			      (unsigned)self->cons_.dev.allocs);
	}
	return kIOReturnSuccess;
}

void MacvioConsole::free()
{
	teardownInterrupts();
	if (gateAdded_)
		wl_->removeEventSource(gate_);
	gateAdded_ = false;
	OSSafeReleaseNULL(gate_);
	OSSafeReleaseNULL(wl_);
	if (txLock_)
		IOSimpleLockFree(txLock_);
	txLock_ = NULL;
	super::free();
}

/* Attach and start the engine, publish the ports the device has. Work
 * loop. Also the wake path: the device was reset across sleep, so it is
 * set up anew; ports that come back keep their nubs (an open /dev/cu.*
 * carries on), ports that do not are unpublished. */
int MacvioConsole::startDevice()
{
	struct vio_cons_params p;
	bool dmaOff = false;
	uint32_t i;
	int err;

	bzero(&p, sizeof(p));
	p.features = VIO_CONS_ENGINE_FEATURES;
	p.irq_mode = irq_.mode();
	p.dev.dma_is_iommu = true; /* addresses come from IODMACommand (macvio_pci.cpp) */
	if (attached_) {
		dmaOff = cons_.dev.dma_stopped;
		if (!detachCore())
			return VIO_EBROKEN; /* the wake fails; ports unpublished */
	}
	err = vio_cons_attach(&cons_, nub_->vioOS(), &p);
	if (err) {
		IOLog("macvio: console: attach failed: %s\n", vio_strerror(err));
		return err;
	}
	/* the reset at sleep timed out and turned bus mastering off
	 * (vio_dev_stop_dma), which the new engine does not know: this
	 * attach's reset completed, so DMA may resume (before DRIVER_OK) */
	if (dmaOff)
		vio_pci_bus_master(&cons_.dev.pci, true);
	__atomic_store_n(&attached_, true, __ATOMIC_SEQ_CST);
	ready_ = true;
	for (i = 0; i < VIO_CONS_MAX_PORTS; i++)
		ports_[i].dead = false;
	err = vio_cons_start(&cons_);
	if (err) {
		IOLog("macvio: console: start failed: %s\n", vio_strerror(err));
		stopDevice();
		return err;
	}
	controlChanges();
	for (i = 0; i < VIO_CONS_MAX_PORTS; i++) {
		MacvioConsPort *pt = &ports_[i];

		if (pt->nub && (i >= cons_.nports || !cons_.ports[i].present))
			unpublishPort(i);
		else if (pt->acquired && !cons_.ports[i].console &&
			 (err = vio_cons_port_open(&cons_, i, true)))
			/* open before the sleep; this port only: the host does not send to it */
			IOLog("macvio: console: port %u: PORT_OPEN after wake: %s\n", i, vio_strerror(err));
		if (pt->nub)
			refreshPort(pt);
	}
	return VIO_OK;
}

/* Reset the device: no DMA, no interrupt; writers see ready_ false under
 * txLock_ first. Work loop. */
void MacvioConsole::stopDevice()
{
	if (txLock_)
		IOSimpleLockLock(txLock_);
	ready_ = false;
	if (txLock_)
		IOSimpleLockUnlock(txLock_);
	if (attached_)
		vio_cons_stop(&cons_);
}

/* Free the engine once nobody outside the gate is inside it: the INTx
 * filter (a shared line fires any time) and the emergency write check
 * attached_ after counting themselves in users_. Still inside after
 * 100 ms (they run with interrupts off: it cannot be us they wait for):
 * the engine is left to them, not freed; false. Work loop. */
bool MacvioConsole::detachCore()
{
	int i;

	__atomic_store_n(&attached_, false, __ATOMIC_SEQ_CST);
	for (i = 0; i < 100000 && __atomic_load_n(&users_, __ATOMIC_SEQ_CST); i++)
		IODelay(1);
	if (__atomic_load_n(&users_, __ATOMIC_SEQ_CST)) {
		IOLog("macvio: console: the engine is still in use after 100 ms: not freed\n");
		return false;
	}
	vio_cons_destroy(&cons_);
	return true;
}

IOReturn MacvioConsole::setPowerState(unsigned long powerStateOrdinal, IOService *whatDevice)
{
	(void)whatDevice;
	if (gate_ && !stopping_)
		gate_->runAction(powerGated, (void *)(uintptr_t)(powerStateOrdinal != 0));
	return kIOPMAckImplied;
}

IOReturn MacvioConsole::startGated(OSObject *owner, void *a0, void *a1, void *a2, void *a3)
{
	(void)a0;
	(void)a1;
	(void)a2;
	(void)a3;
	return ((MacvioConsole *)owner)->startDevice() == VIO_OK ? kIOReturnSuccess : kIOReturnError;
}

IOReturn MacvioConsole::powerGated(OSObject *owner, void *a0, void *a1, void *a2, void *a3)
{
	MacvioConsole *self = (MacvioConsole *)owner;

	(void)a1;
	(void)a2;
	(void)a3;
	if (!self->stopping_)
		self->powerChange(a0 != NULL);
	return kIOReturnSuccess;
}

/* Sleep: reset (the hypervisor may reset the device behind us anyway);
 * nubs stay, readers and writers wait. Wake: set up anew (startDevice). */
void MacvioConsole::powerChange(bool on)
{
	if (on == !asleep_ || (!attached_ && !asleep_))
		return; /* already so; or never started */
	if (!on) {
		asleep_ = true;
		stopDevice();
		return;
	}
	asleep_ = false;
	if (startDevice() == VIO_OK)
		return;
	/* sessions end (kIOReturnOffline) rather than wait for a device
	 * that is not coming back */
	IOLog("macvio: console: the device did not come back after wake; its ports are gone\n");
	for (uint32_t i = 0; i < VIO_CONS_MAX_PORTS; i++)
		unpublishPort(i);
}

/* ---- interrupts: the core decodes (vio_dev_irq), as for net ---- */

void MacvioConsole::teardownInterrupts()
{
	irq_.teardown(wl_);
}

/* Primary interrupt context. Counted in users_, then attached_: the wake
 * path's detachCore waits for us before it rebuilds cons_. The decode is
 * MacvioIrq's, shared with the NIC. */
bool MacvioConsole::interruptFilter(OSObject *owner, IOFilterInterruptEventSource *src)
{
	MacvioConsole *self = (MacvioConsole *)owner;
	bool ours = false;

	__atomic_fetch_add(&self->users_, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&self->attached_, __ATOMIC_SEQ_CST))
		ours = self->irq_.decode(&self->cons_.dev, src, &self->ready_, &self->pending_);
	__atomic_fetch_sub(&self->users_, 1, __ATOMIC_SEQ_CST);
	return ours;
}

void MacvioConsole::interruptAction(OSObject *owner, IOInterruptEventSource *src, int count)
{
	(void)src;
	(void)count;
	((MacvioConsole *)owner)->service();
}

/* Work loop: control messages (ports come and go, open, name), then every
 * published port's queues: what changed wakes its sleepers. A console
 * moves little: every interrupt looks at everything. */
void MacvioConsole::service()
{
	UInt32 bits = OSBitAndAtomic(0, &pending_);
	uint32_t i;

	if (!ready_)
		return;
	if (bits & VIO_ISR_CONFIG)
		vio_cons_config_changed(&cons_);
	if (cons_.multiport && vio_cons_ctrl_process(&cons_) < 0)
		IOLog("macvio: console: control queue broken\n");
	controlChanges();
	for (i = 0; i < cons_.nports; i++)
		if (ports_[i].nub)
			refreshPort(&ports_[i]);
}

void MacvioConsole::controlChanges()
{
	uint8_t ch;
	int id;

	while ((id = vio_cons_next_change(&cons_, &ch)) >= 0) {
		struct vio_cons_port *cp = &cons_.ports[id];
		MacvioConsPort *p = &ports_[id];

		if (ch & VIO_CONS_CH_REMOVED)
			unpublishPort((uint32_t)id);
		if ((ch & VIO_CONS_CH_CONSOLE) && cp->present && kputcPort_ < 0)
			kputcPort_ = id;
		/* a name or the console role after the nub was published: the
		 * devfs name follows, unless someone has the port open (or it
		 * is the same name: a wake re-announces every port) */
		if ((ch & (VIO_CONS_CH_NAME | VIO_CONS_CH_CONSOLE)) && p->nub && !p->acquired &&
		    nameChanged((uint32_t)id))
			unpublishPort((uint32_t)id);
		if (cp->present)
			publishPort((uint32_t)id);
		if (ch & VIO_CONS_CH_NAME)
			IOLog("macvio: console: port %d: name %s\n", id, cp->name);
	}
}

/* Would the port get other devfs names now (macvio_ser_tty_name)? */
bool MacvioConsole::nameChanged(uint32_t id)
{
	char base[MACVIO_SER_BASE_MAX + 1], suffix[MACVIO_SER_SUFFIX_MAX + 1];

	macvio_ser_tty_name(id, cons_.ports[id].name, cons_.ports[id].console, base, suffix);
	return strcmp(base, ports_[id].base) != 0 || strcmp(suffix, ports_[id].suffix) != 0;
}

/* A nub's refCon: port id + 1 and the port's generation. An old client
 * of a re-published port (its willTerminate / didTerminate / releasePort
 * run late, on the terminate thread) then cannot touch the new session. */
static void *macvioPortRef(const MacvioConsPort *p)
{
	return (void *)(uintptr_t)(((uintptr_t)p->gen << 8) | (p->id + 1));
}

MacvioConsPort *MacvioConsole::portOf(void *refCon)
{
	uintptr_t v = (uintptr_t)refCon;
	uint32_t id = (uint32_t)(v & 0xff) - 1;

	if (id >= VIO_CONS_MAX_PORTS || ports_[id].gen != (uint32_t)(v >> 8) || !ports_[id].nub)
		return NULL;
	return &ports_[id];
}

/* An IORS232SerialStreamSync nub for the port: IOSerialBSDClient matches
 * it and makes /dev/cu.<base><suffix> and /dev/tty.<base><suffix>
 * (createDevNodes). Properties before registerService (as
 * AppleUSBCDCACMData::createSerialStream). */
void MacvioConsole::publishPort(uint32_t id)
{
	MacvioConsPort *p = &ports_[id];
	struct vio_cons_port *cp = &cons_.ports[id];
	IORS232SerialStreamSync *nub;

	if (p->nub || id >= cons_.nports || !cp->present)
		return;
	macvio_ser_tty_name(id, cp->name, cp->console, p->base, p->suffix);
	bzero(&p->ser, sizeof(p->ser));
	p->acquired = false;
	p->gen = (p->gen + 1) & 0xffffff;
	nub = new IORS232SerialStreamSync;
	if (!nub || !nub->init(0, macvioPortRef(p)) || !nub->attach(this)) {
		IOLog("macvio: console: port %u: no serial nub\n", id);
		OSSafeReleaseNULL(nub);
		return;
	}
	nub->setProperty(kIOTTYBaseNameKey, p->base);
	nub->setProperty(kIOTTYSuffixKey, p->suffix);
	nub->setProperty("VirtioPortId", (unsigned long long)id, 32);
	nub->setProperty("VirtioPortName", cp->name);
	nub->setProperty("VirtioConsolePort", cp->console);
	p->nub = nub;
	nub->registerService();
	IOLog("macvio: console: port %u: /dev/cu.%s%s\n", id, p->base, p->suffix);
}

/* The device removed the port (or we stop): sleepers woken, every later
 * call on it answers kIOReturnOffline / NotOpen; the nub terminates
 * (IOSerialBSDClient waits for its threads, IOSerialFamily-83+). */
void MacvioConsole::unpublishPort(uint32_t id)
{
	MacvioConsPort *p = &ports_[id];
	IORS232SerialStreamSync *nub = p->nub;

	if (!nub)
		return;
	p->nub = NULL;
	p->acquired = false;
	p->ser.watch_mask = ~0u;
	macvio_ser_set(&p->ser, 0, ~0u);
	gate_->commandWakeup(&p->ser, false);
	nub->terminate();
	nub->release();
}

/* The port's queue latched broken (a device that broke the rules): its
 * sessions end, the device keeps working for the other ports. */
void MacvioConsole::portBroken(MacvioConsPort *p)
{
	if (!p->dead)
		IOLog("macvio: console: port %u: queue broken, the port is closed\n", p->id);
	p->dead = true;
	gate_->commandWakeup(&p->ser, false);
}

bool MacvioConsole::portUsable(const MacvioConsPort *p) const
{
	return ready_ && p->nub && p->id < cons_.nports && cons_.ports[p->id].present;
}

/* What the core says of the port now; TX reclaimed first. Work loop. */
struct macvio_ser_queues MacvioConsole::queuesOf(uint32_t id)
{
	struct macvio_ser_queues q;
	/* asleep or gone: no room (txload would lose what it took off the tty
	 * for us) and nothing in flight (a drain completes) */
	q.tx_cap = VIO_CONS_BUF; /* any non-zero: with no room, no LOW_WATER */
	q.tx_room = 0;
	q.tx_inflight = false;
	q.rx_pending = false;
	if (!portUsable(&ports_[id]))
		return q;
	IOSimpleLockLock(txLock_);
	if (ready_) {
		vio_cons_tx_reclaim(&cons_, id);
		q.tx_room = vio_cons_write_room(&cons_, id);
		q.tx_cap = vio_cons_write_cap(&cons_, id); /* fewer than 16 on a small ring */
		q.tx_inflight = q.tx_room < q.tx_cap;
	}
	IOSimpleLockUnlock(txLock_);
	q.rx_pending = vio_cons_rx_pending(&cons_, id);
	return q;
}

void MacvioConsole::setPortState(MacvioConsPort *p, uint32_t val, uint32_t mask)
{
	if (macvio_ser_set(&p->ser, val, mask))
		gate_->commandWakeup(&p->ser, false);
}

void MacvioConsole::refreshPort(MacvioConsPort *p)
{
	struct macvio_ser_queues q;
	bool host = false;

	if (!p->acquired)
		return;
	q = queuesOf(p->id);
	if (p->id < cons_.nports)
		host = cons_.ports[p->id].host_open;
	setPortState(p, macvio_ser_queue_bits(&q) | macvio_ser_modem_bits(host),
		     MACVIO_PD_S_QUEUES | macvio_ser_modem_bits(true));
}

/* ---- IOSerialDriverSync: every call through the gate ---- */

IOReturn MacvioConsole::runCall(int op, void *refCon, UInt32 a, UInt32 b, UInt32 *out, UInt8 *buf, bool sleep)
{
	Call c;

	if (!gateAdded_ || !refCon)
		return kIOReturnOffline;
	c.op = op;
	c.ref = refCon;
	c.a = a;
	c.b = b;
	c.out = out;
	c.buf = buf;
	c.sleep = sleep;
	return gate_->runAction(gatedCall, &c);
}

IOReturn MacvioConsole::gatedCall(OSObject *owner, void *call, void *, void *, void *)
{
	return ((MacvioConsole *)owner)->dispatch((Call *)call);
}

IOReturn MacvioConsole::dispatch(Call *c)
{
	MacvioConsPort *p = portOf(c->ref);
	struct macvio_ser_queues q;

	if (stopping_ || !p) /* a previous nub's late call: not this session's */
		return c->op == OP_RELEASE ? kIOReturnNotOpen : kIOReturnOffline;
	if (p->dead && c->op != OP_RELEASE && c->op != OP_GET)
		return kIOReturnOffline; /* IOSerialBSDClient's threads end on it */
	switch (c->op) {
	case OP_ACQUIRE:
		return acquireGated(p, c->sleep);
	case OP_RELEASE:
		return releaseGated(p);
	case OP_SET:
		if (!p->acquired)
			return kIOReturnNotOpen;
		/* the queue bits, the modem inputs, ACQUIRED and ACTIVE are ours */
		setPortState(p, c->a,
			     c->b & MACVIO_SER_EXTERNAL &
				 ~(MACVIO_PD_S_QUEUES | macvio_ser_modem_bits(true) | MACVIO_PD_S_ACQUIRED |
				   MACVIO_PD_S_ACTIVE));
		return kIOReturnSuccess;
	case OP_GET:
		refreshPort(p);
		*c->out = p->acquired ? p->ser.state & MACVIO_SER_EXTERNAL : 0;
		return kIOReturnSuccess;
	case OP_WATCH:
		return watchGated(p, c->out, c->a);
	case OP_EXECUTE:
		return executeGated(p, c->a, c->b);
	case OP_REQUEST:
		if (!p->acquired)
			return kIOReturnNotOpen;
		q = queuesOf(p->id);
		return macvio_ser_request(&p->ser, &q, c->a, c->out) ? kIOReturnBadArgument
								     : kIOReturnSuccess;
	case OP_DEQ_EVENT: /* no event queue: data only (nextEvent says EOQ) */
		*c->out = MACVIO_PD_E_EOQ;
		return p->acquired && (p->ser.state & MACVIO_PD_S_ACTIVE) ? kIOReturnSuccess
									  : kIOReturnNotOpen;
	case OP_ENQ_DATA:
		return enqueueGated(p, c->buf, c->a, c->out, c->sleep);
	case OP_DEQ_DATA:
		return dequeueGated(p, c->buf, c->a, c->out, c->b);
	default:
		return kIOReturnBadArgument;
	}
}

/* One opener at a time (AppleUSBCDCACMData acquirePortGated); the device
 * hears PORT_OPEN 1 (§5.3.6.2), without which QEMU delivers nothing. */
IOReturn MacvioConsole::acquireGated(MacvioConsPort *p, bool sleep)
{
	struct macvio_ser_queues q;
	int err;

	while (p->acquired) {
		UInt32 want = 0;
		IOReturn r;

		if (!sleep)
			return kIOReturnExclusiveAccess;
		r = watchGated(p, &want, MACVIO_PD_S_ACQUIRED);
		if (r != kIOReturnSuccess)
			return r;
	}
	if (!p->nub)
		return kIOReturnOffline;
	q = queuesOf(p->id);
	p->acquired = true;
	p->ser.watch_mask = 0;
	bzero(&p->ser.line, sizeof(p->ser.line));
	p->ser.state = macvio_ser_acquired_state(&q, cons_.ports[p->id].host_open);
	if (portUsable(p) && !cons_.ports[p->id].console) {
		err = vio_cons_port_open(&cons_, p->id, true);
		if (err)
			IOLog("macvio: console: port %u: PORT_OPEN: %s\n", p->id, vio_strerror(err));
	}
	return kIOReturnSuccess;
}

IOReturn MacvioConsole::releaseGated(MacvioConsPort *p)
{
	if (!p->acquired)
		return kIOReturnNotOpen;
	p->acquired = false;
	p->ser.watch_mask = ~0u; /* "clears the state word, which also deactivates" (ACM) */
	setPortState(p, 0, ~0u);
	/* a console port stays open for the host: kernel printf uses it */
	if (portUsable(p) && !cons_.ports[p->id].console)
		(void)vio_cons_port_open(&cons_, p->id, false);
	return kIOReturnSuccess;
}

/* macvio_ser_watch decides; the gate sleeps (letting the interrupt
 * action and other callers in); an interrupted sleep is kIOReturnAborted. */
IOReturn MacvioConsole::watchGated(MacvioConsPort *p, UInt32 *state, UInt32 mask)
{
	IOReturn r;

	for (;;) {
		enum macvio_ser_watch w;

		if (stopping_ || p->dead || (!p->acquired && !(mask & MACVIO_PD_S_ACQUIRED))) {
			r = p->acquired ? kIOReturnOffline : kIOReturnNotOpen;
			break;
		}
		refreshPort(p);
		w = macvio_ser_watch(&p->ser, *state, mask);
		if (w != MACVIO_SER_WAIT) {
			*state = p->ser.state & MACVIO_SER_EXTERNAL;
			r = w == MACVIO_SER_MET ? kIOReturnSuccess : kIOReturnIOError;
			break;
		}
		if (gate_->commandSleep(&p->ser, THREAD_INTERRUPTIBLE) == THREAD_INTERRUPTED) {
			r = kIOReturnAborted;
			break;
		}
	}
	p->ser.watch_mask = 0;
	gate_->commandWakeup(&p->ser, false); /* the other sleepers set theirs again */
	return r;
}

IOReturn MacvioConsole::executeGated(MacvioConsPort *p, UInt32 event, UInt32 data)
{
	bool wake;

	if (!p->acquired)
		return kIOReturnNotOpen;
	if (macvio_ser_execute(&p->ser, event, data, &wake))
		return kIOReturnBadArgument;
	if (wake)
		gate_->commandWakeup(&p->ser, false);
	return kIOReturnSuccess;
}

/* TXQ_AVAILABLE bytes are always taken in full (macvio_serial.h: txload
 * loses what is not); with sleep, wait for room (LOW_WATER high). */
IOReturn MacvioConsole::enqueueGated(MacvioConsPort *p, UInt8 *buf, UInt32 size, UInt32 *count, bool sleep)
{
	int n;

	*count = 0;
	if (!p->acquired || !(p->ser.state & MACVIO_PD_S_ACTIVE))
		return kIOReturnNotOpen;
	for (;;) {
		n = 0;
		if (portUsable(p)) {
			IOSimpleLockLock(txLock_);
			n = ready_ ? vio_cons_write(&cons_, p->id, buf + *count, size - *count) : 0;
			IOSimpleLockUnlock(txLock_);
		}
		if (n < 0) {
			portBroken(p);
			return kIOReturnOffline;
		}
		*count += (UInt32)n;
		refreshPort(p);
		if (*count >= size || !sleep)
			return kIOReturnSuccess;
		UInt32 want = MACVIO_PD_S_TXQ_LOW_WATER;
		IOReturn r = watchGated(p, &want, MACVIO_PD_S_TXQ_LOW_WATER);
		if (r != kIOReturnSuccess)
			return r;
	}
}

/* Sleeps until min bytes came or ACTIVE drops (IOSerialStreamSync.h;
 * min 0 never sleeps). What the core read out of a buffer re-posts it. */
IOReturn MacvioConsole::dequeueGated(MacvioConsPort *p, UInt8 *buf, UInt32 size, UInt32 *count, UInt32 min)
{
	int n;

	*count = 0;
	if (!p->acquired || !(p->ser.state & MACVIO_PD_S_ACTIVE))
		return kIOReturnNotOpen;
	for (;;) {
		n = 0;
		if (portUsable(p) && *count < size)
			n = vio_cons_read(&cons_, p->id, buf + *count, size - *count);
		if (n < 0) {
			/* not kIOReturnIOError: IOSerialBSDClient's getData takes
			 * that as benign and its rxFunc would spin on us; Offline
			 * ends the RX thread (IOSerialFamily-93.200.2 getData) */
			portBroken(p);
			return kIOReturnOffline;
		}
		*count += (UInt32)n;
		refreshPort(p);
		if (*count >= min || *count >= size)
			return kIOReturnSuccess;
		if (n > 0)
			continue;
		UInt32 want = 0; /* RXQ_EMPTY low: data came */
		IOReturn r = watchGated(p, &want, MACVIO_PD_S_RXQ_EMPTY);
		if (r != kIOReturnSuccess)
			return r;
	}
}

IOReturn MacvioConsole::acquirePort(bool sleep, void *refCon)
{
	return runCall(OP_ACQUIRE, refCon, 0, 0, NULL, NULL, sleep);
}

IOReturn MacvioConsole::releasePort(void *refCon)
{
	return runCall(OP_RELEASE, refCon, 0, 0, NULL, NULL, false);
}

IOReturn MacvioConsole::setState(UInt32 state, UInt32 mask, void *refCon)
{
	return runCall(OP_SET, refCon, state, mask, NULL, NULL, false);
}

UInt32 MacvioConsole::getState(void *refCon)
{
	UInt32 s = 0;

	return runCall(OP_GET, refCon, 0, 0, &s, NULL, false) == kIOReturnSuccess ? s : 0;
}

IOReturn MacvioConsole::watchState(UInt32 *state, UInt32 mask, void *refCon)
{
	return state ? runCall(OP_WATCH, refCon, mask, 0, state, NULL, false) : kIOReturnBadArgument;
}

UInt32 MacvioConsole::nextEvent(void *refCon)
{
	(void)refCon;
	return MACVIO_PD_E_EOQ; /* no event queue: IOSerialBSDClient rxFunc then reads data */
}

IOReturn MacvioConsole::executeEvent(UInt32 event, UInt32 data, void *refCon)
{
	return runCall(OP_EXECUTE, refCon, event, data, NULL, NULL, false);
}

IOReturn MacvioConsole::requestEvent(UInt32 event, UInt32 *data, void *refCon)
{
	return data ? runCall(OP_REQUEST, refCon, event, 0, data, NULL, false) : kIOReturnBadArgument;
}

IOReturn MacvioConsole::enqueueEvent(UInt32 event, UInt32 data, bool sleep, void *refCon)
{
	(void)sleep;
	return executeEvent(event, data, refCon);
}

IOReturn MacvioConsole::dequeueEvent(UInt32 *event, UInt32 *data, bool sleep, void *refCon)
{
	(void)sleep;
	if (!event || !data)
		return kIOReturnBadArgument;
	*data = 0;
	return runCall(OP_DEQ_EVENT, refCon, 0, 0, event, NULL, false);
}

IOReturn MacvioConsole::enqueueData(UInt8 *buffer, UInt32 size, UInt32 *count, bool sleep, void *refCon)
{
	if (!buffer || !count)
		return kIOReturnBadArgument;
	return runCall(OP_ENQ_DATA, refCon, size, 0, count, buffer, sleep);
}

IOReturn MacvioConsole::dequeueData(UInt8 *buffer, UInt32 size, UInt32 *count, UInt32 min, void *refCon)
{
	if (!buffer || !count)
		return kIOReturnBadArgument;
	return runCall(OP_DEQ_DATA, refCon, size, min, count, buffer, false);
}
