/* sender.h: who the sender is, as the desk's policy needs it ([sender] in
 * maildesk.conf): which Authentication-Results count, what they say about
 * the From, and what follows for threading and acknowledgements. One
 * place, used by the milter, desk ingest, the indexer, acks and desk show. */
#ifndef DESK_SENDER_H
#define DESK_SENDER_H

#include "authres.h"
#include "config.h"
#include "facts.h"

/* Whether an Authentication-Results header with body VALUE counts: an
 * authserv_id is configured, VALUE has it, and the header stands above
 * the first Received header of the message (ABOVE_RECEIVED), unless
 * authserv_scrubbed says the MTA removed every incoming one (RFC 8601
 * section 5). Every other one is ignored (and removed by the milter). */
gboolean sender_authres_counts(const desk_config *cfg, const char *value, gboolean above_received);

/* The verdict on F's From from the Authentication-Results of F that
 * count (authres_judge); AUTHRES_NONE when none are read. *how (may be
 * NULL) gets one line for people ("dmarc=pass header.from=example.com",
 * "not authenticated"); caller g_free()s. */
authres_verdict sender_verdict(const desk_config *cfg, const msg_facts *f, char **how);

/* The same for the stored message file PATH (its headers are read), e.g.
 * for desk show: the trusted results stay in the stored copy. FALSE when
 * PATH cannot be read. */
gboolean sender_verdict_file(const desk_config *cfg, const char *path, authres_verdict *v, char **how);

/* Why a match by In-Reply-To, References or subject tag with verdict V is
 * held under require_aligned_sender ("sender failed DMARC", "sender not
 * authenticated"), or NULL when it is not. */
const char *sender_hold(const desk_config *cfg, authres_verdict v);

/* Why a sender with verdict V gets no acknowledgement under ack_senders,
 * or NULL when it may get one. */
const char *sender_no_ack(const desk_config *cfg, authres_verdict v);

/* Check the [sender] keys of CFG and parse its rate limits into cfg->rate
 * (store_open and store_reload call it after config_load, which knows
 * nothing of the layers above). DESK_CONFIG with the key that is wrong. */
desk_status sender_config_check(desk_config *cfg, desk_err *err);

#endif
