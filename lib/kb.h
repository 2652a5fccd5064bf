/* kb.h: the knowledge base, a git repository of articles (STORE/kb). */
#ifndef DESK_KB_H
#define DESK_KB_H

#include "err.h"

/* Create an empty bare repository at PATH that accepts pushes to main. */
desk_status kb_init(const char *path, desk_err *err);

#endif
