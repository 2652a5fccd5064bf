/* simhash.h: a 64-bit SimHash of a text's words, for near-duplicate
 * tickets: texts that say nearly the same have fingerprints a few bits
 * apart, whatever their length; unrelated texts about half the bits. */
#ifndef DESK_SIMHASH_H
#define DESK_SIMHASH_H

#include <glib.h>

/* The hash of one feature (a word, or two words joined by a space):
 * 64-bit FNV-1a of its bytes, then the splitmix64 finaliser so that
 * every bit depends on every byte. */
guint64 simhash_feature(const char *s, gsize len);

/* The SimHash of TEXT (UTF-8; invalid bytes end it, and only its first
 * SIMHASH_MAX_BYTES are read): its words are runs of letters and digits,
 * case-folded; the features, each of weight 1, are every word, every pair
 * of neighbouring words (as "w1 w2") and every run of four characters of
 * the words joined by single spaces. Bit i is set when the features whose
 * hash has bit i set outnumber those where it is clear. 0 for a text
 * without words. */
guint64 simhash_text(const char *text);
#define SIMHASH_MAX_BYTES (256 * 1024)

/* The number of bits in which A and B differ (0..64). */
guint simhash_distance(guint64 a, guint64 b);

#endif
