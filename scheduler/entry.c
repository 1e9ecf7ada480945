/* create, list, show and delete (DESIGN §7): entries live only in Kubernetes (the pod, its
 * labels and annotations) and ONOS (intents keyed VDN:NAME:<host>), so every operator host
 * with the config sees and changes the same state. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cmd.h"
#include "entry.h"
#include "kube.h"
#include "quantity.h"

/* ---- names, MACs, keys ------------------------------------------------------------ */

bool entry_name_valid(const char *name)
{
	size_t i, len = name ? strlen(name) : 0;

	if (len < 1 || len > 63)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (c != '-' || i == 0 || i == len - 1))
			return false;
	}
	return true;
}

bool entry_vdn_valid(const char *vdn)
{
	size_t i, len = vdn ? strlen(vdn) : 0;

	if (len < 1 || len > 63)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)vdn[i];
		bool edge = i == 0 || i == len - 1;

		if (!isalnum(c) && (edge || (c != '-' && c != '_' && c != '.')))
			return false;
	}
	return true;
}

void entry_mac_from_name(const char *name, char out[18])
{
	uint64_t hash = 0xcbf29ce484222325ULL;
	unsigned char b[6];
	size_t i;

	for (i = 0; name[i]; i++) {
		hash ^= (unsigned char)name[i];
		hash *= 0x100000001b3ULL;
	}
	/* splitmix64's finaliser: FNV-1a alone changes only a byte or two of its top bits when
	 * names differ in their last character (web1, web2), which is all a MAC keeps */
	hash ^= hash >> 30;
	hash *= 0xbf58476d1ce4e5b9ULL;
	hash ^= hash >> 27;
	hash *= 0x94d049bb133111ebULL;
	hash ^= hash >> 31;
	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(hash >> (56 - 8 * i));
	/* locally administered (bit 1) so it never collides with a vendor's MAC; unicast
	 * (bit 0 clear) or no switch would learn it */
	b[0] = (unsigned char)((b[0] & 0xfc) | 0x02);
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

bool entry_name_of_key(const char *key, char *buf, size_t size)
{
	size_t prefix = strlen(INTENT_KEY_PREFIX), len, i;
	const char *name, *colon;

	if (!key || strncmp(key, INTENT_KEY_PREFIX, prefix) != 0)
		return false;
	name = key + prefix;
	colon = strrchr(name, ':');
	if (!colon || strlen(colon + 1) != 12)
		return false;
	for (i = 1; i <= 12; i++) {
		if (!isxdigit((unsigned char)colon[i]))
			return false;
	}
	len = (size_t)(colon - name);
	if (len == 0 || len >= size)
		return false;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return true;
}

/* ---- reading entries back ------------------------------------------------------------ */

static const char *json_string(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static void entry_clear(struct entry *entry)
{
	free(entry->name);
	free(entry->hosts);
	free(entry->intents);
	cJSON_Delete(entry->request);
	memset(entry, 0, sizeof(*entry));
}

void entries_free(struct entry *entries, size_t n)
{
	size_t i;

	for (i = 0; entries && i < n; i++)
		entry_clear(&entries[i]);
	free(entries);
}

static int entry_from_pod(struct entry *entry, const char *name, const char *region,
			  const cJSON *pod)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(pod, "status");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
	const cJSON *container = cJSON_GetArrayItem(
		cJSON_GetObjectItemCaseSensitive(spec, "containers"), 0);
	const cJSON *requests = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(container, "resources"), "requests");
	const char *request = pod_annotation(pod, ANNOTATION_REQUEST);

	entry->name = strdup(name);
	if (!entry->name)
		return -1;
	entry->region = region;
	entry->namespace = pod_namespace(pod);
	/* the API server keeps phase Running while a deleted pod terminates */
	entry->phase = cJSON_GetObjectItemCaseSensitive(meta, "deletionTimestamp")
			       ? "Terminating" : json_string(status, "phase");
	entry->ip = json_string(status, "podIP");
	entry->node = json_string(spec, "nodeName");
	entry->vdn = pod_label(pod, LABEL_VDN);
	entry->mac = pod_annotation(pod, ANNOTATION_MAC);
	entry->image = json_string(container, "image");
	entry->bandwidth_bps = -1;
	/* a hand-edited annotation that is not JSON just leaves the container's requests */
	entry->request = request ? cJSON_Parse(request) : NULL;
	entry->cpu = json_string(entry->request, "cpu");
	entry->memory = json_string(entry->request, "memory");
	entry->storage = json_string(entry->request, "storage");
	entry->bandwidth = json_string(entry->request, "bandwidth");
	if (!entry->cpu)
		entry->cpu = json_string(requests, "cpu");
	if (!entry->memory)
		entry->memory = json_string(requests, "memory");
	if (!entry->storage)
		entry->storage = json_string(requests, "ephemeral-storage");
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (!x->region || !y->region)
		return !x->region - !y->region;
	return strcmp(x->region, y->region);
}

/* Intents and hosts of each entry, from the intents whose key names it. */
static int entries_attach(const struct live *live, struct entry *entries, size_t *n,
			  const char *only)
{
	char name[128];
	size_t i, j;

	for (i = 0; i < live->n_intents; i++) {
		const struct onos_intent *it = &live->intents[i];
		struct entry *entry = NULL;

		if (!entry_name_of_key(it->key, name, sizeof(name)) || (only && strcmp(only, name)))
			continue;
		for (j = 0; j < *n && !entry; j++) {
			if (strcmp(entries[j].name, name) == 0)
				entry = &entries[j];
		}
		if (!entry) {
			/* intents without a pod: a failed delete or create; show them so the
			 * operator can delete them */
			entry = &entries[(*n)++];
			entry->name = strdup(name);
			if (!entry->name)
				return -1;
			entry->bandwidth_bps = -1;
		}
		if (!entry->intents)
			entry->intents = calloc(live->n_intents, sizeof(*entry->intents));
		if (!entry->intents)
			return -1;
		entry->intents[entry->n_intents++] = it;
		if (entry->bandwidth_bps < 0 && it->bandwidth_bps >= 0)
			entry->bandwidth_bps = it->bandwidth_bps;
	}
	for (j = 0; j < *n; j++) {
		struct entry *entry = &entries[j];
		const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(entry->request, "hosts"), *h;
		size_t cap = entry->n_intents + (size_t)cJSON_GetArraySize(hosts) + 1;

		entry->hosts = calloc(cap, sizeof(*entry->hosts));
		if (!entry->hosts)
			return -1;
		for (i = 0; i < entry->n_intents; i++) {
			if (entry->intents[i]->one)
				entry->hosts[entry->n_hosts++] = entry->intents[i]->one;
		}
		if (entry->n_hosts)
			continue;
		cJSON_ArrayForEach(h, (cJSON_IsArray(hosts) ? hosts : NULL)) {
			if (cJSON_IsString(h))
				entry->hosts[entry->n_hosts++] = h->valuestring;
		}
	}
	return 0;
}

int entries_collect(const struct live *live, const char *name, struct entry **entries,
		    size_t *n, struct cni_err *e)
{
	struct entry *out = NULL;
	size_t count = 0, cap = live->n_intents + 1, k;
	const cJSON *pod;

	*entries = NULL;
	*n = 0;
	for (k = 0; k < live->n_regions; k++)
		cap += (size_t)cJSON_GetArraySize(
			cJSON_GetObjectItemCaseSensitive(live->regions[k].pods, "items"));
	out = calloc(cap, sizeof(*out));
	if (!out)
		goto oom;
	for (k = 0; k < live->n_regions; k++) {
		const struct region_live *r = &live->regions[k];

		cJSON_ArrayForEach(pod, cJSON_GetObjectItemCaseSensitive(r->pods, "items")) {
			const char *entry_name = pod_label(pod, LABEL_ENTRY);

			if (!entry_name || (name && strcmp(entry_name, name) != 0))
				continue;
			if (entry_from_pod(&out[count++], entry_name, r->config->id, pod) < 0)
				goto oom;
		}
	}
	if (entries_attach(live, out, &count, name) < 0)
		goto oom;
	qsort(out, count, sizeof(*out), entry_cmp);
	*entries = out;
	*n = count;
	return 0;
oom:
	entries_free(out, count);
	return cni_err_set(e, CNI_ERR_INTERNAL, "entries: out of memory");
}

/* ---- shared ---------------------------------------------------------------------------- */

/* Unreachable regions, "dj (why), bs (why)", for messages that cannot be sure. */
static void unreachable_list(const struct live *live, char *buf, size_t size)
{
	size_t k, used = 0;

	buf[0] = '\0';
	for (k = 0; k < live->n_regions && used + 1 < size; k++) {
		const struct region_live *r = &live->regions[k];
		int n;

		if (r->reachable)
			continue;
		n = snprintf(buf + used, size - used, "%s%s (%s)", used ? "; " : "",
			     r->config->id, r->reason);
		if (n < 0)
			break;
		used += (size_t)n < size - used ? (size_t)n : size - used - 1;
	}
}

static int strv_add(char ***v, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int strv_add(char ***v, size_t *n, const char *fmt, ...)
{
	char *s = NULL, **grown;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -1;
	grown = realloc(*v, (*n + 1) * sizeof(*grown));
	if (!grown) {
		free(s);
		return -1;
	}
	*v = grown;
	(*v)[(*n)++] = s;
	return 0;
}

static void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* Appends "; <what>" to a failure summary. */
static void failure_add(char *buf, size_t size, const char *what, const char *why)
{
	size_t used = strlen(buf);

	/* cut short when long: the first failures are the ones to read */
	if (used + 1 < size && snprintf(buf + used, size - used, "%s%s: %s", used ? "; " : "",
					 what, why) < 0)
		buf[used] = '\0';
}

/* ---- list / show ---------------------------------------------------------------------- */

static int read_entries(const struct cmd_ctx *ctx, const char *selector, struct live *live,
			struct cni_err *e)
{
	struct collect_opts opts = { .pod_selector = selector, .intents = true };

	return collect_live(ctx->config, &opts, live, e);
}

int cmd_list(const struct cmd_ctx *ctx, struct cni_err *e)
{
	struct live live;
	struct entry *entries = NULL;
	size_t n = 0;
	int ret = SCHED_EXIT_ERROR;

	if (read_entries(ctx, LABEL_ENTRY, &live, e) < 0)
		goto out;
	if (entries_collect(&live, NULL, &entries, &n, e) < 0)
		goto out;
	output_warnings(ctx->err, &live);
	if (output_entries(ctx->out, ctx->format, &live, entries, n) < 0) {
		cni_err_set(e, CNI_ERR_IO, "cannot write the output");
		goto out;
	}
	ret = SCHED_EXIT_OK;
out:
	entries_free(entries, n);
	live_free(&live);
	return ret;
}

int cmd_show(const struct cmd_ctx *ctx, const char *name, struct cni_err *e)
{
	struct live live;
	struct entry *entries = NULL;
	char selector[160], unreachable[400];
	size_t n = 0;
	int ret = SCHED_EXIT_ERROR;

	snprintf(selector, sizeof(selector), "%s=%s", LABEL_ENTRY, name);
	if (read_entries(ctx, selector, &live, e) < 0)
		goto out;
	if (entries_collect(&live, name, &entries, &n, e) < 0)
		goto out;
	if (n > 1)
		live_warn(&live, "%s: %zu pods carry this entry's label", name, n);
	output_warnings(ctx->err, &live);
	if (n == 0) {
		unreachable_list(&live, unreachable, sizeof(unreachable));
		/* "not found" is a promise only when every region answered */
		if (unreachable[0]) {
			cni_err_set(e, CNI_ERR_TRY_AGAIN, "%s: not found in the regions that "
				    "answered; unreachable: %s", name, unreachable);
			goto out;
		}
		cni_err_set(e, CNI_ERR_UNKNOWN_CONTAINER, "%s: no such entry", name);
		ret = SCHED_EXIT_NOT_FOUND;
		goto out;
	}
	if (output_entry(ctx->out, ctx->format, &live, &entries[0]) < 0) {
		cni_err_set(e, CNI_ERR_IO, "cannot write the output");
		goto out;
	}
	ret = SCHED_EXIT_OK;
out:
	entries_free(entries, n);
	live_free(&live);
	return ret;
}

/* ---- create ------------------------------------------------------------------------------ */

static int add_string(cJSON *obj, const char *key, const char *value)
{
	return cJSON_AddStringToObject(obj, key, value) ? 0 : -1;
}

static cJSON *resources_new(const struct sched_request *request)
{
	static const char *const name[RES_COUNT] = { "cpu", "memory", "ephemeral-storage" };
	cJSON *resources = cJSON_CreateObject(), *requests, *limits;
	char amount[32];
	int r;

	requests = cJSON_AddObjectToObject(resources, "requests");
	limits = cJSON_AddObjectToObject(resources, "limits");
	if (!requests || !limits)
		goto fail;
	for (r = 0; r < RES_COUNT; r++) {
		if (!request->demand_given[r])
			continue;
		if (r == RES_CPU)
			quantity_format_milli(request->demand[r], amount, sizeof(amount));
		else
			quantity_format(request->demand[r], amount, sizeof(amount));
		/* requests = limits: the region was chosen for exactly this much, and a
		 * Guaranteed pod is not the first evicted */
		if (add_string(requests, name[r], amount) < 0 || add_string(limits, name[r], amount) < 0)
			goto fail;
	}
	return resources;
fail:
	cJSON_Delete(resources);
	return NULL;
}

static cJSON *pod_body_new(const struct create_args *args, const struct region_config *region,
			   const char *vdn, const char *mac)
{
	cJSON *pod = cJSON_CreateObject(), *meta, *labels, *annotations, *spec, *containers;
	cJSON *container = NULL, *request = NULL, *resources;
	char plugins[64], *request_text = NULL;

	if (!pod || add_string(pod, "apiVersion", "v1") < 0 || add_string(pod, "kind", "Pod") < 0)
		goto fail;
	meta = cJSON_AddObjectToObject(pod, "metadata");
	if (!meta || add_string(meta, "name", args->name) < 0 ||
	    add_string(meta, "namespace", region->namespace) < 0)
		goto fail;
	labels = cJSON_AddObjectToObject(meta, "labels");
	if (!labels || add_string(labels, LABEL_ENTRY, args->name) < 0 ||
	    add_string(labels, LABEL_VDN, vdn) < 0)
		goto fail;
	request = request_json_new(args->request, args->bandwidth);
	request_text = request ? cJSON_PrintUnformatted(request) : NULL;
	snprintf(plugins, sizeof(plugins), "[\"%s\"]", region_mode_plugin(region->mode));
	annotations = cJSON_AddObjectToObject(meta, "annotations");
	if (!annotations || !request_text || add_string(annotations, ANNOTATION_PLUGINS, plugins) < 0 ||
	    add_string(annotations, ANNOTATION_VDN_ID, vdn) < 0 ||
	    add_string(annotations, ANNOTATION_MAC, mac) < 0 ||
	    add_string(annotations, ANNOTATION_REQUEST, request_text) < 0)
		goto fail;
	spec = cJSON_AddObjectToObject(pod, "spec");
	containers = spec ? cJSON_AddArrayToObject(spec, "containers") : NULL;
	container = cJSON_CreateObject();
	if (!containers || !container || !cJSON_AddItemToArray(containers, container)) {
		cJSON_Delete(container);
		goto fail;
	}
	if (add_string(container, "name", args->name) < 0 ||
	    add_string(container, "image", args->image) < 0)
		goto fail;
	resources = resources_new(args->request);
	if (!resources || !cJSON_AddItemToObject(container, "resources", resources)) {
		cJSON_Delete(resources);
		goto fail;
	}
	cJSON_Delete(request);
	free(request_text);
	return pod;
fail:
	cJSON_Delete(request);
	free(request_text);
	cJSON_Delete(pod);
	return NULL;
}

/* "no feasible region: dj: …; bs: …" */
static void infeasible_message(const struct live *live, const struct region_score *scores,
			       struct cni_err *e)
{
	char reasons[440];
	size_t k, used = 0;

	reasons[0] = '\0';
	for (k = 0; k < live->n_regions && used + 1 < sizeof(reasons); k++) {
		int n = snprintf(reasons + used, sizeof(reasons) - used, "%s%s: %s",
				 used ? "; " : "", live->regions[k].config->id, scores[k].reason);

		if (n < 0)
			break;
		used += (size_t)n < sizeof(reasons) - used ? (size_t)n : sizeof(reasons) - used - 1;
	}
	cni_err_set(e, CNI_ERR_LIMITED, "no feasible region%s%s", live->n_regions ? ": " : "",
		    reasons);
}

/* Each user host as ONOS names it ("MAC/VLAN"), and its MAC for the intent key. */
static int hosts_resolve(const struct live *live, const struct sched_request *request,
			 const char **ids, const char **macs, char (*fallback)[32],
			 struct cni_err *e)
{
	size_t l;

	for (l = 0; l < request->n_hosts; l++) {
		const struct host_spec *spec = &request->hosts[l];
		const struct onos_host *h = spec->is_mac
			? onos_host_by_mac(live->hosts, live->n_hosts, spec->address)
			: onos_host_by_ip(live->hosts, live->n_hosts, spec->address);

		if (h) {
			ids[l] = h->id;
			macs[l] = h->mac;
		} else if (spec->is_mac) {
			/* ONOS compiles the intent once the host shows up */
			snprintf(fallback[l], sizeof(fallback[l]), "%s/None", spec->address);
			ids[l] = fallback[l];
			macs[l] = spec->address;
		} else {
			return cni_err_set(e, CNI_ERR_REMOTE, "--host %s: ONOS knows no host with "
					   "IP %s, so no intent can name it; give its MAC",
					   spec->given, spec->address);
		}
	}
	return 0;
}

/* Undoes what create made, newest first; says in e's details what happened. */
static void create_rollback(const struct cmd_ctx *ctx, const struct region_live *region,
			    const struct create_args *args, char **keys, size_t n_keys,
			    bool pod_made, struct cni_err *e)
{
	const struct sched_config *config = ctx->config;
	struct cni_err re = { 0 };
	char left[700], what[200];
	size_t i, undone = 0;

	left[0] = '\0';
	for (i = n_keys; i-- > 0;) {
		if (onos_intent_delete(&config->onos, keys[i], config->timeout_ms, &re) == 0) {
			undone++;
			continue;
		}
		snprintf(what, sizeof(what), "intent %s", keys[i]);
		failure_add(left, sizeof(left), what, re.msg);
	}
	if (pod_made) {
		int rc = kube_pod_delete(region->kc, region->config->namespace, args->name, 0,
					 config->timeout_ms, &re);

		if (rc != 0 && rc != KUBE_NOT_FOUND) {
			snprintf(what, sizeof(what), "pod %s/%s", region->config->namespace,
				 args->name);
			failure_add(left, sizeof(left), what, re.msg);
		}
	}
	if (left[0])
		cni_err_details(e, "rollback incomplete, left behind: %s", left);
	else
		cni_err_details(e, "rolled back: %zu intent%s%s deleted", undone,
				undone == 1 ? "" : "s", pod_made ? " and the pod" : "");
}

/* The region create uses: the pinned one if it fits, else k*. Returns an exit code. */
static int create_choose(const struct create_args *args, struct live *live, int *chosen,
			 struct cni_err *e)
{
	struct score_input in;
	struct region_score *scores = calloc(live->n_regions + 1, sizeof(*scores));
	int ret = SCHED_EXIT_ERROR;
	size_t k;

	if (!scores) {
		cni_err_set(e, CNI_ERR_INTERNAL, "create: out of memory");
		return ret;
	}
	live_score_input(live, args->request, &in);
	if (score_regions(&in, scores, chosen, e) < 0)
		goto out;
	if (args->region) {
		for (k = 0; k < live->n_regions; k++) {
			if (strcmp(live->regions[k].config->id, args->region) == 0)
				break;
		}
		if (k == live->n_regions) {
			cni_err_set(e, CNI_ERR_INVALID_ENV, "--region %s: no such region",
				    args->region);
			ret = SCHED_EXIT_USAGE;
			goto out;
		}
		/* a region that did not answer is an error to retry, not a region too small */
		if (!live->score_regions[k].reachable) {
			cni_err_set(e, CNI_ERR_TRY_AGAIN, "region %s: %s", args->region,
				    scores[k].reason);
			goto out;
		}
		if (!scores[k].feasible) {
			cni_err_set(e, CNI_ERR_LIMITED, "region %s cannot take %s: %s", args->region,
				    args->name, scores[k].reason);
			ret = SCHED_EXIT_INFEASIBLE;
			goto out;
		}
		*chosen = (int)k;
	} else if (*chosen < 0) {
		infeasible_message(live, scores, e);
		ret = SCHED_EXIT_INFEASIBLE;
		goto out;
	}
	ret = SCHED_EXIT_OK;
out:
	free(scores);
	return ret;
}

/* Refuses a name already in use: a second pod in another region, or intents under its
 * keys, would be taken over by this create. */
static int create_name_free(const struct live *live, const char *name, struct cni_err *e)
{
	char prefix[96];
	size_t k, i;
	const cJSON *pod;

	for (k = 0; k < live->n_regions; k++) {
		cJSON_ArrayForEach(pod, cJSON_GetObjectItemCaseSensitive(live->regions[k].pods,
									 "items")) {
			const char *label = pod_label(pod, LABEL_ENTRY);

			if (label && strcmp(label, name) == 0)
				return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s already exists "
						   "(pod %s/%s in region %s)", name,
						   pod_namespace(pod), pod_name(pod),
						   live->regions[k].config->id);
		}
	}
	snprintf(prefix, sizeof(prefix), "%s%s:", INTENT_KEY_PREFIX, name);
	for (i = 0; i < live->n_intents; i++) {
		if (strncmp(live->intents[i].key, prefix, strlen(prefix)) == 0)
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: ONOS already holds intent "
					   "%s; `delete %s` removes it", name,
					   live->intents[i].key, name);
	}
	return 0;
}

int cmd_create(const struct cmd_ctx *ctx, const struct create_args *args, struct cni_err *e)
{
	const struct sched_config *config = ctx->config;
	const struct sched_request *request = args->request;
	const char *vdn = args->vdn ? args->vdn : args->name;
	struct collect_opts opts = { .usage = true, .topology = true,
				     .intents = request->n_hosts > 0, .request = request };
	struct created created = { 0 };
	struct live live;
	struct region_live *region = NULL;
	const char **ids = NULL, **macs = NULL;
	char (*fallback)[32] = NULL;
	cJSON *pod = NULL;
	bool pod_made = false;
	int chosen = -1, ret = SCHED_EXIT_ERROR;
	size_t l;

	if (collect_live(config, &opts, &live, e) < 0)
		goto out;
	output_warnings(ctx->err, &live);
	if (create_name_free(&live, args->name, e) < 0)
		goto out;
	ret = create_choose(args, &live, &chosen, e);
	if (ret != SCHED_EXIT_OK)
		goto out;
	ret = SCHED_EXIT_ERROR;
	region = &live.regions[chosen];
	ids = calloc(request->n_hosts + 1, sizeof(*ids));
	macs = calloc(request->n_hosts + 1, sizeof(*macs));
	fallback = calloc(request->n_hosts + 1, sizeof(*fallback));
	created.intent_keys = calloc(request->n_hosts + 1, sizeof(*created.intent_keys));
	if (!ids || !macs || !fallback || !created.intent_keys) {
		cni_err_set(e, CNI_ERR_INTERNAL, "create: out of memory");
		goto out;
	}
	/* everything ONOS must know is checked before anything is made */
	if (request->n_hosts && !live.onos_ok) {
		cni_err_set(e, CNI_ERR_TRY_AGAIN, "cannot build the VDN of %s: %s", args->name,
			    live.onos_reason);
		goto out;
	}
	if (hosts_resolve(&live, request, ids, macs, fallback, e) < 0)
		goto out;

	created.name = args->name;
	created.region = region->config->id;
	created.namespace = region->config->namespace;
	created.vdn = vdn;
	created.plugin = region_mode_plugin(region->config->mode);
	created.image = args->image;
	created.bandwidth = args->bandwidth;
	created.bandwidth_bps = args->bandwidth_bps;
	entry_mac_from_name(args->name, created.mac);
	pod = pod_body_new(args, region->config, vdn, created.mac);
	if (!pod) {
		cni_err_set(e, CNI_ERR_INTERNAL, "create: out of memory");
		goto out;
	}
	if (kube_pod_create(region->kc, region->config->namespace, pod, config->timeout_ms, NULL,
			    e) != 0) {
		cni_err_prefix(e, "region %s", region->config->id);
		goto out;
	}
	pod_made = true;
	/* registration is idempotent and shared by every entry: a rollback leaves it */
	if (request->n_hosts && onos_app_register(&config->onos, config->timeout_ms, e) < 0)
		goto rollback;
	for (l = 0; l < request->n_hosts; l++) {
		char key[128], upper_mac[18];
		cJSON *intent;
		bool maybe_made = false;
		size_t i;

		if (onos_intent_key(key, sizeof(key), args->name, macs[l]) < 0) {
			cni_err_set(e, CNI_ERR_INTERNAL, "create: no intent key for host %s", macs[l]);
			goto rollback;
		}
		for (i = 0; i < 18; i++)
			upper_mac[i] = (char)toupper((unsigned char)created.mac[i]);
		intent = onos_intent_body_new(config->onos.app_id, key, ids[l], upper_mac,
					      args->bandwidth_bps);
		if (!intent) {
			cni_err_set(e, CNI_ERR_INTERNAL, "create: out of memory");
			goto rollback;
		}
		created.intent_keys[created.n_intents] = strdup(key);
		if (!created.intent_keys[created.n_intents]) {
			cJSON_Delete(intent);
			cni_err_set(e, CNI_ERR_INTERNAL, "create: out of memory");
			goto rollback;
		}
		if (onos_intent_post(&config->onos, intent, config->timeout_ms, &maybe_made, e) < 0) {
			cJSON_Delete(intent);
			/* a POST that left but got no answer may have been carried out */
			if (maybe_made)
				created.n_intents++;
			goto rollback;
		}
		cJSON_Delete(intent);
		created.n_intents++;
	}
	if (output_created(ctx->out, ctx->format, &live, &created) < 0)
		fprintf(ctx->err, "vdno-scheduler: warning: %s was created, but the output could "
			"not be written\n", args->name);
	ret = SCHED_EXIT_OK;
	goto out;
rollback:
	create_rollback(ctx, region, args, created.intent_keys, created.n_intents, pod_made, e);
out:
	cJSON_Delete(pod);
	strv_free(created.intent_keys, created.n_intents);
	free(ids);
	free(macs);
	free(fallback);
	live_free(&live);
	return ret;
}

/* ---- delete --------------------------------------------------------------------------- */

/* True when a pod other than NAME's, in any region, carries the VDN. */
static bool vdn_in_use(const struct live *live, const char *name, const char *vdn)
{
	size_t k;
	const cJSON *pod;

	for (k = 0; k < live->n_regions; k++) {
		cJSON_ArrayForEach(pod, cJSON_GetObjectItemCaseSensitive(live->regions[k].pods,
									 "items")) {
			const char *entry = pod_label(pod, LABEL_ENTRY);
			const char *label = pod_label(pod, LABEL_VDN);

			if (label && strcmp(label, vdn) == 0 && (!entry || strcmp(entry, name) != 0))
				return true;
		}
	}
	return false;
}

/* True when some region still has a pod for entry `name`. */
static bool entry_has_pod(const struct live *live, const char *name)
{
	size_t k;
	const cJSON *pod;

	for (k = 0; k < live->n_regions; k++) {
		cJSON_ArrayForEach(pod, cJSON_GetObjectItemCaseSensitive(live->regions[k].pods,
									 "items")) {
			const char *entry = pod_label(pod, LABEL_ENTRY);

			if (entry && strcmp(entry, name) == 0)
				return true;
		}
	}
	return false;
}

/* The VDN's last pod is gone: its intents go too. Intent keys name entries, not VDNs, so
 * what goes is every VDN: intent whose entry has no pod left anywhere. Both "last" and "no pod
 * left" can only be told when every region answered; otherwise the sweep waits for a later
 * delete, with a warning. -1 only for a local failure. */
static int delete_vdn_leftovers(const struct cmd_ctx *ctx, struct live *live, const char *name,
				const char *vdn, struct deleted *deleted, char *failures,
				size_t size, struct cni_err *e)
{
	const struct sched_config *config = ctx->config;
	struct collect_opts opts = { 0 };
	struct live carriers;
	struct cni_err de = { 0 };
	char selector[160], unreachable[400], prefix[96], other[128];
	size_t i;
	int ret = -1;

	unreachable_list(live, unreachable, sizeof(unreachable));
	if (unreachable[0]) {
		live_warn(live, "VDN %s: not checked for leftover intents; unreachable: %s", vdn,
			  unreachable);
		return 0;
	}
	/* any pod may carry the VDN, not only those create made */
	snprintf(selector, sizeof(selector), "%s=%s", LABEL_VDN, vdn);
	opts.pod_selector = selector;
	if (collect_live(config, &opts, &carriers, e) < 0)
		goto out;
	unreachable_list(&carriers, unreachable, sizeof(unreachable));
	if (unreachable[0]) {
		live_warn(live, "VDN %s: not checked for leftover intents; unreachable: %s", vdn,
			  unreachable);
		ret = 0;
		goto out;
	}
	if (vdn_in_use(&carriers, name, vdn)) {
		ret = 0;
		goto out;
	}
	snprintf(prefix, sizeof(prefix), "%s%s:", INTENT_KEY_PREFIX, name);
	for (i = 0; i < live->n_intents; i++) {
		const char *key = live->intents[i].key;

		if (strncmp(key, prefix, strlen(prefix)) == 0 ||
		    !entry_name_of_key(key, other, sizeof(other)) || entry_has_pod(live, other))
			continue;
		if (onos_intent_delete(&config->onos, key, config->timeout_ms, &de) < 0)
			failure_add(failures, size, key, de.msg);
		else if (strv_add(&deleted->swept, &deleted->n_swept, "%s", key) < 0) {
			cni_err_set(e, CNI_ERR_INTERNAL, "delete: out of memory");
			goto out;
		}
	}
	ret = 0;
out:
	live_free(&carriers);
	return ret;
}

int cmd_delete(const struct cmd_ctx *ctx, const char *name, bool ignore_not_found,
	       struct cni_err *e)
{
	const struct sched_config *config = ctx->config;
	struct deleted deleted = { .name = name };
	struct live live;
	struct cni_err de = { 0 };
	char prefix[96], failures[480], unreachable[400];
	const char *vdn = NULL;
	size_t k, i;
	const cJSON *pod;
	int ret = SCHED_EXIT_ERROR;
	bool found = false;

	failures[0] = '\0';
	if (read_entries(ctx, LABEL_ENTRY, &live, e) < 0)
		goto out;
	if (config->onos.configured && !live.onos_ok) {
		/* deleting the pod alone would hide the intents from `list`: change nothing */
		cni_err_set(e, CNI_ERR_TRY_AGAIN, "cannot delete %s: %s; nothing was deleted", name,
			    live.onos_reason);
		goto out;
	}
	snprintf(prefix, sizeof(prefix), "%s%s:", INTENT_KEY_PREFIX, name);
	for (k = 0; k < live.n_regions; k++) {
		cJSON_ArrayForEach(pod, cJSON_GetObjectItemCaseSensitive(live.regions[k].pods,
									 "items")) {
			const char *entry = pod_label(pod, LABEL_ENTRY);

			if (entry && strcmp(entry, name) == 0) {
				found = true;
				if (!vdn)
					vdn = pod_label(pod, LABEL_VDN);
			}
		}
	}
	for (i = 0; i < live.n_intents; i++)
		found = found || strncmp(live.intents[i].key, prefix, strlen(prefix)) == 0;
	unreachable_list(&live, unreachable, sizeof(unreachable));
	if (!found) {
		if (unreachable[0]) {
			cni_err_set(e, CNI_ERR_TRY_AGAIN, "%s: not found in the regions that "
				    "answered; unreachable: %s", name, unreachable);
			goto out;
		}
		if (ignore_not_found) {
			ret = SCHED_EXIT_OK;
			if (output_deleted(ctx->out, ctx->format, &live, &deleted) < 0) {
				cni_err_set(e, CNI_ERR_IO, "cannot write the output");
				ret = SCHED_EXIT_ERROR;
			}
			goto out;
		}
		cni_err_set(e, CNI_ERR_UNKNOWN_CONTAINER, "%s: no such entry", name);
		ret = SCHED_EXIT_NOT_FOUND;
		goto out;
	}

	/* intents first: should the pod survive, `list` still shows the entry to delete again */
	for (i = 0; i < live.n_intents; i++) {
		const char *key = live.intents[i].key;

		if (strncmp(key, prefix, strlen(prefix)) != 0)
			continue;
		if (onos_intent_delete(&config->onos, key, config->timeout_ms, &de) < 0)
			failure_add(failures, sizeof(failures), key, de.msg);
		else if (strv_add(&deleted.intents, &deleted.n_intents, "%s", key) < 0)
			goto oom;
	}
	for (k = 0; k < live.n_regions; k++) {
		struct region_live *r = &live.regions[k];

		cJSON_ArrayForEach(pod, cJSON_GetObjectItemCaseSensitive(r->pods, "items")) {
			const char *entry = pod_label(pod, LABEL_ENTRY);
			int rc;

			if (!entry || strcmp(entry, name) != 0)
				continue;
			rc = kube_pod_delete(r->kc, pod_namespace(pod), pod_name(pod), -1,
					     config->timeout_ms, &de);
			if (rc != 0 && rc != KUBE_NOT_FOUND)
				failure_add(failures, sizeof(failures), r->config->id, de.msg);
			else if (strv_add(&deleted.pods, &deleted.n_pods, "%s %s/%s", r->config->id,
					  pod_namespace(pod), pod_name(pod)) < 0)
				goto oom;
		}
	}

	if (vdn && failures[0] == '\0' &&
	    delete_vdn_leftovers(ctx, &live, name, vdn, &deleted, failures, sizeof(failures),
				 e) < 0)
		goto out;
	if (failures[0]) {
		cni_err_set(e, CNI_ERR_REMOTE, "delete %s incomplete: %s", name, failures);
		goto out;
	}
	output_warnings(ctx->err, &live);
	if (output_deleted(ctx->out, ctx->format, &live, &deleted) < 0) {
		cni_err_set(e, CNI_ERR_IO, "cannot write the output");
		goto out;
	}
	ret = SCHED_EXIT_OK;
	goto out;
oom:
	cni_err_set(e, CNI_ERR_INTERNAL, "delete: out of memory");
out:
	if (ret != SCHED_EXIT_OK)
		output_warnings(ctx->err, &live);
	strv_free(deleted.pods, deleted.n_pods);
	strv_free(deleted.intents, deleted.n_intents);
	strv_free(deleted.swept, deleted.n_swept);
	live_free(&live);
	return ret;
}
