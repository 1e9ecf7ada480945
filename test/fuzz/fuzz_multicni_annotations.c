/* A pod's annotations as multicni reads them: k8s.v1.cni.cncf.io/networks (the Multus text
 * and JSON forms) and VDN-CNI's cni-plugins, written by whoever may create pods. The input is
 * the metadata.annotations object. What select_networks accepts names known plugins under
 * valid, distinct interface names. */
#include "conf.h"
#include "select.h"
#include "fuzz.h"

static struct mc_plugin plugins[] = {
	{ .name = "macvlan", .type = "macvlan" },
	{ .name = "host-device", .type = "host-device" },
	{ .name = "vdn", .type = "host-device" },
};
static const struct mc_conf mc = { .default_plugin = 0, .plugins = plugins, .n_plugins = 3,
				   .api_timeout_ms = MC_API_TIMEOUT_DEFAULT_MS };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *annotations = cJSON_ParseWithLength((const char *)data, size);
	struct mc_selection sel;
	struct cni_err e = { 0 };
	const char *why;

	if (select_networks(&mc, annotations, "default", "eth0", &sel, &e) < 0) {
		FUZZ_ASSERT(!sel.att && !sel.parsed && e.code && e.msg[0], "code %d: %s", e.code,
			    e.msg);
		goto out;
	}
	FUZZ_ASSERT(sel.n >= 1 && sel.source, "%d attachments", sel.n);
	for (int i = 0; i < sel.n; i++) {
		FUZZ_ASSERT(sel.att[i].plugin >= 0 && sel.att[i].plugin < mc.n_plugins,
			    "attachment %d: plugin %d", i, sel.att[i].plugin);
		FUZZ_ASSERT(conf_valid_ifname(sel.att[i].ifname, &why), "attachment %d: \"%s\": %s",
			    i, sel.att[i].ifname, why);
		for (int j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(sel.att[i].ifname, sel.att[j].ifname),
				    "attachments %d and %d both %s", j, i, sel.att[i].ifname);
	}
	select_free(&sel);
out:
	cJSON_Delete(annotations);
	return 0;
}
