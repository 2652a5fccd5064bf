/* bymail.c: which mail is an agent's (only from the MTA's word), to which
 * ticket, and the #command lines at the top of its body. The follow-up
 * that carries them out is in bymail-followup.c. */
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "bymail.h"
#include "html.h"
#include "netmatch.h"
#include "seal.h"
#include "thread.h"
#include "ticket.h"
#include "token.h"
#include "xset.h"

const desk_agent *
bymail_agent(const desk_config *cfg, const char *sasl, const char *client, const char *from,
	     const char **how)
{
	*how = NULL;
	if (sasl != NULL && *sasl != '\0') {
		const desk_agent *a = agent_by_sasl(cfg->agents, sasl);

		if (a != NULL)
			*how = "sasl";
		return a;
	}
	if (from != NULL && netmatch_contains(cfg->trusted_networks, client)) {
		const desk_agent *a = agent_by_address(cfg->agents, from);

		if (a != NULL)
			*how = "trusted-network";
		return a;
	}
	return NULL;
}

/* The ticket and kind named by the extension EXT of a desk address:
 * "N", "N-TOKEN", "N-reply", "N-TOKEN-reply". FALSE when EXT names a
 * ticket (starts with a digit) in none of these forms. */
static gboolean
parse_ext(GBytes *secret, const char *ext, guint *ticket, gboolean *reply)
{
	guint64 n = 0;
	const char *p = ext;
	char *rest;
	gboolean ok = TRUE;
	size_t len;

	while (g_ascii_isdigit(*p) && n < G_MAXUINT)
		n = n * 10 + (guint)(*p++ - '0');
	if (p == ext || n == 0 || n >= G_MAXUINT)
		return FALSE;
	*ticket = (guint)n;
	rest = g_ascii_strdown(p, -1);
	len = strlen(rest);
	*reply = len >= 6 && strcmp(rest + len - 6, "-reply") == 0;
	if (*reply)
		rest[len - 6] = '\0';
	if (*rest != '\0') {
		/* a token must be the ticket's own: the agent may have typed it */
		char *full = g_strdup_printf("%u%s", *ticket, rest);
		guint t = 0;

		ok = *rest == '-' && token_check_ext(secret, full, &t) && t == *ticket;
		g_free(full);
	}
	g_free(rest);
	return ok;
}

/* Whether the addr-specs A and B are one address: the same local part,
 * the domain in any letter case. */
static gboolean
same_address(const char *a, const char *b)
{
	const char *at_a = strrchr(a, '@'), *at_b = strrchr(b, '@');

	return at_a != NULL && at_b != NULL && at_a - a == at_b - b && strncmp(a, b, (size_t)(at_a - a)) == 0 &&
	       g_ascii_strcasecmp(at_a, at_b) == 0;
}

const char *
bymail_commands_off(const desk_agent *a, const msg_facts *f)
{
	if (f->resent)
		return BYMAIL_OFF_RESENT;
	if (f->from == NULL || !same_address(f->from, a->address))
		return BYMAIL_OFF_FROM;
	return NULL;
}

/* The decision for ticket TICKET; its X-Desk-Set is built here alone, of
 * the agent's login and our constants, never of the mail's text. */
static void
fill(bymail_decision *d, guint ticket, gboolean reply, const char *queue)
{
	d->ticket = ticket;
	d->event = reply && d->commands_off == NULL ? "mail-reply" : "mail-comment";
	snprintf(d->match, sizeof d->match, "agent; %s", d->how);
	g_strlcpy(d->queue, queue != NULL ? queue : "support", sizeof d->queue);
	xset *set = xset_new();
	char *v;

	xset_add(set, "by", d->agent->login);
	if (d->commands_off != NULL)
		xset_add(set, "commands", d->commands_off);
	v = xset_encode(set);
	g_strlcpy(d->set, v, sizeof d->set);
	g_free(v);
	xset_free(set);
}

desk_status
bymail_decide(desk_store *st, desk_lookup *lk, const char *sasl, const char *client, const msg_facts *f,
	      const char *rcpt, bymail_decision *d, desk_err *err)
{
	char *ext = NULL;
	const char *queue;
	guint ticket = 0, ours = 0;
	gboolean reply = FALSE, exists = FALSE;
	desk_status s;

	memset(d, 0, sizeof *d);
	d->agent = bymail_agent(st->cfg, sasl, client, f->from, &d->how);
	if (d->agent == NULL || rcpt == NULL)
		return DESK_OK;
	if (f->message_id != NULL && token_parse_msgid(st->secret, f->message_id, &ours))
		return DESK_OK;  /* our own mail coming back */
	d->commands_off = bymail_commands_off(d->agent, f);
	queue = config_queue_for(st->cfg, rcpt, &ext);
	if (ext != NULL && g_ascii_isdigit(*ext) && !parse_ext(st->secret, ext, &ticket, &reply)) {
		s = desk_fail(err, DESK_NOTFOUND, "no ticket address %s (support+N@ comments on ticket N, "
			      "support+N-reply@ answers its requester)", rcpt);
		g_free(ext);
		return s;
	}
	if (ext == NULL && f->subject != NULL)
		ticket = thread_subject_tag(st->cfg->subject_tag, f->subject);
	g_free(ext);
	if (ticket == 0)
		return DESK_OK;
	if ((s = lookup_ticket_exists(lk, ticket, &exists, err)) != DESK_OK)
		return s;
	if (!exists)
		return desk_fail(err, DESK_NOTFOUND, "no ticket %u", ticket);
	fill(d, ticket, reply, queue);
	return DESK_OK;
}

char *
bymail_seal(desk_store *st, const bymail_decision *d, const char *message_id, const char *digest)
{
	seal_facts f = { d->ticket, d->match, d->queue, d->event, d->set, NULL, NULL, message_id, digest, NULL };

	return seal_make(st->secret, &f);
}

/* Whether LINE (stripped) is a command line: '#' and a letter. */
static gboolean
is_command(const char *line)
{
	return line[0] == '#' && g_ascii_isalpha(line[1]);
}

void
bymail_split(const char *text, char ***commands, char **rest)
{
	GPtrArray *cmds = g_ptr_array_new();
	const char *p = text != NULL ? text : "", *body = p;

	while (*p != '\0' && cmds->len <= BYMAIL_MAX_COMMANDS) {
		const char *nl = strchr(p, '\n'), *next = nl != NULL ? nl + 1 : p + strlen(p);
		char *line = g_strndup(p, next - p);

		g_strstrip(line);
		if (*line == '\0') {
			g_free(line);
		} else if (is_command(line)) {
			g_ptr_array_add(cmds, g_ascii_strdown(line + 1, -1));
			g_free(line);
			body = next;
		} else {
			g_free(line);
			break;
		}
		p = next;
	}
	/* the rest starts after the last command, without leading blank lines */
	while (*body != '\0') {
		const char *nl = strchr(body, '\n');
		const char *q = body;

		while (q < (nl != NULL ? nl : body + strlen(body)) && g_ascii_isspace(*q))
			q++;
		if (nl == NULL || q != nl)
			break;
		body = nl + 1;
	}
	g_ptr_array_add(cmds, NULL);
	*commands = (char **)g_ptr_array_free(cmds, FALSE);
	*rest = g_strdup(body);
}

static const struct {
	const char *code, *why;
} commands_off[] = {
	{ BYMAIL_OFF_RESENT, "it carries Resent-* headers (resent or redirected mail)" },
	{ BYMAIL_OFF_FROM, "its From is not the agent's address" },
};

const char *
bymail_commands_off_in(const char *set)
{
	xset *items = xset_decode(set, NULL);
	const char *why = NULL;

	for (guint i = 0; i < xset_len(items) && why == NULL; i++) {
		if (strcmp(xset_key(items, i), "commands") != 0)
			continue;
		why = "the desk did not take it for the agent's own";  /* a value we don't know: off all the same */
		for (size_t k = 0; k < G_N_ELEMENTS(commands_off); k++)
			if (strcmp(xset_value(items, i, NULL), commands_off[k].code) == 0)
				why = commands_off[k].why;
	}
	xset_free(items);
	return why;
}

/* The command lines at the top of TEXT, each as its words joined by one
 * space. g_strfreev(). */
static char **
command_words(const char *text)
{
	char **cmds, *rest;

	bymail_split(text, &cmds, &rest);
	g_free(rest);
	for (char **c = cmds; *c != NULL; c++) {
		char **w = g_strsplit_set(*c, " \t", -1);
		GString *line = g_string_new(NULL);

		for (char **i = w; *i != NULL; i++)
			if (**i != '\0')
				g_string_append_printf(line, "%s%s", line->len > 0 ? " " : "", *i);
		g_strfreev(w);
		g_free(*c);
		*c = g_string_free(line, FALSE);
	}
	return cmds;
}

gboolean
bymail_alternatives_agree(const char *text, const char *html)
{
	char *rendered, **a, **b;
	guint i;
	gboolean same;

	if (text == NULL || html == NULL)
		return TRUE;
	rendered = html_to_text(html, strlen(html));
	a = command_words(text);
	b = command_words(rendered);
	for (i = 0; a[i] != NULL && b[i] != NULL && strcmp(a[i], b[i]) == 0; i++)
		;
	same = a[i] == NULL && b[i] == NULL;
	g_strfreev(a);
	g_strfreev(b);
	g_free(rendered);
	return same;
}

static const char usage[] = "#assign LOGIN, #take, #unassign, #status open|pending|on-hold|solved|closed, "
			    "#close, #reopen, #priority low|normal|high|urgent, #queue QUEUE, "
			    "#tag +TAG -TAG, #cc add|remove ADDRESS";

/* "--force" may end assign, take and unassign. */
static int
args_without_force(char **w, int n)
{
	return n > 1 && strcmp(w[n - 1], "--force") == 0 ? n - 1 : n;
}

gboolean
bymail_command_ok(const desk_config *cfg, const char *cmd, desk_err *err)
{
	char **w = g_strsplit_set(cmd, " \t", -1);
	GPtrArray *words = g_ptr_array_new();
	const char *verb;
	int n;
	gboolean ok = FALSE;

	for (char **i = w; *i != NULL; i++)
		if (**i != '\0')
			g_ptr_array_add(words, *i);
	n = (int)words->len;
	g_ptr_array_add(words, NULL);
	verb = n > 0 ? words->pdata[0] : "";
	if (strcmp(verb, "take") == 0 || strcmp(verb, "unassign") == 0)
		ok = args_without_force((char **)words->pdata, n) == 1 ||
		     !desk_fail(err, DESK_USAGE, "it takes no argument but --force");
	else if (strcmp(verb, "close") == 0 || strcmp(verb, "reopen") == 0)
		ok = n == 1 || !desk_fail(err, DESK_USAGE, "it takes no argument");
	else if (strcmp(verb, "assign") == 0) {
		n = args_without_force((char **)words->pdata, n);
		if (n != 2)
			desk_fail(err, DESK_USAGE, "usage: #assign LOGIN");
		else if (agent_find(cfg->agents, words->pdata[1]) == NULL)
			desk_fail(err, DESK_USAGE, "'%s' is not an agent", (char *)words->pdata[1]);
		else
			ok = TRUE;
	} else if (strcmp(verb, "status") == 0) {
		if (n != 2 || !ticket_status_valid(words->pdata[1]) || strcmp(words->pdata[1], "new") == 0)
			desk_fail(err, DESK_USAGE, "unknown status '%s' (open, pending, on-hold, solved, closed)",
				  n > 1 ? (char *)words->pdata[1] : "");
		else
			ok = TRUE;
	} else if (strcmp(verb, "priority") == 0) {
		if (n != 2 || !ticket_priority_valid(words->pdata[1]))
			desk_fail(err, DESK_USAGE, "unknown priority '%s' (low, normal, high, urgent)",
				  n > 1 ? (char *)words->pdata[1] : "");
		else
			ok = TRUE;
	} else if (strcmp(verb, "queue") == 0) {
		if (n != 2 || !actions_queue_known(cfg->addresses, words->pdata[1]))
			desk_fail(err, DESK_USAGE, "no queue '%s'", n > 1 ? (char *)words->pdata[1] : "");
		else
			ok = TRUE;
	} else if (strcmp(verb, "tag") == 0) {
		ok = n > 1 || !desk_fail(err, DESK_USAGE, "usage: #tag +TAG -TAG");
		for (int i = 1; ok && i < n; i++) {
			const char *t = words->pdata[i];

			if ((*t != '+' && *t != '-') || !ticket_tag_valid(t + 1))
				ok = !desk_fail(err, DESK_USAGE, "bad tag change '%s' (+TAG or -TAG; a-z 0-9 . _ -)", t);
		}
	} else if (strcmp(verb, "cc") == 0) {
		if (n != 3 || (strcmp(words->pdata[1], "add") != 0 && strcmp(words->pdata[1], "remove") != 0) ||
		    !actions_address_ok(words->pdata[2]))
			desk_fail(err, DESK_USAGE, "usage: #cc add|remove ADDRESS");
		else
			ok = TRUE;
	} else {
		desk_fail(err, DESK_USAGE, "unknown command (commands: %s)", usage);
	}
	g_ptr_array_free(words, TRUE);
	g_strfreev(w);
	return ok;
}
