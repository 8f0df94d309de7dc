/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_kputc.c - kernel printf to a console port (os/darwin/macvio_kputc.c):
 * the decision against xnu's facts per release, and the line assembly the
 * PE_kputc hook does when the port's queue can or cannot take a line.
 */
#include <string.h>

#include "macvio_kputc.h"
#include "runner.h"

TEST(kputc_plan_table)
{
	static const struct {
		const char *source;
		struct macvio_kputc_facts f;
		enum macvio_kputc_route route;
	} t[] = {
	    {"no boot-arg: nothing changes", {false, false, true, 0x8}, MACVIO_KPUTC_OFF},
	    {"x86_64 xnu-2422 .. -11417 pe_kprintf.c: writable, debug=0x8",
	     {false, true, true, 0x8},
	     MACVIO_KPUTC_HOOK},
	    {"x86_64, debug=0x144 (no DB_KPRT): PE_init_kprintf leaves disable_serial_output",
	     {false, true, true, 0x144},
	     MACVIO_KPUTC_NO_KPRT},
	    {"x86_64, no debug boot-arg: RELEASE kernels print nothing through PE_kputc",
	     {false, true, false, 0},
	     MACVIO_KPUTC_NO_KPRT},
	    {"x86_64, debug=0x14e: DB_KPRT among others", {false, true, true, 0x14e}, MACVIO_KPUTC_HOOK},
	    {"arm64 xnu-7195 .. pexpert/arm/pe_kprintf.c: SECURITY_READ_ONLY_LATE",
	     {true, true, true, 0x8},
	     MACVIO_KPUTC_READONLY},
	};

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct macvio_kputc_plan p = macvio_kputc_plan(&t[i].f);

		ASSERT_MSG(p.route == t[i].route, "%s: route %d, want %d", t[i].source, p.route, t[i].route);
		ASSERT(p.why && p.why[0]);
	}
}

struct sink {
	char q[1024], e[1024];
	uint32_t qn, en, calls;
	uint32_t q_room; /* what the queue takes per call */
};

static uint32_t sink_queue(void *ctx, const char *s, uint32_t n)
{
	struct sink *k = ctx;
	uint32_t took = n < k->q_room ? n : k->q_room;

	k->calls++;
	memcpy(k->q + k->qn, s, took);
	k->qn += took;
	return took;
}

static void sink_emerg(void *ctx, const char *s, uint32_t n)
{
	struct sink *k = ctx;

	memcpy(k->e + k->en, s, n);
	k->en += n;
}

static void put(struct macvio_kline *l, const char *s)
{
	while (*s)
		macvio_kline_putc(l, *s++);
}

TEST(kputc_lines_to_the_queue)
{
	struct sink s = {.q_room = 4096};
	struct macvio_kline l = {.queue = sink_queue, .emerg = sink_emerg, .ctx = &s};

	put(&l, "hello\nworld");
	ASSERT_EQ(s.calls, 1); /* one buffer per line */
	ASSERT_EQ(s.qn, 6);
	ASSERT_MEM(s.q, "hello\n", 6);
	macvio_kline_flush(&l); /* unload: the rest goes too */
	ASSERT_EQ(s.qn, 11);
	ASSERT_EQ(s.en, 0);
	ASSERT_EQ(l.queued, 11);
	macvio_kline_flush(&l); /* nothing left: no empty buffer */
	ASSERT_EQ(s.calls, 2);
}

TEST(kputc_long_line_splits)
{
	struct sink s = {.q_room = 4096};
	struct macvio_kline l = {.queue = sink_queue, .emerg = sink_emerg, .ctx = &s};

	for (int i = 0; i < 300; i++)
		macvio_kline_putc(&l, 'a');
	ASSERT_EQ(s.qn, 2 * MACVIO_KLINE_MAX);
	ASSERT_EQ(l.len, 300 - 2 * MACVIO_KLINE_MAX);
}

/* the queue cannot (lock held by the panicking CPU, ring stuck, port not
 * up): the line goes by emergency write; a partial take sends the rest */
TEST(kputc_falls_back_to_emergency)
{
	struct sink s = {.q_room = 0};
	struct macvio_kline l = {.queue = sink_queue, .emerg = sink_emerg, .ctx = &s};

	put(&l, "panic(cpu 0): stuck\n");
	ASSERT_EQ(s.qn, 0);
	ASSERT_EQ(s.en, 20);
	ASSERT_MEM(s.e, "panic(cpu 0): stuck\n", 20);
	s.q_room = 4;
	put(&l, "abcdefgh\n");
	ASSERT_MEM(s.q, "abcd", 4);
	ASSERT_MEM(s.e + 20, "efgh\n", 5);
	ASSERT_EQ(l.queued, 4);
	ASSERT_EQ(l.emergency, 25);
	/* no queue at all (before the port is up) */
	struct macvio_kline early = {.emerg = sink_emerg, .ctx = &s};
	put(&early, "x\n");
	ASSERT_EQ(s.en, 27);
}

/* a racing caller (the panic path calls PE_kputc without kprintf's lock)
 * may leave len at the end: the next character flushes first */
TEST(kputc_len_never_overruns)
{
	struct sink s = {.q_room = 4096};
	struct macvio_kline l = {.queue = sink_queue, .emerg = sink_emerg, .ctx = &s};

	l.len = MACVIO_KLINE_MAX + 40; /* what a torn update could leave */
	macvio_kline_putc(&l, 'z');
	ASSERT_EQ(s.qn, MACVIO_KLINE_MAX);
	ASSERT_EQ(l.len, 1);
	ASSERT_EQ(l.buf[0], 'z');
}
