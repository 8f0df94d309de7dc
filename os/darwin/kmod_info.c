/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kmod_info.c - the kext's identity record, as Xcode would generate it.
 *
 * kextd / kmutil read kmod_info (name and version must equal the Info.plist's
 * CFBundleIdentifier and CFBundleVersion: the Makefile passes both). _start
 * and _stop come from libkmod; for an IOKit kext _realmain/_antimain stay
 * NULL and libkmodc++ runs the C++ constructors.
 */
#include <mach/mach_types.h>
#include <mach/kmod.h>

#ifndef MACVIO_BUNDLE_ID
#define MACVIO_BUNDLE_ID "org.macvio.driver"
#endif
#ifndef MACVIO_VERSION
#define MACVIO_VERSION "0.1.0"
#endif

extern kern_return_t _start(kmod_info_t *ki, void *data);
extern kern_return_t _stop(kmod_info_t *ki, void *data);

__attribute__((visibility("default"))) kmod_info_t kmod_info = {
    0, KMOD_INFO_VERSION, -1U, {MACVIO_BUNDLE_ID}, {MACVIO_VERSION}, -1, 0, 0, 0, 0, _start, _stop};

__private_extern__ kmod_start_func_t *_realmain = 0;
__private_extern__ kmod_stop_func_t *_antimain = 0;
__private_extern__ int _kext_apple_cc = __APPLE_CC__;
