/* rfact.c: report facts of messages, and their text in the ticket table
 * (rfact.h). The status a fact carries is the one ticket.c's fold accepts
 * for its event; change both together. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtype.h"
#include "index.h"
#include "rfact.h"
#include "ticket.h"
#include "xset.h"

/* The status event E sets with V, or NULL. */
static const char *
status_of_event(const char *e, const char *v)
{
	if (v == NULL || !evtype_allows(e, "status"))
		return NULL;
	if (strcmp(e, "spam") == 0)
		return strcmp(v, "spam") == 0 ? "spam" : NULL;
	if (strcmp(e, "not-spam") == 0)
		return strcmp(v, "open") == 0 ? "open" : NULL;
	if (strcmp(e, "purge") == 0)
		return strcmp(v, "purged") == 0 ? "purged" : NULL;
	return ticket_status_valid(v) ? g_intern_string(v) : NULL;
}

/* The fact of event M; FALSE when it is none the report uses. */
static gboolean
event_fact(notmuch_message_t *m, rfact *f)
{
	const char *e = NULL;
	char *set, *v, *by;

	if (notmuch_message_get_property(m, "desk.event", &e) != NOTMUCH_STATUS_SUCCESS || e == NULL)
		return FALSE;
	set = index_get_text(m, "desk.set");
	v = xset_lookup(set, "status");
	f->status = status_of_event(e, v);
	g_free(v);
	if (strcmp(e, "merge") == 0 && (v = xset_lookup(set, "merged-into")) != NULL) {
		f->status = g_intern_static_string("merged");
		g_free(v);
	}
	if (strcmp(e, "ack") == 0) {   /* for KB deflection: what it offered */
		v = xset_lookup(set, "offered");
		f->kind = v != NULL ? RF_ACK_KB : RF_ACK;
		g_free(v);
		g_free(set);
		return TRUE;
	}
	by = xset_lookup(set, "by");
	if (by != NULL && strcmp(by, "system") != 0 && ticket_name_ok(by))
		f->by = g_intern_string(by);
	g_free(by);
	g_free(set);
	f->kind = strcmp(e, "reply") == 0 ? RF_REPLY : RF_EVENT;
	return f->kind == RF_REPLY || f->status != NULL;
}

gboolean
rfact_of(notmuch_message_t *m, guint *ticket, rfact *f)
{
	static const char *const want[] = { "event", "ours", "auto", "bulk", "bounce", "held", "spam", NULL };
	gboolean found[G_N_ELEMENTS(want)] = { FALSE };
	notmuch_tags_t *tags;
	const char *v = NULL;

	memset(f, 0, sizeof *f);
	if (notmuch_message_get_property(m, "desk.ticket", &v) != NOTMUCH_STATUS_SUCCESS || v == NULL ||
	    (*ticket = (guint)g_ascii_strtoull(v, NULL, 10)) == 0)
		return FALSE;
	for (tags = notmuch_message_get_tags(m); notmuch_tags_valid(tags); notmuch_tags_move_to_next(tags))
		for (guint i = 0; want[i] != NULL; i++)
			if (strcmp(notmuch_tags_get(tags), want[i]) == 0)
				found[i] = TRUE;
	notmuch_tags_destroy(tags);
	if (found[0] && !event_fact(m, f))
		return FALSE;
	if (!found[0] && found[1])
		return FALSE;   /* ours, not an event: nothing the report counts */
	if (!found[0])
		f->kind = found[2] || found[3] || found[4] || found[5] || found[6] ? RF_MAIL : RF_CUSTOMER;
	f->time = index_message_time(m);
	return TRUE;
}

void
rfact_append(GString *text, const rfact *f)
{
	g_string_append_printf(text, "%" G_GINT64_FORMAT " %c %s %s\n", f->time, f->kind,
			       f->status != NULL ? f->status : "-", f->by != NULL ? f->by : "-");
}

/* The word at *P up to a blank or the end of the line, interned ("-":
 * NULL); *P moves past it and one blank. The statuses are looked up in a
 * table first: g_intern_string takes a lock, and a report reads every
 * ticket's facts. */
/* g_intern_string(WORD), the last few of this thread looked up without
 * its global lock: a report reads the agents' logins of every ticket's
 * facts, and they are few. Interned strings live as long as the process. */
static const char *
interned(const char *word)
{
	static _Thread_local const char *last[4];
	static _Thread_local guint next;
	const char *v;

	for (guint i = 0; i < G_N_ELEMENTS(last) && last[i] != NULL; i++)
		if (strcmp(last[i], word) == 0)
			return last[i];
	v = g_intern_string(word);
	last[next] = v;
	next = (next + 1) % G_N_ELEMENTS(last);
	return v;
}

static const char *
take_word(const char **p)
{
	static const char *const known[] = { "new", "open", "pending", "on-hold", "solved", "closed",
					     "spam", "merged", "purged", NULL };
	const char *start = *p, *end = start;
	char buf[128];

	while (*end != '\0' && *end != ' ' && *end != '\n')
		end++;
	*p = *end == ' ' ? end + 1 : end;
	if (end - start == 1 && *start == '-')
		return NULL;
	if (end == start || (size_t)(end - start) >= sizeof buf)
		return "";   /* not a word: the line is skipped */
	memcpy(buf, start, (size_t)(end - start));
	buf[end - start] = '\0';
	for (guint i = 0; known[i] != NULL; i++)
		if (known[i][0] == buf[0] && strcmp(known[i], buf) == 0)
			return known[i];   /* compared with strcmp, never by address */
	return interned(buf);
}

/* The decimal number at P (an optional '-', then digits); *END after it. */
static gint64
take_number(const char *p, const char **end)
{
	gboolean minus = *p == '-';
	gint64 v = 0;

	p += minus;
	for (; g_ascii_isdigit(*p) && v < G_MAXINT64 / 10 - 10; p++)
		v = v * 10 + (*p - '0');
	*end = p;
	return minus ? -v : v;
}

/* Parsed by hand, not split: a report reads every ticket's facts. */
void
rfact_parse(const char *text, GArray *out)
{
	const char *p = text != NULL ? text : "";
	guint len = out->len, lines = *p != '\0';

	for (const char *c = p; (c = strchr(c, '\n')) != NULL; c++)
		lines++;
	g_array_set_size(out, len + lines);   /* written in place: no append (a copy) a fact */
	while (*p != '\0') {
		const char *eol = strchr(p, '\n'), *next = eol != NULL ? eol + 1 : p + strlen(p);
		const char *end = NULL;
		rfact f = { 0 };

		f.time = take_number(p, &end);
		if (end != p && g_ascii_isdigit(end[-1]) && end[0] == ' ' && end[1] != '\0' && strchr("CMREAK", end[1]) != NULL && end[2] == ' ') {
			const char *w = end + 3;

			f.kind = end[1];
			f.status = take_word(&w);
			f.by = take_word(&w);
			if ((f.status == NULL || *f.status != '\0') && (f.by == NULL || *f.by != '\0') &&
			    (*w == '\n' || *w == '\0'))
				g_array_index(out, rfact, len++) = f;
		}
		p = next;
	}
	g_array_set_size(out, len);
}

typedef struct seq_fact {
	rfact f;
	guint seq;
} seq_fact;

static gint
by_time_seq(gconstpointer a, gconstpointer b)
{
	const seq_fact *x = a, *y = b;

	if (x->f.time != y->f.time)
		return x->f.time < y->f.time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
rfact_sort(GArray *a)
{
	seq_fact *s = g_new(seq_fact, a->len + 1);

	for (guint i = 0; i < a->len; i++)
		s[i] = (seq_fact){ g_array_index(a, rfact, i), i };
	qsort(s, a->len, sizeof *s, (int (*)(const void *, const void *))by_time_seq);
	for (guint i = 0; i < a->len; i++)
		g_array_index(a, rfact, i) = s[i].f;
	g_free(s);
}
