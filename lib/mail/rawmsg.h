/* rawmsg.h: one pass over a message's bytes: headers, body, and a copy. */
#ifndef DESK_RAWMSG_H
#define DESK_RAWMSG_H

#include <glib.h>
#include "err.h"

typedef struct rawmsg_sink {
	/* One header, unfolded value as received (continuation lines joined
	 * with their newline), name without the colon. Values longer than
	 * RAWMSG_MAX_HEADER are cut there. */
	void (*header)(void *ud, const char *name, const char *value);
	/* A piece of the body, in order. */
	void (*body)(void *ud, const char *buf, gsize len);
	void *ud;
} rawmsg_sink;

#define RAWMSG_MAX_HEADER (64 * 1024)

/* Read FD to its end, feeding SINK; when COPY_FD >= 0 write every byte
 * read to it unchanged, except an mbox "From " line on top (what an MTA
 * puts before a message it pipes to a program: no header, and never
 * stored). *size gets the byte count of the copy. Memory stays bounded
 * whatever the message's size. A line that is neither a header nor a
 * continuation starts the body (a missing separator). */
desk_status rawmsg_scan(int fd, int copy_fd, const rawmsg_sink *sink, gsize *size, desk_err *err);

/* The same over a buffer already in memory (no copy). */
void rawmsg_scan_buf(const char *buf, gsize len, const rawmsg_sink *sink);

#endif
