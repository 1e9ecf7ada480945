/* The one entry point of every plugin: parse and validate the environment and stdin the way
 * the CNI spec and the reference skel do, dispatch to the plugin's verb, print the result in
 * the config's cniVersion or the spec's error JSON, and return the exit status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cni.h"
#include "log.h"
#include "state.h"
#include "version.h"

#define STDIN_MAX (4u << 20)   /* a conflist with prevResult is a few KiB; bound the read */

static const struct {
	const char *name;
	enum cni_cmd cmd;
	bool need_id, need_netns, need_ifname;
	const char *min_version;   /* the spec version that introduced the verb */
} commands[] = {
	{ "ADD", CNI_CMD_ADD, true, true, true, "0.1.0" },
	{ "DEL", CNI_CMD_DEL, true, false, true, "0.1.0" },
	{ "CHECK", CNI_CMD_CHECK, true, true, true, "0.4.0" },
	{ "STATUS", CNI_CMD_STATUS, false, false, false, "1.1.0" },
	{ "GC", CNI_CMD_GC, false, false, false, "1.1.0" },
	{ "VERSION", CNI_CMD_VERSION, false, false, false, "0.1.0" },
};

void cni_print_error(const char *version, const struct cni_err *e)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	if (!o)
		goto fallback;
	if (!cJSON_AddStringToObject(o, "cniVersion", version ? version : CNI_VERSION_LATEST) ||
	    !cJSON_AddNumberToObject(o, "code", e->code ? e->code : CNI_ERR_INTERNAL) ||
	    !cJSON_AddStringToObject(o, "msg", e->msg[0] ? e->msg : "unknown error") ||
	    (e->details[0] && !cJSON_AddStringToObject(o, "details", e->details)))
		goto fallback;
	text = cJSON_Print(o);
	if (!text)
		goto fallback;
	printf("%s\n", text);
	free(text);
	cJSON_Delete(o);
	return;
fallback:
	cJSON_Delete(o);
	printf("{\"code\": %d, \"msg\": \"out of memory\"}\n", CNI_ERR_INTERNAL);
}

static int read_stdin(char **out, size_t *len, struct cni_err *e)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *grown;
	ssize_t got;

	if (!buf)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	for (;;) {
		if (n + 1 >= cap) {
			if (cap >= STDIN_MAX) {
				free(buf);
				return cni_err_set(e, CNI_ERR_IO, "stdin: configuration larger "
						   "than %u bytes", STDIN_MAX);
			}
			cap *= 2;
			grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
			}
			buf = grown;
		}
		got = read(STDIN_FILENO, buf + n, cap - n - 1);
		if (got == 0)
			break;
		if (got < 0) {
			if (errno == EINTR)
				continue;
			cni_err_set(e, CNI_ERR_IO, "error reading stdin: %s", strerror(errno));
			free(buf);
			return -1;
		}
		n += (size_t)got;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int check_env(struct cni_ctx *c, int idx, struct cni_err *e)
{
	char missing[128] = "";
	const char *why;

	if (commands[idx].need_id && !c->container_id)
		strcat(missing, "CNI_CONTAINERID,");
	if (commands[idx].need_netns && !c->netns)
		strcat(missing, "CNI_NETNS,");
	if (commands[idx].need_ifname && !c->ifname)
		strcat(missing, "CNI_IFNAME,");
	if (missing[0]) {
		missing[strlen(missing) - 1] = '\0';
		return cni_err_set(e, CNI_ERR_INVALID_ENV, "required env variables [%s] missing",
				   missing);
	}
	if (commands[idx].need_id && !conf_valid_id(c->container_id)) {
		cni_err_set(e, CNI_ERR_INVALID_ENV, "invalid characters in CNI_CONTAINERID");
		cni_err_details(e, "\"%s\" must match ^[A-Za-z0-9][A-Za-z0-9_.-]*$",
				c->container_id);
		return -1;
	}
	if (commands[idx].need_ifname && !conf_valid_ifname(c->ifname, &why)) {
		cni_err_set(e, CNI_ERR_INVALID_ENV, "invalid CNI_IFNAME: %s", why);
		cni_err_details(e, "CNI_IFNAME=\"%s\"", c->ifname);
		return -1;
	}
	return 0;
}

/* VERSION ignores a broken stdin, like libcni expects, but echoes the asked version. */
static int cmd_version(void)
{
	char *in = NULL, *text;
	const char *asked = NULL;
	size_t len = 0;
	struct cni_err e;
	cJSON *root = NULL, *v;

	if (!isatty(STDIN_FILENO) && !read_stdin(&in, &len, &e)) {
		root = cJSON_ParseWithLength(in, len);
		v = cJSON_GetObjectItemCaseSensitive(root, "cniVersion");
		if (cJSON_IsString(v) && version_supported(v->valuestring))
			asked = v->valuestring;
	}
	text = version_json_new(asked);
	if (text)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(root);
	free(in);
	return text ? 0 : 1;
}

static int print_result(struct cni_ctx *c, const struct cni_plugin *p,
			const struct cni_result *r, struct cni_err *e)
{
	cJSON *json = result_to_json(r, c->conf.cni_version, e);
	struct cni_err undo;
	char *text;

	if (!json) {
		/* The attachment exists but cannot be reported in this version: undo it, the
		 * runtime will treat the ADD as failed and must not be left with a link. */
		log_error("%s; removing the attachment", e->msg);
		if (p->del && p->del(c, &undo))
			log_error("rollback after version error failed: %s", undo.msg);
		return -1;
	}
	text = cJSON_Print(json);
	cJSON_Delete(json);
	if (!text)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	printf("%s\n", text);
	free(text);
	return 0;
}

bool cni_gc_attachment_valid(const struct cni_ctx *c, const char *id, const char *ifname)
{
	static const char *const keys[] = { "cni.dev/valid-attachments", "cni.dev/attachments" };
	const cJSON *list, *it, *cid, *ifn;

	for (size_t k = 0; k < 2; k++) {
		list = cJSON_GetObjectItemCaseSensitive(c->conf.root, keys[k]);
		if (!cJSON_IsArray(list))
			continue;
		cJSON_ArrayForEach(it, list) {
			cid = cJSON_GetObjectItemCaseSensitive(it, "containerID");
			ifn = cJSON_GetObjectItemCaseSensitive(it, "ifname");
			if (cJSON_IsString(cid) && cJSON_IsString(ifn) &&
			    !strcmp(cid->valuestring, id) && !strcmp(ifn->valuestring, ifname))
				return true;
		}
	}
	return false;
}

int cni_check_prev_iface(const struct cni_ctx *c, struct cni_err *e)
{
	const struct cni_result *prev = c->conf.prev_result;

	if (!prev)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "CHECK: required prevResult missing");
	for (int i = 0; i < prev->n_ifaces; i++)
		if (!strcmp(prev->ifaces[i].name, c->ifname) &&
		    (!prev->ifaces[i].sandbox || !strcmp(prev->ifaces[i].sandbox, c->netns)))
			return i;
	return cni_err_set(e, CNI_ERR_CHECK, "prevResult has no interface %s in %s", c->ifname,
			   c->netns);
}

static int dispatch(const struct cni_plugin *p, struct cni_ctx *c, struct cni_err *e)
{
	struct cni_result *r = NULL;
	int ret = -1;

	switch (c->cmd) {
	case CNI_CMD_ADD:
		if (p->add(c, &r, e))
			goto out;
		if (print_result(c, p, r, e))
			goto out;
		break;
	case CNI_CMD_DEL:
		if (p->del(c, e))
			goto out;
		break;
	case CNI_CMD_CHECK:
		if (!p->check) {
			cni_err_set(e, CNI_ERR_UNSUPPORTED_FIELD, "%s does not implement CHECK", p->name);
			goto out;
		}
		if (p->check(c, e))
			goto out;
		break;
	case CNI_CMD_STATUS:
		if (p->status && p->status(c, e))
			goto out;
		break;
	case CNI_CMD_GC:
		if (p->gc && p->gc(c, e))
			goto out;
		break;
	case CNI_CMD_VERSION:
		break;
	}
	ret = 0;
out:
	result_free(r);
	return ret;
}

int cni_main(const struct cni_plugin *p, int argc, char **argv)
{
	struct cni_ctx c;
	struct cni_err e;
	char *in = NULL;
	int idx = -1, ret = 1;
	const char *version = NULL;

	(void)argc;
	(void)argv;
	memset(&c, 0, sizeof(c));
	cni_err_clear(&e);
	log_init(p->name);
	c.prog = p->name;
	c.command = env("CNI_COMMAND");
	if (!c.command) {
		fprintf(stderr, "%s: a CNI plugin of vdn-cni (https://github.com/containernetworking/"
			"cni), supports CNI 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0\n", p->name);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, c.command))
			idx = (int)i;
	if (idx < 0) {
		cni_err_set(&e, CNI_ERR_INVALID_ENV, "unknown CNI_COMMAND: %s", c.command);
		goto out;
	}
	c.cmd = commands[idx].cmd;
	if (c.cmd == CNI_CMD_VERSION)
		return cmd_version();

	c.container_id = env("CNI_CONTAINERID");
	c.netns = env("CNI_NETNS");
	c.ifname = env("CNI_IFNAME");
	c.path = env("CNI_PATH");
	if (check_env(&c, idx, &e))
		goto out;
	if (read_stdin(&in, &c.stdin_len, &e))
		goto out;
	c.stdin_text = in;
	if (conf_parse(in, c.stdin_len, &c.conf, &e))
		goto out;
	version = c.conf.cni_version;
	/* A log file that cannot be opened is warned about, not fatal: logging must never
	 * be the reason a pod has no network. */
	if (c.conf.log_file || c.conf.log_level)
		(void)log_configure(c.conf.log_file, c.conf.log_level);
	if (version_cmp(version, commands[idx].min_version) < 0) {
		cni_err_set(&e, CNI_ERR_INCOMPATIBLE_VERSION, "config version does not allow %s",
			    c.command);
		cni_err_details(&e, "%s needs cniVersion %s or later, config is %s", c.command,
				commands[idx].min_version, version);
		goto out;
	}
	if (cni_args_parse(getenv("CNI_ARGS"), &c.args, &e) ||
	    cni_args_check_known(&c.args, p->args_known, &e))
		goto out;
	if (state_dir(p->name, c.conf.state_dir, c.state_dir, sizeof(c.state_dir), &e))
		goto out;
	log_info("%s container=%s ifname=%s netns=%s", c.command,
		 c.container_id ? c.container_id : "-", c.ifname ? c.ifname : "-",
		 c.netns ? c.netns : "-");
	if (dispatch(p, &c, &e))
		goto out;
	ret = 0;
out:
	if (ret) {
		log_error("%s failed: %s%s%s", c.command ? c.command : "-", e.msg,
			  e.details[0] ? ": " : "", e.details);
		cni_print_error(version, &e);
	}
	fflush(stdout);
	cni_args_free(&c.args);
	conf_free(&c.conf);
	free(in);
	log_close();
	return ret;
}
