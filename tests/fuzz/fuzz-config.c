/* fuzz-config.c: libFuzzer harness of maildesk.conf parsing
 * (lib/base/config.c, with the agent groups of lib/base/agent.c and the networks of
 * lib/base/netmatch.c): the input is the file, loaded with config_load as every
 * program does at start and the milter on SIGHUP. Checks of a loaded
 * configuration: the subject tag it adds is the one it reads back
 * (thread_subject_tag of event_subject); each desk address maps to its
 * queue; config_template of its addresses loads again with the same
 * addresses and queues; a refusal says why. */
#include <string.h>

#include "agent.h"
#include "event.h"
#include "fuzz.h"
#include "netmatch.h"
#include "sender.h"
#include "thread.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

static void
check_tag(desk_config *cfg)
{
	desk_store st = { .cfg = cfg };
	char *subject = event_subject(&st, 42, "printer on fire");

	FUZZ_CHECK(thread_subject_tag(cfg->subject_tag, subject) == 42, "the subject tag we add reads back");
	g_free(subject);
}

/* The addresses of CFG as "addr=queue" strings. */
static char **
addresses_of(const desk_config *cfg)
{
	char **out = g_new0(char *, cfg->addresses->len + 1);

	for (guint i = 0; i < cfg->addresses->len; i++) {
		const desk_address *a = cfg->addresses->pdata[i];

		out[i] = g_strdup_printf("%s=%s", a->address, a->queue);
	}
	return out;
}

static void
check_template(const desk_config *cfg)
{
	char **addrs = addresses_of(cfg);
	char *text = config_template(addrs);
	desk_config *again = NULL;
	desk_err err = { 0 };

	FUZZ_CHECK(config_load(fuzz_file(1, (const uint8_t *)text, strlen(text)), &again, &err) == DESK_OK,
		   err.msg);
	FUZZ_CHECK(again->addresses->len == cfg->addresses->len, "the template has every address");
	for (guint i = 0; i < cfg->addresses->len; i++) {
		const desk_address *a = cfg->addresses->pdata[i], *b = again->addresses->pdata[i];

		FUZZ_CHECK(strcmp(a->address, b->address) == 0 && strcmp(a->queue, b->queue) == 0,
			   "the same address and queue");
	}
	config_free(again);
	g_free(text);
	g_strfreev(addrs);
}

/* Each desk address maps to a queue (the first address of that name wins). */
static void
check_queues(const desk_config *cfg)
{
	for (guint i = 0; i < cfg->addresses->len; i++) {
		const desk_address *a = cfg->addresses->pdata[i];
		char *ext = NULL, *plus = g_strdup_printf("%.*s+7-x%s", (int)(strchr(a->address, '@') - a->address),
							  a->address, strchr(a->address, '@'));

		FUZZ_CHECK(config_queue_for(cfg, a->address, NULL) != NULL, "a desk address has a queue");
		FUZZ_CHECK(config_queue_for(cfg, plus, &ext) != NULL && g_strcmp0(ext, "7-x") == 0,
			   "its +extension too");
		g_free(ext);
		g_free(plus);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	desk_config *cfg = NULL;
	desk_err err = { 0 };
	desk_status s = config_load(fuzz_file(0, data, size), &cfg, &err);

	/* the [sender] keys are checked as the store does after loading */
	if (s == DESK_OK && (s = sender_config_check(cfg, &err)) != DESK_OK)
		g_clear_pointer(&cfg, config_free);
	FUZZ_CHECK(s == DESK_OK || ((s == DESK_CONFIG || s == DESK_NOTFOUND) && err.msg[0] != '\0'),
		   "a refusal says why");
	if (s != DESK_OK)
		return 0;
	check_tag(cfg);
	check_queues(cfg);
	check_template(cfg);
	(void)netmatch_contains(cfg->trusted_networks, "192.0.2.1");
	(void)netmatch_contains(cfg->trusted_networks, "2001:db8::1");
	(void)agent_find(cfg->agents, "alice");
	(void)agent_by_sasl(cfg->agents, "alice@corp");
	(void)agent_by_address(cfg->agents, "alice@helpdesk.test");
	config_free(cfg);
	return 0;
}
