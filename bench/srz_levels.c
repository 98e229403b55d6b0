/* srz_levels.c - what the capture's zstd level and its data record form
 * cost and save, on a real archive: its records are written again through
 * the capture's own writer (srz_writer, 1 MiB blocks, checksums) at each
 * level, once with compact data records (format 2.0, the default) and once
 * with every data record whole (full_records, format 1.2), interleaved
 * over rounds, to /dev/null. Prints one row per level and form: CPU ns per
 * record and per KiB of records (whole-record bytes, the same for both
 * forms; the reading pass, measured alone, subtracted) and the size
 * against level 1's with whole records.
 *
 *   srz_levels ARCHIVE.srz [ROUNDS] [LEVEL...]    (default 3 rounds; 1 -1 -2 -3 3)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "srz.h"

#define MAX_LEVELS 16
#define MAX_CONFIGS (2 * MAX_LEVELS)

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* one pass: every record read, and written at level (0: not written),
 * data records whole when full; @return CPU seconds, or -1 */
static double pass(const char *path, int level, int full, unsigned long long *bytes,
		   unsigned long long *records, unsigned long long *raw)
{
	char err[256];
	struct srz_reader *r = srz_reader_open_path(path, err, sizeof(err));
	struct srz_writer *w = NULL;
	struct sr_record rec;
	int fd = -1, rc;
	double t0;

	if (!r) {
		fprintf(stderr, "srz_levels: %s: %s\n", path, err);
		return -1;
	}
	if (level) {
		struct srz_writer_opts o = {.level = level, .full_records = full};
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		w = fd >= 0 ? srz_writer_create(fd, &o, err, sizeof(err)) : NULL;
		if (!w) {
			fprintf(stderr, "srz_levels: level %d: %s\n", level, err);
			srz_reader_free(r);
			return -1;
		}
	}
	*records = *raw = 0;
	t0 = cpu_s();
	while ((rc = srz_reader_next(r, &rec)) == 1) {
		(*records)++;
		*raw += sr_record_size(&rec);
		if (w && srz_writer_append(w, &rec)) {
			fprintf(stderr, "srz_levels: %s\n", srz_writer_error(w));
			break;
		}
	}
	if (w) {
		srz_writer_flush(w);
		*bytes = srz_writer_bytes(w);
		srz_writer_close(w, 1);
	}
	t0 = cpu_s() - t0;
	srz_reader_free(r);
	return rc < 0 ? -1 : t0;
}

int main(int argc, char **argv)
{
	int levels[MAX_LEVELS] = {1, -1, -2, -3, 3}, nl = 5, rounds = 3, nc;
	double best[MAX_CONFIGS + 1], ref = 0;
	unsigned long long size[MAX_CONFIGS] = {0}, records = 0, raw = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: srz_levels ARCHIVE.srz [ROUNDS] [LEVEL...]\n");
		return 1;
	}
	if (argc > 2)
		rounds = atoi(argv[2]) > 0 ? atoi(argv[2]) : 1;
	if (argc > 3) {
		nl = 0;
		for (int i = 3; i < argc && nl < MAX_LEVELS; i++)
			levels[nl++] = atoi(argv[i]);
	}
	/* config i: level levels[i / 2], whole records when i is odd;
	 * config nc: reading alone */
	nc = 2 * nl;
	for (int i = 0; i <= nc; i++)
		best[i] = 1e30;
	/* interleaved: each round reads alone, then writes every config */
	for (int k = 0; k < rounds; k++) {
		for (int i = 0; i <= nc; i++) {
			int lv = i < nc ? levels[i / 2] : 0;
			unsigned long long b = 0;
			double t = pass(argv[1], lv, i & 1, &b, &records, &raw);
			if (t < 0)
				return 1;
			if (t < best[i])
				best[i] = t;
			if (i < nc)
				size[i] = b;
		}
	}
	for (int i = 0; i < nc; i++)
		if (levels[i / 2] == 1 && (i & 1))
			ref = (double)size[i];
	printf("%llu records, %.1f MB of records (whole); best of %d rounds, reading (%.0f "
	       "ns/record) subtracted\n",
	       records, (double)raw / 1e6, rounds, best[nc] * 1e9 / (double)records);
	printf("| level | data records | ns / record | ns / KiB | MB/s | archive bytes | size vs "
	       "level 1 whole |\n");
	printf("|---:|---|---:|---:|---:|---:|---:|\n");
	for (int i = 0; i < nc; i++) {
		double t = best[i] - best[nc];
		printf("| %d | %s | %.0f | %.0f | %.0f | %llu | %s%.1f %% |\n", levels[i / 2],
		       i & 1 ? "whole (1.2)" : "compact (2.0)", t * 1e9 / (double)records,
		       t * 1e9 / ((double)raw / 1024), (double)raw / 1e6 / t, size[i],
		       ref ? ((double)size[i] >= ref ? "+" : "") : "",
		       ref ? ((double)size[i] / ref - 1) * 100 : 0);
	}
	return 0;
}
