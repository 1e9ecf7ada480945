/* What vdno-scheduler prints: a table for people, or JSON (-o json) for programs, for every
 * command. Warnings go to the error stream either way, and into the JSON too. */
#ifndef VDNO_OUTPUT_H
#define VDNO_OUTPUT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum output_format { OUTPUT_TABLE = 0, OUTPUT_JSON };

struct live;
struct entry;
struct score_input;
struct region_score;

/* What create made. */
struct created {
	const char *name, *region, *namespace, *vdn, *plugin, *image;
	char mac[18];
	const char *bandwidth;          /* as given; NULL none */
	int64_t bandwidth_bps;
	char **intent_keys;
	size_t n_intents;
};

/* What delete removed. */
struct deleted {
	const char *name;
	char **pods;                    /* "region namespace/name" */
	size_t n_pods;
	char **intents;                 /* the entry's intent keys */
	size_t n_intents;
	char **swept;                   /* other VDN: intents removed with the VDN's last pod */
	size_t n_swept;
};

/* Each returns 0, or -1 when writing fails (or out of memory). */
int output_regions(FILE *out, enum output_format format, const struct live *live);
int output_select(FILE *out, enum output_format format, bool explain, const struct live *live,
		  const struct score_input *in, const struct region_score *scores, int chosen);
int output_entries(FILE *out, enum output_format format, const struct live *live,
		   const struct entry *entries, size_t n);
int output_entry(FILE *out, enum output_format format, const struct live *live,
		 const struct entry *entry);
int output_created(FILE *out, enum output_format format, const struct live *live,
		   const struct created *created);
int output_deleted(FILE *out, enum output_format format, const struct live *live,
		   const struct deleted *deleted);
/* "vdno-scheduler: warning: …" per warning, and a line for a degraded ONOS when asked. */
void output_warnings(FILE *err, const struct live *live);

#endif
