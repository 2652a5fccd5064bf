/* survey.c: survey links signed with the store's secret, the survey and
 * rating events read back from the index, and the opt-out list. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "index.h"
#include "survey.h"
#include "token.h"
#include "xset.h"

#define OPTOUT_FILE "survey-optout"
#define OPTOUT_MAX_LINE 320
#define SURVEY_COMMENT_MAX 1000

static const char *const kinds[SURVEY_KINDS] = { "csat", "nps", "ces" };
static const int lows[SURVEY_KINDS] = { 1, 0, 1 }, highs[SURVEY_KINDS] = { 5, 10, 7 };

const char *
survey_kind_name(survey_kind k)
{
	return k < SURVEY_KINDS ? kinds[k] : "csat";
}

gboolean
survey_kind_parse(const char *name, survey_kind *k)
{
	for (int i = 0; name != NULL && i < SURVEY_KINDS; i++)
		if (strcmp(name, kinds[i]) == 0) {
			*k = (survey_kind)i;
			return TRUE;
		}
	return FALSE;
}

int
survey_min(survey_kind k)
{
	return lows[k];
}

int
survey_max(survey_kind k)
{
	return highs[k];
}

gboolean
survey_low(survey_kind k, int score)
{
	return k == SURVEY_CSAT ? score <= 2 : k == SURVEY_NPS ? score <= 6 : score >= 5;
}

gboolean
survey_high(survey_kind k, int score)
{
	return k == SURVEY_CSAT ? score >= 4 : k == SURVEY_NPS ? score >= 9 : score <= 3;
}

/* A number as we write it (no sign, no leading zero) of at most MAXLEN
 * digits, ended by '-': the text after it, or NULL. */
static const char *
number(const char *s, size_t maxlen, guint64 *n)
{
	const char *p = s;

	*n = 0;
	for (; g_ascii_isdigit(*p) && (size_t)(p - s) < maxlen; p++)
		*n = *n * 10 + (guint64)(*p - '0');
	if (p == s || *p != '-' || (*s == '0' && p - s > 1))
		return NULL;
	return p + 1;
}

survey_link_status
survey_parse_ext(GBytes *secret, const char *ext, survey_link *link)
{
	const char *dash = ext != NULL ? strchr(ext, '-') : NULL, *p;
	char word[8], *want;
	guint64 n = 0, score = 0;
	gboolean ok;

	memset(link, 0, sizeof *link);
	if (dash == NULL || (size_t)(dash - ext) >= sizeof word)
		return SURVEY_LINK_NONE;
	memcpy(word, ext, dash - ext);
	word[dash - ext] = '\0';
	link->optout = strcmp(word, "optout") == 0;
	if (!link->optout && !survey_kind_parse(word, &link->kind))
		return SURVEY_LINK_NONE;
	if ((p = number(dash + 1, 10, &n)) == NULL || n == 0 || n >= G_MAXUINT)
		return SURVEY_LINK_BAD;
	link->ticket = (guint)n;
	if (!link->optout && ((p = number(p, 2, &score)) == NULL || (int)score < survey_min(link->kind) ||
			      (int)score > survey_max(link->kind)))
		return SURVEY_LINK_BAD;
	link->score = link->optout ? 0 : (int)score;
	want = token_survey(secret, word, link->ticket, link->score);
	ok = token_equal(want, p);
	g_free(want);
	return ok ? SURVEY_LINK_OK : SURVEY_LINK_BAD;
}

char *
survey_address(GBytes *secret, const char *addr, const survey_link *link)
{
	const char *at = strrchr(addr, '@');
	const char *word = link->optout ? "optout" : survey_kind_name(link->kind);
	char *token = token_survey(secret, word, link->ticket, link->optout ? 0 : link->score);
	char score[16] = "";
	char *r;

	if (!link->optout)
		g_snprintf(score, sizeof score, "%d-", link->score);
	r = g_strdup_printf("%.*s+%s-%u-%s%s%s", at != NULL ? (int)(at - addr) : (int)strlen(addr), addr, word,
			    link->ticket, score, token, at != NULL ? at : "");
	g_free(token);
	return r;
}

void
survey_match(const survey_link *link, char *buf, size_t size)
{
	if (link->optout)
		g_strlcpy(buf, "survey optout", size);
	else
		g_snprintf(buf, size, "survey %s=%d", survey_kind_name(link->kind), link->score);
}

gboolean
survey_match_parse(const char *match, survey_link *link)
{
	char word[8];
	int score, used = 0;

	memset(link, 0, sizeof *link);
	if (match == NULL || !g_str_has_prefix(match, "survey "))
		return FALSE;
	match += 7;
	if (g_str_has_prefix(match, "optout") && (match[6] == '\0' || match[6] == ';')) {
		link->optout = TRUE;
		return TRUE;
	}
	if (sscanf(match, "%7[a-z]=%2d%n", word, &score, &used) != 2 || (match[used] != '\0' && match[used] != ';') ||
	    !survey_kind_parse(word, &link->kind) || score < survey_min(link->kind) || score > survey_max(link->kind))
		return FALSE;
	link->score = score;
	return TRUE;
}

gboolean
survey_may_rate(const survey_rating *r, gint64 t)
{
	return r == NULL || t - r->first <= SURVEY_CHANGE_SECONDS;
}

/* A score of SET's scale: "0" to "10". */
static gboolean
score_of(const xset *set, survey_kind *k, int *score)
{
	const char *v = xset_get(set, "score");

	if (v == NULL || !survey_kind_parse(xset_get(set, "scale"), k) || !g_ascii_isdigit(v[0]) ||
	    (v[1] != '\0' && (v[0] == '0' || !g_ascii_isdigit(v[1]) || v[2] != '\0')))
		return FALSE;
	*score = atoi(v);
	return *score >= survey_min(*k) && *score <= survey_max(*k);
}

/* The events EVENT (of ticket T, or all when 0), oldest first: CB for each
 * with its ticket, time and decoded set. */
static desk_status
each_event(notmuch_database_t *db, const char *event, guint t,
	   void (*cb)(GHashTable *out, guint ticket, gint64 time, const xset *set), GHashTable *out, desk_err *err)
{
	char *query = t != 0 ? g_strdup_printf("property:desk.event=%s and property:desk.ticket=%u", event, t)
			     : g_strdup_printf("property:desk.event=%s", event);
	notmuch_query_t *q = notmuch_query_create(db, query);
	notmuch_messages_t *ms = NULL;
	notmuch_status_t ns = q != NULL ? NOTMUCH_STATUS_SUCCESS : NOTMUCH_STATUS_OUT_OF_MEMORY;

	if (q != NULL) {
		notmuch_query_set_sort(q, NOTMUCH_SORT_OLDEST_FIRST);
		ns = notmuch_query_search_messages(q, &ms);
	}
	for (; ns == NOTMUCH_STATUS_SUCCESS && notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);
		const char *tv = NULL;
		char *text = index_get_text(m, "desk.set");
		guint64 ticket = 0;

		if (notmuch_message_get_property(m, "desk.ticket", &tv) == NOTMUCH_STATUS_SUCCESS && tv != NULL)
			ticket = g_ascii_strtoull(tv, NULL, 10);
		if (text != NULL && ticket > 0 && ticket < G_MAXUINT) {
			xset *set = xset_decode(text, NULL);

			cb(out, (guint)ticket, index_message_time(m), set);
			xset_free(set);
		}
		g_free(text);
		notmuch_message_destroy(m);
	}
	if (q != NULL)
		notmuch_query_destroy(q);
	g_free(query);
	if (ns != NOTMUCH_STATUS_SUCCESS)
		return desk_fail(err, DESK_TEMPFAIL, "index: %s", notmuch_status_to_string(ns));
	return DESK_OK;
}

static void
add_sent(GHashTable *out, guint ticket, gint64 time, const xset *set)
{
	survey_sent *s;
	survey_kind k;

	if (g_hash_table_contains(out, GUINT_TO_POINTER(ticket)) || !survey_kind_parse(xset_get(set, "scale"), &k))
		return;  /* once per ticket: the first */
	s = g_new0(survey_sent, 1);
	s->ticket = ticket;
	s->kind = k;
	s->time = time;
	g_hash_table_insert(out, GUINT_TO_POINTER(ticket), s);
}

desk_status
survey_sends(notmuch_database_t *db, guint t, GHashTable **out, desk_err *err)
{
	*out = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	return each_event(db, "survey", t, add_sent, *out, err);
}

static void
rating_free(gpointer p)
{
	survey_rating *r = p;

	g_free(r->comment);
	g_free(r);
}

static void
add_rating(GHashTable *out, guint ticket, gint64 time, const xset *set)
{
	survey_rating *r = g_hash_table_lookup(out, GUINT_TO_POINTER(ticket));
	const char *comment = xset_get(set, "comment");
	survey_kind k;
	int score;

	if (!score_of(set, &k, &score))
		return;
	if (!survey_may_rate(r, time) || (r != NULL && r->kind != k)) {
		r->ignored++;
		return;
	}
	if (r == NULL) {
		r = g_new0(survey_rating, 1);
		r->ticket = ticket;
		r->kind = k;
		r->first = time;
		r->comment = g_strdup("");
		g_hash_table_insert(out, GUINT_TO_POINTER(ticket), r);
	}
	r->score = score;
	r->last = time;
	if (comment != NULL && *comment != '\0') {
		g_free(r->comment);
		r->comment = g_strndup(comment, SURVEY_COMMENT_MAX);
	}
}

desk_status
survey_ratings(notmuch_database_t *db, guint t, GHashTable **out, desk_err *err)
{
	*out = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, rating_free);
	return each_event(db, "rating", t, add_rating, *out, err);
}

static char *
optout_path(desk_store *st)
{
	return g_build_filename(st->dir, STORE_VAR, OPTOUT_FILE, NULL);
}

/* The list as a set of canonical addresses (a missing file: empty). */
static GHashTable *
optout_read(desk_store *st)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char *path = optout_path(st);
	FILE *f = fopen(path, "r");
	char line[OPTOUT_MAX_LINE];

	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		char *a = g_strstrip(line);

		if (*a != '\0' && *a != '#')
			g_hash_table_add(h, addr_canonical(a));
	}
	if (f != NULL)
		fclose(f);
	g_free(path);
	return h;
}

gboolean
survey_optout_has(desk_store *st, const char *addr)
{
	GHashTable *h;
	char *a;
	gboolean yes;

	if (addr == NULL || *addr == '\0')
		return FALSE;
	h = optout_read(st);
	a = addr_canonical(addr);
	yes = g_hash_table_contains(h, a);
	g_free(a);
	g_hash_table_destroy(h);
	return yes;
}

char **
survey_optout_list(desk_store *st)
{
	GHashTable *h = optout_read(st);
	GList *keys = g_list_sort(g_hash_table_get_keys(h), (GCompareFunc)strcmp);
	GPtrArray *a = g_ptr_array_new();

	for (GList *k = keys; k != NULL; k = k->next)
		g_ptr_array_add(a, g_strdup(k->data));
	g_ptr_array_add(a, NULL);
	g_list_free(keys);
	g_hash_table_destroy(h);
	return (char **)g_ptr_array_free(a, FALSE);
}

/* Write the set H, sorted, over the list: a temporary file, fsync, rename. */
static desk_status
optout_write(desk_store *st, GHashTable *h, desk_err *err)
{
	char *path = optout_path(st), *tmp = g_strconcat(path, ".tmp", NULL);
	char *dir = g_path_get_dirname(path);
	GList *keys = g_list_sort(g_hash_table_get_keys(h), (GCompareFunc)strcmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	desk_status s = DESK_OK;

	if (f == NULL) {
		s = desk_fail(err, DESK_TEMPFAIL, "cannot write %s: %s", tmp, g_strerror(errno));
		if (fd >= 0)
			close(fd);
	} else {
		if (fchmod(fd, 0660) != 0)
			s = desk_fail(err, DESK_TEMPFAIL, "cannot chmod %s: %s", tmp, g_strerror(errno));
		for (GList *k = keys; k != NULL; k = k->next)
			fprintf(f, "%s\n", (char *)k->data);
		if (s == DESK_OK && (fflush(f) != 0 || fsync(fd) != 0))
			s = desk_fail(err, DESK_TEMPFAIL, "cannot write %s: %s", tmp, g_strerror(errno));
		if (fclose(f) != 0 && s == DESK_OK)
			s = desk_fail(err, DESK_TEMPFAIL, "cannot write %s: %s", tmp, g_strerror(errno));
		if (s == DESK_OK && rename(tmp, path) != 0)
			s = desk_fail(err, DESK_TEMPFAIL, "cannot rename %s: %s", tmp, g_strerror(errno));
		if (s == DESK_OK)
			s = store_sync_dir(dir, err);
		unlink(tmp);
	}
	g_list_free(keys);
	g_free(dir);
	g_free(tmp);
	g_free(path);
	return s;
}

desk_status
survey_optout_change(desk_store *st, const char *addr, gboolean add, gboolean *changed, desk_err *err)
{
	GHashTable *h;
	char *a;
	gboolean was;
	desk_status s = DESK_OK;

	if (changed != NULL)
		*changed = FALSE;
	if (addr == NULL || strchr(addr, '@') == NULL || strpbrk(addr, " \t\r\n<>,;") != NULL ||
	    strlen(addr) >= OPTOUT_MAX_LINE - 1)
		return desk_fail(err, DESK_USAGE, "not an address: '%.80s'", addr != NULL ? addr : "");
	h = optout_read(st);
	a = addr_canonical(addr);
	was = g_hash_table_contains(h, a);
	if (was != add) {
		if (add)
			g_hash_table_add(h, g_strdup(a));
		else
			g_hash_table_remove(h, a);
		s = optout_write(st, h, err);
		if (changed != NULL)
			*changed = s == DESK_OK;
	}
	g_free(a);
	g_hash_table_destroy(h);
	return s;
}
