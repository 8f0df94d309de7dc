/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_serial.c - a virtio-console port's IOSerialFamily state word
 * (os/darwin/macvio_serial.c) driven the way IOSerialBSDClient drives a
 * port (apple-oss-distributions/IOSerialFamily-93.200.2,
 * IOSerialFamily.kmodproj/IOSerialBSDClient.cpp; the same sequences in
 * -64.1.1): open (acquirePort, initSession, iossparam), dial-in carrier
 * wait, the TX thread (txFunc / txload), the RX thread's dequeue, close
 * and killThreads. The port below is what macvio_cons.cpp does with the
 * core's numbers: TX slots of VIO_CONS_BUF bytes, RX pending or not.
 */
#include <string.h>

#include "macvio_serial.h"
#include "runner.h"

#define SLOT 4096u

static uint32_t SLOTS = 16; /* the port's transmit buffers: min(16, ring) */

struct port {
	struct macvio_ser s;
	uint32_t inflight; /* TX slots the device has not used yet */
	uint32_t rx_bytes;
	bool host_open;
	bool asleep; /* the device was reset for sleep: it takes nothing */
	uint32_t tx_total;
};

static struct macvio_ser_queues port_q(const struct port *p)
{
	struct macvio_ser_queues q = {p->asleep ? 0 : (SLOTS - p->inflight) * SLOT, SLOTS * SLOT,
				      p->inflight > 0, p->rx_bytes > 0};

	return q;
}

/* what the kext does after the core's numbers change: true = wake */
static bool port_update(struct port *p)
{
	struct macvio_ser_queues q = port_q(p);

	return macvio_ser_set(&p->s, macvio_ser_queue_bits(&q) | macvio_ser_modem_bits(p->host_open),
			      MACVIO_PD_S_QUEUES | MACVIO_PD_RS232_S_CTS | MACVIO_PD_RS232_S_DSR |
				  MACVIO_PD_RS232_S_CAR);
}

static void port_acquire(struct port *p)
{
	struct macvio_ser_queues q = port_q(p);

	memset(&p->s, 0, sizeof(p->s));
	p->s.state = macvio_ser_acquired_state(&q, p->host_open);
}

/* enqueueData(sleep false) as macvio_cons.cpp: vio_cons_write takes up to
 * the room, one slot per VIO_CONS_BUF bytes */
static uint32_t port_enqueue(struct port *p, uint32_t n)
{
	uint32_t room = p->asleep ? 0 : (SLOTS - p->inflight) * SLOT, took = n < room ? n : room;

	p->inflight += (took + SLOT - 1) / SLOT;
	p->tx_total += took;
	port_update(p);
	return took;
}

static bool port_device_uses_all(struct port *p)
{
	p->inflight = 0;
	return port_update(p);
}

static int port_event(struct port *p, uint32_t ev, uint32_t data)
{
	bool wake;

	return macvio_ser_execute(&p->s, ev, data, &wake);
}

TEST(serial_open_sequence)
{
	/* IOSerialBSDClient::open -> acquirePort(false), initSession,
	 * iossparam at 115200 8N1 with the default XON/XOFF characters */
	static const struct {
		uint32_t ev, data;
	} seq[] = {
	    {MACVIO_PD_E_ACTIVE, 1},
	    {MACVIO_PD_E_TXQ_FLUSH, 0},
	    {MACVIO_PD_E_RXQ_FLUSH, 0},
	    {MACVIO_PD_E_FLOW_CONTROL, 0},
	    {MACVIO_PD_E_DATA_RATE, 115200u << 1},
	    {MACVIO_PD_E_DATA_SIZE, 8u << 1},
	    {MACVIO_PD_E_DATA_INTEGRITY, 1 /* PD_RS232_PARITY_NONE */},
	    {MACVIO_PD_RS232_E_STOP_BITS, 2},
	    {MACVIO_PD_E_FLOW_CONTROL, 0},
	    {MACVIO_PD_RS232_E_XON_BYTE, 0x11},
	    {MACVIO_PD_RS232_E_XOFF_BYTE, 0x13},
	    {MACVIO_PD_E_DATA_LATENCY, 0},
	    {MACVIO_PD_RS232_E_MIN_LATENCY, 1},
	    {MACVIO_PD_E_DELAY, 0},
	    {MACVIO_PD_RS232_E_LINE_BREAK, 0},
	};
	struct port p = {.host_open = true};
	struct macvio_ser_queues q;
	uint32_t v;

	port_acquire(&p);
	ASSERT(p.s.state & MACVIO_PD_S_ACQUIRED);
	ASSERT(!(p.s.state & MACVIO_PD_S_ACTIVE)); /* initSession's PD_E_ACTIVE sets it */
	for (unsigned i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		ASSERT_MSG(port_event(&p, seq[i].ev, seq[i].data) == 0, "event 0x%x refused: tcsetattr fails",
			   seq[i].ev);
	ASSERT(p.s.state & MACVIO_PD_S_ACTIVE);
	/* initSession: DTR low here means sleeping out the DTR-down delay */
	ASSERT(p.s.state & MACVIO_PD_RS232_S_DTR);
	/* mctl: setState(RTS|DTR, RTS|DTR) */
	macvio_ser_set(&p.s, MACVIO_PD_RS232_S_RTS | MACVIO_PD_RS232_S_DTR,
		       MACVIO_PD_RS232_S_RTS | MACVIO_PD_RS232_S_DTR);
	q = port_q(&p);
	ASSERT_EQ(macvio_ser_request(&p.s, &q, MACVIO_PD_E_DATA_RATE, &v), 0);
	ASSERT_EQ(v, 115200u << 1);
	ASSERT_EQ(macvio_ser_request(&p.s, &q, MACVIO_PD_E_DATA_SIZE, &v), 0);
	ASSERT_EQ(v, 8u << 1);
	ASSERT_EQ(macvio_ser_request(&p.s, &q, MACVIO_PD_E_TXQ_AVAILABLE, &v), 0);
	ASSERT_EQ(v, SLOTS * SLOT);
	/* an event no serial driver knows is refused, as Apple's are */
	ASSERT_EQ(port_event(&p, 0x3u | MACVIO_PD_OP(40), 0), -1);
}

TEST(serial_dialin_waits_for_carrier)
{
	struct port p = {.host_open = false};

	port_acquire(&p);
	port_event(&p, MACVIO_PD_E_ACTIVE, 1);
	ASSERT(!(p.s.state & MACVIO_PD_RS232_S_CAR));
	/* open of /dev/tty.*: sessionWatchState(CAR, CAR) */
	ASSERT_EQ(macvio_ser_watch(&p.s, MACVIO_PD_RS232_S_CAR, MACVIO_PD_RS232_S_CAR), MACVIO_SER_WAIT);
	p.host_open = true; /* PORT_OPEN 1 from the device */
	ASSERT(port_update(&p));
	ASSERT_EQ(macvio_ser_watch(&p.s, MACVIO_PD_RS232_S_CAR, MACVIO_PD_RS232_S_CAR), MACVIO_SER_MET);
	/* the host leaves: txFunc, watching CAR toggled, wakes */
	p.s.watch_mask = 0;
	ASSERT_EQ(macvio_ser_watch(&p.s, 0, MACVIO_PD_RS232_S_CAR), MACVIO_SER_WAIT);
	p.host_open = false;
	ASSERT(port_update(&p));
	ASSERT_EQ(macvio_ser_watch(&p.s, 0, MACVIO_PD_RS232_S_CAR), MACVIO_SER_MET);
	/* CTS and DSR are always up on a virtual line */
	ASSERT((p.s.state & (MACVIO_PD_RS232_S_CTS | MACVIO_PD_RS232_S_DSR)) ==
	       (MACVIO_PD_RS232_S_CTS | MACVIO_PD_RS232_S_DSR));
}

/* txload: TXQ_AVAILABLE bytes go to enqueueData in full; with none it
 * waits for TXQ_LOW_WATER high, which must then mean room. */
TEST(serial_txq_available_is_taken_in_full)
{
	for (uint32_t inflight = 0; inflight <= SLOTS; inflight++) {
		struct port p = {.inflight = inflight, .host_open = true};
		struct macvio_ser_queues q = port_q(&p);
		uint32_t avail, bits = macvio_ser_queue_bits(&q);

		ASSERT_EQ(macvio_ser_request(&p.s, &q, MACVIO_PD_E_TXQ_AVAILABLE, &avail), 0);
		ASSERT_EQ(port_enqueue(&p, avail), avail);
		if (bits & MACVIO_PD_S_TXQ_LOW_WATER)
			ASSERT_MSG(avail > 0, "LOW_WATER with no room: txFunc would spin (%u in flight)",
				   inflight);
		ASSERT_EQ(!!(bits & MACVIO_PD_S_TXQ_FULL), avail == 0);
		ASSERT_EQ(!!(bits & MACVIO_PD_S_TXQ_EMPTY), inflight == 0);
		ASSERT_EQ(!!(bits & MACVIO_PD_S_TX_BUSY), inflight != 0);
	}
	/* odd numbers from a caller: room above the capacity is clamped */
	struct macvio_ser_queues odd = {SLOT * 40, SLOT * SLOTS, false, false};
	ASSERT(macvio_ser_queue_bits(&odd) & MACVIO_PD_S_TXQ_EMPTY);
	struct macvio_ser_queues zero = {0, 0, false, false};
	ASSERT(!(macvio_ser_queue_bits(&zero) & MACVIO_PD_S_TXQ_LOW_WATER));
}

/* IOSerialBSDClient::txFunc's loop, bit for bit, over our state: returns
 * when TS_BUSY would be cleared (the drain done), or -1 when it would
 * sleep with nothing left to wake it. `out` bytes wait in the tty. */
static int txfunc_drain(struct port *p, uint32_t out)
{
	uint32_t waitfor_mask = MACVIO_PD_S_TX_EVENT | MACVIO_PD_S_TX_BUSY | MACVIO_PD_RS232_S_CAR;
	uint32_t waitfor = MACVIO_PD_S_TX_EVENT | MACVIO_PD_S_TXQ_LOW_WATER | MACVIO_PD_S_TXQ_EMPTY;
	bool ts_busy = false;
	int rounds = 0;

	waitfor |= (p->s.state & MACVIO_PD_RS232_S_CAR) ^ MACVIO_PD_RS232_S_CAR;
	macvio_ser_set(&p->s, MACVIO_PD_S_TX_EVENT, MACVIO_PD_S_TX_EVENT); /* iossstart */
	while (rounds++ < 100) {
		enum macvio_ser_watch w = macvio_ser_watch(&p->s, waitfor, waitfor_mask);
		uint32_t wakeup_with, interesting;

		if (w == MACVIO_SER_WAIT) {
			/* asleep: only the device completing can wake it */
			if (!p->inflight || !port_device_uses_all(p))
				return -1;
			p->s.watch_mask = 0;
			continue;
		}
		if (w == MACVIO_SER_ENDED)
			return -1;
		p->s.watch_mask = 0;
		wakeup_with = p->s.state;
		interesting = waitfor_mask & (~waitfor ^ wakeup_with);
		if (interesting & MACVIO_PD_S_TX_EVENT) {
			struct macvio_ser_queues q;
			uint32_t avail;

			macvio_ser_set(&p->s, 0, MACVIO_PD_S_TX_EVENT);
			/* txload */
			if (out && !ts_busy) {
				ts_busy = true;
				waitfor_mask |= MACVIO_PD_S_TXQ_EMPTY;
				waitfor_mask &= ~MACVIO_PD_S_TX_BUSY;
			}
			while (out) {
				q = port_q(p);
				macvio_ser_request(&p->s, &q, MACVIO_PD_E_TXQ_AVAILABLE, &avail);
				if (!avail) {
					waitfor_mask |= MACVIO_PD_S_TXQ_LOW_WATER;
					break;
				}
				avail = avail < 512 ? avail : 512; /* tx_buf[CBSIZE * 8] */
				avail = avail < out ? avail : out;
				if (port_enqueue(p, avail) != avail)
					return -2; /* bytes lost */
				out -= avail;
			}
		}
		if (interesting & MACVIO_PD_S_TXQ_LOW_WATER) {
			waitfor_mask &= ~MACVIO_PD_S_TXQ_LOW_WATER;
			macvio_ser_set(&p->s, MACVIO_PD_S_TX_EVENT, MACVIO_PD_S_TX_EVENT); /* more to load */
		}
		if (interesting & MACVIO_PD_S_TXQ_EMPTY) {
			waitfor_mask &= ~MACVIO_PD_S_TXQ_EMPTY;
			waitfor_mask |= MACVIO_PD_S_TX_BUSY;
		}
		if (MACVIO_PD_S_TX_BUSY & waitfor_mask & ~wakeup_with) {
			waitfor_mask &= ~MACVIO_PD_S_TX_BUSY;
			ts_busy = false; /* CLR(TS_BUSY), bsdld_start */
			if (!out)
				return 0; /* drain complete */
			/* ttstart -> iossstart: more output, TX_EVENT again */
			macvio_ser_set(&p->s, MACVIO_PD_S_TX_EVENT, MACVIO_PD_S_TX_EVENT);
		}
	}
	return -3;
}

TEST(serial_tx_thread_drains)
{
	static const uint32_t slots[] = {16, 8, 4, 1}; /* a ring smaller than 16 gives fewer */

	for (unsigned r = 0; r < sizeof(slots) / sizeof(slots[0]); r++) {
		SLOTS = slots[r];
		const uint32_t sizes[] = {1, 511, 512, 4096, SLOTS * SLOT, 3 * SLOTS * SLOT + 7};

		for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			struct port p = {.host_open = true};

			port_acquire(&p);
			port_event(&p, MACVIO_PD_E_ACTIVE, 1);
			ASSERT_MSG(txfunc_drain(&p, sizes[i]) == 0,
				   "%u bytes, %u slots: the TX thread never finished the drain", sizes[i],
				   SLOTS);
			ASSERT_EQ(p.tx_total, sizes[i]);
		}
	}
}

/* close -> killThreads: executeEvent(PD_E_ACTIVE, false) must end the
 * TX thread's watch and the RX thread's dequeue wait (RXQ_EMPTY low). */
TEST(serial_inactive_ends_every_wait)
{
	struct port p = {.host_open = true};
	bool wake;

	port_acquire(&p);
	port_event(&p, MACVIO_PD_E_ACTIVE, 1);
	ASSERT_EQ(macvio_ser_watch(&p.s, 0, MACVIO_PD_S_RXQ_EMPTY), MACVIO_SER_WAIT);
	ASSERT_EQ(macvio_ser_watch(&p.s, MACVIO_PD_S_TX_EVENT, MACVIO_PD_S_TX_EVENT), MACVIO_SER_WAIT);
	ASSERT(p.s.watch_mask & MACVIO_PD_S_ACTIVE);
	ASSERT_EQ(macvio_ser_execute(&p.s, MACVIO_PD_E_ACTIVE, 0, &wake), 0);
	ASSERT(wake);
	ASSERT_EQ(macvio_ser_watch(&p.s, 0, MACVIO_PD_S_RXQ_EMPTY), MACVIO_SER_ENDED);
	ASSERT_EQ(macvio_ser_watch(&p.s, MACVIO_PD_S_TX_EVENT, MACVIO_PD_S_TX_EVENT), MACVIO_SER_ENDED);
	/* one who watches ACTIVE itself gets success when it matches */
	ASSERT_EQ(macvio_ser_watch(&p.s, 0, MACVIO_PD_S_ACTIVE), MACVIO_SER_MET);
	/* RX data arriving wakes the reader (RXQ_EMPTY drops) */
	port_event(&p, MACVIO_PD_E_ACTIVE, 1);
	p.s.watch_mask = 0;
	ASSERT_EQ(macvio_ser_watch(&p.s, 0, MACVIO_PD_S_RXQ_EMPTY), MACVIO_SER_WAIT);
	p.rx_bytes = 10;
	ASSERT(port_update(&p));
	ASSERT_EQ(macvio_ser_watch(&p.s, 0, MACVIO_PD_S_RXQ_EMPTY), MACVIO_SER_MET);
	/* a change nobody watches wakes nobody */
	p.s.watch_mask = 0;
	ASSERT(!macvio_ser_set(&p.s, MACVIO_PD_RS232_S_DTR, MACVIO_PD_RS232_S_DTR));
}

TEST(serial_tty_names)
{
	static const struct {
		uint32_t id;
		const char *name;
		bool console;
		const char *base, *suffix, *why;
	} t[] = {
	    {1, "org.test.0", false, "org.test.0", "", "a named port: its name (QEMU virtserialport name=)"},
	    {0, "", true, "virtio-console", "", "the unnamed console port"},
	    {0, NULL, true, "virtio-console", "", "no name at all"},
	    {3, "", false, "virtio-port", "3", "an unnamed port: its id"},
	    {15, "", false, "virtio-port", "15", "two digits"},
	    {2, "a/b c:d", false, "a_b_c_d", "", "'/' would make a path in devfs; blanks and ':' go too"},
	    {2, "org.qemu.guest_agent.0", false, "org.qemu.guest_agen", "", "cut to 20 bytes"},
	};

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char base[MACVIO_SER_BASE_MAX + 1], suffix[MACVIO_SER_SUFFIX_MAX + 1];

		memset(base, 'x', sizeof(base));
		macvio_ser_tty_name(t[i].id, t[i].name, t[i].console, base, suffix);
		if (i == 6) /* the cut: exactly MACVIO_SER_BASE_MAX bytes of the name */
			ASSERT(strncmp(base, "org.qemu.guest_agent", MACVIO_SER_BASE_MAX) == 0);
		else
			ASSERT_MSG(strcmp(base, t[i].base) == 0, "%s: base %s, want %s", t[i].why, base,
				   t[i].base);
		ASSERT_MSG(strcmp(suffix, t[i].suffix) == 0, "%s: suffix %s", t[i].why, suffix);
		/* devfs_tree.c dev_add_name: "tty." + base + a 7-digit unit < 32 */
		ASSERT(4 + strlen(base) + MACVIO_SER_SUFFIX_MAX <= 31);
		ASSERT(4 + strlen(base) + strlen(suffix) <= 31);
	}
}

/* Asleep (the device reset for sleep): nothing is offered, so txload
 * takes nothing off the tty it could lose, and waits for LOW_WATER; a
 * drain (close, tcdrain) still completes: nothing is in flight. */
TEST(serial_asleep_offers_nothing)
{
	struct port p = {.host_open = true};
	struct macvio_ser_queues q;
	uint32_t avail, bits;

	port_acquire(&p);
	port_event(&p, MACVIO_PD_E_ACTIVE, 1);
	p.asleep = true;
	port_update(&p);
	q = port_q(&p);
	ASSERT_EQ(macvio_ser_request(&p.s, &q, MACVIO_PD_E_TXQ_AVAILABLE, &avail), 0);
	ASSERT_EQ(avail, 0);
	bits = macvio_ser_queue_bits(&q);
	ASSERT(!(bits & MACVIO_PD_S_TXQ_LOW_WATER));
	ASSERT(bits & MACVIO_PD_S_TXQ_EMPTY);
	ASSERT(!(bits & MACVIO_PD_S_TX_BUSY));
	ASSERT_EQ(txfunc_drain(&p, 0), 0);
	/* data waiting in the tty: the TX thread waits (for LOW_WATER) */
	p.s.watch_mask = 0;
	ASSERT_EQ(macvio_ser_watch(&p.s, MACVIO_PD_S_TXQ_LOW_WATER, MACVIO_PD_S_TXQ_LOW_WATER),
		  MACVIO_SER_WAIT);
	p.asleep = false; /* wake: room again, the watcher is woken */
	ASSERT(port_update(&p));
	ASSERT_EQ(macvio_ser_watch(&p.s, MACVIO_PD_S_TXQ_LOW_WATER, MACVIO_PD_S_TXQ_LOW_WATER),
		  MACVIO_SER_MET);
}
