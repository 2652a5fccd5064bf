/* fuzz.h: what the libFuzzer harnesses of tests/fuzz share: the input as a
 * string or a file, a fixed configuration, a small real store made once,
 * valid tokens put into an input, and the check that stops a run when a
 * documented contract does not hold. */
#ifndef DESK_FUZZ_H
#define DESK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "config.h"
#include "lookup.h"
#include "store.h"

/* The entry points libFuzzer calls. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* g_mime_init and quiet logging: every harness's LLVMFuzzerInitialize. */
void fuzz_init(void);

/* The input as a NUL-terminated copy (NUL bytes inside stay). Caller g_free()s. */
char *fuzz_str(const uint8_t *data, size_t size);

/* Cut the input at its first N-1 NUL bytes: PARTS[0..N-1] (missing ones
 * are ""), each a NUL-terminated copy. Free with g_strfreev. */
char **fuzz_split(const uint8_t *data, size_t size, int n);

/* A path that reads as a regular file holding DATA (a memfd, one per
 * SLOT < FUZZ_FILES, reused from one input to the next): for functions
 * that take a path. */
#define FUZZ_FILES 2
const char *fuzz_file(int slot, const uint8_t *data, size_t size);

/* The configuration of the small store, loaded once (agents alice and
 * bob, queues support and billing, trusted network 192.0.2.0/24). */
const desk_config *fuzz_config(void);

/* The small store: made once in a temporary directory by desk's own
 * functions (store_init, index_create, delivery, indexing, events):
 * tickets 1 (ann, with a reply), 2 (bob, closed), 3 (carol, merged into
 * 1), 4 (dave, open), with the Message-IDs <t1@customer.test>,
 * <t1r@customer.test>, <t2@customer.test>, ... Removed at exit. */
desk_store *fuzz_store(void);
desk_lookup *fuzz_lookup(void);

/* TEXT with "{tok:N}" replaced by ticket N's valid reply token
 * (token_make) and "{id:N}" by a valid Message-ID of ours for ticket N,
 * so that the fuzzer reaches what only signed input reaches. */
char *fuzz_bless(GBytes *secret, const char *text);

/* Stop the run (abort) with WHAT on stderr when COND is false: a broken
 * contract counts as a crash. */
#define FUZZ_CHECK(cond, what) \
	do { \
		if (!(cond)) \
			fuzz_fail(__FILE__, __LINE__, (what)); \
	} while (0)
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* Whether S is valid UTF-8 with no control character (C0, DEL, C1) but
 * (when TEXT) newline and tab. */
gboolean fuzz_clean_utf8(const char *s, gboolean text);

#endif
