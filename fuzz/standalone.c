/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * standalone.c - run the fuzz target without libFuzzer: on the files named
 * on the command line (a corpus or a crash to reproduce), or on N inputs
 * from a fixed-seed generator (FUZZ_RUNS, default 4000). Any invariant
 * violation aborts, so reaching the end means every input passed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

static int run_file(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t buf[4096];
	uint64_t seed = 0x6d616376696fULL;
	long runs = getenv("FUZZ_RUNS") ? atol(getenv("FUZZ_RUNS")) : 4000;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (run_file(argv[i]))
				return 1;
		printf("fuzz-replay: %d passed, 0 failed\n", argc - 1);
		return 0;
	}
	for (long r = 0; r < runs; r++) {
		size_t n = next(&seed) % sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)next(&seed);
		/* bias op bytes toward the interesting range now and then */
		if (r & 1)
			for (size_t i = 1; i < n; i += 7)
				buf[i] %= 12;
		LLVMFuzzerTestOneInput(buf, n);
	}
	/* one check, however many inputs: the total of make check counts tests */
	printf("fuzz-smoke: %ld inputs, every invariant held\n", runs);
	printf("fuzz-smoke: 1 passed, 0 failed\n");
	return 0;
}
