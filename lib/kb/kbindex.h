/* kbindex.h: the KB's search index: SQLite FTS5 (porter stemming, bm25),
 * derived from one commit of the KB's ref, stored in STORE/var/kb-index.sqlite
 * (mode 0660), brought up to the ref from the diff when the ref moves,
 * rebuilt when missing or corrupt; no commit over the KB's caps is taken
 * and the file grows to kb.index_max_mb at most. */
#ifndef DESK_KBINDEX_H
#define DESK_KBINDEX_H

#include "kb.h"

typedef struct kb_hit {
	char *slug, *title, *audience, *status;
	char *snippet;    /* body text around the matches, matched words in [brackets] */
	char *text;       /* the article's text (after the header block) */
	char *citation;   /* "SLUG@SHORTID" of the indexed commit */
	double score;     /* higher is better (-bm25) */
} kb_hit;
void kb_hit_free(kb_hit *h);

typedef struct kbindex_update {
	char *commit;      /* short id the index is at now */
	gboolean rebuilt;  /* built whole (missing, corrupt, unrelated) */
	guint changed;     /* articles (re)indexed or removed */
	char *why;         /* why it was rebuilt, or NULL */
} kbindex_update;
void kbindex_update_clear(kbindex_update *u);

/* Bring the index up to the KB's ref (REBUILD: build it whole anyway).
 * U (may be NULL) says what was done. */
desk_status kbindex_sync(desk_kb *kb, gboolean rebuild, kbindex_update *u, desk_err *err);

/* Which articles a search considers. */
typedef enum {
	KB_ALL,             /* every article: agents searching */
	KB_PUBLISHED,       /* Status: published */
	KB_PUBLIC,          /* published and Audience: public: for requesters */
} kb_scope;

/* Articles matching WORDS (free text: only its words count), best first,
 * at most LIMIT; ALL_WORDS: every word must match, else any does. The
 * index is brought up to the ref first. DESK_USAGE when WORDS hold no word.
 * *hits: of kb_hit*. */
desk_status kbindex_search(desk_kb *kb, const char *words, gboolean all_words, kb_scope scope,
			   guint limit, GPtrArray **hits, desk_err *err);

#endif
