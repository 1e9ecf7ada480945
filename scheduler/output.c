/* Tables and JSON for every command. Tables are for people (amounts with binary suffixes,
 * columns sized to their content); JSON is for programs (exact integers, every term). */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "collect.h"
#include "entry.h"
#include "output.h"
#include "quantity.h"
#include "score.h"

/* ---- a small table ----------------------------------------------------------------- */

#define TABLE_MAX_COLS 12

struct table {
	size_t cols;
	char **cells;           /* rows × cols, row 0 the header */
	size_t rows, cap;
	bool failed;
};

static void table_row(struct table *t, ...)
{
	va_list ap;
	size_t c;

	if (t->failed)
		return;
	if (t->rows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		char **cells = realloc(t->cells, cap * t->cols * sizeof(*cells));

		if (!cells) {
			t->failed = true;
			return;
		}
		t->cells = cells;
		t->cap = cap;
	}
	va_start(ap, t);
	for (c = 0; c < t->cols; c++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->rows * t->cols + c] = strdup(s && *s ? s : "-");
		if (!t->cells[t->rows * t->cols + c])
			t->failed = true;
	}
	va_end(ap);
	t->rows++;
}

/* Prints with two spaces between columns, the last one unpadded; indent before each row. */
static int table_print(FILE *out, struct table *t, const char *indent)
{
	size_t width[TABLE_MAX_COLS] = { 0 }, r, c;
	int ret = t->failed ? -1 : 0;

	for (r = 0; !t->failed && r < t->rows; r++) {
		for (c = 0; c < t->cols; c++) {
			size_t len = strlen(t->cells[r * t->cols + c]);

			if (len > width[c])
				width[c] = len;
		}
	}
	for (r = 0; !t->failed && r < t->rows; r++) {
		fputs(indent, out);
		for (c = 0; c < t->cols; c++) {
			const char *cell = t->cells[r * t->cols + c];

			if (c + 1 < t->cols)
				fprintf(out, "%-*s  ", (int)width[c], cell);
			else
				fprintf(out, "%s\n", cell);
		}
	}
	for (r = 0; r < t->rows; r++) {
		for (c = 0; c < t->cols; c++)
			free(t->cells[r * t->cols + c]);
	}
	free(t->cells);
	memset(t, 0, sizeof(*t));
	return ret;
}

/* ---- amounts ------------------------------------------------------------------------------ */

static void cpu_text(int64_t milli, char *buf, size_t size)
{
	quantity_format_milli(milli, buf, size);
}

/* Bytes with one binary suffix, one decimal when it is not whole: "28Gi", "27.9Gi". */
static void bytes_text(int64_t value, char *buf, size_t size)
{
	static const char *const suffix[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
	double scaled = (double)value;
	int power = 0;

	while (power < 6 && fabs(scaled) >= 1024) {
		scaled /= 1024;
		power++;
	}
	if (power == 0 || scaled == floor(scaled))
		snprintf(buf, size, "%.0f%s", scaled, suffix[power]);
	else
		snprintf(buf, size, "%.1f%s", scaled, suffix[power]);
}

/* Bits per second with a decimal suffix: "500M", "1G", "2.5G". */
static void bps_text(double bps, char *buf, size_t size)
{
	static const char *const suffix[] = { "", "k", "M", "G", "T", "P" };
	int power = 0;

	while (power < 5 && bps >= 1000) {
		bps /= 1000;
		power++;
	}
	snprintf(buf, size, "%.4g%s", bps, suffix[power]);
}

/* ---- JSON helpers ---------------------------------------------------------------------------- */

static int json_print(FILE *out, cJSON *root)
{
	char *text = root ? cJSON_Print(root) : NULL;
	int ret = -1;

	if (text && fprintf(out, "%s\n", text) >= 0)
		ret = 0;
	free(text);
	cJSON_Delete(root);
	return ret;
}

static bool add_string_or_null(cJSON *obj, const char *key, const char *value)
{
	return value ? cJSON_AddStringToObject(obj, key, value) != NULL
		     : cJSON_AddNullToObject(obj, key) != NULL;
}

static bool add_strings(cJSON *obj, const char *key, char *const *values, size_t n)
{
	cJSON *array = cJSON_AddArrayToObject(obj, key);
	size_t i;

	if (!array)
		return false;
	for (i = 0; i < n; i++) {
		cJSON *s = cJSON_CreateString(values[i]);

		if (!s || !cJSON_AddItemToArray(array, s)) {
			cJSON_Delete(s);
			return false;
		}
	}
	return true;
}

static bool add_warnings(cJSON *obj, const struct live *live)
{
	return add_strings(obj, "warnings", live->warnings, live->n_warnings);
}

static bool add_onos(cJSON *obj, const struct live *live)
{
	cJSON *onos = cJSON_AddObjectToObject(obj, "onos");

	return onos && cJSON_AddBoolToObject(onos, "available", live->onos_ok) &&
	       add_string_or_null(onos, "reason", live->onos_ok ? NULL : live->onos_reason);
}

static cJSON *amounts_json(const int64_t amount[RES_COUNT])
{
	cJSON *obj = cJSON_CreateObject();

	/* doubles hold integers exactly up to 2^53: 8 PiB, 9 million cores */
	if (!obj || !cJSON_AddNumberToObject(obj, "cpuMillicores", (double)amount[RES_CPU]) ||
	    !cJSON_AddNumberToObject(obj, "memoryBytes", (double)amount[RES_MEMORY]) ||
	    !cJSON_AddNumberToObject(obj, "storageBytes", (double)amount[RES_STORAGE])) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

static bool add_amounts(cJSON *obj, const char *key, const int64_t amount[RES_COUNT])
{
	cJSON *item = amounts_json(amount);

	if (!item || !cJSON_AddItemToObject(obj, key, item)) {
		cJSON_Delete(item);
		return false;
	}
	return true;
}

void output_warnings(FILE *err, const struct live *live)
{
	size_t i;

	for (i = 0; i < live->n_warnings; i++)
		fprintf(err, "vdno-scheduler: warning: %s\n", live->warnings[i]);
	if (!live->onos_ok && live->onos_reason[0])
		fprintf(err, "vdno-scheduler: warning: %s\n", live->onos_reason);
}

/* ---- regions ------------------------------------------------------------------------------ */

static size_t nodes_counted(const struct region_live *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->usage.n_nodes; i++)
		n += r->usage.nodes[i].counted;
	return n;
}

static cJSON *region_live_json(const struct region_live *r)
{
	const struct region_config *c = r->config;
	cJSON *obj = cJSON_CreateObject(), *nodes;
	int64_t free_sum[RES_COUNT];
	size_t i;

	if (!obj || !cJSON_AddStringToObject(obj, "id", c->id) ||
	    !cJSON_AddStringToObject(obj, "name", c->name ? c->name : c->id) ||
	    !add_string_or_null(obj, "city", c->city) ||
	    !cJSON_AddStringToObject(obj, "mode", region_mode_name(c->mode)) ||
	    !cJSON_AddStringToObject(obj, "namespace", c->namespace) ||
	    !cJSON_AddBoolToObject(obj, "reachable", r->reachable) ||
	    !add_string_or_null(obj, "reason", r->reachable ? NULL : r->reason) ||
	    !add_string_or_null(obj, "accessDevice", r->device))
		goto fail;
	if (!r->have_usage) {
		if (!cJSON_AddNullToObject(obj, "free") || !cJSON_AddNullToObject(obj, "nodes"))
			goto fail;
		return obj;
	}
	usage_sum_free(&r->usage, free_sum);
	if (!add_amounts(obj, "free", free_sum))
		goto fail;
	nodes = cJSON_AddArrayToObject(obj, "nodes");
	if (!nodes)
		goto fail;
	for (i = 0; i < r->usage.n_nodes; i++) {
		const struct node_usage *n = &r->usage.nodes[i];
		cJSON *node = cJSON_CreateObject();

		if (!node || !cJSON_AddItemToArray(nodes, node)) {
			cJSON_Delete(node);
			goto fail;
		}
		if (!cJSON_AddStringToObject(node, "name", n->name) ||
		    !cJSON_AddBoolToObject(node, "counted", n->counted) ||
		    !add_string_or_null(node, "whyNotCounted", n->counted ? NULL
										: n->why_not_counted) ||
		    !add_amounts(node, "allocatable", n->allocatable) ||
		    !add_amounts(node, "requested", n->requested) || !add_amounts(node, "free", n->free))
			goto fail;
	}
	return obj;
fail:
	cJSON_Delete(obj);
	return NULL;
}

int output_regions(FILE *out, enum output_format format, const struct live *live)
{
	struct table t = { .cols = 10 };
	size_t k;

	if (format == OUTPUT_JSON) {
		cJSON *root = cJSON_CreateObject(), *regions = cJSON_AddArrayToObject(root, "regions");

		if (!regions || !add_onos(root, live) || !add_warnings(root, live)) {
			cJSON_Delete(root);
			return -1;
		}
		for (k = 0; k < live->n_regions; k++) {
			cJSON *item = region_live_json(&live->regions[k]);

			if (!item || !cJSON_AddItemToArray(regions, item)) {
				cJSON_Delete(item);
				cJSON_Delete(root);
				return -1;
			}
		}
		return json_print(out, root);
	}
	table_row(&t, "REGION", "NAME", "CITY", "MODE", "STATUS", "NODES", "FREE CPU",
		  "FREE MEMORY", "FREE STORAGE", "ACCESS DEVICE");
	for (k = 0; k < live->n_regions; k++) {
		const struct region_live *r = &live->regions[k];
		char nodes[48] = "", cpu[32] = "", mem[32] = "", sto[32] = "";
		int64_t free_sum[RES_COUNT];

		if (r->have_usage) {
			usage_sum_free(&r->usage, free_sum);
			snprintf(nodes, sizeof(nodes), "%zu/%zu", nodes_counted(r), r->usage.n_nodes);
			cpu_text(free_sum[RES_CPU], cpu, sizeof(cpu));
			bytes_text(free_sum[RES_MEMORY], mem, sizeof(mem));
			bytes_text(free_sum[RES_STORAGE], sto, sizeof(sto));
		}
		table_row(&t, r->config->id, r->config->name, r->config->city,
			  region_mode_name(r->config->mode), r->reachable ? "ok" : "unreachable",
			  nodes, cpu, mem, sto, r->device);
	}
	if (table_print(out, &t, "") < 0)
		return -1;
	for (k = 0; k < live->n_regions; k++) {
		if (!live->regions[k].reachable)
			fprintf(out, "%s: %s\n", live->regions[k].config->id, live->regions[k].reason);
	}
	return ferror(out) ? -1 : 0;
}

/* ---- select ------------------------------------------------------------------------------ */

int output_select(FILE *out, enum output_format format, bool explain, const struct live *live,
		  const struct score_input *in, const struct region_score *scores, int chosen)
{
	struct table t = { .cols = 7 };
	size_t k;

	if (format == OUTPUT_JSON) {
		/* JSON always carries every term: --explain only changes the table */
		cJSON *root = score_explain_json_new(in, scores, chosen);

		if (!root || !add_warnings(root, live) ||
		    !cJSON_AddNumberToObject(root, "elapsedMs", (double)live->elapsed_ms)) {
			cJSON_Delete(root);
			return -1;
		}
		return json_print(out, root);
	}
	if (explain)
		return score_explain_text(out, in, scores, chosen);
	table_row(&t, "REGION", "CITY", "FIT", "FREE CPU", "FREE MEMORY", "FREE STORAGE", "S");
	for (k = 0; k < in->n_regions; k++) {
		const struct region_score *s = &scores[k];
		char id[80], cpu[32] = "", mem[32] = "", sto[32] = "", score[32];

		snprintf(id, sizeof(id), "%c %s", (int)k == chosen ? '*' : ' ',
			 in->regions[k].config->id);
		if (in->regions[k].reachable) {
			cpu_text(s->free[RES_CPU], cpu, sizeof(cpu));
			bytes_text(s->free[RES_MEMORY], mem, sizeof(mem));
			bytes_text(s->free[RES_STORAGE], sto, sizeof(sto));
		}
		snprintf(score, sizeof(score), "%.4f", s->s);
		table_row(&t, id, in->regions[k].config->city, s->feasible ? "yes" : "no", cpu, mem,
			  sto, score);
	}
	if (table_print(out, &t, "") < 0)
		return -1;
	for (k = 0; k < in->n_regions; k++) {
		if (!scores[k].feasible)
			fprintf(out, "%s: %s\n", in->regions[k].config->id, scores[k].reason);
	}
	if (in->location_degraded)
		fprintf(out, "location degraded: %s; U = 0, cities from --host MAC@CITY\n",
			in->location_degraded);
	if (chosen >= 0)
		fprintf(out, "chosen: %s\n", in->regions[chosen].config->id);
	else
		fprintf(out, "no feasible region\n");
	return ferror(out) ? -1 : 0;
}

/* ---- entries ------------------------------------------------------------------------------ */

static void entry_bandwidth(const struct entry *entry, char *buf, size_t size)
{
	if (entry->bandwidth_bps >= 0)
		bps_text(entry->bandwidth_bps, buf, size);
	else
		snprintf(buf, size, "%s", entry->bandwidth ? entry->bandwidth : "");
}

static cJSON *entry_json(const struct entry *entry)
{
	cJSON *obj = cJSON_CreateObject(), *hosts, *intents;
	size_t i;

	if (!obj || !cJSON_AddStringToObject(obj, "name", entry->name) ||
	    !add_string_or_null(obj, "region", entry->region) ||
	    !add_string_or_null(obj, "namespace", entry->namespace) ||
	    !add_string_or_null(obj, "phase", entry->region ? entry->phase : "NoPod") ||
	    !add_string_or_null(obj, "ip", entry->ip) ||
	    !add_string_or_null(obj, "node", entry->node) ||
	    !add_string_or_null(obj, "vdn", entry->vdn) ||
	    !add_string_or_null(obj, "mac", entry->mac) ||
	    !add_string_or_null(obj, "image", entry->image) ||
	    !add_string_or_null(obj, "cpu", entry->cpu) ||
	    !add_string_or_null(obj, "memory", entry->memory) ||
	    !add_string_or_null(obj, "storage", entry->storage) ||
	    !(entry->bandwidth_bps >= 0
		      ? cJSON_AddNumberToObject(obj, "bandwidthBps", entry->bandwidth_bps)
		      : cJSON_AddNullToObject(obj, "bandwidthBps")) ||
	    !add_string_or_null(obj, "bandwidth", entry->bandwidth))
		goto fail;
	hosts = cJSON_AddArrayToObject(obj, "hosts");
	intents = cJSON_AddArrayToObject(obj, "intents");
	if (!hosts || !intents)
		goto fail;
	for (i = 0; i < entry->n_hosts; i++) {
		cJSON *s = cJSON_CreateString(entry->hosts[i]);

		if (!s || !cJSON_AddItemToArray(hosts, s)) {
			cJSON_Delete(s);
			goto fail;
		}
	}
	for (i = 0; i < entry->n_intents; i++) {
		const struct onos_intent *it = entry->intents[i];
		cJSON *item = cJSON_CreateObject();

		if (!item || !cJSON_AddItemToArray(intents, item)) {
			cJSON_Delete(item);
			goto fail;
		}
		if (!cJSON_AddStringToObject(item, "key", it->key) ||
		    !add_string_or_null(item, "one", it->one) ||
		    !add_string_or_null(item, "two", it->two) ||
		    !add_string_or_null(item, "state", it->state) ||
		    !(it->bandwidth_bps >= 0
			      ? cJSON_AddNumberToObject(item, "bandwidthBps", it->bandwidth_bps)
			      : cJSON_AddNullToObject(item, "bandwidthBps")))
			goto fail;
	}
	return obj;
fail:
	cJSON_Delete(obj);
	return NULL;
}

/* "a,b,c" of the entry's hosts into buf (cut short when long). */
static void hosts_text(const struct entry *entry, char *buf, size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < entry->n_hosts && used + 1 < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? "," : "", entry->hosts[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int output_entries(FILE *out, enum output_format format, const struct live *live,
		   const struct entry *entries, size_t n)
{
	struct table t = { .cols = 10 };
	size_t i, k;

	if (format == OUTPUT_JSON) {
		cJSON *root = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(root, "entries");
		cJSON *unreachable = cJSON_AddArrayToObject(root, "unreachable");

		if (!list || !unreachable || !add_onos(root, live) || !add_warnings(root, live))
			goto fail;
		for (i = 0; i < n; i++) {
			cJSON *item = entry_json(&entries[i]);

			if (!item || !cJSON_AddItemToArray(list, item)) {
				cJSON_Delete(item);
				goto fail;
			}
		}
		for (k = 0; k < live->n_regions; k++) {
			cJSON *item;

			if (live->regions[k].reachable)
				continue;
			item = cJSON_CreateObject();
			if (!item || !cJSON_AddItemToArray(unreachable, item)) {
				cJSON_Delete(item);
				goto fail;
			}
			if (!cJSON_AddStringToObject(item, "region", live->regions[k].config->id) ||
			    !cJSON_AddStringToObject(item, "reason", live->regions[k].reason))
				goto fail;
		}
		return json_print(out, root);
fail:
		cJSON_Delete(root);
		return -1;
	}
	table_row(&t, "NAME", "REGION", "PHASE", "IP", "VDN", "HOSTS", "CPU", "MEMORY", "STORAGE",
		  "BANDWIDTH");
	for (i = 0; i < n; i++) {
		const struct entry *entry = &entries[i];
		char hosts[512], bw[32];

		hosts_text(entry, hosts, sizeof(hosts));
		entry_bandwidth(entry, bw, sizeof(bw));
		table_row(&t, entry->name, entry->region,
			  entry->region ? entry->phase : "(no pod)", entry->ip, entry->vdn, hosts,
			  entry->cpu, entry->memory, entry->storage, bw);
	}
	if (table_print(out, &t, "") < 0)
		return -1;
	for (k = 0; k < live->n_regions; k++) {
		if (!live->regions[k].reachable)
			fprintf(out, "%s: not listed: %s\n", live->regions[k].config->id,
				live->regions[k].reason);
	}
	return ferror(out) ? -1 : 0;
}

static void field(FILE *out, const char *label, const char *value)
{
	fprintf(out, "%s:%*s%s\n", label, (int)(10 - strlen(label)), "", value && *value ? value : "-");
}

int output_entry(FILE *out, enum output_format format, const struct live *live,
		 const struct entry *entry)
{
	struct table t = { .cols = 4 };
	char hosts[512], bw[32];
	size_t i;

	if (format == OUTPUT_JSON) {
		cJSON *root = entry_json(entry);

		if (!root || !add_warnings(root, live)) {
			cJSON_Delete(root);
			return -1;
		}
		return json_print(out, root);
	}
	hosts_text(entry, hosts, sizeof(hosts));
	entry_bandwidth(entry, bw, sizeof(bw));
	field(out, "Name", entry->name);
	field(out, "Region", entry->region);
	field(out, "Namespace", entry->namespace);
	field(out, "Phase", entry->region ? entry->phase : "(no pod: intents left over)");
	field(out, "Node", entry->node);
	field(out, "IP", entry->ip);
	field(out, "VDN", entry->vdn);
	field(out, "MAC", entry->mac);
	field(out, "Image", entry->image);
	field(out, "CPU", entry->cpu);
	field(out, "Memory", entry->memory);
	field(out, "Storage", entry->storage);
	field(out, "Bandwidth", bw);
	field(out, "Hosts", hosts);
	if (!live->onos_ok && live->onos_reason[0]) {
		fprintf(out, "Intents:   unknown (%s)\n", live->onos_reason);
		return ferror(out) ? -1 : 0;
	}
	if (!entry->n_intents) {
		fprintf(out, "Intents:   none\n");
		return ferror(out) ? -1 : 0;
	}
	fprintf(out, "Intents:\n");
	table_row(&t, "KEY", "HOST", "STATE", "BANDWIDTH");
	for (i = 0; i < entry->n_intents; i++) {
		const struct onos_intent *it = entry->intents[i];
		char ibw[32] = "";

		if (it->bandwidth_bps >= 0)
			bps_text(it->bandwidth_bps, ibw, sizeof(ibw));
		table_row(&t, it->key, it->one, it->state, ibw);
	}
	if (table_print(out, &t, "  ") < 0)
		return -1;
	return ferror(out) ? -1 : 0;
}

/* ---- create / delete ------------------------------------------------------------------------ */

int output_created(FILE *out, enum output_format format, const struct live *live,
		   const struct created *c)
{
	size_t i;

	if (format == OUTPUT_JSON) {
		cJSON *root = cJSON_CreateObject();

		if (!root || !cJSON_AddStringToObject(root, "name", c->name) ||
		    !cJSON_AddStringToObject(root, "region", c->region) ||
		    !cJSON_AddStringToObject(root, "namespace", c->namespace) ||
		    !cJSON_AddStringToObject(root, "vdn", c->vdn) ||
		    !cJSON_AddStringToObject(root, "mac", c->mac) ||
		    !cJSON_AddStringToObject(root, "plugin", c->plugin) ||
		    !cJSON_AddStringToObject(root, "image", c->image) ||
		    !(c->bandwidth_bps > 0
			      ? cJSON_AddNumberToObject(root, "bandwidthBps", (double)c->bandwidth_bps)
			      : cJSON_AddNullToObject(root, "bandwidthBps")) ||
		    !add_strings(root, "intents", c->intent_keys, c->n_intents) ||
		    !add_warnings(root, live)) {
			cJSON_Delete(root);
			return -1;
		}
		return json_print(out, root);
	}
	fprintf(out, "created %s in region %s: pod %s/%s (%s), MAC %s, VDN %s\n", c->name,
		c->region, c->namespace, c->name, c->plugin, c->mac, c->vdn);
	for (i = 0; i < c->n_intents; i++)
		fprintf(out, "intent %s%s%s\n", c->intent_keys[i], c->bandwidth ? ", bandwidth " : "",
			c->bandwidth ? c->bandwidth : "");
	return ferror(out) ? -1 : 0;
}

int output_deleted(FILE *out, enum output_format format, const struct live *live,
		   const struct deleted *d)
{
	size_t i;

	if (format == OUTPUT_JSON) {
		cJSON *root = cJSON_CreateObject();

		if (!root || !cJSON_AddStringToObject(root, "name", d->name) ||
		    !cJSON_AddBoolToObject(root, "found", d->n_pods || d->n_intents) ||
		    !add_strings(root, "pods", d->pods, d->n_pods) ||
		    !add_strings(root, "intents", d->intents, d->n_intents) ||
		    !add_strings(root, "sweptIntents", d->swept, d->n_swept) ||
		    !add_warnings(root, live)) {
			cJSON_Delete(root);
			return -1;
		}
		return json_print(out, root);
	}
	if (!d->n_pods && !d->n_intents)
		fprintf(out, "%s: not found, nothing deleted\n", d->name);
	for (i = 0; i < d->n_pods; i++)
		fprintf(out, "deleted pod %s\n", d->pods[i]);
	for (i = 0; i < d->n_intents; i++)
		fprintf(out, "deleted intent %s\n", d->intents[i]);
	for (i = 0; i < d->n_swept; i++)
		fprintf(out, "deleted intent %s (no pod of the VDN is left)\n", d->swept[i]);
	return ferror(out) ? -1 : 0;
}
