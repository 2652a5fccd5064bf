/* lang.h: the language of a text, from a small model of each language's
 * most frequent words and letters (no library, no data file): en, de, fr,
 * es, it, nl. Deterministic: ties go to the earlier language in that list. */
#ifndef DESK_LANG_H
#define DESK_LANG_H

#include <glib.h>

/* The languages known, NULL-terminated: "en", "de", "fr", "es", "it", "nl". */
const char *const *lang_all(void);

/* Whether CODE is one of lang_all(). */
gboolean lang_known(const char *code);

/* The language of the first LEN bytes of TEXT (UTF-8, -1: all; at most
 * LANG_MAX_READ are read), or "" when the text says too little (fewer
 * than LANG_MIN_EVIDENCE known words) or is in none of the known
 * languages. *confidence (may be NULL) gets the winner's share of the
 * evidence, 0 to 1. Not a copy: a static string. */
#define LANG_MAX_READ (64 * 1024)
#define LANG_MIN_EVIDENCE 2
const char *lang_detect(const char *text, gssize len, double *confidence);

/* Whether WORD (lower case) is one of LANG's frequent function words
 * (LANG "" : of any): what the text index leaves out. */
gboolean lang_stopword(const char *lang, const char *word);

#endif
