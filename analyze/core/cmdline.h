/* cmdline - a process's command line as text, with secret-looking argument
 * values redacted (http.jsonl "cmdline", env.yaml "adi_profile_cmdline",
 * info), unless --show-secrets.
 *
 * The arguments (NUL separated in /proc/PID/cmdline; trailing NULs are not
 * arguments) are joined by one space, bytes as they are. Redaction replaces
 * a value by "[REDACTED]" and keeps everything else, argument by argument,
 * in order:
 *  - program rules, by the base name of argv[0] (the table in cmdline.c):
 *    the mysql/mariadb clients: "-pPASS" -> "-p[REDACTED]" ("-p" and
 *    "--password" alone prompt and take no value: the next argument is
 *    kept); redis-cli: "-a PASS", "--pass PASS"; sshpass: "-p PASS",
 *    "-pPASS"; mongo/mongosh: "-p PASS", "-pPASS".
 *  - header options of curl and wget: "-H 'Name: value'", "-HName: value",
 *    "--header 'Name: value'", "--header=Name: value" (with or without a
 *    space after the colon) lose the value when sr_secret_header(Name):
 *    "-H 'Authorization: [REDACTED]'".
 *  - the shared rule of format/secret.h (sr_secret_redact_arg, the same
 *    the findings use): a flag with a secret-looking name loses its value
 *    ("--password=x", "--token x", "-session-secret=x"); curl-style
 *    user:password options (-u, --user, -U, --proxy-user) keep the user
 *    ("-u alice:[REDACTED]"); a credential header given as one argument
 *    ("-H 'Authorization: Bearer x'" -> "Authorization: [REDACTED]",
 *    sr_secret_header()); "KEY=VALUE" with a secret-looking KEY; URLs with
 *    userinfo ("scheme://user:[REDACTED]@host") or secret query
 *    parameters; values that look like credentials themselves (JWTs, PEM
 *    private keys, AWS key ids, connection strings with a password); an
 *    argument with whitespace (a script: sh -c '...') word by word by the
 *    same rules.
 * Inside a script only the shared rule applies: "sh -c 'mysql -pX'" keeps
 * -pX, and "--header=Authorization: x" inside a script keeps its value
 * (the separate-argument forms, "-u a:b" and "-H 'Authorization: x'", are
 * caught there too).
 */
#ifndef AN_CMDLINE_H
#define AN_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*! cmdline_text() :
 *  The arguments of raw (len bytes, NUL separated) joined by spaces, each
 *  redacted when redact is true (rules above).
 *  @return a malloc'd NUL-terminated text (never NULL; "" for no argument);
 *          *out_len gets its length, *redacted (if given) whether anything
 *          was redacted. */
char *cmdline_text(const uint8_t *raw, size_t len, bool redact, size_t *out_len, bool *redacted);

#endif /* AN_CMDLINE_H */
