/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio.h - private state of the Linux front-end (macvio.ko).
 *
 * One struct macvio per PCI function, living in netdev_priv(). It embeds the
 * core's struct vio_net (all device, ring and queue state) and the vio_os
 * table the core calls back through. Everything Linux-specific - NAPI, the
 * skb <-> buffer mapping, interrupts - is kept here, per queue.
 *
 * Serialisation of core calls (the core itself takes no locks):
 *   rxq i    its NAPI context only (the IRQ handler only schedules NAPI)
 *   txq i    the netdev TX queue lock (ndo_start_xmit, TX NAPI, netpoll)
 *   ctrl/config   vi->ctrl_mutex, process context only: ndo_set_rx_mode
 *                 (atomic) defers to rx_mode_work, so no command busy-waits
 *                 with bottom halves off; after one timeout the core fails
 *                 later commands at once and asks for recovery
 *   recovery      reset_work under RTNL, then ctrl_mutex (macvio_reset.c)
 */
#ifndef MACVIO_H
#define MACVIO_H

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>
#include <linux/workqueue.h>

#include "vio_net.h"

#define MACVIO_NAME    "macvio"
#define MACVIO_VERSION "0.1"

/* Bytes of a received packet copied into the skb head; the rest is attached
 * as page fragments (virtio_net's GOOD_COPY_LEN). */
#define MACVIO_RX_COPY	     128
#define MACVIO_RX_COPY_SMALL 1536 /* one frame: copied out of a buffer bigger than a page */
/* With the DMA API (ACCESS_PLATFORM) an RX buffer is a page fragment:
 * [struct macvio_rxmeta | pad] then the area the device writes (virtio
 * header first); the meta keeps the mapping. Without it (macvio_rx.c
 * rx_bare) a buffer is just the area, carved back to back. */
#define MACVIO_RX_PAD L1_CACHE_ALIGN(sizeof(struct macvio_rxmeta))
/* Most data segments of one TX packet: the linear part plus every frag. */
#define MACVIO_TX_MAX_SG (MAX_SKB_FRAGS + 1)
/* Completions taken per reclaim call. */
#define MACVIO_TX_RECLAIM_BATCH 64

struct macvio;

struct macvio_rxmeta {
	dma_addr_t daddr;
	u32 dma_len;  /* bytes mapped for the device */
	u32 truesize; /* bytes of the page fragment */
};

/* Front-end counters next to the core's (ethtool -S, ndo_get_stats64). */
struct macvio_rxq_stats {
	u64 alloc_fail; /* refill failed: packet dropped, its buffers re-posted */
	u64 map_fail;
	u64 hdr_drop;	    /* virtio_net_hdr_to_skb refused the metadata */
	u64 build_fail;	    /* no skb for a good packet */
	u64 csum_completed; /* rx_csum_complete: NEEDS_CSUM finished by the core */
};

struct macvio_txq_stats {
	u64 map_fail;
	u64 dropped; /* refused by the core (offload, ring, broken) */
	u64 stops;   /* queue stopped for lack of room */
	u64 wakes;
};

struct macvio_rxq {
	struct macvio *vi;
	struct vio_net_rxq *q;
	struct napi_struct napi;
	/* vio_net_rx_get output; [q->vq.size] so any legal packet fits */
	struct vio_net_rx_frag *frags;
	u16 max_frags;
	struct vio_net_rxbuf *bigsegs; /* big mode: one chain being built */
	/* without the DMA API: buffers carved upward from one page fragment,
	 * back to back, so a packet's buffers coalesce into few skb frags */
	struct page_frag pf;
	struct macvio_rxq_stats stats;
	unsigned int fault_ctr; /* fault_rx_alloc test hook */
	char irq_name[IFNAMSIZ + 24];
};

/* One in-flight TX packet: the skb and the device addresses to unmap. */
struct macvio_txbuf {
	struct sk_buff *skb;
	u16 nsg;
	u16 next_free;
	bool linear; /* sg[0] maps the linear part (dma_map_single) */
	struct vio_net_sg sg[MACVIO_TX_MAX_SG];
};

struct macvio_txq {
	struct macvio *vi;
	struct vio_net_txq *q;
	u16 index;
	struct napi_struct napi;   /* wakes a stopped queue from the TX interrupt */
	struct macvio_txbuf *bufs; /* [q->vq.size], a free list through next_free */
	u16 free_head;
	u16 nbufs;
	struct macvio_txq_stats stats;
	char irq_name[IFNAMSIZ + 24];
};

/* macvio_poll.c: netpoll over the core's polled path, debugfs hooks */
struct macvio_poll {
	struct dentry *dir;    /* debugfs macvio/<pci> */
	u64 tx;		       /* netpoll frames the device took within netpoll_tx_us */
	u64 tx_late;	       /* posted, not back within netpoll_tx_us (sent later) */
	u64 tx_ring;	       /* left to the normal path: polled buffer still out, or
				* a frame the polled path cannot carry */
	u64 tx_drop;	       /* dropped: the polled path failed (broken ring) */
	char echo_result[128]; /* last poll_echo, under RTNL */
};

struct macvio_bar {
	void __iomem *base;
	u64 len;
	bool is_io;
};

enum macvio_irq_kind {
	MACVIO_IRQ_NONE = 0,
	MACVIO_IRQ_INTX, /* legacy line, IRQF_SHARED, ISR read to ack */
	MACVIO_IRQ_MSI,	 /* one MSI vector, ISR read to ack */
	MACVIO_IRQ_MSIX, /* vio irq mode says shared or per-VQ */
};

/* One virtio PCI function as the core sees it (macvio_os.c: the struct
 * vio_os over this pci_dev), shared by every device driver of the module
 * (net: struct macvio, console: struct macvio_cons). */
struct macvio_fn {
	struct pci_dev *pdev;
	struct vio_os os;
	struct macvio_bar bars[PCI_STD_NUM_BARS];
	struct ratelimit_state log_rs;
	bool dma_platform;	    /* the platform needs the DMA API (macvio_use_dma_api) */
	const struct vio_dev *vdev; /* the core's device: ACCESS_PLATFORM negotiated? */
	struct net_device *ndev;    /* net: log through it once registered */
};

struct macvio {
	struct vio_net net; /* the core: device, queues, control queue */
	struct macvio_fn fn;
	struct net_device *ndev;

	enum macvio_irq_kind irq_kind;
	enum vio_irq_mode irq_mode;
	int nvec;     /* vectors allocated */
	u16 qp_limit; /* queue pairs the vectors allow (per-VQ MSI-X: (nvec - 1) / 2) */
	/* requested, in order; each handler's cookie names its vector for
	 * the core's decode (vio_dev_irq) */
	struct macvio_irq {
		struct macvio *vi;
		int vec;    /* PCI vector index */
		u16 vector; /* virtio MSI-X vector, VIO_MSI_NO_VECTOR for INTx/MSI */
	} irqs[2 + 2 * VIO_NET_MAX_QP];
	int nirqs;
	char irq_name[IFNAMSIZ + 24];
	char irq_name_q[IFNAMSIZ + 24];

	struct macvio_rxq rxq[VIO_NET_MAX_QP];
	struct macvio_txq txq[VIO_NET_MAX_QP];

	struct mutex ctrl_mutex; /* control queue, config reads, recovery */
	bool removing;		 /* under ctrl_mutex: no more control/config calls */
	bool broken;		 /* latched broken and not (yet) recovered: drop, carrier off */
	bool suspended;		 /* under ctrl_mutex: between suspend and resume */
	struct work_struct config_work;
	struct work_struct rx_mode_work; /* ndo_set_rx_mode, in process context */
	struct work_struct reset_work;	 /* recovery (macvio_reset.c) */
	enum vio_net_reset_cause reset_cause;
	u64 reset_last_us;	    /* how long the last recovery took */
	bool stall_tx;		    /* test (debugfs force tx_stall): completions ignored */
	unsigned int fault_rebreak; /* test: break again after this many recoveries */
	u64 config_irqs;
	struct macvio_poll poll;
};

/* macvio_os.c */
void macvio_os_init(struct macvio_fn *fn, struct pci_dev *pdev, const struct vio_dev *vdev);
bool macvio_use_dma_api(const struct macvio_fn *fn);
bool macvio_platform_needs_dma_api(void);
int macvio_map_bars(struct macvio_fn *fn);
void macvio_unmap_bars(struct macvio_fn *fn);
dma_addr_t macvio_map_single(struct macvio_fn *fn, void *va, size_t len, enum dma_data_direction dir);
void macvio_unmap_single(struct macvio_fn *fn, dma_addr_t a, size_t len, enum dma_data_direction dir);
dma_addr_t macvio_map_frag(struct macvio_fn *fn, const skb_frag_t *frag);
void macvio_unmap_page(struct macvio_fn *fn, dma_addr_t a, size_t len, enum dma_data_direction dir);
void macvio_sync_for_device(struct macvio_fn *fn, dma_addr_t a, size_t len, enum dma_data_direction dir);

/* macvio_rx.c */
int macvio_rxq_init(struct macvio_rxq *rq);
void macvio_rxq_fini(struct macvio_rxq *rq);
int macvio_rx_fill(struct macvio_rxq *rq, bool in_napi);
void macvio_rx_drain(struct macvio_rxq *rq);
int macvio_rx_poll(struct napi_struct *napi, int budget);

/* macvio_tx.c */
int macvio_txq_init(struct macvio_txq *tq);
void macvio_txq_fini(struct macvio_txq *tq);
netdev_tx_t macvio_start_xmit(struct sk_buff *skb, struct net_device *ndev);
int macvio_tx_poll(struct napi_struct *napi, int budget);
void macvio_tx_drain(struct macvio_txq *tq);
void macvio_tx_reclaim_all(struct macvio_txq *tq);

/* macvio_netdev.c */
void macvio_netdev_setup(struct macvio *vi);
int macvio_set_real_queues(struct macvio *vi);
/* A run-time control change (ethtool -L / -X) must wait: the device is
 * going away, suspended or being recovered. ctrl_mutex held. */
static inline bool macvio_ctrl_closed(const struct macvio *vi)
{
	return vi->removing || vi->suspended || READ_ONCE(vi->broken);
}
int macvio_set_pairs(struct macvio *vi, u16 k);
void macvio_affinity_clear(struct macvio *vi);
void macvio_link_poll(struct macvio *vi, bool rtnl_held);
void macvio_config_work(struct work_struct *work);

/* macvio_reset.c */
void macvio_schedule_reset(struct macvio *vi, enum vio_net_reset_cause cause);
void macvio_reset_work(struct work_struct *work);
void macvio_reset_check(struct macvio *vi);
int macvio_set_rings(struct macvio *vi, u16 rx, u16 tx);
void macvio_reset_debugfs(struct macvio *vi, struct dentry *dir);
extern const struct dev_pm_ops macvio_pm_ops;
void macvio_tx_broken(struct macvio_txq *tq);
void macvio_rx_mode_work(struct work_struct *work);

/* macvio_cons.c: virtio-console on the same module and PCI driver */
int macvio_cons_probe(struct pci_dev *pdev);
void macvio_cons_remove(struct pci_dev *pdev);
void macvio_cons_shutdown(struct pci_dev *pdev);
int macvio_cons_suspend(struct pci_dev *pdev);
int macvio_cons_resume(struct pci_dev *pdev);
int macvio_cons_init(void);
void macvio_cons_exit(void);
static inline bool macvio_pci_is_console(const struct pci_dev *pdev)
{
	return vio_pci_id_match(pdev->vendor, pdev->device, pdev->subsystem_device, VIO_ID_CONSOLE);
}

/* macvio_poll.c */
bool macvio_netpoll_xmit(struct macvio *vi, struct sk_buff *skb);
void macvio_poll_init(struct macvio *vi);
void macvio_poll_fini(struct macvio *vi);

/* macvio_ethtool.c */
extern const struct ethtool_ops macvio_ethtool_ops;

#endif /* MACVIO_H */
