/* kblint.c: the KB's caps and lint with bounded work: the files of
 * articles/ are counted and their sizes read from object headers first, a
 * commit over the caps is refused before any blob is read, and each blob
 * is read and parsed once however many names it has (see kb.h). */
#include <string.h>

#include "kb.h"

/* What one blob holds, parsed once. */
typedef struct parsed {
	char *title;    /* NULL when PROBLEM is set */
	char **see;
	char *problem;  /* what is wrong, as it follows "PATH" (": no header block") */
} parsed;

struct kb_lint_run {
	desk_kb *kb;
	git_odb *odb;
	GHashTable *sizes;  /* git_oid* -> guint64*: blobs seen, their size */
	GHashTable *blobs;  /* git_oid* -> parsed*: blobs read */
	GHashTable *trees;  /* git_oid* of the articles/ trees linted */
	guint files;        /* entries of the trees linted so far */
	guint64 bytes;      /* sizes of the distinct blobs no larger than ARTICLE_MAX_SIZE */
};

static guint
oid_hash(gconstpointer p)
{
	guint h;

	memcpy(&h, ((const git_oid *)p)->id, sizeof h);
	return h;
}

static gboolean
oid_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(((const git_oid *)a)->id, ((const git_oid *)b)->id, GIT_OID_RAWSZ) == 0;
}

static GHashTable *
oid_table(GDestroyNotify value_free)
{
	return g_hash_table_new_full(oid_hash, oid_equal, g_free, value_free);
}

static void
parsed_free(parsed *p)
{
	g_free(p->title);
	g_strfreev(p->see);
	g_free(p->problem);
	g_free(p);
}

/* The articles/ tree of C, or NULL (no error) when there is none. */
static desk_status
articles_tree(desk_kb *kb, const git_commit *c, git_tree **out, desk_err *err)
{
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	desk_status s = DESK_OK;

	*out = NULL;
	if (git_commit_tree(&root, c) != 0)
		return desk_fail(err, DESK_TEMPFAIL, "cannot read the tree: %s", kb_git_error());
	if (git_tree_entry_bypath(&e, root, "articles") == 0 && git_tree_entry_type(e) == GIT_OBJECT_TREE &&
	    git_tree_lookup(out, kb->repo, git_tree_entry_id(e)) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot read articles/: %s", kb_git_error());
	git_tree_entry_free(e);
	git_tree_free(root);
	return s;
}

/* The size of blob ID from its header, remembered in SIZES; *first when
 * SIZES had not seen it. */
static desk_status
blob_size(git_odb *odb, GHashTable *sizes, const git_oid *id, guint64 *size, gboolean *first,
	  desk_err *err)
{
	guint64 *known = g_hash_table_lookup(sizes, id);
	git_object_t type;
	size_t len;

	*first = known == NULL;
	if (known != NULL) {
		*size = *known;
		return DESK_OK;
	}
	if (git_odb_read_header(&len, &type, odb, id) != 0)
		return desk_fail(err, DESK_TEMPFAIL, "cannot read a file of articles/: %s", kb_git_error());
	*size = len;
	g_hash_table_insert(sizes, g_memdup2(id, sizeof *id), g_memdup2(size, sizeof *size));
	return DESK_OK;
}

desk_status
kb_measure(desk_kb *kb, const git_commit *c, guint *files, guint64 *bytes, desk_err *err)
{
	GHashTable *sizes = oid_table(g_free);
	git_tree *tree = NULL;
	git_odb *odb = NULL;
	desk_status s = articles_tree(kb, c, &tree, err);

	*files = 0;
	*bytes = 0;
	if (s == DESK_OK && tree != NULL && git_repository_odb(&odb, kb->repo) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot read the KB: %s", kb_git_error());
	for (size_t i = 0; s == DESK_OK && tree != NULL && i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		guint64 size = 0;
		gboolean first;

		(*files)++;
		if (git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
		    (s = blob_size(odb, sizes, git_tree_entry_id(e), &size, &first, err)) == DESK_OK &&
		    size <= ARTICLE_MAX_SIZE)
			*bytes += size;
	}
	git_odb_free(odb);
	git_tree_free(tree);
	g_hash_table_unref(sizes);
	return s;
}

desk_status
kb_check_caps(desk_kb *kb, const git_commit *c, desk_err *err)
{
	guint files;
	guint64 bytes;
	desk_status s = kb_measure(kb, c, &files, &bytes, err);
	char *id = kb_short_id(c);

	if (s == DESK_OK && files > kb->max_articles)
		s = desk_fail(err, DESK_DATAERR, "the KB at %s has %u files in articles/, more than "
			      "kb.max_articles (%u)", id, files, kb->max_articles);
	else if (s == DESK_OK && bytes > kb->max_bytes)
		s = desk_fail(err, DESK_DATAERR, "the KB at %s has %.1f MiB of articles, more than "
			      "kb.max_mb (%" G_GUINT64_FORMAT " MiB)", id, bytes / 1048576.0,
			      kb->max_bytes / 1048576);
	g_free(id);
	return s;
}

kb_lint_run *
kb_lint_new(desk_kb *kb)
{
	kb_lint_run *r = g_new0(kb_lint_run, 1);

	r->kb = kb;
	r->sizes = oid_table(g_free);
	r->blobs = oid_table((GDestroyNotify)parsed_free);
	r->trees = oid_table(NULL);
	return r;
}

void
kb_lint_free(kb_lint_run *r)
{
	if (r == NULL)
		return;
	git_odb_free(r->odb);
	g_hash_table_unref(r->sizes);
	g_hash_table_unref(r->blobs);
	g_hash_table_unref(r->trees);
	g_free(r);
}

/* Count TREE's files and its new blobs into R; DESK_DATAERR over a cap. */
static desk_status
lint_count(kb_lint_run *r, git_tree *tree, desk_err *err)
{
	desk_kb *kb = r->kb;
	size_t n = git_tree_entrycount(tree);
	desk_status s = DESK_OK;

	r->files += n;
	if (r->files > kb->max_articles)
		return desk_fail(err, DESK_DATAERR, "too many files: %u in articles/ (each branch of a push "
				 "counts), at most %u (kb.max_articles)", r->files, kb->max_articles);
	for (size_t i = 0; s == DESK_OK && i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		guint64 size;
		gboolean first;

		if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
			continue;
		s = blob_size(r->odb, r->sizes, git_tree_entry_id(e), &size, &first, err);
		if (s == DESK_OK && first && size <= ARTICLE_MAX_SIZE)
			r->bytes += size;
		if (s == DESK_OK && r->bytes > kb->max_bytes)
			s = desk_fail(err, DESK_DATAERR, "too large: more than %" G_GUINT64_FORMAT " MiB of "
				      "articles (each distinct file counts once; kb.max_mb)",
				      kb->max_bytes / 1048576);
	}
	return s;
}

/* Blob ID of the file PATH, read and parsed once in R. */
static parsed *
lint_parse(kb_lint_run *r, const git_oid *id, const char *path)
{
	parsed *p = g_hash_table_lookup(r->blobs, id);
	GBytes *b = NULL;
	article *a = NULL;
	desk_err one = { 0 };

	if (p != NULL)
		return p;
	p = g_new0(parsed, 1);
	if (kb_blob(r->kb, id, path, &b, &one) != DESK_OK ||
	    article_parse(path, g_bytes_get_data(b, NULL), g_bytes_get_size(b), &a, &one) != DESK_OK) {
		/* the message starts with PATH; keep what follows */
		p->problem = g_strdup(g_str_has_prefix(one.msg, path) ? one.msg + strlen(path) : one.msg);
	} else {
		p->title = g_steal_pointer(&a->title);
		p->see = g_steal_pointer(&a->see);
	}
	article_free(a);
	if (b != NULL)
		g_bytes_unref(b);
	g_hash_table_insert(r->blobs, g_memdup2(id, sizeof *id), p);
	return p;
}

/* Entry E of articles/: an article (of what lint compares) for ARTICLES,
 * or a problem. */
static void
lint_entry(kb_lint_run *r, const git_tree_entry *e, GPtrArray *articles, GPtrArray *problems)
{
	char *path = g_strconcat("articles/", git_tree_entry_name(e), NULL);
	char *slug = article_slug_of(path);
	guint64 *size = g_hash_table_lookup(r->sizes, git_tree_entry_id(e));
	parsed *p;
	article *a;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || slug == NULL)
		g_ptr_array_add(problems, g_strdup_printf("%s: not an article (articles/SLUG.txt)", path));
	else if (!article_slug_valid(slug))
		g_ptr_array_add(problems, g_strdup_printf("%s: '%s' is not a slug (a-z, 0-9 and '-')", path, slug));
	else if (size != NULL && *size > ARTICLE_MAX_SIZE)
		g_ptr_array_add(problems, g_strdup_printf("%s: too large (%" G_GUINT64_FORMAT " bytes, at "
							  "most %d): skipped", path, *size, ARTICLE_MAX_SIZE));
	else if ((p = lint_parse(r, git_tree_entry_id(e), path))->problem != NULL)
		g_ptr_array_add(problems, g_strconcat(path, p->problem, NULL));
	else {
		a = g_new0(article, 1);
		a->slug = g_steal_pointer(&slug);
		a->path = g_steal_pointer(&path);
		a->title = g_strdup(p->title);
		a->see = g_strdupv(p->see);
		a->tags = g_new0(char *, 1);
		g_ptr_array_add(articles, a);
	}
	g_free(slug);
	g_free(path);
}

desk_status
kb_lint_commit(kb_lint_run *r, const git_commit *c, GPtrArray *problems, desk_err *err)
{
	git_tree *tree = NULL;
	GPtrArray *articles;
	desk_status s = articles_tree(r->kb, c, &tree, err);

	if (s != DESK_OK || tree == NULL || g_hash_table_contains(r->trees, git_tree_id(tree))) {
		git_tree_free(tree);
		return s;  /* nothing to lint, or linted already */
	}
	g_hash_table_add(r->trees, g_memdup2(git_tree_id(tree), sizeof(git_oid)));
	if (r->odb == NULL && git_repository_odb(&r->odb, r->kb->repo) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot read the KB: %s", kb_git_error());
	if (s == DESK_OK)
		s = lint_count(r, tree, err);
	if (s == DESK_OK) {
		articles = g_ptr_array_new_with_free_func((GDestroyNotify)article_free);
		for (size_t i = 0; i < git_tree_entrycount(tree); i++)
			lint_entry(r, git_tree_entry_byindex(tree, i), articles, problems);
		g_ptr_array_sort(articles, kb_article_by_slug);
		article_lint_set(articles, problems);
		g_ptr_array_unref(articles);
	}
	git_tree_free(tree);
	return s;
}

desk_status
kb_lint(desk_kb *kb, const git_commit *c, GPtrArray **problems, desk_err *err)
{
	kb_lint_run *r = kb_lint_new(kb);
	desk_status s;

	*problems = g_ptr_array_new_with_free_func(g_free);
	s = kb_lint_commit(r, c, *problems, err);
	kb_lint_free(r);
	if (s != DESK_OK)
		g_clear_pointer(problems, g_ptr_array_unref);
	return s;
}
