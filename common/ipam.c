/* IPAM delegation: the IPAM named in ipam.type gets our whole config and environment with
 * only CNI_COMMAND changed (spec), and its answer is parsed in our config's version. */
#include <stdlib.h>
#include <string.h>
#include "ipam.h"
#include "exec.h"
#include "log.h"

static int ipam_exec(const struct cni_ctx *c, const char *command, char **out, struct cni_err *e)
{
	struct exec_env env = { .command = command, .path = c->path };

	if (!c->conf.ipam_type)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "no ipam configured");
	log_debug("IPAM %s %s", c->conf.ipam_type, command);
	return exec_plugin(c->conf.ipam_type, &env, c->stdin_text, c->stdin_len, out, e);
}

int ipam_exec_add(const struct cni_ctx *c, struct cni_result **out, struct cni_err *e)
{
	char *answer = NULL;
	int ret = -1;

	*out = NULL;
	if (ipam_exec(c, "ADD", &answer, e))
		goto out;
	if (result_parse_string(answer, c->conf.cni_version, out, e)) {
		cni_err_prefix(e, "ipam %s answered a bad result", c->conf.ipam_type);
		goto undo;
	}
	if ((*out)->n_ips == 0) {
		cni_err_set(e, CNI_ERR_DELEGATE, "ipam %s returned no IP address",
			    c->conf.ipam_type);
		goto undo;
	}
	ret = 0;
	goto out;
undo:
	/* The IPAM may hold an allocation for an answer we cannot use: give it back. */
	result_free(*out);
	*out = NULL;
	{
		struct cni_err undo_err;

		if (ipam_exec_del(c, &undo_err))
			log_error("releasing the unusable IPAM allocation failed: %s", undo_err.msg);
	}
out:
	free(answer);
	return ret;
}

static int ipam_exec_simple(const struct cni_ctx *c, const char *command, struct cni_err *e)
{
	char *answer = NULL;
	int ret = ipam_exec(c, command, &answer, e);

	free(answer);
	return ret;
}

int ipam_exec_del(const struct cni_ctx *c, struct cni_err *e)
{
	return ipam_exec_simple(c, "DEL", e);
}

int ipam_exec_check(const struct cni_ctx *c, struct cni_err *e)
{
	return ipam_exec_simple(c, "CHECK", e);
}

int ipam_exec_status(const struct cni_ctx *c, struct cni_err *e)
{
	return ipam_exec_simple(c, "STATUS", e);
}

int ipam_exec_gc(const struct cni_ctx *c, struct cni_err *e)
{
	return ipam_exec_simple(c, "GC", e);
}
