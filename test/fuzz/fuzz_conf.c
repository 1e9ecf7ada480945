/* Network configuration on stdin, with its prevResult: conf_parse, then the prevResult
 * printed back in the config's version, as CHECK and chained plugins do. */
#include <cjson/cJSON.h>
#include "conf.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_conf c;
	struct cni_err e = { 0 };
	const char *s = NULL;
	bool b = false;
	long l = 0;
	double d = 0;
	const char **list = NULL;
	int n = 0;
	cJSON *json;

	if (conf_parse((const char *)data, size, &c, &e) < 0) {
		FUZZ_ASSERT(e.code != 0 && e.msg[0], "error without code or message");
		return 0;
	}
	FUZZ_ASSERT(c.root && c.name && c.cni_version, "parsed without name or version");
	/* the getters every plugin calls on its own keys */
	conf_get_string(c.root, "master", &s, &e);
	conf_get_bool(c.root, "isDefaultGateway", &b, &e);
	conf_get_int(c.root, "mtu", 0, 65535, &l, &e);
	conf_get_double(c.root, "weight", 0, 1, &d, &e);
	conf_get_strings(c.root, "pool", &list, &n, &e);
	free(list);
	if (c.prev_result) {
		json = result_to_json(c.prev_result, c.cni_version, &e);
		cJSON_Delete(json);
	}
	conf_free(&c);
	return 0;
}
