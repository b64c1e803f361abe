/*
 * pipeline/build.h — a batch of models compiled in parallel, outputs written atomically.
 *
 *   BuildJob *jobs; int n;
 *   build_jobs_from_manifest(&jobs, &n, manifest, arena);
 *   BuildOptions bo = {.out_dir = "out", .threads = 2, .want_blob = true, .want_ir = true};
 *   build_run(jobs, n, &bo);                 // never stops at a failing model
 *   json_t *doc = jobs_report(jobs, n, path); // pipeline/record.h
 *   build_jobs_free(jobs, n);
 */
#ifndef PIPELINE_BUILD_H
#define PIPELINE_BUILD_H

#include <jansson.h>
#include <stdio.h>

#include "compiler/compile.h"
#include "compiler/ref/ref.h"
#include "manifest.h"
#include "probe.h"

typedef enum {
  JOB_PENDING = 0,
  JOB_OK,
  JOB_UNSUPPORTED,
  JOB_ERROR,
  JOB_SKIPPED,     /* not started: the run was stopped first */
  JOB_INTERRUPTED, /* stopped by SIGINT/SIGTERM while compiling; nothing of it written half */
  JOB_STATUS_COUNT
} JobStatus;

typedef struct {
  const char *name; /* model name (manifest) */
  int line;         /* manifest line, 0 for the CLI */
  CompileOptions opt;
  CompileResult res;
  Err err;
  JobStatus status;
  const char *blob_path, *xml_path, *bin_path; /* relative to out_dir; NULL when not written */
  size_t blob_size;
  char blob_sha256[65];
  double t_total;
  uint64_t max_model_bytes; /* the manifest's max_model_mb in bytes, 0 = not given */
  bool activation_stats;    /* run the blob on a probe input after compiling it (probe.h) */
  ProbeStats probe;
  json_t *cached_record;   /* the stored record (pipeline/record.h) when the cache had this model */
  const ManifestModel *mm; /* the manifest entry it came from (every option as resolved), or NULL
                                for a job made by hand; outlives the job */
  bool nn_archive;         /* also write <name>.tar.xz, Luxonis' NN Archive */
  const char *nn_archive_path; /* relative to out_dir; NULL when not written */
  const char *blob_file; /* convert -o X.blob: the blob goes exactly there (no folder, no IR) */
  json_t *verify_record; /* build --verify: the check of the written blob (pipeline/verify.h) */
} BuildJob;

typedef struct {
  const char *out_dir;
  int threads;
  bool want_blob, want_ir;
  bool quiet;            /* no per-model progress lines (errors are still shown) */
  bool silent;           /* not even errors (check --json, library callers without diag) */
  bool verbose;          /* also each model's unsupported/converted nodes */
  bool use_cache;        /* skip models whose inputs, options and outputs are unchanged */
  bool activation_stats; /* run each blob on a probe input and report its largest activation */
  bool verify;           /* run each written blob against its source model (pipeline/verify.h) */
  const RefTensor *verify_frames; /* U8 frames (--frames), or NULL: pseudo-random ones */
  int n_verify_frames;
  int verify_random;             /* pseudo-random frames when verify_frames is NULL (0: 3) */
  const char *verify_frames_dir; /* where verify_frames came from, NULL for pseudo-random */
  CompileLimits limits;          /* applied to every model (0 fields = defaults). max_model_bytes
                                0 = the manifest's max_model_mb, else job_default_budget(threads);
                                given, it also caps the manifest's value */
  FILE *diag;                    /* progress and per-model errors; NULL = stderr */
} BuildOptions;

const char *job_status_name(JobStatus s);
/* One job per manifest model, options resolved (defaults already merged by the manifest). */
int build_jobs_from_manifest(BuildJob **out, int *n, const Manifest *m, Arena *a, Err *err);
/* Compiles every job with bo->threads workers and writes each model's outputs into
 * out_dir/<name>/. Returns the number of jobs that failed (error or unsupported). */
int build_run(BuildJob *jobs, int n, const BuildOptions *bo);
void build_jobs_free(BuildJob *jobs, int n);
/* OUT/manifest.resolved.yaml: every option of pipeline/options.def as resolved (defaults
 * included), for the release archive: building it again gives the same blobs. */
int build_write_resolved(const char *path, const BuildJob *jobs, int n, Err *err);
/* blobconverter's naming: <name>_openvino_<ver>_<N>shave.blob */
const char *build_blob_name(Arena *a, const char *name, const char *openvino, int shaves);

#endif
