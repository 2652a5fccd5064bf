/* desk-kb.h: what the subcommands of desk kb share (desk-kb*.c). */
#ifndef DESK_KB_TOOL_H
#define DESK_KB_TOOL_H

#include "desk.h"
#include "kbindex.h"

/* A subcommand: argv[0] is its name. Returns the exit code. */
typedef int (*kb_cmd_fn)(const char *store_dir, int argc, char **argv);

int kb_cmd_list(const char *store_dir, int argc, char **argv);
int kb_cmd_show(const char *store_dir, int argc, char **argv);
int kb_cmd_log(const char *store_dir, int argc, char **argv);
int kb_cmd_diff(const char *store_dir, int argc, char **argv);
int kb_cmd_lint(const char *store_dir, int argc, char **argv);
int kb_cmd_new(const char *store_dir, int argc, char **argv);
int kb_cmd_hooks(const char *store_dir, int argc, char **argv);
int kb_cmd_clone(const char *store_dir, int argc, char **argv);

/* Open the store and its KB, or print "desk: kb CMD: ..." and return the
 * exit code (0 when both are open). */
int kb_tool_open(const char *store_dir, const char *cmd, desk_store **st, desk_kb **kb);

/* Whether FORMAT (may be NULL) is text or json; else prints the error. */
gboolean kb_format_ok(const char *cmd, const char *format, int *rc);

/* Hits (kb_hit*, best first) as text for people, or a JSON array on
 * stdout; each with its relevance, its score as a share of the best one's
 * (100%, 57%, ...), which the text shows instead of bm25. */
void kb_hits_print(GPtrArray *hits, gboolean json);

#endif
