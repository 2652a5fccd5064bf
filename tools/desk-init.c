/* desk-init.c: desk init: create a store. */
#include <stdio.h>

#include "desk.h"
#include "index.h"
#include "kb.h"
#include "output.h"

int
verb_init(const char *store_dir, int argc, char **argv)
{
	char **addresses = NULL;
	GOptionEntry entries[] = {
		{ "address", 'a', 0, G_OPTION_ARG_STRING_ARRAY, &addresses,
		  "A desk address, optionally with its queue (repeatable)", "ADDR[=QUEUE]" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	desk_err err = { 0 };
	const char *dir;
	desk_status s;
	int rc = desk_parse("init", "[DIR]", "Create a store: maildesk.conf, the token secret, the Maildir,\n"
			    "the notmuch index, an empty KB repository, templates/ and hooks/.",
			    entries, &argc, &argv);

	if (rc >= 0)
		return rc;
	if (argc > 2)
		return desk_error(DESK_USAGE, "init: one directory at most");
	dir = store_default_dir(argc == 2 ? argv[1] : store_dir);
	s = store_init(dir, addresses, &err);
	if (s == DESK_OK)
		s = store_open(dir, &st, &err);
	if (s == DESK_OK)
		s = index_create(st, &err);
	if (s == DESK_OK)
		s = kb_init(st, &err);
	g_strfreev(addresses);
	if (s != DESK_OK) {
		desk_close_store(st);
		return desk_error(s, "init %s: %s", dir, err.msg);
	}
	printf("initialised store %s", out_safe(st->dir));
	for (guint i = 0; i < st->cfg->addresses->len; i++) {
		desk_address *a = st->cfg->addresses->pdata[i];

		printf("%s%s=%s", i ? ", " : " for ", out_safe(a->address), out_safe(a->queue));
	}
	printf("\n");
	desk_close_store(st);
	return 0;
}
