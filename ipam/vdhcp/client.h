/* The vDHCP REST client: PUT, GET and DELETE of {url}{mac-with-dashes}, tried on each server in
 * turn. A server that cannot be reached, times out, answers 5xx/429 or answers something that
 * is not a lease is skipped; any other 4xx is the final word, with the server's message. */
#ifndef VDHCP_CLIENT_H
#define VDHCP_CLIENT_H
#include <stdbool.h>
#include "config.h"
#include "lease.h"

/* The servers to try, starting with servers[first] and wrapping around. */
struct client_target {
	const struct vdhcp_server *servers;
	int n;
	int first;
	long timeout_ms;
	/* Optional: set when some server got the request but gave no usable answer (a timeout,
	 * a dropped connection, a 5xx), so it may have acted on it. */
	bool *maybe_done;
};

/* PUT: a new lease or a renewal. vdn_id and request_ip may be NULL or "" (then omitted).
 * *used is the index of the server that granted it. */
int client_put(const struct client_target *t, const char *mac, const char *vdn_id,
	       const char *request_ip, struct vdhcp_lease *lease, int *used, struct cni_err *e);
/* GET: 0 with the lease, 1 when the server has none (404), -1 on error. */
int client_get(const struct client_target *t, const char *mac, struct vdhcp_lease *lease,
	       int *used, struct cni_err *e);
/* DELETE: 0 released, 1 already gone (404), -1 on error (e->code 11 when no server answered). */
int client_delete(const struct client_target *t, const char *mac, int *used, struct cni_err *e);
/* STATUS: all servers asked at once about a MAC no NIC has; a 404 (or any lease answer) shows
 * a live server that accepts our credentials. Error 50 when none does. */
int client_probe(const struct client_target *t, struct cni_err *e);

/* "aa:bb:cc:dd:ee:ff" -> "aa-bb-cc-dd-ee-ff" (lower case), the form the API's paths use. */
void client_mac_path(const char *mac, char out[18]);

#endif
