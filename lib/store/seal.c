/* seal.c: HMAC over a header block and the message it is on. */
#include <string.h>

#include "seal.h"
#include "token.h"
#include "xset.h"

/* NAME and VALUE, length-prefixed so no value can pass for another
 * (NULL, "none", differs from ""). */
static void
field(GString *m, const char *name, const char *value)
{
	if (value == NULL)
		g_string_append_printf(m, "%s!\n", name);
	else
		g_string_append_printf(m, "%s=%zu:%s\n", name, strlen(value), value);
}

/* The bytes the HMAC covers; NULL if the set does not decode cleanly. */
static char *
seal_input(const seal_facts *f)
{
	GString *m = g_string_new("maildesk-seal-2\n");
	char *set = NULL;

	if (f->set != NULL) {
		guint bad = 0;
		xset *s = xset_decode(f->set, &bad);

		set = bad == 0 ? xset_encode(s) : NULL;
		xset_free(s);
		if (set == NULL) {
			g_string_free(m, TRUE);
			return NULL;
		}
	}
	g_string_append_printf(m, "ticket=%u\n", f->ticket);
	field(m, "match", f->match != NULL ? f->match : "");
	field(m, "queue", f->queue != NULL ? f->queue : "");
	field(m, "event", f->event);
	field(m, "set", set);
	field(m, "kb", f->kb);
	field(m, "reused", f->reused);
	field(m, "message-id", f->message_id);
	field(m, "digest", f->digest);
	if (f->rule != NULL)
		field(m, "rule", f->rule);
	g_free(set);
	return g_string_free(m, FALSE);
}

char *
seal_make(GBytes *secret, const seal_facts *f)
{
	char *in = seal_input(f), *mac, *out;

	if (in == NULL || f->ticket == 0 || f->digest == NULL) {
		g_free(in);
		return NULL;
	}
	mac = token_mac(secret, in, 26);
	out = g_strconcat("2-", mac, NULL);
	g_free(mac);
	g_free(in);
	return out;
}

/* A header value we write: one line of printable ASCII. */
static gboolean
plain(const char *v)
{
	for (; v != NULL && *v != '\0'; v++)
		if ((guchar)*v < ' ' || (guchar)*v > '~')
			return FALSE;
	return TRUE;
}

char *
seal_block(GBytes *secret, const seal_facts *f)
{
	char *seal;
	GString *h;

	if (!plain(f->match) || !plain(f->queue) || !plain(f->event) || !plain(f->kb) || !plain(f->reused) || !plain(f->rule) ||
	    (seal = seal_make(secret, f)) == NULL)
		return NULL;
	h = g_string_new(NULL);
	g_string_append_printf(h, "X-Desk-Ticket: %u\nX-Desk-Match: %s\nX-Desk-Queue: %s\n", f->ticket,
			       f->match != NULL ? f->match : "", f->queue != NULL ? f->queue : "");
	if (f->event != NULL)
		g_string_append_printf(h, "X-Desk-Event: %s\n", f->event);
	if (f->set != NULL) {
		xset *s = xset_decode(f->set, NULL);
		char *v = xset_encode_folded(s, strlen("X-Desk-Set: "));

		g_string_append_printf(h, "X-Desk-Set: %s\n", v);
		g_free(v);
		xset_free(s);
	}
	if (f->rule != NULL)
		g_string_append_printf(h, "X-Desk-Rule: %s\n", f->rule);
	if (f->kb != NULL)
		g_string_append_printf(h, "X-Desk-KB: %s\n", f->kb);
	if (f->reused != NULL)
		g_string_append_printf(h, "X-Desk-Reused-Message-ID: <%s>\n", f->reused);
	g_string_append_printf(h, "X-Desk-Seal: %s\n", seal);
	g_free(seal);
	return g_string_free(h, FALSE);
}

gboolean
seal_check(GBytes *secret, const seal_facts *f, const char *seal)
{
	char *want;
	gboolean ok;

	if (seal == NULL)
		return FALSE;
	want = seal_make(secret, f);
	ok = want != NULL && token_equal(want, seal);
	g_free(want);
	return ok;
}
