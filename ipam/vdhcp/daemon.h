/* `vdhcp daemon`: renews every recorded lease at half its lease time (RFC 2131's T1) with the
 * same PUT the ADD made, retries releases that DEL could not complete, exits on SIGTERM. */
#ifndef VDHCP_DAEMON_H
#define VDHCP_DAEMON_H

/* argv[0] is "daemon". Returns the process exit status (0 after SIGTERM/SIGINT, 2 usage). */
int daemon_main(int argc, char **argv);

#endif
