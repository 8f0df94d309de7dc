// SPDX-License-Identifier: BSD-2-Clause
/*
 * macvio_poll.c - the core's polled path (vio_net_poll_send/recv) inside
 * Linux: netpoll (netconsole, also after a panic) and a debugfs test hook
 * that receives and answers with interrupts off, as a kernel debugger would.
 *
 * netpoll. netpoll_send_skb() calls ndo_start_xmit with interrupts off and
 * the TX queue lock taken by trylock; macvio_start_xmit hands such skbs here
 * (netpoll_tx_running()). The frame is copied into the core's reserved
 * buffer and posted on descriptors set aside at attach, so it goes out
 * however full normal traffic left the ring, and the wait for the device is
 * bounded (module parameter netpoll_tx_us). A frame still out after that is
 * the device's (it goes out later) and the skb is consumed; NETDEV_TX_BUSY is
 * never returned, since netpoll would park the skb, and every later message
 * behind it, on a work queue that never runs after a panic. The core has one
 * polled buffer: when the previous frame still holds it (a slow device behind
 * a full ring), the skb takes the normal path instead, which has room since
 * netpoll only calls xmit on a running queue; one ring keeps them in order.
 * While the queue is stopped netpoll does not call xmit; it runs our NAPI
 * polls with budget 0 instead: the TX poll then reclaims and wakes the queue
 * (trylock only, see macvio_tx_poll), the RX poll does nothing.
 * Limit (every Linux driver has it): if panic() stops the other CPU while it
 * is inside the normal xmit path, that CPU holds the TX lock forever, netpoll
 * cannot take it and the panic messages are lost.
 *
 * debugfs (/sys/kernel/debug/macvio/<pci>/): netpoll counters, and
 * poll_echo, which runs the polled path the way a debugger stub does.
 * Writing "N TIMEOUT_MS" disables the NIC's NAPI, takes TX queue 0's lock,
 * disables local interrupts, sends one "ready" frame (ethertype 0x88b5,
 * broadcast, payload MACVIO_ECHO_READY), then echoes every 0x88b5 frame it
 * receives (destination = the sender, source = our MAC, payload untouched)
 * until N were echoed, nothing arrived for TIMEOUT_MS, or the window reached
 * MACVIO_ECHO_MAX_MS. Other frames are consumed and counted. The write
 * returns when done; reading the file gives the result line, which is also
 * logged.
 */
#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/nmi.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <asm/unaligned.h>

#include "macvio.h"
#include "vio_log.h"

static unsigned int netpoll_tx_us = 2000;
module_param(netpoll_tx_us, uint, 0644);
MODULE_PARM_DESC(netpoll_tx_us,
		 "netpoll (netconsole): how long one frame may wait for the device, in us (default 2000)");

#define MACVIO_ECHO_TYPE    0x88b5 /* IEEE 802 local experimental ethertype 1 */
#define MACVIO_ECHO_MAX_MS  5000   /* longest interrupts-off window */
#define MACVIO_ECHO_RECV_US 10000  /* one vio_net_poll_recv wait */
#define MACVIO_ECHO_SEND_US 10000  /* one vio_net_poll_send wait */
#define MACVIO_ECHO_READY   "MACVIO_ECHO_READY"

/* One polled send; *posted says whether the frame went into the ring:
 * VIO_ENOSPC means the previous polled frame still held the buffer and this
 * one was not posted (vio_net_poll_send). The caller owns queue pair 0's TX
 * side. */
static int poll_send(struct macvio *vi, const void *frame, u32 len, u32 us, bool *posted)
{
	int err = vio_net_poll_send(&vi->net, frame, len, us);

	*posted = err == VIO_OK || err == VIO_ETIMEDOUT;
	return err;
}

/* ---- netpoll ---- */

/* Called from ndo_start_xmit under netpoll (IRQs off, the skb's TX queue
 * locked). Returns true when the skb was consumed here, false to let the
 * normal path send it: when the polled buffer is still out with the previous
 * frame (the normal ring has room, or netpoll would not have called xmit, and
 * the frames stay in order: one ring), or for a frame the polled path cannot
 * carry (GSO, longer than VIO_NET_POLL_FRAME_MAX). */
bool macvio_netpoll_xmit(struct macvio *vi, struct sk_buff *skb)
{
	struct macvio_poll *p = &vi->poll;
	struct netdev_queue *txq0 = NULL;
	int err;

	/* no offload on this path: the header is all zero */
	if (skb_is_gso(skb) || skb->len > VIO_NET_POLL_FRAME_MAX ||
	    (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) || skb_linearize(skb))
		goto normal;
	/* the polled path lives on queue pair 0; netpoll holds the lock of the
	 * queue it picked, so take queue 0's too if that was another one */
	if (skb_get_queue_mapping(skb) != 0) {
		txq0 = netdev_get_tx_queue(vi->ndev, 0);
		if (!__netif_tx_trylock(txq0))
			goto normal;
	}
	err = vio_net_poll_send(&vi->net, skb->data, skb->len, READ_ONCE(netpoll_tx_us));
	if (txq0)
		__netif_tx_unlock(txq0);
	if (err == VIO_ENOSPC) /* not posted: the previous frame holds the buffer */
		goto normal;
	if (err == VIO_OK)
		p->tx++;
	else if (err == VIO_ETIMEDOUT)
		p->tx_late++; /* in the ring: the device sends it later */
	else
		p->tx_drop++;
	if (err == VIO_OK || err == VIO_ETIMEDOUT)
		dev_consume_skb_any(skb);
	else
		dev_kfree_skb_any(skb);
	return true;

normal:
	p->tx_ring++;
	return false;
}

/* ---- poll_echo ---- */

struct echo_run {
	u32 want, idle_ms;
	u32 echoed, other, send_late, send_lost, dropped_short;
	u64 elapsed_us;
	const char *end;
	int err;
};

static u64 now_us(void)
{
	return ktime_get_mono_fast_ns() / NSEC_PER_USEC;
}

/* The loop proper: local interrupts off, NAPI off, TX queue 0 locked. */
static void echo_loop(struct macvio *vi, struct echo_run *r, u8 *buf)
{
	u64 t0 = now_us(), last = t0, now;
	bool posted;
	u32 len;
	int err;

	/* "ready": the peer starts sending once it sees this */
	eth_broadcast_addr(buf);
	ether_addr_copy(buf + ETH_ALEN, vi->ndev->dev_addr);
	put_unaligned_be16(MACVIO_ECHO_TYPE, buf + 2 * ETH_ALEN);
	memset(buf + ETH_HLEN, 0, ETH_ZLEN - ETH_HLEN);
	memcpy(buf + ETH_HLEN, MACVIO_ECHO_READY, sizeof(MACVIO_ECHO_READY) - 1);
	put_unaligned_be32(r->want, buf + ETH_HLEN + sizeof(MACVIO_ECHO_READY));
	err = poll_send(vi, buf, ETH_ZLEN, MACVIO_ECHO_SEND_US, &posted);
	if (!posted) {
		r->err = err;
		r->end = "ready frame not sent";
		goto out;
	}

	r->end = "all echoed";
	while (r->echoed < r->want) {
		now = now_us();
		if (now - last >= (u64)r->idle_ms * USEC_PER_MSEC) {
			r->end = "idle timeout";
			break;
		}
		if (now - t0 >= (u64)MACVIO_ECHO_MAX_MS * USEC_PER_MSEC) {
			r->end = "window limit";
			break;
		}
		touch_nmi_watchdog();
		err = vio_net_poll_recv(&vi->net, buf, VIO_NET_POLL_FRAME_MAX, &len, MACVIO_ECHO_RECV_US);
		if (err < 0) {
			r->err = err;
			r->end = "receive failed";
			break;
		}
		if (err == 0)
			continue;
		if (len < ETH_HLEN || get_unaligned_be16(buf + 2 * ETH_ALEN) != MACVIO_ECHO_TYPE) {
			r->other++;
			continue;
		}
		last = now_us();
		/* back to the sender, from us; payload and length untouched */
		memmove(buf, buf + ETH_ALEN, ETH_ALEN);
		ether_addr_copy(buf + ETH_ALEN, vi->ndev->dev_addr);
		err = poll_send(vi, buf, len, MACVIO_ECHO_SEND_US, &posted);
		if (posted) {
			r->echoed++;
			r->send_late += err != VIO_OK;
		} else if (err == VIO_ENOSPC) {
			r->send_lost++; /* the previous frame still held the buffer */
		} else {
			r->err = err;
			r->end = "send failed";
			break;
		}
	}
out:
	r->elapsed_us = now_us() - t0;
}

static void echo_run(struct macvio *vi, struct echo_run *r, u8 *buf)
{
	struct macvio_rxq *rq = &vi->rxq[0];
	struct macvio_txq *tq = &vi->txq[0];
	struct netdev_queue *txq = netdev_get_tx_queue(vi->ndev, 0);
	unsigned long flags;

	/* queue pair 0 becomes ours: no NAPI (RX side), the TX lock (TX side;
	 * a sender on another CPU waits on it, or queues in the qdisc) */
	napi_disable(&rq->napi);
	napi_disable(&tq->napi);
	__netif_tx_lock_bh(txq);
	local_irq_save(flags);
	echo_loop(vi, r, buf);
	touch_softlockup_watchdog();
	local_irq_restore(flags);
	__netif_tx_unlock_bh(txq);
	napi_enable(&tq->napi);
	napi_enable(&rq->napi);
	/* interrupts that came meanwhile found NAPI disabled and were lost:
	 * poll once, which also re-arms RX (and wakes TX if it was stopped) */
	local_bh_disable();
	napi_schedule(&rq->napi);
	napi_schedule(&tq->napi);
	local_bh_enable();
}

static ssize_t poll_echo_write(struct file *f, const char __user *ubuf, size_t count, loff_t *ppos)
{
	struct macvio *vi = f->private_data;
	struct macvio_poll *p = &vi->poll;
	struct echo_run r = {0};
	char kbuf[32];
	u8 *buf;
	int ret;

	if (count >= sizeof(kbuf))
		return -EINVAL;
	if (copy_from_user(kbuf, ubuf, count))
		return -EFAULT;
	kbuf[count] = '\0';
	if (sscanf(kbuf, "%u %u", &r.want, &r.idle_ms) != 2 || !r.want || !r.idle_ms ||
	    r.idle_ms > MACVIO_ECHO_MAX_MS)
		return -EINVAL;
	buf = kmalloc(VIO_NET_POLL_FRAME_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	rtnl_lock();
	if (!netif_running(vi->ndev) || READ_ONCE(vi->broken)) {
		ret = -ENETDOWN;
		goto out;
	}
	echo_run(vi, &r, buf);
	snprintf(p->echo_result, sizeof(p->echo_result),
		 "echoed %u of %u, other %u, late %u, lost %u, %llu ms, %s%s%s\n", r.echoed, r.want, r.other,
		 r.send_late, r.send_lost, r.elapsed_us / USEC_PER_MSEC, r.end, r.err ? ": " : "",
		 r.err ? vio_strerror(r.err) : "");
	netdev_info(vi->ndev, "poll_echo: %s", p->echo_result);
	ret = r.err ? -EIO : count;
out:
	rtnl_unlock();
	kfree(buf);
	return ret;
}

static ssize_t poll_echo_read(struct file *f, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct macvio *vi = f->private_data;
	char res[sizeof(vi->poll.echo_result)];

	rtnl_lock();
	strscpy(res, vi->poll.echo_result, sizeof(res));
	rtnl_unlock();
	return simple_read_from_buffer(ubuf, count, ppos, res, strlen(res));
}

static const struct file_operations poll_echo_fops = {
    .owner = THIS_MODULE,
    .open = simple_open,
    .read = poll_echo_read,
    .write = poll_echo_write,
    .llseek = default_llseek,
};

/* ---- debugfs directories ---- */

static DEFINE_MUTEX(dbg_lock);
static struct dentry *dbg_root; /* macvio/, while any device is bound */
static unsigned int dbg_users;

void macvio_poll_init(struct macvio *vi)
{
	struct macvio_poll *p = &vi->poll;

	strscpy(p->echo_result, "never run\n", sizeof(p->echo_result));
	mutex_lock(&dbg_lock);
	if (!dbg_users++)
		dbg_root = debugfs_create_dir(MACVIO_NAME, NULL);
	p->dir = debugfs_create_dir(pci_name(vi->fn.pdev), dbg_root);
	mutex_unlock(&dbg_lock);
	debugfs_create_u64("netpoll_tx", 0444, p->dir, &p->tx);
	debugfs_create_u64("netpoll_tx_late", 0444, p->dir, &p->tx_late);
	debugfs_create_u64("netpoll_tx_ring", 0444, p->dir, &p->tx_ring);
	debugfs_create_u64("netpoll_tx_drop", 0444, p->dir, &p->tx_drop);
	debugfs_create_file("poll_echo", 0600, p->dir, vi, &poll_echo_fops);
	macvio_reset_debugfs(vi, p->dir);
}

/* Waits for a poll_echo in progress (debugfs removal drains its users). */
void macvio_poll_fini(struct macvio *vi)
{
	debugfs_remove_recursive(vi->poll.dir);
	vi->poll.dir = NULL;
	mutex_lock(&dbg_lock);
	if (!--dbg_users) {
		debugfs_remove(dbg_root);
		dbg_root = NULL;
	}
	mutex_unlock(&dbg_lock);
}
