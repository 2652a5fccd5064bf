/* reply.c: compose, store and send the public replies of agents (desk
 * reply, desk close --template), and read texts from -m, stdin or $EDITOR. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gio/gio.h>

#include "change.h"
#include "desk.h"
#include "event.h"
#include "index.h"
#include "render.h"
#include "replydraft.h"
#include "kbticket.h"
#include "mimetype.h"
#include "output.h"
#include "reply.h"
#include "seen.h"
#include "sendmail.h"
#include "survey-send.h"
#include "template.h"
#include "term.h"
#include "token.h"
#include "xset.h"

gboolean
reply_is_customer(const ticket_message *m)
{
	return ticket_message_is_customer(m);
}

desk_status
reply_check_ticket(const ticket_info *t, guint n, gboolean allow_closed, desk_err *err)
{
	if (t->merged_into != 0)
		return desk_fail(err, DESK_USAGE, "ticket %u was merged into %u: answer there (desk reply %u)", n,
				 t->merged_into, t->merged_into);
	if (strcmp(t->status, "spam") == 0)
		return desk_fail(err, DESK_USAGE, "ticket %u is spam", n);
	if (!allow_closed && strcmp(t->status, "closed") == 0)
		return desk_fail(err, DESK_USAGE,
				 "ticket %u is closed: reopen it first (desk reopen %u), or let the requester's "
				 "next mail start a new ticket", n, n);
	if (t->requester == NULL || strchr(t->requester, '@') == NULL)
		return desk_fail(err, DESK_DATAERR,
				 "ticket %u has no requester to answer: its first message had no usable From "
				 "(desk show %u says what it had); write a note with desk comment %u", n, n, n);
	return DESK_OK;
}

/* --- the text ---------------------------------------------------------- */

static desk_status
read_stdin(char **out, desk_err *err)
{
	GString *s = g_string_new(NULL);
	char buf[8192];
	ssize_t r;

	while ((r = read(0, buf, sizeof buf)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			g_string_free(s, TRUE);
			return desk_fail(err, DESK_TEMPFAIL, "reading stdin: %s", g_strerror(errno));
		}
		if (s->len + (gsize)r > REPLY_MAX_TEXT) {
			g_string_free(s, TRUE);
			return desk_fail(err, DESK_DATAERR, "text on stdin longer than %d bytes", REPLY_MAX_TEXT);
		}
		g_string_append_len(s, buf, r);
	}
	*out = g_string_free(s, FALSE);
	return DESK_OK;
}

static void
child_tty(gpointer ud)
{
	int fd = GPOINTER_TO_INT(ud);

	if (fd >= 0)
		dup2(fd, 0);
}

/* Run the agent's editor ($VISUAL, $EDITOR, else vi; split into words, no
 * shell) on a file holding DRAFT; *out gets what it holds afterwards. */
static desk_status
run_editor(const char *draft, char **out, desk_err *err)
{
	const char *cmd = g_getenv("VISUAL");
	char **words = NULL, *path = NULL, **argv;
	GError *gerr = NULL;
	int fd, n = 0, wait_status = 0, tty = -1;
	desk_status s = DESK_OK;
	gsize len = 0;

	*out = NULL;
	if (cmd == NULL || *cmd == '\0')
		cmd = g_getenv("EDITOR");
	if (cmd == NULL || *cmd == '\0')
		cmd = "vi";
	if (!g_shell_parse_argv(cmd, &n, &words, &gerr)) {
		s = desk_fail(err, DESK_USAGE, "editor '%s': %s", cmd, gerr->message);
		g_error_free(gerr);
		return s;
	}
	if ((fd = g_file_open_tmp("desk-draft-XXXXXX.txt", &path, &gerr)) < 0) {
		s = desk_fail(err, DESK_TEMPFAIL, "draft: %s", gerr->message);
		g_error_free(gerr);
		g_strfreev(words);
		return s;
	}
	close(fd);
	if (!g_file_set_contents(path, draft, -1, &gerr)) {
		s = desk_fail(err, DESK_TEMPFAIL, "draft: %s", gerr->message);
		goto out;
	}
	argv = g_new0(char *, n + 2);
	memcpy(argv, words, n * sizeof *argv);
	argv[n] = path;
	if (!isatty(0))
		tty = open("/dev/tty", O_RDONLY | O_CLOEXEC);
	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN, child_tty,
			  GINT_TO_POINTER(tty), NULL, NULL, &wait_status, &gerr))
		s = desk_fail(err, DESK_USAGE, "editor %s: %s; nothing sent", argv[0], gerr->message);
	else if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0)
		s = desk_fail(err, DESK_DATAERR, "editor %s exited with status %d; nothing sent", argv[0],
			      WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status));
	g_free(argv);
	if (tty >= 0)
		close(tty);
	if (s == DESK_OK && !g_file_get_contents(path, out, &len, &gerr))
		s = desk_fail(err, DESK_TEMPFAIL, "draft: %s", gerr->message);
	if (s == DESK_OK && len > REPLY_MAX_TEXT)
		s = desk_fail(err, DESK_DATAERR, "draft longer than %d bytes; nothing sent", REPLY_MAX_TEXT);
	if (s == DESK_OK && strcmp(*out, draft) == 0)
		s = desk_fail(err, DESK_DATAERR, "draft unchanged; nothing sent");
out:
	if (s != DESK_OK) {
		g_free(*out);
		*out = NULL;
	}
	if (gerr != NULL)
		g_error_free(gerr);
	unlink(path);
	g_free(path);
	g_strfreev(words);
	return s;
}

static gboolean
is_blank(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isspace(*s))
			return FALSE;
	return TRUE;
}

/* TEXT without the comment header of a draft (its first lines that start
 * with '#') and the blank lines after it. */
static void
strip_draft_header(char *text)
{
	char *p = text;

	while (*p == '#') {
		char *nl = strchr(p, '\n');

		p = nl != NULL ? nl + 1 : p + strlen(p);
	}
	while (*p == '\n' || (*p == '\r' && p[1] == '\n'))
		p += *p == '\r' ? 2 : 1;
	memmove(text, p, strlen(p) + 1);
}

desk_status
reply_text(const char *message, gboolean stdin_free, const char *draft, char **out, desk_err *err)
{
	desk_status s;
	char *text = NULL;
	const char *from = "the text";

	*out = NULL;
	if (message != NULL) {
		text = g_strdup(message);
		s = DESK_OK;
	} else if (stdin_free && !isatty(0)) {
		from = "stdin";
		s = read_stdin(&text, err);
	} else {
		from = "the draft";
		s = run_editor(draft != NULL ? draft : "", &text, err);
		if (s == DESK_OK && draft != NULL && g_str_has_prefix(draft, REPLY_DRAFT_MARK))
			strip_draft_header(text);
	}
	if (s != DESK_OK)
		return s;
	if (!g_utf8_validate(text, -1, NULL)) {
		g_free(text);
		return desk_fail(err, DESK_DATAERR, "the text is not UTF-8; nothing sent");
	}
	if (is_blank(text) && strcmp(from, "stdin") == 0) {
		size_t n = strlen(text);

		g_free(text);
		return desk_fail(err, DESK_DATAERR, "stdin held no text (%zu byte%s read%s): desk reads the text "
				 "from stdin when it is not a terminal; give it with -m TEXT, or write it in $EDITOR "
				 "with --edit (or run desk from a terminal); nothing sent", n, n == 1 ? "" : "s",
				 n > 0 ? ", blanks only" : "");
	}
	if (is_blank(text)) {
		g_free(text);
		return desk_fail(err, DESK_DATAERR, "empty text in %s; nothing sent", from);
	}
	if (text[strlen(text) - 1] != '\n') {
		char *t = g_strconcat(text, "\n", NULL);

		g_free(text);
		text = t;
	}
	*out = text;
	return DESK_OK;
}

/* --- reading the ticket -------------------------------------------------- */

/* The last message of MSGS people outside wrote, or NULL. */
static const ticket_message *
last_customer(GPtrArray *msgs)
{
	for (guint i = msgs->len; i > 0; i--)
		if (reply_is_customer(msgs->pdata[i - 1]))
			return msgs->pdata[i - 1];
	return NULL;
}

static char *
bare_id(const char *id)
{
	char *s = g_strstrip(g_strdup(id));
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		memmove(s, s + 1, n - 2);
		s[n - 2] = '\0';
	}
	return s;
}

/* Customer messages of MSGS the agent has not seen: after IN_REPLY_TO if
 * given, else not in the agent's seen marker and not at or before QUOTED
 * (the message the draft quoted). *out: ticket_message* borrowed. */
static desk_status
unseen(desk_store *st, const desk_agent *me, guint n, GPtrArray *msgs, const char *in_reply_to,
       const char *quoted, GPtrArray **out, desk_err *err)
{
	GHashTable *seen = NULL;
	gint64 when = 0;
	gint start = -1;
	desk_status s = DESK_OK;

	*out = g_ptr_array_new();
	if (in_reply_to != NULL || quoted != NULL) {
		char *id = bare_id(in_reply_to != NULL ? in_reply_to : quoted);

		for (guint i = 0; i < msgs->len; i++)
			if (strcmp(((ticket_message *)msgs->pdata[i])->message_id, id) == 0)
				start = (gint)i;
		if (start < 0 && in_reply_to != NULL)
			s = desk_fail(err, DESK_USAGE, "--in-reply-to: no message <%s> in ticket %u", id, n);
		g_free(id);
	}
	if (s == DESK_OK && in_reply_to == NULL) {
		s = seen_get(st, me->login, n, &seen, &when, err);
		if (s == DESK_NOTFOUND)
			s = DESK_OK;
	}
	for (guint i = 0; s == DESK_OK && i < msgs->len; i++) {
		const ticket_message *m = msgs->pdata[i];
		char *d;

		if ((gint)i <= start || !reply_is_customer(m))
			continue;
		d = seen_digest(m->message_id);
		if (in_reply_to != NULL || seen == NULL || !g_hash_table_contains(seen, d))
			g_ptr_array_add(*out, (gpointer)m);
		g_free(d);
	}
	if (seen != NULL)
		g_hash_table_unref(seen);
	return s;
}

static desk_status
stale_error(guint n, GPtrArray *late, gboolean by_irt, desk_err *err)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < late->len && i < 5; i++) {
		const ticket_message *m = late->pdata[i];
		GDateTime *dt = g_date_time_new_from_unix_local(m->time);
		char *when = g_date_time_format(dt, "%Y-%m-%d %H:%M");

		g_string_append_printf(s, "%s<%s> at %s", i ? ", " : "", m->message_id, when);
		g_free(when);
		g_date_time_unref(dt);
	}
	if (late->len > 5)
		g_string_append_printf(s, " and %u more", late->len - 5);
	desk_fail(err, DESK_DATAERR, "ticket %u: the requester wrote %s %s: %s; read it (desk show %u --last) "
		  "or send anyway with --force; nothing sent", n, late->len == 1 ? "a message" : "messages",
		  by_irt ? "after the message you answer" : "since you last looked", s->str, n);
	g_string_free(s, TRUE);
	return DESK_DATAERR;
}

/* --- composing ----------------------------------------------------------- */

/* Open the file F of --attach: a regular file outside the store, not too
 * large. The descriptor is what gets attached, so what was checked is what
 * is sent. */
static desk_status
open_attachment(desk_store *st, const char *f, int *fd, desk_err *err)
{
	struct stat sb;
	desk_status s = DESK_OK;

	/* O_NONBLOCK: a FIFO must not hang us before it is refused */
	*fd = open(f, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (*fd < 0 || fstat(*fd, &sb) != 0)
		s = desk_fail(err, DESK_NOTFOUND, "--attach %s: %s", f, g_strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		s = desk_fail(err, DESK_USAGE, "--attach %s: not a regular file", f);
	else if (sb.st_size > REPLY_MAX_ATTACHMENT)
		s = desk_fail(err, DESK_USAGE, "--attach %s: larger than %d MB", f,
			      REPLY_MAX_ATTACHMENT / (1024 * 1024));
	else if ((s = store_check_outside(st, *fd, f, err)) != DESK_OK) {
		char *why = g_strdup(err->msg);

		desk_fail(err, s, "--attach %s", why);
		g_free(why);
	}
	else if (fcntl(*fd, F_SETFL, 0) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "--attach %s: %s", f, g_strerror(errno));
	if (s != DESK_OK && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return s;
}

/* Check the files of --attach before anything is stored. */
static desk_status
check_attachments(desk_store *st, char **files, desk_err *err)
{
	for (char **f = files; f != NULL && *f != NULL; f++) {
		int fd;
		desk_status s = open_attachment(st, *f, &fd, err);

		if (s != DESK_OK)
			return s;
		close(fd);
	}
	return DESK_OK;
}

/* The MIME type of the file PATH open as FD (read from offset 0). */
static char *
mime_type_of(const char *path, int fd)
{
	guchar buf[4096];
	gssize n = pread(fd, buf, sizeof buf, 0);

	return g_strdup(mimetype_guess(path, buf, n > 0 ? (gsize)n : 0));
}

/* Whether the file open as FD holds UTF-8 text (read from offset 0, in
 * pieces: a character may span two). */
static gboolean
file_is_utf8(int fd)
{
	char buf[65536 + 4];
	gsize carry = 0;
	off_t off = 0;
	gssize n;

	while ((n = pread(fd, buf + carry, sizeof buf - 4 - carry, off)) > 0) {
		const char *end = NULL;
		gsize len = carry + (gsize)n;

		off += n;
		if (!g_utf8_validate_len(buf, len, &end)) {
			/* only a character cut at the end of the piece may go on */
			if (len - (gsize)(end - buf) > 3 || g_utf8_get_char_validated(end, len - (end - buf)) != (gunichar)-2)
				return FALSE;
		}
		carry = len - (gsize)(end - buf);
		memmove(buf, end, carry);
	}
	return n == 0 && carry == 0;
}

static desk_status
add_attachments(desk_store *st, GMimeMessage *msg, char **files, desk_err *err)
{
	GMimeMultipart *mixed;

	if (files == NULL || files[0] == NULL)
		return DESK_OK;
	mixed = g_mime_multipart_new_with_subtype("mixed");
	g_mime_multipart_add(mixed, g_mime_message_get_mime_part(msg));
	for (char **f = files; *f != NULL; f++) {
		char *mime, *slash, *base;
		GMimePart *part;
		GMimeStream *fs;
		GMimeDataWrapper *dw;
		int fd;
		desk_status s = open_attachment(st, *f, &fd, err);

		if (s != DESK_OK) {
			g_object_unref(mixed);
			return s;
		}
		mime = mime_type_of(*f, fd);
		slash = strchr(mime, '/');
		base = g_path_get_basename(*f);
		*slash = '\0';
		fs = g_mime_stream_fs_new(fd);  /* owns fd now */
		part = g_mime_part_new_with_type(mime, slash + 1);
		dw = g_mime_data_wrapper_new_with_stream(fs, GMIME_CONTENT_ENCODING_DEFAULT);
		g_mime_part_set_content(part, dw);
		g_mime_part_set_filename(part, base);
		g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
		/* a text file is sent as it is: say which charset when we know */
		if (strcmp(mime, "text") == 0 && file_is_utf8(fd))
			g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
		g_mime_multipart_add(mixed, GMIME_OBJECT(part));
		g_object_unref(part);
		g_object_unref(dw);
		g_object_unref(fs);
		g_free(base);
		g_free(mime);
	}
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(mixed));
	g_object_unref(mixed);
	return DESK_OK;
}

/* Add Cc ADDR unless it is the requester, the desk or already there. */
static void
add_cc(desk_store *st, GMimeMessage *msg, GHashTable *have, const char *addr, const char *name)
{
	char *low = g_ascii_strdown(addr, -1);

	if (*low != '\0' && strchr(low, '@') != NULL && !g_hash_table_contains(have, low) &&
	    config_queue_for(st->cfg, low, NULL) == NULL) {
		event_add_mailbox(msg, GMIME_ADDRESS_TYPE_CC, name, low);
		g_hash_table_add(have, low);
		return;
	}
	g_free(low);
}

/* Cc: the ticket's participants and the Cc of the message answered. */
static void
set_cc(desk_store *st, GMimeMessage *msg, const ticket_info *t, const ticket_message *answered)
{
	GHashTable *have = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	rendered_msg *r = NULL;
	desk_err err = { 0 };

	g_hash_table_add(have, g_ascii_strdown(t->requester, -1));
	for (char **c = t->cc; c != NULL && *c != NULL; c++)
		add_cc(st, msg, have, *c, NULL);
	if (answered != NULL && render_message(answered->path, st->cfg->fallback_charsets, &r, &err) == DESK_OK) {
		InternetAddressList *l = internet_address_list_parse(NULL, r->cc);

		for (int i = 0; l != NULL && i < internet_address_list_length(l) && i < 50; i++) {
			InternetAddress *a = internet_address_list_get_address(l, i);

			if (INTERNET_ADDRESS_IS_MAILBOX(a))
				add_cc(st, msg, have, internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)),
				       internet_address_get_name(a));
		}
		if (l != NULL)
			g_object_unref(l);
		rendered_msg_free(r);
	}
	g_hash_table_unref(have);
}

static char *
reply_subject(const ticket_info *t, const char *from_template)
{
	if (from_template != NULL)
		return g_strdup(from_template);
	if (g_ascii_strncasecmp(t->subject, "re:", 3) == 0)
		return g_strdup(t->subject);
	return g_strconcat("Re: ", t->subject, NULL);
}

static char *
from_name(const desk_agent *me, const ticket_info *t)
{
	char *q = g_strdup(t->queue != NULL && *t->queue ? t->queue : "support");
	char *out;

	q[0] = g_ascii_toupper(q[0]);
	out = g_strdup_printf("%s via %s", *me->name ? me->name : me->login, q);
	g_free(q);
	return out;
}

/* One line "# KEY: VALUE" of the draft's header, VALUE made one safe
 * line (a newline in a subject must not end the comment). */
static void
draft_line(GString *d, const char *key, const char *value)
{
	char *safe = term_safe(value, TERM_LINE);

	g_string_append_printf(d, "# %s: %s\n", key, safe);
	g_free(safe);
}

/* The draft: a comment header (ticket, To, Cc, Subject as they will be
 * sent; stripped before sending), START, then the last customer message
 * quoted. */
static char *
make_draft(desk_store *st, const ticket_info *t, const ticket_message *last, const char *start,
	   const char *subject_tpl)
{
	GString *d = g_string_new(REPLY_DRAFT_MARK " the lines that start with '#' up here are not sent\n");
	GMimeMessage *probe = g_mime_message_new(TRUE);
	char *subject = reply_subject(t, subject_tpl), *tagged = event_subject(st, t->number, subject);
	char *to = *t->requester_name ? g_strdup_printf("%s <%s>", t->requester_name, t->requester)
				      : g_strdup(t->requester);
	char *cc, *ticket = g_strdup_printf("%u %s (%s%s%s)", t->number, t->subject, t->status,
					     *t->owner ? ", " : "", t->owner);
	rendered_msg *r = NULL;
	desk_err err = { 0 };
	char **lines;
	int n = 0;

	set_cc(st, probe, t, last);  /* the Cc the reply will have */
	cc = internet_address_list_to_string(g_mime_message_get_cc(probe), NULL, FALSE);
	draft_line(d, "Ticket", ticket);
	draft_line(d, "To", to);
	draft_line(d, "Cc", cc != NULL && *cc ? cc : "-");
	draft_line(d, "Subject", tagged);
	g_string_append_printf(d, "\n%s", start != NULL ? start : "\n");
	g_object_unref(probe);
	g_free(cc);
	g_free(to);
	g_free(ticket);
	g_free(tagged);
	g_free(subject);

	if (last == NULL || render_message(last->path, st->cfg->fallback_charsets, &r, &err) != DESK_OK)
		return g_string_free(d, FALSE);
	if (d->len > 0 && d->str[d->len - 1] != '\n')
		g_string_append_c(d, '\n');
	g_string_append_printf(d, "\nOn %s, %s wrote:\n", r->date, r->from);
	lines = g_strsplit(r->text, "\n", -1);
	for (char **l = lines; *l != NULL && n < 500; l++, n++)
		if (**l != '\0' || l[1] != NULL)
			g_string_append_printf(d, ">%s%s\n", **l ? " " : "", *l);
	g_strfreev(lines);
	rendered_msg_free(r);
	return g_string_free(d, FALSE);
}

/* --- storing and sending ------------------------------------------------- */

typedef struct reply_draft {
	char *subject;     /* NULL: Re: the ticket's subject */
	xset *set;         /* template commands, may be NULL */
	char *text;
	char *quoted_id;   /* the message the editor's draft quoted, else NULL */
	char *kb;          /* SLUG@COMMIT of an article in the text (X-Desk-KB), else NULL */
} reply_draft;

static void
draft_clear(reply_draft *d)
{
	g_free(d->kb);
	g_free(d->subject);
	xset_free(d->set);
	g_free(d->text);
	g_free(d->quoted_id);
}

/* Replace or add status=STATUS in the template's commands SET (NULL: none). */
static xset *
set_with_status(const xset *set, const char *status)
{
	xset *s = xset_copy(set);

	xset_remove(s, "status");
	xset_add(s, "status", status);
	return s;
}

/* A refused draft's text kept for the agent (nothing is lost): ERR says where. */
static void
keep_text(const char *text, guint n, desk_err *err)
{
	char *tmpl = g_strdup_printf("desk-draft-%u-XXXXXX.txt", n), *path = NULL, *why;
	int fd = g_file_open_tmp(tmpl, &path, NULL);

	if (fd >= 0) {
		close(fd);
		if (g_file_set_contents(path, text, -1, NULL)) {
			why = g_strdup(err->msg);
			desk_fail(err, DESK_DATAERR, "%s; nothing sent; your text is kept in %s", why, path);
			g_free(why);
		}
	}
	g_free(path);
	g_free(tmpl);
}

/* Phase one, without the lock: read the ticket, the template and the text. */
static desk_status
prepare(desk_store *st, const desk_agent *me, guint n, const reply_opts *o, reply_draft *d,
	desk_err *err)
{
	notmuch_database_t *db = NULL;
	ticket_info *t = NULL;
	GPtrArray *msgs = NULL;
	desk_template *tpl = NULL;
	GHashTable *vars = NULL;
	desk_status s = index_open(st, FALSE, &db, err);
	char *draft = NULL;
	const ticket_message *last = NULL;
	reply_suggestion *sug = NULL;
	char *start = NULL;
	gboolean stdin_text;

	if (s == DESK_OK)
		s = ticket_get(db, n, &t, &msgs, err);
	if (s == DESK_OK)
		s = reply_check_ticket(t, n, FALSE, err);
	if (s == DESK_OK)
		s = check_attachments(st, o->attach, err);
	if (s == DESK_OK)
		s = sendmail_check(st, err);  /* before anything is stored */
	if (s == DESK_OK && o->template_name != NULL) {
		vars = template_vars(st, t, me);
		s = template_load(st, o->template_name, vars, &tpl, err);
	}
	if (s != DESK_OK)
		goto out;
	last = last_customer(msgs);
	if (tpl != NULL) {
		d->subject = g_strdup(tpl->subject);
		d->set = tpl->set != NULL ? xset_copy(tpl->set) : NULL;
	}
	if (o->force_status != NULL) {
		xset *set = set_with_status(d->set, o->force_status);

		xset_free(d->set);
		d->set = set;
	}
	if (tpl != NULL && !o->edit) {
		d->text = g_strdup(tpl->body);
		goto out;
	}
	if (o->draft) {
		if ((s = reply_suggest(st, db, n, &sug, err)) != DESK_OK)
			goto out;
		start = reply_suggestion_text(sug);
	}
	draft = make_draft(st, t, last, start != NULL ? start : tpl != NULL ? tpl->body : NULL, d->subject);
	notmuch_database_destroy(db);
	db = NULL;
	stdin_text = o->stdin_free && !o->edit && !o->draft && !isatty(0);
	if (o->message == NULL && !stdin_text && last != NULL)
		d->quoted_id = g_strdup(last->message_id);
	s = reply_text(o->message, stdin_text, draft, &d->text, err);
	if (s == DESK_OK && sug != NULL && (s = reply_draft_check(d->text, err)) != DESK_OK)
		keep_text(d->text, n, err);
	if (s == DESK_OK && sug != NULL && reply_suggestion_cited(sug, d->text) != NULL)
		d->kb = g_strdup(reply_suggestion_cited(sug, d->text));
out:
	reply_suggestion_free(sug);
	g_free(start);
	g_free(draft);
	template_free(tpl);
	if (vars != NULL)
		g_hash_table_unref(vars);
	ticket_info_free(t);
	if (msgs != NULL)
		g_ptr_array_unref(msgs);
	if (db != NULL)
		notmuch_database_destroy(db);
	return s;
}

/* Phase two, under the lock: check the state again, compose, store. */
static desk_status
store_reply(desk_store *st, const desk_agent *me, guint n, const reply_opts *o, const reply_draft *d,
	    GMimeMessage **out, ticket_info **tout, char **sender, desk_err *err)
{
	desk_change *c = NULL;
	ticket_info *t = NULL;
	GPtrArray *msgs = NULL, *late = NULL;
	GMimeMessage *msg = NULL;
	char *subject = NULL, *name = NULL;
	xset *set = NULL;
	const ticket_message *answered = NULL;
	desk_status s = change_begin(st, &c, err);

	*out = NULL;
	if (s == DESK_OK)
		s = ticket_get(change_db(c), n, &t, &msgs, err);
	if (s == DESK_OK)
		s = reply_check_ticket(t, n, FALSE, err);
	if (s == DESK_OK)
		s = unseen(st, me, n, msgs, o->in_reply_to, d->quoted_id, &late, err);
	if (s == DESK_OK && late->len > 0 && !o->force)
		s = stale_error(n, late, o->in_reply_to != NULL, err);
	if (s != DESK_OK)
		goto out;
	answered = last_customer(msgs);
	for (guint i = 0; o->in_reply_to != NULL && i < msgs->len; i++) {
		char *id = bare_id(o->in_reply_to);

		if (strcmp(((ticket_message *)msgs->pdata[i])->message_id, id) == 0)
			answered = msgs->pdata[i];
		g_free(id);
	}
	subject = reply_subject(t, d->subject);
	name = from_name(me, t);
	*sender = token_address(st->secret, event_desk_address(st, t->queue), t->number);
	msg = event_message_new(st, t, name, event_desk_address(st, t->queue), t->requester, subject,
				answered != NULL ? answered->message_id : NULL, d->text);
	event_add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO, name, *sender);
	set_cc(st, msg, t, answered);
	s = add_attachments(st, msg, o->attach, err);
	set = xset_copy(d->set);
	xset_add(set, "by", me->login);
	if (s == DESK_OK) {
		desk_block b = { t->number, t->queue, "reply", set, d->kb, NULL };

		s = change_deliver(c, &b, msg, err);
	}
out:
	s = change_finish(c, s, err);
	if (s == DESK_OK) {
		*out = msg;
		*tout = t;
	} else {
		if (msg != NULL)
			g_object_unref(msg);
		ticket_info_free(t);
	}
	if (late != NULL)
		g_ptr_array_unref(late);
	if (msgs != NULL)
		g_ptr_array_unref(msgs);
	xset_free(set);
	g_free(subject);
	g_free(name);
	return s;
}

/* Record an event of ticket N about the reply ID (send-failed, resent). */
static desk_status
note_event(desk_store *st, const desk_agent *me, guint n, const char *event, const xset *set,
	   const char *line, desk_err *err)
{
	desk_change *c = NULL;
	ticket_info *t = NULL;
	desk_status s = change_begin(st, &c, err);

	if (s == DESK_OK)
		s = change_ticket(c, n, &t, NULL, err);
	if (s == DESK_OK)
		s = change_event(c, t, me, event, set, line, err);
	s = change_finish(c, s, err);
	ticket_info_free(t);
	return s;
}

/* The KB article SLUG (public, published) after the text; its citation
 * SLUG@COMMIT goes into the stored copy as X-Desk-KB. */
static desk_status
add_article(desk_store *st, const char *slug, reply_draft *d, desk_err *err)
{
	char *text = NULL, *cite = NULL, *all;
	desk_status s = kb_cite(st, slug, TRUE, &text, &cite, err);

	if (s != DESK_OK)
		return s;
	all = g_strdup_printf("%s%s\n%s", d->text, g_str_has_suffix(d->text, "\n") ? "" : "\n", text);
	g_free(d->text);
	d->text = all;
	d->kb = cite;
	g_free(text);
	return DESK_OK;
}

/* What the commands of SET (template NAME's header block) did, as
 * "; template waiting: status pending, tag +vip", or "" when there are
 * none. Caller g_free()s. */
static char *
set_summary(const xset *set, const char *name)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; set != NULL && i < xset_len(set); i++) {
		const char *v = xset_value(set, i, NULL);

		if (i == 0)
			g_string_append_printf(s, "; %s%s%s", name != NULL ? "template " : "", name != NULL ? name : "",
					       name != NULL ? ": " : "");
		g_string_append_printf(s, "%s%s %s", i ? ", " : "", xset_key(set, i), *v ? v : "none");
	}
	return g_string_free(s, FALSE);
}

/* desk reply N --template csat (a survey's template): the survey of
 * ticket N, as desk survey send makes it (survey_send_ticket), sent as
 * it is. */
static int
reply_survey(desk_store *st, const desk_agent *me, guint n, const reply_opts *o)
{
	desk_err err = { 0 };
	char *line = NULL;
	desk_status s;

	if (o->force_status != NULL)
		return desk_error(DESK_USAGE, "close %u: --template %s is a survey: close the ticket, then "
				  "'desk reply %u --template %s' (or let desk survey send mail it)",
				  n, o->template_name, n, o->template_name);
	if (o->edit || o->attach != NULL || o->kb != NULL || o->in_reply_to != NULL)
		return desk_error(DESK_USAGE, "reply %u: --template %s sends the survey as it is: not with --edit, "
				  "--attach, --kb or --in-reply-to", n, o->template_name);
	s = survey_send_ticket(st, me, n, o->template_name, &line, &err);
	if (s != DESK_OK)
		return desk_error(s, "reply %u: %s", n, err.msg);
	printf("%s\n", out_safe(line));
	g_free(line);
	return 0;
}

int
reply_run(desk_store *st, const desk_agent *me, guint n, const reply_opts *o)
{
	reply_draft d = { 0 };
	desk_err err = { 0 };
	GMimeMessage *msg = NULL;
	ticket_info *t = NULL;
	char *sender = NULL, *text = NULL;
	desk_status s;
	survey_kind kind;
	int rc = 0;

	if (o->template_name != NULL && survey_template_kind(st->cfg, o->template_name, &kind))
		return reply_survey(st, me, n, o);
	s = prepare(st, me, n, o, &d, &err);
	if (s == DESK_OK && o->kb != NULL)
		s = add_article(st, o->kb, &d, &err);
	if (s == DESK_OK)
		s = store_reply(st, me, n, o, &d, &msg, &t, &sender, &err);
	if (s != DESK_OK) {
		rc = desk_error(s, "reply %u: %s", n, err.msg);
		goto out;
	}
	text = event_to_string(msg);
	s = sendmail_send(st, text, sender, &err);
	if (s == DESK_OK) {
		char *did = set_summary(d.set, o->template_name);

		printf("%u: reply sent to %s <%s>%s\n", t->number, out_safe(t->requester),
		       out_safe(g_mime_message_get_message_id(msg)), out_safe(did));
		g_free(did);
	} else {
		char *why = g_strdup(err.msg);
		xset *set = xset_new();
		char *line = g_strdup_printf("reply <%s> not sent: %.200s", g_mime_message_get_message_id(msg), why);
		desk_err e2 = { 0 };

		xset_add(set, "unsent", g_mime_message_get_message_id(msg));
		if (note_event(st, me, t->number, "send-failed", set, line, &e2) != DESK_OK)
			desk_warn("reply %u: recording the failure: %s", n, e2.msg);
		rc = desk_error(s, "reply %u: not sent: %s; the reply is stored in the ticket, "
			       "'desk reply --retry %u' sends it", n, why, t->number);
		g_free(line);
		xset_free(set);
		g_free(why);
	}
out:
	if (msg != NULL)
		g_object_unref(msg);
	ticket_info_free(t);
	g_free(text);
	g_free(sender);
	draft_clear(&d);
	return rc;
}

/* --- --retry ---------------------------------------------------------- */

/* The value of KEY= in the X-Desk-Set SET, or NULL. Caller g_free()s. */
static char *
set_value(const char *set, const char *key)
{
	return xset_lookup(set, key);
}

/* The stored copy at PATH without our X-Desk-* headers, as sent. */
static desk_status
outbound_text(const char *path, char **text, char **sender, desk_err *err)
{
	GError *gerr = NULL;
	GMimeStream *fs = g_mime_stream_fs_open(path, O_RDONLY, 0, &gerr);
	GMimeParser *p;
	GMimeMessage *msg;
	GMimeHeaderList *hl;
	InternetAddressList *rt;

	*text = *sender = NULL;
	if (fs == NULL) {
		desk_fail(err, DESK_NOTFOUND, "%s: %s", path, gerr->message);
		g_error_free(gerr);
		return DESK_NOTFOUND;
	}
	p = g_mime_parser_new_with_stream(fs);
	msg = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	g_object_unref(fs);
	if (msg == NULL)
		return desk_fail(err, DESK_DATAERR, "%s: not a message", path);
	hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	for (int i = g_mime_header_list_get_count(hl) - 1; i >= 0; i--) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);

		if (g_ascii_strncasecmp(g_mime_header_get_name(h), "X-Desk-", 7) == 0)
			g_mime_header_list_remove_at(hl, i);
	}
	rt = g_mime_message_get_reply_to(msg);
	if (rt != NULL && internet_address_list_length(rt) > 0 &&
	    INTERNET_ADDRESS_IS_MAILBOX(internet_address_list_get_address(rt, 0)))
		*sender = g_strdup(internet_address_mailbox_get_addr(
			INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(rt, 0))));
	*text = event_to_string(msg);
	g_object_unref(msg);
	return DESK_OK;
}

/* Message-IDs of replies whose sending failed and has not been redone. */
static GPtrArray *
unsent_replies(GPtrArray *msgs)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < msgs->len; i++) {
		const ticket_message *m = msgs->pdata[i];
		char *id;

		if (m->event == NULL)
			continue;
		if (strcmp(m->event, "send-failed") == 0 && (id = set_value(m->set, "unsent")) != NULL) {
			gboolean dup = FALSE;

			for (guint j = 0; j < out->len; j++)
				dup = dup || strcmp(out->pdata[j], id) == 0;
			if (dup)
				g_free(id);
			else
				g_ptr_array_add(out, id);
		} else if (strcmp(m->event, "resent") == 0 && (id = set_value(m->set, "sent")) != NULL) {
			for (guint j = out->len; j > 0; j--)
				if (strcmp(out->pdata[j - 1], id) == 0)
					g_ptr_array_remove_index(out, j - 1);
			g_free(id);
		}
	}
	return out;
}

static const ticket_message *
find_reply(GPtrArray *msgs, const char *id)
{
	for (guint i = 0; i < msgs->len; i++) {
		const ticket_message *m = msgs->pdata[i];

		if (m->event != NULL && strcmp(m->event, "reply") == 0 && strcmp(m->message_id, id) == 0)
			return m;
	}
	return NULL;
}

/* Under the lock, so two retries at once cannot both send. */
int
reply_retry(desk_store *st, const desk_agent *me, guint n)
{
	desk_change *c = NULL;
	ticket_info *t = NULL;
	GPtrArray *msgs = NULL, *ids = NULL;
	desk_err err = { 0 };
	desk_status s = change_begin(st, &c, &err);
	int rc = 0;

	if (s == DESK_OK)
		s = ticket_get(change_db(c), n, &t, &msgs, &err);
	if (s != DESK_OK) {
		rc = desk_error(s, "reply --retry %u: %s", n, err.msg);
		goto out;
	}
	ids = unsent_replies(msgs);
	if (ids->len == 0)
		printf("%u: no unsent reply\n", n);
	for (guint i = 0; i < ids->len && rc == 0; i++) {
		const ticket_message *m = find_reply(msgs, ids->pdata[i]);
		char *text = NULL, *sender = NULL, *line;
		xset *set;

		if (m == NULL) {
			desk_warn("reply --retry %u: the copy of <%s> is missing", n, (char *)ids->pdata[i]);
			rc = desk_exit_code(DESK_NOTFOUND);
			break;
		}
		s = outbound_text(m->path, &text, &sender, &err);
		if (s == DESK_OK)
			s = sendmail_send(st, text, sender, &err);
		set = xset_new();
		xset_add(set, "sent", ids->pdata[i]);
		line = g_strdup_printf("reply <%s> sent", (char *)ids->pdata[i]);
		if (s == DESK_OK)
			s = change_event(c, t, me, "resent", set, line, &err);
		if (s == DESK_OK)
			printf("%u: %s\n", n, out_safe(line));
		else
			rc = desk_error(s, "reply --retry %u: <%s>: %s; still unsent", n, (char *)ids->pdata[i], err.msg);
		xset_free(set);
		g_free(line);
		g_free(text);
		g_free(sender);
	}
out:
	if (c != NULL) {
		s = change_commit(c, &err);
		if (s != DESK_OK && rc == 0)
			rc = desk_error(s, "reply --retry %u: %s", n, err.msg);
	}
	if (ids != NULL)
		g_ptr_array_unref(ids);
	if (msgs != NULL)
		g_ptr_array_unref(msgs);
	ticket_info_free(t);
	return rc;
}
