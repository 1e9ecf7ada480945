/* Building CNI errors where the failure is understood, so the message names the thing. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "err.h"

int cni_err_set(struct cni_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->details[0] = '\0';
	return -1;
}

void cni_err_details(struct cni_err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->details, sizeof(e->details), fmt, ap);
	va_end(ap);
}

void cni_err_prefix(struct cni_err *e, const char *fmt, ...)
{
	char prefix[256], old[sizeof(e->msg)];
	size_t plen, olen;
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	/* Joined by hand: a long message is meant to be cut, and gcc's -Wformat-truncation
	 * (an error under -Werror at -O2) cannot be told so for snprintf("%s: %s"). */
	plen = strlen(prefix);
	olen = strlen(old);
	if (plen > sizeof(e->msg) - 3)
		plen = sizeof(e->msg) - 3;
	memcpy(e->msg, prefix, plen);
	memcpy(e->msg + plen, ": ", 2);
	if (olen > sizeof(e->msg) - plen - 3)
		olen = sizeof(e->msg) - plen - 3;
	memcpy(e->msg + plen + 2, old, olen);
	e->msg[plen + 2 + olen] = '\0';
}

void cni_err_clear(struct cni_err *e)
{
	if (!e)
		return;
	e->code = 0;
	e->msg[0] = '\0';
	e->details[0] = '\0';
}
