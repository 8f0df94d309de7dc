/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_cons.h - virtio-console as an IOSerialFamily serial driver.
 *
 *   org_macvio_VirtioDevice  (MacvioNub, VirtioDeviceType 3)
 *     org_macvio_VirtioConsole (MacvioConsole: IOSerialDriverSync)
 *       IORS232SerialStreamSync   one nub per port, refCon = port id and
 *                                 generation (a late call from a previous
 *                                 nub of the id is refused)
 *         IOSerialBSDClient       Apple's: /dev/cu.<name>, /dev/tty.<name>
 *
 * The engine is core/vio_cons.[ch]; the IOSerialFamily state word is
 * macvio_serial.c, kernel printf routing macvio_kputc.c (both plain C,
 * tested in test/unit). IOSerialFamily follows the last published source,
 * apple-oss-distributions/IOSerialFamily-93.200.2 (docs/macos.md
 * "Console").
 *
 * Concurrency: every IOSerialDriverSync call runs through the command
 * gate of our own work loop, so it is serialised with the interrupt
 * action (control messages, RX, TX completions); watchState and
 * dequeueData sleep on the gate (commandSleep), which lets the others in.
 * getWorkLoop() is deliberately not ours: the port nubs inherit it, and
 * IOService runs their clients' willTerminate/didTerminate on it
 * (IOService.cpp _workLoopAction); IOSerialBSDClient takes tty_lock
 * there (IOSerialFamily-64.1.1 .. -91) while a writer holding tty_lock
 * waits for our gate (iossstart): that would deadlock the terminate
 * thread.
 * The transmit side of the core (write, reclaim, room) also takes
 * txLock_, a spin lock, because the PE_kputc hook writes from any
 * context: it only tries the lock, and falls back to the emergency
 * write, which takes none.
 */
#ifndef MACVIO_CONS_H
#define MACVIO_CONS_H

#include <IOKit/IOCommandGate.h>
#include <IOKit/IOFilterInterruptEventSource.h>
#include <IOKit/IOLocks.h>
#include <IOKit/IOWorkLoop.h>
/* IOSerialFamily-91+ headers mark IOSerialStreamSync::attach with
 * APPLE_KEXT_OVERRIDE, which libkern/c++/OSMetaClass.h defines only from
 * xnu-3247 (10.11): empty for the older kernel headers it may meet. */
#ifndef APPLE_KEXT_OVERRIDE
#define APPLE_KEXT_OVERRIDE
#endif
#include <IOKit/serial/IORS232SerialStreamSync.h>
#include <IOKit/serial/IOSerialDriverSync.h>

#include "macvio_irq.h"
#include "macvio_pci.h"

extern "C" {
#include "macvio_kputc.h"
#include "macvio_serial.h"
#include "vio_cons.h"
}

#define MacvioConsole org_macvio_VirtioConsole

class MacvioConsole;

/* One port as IOSerialFamily sees it. */
struct MacvioConsPort {
	uint32_t id;
	IORS232SerialStreamSync *nub; /* published while the device has the port */
	struct macvio_ser ser;	      /* the state word (macvio_serial.h) */
	bool acquired;
	bool dead;    /* its queue broke: every call answers kIOReturnOffline */
	uint32_t gen; /* bumped per published nub: the refCon carries it */
	char base[MACVIO_SER_BASE_MAX + 1];
	char suffix[MACVIO_SER_SUFFIX_MAX + 1];
};

class MacvioConsole : public IOSerialDriverSync
{
	OSDeclareDefaultStructors(org_macvio_VirtioConsole)

	    public :
	    /* IOService */
	    using IOSerialDriverSync::init;
	bool init(OSDictionary *properties) override;
	bool start(IOService *provider) override;
	void stop(IOService *provider) override;
	void free() override;
	IOReturn setPowerState(unsigned long powerStateOrdinal, IOService *whatDevice) override;

	/* IOSerialDriverSync (IOSerialFamily-93.200.2 IOSerialDriverSync.h) */
	IOReturn acquirePort(bool sleep, void *refCon) override;
	IOReturn releasePort(void *refCon) override;
	IOReturn setState(UInt32 state, UInt32 mask, void *refCon) override;
	UInt32 getState(void *refCon) override;
	IOReturn watchState(UInt32 *state, UInt32 mask, void *refCon) override;
	UInt32 nextEvent(void *refCon) override;
	IOReturn executeEvent(UInt32 event, UInt32 data, void *refCon) override;
	IOReturn requestEvent(UInt32 event, UInt32 *data, void *refCon) override;
	IOReturn enqueueEvent(UInt32 event, UInt32 data, bool sleep, void *refCon) override;
	IOReturn dequeueEvent(UInt32 *event, UInt32 *data, bool sleep, void *refCon) override;
	IOReturn enqueueData(UInt8 *buffer, UInt32 size, UInt32 *count, bool sleep, void *refCon) override;
	IOReturn dequeueData(UInt8 *buffer, UInt32 size, UInt32 *count, UInt32 min, void *refCon) override;

	/* the PE_kputc hook's two ways out (macvio_kputc.h) */
	static uint32_t kputcQueue(void *ctx, const char *s, uint32_t n);
	static void kputcEmerg(void *ctx, const char *s, uint32_t n);
	/* the line the hook fills, NULL when this device does not own it */
	struct macvio_kline *kputcLine();

private:
	/* one gated call: what the public entry points marshal */
	struct Call {
		int op;
		void *ref; /* the refCon: resolved under the gate (portOf) */
		UInt32 a, b;
		UInt32 *out;
		UInt8 *buf;
		bool sleep;
	};
	static IOReturn gatedCall(OSObject *owner, void *call, void *, void *, void *);
	IOReturn runCall(int op, void *refCon, UInt32 a, UInt32 b, UInt32 *out, UInt8 *buf, bool sleep);
	IOReturn dispatch(Call *c);
	MacvioConsPort *portOf(void *refCon);
	static IOReturn startGated(OSObject *owner, void *a0, void *a1, void *a2, void *a3);
	IOReturn acquireGated(MacvioConsPort *p, bool sleep);
	IOReturn releaseGated(MacvioConsPort *p);
	IOReturn watchGated(MacvioConsPort *p, UInt32 *state, UInt32 mask);
	IOReturn executeGated(MacvioConsPort *p, UInt32 event, UInt32 data);
	IOReturn enqueueGated(MacvioConsPort *p, UInt8 *buf, UInt32 size, UInt32 *count, bool sleep);
	IOReturn dequeueGated(MacvioConsPort *p, UInt8 *buf, UInt32 size, UInt32 *count, UInt32 min);

	void teardownInterrupts();
	static bool interruptFilter(OSObject *owner, IOFilterInterruptEventSource *src);
	static void interruptAction(OSObject *owner, IOInterruptEventSource *src, int count);
	void service();
	void controlChanges();
	void publishPort(uint32_t id);
	void unpublishPort(uint32_t id);
	struct macvio_ser_queues queuesOf(uint32_t id);
	void refreshPort(MacvioConsPort *p);
	void setPortState(MacvioConsPort *p, uint32_t val, uint32_t mask);
	bool portUsable(const MacvioConsPort *p) const;
	void portBroken(MacvioConsPort *p);
	bool nameChanged(uint32_t id);
	int startDevice();
	void stopDevice();
	bool detachCore();
	void powerChange(bool on);
	static IOReturn powerGated(OSObject *owner, void *a0, void *a1, void *a2, void *a3);
	static IOReturn stopGated(OSObject *owner, void *a0, void *a1, void *a2, void *a3);
	void kputcStart();
	void kputcStop();

	MacvioNub *nub_;
	struct vio_cons cons_;
	bool attached_;		 /* vio_cons_attach succeeded: destroy at stop */
	volatile bool ready_;	 /* the device runs: interrupts and I/O may act */
	bool stopping_, asleep_; /* stop() began; setPowerState(0) reset the device */
	bool pmInited_;
	bool gateAdded_;	/* gate_ is in wl_: runAction may be used */
	volatile UInt32 users_; /* interrupt filter / emergency write inside cons_ */
	IOWorkLoop *wl_;
	IOCommandGate *gate_;
	IOSimpleLock *txLock_;
	MacvioIrq irq_;		  /* plan, sources, decode (macvio_irq.h) */
	volatile UInt32 pending_; /* VIO_ISR_* bits the filter saw */
	MacvioConsPort ports_[VIO_CONS_MAX_PORTS];
	/* kernel printf (boot-arg macvio_kprintf=1) */
	struct macvio_kline kline_;
	int kputcPort_; /* the console port it writes to, -1 none yet */
	bool kputcOwner_;
};

#endif /* MACVIO_CONS_H */
