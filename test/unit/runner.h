/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * runner.h - a tiny test runner. TEST(name) { ... } registers a test; the
 * ASSERT macros report file:line and end the test. Each test runs in its own
 * child process (VIO_TEST_NOFORK=1 to debug in-process), so a crash or a
 * sanitizer abort fails that test only. The last line printed is exactly
 * "N passed, M failed"; the exit status is 1 if any failed.
 */
#ifndef RUNNER_H
#define RUNNER_H

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(void);
void runner_register(const char *name, test_fn fn);
void runner_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#define TEST(name)                                                                                           \
	static void test_##name(void);                                                                       \
	__attribute__((constructor)) static void reg_##name(void)                                            \
	{                                                                                                    \
		runner_register(#name, test_##name);                                                         \
	}                                                                                                    \
	static void test_##name(void)

#define ASSERT(c)                                                                                            \
	do {                                                                                                 \
		if (!(c))                                                                                    \
			runner_fail(__FILE__, __LINE__, "ASSERT(%s)", #c);                                   \
	} while (0)
#define ASSERT_MSG(c, ...)                                                                                   \
	do {                                                                                                 \
		if (!(c))                                                                                    \
			runner_fail(__FILE__, __LINE__, __VA_ARGS__);                                        \
	} while (0)
#define ASSERT_EQ(a, b)                                                                                      \
	do {                                                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);                                          \
		if (a_ != b_)                                                                                \
			runner_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);           \
	} while (0)
#define ASSERT_NE(a, b)                                                                                      \
	do {                                                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);                                          \
		if (a_ == b_)                                                                                \
			runner_fail(__FILE__, __LINE__, "%s != %s: both %lld", #a, #b, a_);                  \
	} while (0)
#define ASSERT_MEM(a, b, n)                                                                                  \
	do {                                                                                                 \
		if (memcmp((a), (b), (n)) != 0)                                                              \
			runner_fail(__FILE__, __LINE__, "memory %s != %s (%zu bytes)", #a, #b, (size_t)(n)); \
	} while (0)

#endif
