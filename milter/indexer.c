/* indexer.c: the single notmuch writer of the milter, in short batches. */
#include "index.h"
#include "followup.h"
#include "hookrunner.h"
#include "indexer.h"
#include "log.h"
#include "memory.h"

static struct {
	desk_store *st;
	desk_lookup *lk;
	GRWLock *cfg_lock;
	GThread *thread;
	GMutex mu;
	GCond cond;
	GRecMutex writing;   /* st->writing: held while a batch writes */
	gboolean stop;
	gint64 last_complaint;
} ix;

/* One batch; returns whether more is waiting right now. */
static gboolean
batch(void)
{
	index_result r;
	desk_err err = { 0 };
	desk_status s;
	gint64 now;

	g_rw_lock_reader_lock(ix.cfg_lock);
	g_rec_mutex_lock(&ix.writing);
	s = index_pending(ix.st, ix.lk, ix.st->cfg->index_batch, 1000, &r, &err);
	if (r.indexed + r.duplicates > 0)
		desk_log(LOG_DEBUG, "indexed %u, %u duplicates dropped, %u rewritten, %u waiting", r.indexed,
			 r.duplicates, r.rewritten, r.left);
	/* the follow-up reads the agents of the configuration: not while
	 * reloading; one that failed (its lock was busy) is tried again */
	if (s == DESK_OK && ix.st->followup_owed && (s = followup_run(ix.st, NULL, &err)) != DESK_OK)
		desk_log(LOG_WARNING, "follow-up of new mail: %s", err.msg);
	g_rec_mutex_unlock(&ix.writing);
	if (ix.st->hooks_owed) {
		ix.st->hooks_owed = FALSE;
		hookrunner_kick();  /* never waits for a hook */
	}
	g_rw_lock_reader_unlock(ix.cfg_lock);
	if (r.indexed > 0)
		memory_give_back();
	index_result_clear(&r);
	if (s == DESK_OK)
		return r.left > 0;
	now = g_get_monotonic_time();
	if (now - ix.last_complaint > 60 * G_USEC_PER_SEC) {
		desk_log(LOG_WARNING, "indexer: %s (mail stays in mail/new, retrying)", err.msg);
		ix.last_complaint = now;
	}
	return FALSE;
}

static gpointer
run(gpointer unused)
{
	(void)unused;
	for (;;) {
		gboolean more = batch();
		gint64 until;

		g_mutex_lock(&ix.mu);
		if (ix.stop) {
			g_mutex_unlock(&ix.mu);
			break;
		}
		until = g_get_monotonic_time() + (more ? 0 : ix.st->cfg->index_interval_ms * 1000);
		while (!ix.stop && g_get_monotonic_time() < until)
			g_cond_wait_until(&ix.cond, &ix.mu, until);
		g_mutex_unlock(&ix.mu);
	}
	batch();
	return NULL;
}

void
indexer_start(desk_store *st, desk_lookup *lk, GRWLock *cfg_lock)
{
	ix.st = st;
	ix.lk = lk;
	ix.cfg_lock = cfg_lock;
	g_mutex_init(&ix.mu);
	g_cond_init(&ix.cond);
	g_rec_mutex_init(&ix.writing);
	st->writing = &ix.writing;
	ix.thread = g_thread_new("indexer", run, NULL);
}

void
indexer_stop(void)
{
	g_mutex_lock(&ix.mu);
	ix.stop = TRUE;
	g_cond_signal(&ix.cond);
	g_mutex_unlock(&ix.mu);
	g_thread_join(ix.thread);
	ix.st->writing = NULL;
	g_rec_mutex_clear(&ix.writing);
}
