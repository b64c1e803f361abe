/*
 * pipeline/omz.h — import an Open Model Zoo tree (`model.yml` files) as a blobc manifest.
 *
 * Overview. omz_import() walks a folder for OMZ `model.yml` files (libyaml), finds each model's
 * file next to its model.yml or below it (framework onnx, or any framework with an .onnx file:
 * the .onnx; framework dldt: the .xml, FP16 preferred, with its .bin beside it), turns the
 * Model Optimizer arguments (`model_optimizer_args`, and `input_info` of 2022.1 files) into
 * our per-input preprocessing, and renders a `version: 1` manifest (manifests/README.md) in
 * which every string is double-quoted and escaped in one place. A model that cannot be
 * imported (caffe/tf/pytorch without an .onnx, missing files, arguments our manifest rejects)
 * is kept as `# skipped: <reason>` comment lines, so the output always loads with
 * manifest_load() — omz_import() checks that itself before returning.
 *
 * Usage:
 *   Err err = {0};
 *   OmzStats st = {0};
 *   if (omz_import_write("omz/models", "zoo.yaml", &st, &err) < 0) { print err_line(&err) }
 *   printf("%d models, %d skipped\n", st.imported, st.skipped);
 *
 * What is understood is documented in docs/scale-out.md ("Importing an Open Model Zoo tree").
 */
#ifndef PIPELINE_OMZ_H
#define PIPELINE_OMZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler/base/base.h"
#include "pipeline/manifest.h"

#define OMZ_MAX_INPUTS    64         /* inputs named by one model's mo arguments */
#define OMZ_MAX_FILES     100000     /* model.yml files in one tree */
#define OMZ_MAX_DEPTH     32         /* folder depth walked below DIR */
#define OMZ_MAX_YML_BYTES (1u << 20) /* bigger model.yml files are skipped */

/* One model input as the mo arguments describe it. */
typedef struct {
  const char *name; /* input name; NULL = the model's first (only) input */
  int rank;         /* dims in shape; 0 = not given */
  int64_t shape[MANIFEST_MAX_DIMS];
  const char *layout; /* "NCHW" or "NCHW->NHWC" (our spelling); NULL = not given */
  int n_mean;         /* 0 = not given */
  double mean[MANIFEST_MAX_DIMS];
  int n_scale; /* 0 = not given */
  double scale[MANIFEST_MAX_DIMS];
  bool reverse_input_channels;
} OmzInput;

/* The preprocessing of one model, parsed from its mo arguments. */
typedef struct {
  OmzInput inputs[OMZ_MAX_INPUTS];
  int n_inputs;
  const char *data_type; /* "FP16" / "FP32" from --data_type, NULL = not given */
  const char
      *input_model; /* --input_model without a leading $dl_dir/ or $conv_dir/; NULL = not given */
  const char *ignored; /* space-separated arguments not used (e.g. --output=prob); NULL = none */
} OmzPrep;

typedef struct {
  int found;    /* model.yml files read */
  int imported; /* models written */
  int skipped;  /* models written as `# skipped:` comments */
} OmzStats;

/* Parses mo arguments (one per entry, "--key=value", "--flag" or "--key" "value") into *out,
 * strings from arena a. Understood: --input, --input_shape, --mean_values, --scale_values,
 * --scale, --reverse_input_channels, --layout, --data_type, --input_model; anything else goes
 * to out->ignored. Returns 0, or -1 with ERR_PARSE and a message naming the argument
 * (e.g. "bad --mean_values 'data[1,x]'") when a value is malformed; *out is then undefined. */
int omz_parse_mo_args(OmzPrep *out, Arena *a, const char *const *args, int n, Err *err);

/* Walks dir and renders the manifest text for a manifest that will live at out_path (sources
 * are written relative to its folder, which must exist) into *out (caller buf_free's; no NUL).
 * stats may be NULL. Returns 0; -1 with err filled when dir cannot be walked (ERR_IO), holds no
 * model.yml (ERR_USAGE), no model could be imported (ERR_UNSUPPORTED_OP, the message lists the
 * first reason) or the result does not load (ERR_INTERNAL). Per-model problems never fail the
 * call: they become `# skipped:` lines and, when warn is not NULL, one line each on warn. */
int omz_import(Buf *out, const char *dir, const char *out_path, OmzStats *stats, FILE *warn,
               Err *err);

/* omz_import() then io_write_atomic(out_path), creating its folder; warnings go to stderr. */
int omz_import_write(const char *dir, const char *out_path, OmzStats *stats, Err *err);

#endif
