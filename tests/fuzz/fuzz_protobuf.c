/* fuzz_protobuf.c - schema-less protobuf (proto/protobuf.c) and the content
 * codings (proto/coding.c) on arbitrary bytes. pb_to_json either fails
 * leaving its output as it was, or appends one JSON object; coding_decode
 * never writes past its caps and a decoded prefix is always whole bytes.
 *
 * Input: byte 0 selects the coding (0 gzip, 1 deflate, 2 br, 3 zstd,
 * 4 "gzip, br", else none) and byte 1 the output cap (byte * 64); the rest
 * is the message / coded body. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/coding.h"
#include "proto/protobuf.h"
#include "base/util.h"

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"gzip", "deflate", "br", "zstd", "gzip, br"};
	struct dbuf out = {0};
	json_error_t err;
	size_t cap;
	int rc;

	if (size < 2)
		return 0;
	dbuf_puts(&out, "x");
	rc = pb_to_json(data + 2, size - 2, &out);
	if (rc == 0) {
		json_t *j = json_loadb((const char *)out.p + 1, out.len - 1,
				       JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
		check(j != NULL && json_is_object(j));
		json_decref(j);
	} else {
		check(rc == -1 && out.len == 1);
	}
	cap = (size_t)data[1] * 64 + 1;
	if (data[0] < 5) {
		const char *n = names[data[0]];
		out.len = 0;
		rc = coding_decode((const uint8_t *)n, strlen(n), data + 2, size - 2, cap, &out);
		check(rc >= CODING_INVALID && rc <= CODING_CUT);
		check(out.len <= cap);
		check(out.len <= (size - 2) * CODING_MAX_RATIO + CODING_RATIO_SLACK);
		if (rc == CODING_INVALID)
			check(out.len == 0);
	}
	dbuf_free(&out);
	return 0;
}
