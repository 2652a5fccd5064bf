/* slacheck.c: desk sla check (see slacheck.h). An SLA event is an
 * ordinary event (X-Desk-Event sla-warning or sla-breach, X-Desk-Set
 * target, cycle, due, policy, by=system), so desk show tells it, desk
 * reindex keeps it, and the hooks of its name run on it. */
#include <string.h>

#include "change.h"
#include "clock.h"
#include "log.h"
#include "sendmail.h"
#include "sla.h"
#include "slacheck.h"
#include "template.h"
#include "xset.h"

/* A manager's mail composed under the lock, sent after it. */
typedef struct outgoing {
	guint ticket;
	char *to, *text;
} outgoing;

typedef struct run {
	desk_store *st;
	desk_change *c;
	gboolean dry_run;
	GPtrArray *out;          /* lines, may be NULL */
	GPtrArray *mail;         /* of outgoing* */
	gint64 now;
} run;

static void
outgoing_free(outgoing *o)
{
	g_free(o->to);
	g_free(o->text);
	g_free(o);
}

/* T as ISO 8601 UTC, "-" when there is none (0: paused; never). */
static char *
utc(gint64 t)
{
	GDateTime *dt;
	char *s;

	if (t <= 0 || t == G_MAXINT64)
		return g_strdup("-");
	dt = g_date_time_new_from_unix_utc(t);
	s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(dt);
	return s;
}

/* "4h", "1h30m", "45m", "30s" for SECS. Caller g_free()s. */
static char *
span(gint64 secs)
{
	GString *s = g_string_new(NULL);

	if (secs >= 3600)
		g_string_append_printf(s, "%" G_GINT64_FORMAT "h", secs / 3600);
	if (secs % 3600 >= 60)
		g_string_append_printf(s, "%" G_GINT64_FORMAT "m", secs % 3600 / 60);
	if (secs < 60 || (secs % 60 != 0 && secs < 3600))
		g_string_append_printf(s, "%" G_GINT64_FORMAT "s", secs % 60);
	return g_string_free(s, FALSE);
}

static void
say(run *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void
say(run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->out == NULL)
		return;
	va_start(ap, fmt);
	g_ptr_array_add(r->out, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* Store EVENT (sla-warning, sla-breach) of target K of ticket T. */
static desk_status
sla_event(run *r, const ticket_info *t, const sla_result *res, int k, const char *event, desk_err *err)
{
	const sla_figure *f = &res->fig[k];
	char *due = utc(f->due), *allowed = span(f->target), *used = span(f->elapsed), *cycle, *line;
	xset *set = xset_new();
	desk_status s = DESK_OK;

	cycle = g_strdup_printf("%" G_GINT64_FORMAT, f->cycle);
	xset_add(set, "target", sla_target_name(k));
	xset_add(set, "cycle", cycle);
	xset_add(set, "due", strcmp(due, "-") != 0 ? due : "");
	xset_add(set, "policy", res->policy->name);
	line = strcmp(event, "sla-breach") == 0
		? g_strdup_printf("SLA breach: %s target of %s (policy %s) missed, due %s", sla_target_name(k), allowed,
				  res->policy->name, due)
		: g_strdup_printf("SLA warning: %s of the %s target of %s used (policy %s), due %s", used,
				  sla_target_name(k), allowed, res->policy->name, due);
	if (!r->dry_run)
		s = change_event(r->c, t, NULL, event, set, line, err);
	if (s == DESK_OK)
		say(r, "%u: %s%s %s (due %s)", t->number, r->dry_run ? "would write " : "", event, sla_target_name(k),
		    due);
	xset_free(set);
	g_free(line);
	g_free(cycle);
	g_free(due);
	g_free(allowed);
	g_free(used);
	return s;
}

/* One step up from P, or P when it is the highest. */
static const char *
raised(const char *p)
{
	static const char *const order[] = { "low", "normal", "high", "urgent", "urgent" };

	for (int i = 0; i < 4; i++)
		if (strcmp(order[i], p) == 0)
			return order[i + 1];
	return "high";
}

/* A change of KEY to VALUE by the system, as EVENT, unless T has it. */
static desk_status
escalate_set(run *r, const ticket_info *t, const char *event, const char *key, const char *value,
	     const char *now_value, desk_err *err)
{
	xset *set;
	char *line;
	desk_status s = DESK_OK;

	if (now_value != NULL && strcmp(now_value, value) == 0)
		return DESK_OK;
	set = xset_new();
	xset_add(set, key, value);
	line = g_strdup_printf("SLA escalation: %s %s", key, value);
	if (!r->dry_run)
		s = change_event(r->c, t, NULL, event, set, line, err);
	if (s == DESK_OK)
		say(r, "%u: %sset %s %s", t->number, r->dry_run ? "would " : "", key, value);
	g_free(line);
	xset_free(set);
	return s;
}

/* The manager's mail about target K of T: stored as event notify now,
 * sent after the change is committed. */
static desk_status
escalate_mail(run *r, const ticket_info *t, const sla_result *res, int k, desk_err *err)
{
	const sla_policy *p = res->policy;
	GHashTable *vars = template_vars(r->st, t, NULL);
	desk_template *tpl = NULL;
	desk_status s;

	g_hash_table_insert(vars, g_strdup("target"), g_strdup(sla_target_name(k)));
	g_hash_table_insert(vars, g_strdup("allowed"), span(res->fig[k].target));
	g_hash_table_insert(vars, g_strdup("due"), utc(res->fig[k].due));
	g_hash_table_insert(vars, g_strdup("policy"), g_strdup(p->name));
	if (!g_hash_table_contains(vars, "owner") || *(char *)g_hash_table_lookup(vars, "owner") == '\0')
		g_hash_table_insert(vars, g_strdup("owner"), g_strdup("nobody"));
	s = template_load(r->st, p->mail_template, vars, &tpl, err);
	if (s == DESK_OK && !r->dry_run) {
		char *subject = tpl->subject != NULL ? g_strdup(tpl->subject)
						     : g_strdup_printf("SLA breach: ticket #%u", t->number);
		GMimeMessage *msg = event_message_new(r->st, t, "maildesk", event_desk_address(r->st, t->queue), p->mail,
						      subject, NULL, tpl->body);
		xset *set = xset_new();
		char *about = g_strdup_printf("sla-breach %s %" G_GINT64_FORMAT, sla_target_name(k), res->fig[k].cycle);
		desk_block b = { t->number, t->queue, "notify", set, NULL, NULL };

		event_set_to(msg, NULL, p->mail);
		g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted", "auto-generated", NULL);
		xset_add(set, "notified", p->mail);
		xset_add(set, "about", about);
		xset_add(set, "why", "sla-breach");
		xset_add(set, "by", "system");
		if ((s = change_deliver(r->c, &b, msg, err)) == DESK_OK) {
			outgoing *o = g_new0(outgoing, 1);

			o->ticket = t->number;
			o->to = g_strdup(p->mail);
			o->text = event_to_string(msg);
			g_ptr_array_add(r->mail, o);
		}
		xset_free(set);
		g_free(about);
		g_free(subject);
		g_object_unref(msg);
	}
	if (s == DESK_OK)
		say(r, "%u: %smail %s", t->number, r->dry_run ? "would " : "", p->mail);
	template_free(tpl);
	g_hash_table_unref(vars);
	return s;
}

/* The escalations of policy P on a new breach of target K of T. */
static desk_status
escalate(run *r, const ticket_info *t, const sla_result *res, int k, desk_err *err)
{
	const sla_policy *p = res->policy;
	desk_status s = DESK_OK;

	if (p->raise != NULL)
		s = escalate_set(r, t, "priority", "priority",
				 strcmp(p->raise, "raise") == 0 ? raised(t->priority) : p->raise, t->priority, err);
	if (s == DESK_OK && p->move_queue != NULL)
		s = escalate_set(r, t, "queue", "queue", p->move_queue, t->queue, err);
	if (s == DESK_OK && p->reassign != NULL)
		s = escalate_set(r, t, "assign", "owner", p->reassign, t->owner, err);
	if (s == DESK_OK && p->mail != NULL)
		s = escalate_mail(r, t, res, k, err);
	return s;
}

/* The events due for ticket T; escalations once, on its first new breach. */
static desk_status
check_ticket(run *r, const ticket_info *t, desk_err *err)
{
	sla_result res;
	desk_status s = DESK_OK;
	int first_breach = -1;

	sla_compute(r->st->cfg, t, r->now, &res);
	for (int k = 0; s == DESK_OK && res.policy != NULL && k < SLA_TARGETS; k++) {
		const sla_figure *f = &res.fig[k];

		if (!f->active)
			continue;
		if (f->warn && !f->warned)
			s = sla_event(r, t, &res, k, "sla-warning", err);
		if (s == DESK_OK && f->breach && !f->breached) {
			s = sla_event(r, t, &res, k, "sla-breach", err);
			if (first_breach < 0)
				first_breach = k;
		}
	}
	if (s == DESK_OK && first_breach >= 0)
		s = escalate(r, t, &res, first_breach, err);
	return s;
}

/* Send the managers' mail stored; a failure is logged (the mail is in
 * its ticket, desk show tells it). */
static void
send_mail(run *r)
{
	for (guint i = 0; i < r->mail->len; i++) {
		const outgoing *o = r->mail->pdata[i];
		desk_err err = { 0 };

		if (sendmail_send(r->st, o->text, "<>", &err) != DESK_OK)
			desk_log(LOG_WARNING, "ticket %u: SLA escalation stored, not sent to %s: %s", o->ticket, o->to,
				 err.msg);
	}
}

desk_status
sla_check(desk_store *st, gboolean dry_run, GPtrArray *out, desk_err *err)
{
	ticket_filter f = { .statuses = NULL, .sort = SORT_AGE };
	GPtrArray *tickets = NULL;
	run r = { st, NULL, dry_run, out, g_ptr_array_new_with_free_func((GDestroyNotify)outgoing_free), desk_now() };
	desk_status s;

	if (st->cfg->sla->len == 0) {
		g_ptr_array_unref(r.mail);
		return DESK_OK;
	}
	s = change_begin(st, &r.c, err);
	if (s == DESK_OK)
		s = ticket_list(change_db(r.c), &f, &tickets, NULL, err);
	for (guint i = 0; s == DESK_OK && i < tickets->len; i++)
		s = check_ticket(&r, tickets->pdata[i], err);
	if (tickets != NULL)
		g_ptr_array_unref(tickets);
	s = change_finish(r.c, s, err);
	if (s == DESK_OK)
		send_mail(&r);
	g_ptr_array_unref(r.mail);
	return s;
}
