# macvio - top-level build and test entry points (see README.md).
#
#   make            build the freestanding core (gcc; clang too when present)
#   make unit       unit tests: the core against the spec device model (ASan/UBSan)
#   make check      everything CI runs: core build + freestanding check + unit
#                   + Info.plist test + QEMU end-to-end suite
#   make e2e        only the QEMU end-to-end suite (root)
#   make demo       boot a guest with macvio on QEMU's virtio-net and move data
#   make bench      macvio vs Linux virtio_net vs e1000, side by side
#   make module     build os/linux/macvio.ko against the test kernel's headers
#   make darwin-check   compile-check os/darwin against Apple's headers
#   make fuzz       libFuzzer: every hostile-device target (fuzz/), one line each
#   make fuzz-long  10^7 executions per target
#   make format / format-check

CC ?= gcc
CLANG ?= $(shell command -v clang 2>/dev/null)
BUILD := build
CORE_SRC := $(wildcard core/*.c)
WARN := -Wall -Wextra -Werror
# Freestanding for real: no system include dirs, only the compiler's own
# (stdint.h, stddef.h, stdbool.h live there).
CORE_CFLAGS = -std=c11 -ffreestanding -nostdinc -isystem $(shell $(1) -print-file-name=include) \
	$(WARN) -O2 -Icore

.PHONY: all core check-freestanding unit plist e2e demo bench module darwin-check check fuzz fuzz-long \
	format format-check clean

all: core

core: check-freestanding $(CORE_SRC:core/%.c=$(BUILD)/gcc/%.o) \
	$(if $(CLANG),$(CORE_SRC:core/%.c=$(BUILD)/clang/%.o))

$(BUILD)/gcc/%.o: core/%.c core/*.h | $(BUILD)/gcc
	$(CC) $(call CORE_CFLAGS,$(CC)) -c $< -o $@

$(BUILD)/clang/%.o: core/%.c core/*.h | $(BUILD)/clang
	$(CLANG) $(call CORE_CFLAGS,$(CLANG)) -c $< -o $@

$(BUILD)/gcc $(BUILD)/clang:
	mkdir -p $@

check-freestanding:
	@sh scripts/check-freestanding.sh core

unit: core
	@$(MAKE) -s --no-print-directory -C test/unit run

plist:
	sh test/plist/check.sh

module:
	sh test/vm/build-module.sh

e2e:
	bash test/vm/run-all.sh

demo:
	bash test/vm/demo.sh

bench:
	bash bench/run.sh

# coverage-guided fuzzing of the device-facing paths: every target
# FUZZ_SECONDS (default 120), one line each; fuzz-long: 10^7 runs each
fuzz:
	$(MAKE) -s -C fuzz libfuzzer

fuzz-long:
	$(MAKE) -s -C fuzz long

darwin-check:
	sh os/darwin/check.sh

# Every suite, cheapest first, one total at the end (scripts/check.sh).
check:
	@bash scripts/check.sh

FORMAT_SRC = $(filter-out %.mod.c,$(wildcard core/*.[ch] os/linux/*.[ch] os/linux/include/*.h test/unit/*.[ch] \
	test/unit/model/*.[ch] fuzz/*.c os/darwin/*.cpp os/darwin/*.h os/darwin/*.c))

format:
	clang-format -i $(FORMAT_SRC)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC) && echo "format: ok ($(words $(FORMAT_SRC)) files)"

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C test/unit clean
