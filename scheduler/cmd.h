/* The commands of vdno-scheduler (DESIGN §7 "Command line"), one function each, called by
 * main.c once the command line is parsed. Each prints its result and returns the exit code. */
#ifndef VDNO_CMD_H
#define VDNO_CMD_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "config.h"
#include "err.h"
#include "output.h"
#include "request.h"

enum sched_exit {
	SCHED_EXIT_OK = 0,
	SCHED_EXIT_ERROR = 1,
	SCHED_EXIT_USAGE = 2,
	SCHED_EXIT_NOT_FOUND = 3,
	SCHED_EXIT_INFEASIBLE = 4,      /* no feasible region, or the pinned one does not fit */
};

struct cmd_ctx {
	const struct sched_config *config;
	enum output_format format;
	FILE *out;                      /* results */
	FILE *err;                      /* warnings */
};

struct create_args {
	const char *name;
	const char *image;
	const char *region;             /* --region; NULL: the best feasible one */
	const char *vdn;                /* --vdn; NULL: the name */
	const char *bandwidth;          /* --bandwidth as typed; NULL: no constraint */
	int64_t bandwidth_bps;
	const struct sched_request *request;
};

/* Every command: the exit code; on anything but SCHED_EXIT_OK, e says why (the caller prints
 * it). */
int cmd_regions(const struct cmd_ctx *ctx, struct cni_err *e);
int cmd_select(const struct cmd_ctx *ctx, const struct sched_request *request, bool explain,
	       struct cni_err *e);
int cmd_create(const struct cmd_ctx *ctx, const struct create_args *args, struct cni_err *e);
int cmd_list(const struct cmd_ctx *ctx, struct cni_err *e);
int cmd_show(const struct cmd_ctx *ctx, const char *name, struct cni_err *e);
int cmd_delete(const struct cmd_ctx *ctx, const char *name, bool ignore_not_found,
	       struct cni_err *e);

#endif
