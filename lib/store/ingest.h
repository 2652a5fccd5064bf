/* ingest.h: store messages handed to us (desk ingest, imports): spool,
 * decide, deliver durably, index. */
#ifndef DESK_INGEST_H
#define DESK_INGEST_H

#include "index.h"
#include "store.h"
#include "thread.h"

typedef struct desk_ingest desk_ingest;

typedef struct ingest_result {
	thread_decision decision;
	char *path;             /* where it was stored (in new/); caller g_free()s */
	gboolean blocked;       /* not stored: the sender is blocked (desk spam --block) */
} ingest_result;

desk_ingest *ingest_new(desk_store *st);
/* Flushes (indexes) what is still pending, then frees. */
void ingest_free(desk_ingest *ing);

/* Spool the message on FD, take the store lock (kept until ingest_flush),
 * decide its ticket and deliver it into mail/new, fsynced. RCPT is the
 * envelope recipient, ENVFROM the envelope sender ("" for <>), both may be
 * NULL. DESK_TEMPFAIL / DESK_BUSY: nothing was stored, unless res->path
 * is set: the file is in mail/new, but mail/new could not be synced (a
 * retry of the same message is then a duplicate: indexed once, one
 * ticket); caller g_free()s res->path in any case. DESK_OK with
 * res->blocked: dropped, as the milter would have refused it (the envelope
 * sender or From is on the block list, blocklist.h). */
desk_status ingest_one(desk_ingest *ing, int fd, const char *rcpt, const char *envfrom,
		       ingest_result *res, desk_err *err);

/* Index what was delivered and release the lock. *res (optional) gets
 * the counts. A failure here loses nothing: the mail is in mail/new. */
desk_status ingest_flush(desk_ingest *ing, index_result *res, desk_err *err);

#endif
