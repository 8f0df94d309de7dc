/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vio_log.h - formatted logging for the freestanding core.
 *
 * The core has no libc, so it formats lines itself and hands the finished
 * line to vio_os.log. Supported conversions: %d %i %u %x %X %p %s %c %%, with
 * the length modifiers l, ll, z, h, hh, a '0' flag and a field width
 * (e.g. %02x, %08llx). Lines longer than VIO_LOG_LINE are truncated.
 */
#ifndef VIO_LOG_H
#define VIO_LOG_H

#include "vio_os.h"

#define VIO_LOG_LINE 192

/* Format into buf (always NUL-terminated when size > 0); returns the length
 * the full output would have had, like snprintf. */
int vio_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vio_vsnprintf(char *buf, size_t size, const char *fmt, __builtin_va_list ap);

/* Log one line through os->log, prefixed with `prefix` (e.g. "macvio0: "). */
void vio_log(const struct vio_os *os, enum vio_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define vio_err(os, ...)  vio_log((os), VIO_LOG_ERR, __VA_ARGS__)
#define vio_warn(os, ...) vio_log((os), VIO_LOG_WARN, __VA_ARGS__)
#define vio_info(os, ...) vio_log((os), VIO_LOG_INFO, __VA_ARGS__)
#define vio_dbg(os, ...)  vio_log((os), VIO_LOG_DEBUG, __VA_ARGS__)

/* Human-readable name of a VIO_E* code ("device broke the spec", ...). */
const char *vio_strerror(int err);

/* Small freestanding helpers the core uses instead of libc. */
void vio_memcpy(void *dst, const void *src, size_t n);
void vio_memset(void *dst, int c, size_t n);

#endif /* VIO_LOG_H */
