/* desk-kb-repo.c: desk kb lint (also as the pre-receive hook), hooks and
 * clone: the KB repository and pushes to it. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "desk-kb.h"
#include "output.h"

/* Problems printed at most: a push of a million bad files gets a page. */
#define PROBLEMS_SHOWN 100

/* Print PROBLEMS (prefixed with WHERE and ": " unless NULL) from FROM on,
 * up to PROBLEMS_SHOWN in all. */
static void
problems_print(GPtrArray *problems, guint from, const char *where)
{
	for (guint i = from; i < problems->len && i < PROBLEMS_SHOWN; i++)
		printf("%s%s%s\n", where ? out_safe(where) : "", where ? ": " : "", out_safe(problems->pdata[i]));
	if (problems->len > PROBLEMS_SHOWN && from <= PROBLEMS_SHOWN)
		printf("(%u more problems not shown)\n", problems->len - PROBLEMS_SHOWN);
	fflush(stdout);  /* before the error on stderr, in the order they happened */
}

/* One line "OLD NEW REF" of git's pre-receive input, linted in run R. */
static desk_status
lint_update(desk_kb *kb, kb_lint_run *r, char *line, GPtrArray *problems, desk_err *err)
{
	char **f = g_strsplit(g_strchomp(line), " ", 3);
	git_commit *c = NULL;
	desk_err why = { 0 };
	guint before = problems->len;
	desk_status s = DESK_OK;

	if (g_strv_length(f) != 3 || strlen(f[1]) < 40 || strspn(f[1], "0123456789abcdef") != strlen(f[1]))
		s = desk_fail(err, DESK_USAGE, "not a line \"OLD NEW REF\" of git's pre-receive: %.80s", line);
	else if (strspn(f[1], "0") == strlen(f[1]))
		s = DESK_OK;  /* a deletion: nothing to read (receive.denyDeletes refuses it) */
	else if ((s = kb_resolve(kb, f[1], &c, &why)) != DESK_OK)
		s = desk_fail(err, DESK_DATAERR, "%s: %s", f[2], why.msg);
	else
		s = kb_lint_commit(r, c, problems, err);
	if (s == DESK_OK)
		problems_print(problems, before, f[2]);
	git_commit_free(c);
	g_strfreev(f);
	return s;
}

/* git's pre-receive lines on stdin: every ref the push creates or updates
 * linted in one run (the caps count the whole push). */
static int
lint_pre_receive(desk_kb *kb)
{
	kb_lint_run *r = kb_lint_new(kb);
	GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
	desk_err err = { 0 };
	desk_status s = DESK_OK;
	char line[4096];
	int rc = 0;

	while (s == DESK_OK && fgets(line, sizeof line, stdin) != NULL) {
		if (strchr(line, '\n') == NULL && !feof(stdin))
			s = desk_fail(&err, DESK_USAGE, "a line of git's pre-receive input is too long");
		else
			s = lint_update(kb, r, line, problems, &err);
	}
	if (s != DESK_OK)
		rc = desk_error(s, "kb lint: push refused: %s", err.msg);
	else if (problems->len > 0)
		rc = desk_error(DESK_DATAERR, "kb lint: push refused: %u problem%s (above)", problems->len,
				problems->len == 1 ? "" : "s");
	g_ptr_array_unref(problems);
	kb_lint_free(r);
	return rc;
}

/* The articles at REV (NULL: the ref), problems on stdout. */
static int
lint_rev(desk_kb *kb, const char *rev)
{
	git_commit *c = NULL;
	GPtrArray *problems = NULL;
	desk_err err = { 0 };
	desk_status s = kb_resolve(kb, rev, &c, &err);
	char *id;
	int rc = 0;

	if (s == DESK_OK)
		s = kb_lint(kb, c, &problems, &err);
	if (s != DESK_OK) {
		git_commit_free(c);
		return desk_error(s, "kb lint: %s", err.msg);
	}
	id = kb_short_id(c);
	problems_print(problems, 0, NULL);
	if (problems->len > 0)
		rc = desk_error(DESK_DATAERR, "kb lint: %u problem%s at %s", problems->len,
				problems->len == 1 ? "" : "s", id);
	g_free(id);
	g_ptr_array_unref(problems);
	git_commit_free(c);
	return rc;
}

int
kb_cmd_lint(const char *store_dir, int argc, char **argv)
{
	gboolean hook = FALSE;
	GOptionEntry entries[] = {
		{ "pre-receive", 0, 0, G_OPTION_ARG_NONE, &hook,
		  "Read git's pre-receive lines (OLD NEW REF) on stdin and lint each ref\n"
		  "                    the push creates or updates (the pre-receive hook runs this)", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	desk_kb *kb = NULL;
	int rc = desk_parse("kb lint", "[REV]", "Check the articles at REV (default: the KB's ref):\n"
			    "names, header blocks, UTF-8, size, duplicates, See: links, and the\n"
			    "caps kb.max_articles and kb.max_mb.", entries, &argc, &argv);

	if (rc >= 0)
		return rc;
	if (argc > 2 || (hook && argc > 1))
		return desk_error(DESK_USAGE, "kb lint: one revision at most, none with --pre-receive");
	if ((rc = kb_tool_open(store_dir, "lint", &st, &kb)) == 0)
		rc = hook ? lint_pre_receive(kb) : lint_rev(kb, argc == 2 ? argv[1] : NULL);
	kb_close(kb);
	desk_close_store(st);
	return rc;
}

int
kb_cmd_hooks(const char *store_dir, int argc, char **argv)
{
	GOptionEntry entries[] = { { NULL, 0, 0, 0, NULL, NULL, NULL } };
	desk_store *st = NULL;
	desk_kb *kb = NULL;
	desk_err err = { 0 };
	desk_status s;
	int rc = desk_parse("kb hooks", "", "Install the KB's hooks anew, with this desk's path, and\n"
			    "its settings and modes (desk init does it; run as the store's owner).",
			    entries, &argc, &argv);

	if (rc >= 0)
		return rc;
	if (argc != 1)
		return desk_error(DESK_USAGE, "kb hooks: no arguments");
	if ((rc = kb_tool_open(store_dir, "hooks", &st, &kb)) == 0) {
		if ((s = kb_setup(kb, &err)) != DESK_OK)
			rc = desk_error(s, "kb hooks: %s", err.msg);
		else
			printf("kb hooks: %s set up\n", kb->path);
	}
	kb_close(kb);
	desk_close_store(st);
	return rc;
}

int
kb_cmd_clone(const char *store_dir, int argc, char **argv)
{
	GOptionEntry entries[] = { { NULL, 0, 0, 0, NULL, NULL, NULL } };
	desk_store *st = NULL;
	GPtrArray *args;
	GError *gerr = NULL;
	char *path = NULL, *receive = NULL, *opt = NULL;
	int status = 0;
	int rc = desk_parse("kb clone", "[DIR]", "Clone the KB into DIR (default kb) with the push set up:\n"
			    "through maildesk-kb-receive unless you own the repository.",
			    entries, &argc, &argv);

	if (rc >= 0)
		return rc;
	if (argc > 2)
		return desk_error(DESK_USAGE, "kb clone: one directory at most");
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		return rc;
	path = kb_repo_path(st);
	receive = kb_receive_pack(path);
	args = g_ptr_array_new();
	g_ptr_array_add(args, "git");
	g_ptr_array_add(args, "clone");
	if (receive != NULL) {
		opt = g_strdup_printf("remote.origin.receivepack=%s", receive);
		g_ptr_array_add(args, "-c");
		g_ptr_array_add(args, opt);
	}
	g_ptr_array_add(args, "--");
	g_ptr_array_add(args, path);
	g_ptr_array_add(args, argc == 2 ? argv[1] : "kb");
	g_ptr_array_add(args, NULL);
	if (!g_spawn_sync(NULL, (char **)args->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
			  NULL, NULL, NULL, NULL, &status, &gerr)) {
		rc = desk_error(DESK_TEMPFAIL, "kb clone: cannot run git: %s", gerr->message);
		g_error_free(gerr);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rc = desk_error(DESK_TEMPFAIL, "kb clone: git clone failed (above)");
	}
	g_ptr_array_unref(args);
	g_free(opt);
	g_free(receive);
	g_free(path);
	desk_close_store(st);
	return rc;
}
