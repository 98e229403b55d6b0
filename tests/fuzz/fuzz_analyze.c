/* fuzz_analyze.c - every command of the analyzer on arbitrary bytes as an
 * archive (sr_archive_open_mem and everything after it): report's outputs
 * (http, env, map, info, findings), dump, and convert to .srz and .pcapng.
 * It must never crash, and what it writes must be valid: http.jsonl and
 * dump one JSON object per line, findings one JSON object, env.yaml,
 * service-map.yaml and info valid YAML; a converted archive reads back
 * with as many records as were converted.
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

#include "archive.h"
#include "findings/findings.h"
#include "findings/sink.h"
#include "out/dump.h"
#include "out/env.h"
#include "out/http_log.h"
#include "out/info.h"
#include "out/svcmap.h"
#include "pipeline.h"
#include "sink.h"
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

static void json_lines_check(const char *p)
{
	while (p && *p) {
		const char *e = strchr(p, '\n');
		json_error_t err;
		json_t *j;
		check(e != NULL);
		j = json_loadb(p, (size_t)(e - p), JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
		check(j != NULL && json_is_object(j));
		json_decref(j);
		p = e + 1;
	}
}

/* `dump`: every readable record as one JSON object */
static void dump_check(const uint8_t *buf, size_t len)
{
	char err[256];
	struct sr_archive *a = sr_archive_open_mem(buf, len, err, sizeof(err));
	struct sr_record rec;
	struct jw w;

	if (!a)
		return;
	memset(&w, 0, sizeof(w));
	while (sr_archive_next(a, &rec) == 1) {
		jw_reset(&w);
		dump_record(&w, &rec);
		dbuf_putc(&w.b, '\n');
		dbuf_putc(&w.b, '\0');
		json_lines_check((const char *)w.b.p);
	}
	jw_free(&w);
	sr_archive_free(a);
}

/* `convert` to kind: what was appended reads back, record for record */
static void convert_check(const uint8_t *buf, size_t len, enum sr_container_kind kind)
{
	char err[256];
	struct sr_archive *a = sr_archive_open_mem(buf, len, err, sizeof(err)), *b;
	struct sr_record rec;
	struct sr_sink *s;
	uint64_t n = 0, back = 0;
	uint8_t *out;
	off_t olen;
	int fd;

	if (!a)
		return;
	fd = memfd_create("fuzz-convert", 0);
	s = fd >= 0 ? sr_sink_create(kind, fd, err, sizeof(err)) : NULL;
	while (s && sr_archive_next(a, &rec) == 1 && sr_sink_append(s, &rec) == 0)
		n++;
	sr_archive_free(a);
	if (!s) {
		if (fd >= 0)
			close(fd);
		return;
	}
	check(sr_sink_close(s, 0) == 0);
	if (!n) { /* nothing to read back */
		close(fd);
		return;
	}
	olen = lseek(fd, 0, SEEK_END);
	check(olen > 0);
	out = malloc((size_t)olen);
	check(out && pread(fd, out, (size_t)olen, 0) == olen);
	close(fd);
	b = sr_archive_open_mem(out, (size_t)olen, err, sizeof(err));
	check(b != NULL);
	while (sr_archive_next(b, &rec) == 1)
		back++;
	check(back == n);
	sr_archive_free(b);
	free(out);
}

/* `findings`: one JSON object */
static void findings_check(const struct an_input *in)
{
	struct findings *f = findings_create();
	struct an_sink *sink = findings_sink(f);
	struct an_opts o;
	char *b = NULL;
	size_t n = 0;
	FILE *out;
	json_error_t err;
	json_t *j;
	int rc;

	an_opts_init(&o);
	rc = an_run(in, 1, &o, &sink, 1);
	an_sink_free(sink);
	if (rc != AN_EXIT_UNREADABLE) {
		out = open_memstream(&b, &n);
		check(out && findings_write_json(f, out) == 0);
		fclose(out);
		j = json_loadb(b, n, 0, &err);
		check(j != NULL && json_is_object(j));
		json_decref(j);
		free(b);
	}
	findings_free(f);
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

	json_lines_check(b[0]);
	for (int i = 1; i < 4; i++)
		yaml_check(b[i], n[i]);
	findings_check(&in);
	dump_check(in.buf, in.len);
	convert_check(in.buf, in.len, SR_FMT_SRZ);
	convert_check(in.buf, in.len, SR_FMT_PCAPNG);
	for (int i = 0; i < 4; i++)
		free(b[i]);
	free(wrapped);
	return 0;
}
