/* The CNI spec versions vdn-cni speaks, how they order, and the VERSION command's answer. */
#include <stddef.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "version.h"

const char *const cni_versions[] = {
	"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL,
};

/* The spec and libcni match versions as exact strings: "1.0" or "0.3" are not 1.0.0 / 0.3.0. */
bool version_supported(const char *v)
{
	bool ret = false;
	size_t i;

	if (!v)
		goto out;
	for (i = 0; cni_versions[i]; i++) {
		if (strcmp(v, cni_versions[i]) == 0) {
			ret = true;
			goto out;
		}
	}
out:
	return ret;
}

/* Reads one dotted component at *p and moves *p past it and its dot. A component holding
 * anything but digits ("0-rc1", "x") counts as 0, so a malformed version never wins a
 * comparison by accident of its text. */
static unsigned long version_part(const char **p)
{
	unsigned long ret = 0;
	const char *s = *p;
	bool malformed = false;

	while (*s && *s != '.') {
		if (*s < '0' || *s > '9')
			malformed = true;
		else if (ret < 1000000000UL)   /* saturate instead of overflowing */
			ret = ret * 10 + (unsigned long)(*s - '0');
		s++;
	}
	if (s == *p)
		malformed = true;
	if (*s == '.')
		s++;
	*p = s;
	if (malformed)
		ret = 0;
	return ret;
}

int version_cmp(const char *a, const char *b)
{
	int ret = 0;
	const char *pa = a ? a : "";
	const char *pb = b ? b : "";
	unsigned long va, vb;

	/* Missing trailing components count as 0, so "1.0" == "1.0.0". */
	while (*pa || *pb) {
		va = *pa ? version_part(&pa) : 0;
		vb = *pb ? version_part(&pb) : 0;
		if (va != vb) {
			ret = va < vb ? -1 : 1;
			goto out;
		}
	}
out:
	return ret;
}

/* The spec answers VERSION with the version the runtime asked in; a runtime that asked
 * nothing gets the newest we speak. The text comes from cJSON's default (malloc) hooks. */
char *version_json_new(const char *asked)
{
	char *ret = NULL;
	cJSON *root = NULL, *list = NULL, *item;
	size_t i;

	root = cJSON_CreateObject();
	if (!root)
		goto out;
	if (!cJSON_AddStringToObject(root, "cniVersion",
				     asked && *asked ? asked : CNI_VERSION_LATEST))
		goto out;
	list = cJSON_AddArrayToObject(root, "supportedVersions");
	if (!list)
		goto out;
	for (i = 0; cni_versions[i]; i++) {
		item = cJSON_CreateString(cni_versions[i]);
		if (!item || !cJSON_AddItemToArray(list, item)) {
			cJSON_Delete(item);
			goto out;
		}
	}
	ret = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return ret;
}
