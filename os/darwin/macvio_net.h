/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_net.h - virtio-net as an IOEthernetController.
 *
 * The engine is core/vio_net.[ch]; this class only translates: mbuf chains to
 * (device address, length) lists and back, IOKit's offload and filter calls
 * to the engine's, interrupts to the work loop, and IOKernelDebugger's polled
 * calls to vio_net_poll_send / vio_net_poll_recv.
 *
 * Concurrency: everything except the debugger handlers and the interrupt
 * filter runs on the controller's own work loop (IOGatedOutputQueue, the
 * interrupt action, the command gate), so queue pair 0 is single-threaded as
 * the core requires. The normal path holds IOKernelDebugger::lock() while it
 * touches queue pair 0; the debugger's dispatchers back off while it is held,
 * so the polled path never meets a half-done normal operation.
 */
#ifndef MACVIO_NET_H
#define MACVIO_NET_H

#include <IOKit/IOFilterInterruptEventSource.h>
#include <IOKit/IOTimerEventSource.h>
#include <IOKit/IOWorkLoop.h>
#include <IOKit/network/IOEthernetController.h>
#include <IOKit/network/IOEthernetInterface.h>
#include <IOKit/network/IOEthernetStats.h>
#include <IOKit/network/IOGatedOutputQueue.h>
#include <IOKit/network/IOKernelDebugger.h>
#include <IOKit/network/IONetworkMedium.h>
#include <IOKit/network/IONetworkStats.h>

#include "macvio_irq.h"
#include "macvio_medium.h"
#include "macvio_pci.h"

extern "C" {
#include "vio_net.h"
}

#define MacvioNet	 org_macvio_VirtioNet
#define MACVIO_TX_PIECES 32 /* copy mode: mbufs per frame described */

class MacvioNet : public IOEthernetController
{
	OSDeclareDefaultStructors(org_macvio_VirtioNet)

	    public :
	    /* IOService */
	    using IOEthernetController::init;
	bool init(OSDictionary *properties) override;
	bool start(IOService *provider) override;
	void stop(IOService *provider) override;
	void free() override;

	/* IONetworkController */
	using IOEthernetController::disable;
	using IOEthernetController::enable;
	IOReturn enable(IONetworkInterface *netif) override;
	IOReturn disable(IONetworkInterface *netif) override;
	IOReturn enable(IOKernelDebugger *debugger) override;
	IOReturn disable(IOKernelDebugger *debugger) override;
	bool createWorkLoop() override;
	IOReturn registerWithPolicyMaker(IOService *policyMaker) override;
	IOReturn setPowerState(unsigned long powerStateOrdinal, IOService *whatDevice) override;
	IOWorkLoop *getWorkLoop() const override;
	IOOutputQueue *createOutputQueue() override;
	bool configureInterface(IONetworkInterface *netif) override;
	UInt32 outputPacket(mbuf_t m, void *param) override;
	UInt32 getFeatures() const override;
	IOReturn getChecksumSupport(UInt32 *mask, UInt32 family, bool isOutput) override;
	IOReturn getMaxPacketSize(UInt32 *maxSize) const override;
	IOReturn setMaxPacketSize(UInt32 maxSize) override;
	IOReturn selectMedium(const IONetworkMedium *medium) override;
	const OSString *newVendorString() const override;
	const OSString *newModelString() const override;
	void receivePacket(void *pkt, UInt32 *pktSize, UInt32 timeout) override;
	void sendPacket(void *pkt, UInt32 pktSize) override;
	UInt32 getDebuggerLinkStatus() override;
	bool setDebuggerMode(bool active) override;

	/* IOEthernetController */
	using IOEthernetController::getHardwareAddress;
	using IOEthernetController::getPacketFilters;
	using IOEthernetController::setHardwareAddress;
	IOReturn getHardwareAddress(IOEthernetAddress *addr) override;
	IOReturn setHardwareAddress(const IOEthernetAddress *addr) override;
	IOReturn getPacketFilters(UInt32 *filters) const override;
	IOReturn setPromiscuousMode(bool active) override;
	IOReturn setMulticastMode(bool active) override;
	IOReturn setMulticastList(IOEthernetAddress *addrs, UInt32 count) override;
	IOReturn enablePacketFilter(const OSSymbol *group, UInt32 aFilter, UInt32 enabledFilters,
				    IOOptionBits options) override;
	IOReturn disablePacketFilter(const OSSymbol *group, UInt32 aFilter, UInt32 enabledFilters,
				     IOOptionBits options) override;

private:
	void teardownInterrupts();
	bool publishMedia();
	void refreshMedium();
	void updateLink();
	void service();
	void serviceRx(struct vio_net_rxq *q);
	mbuf_t takeRx(struct vio_net_rxq *q, bool *more);
	mbuf_t buildRx(struct vio_net_rx_pkt *pkt);
	mbuf_t copyRx(struct vio_net_rxq *q, struct vio_net_rx_pkt *pkt);
	int txCopy(struct vio_net_txq *q, const struct vio_net_tx_meta *meta, mbuf_t &m);
	bool txRoom();
	bool deviceBroken() const;
	void scheduleBroken();
	bool hasRxFilter() const;
	IOReturn setAllMulticast(bool on);
	void quiesce();
	unsigned heldCount() const;
	void drainAll();
	int restartDevice();
	void recover(enum vio_net_reset_cause cause);
	void scheduleReset(enum vio_net_reset_cause cause);
	void powerChange(bool on);
	static void resetTimerFired(OSObject *owner, IOTimerEventSource *src);
	static IOReturn powerGated(OSObject *owner, void *a0, void *a1, void *a2, void *a3);
	bool postRx(struct vio_net_rxq *q, mbuf_t m);
	int fillRx(struct vio_net_rxq *q);
	void recycleRx(struct vio_net_rxq *q, const struct vio_net_rx_frag *frags, unsigned n);
	void reclaimTx();
	int txOffload(mbuf_t m, struct vio_net_tx_meta *meta);
	void txOffloadDrop(const char *why);
	int mbufToSg(mbuf_t m, struct vio_net_sg *sg, unsigned max);
	mbuf_t compactTx(mbuf_t m);
	void updateStats();
	void releaseAll();

	static IOReturn quiesceGated(OSObject *owner, void *a0, void *a1, void *a2, void *a3);
	static IOReturn releaseAllGated(OSObject *owner, void *a0, void *a1, void *a2, void *a3);
	static bool interruptFilter(OSObject *owner, IOFilterInterruptEventSource *src);
	static void interruptAction(OSObject *owner, IOInterruptEventSource *src, int count);

	MacvioNub *nub_; /* our provider: everything we need of the bus */
	struct vio_net net_;
	volatile bool attached_; /* vio_net_attach succeeded: destroy at stop */
	bool reset_;		 /* vio_net_stop done: no DMA, no interrupt */
	bool stopping_;		 /* stop() began: no recovery, no power change */
	bool asleep_;		 /* setPowerState(0) quiesced the device */
	enum vio_net_reset_cause resetCause_;
	bool resetPending_;
	/* one work-loop timer: recovery when asked (1 ms), else the TX
	 * watchdog every MACVIO_WATCHDOG_TICK_MS */
	IOTimerEventSource *resetTimer_;
	bool mcastFilter_;    /* the stack filters multicast by its list */
	volatile bool ready_; /* device running: interrupts and debugger may act */
	bool netEnabled_;     /* the interface is up: packets go to the stack */
	bool txStalled_;      /* the output queue waits for TX completions */
	bool brokenSeen_;     /* the link-down report of a broken device was made */
	bool allmultiWanted_; /* the stack asked for all multicast */
	bool allmultiForced_; /* the group list did not fit: all multicast */
	uint32_t rxPad_;      /* bytes before the header: IP header 4-byte aligned */
	uint32_t maxFrame_;   /* largest frame (incl. 4 FCS bytes) we accept */

	IOWorkLoop *wl_;
	MacvioIrq irq_;		     /* plan, sources, decode (macvio_irq.h) */
	volatile UInt32 isrPending_; /* ISR bits / config vector seen by the filter */

	IOEthernetInterface *netif_;
	IOKernelDebugger *debugger_;
	IONetworkStats *netStats_;
	IOEthernetStats *etherStats_;
	IONetworkMedium *medium_;	  /* the active medium, in the published dictionary */
	struct macvio_medium mediumPick_; /* what medium_ was made from (macvio_medium.c) */
	uint64_t txDrops_, txCompacted_, rxNoBufs_;
	uint64_t txSwCsum_;	  /* offload asked, headers unproven: checksummed by xnu */
	uint64_t txOffloadDrops_; /* offload asked, nobody could do it: dropped */
	bool txOffloadLogged_;	  /* the first such drop was logged */

	struct vio_net_sg sg_[VIO_NET_MAX_TX_SG];
	struct vio_net_piece pieces_[MACVIO_TX_PIECES]; /* copy mode */
	struct vio_net_rx_frag frags_[256];		/* mergeable: up to the ring size */
};

#endif /* MACVIO_NET_H */
