/* vdno-scheduler's config file: sched_config_parse. Relative file names resolve against
 * test/fuzz/files (make runs the targets from the top of the tree), which holds a kubeconfig
 * and a password file the hand-written seeds name. */
#include "config.h"
#include "fuzz.h"

#define FILES_DIR "test/fuzz/files"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sched_config c;
	struct cni_err e = { 0 };

	if (sched_config_parse((const char *)data, size, FILES_DIR, &c, &e) < 0) {
		FUZZ_ASSERT(!c.regions && e.code == CNI_ERR_INVALID_CONFIG,
			    "code %d, regions left after an error", e.code);
		return 0;
	}
	FUZZ_ASSERT(c.n_regions > 0, "no region");
	for (size_t i = 0; i < c.n_regions; i++) {
		FUZZ_ASSERT(sched_config_region(&c, c.regions[i].id) != NULL, "region %zu lost", i);
		region_weight(&c.regions[i], c.regions[i].city);
		region_mode_plugin(c.regions[i].mode);
	}
	for (size_t i = 0; i < c.onos.n_device_cities; i++)
		onos_device_city(&c.onos, c.onos.device_cities[i].device);
	sched_config_free(&c);
	return 0;
}
