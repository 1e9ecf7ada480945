/* Network configuration from stdin: the keys every plugin shares, and typed getters whose
 * errors name the key, so an operator can fix a conflist without reading our source. */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf.h"
#include "version.h"

bool conf_valid_id(const char *s)
{
	if (!s || !isalnum((unsigned char)s[0]))
		return false;
	for (const char *p = s + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

bool conf_valid_ifname(const char *s, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	if (!s || !*s)
		return *why = "interface name is empty", false;
	if (strlen(s) > 15)
		return *why = "interface name is too long (at most 15 bytes)", false;
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return *why = "interface name cannot be . or ..", false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return *why = "interface name contains '/', ':' or whitespace", false;
	return true;
}

bool conf_parse_mac(const char *s, unsigned char mac[6])
{
	unsigned v[6];
	char tail;

	if (!s || strlen(s) != 17)
		return false;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[i * 3]) || !isxdigit((unsigned char)s[i * 3 + 1]))
			return false;
		mac[i] = (unsigned char)v[i];
	}
	return true;
}

static const char *type_name(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsArray(v))
		return "a list";
	if (cJSON_IsObject(v))
		return "an object";
	return "null";
}

int conf_get_string(const cJSON *obj, const char *key, const char **out, struct cni_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"%s\" must be a string, not %s",
				   key, type_name(v));
	*out = v->valuestring;
	return 0;
}

int conf_get_bool(const cJSON *obj, const char *key, bool *out, struct cni_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"%s\" must be true or false, not %s",
				   key, type_name(v));
	*out = cJSON_IsTrue(v);
	return 0;
}

int conf_get_int(const cJSON *obj, const char *key, long min, long max, long *out,
		 struct cni_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"%s\" must be an integer, not %s",
				   key, cJSON_IsNumber(v) ? "a fraction" : type_name(v));
	if (v->valuedouble < (double)min || v->valuedouble > (double)max)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"%s\": %.0f is outside [%ld, %ld]",
				   key, v->valuedouble, min, max);
	*out = (long)v->valuedouble;
	return 0;
}

int conf_get_double(const cJSON *obj, const char *key, double min, double max, double *out,
		    struct cni_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"%s\" must be a number, not %s",
				   key, type_name(v));
	if (v->valuedouble < min || v->valuedouble > max || isnan(v->valuedouble))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"%s\": %g is outside [%g, %g]", key,
				   v->valuedouble, min, max);
	*out = v->valuedouble;
	return 0;
}

int conf_get_strings(const cJSON *obj, const char *key, const char ***list, int *n,
		     struct cni_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key), *it;
	const char **grown;
	int count, i = 0;

	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v))
		count = 1;
	else if (cJSON_IsArray(v))
		count = cJSON_GetArraySize(v);
	else
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "\"%s\" must be a string or a list of strings, not %s", key,
				   type_name(v));
	if (count == 0)
		return 0;
	grown = realloc(*list, sizeof(**list) * (size_t)(*n + count));
	if (!grown)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	*list = grown;
	if (cJSON_IsString(v)) {
		grown[(*n)++] = v->valuestring;
		return 0;
	}
	cJSON_ArrayForEach(it, v) {
		if (!cJSON_IsString(it) || !*it->valuestring)
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
					   "\"%s\"[%d] must be a non-empty string", key, i);
		grown[(*n)++] = it->valuestring;
		i++;
	}
	return 0;
}

int conf_parse(const char *text, size_t len, struct cni_conf *c, struct cni_err *e)
{
	const cJSON *prev, *args;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	c->root = cJSON_ParseWithLength(text, len);
	if (!c->root || !cJSON_IsObject(c->root)) {
		cni_err_set(e, CNI_ERR_DECODE, "network configuration is not a JSON object");
		goto out;
	}
	c->cni_version = "0.1.0";   /* spec: a config without cniVersion is 0.1.0 */
	if (conf_get_string(c->root, "cniVersion", &c->cni_version, e) ||
	    conf_get_string(c->root, "name", &c->name, e) ||
	    conf_get_string(c->root, "type", &c->type, e) ||
	    conf_get_string(c->root, "logFile", &c->log_file, e) ||
	    conf_get_string(c->root, "logLevel", &c->log_level, e) ||
	    conf_get_string(c->root, "stateDir", &c->state_dir, e))
		goto out;
	if (!version_supported(c->cni_version)) {
		cni_err_set(e, CNI_ERR_INCOMPATIBLE_VERSION, "incompatible CNI versions");
		cni_err_details(e, "config is \"%s\", plugin supports [0.1.0 0.2.0 0.3.0 0.3.1 "
				"0.4.0 1.0.0 1.1.0]", c->cni_version);
		goto out;
	}
	if (c->log_level && strcmp(c->log_level, "error") && strcmp(c->log_level, "warn") &&
	    strcmp(c->log_level, "info") && strcmp(c->log_level, "debug")) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"logLevel\": \"%s\" is not one of error, "
			    "warn, info, debug", c->log_level);
		goto out;
	}
	if (!c->name || !*c->name) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "missing network name");
		goto out;
	}
	if (!conf_valid_id(c->name)) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "invalid network name \"%s\": must match "
			    "^[A-Za-z0-9][A-Za-z0-9_.-]*$", c->name);
		goto out;
	}
	c->ipam = cJSON_GetObjectItemCaseSensitive(c->root, "ipam");
	if (c->ipam && cJSON_IsNull(c->ipam))
		c->ipam = NULL;
	if (c->ipam && !cJSON_IsObject(c->ipam)) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"ipam\" must be an object");
		goto out;
	}
	if (c->ipam && !c->ipam->child)
		c->ipam = NULL;   /* "ipam": {} means no IPAM, as in the reference plugins */
	if (c->ipam) {
		if (conf_get_string(c->ipam, "type", &c->ipam_type, e)) {
			cni_err_prefix(e, "ipam");
			goto out;
		}
		if (!c->ipam_type || !*c->ipam_type) {
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "ipam: missing \"type\"");
			goto out;
		}
	}
	c->runtime_config = cJSON_GetObjectItemCaseSensitive(c->root, "runtimeConfig");
	if (c->runtime_config && !cJSON_IsObject(c->runtime_config)) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"runtimeConfig\" must be an object");
		goto out;
	}
	args = cJSON_GetObjectItemCaseSensitive(c->root, "args");
	if (args && cJSON_IsObject(args)) {
		c->args_cni = cJSON_GetObjectItemCaseSensitive(args, "cni");
		if (c->args_cni && !cJSON_IsObject(c->args_cni))
			c->args_cni = NULL;
	}
	prev = cJSON_GetObjectItemCaseSensitive(c->root, "prevResult");
	if (prev && !cJSON_IsNull(prev)) {
		if (result_parse(prev, c->cni_version, &c->prev_result, e)) {
			cni_err_prefix(e, "prevResult");
			goto out;
		}
	}
	ret = 0;
out:
	if (ret)
		conf_free(c);
	return ret;
}

void conf_free(struct cni_conf *c)
{
	if (!c)
		return;
	result_free(c->prev_result);
	cJSON_Delete(c->root);
	memset(c, 0, sizeof(*c));
}
