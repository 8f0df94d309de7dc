/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stdint.h shim for building the freestanding core inside the Linux kernel.
 *
 * The kernel builds with -nostdinc, so the core's <stdint.h> lands here. We
 * must not use gcc's own stdint.h: it types uint64_t as unsigned long on
 * x86_64 while the kernel's <linux/types.h> says unsigned long long, and the
 * two would clash the moment a front-end file sees both.
 */
#ifndef MACVIO_SHIM_STDINT_H
#define MACVIO_SHIM_STDINT_H

#include <linux/types.h>
#include <linux/limits.h>

#ifndef INT8_MAX
#define INT8_MAX   S8_MAX
#define INT8_MIN   S8_MIN
#define UINT8_MAX  U8_MAX
#define INT16_MAX  S16_MAX
#define INT16_MIN  S16_MIN
#define UINT16_MAX U16_MAX
#define INT32_MAX  S32_MAX
#define INT32_MIN  S32_MIN
#define UINT32_MAX U32_MAX
#define INT64_MAX  S64_MAX
#define INT64_MIN  S64_MIN
#define UINT64_MAX U64_MAX
#endif

#ifndef UINTPTR_MAX
#define UINTPTR_MAX ULONG_MAX
#endif

typedef long intptr_t;

#define UINT8_C(x)  ((uint8_t)(x))
#define UINT16_C(x) ((uint16_t)(x))
#define UINT32_C(x) (x##U)
#define UINT64_C(x) (x##ULL)
#define INT64_C(x)  (x##LL)

#endif /* MACVIO_SHIM_STDINT_H */
