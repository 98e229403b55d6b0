/* yamlw.c - libyaml emitter helpers (see yamlw.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/yamlw.h"

#define YAML_BINARY_TAG "tag:yaml.org,2002:binary"

static void emit(struct yw *w, yaml_event_t *ev, int ok)
{
	if (!ok) {
		w->err = true;
		return;
	}
	if (w->err) {
		yaml_event_delete(ev);
		return;
	}
	if (!yaml_emitter_emit(&w->e, ev))
		w->err = true;
}

int yw_open(struct yw *w, FILE *f)
{
	yaml_event_t ev;

	memset(w, 0, sizeof(*w));
	if (!yaml_emitter_initialize(&w->e))
		return -1;
	w->open = true;
	yaml_emitter_set_output_file(&w->e, f);
	yaml_emitter_set_unicode(&w->e, 1);
	yaml_emitter_set_width(&w->e, -1);
	yaml_emitter_set_indent(&w->e, 2);
	emit(w, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	return w->err ? -1 : 0;
}

int yw_close(struct yw *w)
{
	yaml_event_t ev;

	if (!w->open)
		return -1;
	emit(w, &ev, yaml_stream_end_event_initialize(&ev));
	if (!w->err && !yaml_emitter_flush(&w->e))
		w->err = true;
	yaml_emitter_delete(&w->e);
	w->open = false;
	return w->err ? -1 : 0;
}

void yw_doc_start(struct yw *w)
{
	yaml_event_t ev;
	/* explicit "---" so multi-document files read as the seed's */
	emit(w, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0));
}

void yw_doc_end(struct yw *w)
{
	yaml_event_t ev;
	emit(w, &ev, yaml_document_end_event_initialize(&ev, 1));
}

static void map_start(struct yw *w, yaml_mapping_style_t style)
{
	yaml_event_t ev;
	emit(w, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, style));
}

void yw_map_start(struct yw *w)
{
	map_start(w, YAML_BLOCK_MAPPING_STYLE);
}
void yw_map_start_flow(struct yw *w)
{
	map_start(w, YAML_FLOW_MAPPING_STYLE);
}

void yw_map_end(struct yw *w)
{
	yaml_event_t ev;
	emit(w, &ev, yaml_mapping_end_event_initialize(&ev));
}

static void seq_start(struct yw *w, yaml_sequence_style_t style)
{
	yaml_event_t ev;
	emit(w, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, style));
}

void yw_seq_start(struct yw *w)
{
	seq_start(w, YAML_BLOCK_SEQUENCE_STYLE);
}
void yw_seq_start_flow(struct yw *w)
{
	seq_start(w, YAML_FLOW_SEQUENCE_STYLE);
}

void yw_seq_end(struct yw *w)
{
	yaml_event_t ev;
	emit(w, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void scalar(struct yw *w, const void *p, size_t n, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (n > INT32_MAX) {
		w->err = true;
		return;
	}
	emit(w, &ev,
	     yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)(n ? p : ""), (int)n, 1,
					  1, style));
}

static void binary(struct yw *w, const void *p, size_t n)
{
	yaml_event_t ev;
	size_t m = b64_len(n);
	char *t;

	if (m > INT32_MAX) {
		w->err = true;
		return;
	}
	t = xmalloc(m + 1);
	b64_encode(t, p, n);
	emit(w, &ev,
	     yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)YAML_BINARY_TAG,
					  (yaml_char_t *)t, (int)m, 0, 0, YAML_ANY_SCALAR_STYLE));
	free(t);
}

static const char *const keywords[] = {
    "null", "true", "false", "yes", "no", "on", "off", "y", "n",
};

static bool yw_plain_safe(const uint8_t *p, size_t n)
{
	char low[8];

	if (n == 0 || p[n - 1] == ' ')
		return false;
	if (!((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z') || p[0] == '_' ||
	      p[0] == '/'))
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		/* ": " would start a mapping; a ':' inside a word does not */
		if (c == ':' && (i + 1 == n || p[i + 1] == ' '))
			return false;
		if (!strchr(" _./,()-:+=@", c) || !c)
			return false;
	}
	if (n < sizeof(low)) {
		for (size_t i = 0; i < n; i++)
			low[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
		low[n] = 0;
		for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
			if (!strcmp(low, keywords[k]))
				return false;
	}
	return true;
}

void yw_str(struct yw *w, const void *p, size_t n)
{
	if (!utf8_valid(p, n))
		binary(w, p, n);
	else
		scalar(w, p, n,
		       yw_plain_safe(p, n) ? YAML_PLAIN_SCALAR_STYLE
					   : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

void yw_cstr(struct yw *w, const char *s)
{
	if (!s)
		yw_null(w);
	else
		yw_str(w, s, strlen(s));
}

void yw_qstr(struct yw *w, const void *p, size_t n)
{
	if (!utf8_valid(p, n))
		binary(w, p, n);
	else
		scalar(w, p, n, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

void yw_time(struct yw *w, int64_t wall_ns)
{
	char t[AN_TIME_LEN];

	fmt_time(t, wall_ns);
	yw_qstr(w, t, strlen(t));
}

void yw_plain(struct yw *w, const char *s)
{
	scalar(w, s, strlen(s), YAML_PLAIN_SCALAR_STYLE);
}

void yw_u64(struct yw *w, uint64_t v)
{
	char t[32];
	snprintf(t, sizeof(t), "%" PRIu64, v);
	yw_plain(w, t);
}

void yw_i64(struct yw *w, int64_t v)
{
	char t[32];
	snprintf(t, sizeof(t), "%" PRId64, v);
	yw_plain(w, t);
}

static void yw_bool(struct yw *w, bool v)
{
	yw_plain(w, v ? "true" : "false");
}

void yw_null(struct yw *w)
{
	yw_plain(w, "null");
}

void yw_key(struct yw *w, const char *k)
{
	yw_str(w, k, strlen(k));
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void yw_json(struct yw *w, const json_t *j)
{
	char t[64];

	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(j), i = 0;
		const char **keys;
		const char *k;
		json_t *v;
		if (!n) {
			yw_map_start_flow(w);
			yw_map_end(w);
			return;
		}
		keys = xmalloc(size_mul(n, sizeof(*keys)));
		json_object_foreach((json_t *)j, k, v) if (i < n) keys[i++] = k;
		sort_n(keys, i, sizeof(*keys), cmp_keys);
		yw_map_start(w);
		for (size_t x = 0; x < i; x++) {
			yw_key(w, keys[x]);
			yw_json(w, json_object_get(j, keys[x]));
		}
		yw_map_end(w);
		free(keys);
		return;
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(j);
		if (!n) {
			yw_seq_start_flow(w);
			yw_seq_end(w);
			return;
		}
		yw_seq_start(w);
		for (size_t i = 0; i < n; i++)
			yw_json(w, json_array_get(j, i));
		yw_seq_end(w);
		return;
	}
	case JSON_STRING:
		yw_str(w, json_string_value(j), json_string_length(j));
		return;
	case JSON_INTEGER:
		snprintf(t, sizeof(t), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		yw_plain(w, t);
		return;
	case JSON_REAL:
		snprintf(t, sizeof(t), "%.17g", json_real_value(j));
		yw_plain(w, t);
		return;
	case JSON_TRUE:
		yw_bool(w, true);
		return;
	case JSON_FALSE:
		yw_bool(w, false);
		return;
	case JSON_NULL:
	default:
		yw_null(w);
		return;
	}
}
