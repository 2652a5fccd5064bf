/* kbdraft.c: a draft article on a new branch drafts/SLUG of the KB,
 * committed in a scratch repository that borrows the KB's objects, then
 * pushed with git: the KB's hooks check it like any push, and its objects
 * are written by the KB's owner (through maildesk-kb-receive(8) for anyone
 * else, who cannot write the repository). */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kb.h"

/* The most of git's output an error message quotes. */
#define PUSH_OUTPUT_MAX 2000

/* Who commits a draft: the git configuration's user, else this account. */
static int
draft_signature(git_repository *repo, git_signature **sig)
{
	char host[256] = "localhost", *email;
	int rc;

	if (git_signature_default(sig, repo) == 0)
		return 0;
	gethostname(host, sizeof host - 1);
	email = g_strdup_printf("%s@%s", g_get_user_name(), host);
	rc = git_signature_now(sig, g_get_user_name(), email);
	g_free(email);
	return rc;
}

/* The tree OLD (may be NULL) with entry NAME set to ID of MODE. */
static int
tree_with(git_repository *repo, const git_tree *old, const char *name, const git_oid *id,
	  git_filemode_t mode, git_oid *out)
{
	git_treebuilder *tb = NULL;
	int rc = git_treebuilder_new(&tb, repo, old);

	if (rc == 0)
		rc = git_treebuilder_insert(NULL, tb, name, id, mode);
	if (rc == 0)
		rc = git_treebuilder_write(out, tb);
	git_treebuilder_free(tb);
	return rc;
}

/* The tree of BASE (may be NULL) with articles/NAME set to TEXT. */
static int
draft_tree(git_repository *repo, git_commit *base, const char *name, const char *text, git_oid *tree)
{
	git_tree *root = NULL, *dir = NULL;
	git_tree_entry *e = NULL;
	git_oid blob, sub;
	int rc = git_blob_create_from_buffer(&blob, repo, text, strlen(text));

	if (rc == 0 && base != NULL && (rc = git_commit_tree(&root, base)) == 0 &&
	    git_tree_entry_bypath(&e, root, "articles") == 0 && git_tree_entry_type(e) == GIT_OBJECT_TREE)
		rc = git_tree_lookup(&dir, repo, git_tree_entry_id(e));
	if (rc == 0)
		rc = tree_with(repo, dir, name, &blob, GIT_FILEMODE_BLOB, &sub);
	if (rc == 0)
		rc = tree_with(repo, root, "articles", &sub, GIT_FILEMODE_TREE, tree);
	git_tree_entry_free(e);
	git_tree_free(dir);
	git_tree_free(root);
	return rc;
}

/* A bare scratch repository at DIR whose objects include the KB's. */
static desk_status
scratch_open(desk_kb *kb, const char *dir, git_repository **out, desk_err *err)
{
	git_repository_init_options opts;
	git_repository *repo = NULL;
	char *alt = g_build_filename(dir, "objects", "info", "alternates", NULL);
	char *objects = g_build_filename(kb->path, "objects", NULL), *line;
	char *canon = g_canonicalize_filename(objects, NULL);
	GError *gerr = NULL;
	desk_status s = DESK_OK;

	git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
	line = g_strconcat(canon, "\n", NULL);
	if (git_repository_init_ext(&repo, dir, &opts) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot make a scratch repository in %s: %s", dir,
			      kb_git_error());
	git_repository_free(repo);
	repo = NULL;
	if (s == DESK_OK && !g_file_set_contents(alt, line, -1, &gerr)) {
		s = desk_fail(err, DESK_TEMPFAIL, "%s", gerr->message);
		g_error_free(gerr);
	}
	if (s == DESK_OK && git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH |
						    GIT_REPOSITORY_OPEN_BARE, NULL) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot open %s: %s", dir, kb_git_error());
	*out = repo;
	g_free(alt);
	g_free(objects);
	g_free(canon);
	g_free(line);
	return s;
}

/* Commit TEXT as articles/SLUG.txt on REFNAME of REPO, on top of BASE
 * (a commit of the KB, or NULL). */
static desk_status
scratch_commit(git_repository *repo, git_commit *base, const char *slug, const char *text,
	       const char *refname, desk_err *err)
{
	git_commit *parent = NULL;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_reference *ref = NULL;
	git_oid tree_id, id;
	char *name = g_strconcat(slug, ".txt", NULL), *msg = g_strdup_printf("Draft of %s\n", slug);
	int rc = 0;

	if (base != NULL)
		rc = git_commit_lookup(&parent, repo, git_commit_id(base));
	if (rc == 0)
		rc = draft_tree(repo, parent, name, text, &tree_id);
	if (rc == 0)
		rc = git_tree_lookup(&tree, repo, &tree_id);
	if (rc == 0)
		rc = draft_signature(repo, &sig);
	if (rc == 0)
		rc = git_commit_create(&id, repo, NULL, sig, sig, NULL, msg, tree, parent ? 1 : 0,
				       (const git_commit **)&parent);
	if (rc == 0)
		rc = git_reference_create(&ref, repo, refname, &id, 0, msg);
	git_reference_free(ref);
	git_signature_free(sig);
	git_tree_free(tree);
	git_commit_free(parent);
	g_free(name);
	g_free(msg);
	return rc == 0 ? DESK_OK : desk_fail(err, DESK_TEMPFAIL, "cannot commit the draft: %s", kb_git_error());
}

/* This environment without git's variables, which would point git
 * elsewhere. Caller g_strfreev()s. */
static char **
env_without_git(void)
{
	char **env = g_get_environ(), **out = g_new0(char *, g_strv_length(env) + 1);
	guint n = 0;

	for (char **e = env; *e != NULL; e++)
		if (!g_str_has_prefix(*e, "GIT_"))
			out[n++] = g_strdup(*e);
	g_strfreev(env);
	return out;
}

/* Push REFNAME of the scratch repository DIR to the KB, through the
 * receive-pack this user must use; git's messages (the hooks') go into
 * err when it fails. */
static desk_status
draft_push(desk_kb *kb, const char *dir, const char *refname, desk_err *err)
{
	char *receive = kb_receive_pack(kb->path), *gitdir = g_strconcat("--git-dir=", dir, NULL);
	char *rp = receive ? g_strconcat("--receive-pack=", receive, NULL) : NULL;
	char *spec = g_strconcat(refname, ":", refname, NULL), *errout = NULL, **env = env_without_git();
	GPtrArray *argv = g_ptr_array_new();
	GError *gerr = NULL;
	int status = 0;
	desk_status s = DESK_OK;

	g_ptr_array_add(argv, "git");
	g_ptr_array_add(argv, gitdir);
	g_ptr_array_add(argv, "push");
	g_ptr_array_add(argv, "--quiet");
	if (rp != NULL)
		g_ptr_array_add(argv, rp);
	g_ptr_array_add(argv, "--");
	g_ptr_array_add(argv, kb->path);
	g_ptr_array_add(argv, spec);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_sync(NULL, (char **)argv->pdata, env, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
			  NULL, NULL, NULL, &errout, &status, &gerr)) {
		s = desk_fail(err, DESK_TEMPFAIL, "cannot run git push: %s", gerr->message);
		g_error_free(gerr);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		s = desk_fail(err, DESK_DATAERR, "the KB refused the draft%s%s%s: %.*s",
			      receive ? " (pushed through " : "", receive ? receive : "", receive ? ")" : "",
			      PUSH_OUTPUT_MAX, g_strstrip(errout));
	}
	g_ptr_array_unref(argv);
	g_free(receive);
	g_free(gitdir);
	g_free(rp);
	g_free(spec);
	g_free(errout);
	g_strfreev(env);
	return s;
}

static int
remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

desk_status
kb_draft(desk_kb *kb, const char *slug, const char *text, char **branch, desk_err *err)
{
	git_commit *base = NULL;
	git_reference *ref = NULL;
	git_repository *scratch = NULL;
	GError *gerr = NULL;
	char *name, *refname, *dir = NULL;
	desk_status s;

	if (!article_slug_valid(slug))
		return desk_fail(err, DESK_USAGE, "'%s' is not a slug (a-z, 0-9 and '-')", slug);
	name = g_strdup_printf("drafts/%s", slug);
	refname = g_strdup_printf("refs/heads/%s", name);
	if ((s = kb_resolve(kb, NULL, &base, err)) == DESK_NOTFOUND)
		s = DESK_OK;  /* an empty KB: the draft is its first commit */
	if (s == DESK_OK && git_reference_lookup(&ref, kb->repo, refname) == 0)
		s = desk_fail(err, DESK_USAGE, "the branch %s exists already", name);
	if (s == DESK_OK && (dir = g_dir_make_tmp("desk-draft-XXXXXX", &gerr)) == NULL) {
		s = desk_fail(err, DESK_TEMPFAIL, "%s", gerr->message);
		g_error_free(gerr);
	}
	if (s == DESK_OK)
		s = scratch_open(kb, dir, &scratch, err);
	if (s == DESK_OK)
		s = scratch_commit(scratch, base, slug, text, refname, err);
	if (s == DESK_OK)
		s = draft_push(kb, dir, refname, err);
	if (s == DESK_OK)
		*branch = g_steal_pointer(&name);
	git_repository_free(scratch);
	if (dir != NULL)
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	git_reference_free(ref);
	git_commit_free(base);
	g_free(dir);
	g_free(name);
	g_free(refname);
	return s;
}
