/* container.h - container metadata for a container id.
 *
 * Two sources, tried in this order:
 *  1. a Docker Engine API unix socket (docker, podman's compat API):
 *     GET /containers/<id>/json over HTTP/1.1 on AF_UNIX. Never TCP.
 *  2. a containerd/CRI state directory (--containerd-root): the bundle's
 *     OCI config.json, whose annotations become labels.
 * The raw document is kept (it is what the analyzer reads); only name,
 * image, labels and addresses are extracted here.
 *
 * All input (HTTP response, JSON) is untrusted and bounded: responses are
 * read up to CAP_HTTP_MAX_RESPONSE bytes, documents kept up to SR_MAX_DOC.
 * A struct cap_ctr_meta owns its buffers; cap_ctr_meta_free() releases them.
 */
#ifndef CAP_CONTAINER_H
#define CAP_CONTAINER_H

#include <stddef.h>

#include "cgroup.h"

#define CAP_HTTP_MAX_HEADER (16u * 1024u)
#define CAP_HTTP_MAX_RESPONSE (CAP_HTTP_MAX_HEADER + 512u * 1024u)
#define CAP_HTTP_TIMEOUT_MS 1000
#define CAP_CTR_MAX_LABELS (64u * 1024u) /* bytes of KEY=VALUE\0 labels */
#define CAP_CTR_MAX_ADDRS 1024u

struct cap_ctr_meta {
	char id[CAP_CONTAINER_ID_LEN + 1];
	char runtime[16];
	char name[256];
	char image[1024];
	char *labels; /* KEY=VALUE NUL separated */
	size_t labels_len;
	char addrs[CAP_CTR_MAX_ADDRS]; /* addresses as text, NUL separated */
	size_t addrs_len;
	char *doc; /* the raw metadata document */
	size_t doc_len;
	char error[256]; /* why no metadata; "" when doc is set */
};

/*! cap_http_parse() :
 *  Parses a complete HTTP/1.x response in buf (read until the server closed
 *  the connection). A chunked body is decoded in place.
 *  @return 0 with *status and the body (pointing into buf), or -1 with the
 *          reason in err (malformed, truncated, headers too large). */
int cap_http_parse(char *buf, size_t len, int *status, char **body, size_t *body_len, char *err,
		   size_t err_cap);

/*! cap_ctr_from_docker_json() / cap_ctr_from_oci_config() :
 *  Fill name, image, labels, addrs of m from a Docker inspect document or
 *  an OCI runtime config.json. m->doc is not touched.
 *  @return 0, or -1 (not valid JSON; m->error says so). */
int cap_ctr_from_docker_json(const char *doc, size_t len, struct cap_ctr_meta *m);
int cap_ctr_from_oci_config(const char *doc, size_t len, struct cap_ctr_meta *m);

/*! cap_ctr_lookup() :
 *  Fills m for ref from the Docker API at docker_socket (if not NULL/empty)
 *  or else from containerd_root (if not empty; ns "" = any namespace).
 *  Never fails: on failure m->error says why and m->doc is NULL. */
void cap_ctr_lookup(const struct cap_container_ref *ref, const char *docker_socket,
		    const char *containerd_root, const char *ns, struct cap_ctr_meta *m);

void cap_ctr_meta_free(struct cap_ctr_meta *m);

#endif /* CAP_CONTAINER_H */
