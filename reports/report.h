/*
 * reports/report.h — report.json (jansson). The document is deterministic for the same inputs
 * except the "timings" objects, which tests ignore. Every string from a model or manifest goes
 * through jansson's own escaping (node names are untrusted).
 */
#ifndef REPORTS_REPORT_H
#define REPORTS_REPORT_H

#include <jansson.h>

#include "pipeline/build.h"

#define REPORT_SCHEMA_VERSION 1
#define BLOBC_VERSION "0.1.0"

/* The report document (caller json_decref's it). Other writers (HTML, JUnit) read only this. */
json_t *report_build(const BuildJob *jobs, int n, const char *manifest);
/* One model's record; a cached job returns its stored record with "cached": true. */
json_t *report_model_json(const BuildJob *j);
/* Compares doc with an earlier report.json and adds doc["baseline"] (newly_failing,
 * newly_passing, changed_output (blob sha256), added, removed). Returns the number of newly
 * failing models, or -1 when the baseline cannot be read (err filled). */
int report_baseline_apply(json_t *doc, const char *baseline_path, Err *err);
/* Removes "timings" and "cached" (run-dependent) for byte-reproducible release archives. */
void report_strip_timings(json_t *doc);
/* Writes a report document as report.json text, atomically. */
int report_json_write_doc(const char *path, json_t *doc, Err *err);
/* Writes OUT/report.json atomically. */
int report_json_write(const char *path, const BuildJob *jobs, int n, const char *manifest, Err *err);
/* The same document as a malloc'd string (caller frees with free()). */
char *report_json_string(const BuildJob *jobs, int n, const char *manifest);

#endif
