/* Process-wide logger: plugins are one-shot processes, so one static state is enough. Every
 * line goes through log_redact, because configs, API answers and headers carry credentials. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "log.h"

static struct {
	char prog[64];
	enum log_level level;
	int fd;
} logger = { "vdn", LOG_WARN, -1 };

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static const char *const level_tags[] = { "ERROR", "WARN", "INFO", "DEBUG" };

void log_init(const char *prog)
{
	if (prog && *prog)
		snprintf(logger.prog, sizeof(logger.prog), "%s", prog);
}

static void write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		/* Nowhere left to report a failing log write; dropping the line is all we can do. */
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* Redacts and writes one line whatever the level: callers decide whether it is wanted. */
static void emit(enum log_level lvl, char *msg)
{
	char head[128], stamp[32];
	struct timespec ts = { 0 };
	struct tm tm;
	size_t hlen, mlen, i;
	char *line;

	log_redact(msg);
	/* One entry per line, so an annotation or API answer cannot forge extra log lines. */
	mlen = strlen(msg);
	while (mlen > 0 && (msg[mlen - 1] == '\n' || msg[mlen - 1] == '\r'))
		msg[--mlen] = '\0';
	for (i = 0; i < mlen; i++)
		if ((unsigned char)msg[i] < 0x20 && msg[i] != '\t')
			msg[i] = ' ';

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || !gmtime_r(&ts.tv_sec, &tm) ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "0000-00-00T00:00:00");
	snprintf(head, sizeof(head), "%s.%03ldZ %s %s ", stamp, ts.tv_nsec / 1000000L,
		 logger.prog, level_tags[lvl]);
	hlen = strlen(head);

	/* A single write per line: with O_APPEND, lines of concurrent plugin runs do not mix. */
	line = malloc(hlen + mlen + 1);
	if (line) {
		memcpy(line, head, hlen);
		memcpy(line + hlen, msg, mlen);
		line[hlen + mlen] = '\n';
		write_all(STDERR_FILENO, line, hlen + mlen + 1);
		if (logger.fd >= 0)
			write_all(logger.fd, line, hlen + mlen + 1);
		free(line);
		return;
	}
	write_all(STDERR_FILENO, head, hlen);
	write_all(STDERR_FILENO, msg, mlen);
	write_all(STDERR_FILENO, "\n", 1);
	if (logger.fd >= 0) {
		write_all(logger.fd, head, hlen);
		write_all(logger.fd, msg, mlen);
		write_all(logger.fd, "\n", 1);
	}
}

/* The attribute lets clang's -Wformat-nonliteral see that fmt comes from a checked caller. */
__attribute__((format(printf, 2, 0)))
static void emit_fmt(enum log_level lvl, const char *fmt, va_list ap)
{
	char small[1024], *msg = small, *big;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= 0 && (size_t)n >= sizeof(small)) {
		big = malloc((size_t)n + 1);
		/* Out of memory: the truncated line is still worth having. */
		if (big) {
			vsnprintf(big, (size_t)n + 1, fmt, again);
			msg = big;
		}
	}
	va_end(again);
	if (n >= 0)
		emit(lvl, msg);
	if (msg != small)
		free(msg);
}

/* For the logger's own complaints, which must reach stderr whatever the configured level. */
static void emit_always(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void emit_always(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_fmt(lvl, fmt, ap);
	va_end(ap);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl < LOG_ERROR || lvl > logger.level)
		return;
	va_start(ap, fmt);
	emit_fmt(lvl, fmt, ap);
	va_end(ap);
}

int log_configure(const char *file, const char *level_name)
{
	enum log_level lvl = logger.level;
	int ret = 0, bad_level = 0;
	size_t i;

	/* An empty logLevel in a config means "not set", as an empty logFile does. */
	if (level_name && *level_name) {
		bad_level = 1;
		for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
			if (strcasecmp(level_name, level_names[i]) == 0) {
				lvl = (enum log_level)i;
				bad_level = 0;
			}
	}

	log_close();
	if (file && *file) {
		/* O_NOFOLLOW: the plugin runs as root, a planted symlink must not aim its writes. */
		logger.fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (logger.fd < 0) {
			emit_always(LOG_WARN, "cannot open log file %s: %s; logging to stderr only",
				    file, strerror(errno));
			ret = -1;
		}
	}

	if (bad_level) {
		emit_always(LOG_WARN, "unknown log level \"%.32s\" (error|warn|info|debug); keeping %s",
			    level_name, level_names[logger.level]);
		ret = -1;
	} else {
		logger.level = lvl;
	}
	return ret;
}

void log_close(void)
{
	if (logger.fd >= 0)
		close(logger.fd);
	logger.fd = -1;
}

/* ---- redaction ---------------------------------------------------------------------------
 * Works in place on a NUL-terminated string. A masked value becomes "***" (or as many '*' as
 * it had characters when shorter), so the text never grows and no bound is needed. Every
 * scan stops at the NUL; nothing looks behind the start of the value it masks. */

static const char *const secret_words[] = {
	"password", "passwd", "token", "secret", "key", "authorization",
};

/* Schemes after which the credentials start in an Authorization header. */
static const char *const auth_schemes[] = {
	"basic", "bearer", "digest", "negotiate", "ntlm", "token",
};

static int is_key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

static int is_space(char c)
{
	return c && isspace((unsigned char)c);
}

static size_t skip_space(const char *t, size_t p)
{
	while (is_space(t[p]))
		p++;
	return p;
}

static size_t mask(char *t, size_t *len, size_t vs, size_t ve)
{
	size_t n = ve - vs, k = n < 3 ? n : 3;

	memset(t + vs, '*', k);
	if (n > k) {
		memmove(t + vs + k, t + ve, *len - ve + 1);
		*len -= n - k;
	}
	return vs + k;
}

static int contains_ci(const char *s, size_t n, const char *word)
{
	size_t wl = strlen(word), i;

	for (i = 0; i + wl <= n; i++)
		if (strncasecmp(s + i, word, wl) == 0)
			return 1;
	return 0;
}

static size_t backslashes_at(const char *t, size_t p)
{
	size_t r = 0;

	while (t[p + r] == '\\')
		r++;
	return r;
}

/* A JSON value at p. Its opening quote may be escaped r times when the JSON is itself inside
 * a JSON string ({\"password\":\"x\"}); at that depth the closing quote is the one preceded by
 * a run of backslashes equal to r modulo 2(r+1): 0 mod 2 for plain JSON, 1 mod 4 one level
 * down. Anything else preceding a quote escapes it. */
static size_t mask_json_value(char *t, size_t *len, size_t p)
{
	size_t r = backslashes_at(t, p), vs, q, b, ve;

	if (t[p + r] == '"') {
		vs = p + r + 1;
		for (q = vs; t[q]; q++) {
			if (t[q] != '"')
				continue;
			for (b = 0; q - b > vs && t[q - b - 1] == '\\'; b++)
				;
			if (b % (2 * (r + 1)) == r)
				break;
		}
		/* Unterminated (a truncated message): mask to the end rather than leak the rest. */
		ve = t[q] ? q - r : q;
		return mask(t, len, vs, ve);
	}
	/* Objects and arrays: their own keys are checked as the scan goes on. */
	if (r || t[p] == '{' || t[p] == '[')
		return p;
	for (ve = p; t[ve] && !is_space(t[ve]) && !strchr(",}]\"\\", t[ve]); ve++)
		;
	return mask(t, len, p, ve);
}

/* key=value: the value runs up to ';' (CNI_ARGS), '&' (query strings), whitespace or the
 * quote closing a JSON string around the pair. */
static size_t mask_pair_value(char *t, size_t *len, size_t p)
{
	size_t ve, b;

	if (t[p] == '"') {
		for (ve = p + 1; t[ve]; ve++) {
			if (t[ve] != '"')
				continue;
			for (b = 0; ve - b > p + 1 && t[ve - b - 1] == '\\'; b++)
				;
			if (b % 2 == 0)
				break;
		}
		return mask(t, len, p + 1, ve);
	}
	for (ve = p; t[ve] && !is_space(t[ve]) && !strchr(";&\"", t[ve]); ve++)
		if (t[ve] == '\\' && t[ve + 1] == '"')
			break;
	return mask(t, len, p, ve);
}

/* Authorization: [scheme] credentials, up to the end of the line or of the enclosing string. */
static size_t mask_header_value(char *t, size_t *len, size_t p)
{
	size_t we, i, ve;

	for (we = p; isalnum((unsigned char)t[we]) || t[we] == '-'; we++)
		;
	for (i = 0; i < sizeof(auth_schemes) / sizeof(auth_schemes[0]); i++)
		if (we - p == strlen(auth_schemes[i]) &&
		    strncasecmp(t + p, auth_schemes[i], we - p) == 0 && (t[we] == ' ' || t[we] == '\t')) {
			p = skip_space(t, we);
			break;
		}
	for (ve = p; t[ve] && !strchr("\r\n\"\\", t[ve]); ve++)
		;
	while (ve > p && is_space(t[ve - 1]))
		ve--;
	return mask(t, len, p, ve);
}

/* The key token [s, e) names a secret; masks what follows it if it is a value. Returns where
 * the scan goes on. */
static size_t mask_after_key(char *t, size_t *len, size_t s, size_t e)
{
	size_t p = e + backslashes_at(t, e);

	if (t[p] == '"') {
		p = skip_space(t, p + 1);
		if (t[p] != ':')
			return e;
		return mask_json_value(t, len, skip_space(t, p + 1));
	}
	if (t[e] == '=')
		return mask_pair_value(t, len, e + 1);
	/* Unquoted "name: value" is also prose ("cannot read key: ..."); only headers count. */
	if (contains_ci(t + s, e - s, "authorization")) {
		p = skip_space(t, e);
		if (t[p] != ':')
			return e;
		return mask_header_value(t, len, skip_space(t, p + 1));
	}
	return e;
}

static int secret_word_at(const char *t)
{
	size_t i;

	for (i = 0; i < sizeof(secret_words) / sizeof(secret_words[0]); i++)
		if (strncasecmp(t, secret_words[i], strlen(secret_words[i])) == 0)
			return 1;
	return 0;
}

static void redact_keyed(char *t, size_t *len)
{
	size_t i = 0, s, e;

	while (i < *len) {
		if (!secret_word_at(t + i)) {
			i++;
			continue;
		}
		for (s = i; s > 0 && is_key_char(t[s - 1]); s--)
			;
		for (e = i; is_key_char(t[e]); e++)
			;
		i = mask_after_key(t, len, s, e);
	}
}

/* "Bearer <token>" outside any header: tokens get pasted into messages and URLs too. */
static void redact_bearer(char *t, size_t *len)
{
	size_t i = 0, p, ve;

	while (i < *len) {
		if (strncasecmp(t + i, "bearer", 6) != 0 || (i > 0 && isalnum((unsigned char)t[i - 1])) ||
		    (t[i + 6] != ' ' && t[i + 6] != '\t')) {
			i++;
			continue;
		}
		p = skip_space(t, i + 6);
		for (ve = p; t[ve] && !is_space(t[ve]) && !strchr("\"'\\,;)]}>", t[ve]); ve++)
			;
		i = ve > p ? mask(t, len, p, ve) : p;
	}
}

/* scheme://user:password@host: the password ends at the last '@' of the authority, since an
 * unencoded '@' in a password is more likely than one in a host name. */
static void redact_userinfo(char *t, size_t *len)
{
	char *found;
	size_t a, end, at, colon;

	for (found = strstr(t, "://"); found; found = strstr(t + a, "://")) {
		a = (size_t)(found - t) + 3;
		for (end = a; t[end] && !is_space(t[end]) && !strchr("/?#\"'<>\\", t[end]); end++)
			;
		for (at = end; at > a && t[at - 1] != '@'; at--)
			;
		if (at == a)
			continue;
		at--;
		for (colon = a; colon < at && t[colon] != ':'; colon++)
			;
		if (colon + 1 < at)
			a = mask(t, len, colon + 1, at);
	}
}

void log_redact(char *text)
{
	size_t len;

	if (!text)
		return;
	len = strlen(text);
	redact_keyed(text, &len);
	redact_bearer(text, &len);
	redact_userinfo(text, &len);
}
