/* list-text.h: desk list's text format: aligned columns that fit the
 * terminal, colour only on a terminal. */
#ifndef DESK_LIST_TEXT_H
#define DESK_LIST_TEXT_H

#include <glib.h>

/* The width to fit: the terminal's when stdout is one, else $COLUMNS,
 * else 80. */
guint list_text_width(void);

/* Print LIST (ticket_info*) as lines of at most WIDTH columns; COLOUR adds
 * ANSI colours to status and priority. */
void list_text_print(GPtrArray *list, guint width, gboolean colour);

#endif
