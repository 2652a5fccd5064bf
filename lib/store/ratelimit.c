/* ratelimit.c: rate limits per sender, domain and in total, in SQLite. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sqlite3.h>

#include "addr.h"
#include "clock.h"
#include "log.h"
#include "ratelimit.h"

#define RATE_BUSY_MS 5000      /* how long a writer waits for another one */
#define RATE_PURGE_EVERY 60    /* seconds between purges of old rows */
#define RATE_RETRY_OPEN 60     /* seconds before a failed open is tried again */

static const char *const names[RATE_N] = {
	"rate_new_sender", "rate_new_domain", "rate_new_total",
	"rate_ack_sender", "rate_ack_domain", "rate_ack_total",
};

struct desk_ratelimit {
	GMutex lock;
	char *path;
	sqlite3 *db;
	sqlite3_stmt *sum, *add, *purge;
	gint64 last_purge, failed_open;
};

const char *
ratelimit_name(int i)
{
	return i >= 0 && i < RATE_N ? names[i] : "rate";
}

desk_status
ratelimit_parse(const char *spec, desk_rate *out)
{
	char *end;
	guint64 n, d;

	memset(out, 0, sizeof *out);
	if (spec == NULL)
		return DESK_CONFIG;
	if (strcmp(spec, "0") == 0)
		return DESK_OK;
	if (!g_ascii_isdigit(*spec) || (n = g_ascii_strtoull(spec, &end, 10)) > 1000000 || *end != '/')
		return DESK_CONFIG;
	spec = end + 1;
	if (!g_ascii_isdigit(*spec) || (d = g_ascii_strtoull(spec, &end, 10)) == 0 || d > 1000000)
		return DESK_CONFIG;
	switch (*end) {
	case 's': break;
	case 'm': d *= 60; break;
	case 'h': d *= 3600; break;
	case 'd': d *= 86400; break;
	default: return DESK_CONFIG;
	}
	if (end[1] != '\0' || d > 366 * 86400)
		return DESK_CONFIG;
	out->count = (guint)n;
	out->seconds = (guint)d;
	return DESK_OK;
}

desk_ratelimit *
ratelimit_new(const char *dir)
{
	desk_ratelimit *rl = g_new0(desk_ratelimit, 1);

	g_mutex_init(&rl->lock);
	rl->path = g_build_filename(dir, "ratelimit.sqlite", NULL);
	return rl;
}

static void
rl_close(desk_ratelimit *rl)
{
	sqlite3_finalize(rl->sum);
	sqlite3_finalize(rl->add);
	sqlite3_finalize(rl->purge);
	sqlite3_close(rl->db);
	rl->sum = rl->add = rl->purge = NULL;
	rl->db = NULL;
}

void
ratelimit_free(desk_ratelimit *rl)
{
	if (rl == NULL)
		return;
	rl_close(rl);
	g_mutex_clear(&rl->lock);
	g_free(rl->path);
	g_free(rl);
}

static gboolean
prepare(desk_ratelimit *rl, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v3(rl->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK;
}

/* Open the table (lock held); FALSE, logged, when it cannot be.
 *
 * One row per kind, scope (0 the sender, 1 its domain, 2 everyone), key
 * and slot: how many in the slot that starts at SLOT (Unix time). A slot
 * is a 60th of the limit's window (a minute of an hour), so a check sums
 * at most about 60 rows whatever the load, and the window slides in those
 * steps. */
static gboolean
rl_open(desk_ratelimit *rl)
{
	static const char schema[] =
		"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=1048576;"
		"CREATE TABLE IF NOT EXISTS counts(kind INTEGER NOT NULL, scope INTEGER NOT NULL,"
		" key TEXT NOT NULL, slot INTEGER NOT NULL, n INTEGER NOT NULL,"
		" PRIMARY KEY(kind, scope, key, slot)) WITHOUT ROWID;";
	gint64 now = g_get_monotonic_time() / G_USEC_PER_SEC;
	gboolean ok;

	if (rl->db != NULL)
		return TRUE;
	if (rl->failed_open != 0 && now - rl->failed_open < RATE_RETRY_OPEN)
		return FALSE;
	ok = sqlite3_open_v2(rl->path, &rl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK;
	if (ok) {
		chmod(rl->path, 0660);  /* the store's group: milter, desk ingest, agents */
		sqlite3_busy_timeout(rl->db, RATE_BUSY_MS);
		ok = sqlite3_exec(rl->db, schema, NULL, NULL, NULL) == SQLITE_OK &&
		     prepare(rl, "SELECT coalesce(sum(n), 0) FROM counts WHERE kind=?1 AND scope=?2 AND key=?3 AND slot>?4",
			     &rl->sum) &&
		     prepare(rl, "INSERT INTO counts(kind, scope, key, slot, n) VALUES(?1, ?2, ?3, ?4, 1)"
				 " ON CONFLICT DO UPDATE SET n=n+1",
			     &rl->add) &&
		     prepare(rl, "DELETE FROM counts WHERE slot<=?1", &rl->purge);
	}
	if (!ok) {
		desk_log(LOG_ERR, "rate limits not counted: %s: %s", rl->path,
			 rl->db != NULL ? sqlite3_errmsg(rl->db) : "out of memory");
		rl_close(rl);
		rl->failed_open = now;
	}
	return ok;
}

/* Run ST (kind, scope, key, time bound); *n (may be NULL) gets a count. */
static gboolean
run(sqlite3_stmt *st, rate_kind kind, int scope, const char *key, gint64 t, gint64 *n)
{
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_int(st, 1, kind);
	sqlite3_bind_int(st, 2, scope);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, t);
	rc = sqlite3_step(st);
	if (n != NULL && rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n != NULL ? rc == SQLITE_ROW : rc == SQLITE_DONE;
}

/* The length of a slot of R's window. */
static gint64
slot_len(const desk_rate *r)
{
	return MAX(1, r->seconds / 60);
}

/* The first limit of KIND reached for KEYS (sender, domain, ""), or -1;
 * *ok FALSE on an error. */
static int
over_limit(desk_ratelimit *rl, const desk_config *cfg, rate_kind kind, const char *const keys[3], gint64 now,
	   gboolean *ok)
{
	for (int i = 0; i < 3 && *ok; i++) {
		const desk_rate *r = &cfg->rate[kind * 3 + i];
		gint64 n = 0;

		if (r->count == 0)
			continue;
		*ok = run(rl->sum, kind, i, keys[i], now - r->seconds, &n);
		if (*ok && n >= (gint64)r->count)
			return kind * 3 + i;
	}
	return -1;
}

/* Count one for KEYS in the current slot of each limit of KIND. */
static gboolean
count_one(desk_ratelimit *rl, const desk_config *cfg, rate_kind kind, const char *const keys[3], gint64 now)
{
	gboolean ok = TRUE;

	for (int i = 0; i < 3 && ok; i++) {
		const desk_rate *r = &cfg->rate[kind * 3 + i];

		if (r->count > 0)
			ok = run(rl->add, kind, i, keys[i], now - now % slot_len(r), NULL);
	}
	return ok;
}

/* Rows older than the longest window of CFG go (at most once a minute). */
static gboolean
purge(desk_ratelimit *rl, const desk_config *cfg, gint64 now)
{
	guint longest = 0;
	gboolean ok;

	if (now - rl->last_purge < RATE_PURGE_EVERY)
		return TRUE;
	for (int i = 0; i < RATE_N; i++)
		longest = MAX(longest, cfg->rate[i].seconds);
	sqlite3_reset(rl->purge);
	sqlite3_bind_int64(rl->purge, 1, now - longest);
	ok = sqlite3_step(rl->purge) == SQLITE_DONE;
	sqlite3_reset(rl->purge);
	rl->last_purge = now;
	return ok;
}

int
ratelimit_take(desk_ratelimit *rl, const desk_config *cfg, rate_kind kind, const char *sender)
{
	char *who = addr_canonical(sender != NULL ? sender : "");
	const char *at = strrchr(who, '@');
	const char *const keys[3] = { who, at != NULL ? at + 1 : "", "" };
	gint64 now = desk_now();
	gboolean ok = TRUE;
	int over = -1;

	if (cfg->rate[kind * 3].count == 0 && cfg->rate[kind * 3 + 1].count == 0 && cfg->rate[kind * 3 + 2].count == 0) {
		g_free(who);
		return -1;  /* no limits: no table */
	}
	g_mutex_lock(&rl->lock);
	if (!rl_open(rl)) {
		g_mutex_unlock(&rl->lock);
		g_free(who);
		return -1;
	}
	ok = sqlite3_exec(rl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
	if (ok)
		over = over_limit(rl, cfg, kind, keys, now, &ok);
	if (ok && over < 0)
		ok = count_one(rl, cfg, kind, keys, now);
	if (ok)
		ok = purge(rl, cfg, now);
	if (ok)
		ok = sqlite3_exec(rl->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
	if (!ok) {
		desk_log(LOG_ERR, "rate limits not counted: %s: %s", rl->path, sqlite3_errmsg(rl->db));
		sqlite3_exec(rl->db, "ROLLBACK", NULL, NULL, NULL);
		over = -1;
	}
	g_mutex_unlock(&rl->lock);
	g_free(who);
	return over;
}
