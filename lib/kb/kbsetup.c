/* kbsetup.c: the KB repository made and set up for pushes (desk init,
 * desk kb hooks): its hooks with fixed paths, its settings and modes; and
 * the receive-pack a user pushes through. */
#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kb.h"
#include "kbhooks.h"

/* TEXT with @DESK@ and @STORE@ replaced by DESK and STORE, quoted for
 * sh(1). Caller g_free()s. */
static char *
hook_text(const char *text, const char *desk, const char *store)
{
	char *qdesk = g_shell_quote(desk), *qstore = g_shell_quote(store);
	char **parts = g_strsplit(text, "@DESK@", -1);
	char *half = g_strjoinv(qdesk, parts), *out;

	g_strfreev(parts);
	parts = g_strsplit(half, "@STORE@", -1);
	out = g_strjoinv(qstore, parts);
	g_strfreev(parts);
	g_free(half);
	g_free(qdesk);
	g_free(qstore);
	return out;
}

/* Write one hook file into HOOKS (replacing it), executable by the owner,
 * readable by the group. */
static desk_status
hook_write(const char *hooks, const char *name, const char *text, desk_err *err)
{
	char *path = g_build_filename(hooks, name, NULL);
	GError *gerr = NULL;
	desk_status s = DESK_OK;

	if (!g_file_set_contents(path, text, -1, &gerr) || chmod(path, 0750) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot write the hook %s: %s", path,
			      gerr != NULL ? gerr->message : g_strerror(errno));
	if (gerr != NULL)
		g_error_free(gerr);
	g_free(path);
	return s;
}

/* The desk that runs now, by its absolute path, for the hooks to call. */
static char *
desk_self(void)
{
	char *self = g_file_read_link("/proc/self/exe", NULL);

	return self != NULL ? self : g_build_filename(DESK_BINDIR, "desk", NULL);
}

/* Whether PATH is a file (or directory) only root or we can change. */
static gboolean
owned_safely(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && (sb.st_uid == 0 || sb.st_uid == geteuid()) &&
	       !(sb.st_mode & (S_IWGRP | S_IWOTH));
}

/* DESK_CONFIG unless the program SELF, that the hooks will run as the
 * store's owner, and its directory can be changed by root or us only. */
static desk_status
self_check(const char *self, desk_err *err)
{
	char *dir = g_path_get_dirname(self);
	gboolean ok = owned_safely(self) && owned_safely(dir);

	g_free(dir);
	if (!ok)
		return desk_fail(err, DESK_CONFIG, "the hooks would run %s, which (or whose directory) "
				 "another user can change: run the desk that root installed", self);
	return DESK_OK;
}

/* The first error of kb_narrow's walk. */
static int narrow_errno;
static char *narrow_path;

static int
narrow_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_SL || !(S_ISDIR(sb->st_mode) || S_ISREG(sb->st_mode)))
		return 0;
	if (chmod(path, sb->st_mode & 07777 & ~(mode_t)(S_IWGRP | S_IRWXO)) != 0 && narrow_errno == 0) {
		narrow_errno = errno;
		narrow_path = g_strdup(path);
	}
	return 0;
}

/* Everything under PATH writable by its owner only, nothing for others
 * (not following symbolic links). */
static desk_status
kb_narrow(const char *path, desk_err *err)
{
	desk_status s = DESK_OK;

	narrow_errno = 0;
	if (nftw(path, narrow_one, 16, FTW_PHYS) != 0 && narrow_errno == 0)
		narrow_errno = errno;
	if (narrow_errno == EPERM)
		s = desk_fail(err, DESK_CONFIG, "cannot narrow the mode of %s: it belongs to another user "
			      "(give everything in %s to the store's owner first, as root: chown -R)",
			      narrow_path != NULL ? narrow_path : path, path);
	else if (narrow_errno != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot narrow the mode of %s: %s",
			      narrow_path != NULL ? narrow_path : path, g_strerror(narrow_errno));
	g_clear_pointer(&narrow_path, g_free);
	return s;
}

/* The repository's settings for pushes. */
static desk_status
kb_configure(desk_kb *kb, desk_err *err)
{
	git_config *cfg = NULL;
	char *max = g_strdup_printf("%" G_GUINT64_FORMAT, kb->max_bytes);
	desk_status s = DESK_OK;

	if (git_repository_config(&cfg, kb->repo) != 0 ||
	    git_config_set_string(cfg, "core.sharedRepository", "0640") != 0 ||
	    git_config_set_bool(cfg, "receive.denyDeletes", 1) != 0 ||
	    git_config_set_bool(cfg, "receive.denyNonFastForwards", 1) != 0 ||
	    git_config_set_bool(cfg, "receive.fsckObjects", 1) != 0 ||
	    git_config_set_string(cfg, "receive.maxInputSize", max) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot configure the KB repository %s: %s", kb->path,
			      kb_git_error());
	/* what hooks of earlier versions read: nobody reads it now */
	if (s == DESK_OK) {
		git_config_delete_entry(cfg, "maildesk.desk");
		git_config_delete_entry(cfg, "maildesk.store");
	}
	git_config_free(cfg);
	g_free(max);
	return s;
}

desk_status
kb_setup(desk_kb *kb, desk_err *err)
{
	char *hooks = g_build_filename(kb->path, "hooks", NULL), *self = desk_self();
	char *pre = hook_text(kb_hook_pre_receive, self, kb->store);
	char *post = hook_text(kb_hook_post_receive, self, kb->store);
	desk_status s = self_check(self, err);

	if (s == DESK_OK)
		s = kb_configure(kb, err);
	if (s == DESK_OK && g_mkdir_with_parents(hooks, 02750) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot make %s: %s", hooks, g_strerror(errno));
	if (s == DESK_OK)  /* first, so that nobody else can touch the hooks we write */
		s = kb_narrow(kb->path, err);
	if (s == DESK_OK)
		s = hook_write(hooks, "pre-receive", pre, err);
	if (s == DESK_OK)
		s = hook_write(hooks, "post-receive", post, err);
	g_free(hooks);
	g_free(self);
	g_free(pre);
	g_free(post);
	return s;
}

/* The word of FILE where TMPL has its first PLACEHOLDER (TMPL's text
 * before it matches FILE's), up to the literal that follows it in TMPL;
 * NULL when FILE does not have that shape. Caller g_free()s. */
static char *
hook_word(const char *tmpl, const char *file, const char *placeholder)
{
	const char *at = strstr(tmpl, placeholder), *lit, *lit_end, *end;
	size_t pre;

	if (at == NULL)
		return NULL;
	pre = (size_t)(at - tmpl);
	lit = at + strlen(placeholder);
	lit_end = strchr(lit, '@') != NULL ? strchr(lit, '@') : lit + strlen(lit);
	if (strncmp(file, tmpl, pre) != 0 || lit_end == lit)
		return NULL;
	end = memmem(file + pre, strlen(file + pre), lit, (size_t)(lit_end - lit));
	return end != NULL ? g_strndup(file + pre, (size_t)(end - file - pre)) : NULL;
}

/* Whether FILE is TMPL as hook_text writes it, for some desk and the store
 * STORE (by device and inode); *desk gets the desk it names (g_free()). */
static gboolean
hook_matches(const char *tmpl, const char *file, const struct stat *store, char **desk)
{
	char *qdesk = hook_word(tmpl, file, "@DESK@"), **parts = NULL, *half = NULL, *qstore = NULL;
	char *ustore = NULL, *expect = NULL;
	struct stat sb;
	gboolean ok = FALSE;

	*desk = qdesk != NULL ? g_shell_unquote(qdesk, NULL) : NULL;
	if (*desk != NULL) {
		parts = g_strsplit(tmpl, "@DESK@", -1);
		half = g_strjoinv(qdesk, parts);
		qstore = hook_word(half, file, "@STORE@");
	}
	if (qstore != NULL && (ustore = g_shell_unquote(qstore, NULL)) != NULL) {
		expect = hook_text(tmpl, *desk, ustore);
		ok = strcmp(expect, file) == 0 && stat(ustore, &sb) == 0 && sb.st_dev == store->st_dev &&
		     sb.st_ino == store->st_ino;
	}
	g_strfreev(parts);
	g_free(half);
	g_free(qdesk);
	g_free(qstore);
	g_free(ustore);
	g_free(expect);
	return ok;
}

/* The hook NAME of the repository REPO written from TMPL, checked. */
static desk_status
hook_check(const char *repo, const char *name, const char *tmpl, const struct stat *store, desk_err *err)
{
	char *path = g_build_filename(repo, "hooks", name, NULL), *text = NULL, *desk = NULL;
	struct stat sb, rb;
	desk_status s = DESK_OK;

	if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || !g_file_get_contents(path, &text, NULL, NULL))
		s = desk_fail(err, DESK_CONFIG, "the hook %s is missing", path);
	else if (stat(repo, &rb) == 0 && (sb.st_uid != rb.st_uid || (sb.st_mode & 0722) != 0700))
		s = desk_fail(err, DESK_CONFIG, "the hook %s is mode %04o of uid %u (not 0750 of the "
			      "repository's owner)", path, (unsigned)(sb.st_mode & 07777), (unsigned)sb.st_uid);
	else if (!hook_matches(tmpl, text, store, &desk))
		s = desk_fail(err, DESK_CONFIG, "the hook %s is not the one desk kb hooks writes for this store",
			      path);
	else if (access(desk, X_OK) != 0)
		s = desk_fail(err, DESK_CONFIG, "the hook %s runs %s: %s", path, desk, g_strerror(errno));
	g_free(path);
	g_free(text);
	g_free(desk);
	return s;
}

desk_status
kb_hooks_check(const char *repo, const char *store, desk_err *err)
{
	struct stat st;
	desk_status s;

	if (stat(store, &st) != 0)
		return desk_fail(err, DESK_NOTFOUND, "%s: %s", store, g_strerror(errno));
	s = hook_check(repo, "pre-receive", kb_hook_pre_receive, &st, err);
	if (s == DESK_OK)
		s = hook_check(repo, "post-receive", kb_hook_post_receive, &st, err);
	return s;
}

desk_status
kb_init(desk_store *st, desk_err *err)
{
	git_repository *repo = NULL;
	git_repository_init_options opts;
	desk_kb *kb = NULL;
	char *path = kb_repo_path(st);
	desk_status s = gitload(err);

	if (s != DESK_OK) {
		g_free(path);
		return s;
	}
	git_libgit2_init();
	git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
	opts.mode = 02750;  /* the owner writes, group maildesk reads, nothing for others */
	opts.initial_head = "main";
	if (git_repository_init_ext(&repo, path, &opts) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot create the KB repository %s: %s", path,
			      kb_git_error());
	git_repository_free(repo);
	if (s == DESK_OK)
		s = kb_open(st, &kb, err);
	if (s == DESK_OK)
		s = kb_setup(kb, err);
	kb_close(kb);
	git_libgit2_shutdown();
	g_free(path);
	return s;
}

char *
kb_receive_pack(const char *path)
{
	const char *env = g_getenv("MAILDESK_KB_RECEIVE");
	struct stat sb;

	if (stat(path, &sb) == 0 && sb.st_uid == geteuid())
		return NULL;
	if (env != NULL && *env != '\0')
		return g_strdup(env);
	return g_build_filename(DESK_LIBEXECDIR, "maildesk-kb-receive", NULL);
}
