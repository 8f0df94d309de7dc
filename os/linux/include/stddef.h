/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stddef.h shim: the kernel's own definitions of size_t, ptrdiff_t, NULL and
 * offsetof, so core and front-end objects agree on every type.
 */
#ifndef MACVIO_SHIM_STDDEF_H
#define MACVIO_SHIM_STDDEF_H

#include <linux/types.h>
#include <linux/stddef.h>

#endif /* MACVIO_SHIM_STDDEF_H */
