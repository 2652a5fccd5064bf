/* triage-incidents.c: desk triage incidents (triage-incidents.h). */
#include <stdio.h>

#include "clock.h"
#include "desk.h"
#include "incidents.h"
#include "output.h"
#include "triage-incidents.h"

int
triage_incidents_verb(desk_store *st, gboolean dry_run, int hours)
{
	GPtrArray *found = g_ptr_array_new_with_free_func((GDestroyNotify)incident_free);
	incident_opts o = { 0 };
	desk_err err = { 0 };
	desk_status s;

	o.tickets = st->cfg->triage_incident_tickets > 0 ? (guint)st->cfg->triage_incident_tickets : 0;
	o.minutes = st->cfg->triage_incident_minutes > 0 ? (guint)st->cfg->triage_incident_minutes : 30;
	o.bits = st->cfg->triage_duplicate_bits > 0 ? (guint)MIN(st->cfg->triage_duplicate_bits, 64) : 0;
	o.until = desk_now() + 1;
	o.since = desk_now() - (gint64)(hours > 0 ? hours : 24) * 3600;
	s = incidents_record(st, &o, dry_run, found, &err);
	for (guint i = 0; s == DESK_OK && i < found->len; i++) {
		const incident *inc = found->pdata[i];
		char *when = out_iso8601(inc->time);

		printf("%u: %s incident of %u tickets from %s:", inc->first, dry_run ? "would record an" : "recorded an",
		       inc->tickets->len, when);
		for (guint k = 0; k < inc->tickets->len; k++)
			printf(" #%u", g_array_index(inc->tickets, guint, k));
		printf("\n");
		g_free(when);
	}
	g_ptr_array_unref(found);
	return s == DESK_OK ? 0 : desk_error(s, "triage: incidents: %s", err.msg);
}
