/* host-device's state record, one JSON file per attachment (common/state.c writes it
 * atomically), holding what DEL needs to restore the NIC on the host. */
#include <stdio.h>
#include <string.h>
#include "record.h"
#include "link.h"
#include "state.h"

void record_from_link(struct hd_record *r, struct rtnl_link *link)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->device, sizeof(r->device), "%s", rtnl_link_get_name(link));
	link_mac(link, r->hwaddr);
	r->mtu = rtnl_link_get_mtu(link);
	r->up = link_is_up(link);
	r->ifindex = rtnl_link_get_ifindex(link);
	memcpy(r->pod_mac, r->hwaddr, sizeof(r->pod_mac));
}

int record_save(const struct cni_ctx *c, const struct hd_record *r, struct cni_err *e)
{
	cJSON *j = cJSON_CreateObject();
	int ret = -1;

	if (!j || !cJSON_AddStringToObject(j, "device", r->device) ||
	    !cJSON_AddStringToObject(j, "hwaddr", r->hwaddr) ||
	    !cJSON_AddNumberToObject(j, "mtu", r->mtu) ||
	    !cJSON_AddBoolToObject(j, "up", r->up) ||
	    !cJSON_AddStringToObject(j, "podMac", r->pod_mac) ||
	    !cJSON_AddNumberToObject(j, "ifindex", r->ifindex) ||
	    !cJSON_AddStringToObject(j, "netns", c->netns ? c->netns : "") ||
	    !cJSON_AddStringToObject(j, "network", c->conf.name)) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (state_dir_ensure(c->state_dir, e) ||
	    state_write_atomic(c->state_dir, c->container_id, c->ifname, j, e))
		goto out;
	ret = 0;
out:
	cJSON_Delete(j);
	return ret;
}

static void copy_string(const cJSON *j, const char *key, char *out, size_t len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	if (cJSON_IsString(v))
		snprintf(out, len, "%s", v->valuestring);
}

int record_from_json(const cJSON *j, struct hd_record *r)
{
	const cJSON *v;

	memset(r, 0, sizeof(*r));
	copy_string(j, "device", r->device, sizeof(r->device));
	copy_string(j, "hwaddr", r->hwaddr, sizeof(r->hwaddr));
	copy_string(j, "podMac", r->pod_mac, sizeof(r->pod_mac));
	v = cJSON_GetObjectItemCaseSensitive(j, "mtu");
	if (cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble < 1e6)
		r->mtu = (unsigned)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(j, "ifindex");
	if (cJSON_IsNumber(v))
		r->ifindex = v->valueint;
	r->up = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "up"));
	return r->device[0] ? 0 : -1;
}

int record_load(const struct cni_ctx *c, const char *id, const char *ifname,
		struct hd_record *r, struct cni_err *e)
{
	cJSON *j = NULL;
	int found = state_read(c->state_dir, id, ifname, &j, e);

	if (found != 0)
		return found;
	if (record_from_json(j, r)) {
		cJSON_Delete(j);
		return cni_err_set(e, CNI_ERR_STATE, "state record of %s/%s has no device", id,
				   ifname);
	}
	cJSON_Delete(j);
	return 0;
}
