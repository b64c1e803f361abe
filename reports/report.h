/*
 * reports/report.h — report.json (jansson). The document is deterministic for the same inputs
 * except the "timings" objects, which tests ignore. Every string from a model or manifest goes
 * through report_str (node names are untrusted and may not be UTF-8).
 *
 * The reports know nothing of how models were built: the pipeline hands them one JSON record per
 * model (pipeline/record.h; schema: reports/report.schema.json, "models" items) and everything
 * else (summary, HTML, JUnit, merge, baseline) is computed from the document.
 */
#ifndef REPORTS_REPORT_H
#define REPORTS_REPORT_H

#include <jansson.h>

#include "compiler/base/base.h"

#define REPORT_SCHEMA_VERSION 1
#define BLOBC_VERSION         "0.1.0"

/* A JSON string of untrusted text: invalid UTF-8 bytes come out as \xNN escapes. */
json_t *report_str(const char *s);
/* The report document (caller json_decref's it) around the per-model records `models` (a JSON
 * array; the reference is taken over): schema version, tool, manifest and the summary counted
 * from each record's "status" and "cached". Other writers (HTML, JUnit) read only this. */
json_t *report_build(json_t *models, const char *manifest);
/* Compares doc with an earlier report.json and adds doc["baseline"] (newly_failing,
 * newly_passing, changed_output (blob sha256), added, removed). Returns the number of newly
 * failing models, or -1 when the baseline cannot be read (err filled). */
int report_baseline_apply(json_t *doc, const char *baseline_path, Err *err);
/* Removes "timings" and "cached" (run-dependent) for byte-reproducible release archives. */
void report_strip_timings(json_t *doc);
/* report.json's text of a document (2-space indent; caller frees with free()). */
char *report_json_dumps(json_t *doc);
/* Writes a report document as report.json text plus a newline, atomically. */
int report_json_write_doc(const char *path, json_t *doc, Err *err);

#endif
