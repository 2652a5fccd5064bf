/* desk-list.c: desk list: tickets, as text, JSON, TSV or numbers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "away.h"
#include "clock.h"
#include "desk.h"
#include "index.h"
#include "list-text.h"
#include "lang.h"
#include "output.h"
#include "seen.h"
#include "sla.h"
#include "survey.h"
#include "ticket.h"
#include "when.h"

/* What the acting agent has not seen: UNSEEN (NULL: unknown) of ticket T. */
static int
unseen_of(GHashTable *unseen, const ticket_info *t)
{
	if (unseen == NULL)
		return -1;
	return g_hash_table_contains(unseen, GUINT_TO_POINTER(t->number)) ? 1 : 0;
}

/* The SLA facts of T: due (the soonest due time of a target not met)
 * and breached (one of them is past it). */
static void
sla_json(JsonBuilder *b, const desk_config *cfg, const ticket_info *t, gint64 now)
{
	sla_result r;

	sla_compute(cfg, t, now, &r);
	out_json_time(b, "due", sla_due(&r) < G_MAXINT64 ? sla_due(&r) : 0);
	json_builder_set_member_name(b, "breached");
	json_builder_add_boolean_value(b, sla_breaching(&r));
}

static JsonNode *
ticket_json(const desk_config *cfg, const ticket_info *t, GHashTable *unseen, GHashTable *away, gint64 now)
{
	JsonBuilder *b = json_builder_new();
	char *c = out_iso8601(t->created), *u = out_iso8601(t->updated);
	JsonNode *n;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "ticket");
	json_builder_add_int_value(b, t->number);
	json_builder_set_member_name(b, "subject");
	json_builder_add_string_value(b, t->subject);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, t->status);
	json_builder_set_member_name(b, "requester");
	json_builder_add_string_value(b, t->requester);
	json_builder_set_member_name(b, "requester_name");
	json_builder_add_string_value(b, t->requester_name);
	out_json_string(b, "owner", t->owner);
	json_builder_set_member_name(b, "owner_away");
	json_builder_add_boolean_value(b, *t->owner != '\0' && g_hash_table_contains(away, t->owner));
	json_builder_set_member_name(b, "queue");
	json_builder_add_string_value(b, t->queue);
	json_builder_set_member_name(b, "priority");
	json_builder_add_string_value(b, t->priority);
	out_json_strv(b, "tags", t->tags);
	out_json_strv(b, "cc", t->cc);
	out_json_strv(b, "links", t->links);
	json_builder_set_member_name(b, "messages");
	json_builder_add_int_value(b, t->messages);
	json_builder_set_member_name(b, "created");
	json_builder_add_string_value(b, c);
	json_builder_set_member_name(b, "updated");
	json_builder_add_string_value(b, u);
	out_json_time(b, "first_response", t->first_response);
	out_json_time(b, "last_customer", t->last_customer);
	out_json_time(b, "solved_at", t->solved_at);
	json_builder_set_member_name(b, "reopens");
	json_builder_add_int_value(b, t->reopens);
	json_builder_set_member_name(b, "merged_into");
	if (t->merged_into != 0)
		json_builder_add_int_value(b, t->merged_into);
	else
		json_builder_add_null_value(b);
	out_json_time(b, "activity", t->activity);
	out_json_time(b, "waiting_since", t->waiting_since);
	sla_json(b, cfg, t, now);
	json_builder_set_member_name(b, "unseen");
	if (unseen_of(unseen, t) < 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_boolean_value(b, unseen_of(unseen, t) == 1);
	json_builder_end_object(b);
	n = json_builder_get_root(b);
	g_object_unref(b);
	g_free(c);
	g_free(u);
	return n;
}

static void
print_json(const desk_config *cfg, GPtrArray *list, GHashTable *unseen, GHashTable *away)
{
	JsonArray *a = json_array_new();
	JsonNode *root = json_node_new(JSON_NODE_ARRAY);
	gint64 now = desk_now();

	for (guint i = 0; i < list->len; i++)
		json_array_add_element(a, ticket_json(cfg, list->pdata[i], unseen, away, now));
	json_node_take_array(root, a);
	out_json(root);
}

/* T as out_iso8601, or "-" for 0. Caller g_free()s. */
static char *
tsv_time(gint64 t)
{
	return t > 0 ? out_iso8601(t) : g_strdup("-");
}

/* The text format's columns in its order (list-text.h), then the number
 * of messages, created, updated and the tags. */
static void
print_tsv(GPtrArray *list, GHashTable *unseen)
{
	for (guint i = 0; i < list->len; i++) {
		const ticket_info *t = list->pdata[i];
		char *a = tsv_time(t->activity), *w = tsv_time(t->waiting_since);
		char *c = out_iso8601(t->created), *u = out_iso8601(t->updated);
		char *tags = g_strjoinv(",", t->tags);

		/* out_safe: no tab or newline in a field breaks the row */
		printf("%u\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%u\t%s\t%s\t%s\n", t->number,
		       unseen_of(unseen, t) == 1 ? "*" : "-", out_safe(t->status), out_safe(t->priority),
		       out_safe(*t->owner ? t->owner : "-"), out_safe(t->queue), a, w, out_safe(t->requester),
		       out_safe(t->subject), t->messages, c, u, out_safe(*tags ? tags : "-"));
		g_free(tags);
		g_free(a);
		g_free(w);
		g_free(c);
		g_free(u);
	}
}


static void
print_ids(GPtrArray *list)
{
	GString *out = g_string_sized_new(list->len * 6);

	for (guint i = 0; i < list->len; i++)
		g_string_append_printf(out, "%u\n", ((ticket_info *)list->pdata[i])->number);
	fwrite(out->str, 1, out->len, stdout);
	g_string_free(out, TRUE);
}

/* Whether to colour: a terminal that is not dumb, and no $NO_COLOR. */
static gboolean
want_colour(void)
{
	const char *term = g_getenv("TERM");

	return isatty(STDOUT_FILENO) && g_getenv("NO_COLOR") == NULL && term != NULL &&
	       strcmp(term, "dumb") != 0;
}

typedef struct list_opts {
	char *status, *owner, *queue, *priority, *requester, *since, *until, *sort, *format, *as, *lang;
	char *csat;               /* --csat low, high or any: tickets rated so (lib/store/survey.h) */
	gboolean mine, unseen, wide, absolute, automatic, breaching;
	gboolean by_due;          /* --sort=due: sorted here, not by the table */
	gint limit;
	const desk_agent *me;     /* the acting agent, NULL when there is none */
} list_opts;

static void
list_opts_clear(list_opts *o)
{
	g_free(o->status);
	g_free(o->owner);
	g_free(o->queue);
	g_free(o->priority);
	g_free(o->requester);
	g_free(o->lang);
	g_free(o->since);
	g_free(o->until);
	g_free(o->sort);
	g_free(o->format);
	g_free(o->as);
	g_free(o->csat);
}

/* --csat: only the tickets of LIST whose rating is low, high or any;
 * then --limit. */
static desk_status
csat_cut(const list_opts *o, notmuch_database_t *db, GPtrArray *list, desk_err *err)
{
	GHashTable *rated = NULL;
	desk_status s = survey_ratings(db, 0, &rated, err);

	for (guint i = list->len; s == DESK_OK && i > 0; i--) {
		const survey_rating *r =
			g_hash_table_lookup(rated, GUINT_TO_POINTER(((ticket_info *)list->pdata[i - 1])->number));

		if (r == NULL || (strcmp(o->csat, "low") == 0 && !survey_low(r->kind, r->score)) ||
		    (strcmp(o->csat, "high") == 0 && !survey_high(r->kind, r->score)))
			g_ptr_array_remove_index(list, i - 1);
	}
	if (s == DESK_OK && o->limit > 0 && !o->unseen && list->len > (guint)o->limit)
		g_ptr_array_set_size(list, (guint)o->limit);
	if (rated != NULL)
		g_hash_table_unref(rated);
	return s;
}

#define SORT_KEYS "activity, waiting, updated, created, priority, age, due"

static gboolean
sort_of(const char *s, ticket_sort *out)
{
	static const struct { const char *name; ticket_sort sort; } keys[] = {
		{ "activity", SORT_ACTIVITY }, { "waiting", SORT_WAITING }, { "updated", SORT_UPDATED },
		{ "created", SORT_CREATED }, { "priority", SORT_PRIORITY }, { "age", SORT_AGE },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		if (s == NULL || strcmp(s, keys[i].name) == 0) {
			*out = keys[i].sort;
			return TRUE;
		}
	return FALSE;
}

/* The acting agent of O into O->me: required by --mine and --unseen,
 * else only looked for (no agent: no marker of unseen tickets). */
static int
acting_of(list_opts *o, desk_store *st)
{
	desk_err err = { 0 };
	desk_status s = agent_acting(st->cfg->agents, o->as, &o->me, &err);

	if (s == DESK_OK)
		return 0;
	o->me = NULL;
	if (o->mine || o->unseen || o->as != NULL)
		return desk_error(DESK_USAGE, "list: %s%s", o->mine ? "--mine: " : o->unseen ? "--unseen: " : "",
				  err.msg);
	return 0;
}

/* The filter of O, checked; the store is needed for --mine. */
static int
filter_of(list_opts *o, desk_store *st, ticket_filter *f)
{
	gint64 now = desk_now();

	if (o->format != NULL && strcmp(o->format, "text") && strcmp(o->format, "json") &&
	    strcmp(o->format, "tsv") && strcmp(o->format, "ids"))
		return desk_error(DESK_USAGE, "list: unknown format '%s' (text, json, tsv, ids)", o->format);
	o->by_due = o->sort != NULL && strcmp(o->sort, "due") == 0;
	if (!o->by_due && !sort_of(o->sort, &f->sort))
		return desk_error(DESK_USAGE, "list: unknown sort '%s' (" SORT_KEYS ")", o->sort);
	if (o->limit < 0)
		return desk_error(DESK_USAGE, "list: --limit must be 0 or more");
	if (o->since != NULL && !when_parse(o->since, now, &f->since))
		return desk_error(DESK_USAGE, "list: bad --since '%s' (YYYY-MM-DD, ISO 8601, or an age like 2d, 3h)",
				  o->since);
	if (o->until != NULL && !when_parse(o->until, now, &f->until))
		return desk_error(DESK_USAGE, "list: bad --until '%s' (YYYY-MM-DD, ISO 8601, or an age like 2d, 3h)",
				  o->until);
	if (o->mine && o->owner != NULL)
		return desk_error(DESK_USAGE, "list: --mine and --owner exclude each other");
	if (o->lang != NULL && !lang_known(o->lang) && strcmp(o->lang, "unknown") != 0)
		return desk_error(DESK_USAGE, "list: unknown language '%s' (en, de, fr, es, it, nl, unknown)", o->lang);
	if (o->owner != NULL && strcmp(o->owner, "none") != 0 && !agent_login_ok(o->owner))
		return desk_error(DESK_USAGE, "list: '%s' is not an agent login", o->owner);
	if (o->csat != NULL && strcmp(o->csat, "low") != 0 && strcmp(o->csat, "high") != 0 &&
	    strcmp(o->csat, "any") != 0)
		return desk_error(DESK_USAGE, "list: --csat %s: not low, high or any", o->csat);
	if (acting_of(o, st) != 0)
		return 64;
	/* rated tickets are solved or closed: --csat lists any status unless told */
	f->statuses = o->status != NULL || o->csat == NULL ? o->status : "any";
	f->owner = o->mine ? o->me->login : o->owner;
	f->queue = o->queue;
	f->priority = o->priority;
	f->requester = o->requester;
	f->lang = o->lang;
	/* --unseen is known only after the list: cut it then */
	if (o->by_due)
		f->sort = SORT_AGE;
	f->limit = o->unseen || o->by_due || o->breaching || o->csat != NULL ? 0 : (guint)o->limit;
	/* for people, tickets of automatic mail only are left out */
	f->people = !o->automatic && (o->format == NULL || strcmp(o->format, "text") == 0);
	return 0;
}

/* The tickets of LIST the acting agent has not seen, when needed: for
 * --unseen, and for the marker of every format but ids; else NULL. */
static int
unseen_in(list_opts *o, desk_store *st, notmuch_database_t *db, GPtrArray *list, GHashTable **unseen)
{
	desk_err err = { 0 };
	desk_status s;

	*unseen = NULL;
	if (o->me == NULL || (!o->unseen && o->format != NULL && strcmp(o->format, "ids") == 0))
		return 0;
	if ((s = seen_unseen(st, db, o->me->login, list, unseen, &err)) != DESK_OK && o->unseen)
		return desk_error(s, "list: what %s has seen: %s", o->me->login, err.msg);
	if (s != DESK_OK) {
		desk_warn("list: no marks of what %s has not seen: %s", o->me->login, err.msg);
		return 0;
	}
	if (o->unseen) {
		for (guint i = list->len; i > 0; i--)
			if (!g_hash_table_contains(*unseen, GUINT_TO_POINTER(((ticket_info *)list->pdata[i - 1])->number)))
				g_ptr_array_remove_index(list, i - 1);
		if (o->limit > 0 && list->len > (guint)o->limit)
			g_ptr_array_set_size(list, (guint)o->limit);
	}
	return 0;
}

/* The text format, and what it left out: on standard error when standard
 * output is not a terminal. */
static void
print_text(list_opts *o, const ticket_filter *f, GPtrArray *list, GHashTable *unseen, GHashTable *away,
	   guint hidden)
{
	gboolean tty = isatty(STDOUT_FILENO);
	list_text_opts t = {
		.width = o->wide ? 0 : list_text_width(),
		.header = tty,
		.colour = want_colour(),
		.absolute = o->absolute,
		.keep = f->sort == SORT_WAITING ? LIST_WAITING : f->sort == SORT_ACTIVITY ? LIST_ACTIVE : -1,
		.now = desk_now(),
		.unseen = unseen,
		.away = away,
	};

	list_text_print(list, &t);
	if (hidden > 0 && !o->unseen)
		fprintf(tty ? stdout : stderr,
			"(%u ticket%s with automatic mail only not shown: --automatic)\n", hidden, hidden == 1 ? "" : "s");
}

/* --owner LOGIN of no agent: an error when no ticket listed has that
 * owner either (a typo), else a warning (an agent removed since). */
static int
owner_known(desk_store *st, const char *owner, guint found)
{
	if (owner == NULL || strcmp(owner, "none") == 0 || agent_find(st->cfg->agents, owner) != NULL)
		return 0;
	if (found == 0)
		return desk_error(DESK_USAGE, "list: --owner %s: unknown login: not an agent of this desk "
				  "(desk agent list)", owner);
	desk_warn("list: --owner %s: not an agent of this desk (any more)", owner);
	return 0;
}

/* --owner LOGIN of an agent away (desk agent away): said under the list. */
static void
owner_away(desk_store *st, const char *owner, guint n)
{
	g_autoptr(GHashTable) away = owner != NULL ? away_load(st, desk_now()) : NULL;
	gint64 *until = away != NULL ? g_hash_table_lookup(away, owner) : NULL;
	char *when;

	if (until == NULL)
		return;
	when = *until != 0 ? out_iso8601(*until) : g_strdup("back");
	fprintf(isatty(STDOUT_FILENO) ? stdout : stderr, "(%s is away until %s: %u ticket%s above wait%s; "
		"routing rules give them no new tickets)\n", owner, when, n, n == 1 ? "" : "s", n == 1 ? "s" : "");
	g_free(when);
}

int
verb_list(const char *store_dir, int argc, char **argv)
{
	list_opts o = { 0 };
	GOptionEntry entries[] = {
		{ "status", 's', 0, G_OPTION_ARG_STRING, &o.status,
		  "A status, a comma-separated list, or any (default: new,open,pending,on-hold)", "S" },
		{ "owner", 'o', 0, G_OPTION_ARG_STRING, &o.owner, "Tickets of AGENT, or none: nobody's", "AGENT" },
		{ "mine", 'm', 0, G_OPTION_ARG_NONE, &o.mine, "Tickets of the acting agent", NULL },
		{ "as", 0, 0, G_OPTION_ARG_STRING, &o.as, "Act as agent LOGIN (for --mine)", "LOGIN" },
		{ "queue", 'q', 0, G_OPTION_ARG_STRING, &o.queue, "Tickets in queue Q", "Q" },
		{ "priority", 'p', 0, G_OPTION_ARG_STRING, &o.priority, "low, normal, high or urgent", "P" },
		{ "requester", 'r', 0, G_OPTION_ARG_STRING, &o.requester, "Tickets of requester ADDRESS", "ADDRESS" },
		{ "lang", 0, 0, G_OPTION_ARG_STRING, &o.lang,
		  "Tickets whose first mail is in language CODE (en, de, fr, es, it, nl; unknown)", "CODE" },
		{ "since", 0, 0, G_OPTION_ARG_STRING, &o.since, "Updated at or after WHEN", "WHEN" },
		{ "until", 0, 0, G_OPTION_ARG_STRING, &o.until, "Updated before WHEN", "WHEN" },
		{ "unseen", 'u', 0, G_OPTION_ARG_NONE, &o.unseen,
		  "Tickets with messages the acting agent has not seen (desk show)", NULL },
		{ "automatic", 0, 0, G_OPTION_ARG_NONE, &o.automatic,
		  "Text too lists tickets whose only mail is automatic", NULL },
		{ "sort", 0, 0, G_OPTION_ARG_STRING, &o.sort,
		  "activity (default: people's, newest first), waiting (longest first), updated, created,"
		  " priority, age, or due (the soonest SLA target due first, desk sla)", "KEY" },
		{ "breaching", 0, 0, G_OPTION_ARG_NONE, &o.breaching,
		  "Only tickets past an SLA target not met yet (desk sla)", NULL },
		{ "csat", 0, 0, G_OPTION_ARG_STRING, &o.csat,
		  "Rated tickets, any status: low (CSAT 1-2, NPS 0-6, CES 5-7), high (CSAT 4-5, NPS 9-10, CES 1-3) or any",
		  "WHICH" },
		{ "limit", 'n', 0, G_OPTION_ARG_INT, &o.limit, "At most N tickets", "N" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &o.format, "text, json, tsv or ids", "FMT" },
		{ "wide", 'w', 0, G_OPTION_ARG_NONE, &o.wide, "Text: cut nothing, even on a terminal", NULL },
		{ "absolute", 0, 0, G_OPTION_ARG_NONE, &o.absolute,
		  "Text: times as YYYY-MM-DD HH:MM in your time zone (TZ), not ages", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	notmuch_database_t *db = NULL;
	GPtrArray *list = NULL;
	GHashTable *unseen = NULL, *away = NULL;
	ticket_filter f = { 0 };
	char *query = NULL;
	desk_err err = { 0 };
	desk_status s;
	guint hidden = 0;
	int rc = desk_parse("list", "[QUERY]",
			    "List tickets, newest activity of people first. QUERY is a notmuch\n"
			    "query; a ticket is listed when one of its messages matches it.\n"
			    "A * after the number: messages you have not seen.",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	if ((rc = filter_of(&o, st, &f)) != 0)
		goto out;
	if (argc > 1)
		f.query = query = g_strjoinv(" ", argv + 1);
	s = index_open(st, FALSE, &db, &err);
	if (s == DESK_OK)
		s = ticket_list(db, &f, &list, &hidden, &err);
	if (s == DESK_OK && o.csat != NULL)
		s = csat_cut(&o, db, list, &err);
	if (s != DESK_OK) {
		rc = desk_error(s, "list: %s", err.msg);
		goto out;
	}
	if (o.by_due || o.breaching) {  /* SLA figures: by the policies, not in the table */
		sla_order(st->cfg, list, desk_now(), o.breaching, o.by_due);
		if (o.limit > 0 && !o.unseen && list->len > (guint)o.limit)
			g_ptr_array_set_size(list, (guint)o.limit);
	}
	if ((rc = owner_known(st, o.owner, list->len)) != 0 || (rc = unseen_in(&o, st, db, list, &unseen)) != 0)
		goto out;
	away = away_load(st, desk_now());
	if (o.format == NULL || strcmp(o.format, "text") == 0)
		print_text(&o, &f, list, unseen, away, hidden);
	else if (strcmp(o.format, "json") == 0)
		print_json(st->cfg, list, unseen, away);
	else if (strcmp(o.format, "tsv") == 0)
		print_tsv(list, unseen);
	else
		print_ids(list);
	owner_away(st, o.owner, list->len);
	rc = fflush(stdout) == 0 ? 0 : desk_error(DESK_TEMPFAIL, "list: cannot write: %s", g_strerror(errno));
out:
	if (list != NULL)
		g_ptr_array_unref(list);
	if (unseen != NULL)
		g_hash_table_unref(unseen);
	if (away != NULL)
		g_hash_table_unref(away);
	if (db != NULL)
		notmuch_database_destroy(db);
	desk_close_store(st);
	list_opts_clear(&o);
	g_free(query);
	return rc;
}
