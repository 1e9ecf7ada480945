/* vdno-scheduler's configuration (DESIGN §7): regions, ONOS, selection weights, loaded and
 * checked in full up front, so that a typo fails before any cluster or switch is touched. */
#ifndef VDNO_CONFIG_H
#define VDNO_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include "err.h"

#define SCHED_CONFIG_DEFAULT_PATH "/etc/vdno/config.json"
#define SCHED_CONFIG_ENV "VDNO_CONFIG"
#define SCHED_DEFAULT_APP_ID "org.kreonet.vdno"
#define SCHED_DEFAULT_NAMESPACE "default"
#define SCHED_DEFAULT_TIMEOUT_MS 3000

/* The paper's two VDN-CNI kinds. */
enum region_mode {
	REGION_MODE_DEDICATED,  /* pods get a whole NIC: host-device */
	REGION_MODE_GENERAL,    /* pods share a NIC: macvlan */
};

struct city_weight {
	char *city;
	double weight;          /* [0, 1] */
};

struct region_config {
	char *id;
	char *name;             /* default: the id */
	enum region_mode mode;
	char *kubeconfig;       /* key "config"; relative paths resolved against the config's folder */
	char *namespace;        /* default "default", the namespace every cluster has */
	char mac_address[18];   /* upper case, as ONOS writes host MACs */
	char *city;
	struct city_weight *weights;
	size_t n_weights;
	double data_volume;     /* D_k, >= 0, default 0 */
};

struct device_city {
	char *device;           /* "of:0000000000000001" */
	char *city;
};

struct onos_config {
	bool configured;        /* the "onos" object is present; without it the location term is 0 */
	char *url;              /* ".../onos/v1", no trailing slash */
	char *user;             /* NULL when absent */
	char *password;         /* the content of passwordFile when that is given */
	char *password_file;
	char *app_id;           /* default "org.kreonet.vdno" */
	struct device_city *device_cities;
	size_t n_device_cities;
};

struct selection_config {
	double alpha;           /* S = α·W_L + (1 − α)·W_R */
	double beta;            /* W_L = β·P + (1 − β)·ρ */
	double gamma_cpu, gamma_memory, gamma_storage;  /* W_R, summing to 1 */
};

struct sched_config {
	struct region_config *regions;
	size_t n_regions;
	struct onos_config onos;
	struct selection_config selection;
	long timeout_ms;        /* default 3000 */
};

/* The config file to read: `explicit_path` (-c) when given, else $VDNO_CONFIG when set and
 * not empty, else /etc/vdno/config.json. */
const char *sched_config_path(const char *explicit_path);

/* Reads and checks the file. Every error is code 7 and names the key by its path
 * ("regions[2].weights.Seoul: 1.5 is outside [0, 1]") or the file. */
int sched_config_load(const char *path, struct sched_config *config, struct cni_err *e);
/* The same on text; relative file names are resolved against base_dir (NULL: as given). */
int sched_config_parse(const char *text, size_t len, const char *base_dir,
		       struct sched_config *config, struct cni_err *e);
void sched_config_free(struct sched_config *config);

/* The region with that id, NULL when none. */
const struct region_config *sched_config_region(const struct sched_config *config,
						const char *id);
/* w_k(city): the configured weight; when the city is not listed, 1 for the region's own city
 * and 0 for any other; 0 for an unknown (NULL) city. Cities compare case-insensitively. */
double region_weight(const struct region_config *region, const char *city);
/* onos.deviceCities[device], NULL when not listed. */
const char *onos_device_city(const struct onos_config *onos, const char *device);
const char *region_mode_name(enum region_mode mode);    /* "dedicated" | "general" */
const char *region_mode_plugin(enum region_mode mode);  /* "host-device" | "macvlan" */

#endif
