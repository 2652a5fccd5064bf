/* mimetype.h: the MIME type of a file we attach, from a table of common
 * extensions and the first bytes of its content, with nothing outside
 * the program (a minimal system has no MIME database). */
#ifndef DESK_MIMETYPE_H
#define DESK_MIMETYPE_H

#include <glib.h>

/* The type of the file NAME whose first LEN bytes are HEAD (may be
 * NULL): its content's signature when it has a known one (PDF, PNG,
 * JPEG, GIF, ZIP, gzip, ...), else its extension's type, else text/plain
 * for valid UTF-8 text without NULs, else application/octet-stream.
 * Never NULL; a constant. */
const char *mimetype_guess(const char *name, const guchar *head, gsize len);

#endif
