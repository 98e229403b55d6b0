/* godebug - Go debug endpoints: which one a request names, and what a
 * response body is, whatever path it was served under.
 *
 * References:
 *  - net/http/pprof (Go 1.19: src/net/http/pprof/pprof.go): the index page,
 *    named profiles (debug=0 gzip protobuf, debug=1 text, goroutine debug=2
 *    stack dump), profile, trace, symbol, cmdline; seconds/debug/gc params.
 *  - the net/http/pprof/v2 proposal (seed 001): cpu (seconds, rate), trace
 *    (seconds, cpuprofiling, cpuprofilingrate), flightrecording/start,
 *    capture, stop (token, minageseconds, maxbytes), RegisterHandlers.
 *  - expvar (/debug/vars: JSON with "cmdline" and "memstats"),
 *    golang.org/x/net/trace (/debug/requests, /debug/events pages).
 *  - profile.proto (github.com/google/pprof/proto/profile.proto), the
 *    format of every debug=0 profile, always gzip-compressed by Go.
 *  - the execution trace header: "go 1.NN trace" NUL-padded to 16 bytes.
 *
 * Contract:
 *  - Every input is hostile and is read only through bounds checks; inputs
 *    are (pointer, length), never NUL-terminated; any bytes are fine.
 *  - Nothing allocates except godebug_detect(), which inflates at most
 *    GODEBUG_INFLATE_CAP bytes of a gzip body into a buffer it frees before
 *    returning; the work per call is linear in min(len, GODEBUG_SCAN_CAP).
 *  - Results are plain structs with fixed-size arrays (named caps below);
 *    names longer than GODEBUG_MAX_NAME - 1 bytes are cut.
 *  - "Truncated" (the bytes ran out inside something that had looked
 *    right so far) and "not this format" are separate outcomes.
 */
#ifndef AN_GODEBUG_H
#define AN_GODEBUG_H

#include <stddef.h>
#include <stdint.h>

/* Text detectors look at most at this many bytes of a body. */
#define GODEBUG_SCAN_CAP (1024u * 1024u)
/* gzip bodies are inflated up to this many bytes (the profile.proto walk
 * and the text detectors then see that prefix). */
#define GODEBUG_INFLATE_CAP (256u * 1024u)
/* profile.proto: string table entries and functions remembered. */
#define GODEBUG_PROTO_MAX_STRINGS 16384u
#define GODEBUG_PROTO_MAX_FUNCS 4096u
#define GODEBUG_PROTO_MAX_TYPES 16u
/* Entries kept per name list (function names, file paths, keys...). */
#define GODEBUG_MAX_NAMES 12u
/* Bytes kept per name, including the NUL. */
#define GODEBUG_MAX_NAME 160u
/* Decoded request paths longer than this are matched on their start. */
#define GODEBUG_MAX_PATH 2048u
/* Nesting the JSON skipper follows before it calls the body invalid. */
#define GODEBUG_JSON_MAX_DEPTH 64u
/* Longest flight-recording token kept for matching sessions. */
#define GODEBUG_MAX_TOKEN 128u

enum godebug_endpoint {
	GODEBUG_EP_NONE = 0,
	GODEBUG_EP_INDEX, /* /debug/pprof/ (and v2's /debug/pprof) */
	GODEBUG_EP_GOROUTINE,
	GODEBUG_EP_HEAP,
	GODEBUG_EP_ALLOCS,
	GODEBUG_EP_THREADCREATE,
	GODEBUG_EP_BLOCK,
	GODEBUG_EP_MUTEX,
	GODEBUG_EP_PROFILE, /* CPU profile, v1 name */
	GODEBUG_EP_CPU,	/* CPU profile, v2 name */
	GODEBUG_EP_TRACE,
	GODEBUG_EP_SYMBOL,
	GODEBUG_EP_CMDLINE,
	GODEBUG_EP_FR_START, /* flightrecording/start */
	GODEBUG_EP_FR_CAPTURE,
	GODEBUG_EP_FR_STOP,
	GODEBUG_EP_PPROF_OTHER, /* any other name under /debug/pprof/ (custom profiles) */
	GODEBUG_EP_EXPVAR,	    /* /debug/vars */
	GODEBUG_EP_REQUESTS,    /* x/net/trace /debug/requests */
	GODEBUG_EP_EVENTS,	    /* x/net/trace /debug/events */
	GODEBUG_EP_COUNT_,
};

enum godebug_content {
	GODEBUG_C_NONE = 0,
	GODEBUG_C_PPROF_INDEX,	/* the pprof HTML index page */
	GODEBUG_C_GOROUTINE_TEXT,	/* "goroutine profile: total N" (debug=1) */
	GODEBUG_C_GOROUTINE_STACKS, /* "goroutine N [state]:" stack dump (debug=2) */
	GODEBUG_C_PROFILE_TEXT,  /* "<name> profile: total N", "heap profile:", "--- contention:"... */
	GODEBUG_C_PROFILE_PROTO, /* gzip-compressed profile.proto */
	GODEBUG_C_EXEC_TRACE,    /* Go execution trace */
	GODEBUG_C_EXPVAR,	     /* expvar JSON */
	GODEBUG_C_SYMBOL,	     /* "num_symbols: N" */
	GODEBUG_C_XNET_REQUESTS, /* "<title>/debug/requests</title>" */
	GODEBUG_C_XNET_EVENTS,   /* "<title>events</title>": generic, counts only with a path match */
	GODEBUG_C_COUNT_,
};

/* Response signals that are not a body format (godebug_header_signals). */
#define GODEBUG_SIG_X_GO_PPROF (1u << 0)  /* "X-Go-Pprof: 1": pprof's error responses */
#define GODEBUG_SIG_DISPOSITION (1u << 1) /* Content-Disposition: attachment; filename="profile"... */

struct godebug_names {
	unsigned n;    /* entries in s[] */
	unsigned more; /* 1 when entries were dropped at GODEBUG_MAX_NAMES */
	char s[GODEBUG_MAX_NAMES][GODEBUG_MAX_NAME];
};

struct godebug_result {
	enum godebug_content kind;
	enum godebug_endpoint endpoint; /* what the content says it is (GODEBUG_EP_NONE: cannot tell) */
	int truncated;		    /* the bytes ended inside the detected format */
	int gzip;		    /* the body was gzip; the fields describe the inflated bytes */
	uint64_t inflated;	    /* gzip: bytes inflated (at most GODEBUG_INFLATE_CAP) */
	uint64_t stacks;	    /* goroutines: "total N" (debug=1) or dump headers (debug=2);
				     * other text profiles: their "total N" */
	uint64_t records;	    /* text: "N @ 0x..." stack records; proto: samples */
	uint64_t locations, functions; /* proto: messages seen */
	uint64_t num_symbols;	       /* symbol: the number after "num_symbols:" */
	uint64_t symbol_lines;	       /* symbol: "0x... name" lines */
	char profile_name[32];	       /* text: the name before " profile:" */
	char go_version[16];	       /* trace: "1.19" */
	struct godebug_names funcs;	       /* function names: application code first */
	struct godebug_names files;	       /* source paths, application code first */
	unsigned funcs_app,
	    files_app;		/* leading entries of funcs/files that are application code */
	struct godebug_names types; /* proto: sample types "alloc_space/bytes"... */
	struct godebug_names keys;	/* expvar: top-level keys; index: profile names */
	uint64_t key_counts[GODEBUG_MAX_NAMES]; /* index: the count column per name */
	const uint8_t *cmdline_json; /* expvar: the "cmdline" array, pointing into the body */
	size_t cmdline_json_len;
};

struct godebug_path {
	enum godebug_endpoint ep;
	size_t prefix_len; /* decoded bytes before "/debug/": 0 at the default mount */
	char
	    name[GODEBUG_MAX_NAME]; /* the name after /debug/pprof/ ("heap", "flightrecording/start") */
};

/*! godebug_endpoint_name() : "index", "goroutine", ..., "flightrecording/start",
 *  "pprof_other", "expvar", "requests", "events"; "" for GODEBUG_EP_NONE. */
const char *godebug_endpoint_name(enum godebug_endpoint ep);
/*! godebug_content_name() : "pprof_index", "goroutine_text", ...; "" for NONE. */
const char *godebug_content_name(enum godebug_content kind);
/*! godebug_endpoint_is_profiling() : nonzero for endpoints that make the
 *  program collect data (named profiles, profile, cpu, trace, flight
 *  recording capture): the ones counted for bursts. */
int godebug_endpoint_is_profiling(enum godebug_endpoint ep);
/*! godebug_content_is_specific() : nonzero when the content kind identifies a
 *  Go debug endpoint on its own (everything but GODEBUG_C_XNET_EVENTS). */
int godebug_content_is_specific(enum godebug_content kind);

/*! godebug_match_path() :
 *  Matches a request target (origin form "/a/b?q", or absolute form
 *  "http://h/a/b?q"; the query is ignored) after percent-decoding, as Go's
 *  ServeMux sees r.URL.Path: "/debug/pprof/" anywhere in the path (custom
 *  mounts keep it), "/debug/pprof" at the end, "/debug/vars",
 *  "/debug/requests", "/debug/events" at the end.
 *  @return the endpoint (also in out->ep, if out is given), GODEBUG_EP_NONE when
 *          the path names none. */
enum godebug_endpoint godebug_match_path(const char *target, size_t len, struct godebug_path *out);

/*! godebug_may_match() :
 *  A cheap test before godebug_detect(): 0 when no detector can accept
 *  the body (godebug_detect() would return GODEBUG_C_NONE), 1 when one may.
 *  Looks at the first bytes, the first line and at most three substrings. */
int godebug_may_match(const uint8_t *body, size_t len);

/*! godebug_detect() :
 *  Identifies a response body (the first len bytes of it; body_cut says
 *  the real body was longer). Fills *out (zeroed first).
 *  @return out->kind (GODEBUG_C_NONE when nothing matched). */
enum godebug_content godebug_detect(const uint8_t *body, size_t len, int body_cut, struct godebug_result *out);

/*! godebug_header_signals() : @return GODEBUG_SIG_* bits one response header gives. */
unsigned godebug_header_signals(const char *name, size_t nlen, const char *val, size_t vlen);

/*! godebug_seed_signal() : seed 000's scan criterion: status 200 and a body
 *  containing "goroutine". @return nonzero when it holds. */
int godebug_seed_signal(int status, const uint8_t *body, size_t len);

/* ---- query strings ---- */

struct godebug_query {
	const char *p; /* the rest of the query */
	size_t left;
};

/*! godebug_query_init() : positions q on the query of target (after '?', up to '#'). */
void godebug_query_init(struct godebug_query *q, const char *target, size_t len);
/*! godebug_query_next() : the next "k=v" pair, raw (not decoded); v is empty
 *  for "k" alone. @return 1, or 0 at the end. */
int godebug_query_next(struct godebug_query *q, const char **k, size_t *klen, const char **v, size_t *vlen);
/*! godebug_query_get() : the raw value of the first parameter named key.
 *  @return 1 when present, 0 otherwise. */
int godebug_query_get(const char *target, size_t len, const char *key, const char **v, size_t *vlen);

/*! godebug_pct_decode() : decodes %XX (and '+' as space when plus is set) from
 *  src into dst, NUL-terminated, cut at dst_cap - 1. @return bytes written. */
size_t godebug_pct_decode(const char *src, size_t n, int plus, char *dst, size_t dst_cap);

/*! godebug_duration() :
 *  The seconds a handler runs for, by Go's rules for the raw seconds value
 *  (present says whether the parameter was given):
 *  profile/cpu: integer > 0, else 30; trace: number > 0, else 1; a named
 *  profile with seconds: integer > 0 (a delta profile), else 0 (Go answers
 *  400); anything else 0. Values are capped at 1e9 seconds.
 *  @return seconds (>= 0). */
double godebug_duration(enum godebug_endpoint ep, const char *secs, size_t len, int present);

/* ---- command lines ---- */

typedef void (*godebug_arg_cb)(void *ctx, const char *arg, size_t len);

/*! godebug_cmdline_args() : calls cb for each NUL-separated argument of a
 *  /debug/pprof/cmdline body (a trailing empty argument is dropped).
 *  @return the number of arguments. */
size_t godebug_cmdline_args(const uint8_t *body, size_t len, godebug_arg_cb cb, void *ctx);

/*! godebug_json_string_array() : calls cb with each JSON-decoded string of a
 *  JSON array (as godebug_result.cmdline_json points at), each cut at
 *  GODEBUG_MAX_NAME - 1 bytes; stops at the first element that is not a
 *  string or at the end of the bytes. @return the number of strings. */
size_t godebug_json_string_array(const uint8_t *json, size_t len, godebug_arg_cb cb, void *ctx);

/*! godebug_fr_token() :
 *  The session token in a flightrecording/start response body: the value
 *  of a JSON "token" member, else the whole body when it is one short line
 *  of printable characters. @return its length (copied to tok, NUL-
 *  terminated), or 0 when there is none or it is longer than cap - 1. */
size_t godebug_fr_token(const uint8_t *body, size_t len, char *tok, size_t cap);

#endif /* AN_GODEBUG_H */
