/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stdbool.h shim: the kernel already has bool (<linux/types.h>) and
 * true/false (an enum in <linux/stddef.h>); defining them again as C99
 * macros would break kernel headers included after this one.
 */
#ifndef MACVIO_SHIM_STDBOOL_H
#define MACVIO_SHIM_STDBOOL_H

#include <linux/types.h>
#include <linux/stddef.h>

#define __bool_true_false_are_defined 1

#endif /* MACVIO_SHIM_STDBOOL_H */
