/* html.h: HTML mail bodies as plain text, for reading and quoting. */
#ifndef DESK_HTML_H
#define DESK_HTML_H

#include <glib.h>

/* Plain text of the LEN bytes of HTML at HTML (UTF-8, already decoded from
 * its charset; NUL bytes and invalid sequences are tolerated).
 *
 * Dropped: <script>, <style>, <title>, the <head> element (when it is
 * closed), comments, declarations, all other tags. Block elements (p, div,
 * br, li, tr, h1-h6, blockquote, pre, table, ul, ol, hr, ...) become line
 * breaks, p and h1-h6 a blank line; li starts with "- "; table cells are
 * separated by a space. Character references are decoded (common named
 * ones, &#NNN;, &#xHH;). Whitespace collapses to one space outside <pre>.
 * A link keeps its text, followed by " <URL>" when the URL differs from
 * the text (javascript:, data: and #fragment URLs are not shown).
 *
 * Runs in time linear in LEN, without recursion. Returns valid UTF-8 with
 * no leading or trailing whitespace ("" when there is no text); the caller
 * g_free()s it. */
char *html_to_text(const char *html, gsize len);

#endif
