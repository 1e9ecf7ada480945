/* ONOS northbound REST v1 as vdno-scheduler uses it (DESIGN §7, fixtures/onos/README.md):
 * parsing hosts, devices, paths, ports and delta statistics into plain structs, and the
 * calls that build and tear down a VDN (app registration, HostToHostIntents). */
#ifndef VDNO_ONOS_H
#define VDNO_ONOS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "err.h"
#include "http.h"
#include "score.h"

/* OpenFlow's LOCAL port: "local" in connect points, this number in port statistics. */
#define ONOS_PORT_LOCAL 4294967294LL

struct onos_host {
	char *id;               /* "00:1B:21:5E:03:11/None": names the host in intents */
	char mac[18];           /* upper case */
	char **ips;
	size_t n_ips;
	char *device;           /* access device (locations[0], or the older location); NULL if none */
	char *port;
};

struct onos_device {
	char *id;
	char *city;             /* annotation "city", else onos.deviceCities; NULL when neither */
};

/* One directed link between two devices (the EDGE links of host paths are left out). */
struct onos_link {
	char *src_device, *src_port;
	char *dst_device, *dst_port;
};

struct onos_path {
	struct onos_link *links;
	size_t n_links;
};

struct onos_port {
	char *port;             /* as in connect points: "1", "local" */
	int64_t speed_mbps;     /* portSpeed; 0 when unknown */
};

struct onos_port_delta {
	char *device;
	int64_t port;           /* a number here, LOCAL as ONOS_PORT_LOCAL */
	struct port_delta delta;
};

struct onos_intent {
	char *key;
	char *type;
	char *state;            /* INSTALLED, FAILED, ... */
	char *one, *two;        /* host ids of a HostToHostIntent; NULL otherwise */
	double bandwidth_bps;   /* its BandwidthConstraint; < 0 without one */
};

/* Every parser: the body of a 200 answer in, a malloc'd array out (free with the matching
 * _free); errors are code 6 (decode) and name the member that is malformed. Elements that
 * lack what the scheduler needs (a host without a MAC) are skipped, not errors. */
int onos_hosts_parse(const char *json, size_t len, struct onos_host **hosts, size_t *n,
		     struct cni_err *e);
void onos_hosts_free(struct onos_host *hosts, size_t n);
int onos_devices_parse(const char *json, size_t len, const struct onos_config *config,
		       struct onos_device **devices, size_t *n, struct cni_err *e);
void onos_devices_free(struct onos_device *devices, size_t n);
/* GET /paths/{src}/{dst}: every equal-cost path, device-to-device links only. */
int onos_paths_parse(const char *json, size_t len, struct onos_path **paths, size_t *n,
		     struct cni_err *e);
void onos_paths_free(struct onos_path *paths, size_t n);
/* GET /devices/{id}/ports. */
int onos_ports_parse(const char *json, size_t len, struct onos_port **ports, size_t *n,
		     struct cni_err *e);
void onos_ports_free(struct onos_port *ports, size_t n);
/* GET /statistics/delta/ports. */
int onos_deltas_parse(const char *json, size_t len, struct onos_port_delta **deltas, size_t *n,
		      struct cni_err *e);
void onos_deltas_free(struct onos_port_delta *deltas, size_t n);
/* GET /intents/application/{appId}?detail=true (or GET /intents?detail=true). */
int onos_intents_parse(const char *json, size_t len, struct onos_intent **intents, size_t *n,
		       struct cni_err *e);
void onos_intents_free(struct onos_intent *intents, size_t n);

/* Lookups; NULL when absent. MACs compare case-insensitively. */
const struct onos_host *onos_host_by_mac(const struct onos_host *hosts, size_t n, const char *mac);
const struct onos_host *onos_host_by_ip(const struct onos_host *hosts, size_t n, const char *ip);
const struct onos_device *onos_device_find(const struct onos_device *devices, size_t n,
					   const char *id);
const struct onos_port_delta *onos_delta_find(const struct onos_port_delta *deltas, size_t n,
					      const char *device, int64_t port);
/* A connect point's port as the number port statistics use: "3" → 3, "local" →
 * ONOS_PORT_LOCAL; -1 when it is neither. */
int64_t onos_port_number(const char *port);

/* One prepared request, for batches through http_do_many (the same pattern as kube_call).
 * path is appended to onos.url and must already be escaped. */
struct onos_call {
	struct http_req req;
	char *url;
	char *body;
	const char *headers[2];
	char what[320];         /* "GET /hosts", the start of every message */
};
int onos_call_init(struct onos_call *call, const struct onos_config *config, const char *method,
		   const char *path, long timeout_ms, struct cni_err *e);
/* 0 for a 2xx answer; -1 with e naming the call, ONOS's own message or the transport error. */
int onos_call_result(const struct onos_call *call, const struct http_resp *resp,
		     const struct cni_err *transport_err, struct cni_err *e);
void onos_call_clear(struct onos_call *call);
/* "/paths/<src>/<dst>", "/devices/<id>/ports", "/intents/<app>/<key>": each part escaped. */
int onos_path_format(char **out, const char *fmt_a, const char *a, const char *fmt_b,
		     const char *b, struct cni_err *e);

/* The intent key of DESIGN §7: "VDN:<name>:<host MAC as 12 lower-case hex digits>". No '/'
 * because a web server may refuse %2F inside a path segment. buf of 96 bytes is enough for
 * any DNS-1123 label name. */
int onos_intent_key(char *buf, size_t size, const char *name, const char *host_mac);

/* The HostToHostIntent body: one = the user host id, two = the container MAC (untagged),
 * a BandwidthConstraint in bits per second when bandwidth_bps > 0. cJSON_Delete it. */
cJSON *onos_intent_body_new(const char *app_id, const char *key, const char *host_id,
			    const char *container_mac, int64_t bandwidth_bps);

/* Blocking calls, each bounded by timeout_ms. */
int onos_app_register(const struct onos_config *config, long timeout_ms, struct cni_err *e);
/* *maybe_made tells a failed POST that may still have been carried out (sent, no answer). */
int onos_intent_post(const struct onos_config *config, const cJSON *intent, long timeout_ms,
		     bool *maybe_made, struct cni_err *e);
/* Gone afterwards, whether it existed or not (204; and 400/404, ONOS's answers for an
 * unknown string key). */
int onos_intent_delete(const struct onos_config *config, const char *key, long timeout_ms,
		       struct cni_err *e);
/* The appId's intents with details; an app ONOS does not know has none. */
int onos_intents_list(const struct onos_config *config, long timeout_ms,
		      struct onos_intent **intents, size_t *n, struct cni_err *e);
/* The call of onos_intents_list, for a batch. */
int onos_intents_list_call(struct onos_call *call, const struct onos_config *config,
			   long timeout_ms, struct cni_err *e);
/* Turns that call's answer into intents: 404 (unknown app) is an empty list. */
int onos_intents_list_result(const struct onos_call *call, const struct http_resp *resp,
			     const struct cni_err *transport_err, struct onos_intent **intents,
			     size_t *n, struct cni_err *e);

#endif
