/* Scoring regions with the paper's eq. 1-3 (DESIGN §7) and explaining the choice, term by
 * term, as a table or as JSON. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "score.h"

/* Two scores this close are the same score computed along different roundings. */
#define SCORE_TIE 1e-12

static const char *const resource_label[RES_COUNT] = { "cpu", "memory", "storage" };

/* Amounts for people: cpu as cores or millicores, bytes with one binary suffix. */
static void amount_text(enum resource r, int64_t value, char *buf, size_t size)
{
	static const char *const suffix[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
	double scaled = (double)value;
	int power = 0;

	if (r == RES_CPU) {
		if (value % 1000 == 0)
			snprintf(buf, size, "%" PRId64, value / 1000);
		else
			snprintf(buf, size, "%" PRId64 "m", value);
		return;
	}
	while (power < 6 && fabs(scaled) >= 1024) {
		scaled /= 1024;
		power++;
	}
	if (power == 0 || scaled == floor(scaled))
		snprintf(buf, size, "%.0f%s", scaled, suffix[power]);
	else
		snprintf(buf, size, "%.1f%s", scaled, suffix[power]);
}

/* Appends to a fixed reason buffer; the reason is cut rather than overrun. */
static void reason_append(char *reason, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void reason_append(char *reason, size_t size, const char *fmt, ...)
{
	size_t used = strlen(reason);
	va_list ap;

	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	if (vsnprintf(reason + used, size - used, fmt, ap) < 0)
		reason[used] = '\0';
	va_end(ap);
}

/* Why no node takes the pod: the resources no single node has enough of, or, when each
 * has a node with enough, that no node has all three at once. */
static void reason_no_node_fits(const struct region_usage *usage, const int64_t demand[RES_COUNT],
				char *reason, size_t size)
{
	const struct node_usage *most[RES_COUNT] = { NULL };
	size_t i, counted = 0;
	bool short_of_one = false;
	char asked[32], have[32];
	int r;

	for (i = 0; usage && i < usage->n_nodes; i++) {
		const struct node_usage *node = &usage->nodes[i];

		if (!node->counted)
			continue;
		counted++;
		for (r = 0; r < RES_COUNT; r++) {
			if (!most[r] || node->free[r] > most[r]->free[r])
				most[r] = node;
		}
	}
	reason[0] = '\0';
	if (!counted) {
		size_t n = usage ? usage->n_nodes : 0;

		reason_append(reason, size, "no schedulable node (%zu node%s, none Ready, "
			      "schedulable and untainted)", n, n == 1 ? "" : "s");
		return;
	}
	for (r = 0; r < RES_COUNT; r++) {
		if (most[r]->free[r] >= demand[r])
			continue;
		amount_text(r, demand[r], asked, sizeof(asked));
		amount_text(r, most[r]->free[r], have, sizeof(have));
		reason_append(reason, size, "%s%s %s asked, at most %s free on one node (%s)",
			      short_of_one ? "; " : "no node has enough ", resource_label[r], asked,
			      have, most[r]->name);
		short_of_one = true;
	}
	if (short_of_one)
		return;
	reason_append(reason, size, "no single node has");
	for (r = 0; r < RES_COUNT; r++) {
		amount_text(r, demand[r], asked, sizeof(asked));
		reason_append(reason, size, "%s %s %s", r == 0 ? "" : r == RES_COUNT - 1 ? " and" : ",",
			      resource_label[r], asked);
	}
	reason_append(reason, size, " free at once");
}

double link_utilisation(const struct port_delta *delta, int64_t port_speed_mbps)
{
	double tx, rx, bits_per_sec, speed;

	if (!delta || delta->duration_sec <= 0 || port_speed_mbps <= 0)
		return 0;
	tx = delta->bytes_sent > 0 ? (double)delta->bytes_sent : 0;
	rx = delta->bytes_received > 0 ? (double)delta->bytes_received : 0;
	bits_per_sec = (tx > rx ? tx : rx) * 8.0 / (double)delta->duration_sec;
	speed = (double)port_speed_mbps * 1e6;
	return bits_per_sec >= speed ? 1.0 : bits_per_sec / speed;
}

/* E(l, k) as it counts, NULL when empty. */
static const struct score_path *user_path(const struct score_input *in, size_t user,
					  size_t region)
{
	const struct score_user *l = &in->users[user];
	const struct score_region *k = &in->regions[region];
	const struct score_path *path;

	if (in->location_degraded || !in->paths)
		return NULL;
	/* DESIGN: E(l, k) is empty for the same device or the same city, whatever the path. */
	if (l->device && k->device && strcmp(l->device, k->device) == 0)
		return NULL;
	if (l->city && k->config->city && strcasecmp(l->city, k->config->city) == 0)
		return NULL;
	path = &in->paths[user * in->n_regions + region];
	return path->n_links ? path : NULL;
}

double score_user_load(const struct score_input *in, size_t user, size_t region)
{
	const struct score_path *path = user_path(in, user, region);
	double idle = 1.0;
	size_t i;

	for (i = 0; path && i < path->n_links; i++)
		idle *= 1.0 - in->links[path->links[i]].utilisation;
	return 1.0 - idle;
}

static int input_check(const struct score_input *in, struct cni_err *e)
{
	size_t i, j, n_paths = in->n_users * in->n_regions;

	for (i = 0; i < in->n_links; i++) {
		double u = in->links[i].utilisation;

		if (!(u >= 0 && u <= 1))
			return cni_err_set(e, CNI_ERR_INTERNAL, "score: link %zu (%s -> %s): "
					   "utilisation %g outside [0, 1]", i,
					   in->links[i].src ? in->links[i].src : "?",
					   in->links[i].dst ? in->links[i].dst : "?", u);
	}
	for (i = 0; in->paths && i < n_paths; i++) {
		for (j = 0; j < in->paths[i].n_links; j++) {
			if (in->paths[i].links[j] >= in->n_links)
				return cni_err_set(e, CNI_ERR_INTERNAL, "score: path of user %zu to "
						   "region %zu names link %zu of %zu",
						   i / in->n_regions, i % in->n_regions,
						   in->paths[i].links[j], in->n_links);
		}
	}
	for (i = 0; i < in->n_regions; i++) {
		if (!in->regions[i].config)
			return cni_err_set(e, CNI_ERR_INTERNAL, "score: region %zu has no config", i);
	}
	return 0;
}

int score_regions(const struct score_input *in, struct region_score *scores, int *chosen,
		  struct cni_err *e)
{
	const struct selection_config *sel = in->selection;
	const double gamma[RES_COUNT] = { sel->gamma_cpu, sel->gamma_memory, sel->gamma_storage };
	int64_t max_free[RES_COUNT] = { 0 };
	double data_volume_sum = 0;
	size_t k, l;
	int r, best = -1;

	*chosen = -1;
	if (input_check(in, e) < 0)
		return -1;

	/* F, r(x, k), max_F r(x) and Σ_F D first: every later term is relative to them. */
	for (k = 0; k < in->n_regions; k++) {
		const struct score_region *region = &in->regions[k];
		struct region_score *score = &scores[k];

		memset(score, 0, sizeof(*score));
		if (!region->reachable) {
			snprintf(score->reason, sizeof(score->reason), "unreachable: %.360s",
				 region->unreachable_reason ? region->unreachable_reason
							    : "no answer");
			continue;
		}
		usage_sum_free(region->usage, score->free);
		score->feasible = usage_some_node_fits(region->usage, in->demand);
		if (!score->feasible) {
			reason_no_node_fits(region->usage, in->demand, score->reason,
					    sizeof(score->reason));
			continue;
		}
		data_volume_sum += region->config->data_volume;
		for (r = 0; r < RES_COUNT; r++) {
			if (score->free[r] > max_free[r])
				max_free[r] = score->free[r];
		}
	}

	for (k = 0; k < in->n_regions; k++) {
		const struct score_region *region = &in->regions[k];
		struct region_score *score = &scores[k];
		double location = 0;

		for (l = 0; l < in->n_users; l++)
			location += region_weight(region->config, in->users[l].city) *
				    (1.0 - score_user_load(in, l, k));
		score->p = in->n_users ? location / (double)in->n_users : 0;
		score->rho = data_volume_sum > 0 ? region->config->data_volume / data_volume_sum : 0;
		score->w_l = sel->beta * score->p + (1.0 - sel->beta) * score->rho;
		for (r = 0; r < RES_COUNT; r++) {
			if (max_free[r] > 0)
				score->w_r += gamma[r] * ((double)score->free[r] / (double)max_free[r]);
		}
		score->s = sel->alpha * score->w_l + (1.0 - sel->alpha) * score->w_r;
		if (score->feasible && (best < 0 || score->s > scores[best].s + SCORE_TIE))
			best = (int)k;
	}
	*chosen = best;
	return 0;
}

static cJSON *amounts_json(const int64_t amount[RES_COUNT])
{
	cJSON *obj = cJSON_CreateObject();

	/* Doubles carry integers exactly up to 2^53: 8 PiB, 9 million cores. */
	if (!obj || !cJSON_AddNumberToObject(obj, "cpuMillicores", (double)amount[RES_CPU]) ||
	    !cJSON_AddNumberToObject(obj, "memoryBytes", (double)amount[RES_MEMORY]) ||
	    !cJSON_AddNumberToObject(obj, "storageBytes", (double)amount[RES_STORAGE])) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

static cJSON *user_terms_json(const struct score_input *in, size_t l, size_t k)
{
	const struct score_user *user = &in->users[l];
	const struct score_path *path = user_path(in, l, k);
	cJSON *obj = cJSON_CreateObject(), *links = NULL;
	double load = score_user_load(in, l, k);
	size_t i;

	if (!obj)
		goto fail;
	if (!cJSON_AddStringToObject(obj, "host", user->host ? user->host : "") ||
	    !(user->city ? cJSON_AddStringToObject(obj, "city", user->city)
			 : cJSON_AddNullToObject(obj, "city")) ||
	    !cJSON_AddNumberToObject(obj, "weight",
				     region_weight(in->regions[k].config, user->city)) ||
	    !cJSON_AddNumberToObject(obj, "U", load))
		goto fail;
	links = cJSON_AddArrayToObject(obj, "externalLinks");
	if (!links)
		goto fail;
	for (i = 0; path && i < path->n_links; i++) {
		const struct score_link *link = &in->links[path->links[i]];
		cJSON *entry = cJSON_CreateObject();

		if (!entry || !cJSON_AddItemToArray(links, entry)) {
			cJSON_Delete(entry);
			goto fail;
		}
		if (!cJSON_AddStringToObject(entry, "src", link->src ? link->src : "") ||
		    !cJSON_AddStringToObject(entry, "dst", link->dst ? link->dst : "") ||
		    !cJSON_AddNumberToObject(entry, "utilisation", link->utilisation))
			goto fail;
	}
	return obj;
fail:
	cJSON_Delete(obj);
	return NULL;
}

static cJSON *region_json(const struct score_input *in, const struct region_score *score,
			  size_t k, bool is_chosen)
{
	const struct region_config *config = in->regions[k].config;
	cJSON *obj = cJSON_CreateObject(), *users, *item;
	size_t l;

	if (!obj || !cJSON_AddStringToObject(obj, "id", config->id) ||
	    !cJSON_AddStringToObject(obj, "name", config->name ? config->name : config->id) ||
	    !cJSON_AddStringToObject(obj, "city", config->city ? config->city : "") ||
	    !cJSON_AddBoolToObject(obj, "feasible", score->feasible) ||
	    !(score->feasible ? cJSON_AddNullToObject(obj, "reason")
			      : cJSON_AddStringToObject(obj, "reason", score->reason)))
		goto fail;
	if (in->regions[k].reachable) {
		item = amounts_json(score->free);
		if (!item || !cJSON_AddItemToObject(obj, "free", item)) {
			cJSON_Delete(item);
			goto fail;
		}
	} else if (!cJSON_AddNullToObject(obj, "free")) {
		goto fail;
	}
	if (!cJSON_AddNumberToObject(obj, "P", score->p) ||
	    !cJSON_AddNumberToObject(obj, "rho", score->rho) ||
	    !cJSON_AddNumberToObject(obj, "WL", score->w_l) ||
	    !cJSON_AddNumberToObject(obj, "WR", score->w_r) ||
	    !cJSON_AddNumberToObject(obj, "S", score->s) ||
	    !cJSON_AddBoolToObject(obj, "chosen", is_chosen))
		goto fail;
	users = cJSON_AddArrayToObject(obj, "users");
	if (!users)
		goto fail;
	for (l = 0; l < in->n_users; l++) {
		item = user_terms_json(in, l, k);
		if (!item || !cJSON_AddItemToArray(users, item)) {
			cJSON_Delete(item);
			goto fail;
		}
	}
	return obj;
fail:
	cJSON_Delete(obj);
	return NULL;
}

cJSON *score_explain_json_new(const struct score_input *in, const struct region_score *scores,
			      int chosen)
{
	const struct selection_config *sel = in->selection;
	cJSON *root = cJSON_CreateObject(), *item, *regions, *location;
	size_t k;

	if (!root)
		goto fail;
	if (!(chosen >= 0 ? cJSON_AddStringToObject(root, "chosen", in->regions[chosen].config->id)
			  : cJSON_AddNullToObject(root, "chosen")))
		goto fail;
	item = amounts_json(in->demand);
	if (!item || !cJSON_AddItemToObject(root, "demand", item)) {
		cJSON_Delete(item);
		goto fail;
	}
	item = cJSON_AddObjectToObject(root, "selection");
	if (!item || !cJSON_AddNumberToObject(item, "alpha", sel->alpha) ||
	    !cJSON_AddNumberToObject(item, "beta", sel->beta) ||
	    !cJSON_AddNumberToObject(item, "gammaCpu", sel->gamma_cpu) ||
	    !cJSON_AddNumberToObject(item, "gammaMemory", sel->gamma_memory) ||
	    !cJSON_AddNumberToObject(item, "gammaStorage", sel->gamma_storage))
		goto fail;
	location = cJSON_AddObjectToObject(root, "location");
	if (!location || !cJSON_AddBoolToObject(location, "degraded", in->location_degraded != NULL) ||
	    !(in->location_degraded
		      ? cJSON_AddStringToObject(location, "reason", in->location_degraded)
		      : cJSON_AddNullToObject(location, "reason")))
		goto fail;
	regions = cJSON_AddArrayToObject(root, "regions");
	if (!regions)
		goto fail;
	for (k = 0; k < in->n_regions; k++) {
		item = region_json(in, &scores[k], k, (int)k == chosen);
		if (!item || !cJSON_AddItemToArray(regions, item)) {
			cJSON_Delete(item);
			goto fail;
		}
	}
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

int score_explain_text(FILE *out, const struct score_input *in,
		       const struct region_score *scores, int chosen)
{
	const struct selection_config *sel = in->selection;
	char amount[RES_COUNT][32];
	int id_width = 6, len, r;
	size_t k, l;

	for (k = 0; k < in->n_regions; k++) {
		len = (int)strlen(in->regions[k].config->id);
		if (len > id_width)
			id_width = len;
	}
	for (r = 0; r < RES_COUNT; r++)
		amount_text(r, in->demand[r], amount[r], sizeof(amount[r]));
	fprintf(out, "demand: cpu %s, memory %s, storage %s; %zu user host%s\n", amount[RES_CPU],
		amount[RES_MEMORY], amount[RES_STORAGE], in->n_users, in->n_users == 1 ? "" : "s");
	fprintf(out, "weights: alpha %g, beta %g, gamma cpu %g, memory %g, storage %g\n",
		sel->alpha, sel->beta, sel->gamma_cpu, sel->gamma_memory, sel->gamma_storage);
	if (in->location_degraded)
		fprintf(out, "location: %s; U = 0 on every path, cities from --host MAC@CITY\n",
			in->location_degraded);
	fprintf(out, "\n  %-*s  %-3s  %9s  %11s  %12s  %6s  %6s  %6s  %6s  %6s\n", id_width,
		"REGION", "FIT", "FREE CPU", "FREE MEMORY", "FREE STORAGE", "P", "RHO", "W_L",
		"W_R", "S");
	for (k = 0; k < in->n_regions; k++) {
		const struct region_score *score = &scores[k];

		for (r = 0; r < RES_COUNT; r++) {
			if (in->regions[k].reachable)
				amount_text(r, score->free[r], amount[r], sizeof(amount[r]));
			else
				snprintf(amount[r], sizeof(amount[r]), "-");
		}
		fprintf(out, "%c %-*s  %-3s  %9s  %11s  %12s  %6.4f  %6.4f  %6.4f  %6.4f  %6.4f\n",
			(int)k == chosen ? '*' : ' ', id_width, in->regions[k].config->id,
			score->feasible ? "yes" : "no", amount[RES_CPU], amount[RES_MEMORY],
			amount[RES_STORAGE], score->p, score->rho, score->w_l, score->w_r, score->s);
	}
	for (k = 0; k < in->n_regions; k++) {
		if (!scores[k].feasible)
			fprintf(out, "%s%s: %s\n", k == 0 || scores[k - 1].feasible ? "\n" : "",
				in->regions[k].config->id, scores[k].reason);
	}
	if (in->n_users && in->n_regions)
		fprintf(out, "\nlocation terms (w = weight of the user's city, U = load of the "
			"external links):\n");
	for (k = 0; k < in->n_regions; k++) {
		for (l = 0; l < in->n_users; l++) {
			const struct score_user *user = &in->users[l];
			const struct score_path *path = user_path(in, l, k);
			size_t n_links = path ? path->n_links : 0;

			fprintf(out, "  %-*s  %s@%s  w %.2f  U %.4f (%zu external link%s)\n",
				id_width, in->regions[k].config->id, user->host ? user->host : "?",
				user->city ? user->city : "?",
				region_weight(in->regions[k].config, user->city),
				score_user_load(in, l, k), n_links, n_links == 1 ? "" : "s");
		}
	}
	if (chosen >= 0)
		fprintf(out, "\nchosen: %s (S = %.4f)\n", in->regions[chosen].config->id,
			scores[chosen].s);
	else
		fprintf(out, "\nno feasible region\n");
	return ferror(out) ? -1 : 0;
}

int score_explain_snprintf(char *buf, size_t size, const struct score_input *in,
			   const struct region_score *scores, int chosen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int ret = -1;

	out = open_memstream(&text, &len);
	if (!out)
		goto out;
	if (score_explain_text(out, in, scores, chosen) < 0) {
		fclose(out);
		goto out;
	}
	if (fclose(out) != 0 || len > INT32_MAX)
		goto out;
	if (size) {
		size_t copy = len < size - 1 ? len : size - 1;

		memcpy(buf, text, copy);
		buf[copy] = '\0';
	}
	ret = (int)len;
out:
	free(text);
	return ret;
}
