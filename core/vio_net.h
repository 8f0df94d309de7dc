/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vio_net.h - the virtio-net engine (virtio 1.2 §5.1), free of OS types.
 *
 * Front-end life cycle:
 *   vio_net_attach()          device up to (not including) DRIVER_OK:
 *                             features, config, queues, control queue,
 *                             polled-path reservation
 *   vio_net_rx_post() ...     fill every RX ring (vio_net_rx_room())
 *   vio_net_start()           DRIVER_OK, kick RX
 *   ... data path ...
 *   vio_net_stop()            reset: the device stops all DMA
 *   vio_net_rx_drain() / vio_net_tx_drain()   take back every cookie
 *   vio_net_destroy()         free everything; dev.allocs is 0 afterwards
 *
 * Buffers: RX buffers belong to the front-end (it allocates and maps them and
 * gives the core vaddr + device address + cookie); the core keeps a shadow
 * of each posted buffer so a completion is checked against what was posted,
 * and the polled path can copy out and re-post without the front-end. TX
 * headers, indirect tables and the polled path's buffers belong to the core
 * (coherent memory set up at attach). Nothing is allocated on the data path.
 *
 * Locking: each rxq and txq is single-threaded (the front-end's NAPI context
 * / TX lock / work loop). The polled path (vio_net_poll_*) runs while the
 * normal path of queue pair 0 is frozen (debugger stop, or netpoll holding
 * the TX lock): it takes no lock and never waits for normal traffic.
 */
#ifndef VIO_NET_H
#define VIO_NET_H

#include "vio_dev.h"

#define VIO_NET_MAX_QP	       8
#define VIO_NET_MAX_TX_SG      64   /* data segments per TX packet */
#define VIO_NET_MAX_BIG_SEGS   20   /* pages per big-packet-mode chain (+1 hdr) */
#define VIO_NET_POLL_FRAME_MAX 1518 /* polled path: frame bytes, no FCS */

/* Engine constants (added with the implementation; tests may rely on them). */
#define VIO_NET_MIN_MTU		68   /* RFC 791 minimum: a smaller config mtu is ignored */
#define VIO_NET_TX_HDR_STRIDE	16   /* bytes per TX header slot (hdrs[head]) */
#define VIO_NET_POLL_RESERVE	2    /* txq 0 descriptors set aside for the polled send */
#define VIO_NET_CTRL_BUF_SIZE	4096 /* control command buffer: hdr, ack, data */
#define VIO_NET_CTRL_HDR_OFF	0    /* struct virtio_net_ctrl { u8 class, cmd } */
#define VIO_NET_CTRL_ACK_OFF	8    /* virtio_net_ctrl_ack (u8) */
#define VIO_NET_CTRL_DATA_OFF	16   /* command-specific data */
#define VIO_NET_CTRL_DATA_MAX	(VIO_NET_CTRL_BUF_SIZE - VIO_NET_CTRL_DATA_OFF)
#define VIO_NET_CTRL_RING	64	/* control queue size cap (modern devices) */
#define VIO_NET_CTRL_TIMEOUT_US 1000000 /* bounded busy-wait per command */
#define VIO_NET_MRG_BUF_MAX	4096	/* mergeable: largest suggested buffer */
#define VIO_NET_BIG_SEG_LEN	4096	/* big mode: suggested bytes per segment */
#define VIO_NET_RX_ALIGN	64	/* mergeable suggestion rounded to a cache line */

/* Optional features the engine can drive; a front-end passes the subset
 * its OS can serve as vio_net_params.features. */
#define VIO_NET_ENGINE_FEATURES                                                                              \
	(VIO_BIT(VIO_NET_F_CSUM) | VIO_BIT(VIO_NET_F_GUEST_CSUM) | VIO_BIT(VIO_NET_F_CTRL_GUEST_OFFLOADS) |  \
	 VIO_BIT(VIO_NET_F_MTU) | VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_GUEST_TSO4) |                   \
	 VIO_BIT(VIO_NET_F_GUEST_TSO6) | VIO_BIT(VIO_NET_F_GUEST_ECN) | VIO_BIT(VIO_NET_F_HOST_TSO4) |       \
	 VIO_BIT(VIO_NET_F_HOST_TSO6) | VIO_BIT(VIO_NET_F_HOST_ECN) | VIO_BIT(VIO_NET_F_HOST_USO) |          \
	 VIO_BIT(VIO_NET_F_MRG_RXBUF) | VIO_BIT(VIO_NET_F_STATUS) | VIO_BIT(VIO_NET_F_CTRL_VQ) |             \
	 VIO_BIT(VIO_NET_F_CTRL_RX) | VIO_BIT(VIO_NET_F_MQ) | VIO_BIT(VIO_NET_F_CTRL_MAC_ADDR) |             \
	 VIO_BIT(VIO_NET_F_GUEST_ANNOUNCE))

enum vio_net_rx_mode {
	VIO_NET_RX_SMALL = 0, /* one >= 1526-byte buffer per frame */
	VIO_NET_RX_MERGEABLE, /* MRG_RXBUF: num_buffers buffers per packet */
	VIO_NET_RX_BIG,	      /* guest GSO without MRG_RXBUF: >= 65562-byte chains */
};

/* ---- TX ---- */
struct vio_net_sg {
	uint64_t daddr;
	uint32_t len;
};

#define VIO_NET_TX_F_CSUM 1 /* device completes the checksum (needs NET_F_CSUM) */

/* What the stack asks of one TX packet. gso_type is a VIO_NET_HDR_GSO_*
 * value, optionally | VIO_NET_HDR_GSO_ECN. Offsets count from the first
 * byte of the Ethernet frame. */
struct vio_net_tx_meta {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;  /* L2-L4 header bytes of a GSO packet */
	uint16_t gso_size; /* MSS */
	uint16_t csum_start;
	uint16_t csum_offset;
};

struct vio_net_txq_stats {
	uint64_t packets, bytes;
	uint64_t csum;	     /* packets sent with checksum offload */
	uint64_t gso;	     /* GSO packets (TSO4/TSO6/USO) */
	uint64_t err_meta;   /* refused: offload not negotiated / inconsistent */
	uint64_t full;	     /* enqueue found the ring full */
	uint64_t interrupts; /* counted by the front-end's handler */
	uint64_t reclaimed;
	uint64_t poll_packets; /* sent by the polled path */
};

struct vio_net_txq {
	struct vio_net *net;
	struct vio_vq vq;
	struct vio_dma hdrs; /* one vio_net_hdr slot per head */
	uint16_t max_sg;
	/* completions the polled path took for normal packets, handed back by
	 * the next vio_net_tx_reclaim(): */
	void **stash;
	uint16_t stash_head, stash_count;
	/* Added: chains posted and not yet taken back (normal + polled).
	 * vio_net_tx() refuses (VIO_ENOSPC) while inflight + stash_count would
	 * exceed the ring size, so the stash (capacity = ring size) can never
	 * overflow even if the front-end posts before draining it. */
	uint16_t inflight;
	struct vio_vq_seg *segs; /* added: scratch chain [max_sg + 1], attach-allocated */
	struct vio_net_txq_stats stats;
};

/* ---- RX ---- */
/* One buffer the front-end gives the device. */
struct vio_net_rxbuf {
	void *vaddr;
	uint64_t daddr;
	uint32_t len;
	void *cookie;
};

/* One buffer of a received packet, as the front-end gets it back. Data of
 * frag 0 starts at vaddr + pkt.hdr_len (the virtio header comes first). */
struct vio_net_rx_frag {
	void *cookie;
	void *vaddr;
	uint32_t len; /* bytes the device wrote into this buffer */
};

enum vio_net_rx_csum {
	VIO_NET_RX_CSUM_NONE = 0,
	VIO_NET_RX_CSUM_VALID,	 /* DATA_VALID: checksum unnecessary */
	VIO_NET_RX_CSUM_PARTIAL, /* NEEDS_CSUM: csum_start/offset describe it */
};

struct vio_net_rx_pkt {
	uint16_t nfrags;  /* buffers used (mergeable: num_buffers) */
	uint16_t hdr_len; /* virtio header bytes at the start of frag 0 */
	uint32_t len;	  /* packet bytes, header excluded */
	uint8_t csum;	  /* enum vio_net_rx_csum */
	uint8_t gso_type; /* VIO_NET_HDR_GSO_*, 0 = none */
	uint16_t gso_size;
	uint16_t csum_start, csum_offset;
};

struct vio_net_rxq_stats {
	uint64_t packets, bytes;
	uint64_t csum_valid, csum_partial, gso;
	uint64_t merged;	  /* packets spread over more than one buffer */
	uint64_t err_len;	  /* shorter than a header / Ethernet header, or too long */
	uint64_t err_num_buffers; /* num_buffers 0, too large, or buffers missing */
	uint64_t err_hdr;	  /* bad gso / csum fields */
	uint64_t drops;		  /* packets dropped for any of the errors above */
	uint64_t interrupts;	  /* counted by the front-end's handler */
	uint64_t poll_packets;	  /* received by the polled path */
};

/* Shadow of one posted RX chain, keyed by head. */
struct vio_net_rxslot {
	struct vio_net_rxbuf buf;   /* first (or only) buffer */
	uint16_t nsegs;		    /* big mode: segments in `segs` */
	struct vio_net_rxbuf *segs; /* big mode: this head's segment copy */
};

struct vio_net_rxq {
	struct vio_net *net;
	struct vio_vq vq;
	struct vio_net_rxslot *slots;  /* [vq.size] */
	struct vio_net_rxbuf *bigsegs; /* big mode: [vq.size * MAX_BIG_SEGS] */
	uint32_t ewma_len;	       /* mergeable: average packet length (x16) */
	/* added: vio_net_rx_drain() state, so a big-mode chain hands back the
	 * cookie of every segment, one per call */
	struct vio_net_rxslot *drain_slot;
	uint16_t drain_seg;
	struct vio_net_rxq_stats stats;
};

/* ---- the device ---- */
struct vio_net_params {
	struct vio_dev_params dev;
	uint64_t features;	   /* optional features the front-end serves */
	uint16_t rx_size, tx_size; /* max ring sizes; 0 = the device's */
	uint16_t tx_max_sg;	   /* most data segments of one TX packet */
	uint16_t max_qp;	   /* queue pairs wanted (>= 1) */
	enum vio_irq_mode irq_mode;
	uint8_t random_mac[VIO_ETH_ALEN]; /* entropy for a MAC if NET_F_MAC is absent */
};

struct vio_net {
	struct vio_dev dev;
	const struct vio_os *os;
	uint8_t mac[VIO_ETH_ALEN];
	bool mac_random; /* NET_F_MAC absent: locally administered MAC */
	bool link_up;
	uint16_t status; /* last config status */
	uint16_t mtu, max_mtu;
	uint16_t hdr_len; /* 10 legacy, 12 with MRG_RXBUF or VERSION_1 */
	bool any_layout;  /* header may share a descriptor with data */
	enum vio_net_rx_mode rx_mode;
	uint16_t nqp; /* queue pairs in use */
	struct vio_net_rxq rxq[VIO_NET_MAX_QP];
	struct vio_net_txq txq[VIO_NET_MAX_QP];
	bool has_ctrl;
	struct vio_vq ctrlq;
	struct vio_dma ctrl_buf; /* command, data, ack */
	/* polled path (queue pair 0) */
	struct vio_dma poll_buf; /* header + frame for the polled send */
	bool poll_tx_busy;	 /* a polled frame is still in flight */
	uint32_t ctrl_timeouts;
	/* added fields */
	uint16_t max_pairs; /* device max_virtqueue_pairs (validated), 1 without MQ */
	uint16_t curr_qp;   /* pairs the device serves: 1 until vio_net_start()'s
			     * MQ_VQ_PAIRS_SET succeeds, then nqp. TX only on
			     * txq[0..curr_qp); every rxq[0..nqp) is filled and
			     * drained as usual either way. */
	bool ctrl_pending;  /* a timed-out command still owns ctrl_buf */
	bool announce;	    /* device asked for an announce (§5.1.6.5.3): the
			     * front-end sends gratuitous ARP/RARP, then clears it */
};

/* [attach] Everything up to DRIVER_OK. Errors say what failed (logged);
 * the device is left FAILED and everything allocated is freed. */
int vio_net_attach(struct vio_net *n, const struct vio_os *os, const struct vio_net_params *p);
/* [attach] DRIVER_OK and a kick of every RX queue. */
int vio_net_start(struct vio_net *n);
/* [attach] Reset: no DMA after this returns. */
void vio_net_stop(struct vio_net *n);
/* [attach] Take back cookies of buffers still posted (after stop), one per
 * call, NULL when none remain. TX drain includes the polled path's stash. */
void *vio_net_rx_drain(struct vio_net_rxq *q);
void *vio_net_tx_drain(struct vio_net_txq *q);
/* [attach] Free everything attach allocated. */
void vio_net_destroy(struct vio_net *n);

/* ---- RX data path ---- */
/* Minimum and suggested length of the next buffer for this queue: small
 * mode hdr+1518 (VLAN-sized frame), mergeable the adaptive average (EWMA of
 * packet lengths, clamped to [hdr+1518, 4096-ish]), big mode per segment. */
uint32_t vio_net_rx_buf_len(const struct vio_net_rxq *q);
/* Free slots for more buffers. */
uint16_t vio_net_rx_room(const struct vio_net_rxq *q);
/* Post one buffer (small / mergeable modes), or a big-mode chain of nseg
 * buffers (cookie of segs[0] identifies the chain). VIO_EINVAL if a buffer is
 * shorter than the mode needs. Batch: call vio_net_rx_kick() once after. */
int vio_net_rx_post(struct vio_net_rxq *q, const struct vio_net_rxbuf *b);
int vio_net_rx_post_big(struct vio_net_rxq *q, const struct vio_net_rxbuf *segs, uint16_t nseg);
bool vio_net_rx_kick(struct vio_net_rxq *q);
/* Take one received packet. Returns 1: a packet, frags[0..pkt->nfrags)
 * filled; 0: nothing pending; VIO_EIO: one bad packet dropped (counted),
 * frags[0..pkt->nfrags) still name the buffers the front-end must recycle;
 * VIO_EBROKEN: the queue is broken. max_frags must be >= the ring size in
 * mergeable mode to be able to take any packet the device may legally
 * build (a packet with more buffers is dropped as err_num_buffers). */
int vio_net_rx_get(struct vio_net_rxq *q, struct vio_net_rx_pkt *pkt, struct vio_net_rx_frag *frags,
		   uint16_t max_frags);

/* ---- TX data path ---- */
/* Enqueue one packet: the core writes the virtio header into its own slot and
 * posts header + sg as one chain (indirect when possible). Returns VIO_OK,
 * VIO_ENOSPC (ring full: stop the queue, reclaim, retry), VIO_EINVAL (offload
 * not negotiated or inconsistent, too many segments), VIO_EBROKEN. Does not
 * kick: call vio_net_tx_flush() once per batch. */
int vio_net_tx(struct vio_net_txq *q, const struct vio_net_tx_meta *m, const struct vio_net_sg *sg,
	       uint16_t nsg, void *cookie);
bool vio_net_tx_flush(struct vio_net_txq *q);
/* Room for one more packet of tx_max_sg segments outside the reserve. */
bool vio_net_tx_has_room(const struct vio_net_txq *q);
/* Take up to max completed cookies; returns how many. VIO_EBROKEN (< 0) when
 * the queue is broken. */
int vio_net_tx_reclaim(struct vio_net_txq *q, void **cookies, unsigned max);

/* ---- config, link, control queue ---- */
/* Re-read config after a config interrupt; returns true when the link state
 * changed (n->link_up is the new state). Acknowledges GUEST_ANNOUNCE. */
bool vio_net_config_changed(struct vio_net *n);
/* Control-queue commands (§5.1.6.5); busy-wait for the answer (bounded).
 * VIO_ENOTSUP when the device has no control queue or lacks the feature the
 * command needs; VIO_EIO when the device answers VIRTIO_NET_ERR. */
int vio_net_ctrl_cmd(struct vio_net *n, uint8_t cls, uint8_t cmd, const void *data, uint32_t len);
int vio_net_set_promisc(struct vio_net *n, bool on);
int vio_net_set_allmulti(struct vio_net *n, bool on);
int vio_net_set_mac(struct vio_net *n, const uint8_t mac[VIO_ETH_ALEN]);
/* Unicast and multicast filter tables (MAC_TABLE_SET), each n*6 bytes. */
int vio_net_set_mac_table(struct vio_net *n, const uint8_t *uc, uint32_t nuc, const uint8_t *mc,
			  uint32_t nmc);
/* Guest offloads (GUEST_CSUM/TSO4/TSO6/ECN/UFO/USO bits, as feature bits). */
int vio_net_set_guest_offloads(struct vio_net *n, uint64_t offloads);
/* MTU: VIO_EINVAL beyond max_mtu (the device's MTU with NET_F_MTU). */
int vio_net_set_mtu(struct vio_net *n, uint16_t mtu);

/* ---- polled path (kernel debugger / netconsole), queue pair 0 ---- */
/* Send one frame (<= VIO_NET_POLL_FRAME_MAX bytes) from the reserved buffer
 * and wait up to timeout_us for the device to take it; normal completions met
 * on the way are stashed for the normal path. VIO_ETIMEDOUT: the frame is
 * still in flight (the next call waits for it first). */
int vio_net_poll_send(struct vio_net *n, const void *frame, uint32_t len, uint32_t timeout_us);
/* Wait up to timeout_us for one frame; copy it (header stripped) into buf.
 * Returns 1 with *len set, 0 on timeout. The RX buffer is re-posted on the
 * spot, so the ring never drains; frames larger than cap are dropped. */
int vio_net_poll_recv(struct vio_net *n, void *buf, uint32_t cap, uint32_t *len, uint32_t timeout_us);

/* ---- counters and reports ---- */
/* A flat table of named counters for ethtool -S / IONetworkStats. */
unsigned vio_net_stats_count(const struct vio_net *n);
const char *vio_net_stat_name(const struct vio_net *n, unsigned i, char *buf, size_t size);
uint64_t vio_net_stat_value(const struct vio_net *n, unsigned i);
/* "VERSION_1 NET_MAC NET_STATUS ..." for the negotiated features. */
int vio_net_features_string(const struct vio_net *n, char *buf, size_t size);

/* ---- engine internals shared by core/vio_net*.c (not for front-ends) ---- */
/* Header and config fields are little-endian on a modern (VERSION_1) device
 * and guest-native on a legacy one (virtio 1.2 §5.1.6 legacy note, §2.5.1). */
static inline uint16_t vio_net_h16(const struct vio_net *n, uint16_t v)
{
	return vio_dev_has(&n->dev, VIO_F_VERSION_1) ? vio_le16(v) : v;
}
static inline uint32_t vio_net_h32(const struct vio_net *n, uint32_t v)
{
	return vio_dev_has(&n->dev, VIO_F_VERSION_1) ? vio_le32(v) : v;
}
/* Take one completed RX chain: *slot is a copy of its shadow, *len what the
 * device wrote (checked against what was posted), synced for the CPU.
 * Returns 1, 0 (nothing pending) or VIO_EBROKEN. */
int vio_net_rx_take(struct vio_net_rxq *q, struct vio_net_rxslot *slot, uint32_t *len);
/* Post the buffer(s) of a taken slot again (same contents), unpublished. */
int vio_net_rx_repost(struct vio_net_rxq *q, const struct vio_net_rxslot *slot);
/* TX: take every completion now in the used ring; the polled frame clears
 * poll_tx_busy, any other cookie goes to the stash. VIO_OK or VIO_EBROKEN. */
int vio_net_tx_reap(struct vio_net_txq *q);
/* The cookie that marks the polled path's own TX frame. */
static inline void *vio_net_poll_cookie(struct vio_net *n)
{
	return &n->poll_buf;
}

#endif /* VIO_NET_H */
