// SPDX-License-Identifier: BSD-2-Clause
/*
 * macvio_reset.c - recovery and power management through the core's one
 * reset path (core/vio_net_reset.c).
 *
 * Triggers: a queue latched broken (rx/tx paths), DEVICE_NEEDS_RESET or a
 * timed-out control command (seen by the config work / control calls), the
 * netdev watchdog (ndo_tx_timeout), suspend/resume and hibernation, and the
 * debugfs file `force` for tests. Each schedules reset_work; the recovery
 * itself runs in process context under RTNL and ctrl_mutex:
 *
 *   quiesce   TX queues stopped, NAPI off, vio_net_stop (no DMA), every
 *             skb and RX buffer back (drain)
 *   restart   vio_net_reinit, RX refilled, vio_net_start (MQ, MAC, filter,
 *             guest offloads re-applied by the core), NAPI on, carrier from
 *             the device's status, queues woken
 *
 * The core bounds the retries (vio_net_reset_begin): a device that fails
 * again right after three resets with no TX completed between, or asks for
 * more than 32 a minute, is left reset, carrier off, with one error line;
 * packets are then dropped until the driver is reloaded. A packed ring's
 * reset after a link cycle (cause relink) never counts toward that.
 */
#include <linux/debugfs.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "macvio.h"
#include "vio_log.h"

void macvio_schedule_reset(struct macvio *vi, enum vio_net_reset_cause cause)
{
	/* one pending cause: a link cycle never relabels a real failure that
	 * is already waiting (it would count as "never failing") */
	if (cause != VIO_NET_RESET_RELINK || !work_pending(&vi->reset_work))
		WRITE_ONCE(vi->reset_cause, cause);
	if (!READ_ONCE(vi->removing))
		schedule_work(&vi->reset_work);
}

/* Carrier from the core's link state; ctrl_mutex held. */
static void carrier_update(struct macvio *vi)
{
	if (vi->net.link_up && !READ_ONCE(vi->broken))
		netif_carrier_on(vi->ndev);
	else
		netif_carrier_off(vi->ndev);
}

/* Stop everything that touches the queues, reset, take every buffer back.
 * RTNL and ctrl_mutex held. */
static void quiesce(struct macvio *vi, bool running)
{
	u16 i;

	netif_carrier_off(vi->ndev);
	if (running) {
		netif_tx_disable(vi->ndev);
		for (i = 0; i < vi->net.nqp; i++) {
			napi_disable(&vi->rxq[i].napi);
			napi_disable(&vi->txq[i].napi);
		}
		/* TX NAPI (macvio_tx_poll) may have woken a queue after the
		 * first disable; no poll runs now */
		netif_tx_disable(vi->ndev);
	}
	vio_net_stop(&vi->net);
	for (i = 0; i < vi->net.nqp; i++) {
		macvio_tx_drain(&vi->txq[i]);
		macvio_rx_drain(&vi->rxq[i]);
	}
}

static int reinit(struct macvio *vi)
{
	int err;
	u16 i;

	vi->net.rss.user = netif_is_rxfh_configured(vi->ndev); /* as macvio_set_pairs */
	err = vio_net_reinit(&vi->net);

	if (err)
		return err;
	for (i = 0; i < vi->net.nqp; i++) {
		/* as at probe: TX interrupts only while a queue is stopped */
		vio_vq_disable_cb(&vi->txq[i].q->vq);
		if (macvio_rx_fill(&vi->rxq[i], false) < 0)
			return VIO_ENOMEM;
	}
	return vio_net_start(&vi->net);
}

/* Bring the device back and the data path with it. A failure leaves the
 * device reset and the driver marked broken (packets dropped, carrier
 * off); NAPI is re-enabled either way so ndo_stop stays balanced. */
static int restart(struct macvio *vi, bool running, bool wake)
{
	int err = reinit(vi);
	u16 i;

	WRITE_ONCE(vi->stall_tx, false); /* a test's stall ends with the reset */
	if (err) {
		vio_net_stop(&vi->net);
		for (i = 0; i < vi->net.nqp; i++)
			macvio_rx_drain(&vi->rxq[i]);
	}
	WRITE_ONCE(vi->broken, err != 0);
	/* a device that refused the pair count after the reset serves one */
	if (!err && vi->ndev->real_num_tx_queues != vi->net.curr_qp && macvio_set_real_queues(vi))
		netdev_warn(vi->ndev, "could not follow the device to %u queue pairs\n", vi->net.curr_qp);
	if (running)
		for (i = 0; i < vi->net.nqp; i++) {
			napi_enable(&vi->rxq[i].napi);
			napi_enable(&vi->txq[i].napi);
		}
	carrier_update(vi);
	if (running && !err) {
		if (wake)
			netif_tx_wake_all_queues(vi->ndev);
		/* what arrived during the reset raised no usable interrupt */
		local_bh_disable();
		for (i = 0; i < vi->net.nqp; i++)
			napi_schedule(&vi->rxq[i].napi);
		local_bh_enable();
	}
	return err;
}

/* One recovery; RTNL and ctrl_mutex held. */
static void recover(struct macvio *vi, enum vio_net_reset_cause cause)
{
	bool running = netif_running(vi->ndev);
	ktime_t t0 = ktime_get();
	int err;

	if (!vio_net_reset_begin(&vi->net, cause)) {
		if (!vi->net.reset_given_up) { /* a relink reset skipped: link as it is */
			carrier_update(vi);
			return;
		}
		WRITE_ONCE(vi->broken, true);
		if (!vi->net.dev.broken)
			vio_net_stop(&vi->net); /* given up: no DMA from here on */
		netif_carrier_off(vi->ndev);
		return;
	}
	quiesce(vi, running);
	err = restart(vi, running, true);
	vio_net_reset_end(&vi->net, err);
	vi->reset_last_us = ktime_us_delta(ktime_get(), t0);
	if (!err && vi->fault_rebreak) { /* test: the device breaks again at once */
		vi->fault_rebreak--;
		vio_vq_set_broken(&vi->net.txq[0].vq, "forced again after reset (debugfs)");
		macvio_schedule_reset(vi, VIO_NET_RESET_BROKEN);
	}
}

/* Is a recovery for this cause still needed? A fault can be reported twice
 * (the debugfs trigger and a transmit that met the broken ring, or RX and
 * TX both) and the second request may run after the first recovery already
 * brought the device back: then there is nothing left to recover. */
static bool still_needed(struct macvio *vi, enum vio_net_reset_cause cause)
{
	enum vio_net_reset_cause now;

	switch (cause) {
	case VIO_NET_RESET_BROKEN:
	case VIO_NET_RESET_NEEDS_RESET:
	case VIO_NET_RESET_CTRL_TIMEOUT:
		/* a pending relink is not this fault still being there */
		return READ_ONCE(vi->broken) ||
		       (vio_net_reset_wanted(&vi->net, &now) && now != VIO_NET_RESET_RELINK);
	case VIO_NET_RESET_RELINK:
		return vi->net.relink_reset;
	default:
		return true; /* watchdog, resume, forced: asked for as such */
	}
}

void macvio_reset_work(struct work_struct *work)
{
	struct macvio *vi = container_of(work, struct macvio, reset_work);
	enum vio_net_reset_cause cause;

	rtnl_lock();
	mutex_lock(&vi->ctrl_mutex);
	cause = READ_ONCE(vi->reset_cause);
	if (!vi->removing && !vi->suspended && still_needed(vi, cause))
		recover(vi, cause);
	mutex_unlock(&vi->ctrl_mutex);
	rtnl_unlock();
}

/* After a control command or a config change (ctrl_mutex held): does the
 * core ask for recovery? */
void macvio_reset_check(struct macvio *vi)
{
	enum vio_net_reset_cause cause;

	if (vio_net_reset_wanted(&vi->net, &cause))
		macvio_schedule_reset(vi, cause);
}

/* ---- power management: suspend/resume, freeze/thaw/restore ---- */

static int macvio_suspend(struct device *dev)
{
	struct macvio *vi = dev_get_drvdata(dev);

	if (macvio_pci_is_console(to_pci_dev(dev)))
		return macvio_cons_suspend(to_pci_dev(dev)); /* reset; ttys stay */
	rtnl_lock();
	mutex_lock(&vi->ctrl_mutex);
	netif_device_detach(vi->ndev);
	quiesce(vi, netif_running(vi->ndev));
	vi->suspended = true;
	mutex_unlock(&vi->ctrl_mutex);
	rtnl_unlock();
	/* a recovery queued before the suspend finds suspended and returns */
	cancel_work_sync(&vi->reset_work);
	return 0;
}

/* The device may have lost power (S3, hibernation restore): the full reset
 * path, counted as cause "resume". A failure is logged by the core and
 * leaves the NIC down; resume itself succeeds so the system comes back. */
static int macvio_resume(struct device *dev)
{
	struct macvio *vi = dev_get_drvdata(dev);
	bool running;
	int err = VIO_EBROKEN;

	if (macvio_pci_is_console(to_pci_dev(dev)))
		return macvio_cons_resume(to_pci_dev(dev));
	rtnl_lock();
	mutex_lock(&vi->ctrl_mutex);
	running = netif_running(vi->ndev);
	vi->suspended = false;
	if (vio_net_reset_begin(&vi->net, VIO_NET_RESET_RESUME)) {
		ktime_t t0 = ktime_get();

		err = restart(vi, running, false);
		vio_net_reset_end(&vi->net, err);
		vi->reset_last_us = ktime_us_delta(ktime_get(), t0);
	} else {
		WRITE_ONCE(vi->broken, true);
		if (running)
			for (u16 i = 0; i < vi->net.nqp; i++) {
				napi_enable(&vi->rxq[i].napi);
				napi_enable(&vi->txq[i].napi);
			}
	}
	netif_device_attach(vi->ndev); /* wakes the queues when running */
	if (err)
		netif_tx_stop_all_queues(vi->ndev); /* broken: nothing to send to */
	mutex_unlock(&vi->ctrl_mutex);
	rtnl_unlock();
	return 0;
}

const struct dev_pm_ops macvio_pm_ops = {
    .suspend = macvio_suspend,
    .resume = macvio_resume,
    .freeze = macvio_suspend,
    .thaw = macvio_resume,
    .poweroff = macvio_suspend,
    .restore = macvio_resume,
};

/* ---- debugfs: force each trigger (tests), read the last recovery ---- */

static ssize_t force_write(struct file *f, const char __user *ubuf, size_t count, loff_t *ppos)
{
	struct macvio *vi = f->private_data;
	struct netdev_queue *txq = netdev_get_tx_queue(vi->ndev, 0);
	char buf[32];
	unsigned int n;

	if (count >= sizeof(buf) || copy_from_user(buf, ubuf, count))
		return -EINVAL;
	buf[count] = 0;
	strim(buf);
	if (!strcmp(buf, "broken")) {
		/* what a device violation does: latch txq 0 broken, under the
		 * TX lock, and go through the driver's own broken handling */
		__netif_tx_lock_bh(txq);
		vio_vq_set_broken(&vi->net.txq[0].vq, "forced (debugfs)");
		__netif_tx_unlock_bh(txq);
		macvio_tx_broken(&vi->txq[0]);
	} else if (!strcmp(buf, "needs_reset")) {
		/* as if the device had set DEVICE_NEEDS_RESET: the config path */
		mutex_lock(&vi->ctrl_mutex);
		vi->net.needs_reset = true;
		mutex_unlock(&vi->ctrl_mutex);
		schedule_work(&vi->config_work);
	} else if (!strcmp(buf, "tx_stall")) {
		/* completions are no longer taken: the watchdog must notice */
		WRITE_ONCE(vi->stall_tx, true);
	} else if (!strcmp(buf, "resume")) {
		macvio_schedule_reset(vi, VIO_NET_RESET_RESUME);
	} else if (!strcmp(buf, "reset")) {
		macvio_schedule_reset(vi, VIO_NET_RESET_FORCED);
	} else if (sscanf(buf, "rebreak %u", &n) == 1) {
		mutex_lock(&vi->ctrl_mutex);
		vi->fault_rebreak = n;
		mutex_unlock(&vi->ctrl_mutex);
	} else {
		return -EINVAL;
	}
	return count;
}

static ssize_t force_read(struct file *f, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct macvio *vi = f->private_data;
	unsigned int resets = 0, i;
	char res[160];
	int len;

	mutex_lock(&vi->ctrl_mutex);
	for (i = 0; i < VIO_NET_RESET_CAUSES; i++)
		resets += vi->net.resets[i];
	len = scnprintf(res, sizeof(res), "state %s, last recovery %llu us, resets %u, failures %u\n",
			vi->net.reset_given_up	? "given-up"
			: READ_ONCE(vi->broken) ? "broken"
						: "ok",
			vi->reset_last_us, resets, vi->net.reset_failures);
	mutex_unlock(&vi->ctrl_mutex);
	return simple_read_from_buffer(ubuf, count, ppos, res, len);
}

static const struct file_operations force_fops = {
    .owner = THIS_MODULE,
    .open = simple_open,
    .read = force_read,
    .write = force_write,
    .llseek = default_llseek,
};

void macvio_reset_debugfs(struct macvio *vi, struct dentry *dir)
{
	debugfs_create_file("force", 0600, dir, vi, &force_fops);
}

/* ---- ethtool -G: ring sizes ---- */

/* RING_RESET, one RX queue: NAPI off, the queue reset alone, its buffers
 * back, enabled again at the new size and refilled. */
static int rx_ring_reset(struct macvio *vi, u16 i, bool running)
{
	struct macvio_rxq *rq = &vi->rxq[i];
	int err;

	if (running)
		napi_disable(&rq->napi);
	err = vio_net_rxq_reset(rq->q);
	if (!err) {
		macvio_rx_drain(rq);
		err = vio_net_rxq_restart(rq->q);
		if (!err && macvio_rx_fill(rq, false) < 0)
			err = VIO_ENOMEM;
		if (!err && !running) /* as macvio_stop left it: no interrupts */
			vio_vq_disable_cb(&rq->q->vq);
	}
	if (running) {
		napi_enable(&rq->napi);
		local_bh_disable();
		napi_schedule(&rq->napi); /* what came meanwhile raised no interrupt */
		local_bh_enable();
	}
	return err;
}

/* RING_RESET, one TX queue: stopped (the stack and netpoll keep off a
 * stopped queue), what is in flight given 100 ms to complete, then reset;
 * a packet the device still held is dropped (freed, as virtio_net does). */
static int tx_ring_reset(struct macvio *vi, u16 i, bool running)
{
	struct macvio_txq *tq = &vi->txq[i];
	struct netdev_queue *nq = netdev_get_tx_queue(vi->ndev, i);
	int err, n;

	if (running)
		napi_disable(&tq->napi);
	__netif_tx_lock_bh(nq);
	/* stopped for up to ~100 ms below: not a hang to the watchdog */
	txq_trans_cond_update(nq);
	netif_tx_stop_queue(nq);
	for (n = 0; n < 100 && tq->q->inflight; n++) {
		macvio_tx_reclaim_all(tq);
		if (!tq->q->inflight)
			break;
		__netif_tx_unlock_bh(nq);
		usleep_range(1000, 2000);
		__netif_tx_lock_bh(nq);
	}
	err = vio_net_txq_reset(tq->q);
	if (!err) {
		macvio_tx_drain(tq);
		err = vio_net_txq_restart(tq->q);
		vio_vq_disable_cb(&tq->q->vq); /* as at probe */
	}
	__netif_tx_unlock_bh(nq);
	if (running)
		napi_enable(&tq->napi);
	if (!err && running)
		netif_tx_wake_queue(nq);
	return err;
}

/* ethtool -G. With RING_RESET each queue is resized alone while the others
 * carry traffic (§2.6.1); without it, or when a queue reset fails, the
 * recovery path resets the device and brings it back at the new sizes
 * (cause resize: never counted toward giving up). RTNL held. */
int macvio_set_rings(struct macvio *vi, u16 rx, u16 tx)
{
	bool running = netif_running(vi->ndev);
	int err;
	u16 i;

	mutex_lock(&vi->ctrl_mutex);
	err = macvio_ctrl_closed(vi) ? VIO_EAGAIN : vio_net_set_ring_sizes(&vi->net, rx, tx);
	if (err)
		goto out;
	if (!vio_dev_has(&vi->net.dev, VIO_F_RING_RESET)) {
		recover(vi, VIO_NET_RESET_RESIZE);
		err = READ_ONCE(vi->broken) ? VIO_EIO : VIO_OK;
		goto out;
	}
	for (i = 0; i < vi->net.nqp && !err; i++) {
		err = rx_ring_reset(vi, i, running);
		if (!err)
			err = tx_ring_reset(vi, i, running);
	}
	if (err) {
		netdev_warn(vi->ndev, "queue reset failed (%s): resetting the device\n", vio_strerror(err));
		recover(vi, VIO_NET_RESET_BROKEN);
		err = READ_ONCE(vi->broken) ? VIO_EIO : VIO_OK;
	}
out:
	mutex_unlock(&vi->ctrl_mutex);
	return err;
}
