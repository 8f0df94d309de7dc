// SPDX-License-Identifier: BSD-2-Clause
/*
 * rxhash.c - guest-side check that a NIC's receive hash reaches the stack.
 *
 *   rxhash IFNAME PORT COUNT SECS HASH...
 *
 * Counts IPv4 UDP packets to PORT arriving on IFNAME until COUNT were seen
 * or SECS passed, and prints "match M other O": M carried one of the
 * expected HASH values (hex) in skb->hash, O did not. skb->hash is what
 * the driver set with skb_set_hash (none: 0); a classic BPF filter reads it
 * (SKF_AD_RXHASH, net/core/filter.c: a plain load of skb->hash, no
 * recomputation) and tells the two apart by how much of the packet it
 * keeps. Built static by the scenario (test/vm/scenarios/mq.sh) and shipped
 * in the guest's initramfs: the guest has no compiler.
 */
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HASHES 16
#define KEEP_OTHER 50	  /* bytes kept of a packet without an expected hash */
#define KEEP_MATCH 0xffff /* the whole packet */

/* jump offset from instruction `at` to `to` (relative to the next one) */
static unsigned char rel(int at, int to)
{
	return (unsigned char)(to - at - 1);
}

/* IPv4, not a fragment, UDP, destination port `port`; then the hash. */
static int build(struct sock_filter *p, unsigned port, const unsigned *h, int nh)
{
	int n = 0, other = 10 + nh, match = other + 1, drop = match + 1;

	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12);
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, rel(1, drop));
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23);
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, rel(3, drop));
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20);
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, rel(5, drop), 0);
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14);
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16);
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, rel(8, drop));
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_RXHASH);
	for (int i = 0; i < nh; i++, n++)
		p[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, h[i], rel(n, match), 0);
	p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, KEEP_OTHER);
	p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, KEEP_MATCH);
	p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sock_filter prog[16 + MAX_HASHES];
	unsigned hashes[MAX_HASHES];
	struct sockaddr_ll sll;
	struct sock_fprog fp;
	int fd, nh = argc - 5, count, match = 0, other = 0;
	double end;
	char buf[2048];

	if (argc < 6 || nh > MAX_HASHES) {
		fprintf(stderr, "usage: rxhash IFNAME PORT COUNT SECS HASH... (at most %d)\n", MAX_HASHES);
		return 2;
	}
	for (int i = 0; i < nh; i++)
		hashes[i] = (unsigned)strtoul(argv[5 + i], NULL, 16);
	fp.len = (unsigned short)build(prog, (unsigned)atoi(argv[2]), hashes, nh);
	fp.filter = prog;
	count = atoi(argv[3]);
	end = now() + atof(argv[4]);
	/* protocol 0 receives nothing until bound: the filter is in place first */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp))) {
		perror("rxhash: socket/filter");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("rxhash: bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (match + other < count) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int left = (int)((end - now()) * 1000);
		ssize_t r;

		if (left <= 0 || poll(&pf, 1, left) <= 0)
			break;
		r = recv(fd, buf, sizeof(buf), 0);
		if (r > KEEP_OTHER)
			match++;
		else if (r > 0)
			other++;
	}
	printf("match %d other %d\n", match, other);
	return 0;
}
