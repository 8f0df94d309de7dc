/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * model_ring.c - the DEVICE side of the split virtqueue (virtio 1.2 §2.7)
 * and of virtio-net (§5.1.6): read what the driver published, walk chains
 * (NEXT, INDIRECT), write used elements, honour and inspect EVENT_IDX and
 * the NO_NOTIFY / NO_INTERRUPT flags. Every driver-written value is checked
 * before use; a bad one is a recorded violation, never a wild access.
 */
#define _GNU_SOURCE
#include "model.h"

#include <stdlib.h>
#include <string.h>

bool model_dev_range_ok(struct model *m, uint64_t addr, uint64_t len, bool ring_only);

static struct vio_vring_desc *q_desc(struct mq *q)
{
	return (struct vio_vring_desc *)(uintptr_t)q->desc;
}
static struct vio_vring_avail *q_avail(struct mq *q)
{
	return (struct vio_vring_avail *)(uintptr_t)q->avail;
}
static struct vio_vring_used *q_used(struct mq *q)
{
	return (struct vio_vring_used *)(uintptr_t)q->used;
}

static struct mq *live_q(struct model *m, int qi)
{
	if (qi < 0 || qi >= m->nq || !m->q[qi].enabled)
		return NULL;
	return &m->q[qi];
}

uint16_t model_vq_avail_idx(struct model *m, int qi)
{
	struct mq *q = live_q(m, qi);
	if (q && model_q_packed(m))
		return (uint16_t)mpk_avail_count(m, qi); /* no avail idx in a packed ring */
	return q ? VIO_READ_ONCE(q_avail(q)->idx) : 0;
}

uint16_t model_vq_avail_flags(struct model *m, int qi)
{
	struct mq *q = live_q(m, qi);
	if (q && model_q_packed(m)) /* the driver event area's flags */
		return VIO_READ_ONCE(((struct vio_pvirtq_event *)(uintptr_t)q->avail)->flags);
	return q ? VIO_READ_ONCE(q_avail(q)->flags) : 0;
}

uint16_t model_vq_used_event(struct model *m, int qi)
{
	struct mq *q = live_q(m, qi);
	if (q && model_q_packed(m)) /* the driver event area's off_wrap */
		return VIO_READ_ONCE(((struct vio_pvirtq_event *)(uintptr_t)q->avail)->off_wrap);
	return q ? VIO_READ_ONCE(q_avail(q)->ring[q->size]) : 0;
}

void model_vq_set_avail_event(struct model *m, int qi, uint16_t v)
{
	struct mq *q = live_q(m, qi);
	if (!q)
		return;
	q->auto_avail_event = false;
	if (model_q_packed(m)) { /* the device event area: desc-specific at v */
		struct vio_pvirtq_event *e = (struct vio_pvirtq_event *)(uintptr_t)q->used;
		VIO_WRITE_ONCE(e->off_wrap, v);
		VIO_WRITE_ONCE(e->flags, (uint16_t)VIO_PEVENT_F_DESC);
		vio_mb();
		return;
	}
	uint16_t *ae = (uint16_t *)&q_used(q)->ring[q->size];
	VIO_WRITE_ONCE(*ae, v);
	vio_mb();
}

void model_vq_set_no_notify(struct model *m, int qi, bool on)
{
	struct mq *q = live_q(m, qi);
	if (!q)
		return;
	if (model_q_packed(m)) {
		struct vio_pvirtq_event *e = (struct vio_pvirtq_event *)(uintptr_t)q->used;
		VIO_WRITE_ONCE(e->flags, (uint16_t)(on ? VIO_PEVENT_F_DISABLE : VIO_PEVENT_F_ENABLE));
		vio_mb();
		return;
	}
	VIO_WRITE_ONCE(q_used(q)->flags, (uint16_t)(on ? VIO_USED_F_NO_NOTIFY : 0));
	vio_mb();
}

int model_vq_avail_count(struct model *m, int qi)
{
	struct mq *q = live_q(m, qi);
	if (!q)
		return 0;
	if (model_q_packed(m))
		return mpk_avail_count(m, qi);
	return (uint16_t)(VIO_READ_ONCE(q_avail(q)->idx) - q->last_avail);
}

static bool add_seg(struct model *m, struct mchain *c, const struct vio_vring_desc *d, bool *seen_write)
{
	if (d->len == 0)
		model_violation(m, "descriptor of length 0");
	if (!model_dev_range_ok(m, d->addr, d->len, false)) {
		model_violation(m, "descriptor addr %#llx len %u outside device-visible memory",
				(unsigned long long)d->addr, d->len);
		return false;
	}
	struct mseg s = {(uint8_t *)(uintptr_t)d->addr, d->len};
	if (d->flags & VIO_DESC_F_WRITE) {
		*seen_write = true;
		if (c->nin >= M_MAXSEG)
			return false;
		c->in[c->nin++] = s;
		c->in_len += d->len;
	} else {
		if (*seen_write)
			model_violation(m, "readable descriptor after a writable one (§2.7.4.2)");
		if (c->nout >= M_MAXSEG)
			return false;
		c->out[c->nout++] = s;
		c->out_len += d->len;
	}
	return true;
}

int model_vq_pop(struct model *m, int qi, struct mchain *c)
{
	struct mq *q = live_q(m, qi);
	if (!q)
		return 0;
	if (model_q_packed(m))
		return mpk_pop(m, qi, c);
	struct vio_vring_avail *av = q_avail(q);
	uint16_t aidx = VIO_READ_ONCE(av->idx);
	if (aidx == q->last_avail)
		return 0;
	vio_rmb();
	if ((uint16_t)(aidx - q->last_avail) > q->size) {
		model_violation(m, "q%d avail idx %u is %u ahead of the device (size %u)", qi, aidx,
				(uint16_t)(aidx - q->last_avail), q->size);
		q->last_avail = aidx;
		return -1;
	}
	uint16_t head = VIO_READ_ONCE(av->ring[q->last_avail % q->size]);
	q->last_avail++;
	if (q->auto_avail_event && model_has(m, VIO_F_EVENT_IDX)) {
		uint16_t *ae = (uint16_t *)&q_used(q)->ring[q->size];
		VIO_WRITE_ONCE(*ae, q->last_avail);
		vio_mb();
	}
	c->nout = c->nin = 0;
	c->out_len = c->in_len = 0;
	c->indirect = false;
	c->ndesc = 0;
	c->head = head;
	if (head >= q->size) {
		model_violation(m, "q%d avail ring names head %u >= size %u", qi, head, q->size);
		return -1;
	}
	if (q->owned[head]) {
		model_violation(m, "q%d head %u made available again while the device still owns it", qi,
				head);
		return -1;
	}
	struct vio_vring_desc *dt = q_desc(q);
	bool seen_write = false;
	uint16_t i = head;
	for (int steps = 0;; steps++) {
		if (steps >= q->size) {
			model_violation(m, "q%d chain from head %u loops", qi, head);
			return -1;
		}
		struct vio_vring_desc d = dt[i];
		c->ndesc++;
		if (d.flags & VIO_DESC_F_INDIRECT) {
			if (!model_has(m, VIO_F_INDIRECT_DESC))
				model_violation(m, "INDIRECT used but not negotiated");
			if (d.flags & VIO_DESC_F_NEXT)
				model_violation(m, "INDIRECT together with NEXT (§2.7.5.3.1)");
			if (d.len == 0 || d.len % 16) {
				model_violation(m, "indirect table length %u", d.len);
				return -1;
			}
			if (!model_dev_range_ok(m, d.addr, d.len, true)) {
				model_violation(m, "indirect table outside DMA memory");
				return -1;
			}
			c->indirect = true;
			struct vio_vring_desc *it = (struct vio_vring_desc *)(uintptr_t)d.addr;
			uint32_t n = d.len / 16, j = 0;
			for (uint32_t k = 0;; k++) {
				if (k >= n) {
					model_violation(m, "indirect chain loops or leaves its table");
					return -1;
				}
				struct vio_vring_desc e = it[j];
				if (e.flags & VIO_DESC_F_INDIRECT) {
					model_violation(m, "nested INDIRECT (§2.7.5.3.1)");
					return -1;
				}
				if (!add_seg(m, c, &e, &seen_write))
					return -1;
				if (!(e.flags & VIO_DESC_F_NEXT))
					break;
				if (e.next >= n) {
					model_violation(m, "indirect next %u >= %u", e.next, n);
					return -1;
				}
				j = e.next;
			}
			break;
		}
		if (!add_seg(m, c, &d, &seen_write))
			return -1;
		if (!(d.flags & VIO_DESC_F_NEXT))
			break;
		if (d.next >= q->size) {
			model_violation(m, "q%d next %u >= size", qi, d.next);
			return -1;
		}
		i = d.next;
	}
	q->owned[head] = 1;
	return 1;
}

static void used_publish(struct model *m, struct mq *q, int qi)
{
	uint16_t old = q->signalled, nw = q->used_idx;
	vio_wmb();
	VIO_WRITE_ONCE(q_used(q)->idx, nw);
	vio_mb();
	bool irq;
	if (model_has(m, VIO_F_EVENT_IDX))
		irq = vio_vring_need_event(VIO_READ_ONCE(q_avail(q)->ring[q->size]), nw, old);
	else
		irq = !(VIO_READ_ONCE(q_avail(q)->flags) & VIO_AVAIL_F_NO_INTERRUPT);
	q->signalled = nw;
	if (irq) {
		q->irqs++;
		m->isr |= VIO_ISR_QUEUE;
	}
	(void)qi;
}

void model_vq_push_raw(struct model *m, int qi, uint32_t id, uint32_t len)
{
	struct mq *q = live_q(m, qi);
	if (!q)
		return;
	if (model_q_packed(m)) {
		mpk_push_raw(m, qi, id, len, 0);
		return;
	}
	struct vio_vring_used_elem *e = &q_used(q)->ring[q->used_idx % q->size];
	VIO_WRITE_ONCE(e->id, id);
	VIO_WRITE_ONCE(e->len, len);
	q->used_idx++;
	used_publish(m, q, qi);
}

void model_vq_push(struct model *m, int qi, uint32_t id, uint32_t len)
{
	struct mq *q = live_q(m, qi);
	if (!q)
		abort(); /* test bug */
	if (id >= q->size || !q->owned[id])
		abort(); /* test bug: use model_vq_push_raw to misbehave */
	q->owned[id] = 0;
	model_vq_push_raw(m, qi, id, len);
}

void model_vq_set_used_idx(struct model *m, int qi, uint16_t idx)
{
	struct mq *q = live_q(m, qi);
	if (!q)
		return;
	if (model_q_packed(m)) { /* no used idx: the device's used slot moves (skips, rewinds) */
		q->used_idx = (uint16_t)(idx % q->size);
		return;
	}
	q->used_idx = idx;
	used_publish(m, q, qi);
}

/* The model's scratch: room for `chains` chains and `bytes` bytes. */
static void scratch_grow(struct model *m, int chains, uint32_t bytes)
{
	if (chains > m->scr_cap) {
		int cap = m->scr_cap ? m->scr_cap : 4;
		while (cap < chains)
			cap *= 2;
		m->scr_cs = realloc(m->scr_cs, sizeof(struct mchain) * (size_t)cap);
		m->scr_lens = realloc(m->scr_lens, sizeof(uint32_t) * (size_t)cap);
		if (!m->scr_cs || !m->scr_lens)
			abort();
		m->scr_cap = cap;
	}
	if (bytes > m->scr_bytes_cap) {
		m->scr_bytes = realloc(m->scr_bytes, bytes);
		if (!m->scr_bytes)
			abort();
		m->scr_bytes_cap = bytes;
	}
}

int model_vq_complete_all(struct model *m, int qi)
{
	int n = 0, r;
	scratch_grow(m, 1, 0);
	while ((r = model_vq_pop(m, qi, m->scr_cs)) != 0) {
		if (r > 0) {
			model_vq_push(m, qi, m->scr_cs->head, 0);
			n++;
		}
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* virtio-net                                                           */

uint32_t mnet_hdr_len(const struct model *m)
{
	/* §5.1.6: num_buffers is present with VERSION_1 or MRG_RXBUF, the
	 * hash fields with HASH_REPORT */
	if (model_has(m, VIO_NET_F_HASH_REPORT))
		return VIO_NET_HDR_LEN_HASH;
	return (model_has(m, VIO_F_VERSION_1) || model_has(m, VIO_NET_F_MRG_RXBUF)) ? VIO_NET_HDR_LEN
										    : VIO_NET_HDR_LEN_LEGACY;
}

static int npairs(const struct model *m)
{
	if (!model_has(m, VIO_NET_F_MQ))
		return 1;
	return m->devcfg[VIO_NET_CFG_MAX_VQ_PAIRS] | m->devcfg[VIO_NET_CFG_MAX_VQ_PAIRS + 1] << 8;
}

int mnet_rxq(const struct model *m, int pair)
{
	(void)m;
	return 2 * pair;
}
int mnet_txq(const struct model *m, int pair)
{
	(void)m;
	return 2 * pair + 1;
}
int mnet_ctrlq(const struct model *m)
{
	return 2 * npairs(m);
}

void mpkt_free(struct mpkt *p)
{
	free(p->frame);
	p->frame = NULL;
}

int mnet_tx_pop(struct model *m, int qi, struct mpkt *p)
{
	scratch_grow(m, 1, 0);
	struct mchain *c = m->scr_cs;
	memset(p, 0, sizeof(*p));
	int r = model_vq_pop(m, qi, c);
	if (r <= 0)
		return r;
	p->head = c->head;
	p->nseg = c->nout;
	p->indirect = c->indirect;
	p->hdr_len = mnet_hdr_len(m);
	if (c->nin)
		model_violation(m, "TX chain with %d device-writable buffers", c->nin);
	if (c->out_len < p->hdr_len) {
		model_violation(m, "TX chain of %u bytes, shorter than the header", c->out_len);
		return -1;
	}
	scratch_grow(m, 1, c->out_len);
	uint8_t *all = m->scr_bytes;
	uint32_t o = 0;
	for (int i = 0; i < c->nout; i++) {
		memcpy(all + o, c->out[i].p, c->out[i].len);
		o += c->out[i].len;
	}
	memcpy(&p->hhdr, all, p->hdr_len);
	p->frame_len = c->out_len - p->hdr_len;
	p->frame = malloc(p->frame_len ? p->frame_len : 1);
	memcpy(p->frame, all + p->hdr_len, p->frame_len);
	if (!model_has(m, VIO_F_ANY_LAYOUT) && !model_has(m, VIO_F_VERSION_1) && c->out[0].len != p->hdr_len)
		model_violation(m, "legacy TX without ANY_LAYOUT: header shares a descriptor (§2.6.4.1)");
	return 1;
}

/* write `len` bytes from src across the chain's writable segments, starting
 * at byte `at` of the chain */
static uint32_t chain_write(struct mchain *c, uint32_t at, const uint8_t *src, uint32_t len)
{
	uint32_t done = 0, pos = 0;
	for (int i = 0; i < c->nin && done < len; i++) {
		uint32_t sl = c->in[i].len;
		if (at < pos + sl) {
			uint32_t o = at > pos ? at - pos : 0;
			uint32_t n = sl - o;
			if (n > len - done)
				n = len - done;
			memcpy(c->in[i].p + o, src + done, n);
			done += n;
			at += n;
		}
		pos += sl;
	}
	return done;
}

int mnet_rx_put(struct model *m, int qi, const struct vio_net_hdr *h, const void *frame, uint32_t len,
		int nbuf_override)
{
	uint32_t hl = mnet_hdr_len(m);
	uint32_t total = hl + len;
	scratch_grow(m, 4, total);
	uint8_t *bytes = m->scr_bytes;
	memcpy(bytes, h, hl < VIO_NET_HDR_LEN ? hl : VIO_NET_HDR_LEN);
	if (hl == VIO_NET_HDR_LEN_HASH) {
		uint32_t v = vio_le32(m->rx_hash_value);
		uint16_t r = vio_le16(m->rx_hash_report), pad = 0;

		memcpy(bytes + offsetof(struct vio_net_hdr_hash, hash_value), &v, 4);
		memcpy(bytes + offsetof(struct vio_net_hdr_hash, hash_report), &r, 2);
		memcpy(bytes + offsetof(struct vio_net_hdr_hash, padding), &pad, 2);
	}
	memcpy(bytes + hl, frame, len);
	bool mrg = model_has(m, VIO_NET_F_MRG_RXBUF);
	struct mq *q = live_q(m, qi);
	if (!q)
		return 0;
	int avail = model_vq_avail_count(m, qi);
	int maxc = mrg ? avail : (avail ? 1 : 0);
	/* the model's scratch, grown as chains are used (a chain is ~5 KB) */
	struct mchain *cs = m->scr_cs;
	uint32_t *lens = m->scr_lens;
	int n = 0;
	uint32_t off = 0;
	uint16_t saved_last = q->last_avail, saved_pk = q->pk_next;
	bool saved_wrap = q->pk_avail_wrap;
	while (off < total) {
		if (n >= maxc) {
			/* not enough buffers: undo the pops, write nothing */
			for (int i = 0; i < n; i++)
				q->owned[cs[i].head] = 0;
			q->last_avail = saved_last;
			q->pk_next = saved_pk;
			q->pk_avail_wrap = saved_wrap;
			return mrg || avail == 0 ? 0 : -1;
		}
		if (n == m->scr_cap) {
			scratch_grow(m, n + 1, 0); /* bytes stay where they are */
			cs = m->scr_cs;
			lens = m->scr_lens;
		}
		int r = model_vq_pop(m, qi, &cs[n]);
		if (r <= 0) {
			maxc = n;
			continue;
		}
		if (cs[n].nout)
			model_violation(m, "RX chain with %d device-readable buffers", cs[n].nout);
		uint32_t room = cs[n].in_len;
		uint32_t take = total - off < room ? total - off : room;
		if (!mrg && take < total - off) {
			q->owned[cs[n].head] = 0;
			q->last_avail = saved_last;
			q->pk_next = saved_pk;
			q->pk_avail_wrap = saved_wrap;
			return -1;
		}
		lens[n] = take;
		off += take;
		n++;
	}
	uint16_t nb = (uint16_t)(nbuf_override >= 0 ? nbuf_override : n);
	if (hl >= VIO_NET_HDR_LEN)
		memcpy(bytes + offsetof(struct vio_net_hdr, num_buffers), &nb, 2);
	off = 0;
	for (int i = 0; i < n; i++) {
		chain_write(&cs[i], 0, bytes + off, lens[i]);
		off += lens[i];
	}
	if (model_q_packed(m)) { /* one used descriptor per buffer, in order (§2.8.8) */
		for (int i = 0; i < n; i++) {
			q->owned[cs[i].head] = 0;
			mpk_push_raw(m, qi, cs[i].head, lens[i], 0);
		}
		return n;
	}
	/* all used elements, then one used idx update (§2.7.8, §5.1.6.4) */
	for (int i = 0; i < n; i++) {
		struct vio_vring_used_elem *e = &q_used(q)->ring[q->used_idx % q->size];
		q->owned[cs[i].head] = 0;
		VIO_WRITE_ONCE(e->id, (uint32_t)cs[i].head);
		VIO_WRITE_ONCE(e->len, lens[i]);
		q->used_idx++;
	}
	used_publish(m, q, qi);
	return n;
}

int mnet_ctrl_service(struct model *m)
{
	int qi = mnet_ctrlq(m);
	int n = 0, r;
	scratch_grow(m, 1, 0);
	struct mchain *c = m->scr_cs;
	while ((r = model_vq_pop(m, qi, c)) != 0) {
		if (r < 0)
			continue;
		struct mctrl_cmd cmd = {0};
		uint8_t buf[2 + sizeof(cmd.data)];
		uint32_t o = 0;
		for (int i = 0; i < c->nout; i++)
			for (uint32_t k = 0; k < c->out[i].len && o < sizeof(buf); k++)
				buf[o++] = c->out[i].p[k];
		if (c->out_len < 2 || c->nin < 1 || c->in[c->nin - 1].len < 1) {
			model_violation(m, "malformed control command (out %u bytes, %d in)", c->out_len,
					c->nin);
			model_vq_push(m, qi, c->head, 0);
			continue;
		}
		cmd.cls = buf[0];
		cmd.cmd = buf[1];
		cmd.len = c->out_len - 2;
		memcpy(cmd.data, buf + 2, o - 2);
		if (m->nctrl < (int)(sizeof(m->ctrl_log) / sizeof(m->ctrl_log[0])))
			m->ctrl_log[m->nctrl++] = cmd;
		/* ack: the last writable byte (§5.1.6.5) */
		*c->in[c->nin - 1].p = m->ctrl_ack;
		model_vq_push(m, qi, c->head, 1);
		n++;
	}
	return n;
}
