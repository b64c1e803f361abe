/* pipeline/build.c — see build.h. */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

const char *job_status_name(JobStatus s) {
  switch (s) {
  case JOB_OK: return "ok";
  case JOB_UNSUPPORTED: return "unsupported";
  case JOB_ERROR: return "error";
  case JOB_SKIPPED: return "skipped";
  default: return "pending";
  }
}

static CompLayout map_layout(Layout l) {
  switch (l) {
  case LAYOUT_NCHW: return CL_NCHW;
  case LAYOUT_NHWC: return CL_NHWC;
  case LAYOUT_CHW: return CL_CHW;
  case LAYOUT_HWC: return CL_HWC;
  case LAYOUT_NC: return CL_NC;
  case LAYOUT_C: return CL_C;
  default: return CL_NONE;
  }
}

static CompPrec map_prec(Precision p) {
  switch (p) {
  case PREC_U8: return CP_U8;
  case PREC_FP16: return CP_FP16;
  case PREC_FP32: return CP_FP32;
  default: return CP_DEFAULT;
  }
}

const char *build_blob_name(Arena *a, const char *name, const char *openvino, int shaves) {
  return arena_printf(a, "%s_openvino_%s_%dshave.blob", name, openvino, shaves);
}

int build_jobs_from_manifest(BuildJob **out, int *n, const Manifest *m, Arena *a, Err *err) {
  (void)err;
  BuildJob *jobs = calloc((size_t)m->n_models + 1, sizeof *jobs);
  if (!jobs) base__assert_fail(__FILE__, __LINE__, "out of memory");
  for (int i = 0; i < m->n_models; i++) {
    const ManifestModel *mm = &m->models[i];
    BuildJob *j = &jobs[i];
    j->name = mm->name;
    j->line = mm->line;
    CompileOptions *o = &j->opt;
    o->model_name = mm->name;
    o->source = mm->source;
    o->data_type = map_prec(mm->data_type);
    o->output_precision = map_prec(mm->output_precision);
    o->shaves = mm->shaves;
    o->cmx_slices = mm->cmx_slices ? mm->cmx_slices : mm->shaves;
    o->openvino = mm->openvino;
    o->n_inputs = mm->n_inputs;
    o->inputs = arena_array(a, (size_t)mm->n_inputs + 1, sizeof(CompInput));
    for (int k = 0; k < mm->n_inputs; k++) {
      const ManifestInput *mi = &mm->inputs[k];
      CompInput *ci = &o->inputs[k];
      ci->name = mi->name;
      ci->has_shape = mi->has_shape;
      ci->rank = mi->rank;
      for (int d = 0; d < mi->rank && d < IR_MAX_DIMS; d++) ci->shape[d] = mi->shape[d];
      ci->layout = map_layout(mi->layout);
      ci->frame_layout = map_layout(mi->frame_layout);
      ci->n_mean = mi->n_mean;
      ci->n_scale = mi->n_scale;
      memcpy(ci->mean, mi->mean, sizeof ci->mean);
      memcpy(ci->scale, mi->scale, sizeof ci->scale);
      ci->reverse_input_channels = mi->reverse_input_channels;
      ci->precision = map_prec(mi->precision);
    }
  }
  *out = jobs;
  *n = m->n_models;
  return 0;
}

typedef struct {
  BuildJob *jobs;
  int n;
  const BuildOptions *bo;
} RunCtx;

static int write_out(BuildJob *j, const char *dir, const char *file, const Buf *b, const char **rel, Arena *a) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  if (io_write_atomic(path, b->data ? (const void *)b->data : "", b->len, &j->err) < 0) return -1;
  *rel = arena_printf(a, "%s/%s", j->name, file);
  return 0;
}

static void run_one(void *vctx, int i, int worker) {
  (void)worker;
  RunCtx *ctx = vctx;
  BuildJob *j = &ctx->jobs[i];
  const BuildOptions *bo = ctx->bo;
  double t0 = io_now();
  j->opt.want_blob = bo->want_blob;
  j->opt.want_ir = bo->want_ir;
  int rc = compile_model(&j->res, &j->opt, &j->err);
  Arena *a = j->res.arena;
  if (rc < 0) {
    j->status = JOB_ERROR;
    err_where(&j->err, NULL, -1, j->name, NULL);
  } else {
    j->status = j->res.n_unsupported ? JOB_UNSUPPORTED : JOB_OK;
    if (bo->want_blob || bo->want_ir) {
      char dir[4096];
      snprintf(dir, sizeof dir, "%s/%s", bo->out_dir, j->name);
      if (io_mkdirs(dir, &j->err) < 0) {
        j->status = JOB_ERROR;
      } else {
        const char *xml = arena_printf(a, "%s.xml", j->name), *bin = arena_printf(a, "%s.bin", j->name);
        if (bo->want_ir && j->res.xml.len && (write_out(j, dir, xml, &j->res.xml, &j->xml_path, a) < 0 ||
                            write_out(j, dir, bin, &j->res.bin, &j->bin_path, a) < 0))
          j->status = JOB_ERROR;
        if (j->status == JOB_OK && bo->want_blob && j->res.blob.len) {
          const char *bn = j->opt.superblob ? arena_printf(a, "%s.superblob", j->name)
                                            : build_blob_name(a, j->name, j->opt.openvino, j->opt.shaves);
          if (write_out(j, dir, bn, &j->res.blob, &j->blob_path, a) < 0) j->status = JOB_ERROR;
          j->blob_size = j->res.blob.len;
          sha256_hex(j->blob_sha256, j->res.blob.data, j->res.blob.len);
        }
        if (j->status == JOB_ERROR) err_where(&j->err, NULL, -1, j->name, NULL);
      }
    }
  }
  /* the big buffers are on disk now; keep only the summary */
  buf_free(&j->res.blob);
  buf_free(&j->res.xml);
  buf_free(&j->res.bin);
  j->t_total = io_now() - t0;
  if (!bo->quiet) {
    char line[1200];
    if (j->status == JOB_ERROR)
      fprintf(stderr, "[%d/%d] %s error: %s\n", i + 1, ctx->n, j->name, err_line(&j->err, line, sizeof line));
    else
      fprintf(stderr, "[%d/%d] %s %s %.2fs%s\n", i + 1, ctx->n, j->name, job_status_name(j->status), j->t_total,
              j->status == JOB_UNSUPPORTED ? " (see report)" : "");
  }
}

int build_run(BuildJob *jobs, int n, const BuildOptions *bo) {
  RunCtx ctx = {jobs, n, bo};
  pool_run(bo->threads, n, run_one, &ctx);
  int failed = 0;
  for (int i = 0; i < n; i++) {
    if (jobs[i].status == JOB_PENDING) jobs[i].status = JOB_SKIPPED;
    failed += jobs[i].status != JOB_OK;
  }
  return failed;
}

void build_jobs_free(BuildJob *jobs, int n) {
  if (!jobs) return;
  for (int i = 0; i < n; i++) compile_result_free(&jobs[i].res);
  free(jobs);
}
