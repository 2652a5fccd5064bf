/* gitload.c: libgit2 loaded with GModule on first use (see gitload.h). */
#define GITLOAD_IMPLEMENTATION
#include <gmodule.h>

#include "gitload.h"

#define GITLOAD_DEFINE(f) __typeof__(f) *gitload_##f;
GITLOAD_FUNCTIONS(GITLOAD_DEFINE)
#undef GITLOAD_DEFINE

/* Why loading failed; NULL once loaded. Set once, under g_once. */
static char *failure;

static gpointer
load(gpointer unused)
{
	GModule *m = g_module_open(GIT2_SONAME, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);

	(void)unused;
	if (m == NULL) {
		failure = g_strdup_printf("cannot load %s: %s", GIT2_SONAME, g_module_error());
		return NULL;
	}
	g_module_make_resident(m);
#define GITLOAD_SYMBOL(f)                                                                      \
	if (failure == NULL && !g_module_symbol(m, #f, (gpointer *)&gitload_##f))             \
		failure = g_strdup_printf("%s has no %s: %s", GIT2_SONAME, #f, g_module_error());
	GITLOAD_FUNCTIONS(GITLOAD_SYMBOL)
#undef GITLOAD_SYMBOL
	return NULL;
}

desk_status
gitload(desk_err *err)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, load, NULL);
	if (failure != NULL)
		return desk_fail(err, DESK_SOFTWARE, "%s", failure);
	return DESK_OK;
}
