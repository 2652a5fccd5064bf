/* netmatch.c: CIDR lists and client addresses. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "netmatch.h"

typedef struct net {
	int family;             /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;
} net;

/* An address as 4 or 16 bytes; an IPv4-mapped IPv6 address as IPv4. */
static gboolean
parse_addr(const char *s, net *n)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char buf[64];
	size_t len;

	if (g_ascii_strncasecmp(s, "IPv6:", 5) == 0)
		s += 5;
	len = strlen(s);
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']')
		s++, len -= 2;
	if (len == 0 || len >= sizeof buf)
		return FALSE;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = AF_INET;
		return TRUE;
	}
	if (inet_pton(AF_INET6, buf, n->addr) != 1)
		return FALSE;
	n->family = AF_INET6;
	if (memcmp(n->addr, mapped, sizeof mapped) == 0) {
		memmove(n->addr, n->addr + 12, 4);
		n->family = AF_INET;
	}
	return TRUE;
}

/* One entry "ADDR" or "ADDR/BITS". */
static gboolean
parse_net(const char *s, net *n)
{
	const char *slash = strchr(s, '/');
	char *a = slash != NULL ? g_strndup(s, slash - s) : g_strdup(s);
	gboolean ok = parse_addr(a, n);
	int max;

	g_free(a);
	if (!ok)
		return FALSE;
	max = n->family == AF_INET ? 32 : 128;
	n->bits = max;
	if (slash != NULL) {
		char *end;
		long b = strtol(slash + 1, &end, 10);

		if (slash[1] == '\0' || *end != '\0' || b < 0 || b > max)
			return FALSE;
		n->bits = (int)b;
	}
	return TRUE;
}

static gboolean
net_has(const net *n, const net *a)
{
	int full = n->bits / 8, rest = n->bits % 8;

	if (n->family != a->family || memcmp(n->addr, a->addr, full) != 0)
		return FALSE;
	if (rest == 0)
		return TRUE;
	return ((n->addr[full] ^ a->addr[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

desk_status
netmatch_check(const char *nets, desk_err *err)
{
	char **items = g_strsplit_set(nets != NULL ? nets : "", ";,", -1);
	desk_status s = DESK_OK;

	for (char **i = items; *i != NULL && s == DESK_OK; i++) {
		net n;

		g_strstrip(*i);
		if (**i != '\0' && !parse_net(*i, &n))
			s = desk_fail(err, DESK_CONFIG, "milter.trusted_networks: not a network: %s", *i);
	}
	g_strfreev(items);
	return s;
}

gboolean
netmatch_contains(const char *nets, const char *addr)
{
	char **items;
	gboolean yes = FALSE;
	net a;

	if (nets == NULL || *nets == '\0' || addr == NULL || !parse_addr(addr, &a))
		return FALSE;
	items = g_strsplit_set(nets, ";,", -1);
	for (char **i = items; *i != NULL && !yes; i++) {
		net n;

		g_strstrip(*i);
		yes = **i != '\0' && parse_net(*i, &n) && net_has(&n, &a);
	}
	g_strfreev(items);
	return yes;
}
