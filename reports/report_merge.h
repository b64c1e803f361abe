/*
 * reports/report_merge.h — joins the report.json files of shard runs (`blobc build --shard I/N`)
 * into one report: `blobc report merge out-0/report.json out-1/report.json -o merged`.
 *
 * Rules. Every input must be a report.json of the same schema_version (REPORT_SCHEMA_VERSION);
 * the models of all inputs are concatenated and sorted by name (bytewise), so the result does not
 * depend on the order the shards are given in; a model name found in two inputs is an error that
 * names both files. The summary is recomputed from the model statuses (a "cached" count is kept
 * when the inputs carry one). "manifest" is the first input's; "tool" is the inputs' common value,
 * else "blobc <this version>". Model records are copied unchanged.
 *
 * Usage:
 *   const char *in[] = {"out-0/report.json", "out-1/report.json"};
 *   Err err = {0};
 *   if (report_merge_write("merged", in, 2, &err) < 0) fprintf(stderr, "%s\n", err_line(&err, ...));
 */
#ifndef REPORTS_REPORT_MERGE_H
#define REPORTS_REPORT_MERGE_H

#include <jansson.h>

#include "compiler/base/base.h"

#define REPORT_MERGE_MAX_BYTES (1u << 30) /* bigger report.json files are refused */

/* Merges the n reports at paths into a new document (*out, caller json_decref's it).
 * Returns 0, or -1 with err->file = the offending input, err->line = the JSON line for syntax
 * errors, code ERR_IO (unreadable) or ERR_PARSE (not JSON, not a report, wrong schema_version,
 * duplicate model), and *out untouched. n must be >= 1 (ERR_USAGE otherwise). */
int report_merge(json_t **out, const char *const *paths, int n, Err *err);

/* report_merge() then writes out_dir/report.json, report.html and junit.xml (each atomically),
 * creating out_dir. stats_models (may be NULL) gets the number of merged models. */
int report_merge_write(const char *out_dir, const char *const *paths, int n, int *stats_models,
                       Err *err);

#endif
