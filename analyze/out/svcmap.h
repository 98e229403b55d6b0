/* svcmap - the service map: per calling service, its HTTP endpoints and its
 * other connections, aggregated over the whole capture (seed 003 README,
 * "Service Map (YAML)").
 *
 * An endpoint is one (destination, destination_type, method, path without
 * query, request schema, response schema): schema variants are separate
 * entries, as the seed keeps them. Per endpoint: count, first_seen,
 * last_seen (request times), latency p50/p95/max over the transactions that
 * have a final response, and a histogram of final status codes ("none" for
 * requests that got no final response in the capture).
 *
 * Latency percentiles come from a log-linear histogram (values below
 * 128 us exact, above within 1/64 relative error; nearest-rank percentile,
 * reported as the upper bound of its bucket, never above the exact max).
 *
 * A connection entry is one (destination, destination_type, protocol,
 * category, port); confidence is the highest seen, reason the reason that
 * came with it (the earliest on ties).
 *
 * Everything is written sorted: services by name; endpoints by
 * destination, method, path, request then response schema (canonical
 * text); connections by destination, port, protocol. Memory: one entry per
 * distinct key, with small sorted arrays for histograms.
 */
#ifndef AN_SVCMAP_H
#define AN_SVCMAP_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

/*! svcmap_sink() :
 *  service-map.yaml to f as a sink (event.h): transactions and connections
 *  from the view that reports them, request and response body schemas
 *  (out/schema.h) from its messages; written by its end (f is not closed);
 *  an_sink_free() frees it. @return the sink (never NULL). */
struct an_sink *svcmap_sink(FILE *f);

/* the path of a request-target: origin-form up to '?' or '#'; absolute-form
 * (proxies) reduced to its path; "*" and authority-form kept as they are */
size_t svcmap_path(const uint8_t *target, size_t n, const uint8_t **path);

/* latency histogram bucket of a value in microseconds, and back */
unsigned svcmap_lat_bucket(uint64_t us);
uint64_t svcmap_lat_bucket_max(unsigned b);

#endif /* AN_SVCMAP_H */
