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
	char buf[1024];
	gsize n = 0;
	gboolean space = FALSE, any = FALSE;

	if (chash_ignored(name) || (h->seal && g_ascii_strcasecmp(name, "subject") == 0))
		return;
	/* the name in lower case, ':', the value with each run of white space
	 * one space and none at either end, '\n': gathered in BUF and given to
	 * the checksum a buffer at a time, not a byte at a time */
	for (const char *c = name; *c != '\0'; c++) {
		if (n == sizeof buf) {
			g_checksum_update(h->sum, (const guchar *)buf, n);
			n = 0;
		}
		buf[n++] = g_ascii_tolower(*c);
	}
	if (n == sizeof buf) {
		g_checksum_update(h->sum, (const guchar *)buf, n);
		n = 0;
	}
	buf[n++] = ':';
	for (const char *c = value; *c != '\0'; c++) {
		if (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n') {
			space = any;
			continue;
		}
		if (n + 2 > sizeof buf) {
			g_checksum_update(h->sum, (const guchar *)buf, n);
			n = 0;
		}
		if (space)
			buf[n++] = ' ';
		buf[n++] = *c;
		space = FALSE;
		any = TRUE;
	}
	if (n == sizeof buf) {
		g_checksum_update(h->sum, (const guchar *)buf, n);
		n = 0;
	}
	buf[n++] = '\n';
	g_checksum_update(h->sum, (const guchar *)buf, n);
}

/* Every byte but CR and LF: the same digest whatever the line endings and
 * wherever the chunks are cut. */
void
chash_body(chash *h, const char *buf, gsize len)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *lf = memchr(p, '\n', end - p), *stop = lf != NULL ? lf : end;

		while (p < stop) {
			const char *cr = memchr(p, '\r', stop - p), *q = cr != NULL ? cr : stop;

			if (q > p)
				g_checksum_update(h->sum, (const guchar *)p, q - p);
			p = cr != NULL ? cr + 1 : stop;
		}
		if (lf != NULL)
			p = lf + 1;
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
