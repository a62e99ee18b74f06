/* cmd_status.c - `xdsd status`. */
#include "xdsd/commands.h"

#include <stdio.h>

int cmd_status(const char *addr, const char *proxy)
{
    (void)addr; (void)proxy;
    fprintf(stderr, "xdsd status: this command is not available yet in this build\n");
    return 2;
}
