/* env.h - decisions sockrec makes on a process environment.
 *
 * The environment is the raw /proc/PID/environ block: "KEY=VALUE" strings
 * separated by NUL, the last one possibly unterminated (a cut read). It is
 * untrusted input: every function is bounded by the given length.
 *
 * Opt-in (seed 003): a process is a target when ADI_PROFILE is set, the
 * first ADI_PROFILE_DISABLED is not exactly "1", and, when an allow list is
 * given, the ADI_PROFILE value is in it. The first occurrence of a name
 * counts, as for getenv(3) - the kernel scan at exec does the same.
 *
 * Redaction (at capture time, so the secret never reaches the disk) uses
 * the project's one rule, format/secret.h:
 *   - a key sr_secret_key() flags keeps its name, its value becomes
 *     SR_REDACTED;
 *   - otherwise a value with a URL password (sr_secret_value_url() == 1)
 *     keeps the URL with the password replaced
 *     ("postgres://app:[REDACTED]@db/x"); a URL whose user part is a long
 *     token (== 2) has that part replaced;
 *   - otherwise a value sr_secret_value() flags (JWT, PEM private key, AWS
 *     key id, connection string with a password) becomes SR_REDACTED.
 * ADI_PROFILE and ADI_PROFILE_NAME are never redacted.
 */
#ifndef CAP_ENV_H
#define CAP_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "opts.h"

struct cap_optin {
	int target;	     /* the process opted in (and passes the allow list) */
	int has_profile;     /* ADI_PROFILE is set (maybe empty) */
	int disabled;	     /* ADI_PROFILE_DISABLED=1 */
	int has_name;	     /* ADI_PROFILE_NAME is set */
	const char *profile; /* points into the environ block; not NUL-terminated */
	size_t profile_len;
	const char *name;
	size_t name_len;
};

/*! cap_optin_decide() :
 *  allow is NULL when no allow list was given (any ADI_PROFILE value opts in).
 *  Fills out (pointers into env). Never fails. */
void cap_optin_decide(const char *env, size_t len, const struct cap_list *allow,
		      struct cap_optin *out);

/*! cap_env_needs_live() :
 *  The rule for reading a process's live environment (liveenv.h):
 *  @return 1 when env has no KEY=VALUE entry or no ADI_PROFILE entry (the
 *          first implies the second); 0 otherwise. */
int cap_env_needs_live(const char *env, size_t len);

/*! cap_env_filter() :
 *  Copies env into dst as NUL-terminated "KEY=VALUE" entries, keeping only
 *  keys that start with one of prefixes (all keys when prefixes is NULL or
 *  empty) and, when redact, replacing secret values (rules above).
 *  Entries that would not fit in dst_cap are left out and
 *  SR_PROC_ENV_TRUNCATED is set. *flags receives SR_PROC_ENV_* bits
 *  (FILTERED when a prefix list was applied, REDACTED when a value was
 *  replaced, TRUNCATED).
 *  @return bytes written to dst. */
size_t cap_env_filter(const char *env, size_t len, const struct cap_list *prefixes, int redact,
		      char *dst, size_t dst_cap, uint32_t *flags);

/*! cap_env_redact_value() :
 *  The stored form of the value of key (rules above), written to dst.
 *  @return bytes written (>= 0), or -1 when dst_cap is too small. *redacted
 *          is set when the value changed. */
long cap_env_redact_value(const char *key, size_t klen, const char *val, size_t vlen, char *dst,
			  size_t dst_cap, int *redacted);

/*! cap_cmdline_redact() :
 *  Copies a NUL-separated argv block into dst with secret-looking
 *  arguments redacted (format/secret.h, sr_secret_redact_arg: flags such
 *  as --password=x, -u user:pass, credential headers, URL passwords,
 *  tokens). A redacted argument can be longer than the original: what does
 *  not fit in dst_cap is left out and *cut is set.
 *  @return bytes written to dst; *redacted says whether anything changed. */
size_t cap_cmdline_redact(const char *argv, size_t len, char *dst, size_t dst_cap,
			  int *redacted, int *cut);

#endif /* CAP_ENV_H */
