/* quote.h: the sender's own words of a rendered body: quoted mail,
 * attribution lines and signatures left out, in English, German and French
 * as mail clients write them. */
#ifndef DESK_QUOTE_H
#define DESK_QUOTE_H

#include <glib.h>

/* A run of TEXT: bytes START .. START + LEN. */
typedef struct text_span {
	gsize start, len;
} text_span;

/* The spans of TEXT (a rendered body: UTF-8, LF line ends) that are the
 * sender's own words, in order, each a run of whole lines, none empty.
 * Left out: lines quoted with '>'; an attribution line before a quote
 * ("On ... wrote:", "Am ... schrieb ...:", "Le ... a écrit :", also
 * folded over two lines); everything from a signature separator ("-- "
 * or "--" alone on its line) or a forwarded or quoted message's start
 * ("-----Original Message-----", "-----Ursprüngliche Nachricht-----",
 * "-------- Message d'origine --------", an Outlook header block of From:
 * then Sent:/Date:, Von: then Gesendet:, De : then Envoyé :) to the end;
 * "Sent from my ..." lines of phones. Caller g_array_unref()s. */
GArray *quote_own_spans(const char *text);

/* The own words of TEXT as one string: the spans of quote_own_spans,
 * joined by a newline. Caller g_free()s. */
char *quote_own_text(const char *text);

#endif
