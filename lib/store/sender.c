/* sender.c: the [sender] policy: trusted Authentication-Results, holds, acks. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ratelimit.h"
#include "rawmsg.h"
#include "sender.h"

gboolean
sender_authres_counts(const desk_config *cfg, const char *value, gboolean above_received)
{
	return cfg->authserv_id != NULL && *cfg->authserv_id != '\0' &&
	       (above_received || cfg->authserv_scrubbed) && authres_id_is(value, cfg->authserv_id);
}

authres_verdict
sender_verdict(const desk_config *cfg, const msg_facts *f, char **how)
{
	GPtrArray *values = g_ptr_array_new();
	authres_verdict v;

	for (guint i = 0; i < f->authres->len; i++) {
		const facts_authres *a = f->authres->pdata[i];

		if (sender_authres_counts(cfg, a->value, a->above_received))
			g_ptr_array_add(values, a->value);
	}
	v = authres_judge(values, f->from, how);
	g_ptr_array_unref(values);
	return v;
}

static void
on_header(void *ud, const char *name, const char *value)
{
	facts_header(ud, name, value);
}

gboolean
sender_verdict_file(const desk_config *cfg, const char *path, authres_verdict *v, char **how)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	rawmsg_sink sink = { on_header, NULL, NULL };
	msg_facts *f;
	desk_err err = { 0 };
	gsize size = 0;
	gboolean ok;

	if (fd < 0)
		return FALSE;
	f = facts_new();
	sink.ud = f;
	ok = rawmsg_scan(fd, -1, &sink, &size, &err) == DESK_OK;
	close(fd);
	if (ok)
		*v = sender_verdict(cfg, f, how);
	facts_free(f);
	return ok;
}

const char *
sender_hold(const desk_config *cfg, authres_verdict v)
{
	if (v == AUTHRES_FAIL && strcmp(cfg->require_aligned, "no") != 0)
		return "sender failed DMARC";
	if (v != AUTHRES_PASS && strcmp(cfg->require_aligned, "yes") == 0)
		return "sender not authenticated";
	return NULL;
}

const char *
sender_no_ack(const desk_config *cfg, authres_verdict v)
{
	if (v == AUTHRES_FAIL && strcmp(cfg->ack_senders, "any") != 0)
		return "the sender failed DMARC";
	if (v != AUTHRES_PASS && strcmp(cfg->ack_senders, "aligned") == 0)
		return "the sender is not authenticated";
	return NULL;
}

/* Whether ID can be an authserv-id: 1 to 255 printable ASCII characters,
 * none of them blank, ';', '(', ')', '"' or '='. */
static gboolean
authserv_id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 255)
		return FALSE;
	for (const char *c = id; *c != '\0'; c++)
		if ((guchar)*c <= ' ' || (guchar)*c >= 127 || strchr(";()\"=", *c) != NULL)
			return FALSE;
	return TRUE;
}

static gboolean
one_of(const char *v, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strcmp(v, *words) == 0)
			return TRUE;
	return FALSE;
}

desk_status
sender_config_check(desk_config *cfg, desk_err *err)
{
	static const char *const hold[] = { "no", "fail", "yes", NULL };
	static const char *const acks[] = { "any", "not-failed", "aligned", NULL };
	gboolean ids = *cfg->authserv_id != '\0';

	if (ids && !authserv_id_ok(cfg->authserv_id))
		return desk_fail(err, DESK_CONFIG, "sender.authserv_id: not an authserv-id: %s", cfg->authserv_id);
	if (!one_of(cfg->require_aligned, hold))
		return desk_fail(err, DESK_CONFIG, "sender.require_aligned_sender: no, fail or yes, not %s",
				 cfg->require_aligned);
	if (!one_of(cfg->ack_senders, acks))
		return desk_fail(err, DESK_CONFIG, "sender.ack_senders: any, not-failed or aligned, not %s",
				 cfg->ack_senders);
	/* without results read, "yes" would hold every match, "aligned" stop every ack */
	if (!ids && strcmp(cfg->require_aligned, "yes") == 0)
		return desk_fail(err, DESK_CONFIG, "sender.require_aligned_sender = yes needs sender.authserv_id");
	if (!ids && strcmp(cfg->ack_senders, "aligned") == 0)
		return desk_fail(err, DESK_CONFIG, "sender.ack_senders = aligned needs sender.authserv_id");
	for (int i = 0; i < RATE_N; i++)
		if (ratelimit_parse(cfg->rate_spec[i], &cfg->rate[i]) != DESK_OK)
			return desk_fail(err, DESK_CONFIG, "sender.%s: not N/DURATION (e.g. 30/1h) or 0: %s",
					 ratelimit_name(i), cfg->rate_spec[i]);
	return DESK_OK;
}
