/* kbhistory.c: the history of KB articles with libgit2: log (following
 * renames) and diff between revisions. */
#include <string.h>

#include "kb.h"

void
kb_log_entry_free(kb_log_entry *e)
{
	if (e == NULL)
		return;
	g_free(e->id);
	g_free(e->author);
	g_free(e->summary);
	g_free(e->path);
	g_free(e->change);
	g_free(e);
}

/* The diff of C against its first parent (or nothing), renames found. */
static int
commit_diff(git_repository *repo, git_commit *c, git_diff **diff)
{
	git_commit *parent = NULL;
	git_tree *old = NULL, *new = NULL;
	git_diff_options opts;
	git_diff_find_options find;
	char *spec[] = { "articles/" };
	int rc;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.pathspec.strings = spec;
	opts.pathspec.count = 1;
	git_diff_find_options_init(&find, GIT_DIFF_FIND_OPTIONS_VERSION);
	find.flags = GIT_DIFF_FIND_RENAMES;
	if (git_commit_parentcount(c) > 0 && (rc = git_commit_parent(&parent, c, 0)) != 0)
		return rc;
	rc = parent != NULL ? git_commit_tree(&old, parent) : 0;
	if (rc == 0)
		rc = git_commit_tree(&new, c);
	if (rc == 0)
		rc = git_diff_tree_to_tree(diff, repo, old, new, &opts);
	if (rc == 0)
		rc = git_diff_find_similar(*diff, &find);
	git_tree_free(old);
	git_tree_free(new);
	git_commit_free(parent);
	return rc;
}

static kb_log_entry *
log_entry(git_commit *c, const git_diff_delta *d)
{
	kb_log_entry *e = g_new0(kb_log_entry, 1);
	const git_signature *a = git_commit_author(c);

	e->id = kb_short_id(c);
	e->time = git_commit_time(c);
	e->author = g_strdup_printf("%s <%s>", a->name, a->email);
	e->summary = g_strdup(git_commit_summary(c) ?: "");
	e->path = g_strdup(d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path);
	switch (d->status) {
	case GIT_DELTA_ADDED: e->change = g_strdup("added"); break;
	case GIT_DELTA_DELETED: e->change = g_strdup("deleted"); break;
	case GIT_DELTA_RENAMED: e->change = g_strdup_printf("renamed from %s", d->old_file.path); break;
	default: e->change = g_strdup("modified"); break;
	}
	return e;
}

/* If C changed *PATH, an entry into OUT; *PATH follows a rename back. */
static int
log_commit(git_repository *repo, git_commit *c, char **path, GPtrArray *out)
{
	git_diff *diff = NULL;
	int rc = commit_diff(repo, c, &diff);

	for (size_t i = 0; rc == 0 && i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *p = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;

		if (strcmp(p, *path) != 0)
			continue;
		g_ptr_array_add(out, log_entry(c, d));
		if (d->status == GIT_DELTA_RENAMED) {
			g_free(*path);
			*path = g_strdup(d->old_file.path);
		}
		break;
	}
	git_diff_free(diff);
	return rc;
}

desk_status
kb_log(desk_kb *kb, const char *slug, GPtrArray **out, desk_err *err)
{
	git_commit *head = NULL, *c = NULL;
	git_revwalk *walk = NULL;
	git_oid id;
	char *path;
	desk_status s;
	int rc;

	if (!article_slug_valid(slug))
		return desk_fail(err, DESK_USAGE, "'%s' is not a slug (a-z, 0-9 and '-')", slug);
	if ((s = kb_resolve(kb, NULL, &head, err)) != DESK_OK)
		return s;
	path = article_path(slug);
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)kb_log_entry_free);
	rc = git_revwalk_new(&walk, kb->repo);
	if (rc == 0)
		rc = git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	if (rc == 0)
		rc = git_revwalk_push(walk, git_commit_id(head));
	while (rc == 0 && git_revwalk_next(&id, walk) == 0) {
		if ((rc = git_commit_lookup(&c, kb->repo, &id)) == 0)
			rc = log_commit(kb->repo, c, &path, *out);
		git_commit_free(c);
		c = NULL;
	}
	if (rc != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "log %s: %s", slug, kb_git_error());
	else if ((*out)->len == 0)
		s = desk_fail(err, DESK_NOTFOUND, "no commit of %s touches articles/%s.txt", kb->ref, slug);
	if (s != DESK_OK)
		g_clear_pointer(out, g_ptr_array_unref);
	git_revwalk_free(walk);
	git_commit_free(head);
	g_free(path);
	return s;
}

/* The file's bytes at REV, or NULL (DESK_OK) when it is not there. */
static desk_status
side_at(desk_kb *kb, const char *rev, const char *path, GBytes **out, desk_err *err)
{
	git_commit *c = NULL;
	desk_status s = kb_resolve(kb, rev, &c, err);

	*out = NULL;
	if (s == DESK_OK)
		s = kb_file_at(kb, c, path, out, err);
	if (s == DESK_NOTFOUND && c != NULL)
		s = DESK_OK;
	git_commit_free(c);
	return s;
}

static desk_status
patch_of(GBytes *a, GBytes *b, const char *path, char **patch, desk_err *err)
{
	git_patch *p = NULL;
	git_buf buf = { 0 };
	gsize alen = 0, blen = 0;
	const char *ad = a != NULL ? g_bytes_get_data(a, &alen) : NULL;
	const char *bd = b != NULL ? g_bytes_get_data(b, &blen) : NULL;
	int rc = git_patch_from_buffers(&p, ad, alen, a != NULL ? path : NULL, bd, blen,
					b != NULL ? path : NULL, NULL);

	if (rc == 0)
		rc = git_patch_to_buf(&buf, p);
	if (rc != 0) {
		git_patch_free(p);
		return desk_fail(err, DESK_TEMPFAIL, "diff: %s", kb_git_error());
	}
	*patch = g_strndup(buf.ptr != NULL ? buf.ptr : "", buf.size);
	git_buf_dispose(&buf);
	git_patch_free(p);
	return DESK_OK;
}

desk_status
kb_diff(desk_kb *kb, const char *slug, const char *rev1, const char *rev2, char **patch,
	desk_err *err)
{
	GBytes *a = NULL, *b = NULL;
	char *path;
	desk_status s;

	if (!article_slug_valid(slug))
		return desk_fail(err, DESK_USAGE, "'%s' is not a slug (a-z, 0-9 and '-')", slug);
	path = article_path(slug);
	s = side_at(kb, rev1, path, &a, err);
	if (s == DESK_OK)
		s = side_at(kb, rev2, path, &b, err);
	if (s == DESK_OK && a == NULL && b == NULL)
		s = desk_fail(err, DESK_NOTFOUND, "no article %s at %s or at %s", slug, rev1, rev2);
	if (s == DESK_OK)
		s = patch_of(a, b, path, patch, err);
	if (a != NULL)
		g_bytes_unref(a);
	if (b != NULL)
		g_bytes_unref(b);
	g_free(path);
	return s;
}
