/* config.c: the table of maildesk.conf keys, their defaults, and loading. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "config.h"
#include "slapolicy.h"
#include "netmatch.h"
#include "trust.h"

/* K_CMD: a string naming a program to run; see config_load. */
typedef enum { K_STR, K_INT, K_BOOL, K_ADDRS, K_CMD } key_type;

/* Largest maildesk.conf read. */
#define CONFIG_MAX_SIZE (1024 * 1024)

static const struct key {
	const char *group, *name;
	key_type type;
	size_t offset;
	const char *def;
	const char *help;
} keys[] = {
	{ "desk", "addresses", K_ADDRS, offsetof(desk_config, addresses), "",
	  "The desk's own addresses, ';'-separated, each ADDR or ADDR=QUEUE\n"
	  "# (the queue defaults to the local part)." },
	{ "desk", "domain", K_STR, offsetof(desk_config, domain), "",
	  "Domain of the Message-IDs we make; empty: the first address's." },
	{ "desk", "subject_tag", K_STR, offsetof(desk_config, subject_tag), "[#%n]",
	  "Subject tag of a ticket; %n is the number." },
	{ "desk", "subject_tag_add", K_BOOL, offsetof(desk_config, subject_tag_add), "false",
	  "Whether the milter adds the subject tag to the Subject of new tickets." },
	{ "desk", "lock_timeout", K_INT, offsetof(desk_config, lock_timeout), "10",
	  "Seconds a writer waits for the store before it gives up: \"store busy\"." },
	{ "desk", "min_free_mb", K_INT, offsetof(desk_config, min_free_mb), "16",
	  "Below this many MiB free in the store, new mail is refused with 4xx." },
	{ "desk", "fallback_charsets", K_STR, offsetof(desk_config, fallback_charsets), "windows-1252",
	  "Charsets tried in order, ';'-separated, after UTF-8, for 8-bit text\n"
	  "# with no charset or one it is not valid in (headers and bodies)." },
	{ "desk", "sendmail", K_CMD, offsetof(desk_config, sendmail), "/usr/sbin/sendmail -oi -t",
	  "Command that sends our mail, the message on its stdin (split into\n"
	  "# words, no shell); $MAILDESK_SENDMAIL overrides it." },
	{ "desk", "sendmail_timeout", K_INT, offsetof(desk_config, sendmail_timeout), "60",
	  "Seconds the sendmail command may take before it is killed and the\n"
	  "# mail counts as not sent (0: no limit)." },
	{ "desk", "autoclose_hours", K_INT, offsetof(desk_config, autoclose_hours), "72",
	  "Hours after which `desk autoclose` closes a solved ticket." },
	{ "desk", "timezone", K_STR, offsetof(desk_config, timezone), "",
	  "Time zone of the desk's hours, e.g. Europe/Berlin (the time and day\n"
	  "# conditions of maildesk-rules(5), the days of desk report); empty: the\n"
	  "# system's (TZ)." },
	{ "desk", "report_to", K_STR, offsetof(desk_config, report_to), "",
	  "Where `desk report --weekly` and `--monthly` mail the report when no\n"
	  "# --mail is given (one address); empty: they print it instead." },
	{ "desk", "ack", K_BOOL, offsetof(desk_config, ack), "true",
	  "Whether a new ticket is acknowledged to its requester (template ack)." },
	{ "desk", "ack_window_hours", K_INT, offsetof(desk_config, ack_window_hours), "24",
	  "At most one acknowledgement per sender in this many hours (RFC 3834)." },
	{ "desk", "notify_agents", K_BOOL, offsetof(desk_config, notify_agents), "true",
	  "Whether agents get mail about their tickets: the owner when a customer\n"
	  "# writes, an agent given a ticket by another, the other agents of a\n"
	  "# ticket when one writes a note (`desk comment`); an agent whose group\n"
	  "# says notify = false gets none." },
	{ "survey", "enabled", K_BOOL, offsetof(desk_config, survey_enabled), "false",
	  "Whether the requester of a solved ticket gets a satisfaction survey\n"
	  "# (sent by `desk autoclose` or `desk survey send`, see desk-survey(1))." },
	{ "survey", "kind", K_STR, offsetof(desk_config, survey_kind), "csat",
	  "csat (1-5), nps (0-10) or ces (1-7): the question and its scale." },
	{ "survey", "delay_hours", K_INT, offsetof(desk_config, survey_delay_hours), "24",
	  "Hours after a ticket is solved before its survey goes out." },
	{ "survey", "template", K_STR, offsetof(desk_config, survey_template), "",
	  "The template of the survey mail; empty: the kind's (csat, nps, ces)." },
	{ "milter", "socket", K_STR, offsetof(desk_config, milter_socket), "unix:/run/maildesk/milter.sock",
	  "Where maildesk-milter listens: unix:PATH (made mode 0660), or\n"
	  "# inet:PORT@ADDRESS (inet:PORT alone listens on 127.0.0.1 only)." },
	{ "milter", "socket_group", K_STR, offsetof(desk_config, milter_socket_group), "",
	  "Group of the unix socket, one the MTA's user is in; empty: the store's\n"
	  "# group (usermod -aG maildesk postfix)." },
	{ "milter", "pending_ttl", K_INT, offsetof(desk_config, pending_ttl), "3600",
	  "Seconds the milter remembers the tickets it gave until they are indexed." },
	{ "milter", "trusted_networks", K_STR, offsetof(desk_config, trusted_networks), "",
	  "Client networks whose mail to the desk is from agents (From picks the\n"
	  "# agent), ';'-separated CIDRs, e.g. 192.0.2.0/24;2001:db8::/32. Agents\n"
	  "# sending with SASL are known by their login ([agent] sasl)." },
	{ "index", "batch", K_INT, offsetof(desk_config, index_batch), "500",
	  "Messages per index transaction." },
	{ "index", "interval_ms", K_INT, offsetof(desk_config, index_interval_ms), "100",
	  "How often, in milliseconds, the indexer looks at mail/new." },
	{ "hooks", "timeout", K_INT, offsetof(desk_config, hooks_timeout), "10",
	  "Seconds an event hook (STORE/hooks/EVENT.d/) may run before it is\n"
	  "# killed, with every process it started (0 counts as 1)." },
	{ "hooks", "attempts", K_INT, offsetof(desk_config, hooks_attempts), "6",
	  "Runs of a hook that fails before it is marked failed (desk hooks);\n"
	  "# retries wait 1 min, 5 min, 30 min, 2 h, 6 h, then 12 h each." },
	{ "hooks", "output_kb", K_INT, offsetof(desk_config, hooks_output_kb), "16",
	  "KiB of a hook's output (stdout and stderr) kept in STORE/var/hooks.log;\n"
	  "# the rest is read, counted and dropped." },
	{ "kb", "path", K_STR, offsetof(desk_config, kb_path), "kb",
	  "The knowledge base's git repository, relative to the store or absolute." },
	{ "kb", "ref", K_STR, offsetof(desk_config, kb_ref), "refs/heads/main",
	  "The ref articles are read at (never a working tree)." },
	{ "kb", "ack_articles", K_BOOL, offsetof(desk_config, kb_ack), "false",
	  "Whether acknowledgements offer up to three public published articles." },
	{ "kb", "min_score", K_STR, offsetof(desk_config, kb_min_score), "1.0",
	  "Lowest bm25 score of an article offered in an acknowledgement." },
	{ "kb", "url", K_STR, offsetof(desk_config, kb_url), "",
	  "URL of an article in acknowledgements, %s is its slug; empty: the text inline." },
	{ "kb", "max_articles", K_INT, offsetof(desk_config, kb_max_articles), "10000",
	  "The most files in articles/ a push may bring to lint (each branch it\n"
	  "# updates counts), and the most the search index takes." },
	{ "kb", "max_mb", K_INT, offsetof(desk_config, kb_max_mb), "64",
	  "The most MiB of articles a push may bring to lint (each distinct file\n"
	  "# once), the largest pack git accepts, and the most text indexed." },
	{ "kb", "index_max_mb", K_INT, offsetof(desk_config, kb_index_max_mb), "256",
	  "The largest the search index file (kb-index.sqlite) may grow, in MiB." },
	{ "triage", "apply_confidence", K_STR, offsetof(desk_config, triage_apply), "0.9",
	  "The lowest confidence (0 to 1) of a suggestion `desk triage N --apply`\n"
	  "# applies; desk triage eval shows the precision each level gives." },
	{ "triage", "neighbours", K_INT, offsetof(desk_config, triage_neighbours), "10",
	  "How many of the most similar earlier tickets (bm25) vote on a suggestion." },
	{ "triage", "half_life_days", K_INT, offsetof(desk_config, triage_half_life), "180",
	  "Days apart after which a similar ticket's vote counts half (recency)." },
	{ "triage", "min_history", K_INT, offsetof(desk_config, triage_min_history), "5",
	  "Tickets that people labelled (queue, priority or tags) needed before\n"
	  "# anything is suggested: fewer is \"not enough history\"." },
	{ "triage", "triage_command", K_CMD, offsetof(desk_config, triage_command), "",
	  "An external model desk triage N asks too (an argv, no shell): it reads\n"
	  "# the ticket as JSON on stdin and prints {\"queue\": ..., \"priority\": ...,\n"
	  "# \"tags\": [...], \"confidence\": ...}; empty: none. Only suggests." },
	{ "triage", "command_timeout", K_INT, offsetof(desk_config, triage_command_timeout), "10",
	  "Seconds the triage_command may take before it is killed." },
	{ "triage", "duplicate_bits", K_INT, offsetof(desk_config, triage_duplicate_bits), "12",
	  "A ticket whose fingerprint (SimHash of its subject and own words) is at\n"
	  "# most this many bits of 64 from an earlier open ticket's is flagged as\n"
	  "# its possible duplicate in desk show; 0: only the text score decides." },
	{ "triage", "duplicate_likeness", K_STR, offsetof(desk_config, triage_duplicate_likeness), "0",
	  "A ticket is also a possible duplicate of an earlier open ticket whose\n"
	  "# text score is at least this share (0 to 1) of its own; 0 (the default): off." },
	{ "triage", "incident_tickets", K_INT, offsetof(desk_config, triage_incident_tickets), "5",
	  "This many similar new tickets within incident_minutes make an incident\n"
	  "# (desk triage incidents, run by desk autoclose's timer); 0: none." },
	{ "triage", "incident_minutes", K_INT, offsetof(desk_config, triage_incident_minutes), "30",
	  "The window of an incident's burst, in minutes after its first ticket." },
	{ "sender", "authserv_id", K_STR, offsetof(desk_config, authserv_id), "",
	  "The authserv-id of the Authentication-Results headers your MTA's own\n"
	  "# authenticators (OpenDKIM, OpenDMARC, an SPF policy service) add; empty:\n"
	  "# none are read. Others are ignored, and removed by the milter." },
	{ "sender", "authserv_scrubbed", K_BOOL, offsetof(desk_config, authserv_scrubbed), "false",
	  "true when the MTA removes every Authentication-Results header with\n"
	  "# authserv_id that a message brings (RFC 8601 section 5): then they count\n"
	  "# wherever they stand; false: only those above the first Received header." },
	{ "sender", "require_aligned_sender", K_STR, offsetof(desk_config, require_aligned), "fail",
	  "Hold mail that joins a ticket by In-Reply-To, References or subject tag:\n"
	  "# fail: when DMARC fails for its From; yes: unless its From is authenticated\n"
	  "# (aligned DMARC, DKIM or SPF pass); no: never. Tokens are not affected." },
	{ "sender", "ack_senders", K_STR, offsetof(desk_config, ack_senders), "not-failed",
	  "Who gets acknowledgements: any; not-failed (not when DMARC fails for\n"
	  "# the From); aligned (only an authenticated From)." },
	{ "sender", "rate_new_sender", K_STR, offsetof(desk_config, rate_spec[RATE_NEW_SENDER]), "30/1h",
	  "At most this many new tickets per sender (N/DURATION, s m h d; 0: no limit)." },
	{ "sender", "rate_new_domain", K_STR, offsetof(desk_config, rate_spec[RATE_NEW_DOMAIN]), "300/1h",
	  "At most this many new tickets per sender domain." },
	{ "sender", "rate_new_total", K_STR, offsetof(desk_config, rate_spec[RATE_NEW_TOTAL]), "3000/1h",
	  "At most this many new tickets in all." },
	{ "sender", "rate_ack_sender", K_STR, offsetof(desk_config, rate_spec[RATE_ACK_SENDER]), "10/1h",
	  "At most this many acknowledgements per sender." },
	{ "sender", "rate_ack_domain", K_STR, offsetof(desk_config, rate_spec[RATE_ACK_DOMAIN]), "100/1h",
	  "At most this many acknowledgements per sender domain." },
	{ "sender", "rate_ack_total", K_STR, offsetof(desk_config, rate_spec[RATE_ACK_TOTAL]), "1000/1h",
	  "At most this many acknowledgements in all." },
};

/* The keys of an [sla NAME] group (lib/base/slapolicy.c reads them). */
static const struct sla_key {
	const char *name, *def, *help;
} sla_keys[] = {
	{ "priority", "",
	  "The priorities this policy is for, ';'-separated (low normal high\n"
	  "# urgent); required. The first [sla] group in the file that fits a\n"
	  "# ticket is its policy: put narrower ones (queue, vip) first." },
	{ "queue", "", "Only tickets of this queue; empty: any queue." },
	{ "vip", "",
	  "Only tickets whose requester is in this VIP list file (one address or\n"
	  "# @domain a line, # comments; relative to the store); empty: anyone." },
	{ "first_response", "0",
	  "Working time to the first public reply of an agent, e.g. 4h, 30m, 1h30m;\n"
	  "# 0: no target." },
	{ "next_response", "0",
	  "Working time from each message of the requester that follows a reply\n"
	  "# of an agent to the next reply; 0: no target." },
	{ "resolution", "0",
	  "Working time from the ticket's creation (or its last reopening) to solved." },
	{ "timezone", "", "Time zone of the hours; empty: [desk] timezone." },
	{ "hours", "mon-fri 09:00-17:00",
	  "Working hours, ';'-separated: DAYS FROM-TO..., e.g. mon-fri 09:00-17:00;\n"
	  "# sat 10:00-12:00; or always." },
	{ "holidays", "", "A file of holidays, one YYYY-MM-DD a line (relative to the store)." },
	{ "pause_pending", "true", "Whether the clock stops while the ticket is pending." },
	{ "pause_on_hold", "true", "Whether the clock stops while the ticket is on-hold." },
	{ "warn_percent", "75", "An sla-warning event when this share of a target is used." },
	{ "escalate_priority", "",
	  "On a breach: set this priority, or raise: one step up; empty: none." },
	{ "escalate_queue", "", "On a breach: move the ticket to this queue." },
	{ "escalate_owner", "", "On a breach: assign the ticket to this agent." },
	{ "escalate_mail", "", "On a breach: mail this address (a manager) ..." },
	{ "escalate_template", "sla-breach", "... with this template (desk templates)." },
};

static void
address_free(gpointer p)
{
	desk_address *a = p;

	g_free(a->address);
	g_free(a->queue);
	g_free(a);
}

static gboolean
queue_name_ok(const char *q)
{
	if (*q == '\0' || strlen(q) > 63)
		return FALSE;
	for (; *q != '\0'; q++)
		if (!g_ascii_isalnum(*q) && *q != '.' && *q != '_' && *q != '-')
			return FALSE;
	return TRUE;
}

/* One '@', no '+' (it starts the extension), no white space, control
 * character or backslash: else the address could never match a recipient,
 * or would not read back from the line config_template writes it on. */
static gboolean
address_chars_ok(const char *a)
{
	const char *at = strchr(a, '@');

	if (strchr(a, '+') != NULL || at == NULL || at != strrchr(a, '@'))
		return FALSE;
	/* a plain addr-spec: what config_queue_for compares it as (no quotes,
	 * brackets or routes, no dot at the ends of the domain) */
	for (const char *c = a; *c != '\0'; c++)
		if ((guchar)*c <= ' ' || (guchar)*c >= 0x7f || strchr("\\\"<>()[],;:", *c) != NULL)
			return FALSE;
	return at[1] != '.' && a[strlen(a) - 1] != '.';
}

static desk_status
parse_addresses(const char *value, GPtrArray *out, desk_err *err)
{
	char **items = g_strsplit(value, ";", -1);
	desk_status s = DESK_OK;

	for (char **i = items; *i != NULL && s == DESK_OK; i++) {
		char *item = g_strstrip(*i), *eq, *at;
		desk_address *a;

		if (*item == '\0')
			continue;
		eq = strchr(item, '=');
		if (eq != NULL)
			*eq++ = '\0';
		at = strchr(item, '@');
		if (at == NULL || at == item || at[1] == '\0' || !address_chars_ok(item)) {
			s = desk_fail(err, DESK_CONFIG, "bad desk address: %s", item);
			break;
		}
		a = g_new0(desk_address, 1);
		a->address = g_ascii_strdown(item, -1);
		a->queue = eq != NULL && *eq != '\0' ? g_strdup(g_strstrip(eq)) : g_strndup(a->address, at - item);
		if (!queue_name_ok(a->queue)) {
			s = desk_fail(err, DESK_CONFIG, "bad queue name '%s' (letters, digits, . _ -)", a->queue);
			g_ptr_array_add(out, a);
			break;
		}
		g_ptr_array_add(out, a);
	}
	g_strfreev(items);
	return s;
}

static desk_status
set_key(desk_config *cfg, const struct key *k, const char *value, desk_err *err)
{
	char *field = (char *)cfg + k->offset;
	char *end;
	long n;

	switch (k->type) {
	case K_STR:
	case K_CMD:
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return DESK_OK;
	case K_INT:
		n = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || n < 0 || n > 1000000)
			return desk_fail(err, DESK_CONFIG, "%s.%s: not a number: %s", k->group, k->name, value);
		*(int *)field = (int)n;
		return DESK_OK;
	case K_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0)
			*(gboolean *)field = TRUE;
		else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0)
			*(gboolean *)field = FALSE;
		else
			return desk_fail(err, DESK_CONFIG, "%s.%s: not true or false: %s", k->group, k->name, value);
		return DESK_OK;
	case K_ADDRS:
		return parse_addresses(value, *(GPtrArray **)field, err);
	}
	return DESK_SOFTWARE;
}

/* Read PATH into KF through one descriptor, and say in *problem (NULL if
 * none) why programs it names must not run (trust_file_problem). */
static desk_status
read_conf(const char *path, GKeyFile *kf, char **problem, desk_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	GString *buf = g_string_new(NULL);
	char chunk[8192];
	GError *gerr = NULL;
	desk_status s = DESK_OK;
	ssize_t n = 0;

	*problem = NULL;
	if (fd < 0) {
		s = desk_fail(err, DESK_NOTFOUND, "%s: %s", path, g_strerror(errno));
		goto out;
	}
	while (buf->len <= CONFIG_MAX_SIZE &&
	       ((n = read(fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			g_string_append_len(buf, chunk, n);
	if (n < 0)
		s = desk_fail(err, DESK_CONFIG, "%s: %s", path, g_strerror(errno));
	else if (buf->len > CONFIG_MAX_SIZE)
		s = desk_fail(err, DESK_CONFIG, "%s: larger than %d KiB", path, CONFIG_MAX_SIZE / 1024);
	else if (!g_key_file_load_from_data(kf, buf->str, buf->len, G_KEY_FILE_NONE, &gerr)) {
		s = desk_fail(err, DESK_CONFIG, "%s: %s", path, gerr->message);
		g_error_free(gerr);
	}
	if (s == DESK_OK)
		*problem = trust_file_problem(fd, path);
	close(fd);
out:
	g_string_free(buf, TRUE);
	return s;
}

/* Set every key of the table from KF or its default. A K_CMD key set in
 * KF while PROBLEM is not NULL makes cfg->command_problem. */
static desk_status
set_keys(desk_config *cfg, GKeyFile *kf, const char *path, const char *problem, desk_err *err)
{
	desk_status s = DESK_OK;

	for (size_t i = 0; i < G_N_ELEMENTS(keys) && s == DESK_OK; i++) {
		char *v = g_key_file_get_string(kf, keys[i].group, keys[i].name, NULL);

		if (v != NULL && keys[i].type == K_CMD && problem != NULL && cfg->command_problem == NULL)
			cfg->command_problem = g_strdup_printf("%s.%s of %s: %s", keys[i].group, keys[i].name,
							       path, problem);
		s = set_key(cfg, &keys[i], v != NULL ? g_strstrip(v) : keys[i].def, err);
		g_free(v);
	}
	return s;
}

/* Whether the tag of a ticket made from TAG reads back as that ticket
 * (thread_subject_tag): "%n" once, at most 32 bytes, and no digit right
 * after the number. */
static gboolean
subject_tag_ok(const char *tag)
{
	const char *n = strstr(tag, "%n");

	return n != NULL && strstr(n + 2, "%n") == NULL && !g_ascii_isdigit(n[2]) && strlen(tag) <= 32;
}

desk_status
config_load(const char *path, desk_config **out, desk_err *err)
{
	GKeyFile *kf = g_key_file_new();
	desk_config *cfg = g_new0(desk_config, 1);
	char *problem = NULL;
	desk_status s;

	cfg->addresses = g_ptr_array_new_with_free_func(address_free);
	cfg->agents = g_ptr_array_new_with_free_func((GDestroyNotify)agent_free);
	cfg->sla = g_ptr_array_new_with_free_func((GDestroyNotify)sla_policy_free);
	s = read_conf(path, kf, &problem, err);
	if (s == DESK_OK)
		s = set_keys(cfg, kf, path, problem, err);
	if (s == DESK_OK && (cfg->domain == NULL || *cfg->domain == '\0')) {
		g_free(cfg->domain);
		cfg->domain = cfg->addresses->len > 0
			? g_strdup(strchr(((desk_address *)cfg->addresses->pdata[0])->address, '@') + 1)
			: g_strdup("maildesk.invalid");
	}
	if (s == DESK_OK && !subject_tag_ok(cfg->subject_tag))
		s = desk_fail(err, DESK_CONFIG, "desk.subject_tag must contain %%n once, not followed by a digit: %s",
			      cfg->subject_tag);
	if (s == DESK_OK)
		s = netmatch_check(cfg->trusted_networks, err);
	if (s == DESK_OK)
		s = agents_parse(kf, cfg->agents, err);
	if (s == DESK_OK)
		s = sla_policies_parse(kf, path, cfg->timezone, cfg->sla, err);
	if (s == DESK_OK && strcmp(cfg->survey_kind, "csat") != 0 && strcmp(cfg->survey_kind, "nps") != 0 &&
	    strcmp(cfg->survey_kind, "ces") != 0)
		s = desk_fail(err, DESK_CONFIG, "survey.kind must be csat, nps or ces: %.40s", cfg->survey_kind);
	if (s == DESK_OK && (cfg->survey_delay_hours < 0 || cfg->survey_delay_hours > 24 * 365))
		s = desk_fail(err, DESK_CONFIG, "survey.delay_hours must be from 0 to %d", 24 * 365);
	if (s == DESK_OK && cfg->index_batch < 1)
		cfg->index_batch = 1;
	g_free(problem);
	g_key_file_free(kf);
	if (s != DESK_OK) {
		config_free(cfg);
		cfg = NULL;
	}
	*out = cfg;
	return s;
}

void
config_free(desk_config *cfg)
{
	if (cfg == NULL)
		return;
	g_ptr_array_unref(cfg->addresses);
	g_ptr_array_unref(cfg->agents);
	if (cfg->sla != NULL)
		g_ptr_array_unref(cfg->sla);
	g_free(cfg->sendmail);
	g_free(cfg->timezone);
	g_free(cfg->report_to);
	g_free(cfg->survey_kind);
	g_free(cfg->survey_template);
	g_free(cfg->kb_path);
	g_free(cfg->kb_ref);
	g_free(cfg->kb_min_score);
	g_free(cfg->triage_apply);
	g_free(cfg->triage_command);
	g_free(cfg->triage_duplicate_likeness);
	g_free(cfg->kb_url);
	g_free(cfg->trusted_networks);
	g_free(cfg->domain);
	g_free(cfg->subject_tag);
	g_free(cfg->fallback_charsets);
	g_free(cfg->milter_socket);
	g_free(cfg->milter_socket_group);
	g_free(cfg->command_problem);
	g_free(cfg->authserv_id);
	g_free(cfg->require_aligned);
	g_free(cfg->ack_senders);
	for (int i = 0; i < RATE_N; i++)
		g_free(cfg->rate_spec[i]);
	g_free(cfg);
}

desk_status
config_check_addresses(char **addresses, desk_err *err)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(address_free);
	char *joined = addresses != NULL ? g_strjoinv(";", addresses) : g_strdup("");
	desk_status s = parse_addresses(joined, a, err);

	g_ptr_array_unref(a);
	g_free(joined);
	return s;
}

const char *
config_default(const char *group, const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (strcmp(keys[i].group, group) == 0 && strcmp(keys[i].name, name) == 0)
			return keys[i].def;
	return NULL;
}

const char *
config_sla_default(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(sla_keys); i++)
		if (strcmp(sla_keys[i].name, name) == 0)
			return sla_keys[i].def;
	return NULL;
}

/* The [sla NAME] keys, commented, as an example group. */
static void
sla_template(GString *s)
{
	g_string_append(s, "\n# Service level policies (maildesk.conf(5), desk-sla(1)), one group each:\n"
			   "#[sla standard]\n");
	for (size_t i = 0; i < G_N_ELEMENTS(sla_keys); i++)
		g_string_append_printf(s, "# %s\n#%s = %s\n", sla_keys[i].help, sla_keys[i].name, sla_keys[i].def);
}

char *
config_template(char **addresses)
{
	GString *s = g_string_new("# maildesk.conf: the help desk's configuration (see maildesk.conf(5)).\n"
				  "# Every key is shown with its default; remove the '#' to change one.\n");
	const char *group = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		const struct key *k = &keys[i];

		if (group == NULL || strcmp(group, k->group) != 0) {
			group = k->group;
			g_string_append_printf(s, "\n[%s]\n", group);
		}
		g_string_append_printf(s, "# %s\n", k->help);
		if (k->type == K_ADDRS && addresses != NULL && addresses[0] != NULL) {
			char *joined = g_strjoinv(";", addresses);

			g_string_append_printf(s, "%s = %s\n", k->name, joined);
			g_free(joined);
		} else {
			g_string_append_printf(s, "#%s = %s\n", k->name, k->def);
		}
	}
	sla_template(s);
	return g_string_free(s, FALSE);
}

/* ADDR as a plain addr-spec: angle brackets and a source route
 * ("<@a,@b:local@domain>") taken off, a quoted local part unquoted, a
 * trailing dot of the domain dropped. Caller g_free()s. */
static char *
plain_address(const char *addr)
{
	GString *out = g_string_new(NULL);
	const char *p = addr, *end = addr + strlen(addr), *at;

	while (p < end && (*p == '<' || *p == ' '))
		p++;
	while (end > p && (end[-1] == '>' || end[-1] == ' '))
		end--;
	if (p < end && *p == '@') {  /* a source route */
		const char *colon = memchr(p, ':', end - p);

		p = colon != NULL ? colon + 1 : end;
	}
	at = end;
	for (const char *c = end; c > p; c--)
		if (c[-1] == '@') {
			at = c - 1;
			break;
		}
	if (at - p >= 2 && *p == '"' && at[-1] == '"') {
		for (const char *c = p + 1; c < at - 1; c++) {
			if (*c == '\\' && c + 1 < at - 1)
				c++;
			g_string_append_c(out, *c);
		}
	} else {
		g_string_append_len(out, p, at - p);
	}
	g_string_append_len(out, at, end - at);
	if (out->len > 0 && out->str[out->len - 1] == '.')
		g_string_truncate(out, out->len - 1);
	return g_string_free(out, FALSE);
}

gboolean
config_queue_known(const desk_config *cfg, const char *q)
{
	for (guint i = 0; i < cfg->addresses->len; i++)
		if (strcmp(((desk_address *)cfg->addresses->pdata[i])->queue, q) == 0)
			return TRUE;
	for (guint i = 0; i < cfg->agents->len; i++) {
		const desk_agent *a = cfg->agents->pdata[i];

		if (a->queues != NULL && g_strv_contains((const char *const *)a->queues, q))
			return TRUE;
	}
	return FALSE;
}

const char *
config_queue_for(const desk_config *cfg, const char *addr, char **ext)
{
	char *bare = plain_address(addr);
	const char *at = strrchr(bare, '@'), *plus, *queue = NULL;
	size_t local;

	if (ext != NULL)
		*ext = NULL;
	if (at == NULL) {
		g_free(bare);
		return NULL;
	}
	plus = memchr(bare, '+', at - bare);
	local = (plus != NULL ? plus : at) - bare;
	for (guint i = 0; i < cfg->addresses->len && queue == NULL; i++) {
		const desk_address *a = cfg->addresses->pdata[i];
		const char *aat = strchr(a->address, '@');

		if ((size_t)(aat - a->address) != local || g_ascii_strncasecmp(a->address, bare, local) != 0 ||
		    g_ascii_strcasecmp(aat, at) != 0)
			continue;
		if (ext != NULL && plus != NULL)
			*ext = g_ascii_strdown(plus + 1, at - plus - 1);
		queue = a->queue;
	}
	g_free(bare);
	return queue;
}
