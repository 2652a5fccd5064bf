/* agent.h: the desk's agents, [agent LOGIN] groups of STORE/var/agents
 * (which agents edit with desk agent) and of maildesk.conf (the owner's),
 * and who is acting. */
#ifndef DESK_AGENT_H
#define DESK_AGENT_H

#include <glib.h>
#include "err.h"

typedef struct desk_agent {
	char *login;    /* [a-z0-9._-], the name used everywhere */
	char *name;     /* display name, may be "" */
	char *address;  /* lower case */
	char **queues;  /* NULL-terminated, may be empty */
	char *sasl;     /* SASL login the MTA reports ({auth_authen}); default login */
	gboolean in_conf; /* listed in maildesk.conf: desk agent leaves it alone */
	gboolean notify;  /* key notify (default true): mail them about their tickets
			   * (lib/desk/notify.c) and the other agents' notes (desk comment) */
	gboolean notify_given; /* agent_file_add: set notify (else it stays as it is) */
} desk_agent;

void agent_free(desk_agent *a);

/* Read every [agent LOGIN] group of KF (maildesk.conf) into OUT
 * (desk_agent*, in_conf set). */
desk_status agents_parse(GKeyFile *kf, GPtrArray *out, desk_err *err);

/* Add the agents of the agents file PATH (missing: none) to OUT, but not
 * a login OUT has already (maildesk.conf's wins). The file holds data
 * only: DESK_CONFIG for any group but [agent LOGIN] and any key but name,
 * address, queues, sasl and notify. */
desk_status agents_load_file(const char *path, GPtrArray *out, desk_err *err);

/* Whether LOGIN is a usable agent login. */
gboolean agent_login_ok(const char *login);

/* The agent with LOGIN, SASL login, or ADDRESS in AGENTS; NULL if none. */
const desk_agent *agent_find(const GPtrArray *agents, const char *login);
const desk_agent *agent_by_sasl(const GPtrArray *agents, const char *sasl);
const desk_agent *agent_by_address(const GPtrArray *agents, const char *address);

/* The acting agent: AS, else $MAILDESK_AGENT, else the user's login name.
 * DESK_USAGE when that is not a configured agent. */
desk_status agent_acting(const GPtrArray *agents, const char *as, const desk_agent **out,
			 desk_err *err);

/* Add an agent to the agents file PATH (created when missing), or change
 * the one of that login: of NAME, ADDRESS, QUEUES and SASL only those
 * given (not NULL) are set, and NOTIFY when NOTIFY_GIVEN, the others keep their value (or are empty for
 * a new agent, which needs an ADDRESS). *CHANGED (may be NULL) gets NULL
 * for a new agent, else the keys whose value changed, ", "-separated
 * (maybe ""); caller g_free()s. Comments stay; the file is written to a
 * temporary file beside it, mode 0660, and renamed. */
desk_status agent_file_add(const char *path, const desk_agent *a, char **changed, desk_err *err);
/* Remove an agent from the agents file PATH, the same way. */
desk_status agent_file_remove(const char *path, const char *login, desk_err *err);

#endif
