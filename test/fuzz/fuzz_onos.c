/* ONOS northbound answers: hosts, devices, paths, ports, delta port statistics and intents.
 * Every parser reads every input: the answers share their pieces (connect points, device
 * ids, annotations), so what the corpus learns for one endpoint serves the others, and one
 * target keeps make check's fuzz stage short. Lookups then run on what was parsed. */
#include "onos.h"
#include "fuzz.h"

static struct device_city cities[] = {
	{ .device = "of:0000000000000001", .city = "Daejeon" },
	{ .device = "of:0000000000000002", .city = "Seoul" },
};

static const struct onos_config config = {
	.configured = true,
	.url = "http://127.0.0.1:8181/onos/v1",
	.app_id = "org.kreonet.vdno",
	.device_cities = cities,
	.n_device_cities = 2,
};

/* A parser that fails leaves nothing behind: *out NULL and *n 0. */
#define CHECK_EMPTY(rc, out, n, e)                                                           \
	FUZZ_ASSERT((rc) == 0 || (!(out) && (n) == 0 && (e).code == CNI_ERR_DECODE && (e).msg[0]), \
		    "failed with code %d, %zu elements left", (e).code, (n))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *json = (const char *)data;
	struct cni_err e = { 0 };
	struct onos_host *hosts = NULL;
	struct onos_device *devices = NULL;
	struct onos_path *paths = NULL;
	struct onos_port *ports = NULL;
	struct onos_port_delta *deltas = NULL;
	struct onos_intent *intents = NULL;
	size_t n_hosts = 0, n_devices = 0, n_paths = 0, n_ports = 0, n_deltas = 0, n_intents = 0;
	int rc;

	rc = onos_hosts_parse(json, size, &hosts, &n_hosts, &e);
	CHECK_EMPTY(rc, hosts, n_hosts, e);
	for (size_t i = 0; i < n_hosts; i++) {
		FUZZ_ASSERT(hosts[i].id && onos_host_by_mac(hosts, n_hosts, hosts[i].mac),
			    "host %zu: no id, or not found by its MAC", i);
		for (size_t j = 0; j < hosts[i].n_ips; j++)
			FUZZ_ASSERT(onos_host_by_ip(hosts, n_hosts, hosts[i].ips[j]),
				    "host %zu not found by ip %zu", i, j);
		if (hosts[i].port)
			onos_port_number(hosts[i].port);
	}

	rc = onos_devices_parse(json, size, &config, &devices, &n_devices, &e);
	CHECK_EMPTY(rc, devices, n_devices, e);
	for (size_t i = 0; i < n_devices; i++)
		FUZZ_ASSERT(onos_device_find(devices, n_devices, devices[i].id),
			    "device %zu not found by its id", i);

	rc = onos_paths_parse(json, size, &paths, &n_paths, &e);
	CHECK_EMPTY(rc, paths, n_paths, e);
	for (size_t i = 0; i < n_paths; i++)
		for (size_t j = 0; j < paths[i].n_links; j++) {
			const struct onos_link *l = &paths[i].links[j];

			FUZZ_ASSERT(l->src_device && l->src_port && l->dst_device && l->dst_port,
				    "path %zu link %zu incomplete", i, j);
			onos_port_number(l->src_port);
		}

	rc = onos_ports_parse(json, size, &ports, &n_ports, &e);
	CHECK_EMPTY(rc, ports, n_ports, e);
	for (size_t i = 0; i < n_ports; i++)
		FUZZ_ASSERT(ports[i].port && ports[i].speed_mbps >= 0, "port %zu", i);

	rc = onos_deltas_parse(json, size, &deltas, &n_deltas, &e);
	CHECK_EMPTY(rc, deltas, n_deltas, e);
	for (size_t i = 0; i < n_deltas; i++) {
		FUZZ_ASSERT(onos_delta_find(deltas, n_deltas, deltas[i].device, deltas[i].port),
			    "delta %zu not found", i);
		for (size_t j = 0; j < n_ports && j < 4; j++)
			link_utilisation(&deltas[i].delta, ports[j].speed_mbps);
	}

	rc = onos_intents_parse(json, size, &intents, &n_intents, &e);
	CHECK_EMPTY(rc, intents, n_intents, e);

	onos_intents_free(intents, n_intents);
	onos_deltas_free(deltas, n_deltas);
	onos_ports_free(ports, n_ports);
	onos_paths_free(paths, n_paths);
	onos_devices_free(devices, n_devices);
	onos_hosts_free(hosts, n_hosts);
	return 0;
}
