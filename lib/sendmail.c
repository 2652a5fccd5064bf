/* sendmail.c: hand a message to sendmail(1) on its stdin. */
#include <string.h>
#include <gio/gio.h>

#include "sendmail.h"

static desk_status
command_argv(desk_store *st, const char *sender, char ***argv, desk_err *err)
{
	const char *cmd = g_getenv("MAILDESK_SENDMAIL");
	GError *gerr = NULL;
	char **words = NULL;
	GPtrArray *a;

	if (cmd == NULL || *cmd == '\0')
		cmd = st->cfg->sendmail;
	if (!g_shell_parse_argv(cmd, NULL, &words, &gerr)) {
		desk_status s = desk_fail(err, DESK_CONFIG, "sendmail command '%s': %s", cmd, gerr->message);

		g_error_free(gerr);
		return s;
	}
	a = g_ptr_array_new();
	for (char **w = words; *w != NULL; w++)
		g_ptr_array_add(a, *w);
	if (sender != NULL) {
		g_ptr_array_add(a, g_strdup("-f"));
		g_ptr_array_add(a, g_strdup(sender));
	}
	g_ptr_array_add(a, NULL);
	g_free(words);
	*argv = (char **)g_ptr_array_free(a, FALSE);
	return DESK_OK;
}

desk_status
sendmail_send(desk_store *st, const char *text, const char *sender, desk_err *err)
{
	char **argv = NULL;
	char *errout = NULL;
	GBytes *eb = NULL;
	int status = 0;
	GError *gerr = NULL;
	desk_status s = command_argv(st, sender, &argv, err);
	GSubprocess *p;
	GBytes *in;

	if (s != DESK_OK)
		return s;
	p = g_subprocess_newv((const char *const *)argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
				      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &gerr);
	if (p == NULL) {
		s = desk_fail(err, DESK_TEMPFAIL, "cannot run %s: %s", argv[0], gerr->message);
		goto out;
	}
	in = g_bytes_new_static(text, strlen(text));
	if (!g_subprocess_communicate(p, in, NULL, NULL, &eb, &gerr)) {
		s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", argv[0], gerr->message);
	} else {
		errout = g_strndup(g_bytes_get_data(eb, NULL), MIN(g_bytes_get_size(eb), 300));
		status = g_subprocess_get_exit_status(p);
		if (!g_subprocess_get_if_exited(p) || status != 0)
			s = desk_fail(err, DESK_TEMPFAIL, "%s failed (exit %d): %s", argv[0], status,
				      errout != NULL ? g_strstrip(errout) : "");
	}
	g_bytes_unref(in);
	if (eb != NULL)
		g_bytes_unref(eb);
	g_object_unref(p);
out:
	if (gerr != NULL)
		g_error_free(gerr);
	g_free(errout);
	g_strfreev(argv);
	return s;
}
