/* memory.h: keeping the milter's resident memory flat over a long run. */
#ifndef DESK_MEMORY_H
#define DESK_MEMORY_H

/* Set the allocator up for a long-lived process; call once, first. */
void memory_tune(void);

/* Give the free pages back to the kernel (after an index batch). */
void memory_give_back(void);

#endif
