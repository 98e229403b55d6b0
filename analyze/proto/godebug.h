/* debugep - Go debug endpoints: which one a request names, and what a
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
 *  - Nothing allocates except dep_detect(), which inflates at most
 *    DEP_INFLATE_CAP bytes of a gzip body into a buffer it frees before
 *    returning; the work per call is linear in min(len, DEP_SCAN_CAP).
 *  - Results are plain structs with fixed-size arrays (named caps below);
 *    names longer than DEP_MAX_NAME - 1 bytes are cut.
 *  - "Truncated" (the bytes ran out inside something that had looked
 *    right so far) and "not this format" are separate outcomes.
 */
#ifndef AN_DEBUGEP_H
#define AN_DEBUGEP_H

#include <stddef.h>
#include <stdint.h>

/* Text detectors look at most at this many bytes of a body. */
#define DEP_SCAN_CAP (1024u * 1024u)
/* gzip bodies are inflated up to this many bytes (the profile.proto walk
 * and the text detectors then see that prefix). */
#define DEP_INFLATE_CAP (256u * 1024u)
/* profile.proto: string table entries and functions remembered. */
#define DEP_PROTO_MAX_STRINGS 16384u
#define DEP_PROTO_MAX_FUNCS 4096u
#define DEP_PROTO_MAX_TYPES 16u
/* Entries kept per name list (function names, file paths, keys...). */
#define DEP_MAX_NAMES 12u
/* Bytes kept per name, including the NUL. */
#define DEP_MAX_NAME 160u
/* Decoded request paths longer than this are matched on their start. */
#define DEP_MAX_PATH 2048u
/* Nesting the JSON skipper follows before it calls the body invalid. */
#define DEP_JSON_MAX_DEPTH 64u
/* Longest flight-recording token kept for matching sessions. */
#define DEP_MAX_TOKEN 128u

enum dep_endpoint {
	DEP_EP_NONE = 0,
	DEP_EP_INDEX, /* /debug/pprof/ (and v2's /debug/pprof) */
	DEP_EP_GOROUTINE,
	DEP_EP_HEAP,
	DEP_EP_ALLOCS,
	DEP_EP_THREADCREATE,
	DEP_EP_BLOCK,
	DEP_EP_MUTEX,
	DEP_EP_PROFILE, /* CPU profile, v1 name */
	DEP_EP_CPU,	/* CPU profile, v2 name */
	DEP_EP_TRACE,
	DEP_EP_SYMBOL,
	DEP_EP_CMDLINE,
	DEP_EP_FR_START, /* flightrecording/start */
	DEP_EP_FR_CAPTURE,
	DEP_EP_FR_STOP,
	DEP_EP_PPROF_OTHER, /* any other name under /debug/pprof/ (custom profiles) */
	DEP_EP_EXPVAR,	    /* /debug/vars */
	DEP_EP_REQUESTS,    /* x/net/trace /debug/requests */
	DEP_EP_EVENTS,	    /* x/net/trace /debug/events */
	DEP_EP_COUNT_,
};

enum dep_content {
	DEP_C_NONE = 0,
	DEP_C_PPROF_INDEX,	/* the pprof HTML index page */
	DEP_C_GOROUTINE_TEXT,	/* "goroutine profile: total N" (debug=1) */
	DEP_C_GOROUTINE_STACKS, /* "goroutine N [state]:" stack dump (debug=2) */
	DEP_C_PROFILE_TEXT,  /* "<name> profile: total N", "heap profile:", "--- contention:"... */
	DEP_C_PROFILE_PROTO, /* gzip-compressed profile.proto */
	DEP_C_EXEC_TRACE,    /* Go execution trace */
	DEP_C_EXPVAR,	     /* expvar JSON */
	DEP_C_SYMBOL,	     /* "num_symbols: N" */
	DEP_C_XNET_REQUESTS, /* "<title>/debug/requests</title>" */
	DEP_C_XNET_EVENTS,   /* "<title>events</title>": generic, counts only with a path match */
	DEP_C_COUNT_,
};

/* Response signals that are not a body format (dep_header_signals). */
#define DEP_SIG_X_GO_PPROF (1u << 0)  /* "X-Go-Pprof: 1": pprof's error responses */
#define DEP_SIG_DISPOSITION (1u << 1) /* Content-Disposition: attachment; filename="profile"... */

struct dep_names {
	unsigned n;    /* entries in s[] */
	unsigned more; /* 1 when entries were dropped at DEP_MAX_NAMES */
	char s[DEP_MAX_NAMES][DEP_MAX_NAME];
};

struct dep_result {
	enum dep_content kind;
	enum dep_endpoint endpoint; /* what the content says it is (DEP_EP_NONE: cannot tell) */
	int truncated;		    /* the bytes ended inside the detected format */
	int gzip;		    /* the body was gzip; the fields describe the inflated bytes */
	uint64_t inflated;	    /* gzip: bytes inflated (at most DEP_INFLATE_CAP) */
	uint64_t stacks;	    /* goroutines: "total N" (debug=1) or dump headers (debug=2);
				     * other text profiles: their "total N" */
	uint64_t records;	    /* text: "N @ 0x..." stack records; proto: samples */
	uint64_t locations, functions; /* proto: messages seen */
	uint64_t num_symbols;	       /* symbol: the number after "num_symbols:" */
	uint64_t symbol_lines;	       /* symbol: "0x... name" lines */
	char profile_name[32];	       /* text: the name before " profile:" */
	char go_version[16];	       /* trace: "1.19" */
	struct dep_names funcs;	       /* function names: application code first */
	struct dep_names files;	       /* source paths, application code first */
	unsigned funcs_app,
	    files_app;		/* leading entries of funcs/files that are application code */
	struct dep_names types; /* proto: sample types "alloc_space/bytes"... */
	struct dep_names keys;	/* expvar: top-level keys; index: profile names */
	uint64_t key_counts[DEP_MAX_NAMES]; /* index: the count column per name */
	const uint8_t *cmdline_json; /* expvar: the "cmdline" array, pointing into the body */
	size_t cmdline_json_len;
};

struct dep_path {
	enum dep_endpoint ep;
	size_t prefix_len; /* decoded bytes before "/debug/": 0 at the default mount */
	char
	    name[DEP_MAX_NAME]; /* the name after /debug/pprof/ ("heap", "flightrecording/start") */
};

/*! dep_endpoint_name() : "index", "goroutine", ..., "flightrecording/start",
 *  "pprof_other", "expvar", "requests", "events"; "" for DEP_EP_NONE. */
const char *dep_endpoint_name(enum dep_endpoint ep);
/*! dep_content_name() : "pprof_index", "goroutine_text", ...; "" for NONE. */
const char *dep_content_name(enum dep_content kind);
/*! dep_endpoint_is_profiling() : nonzero for endpoints that make the
 *  program collect data (named profiles, profile, cpu, trace, flight
 *  recording capture): the ones counted for bursts. */
int dep_endpoint_is_profiling(enum dep_endpoint ep);
/*! dep_func_is_std() : nonzero when a Go function name belongs to the
 *  standard library (its import path's first element has no dot and is
 *  not "main"): "net/http.(*conn).serve" yes, "main.worker" and
 *  "github.com/a/b.F" no. */
int dep_func_is_std(const char *name, size_t len);
/*! dep_content_is_specific() : nonzero when the content kind identifies a
 *  Go debug endpoint on its own (everything but DEP_C_XNET_EVENTS). */
int dep_content_is_specific(enum dep_content kind);

/*! dep_match_path() :
 *  Matches a request target (origin form "/a/b?q", or absolute form
 *  "http://h/a/b?q"; the query is ignored) after percent-decoding, as Go's
 *  ServeMux sees r.URL.Path: "/debug/pprof/" anywhere in the path (custom
 *  mounts keep it), "/debug/pprof" at the end, "/debug/vars",
 *  "/debug/requests", "/debug/events" at the end.
 *  @return the endpoint (also in out->ep, if out is given), DEP_EP_NONE when
 *          the path names none. */
enum dep_endpoint dep_match_path(const char *target, size_t len, struct dep_path *out);

/*! dep_detect() :
 *  Identifies a response body (the first len bytes of it; body_cut says
 *  the real body was longer). Fills *out (zeroed first).
 *  @return out->kind (DEP_C_NONE when nothing matched). */
enum dep_content dep_detect(const uint8_t *body, size_t len, int body_cut, struct dep_result *out);

/*! dep_header_signals() : @return DEP_SIG_* bits one response header gives. */
unsigned dep_header_signals(const char *name, size_t nlen, const char *val, size_t vlen);

/*! dep_seed_signal() : seed 000's scan criterion: status 200 and a body
 *  containing "goroutine". @return nonzero when it holds. */
int dep_seed_signal(int status, const uint8_t *body, size_t len);

/* ---- query strings ---- */

struct dep_query {
	const char *p; /* the rest of the query */
	size_t left;
};

/*! dep_query_init() : positions q on the query of target (after '?', up to '#'). */
void dep_query_init(struct dep_query *q, const char *target, size_t len);
/*! dep_query_next() : the next "k=v" pair, raw (not decoded); v is empty
 *  for "k" alone. @return 1, or 0 at the end. */
int dep_query_next(struct dep_query *q, const char **k, size_t *klen, const char **v, size_t *vlen);
/*! dep_query_get() : the raw value of the first parameter named key.
 *  @return 1 when present, 0 otherwise. */
int dep_query_get(const char *target, size_t len, const char *key, const char **v, size_t *vlen);

/*! dep_pct_decode() : decodes %XX (and '+' as space when plus is set) from
 *  src into dst, NUL-terminated, cut at dst_cap - 1. @return bytes written. */
size_t dep_pct_decode(const char *src, size_t n, int plus, char *dst, size_t dst_cap);

/*! dep_duration() :
 *  The seconds a handler runs for, by Go's rules for the raw seconds value
 *  (present says whether the parameter was given):
 *  profile/cpu: integer > 0, else 30; trace: number > 0, else 1; a named
 *  profile with seconds: integer > 0 (a delta profile), else 0 (Go answers
 *  400); anything else 0. Values are capped at 1e9 seconds.
 *  @return seconds (>= 0). */
double dep_duration(enum dep_endpoint ep, const char *secs, size_t len, int present);

/* ---- command lines ---- */

typedef void (*dep_arg_cb)(void *ctx, const char *arg, size_t len);

/*! dep_cmdline_args() : calls cb for each NUL-separated argument of a
 *  /debug/pprof/cmdline body (a trailing empty argument is dropped).
 *  @return the number of arguments. */
size_t dep_cmdline_args(const uint8_t *body, size_t len, dep_arg_cb cb, void *ctx);

/*! dep_json_string_array() : calls cb with each JSON-decoded string of a
 *  JSON array (as dep_result.cmdline_json points at), each cut at
 *  DEP_MAX_NAME - 1 bytes; stops at the first element that is not a
 *  string or at the end of the bytes. @return the number of strings. */
size_t dep_json_string_array(const uint8_t *json, size_t len, dep_arg_cb cb, void *ctx);

/*! dep_fr_token() :
 *  The session token in a flightrecording/start response body: the value
 *  of a JSON "token" member, else the whole body when it is one short line
 *  of printable characters. @return its length (copied to tok, NUL-
 *  terminated), or 0 when there is none or it is longer than cap - 1. */
size_t dep_fr_token(const uint8_t *body, size_t len, char *tok, size_t cap);

#endif /* AN_DEBUGEP_H */
