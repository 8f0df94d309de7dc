// SPDX-License-Identifier: BSD-2-Clause
/*
 * model_cons.c - the device side of virtio-console (virtio 1.2 §5.3) for the
 * unit tests, behaving as QEMU 7.2's virtio-serial does where it matters
 * (hw/char/virtio-serial-bus.c): every queue exists for max_ports ports,
 * control messages without a posted buffer are lost, PORT_NAME carries a
 * NUL, and the control transmitq is serviced at the notify (so the driver's
 * busy-wait sees its message taken), unless a test makes it stuck.
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

struct model *mcons_new(uint32_t max_ports, uint64_t features)
{
	struct model *m = model_new(M_MODERN);

	m->console = true;
	m->ctrl_auto = false;
	m->features =
	    VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(VIO_F_EVENT_IDX) | VIO_BIT(VIO_F_INDIRECT_DESC) | features;
	memset(m->devcfg, 0, sizeof(m->devcfg));
	put32(m->devcfg + VIO_CONS_CFG_MAXPORTS, max_ports);
	m->nq = (int)(2 * max_ports + 2);
	if (m->nq > M_MAXQ)
		abort();
	for (int i = 0; i < M_MAXQ; i++)
		m->q[i].max = i == 2 || i == 3 ? 32 : 128; /* QEMU's sizes */
	model_finalize(m);
	return m;
}

/* Write bytes into one popped chain's writable part; complete it. */
static uint32_t chain_fill(struct model *m, int q, struct mchain *c, const uint8_t *src, uint32_t len)
{
	uint32_t done = 0;

	for (int i = 0; i < c->nin && done < len; i++) {
		uint32_t n = len - done < c->in[i].len ? len - done : c->in[i].len;

		memcpy(c->in[i].p, src + done, n);
		done += n;
	}
	model_vq_push(m, q, c->head, done);
	return done;
}

int mcons_ctrl_put(struct model *m, uint32_t id, uint16_t event, uint16_t value, const void *extra,
		   uint32_t elen)
{
	uint8_t msg[8 + 4096];
	struct mchain c;

	if (elen > sizeof(msg) - 8 || model_vq_pop(m, 2, &c) != 1)
		return 0; /* no buffer: lost, as QEMU loses it */
	put32(msg, id);
	msg[4] = (uint8_t)event;
	msg[5] = (uint8_t)(event >> 8);
	msg[6] = (uint8_t)value;
	msg[7] = (uint8_t)(value >> 8);
	if (elen)
		memcpy(msg + 8, extra, elen);
	chain_fill(m, 2, &c, msg, 8 + elen);
	return 1;
}

uint32_t mcons_port_put(struct model *m, uint32_t id, const void *data, uint32_t len)
{
	int q = id == 0 ? 0 : (int)(2 * id + 2);
	const uint8_t *s = data;
	uint32_t done = 0;
	struct mchain c;

	while (done < len && model_vq_pop(m, q, &c) == 1) {
		uint32_t n = len - done < 4096 ? len - done : 4096; /* QEMU's chunk */

		done += chain_fill(m, q, &c, s + done, n);
	}
	return done;
}

uint32_t mcons_port_get(struct model *m, uint32_t id, void *buf, uint32_t cap)
{
	int q = id == 0 ? 1 : (int)(2 * id + 3);
	uint8_t *d = buf;
	uint32_t done = 0;
	struct mchain c;

	while (model_vq_pop(m, q, &c) == 1) {
		if (c.nin)
			model_violation(m, "console transmit chain with device-writable buffers");
		for (int i = 0; i < c.nout; i++) {
			uint32_t n = c.out[i].len;

			if (done + n > cap)
				n = cap - done;
			memcpy(d + done, c.out[i].p, n);
			done += n;
		}
		model_vq_push(m, q, c.head, 0);
	}
	return done;
}

int mcons_sent(const struct model *m, int64_t id, uint16_t event, int value)
{
	int n = 0;

	for (int i = 0; i < m->ncons_log; i++)
		n += (id < 0 || m->cons_log[i].id == (uint32_t)id) && m->cons_log[i].event == event &&
		     (value < 0 || m->cons_log[i].value == value);
	return n;
}

/* The driver's control message: logged; DEVICE_READY announces the ports
 * (cons_auto_ports), as QEMU's handle_control_message does. */
static void mcons_ctrl_take(struct model *m)
{
	struct mchain c;

	while (!m->cons_ctrl_stuck && model_vq_pop(m, 3, &c) == 1) {
		struct vio_cons_control h;

		if (c.nin || c.out_len < sizeof(h)) {
			model_violation(m, "console control message of %u bytes", c.out_len);
			model_vq_push(m, 3, c.head, 0);
			continue;
		}
		memcpy(&h, c.out[0].p, sizeof(h)); /* one descriptor */
		if (m->ncons_log < (int)(sizeof(m->cons_log) / sizeof(m->cons_log[0])))
			m->cons_log[m->ncons_log++] = h;
		model_vq_push(m, 3, c.head, 0);
		if (h.event == VIO_CONS_DEVICE_READY && m->cons_auto_ports)
			for (uint32_t i = 0; i < m->cons_ports; i++)
				mcons_ctrl_put(m, i, VIO_CONS_DEVICE_ADD, 0, NULL, 0);
	}
}

void mcons_notified(struct model *m, int q)
{
	if (q == 3)
		mcons_ctrl_take(m);
}

int mcons_ctrl_raw(struct model *m, const void *bytes, uint32_t len)
{
	struct mchain c;

	if (model_vq_pop(m, 2, &c) != 1)
		return 0;
	chain_fill(m, 2, &c, bytes, len);
	return 1;
}
