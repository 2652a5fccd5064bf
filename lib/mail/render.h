/* render.h: a message file as text for people: headers, readable body, attachments. */
#ifndef DESK_RENDER_H
#define DESK_RENDER_H

#include <glib.h>

#include "err.h"

/* Decoded text read from one message at most; the rest is left out and a
 * line saying so ends the text. */
#define RENDER_MAX_TEXT (4 * 1024 * 1024)

typedef struct render_attachment {
	char *name;   /* UTF-8 filename, or "(unnamed)" */
	char *type;   /* "application/pdf" */
	gsize size;   /* decoded size in bytes */
} render_attachment;

typedef struct rendered_msg {
	char *from, *to, *cc, *date, *subject, *message_id; /* UTF-8, decoded (RFC 2047), never NULL ("" when absent) */
	char *text;              /* readable body, valid UTF-8, never NULL */
	GPtrArray *attachments;  /* of render_attachment*, owns them */
	GPtrArray *headers;      /* render_message_head: name, value, name, value... (decoded) */
} rendered_msg;

/* Parse the message file at PATH (from a file-descriptor stream: memory
 * does not grow with message size beyond what GMime needs) and render it.
 *
 * Text: text/plain is preferred in multipart/alternative, else text/html
 * converted (html.h); the inline text parts of other multiparts are
 * concatenated in order, separated by a blank line. Attachments, in MIME
 * order: parts with Content-Disposition attachment or a filename, non-text
 * parts, alternatives that are neither text/plain nor text/html (such as
 * text/calendar), and message/rfc822 parts (named by their Subject, else
 * their filename, else "(message)"). A text part with a filename that is
 * explicitly "inline", or a text/plain part with a filename and no
 * Content-Disposition (inline by RFC 2183), is both shown and listed.
 * Sizes are counted while decoding, never by holding a part whole.
 *
 * All strings are valid UTF-8, with control characters other than newline
 * and tab replaced (text) or made spaces (headers, names), CR dropped.
 * Charsets (charset_to_utf8): the label, else valid UTF-8, else
 * FALLBACK_CHARSETS (a ';'-separated list such as "windows-1252"), else
 * latin-1. A header block
 * that runs into the body without a blank line is cut at the first line
 * that is not a header, so that the body is kept.
 *
 * Returns DESK_OK and *OUT (caller frees with rendered_msg_free);
 * DESK_NOTFOUND if PATH can't be opened or is not a regular file;
 * DESK_DATAERR only if GMime can parse nothing at all. An empty file is an
 * empty message. */
desk_status render_message(const char *path, const char *fallback_charsets, rendered_msg **out, desk_err *err);

/* The same, for the attachments alone: the same list, their sizes 0, and
 * no text read (no part's content is decoded but to choose between
 * alternatives). */
desk_status render_attachments(const char *path, const char *fallback_charsets, rendered_msg **out,
			       desk_err *err);

/* Write attachment INDEX (from 0, in the order render_message lists
 * them) of the message at PATH to FD: its content with the transfer
 * encoding undone, byte for byte; an attached message as GMime writes it.
 * DESK_NOTFOUND when there is no such attachment, DESK_TEMPFAIL when FD
 * cannot be written. FD stays open. */
desk_status render_save_attachment(const char *path, const char *fallback_charsets, guint index, int fd,
				   desk_err *err);
/* Top-level headers render_message_head lists at most. */
#define RENDER_MAX_HEADERS 200
/* The message in FD (from its start, read with pread: FD stays open and
 * its offset where it was), of which the first LIMIT bytes (0: all) are read,
 * rendered as render_message does with MAX_TEXT (0: RENDER_MAX_TEXT)
 * bytes of text at most, and its top-level headers listed in headers.
 * What routing rules look at (lib/store/rules.h). */
desk_status render_message_head(int fd, gint64 limit, gsize max_text, const char *fallback_charsets,
				rendered_msg **out, desk_err *err);
void rendered_msg_free(rendered_msg *m);

#endif
