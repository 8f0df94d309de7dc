// SPDX-License-Identifier: BSD-2-Clause
/*
 * macvio_main.c - the PCI driver: probe, interrupts, remove, module glue.
 *
 * Probe order matters for virtio:
 *   1. interrupt vectors first: enabling MSI-X moves the legacy device's
 *      config space (§4.1.4.8), and the core reads config during attach;
 *   2. vio_net_attach() with that irq mode: it programs the vectors and
 *      fails with VIO_EIO if the device refuses one, and we retry with the
 *      next mode (per-VQ MSI-X, shared MSI-X, MSI/INTx);
 *   3. handlers, RX buffers, then vio_net_start() (DRIVER_OK), then
 *      register_netdev().
 * Remove reverses it, and the device is reset before any buffer is freed.
 */
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>

#include "macvio.h"
#include "vio_log.h"

static bool legacy;
module_param(legacy, bool, 0444);
MODULE_PARM_DESC(legacy, "use the legacy (0.9.5) interface of a transitional device");

static bool packed = true;
module_param(packed, bool, 0444);
MODULE_PARM_DESC(packed, "use the packed ring when the device offers it (default 1; 0 forces split)");

static char *irq_mode = "auto";
module_param(irq_mode, charp, 0444);
MODULE_PARM_DESC(irq_mode, "auto (default), msix (per queue), shared (MSI-X: config + one queue vector), "
			   "single (one MSI-X vector), msi (MSI, else INTx), intx");

static ushort rx_size;
module_param(rx_size, ushort, 0444);
MODULE_PARM_DESC(rx_size, "largest RX ring (power of two; 0 = the device's; modern devices only)");

static ushort tx_size;
module_param(tx_size, ushort, 0444);
MODULE_PARM_DESC(tx_size, "largest TX ring (power of two; 0 = the device's; modern devices only)");

/* Test hook for the macOS kext's Apple-silicon path: the core owns every
 * packet buffer and the front-end copies (vio_net_params.copy). */
static bool copy;
module_param(copy, bool, 0444);
MODULE_PARM_DESC(copy, "test: copy mode, the core owns every packet buffer (the kext on Apple silicon)");

/* Mergeable RX buffers up to 32 KiB (one compound page fragment, the size
 * skb_page_frag_refill tries first) instead of Linux virtio_net's page: a
 * 64 KiB GSO packet arrives in 3 buffers instead of 16 (bench/README.md).
 * Buffers mapped through the DMA API stay at 4 KiB (macvio_rx.c). */
static uint mrg_max = 32768;
module_param(mrg_max, uint, 0444);
MODULE_PARM_DESC(mrg_max, "largest mergeable RX buffer in bytes (4096..65536, default 32768; 4096 = Linux "
			  "virtio_net's size)");

static ulong features_off;
module_param(features_off, ulong, 0444);
MODULE_PARM_DESC(features_off, "feature bits never to negotiate, e.g. 0x8000 = MRG_RXBUF (for tests)");

/* What this front-end serves: the engine's list minus what we do not map
 * yet (HOST_USO: no UDP_L4 GSO in tx_meta). */
#define MACVIO_FEATURES                                                                                      \
	(VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_STATUS) | VIO_BIT(VIO_NET_F_MRG_RXBUF) |                 \
	 VIO_BIT(VIO_NET_F_CSUM) | VIO_BIT(VIO_NET_F_GUEST_CSUM) | VIO_BIT(VIO_NET_F_HOST_TSO4) |            \
	 VIO_BIT(VIO_NET_F_HOST_TSO6) | VIO_BIT(VIO_NET_F_HOST_ECN) | VIO_BIT(VIO_NET_F_GUEST_TSO4) |        \
	 VIO_BIT(VIO_NET_F_GUEST_TSO6) | VIO_BIT(VIO_NET_F_GUEST_ECN) | VIO_BIT(VIO_NET_F_CTRL_VQ) |         \
	 VIO_BIT(VIO_NET_F_CTRL_RX) | VIO_BIT(VIO_NET_F_CTRL_MAC_ADDR) |                                     \
	 VIO_BIT(VIO_NET_F_CTRL_GUEST_OFFLOADS) | VIO_BIT(VIO_NET_F_MTU) |                                   \
	 VIO_BIT(VIO_NET_F_GUEST_ANNOUNCE) | VIO_BIT(VIO_NET_F_SPEED_DUPLEX) |                               \
	 VIO_BIT(VIO_NET_F_CTRL_VLAN) | VIO_BIT(VIO_NET_F_MQ) | VIO_BIT(VIO_NET_F_CTRL_RX_EXTRA) |           \
	 VIO_BIT(VIO_NET_F_RSS) | VIO_BIT(VIO_NET_F_HASH_REPORT) | VIO_BIT(VIO_F_RING_RESET))

/* Interrupt set-ups, best first. */
enum macvio_irq_step {
	STEP_MSIX_PER_VQ = 0,
	STEP_MSIX_SHARED,
	STEP_MSIX_SINGLE, /* one MSI-X vector for config and queues */
	STEP_MSI,	  /* MSI, else INTx: one vector, ISR read to acknowledge */
	STEP_INTX,	  /* INTx only (irq_mode=intx) */
};

static const char *const step_names[] = {"msix-per-vq", "msix-shared", "msix-single", "msi", "intx"};

/* ---- interrupt handlers: they only schedule; NAPI does the work ---- */

static void config_irq(struct macvio *vi)
{
	vi->config_irqs++;
	if (!READ_ONCE(vi->removing))
		schedule_work(&vi->config_work);
}

static void queues_irq(struct macvio *vi)
{
	u16 i;

	for (i = 0; i < vi->net.nqp; i++) {
		vi->net.rxq[i].stats.interrupts++;
		napi_schedule(&vi->rxq[i].napi);
		/* TX interrupts matter only to wake a stopped queue */
		if (netif_tx_queue_stopped(netdev_get_tx_queue(vi->ndev, i)))
			napi_schedule(&vi->txq[i].napi);
	}
}

/* One queue's interrupt (per-queue MSI-X): its NAPI. */
static void queue_irq(struct macvio *vi, u16 idx)
{
	u16 pair;

	switch (vio_net_queue_of(&vi->net, idx, &pair)) {
	case VIO_NET_Q_RX:
		vi->rxq[pair].q->stats.interrupts++;
		napi_schedule(&vi->rxq[pair].napi);
		break;
	case VIO_NET_Q_TX:
		vi->txq[pair].q->stats.interrupts++;
		napi_schedule(&vi->txq[pair].napi);
		break;
	default: /* the control queue is busy-polled */
		break;
	}
}

/* Every mode, every vector: the core says what the interrupt means
 * (vio_dev_irq: the ISR read where the mode needs it, vector to queue
 * otherwise); we only schedule. */
static irqreturn_t irq_handler(int irq, void *data)
{
	struct macvio_irq *ri = data;
	struct macvio *vi = ri->vi;
	struct vio_irq_work w = vio_dev_irq(&vi->net.dev, ri->vector);

	if (!w.ours)
		return IRQ_NONE; /* a shared line someone else raised */
	if (w.config)
		config_irq(vi);
	if (w.queues && w.queue == VIO_IRQ_ALL_QUEUES)
		queues_irq(vi);
	else if (w.queues)
		queue_irq(vi, w.queue);
	return IRQ_HANDLED;
}

/* ---- interrupt set-up ---- */

static int parse_irq_mode(struct pci_dev *pdev, int *first, int *last)
{
	static const struct {
		const char *name;
		int first, last;
	} modes[] = {
	    {"auto", STEP_MSIX_PER_VQ, STEP_MSI},
	    {"msix", STEP_MSIX_PER_VQ, STEP_MSIX_PER_VQ},
	    {"shared", STEP_MSIX_SHARED, STEP_MSIX_SHARED},
	    {"single", STEP_MSIX_SINGLE, STEP_MSIX_SINGLE},
	    {"msi", STEP_MSI, STEP_MSI},
	    {"intx", STEP_INTX, STEP_INTX},
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (sysfs_streq(irq_mode, modes[i].name)) {
			*first = modes[i].first;
			*last = modes[i].last;
			return 0;
		}
	}
	dev_err(&pdev->dev, "irq_mode=%s unknown: use auto, msix, shared, msi or intx\n", irq_mode);
	return -EINVAL;
}

/* Vectors for one step. Per-VQ: config + one per RX and TX queue (queue i
 * on vector 1 + i; the control queue is polled and has none), as many as
 * the function's MSI-X table grants: QEMU's default is 2 x queues + 2, so
 * the pairs created follow what the host configured (vi->qp_limit). */
static int irq_vectors(struct macvio *vi, int step)
{
	struct pci_dev *pdev = vi->fn.pdev;
	int n;

	switch (step) {
	case STEP_MSIX_PER_VQ:
		n = pci_alloc_irq_vectors(pdev, 3, 2 * VIO_NET_MAX_QP + 1, PCI_IRQ_MSIX);
		break;
	case STEP_MSIX_SHARED:
		n = pci_alloc_irq_vectors(pdev, 2, 2, PCI_IRQ_MSIX);
		break;
	case STEP_MSIX_SINGLE:
		n = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
		break;
	case STEP_MSI:
		n = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_LEGACY);
		break;
	default:
		n = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_LEGACY);
		break;
	}
	if (n < 0)
		return n;
	vi->nvec = n;
	vi->qp_limit = step == STEP_MSIX_PER_VQ ? (n - 1) / 2 : VIO_NET_MAX_QP;
	if (step <= STEP_MSIX_SINGLE) {
		static const enum vio_irq_mode modes[] = {VIO_IRQ_MSIX_PER_VQ, VIO_IRQ_MSIX_SHARED,
							  VIO_IRQ_MSIX_SINGLE};

		vi->irq_kind = MACVIO_IRQ_MSIX;
		vi->irq_mode = modes[step];
	} else {
		vi->irq_kind = pdev->msi_enabled ? MACVIO_IRQ_MSI : MACVIO_IRQ_INTX;
		vi->irq_mode = VIO_IRQ_INTX;
	}
	return 0;
}

static void irq_vectors_free(struct macvio *vi)
{
	if (vi->nvec)
		pci_free_irq_vectors(vi->fn.pdev);
	vi->nvec = 0;
	vi->irq_kind = MACVIO_IRQ_NONE;
}

static const char *irq_kind_name(const struct macvio *vi)
{
	switch (vi->irq_kind) {
	case MACVIO_IRQ_MSIX:
		return vi->irq_mode == VIO_IRQ_MSIX_PER_VQ   ? "msix-per-vq"
		       : vi->irq_mode == VIO_IRQ_MSIX_SHARED ? "msix-shared"
							     : "msix-single";
	case MACVIO_IRQ_MSI:
		return "msi";
	case MACVIO_IRQ_INTX:
		return "intx";
	default:
		return "none";
	}
}

static int irq_req(struct macvio *vi, int vec, unsigned long flags, const char *name)
{
	struct macvio_irq *ri = &vi->irqs[vi->nirqs];
	int err;

	ri->vi = vi;
	ri->vec = vec;
	ri->vector = vi->irq_kind == MACVIO_IRQ_MSIX ? (u16)vec : VIO_MSI_NO_VECTOR;
	err = request_irq(pci_irq_vector(vi->fn.pdev, vec), irq_handler, flags, name, ri);
	if (err) {
		dev_err(&vi->fn.pdev->dev, "request_irq for vector %d (%s) failed: %d\n", vec, name, err);
		return err;
	}
	vi->nirqs++;
	return 0;
}

static void irqs_free(struct macvio *vi)
{
	if (vi->nirqs)
		macvio_affinity_clear(vi);
	while (vi->nirqs > 0) {
		vi->nirqs--;
		free_irq(pci_irq_vector(vi->fn.pdev, vi->irqs[vi->nirqs].vec), &vi->irqs[vi->nirqs]);
	}
}

/* Handlers for the mode attach accepted. The control queue's vector (per-VQ
 * mode) gets none: commands are busy-polled. */
static int irqs_request(struct macvio *vi)
{
	const char *pci = pci_name(vi->fn.pdev);
	int err;
	u16 i;

	if (vi->irq_kind != MACVIO_IRQ_MSIX) {
		snprintf(vi->irq_name, sizeof(vi->irq_name), "macvio@%s", pci);
		return irq_req(vi, 0, IRQF_SHARED, vi->irq_name);
	}
	if (vi->irq_mode == VIO_IRQ_MSIX_SINGLE) {
		snprintf(vi->irq_name, sizeof(vi->irq_name), "macvio@%s", pci);
		return irq_req(vi, 0, 0, vi->irq_name);
	}
	snprintf(vi->irq_name, sizeof(vi->irq_name), "macvio@%s-config", pci);
	err = irq_req(vi, 0, 0, vi->irq_name);
	if (err)
		return err;
	if (vi->irq_mode == VIO_IRQ_MSIX_SHARED) {
		snprintf(vi->irq_name_q, sizeof(vi->irq_name_q), "macvio@%s-queues", pci);
		return irq_req(vi, 1, 0, vi->irq_name_q);
	}
	for (i = 0; i < vi->net.nqp; i++) {
		struct macvio_rxq *rq = &vi->rxq[i];
		struct macvio_txq *tq = &vi->txq[i];

		snprintf(rq->irq_name, sizeof(rq->irq_name), "macvio@%s-rx%u", pci, i);
		err = irq_req(vi, vio_dev_queue_vector(&vi->net.dev, vio_vq_index(&rq->q->vq)), 0,
			      rq->irq_name);
		if (err)
			return err;
		snprintf(tq->irq_name, sizeof(tq->irq_name), "macvio@%s-tx%u", pci, i);
		err = irq_req(vi, vio_dev_queue_vector(&vi->net.dev, vio_vq_index(&tq->q->vq)), 0,
			      tq->irq_name);
		if (err)
			return err;
	}
	return 0;
}

/* ---- attach with interrupt fallback ---- */

static void attach_params(struct macvio *vi, struct vio_net_params *p)
{
	memset(p, 0, sizeof(*p));
	/* ACCESS_PLATFORM is accepted only when our DMA-API addresses are IOMMU
	 * addresses; without it the device gets physical addresses (§6.1,
	 * macvio_use_dma_api) unless the platform needs the DMA API anyway. */
	p->dev.dma_is_iommu = device_iommu_mapped(&vi->fn.pdev->dev);
	vi->fn.dma_platform = macvio_platform_needs_dma_api();
	p->dev.prefer_legacy = legacy;
	p->dev.split_only = !packed;
	p->features = MACVIO_FEATURES & ~(u64)features_off;
	p->rx_size = rx_size;
	p->tx_size = tx_size;
	p->tx_max_sg = MACVIO_TX_MAX_SG;
	/* every pair the device and the vectors allow (ethtool -L may enable
	 * them later), one per online CPU enabled (Linux virtio_net's default) */
	p->max_qp = vi->qp_limit;
	p->active_qp = (u16)min_t(unsigned int, num_online_cpus(), VIO_NET_MAX_QP);
	p->irq_mode = vi->irq_mode;
	p->copy = copy;
	p->mrg_buf_max = mrg_max;
	get_random_bytes(p->random_mac, sizeof(p->random_mac));
	netdev_rss_key_fill(p->rss_key, sizeof(p->rss_key)); /* the system's key, as virtio_net */
}

static int vio_to_errno(int err)
{
	switch (err) {
	case VIO_ENOMEM:
		return -ENOMEM;
	case VIO_ENODEV:
	case VIO_ENOTSUP:
		return -ENODEV;
	case VIO_ETIMEDOUT:
		return -ETIMEDOUT;
	case VIO_EINVAL:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static int macvio_attach(struct macvio *vi)
{
	struct device *dev = &vi->fn.pdev->dev;
	struct vio_net_params p;
	int first, last, step, err;

	err = parse_irq_mode(vi->fn.pdev, &first, &last);
	if (err)
		return err;
	for (step = first; step <= last; step++) {
		err = irq_vectors(vi, step);
		if (err) {
			dev_info(dev, "no %s interrupts (%d)%s\n", step_names[step], err,
				 step < last ? ": trying the next mode" : "");
			err = -ENOSPC;
			continue;
		}
		attach_params(vi, &p);
		err = vio_net_attach(&vi->net, &vi->fn.os, &p);
		if (!err)
			return 0;
		irq_vectors_free(vi);
		if (err != VIO_EIO || step == last)
			break;
		dev_info(dev, "attach with %s interrupts failed (%s): trying the next mode\n",
			 step_names[step], vio_strerror(err));
	}
	dev_err(dev, "virtio-net attach failed: %s\n",
		err < 0 && err >= VIO_EAGAIN ? vio_strerror(err) : "no usable interrupt mode");
	return err < 0 && err >= VIO_EAGAIN ? vio_to_errno(err) : err;
}

/* ---- bring-up and teardown after a successful attach ---- */

static int queues_init(struct macvio *vi)
{
	int err;
	u16 i;

	for (i = 0; i < vi->net.nqp; i++) {
		struct macvio_rxq *rq = &vi->rxq[i];
		struct macvio_txq *tq = &vi->txq[i];

		rq->vi = vi;
		rq->q = &vi->net.rxq[i];
		netif_napi_add(vi->ndev, &rq->napi, macvio_rx_poll);
		tq->vi = vi;
		tq->q = &vi->net.txq[i];
		tq->index = i;
		netif_napi_add_tx(vi->ndev, &tq->napi, macvio_tx_poll);
		err = macvio_rxq_init(rq);
		if (!err)
			err = macvio_txq_init(tq);
		if (err)
			return err;
		/* TX completions are reclaimed by the next transmit; the
		 * interrupt is armed only when the ring fills */
		vio_vq_disable_cb(&tq->q->vq);
	}
	return 0;
}

static int rx_fill_all(struct macvio *vi)
{
	u16 i;

	for (i = 0; i < vi->net.nqp; i++) {
		if (macvio_rx_fill(&vi->rxq[i], false) < 0) {
			dev_err(&vi->fn.pdev->dev, "no memory for RX buffers of queue %u\n", i);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Undo everything after attach; safe on a partial bring-up. The device is
 * reset before any buffer or interrupt goes away. */
static void macvio_teardown(struct macvio *vi)
{
	u16 i;

	mutex_lock(&vi->ctrl_mutex);
	vi->removing = true;
	mutex_unlock(&vi->ctrl_mutex);
	cancel_work_sync(&vi->reset_work); /* before the reset: it may be mid-recovery */
	vio_net_stop(&vi->net);
	irqs_free(vi);
	cancel_work_sync(&vi->config_work);
	cancel_work_sync(&vi->rx_mode_work);
	for (i = 0; i < vi->net.nqp; i++) {
		struct macvio_rxq *rq = &vi->rxq[i];
		struct macvio_txq *tq = &vi->txq[i];

		if (!rq->vi)
			continue;
		if (tq->bufs)
			macvio_tx_drain(tq);
		macvio_rx_drain(rq);
		netif_napi_del(&rq->napi);
		netif_napi_del(&tq->napi);
		macvio_rxq_fini(rq);
		macvio_txq_fini(tq);
	}
	vio_net_destroy(&vi->net);
	if (vi->net.dev.allocs)
		dev_err(&vi->fn.pdev->dev, "core leaked %u allocation(s) at detach\n", vi->net.dev.allocs);
	irq_vectors_free(vi);
}

static int macvio_bringup(struct macvio *vi)
{
	int err;

	err = queues_init(vi);
	if (err)
		return err;
	macvio_netdev_setup(vi);
	err = irqs_request(vi);
	if (err)
		return err;
	err = rx_fill_all(vi);
	if (err)
		return err;
	err = vio_net_start(&vi->net);
	if (err) {
		dev_err(&vi->fn.pdev->dev, "device failed to start: %s\n", vio_strerror(err));
		return vio_to_errno(err);
	}
	/* carrier off until ndo_open reads the link: the off->on transition
	 * is what makes the stack compute operstate "up" (not "unknown") */
	netif_carrier_off(vi->ndev);
	return macvio_set_real_queues(vi);
}

static void log_probe(struct macvio *vi)
{
	static const char *const rx_modes[] = {"small", "mergeable", "big"};
	struct vio_net *n = &vi->net;
	char *feat = kmalloc(1024, GFP_KERNEL);

	if (feat)
		vio_net_features_string(n, feat, 1024);
	netdev_info(vi->ndev,
		    "virtio-net %s, irq %s, features %s, mac %pM%s, mtu %u (max %u), rx %s, rx ring %u tx "
		    "ring %u, queue pairs %u of %u, link %s\n",
		    n->dev.pci.modern ? "modern" : "legacy", irq_kind_name(vi), feat ? feat : "?",
		    vi->ndev->dev_addr, n->mac_random ? " (random)" : "", vi->ndev->mtu, vi->ndev->max_mtu,
		    n->rx_mode < ARRAY_SIZE(rx_modes) ? rx_modes[n->rx_mode] : "?",
		    vio_vq_size(&n->rxq[0].vq), vio_vq_size(&n->txq[0].vq), n->curr_qp, n->nqp,
		    n->link_up ? "up" : "down");
	kfree(feat);
}

/* ---- PCI driver ---- */

static int macvio_pci_setup(struct pci_dev *pdev)
{
	int err = pci_enable_device(pdev);

	if (err) {
		dev_err(&pdev->dev, "pci_enable_device failed: %d\n", err);
		return err;
	}
	pci_set_master(pdev);
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (!err)
		err = pci_request_regions(pdev, MACVIO_NAME);
	if (err) {
		dev_err(&pdev->dev, "no usable DMA mask or BARs busy: %d\n", err);
		pci_disable_device(pdev);
	}
	return err;
}

static void macvio_pci_release(struct pci_dev *pdev)
{
	pci_release_regions(pdev);
	pci_disable_device(pdev);
}

static int macvio_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct net_device *ndev;
	struct macvio *vi;
	int err;

	if (!vio_pci_id_match(pdev->vendor, pdev->device, pdev->subsystem_device, VIO_ID_NET) &&
	    !macvio_pci_is_console(pdev))
		return -ENODEV;
	/* every type: enabled, bus master (DMA and MSI-X), regions, mask */
	err = macvio_pci_setup(pdev);
	if (err)
		return err;
	if (macvio_pci_is_console(pdev)) {
		err = macvio_cons_probe(pdev);
		if (err)
			macvio_pci_release(pdev);
		return err;
	}
	ndev = alloc_etherdev_mq(sizeof(*vi), VIO_NET_MAX_QP);
	if (!ndev) {
		err = -ENOMEM;
		goto err_pci;
	}
	SET_NETDEV_DEV(ndev, &pdev->dev);
	vi = netdev_priv(ndev);
	vi->fn.pdev = pdev;
	vi->ndev = ndev;
	pci_set_drvdata(pdev, vi);
	mutex_init(&vi->ctrl_mutex);
	INIT_WORK(&vi->config_work, macvio_config_work);
	INIT_WORK(&vi->rx_mode_work, macvio_rx_mode_work);
	INIT_WORK(&vi->reset_work, macvio_reset_work);
	macvio_os_init(&vi->fn, pdev, &vi->net.dev);
	vi->fn.ndev = ndev;
	macvio_map_bars(&vi->fn);

	err = macvio_attach(vi);
	if (err)
		goto err_bars;
	err = macvio_bringup(vi);
	if (err)
		goto err_teardown;
	err = register_netdev(ndev);
	if (err) {
		dev_err(&pdev->dev, "register_netdev failed: %d\n", err);
		goto err_teardown;
	}
	log_probe(vi);
	macvio_poll_init(vi);
	return 0;

err_teardown:
	macvio_teardown(vi);
err_bars:
	macvio_unmap_bars(&vi->fn);
	free_netdev(ndev);
err_pci:
	macvio_pci_release(pdev);
	return err;
}

/* Safe under traffic: unregister_netdev() stops the queues and NAPI (via
 * ndo_stop), the reset in teardown stops the device's DMA, and only then
 * are buffers unmapped and freed. */
static void macvio_remove(struct pci_dev *pdev)
{
	struct macvio *vi = pci_get_drvdata(pdev);
	struct net_device *ndev;

	if (macvio_pci_is_console(pdev)) {
		macvio_cons_remove(pdev);
		macvio_pci_release(pdev);
		return;
	}
	ndev = vi->ndev;
	macvio_poll_fini(vi);
	unregister_netdev(ndev);
	macvio_teardown(vi);
	macvio_unmap_bars(&vi->fn);
	free_netdev(ndev);
	macvio_pci_release(pdev);
}

/* Reboot / kexec: stop the device's DMA into memory the next kernel owns.
 * Everything else stays allocated; nothing runs after this. */
static void macvio_shutdown(struct pci_dev *pdev)
{
	struct macvio *vi = pci_get_drvdata(pdev);

	if (macvio_pci_is_console(pdev)) {
		macvio_cons_shutdown(pdev);
		return;
	}
	rtnl_lock();
	netif_device_detach(vi->ndev);
	if (netif_running(vi->ndev))
		dev_close(vi->ndev);
	rtnl_unlock();
	mutex_lock(&vi->ctrl_mutex);
	vi->removing = true;
	mutex_unlock(&vi->ctrl_mutex);
	vio_net_stop(&vi->net);
	pci_clear_master(pdev);
}

/* One PCI driver for every virtio function the module drives, each handed
 * to its device driver by type: network (transitional 0x1000 + subsystem
 * 1, modern 0x1041) and console (0x1003 + subsystem 3, 0x1043). The probe
 * re-checks with the core's own rule (vio_pci_id_match). */
static const struct pci_device_id macvio_ids[] = {
    {PCI_DEVICE_SUB(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1000, PCI_ANY_ID, VIO_ID_NET)},
    {PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1040 + VIO_ID_NET)},
    {PCI_DEVICE_SUB(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1003, PCI_ANY_ID, VIO_ID_CONSOLE)},
    {PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1040 + VIO_ID_CONSOLE)},
    {}};
MODULE_DEVICE_TABLE(pci, macvio_ids);

static struct pci_driver macvio_driver = {
    .name = MACVIO_NAME,
    .id_table = macvio_ids,
    .probe = macvio_probe,
    .remove = macvio_remove,
    .shutdown = macvio_shutdown,
    .driver.pm = &macvio_pm_ops,
};
static int __init macvio_init(void)
{
	int err = macvio_cons_init();

	if (err)
		return err;
	err = pci_register_driver(&macvio_driver);
	if (err)
		macvio_cons_exit();
	return err;
}

static void __exit macvio_exit(void)
{
	pci_unregister_driver(&macvio_driver);
	macvio_cons_exit();
}
module_init(macvio_init);
module_exit(macvio_exit);

MODULE_DESCRIPTION("macvio virtio-net and virtio-console drivers (portable core, Linux front-end)");
MODULE_AUTHOR("macvio contributors");
MODULE_LICENSE("Dual BSD/GPL");
MODULE_VERSION(MACVIO_VERSION);
