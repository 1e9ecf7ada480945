/* Delegation to the IPAM plugin named in the config's ipam.type, with the whole config on
 * stdin and the caller's environment (spec §"Delegated plugins"). */
#ifndef VDN_IPAM_H
#define VDN_IPAM_H
#include "cni.h"

/* ADD: *out is the IPAM's result (at least one IP, else error). */
int ipam_exec_add(const struct cni_ctx *c, struct cni_result **out, struct cni_err *e);
int ipam_exec_del(const struct cni_ctx *c, struct cni_err *e);
int ipam_exec_check(const struct cni_ctx *c, struct cni_err *e);
int ipam_exec_status(const struct cni_ctx *c, struct cni_err *e);
int ipam_exec_gc(const struct cni_ctx *c, struct cni_err *e);

#endif
