/* What each node of a region has free for a new pod, from the API server's node and pod
 * lists, with kube-scheduler's rule for a pod's request (sidecars, init containers, overhead). */
#ifndef VDNO_USAGE_H
#define VDNO_USAGE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "err.h"

/* The three resources the scheduler fits and scores: cpu in millicores, memory and
 * ephemeral-storage in bytes. */
enum resource { RES_CPU = 0, RES_MEMORY, RES_STORAGE, RES_COUNT };

/* The Kubernetes names: "cpu", "memory", "ephemeral-storage". */
extern const char *const resource_name[RES_COUNT];

struct node_usage {
	char *name;
	/* Ready, not spec.unschedulable, no NoSchedule/NoExecute taint: a new pod may land. */
	bool counted;
	char why_not_counted[128];       /* "" when counted */
	int64_t allocatable[RES_COUNT];  /* status.allocatable; 0 when the node reports none */
	int64_t requested[RES_COUNT];    /* sum of the requests of the pods counted on it */
	int64_t free[RES_COUNT];         /* allocatable - requested; negative when overbooked */
	int64_t pods_allocatable;        /* status.allocatable.pods */
	int64_t pods;                    /* pods counted on it */
};

struct region_usage {
	struct node_usage *nodes;        /* in the order of the node list */
	size_t n_nodes;
	size_t unbound_pods;             /* pending pods with no node yet (counted nowhere) */
};

/* Fills *usage from a NodeList and a PodList (GET /api/v1/nodes, GET /api/v1/pods).
 * Pods bound to a node the list does not hold are ignored. Errors: code 6 naming the node,
 * pod, container and key that is malformed. On error *usage is empty. */
int usage_compute(const cJSON *node_list, const cJSON *pod_list, struct region_usage *usage,
		  struct cni_err *e);
/* The same on the raw response bodies. */
int usage_compute_json(const char *node_list_json, size_t node_list_len,
		       const char *pod_list_json, size_t pod_list_len,
		       struct region_usage *usage, struct cni_err *e);
void usage_free(struct region_usage *usage);

/* True when the pod occupies its node: bound (spec.nodeName) and not Succeeded or Failed. */
bool usage_pod_counts(const cJSON *pod);
/* kube-scheduler's request of one pod: max(containers + sidecars, each init container with
 * the sidecars declared before it) per resource; pod-level spec.resources.requests replace
 * cpu and memory when set; spec.overhead added. */
int usage_pod_requests(const cJSON *pod, int64_t requests[RES_COUNT], struct cni_err *e);

/* r(x, k): the sum over the region's counted nodes of free(x, n). An overbooked node adds
 * 0, not its negative free: it offers nothing, and must not hide what other nodes offer. */
void usage_sum_free(const struct region_usage *usage, int64_t sum[RES_COUNT]);
/* True when some counted node has free(x, n) >= demand(x) for every x. */
bool usage_some_node_fits(const struct region_usage *usage, const int64_t demand[RES_COUNT]);

#endif
