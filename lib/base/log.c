/* log.c: syslog(3) with LOG_MAIL for the milter, stderr for tools. */
#include <stdarg.h>
#include <stdio.h>
#include <glib.h>

#include "log.h"
#include "term.h"

static int use_syslog, debug;

void
log_open(const char *ident, int to_stderr)
{
	openlog(ident, LOG_PID | LOG_NDELAY | (to_stderr ? LOG_PERROR : 0), LOG_MAIL);
	use_syslog = 1;
}

/* GMime complains (g_critical) about broken MIME inside libnotmuch's
 * indexing; that is the mail's fault, not ours: debug level. */
static void
gmime_noise(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer ud)
{
	(void)level;
	(void)ud;
	desk_log(LOG_DEBUG, "%s: %s", domain, msg);
}

void
log_quiet_gmime(void)
{
	g_log_set_handler("gmime", G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING, gmime_noise, NULL);
}

void
log_debug_enable(int on)
{
	debug = on;
}

/* A line may quote mail: it is made safe for a terminal (lib/base/term.h)
 * before syslog or stderr get it. */
void
desk_log(int priority, const char *fmt, ...)
{
	va_list ap;
	char *line, *safe;

	if (priority == LOG_DEBUG && !debug)
		return;
	va_start(ap, fmt);
	line = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	safe = term_safe(line, TERM_LINE);
	if (use_syslog)
		syslog(priority, "%s", safe);
	else
		fprintf(stderr, "desk: %s\n", safe);
	g_free(safe);
	g_free(line);
}
