/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE
#include "runner.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct test {
	const char *name;
	test_fn fn;
};
static struct test tests[512];
static int ntests;

void runner_register(const char *name, test_fn fn)
{
	if (ntests < (int)(sizeof(tests) / sizeof(tests[0])))
		tests[ntests++] = (struct test){name, fn};
}

static jmp_buf fail_jmp;
static int in_process;

void runner_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fprintf(stdout, "\n");
	fflush(stdout);
	if (in_process)
		longjmp(fail_jmp, 1);
	_exit(1); /* child: skip leak checks of a test that already failed */
}

static int cmp(const void *a, const void *b)
{
	return strcmp(((const struct test *)a)->name, ((const struct test *)b)->name);
}

int main(int argc, char **argv)
{
	static int passed, failed;
	bool nofork = getenv("VIO_TEST_NOFORK") != NULL;
	static const char *failed_names[512];
	qsort(tests, (size_t)ntests, sizeof(tests[0]), cmp);
	for (int i = 0; i < ntests; i++) {
		bool want = argc < 2;
		for (int a = 1; a < argc; a++)
			if (strstr(tests[i].name, argv[a]))
				want = true;
		if (!want)
			continue;
		printf("[ RUN  ] %s\n", tests[i].name);
		fflush(stdout);
		volatile int ok;
		if (nofork) {
			in_process = 1;
			if (setjmp(fail_jmp) == 0) {
				tests[i].fn();
				ok = 1;
			} else {
				ok = 0;
			}
		} else {
			pid_t pid = fork();
			if (pid == 0) {
				alarm(120);
				tests[i].fn();
				fflush(stdout);
				exit(0); /* LeakSanitizer runs here */
			}
			int st = 0;
			waitpid(pid, &st, 0);
			ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
			if (!ok && WIFSIGNALED(st))
				printf("    killed by signal %d\n", WTERMSIG(st));
			else if (!ok && WEXITSTATUS(st) != 1)
				printf("    exit status %d (sanitizer or leak report above)\n",
				       WEXITSTATUS(st));
		}
		if (ok) {
			passed++;
			printf("[  OK  ] %s\n", tests[i].name);
		} else {
			failed_names[failed++] = tests[i].name;
			printf("[ FAIL ] %s\n", tests[i].name);
		}
		fflush(stdout);
	}
	if (failed) {
		printf("failed tests:\n");
		for (int i = 0; i < failed; i++)
			printf("  %s\n", failed_names[i]);
	}
	printf("%d passed, %d failed\n", passed, failed);
	fflush(stdout);
	return failed ? 1 : 0;
}
