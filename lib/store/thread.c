/* thread.c: the threading order of DESIGN.md, as one function. */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "agent.h"
#include "blocklist.h"
#include "ratelimit.h"
#include "sender.h"
#include "seal.h"
#include "survey.h"
#include "thread.h"
#include "token.h"

guint
thread_bounced(GBytes *secret, const char *buf, gsize len)
{
	const char *p = buf, *end = buf + len;

	while (p < end && (p = memchr(p, '<', end - p)) != NULL) {
		const char *q = memchr(p, '>', MIN((gsize)(end - p), FACTS_MAX_ID + 2));
		guint t = 0;

		if (q != NULL) {
			char *id = g_strndup(p + 1, q - p - 1);
			gboolean ours = token_parse_msgid(secret, id, &t);

			g_free(id);
			if (ours)
				return t;
		}
		p++;
	}
	return 0;
}

/* The ticket of a subject tag of FORMAT that starts at P, 0 if none
 * there; *end gets what follows it. */
static guint
tag_at(const char *format, const char *p, const char **end)
{
	const char *n = strstr(format, "%n");
	size_t plen = n - format;
	const char *suffix = n + 2, *d;
	guint64 v = 0;

	if (strncmp(p, format, plen) != 0)
		return 0;
	d = p + plen;
	while (g_ascii_isdigit(*d) && v < G_MAXUINT)
		v = v * 10 + (*d++ - '0');
	if (d == p + plen || v == 0 || v >= G_MAXUINT || strncmp(d, suffix, strlen(suffix)) != 0)
		return 0;
	*end = d + strlen(suffix);
	return (guint)v;
}

guint
thread_subject_tag(const char *format, const char *subject)
{
	const char *end;

	for (const char *p = subject; *p != '\0'; p++) {
		guint v = tag_at(format, p, &end);

		if (v != 0)
			return v;
	}
	return 0;
}

/* Whether S starts with "Re:" (any case, spaces after); *rest after them. */
static gboolean
re_prefix(const char *s, const char **rest)
{
	if (g_ascii_strncasecmp(s, "re:", 3) != 0)
		return FALSE;
	for (s += 3; *s == ' ' || *s == '\t'; s++)
		;
	*rest = s;
	return TRUE;
}

char *
thread_subject_untagged(const char *format, const char *subject)
{
	GString *out = g_string_new(NULL);
	const char *p = subject != NULL ? subject : "", *rest, *next;

	while (*p != '\0') {
		const char *end;

		if (tag_at(format, p, &end) == 0) {
			g_string_append_c(out, *p++);
			continue;
		}
		p = end;  /* the tag and the blanks after it go */
		while ((*p == ' ' || *p == '\t') && (out->len == 0 || out->str[out->len - 1] == ' '))
			p++;
	}
	while (out->len > 0 && (out->str[out->len - 1] == ' ' || out->str[out->len - 1] == '\t'))
		g_string_truncate(out, out->len - 1);
	p = out->str;
	while (*p == ' ' || *p == '\t')
		p++;
	while (re_prefix(p, &rest) && re_prefix(rest, &next))
		p = rest;  /* "Re: Re: x" is "Re: x" */
	if (re_prefix(p, &rest) && *rest == '\0')
		p = rest;  /* "Re:" of nothing is nothing */
	next = g_strdup(p);
	g_string_free(out, TRUE);
	return (char *)next;
}

static void
set(thread_decision *d, guint ticket, const char *reason)
{
	d->ticket = ticket;
	g_strlcpy(d->reason, reason, sizeof d->reason);
	g_strlcpy(d->match, reason, sizeof d->match);
}

/* The desk address the message came to and its queue. */
static const char *
find_queue(desk_store *st, const msg_facts *f, const char *rcpt, char **ext)
{
	const desk_config *cfg = st->cfg;
	const char *q = NULL;

	if (rcpt != NULL)
		q = config_queue_for(cfg, rcpt, ext);
	if (q == NULL && f->x_original_to != NULL)
		q = config_queue_for(cfg, f->x_original_to, ext);
	for (guint i = 0; q == NULL && i < f->recipients->len; i++)
		q = config_queue_for(cfg, f->recipients->pdata[i], ext);
	if (q == NULL && cfg->addresses->len > 0)
		q = ((desk_address *)cfg->addresses->pdata[0])->queue;
	return q != NULL ? q : "support";
}

/* Ticket of a Message-ID: ours by signature, else a stored one. */
static desk_status
ticket_of_id(desk_store *st, desk_lookup *lk, const char *id, guint *t, desk_err *err)
{
	*t = 0;
	if (id == NULL || token_parse_msgid(st->secret, id, t))
		return DESK_OK;
	return lookup_msgid(lk, id, t, err);
}

/* Rule 2: In-Reply-To, then References from the newest. */
static desk_status
by_headers(desk_store *st, desk_lookup *lk, const msg_facts *f, thread_decision *d, desk_err *err)
{
	guint t;
	desk_status s = ticket_of_id(st, lk, f->in_reply_to, &t, err);

	if (s != DESK_OK || t != 0) {
		if (t != 0)
			set(d, t, "in-reply-to");
		return s;
	}
	for (guint i = f->references->len; i-- > 0;) {
		if ((s = ticket_of_id(st, lk, f->references->pdata[i], &t, err)) != DESK_OK)
			return s;
		if (t != 0) {
			set(d, t, "references");
			return DESK_OK;
		}
	}
	return DESK_OK;
}

static desk_status
by_subject(desk_store *st, desk_lookup *lk, const msg_facts *f, thread_decision *d, desk_err *err)
{
	guint t = f->subject != NULL ? thread_subject_tag(st->cfg->subject_tag, f->subject) : 0;
	gboolean exists = FALSE;
	desk_status s;

	if (t == 0)
		return DESK_OK;
	if ((s = lookup_ticket_exists(lk, t, &exists, err)) == DESK_OK && exists)
		set(d, t, "subject-tag");
	return s;
}

/* Whether FROM can be a participant of customer mail: never the desk's
 * own addresses, never an agent's (agents work by the MTA's word,
 * lib/desk/bymail.h), never nobody. */
static gboolean
may_participate(desk_store *st, const char *from)
{
	if (from == NULL || *from == '\0' || config_queue_for(st->cfg, from, NULL) != NULL)
		return FALSE;
	for (guint i = 0; i < st->cfg->agents->len; i++)
		if (addr_same(((desk_agent *)st->cfg->agents->pdata[i])->address, from))
			return FALSE;
	return TRUE;
}

/* *yes = whether F's sender is a participant of TICKET. */
static desk_status
participant(desk_store *st, desk_lookup *lk, guint ticket, const msg_facts *f, gboolean *yes, desk_err *err)
{
	*yes = FALSE;
	if (!may_participate(st, f->from))
		return DESK_OK;
	return lookup_participant(lk, ticket, f->from, yes, err);
}

/* A participant's match is held when require_aligned_sender says so. */
static void
check_aligned(desk_store *st, const msg_facts *f, thread_decision *d)
{
	const char *why = sender_hold(st->cfg, sender_verdict(st->cfg, f, NULL));

	if (why != NULL) {
		d->held = d->auth_held = TRUE;
		g_strlcat(d->match, "; held: ", sizeof d->match);
		g_strlcat(d->match, why, sizeof d->match);
	}
}

/* Matches by headers or subject from a non-participant are held, and
 * those whose From the MTA's authenticators do not vouch for as the
 * policy asks (require_aligned_sender: a forged From of a participant). */
static desk_status
check_participant(desk_store *st, desk_lookup *lk, const msg_facts *f, thread_decision *d, desk_err *err)
{
	gboolean yes = FALSE;
	desk_status s = participant(st, lk, d->ticket, f, &yes, err);

	if (s == DESK_OK && !yes) {
		d->held = TRUE;
		g_strlcat(d->match, "; held: sender not a participant", sizeof d->match);
	} else if (s == DESK_OK) {
		check_aligned(st, f, d);
	}
	return s;
}

/* A new ticket for D, with REASON ("new" or "new; follows ..."): a number
 * taken, unless a rate limit is reached (thread.h, THREAD_HOLD_OVER_LIMIT). */
static desk_status
new_ticket(desk_store *st, const msg_facts *f, guint flags, thread_decision *d, const char *reason,
	   desk_err *err)
{
	int over = st->no_followup ? -1 : ratelimit_take(st->rate, st->cfg, RATE_KIND_NEW, f->from);
	guint t = 0;
	desk_status s;

	if (over >= 0 && !(flags & THREAD_HOLD_OVER_LIMIT)) {
		memset(d->match, 0, sizeof d->match);
		d->ticket = 0;
		d->limit = ratelimit_name(over);
		return DESK_OK;
	}
	if ((s = store_next_ticket(st, &t, err)) != DESK_OK)
		return s;
	set(d, t, "new");
	g_strlcpy(d->match, reason, sizeof d->match);
	d->is_new = TRUE;
	if (over >= 0) {
		char note[80];

		snprintf(note, sizeof note, "; held: over %s (%s)", ratelimit_name(over), st->cfg->rate_spec[over]);
		g_strlcat(d->match, note, sizeof d->match);
		d->held = TRUE;
		d->limit = ratelimit_name(over);
	}
	return DESK_OK;
}

/* Mail that matched closed ticket D->ticket starts a new ticket that
 * follows it (linked both ways later, lib/desk/links.c); automatic mail (an
 * out-of-office, a bounce) joins the closed ticket quietly instead. */
static desk_status
follow_closed(desk_store *st, desk_lookup *lk, const msg_facts *f, guint flags, thread_decision *d,
	      desk_err *err)
{
	char *status = NULL, reason[48];
	guint old = d->ticket;
	desk_status s;

	if (f->is_auto || f->is_bulk || f->is_bounce)
		return DESK_OK;
	s = lookup_ticket_status(lk, old, &status, err);
	if (s == DESK_OK && strcmp(status, "closed") == 0) {
		snprintf(reason, sizeof reason, "new; follows closed ticket %u", old);
		s = new_ticket(st, f, flags, d, reason, err);
	}
	g_free(status);
	return s;
}

/* An answer to a survey (lib/store/survey.h): a signed link joins the
 * ticket it names, held (it changes nothing by itself; the follow-up
 * records the rating, lib/desk/survey-answer.c); one that does not verify
 * joins the ticket it names held as well, when there is one, and is
 * logged as a bad token. TRUE when EXT was a survey address and D is
 * decided; FALSE: thread on as usual (D->bad_token set for a bad one). */
static gboolean
by_survey(desk_store *st, desk_lookup *lk, const char *ext, thread_decision *d, desk_status *s, desk_err *err)
{
	survey_link link;
	survey_link_status ls = survey_parse_ext(st->secret, ext, &link);
	gboolean exists = FALSE;
	char match[48];

	*s = DESK_OK;
	if (ls == SURVEY_LINK_NONE)
		return FALSE;
	d->bad_token = ls == SURVEY_LINK_BAD;
	if (link.ticket == 0 || (*s = lookup_ticket_exists(lk, link.ticket, &exists, err)) != DESK_OK || !exists)
		return *s != DESK_OK;
	set(d, link.ticket, "survey");
	if (ls == SURVEY_LINK_OK)
		survey_match(&link, match, sizeof match);
	else
		g_strlcpy(match, "survey", sizeof match);
	g_snprintf(d->match, sizeof d->match, "%s; held: %s", match,
		   ls == SURVEY_LINK_OK ? (link.optout ? "survey opt-out" : "survey answer") : "bad survey token");
	d->held = TRUE;
	return TRUE;
}

/* A Message-ID already stored makes a duplicate, whose content the
 * indexer compares (a redelivery is dropped, anything else gets an id of
 * its own and is decided again with THREAD_ID_TAKEN). A Message-ID alone,
 * even one of ours, never makes mail the desk's own. */
static desk_status
decide(desk_store *st, desk_lookup *lk, const msg_facts *f, const char *ext, guint bounced, guint flags,
       thread_decision *d, desk_err *err)
{
	guint t = 0;
	desk_status s;

	if (f->message_id != NULL && !(flags & THREAD_ID_TAKEN)) {
		if ((s = lookup_msgid(lk, f->message_id, &t, err)) != DESK_OK)
			return s;
		if (t != 0) {
			set(d, t, "duplicate");
			return DESK_OK;
		}
	}
	if (ext != NULL && by_survey(st, lk, ext, d, &s, err))
		return s;
	if (ext != NULL && token_check_ext(st->secret, ext, &t)) {
		set(d, t, "token");
		return follow_closed(st, lk, f, flags, d, err);
	}
	d->bad_token = d->bad_token || (ext != NULL && strchr(ext, '-') != NULL);
	if (bounced != 0) {
		set(d, bounced, "bounce");
		return DESK_OK;
	}
	if ((s = by_headers(st, lk, f, d, err)) != DESK_OK)
		return s;
	if (d->ticket == 0 && (s = by_subject(st, lk, f, d, err)) != DESK_OK)
		return s;
	if (d->ticket != 0 && (s = follow_closed(st, lk, f, flags, d, err)) != DESK_OK)
		return s;
	if (d->is_new || d->limit != NULL)
		return DESK_OK;
	if (d->ticket != 0)
		return check_participant(st, lk, f, d, err);
	return new_ticket(st, f, flags, d, "new", err);
}

/* desk merge: mail for a ticket merged into another lands in that one
 * (by token, In-Reply-To/References or subject tag alike). A sender who is
 * a participant of either ticket is not held. Our own mail and new
 * tickets stay where they are. */
static desk_status
follow_merge(desk_store *st, desk_lookup *lk, const msg_facts *f, thread_decision *d, desk_err *err)
{
	guint into = d->ticket;
	gboolean yes = FALSE;
	char note[40];
	desk_status s;

	/* a survey answer stays with the ticket it rates (ignored when merged) */
	if (d->ticket == 0 || d->is_new || strcmp(d->reason, "duplicate") == 0 || strcmp(d->reason, "survey") == 0)
		return DESK_OK;
	if ((s = lookup_ticket_merged_into(lk, d->ticket, &into, err)) != DESK_OK || into == d->ticket)
		return s;
	if (d->held && !d->auth_held && (s = participant(st, lk, into, f, &yes, err)) != DESK_OK)
		return s;
	if (d->held && !d->auth_held && yes) {
		d->held = FALSE;
		g_strlcpy(d->match, d->reason, sizeof d->match);
		check_aligned(st, f, d);
	}
	snprintf(note, sizeof note, "; merged from %u", d->ticket);
	g_strlcat(d->match, note, sizeof d->match);
	d->ticket = into;
	return DESK_OK;
}

desk_status
thread_decide(desk_store *st, desk_lookup *lk, const msg_facts *f, const char *rcpt, guint bounced,
	      guint flags, thread_decision *d, desk_err *err)
{
	char *ext = NULL;
	desk_status s;

	memset(d, 0, sizeof *d);
	g_strlcpy(d->queue, find_queue(st, f, rcpt, &ext), sizeof d->queue);
	s = decide(st, lk, f, ext, bounced, flags, d, err);
	if (s == DESK_OK)
		s = follow_merge(st, lk, f, d, err);
	g_free(ext);
	return s;
}

gboolean
thread_hold_blocked(desk_blocklist *bl, const char *envfrom, const msg_facts *f, thread_decision *d)
{
	if (bl == NULL ||
	    (!blocklist_has(bl, envfrom) && !blocklist_has(bl, f->return_path) && !blocklist_has(bl, f->from)))
		return FALSE;
	d->held = TRUE;
	g_strlcat(d->match, "; held: sender blocked", sizeof d->match);
	return TRUE;
}

const char *
thread_participant(desk_store *st, const thread_decision *d, const msg_facts *f)
{
	if (d->held || !may_participate(st, f->from))
		return NULL;
	return d->is_new || strcmp(d->reason, "token") == 0 ? f->from : NULL;
}

char *
thread_headers(desk_store *st, const thread_decision *d, const char *message_id, const char *digest,
	       const char *reused)
{
	seal_facts f = { d->ticket, d->match, d->queue, NULL, NULL, NULL, reused, message_id, digest, NULL };

	if (*d->rule != '\0') {
		f.rule = d->rule;
		f.set = *d->route != '\0' ? d->route : NULL;
	}

	return seal_block(st->secret, &f);
}

gboolean
thread_sealed(desk_store *st, const msg_facts *f, const char *message_id, const char *digest, guint *ticket)
{
	seal_facts sf = { 0 };
	char *reused = NULL;
	guint64 t;
	gboolean ok;

	if (f->x_ticket == NULL || f->x_match == NULL || f->x_queue == NULL || f->x_seal == NULL || f->x_bad)
		return FALSE;
	if (!g_ascii_isdigit(*f->x_ticket) || *f->x_ticket == '0')
		return FALSE;
	t = g_ascii_strtoull(f->x_ticket, NULL, 10);
	if (t == 0 || t >= G_MAXUINT)
		return FALSE;
	if (f->x_reused != NULL && (reused = facts_parse_id(f->x_reused, NULL)) == NULL)
		return FALSE;
	sf.ticket = (guint)t;
	sf.match = f->x_match;
	sf.queue = f->x_queue;
	sf.event = f->x_event;
	sf.set = f->x_set;
	sf.kb = f->x_kb;
	sf.rule = f->x_rule;
	sf.reused = reused;
	sf.message_id = message_id;
	sf.digest = digest;
	ok = seal_check(st->secret, &sf, f->x_seal);
	if (ok)
		*ticket = (guint)t;
	g_free(reused);
	return ok;
}
