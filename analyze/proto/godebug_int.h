/* proto/godebug_int.h - what the files of the Go debug endpoint decoder
 * share and nothing outside them includes: the bounded byte helpers, the
 * name sample, and each body format's entry point.
 *
 * Files (one per body format; godebug.h is the module's contract):
 *  - godebug.c: the tables, paths and queries, headers and the seed's
 *    signal, godebug_detect() (which format a body is), command lines and
 *    tokens (with the JSON string decoder they use);
 *  - godebug_text.c: text profiles (debug=1) and goroutine dumps (debug=2);
 *  - godebug_binary.c: profile.proto (pprof's protobuf), gzip, execution
 *    traces;
 *  - godebug_json.c: expvar's JSON;
 *  - godebug_pages.c: symbol answers, the index page and x/net/trace pages.
 *
 * Shared functions carry the gd_ prefix; everything else stays static. */
#ifndef AN_GODEBUG_INT_H
#define AN_GODEBUG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "proto/godebug.h"

/* Functions and files are collected in two lists, application code and
 * the standard library, and merged application-first: the names that say
 * most about the program come first in the bounded sample. */
struct gd_sample {
	struct godebug_names app_funcs, std_funcs, app_files, std_files;
};

/* JSON scanning outcomes (godebug_json.c, and the string decoder in
 * godebug.c) */
enum { J_OK = 0, J_EOF = -1, J_BAD = -2 };

/* ---- godebug.c ---- */
const uint8_t *gd_find(const uint8_t *s, size_t n, const char *needle);
int gd_starts(const uint8_t *s, size_t n, const char *prefix);
int gd_prefix_or_cut(const uint8_t *s, size_t n, const char *word);
int gd_is_digit(uint8_t c);
size_t gd_digits(const uint8_t *s, size_t n, size_t *i, uint64_t *v);
size_t gd_line_end(const uint8_t *s, size_t n, size_t i);
void gd_names_add(struct godebug_names *l, const void *s, size_t n);
void gd_sample_add(struct gd_sample *sm, const uint8_t *fn, size_t fl, const uint8_t *file,
		   size_t filel);
void gd_sample_finish(struct gd_sample *sm, struct godebug_result *out);
/* ---- godebug_text.c ---- */
void gd_text_profile(const uint8_t *s, size_t n, struct godebug_result *out, struct gd_sample *sm);
enum godebug_content gd_text_header(const uint8_t *s, size_t n, struct godebug_result *out);
int gd_stack_header(const uint8_t *s, size_t n);
void gd_stack_dump(const uint8_t *s, size_t n, struct godebug_result *out, struct gd_sample *sm);
/* ---- godebug_binary.c ---- */
int gd_bytes_is(const uint8_t *s, size_t n, const char *word);
int gd_proto_profile(const uint8_t *buf, size_t n, int cut, struct godebug_result *out);
uint8_t *gd_inflate_prefix(const uint8_t *body, size_t len, size_t *out_len, int *complete);
enum godebug_content gd_exec_trace(const uint8_t *s, size_t n, int cut, struct godebug_result *out);
/* ---- godebug_json.c ---- */
size_t gd_ws(const uint8_t *s, size_t n, size_t i);
enum godebug_content gd_expvar(const uint8_t *s, size_t n, int cut, struct godebug_result *out);
/* ---- godebug_pages.c ---- */
enum godebug_content gd_symbol(const uint8_t *s, size_t n, struct godebug_result *out);
enum godebug_content gd_html_pages(const uint8_t *s, size_t n, struct godebug_result *out);

#endif /* AN_GODEBUG_INT_H */
