/* vdhcp's state record: written atomically by common/state.c, read back by DEL, CHECK, GC and
 * the daemon. The record is the only memory of the lease once the pod's namespace is gone, which
 * is exactly when the original VDN-CNI lost track of it. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "client.h"
#include "lock.h"
#include "log.h"
#include "record.h"
#include "state.h"

double record_now(void)
{
	struct timespec ts;

	/* Wall clock: the daemon reads what another process wrote, maybe before a reboot. */
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return (double)time(NULL);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
}

static void lease_into(struct vdhcp_record *r, const struct vdhcp_lease *l)
{
	lease_cidr(l, r->address, sizeof(r->address));
	snprintf(r->gateway, sizeof(r->gateway), "%s", l->gateway);
	r->lease_time = l->lease_time;
	r->leased_at = record_now();
	r->retry_at = 0;
	r->failures = 0;
}

/* Moves servers[granted] to the front, keeping the others in their order. */
static void granted_first(struct vdhcp_server *s, int n, int granted)
{
	struct vdhcp_server keep;

	if (granted <= 0 || granted >= n)
		return;
	keep = s[granted];
	memmove(&s[1], &s[0], sizeof(*s) * (size_t)granted);
	s[0] = keep;
}

int record_init(struct vdhcp_record *r, const char *network, const char *netns, const char *mac,
		const char *vdn_id, const struct vdhcp_lease *l, const struct vdhcp_server *servers,
		int n, int granted, long timeout_ms, struct cni_err *e)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->network, sizeof(r->network), "%s", network ? network : "");
	snprintf(r->netns, sizeof(r->netns), "%s", netns ? netns : "");
	snprintf(r->mac, sizeof(r->mac), "%s", mac);
	/* What was asked, not what the server answered: a renewal is the same PUT, and a
	 * server that filled in its default VDN need not accept that name back. */
	snprintf(r->vdn_id, sizeof(r->vdn_id), "%s", vdn_id ? vdn_id : "");
	snprintf(r->lease_vdn_id, sizeof(r->lease_vdn_id), "%s", l->vdn_id);
	r->timeout_ms = timeout_ms;
	lease_into(r, l);
	r->servers = calloc((size_t)n, sizeof(*r->servers));
	if (!r->servers)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	for (int i = 0; i < n; i++) {
		if (server_copy(&r->servers[i], &servers[i])) {
			record_free(r);
			return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		}
		r->n_servers++;
		/* Records are files; passwords stay in the config and passwordFile. */
		if (r->servers[i].password) {
			explicit_bzero(r->servers[i].password, strlen(r->servers[i].password));
			free(r->servers[i].password);
			r->servers[i].password = NULL;
		}
	}
	granted_first(r->servers, r->n_servers, granted);
	return 0;
}

void record_renewed(struct vdhcp_record *r, const struct vdhcp_lease *l, int granted)
{
	lease_into(r, l);
	snprintf(r->lease_vdn_id, sizeof(r->lease_vdn_id), "%s", l->vdn_id);
	granted_first(r->servers, r->n_servers, granted);
}

void record_free(struct vdhcp_record *r)
{
	if (!r)
		return;
	servers_free(r->servers, r->n_servers);
	r->servers = NULL;
	r->n_servers = 0;
}

static cJSON *servers_to_json(const struct vdhcp_record *r)
{
	cJSON *list = cJSON_CreateArray(), *o;

	for (int i = 0; list && i < r->n_servers; i++) {
		const struct vdhcp_server *s = &r->servers[i];

		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(list, o)) {
			cJSON_Delete(o);
			goto fail;
		}
		if (!cJSON_AddStringToObject(o, "url", s->url) ||
		    (s->user && !cJSON_AddStringToObject(o, "user", s->user)) ||
		    (s->password_file && !cJSON_AddStringToObject(o, "passwordFile",
								   s->password_file)) ||
		    (s->ca_file && !cJSON_AddStringToObject(o, "caFile", s->ca_file)) ||
		    (s->insecure && !cJSON_AddBoolToObject(o, "insecureSkipVerify", true)))
			goto fail;
	}
	return list;
fail:
	cJSON_Delete(list);
	return NULL;
}

int record_save(const char *dir, const char *id, const char *ifname, const struct vdhcp_record *r,
		struct cni_err *e)
{
	cJSON *j = cJSON_CreateObject(), *servers = servers_to_json(r);
	double expires = r->lease_time ? r->leased_at + (double)r->lease_time : 0;
	int ret = -1;

	if (!j || !servers || !cJSON_AddItemToObject(j, "servers", servers)) {
		cJSON_Delete(servers);
		goto oom;
	}
	if (!cJSON_AddStringToObject(j, "network", r->network) ||
	    !cJSON_AddStringToObject(j, "netns", r->netns) ||
	    !cJSON_AddStringToObject(j, "mac", r->mac) ||
	    !cJSON_AddStringToObject(j, "vdnId", r->vdn_id) ||
	    !cJSON_AddStringToObject(j, "leaseVdnId", r->lease_vdn_id) ||
	    !cJSON_AddStringToObject(j, "address", r->address) ||
	    !cJSON_AddStringToObject(j, "gateway", r->gateway) ||
	    !cJSON_AddStringToObject(j, "server", r->n_servers ? r->servers[0].url : "") ||
	    !cJSON_AddNumberToObject(j, "timeoutMs", (double)r->timeout_ms) ||
	    !cJSON_AddNumberToObject(j, "leaseTime", (double)r->lease_time) ||
	    !cJSON_AddNumberToObject(j, "leasedAt", r->leased_at) ||
	    /* for the operator; the daemon works from leasedAt + leaseTime */
	    !cJSON_AddNumberToObject(j, "expiresAt", floor(expires)) ||
	    !cJSON_AddNumberToObject(j, "retryAt", r->retry_at) ||
	    !cJSON_AddBoolToObject(j, "releasePending", r->release_pending) ||
	    !cJSON_AddNumberToObject(j, "failures", r->failures))
		goto oom;
	if (state_dir_ensure(dir, e) || state_write_atomic(dir, id, ifname, j, e))
		goto out;
	ret = 0;
	goto out;
oom:
	cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
out:
	cJSON_Delete(j);
	return ret;
}

static void copy_string(const cJSON *j, const char *key, char *out, size_t len)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, key));

	snprintf(out, len, "%s", v ? v : "");
}

static double number(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : 0;
}

int record_from_json(const cJSON *j, struct vdhcp_record *r, struct cni_err *e)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "servers"), *it;
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "containerID"));
	unsigned char mac[6];
	int count;

	memset(r, 0, sizeof(*r));
	copy_string(j, "network", r->network, sizeof(r->network));
	copy_string(j, "netns", r->netns, sizeof(r->netns));
	copy_string(j, "mac", r->mac, sizeof(r->mac));
	copy_string(j, "vdnId", r->vdn_id, sizeof(r->vdn_id));
	copy_string(j, "leaseVdnId", r->lease_vdn_id, sizeof(r->lease_vdn_id));
	copy_string(j, "address", r->address, sizeof(r->address));
	copy_string(j, "gateway", r->gateway, sizeof(r->gateway));
	r->timeout_ms = (long)number(j, "timeoutMs");
	if (r->timeout_ms <= 0 || r->timeout_ms > 600000)
		r->timeout_ms = CONFIG_TIMEOUT_DEFAULT_MS;
	r->lease_time = (long)number(j, "leaseTime");
	if (r->lease_time < 0 || r->lease_time > LEASE_TIME_MAX)
		r->lease_time = 0;
	r->leased_at = number(j, "leasedAt");
	r->retry_at = number(j, "retryAt");
	r->release_pending = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "releasePending"));
	r->failures = (int)number(j, "failures");
	if (r->failures < 0 || r->failures > 1000)
		r->failures = 0;
	if (!conf_parse_mac(r->mac, mac))
		return cni_err_set(e, CNI_ERR_STATE, "state record of %s has no valid \"mac\"",
				   id ? id : "?");
	count = cJSON_GetArraySize(list);
	if (!cJSON_IsArray(list) || count == 0)
		return cni_err_set(e, CNI_ERR_STATE, "state record of %s has no \"servers\"",
				   id ? id : "?");
	r->servers = calloc((size_t)count, sizeof(*r->servers));
	if (!r->servers)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	cJSON_ArrayForEach(it, list) {
		struct vdhcp_server *s = &r->servers[r->n_servers];
		const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "url"));
		const char *user = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "user"));
		const char *pwf = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it,
											"passwordFile"));
		const char *ca = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "caFile"));

		if (!url || !*url)
			continue;
		s->insecure = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "insecureSkipVerify"));
		r->n_servers++;
		if (!(s->url = strdup(url)) || (user && !(s->user = strdup(user))) ||
		    (pwf && !(s->password_file = strdup(pwf))) || (ca && !(s->ca_file = strdup(ca)))) {
			record_free(r);
			return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		}
	}
	if (r->n_servers == 0) {
		record_free(r);
		return cni_err_set(e, CNI_ERR_STATE, "state record of %s has no server URL",
				   id ? id : "?");
	}
	return 0;
}

int record_load(const char *dir, const char *id, const char *ifname, struct vdhcp_record *r,
		struct cni_err *e)
{
	cJSON *j = NULL;
	int found = state_read(dir, id, ifname, &j, e);

	memset(r, 0, sizeof(*r));
	if (found != 0)
		return found;
	found = record_from_json(j, r, e) ? -1 : 0;
	cJSON_Delete(j);
	return found;
}

static const struct vdhcp_server *known_by_url(const struct vdhcp_server *known, int n,
					       const char *url)
{
	for (int i = 0; known && i < n; i++)
		if (!strcmp(known[i].url, url))
			return &known[i];
	return NULL;
}

int record_servers(const struct vdhcp_record *r, const struct vdhcp_server *known, int n_known,
		   struct vdhcp_server **out, int *n, struct cni_err *e)
{
	struct vdhcp_server *list = calloc((size_t)(r->n_servers + n_known), sizeof(*list));
	int count = 0;

	*out = NULL;
	*n = 0;
	if (!list)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	for (int i = 0; i < r->n_servers; i++) {
		const struct vdhcp_server *same = known_by_url(known, n_known, r->servers[i].url);

		/* The config's entry has today's credentials and TLS settings. */
		if (server_copy(&list[count], same ? same : &r->servers[i]))
			goto oom;
		count++;
		if (!same && list[count - 1].password_file &&
		    config_password_read(list[count - 1].password_file, &list[count - 1].password, e)) {
			servers_free(list, count);
			return -1;
		}
	}
	for (int i = 0; i < n_known; i++) {
		bool listed = false;

		for (int k = 0; k < r->n_servers && !listed; k++)
			listed = !strcmp(r->servers[k].url, known[i].url);
		if (listed)
			continue;
		if (server_copy(&list[count], &known[i]))
			goto oom;
		count++;
	}
	*out = list;
	*n = count;
	return 0;
oom:
	servers_free(list, count);
	return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
}

double record_due(const struct vdhcp_record *r)
{
	if (r->retry_at > 0)
		return r->retry_at;
	if (r->release_pending)
		return r->leased_at;
	if (r->lease_time <= 0)
		return 0;
	/* RFC 2131's T1: renew at half the lease, leaving the other half for retries. */
	return r->leased_at + (double)r->lease_time / 2.0;
}

void record_retry_later(struct vdhcp_record *r)
{
	double now = record_now(), left, delay;

	r->failures++;
	delay = 5.0 * (double)(1 << (r->failures - 1 < 6 ? r->failures - 1 : 6));
	if (delay > 300)
		delay = 300;
	if (!r->release_pending && r->lease_time > 0) {
		left = r->leased_at + (double)r->lease_time - now;
		if (left > 0 && left / 2 < delay)
			delay = left / 2;
	}
	r->retry_at = now + (delay < 1 ? 1 : delay);
}

int record_release(const char *dir, const char *id, const char *ifname, struct vdhcp_record *r,
		   const struct vdhcp_server *known, int n_known, struct cni_err *failure,
		   struct cni_err *e)
{
	struct vdhcp_server *s = NULL;
	struct client_target t;
	int n = 0, used = -1, got = -1, ret = -1;

	cni_err_clear(failure);
	if (!record_servers(r, known, n_known, &s, &n, failure)) {
		t = (struct client_target){ s, n, 0, r->timeout_ms };
		got = client_delete(&t, r->mac, &used, failure);
	}
	/* The record of a PUT no server answered (ADD): a server that got it may act on it after
	 * this DELETE, so its "no lease" is believed only once the PUT is some seconds old. */
	if (got == 1 && !strcmp(r->address, UNANSWERED_ADDRESS) &&
	    record_now() < r->leased_at + UNANSWERED_GRACE_S) {
		cni_err_set(failure, CNI_ERR_TRY_AGAIN, "the unanswered PUT of %s is too recent to "
			    "trust the server's \"no lease\"", r->mac);
		got = -1;
	}
	if (got >= 0) {
		log_info("released %s of %s (%s/%s)%s", r->address, r->mac, id, ifname,
			 got == 1 ? ": the server had no lease any more" : "");
		if (state_remove(dir, id, ifname, e))
			goto out;
		record_lock_remove(dir, id, ifname);
		ret = 0;
		goto out;
	}
	r->release_pending = true;
	record_retry_later(r);
	log_error("could not release %s of %s (%s/%s), retrying in %.0f s: %s%s%s", r->address,
		  r->mac, id, ifname, r->retry_at - record_now(), failure->msg,
		  failure->details[0] ? ": " : "", failure->details);
	ret = record_save(dir, id, ifname, r, e);
out:
	servers_free(s, n);
	return ret;
}

static int lock_path(const char *dir, const char *id, const char *ifname, char *out, size_t len,
		     struct cni_err *e)
{
	size_t n;

	if (state_path(dir, id, ifname, out, len, e))
		return -1;
	n = strlen(out);
	/* state_path ends in ".json"; the lock has the same stem. */
	snprintf(out + n - 5, len - (n - 5), ".lock");
	return 0;
}

int record_lock(const char *dir, const char *id, const char *ifname, int timeout_ms,
		struct cni_err *e)
{
	char path[PATH_MAX];

	if (lock_path(dir, id, ifname, path, sizeof(path), e) || state_dir_ensure(dir, e))
		return -1;
	return lock_acquire(path, timeout_ms, e);
}

void record_lock_remove(const char *dir, const char *id, const char *ifname)
{
	char path[PATH_MAX];
	struct cni_err ignored;

	/* A lock file left behind costs an inode and nothing else; no reason to fail a DEL. */
	if (!lock_path(dir, id, ifname, path, sizeof(path), &ignored))
		(void)unlink(path);
}

void record_unlock(const char *dir, const char *id, const char *ifname, int fd)
{
	char path[PATH_MAX];
	struct cni_err ignored;

	if (fd < 0)
		return;
	if (!state_path(dir, id, ifname, path, sizeof(path), &ignored) && access(path, F_OK) < 0 &&
	    errno == ENOENT)
		record_lock_remove(dir, id, ifname);
	lock_release(fd);
}
