/* survey-send.h: the satisfaction surveys that are due, stored and sent
 * (desk survey send, desk autoclose; doc/desk-survey.1). */
#ifndef DESK_SURVEY_SEND_H
#define DESK_SURVEY_SEND_H

#include <glib.h>
#include "agent.h"
#include "config.h"
#include "store.h"
#include "survey.h"

/* With survey.enabled: send the survey of every ticket whose survey is
 * due and was not sent yet (DRY_RUN: only say so). LINES gets a line for
 * each ticket due ("N: surveyed ADDR (csat)", "N: no survey: why"; the
 * caller prints them), *count how many were (or would be) sent. */
desk_status survey_send_due(desk_store *st, gboolean dry_run, GPtrArray *lines, guint *count, desk_err *err);

/* Whether template NAME is a survey's: csat, nps, ces (*kind that one),
 * or survey.template (*kind survey.kind). */
gboolean survey_template_kind(const desk_config *cfg, const char *name, survey_kind *kind);

/* Send ticket N's survey now, from template NAME (a survey's), at agent
 * ME's asking (desk reply N --template csat): the same mail and the same
 * event survey as desk survey send, so its answers count. Refused
 * (DESK_DATAERR) when the ticket was surveyed already or its requester
 * gets no survey (opted out, automatic mail, merged, ...: *why in ERR).
 * *line gets "N: surveyed ADDR (KIND)"; caller g_free()s. */
desk_status survey_send_ticket(desk_store *st, const desk_agent *me, guint n, const char *name, char **line,
			       desk_err *err);

#endif
