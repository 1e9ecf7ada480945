/* Entries: a container made by `create` (a pod in one region) plus its VDN (ONOS intents).
 * No local database: an entry is read back from its pod's labels and annotations and from
 * the intents whose key names it. */
#ifndef VDNO_ENTRY_H
#define VDNO_ENTRY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "collect.h"
#include "err.h"

#define LABEL_ENTRY          "vdno.kreonet.net/entry"
#define LABEL_VDN            "vdno.kreonet.net/vdn"
#define ANNOTATION_VDN_ID    "vdno.kreonet.net/vdn-id"
#define ANNOTATION_MAC       "vdno.kreonet.net/mac"
#define ANNOTATION_REQUEST   "vdno.kreonet.net/request"
#define ANNOTATION_PLUGINS   "cni-plugins"
#define INTENT_KEY_PREFIX    "VDN:"

/* A DNS-1123 label (the pod name, and part of every intent key): 1-63 of [a-z0-9-], starting
 * and ending alphanumeric. */
bool entry_name_valid(const char *name);
/* A label value (the VDN): 1-63 of [A-Za-z0-9._-], starting and ending alphanumeric. */
bool entry_vdn_valid(const char *vdn);

/* The container's MAC, derived from the name alone so that the intents can name the
 * container before it exists and every operator host derives the same one: FNV-1a 64 of
 * the name mixed by splitmix64's finaliser, its first 6 bytes, the first with the locally
 * administered bit set and the multicast bit clear; lower case. */
void entry_mac_from_name(const char *name, char out[18]);

/* The NAME of an intent key "VDN:NAME:<12 hex>" into buf; false when the key is not one. */
bool entry_name_of_key(const char *key, char *buf, size_t size);

struct entry {
	char *name;
	const char *region;             /* NULL for intents with no pod (left over) */
	const char *namespace, *phase, *ip, *node, *vdn, *mac, *image;
	const char *cpu, *memory, *storage;   /* as requested (annotation, else the container) */
	const char *bandwidth;          /* as requested, NULL when none */
	double bandwidth_bps;           /* from the intents' BandwidthConstraint; < 0 none */
	const char **hosts;             /* the intents' user ends, else the requested hosts */
	size_t n_hosts;
	const struct onos_intent **intents;
	size_t n_intents;
	cJSON *request;                 /* the parsed request annotation, owned */
};

/* The entries in live (pods labelled LABEL_ENTRY and the appId's VDN: intents), sorted by
 * name; only NAME's when name is non-NULL. Strings point into live. */
int entries_collect(const struct live *live, const char *name, struct entry **entries,
		    size_t *n, struct cni_err *e);
void entries_free(struct entry *entries, size_t n);

#endif
