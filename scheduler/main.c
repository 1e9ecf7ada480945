/* vdno-scheduler's command line (DESIGN §7): parses and checks it, loads the config, and hands
 * over to one command in cmd.h. Usage errors exit 2 before anything is read or fetched. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "entry.h"
#include "http.h"
#include "request.h"

#ifndef VDN_VERSION
#define VDN_VERSION "0.1.0"
#endif

static const char usage_text[] =
	"usage: vdno-scheduler [-c CONFIG] [-o table|json] COMMAND ...\n"
	"\n"
	"commands:\n"
	"  regions                               live state of every region\n"
	"  select REQUEST [--explain]            choose a region, change nothing\n"
	"  create NAME --image IMG REQUEST [--region ID] [--vdn ID] [--bandwidth 1G]\n"
	"                                        pod in the chosen region + its VDN in ONOS\n"
	"  list                                  every entry of every region\n"
	"  show NAME                             one entry with its intents\n"
	"  delete NAME [--ignore-not-found]      the entry's pod and intents\n"
	"\n"
	"REQUEST: --cpu 2 --memory 4Gi --storage 10Gi --host MAC|IP[@CITY] (repeatable)\n"
	"\n"
	"options:\n"
	"  -c, --config FILE   config (default $" SCHED_CONFIG_ENV ", else "
	SCHED_CONFIG_DEFAULT_PATH ")\n"
	"  -o, --output FMT    table (default) or json\n"
	"  -h, --help          this text\n"
	"  -V, --version       the version\n"
	"\n"
	"exit: 0 ok, 1 error, 2 usage, 3 not found, 4 no feasible region\n";

enum opt {
	OPT_EXPLAIN = 1 << 0,
	OPT_IMAGE = 1 << 1,
	OPT_REGION = 1 << 2,
	OPT_VDN = 1 << 3,
	OPT_BANDWIDTH = 1 << 4,
	OPT_IGNORE = 1 << 5,
	OPT_CPU = 1 << 6,
	OPT_MEMORY = 1 << 7,
	OPT_STORAGE = 1 << 8,
	OPT_HOST = 1 << 9,
};
#define OPT_REQUEST (OPT_CPU | OPT_MEMORY | OPT_STORAGE | OPT_HOST)

static const struct {
	enum opt opt;
	const char *name;
} opt_names[] = {
	{ OPT_EXPLAIN, "--explain" }, { OPT_IMAGE, "--image" }, { OPT_REGION, "--region" },
	{ OPT_VDN, "--vdn" }, { OPT_BANDWIDTH, "--bandwidth" },
	{ OPT_IGNORE, "--ignore-not-found" }, { OPT_CPU, "--cpu" }, { OPT_MEMORY, "--memory" },
	{ OPT_STORAGE, "--storage" }, { OPT_HOST, "--host" },
};

static const struct {
	const char *name;
	unsigned allowed;       /* the options of this command */
	bool takes_name;
} commands[] = {
	{ "regions", 0, false },
	{ "select", OPT_REQUEST | OPT_EXPLAIN, false },
	{ "create", OPT_REQUEST | OPT_IMAGE | OPT_REGION | OPT_VDN | OPT_BANDWIDTH, true },
	{ "list", 0, false },
	{ "show", 0, true },
	{ "delete", OPT_IGNORE, true },
};

struct cli {
	const char *config_path;
	enum output_format format;
	const char *command;
	const char *name;
	unsigned given;
	struct sched_request request;
	struct create_args create;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vdno-scheduler: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'vdno-scheduler --help'.\n", stderr);
	return SCHED_EXIT_USAGE;
}

/* Returns -1 to go on, else the exit code. */
static int cli_parse(int argc, char **argv, struct cli *cli)
{
	enum { L_EXPLAIN = 256, L_IMAGE, L_REGION, L_VDN, L_BANDWIDTH, L_IGNORE, L_CPU, L_MEMORY,
	       L_STORAGE, L_HOST };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "explain", no_argument, NULL, L_EXPLAIN },
		{ "image", required_argument, NULL, L_IMAGE },
		{ "region", required_argument, NULL, L_REGION },
		{ "vdn", required_argument, NULL, L_VDN },
		{ "bandwidth", required_argument, NULL, L_BANDWIDTH },
		{ "ignore-not-found", no_argument, NULL, L_IGNORE },
		{ "cpu", required_argument, NULL, L_CPU },
		{ "memory", required_argument, NULL, L_MEMORY },
		{ "storage", required_argument, NULL, L_STORAGE },
		{ "host", required_argument, NULL, L_HOST },
		{ NULL, 0, NULL, 0 },
	};
	struct cni_err e = { 0 };
	const char *positional[2] = { NULL, NULL };
	int c, n_positional = 0;
	size_t i, cmd;

	opterr = 0;     /* our own messages, in one style */
	while ((c = getopt_long(argc, argv, ":c:o:hV", longopts, NULL)) != -1) {
		unsigned bit = 0;

		switch (c) {
		case 'c': cli->config_path = optarg; continue;
		case 'o':
			if (strcmp(optarg, "table") == 0)
				cli->format = OUTPUT_TABLE;
			else if (strcmp(optarg, "json") == 0)
				cli->format = OUTPUT_JSON;
			else
				return usage_error("-o %s: the output is table or json", optarg);
			continue;
		case 'h': fputs(usage_text, stdout); return SCHED_EXIT_OK;
		case 'V': printf("vdno-scheduler %s\n", VDN_VERSION); return SCHED_EXIT_OK;
		case L_EXPLAIN: bit = OPT_EXPLAIN; break;
		case L_IMAGE: bit = OPT_IMAGE; cli->create.image = optarg; break;
		case L_REGION: bit = OPT_REGION; cli->create.region = optarg; break;
		case L_VDN: bit = OPT_VDN; cli->create.vdn = optarg; break;
		case L_BANDWIDTH:
			bit = OPT_BANDWIDTH;
			cli->create.bandwidth = optarg;
			if (request_bandwidth_parse(optarg, &cli->create.bandwidth_bps, &e) < 0)
				return usage_error("%s", e.msg);
			break;
		case L_IGNORE: bit = OPT_IGNORE; break;
		case L_CPU: case L_MEMORY: case L_STORAGE:
			bit = c == L_CPU ? OPT_CPU : c == L_MEMORY ? OPT_MEMORY : OPT_STORAGE;
			if (request_set_demand(&cli->request, c == L_CPU ? RES_CPU : c == L_MEMORY
					       ? RES_MEMORY : RES_STORAGE, optarg, &e) < 0)
				return usage_error("%s", e.msg);
			break;
		case L_HOST:
			bit = OPT_HOST;
			if (request_add_host(&cli->request, optarg, &e) < 0)
				return usage_error("%s", e.msg);
			break;
		case ':': return usage_error("%s needs a value", argv[optind - 1]);
		default: return usage_error("unknown option %s", argv[optind - 1]);
		}
		/* --host is repeatable; a second --cpu would silently drop the first */
		if ((cli->given & bit) && bit != OPT_HOST) {
			for (i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++) {
				if (opt_names[i].opt == bit)
					return usage_error("%s given twice", opt_names[i].name);
			}
		}
		cli->given |= bit;
	}
	for (; optind < argc; optind++) {
		if (n_positional == 2)
			return usage_error("unexpected argument \"%s\"", argv[optind]);
		positional[n_positional++] = argv[optind];
	}
	if (!positional[0])
		return usage_error("%s", "no command given");
	for (cmd = 0; cmd < sizeof(commands) / sizeof(commands[0]); cmd++) {
		if (strcmp(commands[cmd].name, positional[0]) == 0)
			break;
	}
	if (cmd == sizeof(commands) / sizeof(commands[0]))
		return usage_error("unknown command \"%s\"", positional[0]);
	cli->command = commands[cmd].name;
	cli->name = positional[1];
	if (commands[cmd].takes_name && !cli->name)
		return usage_error("%s needs a NAME", cli->command);
	if (!commands[cmd].takes_name && cli->name)
		return usage_error("unexpected argument \"%s\"", cli->name);
	for (i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++) {
		if ((cli->given & opt_names[i].opt) && !(commands[cmd].allowed & opt_names[i].opt)) {
			fprintf(stderr, "vdno-scheduler: %s is not an option of %s\n",
				opt_names[i].name, cli->command);
			return usage_error("%s", "(see the commands and their options)");
		}
	}
	if (!strcmp(cli->command, "create")) {
		if (!entry_name_valid(cli->name))
			return usage_error("create %s: NAME must be a DNS-1123 label (1-63 of a-z, "
					   "0-9 and '-', starting and ending alphanumeric)",
					   cli->name);
		if (!cli->create.image)
			return usage_error("%s", "create needs --image IMG");
		if (cli->create.vdn && !entry_vdn_valid(cli->create.vdn))
			return usage_error("--vdn %s: a VDN id is a label value (1-63 of A-Z, a-z, "
					   "0-9, '-', '_' and '.', starting and ending alphanumeric)",
					   cli->create.vdn);
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct sched_config config = { 0 };
	struct cni_err e = { 0 };
	struct cmd_ctx ctx = { .out = stdout, .err = stderr };
	bool config_loaded = false, http_ready = false;
	int ret = cli_parse(argc, argv, &cli);

	if (ret >= 0)
		goto out;
	ret = SCHED_EXIT_ERROR;
	if (sched_config_load(sched_config_path(cli.config_path), &config, &e) < 0)
		goto out;
	config_loaded = true;
	if (cli.create.region && !sched_config_region(&config, cli.create.region)) {
		ret = usage_error("--region %s: no region with that id in the config",
				  cli.create.region);
		goto out;
	}
	if (http_global_init(&e) < 0)
		goto out;
	http_ready = true;
	ctx.config = &config;
	ctx.format = cli.format;
	cli.create.name = cli.name;
	cli.create.request = &cli.request;
	if (!strcmp(cli.command, "regions"))
		ret = cmd_regions(&ctx, &e);
	else if (!strcmp(cli.command, "select"))
		ret = cmd_select(&ctx, &cli.request, cli.given & OPT_EXPLAIN, &e);
	else if (!strcmp(cli.command, "create"))
		ret = cmd_create(&ctx, &cli.create, &e);
	else if (!strcmp(cli.command, "list"))
		ret = cmd_list(&ctx, &e);
	else if (!strcmp(cli.command, "show"))
		ret = cmd_show(&ctx, cli.name, &e);
	else
		ret = cmd_delete(&ctx, cli.name, cli.given & OPT_IGNORE, &e);
out:
	if (ret != SCHED_EXIT_OK && ret != SCHED_EXIT_USAGE && e.msg[0]) {
		fprintf(stderr, "vdno-scheduler: %s\n", e.msg);
		if (e.details[0])
			fprintf(stderr, "vdno-scheduler: %s\n", e.details);
	}
	if (fflush(stdout) != 0 && ret == SCHED_EXIT_OK)
		ret = SCHED_EXIT_ERROR;
	if (http_ready)
		http_global_cleanup();
	if (config_loaded)
		sched_config_free(&config);
	request_free(&cli.request);
	return ret;
}
