/* desk-ingest.c: desk ingest: an LDA for one message on stdin, and the
 * import of an mbox or a Maildir. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "desk.h"
#include "ingest.h"
#include "log.h"

typedef struct import {
	desk_store *st;
	desk_ingest *ing;
	const char *rcpt;
	guint seen, stored, duplicates, failed, since_flush;
	gboolean tty;
} import;

static void
progress(import *im, gboolean last)
{
	if (!im->tty || (!last && im->seen % 50 != 0))
		return;
	fprintf(stderr, "\r%u messages: %u stored, %u duplicates, %u failed%s", im->seen, im->stored,
		im->duplicates, im->failed, last ? "\n" : "");
}

static desk_status
flush(import *im, desk_err *err)
{
	index_result r;
	desk_status s = ingest_flush(im->ing, &r, err);

	im->duplicates += r.duplicates;
	im->stored -= MIN(im->stored, r.duplicates);
	index_result_clear(&r);
	im->since_flush = 0;
	return s;
}

/* Store the message in FD (from offset 0). */
static desk_status
import_fd(import *im, int fd, const char *what, desk_err *err)
{
	ingest_result res;
	desk_err one = { 0 };
	desk_status s;

	lseek(fd, 0, SEEK_SET);
	im->seen++;
	s = ingest_one(im->ing, fd, im->rcpt, NULL, &res, &one);
	g_free(res.path);
	if (s == DESK_OK && res.blocked) {
		im->failed++;
	} else if (s == DESK_OK) {
		im->stored++;
	} else if (s == DESK_TEMPFAIL || s == DESK_BUSY) {
		im->failed++;
		return desk_fail(err, s, "%s: %s", what, one.msg);
	} else {
		im->failed++;
		desk_log(LOG_WARNING, "%s: %s", what, one.msg);
	}
	if (++im->since_flush >= (guint)im->st->cfg->index_batch)
		s = flush(im, err);
	else
		s = DESK_OK;
	progress(im, FALSE);
	return s;
}

static size_t cur_top_len;

/* Whether PATH, below the import's top, is in a tmp/ or hidden folder. */
static gboolean
skipped(const char *path)
{
	const char *rel = path + cur_top_len;

	return strstr(rel, "/tmp/") != NULL || strstr(rel, "/.") != NULL;
}

static GPtrArray *cur_paths;

static int
maildir_file(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_F && !skipped(path))
		g_ptr_array_add(cur_paths, g_strdup(path));
	return 0;
}

/* Oldest first: Maildir names start with the delivery time, so parents
 * come before their replies. */
static gint
by_name(gconstpointer a, gconstpointer b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	const char *bx = strrchr(x, '/'), *by = strrchr(y, '/');

	return strcmp(bx != NULL ? bx + 1 : x, by != NULL ? by + 1 : y);
}

static desk_status
import_maildir(import *im, const char *dir, desk_err *err)
{
	char *top = realpath(dir, NULL);  /* the top may be a symbolic link */
	desk_status s = DESK_OK;
	int rc;

	if (top == NULL)
		return desk_fail(err, DESK_NOTFOUND, "%s: %s", dir, g_strerror(errno));
	cur_top_len = strlen(top);
	cur_paths = g_ptr_array_new_with_free_func(g_free);
	rc = nftw(top, maildir_file, 32, FTW_PHYS);
	free(top);
	if (rc == -1)
		s = desk_fail(err, DESK_NOTFOUND, "%s: %s", dir, g_strerror(errno));
	g_ptr_array_sort(cur_paths, by_name);
	for (guint i = 0; s == DESK_OK && i < cur_paths->len; i++) {
		const char *path = cur_paths->pdata[i];
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			desk_log(LOG_WARNING, "%s: %s", path, g_strerror(errno));
			im->failed++;
			continue;
		}
		s = import_fd(im, fd, path, err);
		close(fd);
	}
	g_ptr_array_unref(cur_paths);
	return s;
}

/* One message of an mbox on its way into an unnamed file of mail/tmp. */
typedef struct spooled {
	FILE *out;      /* NULL: no message yet */
	guint line;     /* the line of the mbox it starts on */
	int error;      /* errno of the first write that failed, 0 if none */
} spooled;

/* Start the message on line LINE of the mbox. */
static void
spool_start(import *im, spooled *sp, guint line)
{
	char *tmp = g_build_filename(im->st->maildir, "tmp", NULL);
	int fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0660);

	g_free(tmp);
	sp->line = line;
	sp->error = 0;
	sp->out = fd >= 0 ? fdopen(fd, "w+") : NULL;
	if (sp->out == NULL) {
		sp->error = errno != 0 ? errno : EIO;
		if (fd >= 0)
			close(fd);
	}
}

/* Write one mbox line, undoing mboxrd quoting (">From " -> "From "). */
static void
spool_line(spooled *sp, const char *line, size_t len)
{
	const char *p = line;

	if (sp->out == NULL || sp->error != 0)
		return;
	while (p < line + len && *p == '>')
		p++;
	if (p > line && len - (p - line) >= 5 && strncmp(p, "From ", 5) == 0) {
		line++;
		len--;
	}
	if (fwrite(line, 1, len, sp->out) != len)
		sp->error = errno != 0 ? errno : EIO;
}

/* Store the message spooled in SP, if any, and close it. One that could not
 * be written whole is counted as failed, and stops the import: what fails
 * to write in mail/tmp (no space, an I/O error) is a temporary failure. */
static desk_status
spool_take(import *im, spooled *sp, const char *path, desk_err *err)
{
	desk_status s = DESK_OK;

	if (sp->line == 0)
		return DESK_OK;
	if (sp->error == 0 && (fflush(sp->out) != 0 || ferror(sp->out)))
		sp->error = errno != 0 ? errno : EIO;
	if (sp->error == 0) {
		s = import_fd(im, fileno(sp->out), path, err);
	} else {
		im->seen++;
		im->failed++;
		s = desk_fail(err, DESK_TEMPFAIL, "%s: the message at line %u: cannot spool it in %s/tmp: %s", path,
			      sp->line, im->st->maildir, g_strerror(sp->error));
	}
	if (sp->out != NULL)
		fclose(sp->out);
	memset(sp, 0, sizeof *sp);
	return s;
}

static desk_status
import_mbox(import *im, const char *path, desk_err *err)
{
	FILE *in = fopen(path, "r");
	spooled sp = { 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	guint lineno = 0;
	gboolean blank = TRUE;
	desk_status s = DESK_OK;

	if (in == NULL)
		return desk_fail(err, DESK_NOTFOUND, "%s: %s", path, g_strerror(errno));
	while (s == DESK_OK && (n = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if (blank && strncmp(line, "From ", 5) == 0) {
			if ((s = spool_take(im, &sp, path, err)) == DESK_OK)
				spool_start(im, &sp, lineno);
		} else {
			spool_line(&sp, line, n);
		}
		blank = n == 1 || (n == 2 && line[0] == '\r');
	}
	if (s == DESK_OK && ferror(in))
		s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", path, g_strerror(errno));
	if (s == DESK_OK)
		s = spool_take(im, &sp, path, err);
	if (sp.out != NULL)
		fclose(sp.out);
	fclose(in);
	free(line);
	return s;
}

static int
ingest_stdin(desk_store *st, const char *rcpt, const char *envfrom)
{
	desk_ingest *ing = ingest_new(st);
	ingest_result res;
	index_result ir = { 0 };
	desk_err err = { 0 };
	desk_status s = ingest_one(ing, STDIN_FILENO, rcpt, envfrom, &res, &err);

	if (s != DESK_OK && res.path != NULL) {
		/* only mail/new's fsync failed: the MTA's retry is a duplicate */
		ingest_free(ing);
		st->followup_owed = FALSE;  /* the retry follows up, once the store works */
		desk_error(s, "message in %s but not synced, try again later: %s", res.path, err.msg);
		g_free(res.path);
		return EX_TEMPFAIL;
	}
	if (s == DESK_DATAERR && *res.decision.refuse != '\0') {
		/* a routing rule refuses it (maildesk-rules(5)): the MTA bounces it with the text */
		ingest_free(ing);
		return desk_error(s, "%s", err.msg);
	}
	if (s != DESK_OK) {
		ingest_free(ing);
		st->followup_owed = FALSE;  /* the retry follows up, once the store works */
		desk_error(s, "message not stored: %s", err.msg);
		return EX_TEMPFAIL;
	}
	if (res.blocked) {
		/* exit 0, nothing stored: a bounce (77) would go to a spammer's
		 * forged sender (backscatter); the milter refuses it at SMTP time */
		ingest_free(ing);
		return 0;
	}
	if (ingest_flush(ing, &ir, &err) != DESK_OK)
		desk_log(LOG_WARNING, "stored in %s, to be indexed later: %s", res.path, err.msg);
	desk_log(LOG_DEBUG, "stored %s ticket %u (%s)", res.path, res.decision.ticket, res.decision.match);
	/* a duplicate may be the retry of a delivery that failed after it was
	 * stored (see above): its follow-up (an acknowledgement) is due now;
	 * desk_close_store runs them */
	if (ir.duplicates > 0)
		st->followup_owed = TRUE;
	index_result_clear(&ir);
	g_free(res.path);
	ingest_free(ing);
	return 0;
}

int
verb_ingest(const char *store_dir, int argc, char **argv)
{
	char *rcpt = NULL, *envfrom = NULL, *mbox = NULL, *maildir = NULL;
	GOptionEntry entries[] = {
		{ "envelope-to", 0, 0, G_OPTION_ARG_STRING, &rcpt, "The envelope recipient (the desk address)", "ADDR" },
		{ "envelope-from", 0, 0, G_OPTION_ARG_STRING, &envfrom, "The envelope sender (\"\" for <>)", "ADDR" },
		{ "mbox", 0, 0, G_OPTION_ARG_FILENAME, &mbox, "Import every message of an mbox file", "FILE" },
		{ "maildir", 0, 0, G_OPTION_ARG_FILENAME, &maildir, "Import every message of a Maildir (tree)", "DIR" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	desk_err err = { 0 };
	import im = { 0 };
	desk_status s;
	int rc = desk_parse("ingest", "", "Store one message from stdin as a ticket message (exit 0: stored\n"
			    "and fsynced; 75: not stored or not synced, try again later), or\n"
			    "import many (a temporary failure stops the import: exit 75).",
			    entries, &argc, &argv);

	if (rc >= 0)
		return rc == EX_USAGE && mbox == NULL && maildir == NULL ? EX_TEMPFAIL : rc;
	if ((rc = desk_open_store(store_dir, &st)) != 0) {
		rc = mbox == NULL && maildir == NULL ? EX_TEMPFAIL : rc;
		goto out;
	}
	if (mbox == NULL && maildir == NULL) {
		rc = ingest_stdin(st, rcpt, envfrom);
		goto out;
	}
	st->no_followup = TRUE;  /* old mail: no acknowledgements, no commands */
	im = (import){ st, ingest_new(st), rcpt, 0, 0, 0, 0, 0, isatty(STDERR_FILENO) };
	s = mbox != NULL ? import_mbox(&im, mbox, &err) : import_maildir(&im, maildir, &err);
	if (s == DESK_OK)
		s = flush(&im, &err);
	progress(&im, TRUE);
	ingest_free(im.ing);
	printf("%u messages: %u stored, %u duplicates, %u failed\n", im.seen, im.stored, im.duplicates,
	       im.failed);
	if (s != DESK_OK)
		rc = desk_error(s, "import stopped: %s", err.msg);
out:
	desk_close_store(st);
	g_free(rcpt);
	g_free(envfrom);
	g_free(mbox);
	g_free(maildir);
	return rc;
}
