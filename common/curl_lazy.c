/* libcurl loaded at its first use rather than at every start of a plugin. Its shared objects
 * (TLS, LDAP, Kerberos, SSH, RTMP: about 30) cost each start some 20 ms of CPU on a VM where
 * page faults are dear, while multicni's DEL, CHECK and GC, and an ADD without a pod, never
 * speak HTTP. These definitions stand in for the libcurl functions common/ calls: the linker
 * takes them from libvdncommon.a before it reaches -lcurl, which --as-needed then drops.
 * A libcurl function not listed here links libcurl as before; dlopen then returns that same
 * copy, so both paths always share one library. */
#define CURL_DISABLE_TYPECHECK 1   /* curl.h would turn our curl_easy_setopt into a macro */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <curl/curl.h>

static void *libcurl;
static char load_error[256] = "libcurl is not loaded";

static void *curl_sym(const char *name)
{
	const char *why;

	if (!libcurl) {
		libcurl = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
		if (!libcurl) {
			why = dlerror();
			snprintf(load_error, sizeof(load_error), "cannot load libcurl: %s",
				 why ? why : "unknown error");
			return NULL;
		}
	}
	return dlsym(libcurl, name);
}

/* One forwarder per function: resolve once, then call; `fail` when libcurl cannot be had. */
#define FORWARD(ret, name, params, args, fail)                                                \
	ret name params                                                                       \
	{                                                                                     \
		static ret (*real) params;                                                    \
		if (!real)                                                                    \
			real = (ret (*) params)curl_sym(#name);                               \
		return real ? real args : fail;                                               \
	}
#define FORWARD_VOID(name, params, args)                                                      \
	void name params                                                                      \
	{                                                                                     \
		static void (*real) params;                                                   \
		if (!real)                                                                    \
			real = (void (*) params)curl_sym(#name);                              \
		if (real)                                                                     \
			real args;                                                            \
	}

FORWARD(CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT)
FORWARD_VOID(curl_global_cleanup, (void), ())
FORWARD(CURL *, curl_easy_init, (void), (), NULL)
FORWARD_VOID(curl_easy_cleanup, (CURL *h), (h))
FORWARD(const char *, curl_easy_strerror, (CURLcode code), (code), load_error)
FORWARD(char *, curl_easy_escape, (CURL *h, const char *s, int len), (h, s, len), NULL)
FORWARD_VOID(curl_free, (void *p), (p))
FORWARD(struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s), (l, s),
	NULL)
FORWARD_VOID(curl_slist_free_all, (struct curl_slist *l), (l))
FORWARD(CURLM *, curl_multi_init, (void), (), NULL)
FORWARD(CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *h), (m, h), CURLM_INTERNAL_ERROR)
FORWARD(CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *h), (m, h),
	CURLM_INTERNAL_ERROR)
FORWARD(CURLMcode, curl_multi_cleanup, (CURLM *m), (m), CURLM_INTERNAL_ERROR)
FORWARD(CURLMsg *, curl_multi_info_read, (CURLM *m, int *left), (m, left), NULL)
FORWARD(CURLMcode, curl_multi_perform, (CURLM *m, int *running), (m, running),
	CURLM_INTERNAL_ERROR)
FORWARD(CURLMcode, curl_multi_poll,
	(CURLM *m, struct curl_waitfd extra[], unsigned n, int timeout_ms, int *ready),
	(m, extra, n, timeout_ms, ready), CURLM_INTERNAL_ERROR)
FORWARD(CURLU *, curl_url, (void), (), NULL)
FORWARD_VOID(curl_url_cleanup, (CURLU *u), (u))
FORWARD(CURLUcode, curl_url_get, (CURLU *u, CURLUPart what, char **part, unsigned flags),
	(u, what, part, flags), CURLUE_OUT_OF_MEMORY)
FORWARD(CURLUcode, curl_url_set, (CURLU *u, CURLUPart what, const char *part, unsigned flags),
	(u, what, part, flags), CURLUE_OUT_OF_MEMORY)

/* The option's number says the type of its one argument, as libcurl's own setopt reads it. */
CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...)
{
	static CURLcode (*real)(CURL *, CURLoption, ...);
	CURLcode ret;
	va_list ap;

	if (!real)
		real = (CURLcode (*)(CURL *, CURLoption, ...))curl_sym("curl_easy_setopt");
	if (!real)
		return CURLE_FAILED_INIT;
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		ret = real(h, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_OFF_T)
		ret = real(h, option, va_arg(ap, void *));   /* objects, strings, callbacks */
	else if (option < CURLOPTTYPE_BLOB)
		ret = real(h, option, va_arg(ap, curl_off_t));
	else
		ret = real(h, option, va_arg(ap, void *));
	va_end(ap);
	return ret;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	static CURLcode (*real)(CURL *, CURLINFO, ...);
	CURLcode ret;
	va_list ap;

	if (!real)
		real = (CURLcode (*)(CURL *, CURLINFO, ...))curl_sym("curl_easy_getinfo");
	if (!real)
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	ret = real(h, info, va_arg(ap, void *));
	va_end(ap);
	return ret;
}
