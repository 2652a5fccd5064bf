/* blocklist.c: the file of blocked senders, read cheaply and written whole. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "blocklist.h"

#define BLOCKLIST_MAX_LINE 320

struct desk_blocklist {
	GMutex mu;
	char *path;
	struct stat seen;     /* of the file read last; st_ino 0: none */
	GHashTable *addrs;
};

static char *
list_path(desk_store *st)
{
	return g_build_filename(st->dir, STORE_VAR, "blocked", NULL);
}

/* The addresses in the file PATH (a missing file: none). */
static GHashTable *
read_list(const char *path)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	FILE *f = fopen(path, "r");
	char line[BLOCKLIST_MAX_LINE];

	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		char *a = g_strstrip(line);

		if (*a != '\0' && *a != '#')
			g_hash_table_add(h, g_ascii_strdown(a, -1));
	}
	if (f != NULL)
		fclose(f);
	return h;
}

/* The addresses of H as the desk compares them (addr_canonical). */
static GHashTable *
canonical_set(GHashTable *h)
{
	GHashTable *c = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, h);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_hash_table_add(c, addr_canonical(k));
	g_hash_table_destroy(h);
	return c;
}

desk_blocklist *
blocklist_new(desk_store *st)
{
	desk_blocklist *bl = g_new0(desk_blocklist, 1);

	g_mutex_init(&bl->mu);
	bl->path = list_path(st);
	bl->addrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return bl;
}

void
blocklist_free(desk_blocklist *bl)
{
	if (bl == NULL)
		return;
	g_hash_table_destroy(bl->addrs);
	g_free(bl->path);
	g_mutex_clear(&bl->mu);
	g_free(bl);
}

static gboolean
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

gboolean
blocklist_has(desk_blocklist *bl, const char *addr)
{
	struct stat now = { 0 };
	gboolean yes;
	char *a;

	if (addr == NULL || *addr == '\0')
		return FALSE;
	g_mutex_lock(&bl->mu);
	if (stat(bl->path, &now) != 0)
		memset(&now, 0, sizeof now);
	if (!same_file(&now, &bl->seen)) {
		g_hash_table_destroy(bl->addrs);
		bl->addrs = canonical_set(now.st_ino != 0 ? read_list(bl->path)
							  : g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL));
		bl->seen = now;
	}
	a = addr_canonical(addr);
	yes = g_hash_table_contains(bl->addrs, a);
	g_mutex_unlock(&bl->mu);
	g_free(a);
	return yes;
}

/* Write the sorted addresses of H to PATH through a temporary file. */
static desk_status
write_list(const char *path, GHashTable *h, desk_err *err)
{
	char *tmp = g_strconcat(path, ".tmp", NULL);
	GList *keys = g_list_sort(g_hash_table_get_keys(h), (GCompareFunc)strcmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	desk_status s = DESK_OK;

	if (f == NULL) {
		s = desk_fail(err, DESK_TEMPFAIL, "cannot write %s: %s", tmp, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	fchmod(fd, 0660);
	for (GList *k = keys; k != NULL; k = k->next)
		fprintf(f, "%s\n", (char *)k->data);
	if (fflush(f) != 0 || fsync(fd) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot write %s: %s", tmp, g_strerror(errno));
	if (fclose(f) != 0 && s == DESK_OK)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot write %s: %s", tmp, g_strerror(errno));
	if (s == DESK_OK && rename(tmp, path) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot rename %s: %s", tmp, g_strerror(errno));
	if (s != DESK_OK)
		unlink(tmp);
out:
	g_list_free(keys);
	g_free(tmp);
	return s;
}

static desk_status
sync_parent(const char *path, desk_err *err)
{
	char *dir = g_path_get_dirname(path);
	desk_status s = store_sync_dir(dir, err);

	g_free(dir);
	return s;
}

desk_status
blocklist_change(desk_store *st, const char *addr, gboolean add, gboolean *changed, desk_err *err)
{
	char *path = list_path(st), *a = g_strstrip(g_ascii_strdown(addr, -1));
	GHashTable *h = read_list(path);
	gboolean was = g_hash_table_contains(h, a);
	desk_status s = DESK_OK;

	if (changed != NULL)
		*changed = was != add;
	if (*a == '\0' || strpbrk(a, " \t\r\n") != NULL || strlen(a) >= BLOCKLIST_MAX_LINE - 1)
		s = desk_fail(err, DESK_USAGE, "not an address to block: '%s'", addr);
	else if (was != add) {
		if (add)
			g_hash_table_add(h, g_strdup(a));
		else
			g_hash_table_remove(h, a);
		s = write_list(path, h, err);
	}
	if (s == DESK_OK && was != add)
		s = sync_parent(path, err);
	g_hash_table_destroy(h);
	g_free(path);
	g_free(a);
	return s;
}
