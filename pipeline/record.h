/*
 * pipeline/record.h — what report.json says of one model, built from its BuildJob.
 *
 * The reports (reports/) know nothing of jobs: the pipeline hands them one JSON record per
 * model (schema: reports/report.schema.json, "models" items), and the cache stores the same
 * record so that an unchanged model is reported as it was built.
 *
 *   json_t *doc = jobs_report(jobs, n, "zoo.yaml");   // report_build() of every job's record
 *   ... report_html_render(&html, doc) ...; json_decref(doc);
 */
#ifndef PIPELINE_RECORD_H
#define PIPELINE_RECORD_H

#include <jansson.h>

#include "build.h"
#include "reports/report.h"

/* One model's record (new reference); a cached job gives its stored record with "cached": true
 * and this run's total time. */
json_t *job_record(const BuildJob *j);
/* report_build() of the records of jobs[0..n). */
json_t *jobs_report(const BuildJob *jobs, int n, const char *manifest);

#endif
