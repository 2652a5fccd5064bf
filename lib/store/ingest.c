/* ingest.c: one message, or many, from a file descriptor into the store. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "blocklist.h"
#include "ingest.h"
#include "log.h"
#include "ratelimit.h"
#include "rules.h"
#include "scan.h"

struct desk_ingest {
	desk_store *st;
	desk_lookup *lk;  /* index reads, plus what we delivered but not indexed */
	desk_blocklist *blocked;
	int lockfd;
};

desk_ingest *
ingest_new(desk_store *st)
{
	desk_ingest *ing = g_new0(desk_ingest, 1);

	ing->st = st;
	ing->lockfd = -1;
	ing->blocked = blocklist_new(st);
	return ing;
}

void
ingest_free(desk_ingest *ing)
{
	desk_err err = { 0 };

	if (ing == NULL)
		return;
	if (ing->lockfd >= 0 && ingest_flush(ing, NULL, &err) != DESK_OK)
		desk_log(LOG_WARNING, "indexing later: %s", err.msg);
	lookup_free(ing->lk);
	blocklist_free(ing->blocked);
	g_free(ing);
}

/* Copy FD into an unlinked file of mail/tmp while scanning it. */
static desk_status
spool(desk_ingest *ing, int fd, int *tmpfd, scanned *sc, desk_err *err)
{
	char *dir = g_build_filename(ing->st->maildir, "tmp", NULL);
	int t = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0660);
	desk_status s;

	g_free(dir);
	if (t < 0)
		return desk_fail(err, DESK_TEMPFAIL, "cannot spool in %s/tmp: %s", ing->st->maildir, g_strerror(errno));
	s = scan_fd(ing->st, fd, t, sc, err);
	if (s != DESK_OK) {
		close(t);
		return s;
	}
	*tmpfd = t;
	return DESK_OK;
}

/* Take the lock and catch up with mail/new, so decisions see all mail. */
static desk_status
lock(desk_ingest *ing, desk_err *err)
{
	index_result r;
	desk_err ierr = { 0 };
	desk_status s;

	if (ing->lockfd >= 0)
		return DESK_OK;
	s = store_lock(ing->st, ing->st->cfg->lock_timeout * 1000, &ing->lockfd, err);
	if (s != DESK_OK)
		return s;
	if (index_pending_locked(ing->st, NULL, G_MAXUINT, &r, &ierr) != DESK_OK)
		desk_log(LOG_WARNING, "cannot index mail/new now: %s", ierr.msg);
	index_result_clear(&r);
	if (ing->lk == NULL)
		ing->lk = lookup_new(ing->st);
	else
		lookup_indexed(ing->lk, NULL);
	return DESK_OK;
}

/* The header block we write on top: our decision, and a Message-ID when
 * the message has none. Caller g_free()s. */
static char *
prefix_of(desk_ingest *ing, const scanned *sc, const thread_decision *d)
{
	char *h = thread_headers(ing->st, d, sc->facts->message_id, sc->sealhash, NULL), *p;

	if (h == NULL)
		return NULL;
	/* an empty message gets the blank line that ends our headers */
	p = g_strdup_printf("%s%s%s%s%s%s", h, scan_extra_header(sc), sc->derived_id ? "Message-ID: <" : "",
			    sc->derived_id ? sc->facts->message_id : "", sc->derived_id ? ">\n" : "",
			    sc->size == 0 ? "\n" : "");
	g_free(h);
	return p;
}

/* The setting of rate limit NAME, for the error. */
static const char *
ingest_rate_spec(desk_store *st, const char *name)
{
	for (int i = 0; i < RATE_N; i++)
		if (strcmp(ratelimit_name(i), name) == 0)
			return st->cfg->rate_spec[i];
	return "?";
}

/* The decision recorded in a sealed header block. */
static void
set_from_seal(thread_decision *d, const msg_facts *f)
{
	g_strlcpy(d->match, f->x_match, sizeof d->match);
	g_strlcpy(d->reason, f->x_match, sizeof d->reason);
	g_strdelimit(d->reason, ";", '\0');
	g_strlcpy(d->queue, f->x_queue, sizeof d->queue);
	d->held = strstr(f->x_match, "held") != NULL;
	if (f->x_rule != NULL)
		g_strlcpy(d->rule, f->x_rule, sizeof d->rule);
}

desk_status
ingest_one(desk_ingest *ing, int fd, const char *rcpt, const char *envfrom, ingest_result *res,
	   desk_err *err)
{
	scanned sc = { 0 };
	char *prefix = NULL;
	int tmpfd = -1;
	desk_status s;

	memset(res, 0, sizeof *res);
	if ((s = store_check_space(ing->st, 0, err)) != DESK_OK)
		return s;
	if ((s = spool(ing, fd, &tmpfd, &sc, err)) != DESK_OK)
		goto out;
	if (envfrom != NULL && (*envfrom == '\0' || strcmp(envfrom, "<>") == 0))
		sc.facts->null_sender = TRUE;
	facts_finish(sc.facts);
	if (blocklist_has(ing->blocked, envfrom) || blocklist_has(ing->blocked, sc.facts->from)) {
		desk_log(LOG_NOTICE, "message-id=<%s>: sender is blocked (desk spam --block): dropped",
			 sc.facts->message_id);
		res->blocked = TRUE;
		goto out;
	}
	if ((s = store_check_space(ing->st, sc.size, err)) != DESK_OK || (s = lock(ing, err)) != DESK_OK)
		goto out;
	if (thread_sealed(ing->st, sc.facts, sc.derived_id ? NULL : sc.facts->message_id, sc.sealhash,
			  &res->decision.ticket)) {
		/* the milter decided already (a pipe to desk ingest behind it);
		 * the indexer adds what the file still needs (lib/store/index.c) */
		set_from_seal(&res->decision, sc.facts);
		prefix = g_strdup(sc.size == 0 ? "\n" : "");
	} else {
		s = thread_decide(ing->st, ing->lk, sc.facts, rcpt, sc.bounced, 0, &res->decision, err);
		if (s != DESK_OK)
			goto out;
		if (res->decision.limit != NULL) {
			/* a new ticket over a rate limit ([sender] rate_new_*): try later */
			s = desk_fail(err, DESK_TEMPFAIL, "too many new tickets: %s (%s) reached by %s",
				      res->decision.limit, ingest_rate_spec(ing->st, res->decision.limit),
				      sc.facts->from != NULL ? sc.facts->from : "(no From)");
			goto out;
		}
		if (rules_decide(ing->st, tmpfd, sc.facts, rcpt, &res->decision) && *res->decision.refuse != '\0') {
			/* a routing rule refuses it (lib/store/rules.h): desk ingest exits 65 */
			s = desk_fail(err, DESK_DATAERR, "refused by rule %s: %s", res->decision.rule,
				      res->decision.refuse);
			goto out;
		}
		if (res->decision.bad_token)
			desk_log(LOG_NOTICE, "message-id=<%s>: bad token in recipient %s, ignored",
				 sc.facts->message_id, rcpt);
		if ((prefix = prefix_of(ing, &sc, &res->decision)) == NULL) {
			s = desk_fail(err, DESK_SOFTWARE, "ticket %u: cannot seal the decision",
				      res->decision.ticket);
			goto out;
		}
	}
	if ((s = store_deliver(ing->st, prefix, tmpfd, &res->path, err)) == DESK_OK)
		lookup_remember(ing->lk, sc.facts->message_id, res->decision.ticket,
				thread_participant(ing->st, &res->decision, sc.facts));
out:
	if (tmpfd >= 0)
		close(tmpfd);
	scanned_clear(&sc);
	g_free(prefix);
	return s;
}

desk_status
ingest_flush(desk_ingest *ing, index_result *res, desk_err *err)
{
	index_result r;
	desk_status s = DESK_OK;

	if (ing->lockfd < 0) {
		if (res != NULL)
			memset(res, 0, sizeof *res);
		return DESK_OK;
	}
	s = index_pending_locked(ing->st, ing->lk, G_MAXUINT, &r, err);
	store_unlock(ing->lockfd);
	ing->lockfd = -1;
	if (res != NULL)
		*res = r;
	else
		index_result_clear(&r);
	return s;
}
