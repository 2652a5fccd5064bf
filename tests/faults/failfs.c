/* failfs.c: an LD_PRELOAD shim for the end-to-end tests that makes the
 * file system fail where a test says, deterministically:
 *
 *   FAILFS_FSYNC=PATH   fsync(2) and fdatasync(2) of the file or directory
 *                       PATH fail with EIO (after doing nothing)
 *   FAILFS_WRITE=PREFIX write(2) and pwrite(2) to a file whose path starts
 *                       with PREFIX fail with ENOSPC (an unnamed O_TMPFILE
 *                       counts as being in its directory)
 *   FAILFS_WHILE=FILE   only while FILE exists (so that an MTA's retry of
 *                       the same delivery can succeed)
 *   FAILFS_LOG=FILE     each injected failure appends a line "CALL PATH"
 *                       to FILE, so that a test can tell it happened
 *
 * Paths are those of /proc/self/fd. Everything else passes through.
 * Build: cc -shared -fPIC -o failfs.so failfs.c -ldl (make check does).
 * stdio's own writes do not go through write(2) here: a test of those
 * uses a full file system instead. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef int (*sync_fn)(int);

/* The path of FD in BUF, " (deleted)" cut off; "" when unknown. */
static const char *
fd_path(int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;
	char *del;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	if ((del = strstr(buf, " (deleted)")) != NULL)
		*del = '\0';
	return buf;
}

static void
note(const char *call, const char *path)
{
	const char *log = getenv("FAILFS_LOG");
	int fd;
	char line[4200];
	int n;

	if (log == NULL || *log == '\0')
		return;
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof line, "%s %s\n", call, path);
	if (n > 0 && (size_t)n < sizeof line) {
		write_fn real_write = (write_fn)dlsym(RTLD_NEXT, "write");

		if (real_write(fd, line, n) < 0)
			n = 0;
	}
	close(fd);
}

static int
active(void)
{
	const char *flag = getenv("FAILFS_WHILE");

	return flag == NULL || *flag == '\0' || access(flag, F_OK) == 0;
}

/* Whether CALL on FD is to fail: the path of FD against the variable VAR,
 * as the whole path (EXACT) or as a prefix. */
static int
failing(const char *var, int exact, int fd, const char *call)
{
	const char *want = getenv(var);
	char path[4096];

	if (want == NULL || *want == '\0' || !active())
		return 0;
	fd_path(fd, path, sizeof path);
	if (exact ? strcmp(path, want) != 0 : strncmp(path, want, strlen(want)) != 0)
		return 0;
	note(call, path);
	return 1;
}

int
fsync(int fd)
{
	sync_fn real = (sync_fn)dlsym(RTLD_NEXT, "fsync");

	if (failing("FAILFS_FSYNC", 1, fd, "fsync")) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}

int
fdatasync(int fd)
{
	sync_fn real = (sync_fn)dlsym(RTLD_NEXT, "fdatasync");

	if (failing("FAILFS_FSYNC", 1, fd, "fdatasync")) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	write_fn real = (write_fn)dlsym(RTLD_NEXT, "write");

	if (failing("FAILFS_WRITE", 0, fd, "write")) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	pwrite_fn real = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite");

	if (failing("FAILFS_WRITE", 0, fd, "pwrite")) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, n, off);
}
