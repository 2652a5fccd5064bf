/* config.c: the table of maildesk.conf keys, their defaults, and loading. */
#include <stddef.h>
#include <string.h>

#include "agent.h"
#include "config.h"
#include "netmatch.h"
#include "sender.h"

typedef enum { K_STR, K_INT, K_BOOL, K_ADDRS } key_type;

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
	  "Charsets tried, ';'-separated, when text is not what its label says\n"
	  "# (latin-1 with replacement comes last)." },
	{ "desk", "sendmail", K_STR, offsetof(desk_config, sendmail), "/usr/sbin/sendmail -oi -t",
	  "Command that sends our mail, the message on its stdin (split into\n"
	  "# words, no shell); $MAILDESK_SENDMAIL overrides it." },
	{ "desk", "sendmail_timeout", K_INT, offsetof(desk_config, sendmail_timeout), "60",
	  "Seconds the sendmail command may take before it is killed and the\n"
	  "# mail counts as not sent (0: no limit)." },
	{ "desk", "autoclose_hours", K_INT, offsetof(desk_config, autoclose_hours), "72",
	  "Hours after which `desk autoclose` closes a solved ticket." },
	{ "desk", "ack", K_BOOL, offsetof(desk_config, ack), "true",
	  "Whether a new ticket is acknowledged to its requester (template ack)." },
	{ "desk", "ack_window_hours", K_INT, offsetof(desk_config, ack_window_hours), "24",
	  "At most one acknowledgement per sender in this many hours (RFC 3834)." },
	{ "desk", "notify_agents", K_BOOL, offsetof(desk_config, notify_agents), "true",
	  "Whether `desk comment` mails the note to the ticket's other agents." },
	{ "milter", "socket", K_STR, offsetof(desk_config, milter_socket), "unix:/run/maildesk/milter.sock",
	  "Where maildesk-milter listens: unix:PATH or inet:PORT@127.0.0.1." },
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
		if (at == NULL || at == item || at[1] == '\0' || strchr(item, '+') != NULL) {
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

desk_status
config_load(const char *path, desk_config **out, desk_err *err)
{
	GKeyFile *kf = g_key_file_new();
	desk_config *cfg = g_new0(desk_config, 1);
	GError *gerr = NULL;
	desk_status s = DESK_OK;

	cfg->addresses = g_ptr_array_new_with_free_func(address_free);
	cfg->agents = g_ptr_array_new_with_free_func((GDestroyNotify)agent_free);
	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &gerr)) {
		s = desk_fail(err, gerr->domain == G_FILE_ERROR ? DESK_NOTFOUND : DESK_CONFIG,
			      "%s: %s", path, gerr->message);
		g_error_free(gerr);
		goto out;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(keys) && s == DESK_OK; i++) {
		char *v = g_key_file_get_string(kf, keys[i].group, keys[i].name, NULL);

		s = set_key(cfg, &keys[i], v != NULL ? g_strstrip(v) : keys[i].def, err);
		g_free(v);
	}
	if (s == DESK_OK && (cfg->domain == NULL || *cfg->domain == '\0')) {
		g_free(cfg->domain);
		cfg->domain = cfg->addresses->len > 0
			? g_strdup(strchr(((desk_address *)cfg->addresses->pdata[0])->address, '@') + 1)
			: g_strdup("maildesk.invalid");
	}
	if (s == DESK_OK && (strstr(cfg->subject_tag, "%n") == NULL || strlen(cfg->subject_tag) > 32))
		s = desk_fail(err, DESK_CONFIG, "desk.subject_tag must contain %%n: %s", cfg->subject_tag);
	if (s == DESK_OK)
		s = netmatch_check(cfg->trusted_networks, err);
	if (s == DESK_OK)
		s = agents_parse(kf, cfg->agents, err);
	if (s == DESK_OK && cfg->index_batch < 1)
		cfg->index_batch = 1;
	if (s == DESK_OK)
		s = sender_config_check(cfg, err);  /* [sender] (lib/sender.c) */
out:
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
	g_free(cfg->sendmail);
	g_free(cfg->kb_path);
	g_free(cfg->kb_ref);
	g_free(cfg->kb_min_score);
	g_free(cfg->kb_url);
	g_free(cfg->trusted_networks);
	g_free(cfg->domain);
	g_free(cfg->subject_tag);
	g_free(cfg->fallback_charsets);
	g_free(cfg->milter_socket);
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
	return g_string_free(s, FALSE);
}

const char *
config_queue_for(const desk_config *cfg, const char *addr, char **ext)
{
	const char *at = strrchr(addr, '@');
	const char *plus;
	size_t local;

	if (ext != NULL)
		*ext = NULL;
	if (at == NULL)
		return NULL;
	plus = memchr(addr, '+', at - addr);
	local = (plus != NULL ? plus : at) - addr;
	for (guint i = 0; i < cfg->addresses->len; i++) {
		const desk_address *a = cfg->addresses->pdata[i];
		const char *aat = strchr(a->address, '@');

		if ((size_t)(aat - a->address) != local || g_ascii_strncasecmp(a->address, addr, local) != 0 ||
		    g_ascii_strcasecmp(aat, at) != 0)
			continue;
		if (ext != NULL && plus != NULL)
			*ext = g_ascii_strdown(plus + 1, at - plus - 1);
		return a->queue;
	}
	return NULL;
}
