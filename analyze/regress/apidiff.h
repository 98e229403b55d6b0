/* apidiff - two captures compared as APIs, for `sockrec-analyze diff`
 * (README "Regression tests from a capture").
 *
 * An API is what the recorded set (rset.h) shows: per receiving service,
 * its endpoints (method and path template: a path segment that is a
 * number, a UUID or 16+ hex digits is "{id}", so /orders/17 and /orders/18
 * are one endpoint), per endpoint the request and response body schemas
 * seen (out/schema.h: variants are kept apart; bodies not recorded whole
 * give none) and the set of final status codes; and the dependencies (who
 * called whom over which protocol).
 *
 * The difference: endpoints added and removed; per endpoint in both,
 * schema variants and status codes added and removed; dependencies added
 * and removed. Counts, times, latencies and values are not part of an API:
 * two captures of one version under the same calls are the same.
 *
 * Output: one JSON object (see the README) with arrays sorted; the same
 * inputs give the same bytes. Memory: one entry per endpoint, at most
 * APIDIFF_MAX_VARIANTS schemas and status codes each (more are counted as
 * one "..." variant).
 */
#ifndef AN_APIDIFF_H
#define AN_APIDIFF_H

#include <stdbool.h>
#include <stdio.h>

#include "regress/rset.h"

#define APIDIFF_MAX_VARIANTS 64u

/* a path with its identifier segments replaced by "{id}" (caller frees) */
char *apidiff_template(const char *target);

/*! apidiff_write() :
 *  Writes the difference of old and new to f.
 *  @return 0 same, 1 different, -1 when f could not be written. */
int apidiff_write(const struct rset *old, const struct rset *new, FILE *f);

#endif /* AN_APIDIFF_H */
