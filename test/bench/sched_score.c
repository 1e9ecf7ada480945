/* CPU time of one full region scoring (score_regions) on synthetic topologies: 1,000 and
 * 10,000 regions over 10,000 SDN links. `make bench` builds it as build/<variant>/bench/sched_score
 * and runs it from test/bench/run.sh; the target is under 20 ms CPU for 1,000 regions.
 * Arguments (optional): REGIONS LINKS USERS NODES_PER_REGION. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "score.h"

#define CITIES 20
#define RUNS 15
#define MAX_PATH_LINKS 4

static const char *const city_name[CITIES] = {
	"Daejeon", "Seoul", "Busan", "Gwangju", "Daegu", "Incheon", "Ulsan", "Jeju", "Pohang",
	"Changwon", "Chicago", "Seattle", "Amsterdam", "Geneva", "Tokyo", "Singapore", "Hong Kong",
	"Sydney", "Los Angeles", "Miami",
};

struct topology {
	size_t n_regions, n_links, n_users, nodes_per_region;
	struct region_config *configs;
	struct city_weight *weights;         /* CITIES per region */
	char *ids;                           /* 24 bytes per region */
	struct node_usage *nodes;
	struct region_usage *usages;
	struct score_region *regions;
	struct score_link *links;
	struct score_user *users;
	struct score_path *paths;
	size_t *path_links;                  /* MAX_PATH_LINKS per path */
	struct region_score *scores;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: reproducible from run to run, no libc state. */
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static double rng_unit(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static void topology_free(struct topology *t)
{
	free(t->configs);
	free(t->weights);
	free(t->ids);
	free(t->nodes);
	free(t->usages);
	free(t->regions);
	free(t->links);
	free(t->users);
	free(t->paths);
	free(t->path_links);
	free(t->scores);
	memset(t, 0, sizeof(*t));
}

static int topology_build(struct topology *t, size_t n_regions, size_t n_links, size_t n_users,
			  size_t nodes_per_region)
{
	size_t k, n, l, c, n_paths = n_users * n_regions;

	memset(t, 0, sizeof(*t));
	t->n_regions = n_regions;
	t->n_links = n_links;
	t->n_users = n_users;
	t->nodes_per_region = nodes_per_region;
	t->configs = calloc(n_regions, sizeof(*t->configs));
	t->weights = calloc(n_regions * CITIES, sizeof(*t->weights));
	t->ids = calloc(n_regions, 24);
	t->nodes = calloc(n_regions * nodes_per_region, sizeof(*t->nodes));
	t->usages = calloc(n_regions, sizeof(*t->usages));
	t->regions = calloc(n_regions, sizeof(*t->regions));
	t->links = calloc(n_links, sizeof(*t->links));
	t->users = calloc(n_users, sizeof(*t->users));
	t->paths = calloc(n_paths, sizeof(*t->paths));
	t->path_links = calloc(n_paths * MAX_PATH_LINKS, sizeof(*t->path_links));
	t->scores = calloc(n_regions, sizeof(*t->scores));
	if (!t->configs || !t->weights || !t->ids || !t->nodes || !t->usages || !t->regions ||
	    !t->links || !t->users || !t->paths || !t->path_links || !t->scores) {
		topology_free(t);
		return -1;
	}

	for (l = 0; l < n_links; l++)
		t->links[l] = (struct score_link){ "of:src/1", "of:dst/1", rng_unit() };
	for (k = 0; k < n_regions; k++) {
		struct region_config *config = &t->configs[k];
		char *id = t->ids + 24 * k;

		snprintf(id, 24, "r%zu", k);
		*config = (struct region_config){ .id = id, .name = id,
						  .city = (char *)city_name[k % CITIES],
						  .weights = &t->weights[k * CITIES],
						  .n_weights = CITIES,
						  .data_volume = (double)(rng() % 1000) };
		for (c = 0; c < CITIES; c++)
			config->weights[c] = (struct city_weight){ (char *)city_name[c], rng_unit() };
		for (n = 0; n < nodes_per_region; n++) {
			struct node_usage *node = &t->nodes[k * nodes_per_region + n];

			node->name = (char *)"node";
			node->counted = rng() % 10 != 0;
			node->free[RES_CPU] = (int64_t)(rng() % 64000);
			node->free[RES_MEMORY] = (int64_t)(rng() % (256ULL << 30));
			node->free[RES_STORAGE] = (int64_t)(rng() % (2048ULL << 30));
		}
		t->usages[k] = (struct region_usage){ .nodes = &t->nodes[k * nodes_per_region],
						      .n_nodes = nodes_per_region };
		t->regions[k] = (struct score_region){ .config = config,
						       .reachable = rng() % 50 != 0,
						       .unreachable_reason = "timeout",
						       .usage = &t->usages[k],
						       .device = "of:region" };
	}
	for (l = 0; l < n_users; l++)
		t->users[l] = (struct score_user){ "00:1B:21:5E:03:11", city_name[(l * 7) % CITIES],
						   "of:user" };
	for (c = 0; c < n_paths; c++) {
		size_t *links = &t->path_links[c * MAX_PATH_LINKS];
		size_t count = 1 + rng() % MAX_PATH_LINKS, i;

		for (i = 0; i < count; i++)
			links[i] = rng() % n_links;
		t->paths[c] = (struct score_path){ links, count };
	}
	return 0;
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int bench(size_t n_regions, size_t n_links, size_t n_users, size_t nodes_per_region)
{
	static const struct selection_config selection = {
		.alpha = 0.5, .beta = 0.5, .gamma_cpu = 0.4, .gamma_memory = 0.4,
		.gamma_storage = 0.2,
	};
	struct topology t;
	struct score_input in;
	struct cni_err e = { 0 };
	double runs[RUNS], start, json_time;
	int chosen = -1, i, ret = -1;
	cJSON *json;

	if (topology_build(&t, n_regions, n_links, n_users, nodes_per_region) < 0) {
		fprintf(stderr, "sched_score: out of memory for %zu regions\n", n_regions);
		return -1;
	}
	in = (struct score_input){ .selection = &selection, .demand = { 2000, 4LL << 30, 10LL << 30 },
				   .regions = t.regions, .n_regions = n_regions,
				   .users = t.users, .n_users = n_users,
				   .links = t.links, .n_links = n_links, .paths = t.paths };
	for (i = 0; i < RUNS; i++) {
		start = cpu_seconds();
		if (score_regions(&in, t.scores, &chosen, &e) < 0) {
			fprintf(stderr, "sched_score: %s\n", e.msg);
			goto out;
		}
		runs[i] = cpu_seconds() - start;
	}
	qsort(runs, RUNS, sizeof(runs[0]), compare_double);
	start = cpu_seconds();
	json = score_explain_json_new(&in, t.scores, chosen);
	json_time = cpu_seconds() - start;
	cJSON_Delete(json);
	printf("%6zu regions x %2zu users, %zu nodes each, %6zu links: one scoring %8.3f ms CPU "
	       "(median of %d, min %.3f ms); JSON explanation %.1f ms; k* = %s\n",
	       n_regions, n_users, nodes_per_region, n_links, runs[RUNS / 2] * 1e3, RUNS,
	       runs[0] * 1e3, json_time * 1e3, chosen >= 0 ? t.configs[chosen].id : "none");
	ret = 0;
out:
	topology_free(&t);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		size_t regions = strtoul(argv[1], NULL, 10);
		size_t links = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
		size_t users = argc > 3 ? strtoul(argv[3], NULL, 10) : 16;
		size_t nodes = argc > 4 ? strtoul(argv[4], NULL, 10) : 8;

		if (!regions || !links || !nodes) {
			fprintf(stderr, "usage: sched_score [REGIONS [LINKS [USERS [NODES]]]]\n");
			return 2;
		}
		return bench(regions, links, users, nodes) < 0;
	}
	return bench(1000, 10000, 16, 8) < 0 || bench(10000, 10000, 16, 8) < 0;
}
