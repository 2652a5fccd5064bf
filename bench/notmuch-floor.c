/* notmuch-floor.c: how fast libnotmuch alone indexes a Maildir, the floor
 * under desk reindex (bench/reindex runs it).
 *
 * usage: bench/notmuch-floor DIR [property]
 *
 * Creates a notmuch database in DIR (which must have none) and indexes the
 * files of DIR/cur, sorted by name, with notmuch_database_index_file, in
 * atomic sections of 2000 as desk reindex does; with "property", each
 * message then gets one property in a freeze/thaw, which makes Xapian write
 * the document a second time, as annotating a message does. Prints
 *   notmuch-floor: N messages in S s (R messages/s)
 * The environment passes through (XAPIAN_FLUSH_THRESHOLD). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <notmuch.h>

static gint
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static GPtrArray *
names_of(const char *dir)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			g_ptr_array_add(names, g_strdup(e->d_name));
	if (d != NULL)
		closedir(d);
	g_ptr_array_sort(names, by_name);
	return names;
}

int
main(int argc, char **argv)
{
	gboolean property = argc == 3 && strcmp(argv[2], "property") == 0;
	notmuch_database_t *db = NULL;
	char *msg = NULL, *cur;
	GPtrArray *names;
	guint indexed = 0;
	gint64 t0;
	double secs;

	if (argc != 2 && !property) {
		fprintf(stderr, "usage: notmuch-floor DIR [property]\n");
		return 64;
	}
	cur = g_build_filename(argv[1], "cur", NULL);
	names = names_of(cur);
	if (notmuch_database_create_with_config(argv[1], "", NULL, &db, &msg) != NOTMUCH_STATUS_SUCCESS) {
		fprintf(stderr, "notmuch-floor: cannot create the database in %s: %s", argv[1], msg ? msg : "?\n");
		return 1;
	}
	t0 = g_get_monotonic_time();
	notmuch_database_begin_atomic(db);
	for (guint i = 0; i < names->len; i++) {
		char *path = g_build_filename(cur, names->pdata[i], NULL);
		notmuch_message_t *m = NULL;

		if (notmuch_database_index_file(db, path, NULL, &m) == NOTMUCH_STATUS_SUCCESS) {
			if (property) {
				notmuch_message_freeze(m);
				notmuch_message_add_property(m, "bench.floor", "1");
				notmuch_message_thaw(m);
			}
			notmuch_message_destroy(m);
			indexed++;
		}
		g_free(path);
		if (i % 2000 == 1999) {
			notmuch_database_end_atomic(db);
			notmuch_database_begin_atomic(db);
		}
	}
	notmuch_database_end_atomic(db);
	if (notmuch_database_close(db) != NOTMUCH_STATUS_SUCCESS) {
		fprintf(stderr, "notmuch-floor: commit failed\n");
		return 1;
	}
	notmuch_database_destroy(db);
	secs = (g_get_monotonic_time() - t0) / 1e6;
	printf("notmuch-floor: %u messages in %.2f s (%.1f messages/s)\n", indexed, secs, indexed / secs);
	g_ptr_array_unref(names);
	g_free(cur);
	free(msg);
	return 0;
}
