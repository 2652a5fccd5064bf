/* token.c: HMAC-SHA256 tokens for reply addresses, Message-IDs and seals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* HMAC of MSG as lower-case base32, LEN characters. */
static char *
mac32(GBytes *secret, const char *msg, size_t len)
{
	gsize klen;
	const guchar *key = g_bytes_get_data(secret, &klen);
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key, klen);
	guint8 dig[32];
	gsize dlen = sizeof dig;
	char *out = g_malloc(len + 1);

	g_hmac_update(h, (const guchar *)msg, -1);
	g_hmac_get_digest(h, dig, &dlen);
	g_hmac_unref(h);
	for (size_t i = 0; i < len; i++)
		out[i] = b32[dig[i] & 31];
	out[len] = '\0';
	return out;
}

gboolean
token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	volatile unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return d == 0;
}

char *
token_make(GBytes *secret, guint ticket)
{
	char msg[32];

	snprintf(msg, sizeof msg, "token:%u", ticket);
	return mac32(secret, msg, 10);
}

/* Parse "N" at the start of S up to a delimiter; returns the end or NULL. */
static const char *
parse_ticket(const char *s, char delim, guint *ticket)
{
	char *end;
	unsigned long n;

	if (!g_ascii_isdigit(*s))
		return NULL;
	n = strtoul(s, &end, 10);
	if (*end != delim || n == 0 || n > G_MAXUINT || end - s > 10)
		return NULL;
	*ticket = (guint)n;
	return end + 1;
}

gboolean
token_check_ext(GBytes *secret, const char *ext, guint *ticket)
{
	guint n;
	const char *tok = parse_ticket(ext, '-', &n);
	char *want;
	gboolean ok;

	if (tok == NULL)
		return FALSE;
	want = token_make(secret, n);
	ok = token_equal(want, tok);
	g_free(want);
	if (ok)
		*ticket = n;
	return ok;
}

char *
token_msgid(GBytes *secret, guint ticket, const char *domain)
{
	char rnd[17], msg[64], *sig, *id;

	for (size_t i = 0; i < 16; i++)
		rnd[i] = b32[g_random_int_range(0, 32)];
	rnd[16] = '\0';
	snprintf(msg, sizeof msg, "msgid:%u.%s", ticket, rnd);
	sig = mac32(secret, msg, 8);
	id = g_strdup_printf("%u.%s.%s@%s", ticket, sig, rnd, domain);
	g_free(sig);
	return id;
}

gboolean
token_parse_msgid(GBytes *secret, const char *id, guint *ticket)
{
	guint n;
	const char *sig = parse_ticket(id, '.', &n), *rnd, *at;
	char msg[64], *want, got[9];
	gboolean ok;

	if (sig == NULL || (rnd = strchr(sig, '.')) == NULL || rnd - sig != 8)
		return FALSE;
	rnd++;
	at = strchr(rnd, '@');
	if (at == NULL || at - rnd != 16)
		return FALSE;
	snprintf(msg, sizeof msg, "msgid:%u.%.16s", n, rnd);
	memcpy(got, sig, 8);
	got[8] = '\0';
	want = mac32(secret, msg, 8);
	ok = token_equal(want, got);
	g_free(want);
	if (ok)
		*ticket = n;
	return ok;
}

char *
token_seal(GBytes *secret, guint ticket, const char *match, const char *queue, const char *event,
	   const char *set)
{
	char *msg = g_strdup_printf("seal:%u\n%s\n%s\n%s\n%s", ticket, match, queue,
				    event != NULL ? event : "", set != NULL ? set : "");
	char *s = mac32(secret, msg, 16);

	g_free(msg);
	return s;
}

gboolean
token_check_seal(GBytes *secret, guint ticket, const char *match, const char *queue,
		 const char *event, const char *set, const char *seal)
{
	char *want = token_seal(secret, ticket, match, queue, event, set);
	gboolean ok = token_equal(want, seal);

	g_free(want);
	return ok;
}

char *
token_address(GBytes *secret, const char *addr, guint ticket)
{
	const char *at = strrchr(addr, '@');
	char *token = token_make(secret, ticket);
	char *r = g_strdup_printf("%.*s+%u-%s%s", at != NULL ? (int)(at - addr) : (int)strlen(addr), addr,
				  ticket, token, at != NULL ? at : "");

	g_free(token);
	return r;
}
