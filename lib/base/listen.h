/* listen.h: where maildesk-milter listens and who may connect: an inet:
 * socket named by its port alone listens on the loopback address; a unix
 * socket is mode 0660 and belongs to a group the MTA's user is in. */
#ifndef DESK_LISTEN_H
#define DESK_LISTEN_H

#include <sys/types.h>
#include <glib.h>
#include "err.h"

/* SPEC as libmilter takes it, with "@127.0.0.1" (inet:) or "@::1" (inet6:)
 * added when it names a port and no address. Caller g_free()s. */
char *listen_spec(const char *spec);

/* Whether SPEC is an inet socket on an address other than loopback. */
gboolean listen_spec_is_open(const char *spec);

/* The path of a unix socket SPEC ("unix:PATH", "local:PATH" or "/PATH"),
 * or NULL for an inet socket. Points into SPEC. */
const char *listen_unix_path(const char *spec);

/* The gid of GROUP, a name or a number; NULL or "": the group of the
 * store directory DIR. DESK_CONFIG when there is no such group. */
desk_status listen_group(const char *group, const char *dir, gid_t *gid, desk_err *err);

/* Give the socket PATH to group GID and make it mode 0660 (read and write
 * for the owner and the group, nothing for others). DESK_CONFIG with why
 * when that is not allowed (the caller is not a member of GID). */
desk_status listen_restrict(const char *path, gid_t gid, desk_err *err);

#endif
