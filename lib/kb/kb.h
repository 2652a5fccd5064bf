/* kb.h: the knowledge base, a git repository of articles (STORE/kb), always
 * read at a ref or revision with libgit2, never from a working tree. */
#ifndef DESK_KB_H
#define DESK_KB_H

#include "gitload.h"
#include <glib.h>

#include "article.h"
#include "err.h"
#include "store.h"

/* Defaults of the KB's configuration keys (maildesk.conf [kb]; until
 * config.c has them, these are what is used):
 *   path       the repository, relative to STORE or absolute
 *   ref        the ref everything is read at
 *   ack        put suggestions in the acknowledgement
 *   min_score  the lowest score a suggestion in the acknowledgement has
 *   url        "https://help.example.com/kb/%s" (%s: slug): link instead of text */
#define KB_DEFAULT_PATH "kb"
#define KB_DEFAULT_REF "refs/heads/main"
#define KB_DEFAULT_ACK FALSE
#define KB_DEFAULT_MIN_SCORE 1.0
#define KB_DEFAULT_URL ""
#define KB_ACK_MAX 3              /* suggestions an acknowledgement holds at most */
#define KB_INDEX_FILE "kb-index.sqlite"

typedef struct desk_kb {
	git_repository *repo;
	char *path;        /* the repository */
	char *ref;         /* "refs/heads/main" */
	char *index_path;  /* STORE/var/kb-index.sqlite */
	char *store;       /* the store's directory, absolute */
	guint max_articles;       /* kb.max_articles */
	guint64 max_bytes;        /* kb.max_mb, in bytes */
	guint64 index_max_bytes;  /* kb.index_max_mb, in bytes */
} desk_kb;

/* ST's KB repository (kb.path, relative to the store or absolute); caller
 * g_free()s. */
char *kb_repo_path(desk_store *st);

/* Create ST's empty bare repository (kb.path) that accepts pushes to main,
 * set up as kb_setup does. */
desk_status kb_init(desk_store *st, desk_err *err);

/* Set up KB's repository for pushes: the hooks of hooks/git, written with
 * the absolute paths of this desk and of the store (nothing read from git's
 * config or the environment at push time); deletions, non-fast-forwards
 * and packs over kb.max_mb refused, objects checked (receive.fsckObjects);
 * everything readable by the group and writable by the owner only
 * (directories 2750, files 0640, hooks 0750). Run by its owner. */
desk_status kb_setup(desk_kb *kb, desk_err *err);

/* DESK_CONFIG with what is wrong unless both hooks of the KB repository
 * REPO are the ones kb_setup writes for the store STORE (the same
 * directory by device and inode), with a desk that can run, mode 0750
 * (or narrower) of the repository's owner. */
desk_status kb_hooks_check(const char *repo, const char *store, desk_err *err);

/* The receive-pack program through which this user pushes to the KB
 * repository at PATH: NULL (git's own) for its owner, else the setuid
 * wrapper maildesk-kb-receive ($MAILDESK_KB_RECEIVE, or the installed
 * one). Caller g_free()s. */
char *kb_receive_pack(const char *path);

/* Open the store's KB (libgit2 is initialised until kb_close). In a git
 * pre-receive hook the quarantined objects of the push are visible.
 * DESK_NOTFOUND when there is no repository; DESK_CONFIG when it belongs to
 * another user and git's safe.directory does not allow it. */
desk_status kb_open(desk_store *st, desk_kb **out, desk_err *err);
void kb_close(desk_kb *kb);

/* The commit REV names (NULL: the KB's ref). DESK_NOTFOUND for an unknown
 * revision or an empty repository. Caller git_commit_free()s. */
desk_status kb_resolve(desk_kb *kb, const char *rev, git_commit **out, desk_err *err);

/* The short (unique, at least 7) hex id of commit C; caller g_free()s. */
char *kb_short_id(const git_commit *c);

/* "SLUG@SHORTID"; caller g_free()s. */
char *kb_citation(const char *slug, const git_commit *c);

/* The bytes of the file PATH in C's tree, checked before they are read:
 * DESK_NOTFOUND when absent, DESK_DATAERR when not a regular file or larger
 * than ARTICLE_MAX_SIZE. Caller frees with g_bytes_unref. */
desk_status kb_file_at(desk_kb *kb, const git_commit *c, const char *path, GBytes **out,
		       desk_err *err);

/* The bytes of blob ID (the file PATH, for messages), once its header
 * says it is no larger than ARTICLE_MAX_SIZE (else DESK_DATAERR). Caller
 * frees with g_bytes_unref. */
desk_status kb_blob(desk_kb *kb, const git_oid *id, const char *path, GBytes **out, desk_err *err);

/* Order of articles (article* in a GPtrArray) by slug. */
gint kb_article_by_slug(gconstpointer a, gconstpointer b);

/* Article SLUG at C, parsed. *raw (if not NULL) gets the file's text. */
desk_status kb_article_at(desk_kb *kb, const git_commit *c, const char *slug, article **out,
			  char **raw, desk_err *err);

/* Each file of articles/ at C, one at a time: FN gets the article (FN
 * owns it) or NULL and a "PATH: why" problem (not FN's). */
typedef void (*kb_article_fn)(article *a, const char *problem, void *data);
desk_status kb_each_article(desk_kb *kb, const git_commit *c, kb_article_fn fn, void *data,
			    desk_err *err);

/* Every article at C (article*, sorted by slug); each file of articles/
 * that is not a readable article is a "PATH: why" string in *problems.
 * DESK_DATAERR when C is over the caps (kb_check_caps). */
desk_status kb_articles(desk_kb *kb, const git_commit *c, GPtrArray **articles,
			GPtrArray **problems, desk_err *err);

/* What articles/ of C holds: *files entries, *bytes the sum of the sizes
 * of the files no larger than ARTICLE_MAX_SIZE, each entry counted (what
 * an index of C would hold); read from object headers only. */
desk_status kb_measure(desk_kb *kb, const git_commit *c, guint *files, guint64 *bytes,
		       desk_err *err);

/* DESK_DATAERR, saying why, when articles/ of C holds more files or bytes
 * (as kb_measure counts them) than KB's caps allow. */
desk_status kb_check_caps(desk_kb *kb, const git_commit *c, desk_err *err);

/* Lint (kblint.c): everything `desk kb lint` checks at a commit: file
 * names, header blocks, UTF-8, size, duplicates, See: links. A run lints
 * one or more commits (the refs of one push) with bounded work: each
 * distinct articles/ tree once, each blob read once, and at most
 * kb.max_articles files (summed over the trees) and kb.max_mb bytes of
 * distinct blobs (from object headers, before anything is read). */
typedef struct kb_lint_run kb_lint_run;
kb_lint_run *kb_lint_new(desk_kb *kb);
void kb_lint_free(kb_lint_run *r);

/* Lint C in run R: each problem is appended to PROBLEMS as "PATH: what"
 * (g_free); DESK_DATAERR (err says which cap) when the run goes over a
 * cap. */
desk_status kb_lint_commit(kb_lint_run *r, const git_commit *c, GPtrArray *problems, desk_err *err);

/* One commit linted alone. *problems empty when all is well. */
desk_status kb_lint(desk_kb *kb, const git_commit *c, GPtrArray **problems, desk_err *err);

/* History (kbhistory.c). One commit that changed an article. */
typedef struct kb_log_entry {
	char *id;       /* short id */
	gint64 time;
	char *author;   /* "Name <address>" */
	char *summary;
	char *path;     /* the article's path in that commit */
	char *change;   /* "added", "modified", "deleted", "renamed from articles/x.txt" */
} kb_log_entry;
void kb_log_entry_free(kb_log_entry *e);

/* Commits of the KB's ref that changed SLUG, newest first, following
 * renames back. DESK_NOTFOUND when no commit touched it. */
desk_status kb_log(desk_kb *kb, const char *slug, GPtrArray **out, desk_err *err);

/* A unified diff of SLUG between REV1 and REV2 (an absent side is empty).
 * Caller g_free()s *patch ("" when equal). */
desk_status kb_diff(desk_kb *kb, const char *slug, const char *rev1, const char *rev2,
		    char **patch, desk_err *err);

/* Commit TEXT as articles/SLUG.txt on a new branch drafts/SLUG, from the
 * KB's ref (or as a root commit in an empty KB). DESK_USAGE when the branch
 * exists. *branch gets "drafts/SLUG"; caller g_free()s. */
desk_status kb_draft(desk_kb *kb, const char *slug, const char *text, char **branch,
		     desk_err *err);

/* The message of libgit2's last error, never NULL. */
const char *kb_git_error(void);

#endif
