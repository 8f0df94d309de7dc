/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_net.cpp - virtio-net IOEthernetController over core/vio_net.
 *
 * Buffers: every RX buffer is a 2 KiB mbuf cluster (one page-contained,
 * device-contiguous range), its mbuf_t the cookie the core hands back. TX
 * packets are the stack's own mbuf chains, described page by page; their
 * mbuf_t is the TX cookie. Device addresses of mbuf memory come from
 * mbuf_data_to_physical(), which answers in the system IOMapper's address
 * space when there is one (see MacvioPCI::osDmaMap).
 */
#include "macvio_net.h"

#include <IOKit/IOLib.h>
#include <sys/kpi_mbuf.h>
#include <sys/socket.h>

extern "C" {
#include <sys/random.h>
#include "vio_log.h"
#include "virtio_spec.h"

extern "C" {
/* libkern/version.h is generated at xnu build time (as macvio_pci.cpp) */
extern const int version_major;
}

/* macvio_medium.h's constants are Apple's (IONetworkMedium.h); the 2500/5000
 * ones are missing from the oldest headers, so only these are checked. */
static_assert(MACVIO_MEDIUM_10BASET == kIOMediumEthernet10BaseT, "IONetworkMedium.h");
static_assert(MACVIO_MEDIUM_100BASETX == kIOMediumEthernet100BaseTX, "IONetworkMedium.h");
static_assert(MACVIO_MEDIUM_1000BASET == kIOMediumEthernet1000BaseT, "IONetworkMedium.h");
static_assert(MACVIO_MEDIUM_10GBASET == kIOMediumEthernet10GBaseT, "IONetworkMedium.h");
static_assert(MACVIO_MEDIUM_FDX == kIOMediumOptionFullDuplex, "IONetworkMedium.h");
static_assert(MACVIO_MEDIUM_HDX == kIOMediumOptionHalfDuplex, "IONetworkMedium.h");
}

OSDefineMetaClassAndStructors(org_macvio_VirtioNet, IOEthernetController)

#define super		 IOEthernetController

#define MACVIO_RING_SIZE 256 /* largest ring we ask for (frags_) */
/* TCP and UDP over IPv4 and IPv6, both directions. Both header generations
 * (IONetworkingFamily-100 of 10.9 and today's) define all four bits. */
#define MACVIO_RX_CSUM                                                                                       \
	(IONetworkController::kChecksumTCP | IONetworkController::kChecksumUDP |                             \
	 IONetworkController::kChecksumTCPIPv6 | IONetworkController::kChecksumUDPIPv6)
#define MACVIO_TX_CSUM	   MACVIO_RX_CSUM
#define MACVIO_TX_CSUM_TCP (IONetworkController::kChecksumTCP | IONetworkController::kChecksumTCPIPv6)
/* Frame bytes the header parser may need in one piece: Ethernet + 802.1Q +
 * IPv6 + TCP with every option is 118. Only IPv4 options go beyond, and
 * macOS computes checksums of such packets itself (ip_output_checksum). */
#define MACVIO_TX_PEEK		128
#define MACVIO_ETH_OVERHEAD	18	      /* Ethernet header 14 + FCS 4: frame size = MTU + 18 */
#define MACVIO_DBG_TX_WAIT_US	100000	      /* a debugger frame waits at most 100 ms */
#define MACVIO_RECLAIM_BATCH	16	      /* TX completions taken per debugger-lock hold */
#define MACVIO_WATCHDOG_TICK_MS 1000	      /* TX watchdog period */
#define MACVIO_TX_TIMEOUT_NS	5000000000ull /* packets out, no completion: reset */
/* Largest RX buffer postRx can give: a 2 KiB cluster (mbuf_getpacket) less
 * the alignment pad; NET_F_MTU is not negotiated in small mode when an
 * mtu-sized frame would not fit (vio_net_params.rx_buf_max). */
#define MACVIO_RX_BUF_MAX (2048 - 2)

/* What this front-end serves of the engine's features. TX checksum and TSO:
 * IOKit says only which offload a packet wants; the header offsets virtio
 * needs come from vio_net_tx_meta_from_frame() (txOffload below). Not
 * offered: guest TSO / big RX buffers (IONetworking has no large-receive
 * path on 10.9), multiqueue (one work loop). */
#define MACVIO_FEATURES                                                                                      \
	(VIO_BIT(VIO_NET_F_CSUM) | VIO_BIT(VIO_NET_F_HOST_TSO4) | VIO_BIT(VIO_NET_F_HOST_TSO6) |             \
	 VIO_BIT(VIO_NET_F_HOST_ECN) | VIO_BIT(VIO_NET_F_GUEST_CSUM) | VIO_BIT(VIO_NET_F_MTU) |              \
	 VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_MRG_RXBUF) | VIO_BIT(VIO_NET_F_STATUS) |                 \
	 VIO_BIT(VIO_NET_F_CTRL_VQ) | VIO_BIT(VIO_NET_F_CTRL_RX) | VIO_BIT(VIO_NET_F_CTRL_MAC_ADDR) |        \
	 VIO_BIT(VIO_NET_F_GUEST_ANNOUNCE) | VIO_BIT(VIO_NET_F_SPEED_DUPLEX))

    static IOReturn ioReturnFromVio(int err)
{
	switch (err) {
	case VIO_OK:
		return kIOReturnSuccess;
	case VIO_EINVAL:
		return kIOReturnBadArgument;
	case VIO_ENOMEM:
		return kIOReturnNoMemory;
	case VIO_ENODEV:
		return kIOReturnNoDevice;
	case VIO_ENOTSUP:
		return kIOReturnUnsupported;
	case VIO_ENOSPC:
		return kIOReturnNoSpace;
	case VIO_ETIMEDOUT:
		return kIOReturnTimeout;
	case VIO_EBROKEN:
		return kIOReturnNotResponding;
	default:
		return kIOReturnIOError;
	}
}

/* ---- life cycle ---- */

bool MacvioNet::init(OSDictionary *properties)
{
	if (!super::init(properties))
		return false;
	bzero(&net_, sizeof(net_));
	irq_.reset();
	return true;
}

bool MacvioNet::createWorkLoop()
{
	/* Our own loop: the provider chain's would be the PCI bridge's. */
	wl_ = IOWorkLoop::workLoop();
	return wl_ != NULL;
}

IOWorkLoop *MacvioNet::getWorkLoop() const
{
	return wl_;
}

IOOutputQueue *MacvioNet::createOutputQueue()
{
	/* outputPacket() runs on our work loop, serialised with the interrupt
	 * action: queue pair 0 has one user at a time. */
	return IOGatedOutputQueue::withTarget(this, getWorkLoop(), MACVIO_RING_SIZE);
}

bool MacvioNet::start(IOService *provider)
{
	struct vio_net_params p;
	char features[256];
	uint16_t i;
	int err;

	if (!super::start(provider))
		return false;
	nub_ = OSDynamicCast(MacvioNub, provider);
	if (!nub_) {
		IOLog("macvio: net driver attached to something that is not a macvio nub\n");
		goto fail;
	}
	if (!irq_.setup(nub_, this, wl_, interruptAction, interruptFilter, "net"))
		goto fail;
	/* recovery (broken latch, NEEDS_RESET) runs on our work loop */
	resetTimer_ = IOTimerEventSource::timerEventSource(this, resetTimerFired);
	if (!resetTimer_ || wl_->addEventSource(resetTimer_) != kIOReturnSuccess) {
		IOLog("macvio: no timer for recovery\n");
		OSSafeReleaseNULL(resetTimer_);
		goto fail;
	}

	bzero(&p, sizeof(p));
	/* Every address we give the device is a platform DMA address (from
	 * IODMACommand or the mbuf IOMapper window), so the device may go
	 * through an IOMMU: accept VIRTIO_F_ACCESS_PLATFORM. */
	p.dev.dma_is_iommu = true;
	p.dev.split_only = macvioSplitOnly(); /* boot-arg macvio_split=1 */
	p.features = MACVIO_FEATURES;
	p.rx_size = MACVIO_RING_SIZE;
	p.tx_size = MACVIO_RING_SIZE;
	p.tx_max_sg = VIO_NET_MAX_TX_SG;
	p.max_qp = 1;
	p.irq_mode = irq_.mode();
	p.rx_buf_max = MACVIO_RX_BUF_MAX;
	/* Apple silicon: mbufs have no address in the function's DART, the
	 * core owns every packet buffer (macvio_pci.h copyMode) */
	p.copy = nub_->copyMode();
	p.copy_frame = 0; /* the core's 1518: a VLAN-tagged 1500-byte frame (SoftwareVlan) */
	read_random(p.random_mac, sizeof(p.random_mac));
	err = vio_net_attach(&net_, nub_->vioOS(), &p);
	if (err) {
		IOLog("macvio: virtio-net attach failed: %s; the device stays unused\n", vio_strerror(err));
		goto fail;
	}
	attached_ = true;

	/* Offset RX data so the IP header after virtio + Ethernet headers is
	 * 4-byte aligned (arm64's ip_input copies misaligned headers). */
	rxPad_ = (4 - (net_.hdr_len + 14) % 4) % 4;
	maxFrame_ = kIOEthernetMaxPacketSize;
	if (vio_dev_has(&net_.dev, VIO_NET_F_MTU) && net_.max_mtu > 1500 && !net_.copy) /* rx_buf_max */
		maxFrame_ = (uint32_t)net_.max_mtu + MACVIO_ETH_OVERHEAD;

	for (i = 0; i < net_.nqp; i++) {
		if (fillRx(&net_.rxq[i]) == 0) {
			IOLog("macvio: no receive buffers could be allocated\n");
			goto fail;
		}
	}
	err = vio_net_start(&net_);
	if (err) {
		IOLog("macvio: the device refused DRIVER_OK: %s\n", vio_strerror(err));
		goto fail;
	}
	/* TX completions are reclaimed on the transmit path; a TX interrupt is
	 * asked for only while the output queue is stalled. */
	vio_vq_disable_cb(&net_.txq[0].vq);
	ready_ = true;
	irq_.enable();

	if (!publishMedia())
		goto fail;
	vio_net_features_string(&net_, features, sizeof(features));
	setProperty("VirtioFeatures", features);
	setProperty("VirtioInterrupts", irq_.why()); /* the plan and why (macvio_irqplan.c) */
	if (!attachInterface((IONetworkInterface **)&netif_, false)) {
		IOLog("macvio: could not create the network interface\n");
		goto fail;
	}
	/* Link down until the interface is enabled: setLinkStatus() reports
	 * only changes (IONetworkController.cpp setLinkStatus), and no client
	 * has the interface open yet, so the up edge must come in enable(). */
	setLinkStatus(kIONetworkLinkValid, NULL);
	netif_->registerService();
	resetTimer_->setTimeoutMS(MACVIO_WATCHDOG_TICK_MS); /* the TX watchdog */
	/* Only when the kernel was booted with debug=...; see docs/macos.md. */
	attachDebuggerClient(&debugger_);
	IOLog("macvio: virtio-net %02x:%02x:%02x:%02x:%02x:%02x%s, %s, rx %s, mtu up to %u\n", net_.mac[0],
	      net_.mac[1], net_.mac[2], net_.mac[3], net_.mac[4], net_.mac[5],
	      net_.mac_random ? " (random: device has none)" : "", net_.link_up ? "link up" : "link down",
	      net_.rx_mode == VIO_NET_RX_MERGEABLE ? "mergeable" : "small",
	      (unsigned)(maxFrame_ - MACVIO_ETH_OVERHEAD));
	return true;

fail:
	/* One unwind for every failure point: stop() releases whatever
	 * exists, then heldCount() must read 0 (logged otherwise). */
	stop(provider);
	IOLog("macvio: start failed; unwound, %u resources left\n", heldCount());
	return false;
}

/* Teardown, in the order the hardware and IOKit need:
 * 1. ready_ off and the output queue stopped: outputPacket, the debugger
 *    handlers and the interrupt action drop out, controller calls refuse;
 * 2. the device reset, on the work loop (no action or outputPacket runs):
 *    no DMA and no interrupt after it. Before the sources go: a level INTx
 *    line still asserted with no handler would storm (the filter keeps
 *    reading, so acknowledging, the ISR until then);
 * 3. the debugger client and the interface detached, before the engine they
 *    call into is destroyed;
 * 4. the interrupt sources removed (removeEventSource waits for a running
 *    action);
 * 5. every buffer back and the engine freed (dev.allocs must read 0). */
void MacvioNet::stop(IOService *provider)
{
	IOOutputQueue *q = getOutputQueue();

	stopping_ = true; /* no recovery or power change starts from here */
	ready_ = false;
	if (resetTimer_) {
		resetTimer_->cancelTimeout();
		if (wl_)
			wl_->removeEventSource(resetTimer_); /* waits for a running recovery */
		OSSafeReleaseNULL(resetTimer_);
	}
	if (q)
		q->stop();
	if (wl_)
		wl_->runAction(quiesceGated, this);
	else
		quiesce();
	if (debugger_) {
		detachDebuggerClient(debugger_);
		OSSafeReleaseNULL(debugger_);
	}
	if (netif_) {
		detachInterface(netif_, true);
		OSSafeReleaseNULL(netif_);
	}
	teardownInterrupts();
	if (wl_)
		wl_->runAction(releaseAllGated, this);
	else
		releaseAll();
	if (q)
		q->flush();
	OSSafeReleaseNULL(medium_);
	if (heldCount())
		IOLog("macvio: error: %u resources still held after stop\n", heldCount());
	super::stop(provider);
}

void MacvioNet::free()
{
	teardownInterrupts();
	releaseAll();
	OSSafeReleaseNULL(medium_);
	OSSafeReleaseNULL(netif_);
	OSSafeReleaseNULL(debugger_);
	super::free();
	/* after super::free(): IONetworkController releases its gate and
	 * queue from our loop there */
	OSSafeReleaseNULL(wl_);
}

/* What stop() must have released: interrupt sources, clients, the medium,
 * the engine and every core allocation (dev.allocs, counted by vio_os). */
unsigned MacvioNet::heldCount() const
{
	return irq_.held() + (netif_ != NULL) + (debugger_ != NULL) + (medium_ != NULL) +
	       (resetTimer_ != NULL) + (attached_ ? 1u : 0u) + (unsigned)net_.dev.allocs;
}

IOReturn MacvioNet::quiesceGated(OSObject *owner, void *a0, void *a1, void *a2, void *a3)
{
	(void)a0;
	(void)a1;
	(void)a2;
	(void)a3;
	((MacvioNet *)owner)->quiesce();
	return kIOReturnSuccess;
}

IOReturn MacvioNet::releaseAllGated(OSObject *owner, void *a0, void *a1, void *a2, void *a3)
{
	(void)a0;
	(void)a1;
	(void)a2;
	(void)a3;
	((MacvioNet *)owner)->releaseAll();
	return kIOReturnSuccess;
}

/* Reset the device: no DMA, no interrupt after this. */
void MacvioNet::quiesce()
{
	ready_ = false;
	if (attached_ && !reset_) {
		vio_net_stop(&net_);
		reset_ = true;
	}
}

/* Take back every buffer, free the engine. On the work loop, after the
 * interrupt sources are gone. */
void MacvioNet::releaseAll()
{
	void *c;
	uint16_t i;

	if (!attached_)
		return;
	quiesce();
	attached_ = false;
	for (i = 0; i < net_.nqp; i++) {
		while ((c = vio_net_rx_drain(&net_.rxq[i])) != NULL)
			mbuf_freem((mbuf_t)c);
		while ((c = vio_net_tx_drain(&net_.txq[i])) != NULL)
			mbuf_freem((mbuf_t)c);
	}
	vio_net_destroy(&net_);
	if (net_.dev.allocs)
		IOLog("macvio: %u core allocations not returned at detach\n", (unsigned)net_.dev.allocs);
}

/* ---- interrupts ---- */

void MacvioNet::teardownInterrupts()
{
	irq_.teardown(wl_);
}

/* Primary interrupt context: no locks, no allocation; MacvioIrq::decode
 * (shared with the console) does the rest. */
bool MacvioNet::interruptFilter(OSObject *owner, IOFilterInterruptEventSource *src)
{
	MacvioNet *self = (MacvioNet *)owner;

	if (!self->attached_)
		return false; /* sources are removed before the engine goes */
	return self->irq_.decode(&self->net_.dev, src, &self->ready_, &self->isrPending_);
}

void MacvioNet::interruptAction(OSObject *owner, IOInterruptEventSource *src, int count)
{
	(void)src;
	(void)count;
	((MacvioNet *)owner)->service();
}

/* The work loop half: config, RX, TX reclaim, output restart.
 * The debugger lock is taken only around ring work, one packet (RX) or one
 * reclaim batch (TX) at a time (takeRx, reclaimTx): KDP's receive and
 * link-status dispatchers back off while it is held (IOKernelDebugger.cpp
 * kdpReceiveDispatcher / handleLinkStatus test gIODebuggerSemaphore), so
 * they never wait behind more. Config handling (which may busy-wait on the
 * control queue for ANNOUNCE_ACK) never holds it: the polled path does not
 * touch the control queue. */
void MacvioNet::service()
{
	UInt32 isr = OSBitAndAtomic(0, &isrPending_);
	IODebuggerLockState dl;
	bool linkChanged = false, restart = false;
	uint16_t i;

	if (!ready_)
		return;
	if (isr & VIO_ISR_QUEUE) {
		net_.rxq[0].stats.interrupts++;
		net_.txq[0].stats.interrupts++;
	}
	if (isr & VIO_ISR_CONFIG) {
		enum vio_net_reset_cause cause;

		linkChanged = vio_net_config_changed(&net_);
		net_.announce = false; /* macOS announces itself on link-up (KEV_DL_LINK_ON) */
		if (vio_net_reset_wanted(&net_, &cause)) /* DEVICE_NEEDS_RESET, dead control queue */
			scheduleReset(cause);
	}
	for (i = 0; i < net_.nqp; i++)
		serviceRx(&net_.rxq[i]);
	reclaimTx();
	dl = IOKernelDebugger::lock(this);
	if (txStalled_ && vio_net_tx_has_room(&net_.txq[0])) {
		txStalled_ = false;
		vio_vq_disable_cb(&net_.txq[0].vq);
		restart = true;
	}
	IOKernelDebugger::unlock(dl);

	if (deviceBroken())
		scheduleBroken(); /* the core logged why; tell the stack */
	else if (linkChanged && !net_.relink_reset)
		updateLink(); /* a relink reset reports the link itself, once, when done */
	releaseFreePackets();
	if (netif_)
		netif_->flushInputQueue();
	if (restart && getOutputQueue())
		getOutputQueue()->service(IOBasicOutputQueue::kServiceAsync);
	updateStats();
}

bool MacvioNet::deviceBroken() const
{
	return net_.dev.broken || vio_vq_broken(&net_.rxq[0].vq) || vio_vq_broken(&net_.txq[0].vq);
}

/* A device that broke a rule: the core latched it and logged why. Tell the
 * stack once (link down); the data path refuses from now on. */
void MacvioNet::scheduleBroken()
{
	if (brokenSeen_)
		return;
	brokenSeen_ = true;
	updateLink();
	scheduleReset(VIO_NET_RESET_BROKEN);
}

/* ---- recovery and power (core/vio_net_reset.c) ---- */

/* Run the reset path soon, on the work loop (a timer's action holds the
 * gate: no outputPacket, interrupt action or controller call meanwhile). */
void MacvioNet::scheduleReset(enum vio_net_reset_cause cause)
{
	/* one pending cause: a link cycle never relabels a waiting failure */
	if (cause != VIO_NET_RESET_RELINK || !resetPending_)
		resetCause_ = cause;
	resetPending_ = true;
	if (resetTimer_ && !stopping_)
		resetTimer_->setTimeoutMS(1);
}

/* Recovery when asked; otherwise the TX watchdog: packets out and the
 * device completed none for MACVIO_TX_TIMEOUT_NS (vio_net_tx_stalled, after
 * taking what did complete). Re-armed every tick until stop(). */
void MacvioNet::resetTimerFired(OSObject *owner, IOTimerEventSource *src)
{
	MacvioNet *self = (MacvioNet *)owner;
	uint64_t now;

	if (self->stopping_)
		return;
	if (!self->asleep_ && self->attached_) {
		if (self->resetPending_) {
			self->resetPending_ = false;
			self->recover(self->resetCause_);
		} else if (self->ready_ && !self->brokenSeen_) {
			self->reclaimTx();
			now = self->nub_->vioOS()->now_ns(self->nub_->vioOS()->ctx);
			if (vio_net_tx_stalled(&self->net_.txq[0], now, MACVIO_TX_TIMEOUT_NS)) {
				IOLog(
				    "macvio: tx stalled: %u packets out, none completed for 5 s: resetting\n",
				    (unsigned)self->net_.txq[0].inflight);
				self->resetPending_ = false;
				self->recover(VIO_NET_RESET_TX_TIMEOUT);
			}
		}
	}
	src->setTimeoutMS(MACVIO_WATCHDOG_TICK_MS);
}

/* Every buffer and packet back from a reset device. */
void MacvioNet::drainAll()
{
	void *c;
	uint16_t i;

	for (i = 0; i < net_.nqp; i++) {
		while ((c = vio_net_rx_drain(&net_.rxq[i])) != NULL)
			mbuf_freem((mbuf_t)c); /* copy mode: the core keeps its pool */
		while ((c = vio_net_tx_drain(&net_.txq[i])) != NULL)
			freePacket((mbuf_t)c, kDelayFree);
	}
	releaseFreePackets();
}

/* vio_net_reinit, RX refilled, DRIVER_OK with MAC/filters/offloads
 * re-applied by the core; the data path back on. Work loop. */
int MacvioNet::restartDevice()
{
	int err = vio_net_reinit(&net_);
	uint16_t i;

	for (i = 0; !err && i < net_.nqp; i++)
		if (fillRx(&net_.rxq[i]) == 0)
			err = VIO_ENOMEM;
	if (!err)
		err = vio_net_start(&net_);
	if (err) {
		vio_net_stop(&net_);
		drainAll();
		return err;
	}
	vio_vq_disable_cb(&net_.txq[0].vq); /* TX interrupt only while stalled */
	reset_ = false;
	brokenSeen_ = false;
	txStalled_ = false;
	ready_ = true;
	return VIO_OK;
}

/* The one way back: link down (so the stack renews DHCP as for a cable),
 * reset, every packet back, reinitialise, link as the device says. */
void MacvioNet::recover(enum vio_net_reset_cause cause)
{
	IOOutputQueue *q = getOutputQueue();
	int err;

	if (!vio_net_reset_begin(&net_, cause)) {
		if (!net_.reset_given_up) { /* a relink reset skipped: link as it is */
			updateLink();
			return;
		}
		ready_ = false;
		brokenSeen_ = true;
		quiesce();
		drainAll();
		updateLink();
		return;
	}
	ready_ = false; /* outputPacket and the debugger handlers drop out */
	updateLink();
	vio_net_stop(&net_);
	reset_ = true;
	drainAll();
	err = restartDevice();
	vio_net_reset_end(&net_, err);
	if (err)
		brokenSeen_ = true;
	updateLink();
	if (!err && q && netEnabled_)
		q->service(IOBasicOutputQueue::kServiceAsync);
}

/* Two power states: off (device reset, nothing in flight) and on.
 * IONetworkController::prepare() calls this at the first attachInterface
 * and PMstop()s a driver that answers anything but success
 * (IONetworkingFamily-100 .. 188 IONetworkController.cpp prepare), so
 * without it the kext would keep posting to a device the hypervisor reset
 * across sleep. PMinit/joinPMtree were done by IONetworkController::start. */
IOReturn MacvioNet::registerWithPolicyMaker(IOService *policyMaker)
{
	static IOPMPowerState states[2] = {
	    {kIOPMPowerStateVersion1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	    {kIOPMPowerStateVersion1, kIOPMDeviceUsable, kIOPMPowerOn, kIOPMPowerOn, 0, 0, 0, 0, 0, 0, 0, 0},
	};

	return policyMaker->registerPowerDriver(this, states, 2);
}

IOReturn MacvioNet::setPowerState(unsigned long powerStateOrdinal, IOService *whatDevice)
{
	(void)whatDevice;
	if (wl_ && !stopping_)
		wl_->runAction(powerGated, this, (void *)(uintptr_t)(powerStateOrdinal != 0));
	return kIOPMAckImplied;
}

IOReturn MacvioNet::powerGated(OSObject *owner, void *a0, void *a1, void *a2, void *a3)
{
	(void)a1;
	(void)a2;
	(void)a3;
	((MacvioNet *)owner)->powerChange(a0 != NULL);
	return kIOReturnSuccess;
}

/* Sleep: stop the output queue, reset, every packet back, link down. Wake:
 * the reset path (cause "resume"): IOPCIFamily restored PCI config and
 * MSI-X (IOPCIBridge.cpp restoreDeviceState, IOPCIMessagedInterruptController
 * initDevice), nothing inside the BARs. Work loop. */
void MacvioNet::powerChange(bool on)
{
	IOOutputQueue *q = getOutputQueue();
	int err = VIO_EBROKEN;

	if (!attached_ || on != asleep_)
		return; /* not started yet, or already in that state */
	if (!on) {
		asleep_ = true;
		ready_ = false;
		if (q)
			q->stop();
		vio_net_stop(&net_);
		reset_ = true;
		drainAll();
		updateLink();
		return;
	}
	asleep_ = false;
	if (vio_net_reset_begin(&net_, VIO_NET_RESET_RESUME)) {
		err = restartDevice();
		vio_net_reset_end(&net_, err);
	}
	if (err)
		brokenSeen_ = true;
	updateLink();
	if (!err && q && netEnabled_) {
		q->start();
		q->service(IOBasicOutputQueue::kServiceAsync);
	}
}

/* ---- RX ---- */

bool MacvioNet::postRx(struct vio_net_rxq *q, mbuf_t m)
{
	uint8_t *start = (uint8_t *)mbuf_datastart(m) + rxPad_;
	uint32_t len = vio_net_rx_buf_len(q);
	uint32_t cap = (uint32_t)mbuf_maxlen(m) - rxPad_;
	struct vio_net_rxbuf b;
	uint64_t first, last;

	if (len > cap)
		len = cap;
	if (mbuf_setdata(m, start, len) != 0)
		return false;
	first = mbuf_data_to_physical(start);
	last = mbuf_data_to_physical(start + len - 1);
	if (!first || last - first != len - 1)
		return false; /* not one device-contiguous range */
	b.vaddr = start;
	b.daddr = first;
	b.len = len;
	b.cookie = m;
	return vio_net_rx_post(q, &b) == VIO_OK;
}

int MacvioNet::fillRx(struct vio_net_rxq *q)
{
	int n = 0;
	mbuf_t m;

	if (net_.copy) { /* the core's own pool (copy mode) */
		n = vio_net_rx_fill_copy(q);
		if (n > 0)
			vio_net_rx_kick(q);
		return n > 0 ? n : 0;
	}

	while (vio_net_rx_room(q) > 0) {
		if (mbuf_getpacket(MBUF_DONTWAIT, &m) != 0) {
			rxNoBufs_++;
			break;
		}
		if (!postRx(q, m)) {
			mbuf_freem(m);
			break;
		}
		n++;
	}
	if (n)
		vio_net_rx_kick(q);
	return n;
}

/* Give buffers straight back to the ring (bad packet, interface down, or no
 * replacement): the ring never drains. */
void MacvioNet::recycleRx(struct vio_net_rxq *q, const struct vio_net_rx_frag *frags, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		mbuf_t m = (mbuf_t)frags[i].cookie;

		if (net_.copy) {
			vio_net_rx_repost_copy(q, frags[i].cookie); /* pool buffers never leave the core */
			continue;
		}
		mbuf_setnext(m, NULL);
		if (!postRx(q, m))
			mbuf_freem(m);
	}
}

/* Copy mode (Apple silicon, see macvio_pci.h copyMode): the packet is in the
 * core's pool; copy it into a fresh mbuf chain (never waits) and give the
 * pool buffers straight back. Called with the debugger lock held. */
mbuf_t MacvioNet::copyRx(struct vio_net_rxq *q, struct vio_net_rx_pkt *pkt)
{
	mbuf_t m = NULL;
	uint8_t *dst;
	unsigned k;

	if (pkt->csum == VIO_NET_RX_CSUM_PARTIAL && vio_net_rx_csum_complete(pkt, frags_) != VIO_OK)
		pkt->csum = VIO_NET_RX_CSUM_NONE;
	/* One 2 KiB cluster, its data set explicitly: mbuf_allocpacket leaves
	 * lengths 0 and may return two small mbufs, which inputPacket's
	 * Ethernet header handling does not expect. rxPad_ keeps the IP
	 * header 4-byte aligned as in the zero-copy path. A frame is at most
	 * hdr + 1518 here (no GSO in copy mode). */
	if (mbuf_getpacket(MBUF_DONTWAIT, &m) == 0 && m && rxPad_ + pkt->len <= (uint32_t)mbuf_maxlen(m) &&
	    mbuf_setdata(m, (uint8_t *)mbuf_datastart(m) + rxPad_, pkt->len) == 0) {
		dst = (uint8_t *)mbuf_data(m);
		for (k = 0; k < pkt->nfrags; k++) {
			uint32_t skip = k == 0 ? pkt->hdr_len : 0;

			bcopy((uint8_t *)frags_[k].vaddr + skip, dst, frags_[k].len - skip);
			dst += frags_[k].len - skip;
		}
	} else if (m) {
		mbuf_freem(m);
		m = NULL;
	}
	recycleRx(q, frags_, pkt->nfrags);
	if (!m) {
		rxNoBufs_++;
		return NULL;
	}
	mbuf_pkthdr_setlen(m, pkt->len);
	if (pkt->csum == VIO_NET_RX_CSUM_VALID)
		setChecksumResult(m, kChecksumFamilyTCPIP, MACVIO_RX_CSUM, MACVIO_RX_CSUM);
	return m;
}

/* Take one packet and refill its slots, under the debugger lock (KDP's
 * dispatchers back off while it is held: one packet at a most). Returns
 * the packet's head mbuf ready for the stack, or NULL (nothing to pass up);
 * *more is false when the ring has nothing left or is broken. */
mbuf_t MacvioNet::takeRx(struct vio_net_rxq *q, bool *more)
{
	struct vio_net_rx_pkt pkt;
	IODebuggerLockState dl = IOKernelDebugger::lock(this);
	mbuf_t m = NULL;
	unsigned k;
	int r;

	*more = true;
	r = vio_net_rx_get(q, &pkt, frags_, MACVIO_RING_SIZE);
	if (r == 0 || r == VIO_EBROKEN) {
		*more = false;
		if (r == VIO_EBROKEN)
			recycleRx(q, frags_, pkt.nfrags);
		IOKernelDebugger::unlock(dl);
		return NULL;
	}
	if (r < 0 || !netEnabled_ || !netif_ || pkt.nfrags == 0 || frags_[0].len < pkt.hdr_len) {
		recycleRx(q, frags_, pkt.nfrags);
		IOKernelDebugger::unlock(dl);
		return NULL;
	}
	if (net_.copy) {
		m = copyRx(q, &pkt);
		IOKernelDebugger::unlock(dl);
		return m;
	}
	/* Refill first: one fresh buffer per buffer taken. */
	for (k = 0; k < pkt.nfrags; k++) {
		mbuf_t fresh;

		if (mbuf_getpacket(MBUF_DONTWAIT, &fresh) != 0)
			break;
		if (!postRx(q, fresh)) {
			mbuf_freem(fresh);
			break;
		}
	}
	if (k < pkt.nfrags) { /* short of memory: drop this packet */
		rxNoBufs_++;
		recycleRx(q, frags_ + k, pkt.nfrags - k);
		IOKernelDebugger::unlock(dl);
		while (k--)
			mbuf_freem((mbuf_t)frags_[k].cookie);
		return NULL;
	}
	IOKernelDebugger::unlock(dl);
	/* The buffers are ours now (the ring has fresh ones). */
	m = buildRx(&pkt);
	return m;
}

/* frags_ of one packet as an mbuf chain for the stack, with its checksum
 * state. NEEDS_CSUM (the sender is on this host and computed nothing) is
 * completed here (vio_net_rx_csum_complete) before it is called verified:
 * setChecksumResult can only say "verified" (IONetworkController.cpp
 * setChecksumResult: DATA_VALID | PSEUDO_HDR, csum_data 0xffff), and a packet
 * this Mac forwards (bridge, Internet Sharing) would otherwise leave with
 * the pseudo-header sum as its checksum. */
mbuf_t MacvioNet::buildRx(struct vio_net_rx_pkt *pkt)
{
	mbuf_t head = (mbuf_t)frags_[0].cookie, prev, m;
	unsigned k;

	mbuf_setdata(head, (uint8_t *)frags_[0].vaddr + pkt->hdr_len, frags_[0].len - pkt->hdr_len);
	prev = head;
	for (k = 1; k < pkt->nfrags; k++) {
		m = (mbuf_t)frags_[k].cookie;
		mbuf_setflags_mask(m, 0, MBUF_PKTHDR);
		mbuf_setdata(m, frags_[k].vaddr, frags_[k].len);
		mbuf_setnext(prev, m);
		prev = m;
	}
	mbuf_pkthdr_setlen(head, pkt->len);
	/* on success the state is VALID; a packet it cannot complete (GSO is
	 * never negotiated here) goes up unmarked and the stack checks it */
	if (pkt->csum == VIO_NET_RX_CSUM_PARTIAL && vio_net_rx_csum_complete(pkt, frags_) != VIO_OK)
		pkt->csum = VIO_NET_RX_CSUM_NONE;
	/* The core reports a checksum state only with GUEST_CSUM (§5.1.6.4.1),
	 * so claiming input support with CSUM alone never marks a packet. */
	if (pkt->csum == VIO_NET_RX_CSUM_VALID)
		setChecksumResult(head, kChecksumFamilyTCPIP, MACVIO_RX_CSUM, MACVIO_RX_CSUM);
	return head;
}

void MacvioNet::serviceRx(struct vio_net_rxq *q)
{
	unsigned budget = 2 * MACVIO_RING_SIZE;
	IODebuggerLockState dl;
	bool more = true;
	mbuf_t m;

	for (;;) {
		dl = IOKernelDebugger::lock(this);
		vio_vq_disable_cb(&q->vq);
		IOKernelDebugger::unlock(dl);
		for (; budget && more; budget--) {
			m = takeRx(q, &more);
			if (m)
				netif_->inputPacket(m, (UInt32)mbuf_pkthdr_len(m),
						    IONetworkInterface::kInputOptionQueuePacket);
		}
		dl = IOKernelDebugger::lock(this);
		vio_net_rx_kick(q);
		if (!budget) { /* more work than one pass: come back, let others run */
			IOKernelDebugger::unlock(dl);
			OSBitOrAtomic(VIO_ISR_QUEUE, &isrPending_);
			irq_.signalQueues();
			return;
		}
		more = !vio_vq_enable_cb(&q->vq) && !vio_vq_broken(&q->vq); /* one arrived meanwhile */
		IOKernelDebugger::unlock(dl);
		if (!more)
			return;
	}
}

/* ---- TX ---- */

/* Completed TX packets back to the stack. The ring part runs under the
 * debugger lock, one batch of MACVIO_RECLAIM_BATCH at a time, so KDP never
 * waits behind more than that; the mbufs are freed outside it. */
void MacvioNet::reclaimTx()
{
	void *done[MACVIO_RECLAIM_BATCH];
	IODebuggerLockState dl;
	int n, i;

	do {
		dl = IOKernelDebugger::lock(this);
		n = vio_net_tx_reclaim(&net_.txq[0], done, MACVIO_RECLAIM_BATCH);
		IOKernelDebugger::unlock(dl);
		for (i = 0; i < n; i++)
			freePacket((mbuf_t)done[i], kDelayFree);
	} while (n == MACVIO_RECLAIM_BATCH);
}

/* The chain as (device address, length) pieces, split at 4 KiB boundaries
 * (mbuf_data_to_physical answers per page), merged when contiguous. */
int MacvioNet::mbufToSg(mbuf_t m, struct vio_net_sg *sg, unsigned max)
{
	unsigned n = 0;

	for (; m; m = mbuf_next(m)) {
		uint8_t *p = (uint8_t *)mbuf_data(m);
		size_t len = mbuf_len(m);

		while (len) {
			size_t chunk = 4096 - ((uintptr_t)p & 4095);
			uint64_t pa = mbuf_data_to_physical(p);

			if (chunk > len)
				chunk = len;
			if (!pa)
				return VIO_EINVAL;
			if (n && sg[n - 1].daddr + sg[n - 1].len == pa &&
			    sg[n - 1].len + chunk <= 0xffffffffu) {
				sg[n - 1].len += (uint32_t)chunk;
			} else {
				if (n == max)
					return VIO_ENOSPC;
				sg[n].daddr = pa;
				sg[n].len = (uint32_t)chunk;
				n++;
			}
			p += chunk;
			len -= chunk;
		}
	}
	return (int)n;
}

/* A chain the device cannot be given as it is: more pieces than a
 * descriptor table holds, or data with no device address (mbuf_data_to_physical
 * answers 0 outside the mbuf cluster map: xnu bsd/kern/kpi_mbuf.c). Copy it
 * into fresh clusters, which are inside that map. outputPacket runs with the
 * work-loop gate closed and the debugger lock taken by our caller's caller,
 * so never sleep: MBUF_DONTWAIT (IONetworkController::allocatePacket may
 * wait; allocatePacketNoWait exists only from IONetworkingFamily-166).
 * Counted in txCompacted_. */
mbuf_t MacvioNet::compactTx(mbuf_t m)
{
	size_t len = mbuf_pkthdr_len(m), off = 0;
	mbuf_t c = NULL, x;

	if (mbuf_allocpacket(MBUF_DONTWAIT, len, NULL, &c) != 0 || !c)
		return NULL;
	/* mbuf_allocpacket leaves every length 0: each mbuf is filled to its
	 * capacity (mbuf_maxlen) and its length set to what it holds */
	for (x = c; x && off < len; x = mbuf_next(x)) {
		size_t l = mbuf_maxlen(x);

		if (l > len - off)
			l = len - off;
		if (mbuf_copydata(m, off, l, mbuf_data(x)) != 0)
			break;
		mbuf_setlen(x, l);
		off += l;
	}
	if (off != len) {
		mbuf_freem(c);
		return NULL;
	}
	mbuf_pkthdr_setlen(c, len);
	txCompacted_++;
	freePacket(m, kDelayFree);
	return c;
}

/* Count (and log the first) packet dropped because no one can compute its
 * checksum or segment it. Never sent half-done: a packet whose checksum
 * field holds only the pseudo-header sum would be dropped by its receiver
 * anyway, and quietly. */
void MacvioNet::txOffloadDrop(const char *why)
{
	txOffloadDrops_++;
	if (!txOffloadLogged_) {
		txOffloadLogged_ = true;
		IOLog("macvio: dropped a packet: %s (logged once; such drops count as output errors)\n", why);
	}
}

/* The virtio header for what the stack asks of this packet.
 *
 * What macOS leaves in the packet (xnu bsd/netinet/tcp_output.c, the same
 * from xnu-2422 of 10.9 to today; udp_output / udp6_output alike): with a
 * TCP (or UDP) checksum request th_sum (uh_sum) holds the pseudo-header
 * sum, not complemented, over source, destination, protocol and the L4
 * length - for a TSO request the length of the whole unsegmented TCP
 * segment. ip_len (ip6_plen) is the whole packet's, and the IPv4 header
 * checksum was computed in software (we never claim kChecksumIP). That is
 * the frame virtio 1.2 §5.1.6.2 asks for: NEEDS_CSUM with the pseudo-header
 * sum in the checksum field, and for GSO the device (QEMU hands it to the
 * host kernel's GSO) rewrites IP length, IPv4 id/checksum and the TCP
 * pseudo-header sum per segment. So nothing is edited here.
 *
 * VIO_OK: *meta is the offload to ask for (all zero when the packet is
 * complete, possibly after the software fallback). VIO_EINVAL: drop it. */
int MacvioNet::txOffload(mbuf_t m, struct vio_net_tx_meta *meta)
{
	UInt32 demand = 0;
	mbuf_tso_request_flags_t tso = 0;
	u_int32_t mss = 0;
	uint8_t peek[MACVIO_TX_PEEK];
	const uint8_t *hdr;
	size_t total = mbuf_pkthdr_len(m), avail, l3;
	unsigned want = 0;
	uint16_t type;
	u_int32_t pf;
	int r = VIO_EINVAL;

	bzero(meta, sizeof(*meta));
	getChecksumDemand(m, kChecksumFamilyTCPIP, &demand);
	if (mbuf_get_tso_requested(m, &tso, &mss) != 0)
		tso = 0;
	tso &= MBUF_TSO_IPV4 | MBUF_TSO_IPV6;
	if (!demand && !tso)
		return VIO_OK; /* the stack computed everything */
	if (demand & MACVIO_TX_CSUM)
		want |= VIO_NET_OFL_CSUM;
	if (tso)
		want |= VIO_NET_OFL_TSO | VIO_NET_OFL_CSUM;

	/* The headers in one piece: the first mbuf when it holds them (or the
	 * whole packet), else a copy of the first bytes. No mbuf_pullup: it
	 * may fail and free the chain, and a copy this small is cheap. */
	avail = mbuf_len(m);
	hdr = (const uint8_t *)mbuf_data(m);
	if (avail > total)
		avail = total;
	if (avail < total && avail < sizeof(peek)) {
		avail = total < sizeof(peek) ? total : sizeof(peek);
		if (mbuf_copydata(m, 0, avail, peek) != 0) {
			txOffloadDrop("the packet is shorter than its header says");
			return VIO_EINVAL;
		}
		hdr = peek;
	}

	/* Offload only what the headers prove and only with a pseudo-header
	 * sum in place: a TSO request without a TCP checksum demand means the
	 * stack summed the packet itself (the interface lost its checksum
	 * offload), and the device would add the data in a second time. */
	if (!(demand & ~MACVIO_TX_CSUM) && (!tso || (demand & MACVIO_TX_CSUM_TCP)) && mss <= 0xffff)
		r = vio_net_tx_meta_from_frame(&net_, hdr, (uint32_t)avail, (uint32_t)total, want,
					       (uint16_t)mss, meta);
	if (r == VIO_OK)
		return VIO_OK;
	bzero(meta, sizeof(*meta));

	/* Software fallback: xnu's own finalize computes every checksum still
	 * asked for (exported to kexts from 10.9 to today, com.apple.kpi.bsd).
	 * It needs the protocol family and where the IP header starts. */
	if (avail < VIO_ETH_HLEN) {
		txOffloadDrop("an offload request on a frame shorter than an Ethernet header");
		return VIO_EINVAL;
	}
	l3 = VIO_ETH_HLEN;
	type = (uint16_t)(hdr[12] << 8 | hdr[13]);
	if (type == 0x8100 && avail >= VIO_ETH_HLEN + VIO_ETH_VLAN_HLEN) {
		l3 += VIO_ETH_VLAN_HLEN;
		type = (uint16_t)(hdr[16] << 8 | hdr[17]);
	}
	if (type == 0x0800) {
		pf = PF_INET;
	} else if (type == 0x86dd) {
		pf = PF_INET6;
	} else {
		txOffloadDrop("an offload request on a frame that is neither IPv4 nor IPv6");
		return VIO_EINVAL;
	}
	/* Nobody can cut a TSO packet larger than one frame into segments
	 * here (e.g. a CWR segment when the device lacks HOST_ECN). */
	if (tso && total > l3 + net_.mtu) {
		txOffloadDrop(r == VIO_ENOTSUP
				  ? "a TSO packet the device cannot segment (ECN CWR without HOST_ECN?)"
				  : "a TSO packet whose headers do not allow segmentation offload");
		return VIO_EINVAL;
	}
	mbuf_outbound_finalize(m, pf, l3);
	txSwCsum_++;
	return VIO_OK;
}

/* Copy mode: the frame's pieces (one per mbuf) copied by the core into its
 * bounce slot. A chain of more pieces than pieces_ holds is compacted
 * first. The mbuf stays the cookie, freed at reclaim as usual. */
int MacvioNet::txCopy(struct vio_net_txq *q, const struct vio_net_tx_meta *meta, mbuf_t &m)
{
	IODebuggerLockState dl;
	unsigned n = 0, pass;
	mbuf_t x = NULL;
	int r;

	for (pass = 0; pass < 2; pass++) {
		for (n = 0, x = m; x; x = mbuf_next(x)) {
			if (!mbuf_len(x))
				continue; /* empty mbufs take no piece */
			if (n == MACVIO_TX_PIECES)
				break;
			pieces_[n].vaddr = mbuf_data(x);
			pieces_[n].len = (uint32_t)mbuf_len(x);
			n++;
		}
		if (!x)
			break;
		/* more pieces than we describe: one compact copy, once */
		if (pass == 0) {
			mbuf_t c = compactTx(m);

			if (!c)
				return VIO_ENOMEM;
			m = c;
		}
	}
	if (x)
		return VIO_EINVAL;
	dl = IOKernelDebugger::lock(this);
	r = vio_net_tx_copy(q, meta, pieces_, (uint16_t)n, m);
	if (r == VIO_OK)
		vio_net_tx_flush(q);
	IOKernelDebugger::unlock(dl);
	return r;
}

/* Room for one more packet; false: stalled, the queue keeps the packet and
 * service() restarts it when completions free room. */
bool MacvioNet::txRoom()
{
	struct vio_net_txq *q = &net_.txq[0];
	IODebuggerLockState dl;
	bool room;

	reclaimTx();
	dl = IOKernelDebugger::lock(this);
	room = vio_net_tx_has_room(q);
	if (!room) {
		/* Ask for an interrupt after most in-flight packets completed;
		 * if some completed meanwhile, look again before stalling. */
		txStalled_ = true;
		if (!vio_vq_enable_cb_delayed(&q->vq)) {
			IOKernelDebugger::unlock(dl);
			reclaimTx();
			dl = IOKernelDebugger::lock(this);
		}
		room = vio_net_tx_has_room(q);
		if (room) {
			txStalled_ = false;
			vio_vq_disable_cb(&q->vq);
		}
	}
	IOKernelDebugger::unlock(dl);
	return room;
}

UInt32 MacvioNet::outputPacket(mbuf_t m, void *param)
{
	struct vio_net_txq *q = &net_.txq[0];
	struct vio_net_tx_meta meta;
	IODebuggerLockState dl;
	int n, r;

	(void)param;
	if (!ready_ || brokenSeen_ || deviceBroken()) {
		/* a broken ring never makes room: drop (and report it) rather
		 * than stall a queue nothing would restart */
		if (ready_ && !brokenSeen_)
			scheduleBroken();
		freePacket(m);
		txDrops_++;
		return kIOReturnOutputDropped;
	}
	if (!txRoom()) {
		releaseFreePackets();
		return kIOReturnOutputStall; /* the queue keeps m (IOBasicOutputQueue) */
	}
	/* Before compactTx: its copy carries no offload request. */
	r = txOffload(m, &meta);
	if (r == VIO_OK && net_.copy) {
		r = txCopy(q, &meta, m);
	} else if (r == VIO_OK) {
		n = mbufToSg(m, sg_, q->max_sg);
		if (n == VIO_ENOSPC || n == VIO_EINVAL) { /* too many pieces / no device address */
			mbuf_t c = compactTx(m);

			if (c) {
				m = c;
				n = mbufToSg(m, sg_, q->max_sg);
			}
		}
		if (n > 0) {
			dl = IOKernelDebugger::lock(this);
			r = vio_net_tx(q, &meta, sg_, (uint16_t)n, m);
			if (r == VIO_OK)
				vio_net_tx_flush(q);
			IOKernelDebugger::unlock(dl);
		} else {
			r = VIO_EINVAL;
		}
	}
	if (r != VIO_OK) {
		freePacket(m, kDelayFree);
		txDrops_++;
		if (r == VIO_EBROKEN)
			scheduleBroken();
	}
	releaseFreePackets();
	return r == VIO_OK ? kIOReturnOutputSuccess : kIOReturnOutputDropped;
}

/* ---- interface, media, link ---- */

IOReturn MacvioNet::enable(IONetworkInterface *netif)
{
	IOOutputQueue *q = getOutputQueue();

	(void)netif;
	if (!ready_)
		return kIOReturnNotReady;
	netEnabled_ = true;
	if (q) {
		q->setCapacity(MACVIO_RING_SIZE);
		q->start();
	}
	updateLink(); /* the up edge now that a client listens (KEV_DL_LINK_ON) */
	return kIOReturnSuccess;
}

IOReturn MacvioNet::disable(IONetworkInterface *netif)
{
	IOOutputQueue *q = getOutputQueue();

	(void)netif;
	netEnabled_ = false; /* RX buffers now go straight back to the ring */
	if (q) {
		q->stop();
		q->flush();
	}
	updateLink(); /* down, so the next enable() reports the up edge again */
	return kIOReturnSuccess;
}

/* The device runs from start() to stop(), so the debugger works as the only
 * client (interface down) and beside the stack alike. */
IOReturn MacvioNet::enable(IOKernelDebugger *debugger)
{
	(void)debugger;
	return ready_ ? kIOReturnSuccess : kIOReturnNotReady;
}

IOReturn MacvioNet::disable(IOKernelDebugger *debugger)
{
	(void)debugger;
	return kIOReturnSuccess;
}

bool MacvioNet::configureInterface(IONetworkInterface *netif)
{
	IONetworkData *d;

	if (!super::configureInterface(netif))
		return false;
	d = netif->getNetworkData(kIONetworkStatsKey);
	netStats_ = d ? (IONetworkStats *)d->getBuffer() : NULL;
	d = netif->getNetworkData(kIOEthernetStatsKey);
	etherStats_ = d ? (IOEthernetStats *)d->getBuffer() : NULL;
	return netStats_ != NULL;
}

void MacvioNet::updateStats()
{
	if (netStats_) {
		netStats_->inputPackets = (UInt32)net_.rxq[0].stats.packets;
		netStats_->inputErrors = (UInt32)net_.rxq[0].stats.drops;
		netStats_->outputPackets = (UInt32)net_.txq[0].stats.packets;
		netStats_->outputErrors = (UInt32)txDrops_; /* includes the core's err_meta refusals */
	}
	if (etherStats_)
		etherStats_->dot3RxExtraEntry.resourceErrors = (UInt32)rxNoBufs_;
}

/* Auto plus the medium of the device's speed and duplex (NET_F_SPEED_DUPLEX;
 * 10GBaseT full duplex without it). Called again when they change: ifconfig
 * finds the active medium by name in the published dictionary
 * (IONetworkInterface.cpp syncSIOCGIFMEDIA, IONetworkingFamily-100..188),
 * and publishMediumDictionary may be called again (IONetworkController.h);
 * auto keeps its name, so the selected medium survives. */
bool MacvioNet::publishMedia()
{
	OSDictionary *dict = OSDictionary::withCapacity(2);
	IONetworkMedium *autoMedium = IONetworkMedium::medium(kIOMediumEthernetAuto, 0);
	IONetworkMedium *m;
	struct macvio_medium pick;
	bool ok, first = medium_ == NULL;

	macvio_medium_pick(net_.speed, net_.duplex, (unsigned)version_major, &pick);
	m = IONetworkMedium::medium(pick.type, pick.bps);
	ok = dict && autoMedium && m && IONetworkMedium::addMedium(dict, autoMedium) &&
	     IONetworkMedium::addMedium(dict, m) && publishMediumDictionary(dict);
	if (ok) {
		if (first)
			setSelectedMedium(autoMedium);
		OSSafeReleaseNULL(medium_);
		medium_ = m;
		m = NULL;
		mediumPick_ = pick;
	}
	OSSafeReleaseNULL(m);
	OSSafeReleaseNULL(autoMedium);
	OSSafeReleaseNULL(dict);
	return ok;
}

/* A config change may carry a new speed or duplex: publish its medium
 * before the link status names it. On failure the old medium stays. */
void MacvioNet::refreshMedium()
{
	struct macvio_medium pick;

	macvio_medium_pick(net_.speed, net_.duplex, (unsigned)version_major, &pick);
	if (pick.type == mediumPick_.type && pick.bps == mediumPick_.bps)
		return;
	if (!publishMedia())
		IOLog("macvio: could not publish the medium for %llu bit/s\n", (unsigned long long)pick.bps);
}

IOReturn MacvioNet::selectMedium(const IONetworkMedium *medium)
{
	/* Nothing to program: a virtio link has no media. */
	setSelectedMedium(medium);
	return kIOReturnSuccess;
}

/* What the stack is told: up only while the interface is enabled, so that
 * every enable() is an edge setLinkStatus() broadcasts. */
void MacvioNet::updateLink()
{
	if (ready_ && netEnabled_ && net_.link_up && !brokenSeen_) {
		refreshMedium(); /* a config change may have carried a new speed or duplex */
		setLinkStatus(kIONetworkLinkValid | kIONetworkLinkActive, medium_, mediumPick_.bps);
	} else
		setLinkStatus(kIONetworkLinkValid, NULL);
}

const OSString *MacvioNet::newVendorString() const
{
	return OSString::withCString("macvio");
}

const OSString *MacvioNet::newModelString() const
{
	return OSString::withCString(net_.dev.pci.modern ? "virtio-net (virtio 1.x)" : "virtio-net (legacy)");
}

UInt32 MacvioNet::getFeatures() const
{
	/* MultiPages: mbufToSg splits at page boundaries. SoftwareVlan: RX
	 * buffers hold 1518-byte (tagged) frames. TSO exactly as negotiated
	 * (HOST_TSO4/6 imply CSUM, so the checksum support below is there
	 * too). IONetworkInterface reads this when the interface is attached,
	 * after vio_net_attach. */
	UInt32 f = kIONetworkFeatureMultiPages | kIONetworkFeatureSoftwareVlan;

	if (vio_dev_has(&net_.dev, VIO_NET_F_HOST_TSO4))
		f |= kIONetworkFeatureTSOIPv4;
	if (vio_dev_has(&net_.dev, VIO_NET_F_HOST_TSO6))
		f |= kIONetworkFeatureTSOIPv6;
	return f;
}

IOReturn MacvioNet::getChecksumSupport(UInt32 *mask, UInt32 family, bool isOutput)
{
	bool tx = vio_dev_has(&net_.dev, VIO_NET_F_CSUM);

	if (family != kChecksumFamilyTCPIP)
		return kIOReturnUnsupported;
	*mask = 0;
	if (isOutput) {
		if (tx)
			*mask = MACVIO_TX_CSUM;
	} else if (tx || vio_dev_has(&net_.dev, VIO_NET_F_GUEST_CSUM)) {
		/* IONetworkInterface turns a checksum offload on only when both
		 * directions report it (getIfnetHardwareAssistValue). Input
		 * support only allows the driver to mark packets as verified;
		 * without GUEST_CSUM none is ever marked (serviceRx) and the
		 * stack checks every one itself, so claiming it costs nothing
		 * and lets TX offload work with a device that has CSUM alone. */
		*mask = MACVIO_RX_CSUM;
	}
	return kIOReturnSuccess;
}

IOReturn MacvioNet::getMaxPacketSize(UInt32 *maxSize) const
{
	*maxSize = maxFrame_;
	return kIOReturnSuccess;
}

IOReturn MacvioNet::setMaxPacketSize(UInt32 maxSize)
{
	if (!ready_)
		return kIOReturnNotReady; /* stopped: the engine may be gone */
	if (maxSize > maxFrame_ || maxSize < kIOEthernetMinPacketSize)
		return kIOReturnBadArgument;
	if (!vio_dev_has(&net_.dev, VIO_NET_F_MTU))
		return kIOReturnSuccess; /* <= 1518: nothing to tell the device */
	return ioReturnFromVio(vio_net_set_mtu(&net_, (uint16_t)(maxSize - MACVIO_ETH_OVERHEAD)));
}

/* ---- addresses and filters (control queue) ---- */

IOReturn MacvioNet::getHardwareAddress(IOEthernetAddress *addr)
{
	bcopy(net_.mac, addr->bytes, kIOEthernetAddressSize);
	return kIOReturnSuccess;
}

IOReturn MacvioNet::setHardwareAddress(const IOEthernetAddress *addr)
{
	if (!ready_)
		return kIOReturnNotReady;
	return ioReturnFromVio(vio_net_set_mac(&net_, addr->bytes));
}

/* Every filter is advertised: without CTRL_RX the device delivers
 * everything anyway (a reset virtio-net device is promiscuous), so each
 * request is already met and answered with success. */
IOReturn MacvioNet::getPacketFilters(UInt32 *filters) const
{
	*filters = kIOPacketFilterUnicast | kIOPacketFilterBroadcast | kIOPacketFilterMulticast |
		   kIOPacketFilterMulticastAll | kIOPacketFilterPromiscuous;
	return kIOReturnSuccess;
}

bool MacvioNet::hasRxFilter() const
{
	return vio_dev_has(&net_.dev, VIO_NET_F_CTRL_RX) && net_.has_ctrl;
}

/* IOEthernetController::enablePacketFilter/disablePacketFilter route only
 * kIOPacketFilterMulticast (setMulticastMode) and kIOPacketFilterPromiscuous
 * (setPromiscuousMode) and answer kIOReturnUnsupported for MulticastAll
 * (IONetworkingFamily-100 .. 188 IOEthernetController.cpp). All-multicast
 * is ALLMULTI in the device (§5.1.6.5.1). */
IOReturn MacvioNet::enablePacketFilter(const OSSymbol *group, UInt32 aFilter, UInt32 enabledFilters,
				       IOOptionBits options)
{
	if (group == gIONetworkFilterGroup && aFilter == kIOPacketFilterMulticastAll)
		return setAllMulticast(true);
	return super::enablePacketFilter(group, aFilter, enabledFilters, options);
}

IOReturn MacvioNet::disablePacketFilter(const OSSymbol *group, UInt32 aFilter, UInt32 enabledFilters,
					IOOptionBits options)
{
	if (group == gIONetworkFilterGroup && aFilter == kIOPacketFilterMulticastAll)
		return setAllMulticast(false);
	return super::disablePacketFilter(group, aFilter, enabledFilters, options);
}

IOReturn MacvioNet::setAllMulticast(bool on)
{
	if (!ready_)
		return kIOReturnNotReady;
	allmultiWanted_ = on;
	if (!hasRxFilter())
		return kIOReturnSuccess;
	return ioReturnFromVio(vio_net_set_allmulti(&net_, allmultiWanted_ || allmultiForced_));
}

IOReturn MacvioNet::setPromiscuousMode(bool active)
{
	if (!ready_)
		return kIOReturnNotReady;
	if (!hasRxFilter())
		return kIOReturnSuccess;
	return ioReturnFromVio(vio_net_set_promisc(&net_, active));
}

/* "Filter multicast by the list" (IOEthernetController.h): on, the list set
 * by setMulticastList() decides; off, no multicast group is wanted, so the
 * device's table is emptied. Not ALLMULTI: that is kIOPacketFilterMulticastAll. */
IOReturn MacvioNet::setMulticastMode(bool active)
{
	if (!ready_)
		return kIOReturnNotReady;
	mcastFilter_ = active;
	if (!hasRxFilter() || active)
		return kIOReturnSuccess;
	return setMulticastList(NULL, 0);
}

IOReturn MacvioNet::setMulticastList(IOEthernetAddress *addrs, UInt32 count)
{
	int err;

	if (!ready_)
		return kIOReturnNotReady;
	if (!hasRxFilter())
		return kIOReturnSuccess;
	err = vio_net_set_mac_table(&net_, NULL, 0, (const uint8_t *)addrs, count);
	if (err == VIO_EINVAL || err == VIO_EIO) {
		/* more groups than one command carries, or than the device's
		 * table holds: receive all multicast instead */
		allmultiForced_ = true;
		return ioReturnFromVio(vio_net_set_allmulti(&net_, true));
	}
	if (err == VIO_OK && allmultiForced_) {
		allmultiForced_ = false;
		err = vio_net_set_allmulti(&net_, allmultiWanted_);
	}
	return ioReturnFromVio(err);
}

/* ---- kernel debugger: polled, no locks, no allocation, bounded ---- */

void MacvioNet::receivePacket(void *pkt, UInt32 *pktSize, UInt32 timeout)
{
	uint32_t len = 0;
	uint32_t us = timeout > 4000000 ? 4000000000u : timeout * 1000;

	*pktSize = 0;
	if (!ready_)
		return;
	if (vio_net_poll_recv(&net_, pkt, kIOEthernetMaxPacketSize, &len, us) == 1)
		*pktSize = len;
}

void MacvioNet::sendPacket(void *pkt, UInt32 pktSize)
{
	if (!ready_ || pktSize > VIO_NET_POLL_FRAME_MAX)
		return;
	vio_net_poll_send(&net_, pkt, pktSize, MACVIO_DBG_TX_WAIT_US);
}

UInt32 MacvioNet::getDebuggerLinkStatus()
{
	if (ready_ && net_.link_up && !brokenSeen_)
		return kIONetworkLinkValid | kIONetworkLinkActive;
	return kIONetworkLinkValid;
}

bool MacvioNet::setDebuggerMode(bool active)
{
	if (nub_)
		nub_->setDebuggerMode(active);
	return true;
}
