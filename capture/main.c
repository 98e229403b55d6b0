/* main.c - sockrec: record what opted-in processes say over TCP.
 * Usage and the full contract: `sockrec --help`, README.md, capture.h. */
#include <argp.h>
#include <stdio.h>

#include "capture.h"
#include "opts.h"

extern char **environ;

int main(int argc, char **argv)
{
	static struct cap_opts o; /* large: keep it off the stack */
	char err[512];

	argp_err_exit_status = CAP_EXIT_SETUP;
	if (cap_opts_parse(argc, argv, environ, 0, &o, err, sizeof(err))) {
		fprintf(stderr, "sockrec: %s\n", err);
		return CAP_EXIT_SETUP;
	}
	return cap_run(&o, argc, argv);
}
