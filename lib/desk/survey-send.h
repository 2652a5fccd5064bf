/* survey-send.h: the satisfaction surveys that are due, stored and sent
 * (desk survey send, desk autoclose; doc/desk-survey.1). */
#ifndef DESK_SURVEY_SEND_H
#define DESK_SURVEY_SEND_H

#include <glib.h>
#include "store.h"

/* With survey.enabled: send the survey of every ticket whose survey is
 * due and was not sent yet (DRY_RUN: only say so). LINES gets a line for
 * each ticket due ("N: surveyed ADDR (csat)", "N: no survey: why"; the
 * caller prints them), *count how many were (or would be) sent. */
desk_status survey_send_due(desk_store *st, gboolean dry_run, GPtrArray *lines, guint *count, desk_err *err);

#endif
