// SPDX-License-Identifier: BSD-2-Clause
/*
 * macvio_ethtool.c - ethtool: driver info, link, ring sizes, and every
 * counter: the core's (vio_net_stat_*) followed by the front-end's own.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "macvio.h"
#include "vio_log.h"

struct fe_stat {
	const char *name;
	size_t off;
};

#define RXF(f)                                                                                               \
	{                                                                                                    \
		"rx%u_" #f, offsetof(struct macvio_rxq, stats.f)                                             \
	}
#define TXF(f)                                                                                               \
	{                                                                                                    \
		"tx%u_" #f, offsetof(struct macvio_txq, stats.f)                                             \
	}
static const struct fe_stat fe_rx_stats[] = {
    RXF(alloc_fail), RXF(map_fail), RXF(hdr_drop), RXF(build_fail), RXF(csum_completed),
};
static const struct fe_stat fe_tx_stats[] = {
    TXF(map_fail),
    TXF(dropped),
    TXF(stops),
    TXF(wakes),
};
#undef RXF
#undef TXF

#define FE_PER_QP (ARRAY_SIZE(fe_rx_stats) + ARRAY_SIZE(fe_tx_stats))

static unsigned int fe_count(const struct macvio *vi)
{
	return vi->net.nqp * FE_PER_QP + 1; /* + config_irqs */
}

static void macvio_get_drvinfo(struct net_device *ndev, struct ethtool_drvinfo *info)
{
	struct macvio *vi = netdev_priv(ndev);

	strscpy(info->driver, MACVIO_NAME, sizeof(info->driver));
	strscpy(info->version, MACVIO_VERSION, sizeof(info->version));
	strscpy(info->fw_version, vi->net.dev.pci.modern ? "virtio 1.x" : "virtio 0.9.5 legacy",
		sizeof(info->fw_version));
	strscpy(info->bus_info, pci_name(vi->fn.pdev), sizeof(info->bus_info));
}

static int macvio_get_sset_count(struct net_device *ndev, int sset)
{
	struct macvio *vi = netdev_priv(ndev);

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return vio_net_stats_count(&vi->net) + fe_count(vi);
}

static void macvio_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	struct macvio *vi = netdev_priv(ndev);
	unsigned int i, n = vio_net_stats_count(&vi->net);
	u16 q;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < n; i++, data += ETH_GSTRING_LEN)
		if (!vio_net_stat_name(&vi->net, i, (char *)data, ETH_GSTRING_LEN))
			snprintf(data, ETH_GSTRING_LEN, "core_%u", i);
	for (q = 0; q < vi->net.nqp; q++) {
		for (i = 0; i < ARRAY_SIZE(fe_rx_stats); i++, data += ETH_GSTRING_LEN)
			snprintf(data, ETH_GSTRING_LEN, fe_rx_stats[i].name, q);
		for (i = 0; i < ARRAY_SIZE(fe_tx_stats); i++, data += ETH_GSTRING_LEN)
			snprintf(data, ETH_GSTRING_LEN, fe_tx_stats[i].name, q);
	}
	strscpy(data, "config_irqs", ETH_GSTRING_LEN);
}

static void macvio_get_ethtool_stats(struct net_device *ndev, struct ethtool_stats *st, u64 *data)
{
	struct macvio *vi = netdev_priv(ndev);
	unsigned int i, n = vio_net_stats_count(&vi->net);
	u16 q;

	for (i = 0; i < n; i++)
		*data++ = vio_net_stat_value(&vi->net, i);
	for (q = 0; q < vi->net.nqp; q++) {
		for (i = 0; i < ARRAY_SIZE(fe_rx_stats); i++)
			*data++ = READ_ONCE(*(u64 *)((u8 *)&vi->rxq[q] + fe_rx_stats[i].off));
		for (i = 0; i < ARRAY_SIZE(fe_tx_stats); i++)
			*data++ = READ_ONCE(*(u64 *)((u8 *)&vi->txq[q] + fe_tx_stats[i].off));
	}
	*data++ = READ_ONCE(vi->config_irqs);
}

/* The rings are created at attach (module parameters rx_size / tx_size,
 * else the device's size): that is the most ethtool -G can ask for. */
static void macvio_get_ringparam(struct net_device *ndev, struct ethtool_ringparam *ring,
				 struct kernel_ethtool_ringparam *kring, struct netlink_ext_ack *extack)
{
	struct macvio *vi = netdev_priv(ndev);

	ring->rx_max_pending = vi->net.rxq[0].vq.cap;
	ring->tx_max_pending = vi->net.txq[0].vq.cap;
	ring->rx_pending = vio_vq_size(&vi->net.rxq[0].vq);
	ring->tx_pending = vio_vq_size(&vi->net.txq[0].vq);
}

/* ethtool -G rx N tx M: powers of two up to the maximum (macvio_set_rings). */
static int macvio_set_ringparam(struct net_device *ndev, struct ethtool_ringparam *ring,
				struct kernel_ethtool_ringparam *kring, struct netlink_ext_ack *extack)
{
	struct macvio *vi = netdev_priv(ndev);
	int err;

	if (ring->rx_mini_pending || ring->rx_jumbo_pending || ring->rx_pending > U16_MAX ||
	    ring->tx_pending > U16_MAX)
		return -EINVAL;
	if (ring->rx_pending == vio_vq_size(&vi->net.rxq[0].vq) &&
	    ring->tx_pending == vio_vq_size(&vi->net.txq[0].vq))
		return 0;
	err = macvio_set_rings(vi, (u16)ring->rx_pending, (u16)ring->tx_pending);
	if (err)
		netdev_warn(ndev, "ring sizes rx %u tx %u: %s\n", ring->rx_pending, ring->tx_pending,
			    vio_strerror(err));
	return err == VIO_OK	    ? 0
	       : err == VIO_EINVAL  ? -EINVAL
	       : err == VIO_EAGAIN  ? -EBUSY
	       : err == VIO_ENOTSUP ? -EOPNOTSUPP
				    : -EIO;
}

/* NET_F_SPEED_DUPLEX: what the device reports, re-read by the config work
 * (vio_net_config_changed); unknown without it, or for a value out of
 * range, as Linux's virtio_net (virtnet_update_settings). */
static int macvio_get_link_ksettings(struct net_device *ndev, struct ethtool_link_ksettings *cmd)
{
	struct macvio *vi = netdev_priv(ndev);
	u32 speed = READ_ONCE(vi->net.speed);
	u8 duplex = READ_ONCE(vi->net.duplex);

	cmd->base.speed = speed == VIO_NET_SPEED_UNKNOWN ? SPEED_UNKNOWN : speed;
	cmd->base.duplex = duplex == VIO_NET_DUPLEX_FULL   ? DUPLEX_FULL
			   : duplex == VIO_NET_DUPLEX_HALF ? DUPLEX_HALF
							   : DUPLEX_UNKNOWN;
	cmd->base.port = PORT_OTHER;
	cmd->base.autoneg = AUTONEG_DISABLE;
	return 0;
}

/* MQ: every pair created at attach can be enabled (max), curr_qp are. */
static void macvio_get_channels(struct net_device *ndev, struct ethtool_channels *ch)
{
	struct macvio *vi = netdev_priv(ndev);

	ch->max_combined = vi->net.nqp;
	ch->combined_count = vi->net.curr_qp;
}

static int macvio_set_channels(struct net_device *ndev, struct ethtool_channels *ch)
{
	struct macvio *vi = netdev_priv(ndev);

	if (ch->rx_count || ch->tx_count || ch->other_count)
		return -EINVAL;
	return macvio_set_pairs(vi, ch->combined_count);
}

/* RSS (ethtool -x / -X): Toeplitz over the device's supported hash types,
 * rss.table_len buckets of RX queue (pair) numbers, an rss.key_len key.
 * With HASH_REPORT and no RSS: the key alone (table_len 0). */
static u32 macvio_get_rxfh_key_size(struct net_device *ndev)
{
	return ((struct macvio *)netdev_priv(ndev))->net.rss.key_len;
}

static u32 macvio_get_rxfh_indir_size(struct net_device *ndev)
{
	return ((struct macvio *)netdev_priv(ndev))->net.rss.table_len;
}

static int macvio_get_rxfh(struct net_device *ndev, u32 *indir, u8 *key, u8 *hfunc)
{
	struct macvio *vi = netdev_priv(ndev);
	u16 i;

	if (!vi->net.rss.key_len)
		return -EOPNOTSUPP;
	mutex_lock(&vi->ctrl_mutex);
	for (i = 0; indir && i < vi->net.rss.table_len; i++)
		indir[i] = vi->net.rss.table[i];
	if (key)
		memcpy(key, vi->net.rss.key, vi->net.rss.key_len);
	mutex_unlock(&vi->ctrl_mutex);
	if (hfunc)
		*hfunc = ETH_RSS_HASH_TOP;
	return 0;
}

static int macvio_set_rxfh(struct net_device *ndev, const u32 *indir, const u8 *key, const u8 hfunc)
{
	struct macvio *vi = netdev_priv(ndev);
	u16 table[VIO_NET_RSS_TABLE_MAX];
	int err;
	u16 i;

	if (!vi->net.rss.key_len)
		return -EOPNOTSUPP;
	if (hfunc != ETH_RSS_HASH_NO_CHANGE && hfunc != ETH_RSS_HASH_TOP)
		return -EOPNOTSUPP;
	for (i = 0; indir && i < vi->net.rss.table_len; i++) {
		if (indir[i] > U16_MAX)
			return -EINVAL;
		table[i] = (u16)indir[i];
	}
	mutex_lock(&vi->ctrl_mutex);
	if (macvio_ctrl_closed(vi))
		err = VIO_EAGAIN;
	else
		err = vio_net_set_rss(&vi->net, indir ? table : NULL, key);
	macvio_reset_check(vi);
	mutex_unlock(&vi->ctrl_mutex);
	if (err)
		netdev_warn(ndev, "setting RSS failed: %s\n", vio_strerror(err));
	return err == VIO_OK ? 0 : err == VIO_EINVAL ? -EINVAL : err == VIO_EAGAIN ? -EBUSY : -EIO;
}

/* ethtool's -X asks how many RX rings there are */
static int macvio_get_rxnfc(struct net_device *ndev, struct ethtool_rxnfc *info, u32 *rule_locs)
{
	struct macvio *vi = netdev_priv(ndev);

	if (info->cmd != ETHTOOL_GRXRINGS)
		return -EOPNOTSUPP;
	info->data = vi->net.curr_qp;
	return 0;
}

const struct ethtool_ops macvio_ethtool_ops = {
    .get_drvinfo = macvio_get_drvinfo,
    .get_link = ethtool_op_get_link,
    .get_sset_count = macvio_get_sset_count,
    .get_strings = macvio_get_strings,
    .get_ethtool_stats = macvio_get_ethtool_stats,
    .get_ringparam = macvio_get_ringparam,
    .set_ringparam = macvio_set_ringparam,
    .get_link_ksettings = macvio_get_link_ksettings,
    .get_channels = macvio_get_channels,
    .set_channels = macvio_set_channels,
    .get_rxfh_key_size = macvio_get_rxfh_key_size,
    .get_rxfh_indir_size = macvio_get_rxfh_indir_size,
    .get_rxfh = macvio_get_rxfh,
    .set_rxfh = macvio_set_rxfh,
    .get_rxnfc = macvio_get_rxnfc,
};
