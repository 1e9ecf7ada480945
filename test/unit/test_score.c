/* Region scoring, DESIGN §7 eq. 1-3: each scenario is worked by hand in its comment, with
 * α = β = 0.5 and γ = 0.4 / 0.4 / 0.2 unless it says otherwise. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "score.h"

#define GI (1LL << 30)
#define MAX_REGIONS 4

#define assert_near(actual, expected) do { \
	double a_ = (actual), x_ = (expected); \
	if (!(fabs(a_ - x_) <= 1e-12)) \
		fail_msg("%s = %.17g, expected %.17g", #actual, a_, x_); \
} while (0)

static const struct selection_config even = {
	.alpha = 0.5, .beta = 0.5, .gamma_cpu = 0.4, .gamma_memory = 0.4, .gamma_storage = 0.2,
};

/* A scenario: up to four regions of one node each unless a test gives its own usage. */
struct scenario {
	struct region_config config[MAX_REGIONS];
	struct node_usage node[MAX_REGIONS];
	struct region_usage usage[MAX_REGIONS];
	struct score_region region[MAX_REGIONS];
	struct region_score score[MAX_REGIONS];
	struct score_input in;
	int chosen;
};

static void region_add(struct scenario *s, const char *id, const char *city, double data_volume,
		       int64_t cpu, int64_t memory, int64_t storage)
{
	size_t k = s->in.n_regions++;

	assert_true(k < MAX_REGIONS);
	s->config[k] = (struct region_config){ .id = (char *)id, .name = (char *)id,
					       .city = (char *)city, .data_volume = data_volume };
	s->node[k] = (struct node_usage){ .name = (char *)"node", .counted = true,
					  .free = { cpu, memory, storage } };
	s->usage[k] = (struct region_usage){ .nodes = &s->node[k], .n_nodes = 1 };
	s->region[k] = (struct score_region){ .config = &s->config[k], .reachable = true,
					      .usage = &s->usage[k] };
	s->in.regions = s->region;
	s->in.selection = &even;
}

static void scenario_score(struct scenario *s)
{
	struct cni_err e = { 0 };

	if (score_regions(&s->in, s->score, &s->chosen, &e) != 0)
		fail_msg("score_regions: %s", e.msg);
}

/* A tie: the earlier region in the config wins, whichever that is.
 * A and B identical: no users → P = 0; D 10 and 10 → ρ = 10/20 = 0.5;
 * W_L = 0.5·0 + 0.5·0.5 = 0.25; both free equal the max → W_R = 0.4 + 0.4 + 0.2 = 1;
 * S = 0.5·0.25 + 0.5·1 = 0.625 for both → k* = 0. */
static void test_tie_goes_to_the_earlier_region(void **state)
{
	struct scenario s = { 0 };

	(void)state;
	region_add(&s, "a", "Daejeon", 10, 4000, 8 * GI, 100 * GI);
	region_add(&s, "b", "Daejeon", 10, 4000, 8 * GI, 100 * GI);
	scenario_score(&s);
	assert_near(s.score[0].s, 0.625);
	assert_near(s.score[1].s, 0.625);
	assert_int_equal(s.chosen, 0);
	s.config[0].id = (char *)"b";
	s.config[1].id = (char *)"a";
	scenario_score(&s);
	assert_int_equal(s.chosen, 0);
	assert_string_equal(s.region[s.chosen].config->id, "b");
}

/* A resource whose maximum over F is 0 adds nothing (no 0/0).
 * A: cpu 4000, mem 8Gi, sto 0; B: cpu 2000, mem 4Gi, sto 0; demand 1000m, 1Gi, 0.
 * max cpu 4000, max mem 8Gi, max sto 0 → storage term 0.
 * W_R(A) = 0.4·4000/4000 + 0.4·8/8 + 0 = 0.8; W_R(B) = 0.4·0.5 + 0.4·0.5 + 0 = 0.4.
 * No users, D = 0 → W_L = 0. S(A) = 0.5·0.8 = 0.4; S(B) = 0.5·0.4 = 0.2 → k* = A. */
static void test_zero_maximum_gives_a_zero_term(void **state)
{
	struct scenario s = { .in.demand = { 1000, GI, 0 } };

	(void)state;
	region_add(&s, "a", "Daejeon", 0, 4000, 8 * GI, 0);
	region_add(&s, "b", "Seoul", 0, 2000, 4 * GI, 0);
	scenario_score(&s);
	assert_true(s.score[0].feasible && s.score[1].feasible);
	assert_near(s.score[0].w_r, 0.8);
	assert_near(s.score[1].w_r, 0.4);
	assert_near(s.score[0].s, 0.4);
	assert_near(s.score[1].s, 0.2);
	assert_int_equal(s.chosen, 0);
}

/* No user hosts: P = 0 whatever the weights; the location term is centrality alone.
 * D 30 and 10 → ρ = 0.75 and 0.25; W_L = 0.5·0 + 0.5·ρ = 0.375 and 0.125;
 * equal free → W_R = 1 each; S = 0.5·0.375 + 0.5 = 0.6875 and 0.5·0.125 + 0.5 = 0.5625. */
static void test_no_user_hosts_gives_p_zero(void **state)
{
	struct city_weight weights[] = { { (char *)"Seoul", 1.0 } };
	struct scenario s = { 0 };

	(void)state;
	region_add(&s, "a", "Daejeon", 30, 4000, 8 * GI, GI);
	region_add(&s, "b", "Seoul", 10, 4000, 8 * GI, GI);
	s.config[0].weights = weights;
	s.config[0].n_weights = 1;
	scenario_score(&s);
	assert_near(s.score[0].p, 0);
	assert_near(s.score[1].p, 0);
	assert_near(s.score[0].rho, 0.75);
	assert_near(s.score[1].rho, 0.25);
	assert_near(s.score[0].w_l, 0.375);
	assert_near(s.score[1].w_l, 0.125);
	assert_near(s.score[0].s, 0.6875);
	assert_near(s.score[1].s, 0.5625);
	assert_int_equal(s.chosen, 0);
}

/* Σ_F D = 0: ρ = 0 everywhere (no 0/0).
 * One user in Seoul, no paths (U = 0). A (Daejeon) weighs Seoul 0.8, B (Busan) 0.6.
 * P = 0.8 and 0.6; W_L = 0.5·P + 0.5·0 = 0.4 and 0.3; W_R = 1 each;
 * S = 0.5·0.4 + 0.5·1 = 0.7 and 0.5·0.3 + 0.5 = 0.65 → k* = A. */
static void test_no_data_volume_gives_rho_zero(void **state)
{
	struct city_weight a_weights[] = { { (char *)"Seoul", 0.8 } };
	struct city_weight b_weights[] = { { (char *)"Seoul", 0.6 } };
	struct score_user user = { .host = "10.10.3.11", .city = "Seoul" };
	struct scenario s = { 0 };

	(void)state;
	region_add(&s, "a", "Daejeon", 0, 4000, 8 * GI, GI);
	region_add(&s, "b", "Busan", 0, 4000, 8 * GI, GI);
	s.config[0].weights = a_weights;
	s.config[0].n_weights = 1;
	s.config[1].weights = b_weights;
	s.config[1].n_weights = 1;
	s.in.users = &user;
	s.in.n_users = 1;
	scenario_score(&s);
	assert_near(s.score[0].rho, 0);
	assert_near(s.score[1].rho, 0);
	assert_near(s.score[0].p, 0.8);
	assert_near(s.score[1].p, 0.6);
	assert_near(s.score[0].s, 0.7);
	assert_near(s.score[1].s, 0.65);
	assert_int_equal(s.chosen, 0);
}

/* User and region in the same city: E(l, k) is empty, so U = 0 even though the caller's
 * path lists a loaded link (u = 0.9); the same link does count toward B in Seoul.
 * User in Daejeon. A in Daejeon, no weights → own city 1: P = 1·(1 − 0) = 1.
 * B in Seoul weighs Daejeon 1.0, U = 0.9: P = 1·(1 − 0.9) = 0.1.
 * D 10 and 10 → ρ = 0.5; W_L = 0.5·1 + 0.25 = 0.75 and 0.5·0.1 + 0.25 = 0.3;
 * W_R = 1; S = 0.375 + 0.5 = 0.875 and 0.15 + 0.5 = 0.65. */
static void test_same_city_has_no_external_link(void **state)
{
	struct city_weight b_weights[] = { { (char *)"Daejeon", 1.0 } };
	struct score_link link = { "of:0000000000000001/2", "of:0000000000000003/1", 0.9 };
	size_t loaded[] = { 0 };
	struct score_path paths[2] = { { loaded, 1 }, { loaded, 1 } };
	struct score_user user = { .host = "10.10.2.11", .city = "Daejeon",
				   .device = "of:0000000000000002" };
	struct scenario s = { 0 };

	(void)state;
	region_add(&s, "a", "Daejeon", 10, 4000, 8 * GI, GI);
	region_add(&s, "b", "Seoul", 10, 4000, 8 * GI, GI);
	s.config[1].weights = b_weights;
	s.config[1].n_weights = 1;
	s.in.users = &user;
	s.in.n_users = 1;
	s.in.links = &link;
	s.in.n_links = 1;
	s.in.paths = paths;
	scenario_score(&s);
	assert_near(score_user_load(&s.in, 0, 0), 0);
	assert_near(score_user_load(&s.in, 0, 1), 0.9);
	assert_near(s.score[0].p, 1);
	assert_near(s.score[1].p, 0.1);
	assert_near(s.score[0].s, 0.875);
	assert_near(s.score[1].s, 0.65);
	assert_int_equal(s.chosen, 0);

	/* Same access device, cities unknown: also no external link, and weight 0. */
	s.region[1].device = "of:0000000000000002";
	user.city = NULL;
	assert_near(score_user_load(&s.in, 0, 1), 0);
}

/* A loaded external link moves the choice.
 * User in Seoul; A (Daejeon) weighs Seoul 0.9, B (Busan) 0.8; D 10 and 10 → ρ = 0.5; W_R = 1.
 * Idle links: P = 0.9 and 0.8; W_L = 0.45 + 0.25 = 0.7 and 0.4 + 0.25 = 0.65;
 *   S = 0.35 + 0.5 = 0.85 and 0.325 + 0.5 = 0.825 → A.
 * A's link at u = 0.5, B's at 0.1: P = 0.9·0.5 = 0.45 and 0.8·0.9 = 0.72;
 *   W_L = 0.225 + 0.25 = 0.475 and 0.36 + 0.25 = 0.61;
 *   S = 0.2375 + 0.5 = 0.7375 and 0.305 + 0.5 = 0.805 → B. */
static void test_loaded_external_link_changes_the_choice(void **state)
{
	struct city_weight a_weights[] = { { (char *)"Seoul", 0.9 } };
	struct city_weight b_weights[] = { { (char *)"Seoul", 0.8 } };
	struct score_link links[] = {
		{ "of:0000000000000003/1", "of:0000000000000001/2", 0 },
		{ "of:0000000000000003/2", "of:0000000000000004/2", 0 },
	};
	size_t to_a[] = { 0 }, to_b[] = { 1 };
	struct score_path paths[2] = { { to_a, 1 }, { to_b, 1 } };
	struct score_user user = { .host = "00:1B:21:5E:03:11", .city = "Seoul",
				   .device = "of:0000000000000003" };
	struct scenario s = { 0 };

	(void)state;
	region_add(&s, "a", "Daejeon", 10, 4000, 8 * GI, GI);
	region_add(&s, "b", "Busan", 10, 4000, 8 * GI, GI);
	s.config[0].weights = a_weights;
	s.config[0].n_weights = 1;
	s.config[1].weights = b_weights;
	s.config[1].n_weights = 1;
	s.in.users = &user;
	s.in.n_users = 1;
	s.in.links = links;
	s.in.n_links = 2;
	s.in.paths = paths;
	scenario_score(&s);
	assert_near(s.score[0].s, 0.85);
	assert_near(s.score[1].s, 0.825);
	assert_int_equal(s.chosen, 0);

	links[0].utilisation = 0.5;
	links[1].utilisation = 0.1;
	scenario_score(&s);
	assert_near(s.score[0].p, 0.45);
	assert_near(s.score[1].p, 0.72);
	assert_near(s.score[0].w_l, 0.475);
	assert_near(s.score[1].w_l, 0.61);
	assert_near(s.score[0].s, 0.7375);
	assert_near(s.score[1].s, 0.805);
	assert_int_equal(s.chosen, 1);
}

/* U over two external links: 1 − Π(1 − u).
 * Seoul user → Chicago region through 0.5 and 0.2: U = 1 − 0.5·0.8 = 0.6; weight 1 → P = 0.4.
 * With the fixtures' measured loads (03/1→01/2 at 0.066114, 01/4→05/1 at 0.56084):
 * U = 1 − 0.933886·0.43916 = 1 − 0.41012537576 = 0.58987462424. */
static void test_two_links_combine_as_one_minus_product(void **state)
{
	struct city_weight weights[] = { { (char *)"Seoul", 1.0 } };
	struct score_link links[] = {
		{ "of:0000000000000003/1", "of:0000000000000001/2", 0.5 },
		{ "of:0000000000000001/4", "of:0000000000000005/1", 0.2 },
	};
	size_t both[] = { 0, 1 };
	struct score_path path = { both, 2 };
	struct score_user user = { .host = "00:1B:21:5E:03:11", .city = "Seoul",
				   .device = "of:0000000000000003" };
	struct scenario s = { 0 };

	(void)state;
	region_add(&s, "chi", "Chicago", 0, 4000, 8 * GI, GI);
	s.config[0].weights = weights;
	s.config[0].n_weights = 1;
	s.region[0].device = "of:0000000000000005";
	s.in.users = &user;
	s.in.n_users = 1;
	s.in.links = links;
	s.in.n_links = 2;
	s.in.paths = &path;
	scenario_score(&s);
	assert_near(score_user_load(&s.in, 0, 0), 0.6);
	assert_near(s.score[0].p, 0.4);

	links[0].utilisation = 0.066114;
	links[1].utilisation = 0.56084;
	assert_near(score_user_load(&s.in, 0, 0), 0.58987462424);
}

/* The region's total fits, no node does: infeasible, and the free-by-sum region loses.
 * A has nodes with 2600m and 4000m free (6600m in all, as region-a in the fixtures);
 * B has one node with 5000m. Demand 4500m → A infeasible, B the only member of F.
 * W_R(B) = 0.4·1 + 0.4·1 + 0.2·1 = 1 (it is the max of F); S(B) = 0.5·0 + 0.5·1 = 0.5.
 * A's terms still show: r(cpu, A) = 6600 and W_R(A) = 0.4·6600/5000 + 0.4 + 0.2 = 1.128. */
static void test_total_fits_but_no_single_node_is_infeasible(void **state)
{
	struct node_usage a_nodes[] = {
		{ .name = (char *)"worker-1", .counted = true, .free = { 2600, 8 * GI, GI } },
		{ .name = (char *)"worker-2", .counted = true, .free = { 4000, 8 * GI, GI } },
	};
	struct scenario s = { .in.demand = { 4500, GI, 0 } };

	(void)state;
	region_add(&s, "a", "Daejeon", 0, 0, 0, 0);
	region_add(&s, "b", "Seoul", 0, 5000, 16 * GI, 2 * GI);
	s.usage[0] = (struct region_usage){ .nodes = a_nodes, .n_nodes = 2 };
	scenario_score(&s);
	assert_false(s.score[0].feasible);
	assert_int_equal(s.score[0].free[RES_CPU], 6600);
	assert_string_equal(s.score[0].reason, "no node has enough cpu 4500m asked, at most 4 free "
					       "on one node (worker-2)");
	assert_true(s.score[1].feasible);
	assert_near(s.score[1].w_r, 1);
	assert_near(s.score[1].s, 0.5);
	assert_near(s.score[0].w_r, 0.4 * 6600.0 / 5000.0 + 0.4 + 0.2);
	assert_int_equal(s.chosen, 1);

	/* Each resource has a node with enough, no node has both: still infeasible. */
	a_nodes[0].free[RES_CPU] = 5000;
	a_nodes[0].free[RES_MEMORY] = GI / 2;
	scenario_score(&s);
	assert_false(s.score[0].feasible);
	assert_string_equal(s.score[0].reason, "no single node has cpu 4500m, memory 1Gi and "
					       "storage 0 free at once");
}

/* Nothing feasible: k* = −1, and each region says why.
 * A unreachable, B has only a tainted node, C's node is 1Gi short of memory. */
static void test_all_infeasible_gives_no_choice(void **state)
{
	struct scenario s = { .in.demand = { 1000, 2 * GI, 0 } };

	(void)state;
	region_add(&s, "a", "Daejeon", 5, 8000, 32 * GI, 0);
	region_add(&s, "b", "Seoul", 5, 8000, 32 * GI, 0);
	region_add(&s, "c", "Busan", 5, 8000, GI, 0);
	s.region[0].reachable = false;
	s.region[0].unreachable_reason = "GET /api/v1/nodes: timeout after 3000 ms";
	s.region[0].usage = NULL;
	s.node[1].counted = false;
	scenario_score(&s);
	assert_int_equal(s.chosen, -1);
	assert_string_equal(s.score[0].reason,
			    "unreachable: GET /api/v1/nodes: timeout after 3000 ms");
	assert_int_equal(s.score[0].free[RES_CPU], 0);
	assert_string_equal(s.score[1].reason,
			    "no schedulable node (1 node, none Ready, schedulable and untainted)");
	assert_string_equal(s.score[2].reason, "no node has enough memory 2Gi asked, at most 1Gi "
					       "free on one node (node)");
	/* F is empty: ρ and W_R have nothing to be relative to. */
	assert_near(s.score[2].rho, 0);
	assert_near(s.score[2].w_r, 0);
}

/* ONOS unreachable: U = 0 on every path; P from the cities given with --host alone.
 * Seoul user, A weighs Seoul 0.5, its path link at u = 1 would give P = 0; degraded: P = 0.5. */
static void test_degraded_location_ignores_links(void **state)
{
	struct city_weight weights[] = { { (char *)"Seoul", 0.5 } };
	struct score_link link = { "x/1", "y/1", 1.0 };
	size_t one[] = { 0 };
	struct score_path path = { one, 1 };
	struct score_user user = { .host = "10.10.3.11", .city = "Seoul" };
	struct scenario s = { 0 };

	(void)state;
	region_add(&s, "a", "Daejeon", 0, 4000, 8 * GI, GI);
	s.config[0].weights = weights;
	s.config[0].n_weights = 1;
	s.in.users = &user;
	s.in.n_users = 1;
	s.in.links = &link;
	s.in.n_links = 1;
	s.in.paths = &path;
	scenario_score(&s);
	assert_near(s.score[0].p, 0);
	s.in.location_degraded = "ONOS unreachable: connection refused";
	scenario_score(&s);
	assert_near(s.score[0].p, 0.5);
}

static void test_malformed_input_is_refused(void **state)
{
	struct score_link link = { "x/1", "y/1", 1.5 };
	size_t bad[] = { 3 };
	struct score_path path = { bad, 1 };
	struct score_user user = { .host = "h", .city = "Seoul" };
	struct scenario s = { 0 };
	struct cni_err e = { 0 };

	(void)state;
	region_add(&s, "a", "Daejeon", 0, 4000, 8 * GI, GI);
	s.in.users = &user;
	s.in.n_users = 1;
	s.in.links = &link;
	s.in.n_links = 1;
	s.in.paths = &path;
	assert_int_equal(score_regions(&s.in, s.score, &s.chosen, &e), -1);
	assert_string_equal(e.msg, "score: link 0 (x/1 -> y/1): utilisation 1.5 outside [0, 1]");
	link.utilisation = 0.5;
	assert_int_equal(score_regions(&s.in, s.score, &s.chosen, &e), -1);
	assert_string_equal(e.msg, "score: path of user 0 to region 0 names link 3 of 1");
	assert_int_equal(s.chosen, -1);
}

/* The fixture's trans-Pacific link: rx 3505250000 bytes in 5 s = 5.6084 Gbps on 10G. */
static void test_link_utilisation_and_its_guards(void **state)
{
	struct port_delta chicago = { .bytes_sent = 686437500, .bytes_received = 3505250000LL,
				      .duration_sec = 5 };
	struct port_delta d;

	(void)state;
	assert_near(link_utilisation(&chicago, 10000), 0.56084);
	assert_near(link_utilisation(NULL, 10000), 0);                 /* no sample */
	assert_near(link_utilisation(&chicago, 0), 0);                 /* speed unknown */
	d = chicago;
	d.duration_sec = 0;                                            /* OpenFlow 1.0 */
	assert_near(link_utilisation(&d, 10000), 0);
	d = chicago;
	d.bytes_received = -5;                                         /* counter reset */
	assert_near(link_utilisation(&d, 10000), 0.109830);
	d.bytes_sent = -1;
	assert_near(link_utilisation(&d, 10000), 0);
	d = (struct port_delta){ .bytes_sent = INT64_MAX, .duration_sec = 1 };
	assert_near(link_utilisation(&d, 100000), 1);                  /* capped */
}

/* The explanation carries every term, marks k* and says why a region is out. */
static void test_explanation_json_and_text(void **state)
{
	struct city_weight weights[] = { { (char *)"Seoul", 0.8 } };
	struct score_link link = { "of:0000000000000003/1", "of:0000000000000001/2", 0.25 };
	size_t one[] = { 0 };
	struct score_path paths[2] = { { one, 1 }, { one, 1 } };
	struct score_user user = { .host = "00:1B:21:5E:03:11", .city = "Seoul",
				   .device = "of:0000000000000003" };
	struct scenario s = { .in.demand = { 2000, 4 * GI, 10 * GI } };
	cJSON *json, *dj, *bs, *u;
	char *text, small[16];
	int len;

	(void)state;
	region_add(&s, "dj", "Daejeon", 120, 6600, 36 * GI, 240 * GI);
	region_add(&s, "bs", "Busan", 0, 0, 0, 0);
	s.config[0].weights = weights;
	s.config[0].n_weights = 1;
	s.region[1].reachable = false;
	s.region[1].unreachable_reason = "connection refused";
	s.in.users = &user;
	s.in.n_users = 1;
	s.in.links = &link;
	s.in.n_links = 1;
	s.in.paths = paths;
	scenario_score(&s);
	assert_int_equal(s.chosen, 0);

	json = score_explain_json_new(&s.in, s.score, s.chosen);
	assert_non_null(json);
	assert_string_equal(cJSON_GetObjectItem(json, "chosen")->valuestring, "dj");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "location"),
						      "degraded")));
	dj = cJSON_GetArrayItem(cJSON_GetObjectItem(json, "regions"), 0);
	bs = cJSON_GetArrayItem(cJSON_GetObjectItem(json, "regions"), 1);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(dj, "chosen")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(dj, "feasible")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(dj, "reason")));
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(dj, "free"),
					     "cpuMillicores")->valuedouble, 6600);
	/* P = 0.8·(1 − 0.25) = 0.6; ρ = 1; W_L = 0.3 + 0.5 = 0.8; W_R = 1; S = 0.9. */
	assert_near(cJSON_GetObjectItem(dj, "P")->valuedouble, 0.6);
	assert_near(cJSON_GetObjectItem(dj, "rho")->valuedouble, 1);
	assert_near(cJSON_GetObjectItem(dj, "WL")->valuedouble, 0.8);
	assert_near(cJSON_GetObjectItem(dj, "WR")->valuedouble, 1);
	assert_near(cJSON_GetObjectItem(dj, "S")->valuedouble, 0.9);
	u = cJSON_GetArrayItem(cJSON_GetObjectItem(dj, "users"), 0);
	assert_near(cJSON_GetObjectItem(u, "weight")->valuedouble, 0.8);
	assert_near(cJSON_GetObjectItem(u, "U")->valuedouble, 0.25);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(u, "externalLinks")), 1);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(bs, "free")));
	assert_string_equal(cJSON_GetObjectItem(bs, "reason")->valuestring,
			    "unreachable: connection refused");
	cJSON_Delete(json);

	len = score_explain_snprintf(small, sizeof(small), &s.in, s.score, s.chosen);
	assert_true(len > (int)sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	text = malloc((size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(score_explain_snprintf(text, (size_t)len + 1, &s.in, s.score, s.chosen),
			 len);
	assert_non_null(strstr(text, "* dj      yes      6600m         36Gi         240Gi  "
				     "0.6000  1.0000  0.8000  1.0000  0.9000\n"));
	assert_non_null(strstr(text, "  bs      no           -            -             -  "));
	assert_non_null(strstr(text, "bs: unreachable: connection refused\n"));
	assert_non_null(strstr(text, "  dj      00:1B:21:5E:03:11@Seoul  w 0.80  U 0.2500 "
				     "(1 external link)\n"));
	assert_non_null(strstr(text, "chosen: dj (S = 0.9000)\n"));
	free(text);

	s.in.location_degraded = "ONOS unreachable: timeout";
	scenario_score(&s);
	len = score_explain_snprintf(NULL, 0, &s.in, s.score, s.chosen);
	text = malloc((size_t)len + 1);
	assert_non_null(text);
	score_explain_snprintf(text, (size_t)len + 1, &s.in, s.score, s.chosen);
	assert_non_null(strstr(text, "location: ONOS unreachable: timeout; U = 0 on every path, "
				     "cities from --host MAC@CITY\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tie_goes_to_the_earlier_region),
		cmocka_unit_test(test_zero_maximum_gives_a_zero_term),
		cmocka_unit_test(test_no_user_hosts_gives_p_zero),
		cmocka_unit_test(test_no_data_volume_gives_rho_zero),
		cmocka_unit_test(test_same_city_has_no_external_link),
		cmocka_unit_test(test_loaded_external_link_changes_the_choice),
		cmocka_unit_test(test_two_links_combine_as_one_minus_product),
		cmocka_unit_test(test_total_fits_but_no_single_node_is_infeasible),
		cmocka_unit_test(test_all_infeasible_gives_no_choice),
		cmocka_unit_test(test_degraded_location_ignores_links),
		cmocka_unit_test(test_malformed_input_is_refused),
		cmocka_unit_test(test_link_utilisation_and_its_guards),
		cmocka_unit_test(test_explanation_json_and_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
