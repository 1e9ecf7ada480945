/* The pod's k8s.v1.cni.cncf.io/network-status annotation, in the shape Multus writes. */
#ifndef MC_STATUS_H
#define MC_STATUS_H
#include <cjson/cJSON.h>
#include "delegate.h"
#include "pod.h"

/* The annotation's value: one entry per pod interface of every delegate. */
cJSON *status_build(const struct mc_plan *plan);
/* Patches the annotation; a failure is only logged (the attachment works without it). */
void status_publish(struct mc_api *api, const struct mc_plan *plan);

#endif
