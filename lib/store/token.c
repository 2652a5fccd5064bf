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

char *
token_survey(GBytes *secret, const char *kind, guint ticket, int score)
{
	char *msg = g_strdup_printf("survey:%s:%u:%d", kind, ticket, score);
	char *t = mac32(secret, msg, 10);

	g_free(msg);
	return t;
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

/* What the signature of our Message-ID "N.SIG.RND@DOMAIN" covers: the
 * whole id but the signature, the domain in lower case. */
static char *
msgid_mac(GBytes *secret, const char *n, size_t nlen, const char *rnd, const char *domain)
{
	char *dom = g_ascii_strdown(domain, -1);
	char *msg = g_strdup_printf("msgid2:%.*s.%.16s@%s", (int)nlen, n, rnd, dom);
	char *sig = mac32(secret, msg, 10);

	g_free(msg);
	g_free(dom);
	return sig;
}

char *
token_msgid(GBytes *secret, guint ticket, const char *domain)
{
	char rnd[17], num[16], *sig, *id;

	for (size_t i = 0; i < 16; i++)
		rnd[i] = b32[g_random_int_range(0, 32)];
	rnd[16] = '\0';
	g_snprintf(num, sizeof num, "%u", ticket);
	sig = msgid_mac(secret, num, strlen(num), rnd, domain);
	id = g_strdup_printf("%s.%s.%s@%s", num, sig, rnd, domain);
	g_free(sig);
	return id;
}

gboolean
token_parse_msgid(GBytes *secret, const char *id, guint *ticket)
{
	guint n;
	const char *sig = parse_ticket(id, '.', &n), *rnd, *at;
	char *want, got[11];
	gboolean ok;

	/* the number as we write it: no sign, no leading zero */
	if (sig == NULL || *id == '0' || (rnd = strchr(sig, '.')) == NULL || rnd - sig != 10)
		return FALSE;
	rnd++;
	at = strchr(rnd, '@');
	if (at == NULL || at - rnd != 16 || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return FALSE;
	memcpy(got, sig, 10);
	got[10] = '\0';
	want = msgid_mac(secret, id, sig - 1 - id, rnd, at + 1);
	ok = token_equal(want, got);
	g_free(want);
	if (ok)
		*ticket = n;
	return ok;
}

char *
token_mac(GBytes *secret, const char *msg, size_t len)
{
	return mac32(secret, msg, MIN(len, 32));
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
