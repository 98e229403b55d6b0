/* env - env.yaml: one YAML document per process snapshot (README
 * "env.yaml", seed 003's format), in the model's order.
 */
#ifndef AN_ENV_H
#define AN_ENV_H

#include <stdio.h>

#include "core/model.h"
#include "event.h"

/*! env_sink() :
 *  env.yaml to f as a sink (event.h), written by its end (f is not
 *  closed); it needs no pass 2, it keeps environments in the model.
 *  an_sink_free() frees it. @return the sink (never NULL). */
struct an_sink *env_sink(FILE *f);

#endif /* AN_ENV_H */
