/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_match.c - do the kext's Info.plist PCI personalities claim exactly the
 * PCI functions the code accepts?
 *
 * The code side: core/vio_pci.c's vio_pci_id_match() for every type listed
 * in MACVIO_DRIVEN_TYPES (os/darwin/macvio_pci.h; check.sh passes it as
 * -DDRIVEN=...), which is what MacvioPCI::probe() asks.
 * The plist side: IOPCIFamily's matching rules (IOPCIBridge::pciMatchNub),
 * re-implemented: every key present must match; a key is a space-separated
 * list of "0xVALUE[&0xMASK]" compared with a config-space dword:
 *   IOPCIPrimaryMatch   dword 0x00  (device << 16 | vendor)
 *   IOPCISecondaryMatch dword 0x2c  (subsystem << 16 | subsystem vendor)
 *   IOPCIMatch          dword 0x00, else dword 0x2c
 * IOPCIClassMatch is refused: the class code of a virtio device is not part
 * of what the code checks, so a class key could never be proven equal.
 *
 * Input (stdin), one provider personality per line, fields tab-separated,
 * "-" for an absent key:  name  IOPCIMatch  IOPCIPrimaryMatch
 * IOPCISecondaryMatch  IOPCIClassMatch
 * Both sides are evaluated over vendors {0x1af4, 0x8086},
 * every device id, subsystem ids 0x0000-0x0100 and 0xfff0-0xffff, and
 * subsystem vendors {0x1af4, 0x1234}. Prints the driven type numbers, then
 * every disagreement (first 8), and exits 1 on any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vio_pci.h"
#include "virtio_spec.h"

#ifndef DRIVEN
#error "compile with -DDRIVEN='{ VIO_ID_NET, ... }' taken from MACVIO_DRIVEN_TYPES"
#endif

#define MAX_PERS 32
#define MAX_KEYS 32

struct key {
	int n; /* -1: key absent */
	unsigned long val[MAX_KEYS], mask[MAX_KEYS];
};

struct pers {
	char name[128];
	struct key any, primary, secondary;
};

static int parse_key(const char *s, struct key *k)
{
	char *end;

	k->n = -1;
	if (!strcmp(s, "-"))
		return 0;
	k->n = 0;
	for (;;) {
		unsigned long v = strtoul(s, &end, 16), m = 0xffffffffUL;

		if (end == s)
			break;
		while (*end == ' ')
			end++;
		if (*end == '&')
			m = strtoul(end + 1, &end, 16);
		if (k->n == MAX_KEYS)
			return -1;
		k->val[k->n] = v;
		k->mask[k->n] = m;
		k->n++;
		s = end;
	}
	return k->n > 0 ? 0 : -1;
}

static int key_match(const struct key *k, unsigned long reg)
{
	int i;

	for (i = 0; i < k->n; i++)
		if ((k->val[i] & k->mask[i]) == (reg & k->mask[i]))
			return 1;
	return 0;
}

static int pers_match(const struct pers *p, unsigned long d00, unsigned long d2c)
{
	if (p->any.n >= 0 && !key_match(&p->any, d00) && !key_match(&p->any, d2c))
		return 0;
	if (p->primary.n >= 0 && !key_match(&p->primary, d00))
		return 0;
	if (p->secondary.n >= 0 && !key_match(&p->secondary, d2c))
		return 0;
	return 1;
}

int main(void)
{
	static const uint32_t driven[] = DRIVEN;
	static const unsigned vendors[] = {0x1af4, 0x8086};
	static const unsigned subvendors[] = {0x1af4, 0x1234};
	struct pers pers[MAX_PERS];
	char line[4096];
	int np = 0, bad = 0;
	unsigned long checked = 0;
	unsigned v, d, s, sv, i;

	while (fgets(line, sizeof(line), stdin)) {
		char *f[5], *save = NULL;
		int nf = 0;

		line[strcspn(line, "\r\n")] = 0;
		if (!line[0])
			continue;
		for (char *t = strtok_r(line, "\t", &save); t && nf < 5; t = strtok_r(NULL, "\t", &save))
			f[nf++] = t;
		if (nf != 5 || np == MAX_PERS) {
			printf("bad input line for personality %d\n", np);
			return 2;
		}
		snprintf(pers[np].name, sizeof(pers[np].name), "%s", f[0]);
		if (strcmp(f[4], "-")) {
			printf("%s: IOPCIClassMatch cannot be proven against the code; remove it\n", f[0]);
			return 1;
		}
		if (parse_key(f[1], &pers[np].any) || parse_key(f[2], &pers[np].primary) ||
		    parse_key(f[3], &pers[np].secondary)) {
			printf("%s: a PCI match value does not parse\n", f[0]);
			return 1;
		}
		if (pers[np].any.n < 0 && pers[np].primary.n < 0 && pers[np].secondary.n < 0) {
			printf("%s: no PCI match key: it would match every PCI device\n", f[0]);
			return 1;
		}
		np++;
	}
	printf("driven types:");
	for (i = 0; i < sizeof(driven) / sizeof(driven[0]); i++)
		printf(" %u", (unsigned)driven[i]);
	printf("\n");

	for (v = 0; v < sizeof(vendors) / sizeof(vendors[0]); v++)
		for (d = 0; d <= 0xffff; d++)
			for (s = 0; s <= 0xffff; s = (s == 0x100 ? 0xfff0 : s + 1)) {
				int code = 0;

				for (i = 0; i < sizeof(driven) / sizeof(driven[0]); i++)
					code |= vio_pci_id_match((uint16_t)vendors[v], (uint16_t)d, (uint16_t)s, driven[i]);
				for (sv = 0; sv < sizeof(subvendors) / sizeof(subvendors[0]); sv++) {
					unsigned long d00 = (unsigned long)d << 16 | vendors[v];
					unsigned long d2c = (unsigned long)s << 16 | subvendors[sv];
					int plist = 0, k;

					for (k = 0; k < np && !plist; k++)
						plist = pers_match(&pers[k], d00, d2c);
					checked++;
					if (plist != code && bad++ < 8)
						printf("  %04x:%04x subsystem %04x:%04x: code %s, Info.plist %s\n", vendors[v], d,
						       sv == 0 ? 0x1af4 : 0x1234, s, code ? "accepts" : "rejects",
						       plist ? "matches" : "does not match");
				}
				if (s == 0xffff)
					break;
			}
	printf("%lu id combinations, %d disagreements\n", checked, bad);
	return bad ? 1 : 0;
}
