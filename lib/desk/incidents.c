/* incidents.c: bursts of similar new tickets recorded as incident events
 * (incidents.h). */
#include "change.h"
#include "incidents.h"
#include "xset.h"

/* "#A #B #C" and "A,B,C" of I's tickets. */
static void
lists(const incident *i, GString *text, GString *set)
{
	for (guint k = 0; k < i->tickets->len; k++) {
		guint n = g_array_index(i->tickets, guint, k);

		g_string_append_printf(text, "%s#%u", k ? " " : "", n);
		g_string_append_printf(set, "%s%u", k ? "," : "", n);
	}
}

desk_status
incidents_record(desk_store *st, const incident_opts *o, gboolean dry_run, GPtrArray *out, desk_err *err)
{
	desk_change *c = NULL;
	desk_status s = change_begin(st, &c, err);
	guint start = out->len;

	if (s == DESK_OK)
		s = incident_find(change_db(c), o, out, err);
	for (guint i = start; s == DESK_OK && !dry_run && i < out->len; i++) {
		incident *inc = out->pdata[i];
		GString *text = g_string_new(NULL), *list = g_string_new(NULL);
		ticket_info *t = NULL;
		char *line;

		lists(inc, text, list);
		line = g_strdup_printf("incident: %u similar new tickets within %u minutes: %s", inc->tickets->len,
				       o->minutes, text->str);
		s = change_ticket(c, inc->first, &t, NULL, err);
		if (s == DESK_OK) {
			xset *set = xset_new();

			xset_add(set, "tickets", list->str);
			s = change_event(c, t, NULL, "incident", set, line, err);
			xset_free(set);
		}
		ticket_info_free(t);
		g_free(line);
		g_string_free(text, TRUE);
		g_string_free(list, TRUE);
	}
	return change_finish(c, s, err);
}
