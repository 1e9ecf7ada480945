/* The attachment's plan on disk (<stateDir>/<containerid>-<ifname>.json): written before the
 * first delegate runs and again with every result before ADD answers, read by DEL, CHECK and
 * GC, removed only when every delegate's DEL succeeded (Multus #355, #164). */
#ifndef MC_CACHE_H
#define MC_CACHE_H
#include <cjson/cJSON.h>
#include "delegate.h"

#define CACHE_KIND "multicniCacheV1"

int cache_write(const char *dir, const char *id, const char *ifname, const struct mc_plan *plan,
		struct cni_err *e);
/* 0 and *plan filled; 1 when there is no cache; -1 on error (105 for a damaged cache). */
int cache_read(const char *dir, const char *id, const char *ifname, struct mc_plan *plan,
	       struct cni_err *e);
/* A record as state_foreach hands it; 1 when it is not a multicni cache. */
int cache_parse(const cJSON *record, const char *path, struct mc_plan *plan, struct cni_err *e);
int cache_remove(const char *dir, const char *id, const char *ifname, struct cni_err *e);

#endif
