/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vio_cons.h - the virtio-console engine (virtio 1.2 §5.3), free of OS types.
 *
 * A console device has ports: port 0 always, more with MULTIPORT, which
 * the device announces through a control queue pair (§5.3.6.2). Each port
 * has a receive and a transmit queue (§5.3.2: port 0 on queues 0/1, the
 * control queues on 2/3, port n >= 1 on 2n + 2 / 2n + 3).
 *
 * Front-end life cycle:
 *   vio_cons_attach()     device up to DRIVER_OK: features, config, every
 *                         queue of the ports we serve, control buffers
 *   vio_cons_start()      DRIVER_OK; DEVICE_READY (multiport) or port 0 up
 *   vio_cons_ctrl_process()  after a control interrupt (and at start):
 *                         ports added/removed/named/opened by the host,
 *                         each reported by vio_cons_next_change()
 *   vio_cons_write() / vio_cons_read() / vio_cons_tx_reclaim()  data
 *   vio_cons_emerg_write()   a byte through config, any context
 *   vio_cons_stop(), vio_cons_destroy()
 *
 * Buffers: the core owns every data and control buffer (coherent memory,
 * allocated when a port first appears): a console moves little data, and
 * the front-end copies, so its own memory never needs a device address.
 * The emergency write (§5.3.4, EMERG_WRITE) needs no queue and no
 * interrupt: what a panicking kernel has.
 *
 * Locking: control processing and set-up are [attach] context (they may
 * busy-wait on the control queue and allocate). Each port's RX side and TX
 * side are single-threaded by the front-end; the emergency write takes no
 * lock and touches no queue.
 */
#ifndef VIO_CONS_H
#define VIO_CONS_H

#include "vio_dev.h"

/* Features (§5.3.3) */
#define VIO_CONS_F_SIZE	       0
#define VIO_CONS_F_MULTIPORT   1
#define VIO_CONS_F_EMERG_WRITE 2

/* struct virtio_console_config (§5.3.4) */
#define VIO_CONS_CFG_COLS     0 /* le16, with F_SIZE */
#define VIO_CONS_CFG_ROWS     2 /* le16, with F_SIZE */
#define VIO_CONS_CFG_MAXPORTS 4 /* le32, with F_MULTIPORT */
#define VIO_CONS_CFG_EMERG_WR 8 /* le32, with F_EMERG_WRITE (write-only) */

/* Control messages (§5.3.6.2): struct virtio_console_control, then for
 * PORT_NAME the name's bytes (not terminated), for RESIZE le16 cols, rows. */
struct vio_cons_control {
	uint32_t id;	/* port number */
	uint16_t event; /* VIO_CONS_* below */
	uint16_t value;
};
_Static_assert(sizeof(struct vio_cons_control) == 8, "§5.3.6.2: 8-byte control header");
#define VIO_CONS_DEVICE_READY	 0
#define VIO_CONS_DEVICE_ADD	 1 /* PORT_ADD */
#define VIO_CONS_DEVICE_REMOVE	 2 /* PORT_REMOVE */
#define VIO_CONS_PORT_READY	 3
#define VIO_CONS_CONSOLE_PORT	 4
#define VIO_CONS_RESIZE		 5
#define VIO_CONS_PORT_OPEN	 6
#define VIO_CONS_PORT_NAME	 7

#define VIO_CONS_MAX_PORTS	 16   /* ports we serve; the device may have more */
#define VIO_CONS_NAME_MAX	 127  /* bytes of a port name we accept */
#define VIO_CONS_BUF		 4096 /* bytes per data buffer (Linux: PAGE_SIZE) */
#define VIO_CONS_RX_BUFS	 16   /* receive buffers per port */
#define VIO_CONS_TX_BUFS	 16   /* transmit slots per port */
#define VIO_CONS_CTRL_BUFS	 32   /* control receive buffers, at most (QEMU's ring: 32) */
#define VIO_CONS_CTRL_BUF	 4096 /* bytes per control receive buffer */
#define VIO_CONS_RING		 64   /* ring size we ask for, at most */
#define VIO_CONS_CTRL_TIMEOUT_US 1000000

/* What changed on a port since the front-end last asked
 * (vio_cons_next_change). */
#define VIO_CONS_CH_ADDED   0x01 /* the port exists now (ready to use) */
#define VIO_CONS_CH_REMOVED 0x02 /* the host removed it */
#define VIO_CONS_CH_OPEN    0x04 /* host_open changed */
#define VIO_CONS_CH_NAME    0x08 /* it got a name */
#define VIO_CONS_CH_CONSOLE 0x10 /* the host made it a console port */
#define VIO_CONS_CH_RESIZE  0x20 /* cols/rows changed */

struct vio_cons_port_stats {
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_bufs, tx_bufs;
	uint64_t tx_full; /* writes that found every slot in flight */
};

struct vio_cons_port {
	struct vio_cons *cons;
	uint32_t id;
	bool present;	/* added by the device (port 0 without MULTIPORT: always) */
	bool ready;	/* buffers posted, PORT_READY 1 sent */
	bool console;	/* CONSOLE_PORT */
	bool host_open; /* PORT_OPEN from the device */
	bool guest_open;
	uint16_t cols, rows; /* RESIZE (console port) or config (F_SIZE) */
	char name[VIO_CONS_NAME_MAX + 1];
	struct vio_vq rxq, txq;
	struct vio_dma rx_mem, tx_mem; /* VIO_CONS_RX_BUFS / _TX_BUFS x VIO_CONS_BUF */
	/* RX: the buffer being read out (vio_cons_read), -1 none */
	int rx_cur;
	uint32_t rx_off, rx_len;
	uint16_t tx_free; /* bitmap of free TX slots: bit i free */
	uint8_t changes;  /* VIO_CONS_CH_* not yet reported */
	struct vio_cons_port_stats stats;
};

struct vio_cons_stats {
	uint64_t ctrl_rx;	/* control messages taken */
	uint64_t ctrl_short;	/* shorter than the 8-byte header */
	uint64_t ctrl_bad_port; /* a port id beyond max_nr_ports or ours */
	uint64_t ctrl_unknown;	/* an event we do not know, or one the driver sends */
	uint64_t ctrl_dup_add;	/* PORT_ADD of a port that exists */
	uint64_t ctrl_absent;	/* an event for a port that does not exist */
	uint64_t ctrl_bad_name; /* too long, empty, NUL or control bytes inside */
	uint64_t ctrl_bad_size; /* RESIZE without its 4 bytes */
	uint64_t ports_refused; /* PORT_ADD we answered PORT_READY 0 */
	uint64_t emerg_bytes;	/* written through emerg_wr */
};

struct vio_cons_params {
	struct vio_dev_params dev;
	uint64_t features;  /* optional features the front-end serves */
	uint16_t max_ports; /* ports to serve, 1..VIO_CONS_MAX_PORTS; 0 = all we can */
	enum vio_irq_mode irq_mode;
	uint32_t ctrl_timeout_us; /* control-send busy-wait bound; 0 = default */
};

struct vio_cons {
	struct vio_dev dev;
	const struct vio_os *os;
	bool multiport;
	uint32_t max_nr_ports; /* the device's (validated), 1 without MULTIPORT */
	uint16_t nports;       /* ports we serve: queues created for ids < nports */
	uint16_t cols, rows;   /* F_SIZE config */
	struct vio_vq c_ivq, c_ovq;
	struct vio_dma ctrl_rx_mem; /* VIO_CONS_CTRL_BUFS x VIO_CONS_CTRL_BUF */
	struct vio_dma ctrl_tx_mem; /* one outgoing message */
	bool device_ready_sent;
	bool ctrl_pending; /* a sent message the device never completed */
	bool ctrl_dead;	   /* one never came back: no more busy-waits */
	/* one control message, copied out so its buffer is posted again
	 * before it is handled (QEMU drops what finds no buffer, and the
	 * answer to PORT_READY comes at once); longer ones are names we refuse */
	uint8_t ctrl_msg[8 + VIO_CONS_NAME_MAX + 1];
	uint32_t ctrl_timeout_us;
	uint32_t changed; /* bit id: a port with changes */
	struct vio_cons_port ports[VIO_CONS_MAX_PORTS];
	struct vio_cons_stats stats;
};

/* Optional features the engine can drive. */
#define VIO_CONS_ENGINE_FEATURES                                                                             \
	(VIO_BIT(VIO_CONS_F_SIZE) | VIO_BIT(VIO_CONS_F_MULTIPORT) | VIO_BIT(VIO_CONS_F_EMERG_WRITE))

extern const struct vio_driver vio_cons_driver;

/* [attach] Everything up to DRIVER_OK. nports = min(max_nr_ports (with
 * MULTIPORT; validated: 1..0x7fffffff and the queues must exist, else
 * MULTIPORT is dropped, logged), p->max_ports, VIO_CONS_MAX_PORTS); every
 * queue of those ports and the control pair are created (queues must be
 * enabled before DRIVER_OK); port 0's buffers are allocated. On error the
 * device is left FAILED, everything freed. */
int vio_cons_attach(struct vio_cons *c, const struct vio_os *os, const struct vio_cons_params *p);
/* [attach] DRIVER_OK. Multiport: DEVICE_READY 1 (§5.3.6.2: the device
 * then announces its ports), then the control messages already there are
 * processed. Single port: port 0 is present (a console port). */
int vio_cons_start(struct vio_cons *c);
/* [attach] Take every control message the device sent: validate, apply,
 * answer (PORT_READY after PORT_ADD, PORT_OPEN 1 for a console port, as
 * Linux does), record changes. Returns how many were taken, or VIO_EBROKEN. */
int vio_cons_ctrl_process(struct vio_cons *c);
/* [attach] The next port with changes (its id, *changes the VIO_CONS_CH_*
 * bits, cleared), -1 when none. */
int vio_cons_next_change(struct vio_cons *c, uint8_t *changes);
/* [attach] Tell the device the guest opened/closed the port (PORT_OPEN). */
int vio_cons_port_open(struct vio_cons *c, uint32_t id, bool open);
/* [attach] Config change (F_SIZE): re-read cols/rows into port 0; true when
 * they changed. */
bool vio_cons_config_changed(struct vio_cons *c);

/* [data] Copy up to len bytes to port id's transmit queue; returns bytes
 * taken (0: every slot in flight, reclaim and retry), or VIO_EINVAL (no
 * such port), VIO_EBROKEN. Kicks. */
int vio_cons_write(struct vio_cons *c, uint32_t id, const void *data, uint32_t len);
/* [data] Take back completed transmit slots; returns how many. */
int vio_cons_tx_reclaim(struct vio_cons *c, uint32_t id);
/* [data] Bytes that could be written right now. */
uint32_t vio_cons_write_room(const struct vio_cons *c, uint32_t id);
/* [data] write_room with nothing in flight: VIO_CONS_TX_BUFS buffers, or
 * fewer when the device's ring is smaller; 0 for a port not up. */
uint32_t vio_cons_write_cap(const struct vio_cons *c, uint32_t id);
/* [data] Copy up to cap received bytes of port id into buf; returns the
 * count (0: nothing), VIO_EINVAL, VIO_EBROKEN. Buffers read out are
 * posted again (kicked). */
int vio_cons_read(struct vio_cons *c, uint32_t id, void *buf, uint32_t cap);
/* [data] Received bytes waiting? When none, the port's receive interrupt is
 * re-armed (EVENT_IDX), so a reader loops on this until false and then
 * waits for the interrupt. tx_reclaim and ctrl_process re-arm theirs. */
bool vio_cons_rx_pending(struct vio_cons *c, uint32_t id);
/* [any] EMERG_WRITE (§5.3.4): each byte written to emerg_wr; the device
 * sends it on port 0 (QEMU: to the first console port). No queue, no
 * lock, no interrupt: usable with the queues stuck and interrupts off.
 * VIO_ENOTSUP without the feature. */
int vio_cons_emerg_write(struct vio_cons *c, const void *data, uint32_t len);

/* [attach] Reset: no DMA after this returns. Nothing on a zeroed struct
 * (never attached) or after an attach whose probe found no usable
 * interface, so one teardown serves every failure point. */
void vio_cons_stop(struct vio_cons *c);
/* [attach] Free everything; dev.allocs is 0 afterwards. */
void vio_cons_destroy(struct vio_cons *c);

/* [any] The queue indices of port id (§5.3.2). */
static inline uint16_t vio_cons_rxq_index(uint32_t id)
{
	return (uint16_t)(id == 0 ? 0 : 2 * id + 2);
}
static inline uint16_t vio_cons_txq_index(uint32_t id)
{
	return (uint16_t)(id == 0 ? 1 : 2 * id + 3);
}
/* [irq] What queue idx is: *id the port, VIO_CONS_Q_RX / _TX / _CTRL. */
#define VIO_CONS_Q_RX	 0
#define VIO_CONS_Q_TX	 1
#define VIO_CONS_Q_CTRL	 2
#define VIO_CONS_Q_OTHER (-1)
int vio_cons_queue_of(const struct vio_cons *c, uint16_t idx, uint32_t *id);

#endif /* VIO_CONS_H */
