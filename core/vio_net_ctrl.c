// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_net_ctrl.c - virtio-net control virtqueue (virtio 1.2 §5.1.6.5).
 *
 * One command at a time in ctrl_buf: {class, command} and the data are
 * device-readable, the one-byte ack device-writable, each in its own
 * descriptor (the layout §5.1.6.5 legacy requires without ANY_LAYOUT). The
 * answer is awaited by a bounded busy-wait: callers are in attach-like
 * context (may spin up to ~1 s), never on the data path.
 */
#include "vio_log.h"
#include "vio_net.h"

#define VIO_NET_CTRL_POLL_US 10
#define VIO_NET_ACK_POISON   0xff /* neither OK nor ERR: "device never answered" */

/* The feature a command needs (§5.1.6.5.x); -1 for commands we do not know
 * (refused as VIO_ENOTSUP). */
static int vio_net_ctrl_feature(uint8_t cls, uint8_t cmd)
{
	switch (cls) {
	case VIO_NET_CTRL_RX:
		if (cmd <= VIO_NET_CTRL_RX_ALLMULTI)
			return VIO_NET_F_CTRL_RX;
		return cmd <= VIO_NET_CTRL_RX_NOBCAST ? VIO_NET_F_CTRL_RX_EXTRA : -1;
	case VIO_NET_CTRL_MAC:
		if (cmd == VIO_NET_CTRL_MAC_TABLE_SET)
			return VIO_NET_F_CTRL_RX;
		return cmd == VIO_NET_CTRL_MAC_ADDR_SET ? VIO_NET_F_CTRL_MAC_ADDR : -1;
	case VIO_NET_CTRL_VLAN:
		return VIO_NET_F_CTRL_VLAN;
	case VIO_NET_CTRL_ANNOUNCE:
		return VIO_NET_F_GUEST_ANNOUNCE;
	case VIO_NET_CTRL_MQ:
		if (cmd == VIO_NET_CTRL_MQ_VQ_PAIRS_SET)
			return VIO_NET_F_MQ;
		if (cmd == VIO_NET_CTRL_MQ_HASH_CONFIG)
			return VIO_NET_F_HASH_REPORT;
		return cmd == VIO_NET_CTRL_MQ_RSS_CONFIG ? VIO_NET_F_RSS : -1;
	case VIO_NET_CTRL_GUEST_OFFLOADS:
		return VIO_NET_F_CTRL_GUEST_OFFLOADS;
	default:
		return -1;
	}
}

static bool vio_net_ctrl_supported(const struct vio_net *n, uint8_t cls, uint8_t cmd)
{
	int bit = vio_net_ctrl_feature(cls, cmd);

	return n->has_ctrl && n->ctrlq.size && bit >= 0 && vio_dev_has(&n->dev, (unsigned)bit);
}

static uint8_t *vio_net_ctrl_at(struct vio_net *n, size_t off)
{
	return (uint8_t *)n->ctrl_buf.vaddr + off;
}

/* Take the answer if it is there: 1 done, 0 not yet, VIO_EBROKEN. */
static int vio_net_ctrl_reap(struct vio_net *n)
{
	void *cookie;
	uint32_t len;
	int r = vio_vq_get(&n->ctrlq, &cookie, &len);

	if (r == 1)
		n->ctrl_pending = false;
	return r;
}

/* Bounded busy-wait for the command in flight. */
static int vio_net_ctrl_wait(struct vio_net *n)
{
	uint32_t waited;
	int r;

	for (waited = 0;; waited += VIO_NET_CTRL_POLL_US) {
		r = vio_net_ctrl_reap(n);
		if (r != 0)
			return r < 0 ? r : VIO_OK;
		if (waited >= n->ctrl_timeout_us)
			break;
		n->os->udelay(n->os->ctx, VIO_NET_CTRL_POLL_US);
	}
	n->ctrl_timeouts++;
	vio_warn(n->os, "net: control queue: no answer within %u us", n->ctrl_timeout_us);
	return VIO_ETIMEDOUT;
}

/* Data, if any, is already at VIO_NET_CTRL_DATA_OFF. */
static int vio_net_ctrl_post(struct vio_net *n, uint8_t cls, uint8_t cmd, uint32_t len)
{
	struct vio_vq_seg out[2], in;
	uint16_t nout = 1;
	uint8_t *hdr = vio_net_ctrl_at(n, VIO_NET_CTRL_HDR_OFF);

	hdr[0] = cls;
	hdr[1] = cmd;
	*vio_net_ctrl_at(n, VIO_NET_CTRL_ACK_OFF) = VIO_NET_ACK_POISON;
	out[0].daddr = n->ctrl_buf.daddr + VIO_NET_CTRL_HDR_OFF;
	out[0].len = 2;
	if (len) {
		out[1].daddr = n->ctrl_buf.daddr + VIO_NET_CTRL_DATA_OFF;
		out[1].len = len;
		nout = 2;
	}
	in.daddr = n->ctrl_buf.daddr + VIO_NET_CTRL_ACK_OFF;
	in.len = 1;
	return vio_vq_add(&n->ctrlq, out, nout, &in, 1, &n->ctrl_buf);
}

/* Checks before ctrl_buf may be written: feature, size, state, and a
 * command that timed out earlier must have come back (bounded wait). */
static int vio_net_ctrl_begin(struct vio_net *n, uint8_t cls, uint8_t cmd, uint64_t len)
{
	if (!vio_net_ctrl_supported(n, cls, cmd))
		return VIO_ENOTSUP;
	if (len > VIO_NET_CTRL_DATA_MAX)
		return VIO_EINVAL;
	if (n->ctrlq.broken || n->dev.broken)
		return VIO_EBROKEN;
	if (n->ctrl_pending) {
		/* a command timed out: never wait a second time (the caller may
		 * hold a lock with bottom halves off); it may have come back */
		int r = vio_net_ctrl_reap(n);

		if (r < 0)
			return r;
		if (r == 0) {
			n->ctrl_fast_fails++;
			return VIO_ETIMEDOUT;
		}
	}
	return VIO_OK;
}

/* Post, kick, wait, read the ack. A timed-out command stays pending. */
static int vio_net_ctrl_run(struct vio_net *n, uint8_t cls, uint8_t cmd, uint32_t len)
{
	int err = vio_net_ctrl_post(n, cls, cmd, len);

	if (err)
		return err;
	n->ctrl_pending = true;
	vio_vq_kick(&n->ctrlq);
	err = vio_net_ctrl_wait(n);
	if (err)
		return err;
	return *vio_net_ctrl_at(n, VIO_NET_CTRL_ACK_OFF) == VIO_NET_OK ? VIO_OK : VIO_EIO;
}

int vio_net_ctrl_cmd(struct vio_net *n, uint8_t cls, uint8_t cmd, const void *data, uint32_t len)
{
	int err;

	if (len && !data)
		return VIO_EINVAL;
	err = vio_net_ctrl_begin(n, cls, cmd, len);
	if (err)
		return err;
	if (len)
		vio_memcpy(vio_net_ctrl_at(n, VIO_NET_CTRL_DATA_OFF), data, len);
	return vio_net_ctrl_run(n, cls, cmd, len);
}

/* §5.1.6.5.1: one byte, 0 off, 1 on. */
static int vio_net_ctrl_rx(struct vio_net *n, uint8_t cmd, bool on)
{
	uint8_t v = on ? 1 : 0;

	return vio_net_ctrl_cmd(n, VIO_NET_CTRL_RX, cmd, &v, 1);
}

int vio_net_set_promisc(struct vio_net *n, bool on)
{
	n->rx_promisc = on;
	/* the device could not be told our MAC: it stays promiscuous */
	return vio_net_ctrl_rx(n, VIO_NET_CTRL_RX_PROMISC, on || n->rx_promisc_forced);
}

int vio_net_set_allmulti(struct vio_net *n, bool on)
{
	n->rx_allmulti = on;
	return vio_net_ctrl_rx(n, VIO_NET_CTRL_RX_ALLMULTI, on);
}

static bool vio_net_rx_extra_cmd(uint8_t cmd)
{
	return cmd >= VIO_NET_CTRL_RX_ALLUNI && cmd <= VIO_NET_CTRL_RX_NOBCAST;
}

bool vio_net_rx_extra(const struct vio_net *n, uint8_t cmd)
{
	return vio_net_rx_extra_cmd(cmd) && (n->rx_extra >> (cmd - VIO_NET_CTRL_RX_ALLUNI) & 1u);
}

int vio_net_set_rx_extra(struct vio_net *n, uint8_t cmd, bool on)
{
	uint8_t bit;
	int err;

	if (!vio_net_rx_extra_cmd(cmd))
		return VIO_EINVAL;
	if (!n->has_ctrl || !vio_dev_has(&n->dev, VIO_NET_F_CTRL_RX_EXTRA))
		return VIO_ENOTSUP;
	bit = (uint8_t)(1u << (cmd - VIO_NET_CTRL_RX_ALLUNI));
	err = vio_net_ctrl_rx(n, cmd, on);
	if (!err) /* refused: the front-end sees the old state and asks again */
		n->rx_extra = on ? (uint8_t)(n->rx_extra | bit) : (uint8_t)(n->rx_extra & ~bit);
	return err;
}

/* virtio 1.2 §5.1.4.3 (legacy interface): mac is driver-writable, the way
 * to change the MAC without CTRL_MAC_ADDR; written byte by byte as Linux
 * does. A modern device's config is read-only to the driver (§5.1.4.2). */
int vio_net_set_mac_cfg(struct vio_net *n, const uint8_t *mac)
{
	uint32_t i;
	int err;

	if (vio_dev_has(&n->dev, VIO_F_VERSION_1) || !vio_dev_has(&n->dev, VIO_NET_F_MAC))
		return VIO_ENOTSUP;
	for (i = 0; i < VIO_ETH_ALEN; i++) {
		err = vio_dev_config_write(&n->dev, VIO_NET_CFG_MAC + i, &mac[i], 1);
		if (err)
			return err;
	}
	return VIO_OK;
}

int vio_net_set_mac(struct vio_net *n, const uint8_t mac[VIO_ETH_ALEN])
{
	int err;

	if (!mac)
		return VIO_EINVAL;
	if (vio_dev_has(&n->dev, VIO_NET_F_CTRL_MAC_ADDR) && n->has_ctrl)
		err = vio_net_ctrl_cmd(n, VIO_NET_CTRL_MAC, VIO_NET_CTRL_MAC_ADDR_SET, mac, VIO_ETH_ALEN);
	else
		err = vio_net_set_mac_cfg(n, mac);
	if (err)
		return err;
	vio_memcpy(n->mac, mac, VIO_ETH_ALEN);
	n->mac_random = false;
	n->mac_set = true;
	return VIO_OK;
}

/* Append one virtio_net_ctrl_mac {le32 entries; u8 macs[entries][6]}. */
static uint32_t vio_net_mac_table_put(const struct vio_net *n, uint8_t *p, const uint8_t *macs, uint32_t cnt)
{
	uint32_t e = vio_net_h32(n, cnt);

	vio_memcpy(p, &e, 4);
	if (cnt)
		vio_memcpy(p + 4, macs, (size_t)cnt * VIO_ETH_ALEN);
	return 4 + cnt * VIO_ETH_ALEN;
}

/* §5.1.6.5.2: unicast table then multicast table, in one data buffer. The
 * command is built in ctrl_buf's data area directly (up to
 * VIO_NET_CTRL_DATA_MAX bytes: VIO_EINVAL beyond, the front-end then falls
 * back to promiscuous / all-multicast). */
int vio_net_set_mac_table(struct vio_net *n, const uint8_t *uc, uint32_t nuc, const uint8_t *mc, uint32_t nmc)
{
	uint64_t need = 8 + ((uint64_t)nuc + nmc) * VIO_ETH_ALEN;
	uint32_t len;
	int err;

	if ((nuc && !uc) || (nmc && !mc))
		return VIO_EINVAL;
	err = vio_net_ctrl_begin(n, VIO_NET_CTRL_MAC, VIO_NET_CTRL_MAC_TABLE_SET, need);
	if (err)
		return err;
	len = vio_net_mac_table_put(n, vio_net_ctrl_at(n, VIO_NET_CTRL_DATA_OFF), uc, nuc);
	len += vio_net_mac_table_put(n, vio_net_ctrl_at(n, VIO_NET_CTRL_DATA_OFF + len), mc, nmc);
	if (n->rx_table) { /* the wish, for the next vio_net_start() */
		vio_memcpy(n->rx_table, vio_net_ctrl_at(n, VIO_NET_CTRL_DATA_OFF), len);
		n->rx_table_len = len;
	}
	return vio_net_ctrl_run(n, VIO_NET_CTRL_MAC, VIO_NET_CTRL_MAC_TABLE_SET, len);
}

static void vio_net_vlan_apply(struct vio_net *n);

static void vio_net_filter_warn(struct vio_net *n, const char *what, int err)
{
	if (err)
		vio_warn(n->os, "net: %s failed (%s): the device filters less than asked", what,
			 vio_strerror(err));
}

void vio_net_rx_filter_apply(struct vio_net *n)
{
	bool promisc = n->rx_promisc;
	int err;

	n->rx_promisc_forced = false;
	if (!n->has_ctrl)
		return;
	vio_net_vlan_apply(n);
	if (!vio_dev_has(&n->dev, VIO_NET_F_CTRL_RX))
		return;
	if (n->mac_random || n->mac_set) { /* the device's own MAC is not ours */
		if (vio_dev_has(&n->dev, VIO_NET_F_CTRL_MAC_ADDR)) {
			err = vio_net_ctrl_cmd(n, VIO_NET_CTRL_MAC, VIO_NET_CTRL_MAC_ADDR_SET, n->mac,
					       VIO_ETH_ALEN);
			promisc |= err != VIO_OK;
			vio_net_filter_warn(n, "telling the device our MAC", err);
		} else if (n->mac_random) {
			promisc = true; /* the device's filter knows only its own MAC */
		}
	}
	n->rx_promisc_forced = promisc && !n->rx_promisc;
	vio_net_filter_warn(n, "setting promiscuous mode",
			    vio_net_ctrl_rx(n, VIO_NET_CTRL_RX_PROMISC, promisc));
	vio_net_filter_warn(n, "setting all-multicast mode",
			    vio_net_ctrl_rx(n, VIO_NET_CTRL_RX_ALLMULTI, n->rx_allmulti));
	if (n->rx_table_len) {
		err = vio_net_ctrl_begin(n, VIO_NET_CTRL_MAC, VIO_NET_CTRL_MAC_TABLE_SET, n->rx_table_len);
		if (!err) {
			vio_memcpy(vio_net_ctrl_at(n, VIO_NET_CTRL_DATA_OFF), n->rx_table, n->rx_table_len);
			err = vio_net_ctrl_run(n, VIO_NET_CTRL_MAC, VIO_NET_CTRL_MAC_TABLE_SET,
					       n->rx_table_len);
		}
		vio_net_filter_warn(n, "restoring the MAC table", err);
	}
	if (vio_dev_has(&n->dev, VIO_NET_F_CTRL_RX_EXTRA)) {
		uint8_t cmd;

		for (cmd = VIO_NET_CTRL_RX_ALLUNI; cmd <= VIO_NET_CTRL_RX_NOBCAST; cmd++)
			if (vio_net_rx_extra(n, cmd))
				vio_net_filter_warn(n, "restoring an extra receive mode",
						    vio_net_ctrl_rx(n, cmd, true));
	}
}

/* ---- RSS: §5.1.6.5.7 ---- */

static uint32_t vio_net_put16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return 2;
}

static uint32_t vio_net_put32le(uint8_t *p, uint32_t v)
{
	return vio_net_put16le(p, (uint16_t)v) + vio_net_put16le(p + 2, (uint16_t)(v >> 16));
}

/* struct virtio_net_rss_config: le32 hash_types, le16 table mask, le16
 * unclassified queue (0), le16 table[len], le16 max_tx_vq, u8 key length,
 * key. Replaces MQ_VQ_PAIRS_SET when RSS is negotiated (max_tx_vq). */
int vio_net_rss_send(struct vio_net *n, const uint16_t *table, const uint8_t *key, uint16_t max_tx)
{
	uint32_t len = 4 + 2 + 2 + 2u * n->rss.table_len + 2 + 1 + n->rss.key_len, o = 0, i;
	uint8_t *d;
	int err;

	if (!n->rss.table_len)
		return VIO_ENOTSUP;
	err = vio_net_ctrl_begin(n, VIO_NET_CTRL_MQ, VIO_NET_CTRL_MQ_RSS_CONFIG, len);
	if (err)
		return err;
	d = vio_net_ctrl_at(n, VIO_NET_CTRL_DATA_OFF);
	o += vio_net_put32le(d + o, n->rss.hash_types);
	o += vio_net_put16le(d + o, (uint16_t)(n->rss.table_len - 1));
	o += vio_net_put16le(d + o, 0);
	for (i = 0; i < n->rss.table_len; i++)
		o += vio_net_put16le(d + o, table[i]);
	o += vio_net_put16le(d + o, max_tx);
	d[o++] = n->rss.key_len;
	vio_memcpy(d + o, key, n->rss.key_len);
	err = vio_net_ctrl_run(n, VIO_NET_CTRL_MQ, VIO_NET_CTRL_MQ_RSS_CONFIG, len);
	if (!err) /* the hash types it now computes are ours: reports are trusted */
		n->rss.hash_on = n->rss.hash_report;
	return err;
}

/* struct virtio_net_hash_config: le32 hash_types, le16 reserved[4], u8 key
 * length, key: RSS_CONFIG's layout with a one-entry table (QEMU reads it
 * so: virtio_net_handle_rss with do_rss false). */
int vio_net_hash_send(struct vio_net *n, const uint8_t *key)
{
	uint32_t len = 4 + 8 + 1 + n->rss.key_len, o = 0;
	uint8_t *d;
	int err;

	if (!n->rss.hash_report || !n->rss.key_len)
		return VIO_ENOTSUP;
	err = vio_net_ctrl_begin(n, VIO_NET_CTRL_MQ, VIO_NET_CTRL_MQ_HASH_CONFIG, len);
	if (err)
		return err;
	d = vio_net_ctrl_at(n, VIO_NET_CTRL_DATA_OFF);
	o += vio_net_put32le(d + o, n->rss.hash_types);
	vio_memset(d + o, 0, 8);
	o += 8;
	d[o++] = n->rss.key_len;
	vio_memcpy(d + o, key, n->rss.key_len);
	err = vio_net_ctrl_run(n, VIO_NET_CTRL_MQ, VIO_NET_CTRL_MQ_HASH_CONFIG, len);
	if (!err)
		n->rss.hash_on = true;
	return err;
}

/* The default table: bucket i to pair i mod k (Linux's
 * ethtool_rxfh_indir_default). */
void vio_net_rss_spread(uint16_t *table, uint16_t len, uint16_t k)
{
	uint16_t i;

	for (i = 0; i < len; i++)
		table[i] = (uint16_t)(i % (k ? k : 1));
}

/* HASH_REPORT without RSS: only the key can change. */
static int vio_net_set_hash_key(struct vio_net *n, const uint16_t *table, const uint8_t *key)
{
	int err;

	if (!n->rss.key_len)
		return VIO_ENOTSUP;
	if (table)
		return VIO_EINVAL;
	if (!key)
		return VIO_OK;
	err = vio_net_hash_send(n, key);
	if (err)
		return err;
	vio_memcpy(n->rss.key, key, n->rss.key_len);
	return VIO_OK;
}

int vio_net_set_rss(struct vio_net *n, const uint16_t *table, const uint8_t *key)
{
	uint16_t t[VIO_NET_RSS_TABLE_MAX];
	uint8_t k[VIO_NET_RSS_KEY_MAX];
	uint16_t i;
	int err;

	if (!n->rss.table_len)
		return vio_net_set_hash_key(n, table, key);
	for (i = 0; table && i < n->rss.table_len; i++)
		if (table[i] >= n->curr_qp)
			return VIO_EINVAL;
	vio_memcpy(t, table ? table : n->rss.table, (size_t)n->rss.table_len * sizeof(t[0]));
	vio_memcpy(k, key ? key : n->rss.key, n->rss.key_len);
	err = vio_net_rss_send(n, t, k, n->curr_qp);
	if (err)
		return err;
	vio_memcpy(n->rss.table, t, (size_t)n->rss.table_len * sizeof(t[0]));
	vio_memcpy(n->rss.key, k, n->rss.key_len);
	n->rss.user |= table != NULL;
	return VIO_OK;
}

/* ---- VLAN filter: §5.1.6.5.3 ---- */

static int vio_net_vlan_cmd(struct vio_net *n, uint8_t cmd, uint16_t vid)
{
	uint16_t v = vio_net_h16(n, vid);

	return vio_net_ctrl_cmd(n, VIO_NET_CTRL_VLAN, cmd, &v, sizeof(v));
}

bool vio_net_vlan_has(const struct vio_net *n, uint16_t vid)
{
	return vid < VIO_NET_VLAN_IDS && (n->vlans[vid / 32] >> (vid % 32) & 1u);
}

int vio_net_vlan_add(struct vio_net *n, uint16_t vid)
{
	int err;

	if (vid >= VIO_NET_VLAN_IDS)
		return VIO_EINVAL;
	err = vio_net_vlan_cmd(n, VIO_NET_CTRL_VLAN_ADD, vid);
	if (!err)
		n->vlans[vid / 32] |= 1u << (vid % 32);
	return err;
}

int vio_net_vlan_del(struct vio_net *n, uint16_t vid)
{
	if (vid >= VIO_NET_VLAN_IDS)
		return VIO_EINVAL;
	n->vlans[vid / 32] &= ~(1u << (vid % 32));
	return vio_net_vlan_cmd(n, VIO_NET_CTRL_VLAN_DEL, vid);
}

/* After a reset the device passes no VLAN: add back what the stack has. */
static void vio_net_vlan_apply(struct vio_net *n)
{
	uint32_t i;
	int err;

	if (!vio_dev_has(&n->dev, VIO_NET_F_CTRL_VLAN))
		return;
	for (i = 0; i < VIO_NET_VLAN_IDS; i++) {
		if (!vio_net_vlan_has(n, (uint16_t)i))
			continue;
		err = vio_net_vlan_cmd(n, VIO_NET_CTRL_VLAN_ADD, (uint16_t)i);
		if (err) {
			vio_warn(n->os, "net: re-adding VLAN %lu failed (%s): its frames are dropped",
				 (unsigned long)i, vio_strerror(err));
			if (err == VIO_ETIMEDOUT || err == VIO_EBROKEN)
				return; /* the control queue is gone: recovery follows */
		}
	}
}

#define VIO_NET_GUEST_OFFLOAD_BITS                                                                           \
	(VIO_BIT(VIO_NET_F_GUEST_CSUM) | VIO_BIT(VIO_NET_F_GUEST_TSO4) | VIO_BIT(VIO_NET_F_GUEST_TSO6) |     \
	 VIO_BIT(VIO_NET_F_GUEST_ECN) | VIO_BIT(VIO_NET_F_GUEST_UFO) | VIO_BIT(VIO_NET_F_GUEST_USO4) |       \
	 VIO_BIT(VIO_NET_F_GUEST_USO6))

/* §5.1.6.5.6.1: only offloads that were negotiated may be enabled. */
int vio_net_set_guest_offloads(struct vio_net *n, uint64_t offloads)
{
	uint64_t v;

	if (!vio_net_ctrl_supported(n, VIO_NET_CTRL_GUEST_OFFLOADS, VIO_NET_CTRL_GUEST_OFFLOADS_SET))
		return VIO_ENOTSUP;
	if (offloads & ~(n->dev.features & VIO_NET_GUEST_OFFLOAD_BITS))
		return VIO_EINVAL;
	v = vio_dev_le(&n->dev) ? vio_le64(offloads) : offloads;
	n->guest_offloads = offloads; /* the wish, re-applied after a reset */
	n->guest_offloads_set = true;
	return vio_net_ctrl_cmd(n, VIO_NET_CTRL_GUEST_OFFLOADS, VIO_NET_CTRL_GUEST_OFFLOADS_SET, &v,
				sizeof(v));
}

/* No device interaction: the device's mtu (§5.1.4.1) or the RX mode's frame
 * limit bounds what the driver may use. */
int vio_net_set_mtu(struct vio_net *n, uint16_t mtu)
{
	if (mtu < VIO_NET_MIN_MTU || mtu > n->max_mtu)
		return VIO_EINVAL;
	n->mtu = mtu;
	return VIO_OK;
}
