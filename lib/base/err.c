/* err.c: filling desk_err and mapping statuses to sysexits. */
#include <stdarg.h>
#include <stdio.h>
#include <sysexits.h>

#include "err.h"

desk_status
desk_fail(desk_err *err, desk_status s, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return s;
	err->status = s;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return s;
}

int
desk_exit_code(desk_status s)
{
	switch (s) {
	case DESK_OK: return 0;
	case DESK_TEMPFAIL: return EX_TEMPFAIL;
	case DESK_BUSY: return EX_TEMPFAIL;
	case DESK_DATAERR: return EX_DATAERR;
	case DESK_NOTFOUND: return EX_NOINPUT;
	case DESK_CONFIG: return EX_CONFIG;
	case DESK_USAGE: return EX_USAGE;
	case DESK_SOFTWARE: return EX_SOFTWARE;
	}
	return EX_SOFTWARE;
}
