/* godebug_binary.c - Go debug endpoints' binary bodies: profile.proto
 * (pprof's default answer, github.com/google/pprof/proto/profile.proto),
 * gzip (RFC 1952: pprof gzips its protobuf), and runtime/trace execution
 * traces ("go 1.NN trace" header). Every read goes through a bounded
 * cursor. See godebug.h. */
#include "proto/godebug_int.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cursor.h"

/* ---------- profile.proto ---------- */

/* profile.proto field numbers (message Profile) */
enum {
	PB_SAMPLE_TYPE = 1,
	PB_SAMPLE = 2,
	PB_MAPPING = 3,
	PB_LOCATION = 4,
	PB_FUNCTION = 5,
	PB_STRING_TABLE = 6,
	PB_DROP_FRAMES = 7,
	PB_KEEP_FRAMES = 8,
	PB_TIME_NANOS = 9,
	PB_DURATION_NANOS = 10,
	PB_PERIOD_TYPE = 11,
	PB_PERIOD = 12,
	PB_COMMENT = 13,
	PB_DEFAULT_SAMPLE_TYPE = 14,
	PB_DOC_URL = 15,
	PB_MAX_KNOWN = 15,
};

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };
enum { PB_OK = 0, PB_TRUNC = -1, PB_INVALID = -2 };

static int pb_varint(struct cur *c, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < 10; i++) {
		uint8_t b;
		if (cur_get_u8(c, &b))
			return PB_TRUNC;
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return PB_OK;
		}
	}
	return PB_INVALID;
}

/* one field: key, then its value skipped (or, for LEN, spanned) */
static int pb_field(struct cur *c, uint32_t *field, unsigned *wt, uint64_t *v, const uint8_t **span)
{
	uint64_t key, len;
	int rc;

	if ((rc = pb_varint(c, &key)))
		return rc;
	if ((key >> 3) == 0 || (key >> 3) > 536870911u)
		return PB_INVALID;
	*field = (uint32_t)(key >> 3);
	*wt = (unsigned)(key & 7);
	switch (*wt) {
	case WT_VARINT:
		return pb_varint(c, v);
	case WT_I64:
		return cur_skip(c, 8) ? PB_TRUNC : PB_OK;
	case WT_I32:
		return cur_skip(c, 4) ? PB_TRUNC : PB_OK;
	case WT_LEN:
		if ((rc = pb_varint(c, &len)))
			return rc;
		if (len > c->left)
			return PB_TRUNC;
		*v = len;
		return cur_get_span(c, span, (size_t)len) ? PB_TRUNC : PB_OK;
	default:
		return PB_INVALID;
	}
}

/* a sub-message must be a well-formed sequence of fields, wholly inside */
static int pb_valid_msg(const uint8_t *p, size_t n)
{
	struct cur c = cur_make(p, n);
	uint32_t f;
	unsigned wt;
	uint64_t v;
	const uint8_t *sp;

	while (c.left > 0) {
		int rc = pb_field(&c, &f, &wt, &v, &sp);
		if (rc)
			return 0;
	}
	return 1;
}

/* ValueType {type = 1, unit = 2} and Function {name = 2, filename = 4}:
 * varint fields only */
static int pb_ints(const uint8_t *p, size_t n, uint64_t *vals, unsigned nvals)
{
	struct cur c = cur_make(p, n);
	uint32_t f;
	unsigned wt;
	uint64_t v;
	const uint8_t *sp;

	while (c.left > 0) {
		if (pb_field(&c, &f, &wt, &v, &sp))
			return -1;
		if (wt != WT_VARINT)
			return -1;
		if (f < nvals)
			vals[f] = v;
	}
	return 0;
}

struct pb_str {
	uint32_t off, len;
};

struct pb_profile {
	struct pb_str *strings; /* GODEBUG_PROTO_MAX_STRINGS */
	uint64_t nstrings;	/* seen, may exceed what is kept */
	uint64_t (*funcs)[2];	/* name, filename: GODEBUG_PROTO_MAX_FUNCS */
	uint64_t nfuncs;
	uint64_t types[GODEBUG_PROTO_MAX_TYPES][2];
	unsigned ntypes;
	uint64_t default_type;
	uint32_t known_fields; /* bit per known field number seen */
	uint64_t unknown;
};

static int pb_expected(uint32_t f, unsigned wt)
{
	switch (f) {
	case PB_SAMPLE_TYPE:
	case PB_SAMPLE:
	case PB_MAPPING:
	case PB_LOCATION:
	case PB_FUNCTION:
	case PB_STRING_TABLE:
	case PB_PERIOD_TYPE:
	case PB_DOC_URL:
		return wt == WT_LEN;
	case PB_COMMENT:
		return wt == WT_VARINT || wt == WT_LEN;
	default:
		return wt == WT_VARINT;
	}
}

static int pb_walk(const uint8_t *buf, size_t n, struct pb_profile *pp, struct godebug_result *out)
{
	struct cur c = cur_make(buf, n);

	while (c.left > 0) {
		uint32_t f;
		unsigned wt;
		uint64_t v = 0, vals[6];
		const uint8_t *sp = NULL;
		int rc = pb_field(&c, &f, &wt, &v, &sp);

		if (rc)
			return rc;
		if (f > PB_MAX_KNOWN) {
			pp->unknown++;
			continue;
		}
		if (!pb_expected(f, wt))
			return PB_INVALID;
		pp->known_fields |= 1u << f;
		switch (f) {
		case PB_SAMPLE_TYPE:
		case PB_PERIOD_TYPE:
			memset(vals, 0, sizeof(vals));
			if (pb_ints(sp, (size_t)v, vals, 3))
				return PB_INVALID;
			if (f == PB_SAMPLE_TYPE && pp->ntypes < GODEBUG_PROTO_MAX_TYPES) {
				pp->types[pp->ntypes][0] = vals[1];
				pp->types[pp->ntypes][1] = vals[2];
				pp->ntypes++;
			}
			break;
		case PB_SAMPLE:
		case PB_MAPPING:
		case PB_LOCATION:
			if (!pb_valid_msg(sp, (size_t)v))
				return PB_INVALID;
			if (f == PB_SAMPLE)
				out->records++;
			else if (f == PB_LOCATION)
				out->locations++;
			break;
		case PB_FUNCTION:
			memset(vals, 0, sizeof(vals));
			if (pb_ints(sp, (size_t)v, vals, 6))
				return PB_INVALID;
			if (pp->nfuncs < GODEBUG_PROTO_MAX_FUNCS) {
				pp->funcs[pp->nfuncs][0] = vals[2];
				pp->funcs[pp->nfuncs][1] = vals[4];
			}
			pp->nfuncs++;
			out->functions++;
			break;
		case PB_STRING_TABLE:
			if (pp->nstrings < GODEBUG_PROTO_MAX_STRINGS) {
				pp->strings[pp->nstrings].off = (uint32_t)(sp - buf);
				pp->strings[pp->nstrings].len = (uint32_t)v;
			}
			pp->nstrings++;
			break;
		case PB_DEFAULT_SAMPLE_TYPE:
			pp->default_type = v;
			break;
		default:
			break;
		}
	}
	return PB_OK;
}

static int pb_str_get(const struct pb_profile *pp, const uint8_t *buf, uint64_t idx,
		      const uint8_t **s, size_t *n)
{
	if (idx >= pp->nstrings || idx >= GODEBUG_PROTO_MAX_STRINGS)
		return -1;
	*s = buf + pp->strings[idx].off;
	*n = pp->strings[idx].len;
	return 0;
}

int gd_bytes_is(const uint8_t *s, size_t n, const char *word)
{
	return strlen(word) == n && !memcmp(s, word, n);
}

/* @return 1 when buf (n bytes, cut says the stream went on) is a
 * profile.proto message */
int gd_proto_profile(const uint8_t *buf, size_t n, int cut, struct godebug_result *out)
{
	static const char *const units[] = {
	    "count", "bytes", "nanoseconds", "microseconds", "milliseconds", "seconds", NULL};
	struct pb_profile pp;
	struct gd_sample sm;
	int rc, known = 0, typical = 0, ok = 0, resolved = 0;
	const uint8_t *ts, *us;
	size_t tn, un;

	memset(&pp, 0, sizeof(pp));
	if (n < 8)
		return 0;
	/* cheap refusal before any allocation: the first key must be a known
	 * field with its wire type (most gzip bodies are text or JSON) */
	{
		struct cur c0 = cur_make(buf, n);
		uint64_t key;
		if (pb_varint(&c0, &key) || (key >> 3) == 0 || (key >> 3) > PB_MAX_KNOWN ||
		    !pb_expected((uint32_t)(key >> 3), (unsigned)(key & 7)))
			return 0;
	}
	pp.strings = malloc(GODEBUG_PROTO_MAX_STRINGS * sizeof(*pp.strings));
	pp.funcs = malloc(GODEBUG_PROTO_MAX_FUNCS * sizeof(*pp.funcs));
	if (!pp.strings || !pp.funcs)
		goto cleanup;
	rc = pb_walk(buf, n, &pp, out);
	if (rc == PB_INVALID || (rc == PB_TRUNC && !cut))
		goto cleanup;
	/* a gzip stream that did not end is truncated, whatever the walk saw */
	out->truncated = cut || rc == PB_TRUNC;
	for (unsigned f = 1; f <= PB_MAX_KNOWN; f++)
		known += (pp.known_fields >> f) & 1;
	if (pp.ntypes == 0 || known < 2 || pp.unknown > (uint64_t)known)
		goto cleanup;
	if (pp.nstrings > 0 && pp.strings[0].len != 0)
		goto cleanup; /* string_table[0] must be "" (profile.proto) */
	for (unsigned i = 0; i < pp.ntypes; i++) {
		if (pb_str_get(&pp, buf, pp.types[i][0], &ts, &tn) ||
		    pb_str_get(&pp, buf, pp.types[i][1], &us, &un))
			continue;
		resolved = 1;
		for (const char *const *u = units; *u; u++)
			if (tn > 0 && gd_bytes_is(us, un, *u))
				typical = 1;
	}
	if (resolved)
		ok = typical;
	else
		/* Go writes the string table last: a prefix may end before (or
		 * inside) it. A stream that ended cannot lack its names. */
		ok = cut && known >= 3;

	if (!ok)
		goto cleanup;
	/* sample types, and the endpoint they imply */
	for (unsigned i = 0; i < pp.ntypes; i++) {
		char t[GODEBUG_MAX_NAME];
		if (pb_str_get(&pp, buf, pp.types[i][0], &ts, &tn) ||
		    pb_str_get(&pp, buf, pp.types[i][1], &us, &un))
			continue;
		if (tn > 70)
			tn = 70;
		if (un > 70)
			un = 70;
		memcpy(t, ts, tn);
		t[tn] = '/';
		memcpy(t + tn + 1, us, un);
		gd_names_add(&out->types, t, tn + 1 + un);
		if (i == 0) {
			if (gd_bytes_is(ts, tn, "goroutine"))
				out->endpoint = GODEBUG_EP_GOROUTINE;
			else if (gd_bytes_is(ts, tn, "threadcreate"))
				out->endpoint = GODEBUG_EP_THREADCREATE;
			else if (gd_bytes_is(ts, tn, "samples") || gd_bytes_is(ts, tn, "cpu"))
				out->endpoint = GODEBUG_EP_PROFILE;
			else if (gd_bytes_is(ts, tn, "contentions") || gd_bytes_is(ts, tn, "delay"))
				out->endpoint = GODEBUG_EP_BLOCK;
			else if (gd_bytes_is(ts, tn, "alloc_objects") ||
				 gd_bytes_is(ts, tn, "inuse_space") ||
				 gd_bytes_is(ts, tn, "alloc_space") ||
				 gd_bytes_is(ts, tn, "inuse_objects"))
				out->endpoint = GODEBUG_EP_HEAP;
			else
				out->endpoint = GODEBUG_EP_PPROF_OTHER;
		}
	}
	/* allocs is heap with alloc_space as the default sample type */
	if (out->endpoint == GODEBUG_EP_HEAP && pp.default_type &&
	    !pb_str_get(&pp, buf, pp.default_type, &ts, &tn) && gd_bytes_is(ts, tn, "alloc_space"))
		out->endpoint = GODEBUG_EP_ALLOCS;
	memset(&sm, 0, sizeof(sm));
	for (uint64_t i = 0; i < pp.nfuncs && i < GODEBUG_PROTO_MAX_FUNCS; i++) {
		const uint8_t *fs = NULL, *ps = NULL;
		size_t fl = 0, pl = 0;
		if (pb_str_get(&pp, buf, pp.funcs[i][0], &fs, &fl))
			fl = 0;
		if (pb_str_get(&pp, buf, pp.funcs[i][1], &ps, &pl))
			pl = 0;
		gd_sample_add(&sm, fs, fl, ps, pl);
	}
	gd_sample_finish(&sm, out);

cleanup:
	free(pp.strings);
	free(pp.funcs);
	return ok;
}

/* ---------- gzip ---------- */

/* inflates a bounded prefix; *complete when the gzip member ended in it */
uint8_t *gd_inflate_prefix(const uint8_t *body, size_t len, size_t *out_len, int *complete)
{
	z_stream z;
	uint8_t *buf;
	int rc;

	*out_len = 0;
	*complete = 0;
	buf = malloc(GODEBUG_INFLATE_CAP);
	if (!buf)
		return NULL;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(buf);
		return NULL;
	}
	z.next_in = (Bytef *)body;
	z.avail_in = len > 0x7fffffffu ? 0x7fffffffu : (uInt)len;
	z.next_out = buf;
	z.avail_out = GODEBUG_INFLATE_CAP;
	rc = inflate(&z, Z_SYNC_FLUSH);
	*out_len = GODEBUG_INFLATE_CAP - z.avail_out;
	*complete = rc == Z_STREAM_END;
	inflateEnd(&z);
	return buf;
}

/* ---------- execution trace ---------- */

enum godebug_content gd_exec_trace(const uint8_t *s, size_t n, int cut, struct godebug_result *out)
{
	size_t i = 5, vs;

	if (!gd_starts(s, n, "go 1."))
		return GODEBUG_C_NONE;
	vs = 3;
	if (gd_digits(s, n, &i, NULL) == 0 || i - 5 > 3)
		return GODEBUG_C_NONE;
	if (!gd_starts(s + i, n - i, " trace") &&
	    !(i + 6 > n && cut && !memcmp(s + i, " trace", n - i)))
		return GODEBUG_C_NONE;
	memcpy(out->go_version, s + vs, i - vs);
	out->go_version[i - vs] = '\0';
	for (size_t j = i + 6; j < 16 && j < n; j++)
		if (s[j] != 0)
			return GODEBUG_C_NONE;
	if (n < 16) {
		if (!cut)
			return GODEBUG_C_NONE;
		out->truncated = 1;
	}
	out->endpoint = GODEBUG_EP_TRACE;
	return GODEBUG_C_EXEC_TRACE;
}
