/*
 * pipeline/manifest.h — the YAML manifest (`version: 1`): which models to convert and how.
 *
 * Overview. manifest_load() reads a manifest, validates every key and value, merges
 * `defaults` → model → input, checks that each source file exists, and returns plain data:
 * one ManifestModel per model, each with at least one ManifestInput, every field resolved
 * to a concrete value (nothing left unset except where a field says so). Everything hangs off
 * one Arena freed by manifest_free(). The schema and every error message are documented in
 * manifests/README.md.
 *
 * A bad manifest gives exactly one error: ERR_MANIFEST (ERR_IO when the file cannot be
 * read) with err->file = the manifest path, err->line = the 1-based line of the offending
 * YAML node and err->model = the model's name when known, so err_line() prints
 * `zoo.yaml:12: model 'ssd': unknown key 'mean_value' (did you mean 'mean_values'?)`.
 *
 * Usage:
 *   Manifest *m = NULL;
 *   Err err = {0};
 *   if (manifest_load(&m, "manifests/demo.yaml", &err) < 0) {
 *     char line[1024];
 *     fprintf(stderr, "%s\n", err_line(&err, line, sizeof line));
 *     return 2;
 *   }
 *   for (int i = 0; i < m->n_models; i++) printf("%s <- %s\n", m->models[i].name, m->models[i].source);
 *   manifest_free(m);
 *
 * Hostile input: files over MANIFEST_MAX_BYTES are refused before parsing, YAML aliases are
 * refused (so no node is shared and no cycle exists), nesting deeper than MANIFEST_MAX_DEPTH
 * is refused, and only one YAML document is accepted.
 */
#ifndef PIPELINE_MANIFEST_H
#define PIPELINE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler/base/base.h"
#include "compiler/base/types.h"
#include "pipeline/options.h"

#define MANIFEST_MAX_BYTES (16u << 20) /* bigger manifests are refused */
#define MANIFEST_MAX_DEPTH 32          /* deeper YAML nesting is refused */
#define MANIFEST_MAX_DIMS  8           /* shape rank and mean/scale length limit */
#define MANIFEST_MAX_NAME  100         /* model name length limit */

typedef struct {
  const char *name; /* model input name; NULL = applies to the model's first input */
  int line;         /* manifest line of this input entry (the model's line if implicit) */
  int rank;         /* number of dims in shape, 0 when !has_shape */
  int64_t shape[MANIFEST_MAX_DIMS]; /* every dim >= 1 */
  bool has_shape;
  Layout layout;       /* layout of the model input (as the model expects it) */
  Layout frame_layout; /* layout of what the camera/blob input delivers; "NCHW->NHWC" sets
                              layout NCHW, frame_layout NHWC; without an arrow = layout */
  int n_mean;          /* 0 = none; 1 = one value for every channel */
  double mean[MANIFEST_MAX_DIMS];
  int n_scale; /* 0 = none; 1 = one value for every channel; all > 0 */
  double scale[MANIFEST_MAX_DIMS];
  bool reverse_input_channels; /* frames are BGR, the model wants RGB (or the reverse) */
  Precision precision;         /* U8, FP16 or FP32 as given; PREC_DEFAULT when not given anywhere:
                              the compiler then uses U8 for camera frames (4-D float inputs)
                              and keeps other inputs as they are (FP16 on the VPU) */
  /* Lines of the YAML nodes the resolved values came from (defaults, model or input entry),
   * 0 when the value was not given; for later errors such as a mean/channel mismatch. */
  int shape_line, layout_line, mean_line, scale_line, reverse_line, precision_line;
  OptSet opt; /* every INPUT option of pipeline/options.def as resolved (unset = the
                              model's own); the fields above are views of it */
} ManifestInput;

typedef struct {
  const char *name;       /* unique; [A-Za-z0-9._-], not starting with '.', <= 100 chars */
  int line;               /* manifest line of this model entry */
  const char *source;     /* path resolved relative to the manifest's folder */
  const char *source_raw; /* as written */
  int source_line;
  ManifestInput *inputs; /* n_inputs >= 1: without `inputs` one implicit entry (name NULL) */
  int n_inputs;
  Precision data_type;        /* FP16 (default) or FP32 */
  Precision output_precision; /* FP16 (default) or FP32 */
  int shaves;                 /* 1..16, default 6 */
  int cmx_slices;             /* 1..16, >= shaves, default = shaves */
  const char *openvino;       /* "2021.4" or "2022.1" (default "2022.1"); static storage */
  bool superblob;             /* write depthai's .superblob (1..16 SHAVEs) instead of one blob */
  bool hw_off;          /* hw: off (every layer on SHAVEs); default auto (the NCE where it can) */
  int64_t max_model_mb; /* the model's memory budget in MiB (1..2^30); 0 = not given (the
                              machine's default, or --max-model-mb) */
  OptSet opt;           /* every MODEL option of pipeline/options.def as resolved (all set:
                              given, or the table's default); the fields above are views of it */
  const char *missing;  /* with ManifestOptions.defer_missing_source: why the source cannot be
                              used ("source file 'x' not found"), the model's own error; else NULL */
} ManifestModel;

typedef struct {
  const char *path;      /* as given to manifest_load / manifest_parse_str ("" if NULL) */
  int version;           /* always 1 */
  ManifestModel *models; /* n_models >= 1, in manifest order */
  int n_models;
  Arena *arena; /* owns everything above, including this struct */
} Manifest;

/* How to load: NULL everywhere means the defaults below. */
typedef struct {
  const OptSet *overrides; /* MODEL options from the command line, over every model (may be NULL) */
  bool defer_missing_source; /* a source file that does not exist is that model's error
                                (ManifestModel.missing) instead of the manifest's */
} ManifestOptions;

/* Reads and validates the manifest at path. On success returns 0 and sets *out (free with
 * manifest_free). On failure returns -1, fills err once (ERR_IO if the file cannot be read,
 * ERR_MANIFEST otherwise) and leaves *out untouched. */
int manifest_load(Manifest **out, const char *path, Err *err);
/* The same from text[0..len) (need not be NUL-terminated). path (may be NULL) is used for
 * messages and as the base folder of relative sources. */
int manifest_parse_str(Manifest **out, const char *text, size_t len, const char *path, Err *err);
/* The same with options (mo may be NULL). */
int manifest_load_opts(Manifest **out, const char *path, const ManifestOptions *mo, Err *err);
int manifest_parse_opts(Manifest **out, const char *text, size_t len, const char *path,
                        const ManifestOptions *mo, Err *err);
/* A one-model manifest from the command line (convert, check MODEL): source and name as given,
 * `defaults` = model + in_all, one `inputs` entry per named input (none: one implicit input).
 * The same resolution and checks as a manifest; errors have no file or line. */
int manifest_from_args(Manifest **out, const char *source, const char *name, const OptArgs *args,
                       Err *err);
/* Frees the manifest and everything it owns; accepts NULL. */
void manifest_free(Manifest *m);
/* The model called name, or NULL. */
const ManifestModel *manifest_find_model(const Manifest *m, const char *name);

#endif
