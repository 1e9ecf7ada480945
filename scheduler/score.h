/* Region choice, the paper's eq. 1-3 as DESIGN §7 "Scoring" makes them exact, on inputs the
 * collector has already gathered, with every term kept so the choice can be explained. */
#ifndef VDNO_SCORE_H
#define VDNO_SCORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "config.h"
#include "err.h"
#include "usage.h"

/* One directed SDN link with its load; paths refer to it by index, so a link shared by many
 * (user, region) paths is measured once. */
struct score_link {
	const char *src;          /* source connect point, "of:0000000000000001/4" (explanations) */
	const char *dst;          /* destination connect point */
	double utilisation;       /* u_e in [0, 1], see link_utilisation() */
};

/* E(l, k): the links of the ONOS path from user l's device to region k's device whose two
 * ends lie in different cities. */
struct score_path {
	const size_t *links;      /* indices into score_input.links */
	size_t n_links;
};

/* A user host l. */
struct score_user {
	const char *host;         /* as the operator gave it: MAC or IP */
	const char *city;         /* NULL when unknown: its weight is 0 everywhere */
	const char *device;       /* its access device; NULL when unknown */
};

/* A region k as the collector found it. */
struct score_region {
	const struct region_config *config;  /* id, city, weights, dataVolume */
	bool reachable;
	const char *unreachable_reason;      /* why not, when !reachable */
	const struct region_usage *usage;    /* nodes with free capacity; may be NULL if !reachable */
	const char *device;                  /* access device of config->mac_address; NULL unknown */
};

struct score_input {
	const struct selection_config *selection;
	int64_t demand[RES_COUNT];           /* d(x): millicores, bytes, bytes */
	const struct score_region *regions;  /* in config order: ties go to the earlier one */
	size_t n_regions;
	const struct score_user *users;
	size_t n_users;
	const struct score_link *links;
	size_t n_links;
	/* paths[l * n_regions + k] = E(l, k); NULL when no path has an external link. */
	const struct score_path *paths;
	/* Non-NULL when ONOS could not be asked (the reason): U = 0 everywhere and cities come
	 * from --host MAC@CITY. */
	const char *location_degraded;
};

/* Every term of one region, feasible or not. */
struct region_score {
	bool feasible;                       /* k ∈ F */
	char reason[384];                    /* why not feasible; "" when feasible */
	int64_t free[RES_COUNT];             /* r(x, k); 0 when unreachable */
	double p;                            /* P_k */
	double rho;                          /* ρ_k */
	double w_l;                          /* W_L(k), eq. 2 */
	double w_r;                          /* W_R(k), eq. 3 */
	double s;                            /* S(k), eq. 1 */
};

/* Fills scores[0 .. n_regions) and *chosen = k*, or -1 when no region is feasible. Scores
 * within 1e-12 of each other tie, and the earlier region wins. No allocation; O(regions ×
 * users × links per path + nodes). Error (code 106, internal) only for a malformed input:
 * a path naming a link that does not exist, a utilisation outside [0, 1]. */
int score_regions(const struct score_input *in, struct region_score *scores, int *chosen,
		  struct cni_err *e);

/* U(l, k) = 1 − Π_{e ∈ E(l,k)} (1 − u_e); 0 with no external link, when user and region
 * share the access device or the city, or when the location term is degraded. Expects an
 * input score_regions() accepted. */
double score_user_load(const struct score_input *in, size_t user, size_t region);

/* One port of GET /statistics/delta/ports: counters over the last poll interval. */
struct port_delta {
	int64_t bytes_sent;
	int64_t bytes_received;
	int64_t duration_sec;
};

/* u_e = min(1, max(tx, rx bit rate of the link's source port) / port speed). Unknowable
 * loads count as idle (0): no sample (delta NULL), durationSec 0 (OpenFlow 1.0, a first
 * poll), speed 0 (unknown or LOCAL). A negative delta (counter reset) counts as 0 in that
 * direction. port_speed_mbps as ONOS's portSpeed. */
double link_utilisation(const struct port_delta *delta, int64_t port_speed_mbps);

/* The explanation of a choice, per region: fit or why not, free cpu/memory/storage, P, ρ,
 * W_L, W_R, S, each user's weight and U, and k*. For -o json; cJSON_Delete() it. NULL when
 * out of memory. */
cJSON *score_explain_json_new(const struct score_input *in, const struct region_score *scores,
			      int chosen);
/* The same as a table for --explain. Returns 0, or -1 when the stream fails. */
int score_explain_text(FILE *out, const struct score_input *in,
		       const struct region_score *scores, int chosen);
/* The table into buf, always terminated; returns the length it needed, as snprintf does,
 * or -1 when out of memory. */
int score_explain_snprintf(char *buf, size_t size, const struct score_input *in,
			   const struct region_score *scores, int chosen);

#endif
