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
#define VIO_NET_TX_HDR_STRIDE	32   /* bytes per TX header slot (hdrs[head]): the 20-byte hash header */
#define VIO_NET_POLL_RESERVE	2    /* txq 0 descriptors set aside for the polled send */
#define VIO_NET_CTRL_BUF_SIZE	4096 /* control command buffer: hdr, ack, data */
#define VIO_NET_CTRL_HDR_OFF	0    /* struct virtio_net_ctrl { u8 class, cmd } */
#define VIO_NET_CTRL_ACK_OFF	8    /* virtio_net_ctrl_ack (u8) */
#define VIO_NET_CTRL_DATA_OFF	16   /* command-specific data */
#define VIO_NET_CTRL_DATA_MAX	(VIO_NET_CTRL_BUF_SIZE - VIO_NET_CTRL_DATA_OFF)
#define VIO_NET_CTRL_RING	64	     /* control queue size cap (modern devices) */
#define VIO_NET_CTRL_TIMEOUT_US 1000000	     /* bounded busy-wait per command */
#define VIO_NET_MRG_BUF_MAX	4096	     /* mergeable: default largest suggested buffer */
#define VIO_NET_MRG_BUF_LIMIT	65536	     /* mergeable: vio_net_params.mrg_buf_max at most */
#define VIO_NET_RSS_KEY_MAX	40	     /* RSS key bytes we use at most (Toeplitz, as Linux) */
#define VIO_NET_RSS_TABLE_MAX	128	     /* indirection entries we use at most */
#define VIO_NET_BIG_SEG_LEN	4096	     /* big mode: suggested bytes per segment */
#define VIO_NET_RX_ALIGN	64	     /* mergeable suggestion rounded to a cache line */
#define VIO_NET_MTU_MAX		(65535 - 18) /* a VLAN-tagged frame in 65535 bytes */
#define VIO_NET_PKT_MAX		(65535 + 18) /* longest frame rx_get delivers: a 64 KiB IP packet + VLAN */
/* What one RX ring may hold posted, in bytes of buffers: the number of
 * chains posted is capped so (chains x chain bytes) stays below this, however
 * large the ring the device offers (vio_net_rx_room). */
#define VIO_NET_RX_RING_BYTES_MAX (32u << 20)

/* Optional features the engine can drive; a front-end passes the subset
 * its OS can serve as vio_net_params.features. */
#define VIO_NET_ENGINE_FEATURES                                                                              \
	(VIO_BIT(VIO_NET_F_CSUM) | VIO_BIT(VIO_NET_F_GUEST_CSUM) | VIO_BIT(VIO_NET_F_CTRL_GUEST_OFFLOADS) |  \
	 VIO_BIT(VIO_NET_F_MTU) | VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_GUEST_TSO4) |                   \
	 VIO_BIT(VIO_NET_F_GUEST_TSO6) | VIO_BIT(VIO_NET_F_GUEST_ECN) | VIO_BIT(VIO_NET_F_HOST_TSO4) |       \
	 VIO_BIT(VIO_NET_F_HOST_TSO6) | VIO_BIT(VIO_NET_F_HOST_ECN) | VIO_BIT(VIO_NET_F_HOST_USO) |          \
	 VIO_BIT(VIO_NET_F_MRG_RXBUF) | VIO_BIT(VIO_NET_F_STATUS) | VIO_BIT(VIO_NET_F_CTRL_VQ) |             \
	 VIO_BIT(VIO_NET_F_CTRL_RX) | VIO_BIT(VIO_NET_F_MQ) | VIO_BIT(VIO_NET_F_CTRL_MAC_ADDR) |             \
	 VIO_BIT(VIO_NET_F_GUEST_ANNOUNCE) | VIO_BIT(VIO_NET_F_SPEED_DUPLEX) |                               \
	 VIO_BIT(VIO_NET_F_CTRL_VLAN) | VIO_BIT(VIO_NET_F_CTRL_RX_EXTRA) | VIO_BIT(VIO_NET_F_RSS) |          \
	 VIO_BIT(VIO_NET_F_HASH_REPORT) | VIO_BIT(VIO_F_RING_RESET))

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
	uint64_t wd_done, wd_since; /* vio_net_tx_stalled() state */
	uint32_t hdr_stride;	    /* bytes per hdrs slot: VIO_NET_TX_HDR_STRIDE, or
				     * in copy mode header + bounce frame */
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
	uint32_t len;  /* bytes the device wrote into this buffer */
	uint32_t size; /* bytes the front-end posted (vio_net_rxbuf.len) */
};

/* Anything but NONE is reported only when GUEST_CSUM was negotiated: without
 * it the device must leave flags zero (§5.1.6.4.1) and its flags are ignored. */
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
	/* HASH_REPORT: the device's hash of the packet and its type
	 * (VIO_NET_HASH_REPORT_*), NONE when it reported none or one we cannot
	 * trust (vio_net_rx_hash); vio_net_hash_l4() says L3 or L4 */
	uint8_t hash_report;
	uint32_t hash;
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
	uint64_t hashed;	  /* HASH_REPORT: packets with a hash for the stack */
	uint64_t err_hash;	  /* a report of a type not asked for: hash ignored, packet kept */
	uint64_t kicks_peer;	  /* other RX queues notified after this one ran dry (RSS) */
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
	uint16_t posted; /* chains the device holds */
	/* RING_RESET in progress on this queue (vio_net_rxq_reset until
	 * _restart): other queues' peer kicks leave it alone */
	bool resetting;
	/* cookies the core took back but could not post again (a re-post on a
	 * queue that broke meanwhile): returned first by vio_net_rx_drain(),
	 * so every buffer still comes back exactly once */
	void **orphans;
	uint32_t norphans, orphans_cap;
	uint16_t max_posted; /* VIO_NET_RX_RING_BYTES_MAX worth of chains */
	/* copy mode: the RX pool (vio_net_copy.c) */
	struct vio_dma pool;
	struct vio_net_rxbuf *pool_bufs; /* [pool_n]; cookie = &pool_bufs[i] */
	uint8_t *pool_posted;		 /* [pool_n]: held by the ring */
	uint16_t pool_n;
	uint32_t pool_len;
};

/* Why the reset path runs (vio_net_reset.c); counted per cause. */
enum vio_net_reset_cause {
	VIO_NET_RESET_NEEDS_RESET = 0, /* DEVICE_NEEDS_RESET (§2.1.2) */
	VIO_NET_RESET_BROKEN,	       /* a queue or the device latched broken */
	VIO_NET_RESET_TX_TIMEOUT,      /* the front-end's TX watchdog */
	VIO_NET_RESET_CTRL_TIMEOUT,    /* a control command never came back */
	VIO_NET_RESET_RESUME,	       /* suspend/resume: the device may have lost power */
	VIO_NET_RESET_FORCED,	       /* asked for by a test or an operator */
	VIO_NET_RESET_RELINK,	       /* packed ring, link back up (vio_net_config_changed) */
	VIO_NET_RESET_RESIZE,	       /* new ring sizes on a device without RING_RESET */
	VIO_NET_RESET_CAUSES,
};
/* ---- the device ---- */
struct vio_net_params {
	struct vio_dev_params dev;
	uint64_t features;	   /* optional features the front-end serves */
	uint16_t rx_size, tx_size; /* max ring sizes; 0 = the device's */
	uint16_t tx_max_sg;	   /* most data segments of one TX packet */
	uint16_t max_qp;	   /* queue pairs to create (>= 1) */
	uint16_t active_qp;	   /* of those, pairs to enable at start; 0 = all */
	enum vio_irq_mode irq_mode;
	uint8_t random_mac[VIO_ETH_ALEN];     /* entropy for a MAC if NET_F_MAC is absent */
	uint8_t rss_key[VIO_NET_RSS_KEY_MAX]; /* RSS: the initial hash key (random) */
	/* Largest RX buffer (virtio header included) the front-end can post
	 * in one piece; 0 = no limit. In small mode NET_F_MTU is not
	 * negotiated when an mtu-sized frame would not fit (§5.1.4.1). */
	uint32_t rx_buf_max;
	/* Mergeable mode: the largest buffer (header included) that
	 * vio_net_rx_buf_len() suggests, VIO_NET_MRG_BUF_MAX (4096, Linux's
	 * get_mergeable_buf_len) .. VIO_NET_MRG_BUF_LIMIT; 0 = 4096; a larger
	 * rx_buf_max, when set, lowers it. Bigger buffers carry a
	 * 64 KiB GSO packet in fewer pieces (3 of 32 KiB instead of 16 of
	 * 4 KiB): fewer descriptors for the device to walk, fewer frags for
	 * the stack (bench/README.md). */
	uint32_t mrg_buf_max;
	/* Copy mode (vio_net_copy.c): the front-end's packet memory has no
	 * device address, so the core owns every packet buffer (an RX pool,
	 * a TX bounce slot per head) and the front-end copies. Host and guest
	 * GSO are not negotiated (VIO_NET_COPY_NO_FEATURES). */
	bool copy;
	uint32_t copy_frame;	  /* largest TX frame, bytes without FCS; 0 = 1518 */
	uint32_t ctrl_timeout_us; /* control-command busy-wait bound; 0 = VIO_NET_CTRL_TIMEOUT_US */
};

struct vio_net {
	struct vio_dev dev;
	const struct vio_os *os;
	uint8_t mac[VIO_ETH_ALEN];
	bool mac_random; /* NET_F_MAC absent: locally administered MAC */
	bool link_up;
	uint16_t status; /* last config status */
	/* NET_F_SPEED_DUPLEX (§5.1.4): the link's speed in Mbit/s and duplex
	 * (VIO_NET_DUPLEX_*), VIO_NET_SPEED_UNKNOWN / VIO_NET_DUPLEX_UNKNOWN
	 * without the feature or when the device's value is out of range
	 * (vio_net_speed_valid); re-read at every config change */
	uint32_t speed;
	uint8_t duplex;
	uint32_t speed_bad; /* last out-of-range speed logged (logged once per value) */
	uint8_t duplex_bad; /* last out-of-range duplex logged */
	uint16_t mtu, max_mtu;
	uint16_t hdr_len; /* 10 legacy, 12 with MRG_RXBUF or VERSION_1, 20 with HASH_REPORT */
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
	/* RSS (§5.1.6.5.7), negotiated only with MQ: what RSS_CONFIG says, sent
	 * instead of MQ_VQ_PAIRS_SET by start and set_pairs. The table spreads
	 * over the enabled pairs until the front-end sets one (rss_user). */
	struct {
		uint32_t hash_types; /* device-supported, all by default */
		uint16_t table_len;  /* power of 2 <= device max, <= 128 */
		uint8_t key_len;     /* <= device max, <= 40 */
		bool user;	     /* table set by vio_net_set_rss */
		/* HASH_REPORT negotiated (hdr_len 20); reports are trusted
		 * only once the device acknowledged the hash types it may
		 * use (hash_on: RSS_CONFIG or HASH_CONFIG, cleared by stop) */
		bool hash_report, hash_on;
		uint16_t table[VIO_NET_RSS_TABLE_MAX]; /* RX queue (pair) per hash bucket */
		uint8_t key[VIO_NET_RSS_KEY_MAX];
	} rss;
	uint16_t want_qp;  /* pairs the front-end wants enabled (vio_net_set_pairs),
			    * re-sent by every vio_net_start() */
	uint16_t curr_qp;  /* pairs the device serves: 1 until vio_net_start()'s
			    * MQ_VQ_PAIRS_SET succeeds, then want_qp. TX only on
			    * txq[0..curr_qp); every rxq[0..nqp) is filled and
			    * drained as usual either way. */
	bool ctrl_pending; /* a timed-out command still owns ctrl_buf */
	bool announce;	   /* device asked for an announce (§5.1.6.5.3): the
			    * front-end sends gratuitous ARP/RARP, then clears it */
	/* receive filter the front-end asked for (CTRL_RX), applied by every
	 * vio_net_start(): a reset device is promiscuous again (QEMU's
	 * "compatibility mode"), so the wish is kept here, not in the device */
	bool rx_promisc, rx_allmulti;
	/* CTRL_RX_EXTRA wishes, bit (cmd - VIO_NET_CTRL_RX_ALLUNI) for ALLUNI,
	 * NOMULTI, NOUNI, NOBCAST (vio_net_set_rx_extra) */
	uint8_t rx_extra;
	bool rx_promisc_forced; /* our MAC could not reach the device's filter */
	uint8_t *rx_table;	/* last MAC_TABLE_SET payload [VIO_NET_CTRL_DATA_MAX] */
	/* CTRL_VLAN: the VLAN ids the device passes (a device with CTRL_VLAN
	 * drops tagged frames of every other id, and forgets them at reset):
	 * bit vid of vlans[], re-sent by every vio_net_start() */
	uint32_t vlans[VIO_NET_VLAN_IDS / 32];
	uint32_t rx_table_len;	  /* 0: none set (both tables empty) */
	bool copy;		  /* copy mode (vio_net_params.copy) */
	uint32_t copy_frame;	  /* copy mode: largest TX frame */
	uint32_t rx_buf_max;	  /* vio_net_params.rx_buf_max */
	uint32_t mrg_buf_max;	  /* vio_net_params.mrg_buf_max, clamped */
	uint32_t ctrl_timeout_us; /* vio_net_params.ctrl_timeout_us or the default */
	/* what the front-end configured besides the filter, re-applied after
	 * a reset (vio_net_reinit / vio_net_start) */
	bool mac_set;		 /* vio_net_set_mac succeeded */
	bool guest_offloads_set; /* vio_net_set_guest_offloads was asked */
	uint64_t guest_offloads;
	/* recovery (vio_net_reset.c) */
	bool needs_reset;    /* DEVICE_NEEDS_RESET seen at a config change */
	bool link_went_down; /* the link dropped since the last reset */
	bool relink_reset;   /* packed ring: reset now that it is back */
	bool reset_given_up, reset_last_failed;
	uint16_t reset_tries;	  /* resets in a row the device failed again after */
	uint64_t reset_ok_ns;	  /* when the last recovery completed */
	uint64_t reset_done;	  /* chains completed (all queues) at that moment */
	uint64_t reset_window_ns; /* start of the current burst window */
	uint16_t reset_window_n;  /* recoveries in it (resume, relink not counted) */
	uint16_t relink_window_n; /* relink resets in it */
	uint32_t relinks_skipped; /* relink resets refused past VIO_NET_RELINK_MAX */
	uint32_t resets[VIO_NET_RESET_CAUSES];
	uint32_t reset_failures;
	uint32_t ctrl_fast_fails; /* commands refused at once: one still pending */
	/* ring sizes asked for (vio_net_set_ring_sizes); 0 = as created */
	uint16_t rx_ring, tx_ring;
};

/* ---- reset and recovery (vio_net_reset.c) ---- */
#define VIO_NET_RESET_MAX_TRIES	 3		/* resets in a row before giving up */
#define VIO_NET_RESET_QUIET_NS	 2000000000ull	/* failing again sooner counts as a row */
#define VIO_NET_RESET_WINDOW_MAX 32		/* recoveries per window, however */
#define VIO_NET_RESET_WINDOW_NS	 60000000000ull /* much the device worked between */
#define VIO_NET_RELINK_MAX	 32		/* relink resets per window; more are skipped */

/* Does the device need the reset path, and why (first of: NEEDS_RESET seen,
 * a broken latch, a timed-out control command)? False once given up. The
 * TX watchdog and resume are the front-end's own triggers. */
bool vio_net_reset_wanted(const struct vio_net *n, enum vio_net_reset_cause *cause);
/* [attach] A recovery for `cause` is about to run: counted in resets[]. False
 * when the device failed again right after VIO_NET_RESET_MAX_TRIES resets in
 * a row (each asked for within VIO_NET_RESET_QUIET_NS of the last recovery
 * with not one TX chain completed since, or after a failed one), or asked
 * for more than VIO_NET_RESET_WINDOW_MAX recoveries within
 * VIO_NET_RESET_WINDOW_NS whatever it did between. Then one error line is
 * logged, the front-end leaves the device reset with link down, and every
 * later call answers false (no loop). A device that moved TX traffic
 * between two resets is not failing again (RX does not count: fresh
 * buffers complete on any broadcast). Resume, resize and relink never
 * count toward giving up; relink resets past VIO_NET_RELINK_MAX per window are skipped
 * (false, counted in relinks_skipped, relink_reset cleared), so a device
 * that toggles its link cannot keep the front-end resetting. */
bool vio_net_reset_begin(struct vio_net *n, enum vio_net_reset_cause cause);
/* [attach] The device was reset (vio_net_stop) and every cookie drained:
 * reinitialise it in place - exactly the features negotiated before
 * (VIO_ENOTSUP, logged, when it now offers fewer or refuses them), the same
 * interrupt layout, every queue restarted on its memory (same size), the
 * polled reserve kept, a legacy MAC set by the front-end written again,
 * link state read from config. The front-end then refills RX and calls
 * vio_net_start(), which re-applies queue pairs, MAC, receive filter and
 * guest offloads. On error the device is left FAILED, link down. */
int vio_net_reinit(struct vio_net *n);
/* The TX watchdog's test, for front-ends without one (the macOS kext; Linux
 * has the netdev watchdog): true when chains are in flight and the device
 * completed none for timeout_ns. Call it periodically, after reclaiming
 * (completions not yet taken from the used ring do not count as progress);
 * the queue keeps its state. Same serialisation as the queue's TX path. */
bool vio_net_tx_stalled(struct vio_net_txq *q, uint64_t now_ns, uint64_t timeout_ns);
/* [attach] Record the outcome (err from reinit/start, or VIO_OK). */
void vio_net_reset_end(struct vio_net *n, int err);
const char *vio_net_reset_cause_name(enum vio_net_reset_cause c);

/* ---- ring sizes (ethtool -G) ---- */
/* [attach] The ring sizes every queue runs at from the next (re)start on:
 * 0 keeps one. A power of two of at least 2, within the size every queue
 * of the kind was created with (its memory stays; vq.cap), every queue
 * still taking its largest chain at that size (indirect tables shrink with
 * the ring: a TX packet of max_sg segments next to the polled reserve, a
 * big-mode RX chain of 21, may then have to fit direct): else VIO_EINVAL. VIO_ENOTSUP in copy mode and on a
 * legacy device (it cannot resize). Applied by vio_net_reinit (the recovery path: what a device without
 * RING_RESET needs) or queue by queue: */
int vio_net_set_ring_sizes(struct vio_net *n, uint16_t rx, uint16_t tx);
/* [attach] VIRTIO_F_RING_RESET (§2.6.1): with the queue's own path frozen
 * (NAPI off / TX stopped), reset it alone on the device. Then take back
 * every buffer (vio_net_rx_drain / vio_net_tx_drain until NULL) and call
 * *_restart, which enables it again at the size asked for; refill RX and
 * kick. VIO_ENOTSUP without RING_RESET (use the recovery path),
 * VIO_EBROKEN on a broken queue; a reset the device never confirms, or a
 * restart that fails, latches the queue broken (vio_net_reset_wanted then
 * asks for the device reset). restart: VIO_EINVAL when not drained. */
int vio_net_rxq_reset(struct vio_net_rxq *q);
int vio_net_rxq_restart(struct vio_net_rxq *q);
int vio_net_txq_reset(struct vio_net_txq *q);
int vio_net_txq_restart(struct vio_net_txq *q);
/* [internal] Chains one RX ring may hold posted (VIO_NET_RX_RING_BYTES_MAX). */
uint16_t vio_net_rx_budget(const struct vio_net *n, const struct vio_net_rxq *q);

/* Features copy mode never negotiates: a bounce slot or pool buffer holds
 * one frame, not a 64 KiB GSO packet. */
#define VIO_NET_COPY_NO_FEATURES                                                                             \
	(VIO_BIT(VIO_NET_F_HOST_TSO4) | VIO_BIT(VIO_NET_F_HOST_TSO6) | VIO_BIT(VIO_NET_F_HOST_ECN) |         \
	 VIO_BIT(VIO_NET_F_HOST_UFO) | VIO_BIT(VIO_NET_F_HOST_USO) | VIO_BIT(VIO_NET_F_GUEST_TSO4) |         \
	 VIO_BIT(VIO_NET_F_GUEST_TSO6) | VIO_BIT(VIO_NET_F_GUEST_ECN) | VIO_BIT(VIO_NET_F_GUEST_UFO) |       \
	 VIO_BIT(VIO_NET_F_GUEST_USO4) | VIO_BIT(VIO_NET_F_GUEST_USO6))

/* [attach] Everything up to DRIVER_OK. Errors say what failed (logged);
 * the device is left FAILED and everything allocated is freed (dev.allocs
 * back to 0; vio_net_destroy() after a failed attach is harmless).
 * *n is zeroed first. Decisions, in order:
 *  - wanted = p->features & VIO_NET_ENGINE_FEATURES & offered, minus
 *    features whose prerequisites are missing (§5.1.3.1: GUEST_TSO4/6,
 *    UFO, USO need GUEST_CSUM; GUEST_ECN needs GUEST_TSO4|6; HOST_TSO4/6,
 *    UFO, USO need CSUM; HOST_ECN needs HOST_TSO4|6; CTRL_RX, CTRL_VLAN,
 *    GUEST_ANNOUNCE, MQ, CTRL_MAC_ADDR, CTRL_GUEST_OFFLOADS need CTRL_VQ),
 *    minus NET_F_MTU when config mtu < VIO_NET_MIN_MTU, or when no
 *    mergeable/big buffers are wanted and hdr + mtu + 18 exceeds
 *    p->rx_buf_max (warned; the mtu stays 1500), and NET_F_MQ when
 *    max_virtqueue_pairs is outside 1..0x8000 (both warned; config is read
 *    before negotiation, §3.1.1 step 4). vio_dev adds the ring features.
 *  - mac: config mac with NET_F_MAC unless it is zero or multicast; else
 *    p->random_mac with bit 1 of byte 0 set and bit 0 cleared, mac_random
 *    set, logged "no MAC from device: using random 02:..". Nothing is
 *    written to the device at attach.
 *  - link_up: config status LINK_UP with NET_F_STATUS, else always up.
 *  - hdr_len 12 with MRG_RXBUF or VERSION_1, else 10; any_layout with
 *    VERSION_1 or ANY_LAYOUT; rx_mode MERGEABLE with MRG_RXBUF, BIG with
 *    GUEST_TSO4/TSO6/UFO, else SMALL.
 *  - mtu/max_mtu: the config mtu with NET_F_MTU; otherwise mtu 1500 and
 *    max_mtu 1500 (small) or 65517 (mergeable/big: a VLAN-tagged frame of
 *    65535 bytes).
 *  - nqp = min(p->max_qp (0 counts as 1), max_virtqueue_pairs,
 *    VIO_NET_MAX_QP) with MQ, else 1; curr_qp = 1 until start; want_qp =
 *    min(p->active_qp (0: nqp), nqp).
 *  - queues: rx i = 2i, tx i = 2i+1, ctrl = 2 * max_pairs (§5.1.2); RX
 *    indirect tables of 2 (legacy split header) or MAX_BIG_SEGS+1 (big);
 *    TX indirect tables of max_sg+1, where max_sg = p->tx_max_sg (0 or
 *    more than VIO_NET_MAX_TX_SG means VIO_NET_MAX_TX_SG), lowered without
 *    indirect descriptors so one packet fits an empty ring next to the
 *    polled reserve; a TX ring too small for that fails with VIO_EIO.
 *    Control queue at most VIO_NET_CTRL_RING entries, no indirect.
 *  - VIO_NET_POLL_RESERVE descriptors of txq 0 are reserved for
 *    vio_net_poll_send(). */
int vio_net_attach(struct vio_net *n, const struct vio_os *os, const struct vio_net_params *p);
/* [attach] DRIVER_OK, a kick of every RX queue, then with want_qp > 1
 * MQ_VQ_PAIRS_SET(want_qp) (§5.1.6.5.5; commands need DRIVER_OK). If that
 * command fails the device keeps one pair: logged, curr_qp stays 1 and
 * VIO_OK is returned. Then vio_net_rx_filter_apply(). VIO_EBROKEN if the
 * device is latched broken. */
int vio_net_start(struct vio_net *n);
/* [attach] Reset: no DMA after this returns. link_up false, curr_qp 1. */
void vio_net_stop(struct vio_net *n);
/* [attach] Take back cookies of buffers still posted (after stop), one per
 * call, NULL when none remain. RX: every cookie the front-end gave, so a
 * big-mode chain yields the cookie of each of its segments. TX: the stash
 * first, then chains still in the ring; the polled frame is never returned.
 * Both return NULL for queues that were never created. */
void *vio_net_rx_drain(struct vio_net_rxq *q);
void *vio_net_tx_drain(struct vio_net_txq *q);
/* [attach] Free everything attach allocated. */
void vio_net_destroy(struct vio_net *n);

/* ---- RX data path ---- */
/* Suggested length of the next buffer for this queue:
 *  - small: hdr_len + max(1518, max_mtu + 18), which is also the minimum
 *    vio_net_rx_post() accepts (§5.1.4.1: with NET_F_MTU one mtu-sized
 *    frame must fit);
 *  - mergeable: hdr_len + clamp(EWMA of packet lengths, 1518, M -
 *    hdr_len), rounded up to 64 and at most M = mrg_buf_max, 4096 by
 *    default (Linux's get_mergeable_buf_len, EWMA weight 64, first sample
 *    taken as is); the
 *    post minimum is hdr_len + 1518 so the first buffer always holds the
 *    headers;
 *  - big: VIO_NET_BIG_SEG_LEN per segment (chains need >= 65562 bytes). */
uint32_t vio_net_rx_buf_len(const struct vio_net_rxq *q);
/* Free slots for more buffers (chains): free descriptors divided by what
 * one chain needs (big mode assumes a chain of VIO_NET_MAX_BIG_SEGS). */
uint16_t vio_net_rx_room(const struct vio_net_rxq *q);
/* Post one buffer (small / mergeable modes), or a big-mode chain of nseg
 * buffers (cookie of segs[0] identifies the chain). VIO_EINVAL if a buffer is
 * shorter than the mode needs, has a NULL vaddr/cookie or zero length, or
 * for post_big outside big mode / nseg outside 1..VIO_NET_MAX_BIG_SEGS /
 * segs[0] shorter than hdr_len + 14 / a total below 65562. rx_post in big
 * mode is post_big with one segment. VIO_ENOSPC when the ring is full.
 * Without any_layout the first hdr_len bytes of the (first) buffer get their
 * own descriptor (§5.1.6.6 legacy); data still lands contiguously. Every
 * segment's cookie comes back exactly once (rx_get frags, or rx_drain).
 * Batch: call vio_net_rx_kick() once after. */
int vio_net_rx_post(struct vio_net_rxq *q, const struct vio_net_rxbuf *b);
int vio_net_rx_post_big(struct vio_net_rxq *q, const struct vio_net_rxbuf *segs, uint16_t nseg);
/* Publish and notify when the device wants it (returns whether it did).
 * With RSS and more than one pair enabled, a notification that was wanted
 * (the device ran out of buffers here) also notifies every other enabled
 * RX queue, counted in kicks_peer: QEMU's software RSS leaves a packet
 * steered to a queue without buffers in the backlog of the queue it came
 * in on, and flushes that backlog only when that queue is kicked. */
bool vio_net_rx_kick(struct vio_net_rxq *q);
/* Take one received packet. Returns 1: a packet, frags[0..pkt->nfrags)
 * filled; 0: nothing pending; VIO_EIO: one bad packet dropped (counted),
 * frags[0..pkt->nfrags) still name the buffers the front-end must recycle;
 * VIO_EBROKEN: the queue is broken (frags[0..nfrags), possibly none, were
 * taken already and must be recycled too); VIO_EINVAL: max_frags below 1
 * (VIO_NET_MAX_BIG_SEGS in big mode), nothing taken. max_frags must be >=
 * the ring size in mergeable mode to be able to take any packet the device
 * may legally build (a packet with more buffers is dropped as
 * err_num_buffers).
 * Frags: small mode one frag; big mode one frag per segment of the chain
 * with the bytes written into it (0 past the end); mergeable one per
 * buffer. frags[0].len includes the virtio header. The bytes the device
 * wrote are synced for the CPU (os->dma_sync) before the header is read,
 * and the header is copied once out of device-writable memory.
 * Checks, each a drop (VIO_EIO):
 *  - err_len: first buffer shorter than hdr_len + 14 (Ethernet header);
 *    a packet (merged or not) longer than VIO_NET_PKT_MAX;
 *    only that buffer is taken (num_buffers cannot be trusted);
 *  - err_num_buffers (mergeable): num_buffers 0 or above the ring size
 *    (first buffer only); a buffer of the packet not in the used ring yet
 *    (the ones taken are listed); more buffers than max_frags (all are
 *    taken to stay in step; those past max_frags are re-posted by the core
 *    and published by the next vio_net_rx_kick());
 *  - err_hdr: NEEDS_CSUM without GUEST_CSUM or csum_start + csum_offset + 2
 *    beyond the packet; a gso_type whose GUEST_* feature (TSO4, TSO6, UFO,
 *    USO4|USO6) is not negotiated or unknown; gso with gso_size 0; the ECN
 *    bit without GUEST_ECN.
 * NEEDS_CSUM wins over DATA_VALID (-> CSUM_PARTIAL); DATA_VALID alone is
 * CSUM_VALID. gso_size is reported 0 for GSO_NONE. pkt->len excludes the
 * virtio header. Mergeable packets feed the EWMA of vio_net_rx_buf_len(). */
int vio_net_rx_get(struct vio_net_rxq *q, struct vio_net_rx_pkt *pkt, struct vio_net_rx_frag *frags,
		   uint16_t max_frags);

/* Complete the L4 checksum of a packet rx_get reported as
 * VIO_NET_RX_CSUM_PARTIAL (NEEDS_CSUM), in the front-end's buffers: the
 * Internet checksum from csum_start to the end of the packet (the field
 * holds the pseudo-header sum, §5.1.6.2) stored at csum_start + csum_offset,
 * 0 stored as 0xffff (Linux skb_checksum_help). On VIO_OK pkt->csum becomes
 * VIO_NET_RX_CSUM_VALID. For stacks that cannot carry a partial checksum
 * (macOS: setChecksumResult only says "verified", so a forwarded packet
 * would leave with a wrong checksum). VIO_EINVAL: not PARTIAL, NULL
 * arguments, offsets outside the fragments; VIO_ENOTSUP: a GSO packet
 * (checksummed per segment by whoever segments it). frags are rx_get's. */
int vio_net_rx_csum_complete(struct vio_net_rx_pkt *pkt, const struct vio_net_rx_frag *frags);

/* ---- copy mode (vio_net_params.copy) ---- */
/* Post every pool buffer the ring does not hold yet (at start, and after a
 * drain). Returns how many, or an error if none could be posted. Kick
 * after. */
int vio_net_rx_fill_copy(struct vio_net_rxq *q);
/* Give back one buffer rx_get returned (frags[i].cookie) after copying its
 * data out; it is posted again at once (kick after the batch). VIO_EINVAL
 * for a cookie that is not a pool buffer taken from the ring. In copy mode
 * vio_net_rx_drain() never returns pool cookies: the core owns them. */
int vio_net_rx_repost_copy(struct vio_net_rxq *q, void *cookie);
/* One piece of a TX frame in the front-end's memory. */
struct vio_net_piece {
	const void *vaddr;
	uint32_t len;
};
/* Copy the frame's pieces into the bounce slot of the head the packet will
 * use and post it as one segment (vio_net_tx rules for m, room and return
 * values). VIO_EINVAL also outside copy mode, for an empty frame or one
 * longer than copy_frame. The cookie comes back from reclaim as usual. */
int vio_net_tx_copy(struct vio_net_txq *q, const struct vio_net_tx_meta *m,
		    const struct vio_net_piece *pieces, uint16_t npieces, void *cookie);

/* ---- TX data path ---- */
/* Enqueue one packet: the core writes the virtio header into its own slot and
 * posts header + sg as one chain (indirect when possible). Returns VIO_OK,
 * VIO_ENOSPC (ring full: stop the queue, reclaim, retry), VIO_EINVAL (offload
 * not negotiated or inconsistent, too many segments), VIO_EBROKEN. Does not
 * kick: call vio_net_tx_flush() once per batch.
 * m may be NULL (no offload). VIO_EINVAL without counting: nsg 0 or above
 * max_sg, NULL sg or cookie. VIO_EINVAL counted in err_meta: a zero-length
 * segment; flags other than VIO_NET_TX_F_CSUM; CSUM without NET_F_CSUM or
 * with csum_start + csum_offset + 2 beyond the packet; GSO without CSUM,
 * with gso_size 0 or hdr_len beyond the packet, TCPV4 without HOST_TSO4,
 * TCPV6 without HOST_TSO6, UDP without HOST_UFO, UDP_L4 without HOST_USO,
 * the ECN bit without HOST_ECN, any other type. The header goes out in
 * device byte order with num_buffers 0; hdr_len/gso_size only for GSO.
 * VIO_ENOSPC also when in-flight chains plus stashed completions would
 * exceed the ring size (reclaim first: it empties the stash). */
int vio_net_tx(struct vio_net_txq *q, const struct vio_net_tx_meta *m, const struct vio_net_sg *sg,
	       uint16_t nsg, void *cookie);
bool vio_net_tx_flush(struct vio_net_txq *q);
/* Offloads a stack asks for without giving offsets (macOS): */
#define VIO_NET_OFL_CSUM 1 /* L4 checksum of a TCP or UDP packet, IPv4 or IPv6 */
#define VIO_NET_OFL_TSO	 2 /* TCP segmentation at `mss` (implies CSUM) */
/* Fill *m for `want` from the frame's own headers: Ethernet (+802.1Q),
 * IPv4 (not a fragment) or IPv6 (+ hop-by-hop/routing/dest-opts headers),
 * TCP or UDP. `frame` holds `avail` contiguous bytes of a `total`-byte frame
 * (avail must cover the headers). VIO_EINVAL: the headers do not prove the
 * request (send without offload: compute in software); VIO_ENOTSUP: the
 * device did not negotiate the offload (CSUM, HOST_TSO4/6, HOST_ECN for a
 * CWR segment). want == 0 gives an all-zero meta and VIO_OK. */
int vio_net_tx_meta_from_frame(const struct vio_net *n, const uint8_t *frame, uint32_t avail, uint32_t total,
			       unsigned want, uint16_t mss, struct vio_net_tx_meta *m);

/* Room for one more packet of max_sg segments outside the reserve (and
 * within the stash bound above). */
bool vio_net_tx_has_room(const struct vio_net_txq *q);
/* Take up to max completed cookies; returns how many. VIO_EBROKEN (< 0) when
 * the queue is broken and nothing was taken (cookies taken before the break
 * are returned first). The stash (completions the polled path met) comes
 * first, then the used ring; the polled frame is consumed silently. */
int vio_net_tx_reclaim(struct vio_net_txq *q, void **cookies, unsigned max);

/* ---- config, link, control queue ---- */
/* Re-read config after a config interrupt; returns true when the link state
 * or its speed/duplex changed (n->link_up is the new state; down whenever
 * the device is broken; a status read that never settles keeps the old
 * state; n->speed / n->duplex as vio_net_read_speed). With
 * GUEST_ANNOUNCE and status ANNOUNCE: sets n->announce and sends
 * ANNOUNCE_ACK. May busy-wait on the control queue: call it from a work
 * item, not from the interrupt handler. */
bool vio_net_config_changed(struct vio_net *n);
/* [any] §5.1.4 (and Linux's ethtool_validate_speed/_duplex): a speed is
 * 0..0x7fffffff Mbit/s or VIO_NET_SPEED_UNKNOWN, a duplex half, full or
 * unknown. Anything else is unknown. */
uint32_t vio_net_speed_valid(uint32_t raw);
uint8_t vio_net_duplex_valid(uint8_t raw);
/* Control-queue commands (§5.1.6.5); busy-wait for the answer (bounded).
 * VIO_ENOTSUP when the device has no control queue or lacks the feature the
 * command needs; VIO_EIO when the device answers VIRTIO_NET_ERR. */
/* Details: the feature per class is CTRL_RX (RX, MAC_TABLE_SET),
 * CTRL_MAC_ADDR (MAC_ADDR_SET), CTRL_VLAN (2), GUEST_ANNOUNCE, MQ,
 * CTRL_GUEST_OFFLOADS; unknown classes/commands are VIO_ENOTSUP. len above
 * VIO_NET_CTRL_DATA_MAX (or data NULL with len) is VIO_EINVAL. Layout: hdr,
 * data, ack each in its own descriptor. The wait is udelay steps up to
 * VIO_NET_CTRL_TIMEOUT_US; on timeout ctrl_timeouts++ and VIO_ETIMEDOUT,
 * and the command stays pending: the next command first waits (bounded)
 * for it and fails VIO_ETIMEDOUT (counted) if it still has not come back.
 * The ack is poisoned before posting, so a device that completes without
 * writing it yields VIO_EIO. VIO_EBROKEN when the queue/device is broken.
 * After a timeout no later command waits again: while the timed-out one has
 * not come back, every command fails at once with VIO_ETIMEDOUT (counted in
 * ctrl_fast_fails) and vio_net_reset_wanted() asks for recovery, so a dead
 * control queue costs one VIO_NET_CTRL_TIMEOUT_US wait in total. */
int vio_net_ctrl_cmd(struct vio_net *n, uint8_t cls, uint8_t cmd, const void *data, uint32_t len);
/* The receive filter. A virtio-net device starts promiscuous (QEMU resets
 * to promisc on, "compatibility mode"), and a stack that changes filters
 * only on request would never turn that off. With CTRL_RX (and a control
 * queue) this sends, in order: MAC_ADDR_SET of a random MAC when
 * CTRL_MAC_ADDR allows it (so the device's own filter passes our unicast
 * frames); PROMISC rx_promisc - forced on when the MAC is random and the
 * device cannot be told it (it would drop our unicast frames otherwise);
 * ALLMULTI rx_allmulti; MAC_TABLE_SET of the last table set, if any
 * (VLAN_ADD of every recorded VLAN id comes first, with CTRL_VLAN and
 * without CTRL_RX too), then with CTRL_RX_EXTRA each extra mode that is
 * on. Failures are logged: the device then stays as permissive as it was.
 * Called by vio_net_start(); [attach] context (busy-waits). */
void vio_net_rx_filter_apply(struct vio_net *n);
/* Each records the wish (kept across resets, see above) and sends it. */
int vio_net_set_promisc(struct vio_net *n, bool on);
int vio_net_set_allmulti(struct vio_net *n, bool on);
/* CTRL_RX_EXTRA (§5.1.6.5.1): cmd VIO_NET_CTRL_RX_ALLUNI (every unicast
 * frame, without promiscuous multicast), _NOMULTI, _NOUNI or _NOBCAST
 * (drop those). VIO_EINVAL for another cmd, VIO_ENOTSUP without the
 * feature; otherwise the command's result, and the mode is recorded (and
 * re-sent by every vio_net_start()) only when the device acknowledged it. */
int vio_net_set_rx_extra(struct vio_net *n, uint8_t cmd, bool on);
bool vio_net_rx_extra(const struct vio_net *n, uint8_t cmd);
/* set_mac: MAC_ADDR_SET with CTRL_MAC_ADDR; otherwise on a legacy device
 * with NET_F_MAC a byte-wise write of the config mac field (§5.1.4.3,
 * legacy); otherwise VIO_ENOTSUP. On success n->mac is updated and
 * mac_random cleared. */
int vio_net_set_mac(struct vio_net *n, const uint8_t mac[VIO_ETH_ALEN]);
/* Unicast and multicast filter tables (MAC_TABLE_SET), each n*6 bytes;
 * entry counts in device byte order. VIO_EINVAL when both tables do not fit
 * VIO_NET_CTRL_DATA_MAX (the front-end then falls back to allmulti/promisc). */
int vio_net_set_mac_table(struct vio_net *n, const uint8_t *uc, uint32_t nuc, const uint8_t *mc,
			  uint32_t nmc);
/* §5.1.6.5.5: serve k queue pairs (1..nqp) from now on: MQ_VQ_PAIRS_SET
 * when k differs from curr_qp; on success curr_qp = want_qp = k. The
 * device may steer received packets to any of the k pairs' RX queues and
 * the front-end transmits on txq[0..k) only. VIO_EINVAL outside 1..nqp,
 * VIO_ENOTSUP for k > 1 without MQ, else as vio_net_ctrl_cmd (curr_qp
 * unchanged: the device keeps the old count). [attach] context. */
int vio_net_set_pairs(struct vio_net *n, uint16_t k);
/* RSS (§5.1.6.5.7): a new indirection table (rss.table_len entries, each
 * an enabled pair below curr_qp) and/or key (rss.key_len bytes); NULL
 * keeps the current one. A table set here survives resets and pair
 * changes that keep its entries valid (else the default spread returns).
 * With HASH_REPORT and no RSS only the key can change (HASH_CONFIG; a
 * table is VIO_EINVAL).
 * VIO_ENOTSUP without RSS or HASH_REPORT, VIO_EINVAL for a bad entry; else as
 * vio_net_ctrl_cmd (nothing changes on failure). */
int vio_net_set_rss(struct vio_net *n, const uint16_t *table, const uint8_t *key);
/* [internal] HASH_CONFIG (HASH_REPORT without RSS): rss.hash_types and
 * this key. */
int vio_net_hash_send(struct vio_net *n, const uint8_t *key);
/* [any] Is a HASH_REPORT value one of the L4 (TCP/UDP) types? */
bool vio_net_hash_l4(uint8_t report);
/* [internal] RSS_CONFIG with this table and key and max_tx_vq; the spread
 * of len buckets over k pairs. */
int vio_net_rss_send(struct vio_net *n, const uint16_t *table, const uint8_t *key, uint16_t max_tx);
void vio_net_rss_spread(uint16_t *table, uint16_t len, uint16_t k);
/* CTRL_VLAN (§5.1.6.5.3): let tagged frames of VLAN vid (0..4095) through
 * the device's filter, or stop them. add records the id only when the
 * device acknowledged it; del forgets it whatever the answer (the stack
 * does). VIO_EINVAL for vid >= 4096, VIO_ENOTSUP without CTRL_VLAN, else
 * as vio_net_ctrl_cmd. Recorded ids are re-added after every reset. */
int vio_net_vlan_add(struct vio_net *n, uint16_t vid);
int vio_net_vlan_del(struct vio_net *n, uint16_t vid);
/* Is vid recorded as passed? */
bool vio_net_vlan_has(const struct vio_net *n, uint16_t vid);
/* Guest offloads (GUEST_CSUM/TSO4/TSO6/ECN/UFO/USO bits, as feature bits),
 * sent as a (device-order) 64-bit mask; VIO_EINVAL for bits that are not
 * negotiated guest offloads (§5.1.6.5.6.1). */
int vio_net_set_guest_offloads(struct vio_net *n, uint64_t offloads);
/* MTU: VIO_EINVAL beyond max_mtu (the device's MTU with NET_F_MTU) or below
 * VIO_NET_MIN_MTU. Only n->mtu changes: buffers are sized from max_mtu. */
int vio_net_set_mtu(struct vio_net *n, uint16_t mtu);

/* ---- polled path (kernel debugger / netconsole), queue pair 0 ---- */
/* Send one frame (<= VIO_NET_POLL_FRAME_MAX bytes) from the reserved buffer
 * and wait up to timeout_us for the device to take it; normal completions met
 * on the way are stashed for the normal path. VIO_ETIMEDOUT: the frame was
 * posted and is still in flight (the device sends it later; the next call
 * waits for it first). VIO_ENOSPC: the previous frame still held the buffer
 * when the time was up, this one was NOT posted (send it another way or
 * drop it). The caller tells the two apart from the code alone: no ring
 * field to read, whichever layout runs.
 * The header is all zero (no offload). VIO_EINVAL: NULL frame, len 0 or too
 * long, no txq 0. The wait (for a previous frame, then for this one) shares
 * one deadline, measured both by the udelay steps taken and by os->now_ns,
 * whichever ends first. VIO_EBROKEN when txq 0 is broken. */
int vio_net_poll_send(struct vio_net *n, const void *frame, uint32_t len, uint32_t timeout_us);
/* Wait up to timeout_us for one frame; copy it (header stripped) into buf.
 * Returns 1 with *len set, 0 on timeout. The RX buffer is re-posted on the
 * spot, so the ring never drains; frames larger than cap are dropped.
 * Also dropped (counted in rxq 0 drops, the wait goes on): packets shorter
 * than hdr_len + 14, mergeable packets of more than one buffer (all of
 * them re-posted). The header's offload flags are ignored. Re-posted
 * buffers are synced for the device and kicked at once. VIO_EINVAL for
 * NULL buf/len, VIO_EBROKEN when rxq 0 is broken. */
int vio_net_poll_recv(struct vio_net *n, void *buf, uint32_t cap, uint32_t *len, uint32_t timeout_us);

/* ---- counters and reports ---- */
/* A flat table of named counters for ethtool -S / IONetworkStats:
 * for each pair i < nqp, "rx<i>_<name>" for packets bytes csum_valid
 * csum_partial gso merged err_len err_num_buffers err_hdr drops interrupts
 * poll_packets kicks kicks_suppressed, then "tx<i>_<name>" for packets bytes
 * csum gso err_meta full interrupts reclaimed poll_packets kicks
 * kicks_suppressed; the last entry is "ctrl_timeouts". stat_name returns
 * buf (NULL out of range), stat_value 0 out of range. */
unsigned vio_net_stats_count(const struct vio_net *n);
const char *vio_net_stat_name(const struct vio_net *n, unsigned i, char *buf, size_t size);
uint64_t vio_net_stat_value(const struct vio_net *n, unsigned i);
/* "VERSION_1 NET_MAC NET_STATUS ..." for the negotiated features (bit
 * order, "bit<n>" for unnamed bits); returns the full length like
 * snprintf, truncating safely. */
int vio_net_features_string(const struct vio_net *n, char *buf, size_t size);
/* The engine as the bus layer sees it (vio_dev.h: device type, names). */
extern const struct vio_driver vio_net_driver;
/* [irq] What queue idx is (§5.1.2: rx i = 2i, tx i = 2i + 1), for a
 * front-end dispatching vio_dev_irq's per-queue work; *pair set for RX/TX. */
#define VIO_NET_Q_RX	0
#define VIO_NET_Q_TX	1
#define VIO_NET_Q_OTHER (-1)
int vio_net_queue_of(const struct vio_net *n, uint16_t idx, uint16_t *pair);

/* ---- engine internals shared by core/vio_net*.c (not for front-ends) ---- */
/* Header and config fields are little-endian on a modern (VERSION_1) device
 * and guest-native on a legacy one (virtio 1.2 §5.1.6 legacy note, §2.5.1). */
static inline uint16_t vio_net_h16(const struct vio_net *n, uint16_t v)
{
	return vio_dev_le(&n->dev) ? vio_le16(v) : v;
}
static inline uint32_t vio_net_h32(const struct vio_net *n, uint32_t v)
{
	return vio_dev_le(&n->dev) ? vio_le32(v) : v;
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
/* The RX header checks alone (rx_get's err_hdr rules): fills pkt's csum and
 * gso fields from h for a packet of pkt->len bytes; VIO_EIO = drop. */
int vio_net_rx_parse(const struct vio_net *n, const struct vio_net_hdr *h, struct vio_net_rx_pkt *pkt);
/* internals shared with vio_net_reset.c */
void vio_net_read_status(struct vio_net *n);
/* [internal] NET_F_SPEED_DUPLEX: read speed and duplex into n (unknown
 * without the feature, or when out of range: logged once per value);
 * true when either changed. */
bool vio_net_read_speed(struct vio_net *n);
int vio_net_set_mac_cfg(struct vio_net *n, const uint8_t *mac);
/* copy mode internals (vio_net_copy.c) */
uint32_t vio_net_copy_rx_len(const struct vio_net *n);
uint32_t vio_net_copy_tx_stride(const struct vio_net *n);
void vio_net_copy_rx_layout(struct vio_net_rxq *q);
/* the ring took (held) or gave back (!held) a pool buffer */
void vio_net_copy_rx_held(struct vio_net_rxq *q, const void *cookie, bool held);
/* The cookie that marks the polled path's own TX frame. */
static inline void *vio_net_poll_cookie(struct vio_net *n)
{
	return &n->poll_buf;
}

#endif /* VIO_NET_H */
