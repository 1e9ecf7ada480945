/* Gathering a decision's live inputs: the regions' API servers in one parallel batch on a
 * thread of their own, ONOS in up to three dependent batches (hosts/devices/statistics, then
 * paths, then the ports on them) meanwhile, each side within timeoutMs, so a slow region
 * never starves the location term and a slow ONOS never delays the regions. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "collect.h"
#include "kube.h"

#define LABEL_ENTRY "vdno.kreonet.net/entry"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void live_warn(struct live *live, const char *fmt, ...)
{
	char *text = NULL, **grown;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grown = realloc(live->warnings, (live->n_warnings + 1) * sizeof(*grown));
	if (!grown) {
		free(text);
		return;
	}
	live->warnings = grown;
	live->warnings[live->n_warnings++] = text;
}

static const char *meta_map_get(const cJSON *pod, const char *map, const char *key)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(meta, map), key);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

const char *pod_label(const cJSON *pod, const char *key)
{
	return meta_map_get(pod, "labels", key);
}

const char *pod_annotation(const cJSON *pod, const char *key)
{
	return meta_map_get(pod, "annotations", key);
}

const char *pod_name(const cJSON *pod)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "name");

	return cJSON_IsString(name) ? name->valuestring : NULL;
}

const char *pod_namespace(const cJSON *pod)
{
	const cJSON *ns = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "namespace");

	return cJSON_IsString(ns) ? ns->valuestring : NULL;
}

struct region_live *live_region(struct live *live, const char *id)
{
	size_t k;

	for (k = 0; id && k < live->n_regions; k++) {
		if (strcmp(live->regions[k].config->id, id) == 0)
			return &live->regions[k];
	}
	return NULL;
}

/* ---- regions ----------------------------------------------------------------------- */

struct region_job {
	struct live *live;
	const struct collect_opts *opts;
	long timeout_ms;
	bool out_of_memory;
};

static void region_fail(struct region_live *r, const char *reason)
{
	r->reachable = false;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
}

/* The answers of one region: a NodeList and every pod for usage, else the selected pods. */
static void region_result(struct region_live *r, const struct collect_opts *opts,
			  struct kube_call *calls, const struct http_resp *resps,
			  const struct cni_err *errs, const int *slot)
{
	struct cni_err e = { 0 };
	cJSON *nodes = NULL, *pods = NULL;
	int pods_at = opts->usage ? 1 : 0;

	if (opts->usage && kube_call_result(&calls[0], &resps[slot[0]], &errs[slot[0]], &nodes,
					    &e) != 0)
		goto fail;
	if (kube_call_result(&calls[pods_at], &resps[slot[pods_at]], &errs[slot[pods_at]], &pods,
			     &e) != 0)
		goto fail;
	if (opts->usage) {
		if (usage_compute(nodes, pods, &r->usage, &e) < 0)
			goto fail;
		r->have_usage = true;
	}
	cJSON_Delete(nodes);
	r->pods = pods;
	r->reachable = true;
	return;
fail:
	region_fail(r, e.msg);
	cJSON_Delete(nodes);
	cJSON_Delete(pods);
}

static void *regions_fetch(void *arg)
{
	struct region_job *job = arg;
	struct live *live = job->live;
	const struct collect_opts *opts = job->opts;
	size_t per = opts->usage ? 2 : 1, n = live->n_regions * per, k, c;
	struct kube_call *calls = calloc(n + 1, sizeof(*calls));
	struct http_req *reqs = calloc(n + 1, sizeof(*reqs));
	struct http_resp *resps = calloc(n + 1, sizeof(*resps));
	struct cni_err *errs = calloc(n + 1, sizeof(*errs));
	int *slot = calloc(n + 1, sizeof(*slot));
	int sent = 0;

	if (!calls || !reqs || !resps || !errs || !slot) {
		job->out_of_memory = true;
		goto out;
	}
	for (k = 0; k < live->n_regions; k++) {
		struct region_live *r = &live->regions[k];
		struct kube_call *rc = &calls[k * per];
		struct cni_err e = { 0 };
		int ok;

		if (kubeconfig_load(r->config->kubeconfig, &r->kc, &e) < 0) {
			region_fail(r, e.msg);
			continue;
		}
		if (opts->usage)
			ok = kube_nodes_list_call(r->kc, job->timeout_ms, &rc[0], &e) == 0 &&
			     kube_pods_list_call(r->kc, NULL, NULL, job->timeout_ms, &rc[1], &e) == 0;
		else
			ok = kube_pods_list_call(r->kc, NULL, opts->pod_selector, job->timeout_ms,
						 &rc[0], &e) == 0;
		if (!ok) {
			region_fail(r, e.msg);
			continue;
		}
		for (c = 0; c < per; c++) {
			slot[k * per + c] = sent;
			reqs[sent++] = rc[c].req;
		}
		r->reachable = true;    /* provisionally: the batch decides */
	}
	http_do_many(reqs, resps, sent, job->timeout_ms, errs);
	for (k = 0; k < live->n_regions; k++) {
		if (live->regions[k].reachable)
			region_result(&live->regions[k], opts, &calls[k * per], resps, errs,
				      &slot[k * per]);
	}
out:
	for (c = 0; calls && c < n; c++)
		kube_call_clear(&calls[c]);
	for (c = 0; resps && (int)c < sent; c++)
		http_resp_free(&resps[c]);
	free(calls);
	free(reqs);
	free(resps);
	free(errs);
	free(slot);
	return NULL;
}

/* ---- ONOS ---------------------------------------------------------------------------- */

struct onos_batch {
	struct onos_call *calls;
	struct http_req *reqs;
	struct http_resp *resps;
	struct cni_err *errs;
	size_t n;
};

static int batch_new(struct onos_batch *b, size_t n)
{
	memset(b, 0, sizeof(*b));
	b->calls = calloc(n + 1, sizeof(*b->calls));
	b->reqs = calloc(n + 1, sizeof(*b->reqs));
	b->resps = calloc(n + 1, sizeof(*b->resps));
	b->errs = calloc(n + 1, sizeof(*b->errs));
	return b->calls && b->reqs && b->resps && b->errs ? 0 : -1;
}

static void batch_free(struct onos_batch *b)
{
	size_t i;

	for (i = 0; b->calls && i < b->n; i++)
		onos_call_clear(&b->calls[i]);
	for (i = 0; b->resps && i < b->n; i++)
		http_resp_free(&b->resps[i]);
	free(b->calls);
	free(b->reqs);
	free(b->resps);
	free(b->errs);
	memset(b, 0, sizeof(*b));
}

/* Adds a GET; its index, or -1 with e set. */
static int batch_add(struct onos_batch *b, const struct onos_config *config, const char *path,
		     long timeout_ms, struct cni_err *e)
{
	if (onos_call_init(&b->calls[b->n], config, "GET", path, timeout_ms, e) < 0) {
		onos_call_clear(&b->calls[b->n]);
		return -1;
	}
	return (int)b->n++;
}

static void batch_run(struct onos_batch *b, long budget_ms)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		b->calls[i].req.timeout_ms = budget_ms;
		b->reqs[i] = b->calls[i].req;
	}
	http_do_many(b->reqs, b->resps, (int)b->n, budget_ms, b->errs);
}

/* The body of answer i, or -1 with e set. */
static int batch_body(const struct onos_batch *b, int i, const char **body, size_t *len,
		      struct cni_err *e)
{
	if (onos_call_result(&b->calls[i], &b->resps[i], &b->errs[i], e) < 0)
		return -1;
	*body = b->resps[i].body;
	*len = b->resps[i].body_len;
	return 0;
}

static void onos_fail(struct live *live, const char *reason)
{
	char url[256];

	if (!live->onos_ok)
		return;         /* the first reason is the one that matters */
	live->onos_ok = false;
	http_url_safe(live->config->onos.url, url, sizeof(url));
	if (snprintf(live->onos_reason, sizeof(live->onos_reason), "ONOS at %s unavailable: %s",
		     url, reason) < 0)
		live->onos_reason[0] = '\0';
}

/* Time left before the ONOS side's deadline; 0 when it has passed. */
static long remaining(long deadline)
{
	long left = deadline - now_ms();

	return left > 0 ? left : 0;
}

/* One (user device, region device) pair whose paths are asked. */
struct pair {
	const char *from, *to;
	struct onos_path *paths;
	size_t n_paths;
	int chosen;             /* the least loaded path; -1: ONOS knows no path */
};

struct device_ports {
	const char *device;
	struct onos_port *ports;
	size_t n_ports;
};

/* What the ONOS side works on for the users, beyond what struct live keeps. */
struct topo {
	size_t n_users;
	const struct host_spec *specs;
	const struct onos_host **user_host;     /* per user; NULL unknown to ONOS */
	const char **user_city;
	struct pair *pairs;
	size_t n_pairs;
	int *pair_of;                           /* [l * n_regions + k] → pair, or -1 */
	struct device_ports *ports;
	size_t n_ports;
};

static void topo_free(struct topo *t)
{
	size_t i;

	for (i = 0; t->pairs && i < t->n_pairs; i++)
		onos_paths_free(t->pairs[i].paths, t->pairs[i].n_paths);
	for (i = 0; t->ports && i < t->n_ports; i++)
		onos_ports_free(t->ports[i].ports, t->ports[i].n_ports);
	free(t->user_host);
	free(t->user_city);
	free(t->pairs);
	free(t->pair_of);
	free(t->ports);
	memset(t, 0, sizeof(*t));
}

static const char *device_city(const struct live *live, const char *device)
{
	const struct onos_device *d = onos_device_find(live->devices, live->n_devices, device);

	return d ? d->city : NULL;
}

/* DESIGN: a link is external when its two ends lie in different cities. An end whose city
 * nobody recorded may be anywhere, so only two known, equal cities make a link internal. */
static bool link_external(const struct live *live, const struct onos_link *link)
{
	const char *a = device_city(live, link->src_device);
	const char *b = device_city(live, link->dst_device);

	return !a || !b || strcasecmp(a, b) != 0;
}

static bool same_city(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

/* Users: their ONOS host, access device and city; then the pairs whose path matters. */
static int topo_locate(struct live *live, struct topo *t, struct cni_err *e)
{
	size_t l, k, i;

	t->user_host = calloc(t->n_users + 1, sizeof(*t->user_host));
	t->user_city = calloc(t->n_users + 1, sizeof(*t->user_city));
	t->pair_of = calloc(t->n_users * live->n_regions + 1, sizeof(*t->pair_of));
	t->pairs = calloc(t->n_users * live->n_regions + 1, sizeof(*t->pairs));
	if (!t->user_host || !t->user_city || !t->pair_of || !t->pairs)
		return cni_err_set(e, CNI_ERR_INTERNAL, "collect: out of memory");
	for (l = 0; l < t->n_users; l++) {
		const struct host_spec *spec = &t->specs[l];
		const struct onos_host *h = spec->is_mac
			? onos_host_by_mac(live->hosts, live->n_hosts, spec->address)
			: onos_host_by_ip(live->hosts, live->n_hosts, spec->address);
		const char *city = h && h->device ? device_city(live, h->device) : NULL;

		t->user_host[l] = h;
		if (!h)
			live_warn(live, "--host %s: ONOS knows no such host; its city is %s and its "
				  "paths are not measured (U = 0)", spec->given,
				  spec->city ? spec->city : "unknown (weight 0)");
		else if (!h->device)
			live_warn(live, "--host %s: ONOS has no location for %s", spec->given, h->id);
		if (city && spec->city && !same_city(city, spec->city))
			live_warn(live, "--host %s: ONOS places it in %s (device %s); %s is used",
				  spec->given, city, h->device, city);
		t->user_city[l] = city ? city : spec->city;
	}
	for (i = 0; i < t->n_users * live->n_regions; i++)
		t->pair_of[i] = -1;
	for (l = 0; l < t->n_users; l++) {
		const char *from = t->user_host[l] ? t->user_host[l]->device : NULL;

		for (k = 0; from && k < live->n_regions; k++) {
			const char *to = live->regions[k].device;
			size_t p;

			/* ONOS answers 400 for the same device; the same city has no external
			 * link by definition: neither needs a path */
			if (!to || strcmp(from, to) == 0 ||
			    same_city(t->user_city[l], live->regions[k].config->city))
				continue;
			for (p = 0; p < t->n_pairs; p++) {
				if (!strcmp(t->pairs[p].from, from) && !strcmp(t->pairs[p].to, to))
					break;
			}
			if (p == t->n_pairs) {
				t->pairs[p].from = from;
				t->pairs[p].to = to;
				t->pairs[p].chosen = -1;
				t->n_pairs++;
			}
			t->pair_of[l * live->n_regions + k] = (int)p;
		}
	}
	return 0;
}

static int topo_paths(struct live *live, struct topo *t, long deadline, struct cni_err *e)
{
	struct onos_batch b;
	struct cni_err pe = { 0 };
	size_t p;
	int ret = -1;

	if (!t->n_pairs)
		return 0;
	if (batch_new(&b, t->n_pairs) < 0) {
		batch_free(&b);
		return cni_err_set(e, CNI_ERR_INTERNAL, "collect: out of memory");
	}
	for (p = 0; p < t->n_pairs; p++) {
		char *path = NULL;

		if (onos_path_format(&path, "/paths/", t->pairs[p].from, "/", t->pairs[p].to, e) < 0)
			goto out;
		if (batch_add(&b, &live->config->onos, path, remaining(deadline), e) < 0) {
			free(path);
			goto out;
		}
		free(path);
	}
	batch_run(&b, remaining(deadline));
	for (p = 0; p < t->n_pairs; p++) {
		const char *body;
		size_t len;

		if (batch_body(&b, (int)p, &body, &len, &pe) < 0 ||
		    onos_paths_parse(body, len, &t->pairs[p].paths, &t->pairs[p].n_paths, &pe) < 0) {
			onos_fail(live, pe.msg);
			break;
		}
	}
	ret = 0;
out:
	batch_free(&b);
	return ret;
}

/* The ports of every device at the source of an external link on some path: their speeds
 * are the denominators of u_e. */
static int topo_ports(struct live *live, struct topo *t, long deadline, struct cni_err *e)
{
	struct onos_batch b;
	struct cni_err pe = { 0 };
	size_t p, q, i, cap = 0;
	int ret = -1;

	for (p = 0; p < t->n_pairs; p++)
		for (q = 0; q < t->pairs[p].n_paths; q++)
			cap += t->pairs[p].paths[q].n_links;
	t->ports = calloc(cap + 1, sizeof(*t->ports));
	if (!t->ports)
		return cni_err_set(e, CNI_ERR_INTERNAL, "collect: out of memory");
	for (p = 0; p < t->n_pairs; p++) {
		for (q = 0; q < t->pairs[p].n_paths; q++) {
			const struct onos_path *path = &t->pairs[p].paths[q];

			for (i = 0; i < path->n_links; i++) {
				const char *dev = path->links[i].src_device;
				size_t d;

				if (!link_external(live, &path->links[i]))
					continue;
				for (d = 0; d < t->n_ports && strcmp(t->ports[d].device, dev); d++)
					;
				if (d == t->n_ports)
					t->ports[t->n_ports++].device = dev;
			}
		}
	}
	if (!t->n_ports)
		return 0;
	if (batch_new(&b, t->n_ports) < 0) {
		batch_free(&b);
		return cni_err_set(e, CNI_ERR_INTERNAL, "collect: out of memory");
	}
	for (i = 0; i < t->n_ports; i++) {
		char *path = NULL;

		if (onos_path_format(&path, "/devices/", t->ports[i].device, "/ports", NULL, e) < 0)
			goto out;
		if (batch_add(&b, &live->config->onos, path, remaining(deadline), e) < 0) {
			free(path);
			goto out;
		}
		free(path);
	}
	batch_run(&b, remaining(deadline));
	for (i = 0; i < t->n_ports; i++) {
		const char *body;
		size_t len;

		if (batch_body(&b, (int)i, &body, &len, &pe) < 0 ||
		    onos_ports_parse(body, len, &t->ports[i].ports, &t->ports[i].n_ports, &pe) < 0) {
			onos_fail(live, pe.msg);
			break;
		}
	}
	ret = 0;
out:
	batch_free(&b);
	return ret;
}

static int64_t port_speed(const struct topo *t, const char *device, const char *port)
{
	size_t d, i;

	for (d = 0; d < t->n_ports; d++) {
		if (strcmp(t->ports[d].device, device) != 0)
			continue;
		for (i = 0; i < t->ports[d].n_ports; i++) {
			if (strcmp(t->ports[d].ports[i].port, port) == 0)
				return t->ports[d].ports[i].speed_mbps;
		}
	}
	return 0;
}

static double onos_link_utilisation(const struct live *live, const struct topo *t,
				    const struct onos_link *link)
{
	const struct onos_port_delta *d = onos_delta_find(live->deltas, live->n_deltas,
							  link->src_device,
							  onos_port_number(link->src_port));

	return link_utilisation(d ? &d->delta : NULL,
				port_speed(t, link->src_device, link->src_port));
}

/* Index of the link in live->links, added when new. */
static int link_index(struct live *live, size_t *cap, const char *src, const char *dst,
		      double u)
{
	size_t i;

	for (i = 0; i < live->n_links; i++) {
		if (!strcmp(live->links[i].src, src) && !strcmp(live->links[i].dst, dst))
			return (int)i;
	}
	if (live->n_links == *cap) {
		size_t grow = *cap ? *cap * 2 : 16;
		struct score_link *links = realloc(live->links, grow * sizeof(*links));
		char **ends;

		if (!links)
			return -1;
		live->links = links;
		ends = realloc(live->link_ends, grow * 2 * sizeof(*ends));
		if (!ends)
			return -1;
		live->link_ends = ends;
		*cap = grow;
	}
	live->link_ends[2 * i] = strdup(src);
	live->link_ends[2 * i + 1] = strdup(dst);
	if (!live->link_ends[2 * i] || !live->link_ends[2 * i + 1]) {
		free(live->link_ends[2 * i]);
		free(live->link_ends[2 * i + 1]);
		return -1;
	}
	live->links[i] = (struct score_link){ .src = live->link_ends[2 * i],
					      .dst = live->link_ends[2 * i + 1], .utilisation = u };
	live->n_links++;
	return (int)i;
}

/* E(l, k) for every pair: the external links of its least loaded equal-cost path (ONOS may
 * route over any of them; a bandwidth-constrained intent gets the best), as score links. A
 * pair ONOS knows no path for gets one pseudo-link at full load: no VDN can reach it. */
static int topo_links(struct live *live, struct topo *t, int **pair_links, size_t **pair_start,
		      struct cni_err *e)
{
	size_t p, q, i, cap = 0, total = 0;
	int *idx = NULL;
	size_t *start = calloc(t->n_pairs + 1, sizeof(*start));
	char a[320], b[340];

	if (!start)
		goto oom;
	for (p = 0; p < t->n_pairs; p++) {
		struct pair *pair = &t->pairs[p];
		double best = 2;

		for (q = 0; q < pair->n_paths; q++) {
			const struct onos_path *path = &pair->paths[q];
			double idle = 1;

			for (i = 0; i < path->n_links; i++) {
				if (link_external(live, &path->links[i]))
					idle *= 1 - onos_link_utilisation(live, t, &path->links[i]);
			}
			if (1 - idle < best) {
				best = 1 - idle;
				pair->chosen = (int)q;
			}
		}
		if (pair->chosen < 0) {
			total++;
			continue;
		}
		for (i = 0; i < pair->paths[pair->chosen].n_links; i++)
			total += link_external(live, &pair->paths[pair->chosen].links[i]);
	}
	idx = calloc(total + 1, sizeof(*idx));
	if (!idx)
		goto oom;
	total = 0;
	for (p = 0; p < t->n_pairs; p++) {
		struct pair *pair = &t->pairs[p];

		start[p] = total;
		if (pair->chosen < 0) {
			live_warn(live, "ONOS has no path from %s to %s: U = 1 there", pair->from,
				  pair->to);
			snprintf(b, sizeof(b), "%s (no path)", pair->to);
			idx[total] = link_index(live, &cap, pair->from, b, 1.0);
			if (idx[total++] < 0)
				goto oom;
			continue;
		}
		for (i = 0; i < pair->paths[pair->chosen].n_links; i++) {
			const struct onos_link *link = &pair->paths[pair->chosen].links[i];

			if (!link_external(live, link))
				continue;
			snprintf(a, sizeof(a), "%s/%s", link->src_device, link->src_port);
			snprintf(b, sizeof(b), "%s/%s", link->dst_device, link->dst_port);
			idx[total] = link_index(live, &cap, a, b,
						onos_link_utilisation(live, t, link));
			if (idx[total++] < 0)
				goto oom;
		}
	}
	start[t->n_pairs] = total;
	*pair_links = idx;
	*pair_start = start;
	return 0;
oom:
	free(idx);
	free(start);
	return cni_err_set(e, CNI_ERR_INTERNAL, "collect: out of memory");
}

/* score_path per (user, region) from the pairs. */
static int topo_score_paths(struct live *live, struct topo *t, struct cni_err *e)
{
	int *pair_links = NULL;
	size_t *pair_start = NULL, n = t->n_users * live->n_regions, i, j, total;

	if (topo_links(live, t, &pair_links, &pair_start, e) < 0)
		return -1;
	total = pair_start[t->n_pairs];
	live->paths = calloc(n + 1, sizeof(*live->paths));
	live->path_links = calloc(total + 1, sizeof(*live->path_links));
	if (!live->paths || !live->path_links) {
		free(pair_links);
		free(pair_start);
		return cni_err_set(e, CNI_ERR_INTERNAL, "collect: out of memory");
	}
	for (j = 0; j < total; j++)
		live->path_links[j] = (size_t)pair_links[j];
	for (i = 0; i < n; i++) {
		int p = t->pair_of[i];

		if (p < 0)
			continue;
		live->paths[i].links = &live->path_links[pair_start[p]];
		live->paths[i].n_links = pair_start[p + 1] - pair_start[p];
	}
	free(pair_links);
	free(pair_start);
	return 0;
}

/* Phase 1 for ONOS: hosts, devices, delta statistics, intents, as opts asks. */
static int onos_first(struct live *live, const struct collect_opts *opts, bool with_users,
		      long deadline, struct cni_err *e)
{
	const struct onos_config *onos = &live->config->onos;
	struct onos_batch b;
	struct cni_err pe = { 0 };
	int hosts = -1, devices = -1, deltas = -1, intents = -1, ret = -1;
	const char *body;
	size_t len;

	if (batch_new(&b, 4) < 0) {
		batch_free(&b);
		return cni_err_set(e, CNI_ERR_INTERNAL, "collect: out of memory");
	}
	if (opts->topology) {
		if ((hosts = batch_add(&b, onos, "/hosts", remaining(deadline), e)) < 0 ||
		    (devices = batch_add(&b, onos, "/devices", remaining(deadline), e)) < 0)
			goto out;
		if (with_users &&
		    (deltas = batch_add(&b, onos, "/statistics/delta/ports", remaining(deadline),
					e)) < 0)
			goto out;
	}
	if (opts->intents) {
		intents = (int)b.n;
		if (onos_intents_list_call(&b.calls[b.n], onos, remaining(deadline), e) < 0)
			goto out;
		b.n++;
	}
	batch_run(&b, remaining(deadline));
	ret = 0;
	if (hosts >= 0 && (batch_body(&b, hosts, &body, &len, &pe) < 0 ||
			   onos_hosts_parse(body, len, &live->hosts, &live->n_hosts, &pe) < 0))
		onos_fail(live, pe.msg);
	if (devices >= 0 &&
	    (batch_body(&b, devices, &body, &len, &pe) < 0 ||
	     onos_devices_parse(body, len, onos, &live->devices, &live->n_devices, &pe) < 0))
		onos_fail(live, pe.msg);
	if (deltas >= 0 && (batch_body(&b, deltas, &body, &len, &pe) < 0 ||
			    onos_deltas_parse(body, len, &live->deltas, &live->n_deltas, &pe) < 0))
		onos_fail(live, pe.msg);
	if (intents >= 0 &&
	    onos_intents_list_result(&b.calls[intents], &b.resps[intents], &b.errs[intents],
				     &live->intents, &live->n_intents, &pe) < 0)
		onos_fail(live, pe.msg);
out:
	batch_free(&b);
	return ret;
}

static int onos_fetch(struct live *live, const struct collect_opts *opts, struct topo *t,
		      long deadline, struct cni_err *e)
{
	size_t k;

	live->onos_asked = true;
	live->onos_ok = true;
	if (onos_first(live, opts, t->n_users > 0, deadline, e) < 0)
		return -1;
	if (!live->onos_ok || !opts->topology)
		return 0;
	for (k = 0; k < live->n_regions; k++) {
		struct region_live *r = &live->regions[k];
		const struct onos_host *h = onos_host_by_mac(live->hosts, live->n_hosts,
							     r->config->mac_address);

		r->device = h ? h->device : NULL;
		if (!r->device)
			live_warn(live, "region %s: ONOS knows no host %s (macAddress): its paths "
				  "are not measured (U = 0)", r->config->id,
				  r->config->mac_address);
	}
	if (!t->n_users)
		return 0;
	if (topo_locate(live, t, e) < 0 || topo_paths(live, t, deadline, e) < 0)
		return -1;
	if (!live->onos_ok)
		return 0;
	if (topo_ports(live, t, deadline, e) < 0)
		return -1;
	if (!live->onos_ok)
		return 0;
	return topo_score_paths(live, t, e);
}

/* ---- the whole ------------------------------------------------------------------------ */

static int users_build(struct live *live, const struct sched_request *request,
		       const struct topo *t, struct cni_err *e)
{
	size_t l;

	if (!request || !request->n_hosts)
		return 0;
	live->users = calloc(request->n_hosts, sizeof(*live->users));
	if (!live->users)
		return cni_err_set(e, CNI_ERR_INTERNAL, "collect: out of memory");
	live->n_users = request->n_hosts;
	for (l = 0; l < request->n_hosts; l++) {
		const struct host_spec *spec = &request->hosts[l];
		bool located = live->paths && t->user_city;

		/* degraded: nothing from ONOS counts, the operator's @CITY is all there is */
		live->users[l].host = spec->address;
		live->users[l].city = located ? t->user_city[l] : spec->city;
		live->users[l].device = located && t->user_host[l] ? t->user_host[l]->device : NULL;
	}
	return 0;
}

int collect_live(const struct sched_config *config, const struct collect_opts *opts,
		 struct live *live, struct cni_err *e)
{
	struct region_job job = { .live = live, .opts = opts, .timeout_ms = config->timeout_ms };
	struct topo t = { 0 };
	long start = now_ms(), deadline = start + config->timeout_ms;
	pthread_t thread;
	bool threaded = false;
	size_t k;
	int ret = -1;

	memset(live, 0, sizeof(*live));
	live->config = config;
	live->n_regions = config->n_regions;
	live->regions = calloc(config->n_regions + 1, sizeof(*live->regions));
	live->score_regions = calloc(config->n_regions + 1, sizeof(*live->score_regions));
	if (!live->regions || !live->score_regions)
		return cni_err_set(e, CNI_ERR_INTERNAL, "collect: out of memory");
	for (k = 0; k < config->n_regions; k++)
		live->regions[k].config = &config->regions[k];
	if (opts->request) {
		t.n_users = opts->request->n_hosts;
		t.specs = opts->request->hosts;
	}

	if (config->n_regions) {
		threaded = pthread_create(&thread, NULL, regions_fetch, &job) == 0;
		if (!threaded)
			regions_fetch(&job);    /* still correct, only slower */
	}
	if ((opts->topology || opts->intents) && config->onos.configured) {
		if (onos_fetch(live, opts, &t, deadline, e) < 0)
			goto out;
	} else if (opts->topology || opts->intents) {
		snprintf(live->onos_reason, sizeof(live->onos_reason),
			 "ONOS not configured (no \"onos\" in the config)");
	}
	ret = 0;
out:
	if (threaded && pthread_join(thread, NULL) != 0 && ret == 0)
		ret = cni_err_set(e, CNI_ERR_INTERNAL, "collect: cannot join the region thread");
	if (job.out_of_memory && ret == 0)
		ret = cni_err_set(e, CNI_ERR_INTERNAL, "collect: out of memory");
	if (ret == 0)
		ret = users_build(live, opts->request, &t, e);
	for (k = 0; ret == 0 && k < live->n_regions; k++) {
		struct region_live *r = &live->regions[k];

		if (r->kc && (r->kc->warnings & KUBECONFIG_WARN_FILE_MODE))
			live_warn(live, "region %s: %s is readable by group or others",
				  r->config->id, r->kc->source);
		live->score_regions[k] = (struct score_region){
			.config = r->config, .reachable = r->reachable && (!opts->usage ||
									   r->have_usage),
			.unreachable_reason = r->reason, .usage = r->have_usage ? &r->usage : NULL,
			.device = r->device,
		};
	}
	topo_free(&t);
	live->elapsed_ms = now_ms() - start;
	return ret;
}

void live_score_input(const struct live *live, const struct sched_request *request,
		      struct score_input *in)
{
	int r;

	memset(in, 0, sizeof(*in));
	in->selection = &live->config->selection;
	for (r = 0; request && r < RES_COUNT; r++)
		in->demand[r] = request->demand[r];
	in->regions = live->score_regions;
	in->n_regions = live->n_regions;
	in->users = live->users;
	in->n_users = live->n_users;
	in->links = live->links;
	in->n_links = live->n_links;
	in->paths = live->paths;
	in->location_degraded = live->onos_ok ? NULL : live->onos_reason;
}

void live_free(struct live *live)
{
	size_t k;

	if (!live)
		return;
	for (k = 0; live->regions && k < live->n_regions; k++) {
		usage_free(&live->regions[k].usage);
		cJSON_Delete(live->regions[k].pods);
		kubeconfig_free(live->regions[k].kc);
	}
	free(live->regions);
	free(live->score_regions);
	onos_hosts_free(live->hosts, live->n_hosts);
	onos_devices_free(live->devices, live->n_devices);
	onos_deltas_free(live->deltas, live->n_deltas);
	onos_intents_free(live->intents, live->n_intents);
	free(live->users);
	for (k = 0; live->link_ends && k < 2 * live->n_links; k++)
		free(live->link_ends[k]);
	free(live->link_ends);
	free(live->links);
	free(live->paths);
	free(live->path_links);
	for (k = 0; k < live->n_warnings; k++)
		free(live->warnings[k]);
	free(live->warnings);
	memset(live, 0, sizeof(*live));
}
