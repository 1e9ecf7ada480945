/* vdhcp's keys inside a network config's "ipam" object (DESIGN.md §5), and the servers list
 * that the daemon also reads from its own --config file. */
#ifndef VDHCP_CONFIG_H
#define VDHCP_CONFIG_H
#include <stdbool.h>
#include <netinet/in.h>
#include "cni.h"
#include "lease.h"

#define CONFIG_TIMEOUT_DEFAULT_MS 2000L
#define CONFIG_PASSWORD_MAX 4096

/* Every string is owned (strdup'd), so a server outlives the cJSON it came from. */
struct vdhcp_server {
	char *url;              /* ends with '/', so that {url}{mac} is the lease's resource */
	char *user;             /* NULL: no authentication */
	char *password;         /* never logged, never recorded */
	char *password_file;    /* recorded, so the daemon can read it again */
	char *ca_file;
	bool insecure;
};

struct vdhcp_conf {
	struct vdhcp_server *servers;
	int n_servers;
	long timeout_ms;                  /* per server, connect and whole exchange */
	char vdn_id[LEASE_VDN_MAX];       /* "" when none of the three sources has one */
	char request_ip[INET_ADDRSTRLEN]; /* "" when none is asked for */
	struct cni_result *extra;         /* ipam.routes and ipam.dns, validated */
	bool routes_given;                /* ipam.routes present: no default route */
	char state_dir[256];
};

/* Reads ipam.* plus the vdnId and requestIp sources in the order DESIGN.md gives. Errors are
 * code 7 and name the key (ipam.servers[1].url, args.cni.ips[0], CNI_ARGS IP, ...). */
int config_load(const struct cni_ctx *c, struct vdhcp_conf *vc, struct cni_err *e);
void config_free(struct vdhcp_conf *vc);

/* Parses a "servers" list; `where` prefixes key names in errors ("ipam"). */
int config_servers_parse(const cJSON *list, const char *where, struct vdhcp_server **out, int *n,
			 struct cni_err *e);
/* Reads a password file: the first line, without its line end. */
int config_password_read(const char *path, char **out, struct cni_err *e);

int server_copy(struct vdhcp_server *dst, const struct vdhcp_server *src);
void server_clear(struct vdhcp_server *s);
void servers_free(struct vdhcp_server *s, int n);

#endif
