/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * model.h - an in-memory virtio-pci device (modern, transitional, legacy)
 * that implements struct vio_os for the core, plus the DEVICE side of the
 * split ring (virtio 1.2 §2.7) and of virtio-net (§5.1).
 *
 * It is a test tool: besides behaving like a device it checks the driver
 * (every rule it can see is counted in m->violations with the first message
 * kept) and it can misbehave on request (knobs below, and the raw used-ring
 * writers).
 *
 * Addresses: dma_map and dma_alloc are identity (daddr == vaddr). The model
 * only dereferences device addresses that lie inside a region it knows:
 * a live dma_alloc, a dma_map, or a buffer the test registered.
 */
#ifndef MODEL_H
#define MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vio_os.h"
#include "virtio_spec.h"
#include "vio_cons.h" /* console wire layout */

#define M_MAXQ	   20
#define M_MAXSEG   160
#define M_LOGLINES 512

/* memory BAR with the modern register file */
#define M_MEM_BAR	 4
#define M_MEM_BAR_LEN	 0x4000u
#define M_COMMON_OFF	 0x0000u
#define M_ISR_OFF	 0x1000u
#define M_DEVCFG_OFF	 0x2000u
#define M_NOTIFY_OFF	 0x3000u
#define M_NOTIFY_MULT	 4u
#define M_LEGACY_BAR	 0
#define M_LEGACY_BAR_LEN 64u
#define M_MSIX_VECTORS	 8
#define M_DEVCFG_LEN	 32u
#define VIO_LOG_LINE_MAX 256

enum model_kind {
	M_MODERN = 0,	/* 0x1041, revision 1, capabilities only */
	M_TRANSITIONAL, /* 0x1000, capabilities + legacy I/O BAR 0 */
	M_LEGACY,	/* 0x1000, revision 0, legacy I/O BAR 0 only */
};

enum model_region_kind { MR_DMA = 1, MR_MAP, MR_TEST, MR_ZALLOC };

struct model_region {
	uintptr_t base;
	size_t len;
	int kind;
};

struct mq {
	uint16_t max;  /* device maximum (queue_size reads this after reset) */
	uint16_t size; /* current size */
	uint16_t vector;
	bool enabled;
	bool was_reset;	      /* RING_RESET: reset alone, may be enabled after DRIVER_OK */
	uint16_t reset_reads; /* knob: queue_reset reads 1 this many more times */
	bool reset_stuck;     /* knob: queue_reset never completes */
	uint32_t queue_resets;
	uint16_t notify_off;
	uint16_t shrink_to; /* knob: after the next size read, the size becomes this */
	uint64_t desc, avail, used;
	/* device-side state */
	uint16_t last_avail; /* next avail entry the device reads */
	uint16_t used_idx;   /* device's shadow of used->idx */
	uint16_t signalled;  /* used idx at the last interrupt decision */
	uint8_t *owned;	     /* [size]: head popped by the device, not completed */
	uint64_t notifies;
	uint64_t irqs;
	bool auto_avail_event; /* EVENT_IDX: write avail_event = last_avail on pop */
	/* packed ring (model_packed.c): desc = ring, avail = driver event
	 * area, used = device event area */
	uint16_t pk_next; /* next descriptor slot the device reads */
	bool pk_avail_wrap, pk_used_wrap;
	uint16_t *pk_ndesc; /* [size]: descriptors of each popped id */
};

struct mseg {
	uint8_t *p;
	uint32_t len;
};

struct mchain {
	uint16_t head;
	int nout, nin;
	struct mseg out[M_MAXSEG], in[M_MAXSEG];
	uint32_t out_len, in_len;
	bool indirect;
	int ndesc; /* ring-table descriptors */
};

struct mctrl_cmd {
	uint8_t cls, cmd;
	uint32_t len;	   /* data bytes */
	uint8_t data[512]; /* enough for an RSS_CONFIG of 128 entries and a 40-byte key */
};

struct model;
typedef void (*model_hook)(struct model *m, int q, void *arg);

struct model {
	struct vio_os os;
	enum model_kind kind;

	/* ---- PCI ---- */
	uint8_t pcicfg[256];
	uint8_t msix_cap; /* offset, 0 = none */

	/* ---- virtio ---- */
	uint64_t features;     /* offered */
	uint64_t drv_features; /* written by the driver */
	uint32_t dfsel, gfsel;
	uint8_t status;
	uint8_t gen;
	uint8_t isr;
	uint16_t msix_config;
	uint16_t nq;
	uint16_t qsel;
	struct mq q[M_MAXQ];
	uint8_t devcfg[M_DEVCFG_LEN];
	uint32_t resets; /* status 0 writes */

	/* ---- knobs (misbehaviour) ---- */
	bool refuse_features_ok; /* never accept FEATURES_OK */
	bool reset_stuck;	 /* status never reads 0 after a reset */
	int gen_flips;		 /* >0: bump generation on that many config reads; -1 always */
	bool refuse_vectors;	 /* msix vectors read back NO_VECTOR */
	int bad_cap;		 /* cfg_type whose offset lies outside its BAR, 0 none */
	bool no_common_cap;	 /* drop the COMMON capability */
	int features_flip_after; /* >0: on that device_feature read, the offer becomes features_flip */
	uint64_t features_flip;
	bool devcfg_flip_on_features_ok; /* config becomes devcfg_flip once FEATURES_OK is set */
	uint8_t devcfg_flip[32];
	uint32_t mem_bar_len;	   /* memory BAR length the OS reports (default M_MEM_BAR_LEN) */
	uint32_t io_bar_len;	   /* I/O BAR 0 length the OS reports (default M_LEGACY_BAR_LEN) */
	uint32_t num_queues_shown; /* nonzero: num_queues reads this, not nq */
	uint8_t status_or;	   /* bits a nonzero status read shows besides the real ones */
	bool devcfg_unstable;	   /* each device-config read sees a new value (no generation) */
	uint32_t unstable_reads;
	bool refuse_queue_vectors; /* queue vectors read back NO_VECTOR (config vector kept) */

	/* ---- declared windows (fuzz/fuzz_transport.c) ----
	 * With check_windows set, a modern BAR access is routed through the
	 * capabilities in pcicfg as they are now (a window moved by the test
	 * still reaches the right registers), and these are faults: an access
	 * outside every declared window or past the BAR, a doorbell not at
	 * offset + queue_notify_off * multiplier of a notify capability, a
	 * queue field written while the queue is enabled, a PCI config access
	 * past byte 255, a legacy access past the I/O BAR's length. */
	bool packed; /* queues use the packed layout (also when RING_PACKED is negotiated) */
	bool check_windows;
	int window_faults;
	char first_window_fault[256];

	/* ---- OS services ---- */
	long live_dma, live_zalloc; /* outstanding allocations */
	long n_alloc;		    /* allocation calls so far (dma + zalloc) */
	long fail_nth;		    /* fail the Nth allocation call (1-based); 0 none */
	long n_map, live_map;
	uint64_t now_ns;
	uint64_t udelay_calls;
	struct model_region *regions;
	int nregions, cap_regions;

	/* log */
	char (*lines)[VIO_LOG_LINE_MAX];
	int nlines;
	bool echo_log;

	/* driver rule violations seen by the device */
	int violations;
	char first_violation[256];
	bool quiet_violations;

	/* hooks: called when the driver notifies queue q / busy-waits */
	model_hook on_notify;
	model_hook on_udelay;
	void *hook_arg;

	/* net */
	bool ctrl_auto;	  /* service the control queue on notify */
	uint8_t ctrl_ack; /* VIO_NET_OK / VIO_NET_ERR */
	/* HASH_REPORT: what mnet_rx_put writes into the 20-byte header
	 * (little-endian on the wire, as the device must) */
	uint32_t rx_hash_value;
	uint16_t rx_hash_report;
	/* ---- virtio-console (model_cons.c) ---- */
	bool console;	     /* a console device: mcons_new */
	uint8_t emerg[4096]; /* bytes written to emerg_wr */
	uint32_t emerg_len;
	struct vio_cons_control cons_log[64]; /* control messages the driver sent */
	int ncons_log;
	bool cons_ctrl_stuck; /* knob: the control transmitq is never serviced */
	bool cons_auto_ports; /* answer DEVICE_READY with PORT_ADD of cons_ports */
	uint32_t cons_ports;  /* ports the device has (ids 0..cons_ports-1) */
	struct mctrl_cmd ctrl_log[32];
	int nctrl;

	/* scratch for the packet helpers (a chain is ~5 KB): grown, never
	 * shrunk, freed by model_free - allocating it per packet was most of
	 * a fuzz target's time under ASan */
	struct mchain *scr_cs;
	uint32_t *scr_lens;
	int scr_cap;
	uint8_t *scr_bytes;
	uint32_t scr_bytes_cap;
};

/* Build a virtio-net device of `kind` with sensible defaults (MAC
 * 52:54:00:12:34:56, link up, 3 queues of 256, a wide feature set, MSI-X
 * capability present and disabled). Call model_finalize after changing
 * knobs that affect PCI config space (bad_cap, no_common_cap, msix). */
struct model *model_new(enum model_kind kind);
void model_finalize(struct model *m);
void model_free(struct model *m);

void model_set_msix(struct model *m, bool enabled);
bool model_msix_enabled(const struct model *m);
void model_set_mac(struct model *m, const uint8_t mac[6]);
void model_set_link(struct model *m, bool up, bool raise_irq);
/* NET_F_SPEED_DUPLEX config fields (§5.1.4), raw: any value, valid or not */
void model_set_speed(struct model *m, uint32_t speed, uint8_t duplex, bool raise_irq);
bool model_driver_ok(const struct model *m);
bool model_has(const struct model *m, unsigned bit); /* negotiated (driver-written) */

/* device-visible memory the test owns (RX/TX buffers) */
void model_region_add(struct model *m, const void *p, size_t len);
void model_region_del(struct model *m, const void *p);
void *model_buf_alloc(struct model *m, size_t len);	/* calloc + region */
void *model_buf_alloc_raw(struct model *m, size_t len); /* malloc + region: contents undefined */
void model_buf_free(struct model *m, void *p);

/* log */
bool model_log_has(const struct model *m, const char *needle);
void model_log_clear(struct model *m);
void model_violation(struct model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- device side of the split ring ---- */
/* Pop the next available chain: 1 = c filled, 0 = none, -1 = malformed
 * (violation recorded; the entry is consumed). */
int model_vq_pop(struct model *m, int q, struct mchain *c);
/* packed layout (model_packed.c), called by the generic entry points */
bool model_q_packed(const struct model *m);
bool mpk_enable_ok(struct model *m, int qi);
int mpk_pop(struct model *m, int qi, struct mchain *c);
void mpk_push_raw(struct model *m, int qi, uint32_t id, uint32_t len, uint16_t flags_xor);
int mpk_avail_count(struct model *m, int qi);
/* Number of avail entries published and not yet popped. */
int model_vq_avail_count(struct model *m, int q);
/* Complete head `id` with `len` (checks the head was popped). */
void model_vq_push(struct model *m, int q, uint32_t id, uint32_t len);
/* Raw: write a used element without any check and publish used idx. */
void model_vq_push_raw(struct model *m, int q, uint32_t id, uint32_t len);
/* Raw: set used->idx (and the shadow) */
void model_vq_set_used_idx(struct model *m, int q, uint16_t idx);
/* Write avail_event (§2.7.10) and used->flags. */
void model_vq_set_avail_event(struct model *m, int q, uint16_t v);
void model_vq_set_no_notify(struct model *m, int q, bool on);
/* Driver-written fields */
uint16_t model_vq_avail_idx(struct model *m, int q);
uint16_t model_vq_avail_flags(struct model *m, int q);
uint16_t model_vq_used_event(struct model *m, int q);
/* Pop everything and complete it in order with len 0 (TX) ; returns count */
int model_vq_complete_all(struct model *m, int q);

/* ---- virtio-net device side ---- */
struct mpkt {
	uint16_t head;
	union { /* as the driver wrote it (hdr_len bytes) */
		struct vio_net_hdr hdr;
		struct vio_net_hdr_hash hhdr; /* HASH_REPORT */
	};
	uint32_t hdr_len;
	uint8_t *frame; /* malloc'd, frame_len bytes */
	uint32_t frame_len;
	int nseg;
	bool indirect;
};
uint32_t mnet_hdr_len(const struct model *m);
int mnet_rxq(const struct model *m, int pair);
int mnet_txq(const struct model *m, int pair);
int mnet_ctrlq(const struct model *m);
/* Pop one TX chain and gather it; the chain is NOT completed. 1/0/-1 */
int mnet_tx_pop(struct model *m, int q, struct mpkt *p);
void mpkt_free(struct mpkt *p);
/* Deliver one packet on RX queue q: header `h` (num_buffers filled in
 * unless nbuf_override >= 0) then frame. Mergeable (MRG_RXBUF negotiated)
 * spreads it over as many chains as needed. Returns the number of buffers
 * used, 0 if not enough buffers were available (nothing written), -1 if the
 * packet does not fit one chain in non-mergeable mode. */
int mnet_rx_put(struct model *m, int q, const struct vio_net_hdr *h, const void *frame, uint32_t len,
		int nbuf_override);
/* ---- virtio-console device side (model_cons.c) ---- */
/* A modern console device (PCI 0x1043), max_ports in config, queues for
 * all of them (as QEMU: with or without MULTIPORT), `features` offered. */
struct model *mcons_new(uint32_t max_ports, uint64_t features);
/* Put one control message (and extra bytes) in the control receiveq:
 * 1 done, 0 no buffer posted (lost, as QEMU loses it). */
int mcons_ctrl_put(struct model *m, uint32_t id, uint16_t event, uint16_t value, const void *extra,
		   uint32_t elen);
/* Host data into port id's receiveq, split over buffers as QEMU does;
 * returns bytes placed. */
uint32_t mcons_port_put(struct model *m, uint32_t id, const void *data, uint32_t len);
/* The driver's data on port id's transmitq: copied out and completed;
 * returns bytes (0: nothing). */
uint32_t mcons_port_get(struct model *m, uint32_t id, void *buf, uint32_t cap);
/* How many messages of `event` (for id, or any id with id < 0) the driver sent. */
int mcons_sent(const struct model *m, int64_t id, uint16_t event, int value);
/* Any bytes as one control message (a hostile device). */
int mcons_ctrl_raw(struct model *m, const void *bytes, uint32_t len);
/* notify hook (model.c) */
void mcons_notified(struct model *m, int q);

/* Service the control queue now (also done on notify with ctrl_auto). */
int mnet_ctrl_service(struct model *m);

#endif /* MODEL_H */
