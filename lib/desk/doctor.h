/* doctor.h: desk doctor's checks of an installation (desk-doctor(1)): one
 * function per check, each giving a verdict, what it found or what is
 * wrong, and the command that fixes it. */
#ifndef DESK_DOCTOR_H
#define DESK_DOCTOR_H

#include <sys/stat.h>
#include <glib.h>
#include "config.h"
#include "err.h"

typedef enum {
	DOCTOR_OK,      /* all is well */
	DOCTOR_FAIL,    /* something is wrong: see fix */
	DOCTOR_UNKNOWN, /* cannot tell (no Postfix, a map we cannot read, ...) */
} doctor_verdict;

/* One line of the report. */
typedef struct doctor_line {
	const char *check;      /* the check's name, static: "store", "secret", ... */
	doctor_verdict verdict;
	char *detail;           /* what was found, or what is wrong; owned */
	char *fix;              /* DOCTOR_FAIL: what to run; owned, may be NULL */
} doctor_line;
void doctor_line_free(doctor_line *l);

/* What desk doctor looks at (desk doctor's options). */
typedef struct doctor_opts {
	const char *store;      /* the store directory */
	const char *socket;     /* the milter's socket; NULL: milter.socket */
	const char *postconf;   /* Postfix's postconf; NULL: "postconf" in $PATH */
	const char *config_dir; /* postconf -c DIR; NULL: Postfix's own */
	int stale_seconds;      /* a file in mail/new older than this: not indexed */
	int timeout_ms;         /* for the milter's answer */
} doctor_opts;

/* What the checks share: read once by doctor_open. */
typedef struct doctor_ctx {
	const doctor_opts *o;
	char *dir;              /* the store, absolute */
	char *maildir;          /* STORE/mail */
	gboolean have_top;      /* top is the stat of dir */
	struct stat top;
	desk_config *cfg;       /* NULL when maildesk.conf (or var/agents) does not load */
	char *cfg_error;        /* then why */
	char *socket;           /* the milter's socket spec */
	GHashTable *pf;         /* Postfix parameter -> value (postconf -x); NULL: none */
	char *pf_error;         /* then why */
} doctor_ctx;

/* Read what the checks share (never fails: each check says what is
 * missing). Free with doctor_close. */
doctor_ctx *doctor_open(const doctor_opts *o);
void doctor_close(doctor_ctx *c);

/* The checks, in the order desk doctor runs them. Each returns a new line
 * (caller frees with doctor_line_free). */
doctor_line *doctor_store(doctor_ctx *c);          /* "store": modes, owners, group */
doctor_line *doctor_secret(doctor_ctx *c);         /* "secret": 0640 or 0600, the owner's */
doctor_line *doctor_config(doctor_ctx *c);         /* "config": maildesk.conf and var/agents load */
doctor_line *doctor_socket(doctor_ctx *c);         /* "socket": exists, 0660, the MTA can connect */
doctor_line *doctor_milter(doctor_ctx *c);         /* "milter": answers option negotiation */
doctor_line *doctor_pf_milters(doctor_ctx *c);     /* "smtpd_milters": names the socket */
doctor_line *doctor_pf_default(doctor_ctx *c);     /* "milter_default_action": tempfail */
doctor_line *doctor_pf_delimiter(doctor_ctx *c);   /* "recipient_delimiter": has + */
doctor_line *doctor_pf_delivery(doctor_ctx *c);    /* "delivery": the addresses reach the store */
doctor_line *doctor_index(doctor_ctx *c);          /* "index": opens, mail/new caught up */
doctor_line *doctor_kb_hooks(doctor_ctx *c);       /* "kb-hooks": as desk kb hooks writes them */

/* Helpers of the checks (lib/doctor*.c). */
doctor_line *doctor_ok(const char *check, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
doctor_line *doctor_unknown(const char *check, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* FIX (may be NULL) is a printf-free string, copied. */
doctor_line *doctor_fail(const char *check, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Postfix's parameter NAME as postconf -x gave it, or NULL. */
const char *doctor_pf(doctor_ctx *c, const char *name);
/* The words of a Postfix list V: separated by spaces and commas, braces
 * of grouped settings dropped. g_strfreev(). */
char **doctor_pf_words(const char *v);
/* Run postconf or postmap (PROG, "postconf" or "postmap", found next to
 * --postconf) with -c DIR when given and ARGS. *out gets stdout (caller
 * g_free()s); returns the exit status, or -1 when it could not run (then
 * *out is why). */
int doctor_postfix_run(doctor_ctx *c, const char *prog, const char *const *args, char **out);

/* Talk to the milter at SPEC (unix:PATH, inet:PORT@HOST): negotiate
 * options as an MTA does (SMFIC_OPTNEG), read its answer within
 * TIMEOUT_MS, and say goodbye (SMFIC_QUIT). *version gets the milter
 * protocol version it answered. */
desk_status doctor_milter_negotiate(const char *spec, int timeout_ms, guint32 *version, desk_err *err);

#endif
