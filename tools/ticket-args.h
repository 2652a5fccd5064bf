/* ticket-args.h: the tickets a verb acts on: numbers as arguments, "-" for
 * one per line on stdin, or a message (file, or on stdin) carrying
 * X-Desk-Ticket, as a mail client's pipe gives it. */
#ifndef DESK_TICKET_ARGS_H
#define DESK_TICKET_ARGS_H

#include <glib.h>

/* Append the tickets named by ARG to OUT (guint). FALSE with a message
 * on stderr when ARG names none. */
gboolean ticket_args_add(const char *arg, GArray *out);

/* One ticket number from ARG, or 0 with a message on stderr. */
guint ticket_arg_one(const char *arg);

#endif
