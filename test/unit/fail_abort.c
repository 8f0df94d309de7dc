/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fail_abort.c - runner_fail() for programs that link fixture.c without the
 * test runner (fuzz/, prof_dp.c): print where, then abort, so a fuzzer keeps
 * the input and a profile run cannot silently continue on a broken state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "runner.h"

void runner_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
