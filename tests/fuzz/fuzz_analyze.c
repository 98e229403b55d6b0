/* fuzz_analyze.c - the whole analyzer on arbitrary bytes as an archive
 * (sr_archive_open_mem and everything after it): it must never crash, and
 * what it writes must be valid: http.jsonl one JSON object per line,
 * env.yaml, service-map.yaml and info valid YAML.
 *
 * Two modes: input starting with 'R' is a raw record stream (what
 * `zstd -dc file.srz` prints): its decodable records are written into a
 * fresh .srz first, so mutations reach the analysis rather than stopping at
 * the archive's checksums. Any other input is the archive itself. */
#include <jansson.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "out/env.h"
#include "out/http_log.h"
#include "out/info.h"
#include "out/svcmap.h"
#include "pipeline.h"
#include "srz.h"

static void check(int ok)
{
	if (!ok)
		abort();
}

static void yaml_check(const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int done = 0;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		check(yaml_parser_parse(&p, &ev));
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
}

/* records decoded from raw, re-written as an .srz in memory */
static uint8_t *wrap_records(const uint8_t *raw, size_t len, size_t *out_len)
{
	int fd = memfd_create("fuzz", 0);
	struct srz_writer *w;
	struct sr_record rec;
	uint8_t *buf = NULL;
	size_t i = 0;
	off_t n;

	if (fd < 0)
		return NULL;
	w = srz_writer_create(fd, NULL, NULL, 0);
	if (!w) {
		close(fd);
		return NULL;
	}
	while (i < len) {
		long k = sr_record_decode(raw + i, len - i, &rec, NULL, 0);
		if (k <= 0)
			break;
		srz_writer_append(w, &rec); /* records it refuses are skipped */
		i += (size_t)k;
	}
	srz_writer_close(w, 0);
	n = lseek(fd, 0, SEEK_END);
	if (n > 0) {
		buf = malloc((size_t)n);
		if (buf && pread(fd, buf, (size_t)n, 0) != n) {
			free(buf);
			buf = NULL;
		}
	}
	close(fd);
	*out_len = n > 0 ? (size_t)n : 0;
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *wrapped = NULL;
	struct an_input in;
	struct an_opts o;
	char *b[4] = {0};
	size_t n[4] = {0};
	FILE *f[4];
	int rc;

	for (int i = 0; i < 4; i++) {
		f[i] = open_memstream(&b[i], &n[i]);
		if (!f[i])
			abort();
	}
	memset(&in, 0, sizeof(in));
	in.buf = data;
	in.len = size;
	if (size && data[0] == 'R') {
		wrapped = wrap_records(data + 1, size - 1, &in.len);
		in.buf = wrapped;
		if (!wrapped)
			in.len = 0;
	}
	in.name = "fuzz";
	an_opts_init(&o);
	{
		struct an_sink *sinks[4] = {http_log_sink(f[0], &o), env_sink(f[1]),
					    svcmap_sink(f[2]), info_sink(f[3])};
		rc = an_run(&in, 1, &o, sinks, 4);
		for (int i = 0; i < 4; i++)
			an_sink_free(sinks[i]);
	}
	check(rc == AN_EXIT_OK || rc == AN_EXIT_UNREADABLE || rc == AN_EXIT_DAMAGED);
	for (int i = 0; i < 4; i++)
		fclose(f[i]);

	for (char *p = b[0]; p && *p;) {
		char *e = strchr(p, '\n');
		json_error_t err;
		json_t *j;
		check(e != NULL);
		j = json_loadb(p, (size_t)(e - p), JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
		check(j != NULL && json_is_object(j));
		json_decref(j);
		p = e + 1;
	}
	for (int i = 1; i < 4; i++)
		yaml_check(b[i], n[i]);
	for (int i = 0; i < 4; i++)
		free(b[i]);
	free(wrapped);
	return 0;
}
