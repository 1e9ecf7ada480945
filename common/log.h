/* Logging to stderr and, when the config names one, a log file; secrets are redacted. */
#ifndef VDN_LOG_H
#define VDN_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* prog: name printed in each line. Default level: warn to stderr, nothing to a file. */
void log_init(const char *prog);
/* level_name: error|warn|info|debug; NULL keeps the current one. file: NULL or "" for none.
 * Returns -1 for an unknown level name. */
int log_configure(const char *file, const char *level_name);
void log_close(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Replaces, in place, the values of password/token/secret/key/authorization fields in JSON
 * ("password":"x"), key=value and "Authorization: Bearer x" forms with "***". */
void log_redact(char *text);

#endif
