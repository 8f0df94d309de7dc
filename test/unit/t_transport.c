/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_transport.c - hostile PCI configuration and transport values
 * (docs/threat-model.md, "PCI / transport"): each one gives a clean error
 * or is ignored, never an access outside what the device declared.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static void put32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The model's capabilities (model.c model_finalize): MSI-X 0x40, common
 * 0x50, ISR 0x60, device 0x70, notify 0x80, PCI_CFG 0x98. */
#define CAP_COMMON 0x50
#define CAP_NOTIFY 0x80

/* probe only: the expected result, the model never sees a rule broken */
static void probe_case(struct model *m, int want, const char *log)
{
	struct vio_dev d;
	int rc = dev_up(m, &d, false, false);

	ASSERT_MSG(rc == want, "probe: rc %d, want %d", rc, want);
	if (log)
		ASSERT_MSG(model_log_has(m, log), "log lacks '%s'", log);
	if (rc == VIO_OK)
		vio_dev_reset(&d);
	EXPECT_CLEAN(m);
	EXPECT_NO_ALLOCS(m);
	model_free(m);
}

TEST(transport_vendor_ffff_device_gone)
{
	struct model *m = model_new(M_MODERN);

	m->pcicfg[0] = 0xff, m->pcicfg[1] = 0xff;
	probe_case(m, VIO_ENODEV, NULL);
}

TEST(transport_no_capability_list)
{
	struct model *m = model_new(M_MODERN);

	m->pcicfg[VIO_PCI_CFG_STATUS] &= (uint8_t)~VIO_PCI_STATUS_CAP_LIST;
	probe_case(m, VIO_ENODEV, "no capability list");
	m = model_new(M_TRANSITIONAL); /* the legacy interface still serves */
	m->pcicfg[VIO_PCI_CFG_STATUS] &= (uint8_t)~VIO_PCI_STATUS_CAP_LIST;
	probe_case(m, VIO_OK, "no capability list");
}

/* A list that loops is walked a bounded number of times. */
TEST(transport_capability_loop)
{
	struct model *m = model_new(M_MODERN);

	m->pcicfg[0x98 + 1] = 0x40; /* the last capability points back to the first */
	probe_case(m, VIO_OK, "(a loop?)");
}

TEST(transport_cap_len_too_short)
{
	struct model *m = model_new(M_MODERN);

	m->pcicfg[CAP_COMMON + VIO_PCI_CAP_LEN] = 8;
	probe_case(m, VIO_ENODEV, "has cap_len 8");
}

TEST(transport_cap_bar_6)
{
	struct model *m = model_new(M_MODERN);

	m->pcicfg[CAP_COMMON + VIO_PCI_CAP_BAR] = 6;
	probe_case(m, VIO_ENODEV, NULL);
}

/* common config shorter than its 56 bytes, and a misaligned notify window */
TEST(transport_cap_min_length_and_alignment)
{
	struct model *m = model_new(M_MODERN);

	put32le(&m->pcicfg[CAP_COMMON + VIO_PCI_CAP_LENGTH], 8);
	probe_case(m, VIO_ENODEV, NULL);
	m = model_new(M_MODERN);
	put32le(&m->pcicfg[CAP_NOTIFY + VIO_PCI_CAP_OFFSET], M_NOTIFY_OFF + 1);
	probe_case(m, VIO_ENODEV, NULL);
}

/* A doorbell the multiplier or a queue's notify_off puts outside the notify
 * window (or odd): queue set-up fails, attach fails cleanly, no write
 * reaches the BAR outside the window (the model would record it). */
static void notify_case(uint32_t mult, uint16_t q0_off)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	put32le(&m->pcicfg[CAP_NOTIFY + VIO_PCI_NOTIFY_CAP_MULT], mult);
	m->q[0].notify_off = q0_off;
	ASSERT(fe_attach(&f, m, NULL) != VIO_OK);
	ASSERT(model_log_has(m, "-byte notify window"));
	ASSERT(m->status & VIO_STATUS_FAILED);
	EXPECT_CLEAN(m);
	EXPECT_NO_ALLOCS(m);
	fe_free(&f);
	model_free(m);
}

TEST(transport_notify_multiplier_and_offset)
{
	notify_case(0x40000000u, 0); /* queue 1 at 1 GiB */
	notify_case(3, 0);	     /* queue 1 at an odd offset */
	notify_case(M_NOTIFY_MULT, 0xffff);
}

/* A modern device whose type is not net: attach refuses, clearly. */
TEST(transport_device_type_not_net)
{
	struct model *m = model_new(M_MODERN);
	struct fe f;

	m->pcicfg[VIO_PCI_CFG_DEVICE] = (uint8_t)(VIO_PCI_DEV_MODERN_BASE + 2); /* block */
	ASSERT_EQ(fe_attach(&f, m, NULL), VIO_ENODEV);
	EXPECT_CLEAN(m);
	EXPECT_NO_ALLOCS(m);
	fe_free(&f);
	model_free(m);
}

/* Windows of two types sharing bytes (found by fuzz_transport: a notify
 * window over common config put queue 2's doorbell on queue_size, written
 * while the queue ran): the modern interface is refused; a transitional
 * device still attaches through legacy, with the model checking windows. */
TEST(transport_windows_overlap)
{
	struct model *m = model_new(M_MODERN);

	put32le(&m->pcicfg[CAP_NOTIFY + VIO_PCI_CAP_OFFSET], 16);
	probe_case(m, VIO_ENODEV, "notify windows overlap");
	m = model_new(M_MODERN); /* a one-byte ISR inside the device window */
	put32le(&m->pcicfg[0x60 + VIO_PCI_CAP_OFFSET], M_DEVCFG_OFF + 8);
	put32le(&m->pcicfg[0x60 + VIO_PCI_CAP_LENGTH], 1);
	probe_case(m, VIO_ENODEV, "isr and device windows overlap");
	m = model_new(M_TRANSITIONAL);
	put32le(&m->pcicfg[CAP_NOTIFY + VIO_PCI_CAP_OFFSET], 16);
	m->check_windows = true;
	probe_case(m, VIO_OK, "common and notify windows overlap");
	m = model_new(M_MODERN); /* adjacent is not overlapping */
	put32le(&m->pcicfg[0x60 + VIO_PCI_CAP_LENGTH], 1);
	put32le(&m->pcicfg[0x60 + VIO_PCI_CAP_OFFSET], M_DEVCFG_OFF - 1);
	m->check_windows = true;
	probe_case(m, VIO_OK, NULL);
}
