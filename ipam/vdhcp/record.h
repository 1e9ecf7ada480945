/* What vdhcp remembers of each lease, one state file per attachment, so that DEL, GC and the
 * renew daemon need neither the pod's namespace nor the network config. Passwords are never
 * written: a record names the server, the user and at most the passwordFile path. */
#ifndef VDHCP_RECORD_H
#define VDHCP_RECORD_H
#include <stdbool.h>
#include "config.h"
#include "lease.h"

struct vdhcp_record {
	char network[256];            /* the network config's name: GC only touches its own */
	char netns[256];              /* where the pod was, for the operator */
	char mac[18];
	char vdn_id[LEASE_VDN_MAX];        /* as asked in the ADD's PUT, "" when none was */
	char lease_vdn_id[LEASE_VDN_MAX];  /* as the server named it, for the operator */
	char address[INET_ADDRSTRLEN + 3];
	char gateway[INET_ADDRSTRLEN];
	struct vdhcp_server *servers; /* without passwords; the one that granted the lease first */
	int n_servers;
	long timeout_ms;
	long lease_time;              /* seconds, 0: the server gave no lease time */
	double leased_at;             /* epoch seconds of the last PUT that succeeded */
	double retry_at;              /* epoch seconds: the daemon's next try after a failure */
	bool release_pending;         /* DEL could not reach a server; GC and the daemon retry */
	int failures;                 /* consecutive failed renewals or releases */
};

/* The address of the record an ADD leaves when no server answered its PUT, and how long a
 * "no lease" answer to its release is not believed (a server may still act on the PUT). */
#define UNANSWERED_ADDRESS "0.0.0.0/32"
#define UNANSWERED_GRACE_S 5.0

double record_now(void);
/* Fills a record of a fresh lease; servers[granted] goes first. */
int record_init(struct vdhcp_record *r, const char *network, const char *netns, const char *mac,
		const char *vdn_id, const struct vdhcp_lease *l, const struct vdhcp_server *servers,
		int n, int granted, long timeout_ms, struct cni_err *e);
/* A renewal: new lease fields, new leased_at; the server that answered goes first. */
void record_renewed(struct vdhcp_record *r, const struct vdhcp_lease *l, int granted);
void record_free(struct vdhcp_record *r);

int record_save(const char *dir, const char *id, const char *ifname, const struct vdhcp_record *r,
		struct cni_err *e);
/* 0 found, 1 no record, -1 error (unreadable or not a vdhcp record). */
int record_load(const char *dir, const char *id, const char *ifname, struct vdhcp_record *r,
		struct cni_err *e);
int record_from_json(const cJSON *j, struct vdhcp_record *r, struct cni_err *e);

/* The servers to ask about a recorded lease, as a list to free with servers_free: the record's
 * own in its order, each with the password of the server of the same URL in `known` (the
 * config's, which has them) or read from its passwordFile; then the servers of `known` that
 * the record does not list (the config moved on since the ADD). */
int record_servers(const struct vdhcp_record *r, const struct vdhcp_server *known, int n_known,
		   struct vdhcp_server **out, int *n, struct cni_err *e);

/* Epoch seconds at which the daemon should act on the record: half the lease time after the
 * last renewal, or retry_at after a failure; 0 for a lease that never needs renewing. */
double record_due(const struct vdhcp_record *r);

/* After a failed renewal or release: the next try in 5 s, doubling up to 5 min, and never
 * later than half the time the lease has left (a renewal must land before expiry). */
void record_retry_later(struct vdhcp_record *r);

/* Releases a recorded lease (DELETE, failover over record_servers) and removes the record once
 * the server no longer has it. When no server releases it, the record stays, marked
 * release_pending, for GC and the daemon to retry, *failure says why, and 0 is returned: the
 * spec makes release best effort, and a lease no one renews expires on the server anyway.
 * -1 only when the record could not be written or removed. */
int record_release(const char *dir, const char *id, const char *ifname, struct vdhcp_record *r,
		   const struct vdhcp_server *known, int n_known, struct cni_err *failure,
		   struct cni_err *e);

/* The attachment's lock (<dir>/<id>-<ifname>.lock): ADD, DEL, GC and the daemon hold it while
 * they talk to the server and rewrite the record, so a renewal never resurrects a lease that
 * DEL is releasing. Returns the descriptor for lock_release. */
int record_lock(const char *dir, const char *id, const char *ifname, int timeout_ms,
		struct cni_err *e);
/* Removes the lock file of an attachment whose record is gone (while still holding it; a
 * waiter that then gets the orphaned lock finds no record and does nothing). */
void record_lock_remove(const char *dir, const char *id, const char *ifname);
/* Releases the lock, removing its file first when the attachment has no record (a failed ADD,
 * a DEL of something never leased), so lock files do not pile up. fd < 0 is a no-op. */
void record_unlock(const char *dir, const char *id, const char *ifname, int fd);

#endif
