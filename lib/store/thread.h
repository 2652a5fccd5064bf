/* thread.h: which ticket a message belongs to (DESIGN.md "Threading"),
 * one decision for the milter, desk ingest and the indexer alike. */
#ifndef DESK_THREAD_H
#define DESK_THREAD_H

#include "blocklist.h"
#include "facts.h"
#include "lookup.h"
#include "store.h"

typedef struct thread_decision {
	guint ticket;
	gboolean is_new;        /* a new ticket number was taken */
	gboolean held;          /* joined, but changes nothing: not a participant */
	char reason[32];        /* token, in-reply-to, references, subject-tag, new, ... */
	char match[96];         /* the X-Desk-Match value: reason, and why held */
	char queue[64];         /* X-Desk-Queue */
	gboolean bad_token;     /* the recipient carried a token that did not verify */
	gboolean auth_held;     /* held by require_aligned_sender (lib/store/sender.h) */
	const char *limit;      /* a new ticket over this rate limit ("rate_new_sender"), or NULL */
	/* a new ticket's routing rules (lib/store/rules.h): sealed on the stored copy */
	char rule[200];         /* X-Desk-Rule: the rules that matched, "" for none */
	char route[1024];       /* X-Desk-Set: what they set (encoded), "" for nothing */
	char refuse[256];       /* "5.X.Y text" when a rule refuses the mail */
} thread_decision;

/* thread_decide's FLAGS: the message's Message-ID is stored already with
 * other content: it is decided as if it had none (the indexer gives it
 * an id of its own). */
#define THREAD_ID_TAKEN 1u
/* A new ticket over a rate limit ([sender] rate_new_*, lib/store/ratelimit.h)
 * is stored held (the indexer: the mail is in the store already); without
 * this flag no ticket is taken (d->ticket 0, d->limit says which limit)
 * and the caller refuses the mail for now (the milter 451, desk ingest 75). */
#define THREAD_HOLD_OVER_LIMIT 2u

/* Decide the ticket of a message with facts F, sent to RCPT (the desk
 * address from the envelope, may be NULL: then X-Original-To or To/Cc).
 * BOUNCED is the ticket named inside a bounce (thread_bounced), or 0.
 * Takes a new ticket number from the store when nothing matches, and
 * counts it against the rate limits (not for imports, st->no_followup).
 * A match by In-Reply-To, References or subject tag is held when its
 * sender is no participant, or when require_aligned_sender says so.
 * DESK_TEMPFAIL (with the cause) when the store can't answer. */
desk_status thread_decide(desk_store *st, desk_lookup *lk, const msg_facts *f, const char *rcpt,
			  guint bounced, guint flags, thread_decision *d, desk_err *err);

/* Mail of a sender on the block list (desk spam --block) that reaches the
 * store on a path that cannot refuse it (found in mail/new): held, the
 * reason in D's match. The milter refuses it at SMTP time and desk ingest
 * drops it instead (no backscatter). TRUE when it is blocked. */
gboolean thread_hold_blocked(desk_blocklist *bl, const char *envfrom, const msg_facts *f, thread_decision *d);

/* The sender who becomes a participant of D's ticket by this message (the
 * requester of a new ticket, a sender with a valid token), or NULL. */
const char *thread_participant(desk_store *st, const thread_decision *d, const msg_facts *f);

/* The ticket of a Message-ID of ours found in BUF (the returned headers
 * inside a bounce), 0 if none. */
guint thread_bounced(GBytes *secret, const char *buf, gsize len);

/* Parse a subject tag ("[#42]" for format "[#%n]") in SUBJECT; 0 if none. */
guint thread_subject_tag(const char *format, const char *subject);

/* SUBJECT without any subject tag of FORMAT (whatever its ticket), blanks
 * around them squeezed, and "Re: Re: " at its start as one "Re: ": what
 * the desk's own tag goes in front of ("" for a "Re:" of nothing).
 * Caller g_free()s. */
char *thread_subject_untagged(const char *format, const char *subject);

/* Whether F's X-Desk-* block is ours and for this very message: its seal
 * verifies over the block and MESSAGE_ID (the message's usable id, NULL
 * when it has none) and DIGEST (its chash_new_seal). Sets *ticket. */
gboolean thread_sealed(desk_store *st, const msg_facts *f, const char *message_id, const char *digest,
		       guint *ticket);

/* The block we put on top of a stored message for decision D, sealed to
 * it (MESSAGE_ID: the id it will have, NULL: none usable; DIGEST: its
 * chash_new_seal; REUSED: the id it came with that another message has,
 * or NULL): X-Desk-Ticket, -Match, -Queue[, -Set, -Rule of D's route]
 * [, -Reused-Message-ID], -Seal.
 * Caller g_free()s. */
char *thread_headers(desk_store *st, const thread_decision *d, const char *message_id, const char *digest,
		     const char *reused);

#endif
