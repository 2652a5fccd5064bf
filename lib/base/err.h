/* err.h: the status every libdesk function returns, with a message. */
#ifndef DESK_ERR_H
#define DESK_ERR_H

typedef enum {
	DESK_OK = 0,
	DESK_TEMPFAIL,  /* try again later: I/O, disk full, read-only: 4xx, EX_TEMPFAIL */
	DESK_BUSY,      /* lock not had within the timeout: "store busy" */
	DESK_DATAERR,   /* the input is unusable */
	DESK_NOTFOUND,  /* no such store, ticket or file */
	DESK_CONFIG,    /* the configuration is wrong */
	DESK_USAGE,     /* the caller asked for something impossible */
	DESK_SOFTWARE,  /* a bug or a library failure */
} desk_status;

typedef struct desk_err {
	desk_status status;
	char msg[512];
} desk_err;

/* Fill err (if not NULL) with status s and a printf message; returns s. */
desk_status desk_fail(desk_err *err, desk_status s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The sysexits(3) code for a status, for process boundaries. */
int desk_exit_code(desk_status s);

#endif
