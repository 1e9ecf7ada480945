/* CNI spec versions this project speaks, and their ordering. */
#ifndef VDN_VERSION_H
#define VDN_VERSION_H
#include <stdbool.h>

#define CNI_VERSION_LATEST "1.1.0"
extern const char *const cni_versions[];   /* NULL-terminated, oldest first */

bool version_supported(const char *v);
/* Compares two dotted versions numerically: <0, 0, >0. Malformed parts compare as 0. */
int version_cmp(const char *a, const char *b);
/* Prints `{"cniVersion": <asked>, "supportedVersions": [...]}` for the VERSION command. */
char *version_json_new(const char *asked);

#endif
