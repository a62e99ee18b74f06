/* version.h - what this build is. */
#ifndef XDSD_VERSION_H
#define XDSD_VERSION_H

/* The release version, e.g. "0.1.0". */
const char *xdsd_version(void);
/* The build identifier: the git commit the binary was built from, or "unknown". */
const char *xdsd_build(void);

#endif
