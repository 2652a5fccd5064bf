/* trend.h: problem trends of desk report: subjects' words, ticket tags and
 * requester domains whose tickets rise week over week (the 7 days before
 * the end of the period against the 7 days before those). */
#ifndef DESK_TREND_H
#define DESK_TREND_H

#include <glib.h>

/* What a trend needs of a ticket. */
typedef struct trend_ticket {
	guint number;
	gint64 opened;
	const char *subject, *requester;
	char **tags;               /* NULL-terminated */
} trend_ticket;

/* A rising key: KIND "word", "tag" or "domain"; tickets opened in the last
 * week (LAST) and the week before (PREV); TICKETS, the numbers of the last
 * week's (at most TREND_TICKETS, ascending). */
#define TREND_TICKETS 20
/* How many weeks before the end of the period trends look at. */
#define TREND_WEEKS 2
typedef struct report_trend {
	const char *kind;
	char *key;
	guint last, prev;
	GArray *tickets;           /* guint */
} report_trend;

/* The keys of the N tickets TT whose count in [UNTIL - 7 d, UNTIL) is
 * above that of the week before, most risen first (then most tickets,
 * then by kind and key), at most TOP; report_trend*, freed by the array.
 * Words: of 4 letters or more, lower case, not a common word. */
GPtrArray *trend_rising(const trend_ticket *tt, guint n, gint64 until, guint top);

#endif
