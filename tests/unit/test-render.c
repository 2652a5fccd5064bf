/* test-render.c: TAP test of render.c and html.c on the notmuch corpus and
 * on hostile messages written here. Usage: test-render [CORPUS_DIR]
 * (default: $CORPUS, else ../shared/corpus beside the source tree). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "charset.h"
#include "html.h"
#include "render.h"

static GPtrArray *lines;  /* TAP lines after the plan, in order */
static int ntests, nfailed;

/* Records one test: OK and a printf description. Returns OK. */
static gboolean G_GNUC_PRINTF(2, 3)
check(gboolean ok, const char *fmt, ...)
{
	va_list ap;
	char *desc;

	va_start(ap, fmt);
	desc = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	ntests++;
	nfailed += !ok;
	g_ptr_array_add(lines, g_strdup_printf("%s %d - %s", ok ? "ok" : "not ok", ntests, desc));
	g_free(desc);
	return ok;
}

/* A diagnostic line ("# ...") for a reader of a failure. */
static void G_GNUC_PRINTF(1, 2)
diag(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(lines, g_strdup_printf("# %s", msg));
	g_free(msg);
}

/* Records one skipped test: why, and a description. */
static void
skip(const char *why, const char *desc)
{
	ntests++;
	g_ptr_array_add(lines, g_strdup_printf("ok %d # skip %s: %s", ntests, desc, why));
}

static gboolean
check_str(const char *got, const char *want, const char *what)
{
	gboolean ok = got != NULL && strcmp(got, want) == 0;

	if (!check(ok, "%s", what))
		diag("got [%s], want [%s]", got != NULL ? got : "(null)", want);
	return ok;
}

static gboolean
check_has(const char *text, const char *needle, const char *what)
{
	gboolean ok = text != NULL && strstr(text, needle) != NULL;

	if (!check(ok, "%s", what))
		diag("[%s] not found in [%.400s]", needle, text != NULL ? text : "(null)");
	return ok;
}

/* Whether S is valid UTF-8 with no control character but newline and tab
 * (none at all when LINE). */
static gboolean
printable(const char *s, gboolean line)
{
	if (s == NULL || !g_utf8_validate(s, -1, NULL))
		return FALSE;
	for (const char *p = s; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if ((c < 0x20 && (line || (c != '\n' && c != '\t'))) || c == 0x7F || (c >= 0x80 && c < 0xA0))
			return FALSE;
	}
	return TRUE;
}

static gboolean
all_printable(const rendered_msg *m)
{
	gboolean ok = printable(m->from, TRUE) && printable(m->to, TRUE) && printable(m->cc, TRUE) &&
		      printable(m->date, TRUE) && printable(m->subject, TRUE) &&
		      printable(m->message_id, TRUE) && printable(m->text, FALSE);

	for (guint i = 0; ok && i < m->attachments->len; i++) {
		render_attachment *a = m->attachments->pdata[i];

		ok = printable(a->name, TRUE) && printable(a->type, TRUE);
	}
	return ok;
}

static rendered_msg *
render(const char *path, const char *fallback)
{
	rendered_msg *m = NULL;
	desk_err err = { 0 };

	if (render_message(path, fallback, &m, &err) != DESK_OK)
		diag("%s", err.msg);
	return m;
}

/* Writes LEN bytes (LEN < 0: a string) to DIR/NAME; returns the path. */
static char *
write_msg(const char *dir, const char *name, const char *bytes, gssize len)
{
	char *path = g_build_filename(dir, name, NULL);

	if (!g_file_set_contents(path, bytes, len, NULL))
		diag("cannot write %s", path);
	return path;
}

static char *
slurp(const char *path)
{
	char *s = NULL;

	if (!g_file_get_contents(path, &s, NULL, NULL))
		diag("cannot read %s", path);
	return s;
}

/* The decoded size of the base64 text in FILE that starts at the first
 * blank line after the first AFTER and ends at the following END; 0 when
 * they are not there. Independent of GMime: g_base64_decode. */
static gsize
base64_size(const char *file, const char *after, const char *end)
{
	char *s = slurp(file), *start, *stop, *b64;
	guchar *bin;
	gsize n = 0;

	start = s != NULL ? strstr(s, after) : NULL;
	start = start != NULL ? strstr(start, "\n\n") : NULL;
	stop = start != NULL ? strstr(start + 2, end) : NULL;
	if (stop != NULL) {
		b64 = g_strndup(start + 2, stop - start - 2);
		bin = g_base64_decode(b64, &n);
		g_free(bin);
		g_free(b64);
	}
	g_free(s);
	return n;
}

static const render_attachment *
find_attachment(const rendered_msg *m, const char *name)
{
	for (guint i = 0; m != NULL && i < m->attachments->len; i++) {
		render_attachment *a = m->attachments->pdata[i];

		if (strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

static void
check_attachment(const rendered_msg *m, const char *name, const char *type, gsize size, const char *file)
{
	const render_attachment *a = find_attachment(m, name);

	check(a != NULL, "%s: attachment %s listed", file, name);
	check(a != NULL && strcmp(a->type, type) == 0, "%s: %s has type %s", file, name, type);
	if (!check(a != NULL && a->size == size, "%s: %s is %" G_GSIZE_FORMAT " bytes decoded", file, name, size))
		diag("got %" G_GSIZE_FORMAT, a != NULL ? a->size : 0);
}

/* ---- the corpus ---- */

static void
collect(const char *dir, GPtrArray *files)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *e;

	while (d != NULL && (e = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, e, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR)) {
			collect(p, files);
			g_free(p);
		} else {
			g_ptr_array_add(files, p);
		}
	}
	if (d != NULL)
		g_dir_close(d);
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_corpus_renders(const char *corpus)
{
	char *top = g_build_filename(corpus, "notmuch", NULL);
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);

	collect(top, files);
	g_ptr_array_sort(files, by_name);
	check(files->len >= 200, "corpus %s has its messages (%u files)", top, files->len);
	for (guint i = 0; i < files->len; i++) {
		const char *f = files->pdata[i];
		rendered_msg *m = render(f, "windows-1252");

		check(m != NULL && all_printable(m), "%s renders, every field valid UTF-8", f + strlen(corpus) + 1);
		rendered_msg_free(m);
	}
	g_ptr_array_unref(files);
	g_free(top);
}

/* html/attribute-text: a lone text/html part, inline with a filename. Its
 * source has "hunter2" as text and "swordfish" inside an attribute value
 * that holds a '>'. */
static void
test_html_attribute(const char *corpus)
{
	char *f = g_build_filename(corpus, "notmuch", "html", "attribute-text", NULL);
	rendered_msg *m = render(f, NULL);
	char *src = slurp(f);
	gsize body = src != NULL && strstr(src, "\n\n") != NULL ? strlen(strstr(src, "\n\n") + 2) : 0;

	check(m != NULL, "html/attribute-text renders");
	check_has(m ? m->text : NULL, "hunter2", "html/attribute-text: text has the HTML's text");
	check(m != NULL && strstr(m->text, "swordfish") == NULL, "html/attribute-text: attribute value not in text");
	check(m != NULL && strstr(m->text, "<input") == NULL && strstr(m->text, "<html") == NULL &&
	      strstr(m->text, "<body") == NULL && strstr(m->text, "</") == NULL,
	      "html/attribute-text: no tag of the source in text");
	/* The part is 8bit, so its decoded size is the body's byte count
	 * (76; python's email module says the same). */
	check(body == 76, "html/attribute-text: body located (76 bytes)");
	check_attachment(m, "test.html", "text/html", body, "html/attribute-text");
	check_str(m ? m->subject : NULL, "test html attachment", "html/attribute-text: subject");
	rendered_msg_free(m);
	g_free(src);
	g_free(f);
}

/* The HTML alternative of html/embedded-image, located by hand. */
static char *
embedded_image_html(const char *file)
{
	char *src = slurp(file), *start, *stop, *html = NULL;

	start = src != NULL ? strstr(src, "Content-Type: text/html") : NULL;
	start = start != NULL ? strstr(start, "\n\n") : NULL;
	stop = start != NULL ? strstr(start, "\n--=-1468922508") : NULL;
	if (stop != NULL)
		html = g_strndup(start + 2, stop - start - 2);
	g_free(src);
	return html;
}

/* html/embedded-image: multipart/alternative, text/plain first, then
 * text/html with tables, links, &nbsp; and a data: image. Phrases below
 * were read in the source. */
static void
test_html_embedded(const char *corpus)
{
	char *f = g_build_filename(corpus, "notmuch", "html", "embedded-image", NULL);
	rendered_msg *m = render(f, NULL);
	char *html = embedded_image_html(f);
	char *t = html != NULL ? html_to_text(html, strlen(html)) : NULL;
	static const char *const tags[] = { "<table", "<td", "<tr", "<b>", "<p>", "<img", "<hr", "<font", "</" };

	check_has(m ? m->text : NULL, "Malmö 2016-07-09", "html/embedded-image: text/plain alternative shown");
	check(m != NULL && strstr(m->text, "<table") == NULL && strstr(m->text, "<img") == NULL,
	      "html/embedded-image: no HTML in the text");
	check_str(m ? m->subject : NULL, "Tack alla trafikanter och fotgängare!", "html/embedded-image: base64 utf-8 subject");
	check(m != NULL && m->attachments->len == 0, "html/embedded-image: no attachments");
	check(html != NULL, "html/embedded-image: HTML part located");
	check_has(t, "Tack alla trafikanter och fotgängare! <http://malmoborg.se/2016/07/tack-alla-trafikanter-och-fotgangare/>",
		  "html_to_text(embedded-image): link text then <URL>");
	check_has(t, "Feed: Förvaltnings AB Malmöborg <http://malmoborg.se>", "html_to_text(embedded-image): table cells on one line");
	check_has(t, "\nMalmö 2016-07-09\n", "html_to_text(embedded-image): paragraph on its own line");
	check_has(t, "torrskodd under många år framöver", "html_to_text(embedded-image): long paragraph");
	check_has(t, "Filed under: Nyheter", "html_to_text(embedded-image): &nbsp; decoded, cells joined");
	for (gsize i = 0; i < G_N_ELEMENTS(tags); i++)
		check(t != NULL && strstr(t, tags[i]) == NULL, "html_to_text(embedded-image): no %s", tags[i]);
	check(t != NULL && strstr(t, "data:image") == NULL && strstr(t, "R0lGOD") == NULL && strstr(t, "&nbsp;") == NULL,
	      "html_to_text(embedded-image): no image data, no raw entity");
	g_free(t);
	g_free(html);
	rendered_msg_free(m);
	g_free(f);
}

/* The two messages of attachment/. Expected sizes come from g_base64_decode of the part
 * located here; python3's email module (get_payload(decode=True)) gave the
 * same numbers, 1685 and 5368. */
static void
test_attachments(const char *corpus)
{
	char *cal = g_build_filename(corpus, "notmuch", "attachment", "text-calendar.eml", NULL);
	char *tgz = g_build_filename(corpus, "notmuch", "attachment", "x-gtar-compressed.eml", NULL);
	gsize cal_size = base64_size(cal, "Content-Type: text/calendar", "\n\n--_000_");
	gsize tgz_size = base64_size(tgz, "filename=zendesk-email-loop2.tgz", "\n--=-=-=");
	rendered_msg *m = render(cal, "windows-1252");

	check(cal_size == 1685 && tgz_size == 5368, "attachment parts located and base64-decoded");
	check_has(m ? m->text : NULL, "This meeting will could have been an email", "text-calendar.eml: text/plain alternative shown");
	check(m != NULL && strstr(m->text, "BEGIN:VCALENDAR") == NULL, "text-calendar.eml: calendar not in the text");
	check(m != NULL && m->attachments->len == 1, "text-calendar.eml: one attachment");
	check_attachment(m, "(unnamed)", "text/calendar", cal_size, "text-calendar.eml");
	rendered_msg_free(m);

	m = render(tgz, "windows-1252");
	check_has(m ? m->text : NULL, "And obviously I forget the frigging attachment.", "x-gtar-compressed.eml: first text part");
	check_has(m ? m->text : NULL, "PS: don't we have a \"you forgot to actually attach the damn file\" plugin",
		  "x-gtar-compressed.eml: second text part, after the attachment");
	check(m != NULL && strstr(m->text, "frigging") < strstr(m->text, "PS: don't"), "x-gtar-compressed.eml: text parts in order");
	check(m != NULL && m->attachments->len == 1, "x-gtar-compressed.eml: one attachment");
	check_attachment(m, "zendesk-email-loop2.tgz", "application/x-gtar-compressed", tgz_size, "x-gtar-compressed.eml");
	check_str(m ? m->from : NULL, "Antoine Beaupré <anarcat@orangeseeds.org>", "x-gtar-compressed.eml: From decoded");
	rendered_msg_free(m);
	g_free(cal);
	g_free(tgz);
}

/* broken/: two Cc headers; an empty message/rfc822 part. */
static void
test_broken(const char *corpus)
{
	char *cc = g_build_filename(corpus, "notmuch", "broken", "broken-cc", NULL);
	char *empty = g_build_filename(corpus, "notmuch", "broken", "empty-part", NULL);
	rendered_msg *m = render(cc, NULL);

	check_str(m ? m->cc : NULL, "Bob <bob@example.org>, Charles <charles@example.org>", "broken-cc: both Cc headers");
	rendered_msg_free(m);
	m = render(empty, NULL);
	check_has(m ? m->text : NULL, "(The denied message is below.)", "empty-part: text part shown");
	check(m != NULL && m->attachments->len == 1, "empty-part: the empty message/rfc822 listed");
	check_attachment(m, "message.eml", "message/rfc822", 0, "empty-part");
	rendered_msg_free(m);
	g_free(cc);
	g_free(empty);
}

/* ---- hostile messages ---- */

static void
test_charsets(const char *dir)
{
	char *p = write_msg(dir, "unknown-charset",
			    "From: a@example.org\nSubject: charset\nMIME-Version: 1.0\n"
			    "Content-Type: text/plain; charset=x-unknown-charset\n\n"
			    "Gr\xfc\xdf" "e aus K\xf6ln, 5 \x80\n", -1);
	rendered_msg *m = render(p, "windows-1252");

	check(m != NULL && all_printable(m), "unknown charset: valid UTF-8");
	check_has(m ? m->text : NULL, "Grüße aus Köln, 5 €", "unknown charset: latin-1 bytes read through windows-1252");
	rendered_msg_free(m);
	m = render(p, NULL);
	check_has(m ? m->text : NULL, "Grüße aus Köln, 5 \xEF\xBF\xBD", "no fallback: latin-1, C1 control replaced");
	rendered_msg_free(m);
	g_free(p);

	p = write_msg(dir, "8bit-subject", "From: J\xfcrgen <j@example.org>\nSubject: R\xe9sum\xe9 f\xfcr Sie\n\nhi\n", -1);
	m = render(p, "windows-1252");
	check_str(m ? m->subject : NULL, "Résumé für Sie", "raw 8-bit latin-1 Subject");
	check_str(m ? m->from : NULL, "Jürgen <j@example.org>", "raw 8-bit latin-1 From");
	rendered_msg_free(m);
	g_free(p);

	p = write_msg(dir, "2047", "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?= \xe9t\xe9\n"
			  "To: =?iso-8859-1?q?Andr=E9?= <a@example.org>\nMessage-ID: <x@example.org>\n\nhi\n", -1);
	m = render(p, NULL);
	check_str(m ? m->subject : NULL, "Grüße aus Köln été", "=?utf-8?q?...?= Subject with raw 8-bit after it");
	check_str(m ? m->to : NULL, "André <a@example.org>", "=?iso-8859-1?q?...?= To");
	check_str(m ? m->message_id : NULL, "<x@example.org>", "Message-ID");
	rendered_msg_free(m);
	g_free(p);
}

static void
test_structure(const char *dir)
{
	char *p = write_msg(dir, "alt",
			    "Subject: alt\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=B\n\n"
			    "--B\nContent-Type: text/plain\n\n  \n\n--B\nContent-Type: text/html; charset=iso-8859-1\n"
			    "Content-Transfer-Encoding: quoted-printable\n\n<p>Caf=E9 <b>ouvert</b></p>\n--B--\n", -1);
	rendered_msg *m = render(p, NULL);

	check_str(m ? m->text : NULL, "Café ouvert\n", "alternative with a blank text/plain: HTML converted");
	rendered_msg_free(m);
	g_free(p);

	p = write_msg(dir, "fwd",
		      "Subject: fwd\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
		      "--B\nContent-Type: text/plain\n\nsee below\n--B\nContent-Type: message/rfc822\n\n"
		      "Subject: the original\n\nold text\n--B\nContent-Type: image/png\n"
		      "Content-Transfer-Encoding: base64\n\naGVsbG8=\n--B--\n", -1);
	m = render(p, NULL);
	check_str(m ? m->text : NULL, "see below\n", "mixed: only inline text in the text");
	check(m != NULL && m->attachments->len == 2, "mixed: forwarded message and image listed");
	/* The newline before "--B" belongs to the delimiter (RFC 2046). */
	check_attachment(m, "the original", "message/rfc822", strlen("Subject: the original\n\nold text"), "fwd");
	check_attachment(m, "(unnamed)", "image/png", 5, "fwd");
	rendered_msg_free(m);
	g_free(p);
}

/* Text parts with a name: inline unless Content-Disposition says
 * attachment (RFC 2183), for text/plain; shown and listed. */
static void
test_named_text(const char *dir)
{
	char *p = write_msg(dir, "named-mixed",
			    "Subject: named\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
			    "--B\nContent-Type: text/plain; charset=utf-8; name=\"note.txt\"\n\nthe printer is on fire\n"
			    "--B\nContent-Type: application/pdf; name=\"a.pdf\"\nContent-Transfer-Encoding: base64\n\n"
			    "aGVsbG8=\n--B--\n", -1);
	rendered_msg *m = render(p, NULL);

	check_str(m ? m->text : NULL, "the printer is on fire\n", "text/plain with name=, no disposition: shown");
	check_attachment(m, "note.txt", "text/plain", strlen("the printer is on fire"), "named-mixed");
	check_attachment(m, "a.pdf", "application/pdf", 5, "named-mixed");
	rendered_msg_free(m);
	g_free(p);

	p = write_msg(dir, "named-single",
		      "Subject: only part\nMIME-Version: 1.0\nContent-Type: text/plain; name=readme.txt\n\n"
		      "Please read me.\n", -1);
	m = render(p, NULL);
	check_str(m ? m->text : NULL, "Please read me.\n", "a message whose only part is a named text/plain: its text, not empty");
	check(m != NULL && find_attachment(m, "readme.txt") != NULL, "and the part is listed as a file");
	rendered_msg_free(m);
	g_free(p);

	p = write_msg(dir, "named-alt",
		      "Subject: alt\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=B\n\n"
		      "--B\nContent-Type: text/plain; name=body.txt\n\nplain words\n"
		      "--B\nContent-Type: text/html\n\n<p>html words</p>\n--B--\n", -1);
	m = render(p, NULL);
	check_str(m ? m->text : NULL, "plain words\n", "alternative: a named text/plain is still the text chosen");
	rendered_msg_free(m);
	g_free(p);

	p = write_msg(dir, "named-attachment",
		      "Subject: att\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
		      "--B\nContent-Type: text/plain\n\nsee the log\n"
		      "--B\nContent-Type: text/plain; name=log.txt\nContent-Disposition: attachment; filename=log.txt\n\n"
		      "secret log line\n"
		      "--B\nContent-Type: text/plain\nContent-Disposition: inline; filename=inline.txt\n\ninline words\n"
		      "--B\nContent-Type: text/csv; name=data.csv\n\na,b\n--B--\n", -1);
	m = render(p, NULL);
	check_str(m ? m->text : NULL, "see the log\n\ninline words\n",
		  "disposition attachment: not shown; explicit inline: shown; a named text/csv: not shown");
	check(m != NULL && find_attachment(m, "log.txt") != NULL && find_attachment(m, "inline.txt") != NULL &&
	      find_attachment(m, "data.csv") != NULL, "all three listed as files");
	rendered_msg_free(m);
	g_free(p);

	p = write_msg(dir, "8bit-body",
		      "Subject: x\nMIME-Version: 1.0\nContent-Type: text/plain\n\n\x93" "Caf\xe9\x94 cr\xe8me, 5 \x80\n", -1);
	m = render(p, "windows-1252");
	check_str(m ? m->text : NULL, "“Café” crème, 5 €\n", "an 8-bit body with no charset: windows-1252");
	rendered_msg_free(m);
	g_free(p);
}

static void
test_malformed(const char *dir)
{
	char *p = write_msg(dir, "no-separator", "From: a@example.org\nSubject: no separator\nHello there,\nthis is the body.\n", -1);
	rendered_msg *m = render(p, NULL);
	guchar junk[4096];
	GRand *r = g_rand_new_with_seed(42);
	desk_status s;
	desk_err err = { 0 };

	check(m != NULL, "no blank line after the headers: renders");
	check_str(m ? m->subject : NULL, "no separator", "no blank line: headers kept");
	check_str(m ? m->text : NULL, "Hello there,\nthis is the body.\n", "no blank line: body kept");
	rendered_msg_free(m);
	g_free(p);

	p = write_msg(dir, "empty", "", 0);
	m = render(p, NULL);
	check(m != NULL && *m->text == '\0' && *m->subject == '\0' && m->attachments->len == 0, "empty file: an empty message");
	rendered_msg_free(m);
	g_free(p);

	p = write_msg(dir, "headers-only", "From: a@example.org\nSubject: only headers\n", -1);
	m = render(p, NULL);
	check(m != NULL && *m->text == '\0', "headers only: renders, no text");
	check_str(m ? m->subject : NULL, "only headers", "headers only: subject");
	rendered_msg_free(m);
	g_free(p);

	for (gsize i = 0; i < sizeof junk; i++)
		junk[i] = (guchar)g_rand_int_range(r, 0, 256);
	p = write_msg(dir, "junk", (const char *)junk, sizeof junk);
	m = render(p, "windows-1252");
	check(m != NULL && all_printable(m) && *m->text != '\0', "random bytes: render as printable text");
	rendered_msg_free(m);
	g_free(p);
	g_rand_free(r);

	p = g_build_filename(dir, "does-not-exist", NULL);
	s = render_message(p, NULL, &m, &err);
	check(s == DESK_NOTFOUND && m == NULL, "missing file: DESK_NOTFOUND");
	s = render_message(dir, NULL, &m, &err);
	check(s == DESK_NOTFOUND && m == NULL, "a directory: DESK_NOTFOUND");
	g_free(p);
}

/* More text than RENDER_MAX_TEXT, in one line of two-byte characters: it
 * is cut after an odd byte count, and the cut splits no character (else the part would fall back
 * to windows-1252 and read "Ã©"). */
static void
test_big_text(const char *dir)
{
	GString *msg = g_string_new("Subject: long\nContent-Type: text/plain; charset=utf-8\n\nx");
	rendered_msg *m;
	char *p;

	while (msg->len < RENDER_MAX_TEXT + 4096)
		g_string_append(msg, "\xC3\xA9");
	g_string_append(msg, "the end\n");
	p = write_msg(dir, "long", msg->str, msg->len);
	m = render(p, "windows-1252");
	check(m != NULL && all_printable(m) && g_str_has_prefix(m->text, "xééé"), "text over the limit: UTF-8 kept");
	check(m != NULL && strstr(m->text, "the end") == NULL && strstr(m->text, "[text cut") != NULL,
	      "text over the limit: cut, and says so");
	check(m != NULL && strlen(m->text) <= RENDER_MAX_TEXT + 100, "text over the limit: bounded");
	rendered_msg_free(m);
	g_free(p);
	g_string_free(msg, TRUE);
}

static void
test_to_utf8(void)
{
	char *s = charset_to_utf8("caf\xe9", -1, "utf-8", NULL);

	check_str(s, "café", "charset_to_utf8: wrong utf-8 label falls back to latin-1");
	g_free(s);
	s = charset_to_utf8("\x93hi\x94", -1, NULL, "bogus-charset; windows-1252");
	check_str(s, "“hi”", "charset_to_utf8: unknown fallback skipped, windows-1252 used");
	g_free(s);
	s = charset_to_utf8("a\0b", 3, "us-ascii", NULL);
	check_str(s, "ab", "charset_to_utf8: NUL dropped");
	g_free(s);
	s = charset_to_utf8("\xa4", 1, "iso-8859-15", "windows-1252");
	check_str(s, "€", "charset_to_utf8: the label wins");
	g_free(s);
	s = charset_to_utf8("\xe9t\xe9", -1, "x-no-such-charset", "windows-1252");
	check_str(s, "été", "charset_to_utf8: an unknown label: the fallback charsets");
	g_free(s);
	s = charset_decode("Gr\xc3\xbc\xc3\x9f" "e", -1, NULL, "windows-1252");
	check_str(s, "Grüße", "charset_decode: UTF-8 before the fallback charsets");
	g_free(s);
	s = charset_decode("\xd0\xd2\xc9\xd7\xc5\xd4", -1, NULL, "koi8-r; windows-1252");
	check_str(s, "привет", "charset_decode: the fallback charsets in their order (koi8-r first)");
	g_free(s);
	s = charset_decode("\xd0\xd2\xc9\xd7\xc5\xd4", -1, NULL, "windows-1252; koi8-r");
	check_str(s, "ÐÒÉ×ÅÔ", "charset_decode: the fallback charsets in their order (windows-1252 first)");
	g_free(s);
	/* 0x81, 0x8D, 0x90 have no character in windows-1252 */
	s = charset_decode("caf\x81\x8d\x90", -1, NULL, "windows-1252");
	check(s == NULL, "charset_decode: bytes in no charset tried: NULL, not a guess");
	g_free(s);
	s = charset_to_utf8("caf\x81", -1, NULL, "windows-1252");
	check(s != NULL && g_utf8_validate(s, -1, NULL) && g_str_has_prefix(s, "caf"),
	      "charset_to_utf8: the same bytes: latin-1, the last resort");
	g_free(s);
}

/* charset_decode_words on WORDS gives WANT. */
static void
check_words(const char *words, const char *want, const char *what)
{
	char *s = charset_decode_words(words, "windows-1252");

	check_str(s, want, what);
	g_free(s);
}

static void
test_encoded_words(void)
{
	GString *hostile = g_string_new(NULL);
	gint64 t0;
	char *s;

	/* Python's email writes a long subject so: the first word padded */
	check_words("=?utf-8?b?5ryi5a2XOiDjg5fjg6rjg7Pjgr/jg7zjgYznh4PjgYjjgabjgYTjgb4=?=\n =?utf-8?b?44GZ?=",
		    "漢字: プリンターが燃えています", "a base64 word after one with padding is kept");
	check_words("=?utf-8?b?5ryiOg==?= =?utf-8?b?44GZ?=", "漢:す", "a padded word, then another");
	check_words("=?UTF-8?B?5ryi5Q==?= =?UTF-8?B?rZc=?=", "漢字", "a character cut between two padded words");
	check_words("=?utf-8?q?Gr=C3=BC=C3?= =?utf-8?q?=9Fe?=", "Grüße", "a character cut between two Q words");
	check_words("=?iso-8859-1?q?J=FCrgen_M=FCller?=", "Jürgen Müller", "Q, latin-1, '_' is a space");
	check_words("=?iso-8859-1?q?J=FC?= =?utf-8?q?=E2=82=AC?=", "Jü€", "two charsets side by side");
	check_words("Re: =?utf-8?b?8J+OiQ==?= ok =?utf-8?q?=C3=A9?=", "Re: 🎉 ok é", "text between words kept");
	check_words("=?utf-8*de?q?Gr=C3=BC=C3=9Fe?=", "Grüße", "an RFC 2231 language");
	check_words("=?utf-8?x?abc?= =?utf-8?q?a b?= =? =?utf-8?q?=ZZ?=", "=?utf-8?x?abc?= =?utf-8?q?a b?= =? =ZZ",
		    "not words: kept as they are; a bad =XX kept");
	check_words("=?utf-8?q?caf=E9?=", "café", "bytes not in their charset: the fallback");
	check_words("", "", "empty");
	{
		static const char *const cut[] = { "=?", "=?a?", "=?a?b", "=?a?b?", "=?a?q?c", "=?a?q?=", "=?a?q?abc?",
						   "=?utf-8?b?====?=", "=?utf-8?b?*&^%?=", "=?utf-8?q?=?=", "=?utf-8?q?=4?=",
						   "=?" "?q?x?=", "=?utf-8?q?" "?=", "x=?utf-8?q?\xff?=", NULL };
		gboolean fine = TRUE;

		for (const char *const *c = cut; *c != NULL; c++) {
			s = charset_decode_words(*c, NULL);
			fine = fine && s != NULL && g_utf8_validate(s, -1, NULL);
			g_free(s);
		}
		check(fine, "words cut short or malformed: valid UTF-8, nothing read past the end");
	}
	for (int i = 0; i < 100000; i++)
		g_string_append(hostile, "=?a?q?xxxxxxxx");
	t0 = g_get_monotonic_time();
	s = charset_decode_words(hostile->str, NULL);
	check(s != NULL && strlen(s) == hostile->len && g_get_monotonic_time() - t0 < 2 * G_USEC_PER_SEC,
	      "1.4 MB of unclosed words: kept, in linear time");
	g_free(s);
	g_string_free(hostile, TRUE);
}

/* ---- html_to_text ---- */

static void
check_html(const char *html, const char *want, const char *what)
{
	char *t = html_to_text(html, strlen(html));

	check_str(t, want, what);
	g_free(t);
}

static void
test_html(void)
{
	static const char bad[] = "\xff<p>ok\xc3</p>\0z";
	GString *deep = g_string_new(NULL);
	char *t;

	check_html("a &amp; b &lt;c&gt; &eacute;&#233;&#xE9;&nbsp;x &bogus; &#150;", "a & b <c> ééé x &bogus; –", "entities");
	check_html("one<br>two<br/>three<br><br>four", "one\ntwo\nthree\n\nfour", "<br>");
	check_html("<ul>\n<li>alpha</li>\n<li>beta</li></ul>after", "- alpha\n- beta\nafter", "<li>");
	check_html("<script>alert('<b>x</b>')</script><style>p { x: '</p>' }</style>visible", "visible", "<script> and <style> dropped");
	check_html("<SCRIPT type=x>var a = 1;</Script >shown", "shown", "<SCRIPT> in capitals");
	check_html("<a href=\"http://example.org/x?a=1&amp;b=2\">site</a>", "site <http://example.org/x?a=1&b=2>", "<a href> appended");
	check_html("<a href='http://example.org/'>http://example.org</a>", "http://example.org", "<a> whose text is the URL");
	check_html("<a href=\"mailto:me@example.org\">me@example.org</a>", "me@example.org", "mailto link");
	check_html("<a href=\"#top\">top</a>", "top", "fragment link");
	check_html("<html><head><title>T</title><meta x=y></head><body><!-- c <p> --><p>para1</p><p>para2</p></body></html>",
		   "para1\n\npara2", "head, title, comment dropped; paragraphs");
	check_html("<pre>  a\n   b</pre>x   \n\t y", "a\n   b\nx y", "<pre> kept, whitespace collapsed outside");
	check_html("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc", "table rows and cells");
	check_html("<h1>Title</h1>text<div>block</div>", "Title\n\ntext\nblock", "h1 and div");
	check_html("a < b && c > d", "a < b && c > d", "bare < and & kept");
	check_html("<input value=\"a>b\">c", "c", "'>' inside an attribute value");
	check_html("x<a href=\"http://unterminated", "x", "unterminated attribute");
	check_html("<!-- never closed", "", "unterminated comment");
	check_html("", "", "empty input");
	t = html_to_text(bad, sizeof bad - 1);
	check(t != NULL && g_utf8_validate(t, -1, NULL) && strstr(t, "ok") != NULL && strstr(t, "z") != NULL,
	      "invalid UTF-8 and NUL: valid output");
	g_free(t);
	for (int i = 0; i < 200000; i++)
		g_string_append(deep, "<div><b>");
	g_string_append(deep, "deep");
	t = html_to_text(deep->str, deep->len);
	check_str(t, "deep", "200000 nested elements");
	g_free(t);
	g_string_free(deep, TRUE);
}

/* Whether CORPUS holds the notmuch corpus (not in a tarball). */
static gboolean
corpus_present(const char *corpus)
{
	char *p = g_build_filename(corpus, "notmuch", NULL);
	gboolean ok = g_file_test(p, G_FILE_TEST_IS_DIR);

	g_free(p);
	return ok;
}

int
main(int argc, char **argv)
{
	const char *env = g_getenv("CORPUS");  /* set by tests/run */
	const char *corpus = argc > 1 ? argv[1] : env != NULL && *env != '\0' ? env : "../shared/corpus";
	char *dir = g_dir_make_tmp("test-render-XXXXXX", NULL);

	g_mime_init();
	lines = g_ptr_array_new_with_free_func(g_free);
	if (corpus_present(corpus)) {
		test_corpus_renders(corpus);
		test_html_attribute(corpus);
		test_html_embedded(corpus);
		test_attachments(corpus);
		test_broken(corpus);
	} else {
		/* a tarball or package build: the corpus is not shipped */
		char *why = g_strdup_printf("no test corpus at %s/notmuch (set CORPUS=DIR)", corpus);

		skip(why, "the corpus renders; HTML, embedded images, attachments, broken mail of the corpus");
		g_free(why);
	}
	test_charsets(dir);
	test_structure(dir);
	test_named_text(dir);
	test_malformed(dir);
	test_big_text(dir);
	test_to_utf8();
	test_encoded_words();
	test_html();
	printf("1..%d\n", ntests);
	for (guint i = 0; i < lines->len; i++)
		printf("%s\n", (char *)lines->pdata[i]);
	g_ptr_array_unref(lines);
	if (dir != NULL) {
		GDir *d = g_dir_open(dir, 0, NULL);
		const char *e;

		while (d != NULL && (e = g_dir_read_name(d)) != NULL) {
			char *p = g_build_filename(dir, e, NULL);

			g_unlink(p);
			g_free(p);
		}
		if (d != NULL)
			g_dir_close(d);
		g_rmdir(dir);
		g_free(dir);
	}
	g_mime_shutdown();
	return nfailed > 0 ? 1 : 0;
}
