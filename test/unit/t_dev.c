/* SPDX-License-Identifier: BSD-2-Clause */
/* t_dev.c - transport probe, status machine, feature negotiation, config
 * reads (virtio 1.2 §2.1, §2.2, §2.5, §3.1.1, §4.1.4, §4.1.4.8). */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void negotiate_and_read_mac(enum model_kind kind, bool prefer_legacy, bool msix, bool want_modern)
{
	struct model *m = model_new(kind);
	struct vio_dev d;
	model_set_msix(m, msix);
	/* put distinctive bytes where a driver reading at the wrong legacy
	 * offset would find them */
	static const uint8_t mac[6] = {0x02, 0xde, 0xad, 0xbe, 0xef, 0x42};
	model_set_mac(m, mac);
	ASSERT_EQ(dev_up(m, &d, prefer_legacy, false), 0);
	ASSERT_EQ(d.pci.modern, want_modern);
	ASSERT_EQ(m->status, VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER);
	ASSERT_EQ(vio_dev_negotiate(&d, VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_STATUS), 0), 0);
	ASSERT(vio_dev_has(&d, VIO_NET_F_MAC));
	ASSERT(vio_dev_has(&d, VIO_NET_F_STATUS));
	ASSERT(!vio_dev_has(&d, VIO_NET_F_CSUM)); /* offered, not wanted */
	ASSERT_EQ(vio_dev_has(&d, VIO_F_VERSION_1), want_modern);
	ASSERT_EQ(model_has(m, VIO_F_VERSION_1), want_modern);
	ASSERT_EQ(m->drv_features, d.features);
	if (want_modern)
		ASSERT(m->status & VIO_STATUS_FEATURES_OK);
	uint8_t got[6] = {0};
	ASSERT_EQ(vio_dev_config_read(&d, VIO_NET_CFG_MAC, got, 6), 0);
	ASSERT_MEM(got, mac, 6);
	uint16_t st = 0;
	ASSERT_EQ(vio_dev_config_read(&d, VIO_NET_CFG_STATUS, &st, 2), 0);
	ASSERT_EQ(st, VIO_NET_S_LINK_UP);
	ASSERT_EQ(vio_pci_msix_enabled(&d.pci), msix);
	vio_dev_driver_ok(&d);
	ASSERT(model_driver_ok(m));
	ASSERT_EQ(vio_dev_reset(&d), 0);
	ASSERT_EQ(m->status, 0);
	EXPECT_CLEAN(m);
	EXPECT_NO_ALLOCS(m);
	ASSERT_EQ(d.allocs, 0);
	model_free(m);
}

TEST(dev_modern_msix_off)
{
	negotiate_and_read_mac(M_MODERN, false, false, true);
}
TEST(dev_modern_msix_on)
{
	negotiate_and_read_mac(M_MODERN, false, true, true);
}
TEST(dev_transitional_uses_modern)
{
	negotiate_and_read_mac(M_TRANSITIONAL, false, false, true);
}
TEST(dev_transitional_forced_legacy_msix_off)
{
	negotiate_and_read_mac(M_TRANSITIONAL, true, false, false);
}
TEST(dev_transitional_forced_legacy_msix_on)
{
	negotiate_and_read_mac(M_TRANSITIONAL, true, true, false);
}
TEST(dev_legacy_msix_off)
{
	negotiate_and_read_mac(M_LEGACY, false, false, false);
}
TEST(dev_legacy_msix_on)
{
	negotiate_and_read_mac(M_LEGACY, false, true, false);
}

TEST(dev_legacy_msix_toggled_after_init_moves_config)
{
	/* the offset follows the enable bit at the time of the access */
	struct model *m = model_new(M_LEGACY);
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	ASSERT_EQ(vio_dev_negotiate(&d, VIO_BIT(VIO_NET_F_MAC), 0), 0);
	uint8_t got[6];
	ASSERT_EQ(vio_dev_config_read(&d, 0, got, 6), 0);
	ASSERT_MEM(got, MAC, 6);
	model_set_msix(m, true);
	memset(got, 0, 6);
	ASSERT_EQ(vio_dev_config_read(&d, 0, got, 6), 0);
	ASSERT_MEM(got, MAC, 6);
	EXPECT_CLEAN(m);
	model_free(m);
}

TEST(dev_modern_requires_version_1)
{
	struct model *m = model_new(M_MODERN);
	m->features &= ~VIO_BIT(VIO_F_VERSION_1);
	m->quiet_violations = true;
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	ASSERT_EQ(vio_dev_negotiate(&d, VIO_BIT(VIO_NET_F_MAC), 0), VIO_ENOTSUP);
	ASSERT(m->status & VIO_STATUS_FAILED);
	ASSERT(!(m->status & VIO_STATUS_FEATURES_OK));
	EXPECT_NO_ALLOCS(m);
	model_free(m);
}

TEST(dev_access_platform_only_with_iommu)
{
	for (int iommu = 0; iommu < 2; iommu++) {
		struct model *m = model_new(M_MODERN);
		m->features |= VIO_BIT(VIO_F_ACCESS_PLATFORM);
		struct vio_dev d;
		ASSERT_EQ(dev_up(m, &d, false, iommu), 0);
		ASSERT_EQ(vio_dev_negotiate(&d, VIO_BIT(VIO_NET_F_MAC), 0), 0);
		ASSERT_EQ(model_has(m, VIO_F_ACCESS_PLATFORM), iommu);
		ASSERT_EQ(vio_dev_has(&d, VIO_F_ACCESS_PLATFORM), iommu);
		EXPECT_CLEAN(m);
		model_free(m);
	}
}

TEST(dev_features_ok_refused)
{
	struct model *m = model_new(M_MODERN);
	m->refuse_features_ok = true;
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	ASSERT_EQ(vio_dev_negotiate(&d, VIO_BIT(VIO_NET_F_MAC), 0), VIO_ENOTSUP);
	ASSERT_MSG(m->status & VIO_STATUS_FAILED, "status %#x lacks FAILED (§2.1.2)", m->status);
	ASSERT(!(m->status & VIO_STATUS_DRIVER_OK));
	ASSERT(m->nlines > 0); /* an error says why */
	EXPECT_CLEAN(m);
	EXPECT_NO_ALLOCS(m);
	model_free(m);
}

TEST(dev_required_feature_missing)
{
	struct model *m = model_new(M_MODERN);
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	ASSERT_EQ(vio_dev_negotiate(&d, VIO_BIT(VIO_NET_F_MQ), VIO_BIT(VIO_NET_F_MQ)), VIO_ENOTSUP);
	ASSERT(m->status & VIO_STATUS_FAILED);
	EXPECT_CLEAN(m);
	model_free(m);
}

TEST(dev_never_accepts_unoffered_or_unknown)
{
	struct model *m = model_new(M_MODERN);
	m->features |= VIO_BIT(VIO_F_IN_ORDER) | VIO_BIT(VIO_NET_F_RSS) | VIO_BIT(50);
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	/* wanted includes bits the device does not offer */
	ASSERT_EQ(
	    vio_dev_negotiate(&d, VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_MQ) | VIO_BIT(VIO_NET_F_GSO), 0),
	    0);
	ASSERT(!model_has(m, VIO_F_IN_ORDER));
	ASSERT(!model_has(m, VIO_NET_F_RSS));
	ASSERT(!model_has(m, 50));
	ASSERT(!model_has(m, VIO_NET_F_MQ));
	ASSERT_EQ(m->drv_features & ~m->features, 0);
	EXPECT_CLEAN(m);
	model_free(m);
}

TEST(dev_legacy_drops_high_features)
{
	struct model *m = model_new(M_TRANSITIONAL);
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, true, true), 0);
	ASSERT_EQ(vio_dev_negotiate(&d, VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_F_ACCESS_PLATFORM), 0), 0);
	ASSERT_EQ(d.features >> 32, 0);
	EXPECT_CLEAN(m);
	model_free(m);
}

TEST(dev_config_generation_settles)
{
	struct model *m = model_new(M_MODERN);
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	ASSERT_EQ(vio_dev_negotiate(&d, VIO_BIT(VIO_NET_F_MAC), 0), 0);
	m->gen_flips = 3;
	uint8_t got[6] = {0};
	ASSERT_EQ(vio_dev_config_read(&d, 0, got, 6), 0);
	ASSERT_MEM(got, MAC, 6);
	ASSERT_EQ(m->gen_flips, 0); /* it really retried through the changes */
	EXPECT_CLEAN(m);
	model_free(m);
}

TEST(dev_config_generation_never_settles)
{
	struct model *m = model_new(M_MODERN);
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	ASSERT_EQ(vio_dev_negotiate(&d, VIO_BIT(VIO_NET_F_MAC), 0), 0);
	m->gen_flips = -1;
	uint8_t got[6] = {0};
	ASSERT_EQ(vio_dev_config_read(&d, 0, got, 6), VIO_EIO);
	EXPECT_CLEAN(m);
	model_free(m);
}

TEST(dev_config_read_out_of_window)
{
	struct model *m = model_new(M_LEGACY);
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	uint8_t buf[8];
	/* legacy window: BAR length 64 - 20 = 44 bytes */
	ASSERT_EQ(vio_dev_config_read(&d, 60, buf, 8), VIO_EINVAL);
	ASSERT_EQ(vio_dev_config_read(&d, 0xfffffffcu, buf, 8), VIO_EINVAL);
	EXPECT_CLEAN(m);
	model_free(m);
}

TEST(dev_reset_never_completes)
{
	struct model *m = model_new(M_MODERN);
	m->reset_stuck = true;
	struct vio_dev d;
	uint64_t t0 = m->now_ns;
	ASSERT_EQ(dev_up(m, &d, false, false), VIO_ETIMEDOUT);
	ASSERT_MSG(m->now_ns - t0 >= 500000000ull, "gave up after %llu ns of (fake) time",
		   (unsigned long long)(m->now_ns - t0));
	ASSERT(m->nlines > 0);
	EXPECT_NO_ALLOCS(m);
	model_free(m);
}

TEST(dev_probe_not_virtio)
{
	struct model *m = model_new(M_MODERN);
	m->pcicfg[0] = 0x86;
	m->pcicfg[1] = 0x80;
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), VIO_ENODEV);
	EXPECT_NO_ALLOCS(m);
	model_free(m);
}

TEST(dev_probe_cap_outside_bar_modern_only)
{
	int types[] = {VIO_PCI_CAP_COMMON_CFG, VIO_PCI_CAP_NOTIFY_CFG, VIO_PCI_CAP_ISR_CFG,
		       VIO_PCI_CAP_DEVICE_CFG};
	for (unsigned i = 0; i < 4; i++) {
		struct model *m = model_new(M_MODERN);
		m->bad_cap = types[i];
		model_finalize(m);
		struct vio_dev d;
		int rc = dev_up(m, &d, false, false);
		ASSERT_MSG(rc == VIO_ENODEV, "cap type %d outside its BAR: rc %d", types[i], rc);
		EXPECT_CLEAN(m);
		EXPECT_NO_ALLOCS(m);
		model_free(m);
	}
}

TEST(dev_probe_cap_outside_bar_transitional_falls_back)
{
	struct model *m = model_new(M_TRANSITIONAL);
	m->bad_cap = VIO_PCI_CAP_COMMON_CFG;
	model_finalize(m);
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	ASSERT(!d.pci.modern);
	ASSERT_EQ(vio_dev_negotiate(&d, VIO_BIT(VIO_NET_F_MAC), 0), 0);
	uint8_t got[6];
	ASSERT_EQ(vio_dev_config_read(&d, 0, got, 6), 0);
	ASSERT_MEM(got, MAC, 6);
	EXPECT_CLEAN(m);
	model_free(m);
}

TEST(dev_probe_no_common_cap)
{
	struct model *m = model_new(M_MODERN);
	m->no_common_cap = true;
	model_finalize(m);
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), VIO_ENODEV);
	EXPECT_NO_ALLOCS(m);
	model_free(m);
}

TEST(dev_pci_id_match)
{
	ASSERT(vio_pci_id_match(0x1af4, 0x1041, 0x1100, VIO_ID_NET));
	ASSERT(vio_pci_id_match(0x1af4, 0x1000, VIO_ID_NET, VIO_ID_NET));
	ASSERT(!vio_pci_id_match(0x1af4, 0x1000, VIO_ID_BLOCK, VIO_ID_NET));
	ASSERT(!vio_pci_id_match(0x1af4, 0x1042, 0, VIO_ID_NET));
	ASSERT(vio_pci_id_match(0x1af4, 0x1042, 0, VIO_ID_BLOCK));
	ASSERT(!vio_pci_id_match(0x8086, 0x1041, 0, VIO_ID_NET));
	ASSERT(!vio_pci_id_match(0x1af4, 0x1080, 0, 0));
	ASSERT(vio_pci_id_match(0x1af4, 0x1041, 0, 0));
}

TEST(dev_msix_vectors)
{
	struct model *m = model_new(M_MODERN);
	model_set_msix(m, true);
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	ASSERT_EQ(vio_dev_negotiate(&d, 0, 0), 0);
	ASSERT_EQ(vio_pci_set_config_vector(&d.pci, 0), 0);
	ASSERT_EQ(m->msix_config, 0);
	vio_dev_set_irq_mode(&d, VIO_IRQ_MSIX_PER_VQ);
	struct vio_vq vq;
	ASSERT_EQ(vio_dev_vq_create(&d, &vq, 1, 0, 0), 0);
	ASSERT_EQ(m->q[1].vector, vio_dev_queue_vector(&d, 1));
	ASSERT_NE(m->q[1].vector, VIO_MSI_NO_VECTOR);
	vio_dev_reset(&d);
	vio_vq_destroy(&vq);
	m->refuse_vectors = true;
	ASSERT_EQ(vio_pci_set_config_vector(&d.pci, 0), VIO_EIO);
	EXPECT_CLEAN(m);
	EXPECT_NO_ALLOCS(m);
	model_free(m);
}

TEST(dev_msix_vector_refused_on_queue)
{
	struct model *m = model_new(M_MODERN);
	model_set_msix(m, true);
	m->refuse_vectors = true;
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	ASSERT_EQ(vio_dev_negotiate(&d, 0, 0), 0);
	vio_dev_set_irq_mode(&d, VIO_IRQ_MSIX_SHARED);
	struct vio_vq vq;
	memset(&vq, 0, sizeof(vq));
	ASSERT_EQ(vio_dev_vq_create(&d, &vq, 0, 0, 0), VIO_EIO);
	vio_dev_reset(&d);
	EXPECT_NO_ALLOCS(m);
	model_free(m);
}

TEST(dev_isr_and_needs_reset)
{
	struct model *m = model_new(M_MODERN);
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	ASSERT_EQ(vio_dev_isr(&d), 0);
	model_set_link(m, false, true);
	ASSERT_EQ(vio_dev_isr(&d), VIO_ISR_CONFIG);
	ASSERT_EQ(vio_dev_isr(&d), 0); /* read acknowledges */
	ASSERT(!vio_dev_needs_reset(&d));
	m->status |= VIO_STATUS_NEEDS_RESET;
	ASSERT(vio_dev_needs_reset(&d));
	model_free(m);
}

TEST(dev_feature_names)
{
	const char *v1 = vio_dev_feature_name(&vio_net_driver, VIO_F_VERSION_1);
	const char *cs = vio_dev_feature_name(&vio_net_driver, VIO_NET_F_CSUM);
	ASSERT(v1 && strcmp(v1, "VERSION_1") == 0);
	ASSERT(cs && strcmp(cs, "NET_CSUM") == 0);
	ASSERT(vio_dev_feature_name(&vio_net_driver, 49) == NULL);
}

TEST(log_snprintf)
{
	char b[64];
	ASSERT_EQ(vio_snprintf(b, sizeof(b), "%d %u %x %X %s %c %%", -5, 7u, 0xabu, 0xCDu, "hi", 'z'), 17);
	ASSERT(strcmp(b, "-5 7 ab CD hi z %") == 0);
	vio_snprintf(b, sizeof(b), "%02x:%08llx:%5d|", 0xa, 0x1234ull, 42);
	ASSERT_MSG(strcmp(b, "0a:00001234:   42|") == 0, "got '%s'", b);
	vio_snprintf(b, sizeof(b), "%zu %ld %lld %hhu %hu", (size_t)123, -1L, -9000000000ll,
		     (unsigned char)255, (unsigned short)65535);
	ASSERT_MSG(strcmp(b, "123 -1 -9000000000 255 65535") == 0, "got '%s'", b);
	const char *volatile np = NULL;
	vio_snprintf(b, sizeof(b), "%s", np);
	ASSERT(strlen(b) < sizeof(b));
	/* truncation: always terminated, returns the full length */
	ASSERT_EQ(vio_snprintf(b, 4, "abcdefgh"), 8);
	ASSERT(strcmp(b, "abc") == 0);
	ASSERT_EQ(vio_snprintf(b, 0, "abc"), 3);
	char big[400];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	struct model *m = model_new(M_MODERN);
	vio_err(&m->os, "%s", big);
	ASSERT_EQ(m->nlines, 1);
	ASSERT(strlen(m->lines[0]) <= VIO_LOG_LINE);
	ASSERT(vio_strerror(VIO_EIO) != NULL);
	model_free(m);
}

/* One MSI-X vector for everything (macOS before 12.4): config and every queue
 * on vector 0, as the device reads it back. */
TEST(dev_msix_single_vector)
{
	struct model *m = model_new(M_MODERN);
	model_set_msix(m, true);
	struct vio_dev d;
	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	ASSERT_EQ(vio_dev_negotiate(&d, 0, 0), 0);
	ASSERT_EQ(vio_dev_set_irq_mode(&d, VIO_IRQ_MSIX_SINGLE), 0);
	ASSERT_EQ(m->msix_config, 0);
	struct vio_vq vq0, vq1;
	ASSERT_EQ(vio_dev_vq_create(&d, &vq0, 0, 0, 0), 0);
	ASSERT_EQ(vio_dev_vq_create(&d, &vq1, 1, 0, 0), 0);
	ASSERT_EQ(m->q[0].vector, 0);
	ASSERT_EQ(m->q[1].vector, 0);
	vio_dev_reset(&d);
	vio_vq_destroy(&vq0);
	vio_vq_destroy(&vq1);
	EXPECT_CLEAN(m);
	EXPECT_NO_ALLOCS(m);
	model_free(m);
}

/* The bus layer's interrupt decode (vio_irq_decode), every mode, against
 * virtio 1.2 §4.1.4.5 (ISR: queue bit 0, config bit 1, read to acknowledge)
 * and the vector layout vio_dev_queue_vector gives (0 config, 1 shared
 * queues, 1 + i queue i). */
TEST(dev_irq_decode)
{
	static const struct {
		enum vio_irq_mode mode;
		uint16_t vector;
		uint8_t isr;
		bool needs_isr, ours, config, queues;
		uint16_t queue;
	} t[] = {
	    /* line / MSI: the ISR says everything; 0 is someone else's */
	    {VIO_IRQ_INTX, VIO_MSI_NO_VECTOR, 0, true, false, false, false, VIO_IRQ_ALL_QUEUES},
	    {VIO_IRQ_INTX, VIO_MSI_NO_VECTOR, VIO_ISR_QUEUE, true, true, false, true, VIO_IRQ_ALL_QUEUES},
	    {VIO_IRQ_INTX, VIO_MSI_NO_VECTOR, VIO_ISR_CONFIG, true, true, true, false, VIO_IRQ_ALL_QUEUES},
	    {VIO_IRQ_INTX, VIO_MSI_NO_VECTOR, 3, true, true, true, true, VIO_IRQ_ALL_QUEUES},
	    /* one vector: every queue each time, config from the ISR */
	    {VIO_IRQ_MSIX_SINGLE, 0, 0, true, true, false, true, VIO_IRQ_ALL_QUEUES},
	    {VIO_IRQ_MSIX_SINGLE, 0, VIO_ISR_CONFIG, true, true, true, true, VIO_IRQ_ALL_QUEUES},
	    {VIO_IRQ_MSIX_SINGLE, 1, VIO_ISR_CONFIG, false, false, false, false, VIO_IRQ_ALL_QUEUES},
	    /* two vectors: no ISR read (§4.1.4.5.2: not on a queue interrupt) */
	    {VIO_IRQ_MSIX_SHARED, 0, 0, false, true, true, false, VIO_IRQ_ALL_QUEUES},
	    {VIO_IRQ_MSIX_SHARED, 1, 0, false, true, false, true, VIO_IRQ_ALL_QUEUES},
	    {VIO_IRQ_MSIX_SHARED, 2, 0, false, false, false, false, VIO_IRQ_ALL_QUEUES},
	    /* one per queue */
	    {VIO_IRQ_MSIX_PER_VQ, 0, 0, false, true, true, false, VIO_IRQ_ALL_QUEUES},
	    {VIO_IRQ_MSIX_PER_VQ, 1, 0, false, true, false, true, 0},
	    {VIO_IRQ_MSIX_PER_VQ, 17, 0, false, true, false, true, 16},
	    {VIO_IRQ_MSIX_PER_VQ, VIO_MSI_NO_VECTOR, 0, false, false, false, false, VIO_IRQ_ALL_QUEUES},
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct vio_irq_work w = vio_irq_decode(t[i].mode, t[i].vector, t[i].isr);

		ASSERT_MSG(vio_irq_needs_isr(t[i].mode, t[i].vector) == t[i].needs_isr, "row %u needs_isr",
			   i);
		ASSERT_MSG(w.ours == t[i].ours && w.config == t[i].config && w.queues == t[i].queues &&
			       w.queue == t[i].queue,
			   "row %u: ours %d config %d queues %d queue %u", i, w.ours, w.config, w.queues,
			   w.queue);
	}
	/* per-queue vectors are the ones queues are given */
	for (uint16_t q = 0; q < 40; q++) {
		struct vio_dev d = {.irq_mode = VIO_IRQ_MSIX_PER_VQ};
		struct vio_irq_work w = vio_irq_decode(d.irq_mode, vio_dev_queue_vector(&d, q), 0);

		ASSERT(w.queues && w.queue == q && !w.config);
	}
}

/* On the device: INTx reads (and so acknowledges) the ISR once; a per-queue
 * MSI-X vector never touches it. */
TEST(dev_irq_reads_isr)
{
	struct model *m = model_new(M_MODERN);
	struct vio_dev d;

	ASSERT_EQ(dev_up(m, &d, false, false), 0);
	vio_dev_set_irq_mode(&d, VIO_IRQ_INTX);
	m->isr = VIO_ISR_QUEUE | VIO_ISR_CONFIG;
	struct vio_irq_work w = vio_dev_irq(&d, VIO_MSI_NO_VECTOR);
	ASSERT(w.ours && w.config && w.queues);
	ASSERT_EQ(m->isr, 0);
	w = vio_dev_irq(&d, VIO_MSI_NO_VECTOR);
	ASSERT(!w.ours);
	d.irq_mode = VIO_IRQ_MSIX_PER_VQ;
	m->isr = VIO_ISR_QUEUE;
	w = vio_dev_irq(&d, 3);
	ASSERT(w.ours && w.queue == 2);
	ASSERT_EQ(m->isr, VIO_ISR_QUEUE); /* untouched */
	vio_dev_fail(&d);
	model_free(m);
}
