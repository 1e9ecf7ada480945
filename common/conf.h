/* The network configuration a plugin reads on stdin, on cJSON, with typed getters whose
 * errors name the key (code 7, invalid config). */
#ifndef VDN_CONF_H
#define VDN_CONF_H
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "err.h"
#include "result.h"

struct cni_conf {
	cJSON *root;
	const char *cni_version;        /* "0.1.0" when the key is absent (spec) */
	const char *name;
	const char *type;
	const cJSON *ipam;              /* NULL when absent or {} */
	const char *ipam_type;          /* NULL when no IPAM */
	const cJSON *runtime_config;    /* NULL when absent */
	const cJSON *args_cni;          /* args.cni, NULL when absent */
	struct cni_result *prev_result; /* NULL when absent */
	const char *log_file;           /* NULL when absent */
	const char *log_level;          /* NULL when absent */
	const char *state_dir;          /* NULL when absent */
};

/* Parses and validates the common keys (cniVersion supported, name, type, ipam.type,
 * prevResult). Error 6 for bad JSON, 1 for an unknown version, 7 for bad keys. */
int conf_parse(const char *text, size_t len, struct cni_conf *c, struct cni_err *e);
void conf_free(struct cni_conf *c);

/* Getters: 0 = ok (absent leaves *out untouched), -1 = wrong type, error 7 naming `key`. */
int conf_get_string(const cJSON *obj, const char *key, const char **out, struct cni_err *e);
int conf_get_bool(const cJSON *obj, const char *key, bool *out, struct cni_err *e);
int conf_get_int(const cJSON *obj, const char *key, long min, long max, long *out,
		 struct cni_err *e);
int conf_get_double(const cJSON *obj, const char *key, double min, double max, double *out,
		    struct cni_err *e);
/* A string or a list of strings under `key`, appended to *list (realloc'd; pointers into obj). */
int conf_get_strings(const cJSON *obj, const char *key, const char ***list, int *n,
		     struct cni_err *e);

/* True when `s` matches ^[A-Za-z0-9][A-Za-z0-9_.-]*$ (container ids, network names). */
bool conf_valid_id(const char *s);
/* Interface name rules of the kernel and the spec: 1-15 bytes, not . or .., no / : or space. */
bool conf_valid_ifname(const char *s, const char **why);
/* aa:bb:cc:dd:ee:ff (either case) → 6 bytes; false when malformed. */
bool conf_parse_mac(const char *s, unsigned char mac[6]);

#endif
