/* report.c: desk report's figures (report.h), from the ticket table: each
 * ticket's report facts (customer mail, public replies, changes of
 * status) folded in time order up to the period's end.
 * The definitions are those of doc/desk-report.1; change both together. */
#include <string.h>

#include "calendar.h"
#include "clock.h"
#include "csat.h"
#include "report.h"
#include "rfact.h"
#include "sla.h"
#include "ticket.h"
#include "tickettab.h"

const char *const report_age_names[REPORT_AGES] = { "0-1d", "1-3d", "3-7d", ">7d" };
const char *const report_vol_names[VOL_N] = { "day", "week", "month", "queue", "recipient", "tag", "domain" };

#define DAY (24 * 3600)

/* One ticket as the report sees it at the period's end. */
typedef struct rt {
	const ticket_info *row;   /* its row in the ticket table */
	guint number;
	gint64 opened;
	const char *state;        /* at the end of the period */
	gint64 first_reply;
	const char *first_by;
	guint replies;            /* before the end */
	gint64 solved_at;         /* the last solve, when solved or closed at the end */
	const char *solved_by;
	gboolean solved_in_period, reopened_after, reopened;
	GArray *next;             /* durations of later replies made in the period */
	GHashTable *replied_by;   /* login -> replies in the period */
	GArray *toggles;          /* times it began or stopped waiting after it was opened */
	char ack;                 /* its first acknowledgement: RF_ACK, RF_ACK_KB, or 0 */
	desk_calendar *cal;       /* business hours it is measured in; NULL: wall-clock */
} rt;

/* Whether S is WORD; most states differ at the first letter (the fold
 * compares the state at each of every ticket's facts). */
static inline gboolean
is(const char *s, const char *word)
{
	return s[0] == word[0] && strcmp(s, word) == 0;
}

static gboolean
is_done(const char *s)
{
	return s != NULL && (is(s, "solved") || is(s, "closed"));
}

static gboolean
is_waiting(const char *s)
{
	return s != NULL && (is(s, "new") || is(s, "open") || is(s, "pending") ||
			     is(s, "on-hold"));
}

/* Whether the ticket is left out of every figure: spam, merged, purged. */
static gboolean
left_out(const rt *t)
{
	return is(t->row->status, "spam") || is(t->state, "spam") || is(t->state, "merged") ||
	       is(t->state, "purged");
}

gboolean
report_by_valid(const char *by)
{
	static const char *const ok[] = { "day", "week", "month", "queue", "agent", "tag", NULL };

	return by != NULL && g_strv_contains(ok, by);
}

/* The N tickets of BLOCK (fold_all's), and it. */
static void
rts_free(rt *block, guint n)
{
	for (guint i = 0; block != NULL && i < n; i++) {
		rt *t = &block[i];

		if (t->next != NULL)
			g_array_unref(t->next);
		if (t->toggles != NULL)
			g_array_unref(t->toggles);
		if (t->replied_by != NULL)
			g_hash_table_destroy(t->replied_by);
	}
	g_free(block);
}

/* *A, made on first use: most tickets have no times to keep. */
static GArray *
new_times(GArray **a)
{
	if (*a == NULL)
		*a = g_array_new(FALSE, FALSE, sizeof(gint64));
	return *a;
}

/* The time from FROM to TO that T's durations count: wall-clock seconds,
 * or the working seconds of its calendar; 0 when TO is before FROM. */
static gint64
dur(const rt *t, gint64 from, gint64 to)
{
	if (to <= from)
		return 0;
	return t->cal != NULL ? calendar_between(t->cal, from, to) : to - from;
}

/* When the ticket was opened: its first mail from outside, else the
 * table's creation time, else its first item. */
static gint64
opened_of(const rfact *its, guint n, const ticket_info *row)
{
	for (guint i = 0; i < n; i++)
		if (its[i].kind == RF_CUSTOMER || its[i].kind == RF_MAIL)
			return its[i].time;
	return row != NULL ? row->created : n > 0 ? its[0].time : 0;
}

/* A change to status S at IT's time. */
static void
fold_status(rt *t, const rfact *it, const char *s, const report_opts *o)
{
	if (is_done(s) && !is_done(t->state)) {
		t->solved_at = it->time;
		t->solved_by = it->by;
		if (it->time >= o->since)
			t->solved_in_period = TRUE;
	} else if (is_waiting(s) && is_done(t->state)) {
		t->reopened = TRUE;
		if (t->solved_in_period)
			t->reopened_after = TRUE;
	}
	t->state = s;
}

static void
fold_reply(rt *t, const rfact *it, gint64 *waiting, const report_opts *o)
{
	gboolean in = it->time >= o->since;

	t->replies++;
	if (t->first_reply == 0) {
		t->first_reply = it->time;
		t->first_by = it->by;
	} else if (*waiting != 0 && in)
		g_array_append_val(new_times(&t->next), (gint64){ dur(t, *waiting, it->time) });
	*waiting = 0;
	if (in && it->by != NULL && t->replied_by == NULL)
		t->replied_by = g_hash_table_new(g_direct_hash, g_direct_equal);
	if (in && it->by != NULL)
		g_hash_table_insert(t->replied_by, (gpointer)it->by,
				    GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(t->replied_by, it->by)) + 1));
}

/* Ticket T's N items (time order) up to the period's end. */
static void
fold_ticket(rt *t, const rfact *its, guint n, const report_opts *o)
{
	gint64 waiting = 0;
	gboolean waits = TRUE;

	t->state = "new";
	t->opened = opened_of(its, n, t->row);
	for (guint i = 0; i < n && its[i].time < o->until; i++) {
		const rfact *it = &its[i];

		if ((it->kind == RF_ACK || it->kind == RF_ACK_KB) && t->ack == 0)
			t->ack = it->kind;
		if (it->kind == RF_CUSTOMER) {
			if (is(t->state, "pending") || is(t->state, "on-hold") ||
			    is(t->state, "solved"))
				fold_status(t, it, "open", o);
			if (waiting == 0)
				waiting = it->time;
		} else if (it->kind == RF_REPLY)
			fold_reply(t, it, &waiting, o);
		if (it->status != NULL)
			fold_status(t, it, it->status, o);
		if (is_waiting(t->state) != waits) {
			waits = !waits;
			g_array_append_val(new_times(&t->toggles), it->time);
		}
	}
	if (!is_done(t->state)) {
		t->solved_at = 0;
		t->solved_by = NULL;
	}
}


/* Whether ROW passes --queue and --agent. */
static gboolean
row_wanted(const ticket_info *row, const report_opts *o)
{
	if (o->queue == NULL && o->agent == NULL)
		return TRUE;
	return row != NULL && (o->queue == NULL || strcmp(row->queue, o->queue) == 0) &&
	       (o->agent == NULL || strcmp(row->owner, o->agent) == 0);
}

/* The calendar ROW's durations are measured in: none for wall-clock
 * time; with --hours business, its SLA policy's, else DEFCAL. */
static desk_calendar *
calendar_of(const ticket_info *row, const report_opts *o, desk_calendar *defcal)
{
	const sla_policy *p;

	if (!o->business)
		return NULL;
	p = o->cfg != NULL ? sla_policy_for(o->cfg, row) : NULL;
	return p != NULL ? p->cal : defcal;
}

/* Fold every ticket of ROWS (ticket_info*) that passes, with its facts
 * (the SPANS of FACTS, one for each row), into *BLOCK (one rt for each
 * row, in one allocation: free with rts_free); the tickets opened before
 * the period's end, pointing into it. */
static GPtrArray *
fold_all(GPtrArray *rows, GArray *facts, GArray *spans, const report_opts *o, desk_calendar *defcal, rt **block)
{
	GPtrArray *out = g_ptr_array_sized_new(rows->len);
	rt *all = *block = g_new0(rt, rows->len + 1);

	for (guint i = 0; i < rows->len; i++) {
		const ticket_info *row = rows->pdata[i];
		const tickettab_span *sp = &g_array_index(spans, tickettab_span, i);
		rt *t = &all[i];

		if (!row_wanted(row, o))
			continue;
		t->number = row->number;
		t->row = row;
		t->cal = calendar_of(row, o, defcal);
		fold_ticket(t, sp->n > 0 ? &g_array_index(facts, rfact, sp->first) : NULL, sp->n, o);
		if (t->opened < o->until)
			g_ptr_array_add(out, t);
	}
	return out;
}

static gint
cmp_i64(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

/* The figures of V's durations (sorted here). */
static report_stat
stat_of(GArray *v)
{
	report_stat st = { 0 };
	double sum = 0;

	g_array_sort(v, cmp_i64);
	st.n = v->len;
	if (v->len == 0)
		return st;
	for (guint i = 0; i < v->len; i++)
		sum += (double)g_array_index(v, gint64, i);
	st.mean = sum / v->len;
	st.median = v->len % 2 ? (double)g_array_index(v, gint64, v->len / 2)
			       : ((double)g_array_index(v, gint64, v->len / 2 - 1) +
				  (double)g_array_index(v, gint64, v->len / 2)) / 2;
	st.p90 = (double)g_array_index(v, gint64, (9 * v->len + 9) / 10 - 1);
	return st;
}

typedef struct acc {
	report_figures *fig;
	GArray *first, *next, *res;
} acc;

static void
acc_init(acc *a, report_figures *fig)
{
	memset(fig, 0, sizeof *fig);
	a->fig = fig;
	a->first = g_array_new(FALSE, FALSE, sizeof(gint64));
	a->next = g_array_new(FALSE, FALSE, sizeof(gint64));
	a->res = g_array_new(FALSE, FALSE, sizeof(gint64));
}

static void
acc_finish(acc *a)
{
	a->fig->first_response = stat_of(a->first);
	a->fig->next_response = stat_of(a->next);
	a->fig->resolution = stat_of(a->res);
	a->fig->first_responses = a->first;
	g_array_unref(a->next);
	g_array_unref(a->res);
}

/* Add T (not left out) to A. */
static void
acc_add(acc *a, const rt *t, const report_opts *o)
{
	report_figures *f = a->fig;
	gboolean opened_in = t->opened >= o->since;

	if (opened_in) {
		f->opened++;
		if (t->first_reply == 0)
			f->unanswered++;
		else {
			f->skewed += t->first_reply < t->opened;
			g_array_append_val(a->first, (gint64){ dur(t, t->opened, t->first_reply) });
		}
	}
	if (t->next != NULL)
		g_array_append_vals(a->next, t->next->data, t->next->len);
	if (t->solved_at != 0 && t->solved_at >= o->since) {
		f->solved++;
		f->fcr += t->replies == 1 && !t->reopened;
		g_array_append_val(a->res, (gint64){ dur(t, t->opened, t->solved_at) });
	}
	if (t->solved_in_period) {
		f->solved_any++;
		f->reopened += t->reopened_after;
	}
	if (is_waiting(t->state)) {
		f->backlog++;
		f->aging[rseries_age(o->until - t->opened)]++;
	}
}

static void
count_key(GHashTable *h, const char *key)
{
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(h, key));

	g_hash_table_insert(h, g_strdup(key), GUINT_TO_POINTER(n + 1));
}

/* Time zone TZ, else the local one (TZ). Caller unrefs. */
static GTimeZone *
zone_of(const char *tz)
{
	GTimeZone *z = tz != NULL && *tz != '\0' ? g_time_zone_new_identifier(tz) : NULL;

	return z != NULL ? z : g_time_zone_new_local();
}

static GDateTime *
date_in(gint64 t, const char *tz)
{
	GTimeZone *z = zone_of(tz);
	GDateTime *u = g_date_time_new_from_unix_utc(t), *d = g_date_time_to_timezone(u, z);

	g_date_time_unref(u);
	g_time_zone_unref(z);
	return d;
}

/* A time zone, and the last day, week and month looked up in it: tickets
 * come in number order, which is mostly the order they were opened in. */
typedef struct zone {
	GTimeZone *tz;
	gint64 start[3], end[3];
	char *key[3];
} zone;

static void
zone_clear(zone *z)
{
	for (int i = 0; i < 3; i++)
		g_free(z->key[i]);
	g_time_zone_unref(z->tz);
}

/* The key of T's day, week or month (V) in Z. */
static char *
time_key(gint64 t, report_vol v, zone *z)
{
	static const char *const units[] = { "day", "week", "month" };

	if (z->key[v] == NULL || t < z->start[v] || t >= z->end[v]) {
		g_free(z->key[v]);
		z->key[v] = rseries_key(t, z->tz, units[v], &z->start[v], &z->end[v]);
	}
	return g_strdup(z->key[v]);
}

void
report_last_period(gint64 now, const char *tz, gboolean monthly, gint64 *since, gint64 *until)
{
	GDateTime *d = date_in(now, tz);
	GTimeZone *z = zone_of(tz);
	int y = g_date_time_get_year(d), m = g_date_time_get_month(d), day = g_date_time_get_day_of_month(d);
	GDateTime *end, *start;

	if (monthly) {
		end = g_date_time_new(z, y, m, 1, 0, 0, 0);
		start = g_date_time_add_months(end, -1);
	} else {
		GDateTime *today = g_date_time_new(z, y, m, day, 0, 0, 0);

		end = g_date_time_add_days(today, 1 - g_date_time_get_day_of_week(today));
		start = g_date_time_add_weeks(end, -1);
		g_date_time_unref(today);
	}
	*since = g_date_time_to_unix(start);
	*until = g_date_time_to_unix(end);
	g_date_time_unref(start);
	g_date_time_unref(end);
	g_date_time_unref(d);
	g_time_zone_unref(z);
}

/* The keys of T under V (times in TZ), added to KEYS. */
static void
keys_of(const rt *t, report_vol v, zone *tz, GPtrArray *keys)
{
	const char *at;

	switch (v) {
	case VOL_DAY:
	case VOL_WEEK:
	case VOL_MONTH:
		g_ptr_array_add(keys, time_key(t->opened, v, tz));
		break;
	case VOL_QUEUE:
		g_ptr_array_add(keys, g_strdup(t->row->queue));
		break;
	case VOL_RCPT:
		g_ptr_array_add(keys, g_strdup(t->row->rcpt != NULL && *t->row->rcpt ? t->row->rcpt : "-"));
		break;
	case VOL_TAG:
		for (char **tag = t->row->tags; *tag != NULL; tag++)
			g_ptr_array_add(keys, g_strdup(*tag));
		if (t->row->tags[0] == NULL)
			g_ptr_array_add(keys, g_strdup("-"));
		break;
	case VOL_DOMAIN:
		at = strrchr(t->row->requester, '@');
		g_ptr_array_add(keys, g_ascii_strdown(at != NULL ? at + 1 : "-", -1));
		break;
	default:
		break;
	}
}

static gint
by_count_key(gconstpointer a, gconstpointer b)
{
	const report_count *x = *(report_count *const *)a, *y = *(report_count *const *)b;

	return x->n != y->n ? (x->n > y->n ? -1 : 1) : strcmp(x->key, y->key);
}

static gint
by_key(gconstpointer a, gconstpointer b)
{
	return strcmp((*(report_count *const *)a)->key, (*(report_count *const *)b)->key);
}

static void
count_free(gpointer p)
{
	report_count *c = p;

	g_free(c->key);
	g_free(c);
}

/* The volume of TICKETS (kept, opened in the period) under V. */
static GPtrArray *
volume_of(GPtrArray *tickets, report_vol v, zone *tz)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *out = g_ptr_array_new_with_free_func(count_free);
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer k, n;

	for (guint i = 0; i < tickets->len; i++) {
		g_ptr_array_set_size(keys, 0);
		keys_of(tickets->pdata[i], v, tz, keys);
		for (guint j = 0; j < keys->len; j++)
			count_key(h, keys->pdata[j]);
	}
	g_hash_table_iter_init(&it, h);
	while (g_hash_table_iter_next(&it, &k, &n)) {
		report_count *c = g_new0(report_count, 1);

		c->key = g_strdup(k);
		c->n = GPOINTER_TO_UINT(n);
		g_ptr_array_add(out, c);
	}
	g_ptr_array_sort(out, v <= VOL_MONTH ? by_key : by_count_key);
	g_ptr_array_unref(keys);
	g_hash_table_destroy(h);
	return out;
}

static void
figures_clear(report_figures *f)
{
	if (f->first_responses != NULL)
		g_array_unref(f->first_responses);
}

static void
group_free(gpointer p)
{
	report_group *g = p;

	g_free(g->key);
	figures_clear(&g->fig);
	g_free(g);
}

/* The keys of T for --by BY (times in TZ), added to KEYS. */
static void
group_keys(const rt *t, const char *by, zone *tz, GPtrArray *keys)
{
	if (is(by, "agent"))
		g_ptr_array_add(keys, g_strdup(*t->row->owner ? t->row->owner : "-"));
	else
		keys_of(t, is(by, "day") ? VOL_DAY : is(by, "week") ? VOL_WEEK
			   : is(by, "month") ? VOL_MONTH : is(by, "queue") ? VOL_QUEUE : VOL_TAG,
			tz, keys);
}

static gint
by_group_key(gconstpointer a, gconstpointer b)
{
	return strcmp((*(report_group *const *)a)->key, (*(report_group *const *)b)->key);
}

typedef struct group_acc {
	report_group *g;
	acc a;
} group_acc;

/* The groups of --by over KEPT. */
static GPtrArray *
groups_of(GPtrArray *kept, const report_opts *o, zone *tz, const report_csat *csat)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *out = g_ptr_array_new_with_free_func(group_free);
	GHashTableIter it;
	gpointer v;

	for (guint i = 0; i < kept->len; i++) {
		const csat_figures *sf = g_hash_table_lookup(csat->tickets, GUINT_TO_POINTER(((rt *)kept->pdata[i])->number));

		g_ptr_array_set_size(keys, 0);
		group_keys(kept->pdata[i], o->by, tz, keys);
		for (guint j = 0; j < keys->len; j++) {
			group_acc *ga = g_hash_table_lookup(h, keys->pdata[j]);

			if (ga == NULL) {
				ga = g_new0(group_acc, 1);
				ga->g = g_new0(report_group, 1);
				ga->g->key = g_strdup(keys->pdata[j]);
				acc_init(&ga->a, &ga->g->fig);
				g_hash_table_insert(h, ga->g->key, ga);
			}
			acc_add(&ga->a, kept->pdata[i], o);
			if (sf != NULL)
				for (int k = 0; k < SURVEY_KINDS; k++)
					csat_add(&ga->g->csat[k], &sf[k]);
		}
	}
	g_hash_table_iter_init(&it, h);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		group_acc *ga = v;

		acc_finish(&ga->a);
		g_ptr_array_add(out, ga->g);
	}
	g_ptr_array_sort(out, by_group_key);
	g_ptr_array_unref(keys);
	g_hash_table_destroy(h);
	return out;
}

static void
agent_free(gpointer p)
{
	report_agent *a = p;

	g_free(a->login);
	g_free(a);
}

typedef struct agent_acc {
	report_agent *a;
	GArray *first;
	GHashTable *handled;
} agent_acc;

static agent_acc *
agent_of(GHashTable *h, const char *login)
{
	agent_acc *a = g_hash_table_lookup(h, login);

	if (a == NULL) {
		a = g_new0(agent_acc, 1);
		a->a = g_new0(report_agent, 1);
		a->a->login = g_strdup(login);
		a->first = g_array_new(FALSE, FALSE, sizeof(gint64));
		a->handled = g_hash_table_new(g_direct_hash, g_direct_equal);
		g_hash_table_insert(h, (gpointer)login, a);
	}
	return a;
}

static void
agent_add(GHashTable *h, const rt *t, const report_opts *o)
{
	GHashTableIter it;
	gpointer k, v;

	if (t->replied_by != NULL)
		g_hash_table_iter_init(&it, t->replied_by);
	while (t->replied_by != NULL && g_hash_table_iter_next(&it, &k, &v)) {
		agent_acc *a = agent_of(h, k);

		a->a->replies += GPOINTER_TO_UINT(v);
		g_hash_table_add(a->handled, GUINT_TO_POINTER(t->number));
	}
	if (t->solved_at != 0 && t->solved_at >= o->since && t->solved_by != NULL) {
		agent_acc *a = agent_of(h, t->solved_by);

		a->a->solved++;
		g_hash_table_add(a->handled, GUINT_TO_POINTER(t->number));
	}
	if (t->opened >= o->since && t->first_reply != 0 && t->first_by != NULL)
		g_array_append_val(agent_of(h, t->first_by)->first,
				   (gint64){ dur(t, t->opened, t->first_reply) });
}

static gint
by_login(gconstpointer a, gconstpointer b)
{
	return strcmp((*(report_agent *const *)a)->login, (*(report_agent *const *)b)->login);
}

/* Per agent, over KEPT; with --agent, that agent alone. */
static GPtrArray *
agents_of(GPtrArray *kept, const report_opts *o)
{
	GHashTable *h = g_hash_table_new(g_direct_hash, g_direct_equal);   /* interned logins */
	GPtrArray *out = g_ptr_array_new_with_free_func(agent_free);
	GHashTableIter it;
	gpointer v;

	for (guint i = 0; i < kept->len; i++)
		agent_add(h, kept->pdata[i], o);
	g_hash_table_iter_init(&it, h);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		agent_acc *a = v;

		a->a->handled = g_hash_table_size(a->handled);
		a->a->first_response = stat_of(a->first);
		if (o->agent == NULL || strcmp(a->a->login, o->agent) == 0)
			g_ptr_array_add(out, a->a);
		else
			agent_free(a->a);
		g_array_unref(a->first);
		g_hash_table_destroy(a->handled);
		g_free(a);
	}
	g_hash_table_destroy(h);
	g_ptr_array_sort(out, by_login);
	return out;
}

/* Sort TICKETS into R's left-out counts and KEPT; the figures of all. */
static void
figures_all(report *r, GPtrArray *tickets, GPtrArray *kept, const report_opts *o)
{
	acc a;

	acc_init(&a, &r->all);
	for (guint i = 0; i < tickets->len; i++) {
		rt *t = tickets->pdata[i];

		if (!left_out(t)) {
			acc_add(&a, t, o);
			g_ptr_array_add(kept, t);
		} else if (t->opened >= o->since) {
			r->spam += is(t->state, "spam") || is(t->row->status, "spam");
			r->merged += is(t->state, "merged");
			r->purged += is(t->state, "purged");
		}
	}
	acc_finish(&a);
}

/* The topics of KEPT rising in the last week of the period. */
static GPtrArray *
trends_of(GPtrArray *kept, const report_opts *o)
{
	trend_ticket *tt = g_new0(trend_ticket, kept->len + 1);
	GPtrArray *out;

	for (guint i = 0; i < kept->len; i++) {
		const rt *t = kept->pdata[i];

		tt[i] = (trend_ticket){ .number = t->number, .opened = t->opened, .subject = t->row->subject,
					.requester = t->row->requester, .tags = t->row->tags };
	}
	out = trend_rising(tt, kept->len, o->until, REPORT_TRENDS);
	g_free(tt);
	return out;
}

/* The backlog at the end of each day, week or month of the period (from
 * the first ticket opened when it has no start), of KEPT. */
static void
backlog_over_time(report *r, GPtrArray *kept, const report_opts *o, GTimeZone *tz)
{
	gint64 start = o->since;

	for (guint i = 0; o->since == 0 && i < kept->len; i++) {
		gint64 opened = ((rt *)kept->pdata[i])->opened;

		start = start == 0 ? opened : MIN(start, opened);
	}
	if (start == 0 || start >= o->until) {
		r->backlog_unit = "day";
		r->backlog_series = rseries_points(0, 0, tz, "day");
		return;
	}
	r->backlog_unit = rseries_unit(start, o->until, tz);
	r->backlog_series = rseries_points(start, o->until, tz, r->backlog_unit);
	for (guint i = 0; i < kept->len; i++) {
		const rt *t = kept->pdata[i];

		rseries_add(r->backlog_series, t->opened, t->toggles != NULL ? (const gint64 *)(void *)t->toggles->data : NULL,
			    t->toggles != NULL ? t->toggles->len : 0);
	}
}

/* KB deflection over IN (kept, opened in the period). */
static void
deflection_of(report_deflection *d, GPtrArray *in)
{
	for (guint i = 0; i < in->len; i++) {
		const rt *t = in->pdata[i];
		gboolean deflected = is_done(t->state) && t->replies == 0;

		if (t->ack == RF_ACK_KB) {
			d->offered++;
			d->offered_deflected += deflected;
		} else if (t->ack == RF_ACK) {
			d->plain++;
			d->plain_deflected += deflected;
		}
	}
	d->offered_rate = d->offered ? (double)((2000u * d->offered_deflected + d->offered) / (2u * d->offered)) / 10 : 0;
	d->plain_rate = d->plain ? (double)((2000u * d->plain_deflected + d->plain) / (2u * d->plain)) / 10 : 0;
}

static void
report_fill(report *r, GPtrArray *tickets, const report_opts *o)
{
	GPtrArray *kept = g_ptr_array_new(), *in = g_ptr_array_new();
	zone z = { zone_of(o->timezone), { 0 }, { 0 }, { NULL } }, *tz = &z;

	figures_all(r, tickets, kept, o);
	for (guint i = 0; i < kept->len; i++)
		if (((rt *)kept->pdata[i])->opened >= o->since)
			g_ptr_array_add(in, kept->pdata[i]);
	for (guint v = 0; v < VOL_N; v++)
		r->volume[v] = volume_of(in, v, tz);
	r->agents = agents_of(kept, o);
	r->trends = trends_of(kept, o);
	if (o->by != NULL)
		r->groups = groups_of(kept, o, tz, r->csat);
	r->sla_configured = o->cfg != NULL && o->cfg->sla != NULL && o->cfg->sla->len > 0;
	r->sla = rsla_new(o->cfg);
	for (guint i = 0; r->sla->len > 0 && i < kept->len; i++) {
		const ticket_info *row = ((rt *)kept->pdata[i])->row;

		if (row->updated >= o->since)   /* else its cycles all began before */
			rsla_add(r->sla, o->cfg, row, o->since, o->until);
	}
	rsla_finish(r->sla);
	backlog_over_time(r, kept, o, z.tz);
	deflection_of(&r->deflection, in);
	zone_clear(&z);
	g_ptr_array_unref(in);
	g_ptr_array_unref(kept);
}

desk_status
report_compute(notmuch_database_t *db, const report_opts *opts, report **out, desk_err *err)
{
	report_opts o = *opts;
	GPtrArray *rows = g_ptr_array_new(), *tickets;
	GPtrArray *blocks = g_ptr_array_new_with_free_func(g_free);   /* where the rows are */
	GStringChunk *chunk = g_string_chunk_new(64 * 1024);   /* the rows' text, freed at once */
	GArray *facts = g_array_new(FALSE, FALSE, sizeof(rfact));
	GArray *spans = g_array_new(FALSE, FALSE, sizeof(tickettab_span));
	desk_calendar *defcal = NULL;
	rt *block = NULL;
	desk_status s = DESK_OK;

	*out = NULL;
	if (o.until == 0)
		o.until = desk_now();
	if (o.business)
		s = calendar_new(o.cfg != NULL ? o.cfg->timezone : o.timezone, REPORT_BUSINESS_HOURS, NULL, &defcal, err);
	if (s == DESK_OK && o.by != NULL && !report_by_valid(o.by))
		s = desk_fail(err, DESK_USAGE, "report: --by %s: not day, week, month, queue, agent or tag", o.by);
	else if (s == DESK_OK)   /* a ticket untouched since then and not waiting counts in nothing */
		s = tickettab_report(db, MIN(o.since, o.until - TREND_WEEKS * 7 * DAY), rows, blocks, chunk, facts, spans, err);
	if (s == DESK_OK) {
		tickets = fold_all(rows, facts, spans, &o, defcal, &block);
		*out = g_new0(report, 1);
		(*out)->hours = o.business ? "business" : "wall";
		(*out)->since = o.since;
		(*out)->until = o.until;
		s = csat_compute(db, o.since, o.until, o.queue, o.agent, o.timezone, &(*out)->csat, err);
		if (s == DESK_OK)   /* after csat_compute: each --by group has its tickets' surveys */
			report_fill(*out, tickets, &o);
		g_ptr_array_unref(tickets);
		rts_free(block, rows->len);
		(*out)->incidents = g_ptr_array_new_with_free_func((GDestroyNotify)incident_free);
		if (s == DESK_OK)   /* problems of the whole desk: no --queue or --agent */
			s = incident_list(db, o.since, o.until, (*out)->incidents, err);
		if (s != DESK_OK)
			g_clear_pointer(out, report_free);
	}
	g_array_unref(facts);
	g_array_unref(spans);
	g_ptr_array_unref(rows);
	g_ptr_array_unref(blocks);
	g_string_chunk_free(chunk);
	calendar_free(defcal);
	return s;
}

void
report_free(report *r)
{
	if (r == NULL)
		return;
	figures_clear(&r->all);
	csat_free(r->csat);
	for (guint v = 0; v < VOL_N; v++)
		if (r->volume[v] != NULL)
			g_ptr_array_unref(r->volume[v]);
	if (r->agents != NULL)
		g_ptr_array_unref(r->agents);
	if (r->groups != NULL)
		g_ptr_array_unref(r->groups);
	if (r->trends != NULL)
		g_ptr_array_unref(r->trends);
	if (r->sla != NULL)
		g_ptr_array_unref(r->sla);
	if (r->backlog_series != NULL)
		g_ptr_array_unref(r->backlog_series);
	if (r->incidents != NULL)
		g_ptr_array_unref(r->incidents);
	g_free(r);
}
