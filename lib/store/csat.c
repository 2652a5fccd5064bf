/* csat.c: the satisfaction figures of desk report: the surveys sent in the
 * period (event survey) and the ratings they got (event rating, the rule
 * of survey_ratings), per kind and per week. */
#include <string.h>

#include "csat.h"
#include "ticket.h"

static void
week_free(gpointer p)
{
	csat_week *w = p;

	g_free(w->week);
	g_free(w);
}

void
csat_free(report_csat *c)
{
	if (c == NULL)
		return;
	if (c->weeks != NULL)
		g_ptr_array_unref(c->weeks);
	if (c->tickets != NULL)
		g_hash_table_unref(c->tickets);
	g_free(c);
}

static guint
sum(const csat_figures *f, int lo, int hi)
{
	guint n = 0;

	for (int i = lo; i <= hi; i++)
		n += f->scores[i];
	return n;
}

double
csat_satisfied(const csat_figures *f)
{
	return f->answered > 0 ? 100.0 * sum(f, 4, 5) / f->answered : 0;
}

guint
csat_promoters(const csat_figures *f)
{
	return sum(f, 9, 10);
}

guint
csat_passives(const csat_figures *f)
{
	return sum(f, 7, 8);
}

guint
csat_detractors(const csat_figures *f)
{
	return sum(f, 0, 6);
}

double
csat_nps(const csat_figures *f)
{
	return f->answered > 0 ? 100.0 * ((double)csat_promoters(f) - csat_detractors(f)) / f->answered : 0;
}

guint
csat_hard(const csat_figures *f)
{
	return sum(f, 5, 7);
}

double
csat_response_rate(const csat_figures *f)
{
	return f->sent > 0 ? 100.0 * f->answered / f->sent : 0;
}

/* Count survey S (and its rating R, NULL: none by UNTIL) into F. */
static void
count(csat_figures *f, const survey_rating *r, gint64 until)
{
	f->sent++;
	if (r == NULL || r->first >= until || r->kind >= SURVEY_KINDS)
		return;
	f->mean = (f->mean * f->answered + r->score) / (f->answered + 1);
	f->answered++;
	f->scores[r->score]++;
}

void
csat_add(csat_figures *to, const csat_figures *from)
{
	if (from->answered > 0)
		to->mean = (to->mean * to->answered + from->mean * from->answered) / (to->answered + from->answered);
	to->sent += from->sent;
	to->answered += from->answered;
	for (int i = 0; i < 11; i++)
		to->scores[i] += from->scores[i];
}

/* The figures of ticket T in TICKETS, made when new. */
static csat_figures *
ticket_figures(GHashTable *tickets, guint t)
{
	csat_figures *f = g_hash_table_lookup(tickets, GUINT_TO_POINTER(t));

	if (f == NULL) {
		f = g_new0(csat_figures, SURVEY_KINDS);
		g_hash_table_insert(tickets, GUINT_TO_POINTER(t), f);
	}
	return f;
}

/* Whether ticket T is of QUEUE and AGENT (NULL: any). */
static gboolean
ticket_fits(notmuch_database_t *db, guint t, const char *queue, const char *agent)
{
	ticket_info *ti = NULL;
	gboolean yes;

	if (queue == NULL && agent == NULL)
		return TRUE;
	if (ticket_info_get(db, t, &ti, NULL) != DESK_OK)
		return FALSE;
	yes = (queue == NULL || g_strcmp0(ti->queue, queue) == 0) && (agent == NULL || g_strcmp0(ti->owner, agent) == 0);
	ticket_info_free(ti);
	return yes;
}

static gint
by_week(gconstpointer a, gconstpointer b)
{
	const csat_week *x = *(const csat_week *const *)a, *y = *(const csat_week *const *)b;
	int c = strcmp(x->week, y->week);

	return c != 0 ? c : (int)x->kind - (int)y->kind;
}

/* The week of S in TZ, with its kind, made when new. */
static csat_week *
week_of(GHashTable *weeks, GPtrArray *all, GTimeZone *tz, const survey_sent *s)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(s->time), *local = g_date_time_to_timezone(dt, tz);
	char *key = g_date_time_format(local, "%G-W%V");
	char *full = g_strdup_printf("%s %d", key, (int)s->kind);
	csat_week *w = g_hash_table_lookup(weeks, full);

	if (w == NULL) {
		w = g_new0(csat_week, 1);
		w->week = g_strdup(key);
		w->kind = s->kind;
		g_hash_table_insert(weeks, g_strdup(full), w);
		g_ptr_array_add(all, w);
	}
	g_free(full);
	g_free(key);
	g_date_time_unref(local);
	g_date_time_unref(dt);
	return w;
}

desk_status
csat_compute(notmuch_database_t *db, gint64 since, gint64 until, const char *queue, const char *agent,
	     const char *tz, report_csat **out, desk_err *err)
{
	GHashTable *sent = NULL, *rated = NULL, *weeks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GTimeZone *zone = tz != NULL && *tz ? g_time_zone_new_identifier(tz) : NULL;
	desk_status s = survey_sends(db, 0, &sent, err);
	GHashTableIter it;
	gpointer v;

	*out = g_new0(report_csat, 1);
	(*out)->weeks = g_ptr_array_new_with_free_func(week_free);
	(*out)->tickets = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	if (zone == NULL)
		zone = g_time_zone_new_local();
	if (s == DESK_OK)
		s = survey_ratings(db, 0, &rated, err);
	if (s == DESK_OK) {
		g_hash_table_iter_init(&it, sent);
		while (g_hash_table_iter_next(&it, NULL, &v)) {
			const survey_sent *ss = v;
			const survey_rating *r = g_hash_table_lookup(rated, GUINT_TO_POINTER(ss->ticket));

			if (ss->time < since || ss->time >= until || !ticket_fits(db, ss->ticket, queue, agent))
				continue;
			if (r != NULL && r->kind != ss->kind)
				r = NULL;
			count(&(*out)->kind[ss->kind], r, until);
			count(&week_of(weeks, (*out)->weeks, zone, ss)->fig, r, until);
			count(&ticket_figures((*out)->tickets, ss->ticket)[ss->kind], r, until);
		}
		g_ptr_array_sort((*out)->weeks, by_week);
	}
	if (s != DESK_OK)
		g_clear_pointer(out, csat_free);
	if (sent != NULL)
		g_hash_table_unref(sent);
	if (rated != NULL)
		g_hash_table_unref(rated);
	g_hash_table_unref(weeks);
	g_time_zone_unref(zone);
	return s;
}
