/* fuzz-html.c: libFuzzer harness of HTML to text (lib/mail/html.c), the parser
 * desk show and desk reply run on every text/html part. Checks the
 * contract of html.h: valid UTF-8 without leading or trailing white space,
 * whatever the bytes. */
#include <string.h>

#include "fuzz.h"
#include "html.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t = html_to_text((const char *)data, size);
	size_t len;

	FUZZ_CHECK(t != NULL && g_utf8_validate(t, -1, NULL), "html_to_text gives UTF-8");
	len = strlen(t);
	FUZZ_CHECK(len == 0 || (!g_ascii_isspace(t[0]) && !g_ascii_isspace(t[len - 1])),
		   "no leading or trailing white space");
	g_free(t);
	return 0;
}
