/* fuzz-template.c: libFuzzer harness of templates (lib/desk/template.c). The
 * input is three parts cut at NUL bytes: the template's text, a ticket's
 * Subject and its requester's name (both from mail, so hostile). The
 * placeholders come from template_vars for that ticket, the agents from
 * the configuration of fuzz.h; template_parse runs as desk reply
 * --template does. Checks: a refusal says why; a template's set is
 * "key=value" items; a value is inserted as it is, never expanded again
 * (${subject} gives the Subject byte for byte). */
#include <string.h>

#include "evtype.h"
#include "fuzz.h"
#include "template.h"
#include "ticket.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	fuzz_config();
	return 0;
}

/* A template's commands: items with the keys a reply may set. */
static void
check_set(const xset *set)
{
	FUZZ_CHECK(xset_len(set) > 0, "a set has items");
	for (guint i = 0; i < xset_len(set); i++)
		FUZZ_CHECK(evtype_allows("reply", xset_key(set, i)), "a template sets only what a reply may");
}

/* ${subject} between two marks is the Subject as it is. */
static void
check_verbatim(GHashTable *vars, const char *subject)
{
	char *out = NULL, *want = g_strdup_printf("<%s>", subject);
	desk_err err = { 0 };

	FUZZ_CHECK(template_expand("<${subject}>", vars, &out, &err) == DESK_OK, err.msg);
	FUZZ_CHECK(strcmp(out, want) == 0, "a value is inserted as it is");
	g_free(out);
	g_free(want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	desk_store st = { .cfg = (desk_config *)fuzz_config() };
	char **part = fuzz_split(data, size, 3);
	ticket_info t = { .number = 42, .subject = part[1], .status = "open", .requester = "ann@customer.test",
			  .requester_name = part[2], .owner = "alice", .queue = "support", .priority = "normal" };
	const desk_agent *me = st.cfg->agents->pdata[0];
	GHashTable *vars = template_vars(&st, &t, me);
	desk_template *tp = NULL;
	desk_err err = { 0 };
	desk_status s;

	check_verbatim(vars, part[1]);
	if (g_utf8_validate(part[0], -1, NULL) && strlen(part[0]) <= TEMPLATE_MAX_SIZE) {
		s = template_parse(part[0], vars, st.cfg->agents, &tp, &err);
		FUZZ_CHECK(s == DESK_OK || (s == DESK_DATAERR && err.msg[0] != '\0'), "a refusal says why");
		FUZZ_CHECK((s == DESK_OK) == (tp != NULL), "a template exactly when parsed");
		if (tp != NULL) {
			FUZZ_CHECK(tp->body != NULL, "a template has a body");
			if (tp->set != NULL)
				check_set(tp->set);
			FUZZ_CHECK(tp->status == NULL || ticket_status_valid(tp->status), "a valid status");
		}
		template_free(tp);
	}
	(void)template_name_ok(part[0]);
	g_hash_table_unref(vars);
	g_strfreev(part);
	return 0;
}
