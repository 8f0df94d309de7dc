// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_net.c - virtio-net engine: attach, feature policy, config, start/stop,
 * teardown, counters (virtio 1.2 §5.1). RX, TX, control queue and the polled
 * path live in vio_net_rx.c, vio_net_tx.c, vio_net_ctrl.c, vio_net_poll.c.
 */
#include "vio_log.h"
#include "vio_net.h"

/* virtio-net feature bits, §5.1.3; NULL where the spec has none. */
static const char *const vio_net_feature_names[64] = {
    [VIO_NET_F_CSUM] = "NET_CSUM",
    [VIO_NET_F_GUEST_CSUM] = "NET_GUEST_CSUM",
    [VIO_NET_F_CTRL_GUEST_OFFLOADS] = "NET_CTRL_GUEST_OFFLOADS",
    [VIO_NET_F_MTU] = "NET_MTU",
    [VIO_NET_F_MAC] = "NET_MAC",
    [VIO_NET_F_GSO] = "NET_GSO",
    [VIO_NET_F_GUEST_TSO4] = "NET_GUEST_TSO4",
    [VIO_NET_F_GUEST_TSO6] = "NET_GUEST_TSO6",
    [VIO_NET_F_GUEST_ECN] = "NET_GUEST_ECN",
    [VIO_NET_F_GUEST_UFO] = "NET_GUEST_UFO",
    [VIO_NET_F_HOST_TSO4] = "NET_HOST_TSO4",
    [VIO_NET_F_HOST_TSO6] = "NET_HOST_TSO6",
    [VIO_NET_F_HOST_ECN] = "NET_HOST_ECN",
    [VIO_NET_F_HOST_UFO] = "NET_HOST_UFO",
    [VIO_NET_F_MRG_RXBUF] = "NET_MRG_RXBUF",
    [VIO_NET_F_STATUS] = "NET_STATUS",
    [VIO_NET_F_CTRL_VQ] = "NET_CTRL_VQ",
    [VIO_NET_F_CTRL_RX] = "NET_CTRL_RX",
    [VIO_NET_F_CTRL_VLAN] = "NET_CTRL_VLAN",
    [VIO_NET_F_CTRL_RX_EXTRA] = "NET_CTRL_RX_EXTRA",
    [VIO_NET_F_GUEST_ANNOUNCE] = "NET_GUEST_ANNOUNCE",
    [VIO_NET_F_MQ] = "NET_MQ",
    [VIO_NET_F_CTRL_MAC_ADDR] = "NET_CTRL_MAC_ADDR",
    [52] = "NET_VQ_NOTF_COAL",
    [53] = "NET_NOTF_COAL",
    [VIO_NET_F_GUEST_USO4] = "NET_GUEST_USO4",
    [VIO_NET_F_GUEST_USO6] = "NET_GUEST_USO6",
    [VIO_NET_F_HOST_USO] = "NET_HOST_USO",
    [VIO_NET_F_HASH_REPORT] = "NET_HASH_REPORT",
    [VIO_NET_F_GUEST_HDRLEN] = "NET_GUEST_HDRLEN",
    [VIO_NET_F_RSS] = "NET_RSS",
    [VIO_NET_F_RSC_EXT] = "NET_RSC_EXT",
    [VIO_NET_F_STANDBY] = "NET_STANDBY",
    [VIO_NET_F_SPEED_DUPLEX] = "NET_SPEED_DUPLEX",
};

/* The bus layer's view of this engine (vio_dev.h). */
const struct vio_driver vio_net_driver = {
    .name = "net",
    .device_type = VIO_ID_NET,
    .feature_names = vio_net_feature_names,
};

/* ---- feature policy ---- */

/* One "feature needs feature(s)" rule of §5.1.3.1; `needs` is a mask, any one
 * of its bits satisfies the rule. */
struct vio_net_dep {
	uint8_t bit;
	uint64_t needs;
};

#define B(x) VIO_BIT(VIO_NET_F_##x)
/* Order matters: ECN depends on TSO, which was itself just checked against
 * CSUM; CTRL_RX_EXTRA depends on CTRL_RX, checked against CTRL_VQ first. */
static const struct vio_net_dep vio_net_deps[] = {
    {VIO_NET_F_GUEST_TSO4, B(GUEST_CSUM)},
    {VIO_NET_F_GUEST_TSO6, B(GUEST_CSUM)},
    {VIO_NET_F_GUEST_UFO, B(GUEST_CSUM)},
    {VIO_NET_F_GUEST_USO4, B(GUEST_CSUM)},
    {VIO_NET_F_GUEST_USO6, B(GUEST_CSUM)},
    {VIO_NET_F_GUEST_ECN, B(GUEST_TSO4) | B(GUEST_TSO6)},
    {VIO_NET_F_HOST_TSO4, B(CSUM)},
    {VIO_NET_F_HOST_TSO6, B(CSUM)},
    {VIO_NET_F_HOST_UFO, B(CSUM)},
    {VIO_NET_F_HOST_USO, B(CSUM)},
    {VIO_NET_F_HOST_ECN, B(HOST_TSO4) | B(HOST_TSO6)},
    {VIO_NET_F_CTRL_RX, B(CTRL_VQ)},
    {VIO_NET_F_CTRL_VLAN, B(CTRL_VQ)},
    {VIO_NET_F_GUEST_ANNOUNCE, B(CTRL_VQ)},
    {VIO_NET_F_MQ, B(CTRL_VQ)},
    {VIO_NET_F_RSS, B(MQ)}, /* §5.1.3.1 asks CTRL_VQ; one RX queue has nothing to steer */
    {VIO_NET_F_CTRL_MAC_ADDR, B(CTRL_VQ)},
    {VIO_NET_F_CTRL_GUEST_OFFLOADS, B(CTRL_VQ)},
    {VIO_NET_F_CTRL_RX_EXTRA, B(CTRL_RX)},
    {VIO_NET_F_HASH_REPORT, B(CTRL_VQ)}, /* hash types are set by command */
};
#undef B

/* §5.1.3.1: the driver MUST NOT negotiate a feature without its
 * prerequisites. Applied to what the device offers, before negotiating. */
static uint64_t vio_net_drop_deps(uint64_t f)
{
	size_t i;

	for (i = 0; i < sizeof(vio_net_deps) / sizeof(vio_net_deps[0]); i++) {
		const struct vio_net_dep *d = &vio_net_deps[i];

		if ((f & VIO_BIT(d->bit)) && !(f & d->needs))
			f &= ~VIO_BIT(d->bit);
	}
	return f;
}

/* 16-bit device config field, before or after negotiation: the byte order
 * is the interface's (vio_dev_le), which negotiation does not change. */
static int vio_net_cfg16(struct vio_net *n, uint32_t off, uint16_t *v)
{
	uint16_t raw;
	int err = vio_dev_config_read(&n->dev, off, &raw, sizeof(raw));

	if (err)
		return err;
	*v = vio_dev_le(&n->dev) ? vio_le16(raw) : raw;
	return VIO_OK;
}

static int vio_net_cfg8(struct vio_net *n, uint32_t off, uint8_t *v)
{
	return vio_dev_config_read(&n->dev, off, v, 1);
}

static int vio_net_cfg32(struct vio_net *n, uint32_t off, uint32_t *v)
{
	uint32_t raw;
	int err = vio_dev_config_read(&n->dev, off, &raw, sizeof(raw));

	if (err)
		return err;
	*v = vio_dev_le(&n->dev) ? vio_le32(raw) : raw;
	return VIO_OK;
}

/* RSS limits (§5.1.4): a key, a table and a hash type we can use, or the
 * feature is not usable. */
static bool vio_net_rss_limits(struct vio_net *n, uint8_t *key, uint16_t *table, uint32_t *hashes)
{
	return !vio_net_cfg8(n, VIO_NET_CFG_RSS_KEY_MAX, key) &&
	       !vio_net_cfg16(n, VIO_NET_CFG_RSS_TABLE, table) &&
	       !vio_net_cfg32(n, VIO_NET_CFG_RSS_HASHES, hashes) && *key && *table &&
	       (*hashes & VIO_NET_RSS_HASH_ALL);
}

/* HASH_REPORT's limits (§5.1.4: rss_max_key_size and supported_hash_types
 * exist with RSS or HASH_REPORT): a key and one hash type we know. */
static bool vio_net_hash_limits(struct vio_net *n, uint8_t *key, uint32_t *hashes)
{
	return !vio_net_cfg8(n, VIO_NET_CFG_RSS_KEY_MAX, key) &&
	       !vio_net_cfg32(n, VIO_NET_CFG_RSS_HASHES, hashes) && *key && (*hashes & VIO_NET_RSS_HASH_ALL);
}

/* §5.1.2: the control queue follows the last possible pair, at 2 x pairs;
 * computed in 32 bits (2 x 0x8000 does not fit a queue index). */
static uint32_t vio_net_ctrl_index(uint32_t pairs)
{
	return 2u * pairs;
}

/* Do `pairs` queue pairs and the control queue exist? Every index must fit
 * the 16-bit queue select, and be below num_queues (modern; §4.1.4.3), or
 * (legacy, no num_queues) answer a non-zero size. */
static bool vio_net_pairs_fit(struct vio_net *n, uint32_t pairs)
{
	uint32_t ctrl = vio_net_ctrl_index(pairs);
	uint16_t nq = vio_pci_num_queues(&n->dev.pci);

	if (ctrl > 0xffffu)
		return false;
	if (nq != 0xffff)
		return ctrl < nq;
	return vio_pci_queue_max(&n->dev.pci, (uint16_t)ctrl) != 0;
}

/* Config values that make a feature unusable drop it before negotiation
 * (§3.1.1 step 4 lets the driver read config to decide; Linux's
 * virtnet_validate does the same for MTU). */
/* Small mode: neither mergeable nor big buffers will be negotiated, so
 * every frame must fit one buffer of the front-end's. */
static bool vio_net_small_mode(uint64_t f)
{
	return !(f & (VIO_BIT(VIO_NET_F_MRG_RXBUF) | VIO_BIT(VIO_NET_F_GUEST_TSO4) |
		      VIO_BIT(VIO_NET_F_GUEST_TSO6) | VIO_BIT(VIO_NET_F_GUEST_UFO)));
}

/* §5.1.4.1: with NET_F_MTU the driver must post buffers that hold an
 * mtu-sized frame. In small mode that is one buffer of hdr + mtu + 18
 * bytes; a front-end whose buffers are smaller (the macOS kext's 2 KiB
 * clusters) must not negotiate the feature, or it could post nothing. */
static bool vio_net_mtu_fits(const struct vio_net *n, uint64_t f, uint16_t mtu, uint32_t buf_max)
{
	uint32_t hdr = (n->dev.pci.modern || (f & VIO_BIT(VIO_NET_F_MRG_RXBUF))) ? VIO_NET_HDR_LEN
										 : VIO_NET_HDR_LEN_LEGACY;

	if (f & VIO_BIT(VIO_NET_F_HASH_REPORT))
		hdr = VIO_NET_HDR_LEN_HASH;
	uint32_t frame = (uint32_t)mtu + VIO_ETH_HLEN + VIO_ETH_VLAN_HLEN;

	if (!buf_max || !vio_net_small_mode(f))
		return true;
	return hdr + (frame < VIO_ETH_MAX_FRAME ? VIO_ETH_MAX_FRAME : frame) <= buf_max;
}

static uint64_t vio_net_validate_cfg(struct vio_net *n, uint64_t f, uint32_t buf_max)
{
	uint16_t v = 0;

	if (f & VIO_BIT(VIO_NET_F_MTU)) {
		if (vio_net_cfg16(n, VIO_NET_CFG_MTU, &v) || v < VIO_NET_MIN_MTU) {
			vio_warn(n->os, "net: device mtu %u below %u: ignoring NET_F_MTU", v,
				 VIO_NET_MIN_MTU);
			f &= ~VIO_BIT(VIO_NET_F_MTU);
		} else if (!vio_net_mtu_fits(n, f, v, buf_max)) {
			vio_warn(n->os,
				 "net: device mtu %u needs receive buffers over %u bytes without "
				 "MRG_RXBUF: not negotiating NET_F_MTU (mtu 1500)",
				 v, buf_max);
			f &= ~VIO_BIT(VIO_NET_F_MTU);
		}
	}
	if (f & VIO_BIT(VIO_NET_F_MQ)) {
		if (vio_net_cfg16(n, VIO_NET_CFG_MAX_VQ_PAIRS, &v) || v < VIO_NET_MQ_PAIRS_MIN ||
		    v > VIO_NET_MQ_PAIRS_MAX) {
			vio_warn(n->os, "net: max_virtqueue_pairs %u out of range: ignoring NET_F_MQ", v);
			f &= ~VIO_BIT(VIO_NET_F_MQ);
		} else if (!vio_net_pairs_fit(n, v) && !vio_net_pairs_fit(n, 1)) {
			/* QEMU has pair 0 and the control queue (index 2) until MQ
			 * is negotiated, then adds the others (hw/net/virtio-net.c
			 * virtio_net_set_multiqueue, "Add only one queue pair when
			 * realizing"): the full count is checked after FEATURES_OK
			 * (vio_net_mq_recheck) */
			vio_warn(n->os,
				 "net: max_virtqueue_pairs %u needs queue %lu for control, the device has "
				 "not that many: ignoring NET_F_MQ",
				 v, (unsigned long)vio_net_ctrl_index(v));
			f &= ~VIO_BIT(VIO_NET_F_MQ);
		}
	}
	if (f & VIO_BIT(VIO_NET_F_RSS)) {
		uint8_t key = 0;
		uint16_t table = 0;
		uint32_t hashes = 0;

		if (!(f & VIO_BIT(VIO_NET_F_MQ)) || !vio_net_rss_limits(n, &key, &table, &hashes)) {
			if (f & VIO_BIT(VIO_NET_F_MQ))
				vio_warn(n->os,
					 "net: RSS key size %u, table length %u, hash types 0x%lx unusable: "
					 "ignoring NET_F_RSS",
					 key, table, (unsigned long)hashes);
			f &= ~VIO_BIT(VIO_NET_F_RSS);
		}
	}
	if (f & VIO_BIT(VIO_NET_F_HASH_REPORT)) {
		uint8_t key = 0;
		uint32_t hashes = 0;

		/* the 20-byte header is virtio_net_hdr_v1_hash: VERSION_1 only */
		if (!n->dev.pci.modern || !vio_net_hash_limits(n, &key, &hashes)) {
			vio_warn(
			    n->os,
			    "net: hash key size %u, hash types 0x%lx unusable: ignoring NET_F_HASH_REPORT",
			    key, (unsigned long)hashes);
			f &= ~VIO_BIT(VIO_NET_F_HASH_REPORT);
		}
	}
	/* one pair: the control queue is queue 2, and a device that offers
	 * CTRL_VQ without it still carries packets (Linux fails the probe) */
	if ((f & VIO_BIT(VIO_NET_F_CTRL_VQ)) && !(f & VIO_BIT(VIO_NET_F_MQ)) && !vio_net_pairs_fit(n, 1)) {
		vio_warn(n->os, "net: CTRL_VQ offered without a queue 2: no control queue");
		f = vio_net_drop_deps(f & ~VIO_BIT(VIO_NET_F_CTRL_VQ));
	}
	return f;
}

static uint64_t vio_net_wanted(struct vio_net *n, const struct vio_net_params *p)
{
	uint64_t offered = vio_pci_get_features(&n->dev.pci);
	uint64_t f = p->features & VIO_NET_ENGINE_FEATURES & offered;

	/* copy mode: one frame per bounce slot, no receive GSO either */
	if (p->copy)
		f &= ~VIO_NET_COPY_NO_FEATURES;
	f = vio_net_drop_deps(f);
	return vio_net_validate_cfg(n, f, p->rx_buf_max);
}

/* ---- config after negotiation ---- */

static bool vio_net_mac_usable(const uint8_t *mac)
{
	int i;

	if (mac[0] & 1) /* multicast / broadcast */
		return false;
	for (i = 0; i < VIO_ETH_ALEN; i++)
		if (mac[i])
			return true;
	return false;
}

/* §5.1.4: mac is valid with NET_F_MAC. Without it (or if the device gives a
 * zero or multicast address) use the front-end's entropy as a locally
 * administered unicast address; nothing is written to the device here. */
static void vio_net_read_mac(struct vio_net *n, const struct vio_net_params *p)
{
	const uint8_t *m = n->mac;

	if (vio_dev_has(&n->dev, VIO_NET_F_MAC) &&
	    vio_dev_config_read(&n->dev, VIO_NET_CFG_MAC, n->mac, VIO_ETH_ALEN) == VIO_OK &&
	    vio_net_mac_usable(n->mac))
		return;
	if (vio_dev_has(&n->dev, VIO_NET_F_MAC))
		vio_warn(n->os, "net: device MAC unusable");
	vio_memcpy(n->mac, p->random_mac, VIO_ETH_ALEN);
	n->mac[0] = (uint8_t)((n->mac[0] & ~1u) | 2u);
	n->mac_random = true;
	vio_info(n->os, "net: no MAC from device: using random %02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
		 m[2], m[3], m[4], m[5]);
}

/* Link state: §5.1.4, without NET_F_STATUS the link is assumed up. A broken
 * device always reports link down. */
void vio_net_read_status(struct vio_net *n)
{
	uint16_t st = VIO_NET_S_LINK_UP;

	if (vio_dev_has(&n->dev, VIO_NET_F_STATUS) && vio_net_cfg16(n, VIO_NET_CFG_STATUS, &st))
		st = n->status; /* generation never settled: keep the last state */
	n->status = st;
	n->link_up = !n->dev.broken && (st & VIO_NET_S_LINK_UP);
}

static const char *vio_net_duplex_name(uint8_t d)
{
	return d == VIO_NET_DUPLEX_FULL ? "full" : d == VIO_NET_DUPLEX_HALF ? "half" : "unknown";
}

uint32_t vio_net_speed_valid(uint32_t raw)
{
	return raw <= VIO_NET_SPEED_MAX ? raw : VIO_NET_SPEED_UNKNOWN;
}

uint8_t vio_net_duplex_valid(uint8_t raw)
{
	return raw == VIO_NET_DUPLEX_HALF || raw == VIO_NET_DUPLEX_FULL ? raw : VIO_NET_DUPLEX_UNKNOWN;
}

/* §5.1.4: speed (le32 at 12) and duplex (u8 at 16) in one generation; the
 * driver should re-read both after a config change. A value the spec does
 * not allow is a device bug: unknown, and said once per value. */
bool vio_net_read_speed(struct vio_net *n)
{
	uint32_t speed = VIO_NET_SPEED_UNKNOWN, old_speed = n->speed;
	uint8_t raw[5], duplex = VIO_NET_DUPLEX_UNKNOWN, old_duplex = n->duplex;

	if (vio_dev_has(&n->dev, VIO_NET_F_SPEED_DUPLEX) &&
	    !vio_dev_config_read(&n->dev, VIO_NET_CFG_SPEED, raw, sizeof(raw))) {
		uint32_t s = (uint32_t)raw[0] | (uint32_t)raw[1] << 8 | (uint32_t)raw[2] << 16 |
			     (uint32_t)raw[3] << 24;

		speed = vio_net_speed_valid(s);
		duplex = vio_net_duplex_valid(raw[4]);
		if (speed != s && s != n->speed_bad) {
			vio_warn(n->os, "net: device speed 0x%lx out of range: unknown", (unsigned long)s);
			n->speed_bad = s;
		}
		if (duplex != raw[4] && raw[4] != n->duplex_bad) {
			vio_warn(n->os, "net: device duplex 0x%x out of range: unknown", raw[4]);
			n->duplex_bad = raw[4];
		}
	}
	n->speed = speed;
	n->duplex = duplex;
	return speed != old_speed || duplex != old_duplex;
}

/* MTU: §5.1.4.1, the device's mtu is the most the driver may use. Without
 * NET_F_MTU: 1500 in small mode (1518-byte frames), in mergeable/big mode a
 * VLAN-tagged frame must still fit in 65535 bytes. */
static void vio_net_read_mtu(struct vio_net *n)
{
	uint16_t mtu;

	if (vio_dev_has(&n->dev, VIO_NET_F_MTU) && vio_net_cfg16(n, VIO_NET_CFG_MTU, &mtu) == VIO_OK &&
	    mtu >= VIO_NET_MIN_MTU) {
		/* a VLAN-tagged frame must fit 65535 bytes: the driver's limit,
		 * whatever the device claims */
		if (mtu > VIO_NET_MTU_MAX) {
			vio_warn(n->os, "net: device mtu %u clamped to %u", mtu, VIO_NET_MTU_MAX);
			mtu = VIO_NET_MTU_MAX;
		}
		/* read again after negotiation: a device that raised it since
		 * the check (vio_net_validate_cfg) must not leave a front-end
		 * with a buffer limit unable to post anything */
		if (!vio_net_mtu_fits(n, n->dev.features, mtu, n->rx_buf_max)) {
			uint16_t fit =
			    (uint16_t)(n->rx_buf_max - n->hdr_len - VIO_ETH_HLEN - VIO_ETH_VLAN_HLEN);

			vio_warn(n->os, "net: device mtu %u changed during negotiation: clamped to %u", mtu,
				 fit);
			mtu = fit;
		}
		n->max_mtu = mtu;
		n->mtu = mtu;
		return;
	}
	if (n->rx_mode == VIO_NET_RX_SMALL)
		n->max_mtu = VIO_ETH_DATA_LEN;
	else
		n->max_mtu = 65535 - VIO_ETH_HLEN - VIO_ETH_VLAN_HLEN;
	n->mtu = VIO_ETH_DATA_LEN;
}

/* The device's MTU (negotiated) needs more than a small buffer: the buffer
 * size stays the driver's choice, so such a device gets big-packet chains
 * of pages rather than one mtu-sized buffer per ring entry (a 65535 MTU on
 * a 32768-entry ring would ask for 2 GiB). */
static bool vio_net_mtu_above_small(struct vio_net *n)
{
	uint16_t mtu;

	/* a front-end with a buffer limit (rx_buf_max) negotiated NET_F_MTU only
	 * when a frame fits one of its buffers (vio_net_mtu_fits) */
	if (n->rx_buf_max || !vio_dev_has(&n->dev, VIO_NET_F_MTU) ||
	    vio_net_cfg16(n, VIO_NET_CFG_MTU, &mtu) || mtu <= VIO_ETH_DATA_LEN)
		return false;
	vio_info(n->os, "net: device mtu %u without mergeable buffers: big-packet mode", mtu);
	return true;
}

static void vio_net_pick_modes(struct vio_net *n)
{
	struct vio_dev *d = &n->dev;

	n->hdr_len = (vio_dev_has(d, VIO_NET_F_MRG_RXBUF) || vio_dev_has(d, VIO_F_VERSION_1))
			 ? VIO_NET_HDR_LEN
			 : VIO_NET_HDR_LEN_LEGACY;
	if (vio_dev_has(d, VIO_NET_F_HASH_REPORT))
		n->hdr_len = VIO_NET_HDR_LEN_HASH; /* both ways (virtio_net_hdr_v1_hash) */
	n->any_layout = vio_dev_has(d, VIO_F_VERSION_1) || vio_dev_has(d, VIO_F_ANY_LAYOUT);
	if (vio_dev_has(d, VIO_NET_F_MRG_RXBUF))
		n->rx_mode = VIO_NET_RX_MERGEABLE;
	else if (vio_dev_has(d, VIO_NET_F_GUEST_TSO4) || vio_dev_has(d, VIO_NET_F_GUEST_TSO6) ||
		 vio_dev_has(d, VIO_NET_F_GUEST_UFO))
		n->rx_mode = VIO_NET_RX_BIG; /* §5.1.6.3.1: 65562-byte buffers */
	else if (vio_net_mtu_above_small(n))
		n->rx_mode = VIO_NET_RX_BIG; /* what Linux does: never one huge buffer per entry */
	else
		n->rx_mode = VIO_NET_RX_SMALL;
}

/* §5.1.5: with MQ, pairs 1..max_virtqueue_pairs exist (validated before
 * negotiation); we use as many as the front-end wants and we support. */
static void vio_net_pick_pairs(struct vio_net *n, const struct vio_net_params *p)
{
	uint16_t want = p->max_qp ? p->max_qp : 1;
	uint16_t v = 1;

	n->max_pairs = 1;
	n->nqp = 1;
	n->curr_qp = 1;
	n->want_qp = 1;
	if (!vio_dev_has(&n->dev, VIO_NET_F_MQ) || vio_net_cfg16(n, VIO_NET_CFG_MAX_VQ_PAIRS, &v))
		return;
	if (v < VIO_NET_MQ_PAIRS_MIN || v > VIO_NET_MQ_PAIRS_MAX || !vio_net_pairs_fit(n, v))
		v = 1; /* changed since validation: a device bug; one pair still works */
	n->max_pairs = v;
	if (want > v)
		want = v;
	n->nqp = want > VIO_NET_MAX_QP ? VIO_NET_MAX_QP : want;
	n->want_qp = p->active_qp && p->active_qp < n->nqp ? p->active_qp : n->nqp;
}

/* RSS after negotiation: our key and table sizes within the device's, the
 * hash types it supports, the front-end's random key, the default spread.
 * Limits that changed since validation leave RSS unused (MQ_VQ_PAIRS_SET
 * then, which QEMU accepts and which turns its RSS off). */
static void vio_net_rss_setup(struct vio_net *n, const struct vio_net_params *p)
{
	uint8_t key = 0;
	uint16_t table = 0, t = 1;
	uint32_t hashes = 0;

	vio_memset(&n->rss, 0, sizeof(n->rss));
	if (vio_dev_has(&n->dev, VIO_NET_F_HASH_REPORT) && !vio_dev_has(&n->dev, VIO_NET_F_RSS)) {
		/* hash types and a key, no table: HASH_CONFIG at start */
		n->rss.hash_report = true; /* the header is 20 bytes whatever follows */
		if (!vio_net_hash_limits(n, &key, &hashes)) {
			vio_warn(n->os, "net: hash limits changed after negotiation: not asking for hashes");
			return;
		}
		n->rss.key_len = key < VIO_NET_RSS_KEY_MAX ? key : VIO_NET_RSS_KEY_MAX;
		n->rss.hash_types = hashes & VIO_NET_RSS_HASH_ALL;
		vio_memcpy(n->rss.key, p->rss_key, n->rss.key_len);
		return;
	}
	if (!vio_dev_has(&n->dev, VIO_NET_F_RSS))
		return;
	n->rss.hash_report = vio_dev_has(&n->dev, VIO_NET_F_HASH_REPORT);
	if (!vio_net_rss_limits(n, &key, &table, &hashes)) {
		vio_warn(n->os, "net: RSS limits changed after negotiation: not using RSS");
		return;
	}
	while (t * 2 <= table && t * 2 <= VIO_NET_RSS_TABLE_MAX)
		t = (uint16_t)(t * 2);
	n->rss.table_len = t;
	n->rss.key_len = key < VIO_NET_RSS_KEY_MAX ? key : VIO_NET_RSS_KEY_MAX;
	n->rss.hash_types = hashes & VIO_NET_RSS_HASH_ALL;
	vio_memcpy(n->rss.key, p->rss_key, n->rss.key_len);
	vio_net_rss_spread(n->rss.table, t, n->want_qp);
}

/* The table RSS_CONFIG carries for k pairs: the front-end's while every
 * entry is below k, else the default spread (and no longer the user's). */
static bool vio_net_rss_table_for(struct vio_net *n, uint16_t k, uint16_t *table)
{
	uint16_t i;
	bool ok = n->rss.user;

	for (i = 0; ok && i < n->rss.table_len; i++)
		ok = n->rss.table[i] < k;
	if (ok)
		vio_memcpy(table, n->rss.table, (size_t)n->rss.table_len * sizeof(table[0]));
	else
		vio_net_rss_spread(table, n->rss.table_len, k);
	return ok;
}

/* Enable k pairs: RSS_CONFIG (max_tx_vq k) with RSS, else VQ_PAIRS_SET. */
static int vio_net_pairs_cmd(struct vio_net *n, uint16_t k)
{
	uint16_t table[VIO_NET_RSS_TABLE_MAX];
	uint16_t pairs;
	bool kept;
	int err;

	if (!n->rss.table_len) {
		pairs = vio_net_h16(n, k);
		return vio_net_ctrl_cmd(n, VIO_NET_CTRL_MQ, VIO_NET_CTRL_MQ_VQ_PAIRS_SET, &pairs,
					sizeof(pairs));
	}
	kept = vio_net_rss_table_for(n, k, table);
	err = vio_net_rss_send(n, table, n->rss.key, k);
	if (err)
		return err;
	n->rss.user = kept;
	vio_memcpy(n->rss.table, table, (size_t)n->rss.table_len * sizeof(table[0]));
	return VIO_OK;
}

/* Largest mergeable buffer: the front-end's wish within 4096 .. 64 KiB
 * and its own rx_buf_max (a limit, unlike this preference). */
static uint32_t vio_net_mrg_max(const struct vio_net_params *p)
{
	uint32_t m = p->mrg_buf_max ? p->mrg_buf_max : VIO_NET_MRG_BUF_MAX;

	if (m < VIO_NET_MRG_BUF_MAX)
		m = VIO_NET_MRG_BUF_MAX;
	if (m > VIO_NET_MRG_BUF_LIMIT)
		m = VIO_NET_MRG_BUF_LIMIT;
	if (p->rx_buf_max && m > p->rx_buf_max)
		m = p->rx_buf_max > VIO_NET_MRG_BUF_MAX ? p->rx_buf_max : VIO_NET_MRG_BUF_MAX;
	return m;
}

static int vio_net_read_config(struct vio_net *n, const struct vio_net_params *p)
{
	n->copy = p->copy;
	n->copy_frame = p->copy_frame ? p->copy_frame : VIO_ETH_MAX_FRAME;
	n->rx_buf_max = p->rx_buf_max;
	n->mrg_buf_max = vio_net_mrg_max(p);
	n->ctrl_timeout_us = p->ctrl_timeout_us ? p->ctrl_timeout_us : VIO_NET_CTRL_TIMEOUT_US;
	vio_net_pick_modes(n);
	vio_net_read_mac(n, p);
	vio_net_read_status(n);
	n->speed = VIO_NET_SPEED_UNKNOWN;
	n->duplex = VIO_NET_DUPLEX_UNKNOWN;
	n->speed_bad = VIO_NET_SPEED_UNKNOWN; /* a valid value: never logged as bad */
	n->duplex_bad = VIO_NET_DUPLEX_UNKNOWN;
	vio_net_read_speed(n);
	vio_net_read_mtu(n);
	vio_net_pick_pairs(n, p);
	vio_net_rss_setup(n, p);
	n->has_ctrl = vio_dev_has(&n->dev, VIO_NET_F_CTRL_VQ);
	return VIO_OK;
}

/* ---- queues and memory ---- */

static int vio_net_vq(struct vio_net *n, struct vio_vq *vq, uint16_t idx, uint16_t max, uint16_t ind)
{
	int err = vio_dev_vq_create(&n->dev, vq, idx, max, ind);

	if (err) {
		vio_memset(vq, 0, sizeof(*vq)); /* "not created" for the unwind */
		vio_err(n->os, "net: creating queue %u failed: %s", idx, vio_strerror(err));
	}
	return err;
}

static void *vio_net_zalloc(struct vio_net *n, size_t size, const char *what)
{
	void *p = vio_dev_zalloc(&n->dev, size);

	if (!p)
		vio_err(n->os, "net: allocating %s (%zu bytes) failed", what, size);
	return p;
}

static int vio_net_dma(struct vio_net *n, struct vio_dma *dma, size_t size, const char *what)
{
	int err = vio_dev_dma_alloc(&n->dev, size, 16, dma);

	if (err) {
		vio_memset(dma, 0, sizeof(*dma));
		vio_err(n->os, "net: allocating %s (%zu bytes) failed: %s", what, size, vio_strerror(err));
	}
	return err;
}

/* Chains one RX ring may hold: VIO_NET_RX_RING_BYTES_MAX of the largest
 * chain this mode posts, at least 16, at most the ring size. */
uint16_t vio_net_rx_budget(const struct vio_net *n, const struct vio_net_rxq *q)
{
	uint32_t chain, max;

	if (n->rx_mode == VIO_NET_RX_BIG)
		chain = (uint32_t)VIO_NET_MAX_BIG_SEGS * VIO_NET_BIG_SEG_LEN;
	else if (n->rx_mode == VIO_NET_RX_MERGEABLE)
		chain = n->mrg_buf_max;
	else
		chain = vio_net_rx_buf_len(q);
	max = VIO_NET_RX_RING_BYTES_MAX / (chain ? chain : 1);
	if (max < 16)
		max = 16;
	if (max < vio_vq_size(&q->vq))
		vio_info(n->os, "net: rx queue %u: at most %lu of %u entries posted (%u MiB of buffers)",
			 vio_vq_index(&q->vq), (unsigned long)max, vio_vq_size(&q->vq),
			 VIO_NET_RX_RING_BYTES_MAX >> 20);
	return (uint16_t)(max < vio_vq_size(&q->vq) ? max : vio_vq_size(&q->vq));
}

/* Copy mode: the RX pool (vio_net_copy.c), one buffer per chain the ring
 * may hold. */
static int vio_net_rxq_pool_init(struct vio_net *n, struct vio_net_rxq *q)
{
	int err;

	q->pool_n = q->max_posted; /* never more than the ring's budget */
	q->pool_len = vio_net_copy_rx_len(n);
	err = vio_net_dma(n, &q->pool, (size_t)q->pool_n * q->pool_len, "rx copy pool");
	if (err)
		return err;
	q->pool_bufs = vio_net_zalloc(n, (size_t)q->pool_n * sizeof(*q->pool_bufs), "rx copy buffers");
	q->pool_posted = q->pool_bufs ? vio_net_zalloc(n, q->pool_n, "rx copy state") : NULL;
	if (!q->pool_posted)
		return VIO_ENOMEM;
	vio_net_copy_rx_layout(q);
	return VIO_OK;
}

static int vio_net_rxq_init(struct vio_net *n, uint16_t i, const struct vio_net_params *p)
{
	struct vio_net_rxq *q = &n->rxq[i];
	uint16_t ind = n->any_layout ? 0 : 2; /* legacy: header + data */
	int err;

	q->net = n;
	if (n->rx_mode == VIO_NET_RX_BIG)
		ind = VIO_NET_MAX_BIG_SEGS + 1;
	err = vio_net_vq(n, &q->vq, (uint16_t)(2 * i), p->rx_size, ind);
	if (err)
		return err;
	q->slots = vio_net_zalloc(n, (size_t)vio_vq_size(&q->vq) * sizeof(*q->slots), "rx slots");
	if (!q->slots)
		return VIO_ENOMEM;
	q->max_posted = vio_net_rx_budget(n, q);
	/* every buffer the ring can hold, each segment of a big chain */
	q->orphans_cap =
	    (uint32_t)vio_vq_size(&q->vq) * (n->rx_mode == VIO_NET_RX_BIG ? VIO_NET_MAX_BIG_SEGS : 1);
	q->orphans = vio_net_zalloc(n, (size_t)q->orphans_cap * sizeof(*q->orphans), "rx orphans");
	if (!q->orphans)
		return VIO_ENOMEM;
	if (n->rx_mode == VIO_NET_RX_BIG) {
		q->bigsegs = vio_net_zalloc(
		    n, (size_t)vio_vq_size(&q->vq) * VIO_NET_MAX_BIG_SEGS * sizeof(*q->bigsegs),
		    "rx big segments");
		if (!q->bigsegs)
			return VIO_ENOMEM;
	}
	return n->copy ? vio_net_rxq_pool_init(n, q) : VIO_OK;
}

/* Without indirect descriptors a packet of max_sg + 1 descriptors must fit
 * in an empty ring next to the polled path's reserve. */
static int vio_net_txq_clamp_sg(struct vio_net_txq *q, uint16_t i)
{
	uint16_t rsv = i == 0 ? VIO_NET_POLL_RESERVE : 0;

	if (vio_vq_descs_needed(&q->vq, (uint16_t)(q->max_sg + 1)) + rsv <= vio_vq_size(&q->vq))
		return VIO_OK;
	if (vio_vq_size(&q->vq) < rsv + 2)
		return VIO_EIO;
	q->max_sg = (uint16_t)(vio_vq_size(&q->vq) - rsv - 1);
	return VIO_OK;
}

static int vio_net_txq_init(struct vio_net *n, uint16_t i, const struct vio_net_params *p)
{
	struct vio_net_txq *q = &n->txq[i];
	uint16_t sg = p->tx_max_sg;
	int err;

	q->net = n;
	if (sg == 0 || sg > VIO_NET_MAX_TX_SG)
		sg = VIO_NET_MAX_TX_SG;
	q->max_sg = sg;
	err = vio_net_vq(n, &q->vq, (uint16_t)(2 * i + 1), p->tx_size, (uint16_t)(sg + 1));
	if (err)
		return err;
	if (vio_net_txq_clamp_sg(q, i)) {
		vio_err(n->os, "net: tx ring %u of %u entries is too small", i, vio_vq_size(&q->vq));
		return VIO_EIO;
	}
	/* copy mode: each head's slot also holds its frame (vio_net_tx_copy) */
	q->hdr_stride = n->copy ? vio_net_copy_tx_stride(n) : VIO_NET_TX_HDR_STRIDE;
	err = vio_net_dma(n, &q->hdrs, (size_t)vio_vq_size(&q->vq) * q->hdr_stride, "tx headers");
	if (err)
		return err;
	q->stash = vio_net_zalloc(n, (size_t)vio_vq_size(&q->vq) * sizeof(*q->stash), "tx stash");
	if (!q->stash)
		return VIO_ENOMEM;
	q->segs = vio_net_zalloc(n, (size_t)(q->max_sg + 1) * sizeof(*q->segs), "tx chain");
	return q->segs ? VIO_OK : VIO_ENOMEM;
}

/* §5.1.2: the control queue follows the last possible queue pair. */
static int vio_net_ctrl_init(struct vio_net *n)
{
	uint32_t idx = vio_net_ctrl_index(n->max_pairs);
	int err;

	if (!n->has_ctrl)
		return VIO_OK;
	if (idx > 0xffffu) /* vio_net_pairs_fit() keeps max_pairs below this */
		return VIO_EIO;
	err = vio_dev_vq_create_polled(&n->dev, &n->ctrlq, (uint16_t)idx, VIO_NET_CTRL_RING);
	if (err) {
		vio_memset(&n->ctrlq, 0, sizeof(n->ctrlq)); /* "not created" for the unwind */
		vio_err(n->os, "net: creating control queue %lu failed: %s", (unsigned long)idx,
			vio_strerror(err));
		return err;
	}
	err = vio_net_dma(n, &n->ctrl_buf, VIO_NET_CTRL_BUF_SIZE, "control buffer");
	if (err || !vio_dev_has(&n->dev, VIO_NET_F_CTRL_RX))
		return err;
	/* the MAC table the front-end set, re-sent by every vio_net_start() */
	n->rx_table = vio_net_zalloc(n, VIO_NET_CTRL_DATA_MAX, "mac table copy");
	return n->rx_table ? VIO_OK : VIO_ENOMEM;
}

static int vio_net_queues_init(struct vio_net *n, const struct vio_net_params *p)
{
	uint16_t i;
	int err;

	for (i = 0; i < n->nqp; i++) {
		err = vio_net_rxq_init(n, i, p);
		if (err)
			return err;
		err = vio_net_txq_init(n, i, p);
		if (err)
			return err;
	}
	err = vio_net_ctrl_init(n);
	if (err)
		return err;
	err = vio_net_dma(n, &n->poll_buf, (size_t)n->hdr_len + VIO_NET_POLL_FRAME_MAX, "poll buffer");
	if (err)
		return err;
	vio_vq_reserve(&n->txq[0].vq, VIO_NET_POLL_RESERVE);
	return VIO_OK;
}

/* ---- teardown ---- */

static void vio_net_vq_free(struct vio_vq *vq)
{
	if (!vio_vq_size(vq))
		return;
	vio_vq_destroy(vq);
	vio_memset(vq, 0, sizeof(*vq));
}

static void vio_net_dma_free(struct vio_net *n, struct vio_dma *dma)
{
	if (!dma->vaddr)
		return;
	vio_dev_dma_free(&n->dev, dma);
	vio_memset(dma, 0, sizeof(*dma));
}

static void vio_net_mem_free(struct vio_net *n, void **p, size_t size)
{
	if (!*p)
		return;
	vio_dev_free(&n->dev, *p, size);
	*p = NULL;
}

static void vio_net_rxq_free(struct vio_net *n, struct vio_net_rxq *q)
{
	size_t size = q->vq.cap; /* what was allocated, whatever the ring's size now */

	vio_net_mem_free(n, (void **)&q->bigsegs, size * VIO_NET_MAX_BIG_SEGS * sizeof(*q->bigsegs));
	vio_net_mem_free(n, (void **)&q->slots, size * sizeof(*q->slots));
	vio_net_mem_free(n, (void **)&q->orphans, (size_t)q->orphans_cap * sizeof(*q->orphans));
	q->norphans = 0;
	vio_net_mem_free(n, (void **)&q->pool_posted, q->pool_n);
	vio_net_mem_free(n, (void **)&q->pool_bufs, (size_t)q->pool_n * sizeof(*q->pool_bufs));
	vio_net_dma_free(n, &q->pool);
	q->pool_n = 0;
	vio_net_vq_free(&q->vq);
}

static void vio_net_txq_free(struct vio_net *n, struct vio_net_txq *q)
{
	size_t size = q->vq.cap;

	vio_net_mem_free(n, (void **)&q->segs, (size_t)(q->max_sg + 1) * sizeof(*q->segs));
	vio_net_mem_free(n, (void **)&q->stash, size * sizeof(*q->stash));
	vio_net_dma_free(n, &q->hdrs);
	vio_net_vq_free(&q->vq);
}

/* Frees whatever exists, so attach's unwind and destroy are one path.
 * Sizes are recomputed from the ring sizes, which are freed last. */
void vio_net_destroy(struct vio_net *n)
{
	uint16_t i;

	for (i = 0; i < VIO_NET_MAX_QP; i++) {
		vio_net_rxq_free(n, &n->rxq[i]);
		vio_net_txq_free(n, &n->txq[i]);
	}
	vio_net_dma_free(n, &n->poll_buf);
	vio_net_dma_free(n, &n->ctrl_buf);
	vio_net_mem_free(n, (void **)&n->rx_table, VIO_NET_CTRL_DATA_MAX);
	n->rx_table_len = 0;
	vio_net_vq_free(&n->ctrlq);
}

/* ---- life cycle ---- */

static int vio_net_attach_fail(struct vio_net *n, const char *what, int err)
{
	vio_err(n->os, "net: attach failed at %s: %s", what, vio_strerror(err));
	vio_dev_fail(&n->dev);
	vio_net_destroy(n);
	return err;
}

/* With MQ negotiated the queues of every pair and the control queue after
 * them must exist now (§5.1.2); a device that lacks them is negotiated
 * again without MQ, which puts the control queue at 2. */
static int vio_net_mq_recheck(struct vio_net *n, uint64_t wanted)
{
	uint16_t v = 0;

	if (!vio_dev_has(&n->dev, VIO_NET_F_MQ))
		return VIO_OK;
	if (!vio_net_cfg16(n, VIO_NET_CFG_MAX_VQ_PAIRS, &v) && v >= VIO_NET_MQ_PAIRS_MIN &&
	    v <= VIO_NET_MQ_PAIRS_MAX && vio_net_pairs_fit(n, v))
		return VIO_OK;
	vio_warn(n->os,
		 "net: max_virtqueue_pairs %u needs queue %lu for control, the device has not that many "
		 "after FEATURES_OK: ignoring NET_F_MQ, negotiating again",
		 v, (unsigned long)vio_net_ctrl_index(v));
	/* and without what needs MQ (RSS), or the dependency check after
	 * negotiation would refuse the result */
	return vio_dev_renegotiate_without(&n->dev, vio_net_drop_deps(wanted & ~VIO_BIT(VIO_NET_F_MQ)), 0);
}

int vio_net_attach(struct vio_net *n, const struct vio_os *os, const struct vio_net_params *p)
{
	struct vio_dev_params dp;
	uint64_t wanted;
	int err;

	vio_memset(n, 0, sizeof(*n));
	n->os = os;
	dp = p->dev;
	dp.driver = &vio_net_driver;
	err = vio_dev_init(&n->dev, os, &dp);
	if (err) {
		vio_err(os, "net: device init failed: %s", vio_strerror(err));
		return err;
	}
	wanted = vio_net_wanted(n, p);
	err = vio_dev_negotiate(&n->dev, wanted, 0);
	if (!err)
		err = vio_net_mq_recheck(n, wanted);
	if (err)
		return vio_net_attach_fail(n, "feature negotiation", err);
	/* the offer is read again by the negotiation: a device that changed it
	 * in between could have had a feature accepted without its
	 * prerequisite (§5.1.3.1) */
	if (vio_net_drop_deps(n->dev.features) != n->dev.features) {
		vio_err(os, "net: the device changed its offered features during negotiation");
		return vio_net_attach_fail(n, "feature negotiation", VIO_EIO);
	}
	vio_net_read_config(n, p);
	err = vio_dev_set_irq_mode(&n->dev, p->irq_mode);
	if (err)
		return vio_net_attach_fail(n, "interrupt mode", err);
	err = vio_net_queues_init(n, p);
	if (err)
		return vio_net_attach_fail(n, "queue set-up", err);
	vio_info(os, "net: %u queue pair(s), %s rx, hdr %u, mtu %u (max %u), link %s", n->nqp,
		 n->rx_mode == VIO_NET_RX_MERGEABLE ? "mergeable"
		 : n->rx_mode == VIO_NET_RX_BIG	    ? "big"
						    : "small",
		 n->hdr_len, n->mtu, n->max_mtu, n->link_up ? "up" : "down");
	return VIO_OK;
}

/* HASH_REPORT without RSS: the device reports nothing until told which
 * hash types to compute (QEMU: virtio_net_handle_rss, do_rss false). A
 * refusal leaves packets flowing, without hashes (hash_on false). */
static void vio_net_hash_start(struct vio_net *n)
{
	int err;

	if (!n->rss.key_len)
		return;
	err = vio_net_hash_send(n, n->rss.key);
	if (err)
		vio_warn(n->os, "net: setting the hash types failed (%s): no hash reports",
			 vio_strerror(err));
}

int vio_net_start(struct vio_net *n)
{
	uint16_t i;

	vio_dev_driver_ok(&n->dev);
	for (i = 0; i < n->nqp; i++)
		vio_vq_kick(&n->rxq[i].vq);
	/* §5.1.6.5.5: a multiqueue device starts with one pair; commands need
	 * DRIVER_OK, hence here and not at attach. Failure keeps one pair. */
	if (n->want_qp > 1 || n->rss.table_len) {
		int err = vio_net_pairs_cmd(n, n->want_qp);

		if (err)
			vio_warn(n->os, "net: enabling %u queue pairs failed (%s): using 1", n->want_qp,
				 vio_strerror(err));
		else
			n->curr_qp = n->want_qp;
	}
	if (n->rss.hash_report && !n->rss.table_len)
		vio_net_hash_start(n);
	vio_net_rx_filter_apply(n);
	if (n->guest_offloads_set) {
		int err = vio_net_set_guest_offloads(n, n->guest_offloads);

		if (err)
			vio_warn(n->os, "net: restoring guest offloads failed: %s", vio_strerror(err));
	}
	return n->dev.broken ? VIO_EBROKEN : VIO_OK;
}

int vio_net_set_pairs(struct vio_net *n, uint16_t k)
{
	int err;

	if (k < 1 || k > n->nqp)
		return VIO_EINVAL;
	if (k == n->curr_qp) {
		n->want_qp = k;
		return VIO_OK;
	}
	if (!vio_dev_has(&n->dev, VIO_NET_F_MQ))
		return VIO_ENOTSUP;
	err = vio_net_pairs_cmd(n, k);
	if (err)
		return err;
	n->curr_qp = k;
	n->want_qp = k;
	return VIO_OK;
}

void vio_net_stop(struct vio_net *n)
{
	int err = vio_dev_reset(&n->dev);

	/* "no DMA after this returns" is what the caller's drain relies on:
	 * without a completed reset only bus mastering off gives it */
	if (err) {
		vio_err(n->os, "net: reset failed: %s", vio_strerror(err));
		vio_dev_stop_dma(&n->dev);
	}
	n->link_up = false;
	n->curr_qp = 1;
	n->rss.hash_on = false; /* the device forgot the hash types */
}

/* §5.1.6.5.3: the device asks for an announcement through status; the
 * driver acknowledges after it queued the gratuitous packets (the front-end
 * does that when it sees n->announce). */
static void vio_net_announce(struct vio_net *n)
{
	int err;

	if (!vio_dev_has(&n->dev, VIO_NET_F_GUEST_ANNOUNCE) || !(n->status & VIO_NET_S_ANNOUNCE))
		return;
	n->announce = true;
	err = vio_net_ctrl_cmd(n, VIO_NET_CTRL_ANNOUNCE, VIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0);
	if (err)
		vio_warn(n->os, "net: announce ack failed: %s", vio_strerror(err));
}

/* A packed ring that lived through a link-down gets a reset when the link
 * is back. QEMU's link-down path (virtio_net_set_status ->
 * virtio_net_drop_tx_queue_data -> virtqueue_packed_drop_all, and the same
 * from virtio_net_handle_tx_bh while the link is down; hw/virtio/virtio.c,
 * hw/net/virtio-net.c) leaves the packed queue wrong: it turns the
 * device's notifications off and never on again, so the driver sees
 * DISABLE and never kicks; and every chain it drops is pushed without ever
 * being counted in use, so the in-use count wraps and the next pop fails
 * with "Virtqueue size exceeded" (DEVICE_NEEDS_RESET), or the queue just
 * stops. The split drop path has neither bug. Linux's virtio_net, which
 * has no recovery, keeps a dead TX queue after such a flap. One reset per
 * link cycle puts the device's queue state back; it costs ~10 ms with the
 * link freshly up, and it never counts as the device failing again. */
static void vio_net_relink_check(struct vio_net *n, bool was)
{
	if (was && !n->link_up)
		n->link_went_down = true;
	if (!was && n->link_up && n->link_went_down && vio_dev_has(&n->dev, VIO_F_RING_PACKED)) {
		n->link_went_down = false;
		n->relink_reset = true;
	}
}

bool vio_net_config_changed(struct vio_net *n)
{
	bool was = n->link_up, speed;

	/* §2.1.2: the device asks for a reset through status; a device that
	 * vanished reads all ones, which asks for it too */
	if (!n->needs_reset && vio_dev_needs_reset(&n->dev)) {
		n->needs_reset = true;
		n->link_up = false;
		vio_warn(n->os, "net: the device set DEVICE_NEEDS_RESET");
		return was;
	}

	vio_net_read_status(n);
	speed = vio_net_read_speed(n);
	vio_net_announce(n);
	if (was != n->link_up)
		vio_info(n->os, "net: link %s", n->link_up ? "up" : "down");
	if (speed)
		vio_info(n->os, "net: speed %ld Mbit/s, duplex %s",
			 n->speed == VIO_NET_SPEED_UNKNOWN ? -1L : (long)n->speed,
			 vio_net_duplex_name(n->duplex));
	vio_net_relink_check(n, was);
	return was != n->link_up || speed;
}

/* ---- counters ---- */

struct vio_net_stat_desc {
	const char *name;
	uint16_t off;
};

/* clang-format off */
#define RXS(f) { #f, (uint16_t)offsetof(struct vio_net_rxq, stats.f) }
#define TXS(f) { #f, (uint16_t)offsetof(struct vio_net_txq, stats.f) }
#define VQS(q, f) { #f, (uint16_t)offsetof(struct q, vq.stats.f) }
static const struct vio_net_stat_desc vio_net_rx_stats[] = {
	RXS(packets), RXS(bytes), RXS(csum_valid), RXS(csum_partial), RXS(gso), RXS(merged),
	RXS(err_len), RXS(err_num_buffers), RXS(err_hdr), RXS(drops), RXS(interrupts),
	RXS(poll_packets), VQS(vio_net_rxq, kicks), VQS(vio_net_rxq, kicks_suppressed),
	RXS(hashed), RXS(err_hash), RXS(kicks_peer),
};
static const struct vio_net_stat_desc vio_net_tx_stats[] = {
	TXS(packets), TXS(bytes), TXS(csum), TXS(gso), TXS(err_meta), TXS(full), TXS(interrupts),
	TXS(reclaimed), TXS(poll_packets), VQS(vio_net_txq, kicks), VQS(vio_net_txq, kicks_suppressed),
};
/* clang-format on */
#undef RXS
#undef TXS
#undef VQS

#define VIO_NET_NRX    (sizeof(vio_net_rx_stats) / sizeof(vio_net_rx_stats[0]))
#define VIO_NET_NTX    (sizeof(vio_net_tx_stats) / sizeof(vio_net_tx_stats[0]))
#define VIO_NET_PER_QP (VIO_NET_NRX + VIO_NET_NTX)

/* Layout: rx0_*, tx0_*, rx1_*, tx1_*, ... for the nqp pairs, then
 * ctrl_timeouts. */
/* after the per-queue counters: device-wide ones */
#define VIO_NET_NDEV (3 + VIO_NET_RESET_CAUSES)

unsigned vio_net_stats_count(const struct vio_net *n)
{
	return (unsigned)(n->nqp * VIO_NET_PER_QP + VIO_NET_NDEV);
}

/* k-th device-wide counter: ctrl_timeouts, ctrl_fast_fails, reset_failures,
 * then resets_<cause> for each cause. */
static uint64_t vio_net_dev_stat(const struct vio_net *n, unsigned k, char *buf, size_t size)
{
	static const char *const fixed[] = {"ctrl_timeouts", "ctrl_fast_fails", "reset_failures"};
	const uint64_t v[] = {n->ctrl_timeouts, n->ctrl_fast_fails, n->reset_failures};

	if (k < 3) {
		if (buf)
			vio_snprintf(buf, size, "%s", fixed[k]);
		return v[k];
	}
	k -= 3;
	if (buf)
		vio_snprintf(buf, size, "resets_%s", vio_net_reset_cause_name((enum vio_net_reset_cause)k));
	return n->resets[k];
}

/* Resolve index i to its descriptor and the base of its queue struct. */
static const struct vio_net_stat_desc *vio_net_stat_find(const struct vio_net *n, unsigned i,
							 const void **base, unsigned *qp, char *dir)
{
	unsigned k = (unsigned)(i % VIO_NET_PER_QP);

	*qp = (unsigned)(i / VIO_NET_PER_QP);
	if (k < VIO_NET_NRX) {
		*base = &n->rxq[*qp];
		*dir = 'r';
		return &vio_net_rx_stats[k];
	}
	*base = &n->txq[*qp];
	*dir = 't';
	return &vio_net_tx_stats[k - VIO_NET_NRX];
}

const char *vio_net_stat_name(const struct vio_net *n, unsigned i, char *buf, size_t size)
{
	const struct vio_net_stat_desc *s;
	const void *base;
	unsigned qp;
	char dir;

	if (i >= vio_net_stats_count(n) || !buf || !size)
		return NULL;
	if (i >= (unsigned)n->nqp * VIO_NET_PER_QP) {
		vio_net_dev_stat(n, i - (unsigned)n->nqp * VIO_NET_PER_QP, buf, size);
		return buf;
	}
	s = vio_net_stat_find(n, i, &base, &qp, &dir);
	vio_snprintf(buf, size, "%cx%u_%s", dir, qp, s->name);
	return buf;
}

uint64_t vio_net_stat_value(const struct vio_net *n, unsigned i)
{
	const struct vio_net_stat_desc *s;
	const void *base;
	uint64_t v;
	unsigned qp;
	char dir;

	if (i >= vio_net_stats_count(n))
		return 0;
	if (i >= (unsigned)n->nqp * VIO_NET_PER_QP)
		return vio_net_dev_stat(n, i - (unsigned)n->nqp * VIO_NET_PER_QP, NULL, 0);
	s = vio_net_stat_find(n, i, &base, &qp, &dir);
	vio_memcpy(&v, (const uint8_t *)base + s->off, sizeof(v));
	return v;
}

int vio_net_features_string(const struct vio_net *n, char *buf, size_t size)
{
	return vio_dev_features_string(&n->dev, buf, size);
}

int vio_net_queue_of(const struct vio_net *n, uint16_t idx, uint16_t *pair)
{
	uint16_t p = (uint16_t)(idx / 2);

	if (p >= n->nqp)
		return VIO_NET_Q_OTHER; /* the control queue, or none of ours */
	*pair = p;
	return idx % 2 ? VIO_NET_Q_TX : VIO_NET_Q_RX;
}
