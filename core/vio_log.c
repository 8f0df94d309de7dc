// SPDX-License-Identifier: BSD-2-Clause
/*
 * vio_log.c - the core's own printf subset, logging and libc stand-ins.
 *
 * The core runs inside two kernels and a test harness with no common libc,
 * so it formats log lines itself: %d %i %u %x %X %p %s %c %% with the
 * length modifiers hh h l ll z, the '0' and '-' flags and a field width.
 * Anything else is copied to the output verbatim so a bad format string
 * shows up in the log instead of reading a wrong argument.
 */
#include "vio_log.h"

/* Output cursor: writes while there is room, always counts. */
struct vio_fmt_out {
	char *buf;
	size_t size;
	size_t len;
};

struct vio_fmt_spec {
	bool zero;
	bool left;
	unsigned width;
	int lmod; /* -2 hh, -1 h, 0 none, 1 l, 2 ll, 3 z */
};

static void vio_fmt_putc(struct vio_fmt_out *o, char c)
{
	if (o->size && o->len < o->size - 1)
		o->buf[o->len] = c;
	o->len++;
}

static void vio_fmt_pad(struct vio_fmt_out *o, char c, unsigned n)
{
	while (n--)
		vio_fmt_putc(o, c);
}

/* Emit `s` of length n inside the field width of `sp`. */
static void vio_fmt_field(struct vio_fmt_out *o, const struct vio_fmt_spec *sp, const char *s, unsigned n,
			  bool numeric_neg)
{
	unsigned pad = sp->width > n ? sp->width - n : 0;

	if (sp->left) {
		while (n--)
			vio_fmt_putc(o, *s++);
		vio_fmt_pad(o, ' ', pad);
		return;
	}
	if (sp->zero && numeric_neg) {
		/* the sign goes before the zeros: "-0042" */
		vio_fmt_putc(o, *s++);
		n--;
	}
	vio_fmt_pad(o, sp->zero ? '0' : ' ', pad);
	while (n--)
		vio_fmt_putc(o, *s++);
}

static void vio_fmt_num(struct vio_fmt_out *o, const struct vio_fmt_spec *sp, unsigned long long v, bool neg,
			unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24]; /* 2^64 is 20 decimal digits, plus sign */
	unsigned i = sizeof(tmp);

	do {
		tmp[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[--i] = '-';
	vio_fmt_field(o, sp, &tmp[i], (unsigned)(sizeof(tmp) - i), neg);
}

static void vio_fmt_str(struct vio_fmt_out *o, const struct vio_fmt_spec *sp, const char *s)
{
	struct vio_fmt_spec plain = *sp;
	unsigned n = 0;

	if (!s)
		s = "(null)";
	while (s[n])
		n++;
	plain.zero = false;
	vio_fmt_field(o, &plain, s, n, false);
}

/* Parse flags, width and length modifier; returns the conversion char. */
static const char *vio_fmt_parse(const char *p, struct vio_fmt_spec *sp)
{
	sp->zero = false;
	sp->left = false;
	sp->width = 0;
	sp->lmod = 0;
	for (;; p++) {
		if (*p == '0')
			sp->zero = true;
		else if (*p == '-')
			sp->left = true;
		else
			break;
	}
	while (*p >= '0' && *p <= '9') {
		if (sp->width < 1000) /* a silly width cannot run away */
			sp->width = sp->width * 10 + (unsigned)(*p - '0');
		p++;
	}
	if (*p == 'h') {
		sp->lmod = -1;
		if (*++p == 'h') {
			sp->lmod = -2;
			p++;
		}
	} else if (*p == 'l') {
		sp->lmod = 1;
		if (*++p == 'l') {
			sp->lmod = 2;
			p++;
		}
	} else if (*p == 'z') {
		sp->lmod = 3;
		p++;
	}
	return p;
}

#define VIO_FMT_SIGNED(ap, lmod)                                                                             \
	((lmod) == 1   ? (long long)__builtin_va_arg(ap, long)                                               \
	 : (lmod) == 2 ? __builtin_va_arg(ap, long long)                                                     \
	 : (lmod) == 3 ? (long long)__builtin_va_arg(ap, ptrdiff_t)                                          \
		       : (long long)__builtin_va_arg(ap, int))

#define VIO_FMT_UNSIGNED(ap, lmod)                                                                           \
	((lmod) == 1   ? (unsigned long long)__builtin_va_arg(ap, unsigned long)                             \
	 : (lmod) == 2 ? __builtin_va_arg(ap, unsigned long long)                                            \
	 : (lmod) == 3 ? (unsigned long long)__builtin_va_arg(ap, size_t)                                    \
		       : (unsigned long long)__builtin_va_arg(ap, unsigned int))

/* hh and h arguments arrive promoted to int; narrow them as printf does. */
static long long vio_fmt_narrow_s(long long v, int lmod)
{
	if (lmod == -2)
		return (signed char)v;
	if (lmod == -1)
		return (short)v;
	return v;
}

static unsigned long long vio_fmt_narrow_u(unsigned long long v, int lmod)
{
	if (lmod == -2)
		return (unsigned char)v;
	if (lmod == -1)
		return (unsigned short)v;
	return v;
}

int vio_vsnprintf(char *buf, size_t size, const char *fmt, __builtin_va_list ap)
{
	struct vio_fmt_out o = {.buf = buf, .size = buf ? size : 0, .len = 0};
	struct vio_fmt_spec sp;
	const char *p = fmt ? fmt : "(null fmt)";
	const char *start;
	long long s;
	unsigned long long u;

	while (*p) {
		if (*p != '%') {
			vio_fmt_putc(&o, *p++);
			continue;
		}
		start = p++;
		p = vio_fmt_parse(p, &sp);
		switch (*p) {
		case 'd':
		case 'i':
			s = vio_fmt_narrow_s(VIO_FMT_SIGNED(ap, sp.lmod), sp.lmod);
			/* negate in unsigned arithmetic: LLONG_MIN has no positive twin */
			u = s < 0 ? 0ULL - (unsigned long long)s : (unsigned long long)s;
			vio_fmt_num(&o, &sp, u, s < 0, 10, false);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = vio_fmt_narrow_u(VIO_FMT_UNSIGNED(ap, sp.lmod), sp.lmod);
			vio_fmt_num(&o, &sp, u, false, *p == 'u' ? 10 : 16, *p == 'X');
			break;
		case 'p':
			vio_fmt_putc(&o, '0');
			vio_fmt_putc(&o, 'x');
			vio_fmt_num(&o, &sp, (uintptr_t) __builtin_va_arg(ap, void *), false, 16, false);
			break;
		case 's':
			vio_fmt_str(&o, &sp, __builtin_va_arg(ap, const char *));
			break;
		case 'c':
			vio_fmt_putc(&o, (char)__builtin_va_arg(ap, int));
			break;
		case '%':
			vio_fmt_putc(&o, '%');
			break;
		default:
			/* unknown conversion (or end of string): copy it verbatim */
			while (start < p)
				vio_fmt_putc(&o, *start++);
			if (!*p)
				continue;
			vio_fmt_putc(&o, *p);
			break;
		}
		p++;
	}
	if (o.size)
		o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
	return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}

int vio_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	__builtin_va_list ap;
	int n;

	__builtin_va_start(ap, fmt);
	n = vio_vsnprintf(buf, size, fmt, ap);
	__builtin_va_end(ap);
	return n;
}

/* The front-end's log callback adds its own prefix ("macvio0: ") and
 * newline; the core only supplies the message. */
void vio_log(const struct vio_os *os, enum vio_log_level level, const char *fmt, ...)
{
	char line[VIO_LOG_LINE];
	__builtin_va_list ap;

	if (!os || !os->log)
		return;
	__builtin_va_start(ap, fmt);
	vio_vsnprintf(line, sizeof(line), fmt, ap);
	__builtin_va_end(ap);
	os->log(os->ctx, level, line);
}

const char *vio_strerror(int err)
{
	switch (err) {
	case VIO_OK:
		return "success";
	case VIO_EINVAL:
		return "invalid argument";
	case VIO_ENOMEM:
		return "out of memory";
	case VIO_ENODEV:
		return "not a usable virtio device";
	case VIO_EIO:
		return "device broke the virtio spec";
	case VIO_ENOTSUP:
		return "required feature not supported";
	case VIO_ENOSPC:
		return "ring full";
	case VIO_ETIMEDOUT:
		return "device did not answer in time";
	case VIO_EBROKEN:
		return "device or queue is broken";
	case VIO_EAGAIN:
		return "nothing to do now";
	default:
		return "unknown error";
	}
}

void vio_memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
}

/* Word stores for the bulk: attach zeroes rings, shadow tables and pools
 * (megabytes on large rings), where a byte loop cost most of an attach. */
typedef uint64_t __attribute__((may_alias)) vio_word;

void vio_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	vio_word w = 0x0101010101010101ull * (unsigned char)c;

	for (; n && ((uintptr_t)d & 7); n--)
		*d++ = (unsigned char)c;
	for (; n >= 8; n -= 8, d += 8)
		*(vio_word *)(void *)d = w;
	while (n--)
		*d++ = (unsigned char)c;
}
