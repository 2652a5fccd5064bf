/* ack.c: the acknowledgement of a new ticket (template ack, RFC 3834). */
#include "followup.h"

void
ack_followup(desk_store *st, const followup_item *item)
{
	(void)st;
	(void)item;
}
