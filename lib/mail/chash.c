/* chash.c: content hash, insensitive to trace headers and line endings. */
#include <string.h>

#include "chash.h"

struct chash {
	GChecksum *sum;
	gboolean seal;   /* leave Subject out */
};

/* The headers that make a message what it is; everything else (trace,
 * list, spam and signature headers, ours) is how it travelled. */
static const char *const content_headers[] = {
	"from", "to", "cc", "subject", "date", "in-reply-to", "references",
	"content-type", "content-transfer-encoding", "mime-version",
};

gboolean
chash_ignored(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(content_headers); i++)
		if (g_ascii_strcasecmp(name, content_headers[i]) == 0)
			return FALSE;
	return TRUE;
}

chash *
chash_new(void)
{
	chash *h = g_new(chash, 1);

	h->sum = g_checksum_new(G_CHECKSUM_SHA256);
	h->seal = FALSE;
	return h;
}

chash *
chash_new_seal(void)
{
	chash *h = chash_new();

	h->seal = TRUE;
	return h;
}

void
chash_header(chash *h, const char *name, const char *value)
{
	char *lname;
	gboolean space = FALSE, any = FALSE;

	if (chash_ignored(name) || (h->seal && g_ascii_strcasecmp(name, "subject") == 0))
		return;
	lname = g_ascii_strdown(name, -1);
	g_checksum_update(h->sum, (const guchar *)lname, -1);
	g_checksum_update(h->sum, (const guchar *)":", 1);
	g_free(lname);
	for (const char *c = value; *c != '\0'; c++) {
		if (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n') {
			space = any;
			continue;
		}
		if (space)
			g_checksum_update(h->sum, (const guchar *)" ", 1);
		g_checksum_update(h->sum, (const guchar *)c, 1);
		space = FALSE;
		any = TRUE;
	}
	g_checksum_update(h->sum, (const guchar *)"\n", 1);
}

void
chash_body(chash *h, const char *buf, gsize len)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *q = p;

		while (q < end && *q != '\r' && *q != '\n')
			q++;
		if (q > p)
			g_checksum_update(h->sum, (const guchar *)p, q - p);
		while (q < end && (*q == '\r' || *q == '\n'))
			q++;
		p = q;
	}
}

char *
chash_finish(chash *h)
{
	char *hex = g_strdup(g_checksum_get_string(h->sum));

	g_checksum_free(h->sum);
	g_free(h);
	return hex;
}
