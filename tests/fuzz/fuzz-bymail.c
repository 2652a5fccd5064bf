/* fuzz-bymail.c: libFuzzer harness of agents by mail (lib/desk/bymail.c). The
 * input is four parts cut at NUL bytes: the SASL login, the client
 * address, the envelope recipient and the message ("{tok:N}" and "{id:N}"
 * made valid, fuzz.h). bymail_decide runs on them against the small store;
 * the body's #command lines go through bymail_split and each through
 * bymail_command_ok. Checks: a decision for a ticket has an agent and an
 * event; commands are lower case, without '#', one line each, at most
 * BYMAIL_MAX_COMMANDS+1; the rest is the end of the body; a refused
 * command says why. */
#include <string.h>

#include "bymail.h"
#include "fuzz.h"
#include "rawmsg.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	fuzz_lookup();
	return 0;
}

typedef struct msg {
	msg_facts *f;
	GString *body;
} msg;

static void
on_header(void *ud, const char *name, const char *value)
{
	facts_header(((msg *)ud)->f, name, value);
}

static void
on_body(void *ud, const char *buf, gsize len)
{
	g_string_append_len(((msg *)ud)->body, buf, len);
}

static void
check_decision(desk_status s, const bymail_decision *d, const desk_err *err)
{
	FUZZ_CHECK(s == DESK_OK || s == DESK_NOTFOUND, err->msg);
	if (s != DESK_OK || d->ticket == 0)
		return;
	FUZZ_CHECK(d->agent != NULL && d->how != NULL, "a mail to a ticket is an agent's");
	FUZZ_CHECK(strcmp(d->event, "mail-comment") == 0 || strcmp(d->event, "mail-reply") == 0,
		   "a comment or a reply");
	FUZZ_CHECK(strcmp(d->queue, "support") == 0 || strcmp(d->queue, "billing") == 0, "a queue of the desk");
}

static void
check_commands(const char *body)
{
	char **cmds = NULL, *rest = NULL;
	guint n;

	bymail_split(body, &cmds, &rest);
	n = g_strv_length(cmds);
	FUZZ_CHECK(n <= BYMAIL_MAX_COMMANDS + 1, "at most BYMAIL_MAX_COMMANDS+1 commands");
	FUZZ_CHECK(g_str_has_suffix(body, rest), "the rest is the end of the body");
	for (guint i = 0; i < n; i++) {
		desk_err err = { 0 };
		const char *c = cmds[i];

		FUZZ_CHECK(g_ascii_isalpha(*c) && strchr(c, '\n') == NULL, "a command is a line starting with a letter");
		for (const char *p = c; *p != '\0'; p++)
			FUZZ_CHECK(!g_ascii_isupper(*p), "a command is lower case");
		if (!bymail_command_ok(fuzz_config(), c, &err))
			FUZZ_CHECK(err.msg[0] != '\0', "a refused command says why");
	}
	g_strfreev(cmds);
	g_free(rest);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	desk_store *st = fuzz_store();
	char **part = fuzz_split(data, size, 4);
	char *text = fuzz_bless(st->secret, part[3]);
	msg m = { facts_new(), g_string_new(NULL) };
	rawmsg_sink sink = { on_header, on_body, &m };
	bymail_decision d;
	desk_err err = { 0 };
	desk_status s;

	rawmsg_scan_buf(text, strlen(text), &sink);
	facts_finish(m.f);
	s = bymail_decide(st, fuzz_lookup(), part[0], part[1], m.f, *part[2] != '\0' ? part[2] : NULL, &d, &err);
	check_decision(s, &d, &err);
	if (s == DESK_OK && d.ticket != 0)
		g_free(bymail_seal(st, &d, m.f->message_id, "0123456789abcdef"));
	check_commands(m.body->str);
	g_string_free(m.body, TRUE);
	facts_free(m.f);
	g_free(text);
	g_strfreev(part);
	return 0;
}
