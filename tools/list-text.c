/* list-text.c: desk list for people: a header row and one ticket a line,
 * columns aligned; on a terminal the same columns whatever the filter,
 * chosen by its width alone, and cut values end with an ellipsis. Text
 * from mail is made printable first (no control characters reach the
 * terminal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "list-text.h"
#include "term.h"
#include "ticket.h"
#include "when.h"

#define ELLIPSIS "\xE2\x80\xA6"   /* U+2026, one column wide */

static const struct column {
	const char *header;
	guint least;   /* its width when deciding what fits a terminal */
	guint most;    /* the widest it gets on a terminal; 0: as wide as it needs */
	guint sep;     /* spaces before it */
} columns[LIST_NCOL] = {
	[LIST_NUM] = { "#", 5, 0, 0 },
	[LIST_NEW] = { "", 1, 1, 1 },
	[LIST_STATUS] = { "STATUS", 7, 7, 2 },
	[LIST_PRI] = { "PRI", 6, 6, 2 },
	[LIST_OWNER] = { "OWNER", 8, 12, 2 },
	[LIST_QUEUE] = { "QUEUE", 8, 12, 2 },
	[LIST_ACTIVE] = { "ACTIVE", 6, 6, 2 },
	[LIST_WAITING] = { "WAITING", 7, 7, 2 },
	[LIST_REQ] = { "REQUESTER", 12, 28, 2 },
	[LIST_SUBJECT] = { "SUBJECT", 20, 0, 2 },
};

/* Least and most width of the times: ages, or local times. */
#define AGE_WIDTH 7
#define LOCAL_WIDTH 16

/* Columns left out, in this order, when the least widths do not fit. */
static const int drop_order[] = { LIST_QUEUE, LIST_WAITING, LIST_REQ, LIST_OWNER, LIST_ACTIVE, LIST_STATUS };

/* Columns that give way to the subject, in this order, down to their least. */
static const int give_order[] = { LIST_REQ, LIST_OWNER, LIST_QUEUE };

guint
list_text_width(void)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");

	if (!isatty(STDOUT_FILENO))
		return 0;
	if (c != NULL && g_ascii_isdigit(*c) && atoi(c) > 0)
		return (guint)MIN(atoi(c), 1000);
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
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

/* Append S to OUT in WIDTH columns (0: as it is): cut with an ellipsis
 * when longer, padded with spaces when PAD. */
static void
append_cell(GString *out, const char *s, guint width, gboolean pad)
{
	guint w = 0, full = text_width(s);

	if (width == 0 || full <= width) {
		g_string_append(out, s);
		w = full;
	} else {
		for (; *s != '\0'; s = g_utf8_next_char(s)) {
			gunichar c = g_utf8_get_char(s);

			if (w + char_width(c) > width - 1)
				break;
			w += char_width(c);
			g_string_append_unichar(out, c);
		}
		g_string_append(out, ELLIPSIS);
		w++;
	}
	for (; pad && w < width; w++)
		g_string_append_c(out, ' ');
}

static const char *
colour_of(int col, const char *v)
{
	if (col == LIST_STATUS && strcmp(v, "new") == 0)
		return "\033[1m";
	if (col == LIST_STATUS && strcmp(v, "open") == 0)
		return "\033[32m";
	if (col == LIST_STATUS && (strcmp(v, "pending") == 0 || strcmp(v, "on-hold") == 0))
		return "\033[33m";
	if (col == LIST_PRI && strcmp(v, "urgent") == 0)
		return "\033[1;31m";
	if (col == LIST_PRI && strcmp(v, "high") == 0)
		return "\033[31m";
	return NULL;
}

static char *
time_cell(gint64 t, const list_text_opts *o)
{
	return o->absolute ? when_local(t) : when_age(t, o->now);
}

/* The cells of one ticket, safe for a terminal (lib/base/term.h). */
static void
cells_of(const ticket_info *t, const list_text_opts *o, char *cell[LIST_NCOL])
{
	gboolean unseen = o->unseen != NULL && g_hash_table_contains(o->unseen, GUINT_TO_POINTER(t->number));

	cell[LIST_NUM] = g_strdup_printf("%u", t->number);
	cell[LIST_NEW] = g_strdup(unseen ? "*" : " ");
	cell[LIST_STATUS] = term_safe(t->status, TERM_LINE);
	cell[LIST_PRI] = term_safe(t->priority, TERM_LINE);
	if (*t->owner != '\0' && o->away != NULL && g_hash_table_contains(o->away, t->owner)) {
		char *who = g_strdup_printf("%s (away)", t->owner);

		cell[LIST_OWNER] = term_safe(who, TERM_LINE);
		g_free(who);
	} else {
		cell[LIST_OWNER] = term_safe(*t->owner ? t->owner : "-", TERM_LINE);
	}
	cell[LIST_QUEUE] = term_safe(t->queue, TERM_LINE);
	cell[LIST_ACTIVE] = time_cell(t->activity, o);
	cell[LIST_WAITING] = time_cell(t->waiting_since, o);
	cell[LIST_REQ] = term_safe(t->requester, TERM_LINE);
	cell[LIST_SUBJECT] = term_safe(t->subject, TERM_LINE);
}

static guint
least_of(int c, const list_text_opts *o)
{
	if (c == LIST_ACTIVE || c == LIST_WAITING)
		return o->absolute ? LOCAL_WIDTH : AGE_WIDTH;
	return columns[c].least;
}

static guint
most_of(int c, const list_text_opts *o)
{
	if (c == LIST_ACTIVE || c == LIST_WAITING)
		return o->absolute ? LOCAL_WIDTH : AGE_WIDTH;
	return columns[c].most;
}

/* Which columns a terminal of O->width shows, from the least widths
 * alone (so whatever the tickets): SHOWN[c]. */
static void
choose(const list_text_opts *o, gboolean shown[LIST_NCOL])
{
	guint need = 0;

	for (int c = 0; c < LIST_NCOL; c++) {
		shown[c] = TRUE;
		need += least_of(c, o) + columns[c].sep;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(drop_order) && need > o->width; i++) {
		int c = drop_order[i];

		if (c == o->keep)
			continue;
		shown[c] = FALSE;
		need -= least_of(c, o) + columns[c].sep;
	}
}

/* Column widths W (0: not shown): each as wide as its widest cell or its
 * header, on a terminal at most its most; then the subject gets what is
 * left, the columns of give_order giving way down to their least. */
static void
layout(char *(*cells)[LIST_NCOL], guint n, const list_text_opts *o, guint w[LIST_NCOL])
{
	gboolean shown[LIST_NCOL];
	guint used = 0, need;

	choose(o, shown);
	for (int c = 0; c < LIST_NCOL; c++) {
		w[c] = 0;
		if (o->width > 0 && !shown[c])
			continue;
		w[c] = o->header ? text_width(columns[c].header) : 1;
		for (guint i = 0; i < n; i++)
			w[c] = MAX(w[c], text_width(cells[i][c]));
		if (o->width > 0 && most_of(c, o) > 0)
			w[c] = MIN(w[c], MAX(most_of(c, o), text_width(columns[c].header)));
		if (c != LIST_SUBJECT)
			used += w[c] + columns[c].sep;
	}
	if (o->width == 0)
		return;
	used += columns[LIST_SUBJECT].sep;
	need = used + least_of(LIST_SUBJECT, o);
	for (gsize i = 0; i < G_N_ELEMENTS(give_order) && need > o->width; i++) {
		int c = give_order[i];
		guint give = w[c] > least_of(c, o) ? MIN(w[c] - least_of(c, o), need - o->width) : 0;

		w[c] -= give;
		used -= give;
		need -= give;
	}
	w[LIST_SUBJECT] = MIN(w[LIST_SUBJECT], o->width > used ? o->width - used : 1);
}

static void
print_line(char *cell[LIST_NCOL], const guint w[LIST_NCOL], gboolean colour, gboolean cut)
{
	GString *line = g_string_new(NULL);

	for (int c = 0; c < LIST_NCOL; c++) {
		const char *on = colour ? colour_of(c, cell[c]) : NULL;

		if (w[c] == 0)
			continue;
		for (guint s = 0; s < columns[c].sep; s++)
			g_string_append_c(line, ' ');
		if (on != NULL)
			g_string_append(line, on);
		if (c == LIST_NUM)
			g_string_append_printf(line, "%*s", (int)w[c], cell[c]);
		else
			append_cell(line, cell[c], cut || c != LIST_SUBJECT ? w[c] : 0, c != LIST_SUBJECT);
		if (on != NULL)
			g_string_append(line, "\033[0m");
	}
	/* a blank last cell leaves spaces: not at the end of a line */
	while (line->len > 0 && line->str[line->len - 1] == ' ')
		g_string_truncate(line, line->len - 1);
	puts(line->str);
	g_string_free(line, TRUE);
}

void
list_text_print(GPtrArray *list, const list_text_opts *o)
{
	char *(*cells)[LIST_NCOL] = g_malloc0_n(list->len + 1, sizeof *cells);
	char *head[LIST_NCOL];
	guint w[LIST_NCOL];

	for (guint i = 0; i < list->len; i++)
		cells_of(list->pdata[i], o, cells[i]);
	layout(cells, list->len, o, w);
	for (int c = 0; c < LIST_NCOL; c++)
		head[c] = (char *)columns[c].header;
	if (o->header && list->len > 0)
		print_line(head, w, FALSE, o->width > 0);
	for (guint i = 0; i < list->len; i++) {
		print_line(cells[i], w, o->colour, o->width > 0);
		for (int c = 0; c < LIST_NCOL; c++)
			g_free(cells[i][c]);
	}
	g_free(cells);
}
