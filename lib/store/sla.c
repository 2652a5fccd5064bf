/* sla.c: a ticket's service levels from its SLA timeline (see sla.h). */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "sla.h"

/* One cycle of a target: [start, end), end 0 while it runs. */
typedef struct cycle {
	gint64 start, end;
} cycle;

/* What a walk over the timeline finds. */
typedef struct walk {
	cycle c[SLA_TARGETS];
	gboolean replied, gone;  /* an agent has replied; merged, spam, purged */
	GArray *pauses;          /* of cycle: the clock stopped; NULL for none yet */
	gint64 paused_since;     /* 0 unless stopped now */
	GPtrArray *stored;       /* "w TARGET CYCLE", "b TARGET CYCLE"; NULL for none yet */
	gboolean no_due;         /* due times are not wanted (sla_compute_period) */
} walk;

/* Add pause C to W's (made on first use: desk report walks every ticket's
 * timeline, and most have none). */
static void
pause_add(walk *w, cycle c)
{
	if (w->pauses == NULL)
		w->pauses = g_array_new(FALSE, FALSE, sizeof(cycle));
	g_array_append_val(w->pauses, c);
}

const sla_policy *
sla_policy_for(const desk_config *cfg, const ticket_info *t)
{
	const char *prio = t->priority != NULL && *t->priority != '\0' ? t->priority : "normal";

	for (guint i = 0; cfg->sla != NULL && i < cfg->sla->len; i++) {
		const sla_policy *p = cfg->sla->pdata[i];

		if (!g_strv_contains((const char *const *)p->priorities, prio))
			continue;
		if (p->queue != NULL && (t->queue == NULL || strcmp(p->queue, t->queue) != 0))
			continue;
		if (sla_policy_vip(p, t->requester))
			return p;
	}
	return NULL;
}

static gboolean
pauses_on(const sla_policy *p, const char *status)
{
	return (p->pause_pending && strcmp(status, "pending") == 0) ||
	       (p->pause_on_hold && strcmp(status, "on-hold") == 0);
}

static gboolean
is_done(const char *status)
{
	return strcmp(status, "solved") == 0 || strcmp(status, "closed") == 0;
}

static gboolean
is_gone(const char *status)
{
	return strcmp(status, "merged") == 0 || strcmp(status, "spam") == 0 || strcmp(status, "purged") == 0;
}

/* A change to STATUS at T: pauses, the end or restart of resolution. */
static void
walk_status(walk *w, const sla_policy *p, const char *status, gint64 t)
{
	gboolean stops = pauses_on(p, status);

	if (stops && w->paused_since == 0)
		w->paused_since = t;
	else if (!stops && w->paused_since != 0) {
		pause_add(w, (cycle){ w->paused_since, t });
		w->paused_since = 0;
	}
	if (is_done(status) && w->c[SLA_RESOLUTION].end == 0)
		w->c[SLA_RESOLUTION].end = t;
	else if (!is_done(status) && !is_gone(status) && w->c[SLA_RESOLUTION].end != 0) {
		w->c[SLA_RESOLUTION].start = t;   /* reopened: a new cycle */
		w->c[SLA_RESOLUTION].end = 0;
	}
	w->gone = is_gone(status);
}

typedef struct timed {
	gint64 time;
	const char *rest;   /* after the time: " KIND[ ARGS]", or NULL when it has no time */
} timed;

static gint
by_moment_time(gconstpointer a, gconstpointer b, gpointer unused)
{
	(void)unused;
	gint64 x = ((const timed *)a)->time, y = ((const timed *)b)->time;

	return x < y ? -1 : x > y;
}

/* The time at the start of MOMENT and *rest after it, as g_ascii_strtoll
 * reads it; the digits of our own timeline read by hand (every ticket's
 * moments are read for desk report). */
static gint64
time_of(const char *moment, const char **rest)
{
	const char *p = moment;
	gint64 v = 0;

	if (!g_ascii_isdigit(*p)) {
		char *end = NULL;

		v = g_ascii_strtoll(moment, &end, 10);
		*rest = end;
		return v;
	}
	for (; g_ascii_isdigit(*p) && p - moment < 18; p++)   /* no overflow */
		v = v * 10 + (*p - '0');
	if (g_ascii_isdigit(*p)) {   /* too long to be a time of ours */
		char *end = NULL;

		v = g_ascii_strtoll(moment, &end, 10);
		p = end;
	}
	*rest = p;
	return v;
}

/* The moments "T KIND[ ARGS]" of SLA (N of them) into T, by time: a
 * requester's mail counts from when it was delivered (lib/store/ticket.c),
 * so it may stand out of the order of Dates the fold saw. Equal times keep
 * their order. Each time is read once and a timeline already in order (most
 * are) is not sorted: desk report computes every ticket's. */
static void
in_time_order(char **sla, guint n, timed *t)
{
	gboolean sorted = TRUE;

	for (guint i = 0; i < n; i++) {
		t[i].time = time_of(sla[i], &t[i].rest);
		sorted = sorted && (i == 0 || t[i - 1].time <= t[i].time);
	}
	if (!sorted)   /* g_qsort_with_data is stable */
		g_qsort_with_data(t, (gint)n, sizeof *t, by_moment_time, NULL);
}

/* When the requester's first mail was delivered, or 0: a ticket's clocks
 * start no earlier, whatever Date it claims. */
static gint64
first_mail(const timed *t, guint n)
{
	for (guint i = 0; i < n; i++)
		if (t[i].rest != NULL && t[i].rest[0] == ' ' && t[i].rest[1] == 'm')
			return t[i].time;
	return 0;
}

/* One moment "T KIND[ ARGS]" of the timeline, T read: M. */
static void
walk_moment(walk *w, const sla_policy *p, const timed *m)
{
	const char *end = m->rest;
	gint64 t = m->time;
	cycle *next = &w->c[SLA_NEXT_RESPONSE];

	if (end == NULL || *end != ' ' || end[1] == '\0')
		return;
	switch (end[1]) {
	case 'r':
		if (w->c[SLA_FIRST_RESPONSE].end == 0)
			w->c[SLA_FIRST_RESPONSE].end = t;
		if (next->start != 0 && next->end == 0)
			next->end = t;
		w->replied = TRUE;
		break;
	case 'm':
		if (w->replied && (next->start == 0 || next->end != 0)) {
			next->start = t;
			next->end = 0;
		}
		break;
	case 's':
		if (end[2] == ' ')
			walk_status(w, p, end + 3, t);
		break;
	case 'w':
	case 'b':
		if (end[2] == ' ' && w->stored == NULL)
			w->stored = g_ptr_array_new_with_free_func(g_free);
		if (end[2] == ' ')
			g_ptr_array_add(w->stored, g_strdup(end + 1));
		break;
	}
}

/* The working time of [C.start, END) with the pauses taken out; *due
 * gets when TARGET working seconds are reached in it, 0 if they are not. */
static gint64
running_time(desk_calendar *cal, const walk *w, cycle c, gint64 end, gint64 target, gint64 *due)
{
	gint64 acc = 0, cursor = c.start;
	guint np = w->pauses != NULL ? w->pauses->len : 0;

	*due = 0;
	for (guint i = 0; i <= np; i++) {
		const cycle *p = i < np ? &g_array_index(w->pauses, cycle, i) : NULL;
		gint64 seg_end = p != NULL ? MIN(p->start, end) : end, b;

		if (p != NULL && p->end <= cursor)
			continue;
		b = calendar_between(cal, cursor, seg_end);
		if (*due == 0 && !w->no_due && b > 0 && acc + b >= target)
			*due = calendar_add(cal, cursor, target - acc);
		acc += b;
		if (p == NULL || p->start >= end)
			break;
		cursor = MAX(cursor, p->end);
	}
	return acc;
}

static gboolean
stored(const walk *w, char kind, sla_target t, gint64 start)
{
	char *want;
	gboolean yes = FALSE;

	if (w->stored == NULL)   /* most tickets: no text to make (desk report computes them all) */
		return FALSE;
	want = g_strdup_printf("%c %s %" G_GINT64_FORMAT, kind, sla_target_name(t), start);
	for (guint i = 0; !yes && i < w->stored->len; i++)
		yes = strcmp(w->stored->pdata[i], want) == 0;
	g_free(want);
	return yes;
}

static void
figure(const sla_policy *p, walk *w, sla_target t, gint64 now, sla_figure *f)
{
	cycle c = w->c[t];
	gint64 end = c.end != 0 ? c.end : now, due = 0;

	memset(f, 0, sizeof *f);
	if (p->target[t] == 0 || c.start == 0 || w->gone)
		return;
	f->active = TRUE;
	f->cycle = c.start;
	f->target = p->target[t];
	f->met = c.end;
	f->elapsed = running_time(p->cal, w, c, end, f->target, &due);
	f->paused = c.end == 0 && w->paused_since != 0;
	if (due == 0 && !f->paused && !w->no_due)
		due = calendar_add(p->cal, end, f->target - f->elapsed);
	f->due = due;
	f->warn = f->elapsed * 100 >= f->target * p->warn_percent;
	f->breach = c.end != 0 ? f->elapsed > f->target : f->elapsed >= f->target;
	f->warned = stored(w, 'w', t, c.start);
	f->breached = stored(w, 'b', t, c.start);
}

/* sla_compute, of the moments before CUT only (G_MAXINT64: all), the
 * figures of cycles that began at or after FROM only (0: all; the others
 * are left inactive, their working time not measured); NO_DUE: no due
 * times. */
static void
compute(const desk_config *cfg, const ticket_info *t, gint64 now, gint64 cut, gint64 from, gboolean no_due,
	sla_result *out)
{
	walk w = { .no_due = no_due };
	timed small[32], *moments;   /* most timelines fit on the stack */
	guint n;

	memset(out, 0, sizeof *out);
	out->policy = sla_policy_for(cfg, t);
	if (out->policy == NULL || t->created == 0)
		return;
	n = t->sla != NULL ? g_strv_length(t->sla) : 0;
	moments = n <= G_N_ELEMENTS(small) ? small : g_new(timed, n);
	in_time_order(t->sla, n, moments);
	if (cut != G_MAXINT64) {   /* the timeline as it stood at CUT */
		guint kept = 0;

		for (guint i = 0; i < n; i++)
			if (moments[i].time < cut)
				moments[kept++] = moments[i];
		n = kept;
	}
	w.c[SLA_FIRST_RESPONSE].start = w.c[SLA_RESOLUTION].start = MAX(t->created, first_mail(moments, n));
	for (guint i = 0; i < n; i++)
		walk_moment(&w, out->policy, &moments[i]);
	if (moments != small)
		g_free(moments);
	if (w.paused_since != 0) {
		pause_add(&w, (cycle){ w.paused_since, G_MAXINT64 });
	}
	for (int k = 0; k < SLA_TARGETS; k++)
		if (w.c[k].start >= from)
			figure(out->policy, &w, k, now, &out->fig[k]);
	if (w.pauses != NULL)
		g_array_unref(w.pauses);
	if (w.stored != NULL)
		g_ptr_array_unref(w.stored);
}

void
sla_compute(const desk_config *cfg, const ticket_info *t, gint64 now, sla_result *out)
{
	compute(cfg, t, now, G_MAXINT64, 0, FALSE, out);
}

void
sla_compute_at(const desk_config *cfg, const ticket_info *t, gint64 now, sla_result *out)
{
	compute(cfg, t, now, now, 0, FALSE, out);
}

void
sla_compute_period(const desk_config *cfg, const ticket_info *t, gint64 since, gint64 until, sla_result *out)
{
	compute(cfg, t, until, until, since, TRUE, out);
}

gint64
sla_due(const sla_result *r)
{
	gint64 due = 0;

	for (int k = 0; r->policy != NULL && k < SLA_TARGETS; k++) {
		const sla_figure *f = &r->fig[k];

		if (f->active && f->met == 0 && f->due > 0 && (due == 0 || f->due < due))
			due = f->due;
	}
	return due;
}

gboolean
sla_breaching(const sla_result *r)
{
	for (int k = 0; r->policy != NULL && k < SLA_TARGETS; k++)
		if (r->fig[k].active && r->fig[k].met == 0 && r->fig[k].breach)
			return TRUE;
	return FALSE;
}

typedef struct keyed {
	gint64 due;
	ticket_info *t;
} keyed;

static int
by_due(gconstpointer a, gconstpointer b)
{
	const keyed *x = a, *y = b;
	guint64 dx = x->due != 0 ? (guint64)x->due : G_MAXUINT64, dy = y->due != 0 ? (guint64)y->due : G_MAXUINT64;

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return x->t->number < y->t->number ? -1 : x->t->number > y->t->number;
}

void
sla_order(const desk_config *cfg, GPtrArray *tickets, gint64 now, gboolean breaching, gboolean sort)
{
	GArray *k = g_array_sized_new(FALSE, FALSE, sizeof(keyed), tickets->len);
	GDestroyNotify free_fn = (GDestroyNotify)ticket_info_free;

	for (guint i = 0; i < tickets->len; i++) {
		sla_result r;
		keyed e = { 0, tickets->pdata[i] };

		sla_compute(cfg, e.t, now, &r);
		e.due = sla_due(&r);
		if (!breaching || sla_breaching(&r))
			g_array_append_val(k, e);
		else
			free_fn(e.t);
		tickets->pdata[i] = NULL;
	}
	if (sort)
		g_array_sort(k, by_due);
	g_ptr_array_set_size(tickets, 0);
	for (guint i = 0; i < k->len; i++)
		g_ptr_array_add(tickets, g_array_index(k, keyed, i).t);
	g_array_unref(k);
}

static gboolean
agent_known(const desk_config *cfg, const char *login)
{
	for (guint i = 0; i < cfg->agents->len; i++)
		if (strcmp(((desk_agent *)cfg->agents->pdata[i])->login, login) == 0)
			return TRUE;
	return FALSE;
}

/* DESK_CONFIG with P's KEY's place, and WHY. */
static desk_status
bad(const sla_policy *p, const char *key, const char *why, const char *value, desk_err *err)
{
	char *where = sla_policy_where(p, key);

	desk_fail(err, DESK_CONFIG, "%s: %s: %s", where, why, value);
	g_free(where);
	return DESK_CONFIG;
}

static desk_status
check_policy(const desk_config *cfg, const sla_policy *p, desk_err *err)
{
	for (char **pr = p->priorities; *pr != NULL; pr++)
		if (**pr != '\0' && !ticket_priority_valid(*pr))
			return bad(p, "priority", "unknown priority (low, normal, high, urgent)", *pr, err);
	if (p->queue != NULL && !config_queue_known(cfg, p->queue))
		return bad(p, "queue", "unknown queue", p->queue, err);
	if (p->move_queue != NULL && !config_queue_known(cfg, p->move_queue))
		return bad(p, "escalate_queue", "unknown queue", p->move_queue, err);
	if (p->reassign != NULL && !agent_known(cfg, p->reassign))
		return bad(p, "escalate_owner", "no such agent", p->reassign, err);
	if (p->raise != NULL && strcmp(p->raise, "raise") != 0 && !ticket_priority_valid(p->raise))
		return bad(p, "escalate_priority", "not raise or a priority (low, normal, high, urgent)", p->raise,
			   err);
	return DESK_OK;
}

desk_status
sla_config_check(const desk_config *cfg, desk_err *err)
{
	desk_status s = DESK_OK;

	for (guint i = 0; s == DESK_OK && cfg->sla != NULL && i < cfg->sla->len; i++)
		s = check_policy(cfg, cfg->sla->pdata[i], err);
	return s;
}
