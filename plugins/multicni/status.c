/* network-status lets users and operators see which interface got which network and address
 * (Multus' format, anchors §4.5): one entry per pod interface, "default" on the first
 * network's, addresses without their prefix length, "dns" always present. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "select.h"
#include "status.h"

static bool add_entry(cJSON *list, const struct mc_delegate *d, const struct cni_result *r,
		      int iface, bool is_default)
{
	cJSON *o = cJSON_CreateObject(), *ips;
	const char *name = iface >= 0 ? r->ifaces[iface].name : d->ifname;
	bool ok;

	if (!o || !cJSON_AddItemToArray(list, o)) {
		cJSON_Delete(o);
		return false;
	}
	ok = cJSON_AddStringToObject(o, "name", d->network) &&
	     cJSON_AddStringToObject(o, "interface", name) &&
	     (ips = cJSON_AddArrayToObject(o, "ips")) != NULL;
	for (int i = 0; ok && i < r->n_ips; i++) {
		char addr[64];

		/* without an interface of its own, the delegate's IPs are all this entry's */
		if (iface >= 0 && r->ips[i].interface != iface)
			continue;
		snprintf(addr, sizeof(addr), "%s", r->ips[i].address);
		addr[strcspn(addr, "/")] = '\0';
		ok = cJSON_AddItemToArray(ips, cJSON_CreateString(addr));
	}
	if (ok && iface >= 0 && r->ifaces[iface].mac)
		ok = cJSON_AddStringToObject(o, "mac", r->ifaces[iface].mac) != NULL;
	if (ok && iface >= 0 && r->ifaces[iface].mtu > 0)
		ok = cJSON_AddNumberToObject(o, "mtu", r->ifaces[iface].mtu) != NULL;
	if (ok)
		ok = cJSON_AddBoolToObject(o, "default", is_default) != NULL;
	if (ok)
		ok = r->dns ? cJSON_AddItemToObject(o, "dns", cJSON_Duplicate(r->dns, 1))
			    : cJSON_AddObjectToObject(o, "dns") != NULL;
	return ok;
}

cJSON *status_build(const struct mc_plan *plan)
{
	cJSON *list = cJSON_CreateArray();
	struct cni_result *r = NULL;
	struct cni_err e;

	for (int i = 0; list && i < plan->n; i++) {
		const struct mc_delegate *d = &plan->d[i];
		int entries = 0;

		if (!d->result || result_parse(d->result, plan->cni_version, &r, &e))
			continue;
		for (int j = 0; j < r->n_ifaces; j++) {
			if (!r->ifaces[j].sandbox)
				continue;
			if (!add_entry(list, d, r, j, i == 0))
				goto fail;
			entries++;
		}
		if (entries == 0 && !add_entry(list, d, r, -1, i == 0))
			goto fail;
		result_free(r);
		r = NULL;
	}
	return list;
fail:
	result_free(r);
	cJSON_Delete(list);
	return NULL;
}

void status_publish(struct mc_api *api, const struct mc_plan *plan)
{
	cJSON *status = status_build(plan), *patch = cJSON_CreateObject();
	char *text = status ? cJSON_PrintUnformatted(status) : NULL;
	struct cni_err e;

	if (!text || !patch || !cJSON_AddStringToObject(patch, ANN_NETWORK_STATUS, text))
		log_warn("network-status of pod %s/%s not written: out of memory",
			 plan->pod_namespace, plan->pod_name);
	else if (api_pod_patch_annotations(api, plan->pod_namespace, plan->pod_name, patch, &e))
		log_warn("network-status not written (the pod's networks work without it): %s",
			 e.msg);
	cJSON_free(text);
	cJSON_Delete(patch);
	cJSON_Delete(status);
}
