/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_serial.h - the state word of a virtio-console port as IOSerialFamily
 * sees it: what the kext's IOSerialDriverSync (macvio_cons.cpp) answers to
 * IOSerialBSDClient, the tty layer that owns /dev/cu.* and /dev/tty.*.
 * Plain C, no IOKit type, so test/unit runs it against IOSerialBSDClient's
 * own call sequences (test/unit/t_serial.c; docs/macos.md "Console").
 *
 * The facts it rests on (apple-oss-distributions/IOSerialFamily,
 * IOSerialFamily.kmodproj/, the same logic in -64.1.1 (10.9) and
 * -93.200.2 (10.13.4, the last published source); the driver-facing headers
 * are unchanged from -31 to -93.200.2):
 *  - The PD_S_* and PD_RS232_S_* bits (IOSerialStreamSync.h,
 *    IORS232SerialStreamSync.h; the RS232 ones are the TIOCM_* values):
 *    repeated below, static_assert'ed against Apple's headers in
 *    macvio_cons.cpp.
 *  - watchState: "wait for at least one of the state bits defined in mask
 *    to be equal to the value defined in state", checked on entry
 *    (IOSerialStreamSync.h). Apple's own driver also wakes a watcher that
 *    does not watch PD_S_ACTIVE when ACTIVE drops and returns
 *    kIOReturnIOError (apple-oss-distributions/AppleUSBCDCDriver-4303.2.1,
 *    AppleUSBCDCACMData.cpp watchStateGated): that is how
 *    IOSerialBSDClient::killThreads (executeEvent(PD_E_ACTIVE, false))
 *    ends its RX and TX threads, which sleep in watchState/dequeueData.
 *  - txload (IOSerialBSDClient.cpp) asks requestEvent(PD_E_TXQ_AVAILABLE),
 *    takes that many bytes off the tty queue and calls enqueueData(sleep
 *    false): what it is not given is lost (only a DEBUG log), so
 *    TXQ_AVAILABLE must be bytes enqueueData takes in full. With 0 it waits
 *    for PD_S_TXQ_LOW_WATER to go high: LOW_WATER must imply room.
 *  - txFunc drains in two stages, PD_S_TXQ_EMPTY high then PD_S_TX_BUSY
 *    low, before it clears TS_BUSY; close and tcdrain wait for that.
 *  - open of /dev/tty.* (dial-in) without O_NONBLOCK or CLOCAL waits for
 *    PD_RS232_S_CAR (IOSerialBSDClient::open); /dev/cu.* does not. txFunc
 *    reports a CAR change to the line discipline (bsdld_modem): a drop
 *    hangs up a session that has not set CLOCAL.
 *  - initSession/iossparam send PD_E_ACTIVE, the FLUSHes, DATA_RATE,
 *    DATA_SIZE, DATA_INTEGRITY, STOP_BITS, FLOW_CONTROL, XON/XOFF_BYTE;
 *    anything but success makes open or tcsetattr fail: a virtual line
 *    accepts every setting.
 *  - Names: IOSerialBSDClient::createDevNodes makes "cu." and "tty." +
 *    IOTTYBaseName + IOTTYSuffix with devfs_make_node, and replaces a suffix
 *    already taken by the tty unit number (getUniqueTTYSuffix, up to 7
 *    digits); devfs refuses names of 32 bytes or more (xnu
 *    bsd/miscfs/devfs/devfs_tree.c dev_add_name, DEVMAXNAMESIZE 32,
 *    xnu-2422 .. -11417).
 */
#ifndef MACVIO_SERIAL_H
#define MACVIO_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IOSerialStreamSync.h */
#define MACVIO_PD_S_ACQUIRED	   0x80000000u
#define MACVIO_PD_S_ACTIVE	   0x40000000u
#define MACVIO_PD_S_TX_ENABLE	   0x20000000u
#define MACVIO_PD_S_TX_BUSY	   0x10000000u
#define MACVIO_PD_S_TX_EVENT	   0x08000000u
#define MACVIO_PD_S_TXQ_EMPTY	   0x04000000u
#define MACVIO_PD_S_TXQ_LOW_WATER  0x02000000u
#define MACVIO_PD_S_TXQ_HIGH_WATER 0x01000000u
#define MACVIO_PD_S_TXQ_FULL	   0x00800000u
#define MACVIO_PD_S_RX_OFFSET	   7
#define MACVIO_PD_S_RX_ENABLE	   (MACVIO_PD_S_TX_ENABLE >> MACVIO_PD_S_RX_OFFSET)
#define MACVIO_PD_S_RX_EVENT	   (MACVIO_PD_S_TX_EVENT >> MACVIO_PD_S_RX_OFFSET)
#define MACVIO_PD_S_RXQ_EMPTY	   (MACVIO_PD_S_TXQ_EMPTY >> MACVIO_PD_S_RX_OFFSET)
#define MACVIO_PD_S_RXQ_LOW_WATER  (MACVIO_PD_S_TXQ_LOW_WATER >> MACVIO_PD_S_RX_OFFSET)
#define MACVIO_PD_S_RXQ_FULL	   (MACVIO_PD_S_TXQ_FULL >> MACVIO_PD_S_RX_OFFSET)
#define MACVIO_PD_S_MASK	   0xffff0000u
#define MACVIO_PD_S_QUEUES                                                                                   \
	(MACVIO_PD_S_TX_BUSY | MACVIO_PD_S_TXQ_EMPTY | MACVIO_PD_S_TXQ_LOW_WATER |                           \
	 MACVIO_PD_S_TXQ_HIGH_WATER | MACVIO_PD_S_TXQ_FULL | MACVIO_PD_S_RXQ_EMPTY |                         \
	 MACVIO_PD_S_RXQ_LOW_WATER | MACVIO_PD_S_RXQ_FULL)
/* IORS232SerialStreamSync.h: the TIOCM_* bits (sys/ttycom.h) */
#define MACVIO_PD_RS232_S_DTR  0x0002u
#define MACVIO_PD_RS232_S_RTS  0x0004u
#define MACVIO_PD_RS232_S_CTS  0x0020u
#define MACVIO_PD_RS232_S_CAR  0x0040u
#define MACVIO_PD_RS232_S_DSR  0x0100u
#define MACVIO_PD_RS232_S_LOOP 0x1000u
#define MACVIO_PD_RS232_S_MASK 0x0000ffffu
/* what getState/watchState show: Apple's EXTERNAL_MASK (no LOOP) */
#define MACVIO_SER_EXTERNAL (MACVIO_PD_S_MASK | (MACVIO_PD_RS232_S_MASK & ~MACVIO_PD_RS232_S_LOOP))

/* Events (IOSerialStreamSync.h: PD_OP(n) << 2 | data size) */
#define MACVIO_PD_OP(x)		       ((uint32_t)(x) << 2)
#define MACVIO_PD_E_MASK	       (~0x3u)
#define MACVIO_PD_E_EOQ		       0u
#define MACVIO_PD_E_ACTIVE	       (1u | MACVIO_PD_OP(1))
#define MACVIO_PD_E_TXQ_SIZE	       (3u | MACVIO_PD_OP(2))
#define MACVIO_PD_E_RXQ_SIZE	       (3u | MACVIO_PD_OP(3))
#define MACVIO_PD_E_TXQ_LOW_WATER      (3u | MACVIO_PD_OP(4))
#define MACVIO_PD_E_RXQ_LOW_WATER      (3u | MACVIO_PD_OP(5))
#define MACVIO_PD_E_TXQ_HIGH_WATER     (3u | MACVIO_PD_OP(6))
#define MACVIO_PD_E_RXQ_HIGH_WATER     (3u | MACVIO_PD_OP(7))
#define MACVIO_PD_E_TXQ_AVAILABLE      (3u | MACVIO_PD_OP(8))
#define MACVIO_PD_E_RXQ_AVAILABLE      (3u | MACVIO_PD_OP(9))
#define MACVIO_PD_E_TXQ_FLUSH	       (0u | MACVIO_PD_OP(10))
#define MACVIO_PD_E_RXQ_FLUSH	       (3u | MACVIO_PD_OP(11))
#define MACVIO_PD_E_DATA_RATE	       (3u | MACVIO_PD_OP(12))
#define MACVIO_PD_E_RX_DATA_RATE       (3u | MACVIO_PD_OP(13))
#define MACVIO_PD_E_DATA_SIZE	       (3u | MACVIO_PD_OP(14))
#define MACVIO_PD_E_RX_DATA_SIZE       (3u | MACVIO_PD_OP(15))
#define MACVIO_PD_E_DATA_INTEGRITY     (3u | MACVIO_PD_OP(16))
#define MACVIO_PD_E_RX_DATA_INTEGRITY  (3u | MACVIO_PD_OP(17))
#define MACVIO_PD_E_DELAY	       (3u | MACVIO_PD_OP(18))
#define MACVIO_PD_E_DATA_LATENCY       (3u | MACVIO_PD_OP(19))
#define MACVIO_PD_E_FLOW_CONTROL       (3u | MACVIO_PD_OP(20))
#define MACVIO_PD_E_SPECIAL_BYTE       (1u | MACVIO_PD_OP(22))
#define MACVIO_PD_E_VALID_DATA_BYTE    (1u | MACVIO_PD_OP(21))
#define MACVIO_PD_RS232_E_MIN_LATENCY  (1u | MACVIO_PD_OP(57))
#define MACVIO_PD_RS232_E_XOFF_BYTE    (1u | MACVIO_PD_OP(58))
#define MACVIO_PD_RS232_E_XON_BYTE     (1u | MACVIO_PD_OP(59))
#define MACVIO_PD_RS232_E_STOP_BITS    (3u | MACVIO_PD_OP(60))
#define MACVIO_PD_RS232_E_RX_STOP_BITS (3u | MACVIO_PD_OP(61))
#define MACVIO_PD_RS232_E_LINE_BREAK   (1u | MACVIO_PD_OP(62))

/* The line settings a port remembers so requestEvent reads back what
 * executeEvent set (nothing on a virtio port depends on them). */
struct macvio_ser_line {
	uint32_t rate2;	    /* PD_E_DATA_RATE: bits/s << 1 */
	uint32_t size2;	    /* PD_E_DATA_SIZE: bits << 1 */
	uint32_t integrity; /* PD_RS232_PARITY_* */
	uint32_t stop2;	    /* half stop bits */
	uint32_t flow;
	uint32_t xon, xoff;
	uint32_t latency, delay, min_latency;
};

struct macvio_ser {
	uint32_t state;	     /* PD_S_* | PD_RS232_S_* */
	uint32_t watch_mask; /* bits a sleeping watcher waits on */
	struct macvio_ser_line line;
};

/* What the core says of the port's queues. */
struct macvio_ser_queues {
	uint32_t tx_room; /* bytes a write takes now (vio_cons_write_room); 0
			   * while the device cannot take any (asleep) */
	uint32_t tx_cap;  /* tx_room with nothing in flight */
	bool tx_inflight; /* buffers the device has not used yet */
	bool rx_pending;  /* received bytes waiting (vio_cons_rx_pending) */
};

enum macvio_ser_watch {
	MACVIO_SER_MET,	  /* a watched bit has the wanted value: success */
	MACVIO_SER_ENDED, /* ACTIVE dropped under an automatic watch: kIOReturnIOError */
	MACVIO_SER_WAIT	  /* nothing yet: sleep, check again when woken */
};

/* state = (state & ~mask) | (val & mask); true when a sleeping watcher
 * must be woken (a bit it watches changed). */
bool macvio_ser_set(struct macvio_ser *s, uint32_t val, uint32_t mask);
/* One check of watchState(want, mask), as Apple's driver does it: a
 * caller not watching ACQUIRED or ACTIVE also wakes when ACTIVE drops. On
 * MACVIO_SER_WAIT the mask is recorded in watch_mask (cleared by the
 * caller when it returns). */
enum macvio_ser_watch macvio_ser_watch(struct macvio_ser *s, uint32_t want, uint32_t mask);
/* The PD_S_TX* / RXQ* bits for these queue numbers. */
uint32_t macvio_ser_queue_bits(const struct macvio_ser_queues *q);
/* The modem lines of a virtual line: CTS and DSR always; CAR (carrier)
 * while the host side has the port open (PORT_OPEN, §5.3.6.2), so a
 * dial-in open waits for the host and a host leaving is a hang-up. */
uint32_t macvio_ser_modem_bits(bool host_open);
/* acquirePort: the state a fresh port starts with. */
uint32_t macvio_ser_acquired_state(const struct macvio_ser_queues *q, bool host_open);
/* executeEvent / enqueueEvent: 0, or -1 for an event Apple's drivers also
 * refuse (kIOReturnBadArgument). *wake as macvio_ser_set. PD_E_ACTIVE
 * also raises (or drops) DTR and RTS: IOSerialBSDClient::initSession
 * sleeps out a 2 s DTR-down delay when DTR is low after ACTIVE
 * (IOSerialFamily-93.200.2 initSession / mctl). */
int macvio_ser_execute(struct macvio_ser *s, uint32_t event, uint32_t data, bool *wake);
/* requestEvent: 0 and *data, or -1. */
int macvio_ser_request(const struct macvio_ser *s, const struct macvio_ser_queues *q, uint32_t event,
		       uint32_t *data);

/* devfs names: "cu." / "tty." + base + suffix, at most 31 bytes even when
 * IOSerialBSDClient replaces the suffix by a 7-digit unit number. */
#define MACVIO_SER_BASE_MAX   20 /* 31 - strlen("tty.") - 7 */
#define MACVIO_SER_SUFFIX_MAX 7
/* The IOTTYBaseName / IOTTYSuffix of a port: a named port (PORT_NAME) by
 * its name, characters outside [A-Za-z0-9._-] as '_', cut to fit; an
 * unnamed console port "virtio-console"; another "virtio-port" + its id. */
void macvio_ser_tty_name(uint32_t id, const char *name, bool console, char base[MACVIO_SER_BASE_MAX + 1],
			 char suffix[MACVIO_SER_SUFFIX_MAX + 1]);

#endif
