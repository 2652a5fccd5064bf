/* evtype.c: which event type may set which key (one table). */
#include <string.h>

#include "evtype.h"

static const struct {
	const char *event;
	const char *keys;   /* space-separated, each between spaces */
} table[] = {
	{ "assign", " owner " },
	{ "unassign", " owner " },
	{ "status", " status " },
	{ "reopen", " status " },
	{ "priority", " priority " },
	{ "queue", " queue " },
	{ "tag", " tag " },
	{ "cc", " cc " },
	{ "spam", " status block " },
	{ "not-spam", " status unblock " },
	{ "ack", " acked offered " },
	/* a mail to an agent about their ticket (lib/desk/notify.c) */
	{ "notify", " notified about why " },
	/* replies and notes: a template's header commands (lib/desk/template.c) */
	{ "reply", " status priority tag owner " },
	{ "comment", " status priority tag owner " },
	{ "mail-reply", " commands " },
	{ "mail-comment", " commands " },
	{ "link", " follows followed-by " },
	{ "merge", " merged-into merged-from " },
	{ "split", " split-to split-from moved subject " },
	{ "purge", " status tombs purged " },
	{ "send-failed", " unsent " },
	{ "resent", " sent " },
	{ "command-failed", " " },
	/* what a new ticket's routing rules set (lib/desk/route.c) */
	{ "route", " queue priority tag owner rule template hold " },
	/* an SLA target of a cycle near its end, or past it (lib/desk/slacheck.c):
	 * once each per ticket, target and cycle (the cycle's start) */
	{ "sla-warning", " target cycle due policy " },
	{ "sla-breach", " target cycle due policy " },
	/* a satisfaction survey sent, and an answer that counted (lib/store/survey.h) */
	{ "survey", " surveyed scale " },
	{ "rating", " score scale comment " },
	{ "incident", " tickets " },
};

static const char *
keys_of(const char *event)
{
	for (size_t i = 0; event != NULL && i < G_N_ELEMENTS(table); i++)
		if (strcmp(table[i].event, event) == 0)
			return table[i].keys;
	return NULL;
}

const char *const *
evtype_all(void)
{
	static const char *all[G_N_ELEMENTS(table) + 1];

	for (size_t i = 0; i < G_N_ELEMENTS(table); i++)
		all[i] = table[i].event;
	return all;
}

char **
evtype_keys(const char *event)
{
	const char *keys = keys_of(event);
	char *all = g_strconcat("by", keys != NULL ? keys : "", NULL);
	char **out = g_strsplit(g_strstrip(all), " ", -1);

	g_free(all);
	return out;
}

const char *
evtype_hook_name(const char *event, const char *match)
{
	if (event == NULL)
		return match != NULL && strncmp(match, "new", 3) == 0 && (match[3] == '\0' || match[3] == ';')
			       ? "new-ticket"
			       : "reply";
	if (strcmp(event, "mail-comment") == 0)
		return "comment";
	return event;
}

gboolean
evtype_known(const char *event)
{
	return keys_of(event) != NULL;
}

gboolean
evtype_allows(const char *event, const char *key)
{
	const char *keys = keys_of(event);
	const char *p;
	size_t n;

	if (keys == NULL || key == NULL || *key == '\0' || strchr(key, ' ') != NULL)
		return FALSE;
	if (strcmp(key, "by") == 0)
		return TRUE;
	n = strlen(key);
	for (p = strstr(keys, key); p != NULL; p = strstr(p + 1, key))
		if (p[-1] == ' ' && p[n] == ' ')
			return TRUE;
	return FALSE;
}
