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

#endif
