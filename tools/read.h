/* omnipower read: the IEC 62056-21 reader (read.c), called by the command dispatcher
 * (omnipower.c). */
#ifndef OMNIPOWER_TOOLS_READ_H
#define OMNIPOWER_TOOLS_READ_H

#include <stdio.h>

/** @brief `omnipower read ARGS...`; argv[0] is "read". @return the exit status (0, 1, 2). */
int cmd_read(int argc, char **argv);

/** @brief The usage text of `omnipower read`. */
void read_usage(FILE *f);

#endif /* OMNIPOWER_TOOLS_READ_H */
