/* fuzz-common.c: the shared parts of the harnesses (fuzz.h): inputs as
 * strings and files, the fixed configuration, the small store. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <gmime/gmime.h>

#include "change.h"
#include "fuzz.h"
#include "index.h"
#include "token.h"

static const char conf_text[] =
	"[desk]\n"
	"addresses = support@helpdesk.test; billing@helpdesk.test=billing\n"
	"ack = false\n"
	"notify_agents = false\n"
	"lock_timeout = 5\n"
	"min_free_mb = 0\n"
	"[milter]\n"
	"trusted_networks = 192.0.2.0/24; 2001:db8::/32\n"
	"[agent alice]\n"
	"address = alice@helpdesk.test\n"
	"name = Alice Agent\n"
	"queues = support\n"
	"[agent bob]\n"
	"address = bob@corp.test\n"
	"sasl = bob@corp\n"
	"queues = support;billing\n";

/* The store's mail: NAME, FROM, ID, IN-REPLY-TO. */
static const char *const mail[][4] = {
	{ "t1", "Ann <ann@customer.test>", "t1@customer.test", NULL },
	{ "t1r", "Ann <ann@customer.test>", "t1r@customer.test", "t1@customer.test" },
	{ "t2", "bob@other.test", "t2@other.test", NULL },
	{ "t3", "Carol <carol@customer.test>", "t3@customer.test", NULL },
	{ "t4", "dave@customer.test", "t4@customer.test", NULL },
};

static char *store_dir;
static desk_store *the_store;
static desk_lookup *the_lookup;
static desk_config *the_config;

static void
quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer ud)
{
	(void)domain;
	(void)level;
	(void)msg;
	(void)ud;
}

void
fuzz_init(void)
{
	g_mime_init();
	g_log_set_default_handler(quiet_log, NULL);
	/* nothing a harness does may send mail */
	g_setenv("MAILDESK_SENDMAIL", "/bin/false", TRUE);
}

void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: contract broken: %s\n", file, line, what);
	abort();
}

char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = g_malloc(size + 1);

	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

char **
fuzz_split(const uint8_t *data, size_t size, int n)
{
	char **parts = g_new0(char *, n + 1);
	const uint8_t *p = data, *end = data + size;

	for (int i = 0; i < n; i++) {
		const uint8_t *nul = i < n - 1 && p < end ? memchr(p, '\0', end - p) : NULL;
		const uint8_t *stop = nul != NULL ? nul : end;

		parts[i] = fuzz_str(p, stop - p);
		p = nul != NULL ? nul + 1 : end;
	}
	return parts;
}

const char *
fuzz_file(int slot, const uint8_t *data, size_t size)
{
	static int fd[FUZZ_FILES] = { -1, -1 };
	static char path[FUZZ_FILES][64];

	FUZZ_CHECK(slot >= 0 && slot < FUZZ_FILES, "a file slot");
	if (fd[slot] < 0) {
		fd[slot] = memfd_create("fuzz-input", 0);
		FUZZ_CHECK(fd[slot] >= 0, "memfd_create");
		snprintf(path[slot], sizeof path[slot], "/proc/self/fd/%d", fd[slot]);
	}
	FUZZ_CHECK(ftruncate(fd[slot], 0) == 0, "ftruncate");
	FUZZ_CHECK(size == 0 || pwrite(fd[slot], data, size, 0) == (ssize_t)size, "pwrite");
	return path[slot];
}

/* A file NAME in DIR with TEXT. */
static void
write_text(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);

	FUZZ_CHECK(g_file_set_contents(path, text, -1, NULL), "write a file of the small store");
	g_free(path);
}

const desk_config *
fuzz_config(void)
{
	if (the_config == NULL) {
		char *dir = g_dir_make_tmp("maildesk-fuzz-conf-XXXXXX", NULL);
		char *path = g_build_filename(dir, "maildesk.conf", NULL);
		desk_err err = { 0 };

		write_text(dir, "maildesk.conf", conf_text);
		if (config_load(path, &the_config, &err) != DESK_OK)
			fuzz_fail(__FILE__, __LINE__, err.msg);
		unlink(path);
		rmdir(dir);
		g_free(path);
		g_free(dir);
	}
	return the_config;
}

static void
remove_store(void)
{
	char *argv[] = { "rm", "-rf", store_dir, NULL };

	if (the_lookup != NULL)
		lookup_free(the_lookup);
	store_free(the_store);
	g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
	g_free(store_dir);
}

/* Where the store goes: $FUZZ_TMPDIR, else /dev/shm (fsync costs nothing
 * there, and thread_decide fsyncs the ticket counter), else $TMPDIR. */
static char *
make_store_dir(void)
{
	const char *base = g_getenv("FUZZ_TMPDIR");
	char *tmpl;
	char *dir;

	if (base == NULL || *base == '\0')
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : g_get_tmp_dir();
	tmpl = g_build_filename(base, "maildesk-fuzz-store-XXXXXX", NULL);
	dir = g_mkdtemp(tmpl);
	FUZZ_CHECK(dir != NULL, "make the small store's directory");
	return dir;
}

static void
deliver(desk_store *st, const char *const m[4])
{
	GString *s = g_string_new(NULL);
	desk_err err = { 0 };

	g_string_append_printf(s, "From: %s\nTo: support@helpdesk.test\nSubject: %s %s\n"
			       "Date: Mon, 05 Jan 2026 09:00:00 +0000\nMessage-ID: <%s>\n",
			       m[1], m[3] != NULL ? "Re: question" : "question", m[0], m[2]);
	if (m[3] != NULL)
		g_string_append_printf(s, "In-Reply-To: <%s>\nReferences: <%s>\n", m[3], m[3]);
	g_string_append_printf(s, "MIME-Version: 1.0\nContent-Type: text/plain\n\nhello from %s\n", m[0]);
	if (store_deliver(st, s->str, -1, NULL, &err) != DESK_OK)
		fuzz_fail(__FILE__, __LINE__, err.msg);
	g_string_free(s, TRUE);
}

static void
index_all(desk_store *st)
{
	index_result res = { 0 };
	desk_err err = { 0 };

	if (index_pending(st, NULL, 100, 5000, &res, &err) != DESK_OK)
		fuzz_fail(__FILE__, __LINE__, err.msg);
	index_result_clear(&res);
}

/* An event in ticket N setting KEY=VALUE, as the verbs store one. */
static void
event(desk_store *st, guint n, const char *ev, const char *key, const char *value)
{
	desk_change *c = NULL;
	ticket_info *t = NULL;
	desk_err err = { 0 };
	xset *set = xset_new();

	xset_add(set, key, value);
	if (change_begin(st, &c, &err) != DESK_OK || change_ticket(c, n, &t, NULL, &err) != DESK_OK ||
	    change_event(c, t, NULL, ev, set, ev, &err) != DESK_OK || change_commit(c, &err) != DESK_OK)
		fuzz_fail(__FILE__, __LINE__, err.msg);
	ticket_info_free(t);
	xset_free(set);
}

desk_store *
fuzz_store(void)
{
	char *addresses[] = { "support@helpdesk.test", "billing@helpdesk.test=billing", NULL };
	desk_err err = { 0 };

	if (the_store != NULL)
		return the_store;
	store_dir = make_store_dir();
	if (store_init(store_dir, addresses, &err) != DESK_OK)
		fuzz_fail(__FILE__, __LINE__, err.msg);
	write_text(store_dir, "maildesk.conf", conf_text);
	if (store_open(store_dir, &the_store, &err) != DESK_OK || index_create(the_store, &err) != DESK_OK)
		fuzz_fail(__FILE__, __LINE__, err.msg);
	atexit(remove_store);
	the_store->no_followup = TRUE;
	for (size_t i = 0; i < G_N_ELEMENTS(mail); i++)
		deliver(the_store, mail[i]);
	index_all(the_store);
	event(the_store, 2, "status", "status", "closed");
	event(the_store, 3, "merge", "merged-into", "1");
	event(the_store, 1, "merge", "merged-from", "3");
	return the_store;
}

desk_lookup *
fuzz_lookup(void)
{
	if (the_lookup == NULL)
		the_lookup = lookup_new(fuzz_store());
	return the_lookup;
}

/* The text of a "{KIND:N}" mark at P (KIND tok or id), or NULL. *len gets
 * the mark's length. */
static char *
blessed(GBytes *secret, const char *p, size_t *len)
{
	gboolean tok = g_str_has_prefix(p, "{tok:");
	const char *d;
	guint64 n = 0;

	if (!tok && !g_str_has_prefix(p, "{id:"))
		return NULL;
	d = p + (tok ? 5 : 4);
	for (const char *q = d; g_ascii_isdigit(*q) && q - d < 9; q++)
		n = n * 10 + (guint)(*q - '0');
	while (g_ascii_isdigit(*d))
		d++;
	if (*d != '}' || n == 0)
		return NULL;
	*len = d + 1 - p;
	return tok ? token_make(secret, (guint)n) : token_msgid(secret, (guint)n, "helpdesk.test");
}

char *
fuzz_bless(GBytes *secret, const char *text)
{
	GString *s = g_string_new(NULL);

	for (const char *p = text; *p != '\0';) {
		size_t len = 0;
		char *b = *p == '{' ? blessed(secret, p, &len) : NULL;

		if (b != NULL) {
			g_string_append(s, b);
			g_free(b);
			p += len;
		} else {
			g_string_append_c(s, *p++);
		}
	}
	return g_string_free(s, FALSE);
}

gboolean
fuzz_clean_utf8(const char *s, gboolean text)
{
	if (!g_utf8_validate(s, -1, NULL))
		return FALSE;
	for (const char *p = s; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (text && (c == '\n' || c == '\t'))
			continue;
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
			return FALSE;
	}
	return TRUE;
}
