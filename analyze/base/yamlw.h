/* yamlw - a thin layer over the libyaml emitter for the analyzer's YAML.
 *
 * Any bytes give valid YAML: a string that is valid UTF-8 is written as a
 * YAML string (libyaml escapes control and special characters in double
 * quotes); a string that is not valid UTF-8 is written as a !!binary
 * scalar holding its base64 (YAML 1.1 binary type). yw_str() writes plain
 * style only for text that cannot be read back as anything but a string
 * (letters, digits and " _./,()-:+=@", starting with a letter, '_' or '/',
 * no ": ", not a YAML keyword such as null/true/yes/on); everything else is
 * double-quoted.
 * Lines are never folded.
 *
 * Errors (a write failure) are sticky: yw_close() reports them.
 */
#ifndef AN_YAMLW_H
#define AN_YAMLW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <yaml.h>

struct yw {
	yaml_emitter_t e;
	bool err;
	bool open;
};

int yw_open(struct yw *w, FILE *f);
/* @return 0, or -1 if anything failed */
int yw_close(struct yw *w);

void yw_doc_start(struct yw *w);
void yw_doc_end(struct yw *w);
void yw_map_start(struct yw *w);
/* an empty mapping or sequence written as {} / [] */
void yw_map_start_flow(struct yw *w);
void yw_map_end(struct yw *w);
void yw_seq_start(struct yw *w);
void yw_seq_start_flow(struct yw *w);
void yw_seq_end(struct yw *w);

void yw_str(struct yw *w, const void *p, size_t n);  /* plain when safe */
void yw_cstr(struct yw *w, const char *s);	     /* yw_str; NULL -> null */
void yw_qstr(struct yw *w, const void *p, size_t n); /* always quoted */
void yw_time(struct yw *w, int64_t wall_ns);	     /* quoted RFC 3339 */
void yw_u64(struct yw *w, uint64_t v);
void yw_i64(struct yw *w, int64_t v);
void yw_null(struct yw *w);
/* a number or word already formatted, written plain */
void yw_plain(struct yw *w, const char *s);
/* key: plain when safe, else quoted */
void yw_key(struct yw *w, const char *k);
/* a JSON value (schemas): objects with keys sorted bytewise */
void yw_json(struct yw *w, const json_t *j);


#endif /* AN_YAMLW_H */
