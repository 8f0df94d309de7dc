/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_netpolicy.c - attach/start policies a front-end relies on: NET_F_MTU only
 * when the receive buffers can hold it, and the receive filter the device is
 * left with after start.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define F(b) VIO_BIT(b)

static struct model *mk_mtu(uint16_t mtu, bool mergeable)
{
	struct model *m = model_new(M_MODERN);

	m->features |= F(VIO_NET_F_MTU);
	m->features &= ~(F(VIO_NET_F_GUEST_TSO4) | F(VIO_NET_F_GUEST_TSO6));
	if (!mergeable)
		m->features &= ~F(VIO_NET_F_MRG_RXBUF);
	m->devcfg[VIO_NET_CFG_MTU] = (uint8_t)mtu;
	m->devcfg[VIO_NET_CFG_MTU + 1] = (uint8_t)(mtu >> 8);
	return m;
}

/* attach + fill + start with rx_buf_max; returns the model for checks */
static void mtu_case(uint16_t dev_mtu, bool mergeable, uint32_t buf_max, bool want_mtu, uint16_t want_max)
{
	struct model *m = mk_mtu(dev_mtu, mergeable);
	struct fe f;
	struct vio_net_params p;

	fe_params_default(&p);
	p.features |= F(VIO_NET_F_MTU);
	p.rx_buf_max = buf_max;
	ASSERT_EQ(fe_attach(&f, m, &p), 0);
	ASSERT_EQ(model_has(m, VIO_NET_F_MTU), want_mtu);
	ASSERT_EQ(f.n.max_mtu, want_max);
	ASSERT(!buf_max || vio_net_rx_buf_len(&f.n.rxq[0]) <= buf_max || mergeable);
	ASSERT_EQ(model_log_has(m, "not negotiating NET_F_MTU"), !want_mtu);
	ASSERT(fe_fill_rx(&f, 0) > 0);
	ASSERT_EQ(vio_net_start(&f.n), 0);
	fe_teardown(&f);
	fe_free(&f);
	EXPECT_CLEAN(m);
	model_free(m);
}

/* The macOS kext posts 2 KiB clusters in small mode: a 9000-byte device MTU
 * must not be negotiated there, or start() could post no buffer at all. */
TEST(netpolicy_mtu_small_mode_too_big_for_buffers)
{
	mtu_case(9000, false, 2048, false, 1500);
}

TEST(netpolicy_mtu_small_mode_fits)
{
	mtu_case(1500, false, 2048, true, 1500);
	mtu_case(2000, false, 2048, true, 2000);  /* 12 + 2000 + 18 = 2030 */
	mtu_case(2019, false, 2048, false, 1500); /* 2049 */
}

TEST(netpolicy_mtu_no_limit_or_mergeable)
{
	mtu_case(9000, false, 0, true, 9000);
	mtu_case(9000, true, 2048, true, 9000);
}

/* ---- receive filter after start ---- */

static void expect_rx_cmd(const struct model *m, int k, uint8_t cmd, uint8_t on)
{
	ASSERT_MSG(k < m->nctrl, "command %d missing (%d sent)", k, m->nctrl);
	ASSERT_EQ(m->ctrl_log[k].cls, VIO_NET_CTRL_RX);
	ASSERT_EQ(m->ctrl_log[k].cmd, cmd);
	ASSERT_EQ(m->ctrl_log[k].len, 1);
	ASSERT_EQ(m->ctrl_log[k].data[0], on);
}

static void filter_up(struct fe *f, struct model *m)
{
	struct vio_net_params p;

	fe_params_default(&p);
	ASSERT_EQ(fe_attach(f, m, &p), 0);
	ASSERT_EQ(fe_start(f), 0);
}

static void filter_down(struct fe *f, struct model *m)
{
	fe_teardown(f);
	fe_free(f);
	EXPECT_CLEAN(m);
	model_free(m);
}

/* QEMU resets the device promiscuous: start turns that off, and
 * all-multicast too, before the stack ever asks. */
TEST(netpolicy_filter_start_turns_promisc_off)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	filter_up(&f, m);
	ASSERT_EQ(m->nctrl, 2);
	expect_rx_cmd(m, 0, VIO_NET_CTRL_RX_PROMISC, 0);
	expect_rx_cmd(m, 1, VIO_NET_CTRL_RX_ALLMULTI, 0);
	filter_down(&f, m);
}

/* What the front-end set is what a later start (after a reset) sends. */
TEST(netpolicy_filter_reapplied_as_set)
{
	static const uint8_t uc[6] = {0x02, 1, 1, 1, 1, 1};
	static const uint8_t mc[12] = {0x01, 0, 0x5e, 0, 0, 1, 0x33, 0x33, 0, 0, 0, 1};
	struct model *m = model_new(M_MODERN);
	struct mctrl_cmd table;
	struct fe f;

	filter_up(&f, m);
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), 0);
	ASSERT_EQ(vio_net_set_allmulti(&f.n, true), 0);
	ASSERT_EQ(vio_net_set_mac_table(&f.n, uc, 1, mc, 2), 0);
	table = m->ctrl_log[m->nctrl - 1];
	ASSERT_EQ(table.cmd, VIO_NET_CTRL_MAC_TABLE_SET);
	m->nctrl = 0;
	vio_net_rx_filter_apply(&f.n);
	ASSERT_EQ(m->nctrl, 3);
	expect_rx_cmd(m, 0, VIO_NET_CTRL_RX_PROMISC, 1);
	expect_rx_cmd(m, 1, VIO_NET_CTRL_RX_ALLMULTI, 1);
	ASSERT_EQ(m->ctrl_log[2].cls, VIO_NET_CTRL_MAC);
	ASSERT_EQ(m->ctrl_log[2].cmd, VIO_NET_CTRL_MAC_TABLE_SET);
	ASSERT_EQ(m->ctrl_log[2].len, table.len);
	ASSERT_EQ(table.len, 8 + 3 * 6);
	ASSERT_MEM(m->ctrl_log[2].data, table.data, table.len);
	filter_down(&f, m);
}

/* A random MAC (device has none) must reach the device's filter, or unicast
 * frames to us are dropped once promiscuous mode is off. */
TEST(netpolicy_filter_random_mac_told_to_device)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	m->features &= ~F(VIO_NET_F_MAC);
	filter_up(&f, m);
	ASSERT(f.n.mac_random);
	ASSERT_EQ(m->nctrl, 3);
	ASSERT_EQ(m->ctrl_log[0].cls, VIO_NET_CTRL_MAC);
	ASSERT_EQ(m->ctrl_log[0].cmd, VIO_NET_CTRL_MAC_ADDR_SET);
	ASSERT_MEM(m->ctrl_log[0].data, f.n.mac, 6);
	expect_rx_cmd(m, 1, VIO_NET_CTRL_RX_PROMISC, 0);
	filter_down(&f, m);
}

TEST(netpolicy_filter_random_mac_without_mac_addr_stays_promisc)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	m->features &= ~(F(VIO_NET_F_MAC) | F(VIO_NET_F_CTRL_MAC_ADDR));
	filter_up(&f, m);
	ASSERT_EQ(m->nctrl, 2);
	expect_rx_cmd(m, 0, VIO_NET_CTRL_RX_PROMISC, 1);
	expect_rx_cmd(m, 1, VIO_NET_CTRL_RX_ALLMULTI, 0);
	filter_down(&f, m);
}

TEST(netpolicy_filter_none_without_ctrl_rx)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	m->features &= ~F(VIO_NET_F_CTRL_RX);
	filter_up(&f, m);
	ASSERT_EQ(m->nctrl, 0);
	filter_down(&f, m);
}

/* A device that refuses the commands: start still succeeds, warned. */
TEST(netpolicy_filter_refused_is_warned_not_fatal)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	m->ctrl_ack = VIO_NET_ERR;
	filter_up(&f, m);
	ASSERT(model_log_has(m, "setting promiscuous mode failed"));
	ASSERT(model_log_has(m, "setting all-multicast mode failed"));
	filter_down(&f, m);
}

/* The forced promiscuous mode (device cannot be told our random MAC) is
 * not undone when the stack turns its own promiscuous mode off. */
TEST(netpolicy_filter_forced_promisc_survives_promisc_off)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	m->features &= ~(F(VIO_NET_F_MAC) | F(VIO_NET_F_CTRL_MAC_ADDR));
	filter_up(&f, m);
	m->nctrl = 0;
	ASSERT_EQ(vio_net_set_promisc(&f.n, true), 0);
	ASSERT_EQ(vio_net_set_promisc(&f.n, false), 0);
	expect_rx_cmd(m, 1, VIO_NET_CTRL_RX_PROMISC, 1);
	filter_down(&f, m);
}

/* ---- CTRL_VLAN (§5.1.6.5.3) ---- */

/* A started device offering `features` on top of the model's defaults. */
static struct model *ctrl_up(struct fe *f, uint64_t features)
{
	struct model *m = model_new(M_MODERN);

	m->features |= features;
	ASSERT_EQ(fe_attach(f, m, NULL), 0);
	ASSERT_EQ(fe_start(f), 0);
	return m;
}

static void ctrl_down(struct fe *f, struct model *m)
{
	fe_teardown(f);
	fe_free(f);
	EXPECT_CLEAN(m);
	model_free(m);
}

static bool vlan_cmd_at(const struct model *m, int k, uint8_t cmd, uint16_t vid)
{
	const struct mctrl_cmd *c = &m->ctrl_log[k];

	return c->cls == VIO_NET_CTRL_VLAN && c->cmd == cmd && c->len == 2 && c->data[0] == (uint8_t)vid &&
	       c->data[1] == (uint8_t)(vid >> 8);
}

/* add/del send le16 vids; only acknowledged adds are recorded; ids past
 * 4095 and a device without CTRL_VLAN are refused without a command. */
TEST(netpolicy_vlan_add_del)
{
	struct fe f;
	struct model *m = ctrl_up(&f, F(VIO_NET_F_CTRL_VLAN));

	ASSERT(model_has(m, VIO_NET_F_CTRL_VLAN));
	int k = m->nctrl;
	ASSERT_EQ(vio_net_vlan_add(&f.n, 10), 0);
	ASSERT(vlan_cmd_at(m, k, VIO_NET_CTRL_VLAN_ADD, 10));
	ASSERT(vio_net_vlan_has(&f.n, 10));
	ASSERT_EQ(vio_net_vlan_add(&f.n, 4095), 0);
	ASSERT(vlan_cmd_at(m, k + 1, VIO_NET_CTRL_VLAN_ADD, 4095));
	ASSERT_EQ(vio_net_vlan_add(&f.n, 4096), VIO_EINVAL);
	ASSERT_EQ(vio_net_vlan_del(&f.n, 4096), VIO_EINVAL);
	ASSERT_EQ(m->nctrl, k + 2);
	ASSERT_EQ(vio_net_vlan_del(&f.n, 10), 0);
	ASSERT(vlan_cmd_at(m, k + 2, VIO_NET_CTRL_VLAN_DEL, 10));
	ASSERT(!vio_net_vlan_has(&f.n, 10));
	m->ctrl_ack = VIO_NET_ERR; /* the device refuses */
	ASSERT_EQ(vio_net_vlan_add(&f.n, 20), VIO_EIO);
	ASSERT(!vio_net_vlan_has(&f.n, 20));
	ASSERT_EQ(vio_net_vlan_del(&f.n, 4095), VIO_EIO);
	ASSERT(!vio_net_vlan_has(&f.n, 4095)); /* the stack forgot it anyway */
	ctrl_down(&f, m);

	m = ctrl_up(&f, 0); /* not offered */
	k = m->nctrl;
	ASSERT_EQ(vio_net_vlan_add(&f.n, 10), VIO_ENOTSUP);
	ASSERT(!vio_net_vlan_has(&f.n, 10));
	ASSERT_EQ(m->nctrl, k);
	ctrl_down(&f, m);
}

/* A reset device passes no VLAN: recovery adds every recorded id back,
 * in order, and a refused one is logged and does not stop the rest. */
TEST(netpolicy_vlan_restored_after_reset)
{
	struct fe f;
	struct model *m = ctrl_up(&f, F(VIO_NET_F_CTRL_VLAN));

	ASSERT_EQ(vio_net_vlan_add(&f.n, 0), 0);
	ASSERT_EQ(vio_net_vlan_add(&f.n, 100), 0);
	ASSERT_EQ(vio_net_vlan_add(&f.n, 4095), 0);
	m->nctrl = 0;
	m->ctrl_ack = VIO_NET_ERR;
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), 0);
	int seen = 0;
	static const uint16_t want[3] = {0, 100, 4095};
	for (int k = 0; k < m->nctrl; k++) {
		if (m->ctrl_log[k].cls != VIO_NET_CTRL_VLAN)
			continue;
		ASSERT(seen < 3);
		ASSERT(vlan_cmd_at(m, k, VIO_NET_CTRL_VLAN_ADD, want[seen]));
		seen++;
	}
	ASSERT_EQ(seen, 3);
	ASSERT(model_log_has(m, "re-adding VLAN 100 failed"));
	ASSERT(vio_net_vlan_has(&f.n, 100)); /* still wanted: the next reset tries again */
	m->nctrl = 0;
	m->ctrl_ack = VIO_NET_OK;
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), 0);
	seen = 0;
	for (int k = 0; k < m->nctrl; k++)
		seen +=
		    m->ctrl_log[k].cls == VIO_NET_CTRL_VLAN && m->ctrl_log[k].cmd == VIO_NET_CTRL_VLAN_ADD;
	ASSERT_EQ(seen, 3);
	ctrl_down(&f, m);
}

/* ---- CTRL_RX_EXTRA (§5.1.6.5.1) ---- */

/* ALLUNI/NOMULTI/NOUNI/NOBCAST: one-byte commands of class RX, recorded
 * and restored after a reset; other commands and a device without the
 * feature are refused without a command. */
TEST(netpolicy_rx_extra)
{
	struct fe f;
	struct model *m = ctrl_up(&f, F(VIO_NET_F_CTRL_RX_EXTRA));

	ASSERT(model_has(m, VIO_NET_F_CTRL_RX_EXTRA));
	int k = m->nctrl;
	ASSERT_EQ(vio_net_set_rx_extra(&f.n, VIO_NET_CTRL_RX_ALLUNI, true), 0);
	ASSERT_EQ(vio_net_set_rx_extra(&f.n, VIO_NET_CTRL_RX_NOMULTI, true), 0);
	ASSERT_EQ(vio_net_set_rx_extra(&f.n, VIO_NET_CTRL_RX_NOBCAST, true), 0);
	ASSERT_EQ(vio_net_set_rx_extra(&f.n, VIO_NET_CTRL_RX_NOBCAST, false), 0);
	ASSERT_EQ(m->nctrl, k + 4);
	ASSERT_EQ(m->ctrl_log[k].cls, VIO_NET_CTRL_RX);
	ASSERT_EQ(m->ctrl_log[k].cmd, VIO_NET_CTRL_RX_ALLUNI);
	ASSERT_EQ(m->ctrl_log[k].len, 1);
	ASSERT_EQ(m->ctrl_log[k].data[0], 1);
	ASSERT_EQ(m->ctrl_log[k + 3].cmd, VIO_NET_CTRL_RX_NOBCAST);
	ASSERT_EQ(m->ctrl_log[k + 3].data[0], 0);
	ASSERT(vio_net_rx_extra(&f.n, VIO_NET_CTRL_RX_ALLUNI));
	ASSERT(vio_net_rx_extra(&f.n, VIO_NET_CTRL_RX_NOMULTI));
	ASSERT(!vio_net_rx_extra(&f.n, VIO_NET_CTRL_RX_NOBCAST));
	ASSERT_EQ(vio_net_set_rx_extra(&f.n, VIO_NET_CTRL_RX_ALLMULTI, true), VIO_EINVAL);
	ASSERT_EQ(vio_net_set_rx_extra(&f.n, 6, true), VIO_EINVAL);
	ASSERT_EQ(m->nctrl, k + 4);
	m->nctrl = 0;
	ASSERT_EQ(fe_recover(&f, VIO_NET_RESET_FORCED, NULL), 0);
	int allu = 0, nom = 0, other = 0;
	for (int i = 0; i < m->nctrl; i++) {
		const struct mctrl_cmd *c = &m->ctrl_log[i];
		if (c->cls != VIO_NET_CTRL_RX || c->cmd < VIO_NET_CTRL_RX_ALLUNI)
			continue;
		allu += c->cmd == VIO_NET_CTRL_RX_ALLUNI && c->data[0] == 1;
		nom += c->cmd == VIO_NET_CTRL_RX_NOMULTI && c->data[0] == 1;
		other += c->cmd != VIO_NET_CTRL_RX_ALLUNI && c->cmd != VIO_NET_CTRL_RX_NOMULTI;
	}
	ASSERT_EQ(allu, 1);
	ASSERT_EQ(nom, 1);
	ASSERT_EQ(other, 0);
	ctrl_down(&f, m);

	m = ctrl_up(&f, 0); /* not offered */
	k = m->nctrl;
	ASSERT_EQ(vio_net_set_rx_extra(&f.n, VIO_NET_CTRL_RX_ALLUNI, true), VIO_ENOTSUP);
	ASSERT(!vio_net_rx_extra(&f.n, VIO_NET_CTRL_RX_ALLUNI));
	ASSERT_EQ(m->nctrl, k);
	ctrl_down(&f, m);
}
