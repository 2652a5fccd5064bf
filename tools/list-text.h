/* list-text.h: desk list's text format: aligned columns under a header
 * row on a terminal, cut to fit it; whole lines anywhere else. */
#ifndef DESK_LIST_TEXT_H
#define DESK_LIST_TEXT_H

#include <glib.h>

/* The columns, in the order of the text and TSV formats. */
enum { LIST_NUM, LIST_NEW, LIST_STATUS, LIST_PRI, LIST_OWNER, LIST_QUEUE, LIST_ACTIVE, LIST_WAITING,
       LIST_REQ, LIST_SUBJECT, LIST_NCOL };

typedef struct list_text_opts {
	guint width;          /* the terminal's columns to fit; 0: nothing is cut */
	gboolean header;      /* a header row first */
	gboolean colour;      /* ANSI colours on status and priority */
	gboolean absolute;    /* times as local "YYYY-MM-DD HH:MM" instead of ages */
	int keep;             /* a column never dropped (the sort key's), or -1 */
	gint64 now;           /* ages are counted to NOW */
	GHashTable *unseen;   /* numbers of tickets with messages not seen; NULL: unknown */
	GHashTable *away;     /* logins of agents away (lib/store/away.h), or NULL */
} list_text_opts;

/* The width of the terminal on standard output: $COLUMNS when set, else
 * the terminal's, else 80; 0 when standard output is not a terminal. */
guint list_text_width(void);

/* Print LIST (ticket_info*) as O says: one ticket a line, columns aligned.
 * When O->width is not 0, lines fit it: the requester, owner and queue
 * are shortened first, then whole columns are left out in the order
 * queue, waiting, requester, owner, active, status (never the number,
 * the marker, the priority or O->keep); a cut value ends with "…". */
void list_text_print(GPtrArray *list, const list_text_opts *o);

#endif
