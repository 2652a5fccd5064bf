/* template.h: canned texts for mail we send (templates/NAME.txt), with
 * ${placeholders} and an optional header block of commands (a macro). */
#ifndef DESK_TEMPLATE_H
#define DESK_TEMPLATE_H

#include <glib.h>
#include "agent.h"
#include "store.h"
#include "ticket.h"
#include "xset.h"

/* Longest template file read, in bytes. */
#define TEMPLATE_MAX_SIZE (256 * 1024)

typedef struct desk_template {
	char *subject;  /* from "Subject:", expanded; NULL when absent */
	xset *set;      /* X-Desk-Set items of its commands (status=pending, tag=+x), NULL when none */
	char *status;   /* the Status: command alone, NULL when absent */
	char *body;     /* expanded text */
} desk_template;

void template_free(desk_template *t);

/* Whether NAME can name a template: [A-Za-z0-9._-], not starting with '.'. */
gboolean template_name_ok(const char *name);

/* Where templates are looked for, in order: STORE/templates,
 * $MAILDESK_TEMPLATES_DIR, DESK_DATADIR/templates, DESK_DATADIR, and
 * templates/ next to the desk program (an uninstalled build).
 * NULL-terminated; g_strfreev(). */
char **template_dirs(desk_store *st);

/* The file of template NAME, the first found along template_dirs. Caller
 * g_free()s *path. DESK_NOTFOUND naming the places looked in. */
desk_status template_find(desk_store *st, const char *name, char **path, desk_err *err);

/* A template file found along template_dirs. */
typedef struct template_file {
	char *name;        /* "waiting" for waiting.txt */
	char *path;
	char *header;      /* its header block as written, "Status: pending; Tag: +x", or "" */
	gboolean shadowed; /* one of the same name comes first: this one is not used */
} template_file;
void template_file_free(template_file *f);

/* Every template file of template_dirs (each directory once), by name,
 * the one used first: of template_file*. */
GPtrArray *template_list(desk_store *st);

/* TEXT with each ${name} replaced by its value in VARS (char* -> char*)
 * and "$$" by "$". Values are inserted as they are, never expanded again,
 * so nothing from mail is ever read as a placeholder. DESK_DATAERR naming
 * an unknown placeholder or an unclosed "${". Caller g_free()s *out. */
desk_status template_expand(const char *text, GHashTable *vars, char **out, desk_err *err);

/* Parse TEXT: an optional header block (Subject, Status, Priority, Tag,
 * Owner; "Key: value" lines ended by a blank line) and a body, both
 * expanded with VARS. Commands are checked (a valid status, priority,
 * tags, an agent of AGENTS for Owner). */
desk_status template_parse(const char *text, GHashTable *vars, const GPtrArray *agents,
			   desk_template **out, desk_err *err);

/* Find, read and parse template NAME. */
desk_status template_load(desk_store *st, const char *name, GHashTable *vars, desk_template **out,
			  desk_err *err);

/* The placeholders for ticket T written by agent ME (may be NULL): ticket,
 * subject, requester, requester_name (else the address), agent,
 * agent_name (else the login), agent_address, queue, desk_address,
 * desk_name, status, priority, owner, date. Free with g_hash_table_unref. */
GHashTable *template_vars(desk_store *st, const ticket_info *t, const desk_agent *me);

#endif
