// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_cons.c - the virtio-console engine (virtio 1.2 §5.3).
 *
 * Behaviour of QEMU 7.2's device this relies on (hw/char/virtio-serial-bus.c):
 * every queue of max_nr_ports ports exists with or without MULTIPORT; the
 * ports are announced (PORT_ADD) only after DEVICE_READY; a control
 * message that finds no posted buffer is lost; PORT_NAME carries a NUL
 * the spec does not ask for; host data reaches a port only after the guest
 * sent PORT_OPEN 1, a console port included; a hot-plugged console's
 * PORT_OPEN comes before its PORT_ADD; a transmit buffer may be held as
 * long as the host's socket is blocked.
 */
#include "vio_cons.h"
#include "vio_log.h"

static const char *const vio_cons_feature_names[64] = {
    [VIO_CONS_F_SIZE] = "CONSOLE_SIZE",
    [VIO_CONS_F_MULTIPORT] = "CONSOLE_MULTIPORT",
    [VIO_CONS_F_EMERG_WRITE] = "CONSOLE_EMERG_WRITE",
};

const struct vio_driver vio_cons_driver = {
    .name = "console",
    .device_type = VIO_ID_CONSOLE,
    .feature_names = vio_cons_feature_names,
};

/* ---- config (§5.3.4): LE on a modern device, guest order on legacy ---- */

static int vio_cons_cfg(struct vio_cons *c, uint32_t off, void *v, uint32_t len)
{
	return vio_dev_config_read(&c->dev, off, v, len);
}

static uint16_t vio_cons_le16(const struct vio_cons *c, uint16_t v)
{
	return vio_dev_le(&c->dev) ? vio_le16(v) : v;
}

static uint32_t vio_cons_le32(const struct vio_cons *c, uint32_t v)
{
	return vio_dev_le(&c->dev) ? vio_le32(v) : v;
}

/* The ports whose queues exist: §5.3.2 puts port n on 2n + 2 / 2n + 3, and
 * a modern device says how many queues it has (§4.1.4.3). */
static uint32_t vio_cons_ports_fit(struct vio_cons *c, uint32_t want)
{
	uint16_t nq = vio_pci_num_queues(&c->dev.pci);
	uint32_t n = want;

	if (nq == 0xffff) /* legacy: no count to check; sizes are checked at creation */
		return n;
	while (n > 1 && (uint32_t)vio_cons_txq_index(n - 1) >= nq)
		n--;
	return n;
}

/* MULTIPORT is usable with a sane port count and the control queues. */
static uint64_t vio_cons_validate(struct vio_cons *c, uint64_t f)
{
	uint32_t max = 0;
	uint16_t nq = vio_pci_num_queues(&c->dev.pci);

	if (!(f & VIO_BIT(VIO_CONS_F_MULTIPORT)))
		return f;
	if (vio_cons_cfg(c, VIO_CONS_CFG_MAXPORTS, &max, 4) || (max = vio_cons_le32(c, max)) == 0 ||
	    max > 0x8000 || (nq != 0xffff && nq < 4)) {
		vio_warn(c->os, "console: max_nr_ports %lu, %u queues: ignoring MULTIPORT",
			 (unsigned long)max, nq);
		f &= ~VIO_BIT(VIO_CONS_F_MULTIPORT);
	}
	return f;
}

static void vio_cons_read_size(struct vio_cons *c)
{
	uint16_t v[2] = {0, 0};

	if (!vio_dev_has(&c->dev, VIO_CONS_F_SIZE) || vio_cons_cfg(c, VIO_CONS_CFG_COLS, v, 4))
		return;
	c->cols = vio_cons_le16(c, v[0]);
	c->rows = vio_cons_le16(c, v[1]);
}

/* ---- buffers ---- */

static void vio_cons_sync(struct vio_cons *c, uint64_t daddr, size_t len, enum vio_dma_dir dir, bool dev)
{
	if (c->os->dma_sync)
		c->os->dma_sync(c->os->ctx, daddr, len, dir, dev);
}

static int vio_cons_post_rx(struct vio_cons_port *p, uint16_t i)
{
	struct vio_vq_seg seg = {p->rx_mem.daddr + (uint64_t)i * VIO_CONS_BUF, VIO_CONS_BUF};

	vio_cons_sync(p->cons, seg.daddr, seg.len, VIO_DMA_FROM_DEVICE, true);
	return vio_vq_add(&p->rxq, NULL, 0, &seg, 1, (void *)(uintptr_t)(i + 1));
}

static void vio_cons_dma_free(struct vio_cons *c, struct vio_dma *dma);

/* A port's memory, allocated the first time the device adds it and kept
 * until destroy (a removed port's buffers may still sit in its ring). */
static int vio_cons_port_mem(struct vio_cons *c, struct vio_cons_port *p)
{
	int err;

	if (p->rx_mem.vaddr)
		return VIO_OK;
	err = vio_dev_dma_alloc(&c->dev, (size_t)VIO_CONS_RX_BUFS * VIO_CONS_BUF, 4096, &p->rx_mem);
	if (!err)
		err = vio_dev_dma_alloc(&c->dev, (size_t)VIO_CONS_TX_BUFS * VIO_CONS_BUF, 4096, &p->tx_mem);
	if (err) {
		vio_cons_dma_free(c, &p->rx_mem);
		vio_err(c->os, "console: port %lu: buffers: %s", (unsigned long)p->id, vio_strerror(err));
	}
	return err;
}

/* Buffers a port uses on a queue: `want`, or fewer on a smaller ring. */
static uint16_t vio_cons_slots(const struct vio_vq *vq, uint16_t want)
{
	return want < vio_vq_size(vq) ? want : vio_vq_size(vq);
}

static uint16_t vio_cons_tx_slots(const struct vio_cons_port *p)
{
	return vio_cons_slots(&p->txq, VIO_CONS_TX_BUFS);
}

/* Memory, every receive buffer posted (once), every transmit slot free. */
static int vio_cons_port_ready(struct vio_cons *c, struct vio_cons_port *p)
{
	uint16_t i, n = vio_cons_slots(&p->rxq, VIO_CONS_RX_BUFS);
	int err;

	if (p->ready)
		return VIO_OK;
	err = vio_cons_port_mem(c, p);
	for (i = 0; i < n && !err; i++)
		err = vio_cons_post_rx(p, i);
	if (err)
		return err;
	/* published and notified by the caller: never before DRIVER_OK (§3.1.1) */
	p->tx_free = (uint16_t)((1u << vio_cons_tx_slots(p)) - 1);
	p->rx_cur = -1;
	p->ready = true;
	return VIO_OK;
}

static struct vio_cons_port *vio_cons_port(struct vio_cons *c, uint32_t id)
{
	return id < c->nports && c->ports[id].present && c->ports[id].ready ? &c->ports[id] : NULL;
}

/* ---- control queue (§5.3.6.2) ---- */

static int vio_cons_post_ctrl(struct vio_cons *c, uint16_t i)
{
	struct vio_vq_seg seg = {c->ctrl_rx_mem.daddr + (uint64_t)i * VIO_CONS_CTRL_BUF, VIO_CONS_CTRL_BUF};

	vio_cons_sync(c, seg.daddr, seg.len, VIO_DMA_FROM_DEVICE, true);
	return vio_vq_add(&c->c_ivq, NULL, 0, &seg, 1, (void *)(uintptr_t)(i + 1));
}

/* Wait, bounded, for the message in flight to come back. */
static int vio_cons_ctrl_wait(struct vio_cons *c)
{
	uint32_t waited;
	void *cookie;
	uint32_t len;
	int r;

	for (waited = 0;; waited += 10) {
		r = vio_vq_get(&c->c_ovq, &cookie, &len);
		if (r == 1) {
			c->ctrl_pending = false;
			return VIO_OK;
		}
		if (r < 0)
			return r;
		if (waited >= c->ctrl_timeout_us)
			return VIO_ETIMEDOUT;
		c->os->udelay(c->os->ctx, 10);
	}
}

/* One message to the device, busy-waited as Linux's __send_control_msg:
 * the control transmitq is short and the device answers at once. */
static int vio_cons_ctrl_send(struct vio_cons *c, uint32_t id, uint16_t event, uint16_t value)
{
	struct vio_cons_control *m = c->ctrl_tx_mem.vaddr;
	struct vio_vq_seg seg = {c->ctrl_tx_mem.daddr, sizeof(*m)};
	int err;

	if (!c->multiport)
		return VIO_ENOTSUP;
	if (c->ctrl_dead)
		return VIO_ETIMEDOUT; /* waited once already: a dead queue costs one timeout */
	if (c->ctrl_pending && vio_cons_ctrl_wait(c)) {
		c->ctrl_dead = true;
		return VIO_ETIMEDOUT;
	}
	m->id = vio_cons_le32(c, id);
	m->event = vio_cons_le16(c, event);
	m->value = vio_cons_le16(c, value);
	vio_cons_sync(c, seg.daddr, seg.len, VIO_DMA_TO_DEVICE, true);
	err = vio_vq_add(&c->c_ovq, &seg, 1, NULL, 0, m);
	if (err)
		return err;
	c->ctrl_pending = true;
	vio_vq_kick(&c->c_ovq);
	err = vio_cons_ctrl_wait(c);
	if (err == VIO_ETIMEDOUT) {
		c->ctrl_dead = true;
		vio_warn(c->os,
			 "console: control message %u for port %lu not taken in %lu us: control queue dead",
			 event, (unsigned long)id, (unsigned long)c->ctrl_timeout_us);
	}
	return err;
}

static void vio_cons_change(struct vio_cons *c, struct vio_cons_port *p, uint8_t what)
{
	p->changes |= what;
	c->changed |= 1u << p->id;
}

/* PORT_NAME: printable bytes, one trailing NUL tolerated (QEMU sends one). */
static bool vio_cons_name_ok(const uint8_t *s, uint32_t len)
{
	uint32_t i;

	if (len && s[len - 1] == 0)
		len--;
	if (len == 0 || len > VIO_CONS_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static void vio_cons_port_add(struct vio_cons *c, uint32_t id)
{
	struct vio_cons_port *p = &c->ports[id];
	int err;

	if (id >= c->nports) { /* the device has more ports than we serve */
		c->stats.ports_refused++;
		vio_warn(c->os, "console: port %lu beyond the %u we serve: refused", (unsigned long)id,
			 c->nports);
		vio_cons_ctrl_send(c, id, VIO_CONS_PORT_READY, 0);
		return;
	}
	if (p->present) /* §5.3.6.2 forbids it; QEMU answers a repeat again */
		c->stats.ctrl_dup_add++;
	err = vio_cons_port_ready(c, p);
	if (err) {
		c->stats.ports_refused++;
		vio_cons_ctrl_send(c, id, VIO_CONS_PORT_READY, 0);
		return;
	}
	vio_vq_kick(&p->rxq);
	if (!p->present) {
		p->present = true;
		vio_cons_change(c, p, VIO_CONS_CH_ADDED);
	}
	vio_cons_ctrl_send(c, id, VIO_CONS_PORT_READY, 1);
}

static void vio_cons_port_remove(struct vio_cons *c, struct vio_cons_port *p)
{
	p->present = false;
	p->console = false;
	p->host_open = false;
	p->guest_open = false;
	p->name[0] = 0;
	vio_cons_change(c, p, VIO_CONS_CH_REMOVED);
}

static void vio_cons_port_event(struct vio_cons *c, struct vio_cons_port *p, uint16_t ev, uint16_t val,
				const uint8_t *data, uint32_t dlen)
{
	switch (ev) {
	case VIO_CONS_DEVICE_REMOVE:
		vio_cons_port_remove(c, p);
		break;
	case VIO_CONS_CONSOLE_PORT:
		/* §5.3.6.2: the driver MUST answer PORT_OPEN 1 */
		p->console = true;
		p->guest_open = true;
		vio_cons_change(c, p, VIO_CONS_CH_CONSOLE);
		vio_cons_ctrl_send(c, p->id, VIO_CONS_PORT_OPEN, 1);
		break;
	case VIO_CONS_RESIZE:
		if (dlen < 4) {
			c->stats.ctrl_bad_size++;
			break;
		}
		/* struct virtio_console_resize: le16 cols, rows (legacy: guest
		 * order), unaligned after the header: copied, then converted once */
		vio_memcpy(&p->cols, data, 2);
		vio_memcpy(&p->rows, data + 2, 2);
		p->cols = vio_cons_le16(c, p->cols);
		p->rows = vio_cons_le16(c, p->rows);
		vio_cons_change(c, p, VIO_CONS_CH_RESIZE);
		break;
	case VIO_CONS_PORT_OPEN:
		if (p->host_open != (val != 0)) {
			p->host_open = val != 0;
			vio_cons_change(c, p, VIO_CONS_CH_OPEN);
		}
		break;
	case VIO_CONS_PORT_NAME:
		if (!vio_cons_name_ok(data, dlen)) {
			c->stats.ctrl_bad_name++;
			vio_warn(c->os, "console: port %lu: unusable name (%lu bytes)", (unsigned long)p->id,
				 (unsigned long)dlen);
			break;
		}
		if (data[dlen - 1] == 0)
			dlen--;
		vio_memcpy(p->name, data, dlen);
		p->name[dlen] = 0;
		vio_cons_change(c, p, VIO_CONS_CH_NAME);
		break;
	default: /* DEVICE_READY and PORT_READY are the driver's to send */
		c->stats.ctrl_unknown++;
		break;
	}
}

/* One control message, read once from its buffer (the device may rewrite). */
static void vio_cons_ctrl_msg(struct vio_cons *c, const uint8_t *buf, uint32_t len, uint32_t have)
{
	struct vio_cons_control h;
	uint32_t id;
	uint16_t ev;

	c->stats.ctrl_rx++;
	if (len < sizeof(h)) {
		c->stats.ctrl_short++;
		return;
	}
	vio_memcpy(&h, buf, sizeof(h));
	id = vio_cons_le32(c, h.id);
	ev = vio_cons_le16(c, h.event);
	if (id >= c->max_nr_ports) {
		c->stats.ctrl_bad_port++;
		vio_warn(c->os, "console: event %u for port %lu beyond max_nr_ports %lu", ev,
			 (unsigned long)id, (unsigned long)c->max_nr_ports);
		return;
	}
	if (ev == VIO_CONS_DEVICE_ADD) {
		vio_cons_port_add(c, id);
		return;
	}
	if (id >= c->nports || !c->ports[id].present) {
		/* QEMU sends a hot-plugged console's PORT_OPEN before its
		 * PORT_ADD, and again after PORT_READY */
		c->stats.ctrl_absent++;
		return;
	}
	/* a message longer than we kept can only be a name we refuse */
	if (len > have) {
		c->stats.ctrl_bad_name += ev == VIO_CONS_PORT_NAME;
		c->stats.ctrl_unknown += ev != VIO_CONS_PORT_NAME;
		return;
	}
	vio_cons_port_event(c, &c->ports[id], ev, vio_cons_le16(c, h.value), buf + sizeof(h),
			    len - (uint32_t)sizeof(h));
}

int vio_cons_ctrl_process(struct vio_cons *c)
{
	uint8_t *msg;
	void *cookie;
	uint32_t len;
	int r, n = 0;
	uint16_t i;

	if (!c->multiport)
		return 0;
again:
	while ((r = vio_vq_get(&c->c_ivq, &cookie, &len)) == 1) {
		uint32_t keep = len < sizeof(c->ctrl_msg) ? len : (uint32_t)sizeof(c->ctrl_msg);

		i = (uint16_t)((uintptr_t)cookie - 1);
		msg = (uint8_t *)c->ctrl_rx_mem.vaddr + (size_t)i * VIO_CONS_CTRL_BUF;
		vio_cons_sync(c, c->ctrl_rx_mem.daddr + (uint64_t)i * VIO_CONS_CTRL_BUF, VIO_CONS_CTRL_BUF,
			      VIO_DMA_FROM_DEVICE, false);
		vio_memcpy(c->ctrl_msg, msg, keep); /* read once; len stays the device's */
		if (vio_cons_post_ctrl(c, i) == VIO_OK)
			vio_vq_kick(&c->c_ivq);
		vio_cons_ctrl_msg(c, c->ctrl_msg, len, keep);
		n++;
	}
	/* the next message must interrupt (EVENT_IDX: used_event moves on);
	 * one that came meanwhile is taken now */
	if (r == 0 && !vio_vq_enable_cb(&c->c_ivq))
		goto again;
	return r < 0 ? r : n;
}

int vio_cons_next_change(struct vio_cons *c, uint8_t *changes)
{
	uint32_t id;

	for (id = 0; id < c->nports; id++) {
		if (!(c->changed & (1u << id)))
			continue;
		c->changed &= ~(1u << id);
		*changes = c->ports[id].changes;
		c->ports[id].changes = 0;
		return (int)id;
	}
	return -1;
}

int vio_cons_port_open(struct vio_cons *c, uint32_t id, bool open)
{
	struct vio_cons_port *p = vio_cons_port(c, id);
	int err;

	if (!p)
		return VIO_EINVAL;
	if (!c->multiport) { /* nothing to tell a single-port device */
		p->guest_open = open;
		return VIO_OK;
	}
	err = vio_cons_ctrl_send(c, id, VIO_CONS_PORT_OPEN, open);
	if (!err)
		p->guest_open = open;
	return err;
}

bool vio_cons_config_changed(struct vio_cons *c)
{
	uint16_t cols = c->cols, rows = c->rows;

	vio_cons_read_size(c);
	if (cols == c->cols && rows == c->rows)
		return false;
	c->ports[0].cols = c->cols;
	c->ports[0].rows = c->rows;
	vio_cons_change(c, &c->ports[0], VIO_CONS_CH_RESIZE);
	return true;
}

/* ---- data ---- */

int vio_cons_tx_reclaim(struct vio_cons *c, uint32_t id)
{
	struct vio_cons_port *p = vio_cons_port(c, id);
	void *cookie;
	uint32_t len;
	int r, n = 0;

	if (!p)
		return VIO_EINVAL;
	/* the used length of a transmit buffer means nothing (§5.3.6.1) */
	do {
		while ((r = vio_vq_get(&p->txq, &cookie, &len)) == 1) {
			p->tx_free |= (uint16_t)(1u << ((uintptr_t)cookie - 1));
			n++;
		}
	} while (r == 0 && !vio_vq_enable_cb(&p->txq)); /* completions interrupt again */
	return r < 0 ? r : n;
}

static uint16_t vio_cons_popcount(uint16_t v)
{
	uint16_t n = 0;

	for (; v; v &= (uint16_t)(v - 1))
		n++;
	return n;
}

uint32_t vio_cons_write_room(const struct vio_cons *c, uint32_t id)
{
	const struct vio_cons_port *p = id < c->nports ? &c->ports[id] : NULL;

	return p && p->present && p->ready ? (uint32_t)vio_cons_popcount(p->tx_free) * VIO_CONS_BUF : 0;
}

uint32_t vio_cons_write_cap(const struct vio_cons *c, uint32_t id)
{
	const struct vio_cons_port *p = id < c->nports ? &c->ports[id] : NULL;

	return p && p->present && p->ready ? (uint32_t)vio_cons_tx_slots(p) * VIO_CONS_BUF : 0;
}

int vio_cons_write(struct vio_cons *c, uint32_t id, const void *data, uint32_t len)
{
	struct vio_cons_port *p = vio_cons_port(c, id);
	const uint8_t *src = data;
	uint32_t done = 0;
	int err = VIO_OK;

	if (!p || (!data && len))
		return VIO_EINVAL;
	vio_cons_tx_reclaim(c, id);
	while (done < len && p->tx_free) {
		uint16_t slot = 0;
		uint32_t n = len - done < VIO_CONS_BUF ? len - done : VIO_CONS_BUF;
		struct vio_vq_seg seg;

		while (!(p->tx_free & (1u << slot)))
			slot++;
		seg.daddr = p->tx_mem.daddr + (uint64_t)slot * VIO_CONS_BUF;
		seg.len = n;
		vio_memcpy((uint8_t *)p->tx_mem.vaddr + (size_t)slot * VIO_CONS_BUF, src + done, n);
		vio_cons_sync(c, seg.daddr, n, VIO_DMA_TO_DEVICE, true);
		err = vio_vq_add(&p->txq, &seg, 1, NULL, 0, (void *)(uintptr_t)(slot + 1));
		if (err)
			break;
		p->tx_free &= (uint16_t) ~(1u << slot);
		done += n;
		p->stats.tx_bufs++;
	}
	if (done)
		vio_vq_kick(&p->txq);
	else if (len && !p->tx_free)
		p->stats.tx_full++;
	p->stats.tx_bytes += done;
	if (!done && err == VIO_EBROKEN)
		return err;
	return (int)done;
}

/* Take the next completed receive buffer into rx_cur. 1, 0 or VIO_EBROKEN. */
static int vio_cons_rx_next(struct vio_cons_port *p)
{
	void *cookie;
	uint32_t len;
	int r;

	if (p->rx_cur >= 0)
		return 1;
	r = vio_vq_get(&p->rxq, &cookie, &len); /* len checked against what was posted */
	if (r != 1)
		return r;
	p->rx_cur = (int)((uintptr_t)cookie - 1);
	p->rx_off = 0;
	p->rx_len = len;
	p->stats.rx_bufs++;
	vio_cons_sync(p->cons, p->rx_mem.daddr + (uint64_t)p->rx_cur * VIO_CONS_BUF, VIO_CONS_BUF,
		      VIO_DMA_FROM_DEVICE, false);
	return 1;
}

bool vio_cons_rx_pending(struct vio_cons *c, uint32_t id)
{
	struct vio_cons_port *p = vio_cons_port(c, id);

	if (!p)
		return false;
	if (p->rx_cur >= 0 || vio_vq_pending(&p->rxq))
		return true;
	/* nothing: the next buffer filled must interrupt; one filled
	 * meanwhile is reported now */
	return !vio_vq_enable_cb(&p->rxq);
}

int vio_cons_read(struct vio_cons *c, uint32_t id, void *buf, uint32_t cap)
{
	struct vio_cons_port *p = vio_cons_port(c, id);
	uint8_t *dst = buf;
	uint32_t done = 0;
	bool repost = false;
	int r = 0;

	if (!p || (!buf && cap))
		return VIO_EINVAL;
	while (done < cap && (r = vio_cons_rx_next(p)) == 1) {
		uint32_t n = p->rx_len - p->rx_off;

		if (n > cap - done)
			n = cap - done;
		vio_memcpy(dst + done,
			   (uint8_t *)p->rx_mem.vaddr + (size_t)p->rx_cur * VIO_CONS_BUF + p->rx_off, n);
		done += n;
		p->rx_off += n;
		if (p->rx_off >= p->rx_len) { /* read out (an empty one too): post it again */
			if (vio_cons_post_rx(p, (uint16_t)p->rx_cur) == VIO_OK)
				repost = true;
			p->rx_cur = -1;
		}
	}
	/* always notify: QEMU resumes reading a host socket it throttled only
	 * when the guest kicks the receiveq (virtio-serial-bus.c handle_input
	 * -> guest_writable), and its avail_event moves only when it pops, so
	 * EVENT_IDX alone can leave it waiting for a kick that never comes */
	if (repost) {
		vio_vq_kick_prepare(&p->rxq); /* publishes */
		vio_vq_notify(&p->rxq);
	}
	p->stats.rx_bytes += done;
	if (!done && r < 0)
		return r;
	return (int)done;
}

int vio_cons_emerg_write(struct vio_cons *c, const void *data, uint32_t len)
{
	const uint8_t *s = data;
	uint32_t i, v;
	int err;

	if (!vio_dev_has(&c->dev, VIO_CONS_F_EMERG_WRITE))
		return VIO_ENOTSUP;
	for (i = 0; i < len; i++) {
		v = vio_cons_le32(c, s[i]);
		err = vio_dev_config_write(&c->dev, VIO_CONS_CFG_EMERG_WR, &v, 4);
		if (err)
			return err;
	}
	c->stats.emerg_bytes += len;
	return VIO_OK;
}

int vio_cons_queue_of(const struct vio_cons *c, uint16_t idx, uint32_t *id)
{
	if (idx == 2 || idx == 3)
		return c->multiport ? VIO_CONS_Q_CTRL : VIO_CONS_Q_OTHER;
	*id = idx < 2 ? 0 : (uint32_t)(idx - 2) / 2;
	if (*id >= c->nports)
		return VIO_CONS_Q_OTHER;
	return idx % 2 ? VIO_CONS_Q_TX : VIO_CONS_Q_RX;
}

/* ---- attach / start / stop ---- */

static int vio_cons_queues(struct vio_cons *c)
{
	uint32_t i;
	int err = VIO_OK;

	for (i = 0; i < c->nports && !err; i++) {
		struct vio_cons_port *p = &c->ports[i];

		p->cons = c;
		p->id = i;
		p->rx_cur = -1;
		err = vio_dev_vq_create(&c->dev, &p->rxq, vio_cons_rxq_index(i), VIO_CONS_RING, 0);
		if (!err)
			err = vio_dev_vq_create(&c->dev, &p->txq, vio_cons_txq_index(i), VIO_CONS_RING, 0);
	}
	if (!err && c->multiport) {
		err = vio_dev_vq_create(&c->dev, &c->c_ivq, 2, VIO_CONS_RING, 0);
		if (!err)
			err = vio_dev_vq_create_polled(&c->dev, &c->c_ovq, 3, VIO_CONS_RING);
		if (!err)
			err = vio_dev_dma_alloc(&c->dev, (size_t)VIO_CONS_CTRL_BUFS * VIO_CONS_CTRL_BUF, 4096,
						&c->ctrl_rx_mem);
		if (!err)
			err = vio_dev_dma_alloc(&c->dev, 64, 16, &c->ctrl_tx_mem);
	}
	return err;
}

int vio_cons_attach(struct vio_cons *c, const struct vio_os *os, const struct vio_cons_params *p)
{
	struct vio_dev_params dp = p->dev;
	uint64_t wanted;
	uint32_t want = p->max_ports ? p->max_ports : VIO_CONS_MAX_PORTS;
	int err;

	vio_memset(c, 0, sizeof(*c));
	c->os = os;
	c->ctrl_timeout_us = p->ctrl_timeout_us ? p->ctrl_timeout_us : VIO_CONS_CTRL_TIMEOUT_US;
	dp.driver = &vio_cons_driver;
	err = vio_dev_init(&c->dev, os, &dp);
	if (err) {
		vio_err(os, "console: device init failed: %s", vio_strerror(err));
		return err;
	}
	wanted =
	    vio_cons_validate(c, p->features & VIO_CONS_ENGINE_FEATURES & vio_pci_get_features(&c->dev.pci));
	err = vio_dev_negotiate(&c->dev, wanted, 0);
	if (!err)
		err = vio_dev_set_irq_mode(&c->dev, p->irq_mode);
	if (err)
		goto fail;
	c->multiport = vio_dev_has(&c->dev, VIO_CONS_F_MULTIPORT);
	c->max_nr_ports = 1;
	if (c->multiport && !vio_cons_cfg(c, VIO_CONS_CFG_MAXPORTS, &c->max_nr_ports, 4))
		c->max_nr_ports = vio_cons_le32(c, c->max_nr_ports);
	if (c->max_nr_ports == 0 || c->max_nr_ports > 0x8000)
		c->max_nr_ports = 1; /* changed since validation: port 0 still works */
	if (want > VIO_CONS_MAX_PORTS)
		want = VIO_CONS_MAX_PORTS;
	c->nports = (uint16_t)vio_cons_ports_fit(c, c->max_nr_ports < want ? c->max_nr_ports : want);
	vio_cons_read_size(c);
	err = vio_cons_queues(c);
	if (err)
		goto fail;
	vio_info(os, "console: %u of %lu port(s)%s%s", c->nports, (unsigned long)c->max_nr_ports,
		 c->multiport ? ", multiport" : "",
		 vio_dev_has(&c->dev, VIO_CONS_F_EMERG_WRITE) ? ", emergency write" : "");
	return VIO_OK;
fail:
	vio_err(os, "console: attach failed: %s", vio_strerror(err));
	vio_dev_fail(&c->dev);
	vio_cons_destroy(c);
	return err;
}

int vio_cons_start(struct vio_cons *c)
{
	uint16_t i;
	int err = VIO_OK;

	if (c->multiport) {
		for (i = 0; i < VIO_CONS_CTRL_BUFS && i < vio_vq_size(&c->c_ivq) && !err; i++)
			err = vio_cons_post_ctrl(c, i);
		if (err)
			return err;
	} else {
		/* one port, the console (§5.3.6): no control queue to add it */
		err = vio_cons_port_ready(c, &c->ports[0]);
		if (err)
			return err;
		c->ports[0].present = c->ports[0].console = c->ports[0].guest_open = true;
		c->ports[0].host_open = true;
		c->ports[0].cols = c->cols;
		c->ports[0].rows = c->rows;
		vio_cons_change(c, &c->ports[0], VIO_CONS_CH_ADDED | VIO_CONS_CH_CONSOLE);
	}
	vio_dev_driver_ok(&c->dev);
	if (!c->multiport) {
		vio_vq_kick(&c->ports[0].rxq);
		return VIO_OK;
	}
	vio_vq_kick(&c->c_ivq);
	/* §5.3.6.2: DEVICE_READY 1 (id unused); the device then adds its ports */
	err = vio_cons_ctrl_send(c, 0xffffffffu, VIO_CONS_DEVICE_READY, 1);
	if (err)
		return err;
	c->device_ready_sent = true;
	err = vio_cons_ctrl_process(c);
	return err < 0 ? err : VIO_OK;
}

void vio_cons_stop(struct vio_cons *c)
{
	uint16_t i;

	/* never attached, or the probe found no interface to use (device
	 * gone, no usable capabilities): nothing to reset, and no BAR to
	 * reset it through (a front-end's failure path) */
	if (!c->dev.pci.os || (!c->dev.pci.modern && !c->dev.pci.has_legacy))
		return;
	if (vio_dev_reset(&c->dev))
		vio_dev_stop_dma(&c->dev);
	for (i = 0; i < c->nports; i++)
		c->ports[i].ready = false;
	c->ctrl_pending = false;
	c->ctrl_dead = false;
}

static void vio_cons_vq_free(struct vio_vq *vq)
{
	if (vq->dev)
		vio_vq_destroy(vq);
}

/* Free (if allocated) and forget: destroy and a failed port set-up share it. */
static void vio_cons_dma_free(struct vio_cons *c, struct vio_dma *dma)
{
	if (dma->vaddr)
		vio_dev_dma_free(&c->dev, dma);
	vio_memset(dma, 0, sizeof(*dma));
}

void vio_cons_destroy(struct vio_cons *c)
{
	uint16_t i;

	for (i = 0; i < VIO_CONS_MAX_PORTS; i++) {
		vio_cons_vq_free(&c->ports[i].rxq);
		vio_cons_vq_free(&c->ports[i].txq);
		vio_cons_dma_free(c, &c->ports[i].rx_mem);
		vio_cons_dma_free(c, &c->ports[i].tx_mem);
	}
	vio_cons_vq_free(&c->c_ivq);
	vio_cons_vq_free(&c->c_ovq);
	vio_cons_dma_free(c, &c->ctrl_rx_mem);
	vio_cons_dma_free(c, &c->ctrl_tx_mem);
}
