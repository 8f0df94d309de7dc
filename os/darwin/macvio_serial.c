/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_serial.c - a virtio-console port's IOSerialFamily state word
 * (macvio_serial.h has the facts from Apple's sources it rests on).
 */
#include "macvio_serial.h"

bool macvio_ser_set(struct macvio_ser *s, uint32_t val, uint32_t mask)
{
	uint32_t next = (s->state & ~mask) | (val & mask);
	uint32_t delta = next ^ s->state;

	s->state = next;
	return (delta & s->watch_mask) != 0;
}

/* AppleUSBCDCACMData.cpp watchStateGated: found = (want XNOR state) & mask */
enum macvio_ser_watch macvio_ser_watch(struct macvio_ser *s, uint32_t want, uint32_t mask)
{
	bool auto_active = false;
	uint32_t found;

	mask &= MACVIO_SER_EXTERNAL;
	if (!(mask & (MACVIO_PD_S_ACQUIRED | MACVIO_PD_S_ACTIVE))) {
		want &= ~MACVIO_PD_S_ACTIVE; /* wake when ACTIVE goes low */
		mask |= MACVIO_PD_S_ACTIVE;
		auto_active = true;
	}
	found = (want ^ ~s->state) & mask;
	if (found)
		return auto_active && (found & MACVIO_PD_S_ACTIVE) ? MACVIO_SER_ENDED : MACVIO_SER_MET;
	s->watch_mask |= mask;
	return MACVIO_SER_WAIT;
}

/* TXQ_EMPTY and TX_BUSY both follow "a buffer in flight": the core keeps
 * no queue of its own in front of the device, so the two-stage drain
 * (TXQ_EMPTY high, TX_BUSY low) completes when the device has used every
 * buffer, also while it can take no more (asleep: room 0, nothing in
 * flight). LOW_WATER: at least half the room free (never with no room). */
uint32_t macvio_ser_queue_bits(const struct macvio_ser_queues *q)
{
	uint32_t b = 0, room = q->tx_room > q->tx_cap ? q->tx_cap : q->tx_room;

	if (!q->tx_inflight)
		b |= MACVIO_PD_S_TXQ_EMPTY;
	else
		b |= MACVIO_PD_S_TX_BUSY;
	if (room > 0 && room >= q->tx_cap / 2)
		b |= MACVIO_PD_S_TXQ_LOW_WATER;
	if (room < q->tx_cap / 4)
		b |= MACVIO_PD_S_TXQ_HIGH_WATER;
	if (room == 0)
		b |= MACVIO_PD_S_TXQ_FULL;
	if (!q->rx_pending)
		b |= MACVIO_PD_S_RXQ_EMPTY | MACVIO_PD_S_RXQ_LOW_WATER;
	return b;
}

uint32_t macvio_ser_modem_bits(bool host_open)
{
	return MACVIO_PD_RS232_S_CTS | MACVIO_PD_RS232_S_DSR | (host_open ? MACVIO_PD_RS232_S_CAR : 0);
}

/* AppleUSBCDCACMData.cpp acquirePortGated: ACQUIRED | TX/RX enabled; the
 * queue and modem bits from the real state. ACTIVE comes with
 * executeEvent(PD_E_ACTIVE, true) (IOSerialBSDClient initSession). */
uint32_t macvio_ser_acquired_state(const struct macvio_ser_queues *q, bool host_open)
{
	return MACVIO_PD_S_ACQUIRED | MACVIO_PD_S_TX_ENABLE | MACVIO_PD_S_RX_ENABLE |
	       macvio_ser_queue_bits(q) | macvio_ser_modem_bits(host_open);
}

/* The settings a line remembers, by event; NULL for the others. */
static uint32_t *macvio_ser_line_field(struct macvio_ser_line *l, uint32_t event)
{
	switch (event) {
	case MACVIO_PD_E_DATA_RATE:
	case MACVIO_PD_E_RX_DATA_RATE:
		return &l->rate2;
	case MACVIO_PD_E_DATA_SIZE:
	case MACVIO_PD_E_RX_DATA_SIZE:
		return &l->size2;
	case MACVIO_PD_E_DATA_INTEGRITY:
	case MACVIO_PD_E_RX_DATA_INTEGRITY:
		return &l->integrity;
	case MACVIO_PD_RS232_E_STOP_BITS:
	case MACVIO_PD_RS232_E_RX_STOP_BITS:
		return &l->stop2;
	case MACVIO_PD_E_FLOW_CONTROL:
		return &l->flow;
	case MACVIO_PD_RS232_E_XON_BYTE:
		return &l->xon;
	case MACVIO_PD_RS232_E_XOFF_BYTE:
		return &l->xoff;
	case MACVIO_PD_E_DATA_LATENCY:
		return &l->latency;
	case MACVIO_PD_E_DELAY:
		return &l->delay;
	case MACVIO_PD_RS232_E_MIN_LATENCY:
		return &l->min_latency;
	default:
		return NULL;
	}
}

/* Events that only have a meaning on a wire: accepted, nothing to do. */
static bool macvio_ser_event_noop(uint32_t event)
{
	switch (event) {
	case MACVIO_PD_E_TXQ_FLUSH:
	case MACVIO_PD_E_RXQ_FLUSH:
	case MACVIO_PD_E_TXQ_SIZE:
	case MACVIO_PD_E_RXQ_SIZE:
	case MACVIO_PD_E_TXQ_LOW_WATER:
	case MACVIO_PD_E_RXQ_LOW_WATER:
	case MACVIO_PD_E_TXQ_HIGH_WATER:
	case MACVIO_PD_E_RXQ_HIGH_WATER:
	case MACVIO_PD_RS232_E_LINE_BREAK:
	case MACVIO_PD_E_SPECIAL_BYTE:
	case MACVIO_PD_E_VALID_DATA_BYTE:
		return true;
	default:
		return false;
	}
}

int macvio_ser_execute(struct macvio_ser *s, uint32_t event, uint32_t data, bool *wake)
{
	uint32_t *f;

	*wake = false;
	/* ACTIVE raises DTR and RTS with it, as Apple's driver does
	 * (AppleUSBCDCACMData.cpp executeEventGated): initSession otherwise
	 * waits out IOSerialBSDClient's 2 s DTR-down delay on every reopen */
	if (event == MACVIO_PD_E_ACTIVE) {
		uint32_t lines = MACVIO_PD_RS232_S_DTR | MACVIO_PD_RS232_S_RTS;

		*wake = macvio_ser_set(s, data ? MACVIO_PD_S_ACTIVE | lines : 0, MACVIO_PD_S_ACTIVE | lines);
		return 0;
	}
	f = macvio_ser_line_field(&s->line, event);
	if (f) {
		*f = data;
		return 0;
	}
	return macvio_ser_event_noop(event) ? 0 : -1;
}

int macvio_ser_request(const struct macvio_ser *s, const struct macvio_ser_queues *q, uint32_t event,
		       uint32_t *data)
{
	struct macvio_ser_line l = s->line;
	uint32_t *f;

	switch (event) {
	case MACVIO_PD_E_ACTIVE:
		*data = (s->state & MACVIO_PD_S_ACTIVE) != 0;
		return 0;
	case MACVIO_PD_E_TXQ_AVAILABLE: /* what enqueueData takes in full */
		*data = q->tx_room > q->tx_cap ? q->tx_cap : q->tx_room;
		return 0;
	case MACVIO_PD_E_RXQ_AVAILABLE: /* the core counts buffers, not bytes */
		*data = q->rx_pending ? 1 : 0;
		return 0;
	case MACVIO_PD_E_TXQ_SIZE:
		*data = q->tx_cap;
		return 0;
	default:
		break;
	}
	f = macvio_ser_line_field(&l, event);
	if (f) {
		*data = *f;
		return 0;
	}
	if (macvio_ser_event_noop(event)) {
		*data = 0;
		return 0;
	}
	return -1;
}

static bool macvio_ser_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '-' || c == '_';
}

static void macvio_ser_copy(char *dst, const char *src, size_t max)
{
	size_t i;

	for (i = 0; i < max && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

void macvio_ser_tty_name(uint32_t id, const char *name, bool console, char base[MACVIO_SER_BASE_MAX + 1],
			 char suffix[MACVIO_SER_SUFFIX_MAX + 1])
{
	size_t i;
	uint32_t d = 1000000;
	int n = 0;

	suffix[0] = '\0';
	if (name && name[0]) {
		for (i = 0; i < MACVIO_SER_BASE_MAX && name[i]; i++)
			base[i] = macvio_ser_name_char(name[i]) ? name[i] : '_';
		base[i] = '\0';
		return;
	}
	macvio_ser_copy(base, console ? "virtio-console" : "virtio-port", MACVIO_SER_BASE_MAX);
	if (console)
		return;
	if (id > 9999999)
		id = 9999999;
	for (; d > 0; d /= 10) {
		if (id / d || n || d == 1)
			suffix[n++] = (char)('0' + id / d % 10);
	}
	suffix[n] = '\0';
}
