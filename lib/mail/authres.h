/* authres.h: Authentication-Results header fields (RFC 8601) read, and
 * what they say about a message's From address (DMARC alignment).
 *
 * Only the results of the MTA's own authenticators (OpenDKIM, OpenDMARC,
 * an SPF policy service) mean anything: which header fields those are is
 * the caller's to say (lib/store/sender.h); this file parses and judges. */
#ifndef DESK_AUTHRES_H
#define DESK_AUTHRES_H

#include <glib.h>

#define AUTHRES_MAX_VALUE 8192  /* longer header values are not read */
#define AUTHRES_MAX_RESULTS 32  /* resinfo read per header field */
#define AUTHRES_MAX_TOKEN 255   /* longer ids, methods, results, values are cut */

/* One resinfo: "method=result reason=... ptype.property=value ...", with
 * the properties the desk looks at (NULL when absent; the first of each). */
typedef struct authres_result {
	char *method;        /* lower case, without a /version: "dmarc", "dkim", "spf" */
	char *result;        /* lower case: "pass", "fail", "none", ... */
	char *header_from;   /* header.from, lower case */
	char *header_d;      /* header.d, lower case */
	char *header_i;      /* header.i, lower case */
	char *smtp_mailfrom; /* smtp.mailfrom, lower case */
} authres_result;

void authres_result_free(authres_result *r);

/* Parse VALUE, one Authentication-Results field body. *id (may be NULL)
 * gets its authserv-id in lower case (caller g_free()s); each resinfo is
 * added to RESULTS (may be NULL; owns authres_result*, at most
 * AUTHRES_MAX_RESULTS). Comments, quoted strings, folding and a version
 * are understood; a resinfo that does not parse is skipped up to the next
 * ';'. FALSE (and *id NULL) when there is no authserv-id (e.g. a field
 * that starts with "spf=pass") or VALUE is longer than AUTHRES_MAX_VALUE. */
gboolean authres_parse(const char *value, char **id, GPtrArray *results);

/* Whether VALUE's authserv-id is ID (case-insensitive). */
gboolean authres_id_is(const char *value, const char *id);

typedef enum {
	AUTHRES_NONE = 0,  /* nothing says who sent it */
	AUTHRES_PASS,      /* the From domain is authenticated (aligned) */
	AUTHRES_FAIL,      /* DMARC fails for the From domain */
} authres_verdict;

/* What the header field bodies VALUES (char*, all trusted: the caller
 * chose them) say about FROM (an addr-spec; NULL: no sender):
 *   fail: a dmarc=fail for FROM's domain (header.from equal or absent):
 *         a fail outweighs every pass;
 *   pass: else a dmarc=pass for it; else a dkim=pass whose header.d (or
 *         header.i's domain) is aligned with it; else an spf=pass whose
 *         smtp.mailfrom domain is aligned with it;
 *   none: anything else.
 * *how (may be NULL) gets one line for people, e.g. "dmarc=pass
 * header.from=example.com", "dkim=pass header.d=example.com", "not
 * authenticated (dmarc=none)"; caller g_free()s. */
authres_verdict authres_judge(const GPtrArray *values, const char *from, char **how);

/* The organizational domain of DOMAIN (RFC 7489 3.2: the public suffix
 * plus one label, from the Public Suffix List through libpsl; without a
 * list, the last two labels). Lower case; caller g_free()s. */
char *authres_org_domain(const char *domain);

/* DMARC's relaxed alignment: A and B (domains) have the same
 * organizational domain. */
gboolean authres_aligned(const char *a, const char *b);

#endif
