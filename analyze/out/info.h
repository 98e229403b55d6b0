/* info - `info`: what the archives hold and whether they are whole
 * (YAML): time span, records by type, processes, containers, losses,
 * integrity per archive (core/stats.h).
 */
#ifndef AN_INFO_H
#define AN_INFO_H

#include <stdio.h>

#include "core/model.h"
#include "core/stats.h"
#include "event.h"

/*! info_sink() :
 *  `info` to f as a sink (event.h), written when pass 1 is over (also when
 *  nothing was readable); f is not closed. an_sink_free() frees it.
 *  @return the sink (never NULL). */
struct an_sink *info_sink(FILE *f);

#endif /* AN_INFO_H */
