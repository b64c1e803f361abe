/*
 * reports/report.h — report.json (jansson). The document is deterministic for the same inputs
 * except the "timings" objects, which tests ignore. Every string from a model or manifest goes
 * through jansson's own escaping (node names are untrusted).
 */
#ifndef REPORTS_REPORT_H
#define REPORTS_REPORT_H

#include "pipeline/build.h"

#define REPORT_SCHEMA_VERSION 1
#define BLOBC_VERSION "0.1.0"

/* Writes OUT/report.json atomically. */
int report_json_write(const char *path, const BuildJob *jobs, int n, const char *manifest, Err *err);
/* The same document as a malloc'd string (caller frees with free()). */
char *report_json_string(const BuildJob *jobs, int n, const char *manifest);

#endif
