/* The renew daemon: one process per node (systemd unit or DaemonSet) that wakes when a lease
 * is due or a record changes, renews with the PUT the ADD made, and retries the releases DEL
 * could not complete. Signals arrive through a signalfd, so SIGTERM ends the loop between two
 * requests and never in the middle of rewriting a record. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "client.h"
#include "daemon.h"
#include "lock.h"
#include "log.h"
#include "record.h"
#include "state.h"

/* Without a due lease, look at the folder again now and then anyway: a missed inotify event
 * (queue overflow) must not leave a lease unrenewed for long. */
#define IDLE_RESCAN_S 60.0
#define CONFIG_MAX_BYTES (4u << 20)

struct daemon {
	char dir[256];
	const char *config_path;
	struct vdhcp_server *known;   /* servers with passwords, from --config */
	int n_known;
	double next;                  /* earliest due time seen in this pass, 0 none */
};

static void want_at(struct daemon *d, double t)
{
	if (t > 0 && (d->next == 0 || t < d->next))
		d->next = t;
}

/* Every "servers" list in the file: a bare ipam object, a network config, a conflist or a
 * multicni config with vdhcp somewhere inside; the operator can point at what they have. */
static int collect_servers(const cJSON *node, const char *where, struct daemon *d,
			   struct cni_err *e)
{
	const cJSON *servers, *type, *child;
	struct vdhcp_server *found = NULL, *grown;
	int n = 0;

	if (cJSON_IsObject(node)) {
		servers = cJSON_GetObjectItemCaseSensitive(node, "servers");
		type = cJSON_GetObjectItemCaseSensitive(node, "type");
		if (cJSON_IsArray(servers) && (!cJSON_IsString(type) ||
					       !strcmp(type->valuestring, "vdhcp"))) {
			if (config_servers_parse(servers, where, &found, &n, e))
				return -1;
			grown = realloc(d->known, sizeof(*grown) * (size_t)(d->n_known + n));
			if (!grown) {
				servers_free(found, n);
				return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
			}
			d->known = grown;
			memcpy(&d->known[d->n_known], found, sizeof(*found) * (size_t)n);
			d->n_known += n;
			free(found);   /* the strings now belong to d->known */
		}
	}
	if (cJSON_IsObject(node) || cJSON_IsArray(node))
		cJSON_ArrayForEach(child, node)
			if ((!child->string || strcmp(child->string, "servers")) &&
			    collect_servers(child, where, d, e))
				return -1;
	return 0;
}

static int load_config(struct daemon *d, struct cni_err *e)
{
	char *text = NULL;
	size_t len = 0;
	cJSON *root = NULL;
	int ret = -1;

	servers_free(d->known, d->n_known);
	d->known = NULL;
	d->n_known = 0;
	if (!d->config_path)
		return 0;
	if (file_read_all(d->config_path, CONFIG_MAX_BYTES, &text, &len, e))
		goto out;
	root = cJSON_ParseWithLength(text, len);
	if (!root) {
		cni_err_set(e, CNI_ERR_DECODE, "%s is not JSON", d->config_path);
		goto out;
	}
	if (collect_servers(root, d->config_path, d, e))
		goto out;
	if (d->n_known == 0) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s has no vdhcp \"servers\" list",
			    d->config_path);
		goto out;
	}
	log_info("%d server%s with credentials from %s", d->n_known, d->n_known == 1 ? "" : "s",
		 d->config_path);
	ret = 0;
out:
	cJSON_Delete(root);
	if (text) {
		/* It held passwords. */
		explicit_bzero(text, len);
		free(text);
	}
	return ret;
}

static void renew(struct daemon *d, const char *id, const char *ifname, struct vdhcp_record *r)
{
	struct vdhcp_server *s = NULL;
	struct vdhcp_lease lease;
	struct client_target t;
	struct cni_err e;
	char ip[INET_ADDRSTRLEN], cidr[INET_ADDRSTRLEN + 3];
	int n = 0, used = -1;

	snprintf(ip, sizeof(ip), "%.*s", (int)strcspn(r->address, "/"), r->address);
	if (record_servers(r, d->known, d->n_known, &s, &n, &e))
		goto failed;
	for (int i = 0; i < n; i++)
		if (s[i].user && !s[i].password)
			log_warn("no password for %s: the record has no passwordFile and --config "
				 "does not list that URL", s[i].url);
	t = (struct client_target){ s, n, 0, r->timeout_ms };
	if (client_put(&t, r->mac, r->vdn_id, ip, &lease, &used, &e))
		goto failed;
	lease_cidr(&lease, cidr, sizeof(cidr));
	if (strcmp(cidr, r->address))
		log_error("renewal of %s (%s/%s): the server moved the lease from %s to %s; the pod "
			  "keeps %s until it is recreated", r->mac, id, ifname, r->address, cidr,
			  r->address);
	record_renewed(r, &lease, used < r->n_servers ? used : 0);
	if (record_save(d->dir, id, ifname, r, &e)) {
		log_error("renewed %s of %s but could not record it: %s", cidr, r->mac, e.msg);
		goto out;
	}
	log_info("renewed %s of %s (%s/%s) via %s, lease time %ld s%s", cidr, r->mac, id, ifname,
		 s[used].url, lease.lease_time, lease.lease_time ? "" : ", no further renewal");
	goto out;
failed:
	record_retry_later(r);
	log_error("renewing %s of %s (%s/%s) failed, retrying in %.0f s: %s%s%s", r->address,
		  r->mac, id, ifname, r->retry_at - record_now(), e.msg, e.details[0] ? ": " : "",
		  e.details);
	if (record_save(d->dir, id, ifname, r, &e))
		log_error("%s", e.msg);
out:
	servers_free(s, n);
}

static void release(struct daemon *d, const char *id, const char *ifname, struct vdhcp_record *r)
{
	struct cni_err failure, e;

	/* A lease that expired meanwhile has gone back to the server's pool by itself. */
	if (r->lease_time > 0 && record_now() > r->leased_at + (double)r->lease_time) {
		log_info("lease %s of %s (%s/%s) expired on the server; dropping its record",
			 r->address, r->mac, id, ifname);
		if (state_remove(d->dir, id, ifname, &e))
			log_error("%s", e.msg);
		else
			record_lock_remove(d->dir, id, ifname);
		return;
	}
	if (record_release(d->dir, id, ifname, r, d->known, d->n_known, &failure, &e))
		log_error("%s", e.msg);
}

static int daemon_one(const char *id, const char *ifname, cJSON *json, void *arg)
{
	struct daemon *d = arg;
	struct vdhcp_record r = { 0 };
	struct cni_err e;
	double now = record_now(), due;
	int lock = -1;

	if (record_from_json(json, &r, &e)) {
		log_warn("skipping %s/%s: %s", id, ifname, e.msg);
		return 0;
	}
	due = record_due(&r);
	record_free(&r);
	if (due == 0)
		return 0;
	if (due > now) {
		want_at(d, due);
		return 0;
	}
	/* An ADD, DEL or GC of this attachment is under way: look again in a second. */
	lock = record_lock(d->dir, id, ifname, 0, &e);
	if (lock < 0) {
		want_at(d, now + 1);
		return 0;
	}
	/* Read again under the lock; a DEL may have removed or changed it since the listing. */
	if (record_load(d->dir, id, ifname, &r, &e) == 0) {
		due = record_due(&r);
		if (due > 0 && due <= now) {
			if (r.release_pending)
				release(d, id, ifname, &r);
			else
				renew(d, id, ifname, &r);
		}
	}
	record_unlock(d->dir, id, ifname, lock);
	record_free(&r);
	/* The record as it stands now (renewed, retried, or gone) says when to come back. */
	if (record_load(d->dir, id, ifname, &r, &e) == 0)
		want_at(d, record_due(&r));
	record_free(&r);
	return 0;
}

static void usage(FILE *to)
{
	fprintf(to,
		"usage: vdhcp daemon [--state-dir DIR] [--config FILE] [--log-level LEVEL] "
		"[--log-file FILE]\n"
		"  --state-dir DIR   the records to renew (default %s/vdhcp; the ipam \"stateDir\")\n"
		"  --config FILE     JSON with vdhcp \"servers\" (a conflist will do): passwords of\n"
		"                    servers whose records have no passwordFile; re-read on SIGHUP\n"
		"  --log-level LEVEL error|warn|info|debug (default info)\n"
		"  --log-file FILE   also append the log there\n", STATE_ROOT);
}

/* Drains the inotify queue; its content does not matter, only that something changed. */
static void drain(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

int daemon_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "log-file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = { 0 };
	const char *state_dir_opt = NULL, *level = "info", *log_file = NULL;
	struct pollfd fds[2];
	struct signalfd_siginfo si;
	struct cni_err e;
	sigset_t mask;
	int opt, sfd = -1, ifd = -1, ret = 1;
	bool running = true;

	log_init("vdhcp-daemon");
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's': state_dir_opt = optarg; break;
		case 'c': d.config_path = optarg; break;
		case 'l': level = optarg; break;
		case 'f': log_file = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (log_configure(log_file, level)) {
		fprintf(stderr, "vdhcp daemon: --log-level must be error, warn, info or debug\n");
		return 2;
	}
	if (state_dir("vdhcp", state_dir_opt, d.dir, sizeof(d.dir), &e) ||
	    state_dir_ensure(d.dir, &e) || load_config(&d, &e)) {
		log_error("%s", e.msg);
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		log_error("cannot receive signals: %s", strerror(errno));
		goto out;
	}
	/* Records arrive by rename (state_write_atomic), hence IN_MOVED_TO. */
	ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd < 0 || inotify_add_watch(ifd, d.dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE) < 0) {
		log_error("cannot watch %s: %s", d.dir, strerror(errno));
		goto out;
	}
	log_info("renewing the leases recorded in %s", d.dir);
	while (running) {
		double wait;
		int timeout;

		d.next = 0;
		if (state_foreach(d.dir, daemon_one, &d, &e))
			log_error("%s", e.msg);
		wait = d.next ? d.next - record_now() : IDLE_RESCAN_S;
		if (wait > IDLE_RESCAN_S)
			wait = IDLE_RESCAN_S;
		timeout = wait <= 0 ? 0 : (int)(wait * 1000) + 1;
		fds[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = ifd, .events = POLLIN };
		if (poll(fds, 2, timeout) < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			goto out;
		}
		if (fds[1].revents & POLLIN)
			drain(ifd);
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				log_info("SIGHUP: reading %s again", d.config_path ? d.config_path :
					 "(no --config)");
				if (load_config(&d, &e))
					log_error("%s", e.msg);
				continue;
			}
			log_info("%s: exiting", strsignal((int)si.ssi_signo));
			running = false;
		}
	}
	ret = 0;
out:
	if (ifd >= 0)
		close(ifd);
	if (sfd >= 0)
		close(sfd);
	servers_free(d.known, d.n_known);
	log_close();
	return ret;
}
