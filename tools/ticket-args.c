/* ticket-args.c: ticket numbers from arguments, stdin or a message. */
#include <stdio.h>
#include <string.h>

#include "desk.h"
#include "ticket-args.h"

static guint
number(const char *s)
{
	guint64 n;
	char *end;

	while (*s == ' ' || *s == '\t' || *s == '#')
		s++;
	if (!g_ascii_isdigit(*s))
		return 0;
	n = g_ascii_strtoull(s, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
		end++;
	return *end == '\0' && n > 0 && n <= G_MAXUINT ? (guint)n : 0;
}

/* The X-Desk-Ticket of a message whose first line is FIRST, read on from F
 * to the end of its header; *lines gets the lines read. */
static guint
header_ticket(const char *first, FILE *f, guint *lines)
{
	char line[1024];
	const char *l = first;
	guint t = 0;
	int n = 0;

	for (; l != NULL && n < 2000; n++) {
		if (*l == '\n' || (*l == '\r' && l[1] == '\n'))
			break;
		if (t == 0 && g_ascii_strncasecmp(l, "X-Desk-Ticket:", 14) == 0)
			t = number(l + 14);
		l = fgets(line, sizeof line, f);
	}
	*lines = n + 1;
	return t;
}

/* The line number (after the first message's FIRST_LINES) at which the
 * rest of F has another X-Desk-Ticket header at a line's start, else 0: a
 * second message (several piped as one, as a mail client does for tagged
 * messages unless told to split them), or a body that quotes our headers.
 * Either way, which ticket is meant is not for us to guess. */
static guint
another_message(FILE *f, guint first_lines)
{
	char line[1024];
	gboolean at_start = TRUE;
	guint n = first_lines;

	while (fgets(line, sizeof line, f) != NULL) {
		if (at_start)
			n++;
		if (at_start && g_ascii_strncasecmp(line, "X-Desk-Ticket:", 14) == 0)
			return n;
		at_start = strchr(line, '\n') != NULL;
	}
	return 0;
}

static gboolean
from_stream(FILE *f, const char *what, GArray *out)
{
	char line[1024];
	guint before = out->len;

	while (fgets(line, sizeof line, f) != NULL) {
		guint t = number(line);

		if (t == 0 && strchr(line, ':') != NULL && out->len == before) {
			guint lines, again;

			t = header_ticket(line, f, &lines);
			if (t != 0 && (again = another_message(f, lines)) != 0) {
				desk_warn("%s holds more than one message (another X-Desk-Ticket at line %u): "
					  "give one message at a time (neomutt: set pipe_split=yes); nothing done",
					  what, again);
				return FALSE;
			}
			if (t != 0)
				g_array_append_val(out, t);
			break;
		}
		if (t != 0)
			g_array_append_val(out, t);
		else if (g_strstrip(line)[0] != '\0') {
			desk_warn("not a ticket number in %s: %s", what, line);
			return FALSE;
		}
	}
	if (out->len == before) {
		desk_warn("no ticket in %s", what);
		return FALSE;
	}
	return TRUE;
}

gboolean
ticket_args_add(const char *arg, GArray *out)
{
	guint t = number(arg);
	FILE *f;
	gboolean ok;

	if (t != 0) {
		g_array_append_val(out, t);
		return TRUE;
	}
	if (strcmp(arg, "-") == 0)
		return from_stream(stdin, "stdin", out);
	f = fopen(arg, "r");
	if (f == NULL) {
		desk_warn("'%s' is not a ticket number, '-' or a message file", arg);
		return FALSE;
	}
	ok = from_stream(f, arg, out);
	fclose(f);
	return ok;
}

guint
ticket_arg_one(const char *arg)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(guint));
	guint t = 0;

	if (ticket_args_add(arg, a) && a->len == 1)
		t = g_array_index(a, guint, 0);
	else if (a->len > 1)
		desk_warn("'%s' names more than one ticket", arg);
	g_array_unref(a);
	return t;
}
