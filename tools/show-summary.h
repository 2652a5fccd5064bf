/* show-summary.h: desk show N --summary, as text or JSON. */
#ifndef DESK_SHOW_SUMMARY_H
#define DESK_SHOW_SUMMARY_H

#include "summary.h"
#include "ticket.h"

/* Print S, the summary of ticket INFO, as text or (JSON) as one object. */
void show_summary_print(const ticket_info *info, const ticket_summary *s, gboolean json);

#endif
