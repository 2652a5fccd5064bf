/* survey.h: satisfaction surveys (CSAT, NPS, CES) as the store keeps them:
 * the signed addresses their answers go to, the survey and rating events,
 * the rule of which answer counts, and the requesters who opted out
 * (doc/desk-survey.1, maildesk-store(5)). */
#ifndef DESK_SURVEY_H
#define DESK_SURVEY_H

#include <glib.h>
#include <notmuch.h>
#include "err.h"
#include "store.h"

typedef enum { SURVEY_CSAT, SURVEY_NPS, SURVEY_CES, SURVEY_KINDS } survey_kind;

/* "csat", "nps", "ces". */
const char *survey_kind_name(survey_kind k);
/* Whether NAME is one of those; sets *k. */
gboolean survey_kind_parse(const char *name, survey_kind *k);
/* The scale of a kind: CSAT 1-5, NPS 0-10, CES 1-7. */
int survey_min(survey_kind k);
int survey_max(survey_kind k);
/* An unhappy answer (desk list --csat low): CSAT 1-2, NPS 0-6 (a
 * detractor), CES 5-7 (hard). */
gboolean survey_low(survey_kind k, int score);
/* A happy one (--csat high): CSAT 4-5, NPS 9-10 (a promoter), CES 1-3. */
gboolean survey_high(survey_kind k, int score);

/* A later answer changes the score until this long after the first. */
#define SURVEY_CHANGE_SECONDS (24 * 3600)

/* What a signed survey address says: an answer (KIND, TICKET, SCORE) or an
 * opt-out of TICKET's requester. */
typedef struct survey_link {
	gboolean optout;
	survey_kind kind;
	guint ticket;
	int score;
} survey_link;

typedef enum {
	SURVEY_LINK_NONE,  /* not a survey address */
	SURVEY_LINK_OK,    /* signed, score on its scale: *link filled */
	SURVEY_LINK_BAD,   /* looks like one but does not verify (forged, altered,
			    * out of range): link->ticket is the number it names, or 0 */
} survey_link_status;

/* Read the extension EXT of a desk address ("csat-42-4-k7f3qa2b6x",
 * "optout-42-k7f3qa2b6x"); the token is compared in constant time. */
survey_link_status survey_parse_ext(GBytes *secret, const char *ext, survey_link *link);
/* The signed address of LINK at desk address ADDR ("support@x" gives
 * "support+csat-42-4-TOKEN@x"). Caller g_free()s. */
char *survey_address(GBytes *secret, const char *addr, const survey_link *link);

/* The X-Desk-Match of an answer that verified, before "; held: ...":
 * "survey csat=4", "survey optout". */
void survey_match(const survey_link *link, char *buf, size_t size);
/* The link of such a match (its ticket left 0). */
gboolean survey_match_parse(const char *match, survey_link *link);

/* A ticket's survey as its events record it. */
typedef struct survey_sent {
	guint ticket;
	survey_kind kind;
	gint64 time;       /* when the survey mail was stored and sent */
} survey_sent;

/* A ticket's rating: the first answer, changed by later ones within
 * SURVEY_CHANGE_SECONDS of it; later ones are ignored. */
typedef struct survey_rating {
	guint ticket;
	survey_kind kind;
	int score;
	gint64 first, last;    /* the first answer, the last that counted */
	guint ignored;         /* rating events after the window (none are written) */
	char *comment;         /* the last comment that counted, "" for none */
} survey_rating;

/* Whether an answer at T may still set R's score (R NULL: the first). */
gboolean survey_may_rate(const survey_rating *r, gint64 t);

/* The surveys sent (event survey) of ticket T, or of every ticket when T
 * is 0: a table of ticket (GUINT_TO_POINTER) -> survey_sent*. */
desk_status survey_sends(notmuch_database_t *db, guint t, GHashTable **out, desk_err *err);
/* The ratings (events rating, folded by the rule) the same way:
 * ticket -> survey_rating*. */
desk_status survey_ratings(notmuch_database_t *db, guint t, GHashTable **out, desk_err *err);

/* The opt-out list, STORE/var/survey-optout: one address a line, compared
 * as the desk compares addresses (addr_canonical). */
gboolean survey_optout_has(desk_store *st, const char *addr);
/* Add (ADD) or take away ADDR; *changed (may be NULL) whether it did. */
desk_status survey_optout_change(desk_store *st, const char *addr, gboolean add, gboolean *changed,
				 desk_err *err);
/* The addresses of the list, sorted. g_strfreev(). */
char **survey_optout_list(desk_store *st);

#endif
