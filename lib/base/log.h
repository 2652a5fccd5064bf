/* log.h: one log line per event: syslog LOG_MAIL in daemons, stderr in desk. */
#ifndef DESK_LOG_H
#define DESK_LOG_H

#include <syslog.h>

/* Open syslog as IDENT (facility LOG_MAIL); with to_stderr, lines also go
 * to stderr (LOG_PERROR). Without log_open, lines go to stderr only. */
void log_open(const char *ident, int to_stderr);
void log_debug_enable(int on);
/* Send GMime's criticals and warnings about broken mail to debug level. */
void log_quiet_gmime(void);
void desk_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
