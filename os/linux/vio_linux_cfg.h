/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vio_linux_cfg.h - force-included (-include) into every object of
 * macvio.ko, core and front-end alike, before any core header.
 *
 * It hands the core Linux's virtio barriers (virt_mb & co: the SMP flavour
 * even on a UP kernel, because the device is another CPU), which is the
 * VIO_OS_HAVE_BARRIERS hook of core/vio_os.h.
 */
#ifndef MACVIO_LINUX_CFG_H
#define MACVIO_LINUX_CFG_H

#include <asm/barrier.h>

#define VIO_OS_HAVE_BARRIERS 1
#define vio_mb()	     virt_mb()
#define vio_rmb()	     virt_rmb()
#define vio_wmb()	     virt_wmb()

#endif /* MACVIO_LINUX_CFG_H */
