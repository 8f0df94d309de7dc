/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_irqplan.c - the kext's interrupt plan (os/darwin/macvio_irqplan.c)
 * against what each IOPCIFamily release publishes for a virtio-net function
 * (MSI-X capability, no MSI capability, INTx pin A, class 0x020000). Every
 * row names the tag and function of apple-oss-distributions/IOPCIFamily it
 * is read from (IOPCIMessagedInterruptController.cpp = MIC).
 */
#include "macvio_irqplan.h"
#include "runner.h"

#define INTX                                                                                                 \
	{                                                                                                    \
		false, 0                                                                                     \
	}
#define MSG(v)                                                                                               \
	{                                                                                                    \
		true, (v)                                                                                    \
	}
#define MAXSRC MACVIO_IRQ_MAX_SRC

struct irq_case {
	const char *source; /* tag + function the published layout comes from */
	int darwin;
	uint16_t table;
	bool allow_msix;
	int nsrc;
	struct {
		bool messaged;
		uint32_t vector;
	} src[6];
	enum vio_irq_mode mode;
	int count, idx0, idx1;
};

static const struct irq_case cases[] = {
    {"IOPCIFamily-224 IOPCIBridge.cpp probeBus: MSI-X lookup under #if 0, INTx only",
     13,
     4,
     true,
     1,
     {INTX},
     VIO_IRQ_INTX,
     1,
     0,
     -1},
    {"IOPCIFamily-239.1.2 MIC allocateDeviceInterrupts (shared path) + handleInterrupt (PBA only)",
     14,
     4,
     true,
     5,
     {INTX, MSG(5), MSG(5), MSG(5), MSG(5)},
     VIO_IRQ_INTX,
     1,
     0,
     -1},
    {"IOPCIFamily-257.40.3 MIC handleInterrupt: no msiEnable == 1 shortcut yet",
     15,
     4,
     true,
     5,
     {INTX, MSG(9), MSG(9), MSG(9), MSG(9)},
     VIO_IRQ_INTX,
     1,
     0,
     -1},
    {"IOPCIFamily-239.1.2 MIC allocateDeviceInterrupts: a 1-entry table takes the distinct path",
     14,
     1,
     true,
     2,
     {INTX, MSG(5)},
     VIO_IRQ_MSIX_SINGLE,
     1,
     1,
     -1},
    {"IOPCIFamily-284.1.3 MIC handleInterrupt: msiEnable == 1 -> subVectors[0]",
     16,
     4,
     true,
     5,
     {INTX, MSG(5), MSG(5), MSG(5), MSG(5)},
     VIO_IRQ_MSIX_SINGLE,
     1,
     1,
     -1},
    {"IOPCIFamily-370.0.2 MIC handleInterrupt: shortcut, called once per table entry",
     19,
     4,
     true,
     5,
     {INTX, MSG(3), MSG(3), MSG(3), MSG(3)},
     VIO_IRQ_MSIX_SINGLE,
     1,
     1,
     -1},
    {"IOPCIFamily-428.40.7 MIC handleInterrupt: shortcut, count = 1",
     20,
     4,
     true,
     5,
     {INTX, MSG(3), MSG(3), MSG(3), MSG(3)},
     VIO_IRQ_MSIX_SINGLE,
     1,
     1,
     -1},
    {"IOPCIFamily-484.40.6 MIC allocateDeviceInterrupts: class 0x0200 forced Respect, distinct",
     21,
     4,
     true,
     5,
     {INTX, MSG(4), MSG(5), MSG(6), MSG(7)},
     VIO_IRQ_MSIX_SHARED,
     2,
     1,
     2},
    {"IOPCIFamily-484.101.2 IOPCIDevice::configureInterrupts(MessagedX, 2, 2): idx 0..1, no INTx",
     21,
     4,
     true,
     2,
     {MSG(8), MSG(9)},
     VIO_IRQ_MSIX_SHARED,
     2,
     0,
     1},
    {"IOPCIFamily-583.40.1 configureInterrupts kIOReturnUnsupported (resolved): default shared",
     22,
     4,
     true,
     5,
     {INTX, MSG(5), MSG(5), MSG(5), MSG(5)},
     VIO_IRQ_MSIX_SINGLE,
     1,
     1,
     -1},
    {"IOPCIFamily-664.0.3 configureInterrupts success on an existing shared allocation",
     24,
     4,
     true,
     5,
     {INTX, MSG(6), MSG(6), MSG(6), MSG(6)},
     VIO_IRQ_MSIX_SINGLE,
     1,
     1,
     -1},
    {"IOPCIFamily-726.0.5 configureInterrupts(MessagedX, 2, 2) on arm64: distinct",
     25,
     3,
     true,
     2,
     {MSG(40), MSG(41)},
     VIO_IRQ_MSIX_SHARED,
     2,
     0,
     1},
    {"IOPCIFamily-239.1.2 IOPCIBridge.cpp resolveLegacyInterrupts: no pin routed, shared MSI-X",
     14,
     4,
     true,
     4,
     {MSG(5), MSG(5), MSG(5), MSG(5)},
     VIO_IRQ_INTX,
     0,
     -1,
     -1},
    {"IOPCIFamily-284.1.3: MSI-X enable not set after registering: the INTx retry",
     16,
     4,
     false,
     5,
     {INTX, MSG(5), MSG(5), MSG(5), MSG(5)},
     VIO_IRQ_INTX,
     1,
     0,
     -1},
    {"IOPCIFamily-484.101.2 configureInterrupts removed INTx, MSI-X not enabled: nothing left",
     21,
     4,
     false,
     2,
     {MSG(8), MSG(9)},
     VIO_IRQ_INTX,
     0,
     -1,
     -1},
    {"QEMU vectors=0 (no MSI-X capability) on IOPCIFamily-726.0.5",
     25,
     0,
     true,
     1,
     {INTX},
     VIO_IRQ_INTX,
     1,
     0,
     -1},
};

TEST(irqplan_table)
{
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct irq_case *c = &cases[k];
		struct macvio_irq_facts f;
		struct macvio_irq_plan p;

		memset(&f, 0, sizeof(f));
		f.darwin_major = c->darwin;
		f.msix_table_size = c->table;
		f.allow_msix = c->allow_msix;
		f.nsrc = c->nsrc;
		for (int i = 0; i < c->nsrc; i++) {
			f.src[i].messaged = c->src[i].messaged;
			f.src[i].vector = c->src[i].vector;
		}
		p = macvio_irq_plan(&f);
		ASSERT_MSG(p.mode == c->mode && p.count == c->count, "%s: mode %d count %d, want %d %d (%s)",
			   c->source, p.mode, p.count, c->mode, c->count, p.why);
		if (c->count > 0)
			ASSERT_MSG(p.index[0] == c->idx0, "%s: index[0] %d, want %d", c->source, p.index[0],
				   c->idx0);
		if (c->count > 1)
			ASSERT_MSG(p.index[1] == c->idx1, "%s: index[1] %d, want %d", c->source, p.index[1],
				   c->idx1);
		ASSERT(p.why && p.why[0]);
	}
}

/* IOPCIDevice::configureInterrupts is OSMetaClassDeclareReservedUsed(IOPCIDevice, 3)
 * from IOPCIFamily-484.101.2 (12.4, Darwin 21.5); before that slot 3 is a pad. */
TEST(irqplan_configure_only_from_12_4)
{
	ASSERT(!macvio_irq_can_configure(13, 0));
	ASSERT(!macvio_irq_can_configure(20, 6));
	ASSERT(!macvio_irq_can_configure(21, 4));
	ASSERT(macvio_irq_can_configure(21, 5));
	ASSERT(macvio_irq_can_configure(22, 0));
	ASSERT(!macvio_irq_has_single_shortcut(15)); /* 257.40.3 */
	ASSERT(macvio_irq_has_single_shortcut(16));  /* 284.1.3 */
}

/* Sources past MACVIO_IRQ_MAX_SRC are never read. */
TEST(irqplan_bounds)
{
	struct macvio_irq_facts f;
	struct macvio_irq_plan p;

	memset(&f, 0, sizeof(f));
	f.darwin_major = 22;
	f.msix_table_size = 64;
	f.allow_msix = true;
	f.nsrc = 1000;
	for (int i = 0; i < MAXSRC; i++)
		f.src[i].messaged = true, f.src[i].vector = 7;
	p = macvio_irq_plan(&f);
	ASSERT_EQ(p.mode, VIO_IRQ_MSIX_SINGLE);
	ASSERT_EQ(p.index[0], 0);
	f.nsrc = 0;
	p = macvio_irq_plan(&f);
	ASSERT_EQ(p.count, 0);
}

/* What a filter hands vio_dev_irq per planned source, and when it decodes
 * while its driver is not ready (MacvioIrq::decode, both kext drivers). */
TEST(irqplan_source_vectors)
{
	struct macvio_irq_plan intx = {VIO_IRQ_INTX, {0, -1}, 1, "t"};
	struct macvio_irq_plan single = {VIO_IRQ_MSIX_SINGLE, {1, -1}, 1, "t"};
	struct macvio_irq_plan shared = {VIO_IRQ_MSIX_SHARED, {1, 2}, 2, "t"};

	ASSERT_EQ(macvio_irq_vector(&intx, 0), VIO_MSI_NO_VECTOR);
	ASSERT_EQ(macvio_irq_vector(&single, 0), 0);
	ASSERT_EQ(macvio_irq_vector(&shared, 0), 0); /* config */
	ASSERT_EQ(macvio_irq_vector(&shared, 1), 1); /* queues */
	ASSERT(macvio_irq_decode_idle(&intx));
	ASSERT(!macvio_irq_decode_idle(&single));
	ASSERT(!macvio_irq_decode_idle(&shared));
}
