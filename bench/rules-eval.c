/* rules-eval.c: the routing rules' cost (bench/rules): evaluate a rules
 * file over messages, against parsing the same messages alone (the scan
 * and the render the rules read). Prints rule-message checks per second
 * and the ratio (parse + rules) / parse.
 *
 *   bench/rules-eval STORE RULES MESSAGES FILE...   */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "clock.h"
#include "rules.h"
#include "scan.h"

/* Parse message FD as the milter and desk ingest do for the rules; with
 * R, evaluate them too. */
static void
one(desk_store *st, int fd, const desk_rules *r, guint *matched)
{
	scanned sc = { 0 };
	rendered_msg *msg = NULL;
	desk_err err = { 0 };
	rules_route route;

	lseek(fd, 0, SEEK_SET);
	if (scan_fd(st, fd, -1, &sc, &err) != DESK_OK || rules_read_message(fd, &msg, &err) != DESK_OK) {
		fprintf(stderr, "rules-eval: %s\n", err.msg);
		exit(1);
	}
	facts_finish(sc.facts);
	if (r != NULL) {
		rules_input in = { sc.facts, "support@helpdesk.test", msg };

		rules_eval(st, r, &in, desk_now(), &route);
		*matched += *route.rule != '\0';
	}
	rendered_msg_free(msg);
	scanned_clear(&sc);
}

static double
run(desk_store *st, int *fds, int nfd, guint n, const desk_rules *r, guint *matched)
{
	gint64 t0 = g_get_monotonic_time();

	for (guint i = 0; i < n; i++)
		one(st, fds[i % nfd], r, matched);
	return (g_get_monotonic_time() - t0) / 1e6;
}

int
main(int argc, char **argv)
{
	desk_store *st = NULL;
	desk_rules *r = NULL;
	desk_err err = { 0 };
	guint n, matched = 0;
	int nfd = argc - 4, *fds;
	double parse, both;

	if (argc < 5) {
		fprintf(stderr, "usage: rules-eval STORE RULES MESSAGES FILE...\n");
		return 64;
	}
	g_mime_init();
	n = (guint)atoi(argv[3]);
	if (store_open(argv[1], &st, &err) != DESK_OK || rules_load(st, argv[2], &r, NULL, &err) != DESK_OK) {
		fprintf(stderr, "rules-eval: %s\n", err.msg);
		return 78;
	}
	fds = g_new(int, nfd);
	for (int i = 0; i < nfd; i++)
		if ((fds[i] = open(argv[4 + i], O_RDONLY)) < 0) {
			perror(argv[4 + i]);
			return 66;
		}
	parse = run(st, fds, nfd, n, NULL, &matched);
	both = run(st, fds, nfd, n, r, &matched);
	printf("parse alone:   %8.3f s, %9.1f messages/s\n", parse, n / parse);
	printf("parse + rules: %8.3f s, %9.1f messages/s (%u rules, %u matched)\n", both, n / both, rules_count(r),
	       matched);
	printf("rule-message checks: %.0f/s (of the rules' own time)\n",
	       both > parse ? (double)n * rules_count(r) / (both - parse) : 0.0);
	printf("ratio: %.3f\n", both / parse);
	for (int i = 0; i < nfd; i++)
		close(fds[i]);
	g_free(fds);
	rules_unref(r);
	store_free(st);
	return 0;
}
