/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_ctrl.c - the control queue against a device that acknowledges as it
 * likes: OK, ERR or any other byte, at once, after a number of the driver's
 * polls, never, or with a used entry the driver never posted. The input is
 * a sequence of (device behaviour, command) pairs; commands are every one
 * the engine sends (promisc, allmulti, MAC table, MAC, guest offloads, MQ,
 * announce) plus the receive-filter replay of vio_net_start.
 * Invariants: return codes from the documented set; after a timeout no
 * command waits again until recovery (model time moves by at most one
 * timeout in total); recovery through the reset path brings commands back;
 * every allocation returned at destroy.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

struct fc {
	struct model *m;
	int delay;   /* polls before the device answers; < 0 never */
	uint8_t ack; /* the byte it writes */
	bool bogus;  /* answer with a used entry nobody posted */
};

/* The device answers during the driver's busy-wait (model udelay hook). */
static void fc_on_udelay(struct model *m, int q, void *arg)
{
	struct fc *c = arg;

	(void)q;
	if (c->delay < 0)
		return;
	if (c->delay > 0) {
		c->delay--;
		return;
	}
	/* the delay stays 0: the next commands of a multi-command call (the
	 * filter replay) are answered too; it went to -1 ("never") here
	 * once, and 18 recoveries an input kept the target at ~1200 exec/s */
	if (c->bogus)
		model_vq_push_raw(m, mnet_ctrlq(m), 0x1234, 1);
	else
		mnet_ctrl_service(m);
}

static int fc_cmd(struct vio_net *n, uint8_t op, const uint8_t *d, size_t left)
{
	uint8_t mac[6] = {0x02, 1, 2, 3, 4, 5};
	static uint8_t table[VIO_NET_CTRL_DATA_MAX];
	uint32_t cnt;

	switch (op % 8) {
	case 0:
		return vio_net_set_promisc(n, op & 8);
	case 1:
		return vio_net_set_allmulti(n, op & 8);
	case 2:
		cnt = left ? d[0] : 0;
		memset(table, 0x33, sizeof(table));
		return vio_net_set_mac_table(n, table, cnt % 4, table, (uint32_t)cnt * 3u % 800u);
	case 3:
		if (left >= 6)
			memcpy(mac, d, 6);
		mac[0] &= 0xfe;
		return vio_net_set_mac(n, mac);
	case 4:
		return vio_net_set_guest_offloads(n, (uint64_t)(left ? d[0] : 0) << VIO_NET_F_GUEST_CSUM);
	case 5:
		return vio_net_ctrl_cmd(n, VIO_NET_CTRL_ANNOUNCE, VIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0);
	case 6:
		vio_net_rx_filter_apply(n);
		return VIO_OK;
	default:
		return vio_net_ctrl_cmd(n, (uint8_t)(left ? d[0] : 0), op, d,
					(uint32_t)(left < 8 ? left : 8));
	}
}

static bool fc_rc_ok(int rc)
{
	return rc == VIO_OK || rc == VIO_EIO || rc == VIO_ETIMEDOUT || rc == VIO_EBROKEN ||
	       rc == VIO_ENOTSUP || rc == VIO_EINVAL;
}

/* The reset path between inputs (and when the core asks for it): every
 * buffer back, nothing allocated; the device answers again afterwards. */
static int fc_recover(struct fc *c, struct fe *f)
{
	uint32_t allocs = f->n.dev.allocs;
	void *ck;
	int err;

	c->delay = 0;
	c->bogus = false;
	c->m->ctrl_ack = VIO_NET_OK;
	vio_net_stop(&f->n);
	while ((ck = vio_net_rx_drain(&f->n.rxq[0])) != NULL)
		fe_rx_returned(f, ck);
	while (vio_net_tx_drain(&f->n.txq[0]))
		;
	for (int k = 0; k < f->nrxb; k++)
		if (f->rxb[k]->posted)
			abort(); /* an RX buffer never came back */
	err = vio_net_reinit(&f->n);
	if (!err)
		fe_rx_repost_all(f, 0);
	if (!err)
		err = vio_net_start(&f->n);
	if (f->n.dev.allocs != allocs)
		abort(); /* recovery must not allocate or leak */
	return err;
}

static unsigned fc_inputs;

/* One persistent device per transport. */
static struct {
	struct fc c;
	struct fe f;
	bool up;
} fc_devs[4]; /* modern / legacy x split / packed (legacy stays split) */

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t size)
{
	struct vio_net_params p;
	size_t i;
	int cmds = 0;

	if (!size)
		return 0;
	struct fc *cp = &fc_devs[d[0] & 3].c;
	struct fe *fp = &fc_devs[d[0] & 3].f;
	if (!fc_devs[d[0] & 3].up) {
		memset(cp, 0, sizeof(*cp));
		cp->m = model_new(d[0] & 1 ? M_LEGACY : M_MODERN);
		cp->m->features |= VIO_BIT(VIO_NET_F_GUEST_ANNOUNCE);
		if (d[0] & 2)
			cp->m->features |= VIO_BIT(VIO_F_RING_PACKED);
		for (int q = 0; q < M_MAXQ; q++)
			cp->m->q[q].max = 32;
		cp->m->ctrl_auto = false;
		cp->m->quiet_violations = true;
		cp->m->on_udelay = fc_on_udelay;
		cp->m->hook_arg = cp;
		fe_params_default(&p);
		p.ctrl_timeout_us = 500; /* 50 polls: a silent device costs the fuzzer little */
		cp->m->ctrl_ack = VIO_NET_OK;
		if (fe_attach(fp, cp->m, &p) != 0 || fe_start(fp) != 0)
			abort(); /* a well-behaved device at attach */
		fc_devs[d[0] & 3].up = true;
	}
#define c (*cp)
#define f (*fp)
	for (i = 1; i + 3 <= size && cmds < 64; i += 3, cmds++) {
		uint8_t beh = d[i], op = d[i + 1];
		uint64_t t0 = c.m->now_ns;
		bool was_pending = f.n.ctrl_pending; /* a timed-out command is out */
		int rc;

		/* answer after 0..15 polls; 1 command in 64 after 36..60 polls
		 * (around the 50-poll timeout), 1 in 64 never. Rare on purpose:
		 * a timeout or a bogus entry costs a recovery, and when most
		 * inputs paid one the target ran at ~1000 exec/s, 70 % of it in
		 * the reset path */
		if ((beh & 0x3f) == 0x3f)
			c.delay = -1;
		else if ((beh & 0x3f) == 0x3e)
			c.delay = 36 + (d[i + 2] % 25);
		else
			c.delay = beh & 0x0f;
		c.bogus = (beh & 0x3f) == 0x3d; /* 1 in 64: a used entry nobody posted */
		c.m->ctrl_ack = (beh & 0x80) ? d[i + 2] : (beh & 1 ? VIO_NET_ERR : VIO_NET_OK);
		rc = fc_cmd(&f.n, op, d + i + 2, size - i - 2);
		if (!fc_rc_ok(rc))
			abort();
		/* one command waits at most one timeout (the filter replay sends
		 * up to four); while a timed-out one is out, none waits at all */
		if (c.m->now_ns - t0 > (uint64_t)(f.n.ctrl_timeout_us + 100) * 1000u * 4u)
			abort();
		if (was_pending && c.m->now_ns - t0 > 100000u)
			abort();
		if (vio_net_reset_wanted(&f.n, NULL) && (op & 0x40) && fc_recover(&c, &f) != VIO_OK)
			abort(); /* a device that answers again comes back */
	}
	/* ready for the next input: through the reset path when the core asks
	 * for it (a timed-out command, a broken queue), and every 16th input
	 * anyway, so the invariants are checked often */
	if ((vio_net_reset_wanted(&f.n, NULL) || ++fc_inputs % 16 == 0) && fc_recover(&c, &f) != VIO_OK)
		abort();
#undef c
#undef f
	return 0;
}
