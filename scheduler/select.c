/* `regions` and `select`: the read-only commands, live inputs in, a decision (or just the
 * state) out; nothing in a cluster or in ONOS changes. */
#include <stdlib.h>
#include "cmd.h"
#include "collect.h"
#include "score.h"

int cmd_regions(const struct cmd_ctx *ctx, struct cni_err *e)
{
	struct collect_opts opts = { .usage = true, .topology = true };
	struct live live;
	int ret = SCHED_EXIT_ERROR;

	if (collect_live(ctx->config, &opts, &live, e) < 0)
		goto out;
	output_warnings(ctx->err, &live);
	if (output_regions(ctx->out, ctx->format, &live) < 0) {
		cni_err_set(e, CNI_ERR_IO, "cannot write the output");
		goto out;
	}
	ret = SCHED_EXIT_OK;
out:
	live_free(&live);
	return ret;
}

int cmd_select(const struct cmd_ctx *ctx, const struct sched_request *request, bool explain,
	       struct cni_err *e)
{
	struct collect_opts opts = { .usage = true, .topology = true, .request = request };
	struct live live;
	struct score_input in;
	struct region_score *scores = NULL;
	int chosen = -1, ret = SCHED_EXIT_ERROR;

	if (collect_live(ctx->config, &opts, &live, e) < 0)
		goto out;
	scores = calloc(live.n_regions + 1, sizeof(*scores));
	if (!scores) {
		cni_err_set(e, CNI_ERR_INTERNAL, "select: out of memory");
		goto out;
	}
	live_score_input(&live, request, &in);
	if (score_regions(&in, scores, &chosen, e) < 0)
		goto out;
	output_warnings(ctx->err, &live);
	/* the table is printed even with no feasible region: it says why each one is out */
	if (output_select(ctx->out, ctx->format, explain, &live, &in, scores, chosen) < 0) {
		cni_err_set(e, CNI_ERR_IO, "cannot write the output");
		goto out;
	}
	if (chosen < 0) {
		cni_err_set(e, CNI_ERR_LIMITED, "no feasible region for the request");
		ret = SCHED_EXIT_INFEASIBLE;
		goto out;
	}
	ret = SCHED_EXIT_OK;
out:
	free(scores);
	live_free(&live);
	return ret;
}
