/* test-lookup.c: unit tests of lib/lookup.c against a real store made
 * with desk's own functions: a ticket's status is seen, and the memory of a
 * long-lived lookup (the milter's) stays bounded however many lookups it
 * answers, and its decisions are forgotten once indexed, by whichever
 * index run. TAP. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <gmime/gmime.h>

#include "change.h"
#include "index.h"
#include "lookup.h"
#include "store.h"

/* Live heap bytes: AddressSanitizer's count when built with it (its
 * quarantine keeps freed memory out of mallinfo2 and RSS), else glibc's. */
extern size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

static int n, failed;

static void
ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	failed += !cond;
}

static size_t
heap_bytes(void)
{
	if (__sanitizer_get_current_allocated_bytes != NULL)
		return __sanitizer_get_current_allocated_bytes();
	return mallinfo2().uordblks;
}

static desk_store *
make_store(const char *dir)
{
	char *addresses[] = { "support@helpdesk.test", NULL };
	const char *msg = "From: ann@customer.test\nTo: support@helpdesk.test\nSubject: printer\n"
			  "Message-ID: <p1@customer.test>\n\nIt is on fire.\n";
	desk_store *st = NULL;
	desk_err err = { 0 };
	index_result res = { 0 };

	if (store_init(dir, addresses, &err) != DESK_OK || store_open(dir, &st, &err) != DESK_OK ||
	    index_create(st, &err) != DESK_OK || store_deliver(st, msg, -1, NULL, &err) != DESK_OK ||
	    index_pending(st, NULL, 10, 5000, &res, &err) != DESK_OK) {
		printf("# store: %s\n", err.msg);
		return st;
	}
	index_result_clear(&res);
	return st;
}

/* lookup_ticket_status reopens the index every time (so that it sees
 * what other processes wrote); notmuch_database_reopen keeps memory until
 * the handle is destroyed. */
static void
test_bounded(desk_store *st)
{
	desk_lookup *lk = lookup_new(st);
	desk_err err = { 0 };
	char *status = NULL;
	size_t before, after;
	gboolean all_ok = TRUE;

	ok(lookup_ticket_status(lk, 1, &status, &err) == DESK_OK && strcmp(status, "new") == 0,
	   "the status of ticket 1 is new");
	g_free(status);
	before = heap_bytes();
	for (int i = 0; i < 30000; i++) {
		all_ok = all_ok && lookup_ticket_status(lk, 1, &status, &err) == DESK_OK;
		g_free(status);
	}
	after = heap_bytes();
	ok(all_ok, "30000 status lookups answer");
	printf("# heap: %zu bytes before, %zu after\n", before, after);
	ok(after < before + 1024 * 1024, "30000 status lookups keep less than 1 MiB more memory");
	lookup_free(lk);
}

/* A decision of the milter's lookup (st->pending) is forgotten when its
 * message is indexed by a change catching up on mail/new, as a follow-up's
 * acknowledgement does, not only by the indexer (which passes the lookup). */
static void
test_forgotten(desk_store *st)
{
	const char *msg = "From: bob@customer.test\nTo: support@helpdesk.test\nSubject: scanner\n"
			  "Message-ID: <p2@customer.test>\n\nIt is on fire too.\n";
	desk_lookup *lk = lookup_new(st);
	desk_change *c = NULL;
	desk_err err = { 0 };

	st->pending = lk;
	lookup_remember(lk, "p2@customer.test", 2, "bob@customer.test");
	ok(lookup_pending_count(lk) == 1, "a decision not indexed yet is remembered");
	if (store_deliver(st, msg, -1, NULL, &err) != DESK_OK || change_begin(st, &c, &err) != DESK_OK)
		printf("# %s\n", err.msg);
	if (c != NULL)
		change_abort(c);
	ok(lookup_pending_count(lk) == 0, "and forgotten once a change has indexed its message");
	st->pending = NULL;
	lookup_free(lk);
}

int
main(void)
{
	char *dir = g_dir_make_tmp("test-lookup-XXXXXX", NULL);
	char *argv[] = { "rm", "-rf", dir, NULL };
	desk_store *st;

	g_mime_init();
	st = make_store(dir);
	ok(st != NULL, "a store with one ticket");
	if (st != NULL) {
		test_bounded(st);
		test_forgotten(st);
	}
	store_free(st);
	g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
	g_free(dir);
	printf("1..%d\n", n);
	return failed != 0;
}
