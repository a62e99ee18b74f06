/* cmd_dump.c - `xdsd dump`. */
#include "xdsd/commands.h"

#include <stdio.h>

int cmd_dump(const struct serve_options *o, const struct dump_request *d)
{
    (void)o; (void)d;
    fprintf(stderr, "xdsd dump: this command is not available yet in this build\n");
    return 2;
}
