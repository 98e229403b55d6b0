/* secret.h - the one rule for "does this look like a secret?", shared by the
 * capture (redaction before anything reaches the disk) and the analyzer
 * (redaction in outputs, secret findings).
 *
 * Everything here is pure: no allocation, no locale, no clock; inputs are
 * (pointer, length) and need not be NUL-terminated; all comparisons are
 * ASCII case-insensitive. Hostile input (any bytes, any length) is fine.
 *
 * Key rule (sr_secret_key), for environment keys, header names, query
 * parameter names, JSON keys and command-line flag names. The key is split
 * into words at every non-alphanumeric byte and at camelCase humps
 * ("apiKey" -> api, key; "DB_PASSWORD" -> db, password). It is secret when
 *   1. it contains PASSWORD, PASSWD, PASSPHRASE, APIKEY, ACCESSKEY, PRIVATE
 *      or CREDENTIAL anywhere ("DBPASSWORD", "AWS_ACCESS_KEY_ID" through
 *      rule 3 or "ACCESSKEY"), or
 *   2. a word contains SECRET (but not SECRETARY/SECRETARIAT), or
 *   3. two adjacent words are API KEY or ACCESS KEY, or
 *   4. a word is or ends with TOKEN/TOKENS ("GH_TOKEN", "accessToken";
 *      not "TOKENIZERS_PARALLELISM"), or
 *   5. AUTH appears anywhere except as the start of AUTHOR / AUTHORS /
 *      AUTHORITY / AUTHORED... (AUTHORIZATION and AUTHORISE do count), or
 *   6. the key has two or more words and a word is PASS, PWD or PW
 *      ("DB_PASS", "MYSQL_PWD"; "PWD" and "OLDPWD" alone are directories), or
 *   7. the last word is KEY or KEYS after at least one other word, unless
 *      that word names a non-secret key (PUBLIC, PUB, SORT, PARTITION,
 *      ROUTING, PRIMARY, FOREIGN, CACHE, SHARD, LOOKUP, HOT, IDEMPOTENCY):
 *      "SECRET_KEY", "X-API-Key", "STRIPE_KEY"; not "KEYBOARD", "PUBLIC_KEY".
 * and it is NOT secret, whatever the above says, when its last word is a
 * descriptor of a secret rather than the secret itself: URL, URI, HOST,
 * PORT, PATH, FILE, DIR, TYPE, MODE, METHOD, ENABLED, ENABLE, DISABLED,
 * DISABLE, TIMEOUT, TTL, EXPIRY, EXPIRES, EXPIRATION, HEADER, ENDPOINT,
 * PROVIDER, ISSUER, REALM, DOMAIN, SCOPE, SCOPES, LENGTH, SIZE, VERSION,
 * SOCK, SOCKET, USER, USERNAME, NAME ("TOKEN_URL", "PASSWORD_FILE",
 * "AUTH_TYPE", "SSH_AUTH_SOCK", "DB_USER", "SECRET_NAME"). The values behind such keys
 * still go through sr_secret_value(), which catches URLs with passwords.
 *
 * Header rule (sr_secret_header): the fixed list of credential headers
 * (Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-API-Key,
 * Api-Key, ApiKey, X-ApiKey, X-Auth-Token, X-Access-Token, X-Amz-Security-
 * Token, X-Goog-Api-Key, Ocp-Apim-Subscription-Key, X-Functions-Key,
 * Private-Token, X-Vault-Token, X-Consul-Token, X-Nomad-Token,
 * X-Registry-Auth, X-CSRF-Token, X-XSRF-Token), else the key rule, except
 * for headers that only describe authentication (WWW-Authenticate,
 * Proxy-Authenticate, Authentication-Info), carry nonces
 * (Sec-WebSocket-Key, Sec-WebSocket-Accept) or are CORS flags
 * (Access-Control-{Request,Allow}-Private-Network).
 *
 * Value rule (sr_secret_value), for values whose key said nothing: a URL
 * with a password in its userinfo ("postgres://app:pw@db/x"), or a long
 * userinfo without one (>= SR_SECRET_MIN_TOKEN bytes: a token used as user
 * name, as Sentry DSNs and "https://TOKEN@github.com" do); a
 * connection string with a secret-looking key ("Server=x;Password=y",
 * "AccountKey=..."); a JSON Web Token ("eyJ...\.eyJ...\....");
 * a PEM private key ("-----BEGIN ... PRIVATE KEY-----"); an AWS access key
 * id (AKIA/ASIA + 16 upper-case letters or digits).
 */
#ifndef SR_SECRET_H
#define SR_SECRET_H

#include <stddef.h>
#include <stdint.h>

/* A userinfo with no password counts as a token from this length on. */
#define SR_SECRET_MIN_TOKEN 20u
/* Keys longer than this are judged on their first SR_SECRET_MAX_KEY bytes. */
#define SR_SECRET_MAX_KEY 256u
/* Words per key that the word rules look at (more are ignored). */
#define SR_SECRET_MAX_WORDS 32u

/*! sr_secret_key() :
 *  @return nonzero when key (len bytes) looks like the name of a secret by
 *          the key rule above, 0 otherwise (also for len 0 or key NULL). */
int sr_secret_key(const char *key, size_t len);

/*! sr_secret_header() :
 *  @return nonzero when an HTTP header of this name carries credentials. */
int sr_secret_header(const char *name, size_t len);

/* Values of at most this many letters are modes, not secrets, behind a
 * loosely secret parameter name (sr_secret_param). */
#define SR_SECRET_MODE_WORD 12u

/*! sr_secret_param() :
 *  A "key=value" parameter (URL query, form) carries a credential when the
 *  key is secret by the key rule and the value is not empty, except that
 *  keys secret only through AUTH, CREDENTIAL or similar (none of PASS,
 *  PWD, SECRET, TOKEN, KEY, SIG, PRIVATE in them) need a value that is not
 *  a plain word of at most SR_SECRET_MODE_WORD letters: "?auth=basic" is a
 *  mode, "?auth=4f9a..." a credential. val is the raw (undecoded) value.
 *  @return nonzero when it carries one. */
int sr_secret_param(const char *key, size_t klen, const char *val, size_t vlen);

/*! sr_secret_value() :
 *  @return nonzero when the value itself looks like a credential by the
 *          value rule above (independent of its key). */
int sr_secret_value(const char *val, size_t len);

/*! sr_secret_value_url() :
 *  Finds a URL userinfo in val (the first "scheme://user[:password]@host").
 *  @return 1 when it has a non-empty password (*pw_off, *pw_len say where
 *          it is, if the pointers are given), 2 when it has no password but
 *          the user part is at least SR_SECRET_MIN_TOKEN bytes (*pw_off,
 *          *pw_len cover the user part), 0 when there is neither. */
int sr_secret_value_url(const char *val, size_t len, size_t *pw_off, size_t *pw_len);

/* Redaction of one command-line argument at a time, in order:
 *  - flags whose name is secret-looking lose their value:
 *    "--password=x" -> "--password=[REDACTED]", "-token x" -> "-token"
 *    "[REDACTED]" (the next argument, whatever it is);
 *  - user:password options (-u, --user, -U, --proxy-user, curl's) keep the
 *    user: "-u alice:pw" -> "-u" "alice:[REDACTED]";
 *  - "NAME=value" with a secret NAME: "DB_PASSWORD=[REDACTED]";
 *  - a credential header (sr_secret_header) as one argument, as curl -H
 *    takes it: "Authorization: [REDACTED]", "Cookie: [REDACTED]";
 *  - URLs lose userinfo passwords and the values of query parameters
 *    that sr_secret_param() flags: "postgres://app:[REDACTED]@db/x",
 *    "http://h/p?a=1&token=[REDACTED]";
 *  - any other value sr_secret_value() flags becomes "[REDACTED]";
 *  - an argument with whitespace inside (a script: sh -c '...') is
 *    redacted word by word by the rules above, and a credential header
 *    name inside it ("Authorization:") takes the rest of its quoted
 *    segment or line.
 * Redaction never copies a secret byte: output cut at dst_cap only drops
 * text that would have followed. */
struct sr_secret_argv {
	int redact_next;   /* the previous argument was a secret flag without '=' */
	int userpass_next; /* the previous argument was -u/--user without '=' */
};

/*! sr_secret_redact_arg() :
 *  Writes the redacted form of arg (len bytes) into dst (NUL-terminated,
 *  cut at dst_cap - 1 bytes) and updates st for the next argument.
 *  @return 1 when something was redacted, 0 when the text is unchanged. */
int sr_secret_redact_arg(struct sr_secret_argv *st, const char *arg, size_t len, char *dst,
			 size_t dst_cap);

#endif /* SR_SECRET_H */
