/* facts.h: what threading and classification need from a message's headers. */
#ifndef DESK_FACTS_H
#define DESK_FACTS_H

#include <glib.h>

#define FACTS_MAX_REFS 50
#define FACTS_MAX_ID 250

/* Filled header by header (facts_header), from the milter's callbacks or
 * from rawmsg_scan; all strings owned by the struct, bounded in size. */
typedef struct msg_facts {
	char *message_id;       /* first valid id, without <>; NULL if none */
	gboolean bad_message_id;/* a Message-ID header was there but unusable */
	char *in_reply_to;      /* first valid id */
	GPtrArray *references;  /* valid ids, at most FACTS_MAX_REFS (the last ones) */
	char *subject;          /* decoded UTF-8 */
	gboolean subject_lossy; /* its 8-bit bytes are in no charset tried: replaced */
	char *from;             /* lower-case addr-spec of the first From mailbox */
	char *from_name;        /* display name, UTF-8, may be NULL */
	GPtrArray *recipients;  /* lower-case To and Cc addr-specs */
	char *content_type;     /* lower-case type/subtype */
	char *x_original_to;    /* first X-Original-To (where the MTA says it went) */
	char *date;             /* raw Date */
	/* classification */
	gboolean is_auto, is_bulk, is_bounce;
	gboolean null_sender;   /* envelope sender <> (Return-Path or the MTA) */
	/* our own headers, first occurrence only (ours are on top) */
	char *x_ticket, *x_match, *x_queue, *x_seal, *x_event, *x_set, *x_reused;
	guint headers;          /* how many headers */
	gboolean mail_like;     /* has From, To or Subject, as notmuch wants */
} msg_facts;

msg_facts *facts_new(void);
void facts_free(msg_facts *f);
void facts_header(msg_facts *f, const char *name, const char *value);

/* Conclusions drawn from all headers (call once, after the last). */
void facts_finish(msg_facts *f);

/* A usable Message-ID from a header value: the first <local@domain> with
 * no white space, at most FACTS_MAX_ID long. Caller g_free()s; NULL if none. */
char *facts_parse_id(const char *value, const char **end);

/* Header text to valid UTF-8, RFC 2047 decoded; raw 8-bit bytes as UTF-8,
 * else in the fallback charsets (charset.h). *lossy (may be NULL) says
 * whether none of them fits: those bytes are then U+FFFD. Caller
 * g_free()s. */
char *facts_decode_text(const char *value, gboolean *lossy);

#endif
