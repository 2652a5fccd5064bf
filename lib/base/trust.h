/* trust.h: whether a file may name programs that desk and the milter run:
 * only root or the store's owner can have written it. */
#ifndef DESK_TRUST_H
#define DESK_TRUST_H

/* NULL when the open file FD (at PATH) belongs to root or to the owner of
 * its directory (the store's owner), is writable by nobody else, and its
 * directory is writable by nobody else either (no one can rename another
 * file over it). Otherwise what is wrong and the command that fixes it,
 * for example "PATH is group-writable (mode 0660); fix: chmod go-w PATH".
 * Caller g_free()s. */
char *trust_file_problem(int fd, const char *path);

#endif
