// SPDX-License-Identifier: BSD-2-Clause
/*
 * rr.c - TCP request/response transactions per second over one connection
 * (what netperf's TCP_RR measures; Debian does not ship netperf).
 *
 *   rr -s ADDR PORT                 server: echo every byte back, one client
 *                                   at a time, until killed
 *   rr -c ADDR PORT LEN SECS [BIND] client: send LEN bytes, wait for the
 *                                   LEN bytes back, repeat for SECS seconds
 *
 * The client prints one line: "rr len=LEN transactions=N seconds=S tps=T
 * p50_us=A p99_us=B". TCP_NODELAY on both ends: every request and every
 * response is a packet of its own, so the number is the round trip through
 * both drivers, the stacks and the device, not the stack's coalescing.
 * Built statically by bench/measure.sh and carried into the guest.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RR_MAX_LEN 65536
#define RR_HIST_US 100000 /* latency histogram: 1 us buckets up to 100 ms */

static double rr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rr_addr(const char *ip, const char *port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)atoi(port));
	if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1) {
		fprintf(stderr, "rr: bad IPv4 address %s\n", ip);
		return -1;
	}
	return 0;
}

static int rr_nodelay(int fd)
{
	int one = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Read or write exactly len bytes; -1 on error or EOF. */
static int rr_full(int fd, char *buf, size_t len, int wr)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = wr ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static int rr_server(const char *ip, const char *port)
{
	struct sockaddr_in sa;
	static char buf[RR_MAX_LEN];
	int one = 1, ls, fd;

	if (rr_addr(ip, port, &sa))
		return 2;
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 4)) {
		perror("rr: listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		fd = accept(ls, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("rr: accept");
			return 1;
		}
		rr_nodelay(fd);
		for (;;) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || rr_full(fd, buf, (size_t)n, 1))
				break;
		}
		close(fd);
	}
}

static unsigned rr_pct(const unsigned *hist, unsigned long n, double p)
{
	unsigned long want = (unsigned long)((double)n * p), seen = 0;

	for (unsigned us = 0; us < RR_HIST_US; us++) {
		seen += hist[us];
		if (seen > want)
			return us;
	}
	return RR_HIST_US;
}

static int rr_client(const char *ip, const char *port, size_t len, double secs, const char *bind_ip)
{
	static char buf[RR_MAX_LEN];
	static unsigned hist[RR_HIST_US + 1];
	struct sockaddr_in sa, ba;
	unsigned long n = 0;
	double t0, t1, end, a, b;
	int fd, tries;

	if (len < 1 || len > RR_MAX_LEN || secs <= 0 || rr_addr(ip, port, &sa))
		return 2;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("rr: socket");
		return 1;
	}
	if (bind_ip) {
		if (rr_addr(bind_ip, "0", &ba) || bind(fd, (struct sockaddr *)&ba, sizeof(ba))) {
			perror("rr: bind");
			return 1;
		}
	}
	for (tries = 0; connect(fd, (struct sockaddr *)&sa, sizeof(sa)); tries++) {
		if (tries == 50) {
			perror("rr: connect");
			return 1;
		}
		usleep(100000);
	}
	rr_nodelay(fd);
	memset(buf, 'r', len);
	t0 = rr_now();
	end = t0 + secs;
	do {
		a = rr_now();
		if (rr_full(fd, buf, len, 1) || rr_full(fd, buf, len, 0)) {
			perror("rr: transfer");
			return 1;
		}
		b = rr_now();
		unsigned us = (unsigned)((b - a) * 1e6);
		hist[us < RR_HIST_US ? us : RR_HIST_US]++;
		n++;
	} while (b < end);
	t1 = b;
	close(fd);
	printf("rr len=%zu transactions=%lu seconds=%.3f tps=%.1f p50_us=%u p99_us=%u\n", len, n, t1 - t0,
	       (double)n / (t1 - t0), rr_pct(hist, n, 0.5), rr_pct(hist, n, 0.99));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "-s"))
		return rr_server(argv[2], argv[3]);
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "-c"))
		return rr_client(argv[2], argv[3], (size_t)atol(argv[4]), atof(argv[5]), argc == 7 ? argv[6] : NULL);
	fprintf(stderr, "usage: rr -s ADDR PORT | rr -c ADDR PORT LEN SECS [BIND_ADDR]\n");
	return 2;
}
