/* Kubernetes resource quantities ("3800m", "15656480Ki", "129e6") read exactly into int64
 * integers the way kube-scheduler reads them: cpu in millicores, everything else in units. */
#ifndef VDN_QUANTITY_H
#define VDN_QUANTITY_H
#include <stddef.h>
#include <stdint.h>
#include "err.h"

/*
 * Grammar (apimachinery's): [+-] digits [. digits] suffix, digits optional on one side of the
 * point, suffix one of  n u m "" k M G T P E  |  Ki Mi Gi Ti Pi Ei  |  e|E [+-] digits.
 * Surrounding white space is ignored, as the API server's JSON decoder trims it.
 *
 * The value is rounded up in magnitude (away from zero) to the next integer, as
 * apimachinery's ScaledValue does; for the non-negative values requests and capacities are,
 * that is the ceiling. The arithmetic is on decimal digits, so "0.1", "1.5Gi" and "1e3" are
 * exact. A result outside int64 is an error. Errors (code 6, decode) name the string.
 */

/* Value in whole units (bytes for memory and storage): "1.5" → 2, "1Gi" → 1073741824. */
int quantity_parse(const char *s, int64_t *out, struct cni_err *e);
/* Value × 1000 (millicores for cpu): "1" → 1000, "0.5m" → 1, "100m" → 100. */
int quantity_parse_milli(const char *s, int64_t *out, struct cni_err *e);

/* Canonical strings for a Pod's resources: millicores as "2" or "1500m"; units with the
 * largest binary suffix that divides them ("4Gi", "1536Mi") or bare ("100000000").
 * Return what snprintf returns. */
int quantity_format_milli(int64_t milli, char *buf, size_t size);
int quantity_format(int64_t value, char *buf, size_t size);

#endif
