/* fuzz-render.c: libFuzzer harness of rendering (lib/mail/render.c): the input
 * is a message file, parsed by GMime and rendered as desk show does, with
 * the fallback charset windows-1252. Checks the contract of render.h: every
 * string valid UTF-8, no control characters (newline and tab only in the
 * text), no CR; attachments named. Also render_to_utf8 on the input with
 * the charset named on its first line. */
#include <string.h>

#include "charset.h"
#include "fuzz.h"
#include "render.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

static void
check_rendered(const rendered_msg *m)
{
	const char *lines[] = { m->from, m->to, m->cc, m->date, m->subject, m->message_id };

	for (size_t i = 0; i < G_N_ELEMENTS(lines); i++)
		FUZZ_CHECK(lines[i] != NULL && fuzz_clean_utf8(lines[i], FALSE), "a header is a clean UTF-8 line");
	FUZZ_CHECK(m->text != NULL && fuzz_clean_utf8(m->text, TRUE), "the text is clean UTF-8");
	for (guint i = 0; i < m->attachments->len; i++) {
		const render_attachment *a = m->attachments->pdata[i];

		FUZZ_CHECK(a->name != NULL && *a->name != '\0' && fuzz_clean_utf8(a->name, FALSE),
			   "an attachment has a clean name");
		FUZZ_CHECK(a->type != NULL && fuzz_clean_utf8(a->type, FALSE), "an attachment has a type");
	}
}

/* charset_to_utf8 of the input, the charset taken from its first line. */
static void
to_utf8(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', MIN(size, 40));
	char *charset = nl != NULL ? g_strndup((const char *)data, nl - data) : NULL;
	const char *rest = nl != NULL ? (const char *)nl + 1 : (const char *)data;
	char *u = charset_to_utf8(rest, size - (rest - (const char *)data), charset, "windows-1252;koi8-r");

	FUZZ_CHECK(u != NULL && g_utf8_validate(u, -1, NULL), "charset_to_utf8 gives UTF-8");
	g_free(u);
	g_free(charset);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rendered_msg *m = NULL;
	desk_err err = { 0 };
	desk_status s = render_message(fuzz_file(0, data, size), "windows-1252", &m, &err);

	FUZZ_CHECK(s == DESK_OK || s == DESK_DATAERR, err.msg);
	if (s == DESK_OK)
		check_rendered(m);
	rendered_msg_free(m);
	to_utf8(data, size);
	return 0;
}
