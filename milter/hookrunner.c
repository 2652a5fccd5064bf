/* hookrunner.c: the milter's thread that runs event hooks from the journal.
 * A thread, not a process of its own: it shares the milter's store and
 * configuration, needs no program path, and only ever waits for a hook's
 * child process (lib/desk/hookrun.c), with its timeout; SMTP callbacks and
 * the indexer never wait for it. It wakes when the indexer recorded runs,
 * and every POLL_S seconds for retries and for runs desk verbs of other
 * users recorded. */
#include "hookrunner.h"
#include "hooks.h"
#include "log.h"

/* Seconds between looks at the journal when nobody wakes the thread. */
#define POLL_S 2

static struct {
	desk_store *st;
	GRWLock *cfg_lock;
	GThread *thread;
	GMutex mu;
	GCond cond;
	gboolean stop, kicked;
} hr;

static void
run_due(void)
{
	hooks_limits lim;
	hooks_result res = { 0 };
	desk_err err = { 0 };

	g_rw_lock_reader_lock(hr.cfg_lock);
	hooks_limits_of(hr.st->cfg, &lim);
	g_rw_lock_reader_unlock(hr.cfg_lock);
	if (!hooks_due(hr.st->dir))
		return;
	if (hooks_run(hr.st->dir, &lim, NULL, 0, &res, &err) != DESK_OK && err.status != DESK_BUSY)
		desk_log(LOG_WARNING, "hooks: %s", err.msg);
	else if (res.ran > 0)
		desk_log(LOG_DEBUG, "hooks: %u run, %u ok, %u failed for good", res.ran, res.ok, res.failed);
}

static gpointer
loop(gpointer unused)
{
	(void)unused;
	for (;;) {
		gint64 until = g_get_monotonic_time() + POLL_S * G_USEC_PER_SEC;

		g_mutex_lock(&hr.mu);
		while (!hr.stop && !hr.kicked && g_cond_wait_until(&hr.cond, &hr.mu, until))
			;
		hr.kicked = FALSE;
		if (hr.stop) {
			g_mutex_unlock(&hr.mu);
			break;
		}
		g_mutex_unlock(&hr.mu);
		run_due();
	}
	return NULL;
}

void
hookrunner_start(desk_store *st, GRWLock *cfg_lock)
{
	char *why = NULL;

	if (!hooks_may_run(st->dir, &why)) {
		desk_log(LOG_INFO, "event hooks are not run by this milter: %s", why);
		g_free(why);
		return;
	}
	hr.st = st;
	hr.cfg_lock = cfg_lock;
	g_mutex_init(&hr.mu);
	g_cond_init(&hr.cond);
	hr.thread = g_thread_new("hooks", loop, NULL);
}

void
hookrunner_kick(void)
{
	if (hr.thread == NULL)
		return;
	g_mutex_lock(&hr.mu);
	hr.kicked = TRUE;
	g_cond_signal(&hr.cond);
	g_mutex_unlock(&hr.mu);
}

void
hookrunner_stop(void)
{
	if (hr.thread == NULL)
		return;
	g_mutex_lock(&hr.mu);
	hr.stop = TRUE;
	g_cond_signal(&hr.cond);
	g_mutex_unlock(&hr.mu);
	g_thread_join(hr.thread);
	hr.thread = NULL;
}
