/*
 * pipeline/verify.h — `blobc build --verify` and `blobc verify --blob`: the blob a model was
 * written to, run on a few frames against its source model (compiler/ref/blob_verify.h), and
 * the figures as a JSON object for report.json ("verify" of a model record; the schema is
 * reports/report.schema.json) and for `verify --blob --json`.
 */
#ifndef PIPELINE_VERIFY_H
#define PIPELINE_VERIFY_H

#include <jansson.h>

#include "build.h"
#include "compiler/ref/blob_verify.h"

/* The record of a finished check: status, frames, the worst output's error relative to its
 * scale and in FP16 roundings against the tolerance, top-1/top-5 agreement, each output, and
 * the message. frames_source: "pseudo-random" or the frames folder. */
json_t *verify_json(const BlobVerify *v, const char *frames_source);
/* The record of a check that could not run: {"status": "ERROR", "message": ...}. */
json_t *verify_error_json(const Err *err, const char *frames_source);

/* Runs the check of job j on blob[0..len) with bo's frames into j->verify_record (replacing
 * any). Never fails: an error becomes an ERROR record. */
void verify_job(BuildJob *j, const BuildOptions *bo, const uint8_t *blob, size_t len);
/* True when record r (a model record) has a "verify" made with bo's frames. */
bool verify_record_current(const json_t *r, const BuildOptions *bo);
/* Where the frames of a check come from, as the reports name it: the folder, or "pseudo-random"
 * when dir is NULL. */
const char *verify_frames_source(const char *dir);
/* The verify status of a record ("PASS", ... "ERROR"), or NULL when it has none. */
const char *verify_status(const json_t *r);

#endif
