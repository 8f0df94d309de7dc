// SPDX-License-Identifier: BSD-2-Clause
/* t_cons.c - the virtio-console engine (core/vio_cons.c) against the console
 * device model (model/model_cons.c): ports announced over the control
 * queue, data both ways, the emergency write, and a device that misbehaves. */
#include <string.h>

#include "fixture.h"
#include "vio_cons.h"

#define MP (VIO_BIT(VIO_CONS_F_MULTIPORT) | VIO_BIT(VIO_CONS_F_EMERG_WRITE))

static void cons_params(struct vio_cons_params *p, uint16_t max_ports)
{
	memset(p, 0, sizeof(*p));
	p->features = VIO_CONS_ENGINE_FEATURES;
	p->max_ports = max_ports;
	p->irq_mode = VIO_IRQ_INTX;
	p->ctrl_timeout_us = 1000;
}

/* attach + start on a device with `ports` ports announced at DEVICE_READY */
static void cons_up(struct vio_cons *c, struct model *m, uint32_t ports, uint16_t max_ports)
{
	struct vio_cons_params p;

	cons_params(&p, max_ports);
	m->cons_auto_ports = true;
	m->cons_ports = ports;
	ASSERT_EQ(vio_cons_attach(c, &m->os, &p), 0);
	ASSERT_EQ(vio_cons_start(c), 0);
	ASSERT(model_driver_ok(m));
}

static void cons_down(struct vio_cons *c, struct model *m)
{
	vio_cons_stop(c);
	vio_cons_destroy(c);
	EXPECT_CLEAN(m);
	EXPECT_NO_ALLOCS(m);
	ASSERT_EQ(c->dev.allocs, 0);
	model_free(m);
}

/* ports changed, as a bitmap of ids with `what` among their changes */
static uint32_t changed(struct vio_cons *c, uint8_t what)
{
	uint32_t ids = 0;
	uint8_t ch;
	int id;

	while ((id = vio_cons_next_change(c, &ch)) >= 0)
		if (ch & what)
			ids |= 1u << id;
	return ids;
}

/* MULTIPORT: DEVICE_READY, then each PORT_ADD answered PORT_READY 1;
 * CONSOLE_PORT answered PORT_OPEN 1 (§5.3.6.2 MUST); a name (with QEMU's
 * NUL) and the host's open reach the port. */
TEST(cons_multiport_ports)
{
	struct model *m = mcons_new(4, MP);
	struct vio_cons c;

	cons_up(&c, m, 3, 0);
	ASSERT(c.multiport);
	ASSERT_EQ(c.nports, 4);
	ASSERT_EQ(mcons_sent(m, -1, VIO_CONS_DEVICE_READY, 1), 1);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(mcons_sent(m, i, VIO_CONS_PORT_READY, 1), 1);
	ASSERT_EQ(changed(&c, VIO_CONS_CH_ADDED), 0x7u);
	ASSERT(c.ports[2].present && !c.ports[3].present);

	ASSERT_EQ(mcons_ctrl_put(m, 0, VIO_CONS_CONSOLE_PORT, 1, NULL, 0), 1);
	ASSERT_EQ(mcons_ctrl_put(m, 1, VIO_CONS_PORT_NAME, 0, "org.macvio.test\0", 16), 1);
	ASSERT_EQ(mcons_ctrl_put(m, 1, VIO_CONS_PORT_OPEN, 1, NULL, 0), 1);
	ASSERT_EQ(vio_cons_ctrl_process(&c), 3);
	ASSERT_EQ(mcons_sent(m, 0, VIO_CONS_PORT_OPEN, 1), 1);
	ASSERT(c.ports[0].console && c.ports[0].guest_open);
	ASSERT_EQ(strcmp(c.ports[1].name, "org.macvio.test"), 0);
	ASSERT(c.ports[1].host_open);
	uint8_t ch;
	ASSERT_EQ(vio_cons_next_change(&c, &ch), 0);
	ASSERT_EQ(ch, VIO_CONS_CH_CONSOLE);
	ASSERT_EQ(vio_cons_next_change(&c, &ch), 1);
	ASSERT_EQ(ch, VIO_CONS_CH_NAME | VIO_CONS_CH_OPEN);
	ASSERT_EQ(vio_cons_next_change(&c, &ch), -1);

	/* the guest opens and closes port 1 */
	ASSERT_EQ(vio_cons_port_open(&c, 1, true), 0);
	ASSERT_EQ(vio_cons_port_open(&c, 1, false), 0);
	ASSERT_EQ(mcons_sent(m, 1, VIO_CONS_PORT_OPEN, 1), 1);
	ASSERT_EQ(mcons_sent(m, 1, VIO_CONS_PORT_OPEN, 0), 1);
	ASSERT_EQ(vio_cons_port_open(&c, 3, true), VIO_EINVAL); /* not added */
	cons_down(&c, m);
}

/* Data both ways on a port, more than the rings hold at once: the writer
 * gets partial counts and reclaims; the reader gets every byte in order,
 * across buffer boundaries and partial reads. */
TEST(cons_data_both_ways)
{
	struct model *m = mcons_new(2, MP);
	static uint8_t out[100000], got[100000];
	struct vio_cons c;
	uint32_t sent = 0, seen = 0;

	for (uint32_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + i / 251);
	cons_up(&c, m, 2, 0);
	for (int k = 0; sent < sizeof(out); k++) {
		int n = vio_cons_write(&c, 1, out + sent, sizeof(out) - sent);

		ASSERT(n >= 0);
		ASSERT(n > 0 || k % 2); /* only a ring left full refuses */
		sent += (uint32_t)n;
		if (k % 2) /* the host reads every other round: the ring fills */
			seen += mcons_port_get(m, 1, got + seen, sizeof(got) - seen);
	}
	seen += mcons_port_get(m, 1, got + seen, sizeof(got) - seen);
	ASSERT_EQ(seen, sizeof(out));
	ASSERT_MEM(got, out, sizeof(out));
	ASSERT(c.ports[1].stats.tx_full > 0); /* the ring filled at least once */

	memset(got, 0, sizeof(got));
	sent = seen = 0;
	while (seen < sizeof(out)) {
		sent += mcons_port_put(m, 1, out + sent, sizeof(out) - sent);
		ASSERT(vio_cons_rx_pending(&c, 1) || seen == sent);
		int n = vio_cons_read(&c, 1, got + seen, 1000); /* partial reads */
		ASSERT(n >= 0);
		seen += (uint32_t)n;
	}
	ASSERT_MEM(got, out, sizeof(out));
	ASSERT_EQ(c.ports[1].stats.rx_bytes, sizeof(out));
	ASSERT_EQ(vio_cons_read(&c, 3, got, 10), VIO_EINVAL); /* no such port */
	cons_down(&c, m);
}

/* One port, no control queue: port 0 is the console from the start. */
TEST(cons_single_port)
{
	struct model *m = mcons_new(1, 0);
	struct vio_cons c;
	uint8_t buf[64];

	cons_up(&c, m, 0, 0);
	ASSERT(!c.multiport);
	ASSERT_EQ(changed(&c, VIO_CONS_CH_ADDED | VIO_CONS_CH_CONSOLE), 1u);
	ASSERT(c.ports[0].console);
	ASSERT_EQ(vio_cons_write(&c, 0, "hello", 5), 5);
	ASSERT_EQ(mcons_port_get(m, 0, buf, sizeof(buf)), 5);
	ASSERT_MEM(buf, "hello", 5);
	ASSERT_EQ(mcons_port_put(m, 0, "abc", 3), 3);
	ASSERT_EQ(vio_cons_read(&c, 0, buf, sizeof(buf)), 3);
	ASSERT_EQ(m->ncons_log, 0); /* nothing on a control queue */
	ASSERT_EQ(vio_cons_emerg_write(&c, "x", 1), VIO_ENOTSUP);
	cons_down(&c, m);
}

/* EMERG_WRITE: each byte a 32-bit write of emerg_wr, no queue touched
 * (a panicking kernel: interrupts off, rings stuck). */
TEST(cons_emergency_write)
{
	struct model *m = mcons_new(2, MP);
	struct vio_cons c;

	cons_up(&c, m, 1, 0);
	m->cons_ctrl_stuck = true; /* queues stuck: still works */
	ASSERT_EQ(vio_cons_emerg_write(&c, "Kernel panic\n", 13), 0);
	ASSERT_EQ(m->emerg_len, 13);
	ASSERT_MEM(m->emerg, "Kernel panic\n", 13);
	ASSERT_EQ(c.stats.emerg_bytes, 13);
	cons_down(&c, m);
}

/* Every device-written control value validated: ids beyond max_nr_ports,
 * beyond the ports we serve (refused: PORT_READY 0), a repeated PORT_ADD
 * (answered again, as QEMU expects), events for absent ports (QEMU's early
 * PORT_OPEN), short messages, events the driver sends, bad names, a short
 * RESIZE. The port keeps working through all of it. */
TEST(cons_hostile_control)
{
	struct model *m = mcons_new(4, MP);
	struct vio_cons c;
	uint8_t buf[300];

	cons_up(&c, m, 2, 2); /* we serve 2 of 4 */
	ASSERT_EQ(c.nports, 2);
	(void)changed(&c, 0xff);
	ASSERT_EQ(mcons_ctrl_put(m, 9, VIO_CONS_DEVICE_ADD, 0, NULL, 0), 1);
	ASSERT_EQ(mcons_ctrl_put(m, 3, VIO_CONS_DEVICE_ADD, 0, NULL, 0), 1);
	ASSERT_EQ(mcons_ctrl_put(m, 1, VIO_CONS_DEVICE_ADD, 0, NULL, 0), 1);
	ASSERT_EQ(mcons_ctrl_put(m, 3, VIO_CONS_PORT_OPEN, 1, NULL, 0), 1);
	ASSERT_EQ(mcons_ctrl_raw(m, "\x01\x00\x00", 3), 1);
	ASSERT_EQ(mcons_ctrl_put(m, 1, VIO_CONS_PORT_READY, 1, NULL, 0), 1);
	ASSERT_EQ(mcons_ctrl_put(m, 1, 99, 0, NULL, 0), 1);
	ASSERT_EQ(vio_cons_ctrl_process(&c), 7);
	ASSERT_EQ(c.stats.ctrl_bad_port, 1);
	ASSERT_EQ(c.stats.ports_refused, 1);
	ASSERT_EQ(mcons_sent(m, 3, VIO_CONS_PORT_READY, 0), 1);
	ASSERT_EQ(c.stats.ctrl_dup_add, 1);
	ASSERT_EQ(mcons_sent(m, 1, VIO_CONS_PORT_READY, 1), 2);
	ASSERT_EQ(c.stats.ctrl_absent, 1);
	ASSERT_EQ(c.stats.ctrl_short, 1);
	ASSERT_EQ(c.stats.ctrl_unknown, 2);
	ASSERT_EQ(changed(&c, 0xff), 0u); /* a repeat adds nothing new */

	memset(buf, 'a', sizeof(buf));
	ASSERT_EQ(mcons_ctrl_put(m, 1, VIO_CONS_PORT_NAME, 0, buf, 200), 1);	   /* too long */
	ASSERT_EQ(mcons_ctrl_put(m, 1, VIO_CONS_PORT_NAME, 0, "a\x01", 2), 1);	   /* control byte */
	ASSERT_EQ(mcons_ctrl_put(m, 1, VIO_CONS_PORT_NAME, 0, "ab\0cd", 5), 1);	   /* NUL inside */
	ASSERT_EQ(mcons_ctrl_put(m, 1, VIO_CONS_PORT_NAME, 0, NULL, 0), 1);	   /* empty */
	ASSERT_EQ(mcons_ctrl_put(m, 1, VIO_CONS_RESIZE, 0, "\x50\x00", 2), 1);	   /* short */
	ASSERT_EQ(mcons_ctrl_put(m, 1, VIO_CONS_PORT_NAME, 0, "good.name", 9), 1); /* no NUL: fine */
	ASSERT_EQ(vio_cons_ctrl_process(&c), 6);
	ASSERT_EQ(c.stats.ctrl_bad_name, 4);
	ASSERT_EQ(c.stats.ctrl_bad_size, 1);
	ASSERT_EQ(strcmp(c.ports[1].name, "good.name"), 0);
	ASSERT_EQ(vio_cons_write(&c, 1, "still", 5), 5);
	ASSERT_EQ(mcons_port_get(m, 1, buf, sizeof(buf)), 5);
	cons_down(&c, m);
}

/* Hot-plug: PORT_REMOVE takes the port away (writes refused), a new
 * PORT_ADD brings it back on the buffers it already had. */
TEST(cons_port_remove_readd)
{
	struct model *m = mcons_new(3, MP);
	struct vio_cons c;
	uint8_t buf[16];

	cons_up(&c, m, 2, 0);
	(void)changed(&c, 0xff);
	ASSERT_EQ(mcons_ctrl_put(m, 1, VIO_CONS_DEVICE_REMOVE, 0, NULL, 0), 1);
	ASSERT_EQ(vio_cons_ctrl_process(&c), 1);
	ASSERT_EQ(changed(&c, VIO_CONS_CH_REMOVED), 2u);
	ASSERT_EQ(vio_cons_write(&c, 1, "x", 1), VIO_EINVAL);
	ASSERT_EQ(mcons_ctrl_put(m, 1, VIO_CONS_DEVICE_REMOVE, 0, NULL, 0), 1); /* again: absent */
	ASSERT_EQ(mcons_ctrl_put(m, 1, VIO_CONS_DEVICE_ADD, 0, NULL, 0), 1);
	ASSERT_EQ(vio_cons_ctrl_process(&c), 2);
	ASSERT_EQ(c.stats.ctrl_absent, 1);
	ASSERT_EQ(changed(&c, VIO_CONS_CH_ADDED), 2u);
	ASSERT_EQ(mcons_port_put(m, 1, "back", 4), 4);
	ASSERT_EQ(vio_cons_read(&c, 1, buf, sizeof(buf)), 4);
	ASSERT_MEM(buf, "back", 4);
	cons_down(&c, m);
}

/* A control queue that never takes our message: start fails after the
 * bounded wait, with a clear error; nothing leaks. Bad max_nr_ports: no
 * MULTIPORT, port 0 still works. */
TEST(cons_dead_control_and_bad_config)
{
	struct vio_cons_params p;
	struct model *m = mcons_new(2, MP);
	struct vio_cons c;

	cons_params(&p, 0);
	m->cons_ctrl_stuck = true;
	ASSERT_EQ(vio_cons_attach(&c, &m->os, &p), 0);
	ASSERT_EQ(vio_cons_start(&c), VIO_ETIMEDOUT);
	ASSERT(model_log_has(m, "not taken"));
	cons_down(&c, m);

	m = mcons_new(2, MP);
	m->devcfg[VIO_CONS_CFG_MAXPORTS] = 0; /* max_nr_ports 0 */
	cons_up(&c, m, 0, 0);
	ASSERT(!c.multiport);
	ASSERT(model_log_has(m, "ignoring MULTIPORT"));
	ASSERT_EQ(vio_cons_write(&c, 0, "ok", 2), 2);
	cons_down(&c, m);
}

/* Queue roles for the interrupt dispatch (§5.3.2). */
TEST(cons_queue_of)
{
	struct model *m = mcons_new(4, MP);
	struct vio_cons c;
	uint32_t id = 99;

	cons_up(&c, m, 1, 3);
	ASSERT_EQ(vio_cons_queue_of(&c, 0, &id), VIO_CONS_Q_RX);
	ASSERT_EQ(id, 0);
	ASSERT_EQ(vio_cons_queue_of(&c, 1, &id), VIO_CONS_Q_TX);
	ASSERT_EQ(vio_cons_queue_of(&c, 2, &id), VIO_CONS_Q_CTRL);
	ASSERT_EQ(vio_cons_queue_of(&c, 7, &id), VIO_CONS_Q_TX);
	ASSERT_EQ(id, 2);
	ASSERT_EQ(vio_cons_queue_of(&c, 8, &id), VIO_CONS_Q_OTHER); /* port 3: not served */
	for (uint32_t i = 0; i < 3; i++) {
		ASSERT_EQ(vio_cons_queue_of(&c, vio_cons_rxq_index(i), &id), VIO_CONS_Q_RX);
		ASSERT_EQ(id, i);
	}
	cons_down(&c, m);
}

/* QEMU announces every port at once on DEVICE_READY and drops a message
 * that finds no control buffer: nine ports (more than the 8 buffers we
 * once posted) all get PORT_READY; a dead control queue costs one wait. */
TEST(cons_many_ports_and_dead_ctrl)
{
	struct model *m = mcons_new(9, MP);
	struct vio_cons c;

	cons_up(&c, m, 9, 0);
	for (int i = 0; i < 9; i++)
		ASSERT_EQ(mcons_sent(m, i, VIO_CONS_PORT_READY, 1), 1);
	ASSERT_EQ(changed(&c, VIO_CONS_CH_ADDED), 0x1ffu);
	m->cons_ctrl_stuck = true;
	ASSERT_EQ(vio_cons_port_open(&c, 1, true), VIO_ETIMEDOUT);
	uint64_t t0 = m->now_ns;
	ASSERT_EQ(vio_cons_port_open(&c, 2, true), VIO_ETIMEDOUT); /* at once */
	ASSERT_EQ(m->now_ns, t0);
	cons_down(&c, m);
}

/* A device whose transmit ring is smaller than VIO_CONS_TX_BUFS: the port
 * gets as many slots as the ring has, and write_cap says so (a front-end
 * that assumed 16 would wait for a drain that never comes). */
TEST(cons_small_tx_ring)
{
	struct model *m = mcons_new(1, 0);
	struct vio_cons c;
	uint8_t buf[64];
	int k;

	m->q[1].max = 4; /* port 0's transmit queue */
	cons_up(&c, m, 0, 0);
	ASSERT_EQ(vio_cons_write_cap(&c, 0), 4 * VIO_CONS_BUF);
	ASSERT_EQ(vio_cons_write_room(&c, 0), vio_cons_write_cap(&c, 0));
	for (k = 0; k < 4; k++)
		ASSERT_EQ(vio_cons_write(&c, 0, "x", 1), 1);
	ASSERT_EQ(vio_cons_write_room(&c, 0), 0);
	ASSERT_EQ(vio_cons_write(&c, 0, "y", 1), 0);
	while (mcons_port_get(m, 0, buf, sizeof(buf)) > 0)
		;
	vio_cons_tx_reclaim(&c, 0);
	ASSERT_EQ(vio_cons_write_room(&c, 0), vio_cons_write_cap(&c, 0));
	ASSERT_EQ(vio_cons_write_cap(&c, 5), 0); /* no such port */
	cons_down(&c, m);
}

/* A front-end's failure path before attach: stop and destroy on a zeroed
 * engine touch nothing (no device, no os). */
TEST(cons_stop_before_attach)
{
	struct vio_cons c;

	memset(&c, 0, sizeof(c));
	vio_cons_stop(&c);
	vio_cons_destroy(&c);
	ASSERT_EQ(c.dev.allocs, 0);
}

/* An attach that fails inside the transport probe (the device is gone:
 * config reads 0xffff) leaves the os set but no interface chosen: a stop
 * after it (remove, the next suspend) must not reset through a BAR the
 * function does not have (a modern function has no legacy BAR 0). */
TEST(cons_stop_after_failed_probe)
{
	struct model *m = mcons_new(1, 0);
	struct vio_cons_params p;
	struct vio_cons c;
	uint32_t r0;

	cons_params(&p, 0);
	m->pcicfg[0] = 0xff, m->pcicfg[1] = 0xff;
	ASSERT_EQ(vio_cons_attach(&c, &m->os, &p), VIO_ENODEV);
	r0 = m->resets;
	vio_cons_stop(&c);
	vio_cons_destroy(&c);
	ASSERT_EQ(m->resets, r0);
	EXPECT_CLEAN(m);
	EXPECT_NO_ALLOCS(m);
	model_free(m);
}
