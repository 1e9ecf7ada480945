/* Parsing REQUEST options into demands and host specs, and the request's annotation form. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "quantity.h"
#include "request.h"

static const char *const demand_option[RES_COUNT] = { "--cpu", "--memory", "--storage" };

int request_set_demand(struct sched_request *request, enum resource r, const char *value,
		       struct cni_err *e)
{
	struct cni_err qe = { 0 };
	int64_t v;
	int ret = r == RES_CPU ? quantity_parse_milli(value, &v, &qe) : quantity_parse(value, &v, &qe);

	if (ret < 0)
		return cni_err_set(e, CNI_ERR_INVALID_ENV, "%s %s: %s", demand_option[r], value,
				   qe.msg);
	if (v < 0)
		return cni_err_set(e, CNI_ERR_INVALID_ENV, "%s %s: must not be negative",
				   demand_option[r], value);
	request->demand[r] = v;
	request->demand_given[r] = true;
	return 0;
}

/* aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff, either case → AA:BB:CC:DD:EE:FF. */
static bool mac_parse(const char *s, size_t len, char out[18])
{
	size_t i;

	if (len != 17)
		return false;
	for (i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':' && s[i] != '-')
				return false;
			out[i] = ':';
		} else if (isxdigit((unsigned char)s[i])) {
			out[i] = (char)toupper((unsigned char)s[i]);
		} else {
			return false;
		}
	}
	out[17] = '\0';
	return true;
}

static bool ip_valid(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static void host_spec_clear(struct host_spec *h)
{
	free(h->given);
	free(h->address);
	free(h->city);
	memset(h, 0, sizeof(*h));
}

int request_add_host(struct sched_request *request, const char *value, struct cni_err *e)
{
	const char *at = strrchr(value, '@');
	size_t addr_len = at ? (size_t)(at - value) : strlen(value);
	struct host_spec h = { 0 }, *grown;
	char mac[18];
	size_t i;

	if (at && !at[1])
		return cni_err_set(e, CNI_ERR_INVALID_ENV, "--host %s: empty city after '@'", value);
	h.is_mac = mac_parse(value, addr_len, mac);
	h.given = strdup(value);
	h.address = h.is_mac ? strdup(mac) : strndup(value, addr_len);
	h.city = at ? strdup(at + 1) : NULL;
	if (!h.given || !h.address || (at && !h.city)) {
		host_spec_clear(&h);
		return cni_err_set(e, CNI_ERR_INTERNAL, "--host: out of memory");
	}
	if (!h.is_mac && !ip_valid(h.address)) {
		cni_err_set(e, CNI_ERR_INVALID_ENV, "--host %s: \"%s\" is neither a MAC "
			    "(aa:bb:cc:dd:ee:ff) nor an IP address", value, h.address);
		host_spec_clear(&h);
		return -1;
	}
	for (i = 0; i < request->n_hosts; i++) {
		if (strcasecmp(request->hosts[i].address, h.address) == 0) {
			cni_err_set(e, CNI_ERR_INVALID_ENV, "--host %s: the same host as --host %s",
				    value, request->hosts[i].given);
			host_spec_clear(&h);
			return -1;
		}
	}
	grown = realloc(request->hosts, (request->n_hosts + 1) * sizeof(*grown));
	if (!grown) {
		host_spec_clear(&h);
		return cni_err_set(e, CNI_ERR_INTERNAL, "--host: out of memory");
	}
	request->hosts = grown;
	request->hosts[request->n_hosts++] = h;
	return 0;
}

void request_free(struct sched_request *request)
{
	size_t i;

	if (!request)
		return;
	for (i = 0; i < request->n_hosts; i++)
		host_spec_clear(&request->hosts[i]);
	free(request->hosts);
	memset(request, 0, sizeof(*request));
}

int request_bandwidth_parse(const char *value, int64_t *bps, struct cni_err *e)
{
	struct cni_err qe = { 0 };

	if (quantity_parse(value, bps, &qe) < 0)
		return cni_err_set(e, CNI_ERR_INVALID_ENV, "--bandwidth %s: %s", value, qe.msg);
	if (*bps <= 0)
		return cni_err_set(e, CNI_ERR_INVALID_ENV, "--bandwidth %s: must be above 0 bit/s",
				   value);
	return 0;
}

cJSON *request_json_new(const struct sched_request *request, const char *bandwidth)
{
	static const char *const key[RES_COUNT] = { "cpu", "memory", "storage" };
	cJSON *obj = cJSON_CreateObject(), *hosts;
	char amount[32];
	size_t i;
	int r;

	if (!obj)
		return NULL;
	for (r = 0; r < RES_COUNT; r++) {
		if (!request->demand_given[r])
			continue;
		/* the canonical form, so "0.5" and "500m" read the same afterwards */
		if (r == RES_CPU)
			quantity_format_milli(request->demand[r], amount, sizeof(amount));
		else
			quantity_format(request->demand[r], amount, sizeof(amount));
		if (!cJSON_AddStringToObject(obj, key[r], amount))
			goto fail;
	}
	hosts = cJSON_AddArrayToObject(obj, "hosts");
	if (!hosts)
		goto fail;
	for (i = 0; i < request->n_hosts; i++) {
		cJSON *s = cJSON_CreateString(request->hosts[i].given);

		if (!s || !cJSON_AddItemToArray(hosts, s)) {
			cJSON_Delete(s);
			goto fail;
		}
	}
	if (bandwidth && !cJSON_AddStringToObject(obj, "bandwidth", bandwidth))
		goto fail;
	return obj;
fail:
	cJSON_Delete(obj);
	return NULL;
}
