/* version.c - what this build is; the Makefile passes the values in. */
#include "xdsd/version.h"

#ifndef XDSD_VERSION
#define XDSD_VERSION "0.0.0"
#endif
#ifndef XDSD_BUILD
#define XDSD_BUILD "unknown"
#endif

const char *xdsd_version(void)
{
    return XDSD_VERSION;
}

const char *xdsd_build(void)
{
    return XDSD_BUILD;
}
