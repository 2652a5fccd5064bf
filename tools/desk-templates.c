/* desk-templates.c: desk templates [NAME]: the templates desk reply
 * --template and desk close --template can use, where each comes from, and
 * the commands of its header block (lib/desk/template.h). */
#include <stdio.h>
#include <string.h>

#include "desk.h"
#include "output.h"
#include "template.h"

/* One line a template: name, its header commands (or "-"), its file. */
static void
print_list(GPtrArray *files, gboolean all)
{
	for (guint i = 0; i < files->len; i++) {
		const template_file *f = files->pdata[i];

		if (f->shadowed && !all)
			continue;
		printf("%-12s %-32s %s%s\n", out_safe(f->name), out_safe(*f->header ? f->header : "-"),
		       out_safe(f->path), f->shadowed ? " (not used: one before it has the name)" : "");
	}
}

/* NAME's text, as written (placeholders not expanded). */
static int
print_one(desk_store *st, const char *name)
{
	char *path = NULL, *text = NULL;
	desk_err err = { 0 };
	desk_status s = template_find(st, name, &path, &err);
	GError *gerr = NULL;
	gsize len = 0;
	int rc = 0;

	if (s != DESK_OK)
		return desk_error(s, "templates: %s", err.msg);
	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		rc = desk_error(DESK_NOTFOUND, "templates: %s", gerr->message);
		g_error_free(gerr);
	} else if (len > TEMPLATE_MAX_SIZE) {
		rc = desk_error(DESK_DATAERR, "templates: %s: larger than %d bytes", path, TEMPLATE_MAX_SIZE);
	} else {
		printf("%s", out_safe_text(text));  /* only the text: to copy and change */
		if (len > 0 && text[len - 1] != '\n')
			printf("\n");
	}
	g_free(text);
	g_free(path);
	return rc;
}

int
verb_templates(const char *store_dir, int argc, char **argv)
{
	gboolean all = FALSE, dirs = FALSE;
	GOptionEntry entries[] = {
		{ "all", 'a', 0, G_OPTION_ARG_NONE, &all, "Also the files a template of the same name hides", NULL },
		{ "dirs", 0, 0, G_OPTION_ARG_NONE, &dirs, "Print where templates are looked for, in order", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	int rc = desk_parse("templates", "[NAME]",
			    "List the templates of desk reply --template and desk close --template:\n"
			    "name, the commands of its header block (Status:, Tag:, ...), and its file.\n"
			    "They are looked for in STORE/templates, $MAILDESK_TEMPLATES_DIR, then the\n"
			    "installed ones; the first of a name wins. With NAME, print that template's text.",
			    entries, &argc, &argv);

	if (rc >= 0)
		return rc;
	if (argc > 2)
		return desk_error(DESK_USAGE, "templates: one template name at most");
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		return rc;
	if (argc == 2) {
		rc = print_one(st, argv[1]);
	} else if (dirs) {
		char **d = template_dirs(st);

		for (char **p = d; *p != NULL; p++)
			printf("%s\n", out_safe(*p));
		g_strfreev(d);
	} else {
		GPtrArray *files = template_list(st);

		print_list(files, all);
		g_ptr_array_unref(files);
	}
	desk_close_store(st);
	return rc;
}
