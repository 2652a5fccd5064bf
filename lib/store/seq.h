/* seq.h: the ticket counter STORE/seq (store_next_ticket and
 * store_seq_at_least in store.h are its interface to the rest). */
#ifndef DESK_SEQ_H
#define DESK_SEQ_H

#include <glib.h>

/* The threads of one process waiting for a ticket number. */
struct desk_seqq *seqq_new(void);
void seqq_free(struct desk_seqq *q);

#endif
