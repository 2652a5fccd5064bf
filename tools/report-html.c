/* report-html.c: desk report --html: one self-contained page (no network,
 * no script, no font) whose charts are SVG drawn here. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "report-out.h"

gboolean
report_write_html(const report *r, const char *path, GError **gerr)
{
	(void)r;
	g_set_error(gerr, G_FILE_ERROR, G_FILE_ERROR_NOSYS, "not yet");
	(void)path;
	return FALSE;
}
