/* bymail.c: mail from agents: comments, replies relayed, #commands. */
#include "followup.h"

void
bymail_followup(desk_store *st, const followup_item *item)
{
	(void)st;
	(void)item;
}
