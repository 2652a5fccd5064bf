/* config.h: maildesk.conf, every key declared once in config.c's table. */
#ifndef DESK_CONFIG_H
#define DESK_CONFIG_H

#include <glib.h>
#include "err.h"

typedef struct desk_address {
	char *address;  /* lower case, "support@helpdesk.test" */
	char *queue;    /* "support" */
} desk_address;

/* A rate limit: at most COUNT in SECONDS; COUNT 0: no limit. */
typedef struct desk_rate {
	guint count, seconds;
} desk_rate;

/* The rate limits of [sender] (lib/store/ratelimit.h), in this order. */
enum { RATE_NEW_SENDER, RATE_NEW_DOMAIN, RATE_NEW_TOTAL, RATE_ACK_SENDER, RATE_ACK_DOMAIN, RATE_ACK_TOTAL,
       RATE_N };

typedef struct desk_config {
	GPtrArray *addresses;     /* of desk_address*, the desk's own */
	char *domain;             /* domain of our Message-IDs */
	char *subject_tag;        /* "[#%n]" */
	gboolean subject_tag_add; /* milter adds the tag to new tickets */
	int lock_timeout;         /* seconds a writer waits for the store */
	int min_free_mb;          /* below this free space, refuse with 4xx */
	char *fallback_charsets;  /* tried after UTF-8 for unlabelled or mislabelled text */
	char *milter_socket;      /* unix:PATH or inet:PORT@HOST */
	char *milter_socket_group; /* group of the unix socket; "": the store's */
	int pending_ttl;          /* seconds the milter remembers its decisions */
	int index_batch;          /* files per indexer transaction */
	int index_interval_ms;    /* how often the indexer looks at new/ */
	char *sendmail;           /* outbound mail command (argv, no shell) */
	int sendmail_timeout;     /* seconds it may take; 0: no limit */
	int autoclose_hours;      /* solved becomes closed after this long */
	gboolean ack;             /* acknowledge new tickets */
	char *timezone;           /* the desk's time zone (rules' hours); "": the system's */
	char *report_to;          /* where desk report --weekly/--monthly mails; "": printed */
	int ack_window_hours;     /* at most one acknowledgement per sender per window */
	gboolean notify_agents;   /* mail agents about their tickets (lib/desk/notify.c, desk comment) */
	gboolean survey_enabled;  /* [survey]: satisfaction surveys of solved tickets */
	char *survey_kind;        /* csat, nps or ces */
	int survey_delay_hours;   /* after the solve */
	char *survey_template;    /* "": the kind's */
	char *trusted_networks;   /* client networks whose mail is from agents */
	GPtrArray *agents;        /* of desk_agent*, the [agent LOGIN] groups */
	GPtrArray *sla;           /* of sla_policy*, the [sla NAME] groups in file order */
	int hooks_timeout;        /* seconds an event hook may run (lib/desk/hooks.c) */
	int hooks_attempts;       /* runs of a failing hook before it is marked failed */
	int hooks_output_kb;      /* KiB of a hook's output logged */
	char *kb_path;            /* the KB repository, relative to the store */
	char *kb_ref;             /* the ref articles are read at */
	gboolean kb_ack;          /* suggestions in acknowledgements */
	char *kb_min_score;       /* lowest score of such a suggestion */
	char *kb_url;             /* URL pattern of an article (%s: slug), "" inline */
	char *command_problem;    /* NULL, or why the programs the file names must
				     not run ("desk.sendmail of PATH: PATH is
				     group-writable ...; fix: ...") */
	int kb_max_articles;      /* most files of articles/ per push and in the index */
	int kb_max_mb;            /* most MiB of articles per push, pack size, text indexed */
	int kb_index_max_mb;      /* largest size of the search index file */
	/* [triage]: suggestions from the desk's history (lib/store/triage.h) */
	char *triage_apply;       /* lowest confidence desk triage --apply applies, "0.9" */
	int triage_neighbours;    /* k of the nearest tickets that vote */
	int triage_half_life;     /* days after which a neighbour's vote counts half */
	int triage_min_history;   /* tickets people labelled before anything is suggested */
	char *triage_command;     /* the external model (argv, no shell), "": none */
	int triage_command_timeout; /* seconds it may take */
	int triage_duplicate_bits; /* fingerprints this close: a possible duplicate */
	char *triage_duplicate_likeness; /* text score share that makes one too, "0": off */
	int triage_incident_tickets; /* similar new tickets within incident_minutes: an incident */
	int triage_incident_minutes;
	/* [sender]: who the sender is (lib/store/sender.h), checked by sender_config_check */
	char *authserv_id;        /* the trusted Authentication-Results' authserv-id; "": none read */
	gboolean authserv_scrubbed; /* the MTA removes incoming A-R with that id: all of them count */
	char *require_aligned;    /* no, fail, yes: hold matches by headers or subject */
	char *ack_senders;        /* any, not-failed, aligned: who gets acknowledgements */
	char *rate_spec[RATE_N];  /* "N/DURATION" or "0", as written */
	desk_rate rate[RATE_N];   /* the same, parsed */
} desk_config;

/* Load PATH (missing keys take their defaults). Caller frees with
 * config_free. When a key naming a program to run (desk.sendmail) is set
 * and someone besides root or the store's owner could have written PATH,
 * cfg->command_problem says so (see trust.h). */
desk_status config_load(const char *path, desk_config **out, desk_err *err);
void config_free(desk_config *cfg);

/* DESK_CONFIG when one of ADDRESSES ("addr" or "addr=queue") is unusable. */
desk_status config_check_addresses(char **addresses, desk_err *err);

/* The default of key GROUP.NAME as the table declares it; NULL when there
 * is no such key. Not a copy. */
const char *config_default(const char *group, const char *name);

/* The default of key NAME of an [sla NAME] group; NULL when there is no
 * such key. Not a copy. */
const char *config_sla_default(const char *name);

/* The text of a maildesk.conf with every key commented at its default,
 * and the given addresses ("addr" or "addr=queue") set. Caller g_free()s. */
char *config_template(char **addresses);

/* Whether Q is a queue of the desk: of one of its addresses, or of an
 * agent ([agent] queues; the agents loaded). */
gboolean config_queue_known(const desk_config *cfg, const char *q);

/* The queue of a desk address, with or without a +extension; NULL when
 * ADDR is not one of the desk's. ADDR is compared as an address, not as
 * a string: angle brackets, a source route, quotes around the local part
 * and the case of the local part and domain do not matter. *ext (if not
 * NULL) gets the extension ("42-k7f3q") or NULL; caller g_free()s it. */
const char *config_queue_for(const desk_config *cfg, const char *addr, char **ext);

#endif
