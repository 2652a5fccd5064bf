/* sentence.h: sentences of a run of text, for English, German and French,
 * each an exact run of the text (desk show --summary quotes them). */
#ifndef DESK_SENTENCE_H
#define DESK_SENTENCE_H

#include <glib.h>

#include "quote.h"

/* The sentences of TEXT[SPAN] (UTF-8), in order, as text_spans of TEXT
 * with the white space around each left out. A sentence ends at '.', '!',
 * '?' or '…' (runs of them, then closing quotes or brackets) before white
 * space or the end, at a blank line, and at the end of a line that is a
 * salutation or a closing ("Hi Ann,", "Best regards,": four words at most
 * and a ',', alone in its sentence); a '.' after an abbreviation
 * ("e.g.", "Dr.", "z.B.", "bzw.", "Nr.", "M.", "Mme."), an initial or a
 * number of one or two digits before a
 * German month ("am 3. November"), or before a word in
 * lower case, ends none. French spacing ("Pourquoi ?") is one sentence.
 * At most MAX sentences (0: no limit). Caller g_array_unref()s. */
GArray *sentence_split(const char *text, text_span span, guint max);

/* Whether the sentence TEXT[S] asks: it ends with '?' (closing quotes,
 * brackets and '!' after it allowed). */
gboolean sentence_is_question(const char *text, text_span s);

/* Whether the sentence TEXT[S] says something: three words at least, and
 * not a salutation or a closing (ending in ',' or ':'). */
gboolean sentence_is_statement(const char *text, text_span s);

#endif
