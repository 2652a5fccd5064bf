/* desk-reindex.c: desk reindex: rebuild the index from the Maildir. */
#include <stdio.h>

#include "desk.h"
#include "index.h"

int
verb_reindex(const char *store_dir, int argc, char **argv)
{
	GOptionEntry entries[] = { { NULL, 0, 0, 0, NULL, NULL, NULL } };
	desk_store *st;
	desk_err err = { 0 };
	guint count = 0;
	gint64 t0;
	double secs;
	desk_status s;
	int rc = desk_parse("reindex", "", "Delete the notmuch index and build it, with every ticket's\n"
			    "state, from the Maildir alone.", entries, &argc, &argv);

	if (rc >= 0)
		return rc;
	if (argc > 1)
		return desk_error(DESK_USAGE, "reindex takes no arguments");
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		return rc;
	t0 = g_get_monotonic_time();
	s = index_rebuild(st, &count, &err);
	secs = (g_get_monotonic_time() - t0) / 1e6;
	/* what waited in mail/new was indexed as new mail, and what the old
	 * index still owed is owed again (lib/store/owed.h): acknowledged, agents'
	 * commands applied, as the milter's indexer would */
	if (s == DESK_OK)
		st->followup_owed = TRUE;
	desk_close_store(st);
	if (s != DESK_OK)
		return desk_error(s, "reindex: %s", err.msg);
	printf("reindexed %u messages in %.2f s (%.0f messages/s)\n", count, secs, secs > 0 ? count / secs : 0.0);
	return 0;
}
