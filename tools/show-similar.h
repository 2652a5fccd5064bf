/* show-similar.h: desk show N --similar (text or JSON), and the "possible
 * duplicate" line of desk show N (lib/store/similar.h). */
#ifndef DESK_SHOW_SIMILAR_H
#define DESK_SHOW_SIMILAR_H

#include <notmuch.h>

#include "similar.h"
#include "store.h"
#include "ticket.h"

/* The options from [triage] of CFG. */
void show_similar_opts(const desk_config *cfg, similar_opts *o);

/* Print ticket INFO's similar tickets and its possible duplicate; 0, or
 * the exit code of the error (said). */
int show_similar_print(desk_store *st, notmuch_database_t *db, const ticket_info *info, gboolean json);

/* "possible duplicate of #M (...); merge: desk merge N M" for ticket N,
 * or NULL when it is none or cannot be had (said nowhere: desk show
 * N --similar says why). */
char *show_duplicate_line(desk_store *st, notmuch_database_t *db, guint n);

#endif
