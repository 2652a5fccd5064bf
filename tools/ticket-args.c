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

/* The X-Desk-Ticket of a message whose first line is FIRST, read on from F. */
static guint
header_ticket(const char *first, FILE *f)
{
	char line[1024];
	const char *l = first;
	guint t = 0;

	for (int n = 0; l != NULL && t == 0 && n < 2000; n++) {
		if (*l == '\n' || (*l == '\r' && l[1] == '\n'))
			break;
		if (g_ascii_strncasecmp(l, "X-Desk-Ticket:", 14) == 0)
			t = number(l + 14);
		l = fgets(line, sizeof line, f);
	}
	return t;
}

static gboolean
from_stream(FILE *f, const char *what, GArray *out)
{
	char line[1024];
	guint before = out->len;

	while (fgets(line, sizeof line, f) != NULL) {
		guint t = number(line);

		if (t == 0 && strchr(line, ':') != NULL && out->len == before) {
			t = header_ticket(line, f);
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
