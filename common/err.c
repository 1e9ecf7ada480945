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
	char prefix[256];
	size_t plen, mlen;
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	plen = strlen(prefix);
	if (plen + 2 >= sizeof(e->msg))
		return;
	/* Shift the message right; what no longer fits at the end is cut. */
	mlen = strnlen(e->msg, sizeof(e->msg) - 1);
	if (plen + 2 + mlen >= sizeof(e->msg))
		mlen = sizeof(e->msg) - plen - 3;
	memmove(e->msg + plen + 2, e->msg, mlen);
	memcpy(e->msg, prefix, plen);
	e->msg[plen] = ':';
	e->msg[plen + 1] = ' ';
	e->msg[plen + 2 + mlen] = '\0';
}

void cni_err_clear(struct cni_err *e)
{
	if (!e)
		return;
	e->code = 0;
	e->msg[0] = '\0';
	e->details[0] = '\0';
}
