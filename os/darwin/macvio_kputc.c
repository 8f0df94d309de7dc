/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * macvio_kputc.c - kernel printf to a virtio console port: the decision and
 * the line assembly (macvio_kputc.h has xnu's facts).
 */
#include "macvio_kputc.h"

struct macvio_kputc_plan macvio_kputc_plan(const struct macvio_kputc_facts *f)
{
	struct macvio_kputc_plan p;

	if (!f->asked) {
		p.route = MACVIO_KPUTC_OFF;
		p.why = "kernel printf stays where it is (boot-arg macvio_kprintf=1 sends it to the console "
			"port)";
	} else if (f->arm64) {
		p.route = MACVIO_KPUTC_READONLY;
		p.why =
		    "macvio_kprintf ignored: PE_kputc is read-only on arm64 (xnu pexpert/arm/pe_kprintf.c)";
	} else if (!f->has_debug || !(f->debug & MACVIO_DB_KPRT)) {
		p.route = MACVIO_KPUTC_NO_KPRT;
		p.why =
		    "macvio_kprintf ignored: kprintf reaches PE_kputc only with boot-arg debug=0x8 (DB_KPRT)";
	} else {
		p.route = MACVIO_KPUTC_HOOK;
		p.why = "kernel printf goes to the console port (PE_kputc), emergency write when the port "
			"cannot take it";
	}
	return p;
}

void macvio_kline_flush(struct macvio_kline *k)
{
	uint32_t n = k->len, took = 0;

	if (n > MACVIO_KLINE_MAX)
		n = MACVIO_KLINE_MAX;
	k->len = 0;
	if (!n)
		return;
	if (k->queue)
		took = k->queue(k->ctx, k->buf, n);
	if (took > n)
		took = n;
	k->queued += took;
	if (took < n && k->emerg) {
		k->emerg(k->ctx, k->buf + took, n - took);
		k->emergency += n - took;
	}
}

void macvio_kline_putc(struct macvio_kline *k, char c)
{
	uint32_t i = k->len;

	if (i >= MACVIO_KLINE_MAX) { /* a racing caller filled it: send first */
		macvio_kline_flush(k);
		i = 0;
	}
	k->buf[i] = c;
	k->len = i + 1;
	if (c == '\n' || i + 1 == MACVIO_KLINE_MAX)
		macvio_kline_flush(k);
}
