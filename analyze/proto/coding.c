/* coding.c - content codings decoded with caps (see coding.h). */
#include <string.h>

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#include "proto/coding.h"

enum codec { C_GZIP, C_DEFLATE, C_BR, C_ZSTD };

static const struct {
	const char *name;
	enum codec c;
} codings[] = {
    {"gzip", C_GZIP}, {"x-gzip", C_GZIP}, {"deflate", C_DEFLATE}, {"br", C_BR}, {"zstd", C_ZSTD},
};

static int codec_of(const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < sizeof(codings) / sizeof(codings[0]); i++)
		if (ieq(v, n, codings[i].name))
			return (int)codings[i].c;
	return -1;
}

const char *coding_name(const uint8_t *value, size_t n)
{
	static const char *const canon[] = {"gzip", "deflate", "br", "zstd"};

	while (n && (*value == ' ' || *value == '\t'))
		value++, n--;
	while (n && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		n--;
	int c = codec_of(value, n);
	return c < 0 ? NULL : canon[c];
}

/* room for up to want more bytes, never past limit; @return the room */
static size_t room(struct dbuf *out, size_t limit)
{
	size_t want = out->len < 16384 ? 16384 : out->len;

	if (want > limit - out->len)
		want = limit - out->len;
	dbuf_reserve(out, want);
	return want;
}

/* zlib (wbits: 16+15 gzip, 15 zlib, -15 raw deflate) */
static int run_zlib(int wbits, const uint8_t *src, size_t n, size_t limit, struct dbuf *out)
{
	z_stream z;
	int rc = Z_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, wbits) != Z_OK)
		return CODING_INVALID;
	z.next_in = (Bytef *)src;
	z.avail_in = (uInt)n; /* n <= CODING_MAX_OUT * ratio: fits (caller) */
	while (out->len < limit) {
		size_t r = room(out, limit);
		z.next_out = out->p + out->len;
		z.avail_out = (uInt)r;
		rc = inflate(&z, Z_NO_FLUSH);
		out->len += r - z.avail_out;
		if (rc == Z_STREAM_END) {
			/* gzip allows further members (RFC 1952 2.2) */
			if (wbits > 15 && z.avail_in >= 2 && z.next_in[0] == 0x1f &&
			    z.next_in[1] == 0x8b && inflateReset(&z) == Z_OK)
				continue;
			break;
		}
		if (rc != Z_OK) {
			if (rc == Z_BUF_ERROR && z.avail_in == 0)
				break; /* input ended early */
			inflateEnd(&z);
			return out->len ? CODING_CUT : CODING_INVALID;
		}
		if (z.avail_in == 0 && z.avail_out)
			break;
	}
	inflateEnd(&z);
	return rc == Z_STREAM_END && z.avail_in == 0 ? CODING_OK : CODING_CUT;
}

static int run_brotli(const uint8_t *src, size_t n, size_t limit, struct dbuf *out)
{
	BrotliDecoderState *s = BrotliDecoderCreateInstance(NULL, NULL, NULL);
	BrotliDecoderResult r = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
	size_t in_left = n;
	const uint8_t *in = src;

	if (!s)
		xoom();
	while (out->len < limit) {
		size_t rm = room(out, limit), out_left = rm;
		uint8_t *o = out->p + out->len;
		r = BrotliDecoderDecompressStream(s, &in_left, &in, &out_left, &o, NULL);
		out->len += rm - out_left;
		if (r != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
			break;
	}
	BrotliDecoderDestroyInstance(s);
	if (r == BROTLI_DECODER_RESULT_SUCCESS)
		return in_left == 0 ? CODING_OK : CODING_CUT;
	if (r == BROTLI_DECODER_RESULT_ERROR)
		return out->len ? CODING_CUT : CODING_INVALID;
	return CODING_CUT;
}

static int run_zstd(const uint8_t *src, size_t n, size_t limit, struct dbuf *out)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	ZSTD_inBuffer in = {src, n, 0};
	size_t rc = 1;

	if (!z)
		xoom();
	/* the window a frame may ask for: bounded like the output */
	ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 23);
	while (out->len < limit) {
		size_t rm = room(out, limit);
		ZSTD_outBuffer ob = {out->p + out->len, rm, 0};
		rc = ZSTD_decompressStream(z, &ob, &in);
		out->len += ob.pos;
		if (ZSTD_isError(rc)) {
			ZSTD_freeDStream(z);
			return out->len ? CODING_CUT : CODING_INVALID;
		}
		if (rc == 0 && in.pos == in.size)
			break; /* a frame ended with the input */
		if (in.pos == in.size && ob.pos < rm)
			break; /* input ended (inside a frame when rc != 0) */
	}
	ZSTD_freeDStream(z);
	return rc == 0 && in.pos == in.size ? CODING_OK : CODING_CUT;
}

static int decode_one(enum codec c, const uint8_t *src, size_t n, size_t limit, struct dbuf *out)
{
	out->len = 0;
	switch (c) {
	case C_GZIP:
		return run_zlib(16 + MAX_WBITS, src, n, limit, out);
	case C_DEFLATE:
		/* RFC 9110 8.4.1.2 says zlib; some servers send raw deflate */
		if (n >= 2 && (src[0] & 0x0f) == 8 && ((src[0] << 8) | src[1]) % 31 == 0)
			return run_zlib(MAX_WBITS, src, n, limit, out);
		return run_zlib(-MAX_WBITS, src, n, limit, out);
	case C_BR:
		return run_brotli(src, n, limit, out);
	case C_ZSTD:
		return run_zstd(src, n, limit, out);
	}
	return CODING_INVALID;
}

int coding_decode(const uint8_t *name, size_t name_len, const uint8_t *src, size_t src_len,
		  size_t max_out, struct dbuf *out)
{
	int layers[CODING_MAX_LAYERS];
	size_t nl = 0, i = 0;
	struct dbuf tmp = {0};
	int rc = CODING_OK;

	if (!src_len || src_len > CODING_MAX_OUT)
		return CODING_NONE;
	/* the list, in the order applied */
	while (i < name_len) {
		size_t s, e;
		while (i < name_len && (name[i] == ' ' || name[i] == '\t' || name[i] == ','))
			i++;
		s = i;
		while (i < name_len && name[i] != ',')
			i++;
		e = i;
		while (e > s && (name[e - 1] == ' ' || name[e - 1] == '\t'))
			e--;
		if (e == s || ieq(name + s, e - s, "identity"))
			continue;
		int c = codec_of(name + s, e - s);
		if (c < 0 || nl == CODING_MAX_LAYERS)
			return CODING_NONE;
		layers[nl++] = c;
	}
	if (!nl)
		return CODING_NONE;
	if (max_out > CODING_MAX_OUT)
		max_out = CODING_MAX_OUT;
	const uint8_t *in = src;
	size_t in_len = src_len;
	for (size_t k = nl; k-- > 0;) {
		struct dbuf *dst = (k % 2 == (nl - 1) % 2) ? out : &tmp;
		size_t limit = max_out;
		/* the ratio is to the bytes captured, for every layer */
		if (src_len < max_out / CODING_MAX_RATIO)
			limit = src_len * CODING_MAX_RATIO + CODING_RATIO_SLACK;
		if (limit > max_out)
			limit = max_out;
		int r = decode_one((enum codec)layers[k], in, in_len, limit, dst);
		if (r == CODING_INVALID) {
			dbuf_free(&tmp);
			out->len = 0;
			return CODING_INVALID;
		}
		if (r == CODING_CUT)
			rc = CODING_CUT;
		in = dst->p;
		in_len = dst->len;
		if (k == 0 && dst != out) {
			out->len = 0;
			dbuf_put(out, dst->p, dst->len);
		}
	}
	dbuf_free(&tmp);
	return rc;
}
