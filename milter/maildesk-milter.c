/* maildesk-milter.c: classify and thread support mail into tickets at SMTP
 * time. Callbacks only: every decision is a call into lib/.
 *
 * usage: maildesk-milter --store DIR [--socket SPEC] [--socket-group GROUP]
 *                        [--foreground] [--debug]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include <gmime/gmime.h>
#include <libmilter/mfapi.h>

#include "blocklist.h"
#include "bymail.h"
#include "ctx.h"
#include "event.h"
#include "hookrunner.h"
#include "indexer.h"
#include "listen.h"
#include "log.h"
#include "memory.h"
#include "ratelimit.h"
#include "rules.h"
#include "seal.h"
#include "sender.h"
#include "thread.h"
#include "token.h"

static desk_store *store;
static desk_lookup *lookup;
static desk_blocklist *blocked;  /* desk spam --block */
static GRWLock cfg_lock;        /* st->cfg: readers are callbacks, the writer SIGHUP */
static gint inflight;           /* callbacks running, for a clean SIGTERM */

#define WANTED_STEPS (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA | \
		      SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | \
		      SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_BODY | SMFIP_SKIP | SMFIP_HDR_LEADSPC)

static conn_ctx *
conn(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* The reply for a step the MTA may have agreed not to wait for. */
static sfsistat
noreply(SMFICTX *ctx, unsigned long flag)
{
	conn_ctx *c = conn(ctx);

	return c != NULL && (c->proto & flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* The macros that say who sends: the SASL login (agents by mail) and the
 * client's address (when the connect step is skipped). */
#define ENVFROM_MACROS "i {auth_authen} {client_addr}"

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
	     unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long steps = WANTED_STEPS;

	(void)f2;
	(void)f3;
	g_rw_lock_reader_lock(&cfg_lock);
	if (*store->cfg->trusted_networks != '\0')
		steps &= ~SMFIP_NOCONNECT;  /* the client's address, without waiting for a reply */
	g_rw_lock_reader_unlock(&cfg_lock);
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_SETSYMLIST);
	*pf1 = f1 & steps & ~SMFIP_HDR_LEADSPC;
	*pf2 = *pf3 = 0;
	if (*pf0 & SMFIF_SETSYMLIST)
		smfi_setsymlist(ctx, SMFIM_ENVFROM, ENVFROM_MACROS);
	conn_free(conn(ctx));
	smfi_setpriv(ctx, conn_new(*pf1));
	return SMFIS_CONTINUE;
}

/* ADDR without its angle brackets; caller g_free()s. */
static char *
bare_address(const char *addr)
{
	size_t n = strlen(addr);

	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>')
		return g_strndup(addr + 1, n - 2);
	return g_strdup(addr);
}

static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	conn_ctx *c = conn(ctx);
	char buf[INET6_ADDRSTRLEN];
	const char *a = NULL;

	(void)host;
	if (c != NULL && sa != NULL && sa->sa_family == AF_INET)
		a = inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, buf, sizeof buf);
	else if (c != NULL && sa != NULL && sa->sa_family == AF_INET6)
		a = inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, buf, sizeof buf);
	if (a != NULL) {
		g_free(c->client_addr);
		c->client_addr = g_strdup(a);
	}
	return noreply(ctx, SMFIP_NR_CONN);
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	conn_ctx *c = conn(ctx);
	msg_ctx *m;
	const char *v;

	if (c == NULL) {
		c = conn_new(0);
		smfi_setpriv(ctx, c);
	}
	m = conn_begin_message(c);
	m->facts->null_sender = argv[0] != NULL && strcmp(argv[0], "<>") == 0;
	m->envfrom = argv[0] != NULL ? bare_address(argv[0]) : g_strdup("");
	if ((v = smfi_getsymval(ctx, "{auth_authen}")) != NULL && *v != '\0')
		m->sasl = g_strndup(v, 256);
	if (c->client_addr == NULL && (v = smfi_getsymval(ctx, "{client_addr}")) != NULL && *v != '\0')
		c->client_addr = g_strndup(v, 64);
	return noreply(ctx, SMFIP_NR_MAIL);
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	conn_ctx *c = conn(ctx);
	char *a = bare_address(argv[0]);
	gboolean ours;

	g_rw_lock_reader_lock(&cfg_lock);
	ours = config_queue_for(store->cfg, a, NULL) != NULL;
	g_rw_lock_reader_unlock(&cfg_lock);
	if (ours && c != NULL && c->msg != NULL && c->msg->rcpts->len < 100)
		g_ptr_array_add(c->msg->rcpts, a);
	else
		g_free(a);
	return noreply(ctx, SMFIP_NR_RCPT);
}

/* An Authentication-Results header: one that does not count (another
 * authserv-id, or ours below a Received header) is taken out at the end,
 * when an authserv_id is configured.
 * (The MTA shows no milter its own Received header: whether ours above
 * them all came from the MTA's authenticators or from the sender, only
 * the MTA can make sure, maildesk-milter(8).) */
static void
note_authres(msg_ctx *m, const char *value)
{
	int i = (int)++m->authres_n;
	gboolean counts;

	g_rw_lock_reader_lock(&cfg_lock);
	/* no authserv_id: none is read, none taken out */
	counts = *store->cfg->authserv_id == '\0' || sender_authres_counts(store->cfg, value, !m->facts->received);
	g_rw_lock_reader_unlock(&cfg_lock);
	if (!counts)
		g_array_append_val(m->authres_drop, i);
}

/* Whether the rules need M's text: then keep it in a memfd from now on. */
static void
keep_for_rules(msg_ctx *m)
{
	desk_rules *r;

	if (m->raw_checked)
		return;
	m->raw_checked = TRUE;
	g_rw_lock_reader_lock(&cfg_lock);  /* the rules are checked against the configuration */
	r = rules_current(store);
	g_rw_lock_reader_unlock(&cfg_lock);
	if (rules_need_message(r))
		m->raw_fd = memfd_create("maildesk-rules", MFD_CLOEXEC);
	rules_unref(r);
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	conn_ctx *c = conn(ctx);
	msg_ctx *m = c != NULL ? c->msg : NULL;

	if (m != NULL && m->rcpts->len > 0) {
		keep_for_rules(m);
		if (m->raw_fd >= 0) {
			char *line = g_strdup_printf("%s: %s\n", name, value);

			msg_keep(m, line, strlen(line), RULES_MAX_MESSAGE);
			g_free(line);
		}
		facts_header(m->facts, name, value);
		chash_header(m->seal, name, value);
		if (m->raw_subject == NULL && g_ascii_strcasecmp(name, "subject") == 0)
			m->raw_subject = g_strndup(value, 998);
		if (g_ascii_strncasecmp(name, "x-desk-", 7) == 0) {
			char *k = g_ascii_strdown(name, -1);
			guint n = GPOINTER_TO_UINT(g_hash_table_lookup(m->ours, k));

			g_hash_table_replace(m->ours, k, GUINT_TO_POINTER(n + 1));
		}
		if (g_ascii_strcasecmp(name, "authentication-results") == 0)
			note_authres(m, value);
	}
	return noreply(ctx, SMFIP_NR_HDR);
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	conn_ctx *c = conn(ctx);
	msg_ctx *m = c != NULL ? c->msg : NULL;

	if (m == NULL || m->rcpts->len == 0)
		return SMFIS_ACCEPT;  /* not for the desk: untouched, no more steps */
	facts_finish(m->facts);
	msg_keep(m, "\n", 1, RULES_MAX_MESSAGE);
	if (blocklist_has(blocked, m->envfrom) || blocklist_has(blocked, m->facts->from)) {
		const char *qid = smfi_getsymval(ctx, "i");

		/* the whole message: the MTA has no per-recipient answer here */
		desk_log(LOG_NOTICE, "%s: rejected: sender %s is blocked (desk spam --block)",
			 qid != NULL ? qid : "NOQUEUE", blocklist_has(blocked, m->envfrom) ? m->envfrom : m->facts->from);
		smfi_setreply(ctx, "550", "5.7.1", "maildesk: the help desk does not accept mail from this sender");
		return SMFIS_REJECT;
	}
	if (m->facts->is_bounce)
		m->bounce = g_string_new(NULL);
	return SMFIS_CONTINUE;
}

/* The whole body goes into the digest our seal binds to; a bounce's
 * start is kept to find the ticket it is about. Nothing here can fail,
 * so the MTA does not wait for a reply to each chunk (SMFIP_NR_BODY: a
 * round trip less per message on its hot path); what is decided, is
 * decided at the end of the message. */
static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	conn_ctx *c = conn(ctx);
	msg_ctx *m = c != NULL ? c->msg : NULL;

	if (m == NULL) {
		if (c != NULL && (c->proto & SMFIP_NR_BODY))
			return SMFIS_NOREPLY;
		return c != NULL && (c->proto & SMFIP_SKIP) ? SMFIS_SKIP : SMFIS_CONTINUE;
	}
	chash_body(m->seal, (const char *)chunk, len);
	msg_keep(m, (const char *)chunk, len, RULES_MAX_MESSAGE);
	if (m->bounce != NULL && m->bounce->len < BOUNCE_BODY_MAX)
		g_string_append_len(m->bounce, (const char *)chunk, MIN(len, BOUNCE_BODY_MAX - m->bounce->len));
	return noreply(ctx, SMFIP_NR_BODY);
}

/* Take out every X-Desk-* header the message came with: only ours, added
 * after this, are on the stored copy (and on every other recipient's). */
static gboolean
remove_foreign_headers(SMFICTX *ctx, msg_ctx *m)
{
	GHashTableIter it;
	gpointer k, v;
	gboolean ok = TRUE;

	g_hash_table_iter_init(&it, m->ours);
	while (ok && g_hash_table_iter_next(&it, &k, &v))
		for (guint i = GPOINTER_TO_UINT(v); ok && i > 0; i--)
			ok = smfi_chgheader(ctx, k, (int)i, NULL) == MI_SUCCESS;
	return ok;
}

/* Take out the Authentication-Results headers that do not count, so the
 * stored copy (and every other recipient's) has only the trusted ones. */
static gboolean
remove_authres(SMFICTX *ctx, msg_ctx *m, const char *qid)
{
	gboolean ok = TRUE;

	for (guint i = m->authres_drop->len; ok && i-- > 0;)
		ok = smfi_chgheader(ctx, "Authentication-Results", g_array_index(m->authres_drop, int, i), NULL) ==
		     MI_SUCCESS;
	if (m->authres_drop->len > 0)
		desk_log(LOG_INFO, "%s: removed %u Authentication-Results header%s of another authserv-id or below "
			 "a Received header", qid, m->authres_drop->len, m->authres_drop->len > 1 ? "s" : "");
	return ok;
}

/* A new ticket over rate limit LIMIT (lib/store/ratelimit.h): 451, so that the
 * sender's MTA tries again later. */
static sfsistat
over_limit(SMFICTX *ctx, msg_ctx *m, const char *qid, const char *limit)
{
	const char *whom = g_str_has_suffix(limit, "_sender") ? "from this sender"
			   : g_str_has_suffix(limit, "_domain") ? "from this sender's domain" : "right now";
	char text[200];

	for (int i = 0; i < RATE_N; i++)
		if (strcmp(ratelimit_name(i), limit) == 0)
			desk_log(LOG_NOTICE, "%s: tempfail: %s (%s) reached by %s", qid, limit, store->cfg->rate_spec[i],
				 m->facts->from != NULL ? m->facts->from : "(no From)");
	snprintf(text, sizeof text, "maildesk: too many new tickets %s, try again later", whom);
	smfi_setreply(ctx, "451", "4.7.1", text);
	return SMFIS_TEMPFAIL;
}

/* A routing rule refuses the mail: 550 with its code and text. */
static sfsistat
refuse(SMFICTX *ctx, const char *qid, const thread_decision *d)
{
	char code[16], text[300];
	const char *sp = strchr(d->refuse, ' ');

	g_strlcpy(code, d->refuse, MIN(sizeof code, sp != NULL ? (gsize)(sp - d->refuse) + 1 : sizeof code));
	snprintf(text, sizeof text, "%s", sp != NULL ? sp + 1 : "refused");
	g_strdelimit(text, "\r\n%", ' ');
	desk_log(LOG_NOTICE, "%s: reject: rule %s: %s", qid, d->rule, d->refuse);
	smfi_setreply(ctx, "550", code, text);
	return SMFIS_REJECT;
}

static sfsistat
tempfail(SMFICTX *ctx, const char *qid, const char *why)
{
	char text[600];

	snprintf(text, sizeof text, "maildesk: %s, try again later", why);
	g_strdelimit(text, "\r\n%", ' ');
	desk_log(LOG_ERR, "%s: tempfail: %s", qid, why);
	smfi_setreply(ctx, "451", "4.3.0", text);
	return SMFIS_TEMPFAIL;
}

/* Put our headers on top (index 0..3), and the tag on a new ticket. */
static gboolean
add_headers(SMFICTX *ctx, msg_ctx *m, const thread_decision *d)
{
	gboolean routed = *d->rule != '\0', set = routed && *d->route != '\0';
	seal_facts sf = { d->ticket, d->match, d->queue, NULL, set ? d->route : NULL, NULL, NULL,
			  m->facts->message_id, m->digest, routed ? d->rule : NULL };
	char num[16], *seal = seal_make(store->secret, &sf);
	int i = 3;
	gboolean ok;

	if (seal == NULL)
		return FALSE;
	snprintf(num, sizeof num, "%u", d->ticket);
	ok = smfi_insheader(ctx, 0, "X-Desk-Ticket", num) == MI_SUCCESS &&
	     smfi_insheader(ctx, 1, "X-Desk-Match", (char *)d->match) == MI_SUCCESS &&
	     smfi_insheader(ctx, 2, "X-Desk-Queue", (char *)d->queue) == MI_SUCCESS &&
	     (!set || smfi_insheader(ctx, i++, "X-Desk-Set", (char *)d->route) == MI_SUCCESS) &&
	     (!routed || smfi_insheader(ctx, i++, "X-Desk-Rule", (char *)d->rule) == MI_SUCCESS) &&
	     smfi_insheader(ctx, i, "X-Desk-Seal", seal) == MI_SUCCESS;
	g_free(seal);
	if (ok && d->is_new && store->cfg->subject_tag_add) {
		char *subject = event_subject(store, d->ticket, m->raw_subject);  /* as on all our mail */

		ok = smfi_chgheader(ctx, "Subject", 1, subject) == MI_SUCCESS ||
		     smfi_addheader(ctx, "Subject", subject) == MI_SUCCESS;
		g_free(subject);
	}
	return ok;
}

/* An agent's mail to a ticket: our headers with its event, sealed. */
static gboolean
add_agent_headers(SMFICTX *ctx, msg_ctx *m, const bymail_decision *d)
{
	char num[16], *seal = bymail_seal(store, d, m->facts->message_id, m->digest);
	gboolean ok;

	if (seal == NULL)
		return FALSE;
	snprintf(num, sizeof num, "%u", d->ticket);
	ok = smfi_insheader(ctx, 0, "X-Desk-Ticket", num) == MI_SUCCESS &&
	     smfi_insheader(ctx, 1, "X-Desk-Match", (char *)d->match) == MI_SUCCESS &&
	     smfi_insheader(ctx, 2, "X-Desk-Queue", (char *)d->queue) == MI_SUCCESS &&
	     smfi_insheader(ctx, 3, "X-Desk-Event", (char *)d->event) == MI_SUCCESS &&
	     smfi_insheader(ctx, 4, "X-Desk-Set", (char *)d->set) == MI_SUCCESS &&
	     smfi_insheader(ctx, 5, "X-Desk-Seal", seal) == MI_SUCCESS;
	g_free(seal);
	return ok;
}

/* Mail from an agent (the MTA says so) to a ticket; SMFIS_CONTINUE with
 * *done FALSE when it is not one: threaded as usual then. */
static sfsistat
decide_agent(SMFICTX *ctx, conn_ctx *c, msg_ctx *m, const char *qid, gboolean *done)
{
	bymail_decision d;
	desk_err err = { 0 };
	desk_status s = bymail_decide(store, lookup, m->sasl, c->client_addr, m->facts, m->rcpts->pdata[0], &d, &err);
	const char *id = m->facts->message_id;

	*done = s != DESK_OK || d.ticket != 0;
	if (s == DESK_NOTFOUND) {
		char text[600];

		snprintf(text, sizeof text, "maildesk: %s", err.msg);
		g_strdelimit(text, "\r\n%", ' ');
		desk_log(LOG_NOTICE, "%s: reject: agent %s: %s", qid, d.agent != NULL ? d.agent->login : "?", err.msg);
		smfi_setreply(ctx, "550", "5.1.1", text);
		return SMFIS_REJECT;
	}
	if (s != DESK_OK)
		return tempfail(ctx, qid, err.msg);
	if (d.ticket == 0)
		return SMFIS_CONTINUE;
	if (!add_agent_headers(ctx, m, &d))
		return tempfail(ctx, qid, "cannot add headers");
	lookup_remember(lookup, id, d.ticket, NULL);
	desk_log(LOG_INFO, "%s: message-id=%s%s%s ticket=%u match=agent queue=%s event=%s %s (%s)", qid,
		 id != NULL ? "<" : "", id != NULL ? id : "(none)", id != NULL ? ">" : "", d.ticket, d.queue,
		 d.event, d.set, d.how);
	return SMFIS_CONTINUE;
}

static sfsistat
decide(SMFICTX *ctx, conn_ctx *c, msg_ctx *m, const char *qid)
{
	thread_decision d;
	desk_err err = { 0 };
	guint bounced = m->bounce != NULL ? thread_bounced(store->secret, m->bounce->str, m->bounce->len) : 0;
	const char *id = m->facts->message_id;
	gboolean done = FALSE;
	sfsistat r;

	if (store_check_space(store, 0, &err) != DESK_OK)
		return tempfail(ctx, qid, err.msg);
	msg_digest_finish(m);
	if (!remove_foreign_headers(ctx, m))
		return tempfail(ctx, qid, "cannot remove X-Desk headers");
	if (!remove_authres(ctx, m, qid))
		return tempfail(ctx, qid, "cannot remove Authentication-Results headers");
	r = decide_agent(ctx, c, m, qid, &done);
	if (done)
		return r;
	if (thread_decide(store, lookup, m->facts, m->rcpts->pdata[0], bounced, 0, &d, &err) != DESK_OK)
		return tempfail(ctx, qid, err.msg);
	if (d.limit != NULL)
		return over_limit(ctx, m, qid, d.limit);
	if (rules_decide(store, m->raw_fd, m->facts, m->rcpts->pdata[0], &d) && *d.refuse != '\0')
		return refuse(ctx, qid, &d);
	if (d.bad_token)
		desk_log(LOG_NOTICE, "%s: bad token in recipient %s, ignored", qid, (char *)m->rcpts->pdata[0]);
	if (!add_headers(ctx, m, &d))
		return tempfail(ctx, qid, "cannot add headers");
	lookup_remember(lookup, id, d.ticket, thread_participant(store, &d, m->facts));
	desk_log(LOG_INFO, "%s: message-id=%s%s%s ticket=%u match=%s queue=%s%s%s%s%s%s", qid,
		 id != NULL ? "<" : "", id != NULL ? id : "(none)", id != NULL ? ">" : "", d.ticket, d.reason, d.queue,
		 *d.rule ? " rule=" : "", d.rule, d.held ? " held" : "",
		 m->facts->is_auto ? " auto" : m->facts->is_bulk ? " bulk" : "",
		 m->facts->is_bounce ? " bounce" : "");
	return SMFIS_CONTINUE;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	conn_ctx *c = conn(ctx);
	const char *qid = smfi_getsymval(ctx, "i");
	sfsistat r;

	if (c == NULL || c->msg == NULL || c->msg->rcpts->len == 0)
		return SMFIS_CONTINUE;
	g_rw_lock_reader_lock(&cfg_lock);
	r = decide(ctx, c, c->msg, qid != NULL ? qid : "NOQUEUE");
	g_rw_lock_reader_unlock(&cfg_lock);
	conn_end_message(c);
	return r;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	if (conn(ctx) != NULL)
		conn_end_message(conn(ctx));
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	conn_free(conn(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

/* Count every callback in flight, so SIGTERM can wait for them. */
#define COUNTED(name, call, ...) \
	static sfsistat name(SMFICTX *ctx, ##__VA_ARGS__) \
	{ \
		sfsistat r; \
		g_atomic_int_inc(&inflight); \
		r = call; \
		g_atomic_int_dec_and_test(&inflight); \
		return r; \
	}

COUNTED(w_connect, cb_connect(ctx, host, sa), char *host, _SOCK_ADDR *sa)
COUNTED(w_envfrom, cb_envfrom(ctx, argv), char **argv)
COUNTED(w_envrcpt, cb_envrcpt(ctx, argv), char **argv)
COUNTED(w_header, cb_header(ctx, n, v), char *n, char *v)
COUNTED(w_eoh, cb_eoh(ctx))
COUNTED(w_body, cb_body(ctx, b, l), unsigned char *b, size_t l)
COUNTED(w_eom, cb_eom(ctx))
COUNTED(w_abort, cb_abort(ctx))
COUNTED(w_close, cb_close(ctx))

static struct smfiDesc desc = {
	.xxfi_name = "maildesk",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
	.xxfi_connect = w_connect,
	.xxfi_envfrom = w_envfrom,
	.xxfi_envrcpt = w_envrcpt,
	.xxfi_header = w_header,
	.xxfi_eoh = w_eoh,
	.xxfi_body = w_body,
	.xxfi_eom = w_eom,
	.xxfi_abort = w_abort,
	.xxfi_close = w_close,
	.xxfi_negotiate = cb_negotiate,
};

static gpointer
signals(gpointer set)
{
	int sig;

	while (sigwait(set, &sig) == 0) {
		if (sig == SIGHUP) {
			desk_err err = { 0 };

			g_rw_lock_writer_lock(&cfg_lock);
			if (store_reload(store, &err) == DESK_OK)
				desk_log(LOG_INFO, "configuration reloaded");
			else
				desk_log(LOG_ERR, "reload failed, keeping the old configuration: %s", err.msg);
			g_rw_lock_writer_unlock(&cfg_lock);
		} else {
			desk_log(LOG_INFO, "signal %d: stopping after the messages in flight", sig);
			smfi_stop();
			return NULL;
		}
	}
	return NULL;
}

/* Listen on SPEC (an inet: port alone: on 127.0.0.1); a unix socket is
 * made mode 0660 and given to GROUP (NULL or "": the store's group). */
static int
listen_on(const char *raw, const char *group)
{
	char *spec = listen_spec(raw);
	const char *path = listen_unix_path(spec);
	desk_err err = { 0 };
	gid_t gid = (gid_t)-1;
	mode_t old;
	int rc = 0;

	if (smfi_setconn(spec) != MI_SUCCESS) {
		desk_log(LOG_ERR, "bad socket %s", spec);
		rc = EX_USAGE;
	} else if (path != NULL && listen_group(group, store->dir, &gid, &err) != DESK_OK) {
		desk_log(LOG_ERR, "%s", err.msg);
		rc = desk_exit_code(err.status);
	}
	if (rc != 0)
		goto out;
	old = umask(0117);  /* born 0660: never a moment open to everyone */
	rc = smfi_opensocket(TRUE);
	umask(old);
	if (rc != MI_SUCCESS) {
		desk_log(LOG_ERR, "cannot listen on %s: %s", spec, g_strerror(errno));
		rc = EX_UNAVAILABLE;
	} else if (path != NULL && listen_restrict(path, gid, &err) != DESK_OK) {
		desk_log(LOG_ERR, "%s", err.msg);
		unlink(path);
		rc = desk_exit_code(err.status);
	} else if (listen_spec_is_open(spec)) {
		desk_log(LOG_WARNING, "listening on %s: whoever can reach it can claim any SASL login "
			 "(see maildesk-milter(8))", spec);
	}
out:
	g_free(spec);
	return rc;
}

static void
wait_inflight(void)
{
	for (int i = 0; i < 300 && g_atomic_int_get(&inflight) > 0; i++)
		g_usleep(100000);
}

/* Serve until a signal stops us; the exit status. */
static int
serve(void)
{
	static sigset_t set;  /* the signal thread's: it may outlive this call */
	GThread *sig;
	int rc;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	lookup = lookup_new(store);
	store->pending = lookup;  /* what a follow-up's change indexes is forgotten too */
	blocked = blocklist_new(store);
	indexer_start(store, lookup, &cfg_lock);
	hookrunner_start(store, &cfg_lock);
	sig = g_thread_new("signals", signals, &set);
	desk_log(LOG_INFO, "started: store %s", store->dir);
	rc = smfi_main();
	wait_inflight();
	indexer_stop();
	hookrunner_stop();
	desk_log(LOG_INFO, "stopped");
	/* the signal thread ends after the signal that stopped us; if
	 * smfi_main failed it still waits: let it go, never join it */
	g_thread_unref(sig);
	if (g_atomic_int_get(&inflight) == 0) {  /* else a callback may still use them */
		store->pending = NULL;
		blocklist_free(blocked);
		lookup_free(lookup);
	}
	return rc == MI_SUCCESS ? 0 : EX_SOFTWARE;
}

/* Register, listen on SPEC (socket GROUP), detach unless FOREGROUND,
 * serve; the exit status. */
static int
start(const char *spec, const char *group, gboolean foreground)
{
	int rc;

	if (smfi_register(desc) != MI_SUCCESS) {
		desk_log(LOG_ERR, "smfi_register failed");
		return EX_SOFTWARE;
	}
	if ((rc = listen_on(spec, group)) != 0)
		return rc;
	if (!foreground && daemon(0, 0) != 0) {
		desk_log(LOG_ERR, "daemon: %s", g_strerror(errno));
		return EX_OSERR;
	}
	return serve();
}

int
main(int argc, char **argv)
{
	char *dir = NULL, *socket = NULL, *group = NULL;
	gboolean foreground = FALSE, debug = FALSE;
	GOptionEntry entries[] = {
		{ "store", 's', 0, G_OPTION_ARG_FILENAME, &dir, "The store (default $MAILDESK_STORE or /var/lib/maildesk)", "DIR" },
		{ "socket", 'p', 0, G_OPTION_ARG_STRING, &socket,
		  "unix:PATH or inet:PORT[@ADDRESS] (default: milter.socket)", "SPEC" },
		{ "socket-group", 'g', 0, G_OPTION_ARG_STRING, &group,
		  "Group of the unix socket, one the MTA's user is in (default: milter.socket_group, "
		  "else the store's group)", "GROUP" },
		{ "foreground", 'f', 0, G_OPTION_ARG_NONE, &foreground, "Stay in the foreground, log to stderr too", NULL },
		{ "debug", 'd', 0, G_OPTION_ARG_NONE, &debug, "Log debugging lines", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *oc = g_option_context_new("- thread support mail into maildesk tickets");
	GError *gerr = NULL;
	desk_err err = { 0 };
	int rc;

	memory_tune();
	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, &argc, &argv, &gerr)) {
		fprintf(stderr, "maildesk-milter: %s\n", gerr->message);
		g_error_free(gerr);
		g_option_context_free(oc);
		return EX_USAGE;
	}
	g_option_context_free(oc);
	umask(007);
	log_open("maildesk-milter", foreground);
	log_debug_enable(debug);
	g_mime_init();
	log_quiet_gmime();
	if (store_open(store_default_dir(dir), &store, &err) != DESK_OK) {
		desk_log(LOG_ERR, "%s", err.msg);
		rc = desk_exit_code(err.status);
	} else {
		rc = start(socket != NULL ? socket : store->cfg->milter_socket,
			   group != NULL ? group : store->cfg->milter_socket_group, foreground);
	}
	if (g_atomic_int_get(&inflight) == 0)
		store_free(store);
	g_free(dir);
	g_free(socket);
	g_free(group);
	g_mime_shutdown();
	return rc;
}
