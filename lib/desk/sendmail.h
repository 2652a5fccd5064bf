/* sendmail.h: our outbound mail goes through sendmail(1), never SMTP. */
#ifndef DESK_SENDMAIL_H
#define DESK_SENDMAIL_H

#include "store.h"

/* Pipe TEXT to the sendmail command ($MAILDESK_SENDMAIL, else the config
 * key desk.sendmail; split into words, no shell), with "-f SENDER" added
 * when SENDER is not NULL. DESK_TEMPFAIL with its stderr when it fails, and
 * when it has not finished within desk.sendmail_timeout seconds (it is
 * killed then: a hung command never hangs desk or the milter's indexer). */
desk_status sendmail_send(desk_store *st, const char *text, const char *sender, desk_err *err);

/* DESK_CONFIG when the command would come from a maildesk.conf that others
 * than root or the store's owner could have written (cfg->command_problem):
 * desk and the milter then run nothing. $MAILDESK_SENDMAIL, the caller's
 * own environment, is always allowed. sendmail_send checks this too; call
 * it first to refuse before anything is stored. */
desk_status sendmail_check(desk_store *st, desk_err *err);

#endif
