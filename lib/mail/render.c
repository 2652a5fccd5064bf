/* render.c: a message file as text for people (see render.h): headers
 * decoded, the readable body chosen and converted, attachments listed
 * and saved. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "charset.h"
#include "html.h"
#include "render.h"

#define MAX_DEPTH 64        /* MIME nesting followed; deeper parts are ignored */
#define CHUNK 16384
#define BLANK_PEEK 4096     /* decoded bytes looked at to call a text part blank */
#define MAX_IDLE_READS (1 << 20)
#define SCAN_MORE (-2)

/* What a walk over the MIME tree collects. */
typedef struct walker {
	GMimeParserOptions *opts;
	const char *fallback;   /* fallback charsets, may be NULL */
	GString *text;
	gsize budget;           /* decoded text bytes that may still be read */
	gboolean cut;           /* text was left out for want of budget */
	GPtrArray *atts;        /* of render_attachment* */
	gboolean quick;         /* attachments only: no text read, no sizes counted */
	GMimeStream *save_to;   /* where attachment SAVE goes, or NULL */
	guint save;             /* the index in ATTS of the attachment to save */
	int saved;              /* 0: not found yet, 1: saved, -1: could not write */
	gboolean headers;       /* list the top-level headers too */
	gsize max_text;         /* the text budget; 0: RENDER_MAX_TEXT */
} walker;

/* ---- safe to print ---- */

static gboolean
is_control(gunichar c)
{
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0);
}

/* Whether S (valid UTF-8) has characters tidy() would change. */
static gboolean
needs_tidy(const char *s, gboolean line)
{
	for (const guchar *p = (const guchar *)s; *p != '\0'; p++) {
		if (*p < 0x20 && (line || (*p != '\n' && *p != '\t')))
			return TRUE;
		if (*p == 0x7F || (*p == 0xC2 && p[1] >= 0x80 && p[1] < 0xA0))
			return TRUE;
	}
	return FALSE;
}

/* S (valid UTF-8, g_malloc'd) made safe to print; frees S. CR is dropped.
 * When LINE, other control characters become spaces and the ends are
 * stripped; else all but newline and tab become U+FFFD. */
static char *
tidy(char *s, gboolean line)
{
	GString *t;

	if (!needs_tidy(s, line))
		return line ? g_strstrip(s) : s;
	t = g_string_sized_new(strlen(s));
	for (const char *p = s; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (!is_control(c) || (!line && (c == '\n' || c == '\t')))
			g_string_append_len(t, p, g_utf8_next_char(p) - p);
		else if (c != '\r')
			g_string_append(t, line ? " " : "\xEF\xBF\xBD");
	}
	g_free(s);
	s = g_string_free(t, FALSE);
	return line ? g_strstrip(s) : s;
}

/* ---- headers ---- */

/* One raw header value as a line of UTF-8: 8-bit bytes through
 * render_to_utf8, unfolded, RFC 2047 words decoded. Caller g_free()s. */
static char *
decode_header(const walker *w, const char *raw)
{
	return tidy(charset_header_text(raw, w->fallback), TRUE);
}

/* The decoded values of OBJ's headers called NAME: the first one, or all
 * non-empty ones joined by ", " when ALL; "" when there is none. Caller
 * g_free()s. */
static char *
header_values(const walker *w, GMimeObject *obj, const char *name, gboolean all)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(obj);
	int count = list != NULL ? g_mime_header_list_get_count(list) : 0;
	GString *s = g_string_new(NULL);

	for (int i = 0; i < count; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
		const char *hname = g_mime_header_get_name(h), *raw;
		char *v;

		if (hname == NULL || g_ascii_strcasecmp(hname, name) != 0)
			continue;
		raw = g_mime_header_get_raw_value(h);
		v = decode_header(w, raw != NULL ? raw : "");
		if (*v != '\0' && s->len > 0)
			g_string_append(s, ", ");
		g_string_append(s, v);
		g_free(v);
		if (!all)
			break;
	}
	return g_string_free(s, FALSE);
}

/* Every top-level header of OBJ, decoded, into OUT as name, value, ...
 * (RENDER_MAX_HEADERS of them at most). */
static void
list_headers(const walker *w, GMimeObject *obj, GPtrArray *out)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(obj);
	int count = list != NULL ? g_mime_header_list_get_count(list) : 0;

	for (int i = 0; i < count && out->len < 2 * RENDER_MAX_HEADERS; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
		const char *raw = g_mime_header_get_raw_value(h);

		g_ptr_array_add(out, g_strdup(g_mime_header_get_name(h) ?: ""));
		g_ptr_array_add(out, decode_header(w, raw != NULL ? raw : ""));
	}
}

/* ---- part content ---- */

static gboolean
is_type(GMimeObject *obj, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct != NULL && g_mime_content_type_is_type(ct, type, subtype);
}

static gboolean
disposition_is(GMimeObject *obj, const char *what)
{
	const char *d = g_mime_object_get_disposition(obj);

	return d != NULL && g_ascii_strcasecmp(d, what) == 0;
}

/* Whether PART is text to show: of type text and not an attachment. With
 * a filename, only text/plain or an explicit "inline": without
 * Content-Disposition a part is inline (RFC 2183), and clients name their
 * plain text parts; a named part of another text type (text/csv, a log)
 * is a file someone attached. */
static gboolean
is_inline_text(GMimePart *part)
{
	GMimeObject *o = GMIME_OBJECT(part);

	if (!is_type(o, "text", "*") || disposition_is(o, "attachment"))
		return FALSE;
	return g_mime_part_get_filename(part) == NULL || disposition_is(o, "inline") ||
	       (is_type(o, "text", "plain") && g_mime_object_get_disposition(o) == NULL);
}

/* Whether PART is listed as an attachment wherever it is. */
static gboolean
is_attachment(GMimePart *part)
{
	GMimeObject *o = GMIME_OBJECT(part);

	return !is_type(o, "text", "*") || disposition_is(o, "attachment") ||
	       g_mime_part_get_filename(part) != NULL;
}

/* PART's content with its transfer encoding undone, from the start, or
 * NULL when it has none. Caller unrefs. */
static GMimeStream *
decoded_stream(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *src = w != NULL ? g_mime_data_wrapper_get_stream(w) : NULL;
	GMimeContentEncoding enc;
	GMimeStream *f;
	GMimeFilter *dec;

	if (src == NULL)
		return NULL;
	g_mime_stream_reset(src);
	f = g_mime_stream_filter_new(src);
	enc = g_mime_data_wrapper_get_encoding(w);
	if (enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE) {
		dec = g_mime_filter_basic_new(enc, FALSE);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), dec);
		g_object_unref(dec);
	}
	return f;
}

/* Up to N bytes from S into BUF: the count, 0 at the end or on error.
 * A decoding filter may give nothing for a while before more comes;
 * MAX_IDLE_READS guards against a stream that never ends. */
static gsize
read_some(GMimeStream *s, char *buf, gsize n)
{
	for (int idle = 0; idle < MAX_IDLE_READS; idle++) {
		ssize_t r = g_mime_stream_read(s, buf, n);

		if (r > 0)
			return (gsize)r;
		if (r < 0 || g_mime_stream_eos(s))
			return 0;
	}
	return 0;
}

/* Up to LIMIT decoded bytes of PART; *MORE says whether there are more.
 * Caller unrefs. */
static GByteArray *
read_decoded(GMimePart *part, gsize limit, gboolean *more)
{
	GByteArray *buf = g_byte_array_new();
	GMimeStream *s = decoded_stream(part);
	gsize have = 0, n = 1;

	while (s != NULL && have <= limit && n > 0) {
		gsize want = MIN((gsize)CHUNK, limit + 1 - have);

		g_byte_array_set_size(buf, have + want);
		n = read_some(s, (char *)buf->data + have, want);
		have += n;
	}
	*more = have > limit;
	g_byte_array_set_size(buf, MIN(have, limit));
	if (s != NULL)
		g_object_unref(s);
	return buf;
}

/* PART's decoded size, counted while decoding. */
static gsize
decoded_size(GMimePart *part)
{
	GMimeStream *s = decoded_stream(part);
	char buf[CHUNK];
	gsize total = 0, n;

	if (s == NULL)
		return 0;
	while ((n = read_some(s, buf, sizeof buf)) > 0)
		total += n;
	g_object_unref(s);
	return total;
}

/* Whether PART's decoded content is only ASCII whitespace. */
static gboolean
part_is_blank(GMimePart *part)
{
	gboolean more;
	GByteArray *b = read_decoded(part, BLANK_PEEK, &more);
	gboolean blank = !more;

	for (guint i = 0; blank && i < b->len; i++)
		blank = g_ascii_isspace(b->data[i]);
	g_byte_array_unref(b);
	return blank;
}

/* The byte count of B to keep when it was cut short: up to its last
 * newline, so that no character is split; without one, up to the last
 * UTF-8 lead byte (other charsets may then lose their last character). */
static gsize
whole_lines(const GByteArray *b)
{
	gsize i;

	for (i = b->len; i > 0; i--)
		if (b->data[i - 1] == '\n')
			return i;
	for (i = b->len; i > 0 && b->len - i < 4 && (b->data[i - 1] & 0xC0) == 0x80; i--)
		;
	return i > 0 && b->data[i - 1] >= 0xC0 ? i - 1 : b->len;
}

/* PART's text in UTF-8, HTML converted, spending the walker's budget.
 * Caller g_free()s. */
static char *
leaf_text(walker *w, GMimePart *part)
{
	GMimeObject *o = GMIME_OBJECT(part);
	const char *charset = g_mime_object_get_content_type_parameter(o, "charset");
	gboolean more;
	GByteArray *b = read_decoded(part, w->budget, &more);
	char *text, *plain;

	w->budget -= b->len;
	w->cut = w->cut || more;
	text = charset_to_utf8((const char *)b->data, more ? whole_lines(b) : b->len, charset, w->fallback);
	g_byte_array_unref(b);
	if (is_type(o, "text", "html")) {
		plain = html_to_text(text, strlen(text));
		g_free(text);
		text = plain;
	}
	return text;
}

/* Appends TEXT (taken) to the walker's text, a blank line after earlier
 * parts; trailing whitespace goes. */
static void
append_text(walker *w, char *text)
{
	g_strchomp(text);
	if (*text != '\0') {
		if (w->text->len > 0)
			g_string_append(w->text, "\n\n");
		g_string_append(w->text, text);
	}
	g_free(text);
}

/* ---- attachments ---- */

static void
attachment_free(gpointer p)
{
	render_attachment *a = p;

	g_free(a->name);
	g_free(a->type);
	g_free(a);
}

/* OBJ's "type/subtype", lower case, printable UTF-8. Caller g_free()s. */
static char *
mime_type(const walker *w, GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *t = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	char *low = g_ascii_strdown(t != NULL ? t : "application/octet-stream", -1);

	g_free(t);
	t = charset_to_utf8(low, -1, NULL, w->fallback);
	g_free(low);
	return tidy(t, TRUE);
}

/* Lists OBJ as an attachment called NAME (any bytes; NULL or blank:
 * DEFAULT_NAME) of SIZE bytes. */
static void
add_attachment(walker *w, GMimeObject *obj, const char *name, const char *default_name, gsize size)
{
	render_attachment *a = g_new0(render_attachment, 1);

	a->name = tidy(charset_to_utf8(name, -1, NULL, w->fallback), TRUE);
	if (*a->name == '\0') {
		g_free(a->name);
		a->name = g_strdup(default_name);
	}
	a->type = mime_type(w, obj);
	a->size = size;
	g_ptr_array_add(w->atts, a);
}

/* The size of OBJ written out, counted, not kept. */
static gsize
written_size(GMimeObject *obj)
{
	GMimeStream *null = g_mime_stream_null_new();
	ssize_t n = g_mime_object_write_to_stream(obj, NULL, null);

	g_object_unref(null);
	return n > 0 ? (gsize)n : 0;
}

/* Write OBJ's content (decoded; an attached message as it is) to the
 * walker's SAVE_TO if it is the attachment to save, about to be listed. */
static void
save_if_wanted(walker *w, GMimeObject *obj)
{
	ssize_t n = -1;

	if (w->save_to == NULL || w->saved != 0 || w->atts->len != w->save)
		return;
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		n = m != NULL ? g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, w->save_to) : 0;
	} else {
		GMimeStream *in = decoded_stream(GMIME_PART(obj));

		n = in != NULL ? g_mime_stream_write_to_stream(in, w->save_to) : 0;
		if (in != NULL)
			g_object_unref(in);
	}
	w->saved = n >= 0 && g_mime_stream_flush(w->save_to) == 0 ? 1 : -1;
}

/* Lists a message/rfc822 part, named by its Subject, else its filename. */
static void
list_message(walker *w, GMimeMessagePart *mp)
{
	GMimeObject *o = GMIME_OBJECT(mp);
	GMimeMessage *m = g_mime_message_part_get_message(mp);
	char *subject = m != NULL ? header_values(w, GMIME_OBJECT(m), "Subject", FALSE) : g_strdup("");
	const char *name = subject;

	if (*name == '\0')
		name = g_mime_object_get_content_disposition_parameter(o, "filename");
	if (name == NULL)
		name = g_mime_object_get_content_type_parameter(o, "name");
	save_if_wanted(w, o);
	add_attachment(w, o, name, "(message)", m != NULL && !w->quick ? written_size(GMIME_OBJECT(m)) : 0);
	g_free(subject);
}

/* ---- the MIME tree ---- */

static void walk(walker *w, GMimeObject *obj, gboolean want_text, int depth);

/* A leaf: its text if WANT_TEXT and it is inline text; listed if it is an
 * attachment, or, in an alternative not read (!WANT_TEXT), if it is
 * neither text/plain nor text/html. */
static void
walk_leaf(walker *w, GMimePart *part, gboolean want_text)
{
	GMimeObject *o = GMIME_OBJECT(part);
	gboolean readable = is_type(o, "text", "plain") || is_type(o, "text", "html");

	if (want_text && is_inline_text(part) && !w->quick)
		append_text(w, leaf_text(w, part));
	if (is_attachment(part) || (!want_text && !readable)) {
		save_if_wanted(w, o);
		add_attachment(w, o, g_mime_part_get_filename(part), "(unnamed)", w->quick ? 0 : decoded_size(part));
	}
}

/* How much we want an alternative: non-blank text/plain 4, a multipart 3,
 * text/html 2, blank text/plain 1, anything else 0. */
static int
alternative_rank(GMimeObject *obj)
{
	if (GMIME_IS_MULTIPART(obj))
		return 3;
	if (!GMIME_IS_PART(obj) || !is_inline_text(GMIME_PART(obj)))
		return 0;
	if (is_type(obj, "text", "plain"))
		return part_is_blank(GMIME_PART(obj)) ? 1 : 4;
	return is_type(obj, "text", "html") ? 2 : 0;
}

/* The index of the alternative to read, or -1 when none is readable. */
static int
best_alternative(GMimeMultipart *mp)
{
	int best = -1, best_rank = 0;

	for (int i = 0; i < g_mime_multipart_get_count(mp); i++) {
		int r = alternative_rank(g_mime_multipart_get_part(mp, i));

		if (r > best_rank) {
			best = i;
			best_rank = r;
		}
	}
	return best;
}

static void
walk_multipart(walker *w, GMimeMultipart *mp, gboolean want_text, int depth)
{
	gboolean alt = is_type(GMIME_OBJECT(mp), "multipart", "alternative");
	int chosen = alt && want_text ? best_alternative(mp) : -1;

	for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
		walk(w, g_mime_multipart_get_part(mp, i), alt ? i == chosen : want_text, depth + 1);
}

static void
walk(walker *w, GMimeObject *obj, gboolean want_text, int depth)
{
	if (obj == NULL || depth > MAX_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(obj))
		walk_multipart(w, GMIME_MULTIPART(obj), want_text, depth);
	else if (GMIME_IS_MESSAGE_PART(obj))
		list_message(w, GMIME_MESSAGE_PART(obj));
	else if (GMIME_IS_PART(obj))
		walk_leaf(w, GMIME_PART(obj), want_text);
}

/* ---- the message ---- */

static rendered_msg *
rendered_empty(void)
{
	rendered_msg *m = g_new0(rendered_msg, 1);

	m->from = g_strdup("");
	m->to = g_strdup("");
	m->cc = g_strdup("");
	m->date = g_strdup("");
	m->subject = g_strdup("");
	m->message_id = g_strdup("");
	m->text = g_strdup("");
	m->headers = g_ptr_array_new_with_free_func(g_free);
	m->attachments = g_ptr_array_new_with_free_func(attachment_free);
	return m;
}

/* MSG rendered (see render.h) by W, whose options, fallback and what
 * to save are set; OPTS are the parser's, for header decoding. */
static rendered_msg *
render_parsed(GMimeMessage *msg, walker *wp)
{
	rendered_msg *m = g_new0(rendered_msg, 1);
	GMimeObject *o = GMIME_OBJECT(msg);
	walker w = *wp;

	w.text = g_string_new(NULL);
	w.budget = w.max_text > 0 ? w.max_text : RENDER_MAX_TEXT;

	m->attachments = w.atts = g_ptr_array_new_with_free_func(attachment_free);
	m->from = header_values(&w, o, "From", FALSE);
	m->to = header_values(&w, o, "To", TRUE);
	m->cc = header_values(&w, o, "Cc", TRUE);
	m->date = header_values(&w, o, "Date", FALSE);
	m->subject = header_values(&w, o, "Subject", FALSE);
	m->message_id = header_values(&w, o, "Message-ID", FALSE);
	m->headers = g_ptr_array_new_with_free_func(g_free);
	if (w.headers)
		list_headers(&w, o, m->headers);
	walk(&w, g_mime_message_get_mime_part(msg), TRUE, 0);
	if (w.cut)
		g_string_append_printf(w.text, "\n\n[text cut: more than %d MiB]",
				       (int)((w.max_text > 0 ? w.max_text : RENDER_MAX_TEXT) >> 20));
	if (w.text->len > 0)
		g_string_append_c(w.text, '\n');
	m->text = tidy(g_string_free(w.text, FALSE), FALSE);
	wp->saved = w.saved;
	return m;
}

/* The scanner that finds where a header block runs into the body. */
typedef enum { L_START, L_NAME, L_WSP, L_CR, L_SKIP } line_state;
typedef struct hdr_scan {
	line_state state;
	gint64 line;        /* offset of the current line */
	gboolean first;     /* it is the first line */
	gsize namelen;
	gboolean from;      /* the name so far is a prefix of "From" */
} hdr_scan;

/* A byte of a field name: SCAN_MORE, or the line's offset when the line is
 * not a header. "From " on the first line is an mbox line, kept. */
static gint64
name_byte(hdr_scan *st, guchar ch)
{
	if (ch == ':' && st->namelen > 0) {
		st->state = L_SKIP;
	} else if (ch == ' ' || ch == '\t') {
		st->state = st->first && st->from && st->namelen == 4 ? L_SKIP : L_WSP;
	} else if (ch <= ' ' || ch == 0x7F || ch == ':') {
		return st->line;
	} else {
		st->from = st->from && st->namelen < 4 && ch == (guchar)"From"[st->namelen];
		st->namelen++;
	}
	return SCAN_MORE;
}

/* Feeds byte CH at offset OFF: SCAN_MORE, -1 when the header block ends
 * with a blank line, or the offset of the line that starts the body. */
static gint64
scan_byte(hdr_scan *st, guchar ch, gint64 off)
{
	switch (st->state) {
	case L_START:
		st->line = off;
		st->namelen = 0;
		st->from = TRUE;
		if (ch == '\n')
			return -1;
		st->state = ch == '\r' ? L_CR : ch == ' ' || ch == '\t' ? L_SKIP : L_NAME;
		return st->state == L_NAME ? name_byte(st, ch) : SCAN_MORE;
	case L_CR:
		return ch == '\n' ? -1 : st->line;
	case L_NAME:
		return name_byte(st, ch);
	case L_WSP:
		if (ch == ':')
			st->state = L_SKIP;
		return ch == ':' || ch == ' ' || ch == '\t' ? SCAN_MORE : st->line;
	case L_SKIP:
		if (ch == '\n') {
			st->state = L_START;
			st->first = FALSE;
		}
		return SCAN_MORE;
	}
	return SCAN_MORE;
}

/* Where the body starts when FD's header block runs into it without a
 * blank line: the offset of the first line that is neither a header nor
 * a continuation. -1 when the headers end properly or at end of file.
 * Reads only the header block, with pread (the offset stays). */
static gint64
missing_separator(int fd)
{
	char buf[CHUNK];
	hdr_scan st = { L_START, 0, TRUE, 0, TRUE };
	gint64 off = 0, r;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if ((r = scan_byte(&st, (guchar)buf[i], off + i)) != SCAN_MORE)
				return r;
		off += n;
	}
	return -1;
}

/* The message stream over ROOT, with a blank line put in at SPLIT when
 * SPLIT >= 0. Caller unrefs; ROOT must outlive it and all parts parsed
 * from it (substreams of a file stream share its descriptor). */
static GMimeStream *
message_stream(GMimeStream *root, gint64 split)
{
	GMimeStream *cat, *piece;

	if (split < 0)
		return g_object_ref(root);
	cat = g_mime_stream_cat_new();
	if (split > 0) {
		piece = g_mime_stream_substream(root, 0, split);
		g_mime_stream_cat_add_source(GMIME_STREAM_CAT(cat), piece);
		g_object_unref(piece);
	}
	piece = g_mime_stream_mem_new_with_buffer("\n", 1);
	g_mime_stream_cat_add_source(GMIME_STREAM_CAT(cat), piece);
	g_object_unref(piece);
	piece = g_mime_stream_substream(root, split, -1);
	g_mime_stream_cat_add_source(GMIME_STREAM_CAT(cat), piece);
	g_object_unref(piece);
	return cat;
}

/* Parses the message in FD, which it takes, and renders it with W. */
static desk_status
render_fd(int fd, const char *path, walker *w, rendered_msg **out, desk_err *err)
{
	gint64 split = missing_separator(fd);
	GMimeStream *root = g_mime_stream_fs_new(fd);
	GMimeStream *stream = message_stream(root, split);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeParserOptions *opts = charset_parser_options(w->fallback);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, opts);
	desk_status s = DESK_OK;

	w->opts = opts;
	if (msg == NULL) {
		s = desk_fail(err, DESK_DATAERR, "%s: no mail message in it", path);
	} else {
		*out = render_parsed(msg, w);
		g_object_unref(msg);
	}
	g_object_unref(parser);
	g_object_unref(stream);
	g_mime_parser_options_free(opts);
	g_object_unref(root);  /* closes fd */
	return s;
}

/* Render the file at PATH with W (see render_message). */
static desk_status
render_path(const char *path, walker *w, rendered_msg **out, desk_err *err)
{
	struct stat st;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);  /* a FIFO must not block us */
	if (fd < 0)
		return desk_fail(err, DESK_NOTFOUND, "%s: %s", path, g_strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return desk_fail(err, DESK_NOTFOUND, "%s: not a regular file", path);
	}
	if (st.st_size == 0) {
		close(fd);
		*out = rendered_empty();
		return DESK_OK;
	}
	return render_fd(fd, path, w, out, err);
}

desk_status
render_message(const char *path, const char *fallback_charsets, rendered_msg **out, desk_err *err)
{
	walker w = { .fallback = fallback_charsets };

	return render_path(path, &w, out, err);
}

desk_status
render_attachments(const char *path, const char *fallback_charsets, rendered_msg **out, desk_err *err)
{
	walker w = { .fallback = fallback_charsets, .quick = TRUE };

	return render_path(path, &w, out, err);
}

desk_status
render_save_attachment(const char *path, const char *fallback_charsets, guint index, int fd, desk_err *err)
{
	walker w = { .fallback = fallback_charsets, .quick = TRUE, .save = index };
	rendered_msg *r = NULL;
	desk_status s;

	w.save_to = g_mime_stream_fs_new(fd);
	g_mime_stream_fs_set_owner(GMIME_STREAM_FS(w.save_to), FALSE);
	s = render_path(path, &w, &r, err);
	g_object_unref(w.save_to);
	rendered_msg_free(r);
	if (s == DESK_OK && w.saved == 0)
		s = desk_fail(err, DESK_NOTFOUND, "%s: no attachment %u", path, index + 1);
	else if (s == DESK_OK && w.saved < 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot write the attachment: %s", g_strerror(errno));
	return s;
}

/* A file of its own (unlinked, 0600) holding the first LIMIT bytes of FD
 * (all when LIMIT <= 0), read with pread: FD's offset stays. -1 on error. */
static int
copy_head(int fd, gint64 limit)
{
	int cut = open(g_get_tmp_dir(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	char buf[CHUNK];
	gint64 off = 0;
	ssize_t n = 0;

	while (cut >= 0 && (limit <= 0 || off < limit) &&
	       (n = pread(fd, buf, limit > 0 ? MIN((gint64)sizeof buf, limit - off) : (gint64)sizeof buf, off)) > 0) {
		if (write(cut, buf, n) != n)
			break;
		off += n;
	}
	if (cut >= 0 && (n < 0 || lseek(cut, 0, SEEK_SET) != 0)) {
		close(cut);
		cut = -1;
	}
	return cut;
}

desk_status
render_message_head(int fd, gint64 limit, gsize max_text, const char *fallback_charsets, rendered_msg **out,
		    desk_err *err)
{
	walker w = { .fallback = fallback_charsets, .headers = TRUE, .max_text = max_text };
	int copy = copy_head(fd, limit);
	struct stat st;

	*out = NULL;
	if (copy < 0 || fstat(copy, &st) != 0) {
		if (copy >= 0)
			close(copy);
		return desk_fail(err, DESK_TEMPFAIL, "cannot read the message: %s", g_strerror(errno));
	}
	if (st.st_size == 0) {
		close(copy);
		*out = rendered_empty();
		return DESK_OK;
	}
	return render_fd(copy, "(message)", &w, out, err);
}

void
rendered_msg_free(rendered_msg *m)
{
	if (m == NULL)
		return;
	g_free(m->from);
	g_free(m->to);
	g_free(m->cc);
	g_free(m->date);
	g_free(m->subject);
	g_free(m->message_id);
	g_free(m->text);
	if (m->headers != NULL)
		g_ptr_array_unref(m->headers);
	g_ptr_array_unref(m->attachments);
	g_free(m);
}
