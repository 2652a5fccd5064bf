/* test-lookup.c: unit tests of lib/store/lookup.c against a real store made
 * with desk's own functions: a ticket's status is seen, and the memory of a
 * long-lived lookup (the milter's) stays bounded however many lookups it
 * answers; the milter's threads take ticket numbers together (a group
 * commit, lib/store/store.c) and still get each number once, none skipped; its
 * decisions are forgotten once indexed, by whichever index run. TAP. */
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

#define SEQ_THREADS 8
#define SEQ_EACH 50

typedef struct seq_run {
	desk_store *st;
	guint got[SEQ_EACH];
	int failures;
} seq_run;

static gpointer
take_numbers(gpointer p)
{
	seq_run *r = p;

	for (int i = 0; i < SEQ_EACH; i++) {
		desk_err err = { 0 };

		if (store_next_ticket(r->st, &r->got[i], &err) != DESK_OK)
			r->failures++;
	}
	return NULL;
}

/* SEQ_THREADS threads take SEQ_EACH numbers each at once: every number
 * from FIRST on exactly once, each thread's in increasing order, and the
 * counter on disk just past the last. */
static void
test_seq_threads(desk_store *st)
{
	seq_run runs[SEQ_THREADS];
	GThread *th[SEQ_THREADS];
	guint first = 0, total = SEQ_THREADS * SEQ_EACH;
	gboolean *seen = g_new0(gboolean, total), once = TRUE, rising = TRUE;
	char *path = g_build_filename(st->dir, "seq", NULL), *text = NULL, want[32];
	desk_err err = { 0 };
	int failures = 0;

	ok(store_next_ticket(st, &first, &err) == DESK_OK && first > 0, "one thread takes a number");
	for (int t = 0; t < SEQ_THREADS; t++) {
		memset(&runs[t], 0, sizeof runs[t]);
		runs[t].st = st;
		th[t] = g_thread_new("seq", take_numbers, &runs[t]);
	}
	for (int t = 0; t < SEQ_THREADS; t++) {
		g_thread_join(th[t]);
		failures += runs[t].failures;
		for (int i = 0; i < SEQ_EACH; i++) {
			guint k = runs[t].got[i] - first - 1;

			once = once && k < total && !seen[k];
			if (k < total)
				seen[k] = TRUE;
			rising = rising && (i == 0 || runs[t].got[i] > runs[t].got[i - 1]);
		}
	}
	ok(failures == 0, "8 threads take 50 numbers each, with no error");
	ok(once, "each number once, none skipped: the 400 after the first");
	ok(rising, "each thread's numbers rise");
	/* the next number, zero-padded to ten digits, first (maildesk-store(5)) */
	snprintf(want, sizeof want, "%010u ", first + total + 1);
	ok(g_file_get_contents(path, &text, NULL, NULL) && g_str_has_prefix(text, want),
	   "STORE/seq holds the next number after them");
	g_free(text);
	g_free(path);
	g_free(seen);
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
		test_seq_threads(st);
		test_forgotten(st);
	}
	store_free(st);
	g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
	g_free(dir);
	printf("1..%d\n", n);
	return failed != 0;
}
