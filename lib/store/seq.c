/* seq.c: the ticket counter, STORE/seq: one number after the other, none
 * given twice, and a sync to disk only every SEQ_RESERVE numbers.
 *
 * The file holds one line: the next number N, a reserve R and the boot id
 * of the kernel that wrote it, e.g. "0000000042 0000000106 <uuid>",
 * fixed-width, so that each write overwrites the same bytes. Every number
 * handed out is below R, and R is synced to disk before a number reaches
 * it: taking N..N+c-1 with N+c <= R is a write to the page cache only,
 * which outlives a crash of any process (all of them read the same page
 * under the flock). Only a crash of the machine can lose it: then the boot
 * id read back is another than the running kernel's, and N restarts at R,
 * past anything that may have been handed out. So numbers stay dense, a
 * reboot skips at most SEQ_RESERVE of them, and the milter's new tickets
 * cost one fdatasync every SEQ_RESERVE instead of one each (bench/ingest:
 * the counter was 4 of the 4.6 ms a new ticket's decision took under load).
 * A file of one number (stores before this) counts as written by another
 * boot. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "seq.h"
#include "store.h"

#define SEQ_RESERVE 64
#define BOOT_ID_LEN 36

/* The running kernel's boot id, or "" where there is none (then every
 * write is synced, as if each were after a reboot). */
static const char *
boot_id(void)
{
	static char id[BOOT_ID_LEN + 1];
	static gsize once;

	if (g_once_init_enter(&once)) {
		char *text = NULL;

		if (g_file_get_contents("/proc/sys/kernel/random/boot_id", &text, NULL, NULL) &&
		    strlen(g_strstrip(text)) == BOOT_ID_LEN && strspn(text, "0123456789abcdef-") == BOOT_ID_LEN)
			memcpy(id, text, BOOT_ID_LEN);
		g_free(text);
		g_once_init_leave(&once, 1);
	}
	return id;
}

typedef struct seq_state {
	guint next, reserve;
	gboolean same_boot;   /* written by the running kernel */
} seq_state;

/* Read the counter from FD (locked); next 1 if empty. */
static void
seq_read(int fd, seq_state *v)
{
	char buf[96] = "", boot[BOOT_ID_LEN + 1] = "";
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	unsigned long next = 0, reserve = 0;

	if (n > 0)
		sscanf(buf, "%lu %lu %36s", &next, &reserve, boot);
	v->next = next == 0 || next > G_MAXUINT ? 1 : (guint)next;
	v->reserve = reserve > G_MAXUINT ? G_MAXUINT : (guint)reserve;
	v->same_boot = *boot_id() != '\0' && strcmp(boot, boot_id()) == 0;
}

/* Raise the counter to at least AT_LEAST and take COUNT numbers from it
 * (0: none, and the raise is synced); *out (may be NULL) gets the first. */
static desk_status
seq_update(desk_store *st, guint at_least, guint count, guint *out, desk_err *err)
{
	char *path = g_build_filename(st->dir, "seq", NULL), buf[96];
	int fd = open(path, O_RDWR | O_CLOEXEC);
	desk_status s = DESK_OK;
	gboolean sync;
	seq_state v;
	int len;

	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		s = desk_fail(err, DESK_TEMPFAIL, "ticket counter %s: %s", path, g_strerror(errno));
		goto out;
	}
	seq_read(fd, &v);
	/* after a reboot what was not synced may be lost: start past it */
	if (!v.same_boot)
		v.next = MAX(v.next, v.reserve);
	v.next = MAX(v.next, at_least);
	if (out != NULL)
		*out = v.next;
	v.next += count;
	sync = !v.same_boot || count == 0 || v.next > v.reserve;
	if (v.next > v.reserve)
		v.reserve = v.next + SEQ_RESERVE;
	len = snprintf(buf, sizeof buf, "%010u %010u %s\n", v.next, v.reserve,
		       *boot_id() != '\0' ? boot_id() : "-");
	if (pwrite(fd, buf, len, 0) != len || (sync && (ftruncate(fd, len) != 0 || fdatasync(fd) != 0)))
		s = desk_fail(err, DESK_TEMPFAIL, "ticket counter %s unwritable: %s", path, g_strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	g_free(path);
	return s;
}

/* One thread's wish for a ticket number, filled in by whoever writes it. */
typedef struct seq_wish {
	guint number;
	gboolean done;
	desk_err err;
} seq_wish;

/* The threads of this process that want a number: while one writes the
 * counter, the others gather in `waiting`; the next writer takes them all. */
struct desk_seqq {
	GMutex mu;
	GCond cond;
	gboolean writing;
	GPtrArray *waiting;  /* seq_wish *, not owned */
};

struct desk_seqq *
seqq_new(void)
{
	struct desk_seqq *q = g_new0(struct desk_seqq, 1);

	g_mutex_init(&q->mu);
	g_cond_init(&q->cond);
	q->waiting = g_ptr_array_new();
	return q;
}

void
seqq_free(struct desk_seqq *q)
{
	if (q == NULL)
		return;
	g_ptr_array_unref(q->waiting);
	g_cond_clear(&q->cond);
	g_mutex_clear(&q->mu);
	g_free(q);
}

/* Take numbers for every wish waiting, in one write (q->mu held, and
 * released while writing). */
static void
seqq_write(desk_store *st, struct desk_seqq *q)
{
	GPtrArray *these = q->waiting;
	desk_err err = { 0 };
	guint first = 0;
	desk_status s;

	q->waiting = g_ptr_array_new();
	q->writing = TRUE;
	g_mutex_unlock(&q->mu);
	s = seq_update(st, 1, these->len, &first, &err);
	g_mutex_lock(&q->mu);
	for (guint i = 0; i < these->len; i++) {
		seq_wish *w = these->pdata[i];

		w->number = s == DESK_OK ? first + i : 0;
		w->err = err;
		w->err.status = s;
		w->done = TRUE;
	}
	g_ptr_array_unref(these);
	q->writing = FALSE;
	g_cond_broadcast(&q->cond);
}

desk_status
store_next_ticket(desk_store *st, guint *out, desk_err *err)
{
	struct desk_seqq *q = st->seqq;
	seq_wish me = { 0 };

	g_mutex_lock(&q->mu);
	g_ptr_array_add(q->waiting, &me);
	while (!me.done) {
		if (q->writing)
			g_cond_wait(&q->cond, &q->mu);
		else
			seqq_write(st, q);
	}
	g_mutex_unlock(&q->mu);
	*out = me.number;
	if (me.err.status != DESK_OK)
		return desk_fail(err, me.err.status, "%s", me.err.msg);
	return DESK_OK;
}

desk_status
store_seq_at_least(desk_store *st, guint n, desk_err *err)
{
	return seq_update(st, n, 0, NULL, err);
}

