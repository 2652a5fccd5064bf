/* purge.c: tombstones of purged messages, and their deletion. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "evlist.h"
#include "log.h"
#include "owed.h"
#include "purge.h"

/* The property value of a tombstone item ("h-HASH" as it is, "i-ID" as
 * "i-" and a digest: a Message-ID may be longer than a property may). */
static char *
tomb_value(const char *item)
{
	char *d, *v;

	if (!g_str_has_prefix(item, "i-"))
		return g_strndup(item, 80);
	d = g_compute_checksum_for_string(G_CHECKSUM_SHA256, item + 2, -1);
	d[32] = '\0';
	v = g_strconcat("i-", d, NULL);
	g_free(d);
	return v;
}

void
purge_items_add(GPtrArray *items, const char *hash, const char *id)
{
	if (hash != NULL && *hash != '\0')
		g_ptr_array_add(items, g_strconcat("h-", hash, NULL));
	if (id != NULL && *id != '\0')
		g_ptr_array_add(items, g_strconcat("i-", id, NULL));
}

void
purge_indexed(notmuch_message_t *m, const char *path, const char *set)
{
	char *digest = evlist_set_value(set, "tombs");
	GPtrArray *items = NULL;
	desk_err err = { 0 };

	if (digest == NULL)
		return;
	if (evlist_read(path, PURGE_HEADER, digest, &items, &err) != DESK_OK) {
		desk_log(LOG_WARNING, "purge event %s: tombstones ignored: %s", path, err.msg);
		g_free(digest);
		return;
	}
	notmuch_message_freeze(m);
	notmuch_message_remove_all_properties(m, "desk.purged");
	for (guint i = 0; i < items->len; i++) {
		char *v = tomb_value(items->pdata[i]);

		notmuch_message_add_property(m, "desk.purged", v);
		g_free(v);
	}
	notmuch_message_thaw(m);
	g_ptr_array_unref(items);
	g_free(digest);
}

/* Whether a message has property desk.purged=VALUE. */
static gboolean
has_tomb(notmuch_database_t *db, const char *value)
{
	char *qs = g_strdup_printf("property:desk.purged=%s", value);
	notmuch_query_t *q = notmuch_query_create(db, qs);
	unsigned n = 0;

	if (q != NULL && notmuch_query_count_messages(q, &n) != NOTMUCH_STATUS_SUCCESS)
		n = 0;
	if (q != NULL)
		notmuch_query_destroy(q);
	g_free(qs);
	return n > 0;
}

gboolean
purge_tombstoned(notmuch_database_t *db, const char *hash, const char *id)
{
	gboolean yes = FALSE;

	if (hash != NULL && *hash != '\0') {
		char *v = g_strconcat("h-", hash, NULL);

		yes = has_tomb(db, v);
		g_free(v);
	}
	if (!yes && id != NULL && *id != '\0') {
		char *item = g_strconcat("i-", id, NULL), *v = tomb_value(item);

		yes = has_tomb(db, v);
		g_free(v);
		g_free(item);
	}
	return yes;
}

gboolean
purge_any(notmuch_database_t *db)
{
	notmuch_query_t *q = notmuch_query_create(db, "tag:event and property:desk.event=purge");
	unsigned n = 1;  /* when it cannot tell: look up each message */

	if (q != NULL && notmuch_query_count_messages(q, &n) != NOTMUCH_STATUS_SUCCESS)
		n = 1;
	if (q != NULL)
		notmuch_query_destroy(q);
	return q == NULL || n > 0;
}

desk_status
purge_remove(desk_store *st, notmuch_database_t *db, GPtrArray *paths, desk_err *err)
{
	char *cur = g_build_filename(st->maildir, "cur", NULL);
	desk_status s = DESK_OK;

	for (guint i = 0; i < paths->len; i++) {
		const char *p = paths->pdata[i];
		notmuch_status_t ns = notmuch_database_remove_message(db, p);

		if (ns != NOTMUCH_STATUS_SUCCESS && ns != NOTMUCH_STATUS_DUPLICATE_MESSAGE_ID)
			desk_log(LOG_WARNING, "purge: unindex %s: %s", p, notmuch_status_to_string(ns));
		if (unlink(p) != 0 && errno != ENOENT && s == DESK_OK)
			s = desk_fail(err, DESK_TEMPFAIL, "purge: delete %s: %s", p, g_strerror(errno));
		owed_done(st, p);  /* its other name, if a follow-up was owed */
	}
	if (s == DESK_OK)
		s = store_sync_dir(cur, err);
	if (s == DESK_OK)
		s = owed_sync(st, err);
	g_free(cur);
	return s;
}

/* The files of messages with desk.hash=HASH, appended to PATHS. */
static void
files_of_hash(notmuch_database_t *db, const char *hash, GPtrArray *paths)
{
	char *qs = g_strdup_printf("property:desk.hash=%s", hash);
	notmuch_query_t *q = notmuch_query_create(db, qs);
	notmuch_messages_t *ms = NULL;

	if (q != NULL && notmuch_query_search_messages(q, &ms) == NOTMUCH_STATUS_SUCCESS) {
		for (; notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
			notmuch_message_t *m = notmuch_messages_get(ms);
			notmuch_filenames_t *fn = notmuch_message_get_filenames(m);

			for (; notmuch_filenames_valid(fn); notmuch_filenames_move_to_next(fn))
				g_ptr_array_add(paths, g_strdup(notmuch_filenames_get(fn)));
			notmuch_filenames_destroy(fn);
			notmuch_message_destroy(m);
		}
	}
	if (q != NULL)
		notmuch_query_destroy(q);
	g_free(qs);
}

desk_status
purge_replay(desk_store *st, notmuch_database_t *db, guint *removed, desk_err *err)
{
	notmuch_query_t *q = notmuch_query_create(db, "tag:event and property:desk.event=purge");
	notmuch_messages_t *ms = NULL;
	GPtrArray *hashes = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	desk_status s = DESK_OK;

	*removed = 0;
	if (q != NULL && notmuch_query_search_messages(q, &ms) == NOTMUCH_STATUS_SUCCESS) {
		for (; notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
			notmuch_message_t *m = notmuch_messages_get(ms);
			notmuch_message_properties_t *p = notmuch_message_get_properties(m, "desk.purged", TRUE);

			for (; notmuch_message_properties_valid(p); notmuch_message_properties_move_to_next(p))
				if (g_str_has_prefix(notmuch_message_properties_value(p), "h-"))
					g_ptr_array_add(hashes, g_strdup(notmuch_message_properties_value(p) + 2));
			notmuch_message_properties_destroy(p);
			notmuch_message_destroy(m);
		}
	}
	if (q != NULL)
		notmuch_query_destroy(q);
	for (guint i = 0; i < hashes->len; i++)
		files_of_hash(db, hashes->pdata[i], paths);
	if (paths->len > 0) {
		desk_log(LOG_NOTICE, "reindex: %u purged files were still there: deleted", paths->len);
		s = purge_remove(st, db, paths, err);
		*removed = paths->len;
	}
	g_ptr_array_unref(hashes);
	g_ptr_array_unref(paths);
	return s;
}
