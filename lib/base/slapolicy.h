/* slapolicy.h: service level policies, the [sla NAME] groups of
 * maildesk.conf (keys declared in config.c): which tickets a policy is
 * for, its targets, its business-hours calendar and its escalation. */
#ifndef DESK_SLAPOLICY_H
#define DESK_SLAPOLICY_H

#include <glib.h>
#include "calendar.h"
#include "err.h"

/* The targets, in this order everywhere. */
typedef enum { SLA_FIRST_RESPONSE, SLA_NEXT_RESPONSE, SLA_RESOLUTION, SLA_TARGETS } sla_target;

typedef struct sla_policy {
	char *name;
	char *path;                    /* the file it came from, for messages */
	GHashTable *lines;             /* key ("" the group) -> line in path */
	char **priorities;             /* NULL-terminated, as written */
	char *queue;                   /* NULL: any */
	GHashTable *vip;               /* lower-case addresses and @domains; NULL: anyone */
	gint64 target[SLA_TARGETS];    /* working seconds; 0: no target */
	desk_calendar *cal;
	gboolean pause_pending, pause_on_hold;
	int warn_percent;              /* 1..100 */
	char *raise;                   /* NULL, "raise" or a priority */
	char *move_queue, *reassign;   /* NULL or a queue, a login */
	char *mail, *mail_template;    /* NULL or a manager's address; the template */
} sla_policy;

/* The name of target T ("first-response", ...), as events carry it. */
const char *sla_target_name(sla_target t);
/* The target named NAME, or -1. */
int sla_target_of(const char *name);

/* Add a policy to OUT (of sla_policy*) for each [sla NAME] group of KF,
 * read from PATH (files named relative to its folder), in file order.
 * DESK_CONFIG and "PATH:LINE: [sla NAME] KEY: why" on a bad value. */
desk_status sla_policies_parse(GKeyFile *kf, const char *path, const char *desk_zone, GPtrArray *out,
			       desk_err *err);
void sla_policy_free(sla_policy *p);

/* "PATH:LINE: [sla NAME] KEY" of P's KEY, for a message. Caller g_free()s. */
char *sla_policy_where(const sla_policy *p, const char *key);

/* Whether ADDR (any case) or its @domain is in P's VIP list; TRUE when
 * P has none. */
gboolean sla_policy_vip(const sla_policy *p, const char *addr);

/* A duration: "4h", "30m", "1h30m", "90s", "0". FALSE if it is not one. */
gboolean sla_parse_duration(const char *text, gint64 *out);

#endif
