/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_irqplan.h - which interrupt sources the kext registers, decided from
 * what IOPCIFamily published for the function. Plain C, no IOKit type, so
 * test/unit runs it against a table of cases taken from Apple's sources
 * (test/unit/t_irqplan.c; docs/macos.md "What the kext relies on").
 *
 * The facts it rests on (apple-oss-distributions/IOPCIFamily,
 * IOPCIMessagedInterruptController.cpp unless named):
 *  - IOPCIFamily-224 (10.9): MSI-X is compiled out (IOPCIBridge.cpp probeBus,
 *    `#if 0` around kIOPCIMSIXCapability); a virtio function, which has MSI-X
 *    and no MSI capability, gets its INTx line only, at index 0.
 *  - Every tag: the INTx entry (if the pin is routed) comes first, messaged
 *    entries after it (IOPCIBridge.cpp getNubResources / resolveInterrupts);
 *    each IOInterruptSpecifiers entry starts with a 32-bit controller vector.
 *  - Unless asked, one CPU vector per function: allocateDeviceInterrupts
 *    publishes every MSI-X table entry with the same vector (the "shared"
 *    path); handleInterrupt then dispatches, when more than one source is
 *    registered (msiEnable != 1), only sources whose Pending Bit Array bit is
 *    set - which a device sets only for masked entries, i.e. never here.
 *  - IOPCIFamily-239.1.2 .. -257.40.3 (10.10, 10.11): no `msiEnable == 1`
 *    shortcut at all, so a shared vector never reaches a handler: INTx.
 *  - IOPCIFamily-284.1.3 .. (10.12+): with exactly one registered source,
 *    handleInterrupt calls subVectors[0] - the first messaged index - for
 *    any entry the device used (284..370 once per table entry, 428.40.7+
 *    once).
 *  - IOPCIFamily-484.40.6 .. -484.140.2 (12.x): an Ethernet-class function
 *    gets distinct vectors (up to 8) by default; -484.101.2+ has
 *    IOPCIDevice::configureInterrupts(kIOInterruptTypePCIMessagedX, n, n),
 *    which publishes n distinct vectors at indexes 0..n-1, and fails
 *    (kIOReturnUnsupported) once anything resolved the interrupts; from
 *    -664.0.3 it may instead succeed on an existing shared allocation, so
 *    success alone proves nothing: the vectors decide.
 */
#ifndef MACVIO_IRQPLAN_H
#define MACVIO_IRQPLAN_H

#include "vio_dev.h"

#define MACVIO_IRQ_MAX_SRC 16 /* interrupt sources looked at */

/* What the provider read from IOKit, in index order. */
struct macvio_irq_facts {
	int darwin_major; /* kernel version_major: 13 = 10.9 ... 21 = 12 */
	int nsrc;	  /* sources getInterruptType answered for: 0..nsrc-1 */
	struct {
		bool messaged;	 /* kIOInterruptTypePCIMessaged */
		uint32_t vector; /* first word of its IOInterruptSpecifiers entry */
	} src[MACVIO_IRQ_MAX_SRC];
	uint16_t msix_table_size; /* 0: no MSI-X capability */
	bool allow_msix;	  /* false: the retry after MSI-X failed to enable */
};

struct macvio_irq_plan {
	enum vio_irq_mode mode;
	int index[2];	 /* INTx and MSI-X single: [0] only; shared: [0] config, [1] queues */
	int count;	 /* sources to register; 0: no usable interrupt */
	const char *why; /* one line for the log and ioreg */
};

/* IOPCIFamily of this kernel has the msiEnable == 1 dispatch shortcut
 * (IOPCIFamily-284.1.3, macOS 10.12 = Darwin 16, and later). */
bool macvio_irq_has_single_shortcut(int darwin_major);
/* configureInterrupts() exists in this kernel's IOPCIFamily (-484.101.2,
 * macOS 12.4 = Darwin 21.5, and later): below that its vtable slot is a
 * reserved pad and must not be called. */
bool macvio_irq_can_configure(int darwin_major, int darwin_minor);

struct macvio_irq_plan macvio_irq_plan(const struct macvio_irq_facts *f);

/* The virtio vector an interrupt on planned source `source` (0 or 1) is,
 * for vio_dev_irq: VIO_MSI_NO_VECTOR for the INTx line; 0 for the one
 * MSI-X source; 0 config / 1 queues with two (the core programs the
 * device's vectors so). */
uint16_t macvio_irq_vector(const struct macvio_irq_plan *p, int source);
/* Must a filter decode (read the ISR) even while its driver is not ready?
 * INTx only: the read acknowledges (virtio 1.2 §4.1.4.5), and a level
 * line left asserted while the driver stops would storm. */
bool macvio_irq_decode_idle(const struct macvio_irq_plan *p);

#endif
