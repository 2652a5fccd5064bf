/* kb.c: the knowledge base repository, read with libgit2: open, revisions,
 * articles at a commit. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kb.h"

const char *
kb_git_error(void)
{
	const git_error *e = git_error_last();

	return e != NULL && e->message != NULL ? e->message : "unknown libgit2 error";
}

char *
kb_repo_path(desk_store *st)
{
	return g_path_is_absolute(st->cfg->kb_path) ? g_strdup(st->cfg->kb_path)
						    : g_build_filename(st->dir, st->cfg->kb_path, NULL);
}

/* Why PATH could not be opened, plainly. */
static desk_status
open_failure(int rc, const char *path, desk_err *err)
{
	struct stat sb;

	/* libgit2 1.5 says GIT_ENOTFOUND ("safe.directory was not found") where
	 * it means GIT_EOWNER: look at the owner ourselves */
	if (rc == GIT_EOWNER || (stat(path, &sb) == 0 && sb.st_uid != geteuid())) {
		unsigned owner = stat(path, &sb) == 0 ? (unsigned)sb.st_uid : 0;

		return desk_fail(err, DESK_CONFIG,
				 "the KB repository %s belongs to another user (uid %u, you are uid %u) "
				 "and libgit2 refuses it: run desk as its owner, or allow it with "
				 "'git config --global --add safe.directory %s'",
				 path, owner, (unsigned)geteuid(), path);
	}
	if (rc == GIT_ENOTFOUND)
		return desk_fail(err, DESK_NOTFOUND, "no KB repository at %s (desk init makes one)", path);
	return desk_fail(err, DESK_TEMPFAIL, "cannot open the KB repository %s: %s", path, kb_git_error());
}

/* In a pre-receive hook, the objects of the push wait in a quarantine
 * directory that git names in GIT_QUARANTINE_PATH. */
static desk_status
add_quarantine(desk_kb *kb, desk_err *err)
{
	const char *q = g_getenv("GIT_QUARANTINE_PATH");
	git_odb *odb = NULL;
	int rc;

	if (q == NULL || *q == '\0')
		return DESK_OK;
	rc = git_repository_odb(&odb, kb->repo);
	if (rc == 0)
		rc = git_odb_add_disk_alternate(odb, q);
	git_odb_free(odb);
	if (rc != 0)
		return desk_fail(err, DESK_TEMPFAIL, "cannot read the pushed objects in %s: %s", q,
				 kb_git_error());
	return DESK_OK;
}

desk_status
kb_open(desk_store *st, desk_kb **out, desk_err *err)
{
	desk_kb *kb;
	desk_status s = gitload(err);
	int rc;

	*out = NULL;
	if (s != DESK_OK)
		return s;
	kb = g_new0(desk_kb, 1);
	git_libgit2_init();
	kb->path = kb_repo_path(st);
	kb->ref = g_strdup(st->cfg->kb_ref);
	kb->index_path = g_build_filename(st->dir, STORE_VAR, KB_INDEX_FILE, NULL);
	kb->store = g_canonicalize_filename(st->dir, NULL);
	kb->max_articles = MAX(st->cfg->kb_max_articles, 1);
	kb->max_bytes = (guint64)MAX(st->cfg->kb_max_mb, 1) * 1024 * 1024;
	kb->index_max_bytes = (guint64)MAX(st->cfg->kb_index_max_mb, 1) * 1024 * 1024;
	rc = git_repository_open_ext(&kb->repo, kb->path, GIT_REPOSITORY_OPEN_NO_SEARCH |
				     GIT_REPOSITORY_OPEN_BARE, NULL);
	if (rc != 0)
		s = open_failure(rc, kb->path, err);
	if (s == DESK_OK)
		s = add_quarantine(kb, err);
	if (s != DESK_OK) {
		kb_close(kb);
		return s;
	}
	*out = kb;
	return DESK_OK;
}

void
kb_close(desk_kb *kb)
{
	if (kb == NULL)
		return;
	git_repository_free(kb->repo);
	g_free(kb->path);
	g_free(kb->ref);
	g_free(kb->index_path);
	g_free(kb->store);
	g_free(kb);
	git_libgit2_shutdown();
}

desk_status
kb_resolve(desk_kb *kb, const char *rev, git_commit **out, desk_err *err)
{
	git_object *obj = NULL, *peeled = NULL;
	const char *spec = rev != NULL ? rev : kb->ref;
	int rc;

	if (*spec == '-' || (rc = git_revparse_single(&obj, kb->repo, spec)) != 0) {
		if (rev == NULL)
			return desk_fail(err, DESK_NOTFOUND, "the KB %s is empty: nothing was pushed to %s yet",
					 kb->path, kb->ref);
		return desk_fail(err, DESK_NOTFOUND, "unknown revision '%s' in the KB", spec);
	}
	rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (rc != 0)
		return desk_fail(err, DESK_NOTFOUND, "'%s' names no commit in the KB", spec);
	*out = (git_commit *)peeled;
	return DESK_OK;
}

char *
kb_short_id(const git_commit *c)
{
	git_buf buf = { 0 };
	char *s;

	if (git_object_short_id(&buf, (const git_object *)c) != 0) {
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, 13, git_commit_id(c));
		return g_strdup(hex);
	}
	s = g_strdup(buf.ptr);
	git_buf_dispose(&buf);
	return s;
}

char *
kb_citation(const char *slug, const git_commit *c)
{
	char *id = kb_short_id(c), *s = g_strdup_printf("%s@%s", slug, id);

	g_free(id);
	return s;
}

desk_status
kb_blob(desk_kb *kb, const git_oid *id, const char *path, GBytes **out, desk_err *err)
{
	git_odb *odb = NULL;
	git_odb_object *o = NULL;
	git_object_t type;
	size_t len = 0;
	desk_status s = DESK_OK;

	if (git_repository_odb(&odb, kb->repo) != 0 || git_odb_read_header(&len, &type, odb, id) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "%s: cannot read: %s", path, kb_git_error());
	else if (len > ARTICLE_MAX_SIZE)
		s = desk_fail(err, DESK_DATAERR, "%s: too large (%zu bytes, at most %d): skipped", path,
			      len, ARTICLE_MAX_SIZE);
	else if (git_odb_read(&o, odb, id) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "%s: cannot read: %s", path, kb_git_error());
	else
		*out = g_bytes_new(git_odb_object_data(o), git_odb_object_size(o));
	git_odb_object_free(o);
	git_odb_free(odb);
	return s;
}

desk_status
kb_file_at(desk_kb *kb, const git_commit *c, const char *path, GBytes **out, desk_err *err)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	desk_status s;

	if (git_commit_tree(&tree, c) != 0)
		return desk_fail(err, DESK_TEMPFAIL, "cannot read the tree: %s", kb_git_error());
	if (git_tree_entry_bypath(&e, tree, path) != 0)
		s = desk_fail(err, DESK_NOTFOUND, "no %s in the KB at that commit", path);
	else if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		s = desk_fail(err, DESK_DATAERR, "%s: not a file", path);
	else
		s = kb_blob(kb, git_tree_entry_id(e), path, out, err);
	git_tree_entry_free(e);
	git_tree_free(tree);
	return s;
}

desk_status
kb_article_at(desk_kb *kb, const git_commit *c, const char *slug, article **out, char **raw,
	      desk_err *err)
{
	char *path;
	GBytes *b = NULL;
	gsize len;
	const char *data;
	desk_status s;

	if (!article_slug_valid(slug))
		return desk_fail(err, DESK_USAGE, "'%s' is not a slug (a-z, 0-9 and '-')", slug);
	path = article_path(slug);
	s = kb_file_at(kb, c, path, &b, err);
	if (s == DESK_NOTFOUND)
		s = desk_fail(err, DESK_NOTFOUND, "no article %s", slug);
	if (s == DESK_OK) {
		data = g_bytes_get_data(b, &len);
		s = article_parse(path, data, len, out, err);
		if (s == DESK_OK && raw != NULL)
			*raw = g_strndup(data, len);
	}
	if (b != NULL)
		g_bytes_unref(b);
	g_free(path);
	return s;
}

/* One entry of articles/, parsed, handed to FN. */
static void
article_entry(desk_kb *kb, const git_tree_entry *e, kb_article_fn fn, void *data)
{
	char *path = g_strconcat("articles/", git_tree_entry_name(e), NULL);
	char *slug = article_slug_of(path), *problem = NULL;
	GBytes *b = NULL;
	article *a = NULL;
	desk_err one = { 0 };

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || slug == NULL)
		problem = g_strdup_printf("%s: not an article (articles/SLUG.txt)", path);
	else if (!article_slug_valid(slug))
		problem = g_strdup_printf("%s: '%s' is not a slug (a-z, 0-9 and '-')", path, slug);
	else if (kb_blob(kb, git_tree_entry_id(e), path, &b, &one) != DESK_OK ||
		 article_parse(path, g_bytes_get_data(b, NULL), g_bytes_get_size(b), &a, &one) != DESK_OK)
		problem = g_strdup(one.msg);
	fn(a, problem, data);
	if (b != NULL)
		g_bytes_unref(b);
	g_free(problem);
	g_free(slug);
	g_free(path);
}

desk_status
kb_each_article(desk_kb *kb, const git_commit *c, kb_article_fn fn, void *data, desk_err *err)
{
	git_tree *root = NULL, *dir = NULL;
	git_tree_entry *e = NULL;

	if (git_commit_tree(&root, c) != 0)
		return desk_fail(err, DESK_TEMPFAIL, "cannot read the tree: %s", kb_git_error());
	if (git_tree_entry_bypath(&e, root, "articles") == 0 && git_tree_entry_type(e) == GIT_OBJECT_TREE &&
	    git_tree_lookup(&dir, kb->repo, git_tree_entry_id(e)) == 0) {
		for (size_t i = 0; i < git_tree_entrycount(dir); i++)
			article_entry(kb, git_tree_entry_byindex(dir, i), fn, data);
	}
	git_tree_free(dir);
	git_tree_entry_free(e);
	git_tree_free(root);
	return DESK_OK;
}

typedef struct collect {
	GPtrArray *articles, *problems;
} collect;

static void
collect_one(article *a, const char *problem, void *data)
{
	collect *c = data;

	if (a != NULL)
		g_ptr_array_add(c->articles, a);
	else
		g_ptr_array_add(c->problems, g_strdup(problem));
}

gint
kb_article_by_slug(gconstpointer a, gconstpointer b)
{
	return strcmp((*(article *const *)a)->slug, (*(article *const *)b)->slug);
}

desk_status
kb_articles(desk_kb *kb, const git_commit *c, GPtrArray **articles, GPtrArray **problems,
	    desk_err *err)
{
	collect col = { g_ptr_array_new_with_free_func((GDestroyNotify)article_free),
			g_ptr_array_new_with_free_func(g_free) };
	desk_status s = kb_check_caps(kb, c, err);  /* what is kept stays bounded */

	if (s == DESK_OK)
		s = kb_each_article(kb, c, collect_one, &col, err);
	if (s != DESK_OK) {
		g_ptr_array_unref(col.articles);
		g_ptr_array_unref(col.problems);
		return s;
	}
	g_ptr_array_sort(col.articles, kb_article_by_slug);
	*articles = col.articles;
	*problems = col.problems;
	return DESK_OK;
}
