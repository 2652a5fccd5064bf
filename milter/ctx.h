/* ctx.h: what the milter keeps per connection and per message (behind
 * smfi_setpriv, never in globals: callbacks hop between threads). */
#ifndef DESK_MILTER_CTX_H
#define DESK_MILTER_CTX_H

#include <glib.h>
#include "chash.h"
#include "facts.h"

#define BOUNCE_BODY_MAX (256 * 1024)

typedef struct msg_ctx {
	msg_facts *facts;
	GPtrArray *rcpts;       /* desk recipients, as given */
	char *raw_subject;      /* for the subject tag */
	char *envfrom;          /* envelope sender without <>, "" for <> */
	GString *bounce;        /* start of a bounce's body, or NULL */
	char *sasl;             /* the MTA's {auth_authen}, or NULL */
	chash *seal;            /* the digest our seal binds to (lib/store/seal.h) */
	char *digest;           /* its result, at the end of the message */
	GHashTable *ours;       /* X-Desk-* header name (lower case) -> how many came */
	guint authres_n;        /* Authentication-Results headers seen */
	GArray *authres_drop;   /* the indexes (from 1) of those that do not count (lib/store/sender.h) */
	/* the message as the routing rules read it (lib/store/rules.h), kept
	 * only when a rule needs more than header facts, RULES_MAX_MESSAGE at most */
	int raw_fd;             /* a memfd, or -1 */
	gboolean raw_checked;   /* whether the rules were asked */
	gsize raw_len;
} msg_ctx;

typedef struct conn_ctx {
	unsigned long proto;    /* protocol steps the MTA agreed to */
	char *client_addr;      /* the SMTP client's IP address, or NULL */
	msg_ctx *msg;
} conn_ctx;

conn_ctx *conn_new(unsigned long proto);
void conn_free(conn_ctx *c);
/* Start a message (dropping any previous one). */
msg_ctx *conn_begin_message(conn_ctx *c);
void conn_end_message(conn_ctx *c);
/* Keep LEN bytes of the message for the rules (raw_fd), up to LIMIT in all. */
void msg_keep(msg_ctx *m, const char *bytes, gsize len, gsize limit);
/* Finish M's digest into m->digest (once all of the body has come). */
void msg_digest_finish(msg_ctx *m);

#endif
