/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_kputc.h - kernel printf output to a virtio console port (boot-arg
 * macvio_kprintf=1): whether this kernel lets the kext take PE_kputc, and
 * the line assembly the hook does. Plain C, no IOKit type, so test/unit
 * runs it against a table of xnu's facts (test/unit/t_kputc.c;
 * docs/macos.md "Kernel printf to the console").
 *
 * The facts it rests on (apple-oss-distributions/xnu):
 *  - PE_kputc is exported to kexts (config/Unsupported.exports,
 *    com.apple.kpi.unsupported, xnu-517 .. -11417.121.6) and declared
 *    `extern void (*PE_kputc)(char c)` (pexpert/pexpert/pexpert.h).
 *  - x86_64: a plain writable global in every release we support
 *    (pexpert/i386/pe_kprintf.c: `void (*PE_kputc)(char c);` xnu-2422.1.72
 *    .. -6153.11.26; `#if XNU_TARGET_OS_OSX PE_kputc_t PE_kputc;` from
 *    xnu-7195.50.7.100.1 on).
 *  - arm64: `SECURITY_READ_ONLY_LATE(PE_kputc_t) PE_kputc`
 *    (pexpert/arm/pe_kprintf.c, xnu-7195.50.7.100.1 .. -11417.121.6), in
 *    __DATA,__const, locked after boot (KTRR/CTRR): a write would fault.
 *  - kprintf reaches PE_kputc only when disable_serial_output is false,
 *    which a RELEASE kernel sets only for boot-arg debug with DB_KPRT 0x8
 *    (PE_init_kprintf, every tag above); printf and IOLog never call it.
 *    The panic path's consdebug_putc calls it too (osfmk/kern/printf.c),
 *    without kprintf's lock.
 *  - kprintf calls it with interrupts off, holding kprintf_lock (a spin
 *    lock; xnu-7195+ waits for it at most LockTimeOut), possibly on a
 *    panicking CPU: the hook may not block, allocate or log.
 */
#ifndef MACVIO_KPUTC_H
#define MACVIO_KPUTC_H

#include <stdbool.h>
#include <stdint.h>

#define MACVIO_DB_KPRT 0x8 /* osfmk/kern/debug.h */

enum macvio_kputc_route {
	MACVIO_KPUTC_OFF,      /* not asked (boot-arg macvio_kprintf absent or 0) */
	MACVIO_KPUTC_HOOK,     /* take PE_kputc: kprintf goes to the console port */
	MACVIO_KPUTC_NO_KPRT,  /* asked, but kprintf never calls PE_kputc: add debug=0x8 */
	MACVIO_KPUTC_READONLY, /* asked, but PE_kputc is read-only on this kernel */
};

struct macvio_kputc_facts {
	bool arm64;	/* the kernel's architecture */
	bool asked;	/* boot-arg macvio_kprintf=1 */
	bool has_debug; /* boot-arg debug= present */
	uint32_t debug; /* its value */
};

struct macvio_kputc_plan {
	enum macvio_kputc_route route;
	const char *why; /* one line for the log */
};

struct macvio_kputc_plan macvio_kputc_plan(const struct macvio_kputc_facts *f);

/* Line assembly: the hook gets one character at a time; the port's queue
 * wants whole buffers (one per line, as a terminal shows it), and the
 * emergency write takes bytes. A line goes out at '\n' or when full. */
#define MACVIO_KLINE_MAX 128

/* Bytes of s the port's queue took: 0 when it cannot be used now (its lock
 * held, every slot in flight, the port not up). */
typedef uint32_t (*macvio_kline_queue_fn)(void *ctx, const char *s, uint32_t n);
/* The emergency write (§5.3.4 EMERG_WRITE): no queue, no lock. */
typedef void (*macvio_kline_emerg_fn)(void *ctx, const char *s, uint32_t n);

struct macvio_kline {
	char buf[MACVIO_KLINE_MAX];
	volatile uint32_t len; /* racing callers (panic) may garble text, never overrun */
	macvio_kline_queue_fn queue;
	macvio_kline_emerg_fn emerg;
	void *ctx;
	uint64_t queued, emergency; /* bytes each way */
};

void macvio_kline_putc(struct macvio_kline *k, char c);
/* What is buffered goes out now (unload, panic). */
void macvio_kline_flush(struct macvio_kline *k);

#endif
