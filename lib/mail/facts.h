/* facts.h: what threading and classification need from a message's headers. */
#ifndef DESK_FACTS_H
#define DESK_FACTS_H

#include <glib.h>

#define FACTS_MAX_REFS 50
#define FACTS_MAX_ID 250
#define FACTS_MAX_SET 8192
#define FACTS_MAX_AUTHRES 16    /* Authentication-Results headers kept */

/* An Authentication-Results header, and where it stood. */
typedef struct facts_authres {
	char *value;             /* its body, cut after AUTHRES_MAX_VALUE + 1 bytes */
	gboolean above_received; /* no Received header came before it */
} facts_authres;

/* Filled header by header (facts_header), from the milter's callbacks or
 * from rawmsg_scan; all strings owned by the struct, bounded in size. */
typedef struct msg_facts {
	char *message_id;       /* first valid id, without <>; NULL if none */
	gboolean bad_message_id;/* a Message-ID header was there but unusable */
	char *in_reply_to;      /* first valid id */
	GPtrArray *references;  /* valid ids, at most FACTS_MAX_REFS (the last ones) */
	char *subject;          /* decoded UTF-8 */
	gboolean subject_lossy; /* its 8-bit bytes are in no charset tried: replaced */
	char *from;             /* lower-case addr-spec of the From mailbox; NULL if none */
	char *from_name;        /* its display name, UTF-8, one line, may be NULL */
	gboolean from_bad;      /* From has no, several, or an unreadable mailbox */
	GPtrArray *recipients;  /* lower-case To and Cc addr-specs */
	char *content_type;     /* lower-case type/subtype */
	char *x_original_to;    /* first X-Original-To (where the MTA says it went) */
	char *return_path;      /* first Return-Path: the envelope sender ("" for <>) */
	char *date;             /* raw Date */
	/* classification */
	gboolean is_auto, is_bulk, is_bounce;
	gboolean null_sender;   /* envelope sender <> (Return-Path or the MTA) */
	gboolean resent;        /* a Resent-* header: resent or redirected (RFC 5322 3.6.6) */
	/* who the sender is (lib/store/sender.h judges them) */
	GPtrArray *authres;     /* Authentication-Results (facts_authres*), the first FACTS_MAX_AUTHRES */
	gboolean received;      /* a Received header was seen */
	/* our own header block: the X-Desk-* headers up to the first
	 * X-Desk-Seal (ours are on top; lib/store/seal.h says whether they are) */
	char *x_ticket, *x_match, *x_queue, *x_seal, *x_event, *x_set, *x_reused, *x_kb, *x_rule;
	gboolean x_bad;         /* a header of the block twice, or too long */
	guint headers;          /* how many headers */
	gboolean mail_like;     /* has From, To or Subject, as notmuch wants */
} msg_facts;

msg_facts *facts_new(void);
void facts_free(msg_facts *f);
void facts_header(msg_facts *f, const char *name, const char *value);

/* Conclusions drawn from all headers (call once, after the last). */
void facts_finish(msg_facts *f);

/* The next usable id in a header value of ids (In-Reply-To, References):
 * each read as notmuch reads it (comments skipped, the first <...>, blanks
 * inside taken out), the first that facts_id_usable takes. *end (may be
 * NULL) gets where the next one starts. Caller g_free()s; NULL if none. */
char *facts_parse_id(const char *value, const char **end);

/* The Message-ID of a message whose first Message-ID header is VALUE,
 * exactly as the index (notmuch) will see it: RFC 2047 decoded, the first
 * <...> or else the whole value; NULL when that is not usable (then the
 * desk gives the message an id of its own, on top, which both read). */
char *facts_message_id(const char *value);

/* Whether ID can be a Message-ID for the desk: 1 to FACTS_MAX_ID
 * printable ASCII characters, no blanks, brackets or parentheses, an '@'
 * with something on both sides. */
gboolean facts_id_usable(const char *id);

/* Header text to valid UTF-8, RFC 2047 decoded; raw 8-bit bytes as UTF-8,
 * else in the fallback charsets (charset.h). *lossy (may be NULL) says
 * whether none of them fits: those bytes are then U+FFFD. Caller
 * g_free()s. */
char *facts_decode_text(const char *value, gboolean *lossy);


#endif
