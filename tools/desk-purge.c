/* desk-purge.c: desk purge N: an erasure request. The files of ticket N
 * (its messages and events) and of the tickets merged into it are
 * deleted; each keeps one event "purge" that says when and by whom, with
 * tombstones (content hashes and Message-IDs, never content, lib/store/purge.h)
 * so neither a redelivery nor desk reindex brings the messages back. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "change-verb.h"
#include "desk.h"
#include "evlist.h"
#include "index.h"
#include "output.h"
#include "purge.h"
#include "ticket-args.h"

/* The files of ticket T's own messages, and their tombstone items. */
static desk_status
collect(notmuch_database_t *db, guint t, GPtrArray *paths, GPtrArray *items, desk_err *err)
{
	char q[64];
	notmuch_query_t *nq;
	notmuch_messages_t *ms = NULL;
	notmuch_status_t ns;

	snprintf(q, sizeof q, "property:desk.ticket=%u", t);
	if ((nq = notmuch_query_create(db, q)) == NULL)
		return desk_fail(err, DESK_SOFTWARE, "index: out of memory");
	notmuch_query_set_sort(nq, NOTMUCH_SORT_OLDEST_FIRST);
	if ((ns = notmuch_query_search_messages(nq, &ms)) != NOTMUCH_STATUS_SUCCESS) {
		notmuch_query_destroy(nq);
		return desk_fail(err, DESK_TEMPFAIL, "index: %s", notmuch_status_to_string(ns));
	}
	for (; notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);
		notmuch_filenames_t *fn = notmuch_message_get_filenames(m);
		const char *hash = NULL;

		notmuch_message_get_property(m, "desk.hash", &hash);
		purge_items_add(items, hash, notmuch_message_get_message_id(m));
		for (; notmuch_filenames_valid(fn); notmuch_filenames_move_to_next(fn))
			g_ptr_array_add(paths, g_strdup(notmuch_filenames_get(fn)));
		notmuch_filenames_destroy(fn);
		notmuch_message_destroy(m);
	}
	notmuch_query_destroy(nq);
	return DESK_OK;
}

/* Purge ticket T alone: its event first (fsynced in mail/new), then the
 * files; a purge cut short in between is finished by desk reindex. */
static desk_status
purge_one(desk_store *st, desk_change *c, const desk_agent *me, const ticket_info *t, desk_err *err)
{
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
	notmuch_database_t *w = NULL;
	char *digest = NULL, *hdr = NULL, *line = NULL;
	xset *set = NULL;
	desk_status s = collect(change_db(c), t->number, paths, items, err);

	if (s != DESK_OK)
		goto out;
	digest = evlist_digest(items);
	hdr = evlist_header(PURGE_HEADER, items);
	set = xset_new();
	xset_add(set, "status", "purged");
	xset_add(set, "tombs", digest);
	xset_add_uint(set, "purged", paths->len);
	line = g_strdup_printf("%s purged %u message file%s (erasure request)", me->login, paths->len,
			       paths->len == 1 ? "" : "s");
	s = change_verb_event(st, c, t, me, "purge", set, line, hdr, NULL, err);
	if (s == DESK_OK)
		s = index_open(st, TRUE, &w, err);
	if (s == DESK_OK)
		s = purge_remove(st, w, paths, err);
	if (w != NULL && notmuch_database_close(w) != NOTMUCH_STATUS_SUCCESS && s == DESK_OK)
		s = desk_fail(err, DESK_TEMPFAIL, "index commit failed (desk reindex finishes the purge)");
	if (w != NULL)
		notmuch_database_destroy(w);
	if (s == DESK_OK)
		printf("%u: %s\n", t->number, out_safe(line));
out:
	g_ptr_array_unref(paths);
	g_ptr_array_unref(items);
	g_free(digest);
	g_free(hdr);
	xset_free(set);
	g_free(line);
	return s;
}

/* Ticket N and those merged into it (their messages show in N). */
static desk_status
purge(desk_store *st, desk_change *c, const desk_agent *me, guint n, desk_err *err)
{
	ticket_info *t = NULL;
	GArray *all = g_array_new(FALSE, FALSE, sizeof(guint));
	desk_status s = ticket_info_get(change_db(c), n, &t, err);

	if (s == DESK_OK && strcmp(t->status, "purged") == 0)
		s = desk_fail(err, DESK_USAGE, "ticket %u is purged already", n);
	if (s == DESK_OK && t->merged_into != 0)
		printf("%u: merged into %u, whose own messages stay (desk purge %u for them)\n", n, t->merged_into,
		       t->merged_into);
	for (char **l = t != NULL ? t->links : NULL; s == DESK_OK && l != NULL && *l != NULL; l++) {
		if (g_str_has_prefix(*l, "merged-from=")) {
			guint m = (guint)g_ascii_strtoull(*l + 12, NULL, 10);

			g_array_append_val(all, m);
		}
	}
	if (s == DESK_OK)
		s = purge_one(st, c, me, t, err);
	for (guint i = 0; s == DESK_OK && i < all->len; i++) {
		ticket_info *m = NULL;

		if (ticket_info_get(change_db(c), g_array_index(all, guint, i), &m, err) == DESK_OK &&
		    strcmp(m->status, "purged") != 0)
			s = purge_one(st, c, me, m, err);
		ticket_info_free(m);
	}
	ticket_info_free(t);
	g_array_unref(all);
	return s;
}

/* Ask on the terminal; TRUE only for y or yes. */
static gboolean
confirmed(GArray *tickets)
{
	FILE *tty = fopen("/dev/tty", "r+");
	char answer[16] = "";

	if (tty == NULL || !isatty(fileno(tty))) {
		if (tty != NULL)
			fclose(tty);
		return FALSE;
	}
	fprintf(tty, "Delete every message of ticket%s", tickets->len == 1 ? "" : "s");
	for (guint i = 0; i < tickets->len; i++)
		fprintf(tty, " %u", g_array_index(tickets, guint, i));
	fprintf(tty, " for good (and of the tickets merged into %s)? [y/N] ", tickets->len == 1 ? "it" : "them");
	fflush(tty);
	if (fgets(answer, sizeof answer, tty) == NULL)
		answer[0] = '\0';
	fclose(tty);
	g_strstrip(answer);
	return g_ascii_strcasecmp(answer, "y") == 0 || g_ascii_strcasecmp(answer, "yes") == 0;
}

int
verb_purge(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	gboolean yes = FALSE;
	GOptionEntry entries[] = {
		APPLY_AS_OPTION(as),
		{ "yes", 'y', 0, G_OPTION_ARG_NONE, &yes, "Do not ask on the terminal", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	const desk_agent *me = NULL;
	desk_change *c = NULL;
	GArray *tickets = NULL;
	int rc = desk_parse("purge", "N...",
			    "Delete every message of tickets for an erasure request, leaving one event\n"
			    "that says when and by whom. Asks first unless --yes.", entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if ((tickets = apply_ticket_args("purge", argc, argv, 1)) == NULL) {
		rc = 64;
		goto out;
	}
	if (!yes && !confirmed(tickets)) {
		rc = desk_error(DESK_USAGE, "purge: not confirmed, nothing deleted (--yes to purge without asking)");
		goto out;
	}
	if ((rc = change_verb_begin(store_dir, "purge", as, &st, &me, &c)) != 0)
		goto out;
	for (guint i = 0; i < tickets->len; i++) {
		guint n = g_array_index(tickets, guint, i);
		desk_err err = { 0 };
		desk_status s = purge(st, c, me, n, &err);

		if (s != DESK_OK && rc == 0)
			rc = desk_error(s, "purge %u: %s", n, err.msg);
		else if (s != DESK_OK)
			desk_error(s, "purge %u: %s", n, err.msg);
	}
	/* what was deleted stays deleted: commit the events whatever failed */
	rc = change_verb_end("purge", st, c, 0) ?: rc;
out:
	if (tickets != NULL)
		g_array_unref(tickets);
	g_free(as);
	return rc;
}
