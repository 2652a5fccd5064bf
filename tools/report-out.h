/* report-out.h: desk report's outputs: aligned text, CSV, JSON, and the
 * self-contained HTML page with its SVG charts (report-html.c). */
#ifndef DESK_REPORT_OUT_H
#define DESK_REPORT_OUT_H

#include <stdio.h>
#include <json-glib/json-glib.h>
#include "report.h"
#include "store.h"

/* Why the SLA section has no figures (until SLAs exist). */
#define REPORT_SLA_NONE "SLAs are not configured"

/* SECONDS as people read a duration: "45s", "5m30s", "2h05m", "3d04h". Caller g_free()s. */
char *report_duration(double seconds);

void report_print_text(FILE *out, const report *r, const char *by);
void report_print_csv(FILE *out, const report *r);
/* The report as JSON (what --format=json prints). */
JsonNode *report_json(const report *r);

/* The satisfaction section (tools/report-csat.c) of each output. */
void report_csat_text(FILE *out, const report *r);
void report_csat_csv(FILE *out, const report *r);
void report_csat_json(JsonBuilder *b, const report *r);
void report_csat_html(GString *out, const report *r);
/* The satisfaction figures of a --by group: lines under its row, CSV rows
 * (group,KEY,KIND_FIGURE,VALUE), its JSON member "satisfaction". */
void report_csat_group_text(FILE *out, const csat_figures *f);
void report_csat_group_csv(FILE *out, const char *key, const csat_figures *f);
void report_csat_group_json(JsonBuilder *b, const csat_figures *f);
/* One CSV row (report-out.c), SECTION and KEY quoted as CSV needs. */
void report_csv_row(FILE *out, const char *section, const char *key, const char *figure, double value);

/* The HTML page of R. Caller g_free()s. */
char *report_html(const report *r);
/* Write the HTML page of R to PATH (0640, replaced whole). */
gboolean report_write_html(const report *r, const char *path, GError **gerr);

/* Mail R to TO: its text as the body, its HTML page attached, through
 * sendmail(1). */
desk_status report_mail(desk_store *st, const report *r, const char *by, const char *to, desk_err *err);

#endif
