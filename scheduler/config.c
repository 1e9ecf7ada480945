/* Loading vdno-scheduler's JSON configuration into structs, with errors that name the key by
 * its full path so an operator can find the line at once. */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "config.h"

/* γ must sum to 1; decimal fractions like 0.4 + 0.4 + 0.2 are off by an ulp in binary. */
#define GAMMA_SUM_TOLERANCE 1e-9
#define TIMEOUT_MS_MAX 3600000L

/* "where.key", or "key" at the top level; cut short (never unterminated) when absurdly long. */
static void key_path(char *buf, size_t size, const char *where, const char *key)
{
	int n = snprintf(buf, size, "%s%s%s", where, *where ? "." : "", key);

	if (n < 0)
		buf[0] = '\0';
}

static int config_error(struct cni_err *e, const char *where, const char *key, const char *what)
{
	char path[256];

	key_path(path, sizeof(path), where, key);
	return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: %s", path, what);
}

/* The shortest text that reads back as the same double: "1.5", not "1.5000000000000000". */
static void number_text(double value, char *buf, size_t size)
{
	int precision;

	if (value == floor(value) && fabs(value) < 1e15) {
		snprintf(buf, size, "%.0f", value);
		return;
	}
	for (precision = 1; precision < 17; precision++) {
		snprintf(buf, size, "%.*g", precision, value);
		if (strtod(buf, NULL) == value)
			return;
	}
	snprintf(buf, size, "%.17g", value);
}

static int dup_into(char **dst, const char *src, struct cni_err *e)
{
	*dst = strdup(src);
	if (!*dst)
		return cni_err_set(e, CNI_ERR_INTERNAL, "config: out of memory");
	return 0;
}

/* A typo such as "weigths" would otherwise silently give every city weight 0. */
static int keys_known(const cJSON *obj, const char *where, const char *const *known,
		      struct cni_err *e)
{
	const cJSON *item;
	size_t i;

	cJSON_ArrayForEach(item, obj) {
		bool found = false;

		for (i = 0; known[i] && !found; i++)
			found = strcmp(item->string, known[i]) == 0;
		if (!found)
			return config_error(e, where, item->string, "unknown key");
	}
	return 0;
}

static int object_get(const cJSON *obj, const char *where, const char *key, bool required,
		      const cJSON **out, struct cni_err *e)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = NULL;
	if (!item || cJSON_IsNull(item)) {
		if (required)
			return config_error(e, where, key, "missing");
		return 0;
	}
	if (!cJSON_IsObject(item))
		return config_error(e, where, key, "not an object");
	*out = item;
	return 0;
}

/* A non-empty string; absent leaves *out as it is unless `required`. */
static int string_get(const cJSON *obj, const char *where, const char *key, bool required,
		      const char **out, struct cni_err *e)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!item || cJSON_IsNull(item)) {
		if (required)
			return config_error(e, where, key, "missing");
		return 0;
	}
	if (!cJSON_IsString(item))
		return config_error(e, where, key, "not a string");
	if (!item->valuestring[0])
		return config_error(e, where, key, "empty");
	*out = item->valuestring;
	return 0;
}

static int string_dup_get(const cJSON *obj, const char *where, const char *key, bool required,
			  const char *fallback, char **out, struct cni_err *e)
{
	const char *value = fallback;

	if (string_get(obj, where, key, required, &value, e) < 0)
		return -1;
	return value ? dup_into(out, value, e) : 0;
}

static int number_check(const cJSON *item, const char *where, const char *key, double min,
			double max, double *out, struct cni_err *e)
{
	char value[32], low[32], high[32], path[256];

	if (!cJSON_IsNumber(item))
		return config_error(e, where, key, "not a number");
	if (!isfinite(item->valuedouble) || item->valuedouble < min || item->valuedouble > max) {
		key_path(path, sizeof(path), where, key);
		number_text(item->valuedouble, value, sizeof(value));
		number_text(min, low, sizeof(low));
		number_text(max, high, sizeof(high));
		if (isinf(max))
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: %s is below %s", path,
					   value, low);
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: %s is outside [%s, %s]", path,
				   value, low, high);
	}
	*out = item->valuedouble;
	return 0;
}

/* A number in [min, max]; absent leaves *out as it is. */
static int number_get(const cJSON *obj, const char *where, const char *key, double min,
		      double max, double *out, struct cni_err *e)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!item || cJSON_IsNull(item))
		return 0;
	return number_check(item, where, key, min, max, out, e);
}

/* A file the scheduler will read later must be readable now, not halfway through a create. */
static int file_readable(const char *path, const char *where, const char *key,
			 struct cni_err *e)
{
	char name[256];

	if (access(path, R_OK) == 0)
		return 0;
	key_path(name, sizeof(name), where, key);
	return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: %s: %s", name, path, strerror(errno));
}

static int path_resolve(const char *name, const char *base_dir, char **out, struct cni_err *e)
{
	if (name[0] == '/' || !base_dir || !*base_dir)
		return dup_into(out, name, e);
	if (asprintf(out, "%s/%s", base_dir, name) < 0) {
		*out = NULL;
		return cni_err_set(e, CNI_ERR_INTERNAL, "config: out of memory");
	}
	return 0;
}

static bool id_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.')))
			return false;
	}
	return i > 0;
}

/* aa:bb:cc:dd:ee:ff in either case → upper case, the form of ONOS host ids. */
static bool mac_normalise(const char *s, char out[18])
{
	size_t i;

	if (strlen(s) != 17)
		return false;
	for (i = 0; i < 17; i++) {
		char c = s[i];

		if (i % 3 == 2) {
			if (c != ':')
				return false;
		} else if (c >= '0' && c <= '9') {
		} else if (c >= 'a' && c <= 'f') {
			c = (char)(c - 'a' + 'A');
		} else if (!(c >= 'A' && c <= 'F')) {
			return false;
		}
		out[i] = c;
	}
	out[17] = '\0';
	return true;
}

static int weights_read(const cJSON *weights, const char *where, struct region_config *region,
			struct cni_err *e)
{
	const cJSON *item;
	size_t n = (size_t)cJSON_GetArraySize(weights), i;

	if (!n)
		return 0;
	region->weights = calloc(n, sizeof(*region->weights));
	if (!region->weights)
		return cni_err_set(e, CNI_ERR_INTERNAL, "config: out of memory");
	cJSON_ArrayForEach(item, weights) {
		struct city_weight *w = &region->weights[region->n_weights];

		if (!item->string[0])
			return config_error(e, where, "\"\"", "empty city name");
		for (i = 0; i < region->n_weights; i++) {
			if (strcasecmp(region->weights[i].city, item->string) == 0)
				return config_error(e, where, item->string,
						    "the city is given twice");
		}
		if (number_check(item, where, item->string, 0, 1, &w->weight, e) < 0 ||
		    dup_into(&w->city, item->string, e) < 0)
			return -1;
		region->n_weights++;
	}
	return 0;
}

static int region_read(const cJSON *obj, size_t index, const char *base_dir,
		       struct sched_config *config, struct cni_err *e)
{
	static const char *const known[] = { "id", "name", "mode", "config", "namespace",
					     "macAddress", "city", "weights", "dataVolume", NULL };
	struct region_config *region = &config->regions[index];
	const char *id = NULL, *mode = NULL, *kubeconfig = NULL, *mac = NULL;
	const cJSON *weights;
	char where[48], path[256];
	size_t i;

	snprintf(where, sizeof(where), "regions[%zu]", index);
	if (!cJSON_IsObject(obj))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: not an object", where);
	if (keys_known(obj, where, known, e) < 0)
		return -1;

	if (string_get(obj, where, "id", true, &id, e) < 0)
		return -1;
	key_path(path, sizeof(path), where, "id");
	if (!id_valid(id))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "%s: \"%s\" is not a valid id (letters, digits, '-', '_', '.')",
				   path, id);
	for (i = 0; i < index; i++) {
		if (strcmp(config->regions[i].id, id) == 0)
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
					   "%s: \"%s\" is already the id of regions[%zu]", path, id,
					   i);
	}
	if (dup_into(&region->id, id, e) < 0 ||
	    string_dup_get(obj, where, "name", false, id, &region->name, e) < 0)
		return -1;

	if (string_get(obj, where, "mode", true, &mode, e) < 0)
		return -1;
	if (strcmp(mode, "dedicated") == 0) {
		region->mode = REGION_MODE_DEDICATED;
	} else if (strcmp(mode, "general") == 0) {
		region->mode = REGION_MODE_GENERAL;
	} else {
		key_path(path, sizeof(path), where, "mode");
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "%s: \"%s\" is neither dedicated nor general", path, mode);
	}

	if (string_get(obj, where, "config", true, &kubeconfig, e) < 0 ||
	    path_resolve(kubeconfig, base_dir, &region->kubeconfig, e) < 0 ||
	    file_readable(region->kubeconfig, where, "config", e) < 0)
		return -1;

	/* Absent: "default", not the example's "vdno": every cluster has it, so a create
	 * cannot fail with "namespaces vdno not found" on a cluster nobody prepared. */
	if (string_dup_get(obj, where, "namespace", false, SCHED_DEFAULT_NAMESPACE,
			   &region->namespace, e) < 0)
		return -1;

	if (string_get(obj, where, "macAddress", true, &mac, e) < 0)
		return -1;
	key_path(path, sizeof(path), where, "macAddress");
	if (!mac_normalise(mac, region->mac_address))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "%s: \"%s\" is not a MAC address (aa:bb:cc:dd:ee:ff)", path, mac);
	for (i = 0; i < index; i++) {
		if (strcmp(config->regions[i].mac_address, region->mac_address) == 0)
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
					   "%s: %s is already the MAC of regions[%zu]", path, mac, i);
	}

	if (string_dup_get(obj, where, "city", true, NULL, &region->city, e) < 0)
		return -1;
	if (object_get(obj, where, "weights", false, &weights, e) < 0)
		return -1;
	key_path(path, sizeof(path), where, "weights");
	if (weights && weights_read(weights, path, region, e) < 0)
		return -1;
	return number_get(obj, where, "dataVolume", 0, INFINITY, &region->data_volume, e);
}

static int onos_read(const cJSON *obj, const char *base_dir, struct onos_config *onos,
		     struct cni_err *e)
{
	static const char *const known[] = { "url", "user", "password", "passwordFile", "appId",
					     "deviceCities", NULL };
	const char *url = NULL, *file = NULL;
	const cJSON *cities, *item;
	char *password = NULL;
	FILE *f = NULL;
	size_t n, len, cap = 0;
	int ret = -1;

	onos->configured = true;
	if (keys_known(obj, "onos", known, e) < 0 || string_get(obj, "onos", "url", true, &url, e) < 0)
		goto out;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "onos.url: \"%s\" is not an http:// or "
			    "https:// URL", url);
		goto out;
	}
	if (dup_into(&onos->url, url, e) < 0)
		goto out;
	len = strlen(onos->url);
	while (len > 0 && onos->url[len - 1] == '/')
		onos->url[--len] = '\0';
	if (string_dup_get(obj, "onos", "user", false, NULL, &onos->user, e) < 0 ||
	    string_dup_get(obj, "onos", "password", false, NULL, &onos->password, e) < 0 ||
	    string_dup_get(obj, "onos", "appId", false, SCHED_DEFAULT_APP_ID, &onos->app_id, e) < 0 ||
	    string_get(obj, "onos", "passwordFile", false, &file, e) < 0)
		goto out;

	/* The file wins over an inline password: it is how a secret store hands it over. */
	if (file) {
		if (path_resolve(file, base_dir, &onos->password_file, e) < 0 ||
		    file_readable(onos->password_file, "onos", "passwordFile", e) < 0)
			goto out;
		f = fopen(onos->password_file, "r");
		if (!f) {
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "onos.passwordFile: %s: %s",
				    onos->password_file, strerror(errno));
			goto out;
		}
		if (getline(&password, &cap, f) < 0) {
			if (ferror(f)) {
				cni_err_set(e, CNI_ERR_INVALID_CONFIG, "onos.passwordFile: %s: %s",
					    onos->password_file, strerror(errno));
				goto out;
			}
			free(password);
			password = NULL;
		}
		len = password ? strlen(password) : 0;
		while (len > 0 && (password[len - 1] == '\n' || password[len - 1] == '\r' ||
				   password[len - 1] == ' ' || password[len - 1] == '\t'))
			password[--len] = '\0';
		free(onos->password);
		onos->password = password ? password : strdup("");
		password = NULL;
		if (!onos->password) {
			cni_err_set(e, CNI_ERR_INTERNAL, "config: out of memory");
			goto out;
		}
	}

	if (object_get(obj, "onos", "deviceCities", false, &cities, e) < 0)
		goto out;
	n = (size_t)cJSON_GetArraySize(cities);
	if (n) {
		onos->device_cities = calloc(n, sizeof(*onos->device_cities));
		if (!onos->device_cities) {
			cni_err_set(e, CNI_ERR_INTERNAL, "config: out of memory");
			goto out;
		}
	}
	cJSON_ArrayForEach(item, cities) {
		struct device_city *dc = &onos->device_cities[onos->n_device_cities];
		const char *city = NULL;

		if (string_get(cities, "onos.deviceCities", item->string, true, &city, e) < 0 ||
		    dup_into(&dc->device, item->string, e) < 0)
			goto out;
		onos->n_device_cities++;
		if (dup_into(&dc->city, city, e) < 0)
			goto out;
	}
	ret = 0;
out:
	if (f)
		fclose(f);
	free(password);
	return ret;
}

static int selection_read(const cJSON *obj, struct selection_config *s, struct cni_err *e)
{
	static const char *const known[] = { "alpha", "beta", "gammaCpu", "gammaMemory",
					     "gammaStorage", NULL };
	char terms[3][32], total[32];
	double sum;

	if (obj && (keys_known(obj, "selection", known, e) < 0 ||
		    number_get(obj, "selection", "alpha", 0, 1, &s->alpha, e) < 0 ||
		    number_get(obj, "selection", "beta", 0, 1, &s->beta, e) < 0 ||
		    number_get(obj, "selection", "gammaCpu", 0, 1, &s->gamma_cpu, e) < 0 ||
		    number_get(obj, "selection", "gammaMemory", 0, 1, &s->gamma_memory, e) < 0 ||
		    number_get(obj, "selection", "gammaStorage", 0, 1, &s->gamma_storage, e) < 0))
		return -1;
	sum = s->gamma_cpu + s->gamma_memory + s->gamma_storage;
	if (fabs(sum - 1.0) <= GAMMA_SUM_TOLERANCE)
		return 0;
	number_text(s->gamma_cpu, terms[0], sizeof(terms[0]));
	number_text(s->gamma_memory, terms[1], sizeof(terms[1]));
	number_text(s->gamma_storage, terms[2], sizeof(terms[2]));
	/* The binary sum's last digits are noise to the reader: 1.6, not 1.5999999999999999. */
	snprintf(total, sizeof(total), "%.12g", sum);
	return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
			   "selection: gammaCpu + gammaMemory + gammaStorage = %s + %s + %s = %s, "
			   "not 1", terms[0], terms[1], terms[2], total);
}

/* Line number of a parse error, for an operator editing the file by hand. */
static int line_of(const char *text, const char *at)
{
	int line = 1;

	for (; text < at; text++)
		line += *text == '\n';
	return line;
}

int sched_config_parse(const char *text, size_t len, const char *base_dir,
		       struct sched_config *config, struct cni_err *e)
{
	static const char *const known[] = { "regions", "onos", "selection", "timeoutMs", NULL };
	const cJSON *regions, *region, *onos = NULL, *selection = NULL, *timeout;
	const char *parse_end = NULL;
	cJSON *root = NULL;
	double timeout_ms = SCHED_DEFAULT_TIMEOUT_MS;
	size_t n;
	int ret = -1;

	memset(config, 0, sizeof(*config));
	/* The paper's Table 1 example weighs location and load equally; γ favours cpu and memory. */
	config->selection = (struct selection_config){ .alpha = 0.5, .beta = 0.5, .gamma_cpu = 0.4,
						       .gamma_memory = 0.4, .gamma_storage = 0.2 };
	config->timeout_ms = SCHED_DEFAULT_TIMEOUT_MS;

	root = cJSON_ParseWithLengthOpts(text, len, &parse_end, false);
	if (!root) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "config: not JSON (error near line %d)",
			    line_of(text, parse_end ? parse_end : text + len));
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "config: not a JSON object");
		goto out;
	}
	if (keys_known(root, "", known, e) < 0)
		goto out;

	regions = cJSON_GetObjectItemCaseSensitive(root, "regions");
	if (!regions) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "regions: missing");
		goto out;
	}
	if (!cJSON_IsArray(regions)) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "regions: not an array");
		goto out;
	}
	n = (size_t)cJSON_GetArraySize(regions);
	if (!n) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "regions: empty, no region to choose from");
		goto out;
	}
	config->regions = calloc(n, sizeof(*config->regions));
	if (!config->regions) {
		cni_err_set(e, CNI_ERR_INTERNAL, "config: out of memory");
		goto out;
	}
	cJSON_ArrayForEach(region, regions) {
		config->n_regions++;
		if (region_read(region, config->n_regions - 1, base_dir, config, e) < 0)
			goto out;
	}

	if (object_get(root, "", "onos", false, &onos, e) < 0 ||
	    (onos && onos_read(onos, base_dir, &config->onos, e) < 0))
		goto out;
	if (object_get(root, "", "selection", false, &selection, e) < 0 ||
	    selection_read(selection, &config->selection, e) < 0)
		goto out;
	timeout = cJSON_GetObjectItemCaseSensitive(root, "timeoutMs");
	if (timeout && number_check(timeout, "", "timeoutMs", 1, TIMEOUT_MS_MAX, &timeout_ms, e) < 0)
		goto out;
	if (timeout_ms != floor(timeout_ms)) {
		char value[32];

		number_text(timeout_ms, value, sizeof(value));
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "timeoutMs: %s is not a whole number of "
			    "milliseconds", value);
		goto out;
	}
	config->timeout_ms = (long)timeout_ms;
	ret = 0;
out:
	cJSON_Delete(root);
	if (ret < 0)
		sched_config_free(config);
	return ret;
}

int sched_config_load(const char *path, struct sched_config *config, struct cni_err *e)
{
	char *text = NULL, *dir_copy = NULL;
	size_t len = 0, cap = 0;
	FILE *f = NULL;
	int ret = -1;

	memset(config, 0, sizeof(*config));
	f = fopen(path, "r");
	if (!f) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "config %s: %s", path, strerror(errno));
		goto out;
	}
	/* Read to the end rather than trusting the size: the config may be a pipe or /dev/fd. */
	for (;;) {
		size_t got;

		if (cap - len < 4096) {
			char *bigger = realloc(text, cap + 65536);

			if (!bigger) {
				cni_err_set(e, CNI_ERR_INTERNAL, "config %s: out of memory", path);
				goto out;
			}
			text = bigger;
			cap += 65536;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "config %s: %s", path, strerror(errno));
		goto out;
	}
	dir_copy = strdup(path);
	if (!dir_copy) {
		cni_err_set(e, CNI_ERR_INTERNAL, "config %s: out of memory", path);
		goto out;
	}
	ret = sched_config_parse(text, len, dirname(dir_copy), config, e);
	if (ret < 0)
		cni_err_prefix(e, "%s", path);
out:
	if (f)
		fclose(f);
	free(dir_copy);
	free(text);
	return ret;
}

void sched_config_free(struct sched_config *config)
{
	size_t i, j;

	if (!config)
		return;
	for (i = 0; i < config->n_regions; i++) {
		struct region_config *region = &config->regions[i];

		free(region->id);
		free(region->name);
		free(region->kubeconfig);
		free(region->namespace);
		free(region->city);
		for (j = 0; j < region->n_weights; j++)
			free(region->weights[j].city);
		free(region->weights);
	}
	free(config->regions);
	free(config->onos.url);
	free(config->onos.user);
	free(config->onos.password);
	free(config->onos.password_file);
	free(config->onos.app_id);
	for (i = 0; i < config->onos.n_device_cities; i++) {
		free(config->onos.device_cities[i].device);
		free(config->onos.device_cities[i].city);
	}
	free(config->onos.device_cities);
	memset(config, 0, sizeof(*config));
}

const char *sched_config_path(const char *explicit_path)
{
	const char *env;

	if (explicit_path && *explicit_path)
		return explicit_path;
	env = getenv(SCHED_CONFIG_ENV);
	if (env && *env)
		return env;
	return SCHED_CONFIG_DEFAULT_PATH;
}

const struct region_config *sched_config_region(const struct sched_config *config,
						const char *id)
{
	size_t i;

	for (i = 0; id && i < config->n_regions; i++) {
		if (strcmp(config->regions[i].id, id) == 0)
			return &config->regions[i];
	}
	return NULL;
}

double region_weight(const struct region_config *region, const char *city)
{
	size_t i;

	if (!city || !*city)
		return 0;
	for (i = 0; i < region->n_weights; i++) {
		if (strcasecmp(region->weights[i].city, city) == 0)
			return region->weights[i].weight;
	}
	return region->city && strcasecmp(region->city, city) == 0 ? 1.0 : 0.0;
}

const char *onos_device_city(const struct onos_config *onos, const char *device)
{
	size_t i;

	for (i = 0; device && i < onos->n_device_cities; i++) {
		if (strcmp(onos->device_cities[i].device, device) == 0)
			return onos->device_cities[i].city;
	}
	return NULL;
}

const char *region_mode_name(enum region_mode mode)
{
	return mode == REGION_MODE_DEDICATED ? "dedicated" : "general";
}

const char *region_mode_plugin(enum region_mode mode)
{
	return mode == REGION_MODE_DEDICATED ? "host-device" : "macvlan";
}
