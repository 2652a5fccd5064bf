/* bymail.h: agents working by mail (DESIGN.md "Agents"). The milter asks
 * bymail_decide whether a message is an agent's, known only from the MTA's
 * word (the SASL login, or a trusted client network and then the From
 * address); the indexer's follow-up (bymail_followup, followup.h) carries
 * out the #commands at the top of its body and relays public replies. */
#ifndef DESK_BYMAIL_H
#define DESK_BYMAIL_H

#include "agent.h"
#include "facts.h"
#include "lookup.h"
#include "store.h"

/* At most this many command lines at the top of a body. */
#define BYMAIL_MAX_COMMANDS 20

/* Why an agent's mail may not carry commands: the value of "commands=" in
 * its X-Desk-Set. The mail is then a comment only (also when it went to
 * support+N-reply@), and none of its commands run. */
#define BYMAIL_OFF_RESENT "no-resent"  /* it carries Resent-* headers */
#define BYMAIL_OFF_FROM "no-from"      /* its From is not the agent's address */

typedef struct bymail_decision {
	const desk_agent *agent;  /* the agent the MTA vouches for, NULL: not an agent */
	const char *how;          /* "sasl" or "trusted-network" */
	guint ticket;             /* 0: not a mail to a ticket (ordinary threading) */
	const char *event;        /* "mail-comment" or "mail-reply" */
	const char *commands_off; /* NULL, or why its commands may not run (BYMAIL_OFF_*) */
	char match[64];           /* X-Desk-Match: "agent; sasl" */
	char queue[64];           /* X-Desk-Queue */
	char set[96];             /* X-Desk-Set: "by=LOGIN", "by=LOGIN; commands=no-from" */
} bymail_decision;

/* The agent the MTA vouches for: the agent whose [agent] sasl is SASL
 * (the {auth_authen} macro) when SASL is not empty, and then no other
 * (an authenticated user who is not an agent is not one); else, when
 * CLIENT (the client's IP address) is in milter.trusted_networks, the
 * agent whose address is FROM. NULL otherwise. *how as in the decision. */
const desk_agent *bymail_agent(const desk_config *cfg, const char *sasl, const char *client,
			       const char *from, const char **how);

/* Whether the mail with facts F, which the MTA says is agent A's, may
 * carry commands: NULL when it may, else why not (BYMAIL_OFF_*): it
 * carries a Resent-* header (someone resent or redirected it), or its
 * From addr-spec is not A's address (same local part, domain in any
 * letter case; no +detail dropped). */
const char *bymail_commands_off(const desk_agent *a, const msg_facts *f);

/* For a message with facts F to the desk address RCPT from the client
 * CLIENT with SASL login SASL (both may be NULL): whether it is an agent's
 * mail to a ticket, and which. To support+N@ (or support+N-TOKEN@) it is
 * an internal comment in N, to support+N-reply@ (or +N-TOKEN-reply@) a
 * public reply; to a desk address without an extension, a subject tag
 * [#N] makes it a comment in N. d->ticket is 0 when it is none of these
 * (not an agent, our own mail, no ticket named): thread it as usual.
 * When bymail_commands_off says so, the mail is a comment whatever its
 * address, and its X-Desk-Set says "commands=" why.
 * DESK_NOTFOUND (with a message for the SMTP reply) when the ticket does
 * not exist or the extension is neither of the forms above; DESK_TEMPFAIL
 * when the store can't answer. */
desk_status bymail_decide(desk_store *st, desk_lookup *lk, const char *sasl, const char *client,
			  const msg_facts *f, const char *rcpt, bymail_decision *d, desk_err *err);

/* The seal of D's headers (X-Desk-Ticket, -Match, -Queue, -Event, -Set)
 * on the message with MESSAGE_ID (NULL: none usable) and DIGEST
 * (chash_new_seal). Caller g_free()s. */
char *bymail_seal(desk_store *st, const bymail_decision *d, const char *message_id, const char *digest);

/* The command lines at the top of TEXT (blank lines before and between
 * them skipped): each line that starts with '#' and a letter, up to the
 * first other line. *commands gets them (without '#', stripped, lower
 * case; caller
 * g_strfreev()s), *rest the text after them without its leading blank
 * lines (caller g_free()s). At most BYMAIL_MAX_COMMANDS+1 are returned,
 * so that too many can be told. */
void bymail_split(const char *text, char ***commands, char **rest);

/* Whether the sealed X-Desk-Set SET of an agent's mail (its decision at
 * SMTP time) forbids its commands: NULL when it does not, else a
 * sentence that says why, for the agent (a constant). */
const char *bymail_commands_off_in(const char *set);

/* Whether the command lines of the text alternative TEXT and of the HTML
 * alternative HTML (its source, rendered with html_to_text) are the same
 * (the words of each line compared) or neither has any. TRUE when either
 * is NULL: a mail with one body has nothing to disagree with. */
gboolean bymail_alternatives_agree(const char *text, const char *html);

/* Check one command line CMD ("assign bob") for ticket changes against the
 * configuration: FALSE with the reason in ERR when it is unknown or its
 * argument is bad. */
gboolean bymail_command_ok(const desk_config *cfg, const char *cmd, desk_err *err);

#endif
