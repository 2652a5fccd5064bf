/* desk-reseal.c: desk reseal: seals of version 2 for an older store. */
#include <stdio.h>

#include "desk.h"
#include "reseal.h"

int
verb_reseal(const char *store_dir, int argc, char **argv)
{
	gboolean dry_run = FALSE;
	GOptionEntry entries[] = {
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Only count what would be resealed", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st;
	desk_err err = { 0 };
	reseal_result r;
	desk_status s;
	int rc = desk_parse("reseal", "", "Give every message whose seal is of an older maildesk (version 1)\n"
			    "a seal of version 2, which desk reindex believes; then run desk reindex.",
			    entries, &argc, &argv);

	if (rc >= 0)
		return rc;
	if (argc > 1)
		return desk_error(DESK_USAGE, "reseal takes no arguments");
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		return rc;
	s = reseal_store(st, dry_run, &r, &err);
	desk_close_store(st);
	if (s != DESK_OK)
		return desk_error(s, "reseal: %s", err.msg);
	printf("%s %u, already current %u, left unsealed %u (no block of ours, or a seal that does not verify)\n",
	       dry_run ? "would reseal" : "resealed", r.resealed, r.current, r.unsealed);
	if (r.fixed_sets > 0)
		printf("%u sets had items the encoder would not write: dropped\n", r.fixed_sets);
	if (r.resealed > 0 && !dry_run)
		printf("now run: desk reindex\n");
	return 0;
}
