/* desk-reply.c: desk reply N: a public reply to the requester and the
 * ticket's participants, stored in the ticket and sent through sendmail(1). */
#include <string.h>

#include "desk.h"
#include "reply.h"
#include "ticket-args.h"

int
verb_reply(const char *store_dir, int argc, char **argv)
{
	char *as = NULL, *message = NULL, *tpl = NULL, *irt = NULL, *kb = NULL;
	char **attach = NULL;
	gboolean force = FALSE, retry = FALSE, edit = FALSE, draft = FALSE;
	GOptionEntry entries[] = {
		{ "as", 0, 0, G_OPTION_ARG_STRING, &as, "Act as agent LOGIN (default $MAILDESK_AGENT, else your login)", "LOGIN" },
		{ "message", 'm', 0, G_OPTION_ARG_STRING, &message, "The text of the reply (else stdin, else $EDITOR)", "TEXT" },
		{ "template", 't', 0, G_OPTION_ARG_STRING, &tpl, "Start from template NAME (STORE/templates, then the installed ones; csat, nps, ces: send the ticket's survey)", "NAME" },
		{ "edit", 'e', 0, G_OPTION_ARG_NONE, &edit, "Write the text in $EDITOR (also with --template or a redirected stdin)", NULL },
		{ "attach", 'a', 0, G_OPTION_ARG_FILENAME_ARRAY, &attach, "Attach FILE (repeatable)", "FILE" },
		{ "in-reply-to", 0, 0, G_OPTION_ARG_STRING, &irt, "The message you answer: refuse if the requester wrote after it", "MSGID" },
		{ "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Send even if the requester wrote since you last looked", NULL },
		{ "retry", 0, 0, G_OPTION_ARG_NONE, &retry, "Send again the replies sendmail failed to take", NULL },
		{ "kb", 0, 0, G_OPTION_ARG_STRING, &kb, "Insert KB article SLUG (public, published) and cite it", "SLUG" },
		{ "draft", 0, 0, G_OPTION_ARG_NONE, &draft, "Start in $EDITOR from KB articles and a similar solved ticket's answer", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	const desk_agent *me = NULL;
	guint n = 0;
	int rc = desk_parse("reply", "N", "Reply to ticket N's requester (Cc its participants). The text is\n"
			    "-m TEXT, else stdin when it is not a terminal, else what you write in\n"
			    "$EDITOR on a draft quoting the last customer message (--draft: starting\n"
			    "from KB articles and a similar solved ticket's answer, under [draft ...]\n"
			    "lines you must remove: one left, or the draft unchanged, sends nothing).\n"
			    "Refused when the requester wrote since you last looked (desk show N),\n"
			    "unless --force (exit 65).",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc != 2) {
		rc = desk_error(DESK_USAGE, "reply: one ticket, please (see desk reply --help)");
		goto out;
	}
	if (tpl != NULL && message != NULL) {
		rc = desk_error(DESK_USAGE, "reply: --template and -m: choose one (--edit changes a template's text)");
		goto out;
	}
	if (draft && (message != NULL || tpl != NULL || kb != NULL || retry)) {
		rc = desk_error(DESK_USAGE, "reply: --draft writes the text in $EDITOR: not with -m, --template, --kb or --retry");
		goto out;
	}
	if ((n = ticket_arg_one(argv[1])) == 0) {
		rc = 64;
		goto out;
	}
	if ((rc = desk_open_as(store_dir, "reply", as, &st, &me)) != 0)
		goto out;
	if (retry) {
		rc = reply_retry(st, me, n);
	} else {
		reply_opts o = { message, tpl, edit, attach, irt, force, NULL,
				 strcmp(argv[1], "-") != 0 && g_file_test(argv[1], G_FILE_TEST_EXISTS) == FALSE, kb, draft };

		rc = reply_run(st, me, n, &o);
	}
out:
	desk_close_store(st);
	g_free(as);
	g_free(message);
	g_free(tpl);
	g_free(irt);
	g_free(kb);
	g_strfreev(attach);
	return rc;
}
