/* cmd_serve.c - `xdsd serve`. */
#include "xdsd/commands.h"

#include <stdio.h>

int cmd_serve(const struct serve_options *o)
{
    (void)o;
    fprintf(stderr, "xdsd serve: this command is not available yet in this build\n");
    return 2;
}
