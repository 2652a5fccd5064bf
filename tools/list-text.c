/* list-text.c: desk list for people: one ticket a line, columns aligned
 * and cut so that a line fits the terminal; text from mail is made
 * printable first (no control characters reach the terminal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "list-text.h"
#include "output.h"
#include "term.h"
#include "ticket.h"

enum { C_NUM, C_STATUS, C_PRI, C_OWNER, C_QUEUE, C_UPDATED, C_REQ, C_SUBJECT, NCOL };

/* The subject's least share: other columns give way to it. */
#define MIN_SUBJECT 20

/* The widest a column may get before the subject's share. */
static const guint max_width[NCOL] = { 10, 8, 6, 12, 12, 16, 28, 0 };

guint
list_text_width(void)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (c != NULL && g_ascii_isdigit(*c) && atoi(c) > 0)
		return (guint)MIN(atoi(c), 1000);
	return 80;
}

static guint
char_width(gunichar c)
{
	if (g_unichar_iszerowidth(c))
		return 0;
	return g_unichar_iswide(c) ? 2 : 1;
}

static guint
text_width(const char *s)
{
	guint w = 0;

	for (; *s != '\0'; s = g_utf8_next_char(s))
		w += char_width(g_utf8_get_char(s));
	return w;
}

/* Append S to OUT cut to WIDTH columns and padded to WIDTH when PAD. */
static void
append_cell(GString *out, const char *s, guint width, gboolean pad)
{
	guint w = 0;

	for (; *s != '\0'; s = g_utf8_next_char(s)) {
		gunichar c = g_utf8_get_char(s);

		if (w + char_width(c) > width)
			break;
		w += char_width(c);
		g_string_append_unichar(out, c);
	}
	for (; pad && w < width; w++)
		g_string_append_c(out, ' ');
}

static const char *
colour_of(int col, const char *v)
{
	if (col == C_STATUS && strcmp(v, "new") == 0)
		return "\033[1m";
	if (col == C_STATUS && strcmp(v, "open") == 0)
		return "\033[32m";
	if (col == C_STATUS && (strcmp(v, "pending") == 0 || strcmp(v, "on-hold") == 0))
		return "\033[33m";
	if (col == C_PRI && strcmp(v, "urgent") == 0)
		return "\033[1;31m";
	if (col == C_PRI && strcmp(v, "high") == 0)
		return "\033[31m";
	return NULL;
}

/* The cells of one ticket, safe for a terminal (lib/term.h). */
static void
cells_of(const ticket_info *t, char *cell[NCOL])
{
	char *u = out_iso8601(t->updated);

	if (u[0] != '\0') {
		u[10] = ' ';
		u[16] = '\0';
	}
	cell[C_NUM] = g_strdup_printf("%u", t->number);
	cell[C_STATUS] = term_safe(t->status, TERM_LINE);
	cell[C_PRI] = term_safe(t->priority, TERM_LINE);
	cell[C_OWNER] = term_safe(*t->owner ? t->owner : "-", TERM_LINE);
	cell[C_QUEUE] = term_safe(t->queue, TERM_LINE);
	cell[C_UPDATED] = u;
	cell[C_REQ] = term_safe(t->requester, TERM_LINE);
	cell[C_SUBJECT] = term_safe(t->subject, TERM_LINE);
}

/* Column widths: each as wide as its widest cell, up to its maximum;
 * the subject gets what is left of WIDTH. When that is too little, the
 * requester gives way first, then whole columns in DROP_ORDER (width 0). */
static void
layout(char *(*cells)[NCOL], guint n, guint width, guint w[NCOL])
{
	static const int drop_order[] = { C_PRI, C_QUEUE, C_REQ, C_UPDATED, C_OWNER, C_STATUS };
	guint used = 0;

	for (int c = 0; c < NCOL; c++) {
		w[c] = 0;
		for (guint i = 0; i < n; i++)
			w[c] = MAX(w[c], text_width(cells[i][c]));
		if (max_width[c] > 0)
			w[c] = MIN(w[c], max_width[c]);
		if (c != C_SUBJECT)
			used += w[c] + 2;
	}
	used -= 2; /* the first column has no separator */
	if (used + 2 + MIN_SUBJECT > width && w[C_REQ] > 12) {
		guint give = MIN(w[C_REQ] - 12, used + 2 + MIN_SUBJECT - width);

		w[C_REQ] -= give;
		used -= give;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(drop_order) && used + 2 + MIN_SUBJECT > width; i++) {
		used -= w[drop_order[i]] + 2;
		w[drop_order[i]] = 0;
	}
	w[C_SUBJECT] = MIN(w[C_SUBJECT], width > used + 2 ? width - used - 2 : 0);
}

static void
print_line(char *cell[NCOL], const guint w[NCOL], gboolean colour)
{
	GString *line = g_string_new(NULL);

	for (int c = 0; c < NCOL; c++) {
		const char *on = colour ? colour_of(c, cell[c]) : NULL;

		if (c != C_NUM && w[c] == 0)
			continue;
		if (c > 0)
			g_string_append(line, "  ");
		if (on != NULL)
			g_string_append(line, on);
		if (c == C_NUM)
			g_string_append_printf(line, "%*s", (int)w[c], cell[c]);
		else
			append_cell(line, cell[c], w[c], c != C_SUBJECT);
		if (on != NULL)
			g_string_append(line, "\033[0m");
	}
	puts(line->str);
	g_string_free(line, TRUE);
}

void
list_text_print(GPtrArray *list, guint width, gboolean colour)
{
	char *(*cells)[NCOL] = g_malloc0_n(list->len + 1, sizeof *cells);
	guint w[NCOL];

	for (guint i = 0; i < list->len; i++)
		cells_of(list->pdata[i], cells[i]);
	layout(cells, list->len, width, w);
	for (guint i = 0; i < list->len; i++) {
		print_line(cells[i], w, colour);
		for (int c = 0; c < NCOL; c++)
			g_free(cells[i][c]);
	}
	g_free(cells);
}
