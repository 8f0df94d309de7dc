// SPDX-License-Identifier: BSD-2-Clause
/*
 * macvio_netdev.c - the net_device face: open/stop, features from what was
 * negotiated, RX filters, MAC, MTU, statistics, link state.
 *
 * Control-queue commands busy-wait inside the core (bounded by
 * VIO_NET_CTRL_TIMEOUT_US, and after one timeout later commands fail at
 * once). They run only in process context, serialised by ctrl_mutex:
 * ndo_set_rx_mode, called with BHs off under the address lock, copies the
 * lists and defers to rx_mode_work.
 */
#include <linux/cpumask.h>
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "macvio.h"
#include "vio_log.h"

#define GUEST_OFFLOADS                                                                                       \
	(VIO_BIT(VIO_NET_F_GUEST_CSUM) | VIO_BIT(VIO_NET_F_GUEST_TSO4) | VIO_BIT(VIO_NET_F_GUEST_TSO6) |     \
	 VIO_BIT(VIO_NET_F_GUEST_ECN) | VIO_BIT(VIO_NET_F_GUEST_UFO) | VIO_BIT(VIO_NET_F_GUEST_USO4) |       \
	 VIO_BIT(VIO_NET_F_GUEST_USO6))
#define GUEST_GSO (GUEST_OFFLOADS & ~VIO_BIT(VIO_NET_F_GUEST_CSUM))

static bool has(const struct macvio *vi, unsigned int bit)
{
	return vio_dev_has(&vi->net.dev, bit);
}

/* ---- link ---- */

/* Read link status (and a pending announce request) from config space and
 * reflect it in the carrier. rtnl_held: the caller holds RTNL (ndo_open),
 * otherwise announcing takes it. */
void macvio_link_poll(struct macvio *vi, bool rtnl_held)
{
	struct net_device *ndev = vi->ndev;
	bool up, announce;

	/* a config interrupt during probe: ndo_open reads the link anyway, and
	 * turning the carrier on now would hide the off->on transition */
	if (READ_ONCE(ndev->reg_state) != NETREG_REGISTERED)
		return;
	mutex_lock(&vi->ctrl_mutex);
	if (vi->removing || vi->suspended) {
		mutex_unlock(&vi->ctrl_mutex);
		return;
	}
	vio_net_config_changed(&vi->net);
	/* a packed ring's relink reset is coming: it turns the carrier on when
	 * done, once, instead of up now and down-up again (carrier_update) */
	up = vi->net.link_up && !READ_ONCE(vi->broken) && !vi->net.relink_reset;
	announce = vi->net.announce;
	vi->net.announce = false;
	macvio_reset_check(vi); /* DEVICE_NEEDS_RESET, a dead control queue */
	mutex_unlock(&vi->ctrl_mutex);

	if (up)
		netif_carrier_on(ndev);
	else
		netif_carrier_off(ndev);
	if (!announce)
		return;
	/* §5.1.6.5.3 GUEST_ANNOUNCE: gratuitous ARP / unsolicited NA */
	if (!rtnl_held)
		rtnl_lock();
	if (ndev->reg_state == NETREG_REGISTERED && netif_running(ndev))
		__netdev_notify_peers(ndev);
	if (!rtnl_held)
		rtnl_unlock();
}

void macvio_config_work(struct work_struct *work)
{
	macvio_link_poll(container_of(work, struct macvio, config_work), false);
}

/* ---- open / stop ---- */

static int macvio_open(struct net_device *ndev)
{
	struct macvio *vi = netdev_priv(ndev);
	u16 i;

	for (i = 0; i < vi->net.nqp; i++) {
		napi_enable(&vi->rxq[i].napi);
		napi_enable(&vi->txq[i].napi);
	}
	netif_tx_start_all_queues(ndev);
	macvio_link_poll(vi, true);
	/* packets that arrived while we were down raised no usable interrupt;
	 * the poll also re-arms the RX interrupt */
	for (i = 0; i < vi->net.nqp; i++) {
		local_bh_disable();
		napi_schedule(&vi->rxq[i].napi);
		local_bh_enable();
	}
	return 0;
}

static int macvio_stop(struct net_device *ndev)
{
	struct macvio *vi = netdev_priv(ndev);
	u16 i;

	netif_tx_disable(ndev);
	for (i = 0; i < vi->net.nqp; i++) {
		struct netdev_queue *txq = netdev_get_tx_queue(ndev, i);

		napi_disable(&vi->rxq[i].napi);
		napi_disable(&vi->txq[i].napi);
		/* NAPI is off, so this context owns the RX queue: no interrupt
		 * per packet while down */
		vio_vq_disable_cb(&vi->rxq[i].q->vq);
		/* free what already completed instead of holding it until up */
		__netif_tx_lock_bh(txq);
		netif_tx_stop_queue(txq); /* TX NAPI may have woken it after netif_tx_disable */
		macvio_tx_reclaim_all(&vi->txq[i]);
		__netif_tx_unlock_bh(txq);
	}
	return 0;
}

/* ---- filters, MAC, MTU, features ---- */

static int ctrl_err(int err)
{
	switch (err) {
	case VIO_OK:
		return 0;
	case VIO_ENOTSUP:
		return -EOPNOTSUPP;
	case VIO_EINVAL:
		return -EINVAL;
	case VIO_ETIMEDOUT:
		return -ETIMEDOUT;
	case VIO_EAGAIN: /* suspended or going away */
		return -EBUSY;
	default:
		return -EIO;
	}
}

/* Copy the unicast and multicast lists into one buffer: uc first. */
static u8 *rx_mode_tables(struct net_device *ndev, u32 *nuc, u32 *nmc)
{
	struct netdev_hw_addr *ha;
	u8 *buf, *p;

	*nuc = netdev_uc_count(ndev);
	*nmc = netdev_mc_count(ndev);
	buf = kmalloc(((size_t)*nuc + *nmc) * ETH_ALEN + 1, GFP_ATOMIC);
	if (!buf)
		return NULL;
	p = buf;
	netdev_for_each_uc_addr(ha, ndev)
	{
		memcpy(p, ha->addr, ETH_ALEN);
		p += ETH_ALEN;
	}
	netdev_for_each_mc_addr(ha, ndev)
	{
		memcpy(p, ha->addr, ETH_ALEN);
		p += ETH_ALEN;
	}
	return buf;
}

/* ndo_set_rx_mode: atomic context (address lock, BHs off), where no
 * control command may wait: the work item does it. */
static void macvio_set_rx_mode(struct net_device *ndev)
{
	struct macvio *vi = netdev_priv(ndev);

	if (has(vi, VIO_NET_F_CTRL_RX) && !READ_ONCE(vi->removing))
		schedule_work(&vi->rx_mode_work);
}

/* Promiscuous / all-multicast / address filters (§5.1.6.5.1-2), in process
 * context. A table the device cannot take falls back to all-multicast,
 * never to losing traffic. */
/* CTRL_RX_EXTRA: send a mode only when it changes; ctrl_mutex held. */
static void rx_extra(struct macvio *vi, u8 cmd, bool on)
{
	int err;

	if (!has(vi, VIO_NET_F_CTRL_RX_EXTRA) || vio_net_rx_extra(&vi->net, cmd) == on)
		return;
	err = vio_net_set_rx_extra(&vi->net, cmd, on);
	if (err)
		net_warn_ratelimited("%s: receive mode %u %s failed: %s\n", vi->ndev->name, cmd,
				     on ? "on" : "off", vio_strerror(err));
}

void macvio_rx_mode_work(struct work_struct *work)
{
	struct macvio *vi = container_of(work, struct macvio, rx_mode_work);
	struct net_device *ndev = vi->ndev;
	bool promisc, allmulti, multi, alluni = false;
	u32 nuc, nmc;
	u8 *tab;
	int err;

	netif_addr_lock_bh(ndev);
	promisc = ndev->flags & IFF_PROMISC;
	allmulti = ndev->flags & IFF_ALLMULTI;
	multi = ndev->flags & IFF_MULTICAST;
	tab = rx_mode_tables(ndev, &nuc, &nmc);
	netif_addr_unlock_bh(ndev);
	mutex_lock(&vi->ctrl_mutex);
	if (vi->removing || vi->suspended)
		goto out;
	if (!tab || vio_net_set_mac_table(&vi->net, tab, nuc, tab + (size_t)nuc * ETH_ALEN, nmc)) {
		net_warn_ratelimited("%s: MAC filter table (%u uc, %u mc) refused: accepting all multicast\n",
				     ndev->name, nuc, nmc);
		/* extra unicast addresses the table cannot carry: every
		 * unicast frame (ALLUNI), or promiscuous without RX_EXTRA */
		if (has(vi, VIO_NET_F_CTRL_RX_EXTRA))
			alluni = nuc > 0;
		else
			promisc |= nuc > 0;
		allmulti = true;
	}
	err = vio_net_set_promisc(&vi->net, promisc);
	if (err)
		net_warn_ratelimited("%s: promiscuous %s failed: %s\n", ndev->name, promisc ? "on" : "off",
				     vio_strerror(err));
	err = vio_net_set_allmulti(&vi->net, allmulti);
	if (err)
		net_warn_ratelimited("%s: all-multicast %s failed: %s\n", ndev->name, allmulti ? "on" : "off",
				     vio_strerror(err));
	/* `ip link set IF multicast off`: the device drops every multicast
	 * frame (NOMULTI), unless promiscuous or all-multicast asks for them */
	rx_extra(vi, VIO_NET_CTRL_RX_ALLUNI, alluni && !promisc);
	rx_extra(vi, VIO_NET_CTRL_RX_NOMULTI, !multi && !promisc && !allmulti);
	macvio_reset_check(vi);
out:
	mutex_unlock(&vi->ctrl_mutex);
	kfree(tab);
}

static int macvio_set_mac_address(struct net_device *ndev, void *p)
{
	struct macvio *vi = netdev_priv(ndev);
	struct sockaddr *sa = p;
	int err;

	err = eth_prepare_mac_addr_change(ndev, p);
	if (err)
		return err;
	mutex_lock(&vi->ctrl_mutex);
	err = vi->removing ? VIO_ENOTSUP : vio_net_set_mac(&vi->net, (const u8 *)sa->sa_data);
	macvio_reset_check(vi);
	mutex_unlock(&vi->ctrl_mutex);
	if (err) {
		netdev_warn(ndev, "setting MAC %pM failed: %s\n", sa->sa_data, vio_strerror(err));
		return ctrl_err(err);
	}
	eth_commit_mac_addr_change(ndev, p);
	return 0;
}

/* ---- queue pairs (MQ) ---- */

/* The CPU of enabled queue q among the online ones: queue q on the
 * (q mod online)-th, so more queues than CPUs wrap (virtio_net does the
 * same), fewer leave the last CPUs to share through XPS below. */
static unsigned int queue_cpu(u16 q)
{
	unsigned int n = q % num_online_cpus(), cpu;

	for_each_online_cpu(cpu) if (!n--) return cpu;
	return cpumask_first(cpu_online_mask);
}

/* Per-VQ MSI-X: queue q's RX and TX vectors on queue_cpu(q mod k) (a hint
 * to irqbalance and the kernel's default); k 0 clears the hints, which
 * free_irq requires. cpumask_of() is static, as a hint must stay valid
 * until cleared. */
static void affinity_hints(struct macvio *vi, u16 k)
{
	u16 q, i;

	if (vi->irq_kind != MACVIO_IRQ_MSIX || vi->irq_mode != VIO_IRQ_MSIX_PER_VQ)
		return;
	for (q = 0; q < vi->net.nqp; q++)
		for (i = 2 * q; i <= 2 * q + 1; i++) /* RX queue 2q, TX queue 2q + 1 */
			irq_set_affinity_hint(
			    pci_irq_vector(vi->fn.pdev, vio_dev_queue_vector(&vi->net.dev, i)),
			    k ? cpumask_of(queue_cpu(q % k)) : NULL);
}

void macvio_affinity_clear(struct macvio *vi)
{
	affinity_hints(vi, 0);
}

/* XPS: each CPU sends on the enabled queue(s) placed on it, so a flow's
 * packets and their completions stay on one CPU's queue; with fewer queues
 * than CPUs, CPU c sends on queue c mod k. */
static void xps_set(struct macvio *vi, u16 k)
{
	cpumask_var_t mask;
	unsigned int cpu, i = 0;
	u16 q;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return;
	for (q = 0; q < k; q++) {
		cpumask_clear(mask);
		i = 0;
		for_each_online_cpu(cpu)
		{
			if (k >= num_online_cpus() ? queue_cpu(q) == cpu : i % k == q)
				cpumask_set_cpu(cpu, mask);
			i++;
		}
		netif_set_xps_queue(vi->ndev, mask, q);
	}
	free_cpumask_var(mask);
}

/* Tell the stack the device serves curr_qp pairs: real queue counts (a
 * shrink waits for transmits on the dropped queues to finish,
 * synchronize_net in netif_set_real_num_tx_queues), XPS and vector hints.
 * RTNL held once the device is registered. */
int macvio_set_real_queues(struct macvio *vi)
{
	u16 k = vi->net.curr_qp, q;
	int err = netif_set_real_num_tx_queues(vi->ndev, k);

	if (!err)
		err = netif_set_real_num_rx_queues(vi->ndev, k);
	if (err)
		return err;
	/* a queue the device no longer serves keeps its chains until the
	 * pairs grow again or a reset; one stopped for room must not stay
	 * stopped, or the watchdog would reset the device for it */
	for (q = k; q < vi->net.nqp; q++) {
		struct netdev_queue *txq = netdev_get_tx_queue(vi->ndev, q);

		__netif_tx_lock_bh(txq);
		netif_tx_start_queue(txq);
		__netif_tx_unlock_bh(txq);
	}
	xps_set(vi, k);
	affinity_hints(vi, k);
	return 0;
}

/* ethtool -L combined k (RTNL held). Growing tells the device first, then
 * the stack; shrinking the stack first, so nothing is sent on a queue the
 * device no longer serves. A refused command leaves both as they were. */
int macvio_set_pairs(struct macvio *vi, u16 k)
{
	u16 old = vi->net.curr_qp;
	int err;

	if (k < 1 || k > vi->net.nqp)
		return -EINVAL;
	if (k == old)
		return 0;
	if (k < old) {
		err = netif_set_real_num_tx_queues(vi->ndev, k);
		if (err)
			return err;
	}
	mutex_lock(&vi->ctrl_mutex);
	/* a table the user set (ethtool -X) stays while it fits the new
	 * count (the ethtool core refuses one that does not); the default
	 * spreads over the new count */
	vi->net.rss.user = netif_is_rxfh_configured(vi->ndev);
	if (macvio_ctrl_closed(vi))
		err = VIO_EAGAIN;
	else
		err = vio_net_set_pairs(&vi->net, k);
	macvio_reset_check(vi);
	mutex_unlock(&vi->ctrl_mutex);
	if (err) {
		netdev_warn(vi->ndev, "setting %u queue pairs failed: %s\n", k, vio_strerror(err));
		if (k < old)
			netif_set_real_num_tx_queues(vi->ndev, old);
		return ctrl_err(err);
	}
	return macvio_set_real_queues(vi);
}

/* CTRL_VLAN: the device drops tagged frames of ids it was not told
 * (§5.1.6.5.3); the stack tells us each id a VLAN device uses (and 0 at
 * up, NETIF_F_HW_VLAN_CTAG_FILTER). The core keeps the ids for resets.
 * A refused add fails the VLAN device's creation instead of leaving it
 * deaf (Linux virtio_net only warns). */
static int macvio_vlan_cmd(struct net_device *ndev, u16 vid, bool add)
{
	struct macvio *vi = netdev_priv(ndev);
	int err;

	mutex_lock(&vi->ctrl_mutex);
	if (vi->removing || vi->suspended)
		err = VIO_EAGAIN;
	else if (add)
		err = vio_net_vlan_add(&vi->net, vid);
	else
		err = vio_net_vlan_del(&vi->net, vid);
	macvio_reset_check(vi);
	mutex_unlock(&vi->ctrl_mutex);
	if (err)
		netdev_warn(ndev, "%s VLAN %u failed: %s\n", add ? "adding" : "removing", vid,
			    vio_strerror(err));
	return err ? ctrl_err(err) : 0;
}

static int macvio_vlan_add(struct net_device *ndev, __be16 proto, u16 vid)
{
	return macvio_vlan_cmd(ndev, vid, true);
}

static int macvio_vlan_kill(struct net_device *ndev, __be16 proto, u16 vid)
{
	return macvio_vlan_cmd(ndev, vid, false);
}

static int macvio_change_mtu(struct net_device *ndev, int mtu)
{
	struct macvio *vi = netdev_priv(ndev);
	int err;

	mutex_lock(&vi->ctrl_mutex);
	err = vio_net_set_mtu(&vi->net, mtu);
	mutex_unlock(&vi->ctrl_mutex);
	if (err)
		return ctrl_err(err);
	WRITE_ONCE(ndev->mtu, mtu);
	return 0;
}

/* RXCSUM / GRO_HW map to the guest offloads the device applies to what it
 * sends us (§5.1.6.5.6); only changeable with CTRL_GUEST_OFFLOADS. */
static int macvio_set_features(struct net_device *ndev, netdev_features_t features)
{
	struct macvio *vi = netdev_priv(ndev);
	netdev_features_t changed = ndev->features ^ features;
	u64 offloads = vi->net.dev.features & GUEST_OFFLOADS;
	int err;

	if (!(changed & (NETIF_F_RXCSUM | NETIF_F_GRO_HW)) || !has(vi, VIO_NET_F_CTRL_GUEST_OFFLOADS))
		return 0;
	if (!(features & NETIF_F_GRO_HW))
		offloads &= ~GUEST_GSO;
	if (!(features & NETIF_F_RXCSUM))
		offloads &= ~(u64)GUEST_OFFLOADS; /* no checksum, no GSO either */
	mutex_lock(&vi->ctrl_mutex);
	err = vi->removing ? VIO_ENOTSUP : vio_net_set_guest_offloads(&vi->net, offloads);
	macvio_reset_check(vi);
	mutex_unlock(&vi->ctrl_mutex);
	if (err)
		netdev_warn(ndev, "guest offloads %#llx refused: %s\n", offloads, vio_strerror(err));
	return ctrl_err(err);
}

/* ---- statistics ---- */

static void macvio_get_stats64(struct net_device *ndev, struct rtnl_link_stats64 *s)
{
	struct macvio *vi = netdev_priv(ndev);
	u16 i;

	for (i = 0; i < vi->net.nqp; i++) {
		const struct vio_net_rxq_stats *r = &vi->net.rxq[i].stats;
		const struct vio_net_txq_stats *t = &vi->net.txq[i].stats;
		const struct macvio_rxq_stats *fr = &vi->rxq[i].stats;
		const struct macvio_txq_stats *ft = &vi->txq[i].stats;

		s->rx_packets += READ_ONCE(r->packets);
		s->rx_bytes += READ_ONCE(r->bytes);
		s->rx_length_errors += READ_ONCE(r->err_len);
		s->rx_frame_errors += READ_ONCE(r->err_num_buffers) + READ_ONCE(r->err_hdr);
		s->rx_errors += READ_ONCE(r->drops);
		s->rx_dropped += READ_ONCE(r->drops) + READ_ONCE(fr->alloc_fail) + READ_ONCE(fr->map_fail) +
				 READ_ONCE(fr->hdr_drop) + READ_ONCE(fr->build_fail);
		s->tx_packets += READ_ONCE(t->packets);
		s->tx_bytes += READ_ONCE(t->bytes);
		s->tx_dropped += READ_ONCE(ft->dropped) + READ_ONCE(ft->map_fail);
		s->tx_fifo_errors += READ_ONCE(t->full);
	}
}

/* The watchdog: a queue stopped for watchdog_timeo. Say what the ring
 * looks like; the device is the one to blame. */
static void macvio_tx_timeout(struct net_device *ndev, unsigned int q)
{
	struct macvio *vi = netdev_priv(ndev);
	const struct vio_net_txq *t = &vi->net.txq[q];

	netdev_err(ndev, "tx queue %u stalled: %u in flight, %u free descriptors, device %s: resetting\n", q,
		   t->inflight, vio_vq_num_free(&t->vq),
		   vio_vq_broken(&t->vq) ? "broke the ring" : "did not complete");
	macvio_schedule_reset(vi, VIO_NET_RESET_TX_TIMEOUT);
}

static const struct net_device_ops macvio_netdev_ops = {
    .ndo_open = macvio_open,
    .ndo_stop = macvio_stop,
    .ndo_start_xmit = macvio_start_xmit,
    .ndo_validate_addr = eth_validate_addr,
    .ndo_set_rx_mode = macvio_set_rx_mode,
    .ndo_set_mac_address = macvio_set_mac_address,
    .ndo_change_mtu = macvio_change_mtu,
    .ndo_set_features = macvio_set_features,
    .ndo_vlan_rx_add_vid = macvio_vlan_add,
    .ndo_vlan_rx_kill_vid = macvio_vlan_kill,
    .ndo_get_stats64 = macvio_get_stats64,
    .ndo_tx_timeout = macvio_tx_timeout,
    .ndo_features_check = passthru_features_check,
    /* netpoll: no ndo_poll_controller since 5.x; netpoll runs our NAPI
     * polls with budget 0 (TX reclaim and wake only) and ndo_start_xmit
     * with IRQs off, which sends through the core's polled path
     * (vio_net_poll_send, macvio_poll.c). */
};

/* Offloads follow what was negotiated, nothing more. */
static void netdev_features_setup(struct macvio *vi)
{
	struct net_device *ndev = vi->ndev;
	netdev_features_t tso = 0;

	ndev->features = NETIF_F_HIGHDMA;
	if (has(vi, VIO_NET_F_CSUM)) {
		ndev->hw_features |= NETIF_F_HW_CSUM | NETIF_F_SG;
		if (has(vi, VIO_NET_F_HOST_TSO4))
			tso |= NETIF_F_TSO;
		if (has(vi, VIO_NET_F_HOST_TSO6))
			tso |= NETIF_F_TSO6;
		if (tso && has(vi, VIO_NET_F_HOST_ECN))
			tso |= NETIF_F_TSO_ECN;
		ndev->hw_features |= tso;
		ndev->features |= ndev->hw_features;
	}
	if (has(vi, VIO_NET_F_GUEST_CSUM))
		ndev->features |= NETIF_F_RXCSUM;
	if (has(vi, VIO_NET_F_GUEST_TSO4) || has(vi, VIO_NET_F_GUEST_TSO6))
		ndev->features |= NETIF_F_GRO_HW;
	if (has(vi, VIO_NET_F_CTRL_GUEST_OFFLOADS))
		ndev->hw_features |= ndev->features & (NETIF_F_RXCSUM | NETIF_F_GRO_HW);
	ndev->vlan_features = ndev->features & ~NETIF_F_GRO_HW;
	if (has(vi, VIO_NET_F_CTRL_VLAN))
		ndev->features |= NETIF_F_HW_VLAN_CTAG_FILTER;
	/* the device's hash on each skb (rx_hash); the stack may turn it off */
	if (has(vi, VIO_NET_F_HASH_REPORT)) {
		ndev->hw_features |= NETIF_F_RXHASH;
		ndev->features |= NETIF_F_RXHASH;
	}
}

void macvio_netdev_setup(struct macvio *vi)
{
	struct net_device *ndev = vi->ndev;

	ndev->netdev_ops = &macvio_netdev_ops;
	ndev->ethtool_ops = &macvio_ethtool_ops;
	ndev->watchdog_timeo = 5 * HZ;
	if (has(vi, VIO_NET_F_CTRL_RX))
		ndev->priv_flags |= IFF_UNICAST_FLT;
	if (has(vi, VIO_NET_F_CTRL_MAC_ADDR))
		ndev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	netdev_features_setup(vi);
	ndev->min_mtu = ETH_MIN_MTU;
	ndev->max_mtu = max_t(unsigned int, vi->net.max_mtu, ETH_MIN_MTU);
	if (vi->net.copy) /* a bounce slot holds one VLAN-tagged frame */
		ndev->max_mtu =
		    min_t(unsigned int, ndev->max_mtu, vi->net.copy_frame - VIO_ETH_HLEN - VIO_ETH_VLAN_HLEN);
	ndev->mtu = clamp_t(unsigned int, vi->net.mtu, ETH_MIN_MTU, ndev->max_mtu);
	eth_hw_addr_set(ndev, vi->net.mac);
	if (vi->net.mac_random)
		ndev->addr_assign_type = NET_ADDR_RANDOM;
}
