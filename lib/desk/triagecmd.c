/* triagecmd.c: the external model of desk triage (triagecmd.h): run with
 * the ticket as JSON, bounded in time and output, its answer checked. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-glib/json-glib.h>

#include "log.h"
#include "render.h"
#include "terms.h"
#include "ticket.h"
#include "triagecmd.h"
#include "triagetab.h"

void
triage_external_free(triage_external *x)
{
	if (x == NULL)
		return;
	g_free(x->queue);
	g_free(x->priority);
	g_strfreev(x->tags);
	g_strfreev(x->dropped);
	g_free(x);
}

gboolean
triage_cmd_configured(const desk_store *st)
{
	return st->cfg->triage_command != NULL && *st->cfg->triage_command != '\0';
}

/* The requester's own words of ticket N's first message from outside. */
static char *
own_words(desk_store *st, GPtrArray *msgs)
{
	for (guint i = 0; i < msgs->len; i++) {
		const ticket_message *m = msgs->pdata[i];
		rendered_msg *r = NULL;
		char *text;

		if (!ticket_message_is_customer(m) ||
		    render_message(m->path, st->cfg->fallback_charsets, &r, NULL) != DESK_OK)
			continue;
		text = terms_own_text(r->text, TRIAGE_CMD_MAX_TEXT);
		rendered_msg_free(r);
		if (!g_utf8_validate(text, -1, NULL)) {
			char *v = g_utf8_make_valid(text, -1);

			g_free(text);
			text = v;
		}
		return text;
	}
	return g_strdup("");
}

static void
member_str(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, v != NULL ? v : "");
}

/* Ticket N as the JSON the program reads: number, subject, the
 * requester's own words, language and the labels it has now. */
static desk_status
ticket_json(desk_store *st, notmuch_database_t *db, guint n, char **out, desk_err *err)
{
	ticket_info *t = NULL;
	GPtrArray *msgs = NULL;
	triagetab *tab = NULL;
	triage_doc *d = NULL;
	JsonBuilder *b;
	JsonGenerator *g;
	JsonNode *root;
	char *words;
	desk_status s = ticket_get(db, n, &t, &msgs, err);

	if (s != DESK_OK)
		return s;
	if (triagetab_open(db, &tab, NULL) == DESK_OK)
		triagetab_doc(tab, n, &d, NULL);
	words = own_words(st, msgs);
	b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "number");
	json_builder_add_int_value(b, n);
	member_str(b, "subject", t->subject);
	member_str(b, "text", words);
	member_str(b, "language", d != NULL ? d->lang : "");
	member_str(b, "queue", t->queue);
	member_str(b, "priority", t->priority);
	json_builder_set_member_name(b, "tags");
	json_builder_begin_array(b);
	for (char **tag = t->tags; tag != NULL && *tag != NULL; tag++)
		json_builder_add_string_value(b, *tag);
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	g = json_generator_new();
	json_generator_set_root(g, root);
	*out = json_generator_to_data(g, NULL);
	g_object_unref(g);
	json_node_unref(root);
	g_object_unref(b);
	g_free(words);
	triage_doc_free(d);
	triagetab_close(tab);
	ticket_info_free(t);
	g_ptr_array_unref(msgs);
	return DESK_OK;
}

/* --- running ------------------------------------------------------------ */

static void
child_setup(gpointer unused)
{
	(void)unused;
	setpgid(0, 0);  /* its own group: a timeout kills what it started too */
	signal(SIGPIPE, SIG_DFL);
}

/* Write IN to the program on *IN_FD (closed, -1, once all is written or
 * it reads no more), read its output into OUT, until it closes its output,
 * the deadline passes or OUT would exceed the bound. */
static desk_status
exchange(int *in_fdp, int out_fd, const char *in, int timeout_s, GString *out, desk_err *err)
{
	int in_fd = *in_fdp;
	desk_status s = DESK_OK;
	gsize in_len = strlen(in), in_off = 0;
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
	char buf[8192];

	fcntl(in_fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd p[2] = { { out_fd, POLLIN, 0 }, { in_fd, POLLOUT, 0 } };
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		int np = in_fd >= 0 ? 2 : 1, r;

		if (left <= 0) {
			s = desk_fail(err, DESK_TEMPFAIL, "no answer within %d s ([triage] command_timeout): "
				      "killed", timeout_s);
			break;
		}
		r = poll(p, np, (int)MIN(left, 1000));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			s = desk_fail(err, DESK_TEMPFAIL, "poll: %s", g_strerror(errno));
			break;
		}
		if (np == 2 && p[1].revents != 0) {
			gboolean writable = (p[1].revents & POLLOUT) != 0;
			ssize_t w = writable ? write(in_fd, in + in_off, in_len - in_off) : -1;

			if (w > 0)
				in_off += (gsize)w;
			/* all written, or it reads no more (gone, or EPIPE) */
			if (!writable || in_off == in_len || (w < 0 && errno != EAGAIN && errno != EINTR)) {
				close(in_fd);
				in_fd = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(out_fd, buf, sizeof buf);

			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				break;
			if (out->len + (gsize)n > TRIAGE_CMD_MAX_OUTPUT) {
				s = desk_fail(err, DESK_TEMPFAIL, "more than %d bytes of output: killed",
					      TRIAGE_CMD_MAX_OUTPUT);
				break;
			}
			g_string_append_len(out, buf, n);
		}
	}
	*in_fdp = in_fd;
	return s;
}

/* Reap PID: after a failure kill its group first. *status: its wait status. */
static void
reap(GPid pid, gboolean kill_it, gint64 deadline, int *status)
{
	if (kill_it)
		kill(-pid, SIGKILL);
	while (waitpid(pid, status, kill_it ? 0 : WNOHANG) == 0) {
		if (g_get_monotonic_time() > deadline) {
			kill(-pid, SIGKILL);
			kill_it = TRUE;
			continue;
		}
		g_usleep(10000);
	}
}

static desk_status
run(desk_store *st, const char *input, GString *out, desk_err *err)
{
	const char *cmd = st->cfg->triage_command;
	char *env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C.UTF-8", NULL };
	char **argv = NULL;
	GError *gerr = NULL;
	GPid pid;
	int in_fd = -1, out_fd = -1, status = 0;
	int timeout_s = st->cfg->triage_command_timeout > 0 ? st->cfg->triage_command_timeout : 10;
	desk_status s;

	if (!g_shell_parse_argv(cmd, NULL, &argv, &gerr)) {
		s = desk_fail(err, DESK_CONFIG, "[triage] triage_command '%s': %s", cmd, gerr->message);
		g_error_free(gerr);
		return s;
	}
	if (!g_spawn_async_with_pipes(NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
				      child_setup, NULL, &pid, &in_fd, &out_fd, NULL, &gerr)) {
		s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", argv[0], gerr->message);
		g_error_free(gerr);
		g_strfreev(argv);
		return s;
	}
	{
		/* a program that exits without reading its input is an answer, not our end */
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);

		s = exchange(&in_fd, out_fd, input, timeout_s, out, err);
		signal(SIGPIPE, old);
	}
	if (in_fd >= 0)
		close(in_fd);
	close(out_fd);
	reap(pid, s != DESK_OK, g_get_monotonic_time() + 2 * G_USEC_PER_SEC, &status);
	if (s == DESK_OK && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		s = desk_fail(err, DESK_TEMPFAIL, "%s %s %d", argv[0], WIFEXITED(status) ? "exited with status" :
			      "was killed by signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	g_strfreev(argv);
	return s;
}

/* --- its answer ---------------------------------------------------------- */

static void
on_tag_class(void *ud, int dim, const char *label, gint64 n, gint64 words)
{
	(void)n;
	(void)words;
	if (dim == 2 && *label != '\0')
		g_hash_table_add(ud, g_strdup(label));
}

/* The tags people ever set (what the text index learned). */
static GHashTable *
known_tags(notmuch_database_t *db)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	triagetab *t = NULL;

	if (db != NULL && triagetab_open(db, &t, NULL) == DESK_OK && triagetab_counts(t))
		triagetab_classes(t, on_tag_class, h, NULL);
	triagetab_close(t);
	return h;
}

/* Member NAME of O as a string, or NULL when missing or null; *bad when
 * it is something else. */
static const char *
string_member(JsonObject *o, const char *name, gboolean *bad)
{
	JsonNode *n = json_object_get_member(o, name);

	if (n == NULL || JSON_NODE_HOLDS_NULL(n))
		return NULL;
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
		*bad = TRUE;
		return NULL;
	}
	return json_node_get_string(n);
}

static void
drop(GPtrArray *dropped, guint n, const char *what, const char *v, const char *why)
{
	char *line = g_strdup_printf("%s '%.60s': %s", what, v, why);
	char *c;

	for (c = line; *c; c++)  /* one safe line for the log and the screen */
		if ((guchar)*c < ' ' || *c == 0x7f)
			*c = '?';
	desk_log(LOG_WARNING, "triage_command: ticket %u: dropped %s", n, line);
	g_ptr_array_add(dropped, line);
}

desk_status
triage_cmd_parse(desk_store *st, notmuch_database_t *db, guint n, const char *text, gsize len,
		 triage_external **out, desk_err *err)
{
	JsonParser *p = json_parser_new();
	GError *gerr = NULL;
	JsonNode *root;
	JsonObject *o;
	JsonNode *tags, *conf;
	GPtrArray *keep = g_ptr_array_new(), *dropped = g_ptr_array_new();
	GHashTable *known = NULL;
	triage_external *x = NULL;
	gboolean bad = FALSE;
	const char *q, *pr;
	desk_status s = DESK_OK;

	*out = NULL;
	if (!g_utf8_validate(text, len, NULL) || !json_parser_load_from_data(p, text, len, &gerr)) {
		s = desk_fail(err, DESK_DATAERR, "its output is not JSON%s%s", gerr != NULL ? ": " : " (not UTF-8)",
			      gerr != NULL ? gerr->message : "");
		goto out;
	}
	root = json_parser_get_root(p);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		s = desk_fail(err, DESK_DATAERR, "its output is not a JSON object");
		goto out;
	}
	o = json_node_get_object(root);
	q = string_member(o, "queue", &bad);
	pr = string_member(o, "priority", &bad);
	tags = json_object_get_member(o, "tags");
	conf = json_object_get_member(o, "confidence");
	if (bad || (tags != NULL && !JSON_NODE_HOLDS_ARRAY(tags) && !JSON_NODE_HOLDS_NULL(tags)) ||
	    conf == NULL || !JSON_NODE_HOLDS_VALUE(conf) ||
	    (json_node_get_value_type(conf) != G_TYPE_DOUBLE && json_node_get_value_type(conf) != G_TYPE_INT64)) {
		s = desk_fail(err, DESK_DATAERR, "its output is not {\"queue\": STRING, \"priority\": STRING, "
			      "\"tags\": [STRING...], \"confidence\": NUMBER}");
		goto out;
	}
	x = g_new0(triage_external, 1);
	x->confidence = json_node_get_double(conf);
	if (!(x->confidence >= 0 && x->confidence <= 1)) {
		s = desk_fail(err, DESK_DATAERR, "its confidence %g is not between 0 and 1", x->confidence);
		goto out;
	}
	if (q != NULL && config_queue_known(st->cfg, q))
		x->queue = g_strdup(q);
	else if (q != NULL)
		drop(dropped, n, "queue", q, "no such queue");
	if (pr != NULL && ticket_priority_valid(pr))
		x->priority = g_strdup(pr);
	else if (pr != NULL)
		drop(dropped, n, "priority", pr, "no such priority (low, normal, high, urgent)");
	if (tags != NULL && JSON_NODE_HOLDS_ARRAY(tags)) {
		JsonArray *a = json_node_get_array(tags);

		known = known_tags(db);
		for (guint i = 0; i < json_array_get_length(a) && i < 64; i++) {
			JsonNode *e = json_array_get_element(a, i);
			const char *tag = JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING
						  ? json_node_get_string(e) : NULL;

			if (tag == NULL)
				drop(dropped, n, "tag", "(not a string)", "not a tag");
			else if (!g_hash_table_contains(known, tag))
				drop(dropped, n, "tag", tag, "nobody ever set it");
			else
				g_ptr_array_add(keep, g_strdup(tag));
		}
	}
out:
	g_ptr_array_add(keep, NULL);
	g_ptr_array_add(dropped, NULL);
	if (x != NULL && s == DESK_OK) {
		x->tags = (char **)g_ptr_array_free(keep, FALSE);
		x->dropped = (char **)g_ptr_array_free(dropped, FALSE);
		*out = x;
	} else {
		g_strfreev((char **)g_ptr_array_free(keep, FALSE));
		g_strfreev((char **)g_ptr_array_free(dropped, FALSE));
		triage_external_free(x);
	}
	if (known != NULL)
		g_hash_table_unref(known);
	if (gerr != NULL)
		g_error_free(gerr);
	g_object_unref(p);
	return s;
}

desk_status
triage_cmd_run(desk_store *st, notmuch_database_t *db, guint n, triage_external **out, desk_err *err)
{
	GString *output = g_string_new(NULL);
	char *input = NULL;
	desk_status s;

	*out = NULL;
	if (!triage_cmd_configured(st))
		return desk_fail(err, DESK_NOTFOUND, "no [triage] triage_command");
	if (st->cfg->command_problem != NULL)
		s = desk_fail(err, DESK_CONFIG, "will not run the triage command: %s", st->cfg->command_problem);
	else
		s = ticket_json(st, db, n, &input, err);
	if (s == DESK_OK)
		s = run(st, input, output, err);
	if (s == DESK_OK)
		s = triage_cmd_parse(st, db, n, output->str, output->len, out, err);
	if (s != DESK_OK)
		desk_log(LOG_WARNING, "triage_command: ticket %u: %s", n, err->msg);
	g_string_free(output, TRUE);
	g_free(input);
	return s;
}
