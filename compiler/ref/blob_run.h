/*
 * compiler/ref/blob_run.h — runs any MyriadX blob, ours or compile_tool's (v5 and v6, SHAVE and
 * HW stages), on tensors: the library behind `blobc run FILE.blob` and `blobc verify --blob`.
 *
 * Inputs are given as tensors in IE order (the blob input's dims sorted N, C, H, W ... whatever
 * its memory order; e.g. [1,3,300,300] for an NCHW or an NHWC input), or as U8 frames [1,H,W,C]
 * (.ppm/.pgm, `image` set) whose channels are moved to the input's place. Values are converted
 * to the input's type (U8 and integers: rounded and clamped; FP16: round to nearest even).
 * Outputs come back in IE order: FP16 and FP32 outputs as DT_F32 (FP16 values exactly), S32 as
 * DT_I32, U8 as DT_U8, I8 as DT_I8.
 *
 * Usage:
 *   BlobFeed in[1] = {{.name = "data", .t = &frame, .image = true}};
 *   BlobResult r = {0};
 *   if (blob_run_file(&r, "face.blob", in, 1, NULL, &err) < 0) ... err_line(&err, ...)
 *   ... r.outputs[k] is blob output k, named r.names[k] ...
 *   blob_result_free(&r);
 *
 * Errors: ERR_USAGE for a feed that names no input, an input fed twice or not at all, a tensor
 * whose dims do not fit its input (message names the input and both shapes); ERR_PARSE for a
 * malformed blob (blob_run_file, "offset N: ..."); ERR_BACKEND for a stage that cannot run
 * ("stage N (Name): ..."); ERR_OOM over a limit. err->file is the blob's path when known.
 */
#ifndef COMPILER_REF_BLOB_RUN_H
#define COMPILER_REF_BLOB_RUN_H

#include "blob_exec.h"
#include "ref.h"

/* Default work limit when opts is NULL: about 10^12 multiply-adds, far above any network a
 * MyriadX runs (the SSDs here are ~10^9), so only a hostile blob reaches it. */
#define BLOB_RUN_MAX_WORK (1ull << 40)

typedef struct {
  const char *name;   /* blob input name; NULL: the next input not fed by name */
  const RefTensor *t; /* borrowed */
  bool image;         /* a U8 frame [1,H,W,C]: NHWC whatever the input's order */
} BlobFeed;

typedef struct {
  RefTensor *outputs; /* n_out tensors, blob output order */
  char **names;       /* n_out malloc'd names */
  int n_out;
  int n_stages_run;
  float max_abs;       /* largest finite |value| any stage stored */
  uint64_t n_overflow; /* finite results that became inf in FP16 */
} BlobResult;

/* Runs the parsed blob b (its bytes data[0..len)) on the feeds; fills *res on success (free with
 * blob_result_free), leaves it zeroed on failure. opts may be NULL (limit BLOB_RUN_MAX_WORK). */
int blob_run(BlobResult *res, const BlobInfo *b, const uint8_t *data, size_t len,
             const BlobFeed *feeds, int n_feeds, const BlobExecOpts *opts, Err *err);
/* Reads and parses path, then blob_run. */
int blob_run_file(BlobResult *res, const char *path, const BlobFeed *feeds, int n_feeds,
                  const BlobExecOpts *opts, Err *err);
void blob_result_free(BlobResult *res);

/* IE-order dims of a blob tensor shape into dims (major -> minor); returns the rank. */
int blob_ie_dims(const BlobShape *s, int64_t *dims);

#endif
