/* cmd_validate.c - `xdsd validate`. */
#include "xdsd/commands.h"

#include <stdio.h>

int cmd_validate(const char *const *paths, int npaths)
{
    (void)paths; (void)npaths;
    fprintf(stderr, "xdsd validate: this command is not available yet in this build\n");
    return 2;
}
