/* sendmail.c: hand a message to sendmail(1) on its stdin. */
#include <string.h>
#include <gio/gio.h>

#include "sendmail.h"

/* $MAILDESK_SENDMAIL, or NULL. */
static const char *
env_command(void)
{
	const char *cmd = g_getenv("MAILDESK_SENDMAIL");

	return cmd != NULL && *cmd != '\0' ? cmd : NULL;
}

desk_status
sendmail_check(desk_store *st, desk_err *err)
{
	if (env_command() != NULL || st->cfg->command_problem == NULL)
		return DESK_OK;
	return desk_fail(err, DESK_CONFIG, "will not run the sendmail command: %s", st->cfg->command_problem);
}

static desk_status
command_argv(desk_store *st, const char *sender, char ***argv, desk_err *err)
{
	const char *cmd = env_command();
	GError *gerr = NULL;
	char **words = NULL;
	GPtrArray *a;
	desk_status s = sendmail_check(st, err);

	if (s != DESK_OK)
		return s;
	if (cmd == NULL)
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

/* What the wait for the command saw. */
typedef struct wait_state {
	gboolean done, timed_out;
	GBytes *err_bytes;
	GError *gerr;
} wait_state;

static void
communicated(GObject *p, GAsyncResult *res, gpointer ud)
{
	wait_state *w = ud;

	g_subprocess_communicate_finish(G_SUBPROCESS(p), res, NULL, &w->err_bytes, &w->gerr);
	w->done = TRUE;
}

static gboolean
too_long(gpointer ud)
{
	wait_state *w = ud;

	w->timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

/* Feed IN to P and wait for it, at most SECS seconds (0: no limit); a
 * command that takes longer is killed. */
static void
communicate(GSubprocess *p, GBytes *in, int secs, wait_state *w)
{
	GMainContext *ctx = g_main_context_new();
	GCancellable *cancel = g_cancellable_new();
	GSource *timer = NULL;

	g_main_context_push_thread_default(ctx);
	g_subprocess_communicate_async(p, in, cancel, communicated, w);
	if (secs > 0) {
		timer = g_timeout_source_new_seconds((guint)secs);
		g_source_set_callback(timer, too_long, w, NULL);
		g_source_attach(timer, ctx);
	}
	while (!w->done) {
		if (w->timed_out && !g_cancellable_is_cancelled(cancel)) {
			g_subprocess_force_exit(p);
			g_cancellable_cancel(cancel);
		}
		g_main_context_iteration(ctx, TRUE);
	}
	if (w->timed_out)
		g_subprocess_wait(p, NULL, NULL);
	if (timer != NULL) {
		g_source_destroy(timer);
		g_source_unref(timer);
	}
	g_main_context_pop_thread_default(ctx);
	g_main_context_unref(ctx);
	g_object_unref(cancel);
}

desk_status
sendmail_send(desk_store *st, const char *text, const char *sender, desk_err *err)
{
	char **argv = NULL;
	char *errout = NULL;
	int status = 0;
	GError *gerr = NULL;
	wait_state w = { 0 };
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
	communicate(p, in, st->cfg->sendmail_timeout, &w);
	if (w.timed_out) {
		s = desk_fail(err, DESK_TEMPFAIL, "%s did not finish within %d s (desk.sendmail_timeout): killed",
			      argv[0], st->cfg->sendmail_timeout);
	} else if (w.gerr != NULL) {
		s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", argv[0], w.gerr->message);
	} else {
		errout = g_strndup(g_bytes_get_data(w.err_bytes, NULL), MIN(g_bytes_get_size(w.err_bytes), 300));
		status = g_subprocess_get_exit_status(p);
		if (!g_subprocess_get_if_exited(p) || status != 0)
			s = desk_fail(err, DESK_TEMPFAIL, "%s failed (exit %d): %s", argv[0], status,
				      errout != NULL ? g_strstrip(errout) : "");
	}
	g_bytes_unref(in);
	if (w.err_bytes != NULL)
		g_bytes_unref(w.err_bytes);
	if (w.gerr != NULL)
		g_error_free(w.gerr);
	g_object_unref(p);
out:
	if (gerr != NULL)
		g_error_free(gerr);
	g_free(errout);
	g_strfreev(argv);
	return s;
}
