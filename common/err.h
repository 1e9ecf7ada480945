/* CNI error values: the spec's codes plus this project's plugin-specific ones (>= 100),
 * carried from the place that knows what failed up to the skeleton that prints them. */
#ifndef VDN_ERR_H
#define VDN_ERR_H

enum cni_code {
	CNI_OK = 0,
	CNI_ERR_INCOMPATIBLE_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_TRY_AGAIN = 11,
	CNI_ERR_NOT_AVAILABLE = 50,
	CNI_ERR_LIMITED = 51,
	/* plugin-specific, documented in README.md */
	CNI_ERR_NETLINK = 100,   /* the kernel refused a link, address or route change */
	CNI_ERR_DEVICE = 101,    /* no usable device: pool exhausted, master missing */
	CNI_ERR_DELEGATE = 102,  /* a delegate (IPAM or plugin) could not be run or answered badly */
	CNI_ERR_REMOTE = 103,    /* a remote API (vDHCP, Kubernetes) refused the request */
	CNI_ERR_CHECK = 104,     /* CHECK found the attachment differs from prevResult */
	CNI_ERR_STATE = 105,     /* a state file or lock could not be read or written */
	CNI_ERR_INTERNAL = 106,  /* out of memory or a system call that should not fail */
};

struct cni_err {
	int code;
	char msg[512];
	char details[1024];
};

/* Sets code and message (printf-style) and clears details. Returns -1 for `return cni_err_set(...)`. */
int cni_err_set(struct cni_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Sets details (printf-style); keeps code and message. */
void cni_err_details(struct cni_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefixes the message with "<prefix>: " so callers can add context on the way up. */
void cni_err_prefix(struct cni_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cni_err_clear(struct cni_err *e);

#endif
