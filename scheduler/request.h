/* What the operator asks for on the command line (DESIGN §7 REQUEST): resource demands, the
 * user hosts the VDN connects, and a bandwidth; parsed and checked before anything is fetched. */
#ifndef VDNO_REQUEST_H
#define VDNO_REQUEST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "err.h"
#include "usage.h"

/* --host MAC|IP[@CITY] */
struct host_spec {
	char *given;            /* as typed, for messages and the request annotation */
	char *address;          /* MAC in upper case with ':' (ONOS's form), or the IP as typed */
	bool is_mac;
	char *city;             /* NULL without @CITY */
};

struct sched_request {
	int64_t demand[RES_COUNT];       /* d(x): millicores, bytes, bytes; 0 when not asked */
	bool demand_given[RES_COUNT];
	struct host_spec *hosts;
	size_t n_hosts;
};

/* Errors below are code 4 (invalid argument) and name the option and the value. */
/* --cpu / --memory / --storage: a Kubernetes quantity, >= 0. */
int request_set_demand(struct sched_request *request, enum resource r, const char *value,
		       struct cni_err *e);
/* --host: appended; the same host twice is an error (its intent key would repeat). */
int request_add_host(struct sched_request *request, const char *value, struct cni_err *e);
void request_free(struct sched_request *request);

/* --bandwidth: bits per second as a quantity with decimal suffixes ("1G" = 10^9 bit/s,
 * "500M"), > 0. */
int request_bandwidth_parse(const char *value, int64_t *bps, struct cni_err *e);

/* The `vdno.kreonet.net/request` annotation: {"cpu":"2","memory":"4Gi","storage":"10Gi",
 * "hosts":["…"],"bandwidth":"1G"}; only what was asked. cJSON_Delete it; NULL: out of memory. */
cJSON *request_json_new(const struct sched_request *request, const char *bandwidth);

#endif
