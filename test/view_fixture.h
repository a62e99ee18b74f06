/* view_fixture.h - a small hand-made view shared by the config_dump and debug tests. */
#ifndef XDSD_TEST_VIEW_FIXTURE_H
#define XDSD_TEST_VIEW_FIXTURE_H

#include "xdsd/snapshot.h"

/* A finished view: clusters "outbound|443||edition.cnn.com" and
 * "outbound|80||edition.cnn.com", one ClusterLoadAssignment for the first,
 * listeners "0.0.0.0_80" and "virtualOutbound", route configuration "80". */
struct xds_view *fixture_view_new(void);

#endif
