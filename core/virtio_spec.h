/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtio_spec.h - constants and layouts from the virtio specification.
 *
 * Written from "Virtual I/O Device (VIRTIO) Version 1.2" (and 1.3 drafts);
 * section numbers are cited as "virtio 1.2 §x.y". Legacy (0.9.5) values are
 * named VIO_LEGACY_*. Every multi-byte field of a modern device is
 * little-endian; a legacy device uses guest-native order. Both targets we
 * build for (x86_64, arm64) are little-endian, and vio_le*() below make the
 * conversion explicit so a big-endian port only has to touch them.
 */
#ifndef VIRTIO_SPEC_H
#define VIRTIO_SPEC_H

#include <stdint.h>

/* ---- PCI identification: virtio 1.2 §4.1.2 ---- */
#define VIO_PCI_VENDOR		0x1af4
#define VIO_PCI_DEV_TRANS_FIRST 0x1000 /* transitional: type = subsystem id */
#define VIO_PCI_DEV_TRANS_LAST	0x103f
#define VIO_PCI_DEV_MODERN_BASE 0x1040 /* modern: device id = 0x1040 + type */
#define VIO_PCI_DEV_MODERN_LAST 0x107f

/* Device types: virtio 1.2 §5 */
#define VIO_ID_NET     1
#define VIO_ID_BLOCK   2
#define VIO_ID_CONSOLE 3
#define VIO_ID_ENTROPY 4
#define VIO_ID_BALLOON 5
#define VIO_ID_9P      9

/* ---- PCI configuration space ---- */
#define VIO_PCI_CFG_VENDOR	  0x00
#define VIO_PCI_CFG_DEVICE	  0x02
#define VIO_PCI_CFG_COMMAND	  0x04
#define VIO_PCI_CMD_MASTER	  0x0004 /* Bus Master Enable */
#define VIO_PCI_CFG_STATUS	  0x06
#define VIO_PCI_CFG_REVISION	  0x08
#define VIO_PCI_CFG_BAR0	  0x10
#define VIO_PCI_CFG_SUBSYS_VENDOR 0x2c
#define VIO_PCI_CFG_SUBSYS_ID	  0x2e
#define VIO_PCI_CFG_CAP_PTR	  0x34
#define VIO_PCI_STATUS_CAP_LIST	  0x10
#define VIO_PCI_CAP_ID_MSIX	  0x11
#define VIO_PCI_CAP_ID_VNDR	  0x09
#define VIO_PCI_MSIX_FLAGS	  2 /* offset of Message Control in the cap */
#define VIO_PCI_MSIX_FLAGS_ENABLE 0x8000
#define VIO_PCI_MSIX_FLAGS_QSIZE  0x07ff

/* virtio_pci_cap: virtio 1.2 §4.1.4 */
#define VIO_PCI_CAP_COMMON_CFG	      1
#define VIO_PCI_CAP_NOTIFY_CFG	      2
#define VIO_PCI_CAP_ISR_CFG	      3
#define VIO_PCI_CAP_DEVICE_CFG	      4
#define VIO_PCI_CAP_PCI_CFG	      5
#define VIO_PCI_CAP_SHARED_MEMORY_CFG 8
/* field offsets inside struct virtio_pci_cap */
#define VIO_PCI_CAP_VNDR	0
#define VIO_PCI_CAP_NEXT	1
#define VIO_PCI_CAP_LEN		2
#define VIO_PCI_CAP_CFG_TYPE	3
#define VIO_PCI_CAP_BAR		4
#define VIO_PCI_CAP_ID		5
#define VIO_PCI_CAP_OFFSET	8
#define VIO_PCI_CAP_LENGTH	12
#define VIO_PCI_CAP_SIZE	16
#define VIO_PCI_NOTIFY_CAP_MULT 16 /* notify_off_multiplier: §4.1.4.4 */
#define VIO_PCI_NOTIFY_CAP_SIZE 20
#define VIO_PCI_MAX_BARS	6

/* virtio_pci_common_cfg field offsets: virtio 1.2 §4.1.4.3 */
#define VIO_PCI_COMMON_DFSELECT	     0
#define VIO_PCI_COMMON_DF	     4
#define VIO_PCI_COMMON_GFSELECT	     8
#define VIO_PCI_COMMON_GF	     12
#define VIO_PCI_COMMON_MSIX	     16
#define VIO_PCI_COMMON_NUMQ	     18
#define VIO_PCI_COMMON_STATUS	     20
#define VIO_PCI_COMMON_CFGGENERATION 21
#define VIO_PCI_COMMON_Q_SELECT	     22
#define VIO_PCI_COMMON_Q_SIZE	     24
#define VIO_PCI_COMMON_Q_MSIX	     26
#define VIO_PCI_COMMON_Q_ENABLE	     28
#define VIO_PCI_COMMON_Q_NOFF	     30
#define VIO_PCI_COMMON_Q_DESCLO	     32
#define VIO_PCI_COMMON_Q_DESCHI	     36
#define VIO_PCI_COMMON_Q_AVAILLO     40
#define VIO_PCI_COMMON_Q_AVAILHI     44
#define VIO_PCI_COMMON_Q_USEDLO	     48
#define VIO_PCI_COMMON_Q_USEDHI	     52
#define VIO_PCI_COMMON_SIZE	     56 /* what we use; 1.2 adds notify_data, reset */
#define VIO_PCI_COMMON_Q_NDATA	     56 /* le16 queue_notify_data (1.2) */
#define VIO_PCI_COMMON_Q_RESET	     58 /* le16 queue_reset (1.2, with RING_RESET) */
#define VIO_PCI_COMMON_SIZE_RESET    60 /* a common window that has queue_reset */

/* ISR status bits: virtio 1.2 §4.1.4.5 */
#define VIO_ISR_QUEUE  0x1
#define VIO_ISR_CONFIG 0x2

/* MSI-X "no vector": virtio 1.2 §4.1.5.1.2 */
#define VIO_MSI_NO_VECTOR 0xffff

/* Legacy I/O BAR 0 layout: virtio 1.2 §4.1.4.8 */
#define VIO_LEGACY_HOST_FEATURES  0
#define VIO_LEGACY_GUEST_FEATURES 4
#define VIO_LEGACY_QUEUE_PFN	  8
#define VIO_LEGACY_QUEUE_NUM	  12
#define VIO_LEGACY_QUEUE_SEL	  14
#define VIO_LEGACY_QUEUE_NOTIFY	  16
#define VIO_LEGACY_STATUS	  18
#define VIO_LEGACY_ISR		  19
#define VIO_LEGACY_CONFIG_VECTOR  20 /* only while MSI-X is enabled */
#define VIO_LEGACY_QUEUE_VECTOR	  22 /* only while MSI-X is enabled */
/* Device config starts at 20, or 24 once MSI-X is enabled: the offset moves
 * with the MSI-X enable bit, not with the driver's intent (§4.1.4.8). */
#define VIO_LEGACY_CONFIG_OFF	   20
#define VIO_LEGACY_CONFIG_OFF_MSIX 24
#define VIO_LEGACY_BAR_MIN	   24
#define VIO_LEGACY_QUEUE_ALIGN	   4096 /* §2.7.2 legacy interface: used ring page alignment */
#define VIO_LEGACY_PFN_SHIFT	   12

/* ---- Device status: virtio 1.2 §2.1 ---- */
#define VIO_STATUS_ACKNOWLEDGE 1
#define VIO_STATUS_DRIVER      2
#define VIO_STATUS_DRIVER_OK   4
#define VIO_STATUS_FEATURES_OK 8
#define VIO_STATUS_NEEDS_RESET 64
#define VIO_STATUS_FAILED      128

/* ---- Reserved feature bits: virtio 1.2 §6 ---- */
#define VIO_F_NOTIFY_ON_EMPTY	24 /* legacy */
#define VIO_F_ANY_LAYOUT	27 /* legacy; implied by VERSION_1 */
#define VIO_F_INDIRECT_DESC	28
#define VIO_F_EVENT_IDX		29
#define VIO_F_VERSION_1		32
#define VIO_F_ACCESS_PLATFORM	33
#define VIO_F_RING_PACKED	34
#define VIO_F_IN_ORDER		35
#define VIO_F_ORDER_PLATFORM	36
#define VIO_F_SR_IOV		37
#define VIO_F_NOTIFICATION_DATA 38
#define VIO_F_RING_RESET	40
#define VIO_BIT(b)		(1ULL << (b))

/* ---- Split virtqueue: virtio 1.2 §2.7 ---- */
#define VIO_VQ_MAX_SIZE		 32768
#define VIO_DESC_F_NEXT		 1
#define VIO_DESC_F_WRITE	 2
#define VIO_DESC_F_INDIRECT	 4
#define VIO_AVAIL_F_NO_INTERRUPT 1
#define VIO_USED_F_NO_NOTIFY	 1
/* Alignment of the three parts (modern): §2.7 table "Virtqueue Part Alignment" */
#define VIO_VQ_DESC_ALIGN  16
#define VIO_VQ_AVAIL_ALIGN 2
#define VIO_VQ_USED_ALIGN  4

struct vio_vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* Packed ring (§2.8.13): one ring of descriptors both sides write, and two
 * event suppression structures. */
struct vio_pvirtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};
_Static_assert(sizeof(struct vio_pvirtq_desc) == 16, "§2.8.13: 16-byte packed descriptor");

struct vio_pvirtq_event {
	uint16_t off_wrap; /* bits 0-14 descriptor offset, bit 15 wrap counter */
	uint16_t flags;	   /* VIO_PEVENT_F_* */
};
_Static_assert(sizeof(struct vio_pvirtq_event) == 4, "§2.8.14: 4-byte event suppression");

#define VIO_PDESC_F_AVAIL    (1u << 7)	/* §2.8.1 */
#define VIO_PDESC_F_USED     (1u << 15) /* §2.8.1 */
#define VIO_PEVENT_F_ENABLE  0x0	/* §2.8.10 */
#define VIO_PEVENT_F_DISABLE 0x1
#define VIO_PEVENT_F_DESC    0x2 /* only with EVENT_IDX */

struct vio_vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* [size], then uint16_t used_event (EVENT_IDX) */
};

struct vio_vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vio_vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vio_vring_used_elem ring[]; /* [size], then uint16_t avail_event */
};

/* Part sizes (§2.7): desc 16*N, avail 6+2*N, used 6+8*N (the trailing 2 is
 * used_event / avail_event, present whether or not EVENT_IDX is negotiated). */
#define VIO_VQ_DESC_BYTES(n)  (16UL * (n))
#define VIO_VQ_AVAIL_BYTES(n) (6UL + 2UL * (n))
#define VIO_VQ_USED_BYTES(n)  (6UL + 8UL * (n))

/* §2.7.10: the driver/device should notify when new_idx has passed event_idx
 * since old_idx (all arithmetic modulo 2^16). */
static inline int vio_vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

/* ---- virtio-net: virtio 1.2 §5.1 ---- */
#define VIO_NET_F_CSUM		      0
#define VIO_NET_F_GUEST_CSUM	      1
#define VIO_NET_F_CTRL_GUEST_OFFLOADS 2
#define VIO_NET_F_MTU		      3
#define VIO_NET_F_MAC		      5
#define VIO_NET_F_GSO		      6 /* legacy */
#define VIO_NET_F_GUEST_TSO4	      7
#define VIO_NET_F_GUEST_TSO6	      8
#define VIO_NET_F_GUEST_ECN	      9
#define VIO_NET_F_GUEST_UFO	      10
#define VIO_NET_F_HOST_TSO4	      11
#define VIO_NET_F_HOST_TSO6	      12
#define VIO_NET_F_HOST_ECN	      13
#define VIO_NET_F_HOST_UFO	      14
#define VIO_NET_F_MRG_RXBUF	      15
#define VIO_NET_F_STATUS	      16
#define VIO_NET_F_CTRL_VQ	      17
#define VIO_NET_F_CTRL_RX	      18
#define VIO_NET_F_CTRL_VLAN	      19
#define VIO_NET_F_CTRL_RX_EXTRA	      20
#define VIO_NET_F_GUEST_ANNOUNCE      21
#define VIO_NET_F_MQ		      22
#define VIO_NET_F_CTRL_MAC_ADDR	      23
#define VIO_NET_F_GUEST_USO4	      54
#define VIO_NET_F_GUEST_USO6	      55
#define VIO_NET_F_HOST_USO	      56
#define VIO_NET_F_HASH_REPORT	      57
#define VIO_NET_F_GUEST_HDRLEN	      59
#define VIO_NET_F_RSS		      60
#define VIO_NET_F_RSC_EXT	      61
#define VIO_NET_F_STANDBY	      62
#define VIO_NET_F_SPEED_DUPLEX	      63

/* virtio_net_config field offsets: §5.1.4 */
#define VIO_NET_CFG_MAC		 0
#define VIO_NET_CFG_STATUS	 6
#define VIO_NET_CFG_MAX_VQ_PAIRS 8
#define VIO_NET_CFG_MTU		 10
#define VIO_NET_CFG_SPEED	 12
#define VIO_NET_CFG_DUPLEX	 16
#define VIO_NET_CFG_RSS_KEY_MAX	 17 /* u8 rss_max_key_size */
#define VIO_NET_CFG_RSS_TABLE	 18 /* le16 rss_max_indirection_table_length */
#define VIO_NET_CFG_RSS_HASHES	 20 /* le32 supported_hash_types */
/* RSS hash types (§5.1.6.5.7.1) */
#define VIO_NET_RSS_HASH_IPV4  (1u << 0)
#define VIO_NET_RSS_HASH_TCPV4 (1u << 1)
#define VIO_NET_RSS_HASH_UDPV4 (1u << 2)
#define VIO_NET_RSS_HASH_IPV6  (1u << 3)
#define VIO_NET_RSS_HASH_TCPV6 (1u << 4)
#define VIO_NET_RSS_HASH_UDPV6 (1u << 5)
#define VIO_NET_RSS_HASH_ALL   0x1ffu /* with the _EX variants */
/* speed: Mbit/s 0..0x7fffffff, or unknown; duplex: half, full or unknown */
#define VIO_NET_SPEED_MAX      0x7fffffffu
#define VIO_NET_SPEED_UNKNOWN  0xffffffffu
#define VIO_NET_DUPLEX_HALF    0x00
#define VIO_NET_DUPLEX_FULL    0x01
#define VIO_NET_DUPLEX_UNKNOWN 0xff
#define VIO_NET_S_LINK_UP      1
#define VIO_NET_S_ANNOUNCE     2
#define VIO_NET_MQ_PAIRS_MIN   1
#define VIO_NET_MQ_PAIRS_MAX   0x8000

/* struct virtio_net_hdr: §5.1.6 */
#define VIO_NET_HDR_F_NEEDS_CSUM 1
#define VIO_NET_HDR_F_DATA_VALID 2
#define VIO_NET_HDR_F_RSC_INFO	 4
#define VIO_NET_HDR_GSO_NONE	 0
#define VIO_NET_HDR_GSO_TCPV4	 1
#define VIO_NET_HDR_GSO_UDP	 3
#define VIO_NET_HDR_GSO_TCPV6	 4
#define VIO_NET_HDR_GSO_UDP_L4	 5
#define VIO_NET_HDR_GSO_ECN	 0x80

struct vio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers; /* only with MRG_RXBUF or VERSION_1 */
};
#define VIO_NET_HDR_LEN_LEGACY 10 /* without num_buffers */
#define VIO_NET_HDR_LEN	       12
_Static_assert(sizeof(struct vio_net_hdr) == VIO_NET_HDR_LEN, "§5.1.6: 12-byte virtio_net_hdr");

/* struct virtio_net_hdr_v1_hash (§5.1.6): with NET_F_HASH_REPORT every
 * header, received and sent, has these 8 bytes more; the device fills them
 * on receive, the driver leaves them zero on transmit. */
struct vio_net_hdr_hash {
	struct vio_net_hdr hdr;
	uint32_t hash_value;  /* le32 */
	uint16_t hash_report; /* le16, VIO_NET_HASH_REPORT_* */
	uint16_t padding;
};
#define VIO_NET_HDR_LEN_HASH 20
_Static_assert(sizeof(struct vio_net_hdr_hash) == VIO_NET_HDR_LEN_HASH, "§5.1.6: 20-byte v1_hash header");
/* hash_report values (§5.1.6.4, "Hash reporting for incoming packets"): report r comes from hash type bit
 * r - 1 (VIO_NET_RSS_HASH_*: IPv4, TCPv4, UDPv4, IPv6, TCPv6, UDPv6, then
 * the three _EX types) */
#define VIO_NET_HASH_REPORT_NONE     0
#define VIO_NET_HASH_REPORT_IPV4     1
#define VIO_NET_HASH_REPORT_TCPV4    2
#define VIO_NET_HASH_REPORT_UDPV4    3
#define VIO_NET_HASH_REPORT_IPV6     4
#define VIO_NET_HASH_REPORT_TCPV6    5
#define VIO_NET_HASH_REPORT_UDPV6    6
#define VIO_NET_HASH_REPORT_IPV6_EX  7
#define VIO_NET_HASH_REPORT_TCPV6_EX 8
#define VIO_NET_HASH_REPORT_UDPV6_EX 9

/* Control virtqueue: §5.1.6.5 */
#define VIO_NET_OK			0
#define VIO_NET_ERR			1
#define VIO_NET_CTRL_RX			0
#define VIO_NET_CTRL_RX_PROMISC		0
#define VIO_NET_CTRL_RX_ALLMULTI	1
#define VIO_NET_CTRL_RX_ALLUNI		2 /* these four need CTRL_RX_EXTRA */
#define VIO_NET_CTRL_RX_NOMULTI		3
#define VIO_NET_CTRL_RX_NOUNI		4
#define VIO_NET_CTRL_RX_NOBCAST		5
#define VIO_NET_CTRL_MAC		1
#define VIO_NET_CTRL_MAC_TABLE_SET	0
#define VIO_NET_CTRL_MAC_ADDR_SET	1
#define VIO_NET_CTRL_VLAN		2 /* data: le16 vid (§5.1.6.5.3) */
#define VIO_NET_CTRL_VLAN_ADD		0
#define VIO_NET_CTRL_VLAN_DEL		1
#define VIO_NET_VLAN_IDS		4096
#define VIO_NET_CTRL_ANNOUNCE		3
#define VIO_NET_CTRL_ANNOUNCE_ACK	0
#define VIO_NET_CTRL_MQ			4
#define VIO_NET_CTRL_MQ_VQ_PAIRS_SET	0
#define VIO_NET_CTRL_MQ_RSS_CONFIG	1
#define VIO_NET_CTRL_MQ_HASH_CONFIG	2 /* HASH_REPORT without RSS: hash types + key */
#define VIO_NET_CTRL_GUEST_OFFLOADS	5
#define VIO_NET_CTRL_GUEST_OFFLOADS_SET 0

/* Ethernet sizes the net engine relies on */
#define VIO_ETH_ALEN	  6
#define VIO_ETH_HLEN	  14
#define VIO_ETH_VLAN_HLEN 4
#define VIO_ETH_DATA_LEN  1500
/* A full-size frame with a VLAN tag: 1518; with a 12-byte header, 1530. The
 * spec's minimum receive buffer without MRG_RXBUF is 1526 bytes of frame
 * (§5.1.6.3.1: "at least 1526 bytes" including a 12-byte header). */
#define VIO_ETH_MAX_FRAME (VIO_ETH_HLEN + VIO_ETH_VLAN_HLEN + VIO_ETH_DATA_LEN)
/* Big-packet mode (no MRG_RXBUF, with guest GSO): 65550 bytes of packet plus
 * the header, §5.1.6.3.1 "at least 65562 bytes". */
#define VIO_NET_BIG_PACKET_BYTES 65562

/* ---- byte order ---- */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define VIO_BIG_ENDIAN 1
static inline uint16_t vio_le16(uint16_t v)
{
	return __builtin_bswap16(v);
}
static inline uint32_t vio_le32(uint32_t v)
{
	return __builtin_bswap32(v);
}
static inline uint64_t vio_le64(uint64_t v)
{
	return __builtin_bswap64(v);
}
#else
#define VIO_BIG_ENDIAN 0
static inline uint16_t vio_le16(uint16_t v)
{
	return v;
}
static inline uint32_t vio_le32(uint32_t v)
{
	return v;
}
static inline uint64_t vio_le64(uint64_t v)
{
	return v;
}
#endif

#endif /* VIRTIO_SPEC_H */
