/* agent.h: the desk's agents, listed in maildesk.conf as [agent LOGIN]
 * groups, and who is acting. */
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
} desk_agent;

void agent_free(desk_agent *a);

/* Read every [agent LOGIN] group of KF into OUT (desk_agent*). */
desk_status agents_parse(GKeyFile *kf, GPtrArray *out, desk_err *err);

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

/* Add (or replace) / remove an agent in the config file CONF, keeping its
 * comments; written to a temporary file and renamed. */
desk_status agent_config_add(const char *conf, const desk_agent *a, desk_err *err);
desk_status agent_config_remove(const char *conf, const char *login, desk_err *err);

#endif
