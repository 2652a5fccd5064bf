/* links.c: a ticket started by mail to a closed one (X-Desk-Match
 * "new; follows closed ticket T", lib/store/thread.c) is linked both ways by
 * events: "follows=T" in the new ticket, "followed-by=N" in T. Done here,
 * after indexing, because threading at SMTP time writes no events. */
#include <string.h>

#include "change.h"
#include "followup.h"
#include "log.h"

#define FOLLOWS_PREFIX "new; follows closed ticket "

/* Whether ticket T already has link KEY=N. */
static gboolean
has_link(const ticket_info *t, const char *key, guint n)
{
	char *want = g_strdup_printf("%s=%u", key, n);
	gboolean yes = FALSE;

	for (char **l = t->links; l != NULL && *l != NULL && !yes; l++)
		yes = strcmp(*l, want) == 0;
	g_free(want);
	return yes;
}

/* Event "link" with KEY=OTHER in T, unless it is there already. */
static desk_status
link_add(desk_change *c, const ticket_info *t, const char *key, guint other, desk_err *err)
{
	char *line;
	xset *set;
	desk_status s;

	if (has_link(t, key, other))
		return DESK_OK;
	set = xset_new();
	xset_add_uint(set, key, other);
	line = g_strdup_printf(strcmp(key, "follows") == 0 ? "follows closed ticket #%u"
							   : "followed by new ticket #%u", other);
	s = change_event(c, t, NULL, "link", set, line, err);
	g_free(line);
	xset_free(set);
	return s;
}

static desk_status
link_both(desk_store *st, guint n, guint old, desk_err *err)
{
	desk_change *c = NULL;
	ticket_info *t = NULL, *o = NULL;
	desk_status s = change_begin(st, &c, err);

	if (s == DESK_OK)
		s = ticket_info_get(change_db(c), n, &t, err);
	if (s == DESK_OK)
		s = ticket_info_get(change_db(c), old, &o, err);
	if (s == DESK_OK)
		s = link_add(c, t, "follows", old, err);
	if (s == DESK_OK)
		s = link_add(c, o, "followed-by", n, err);
	ticket_info_free(t);
	ticket_info_free(o);
	return change_finish(c, s, err);
}

void
link_followup(desk_store *st, const followup_item *item)
{
	desk_err err = { 0 };
	guint64 old;

	if (item->event != NULL || !g_str_has_prefix(item->match, FOLLOWS_PREFIX))
		return;
	old = g_ascii_strtoull(item->match + strlen(FOLLOWS_PREFIX), NULL, 10);
	if (old == 0 || old > G_MAXUINT || old == item->ticket)
		return;
	if (link_both(st, item->ticket, (guint)old, &err) != DESK_OK)
		desk_log(LOG_WARNING, "ticket %u: cannot link it to closed ticket %u: %s", item->ticket,
			 (guint)old, err.msg);
	else
		desk_log(LOG_INFO, "ticket %u follows closed ticket %u", item->ticket, (guint)old);
}
