/* pipeline/build.c — see build.h. */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <pthread.h>
#include <unistd.h>

#include <dirent.h>
#include <sys/stat.h>

#include "cache.h"
#include "nnarchive.h"
#include "pool.h"
#include "record.h"
#include "verify.h"

const char *job_status_name(JobStatus s) {
  switch (s) {
  case JOB_OK: return "ok";
  case JOB_UNSUPPORTED: return "unsupported";
  case JOB_ERROR: return "error";
  case JOB_SKIPPED: return "skipped";
  case JOB_INTERRUPTED: return "interrupted";
  default: return "pending";
  }
}

static Layout map_layout(Layout l) {
  switch (l) {
  case LAYOUT_NCHW: return LAYOUT_NCHW;
  case LAYOUT_NHWC: return LAYOUT_NHWC;
  case LAYOUT_CHW: return LAYOUT_CHW;
  case LAYOUT_HWC: return LAYOUT_HWC;
  case LAYOUT_NC: return LAYOUT_NC;
  case LAYOUT_C: return LAYOUT_C;
  default: return LAYOUT_NONE;
  }
}

static Precision map_prec(Precision p) {
  switch (p) {
  case PREC_U8: return PREC_U8;
  case PREC_FP16: return PREC_FP16;
  case PREC_FP32: return PREC_FP32;
  default: return PREC_DEFAULT;
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
    j->mm = mm;
    CompileOptions *o = &j->opt;
    o->model_name = mm->name;
    o->source = mm->source;
    o->data_type = map_prec(mm->data_type);
    if (o->data_type ==
        PREC_FP32) { /* MYRIAD runs FP16 only (myriad-supported-ops.md): one warning, FP16 stages */
      if (m->path && m->path[0] && mm->line > 0) fprintf(stderr, "%s:%d: ", m->path, mm->line);
      fprintf(stderr,
              "model '%s': warning: data_type FP32: MYRIAD computes in FP16 only, the IR and the "
              "blob are FP16\n",
              mm->name);
      o->data_type = PREC_FP16;
    }
    o->output_precision = map_prec(mm->output_precision);
    o->shaves = mm->shaves;
    o->cmx_slices = mm->cmx_slices ? mm->cmx_slices : mm->shaves;
    o->openvino = mm->openvino;
    o->superblob = mm->superblob;
    { /* hw: auto (the NCE where it can) or off */
      const char *hw = opt_str(&mm->opt, OPT_HW);
      o->hw_off = hw && !strcasecmp(hw, "off");
    }
    j->max_model_bytes = (uint64_t)opt_int(&mm->opt, OPT_MAX_MODEL_MB) << 20;
    o->limits.max_file_bytes = (uint64_t)opt_int(&mm->opt, OPT_MAX_FILE_MB) << 20;
    o->limits.max_nodes = opt_int(&mm->opt, OPT_MAX_NODES);
    o->limits.max_tensor_bytes = (uint64_t)opt_int(&mm->opt, OPT_MAX_TENSOR_MB) << 20;
    j->nn_archive = opt_int(&mm->opt, OPT_NN_ARCHIVE) != 0;
    if (mm->missing) { /* the model's own error; the others still build */
      j->status = JOB_ERROR;
      err_where(&j->err, m->path, mm->source_line, mm->name, "");
      err_set(&j->err, ERR_IO, "%s", mm->missing);
    }
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

/* Progress shared by the workers: the one mutable thing they share besides the queue. */
typedef struct {
  pthread_mutex_t mu;
  int done, failed, unsupported, cached;
  double t0;
  bool tty;
} Progress;

typedef struct {
  BuildJob *jobs;
  int n;
  const BuildOptions *bo;
  Progress *pr;
  uint64_t default_model_bytes; /* job_default_budget(-j) */
} RunCtx;

/* `[37/120] mobilenet_v2 ok 0.41s · 2 failed · ETA 12s`: one rewritten line on a terminal,
 * one line per model otherwise; errors always get their own full line. */
static void progress(RunCtx *ctx, const BuildJob *j) {
  Progress *p = ctx->pr;
  FILE *f = ctx->bo->diag ? ctx->bo->diag : stderr;
  if (ctx->bo->quiet) { /* no progress, but an error is always said */
    if (j->status == JOB_ERROR && !ctx->bo->silent) {
      char line[1400];
      pthread_mutex_lock(&p->mu);
      fprintf(f, "%s\n", err_line(&j->err, line, sizeof line));
      pthread_mutex_unlock(&p->mu);
    }
    return;
  }
  pthread_mutex_lock(&p->mu);
  p->done++;
  p->failed += j->status == JOB_ERROR || j->status == JOB_INTERRUPTED;
  p->unsupported += j->status == JOB_UNSUPPORTED;
  p->cached += j->cached_record != NULL;
  double el = io_now() - p->t0, eta = p->done ? el / p->done * (ctx->n - p->done) : 0;
  char line[1400];
  if (j->status == JOB_ERROR || j->status == JOB_INTERRUPTED) {
    if (p->tty) fputs("\r\033[K", f);
    fprintf(f, "%s\n", err_line(&j->err, line, sizeof line));
  }
  if (ctx->bo->verbose)
    for (int k = 0; k < j->res.n_issues; k++) {
      if (p->tty) fputs("\r\033[K", f);
      fprintf(f, "%s\n", compile_issue_line(line, sizeof line, j->name, &j->res.issues[k], false));
    }
  fprintf(f, "%s[%d/%d] %s %s%s %.2fs", p->tty ? "\r\033[K" : "", p->done, ctx->n, j->name,
          job_status_name(j->status), j->cached_record ? " (cached)" : "", j->t_total);
  if (p->failed) fprintf(f, " \u00b7 %d failed", p->failed);
  if (p->unsupported) fprintf(f, " \u00b7 %d unsupported", p->unsupported);
  if (p->done < ctx->n) fprintf(f, " \u00b7 ETA %.0fs", eta);
  fputs(p->tty ? "" : "\n", f);
  if (p->tty && p->done == ctx->n) fputc('\n', f);
  fflush(f);
  pthread_mutex_unlock(&p->mu);
}

/* The model's folder, created and checked (no symlink): 0, or -1 with j->err filled. */
static int model_dir(BuildJob *j, const BuildOptions *bo, char *dir, size_t size) {
  snprintf(dir, size, "%s/%s", bo->out_dir, j->name);
  struct stat lst;
  if (io_mkdirs(dir, &j->err) < 0) return -1;
  if (lstat(dir, &lst) < 0 || !S_ISDIR(lst.st_mode)) {
    err_where(&j->err, dir, 0, j->name, NULL);
    return err_set(
        &j->err, ERR_IO,
        "output folder is a symbolic link or not a folder: refusing to write through it");
  }
  return 0;
}

typedef struct {
  BuildJob *j;
  const BuildOptions *bo;
  IoBatch *ir_batch; /* the IR's files, written, flushed by ir_thread while the blob is built */
  pthread_t ir_thread;
  bool ir_started;
  int ir_rc;
  Err ir_err;
} EmitCtx;

enum { BIG_WRITE = 4 << 20 }; /* bytes from which flushing / hashing moves to a second thread */

static void *commit_ir(void *v) {
  EmitCtx *e = v;
  if (pool_stop_requested()) { /* the model will not finish: its new files are not put in place */
    io_batch_abort(e->ir_batch);
    err_where(&e->ir_err, e->j->opt.source, 0, NULL, NULL);
    e->ir_rc = err_set(&e->ir_err, ERR_INTERRUPTED, "interrupted");
  } else {
    e->ir_rc = io_batch_commit(e->ir_batch, &e->ir_err);
  }
  e->ir_batch = NULL;
  return NULL;
}

/* Waits for the IR's flush. On its failure the job loses its IR paths and, unless it already
 * failed otherwise (take_err false), takes the flush's error. Returns the flush's result. */
static int join_ir(EmitCtx *e, bool take_err) {
  if (!e->ir_started) return 0;
  pthread_join(e->ir_thread, NULL);
  e->ir_started = false;
  if (e->ir_rc < 0) {
    e->j->xml_path = e->j->bin_path = NULL;
    if (take_err) e->j->err = e->ir_err;
    return -1;
  }
  return 0;
}

typedef struct {
  char *hex;
  const uint8_t *data;
  size_t len;
} ShaJob;

static void *sha_thread(void *v) {
  ShaJob *s = v;
  sha256_hex(s->hex, s->data, s->len);
  return NULL;
}

static void remove_stale_temps(const char *dir);

static int join_ir_result(EmitCtx *e, Err *err) {
  if (e->ir_rc < 0) {
    e->j->xml_path = e->j->bin_path = NULL;
    *err = e->ir_err;
    return -1;
  }
  return 0;
}

/* compile_model's emit_ir hook: the .xml and .bin as one atomic batch, right away. */
static int emit_ir(void *vctx, Buf *xml, Buf *bin, Err *err) {
  EmitCtx *e = vctx;
  BuildJob *j = e->j;
  Arena *a = j->res.arena;
  char dir[4096];
  if (model_dir(j, e->bo, dir, sizeof dir) < 0) {
    *err = j->err;
    return -1;
  }
  remove_stale_temps(dir);
  const char *xn = arena_printf(a, "%s.xml", j->name), *bn = arena_printf(a, "%s.bin", j->name);
  const char *paths[2] = {arena_printf(a, "%s/%s", dir, xn), arena_printf(a, "%s/%s", dir, bn)};
  const void *datas[2] = {xml->data ? (const void *)xml->data : "",
                          bin->data ? (const void *)bin->data : ""};
  size_t lens[2] = {xml->len, bin->len};
  /* written now (the buffers can go), flushed and renamed on a second thread while the blob is
   * built: the fsync of a 50 MB .bin no longer stalls the conversion */
  e->ir_batch = io_batch_write(paths, datas, lens, 2, err);
  if (!e->ir_batch) return -1;
  j->xml_path = arena_printf(a, "%s/%s", j->name, xn);
  j->bin_path = arena_printf(a, "%s/%s", j->name, bn);
  /* a thread only pays off when the flush is long: small models flush inline (thread creation
   * in this VM costs about as much as flushing a few hundred KB) */
  if (xml->len + bin->len < BIG_WRITE || pthread_create(&e->ir_thread, NULL, commit_ir, e) != 0) {
    commit_ir(e); /* no thread: flush here */
    return join_ir_result(e, err);
  }
  e->ir_started = true;
  return 0;
}

/* A run killed with -9 can leave `<file>.tmp.<pid>.<n>` behind; the next run of that model
 * removes them (one blobc writes a model's folder at a time). */
static void remove_stale_temps(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strstr(e->d_name, ".tmp.")) continue;
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    unlink(p);
  }
  closedir(d);
}

/* Writes a compiled model's files in one atomic batch (written, then fsynced, then renamed): the
 * IR, the blob (or superblob) and the NN Archive, into out_dir/<name>/, or for convert -o X.blob the
 * blob alone at that path. No folder is created when there is nothing to write. 0, or -1 with
 * j->err filled. */
static int write_outputs(BuildJob *j, const BuildOptions *bo) {
  Arena *a = j->res.arena;
  bool has_blob = j->status == JOB_OK && bo->want_blob && j->res.blob.len;
  Buf nn = BUF_INIT;
  const char *names[4], *paths[4];
  const void *datas[4];
  size_t lens[4];
  const char **rels[4];
  int nf = 0, rc = 0;
  if (has_blob && j->nn_archive && nnarchive_build(&nn, j, &j->err) < 0) return -1;
  const Buf *bufs[4] = {&j->res.xml, &j->res.bin, &j->res.blob, &nn};
  const char *blob_name =
      j->blob_file ? strrchr(j->blob_file, '/') ? strrchr(j->blob_file, '/') + 1 : j->blob_file
      : j->opt.superblob ? arena_printf(a, "%s.superblob", j->name)
                         : build_blob_name(a, j->name, j->opt.openvino, j->opt.shaves);
  const char *files[4] = {arena_printf(a, "%s.xml", j->name), arena_printf(a, "%s.bin", j->name),
                          blob_name, arena_printf(a, "%s.tar.xz", j->name)};
  const char **targets[4] = {&j->xml_path, &j->bin_path, &j->blob_path, &j->nn_archive_path};
  for (int k = 0; k < 4; k++) {
    bool want = k < 2    ? bo->want_ir && !j->blob_file && j->res.xml.len
                : k == 2 ? has_blob
                         : nn.len > 0;
    if (!want) continue;
    names[nf] = files[k];
    datas[nf] = bufs[k]->data ? (const void *)bufs[k]->data : "";
    lens[nf] = bufs[k]->len;
    rels[nf] = targets[k];
    nf++;
  }
  if (nf == 0) return 0;
  char dir[4096];
  if (j->blob_file) {
    snprintf(dir, sizeof dir, "%s", bo->out_dir);
    if (io_mkdirs(dir, &j->err) < 0) {
      buf_free(&nn);
      return -1;
    }
  } else {
    if (model_dir(j, bo, dir, sizeof dir) < 0) {
      buf_free(&nn);
      return -1;
    }
    remove_stale_temps(dir);
  }
  for (int k = 0; k < nf; k++) paths[k] = arena_printf(a, "%s/%s", dir, names[k]);
  /* the blob's SHA-256 on a second thread while the files are written and flushed */
  ShaJob sj = {j->blob_sha256, j->res.blob.data, j->res.blob.len};
  pthread_t sha_tid;
  bool sha_started =
      has_blob && sj.len >= BIG_WRITE && pthread_create(&sha_tid, NULL, sha_thread, &sj) == 0;
  if (has_blob && !sha_started) sha_thread(&sj);
  rc = io_write_atomic_many(paths, datas, lens, nf, &j->err);
  if (sha_started) pthread_join(sha_tid, NULL);
  if (rc == 0) {
    for (int k = 0; k < nf; k++)
      *rels[k] = j->blob_file ? names[k] : arena_printf(a, "%s/%s", j->name, names[k]);
    if (j->blob_path) j->blob_size = j->res.blob.len;
  }
  buf_free(&nn);
  return rc;
}

/* build --verify of a model the cache had: its blob read back from disk, checked, and the figures
 * kept in the cache entry so that the next unchanged run reports them without running again. */
static void verify_cached(BuildJob *j, const BuildOptions *bo) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", bo->out_dir, j->blob_path);
  uint8_t *data = NULL;
  size_t len = 0;
  Err err = {0};
  if (io_read_file(&data, &len, path, (size_t)1 << 32, &err) < 0) {
    json_decref(j->verify_record);
    j->verify_record = verify_error_json(&err, verify_frames_source(bo->verify_frames_dir));
    return;
  }
  verify_job(j, bo, data, len);
  free(data);
  if (pool_stop_requested()) return;
  json_object_set(j->cached_record, "verify", j->verify_record);
  cache_store(j, bo->out_dir, json_deep_copy(j->cached_record));
}

static void run_one(void *vctx, int i, int worker) {
  (void)worker;
  if (pool_stop_requested()) return;
  RunCtx *ctx = vctx;
  BuildJob *j = &ctx->jobs[i];
  const BuildOptions *bo = ctx->bo;
  if (j->status == JOB_ERROR) { /* failed before it started (its source file is missing) */
    progress(ctx, j);
    return;
  }
  double t0 = io_now();
  j->opt.want_blob = bo->want_blob;
  j->opt.want_ir = bo->want_ir;
  j->activation_stats = bo->activation_stats;
  if (bo->limits.max_file_bytes) j->opt.limits.max_file_bytes = bo->limits.max_file_bytes;
  if (bo->limits.max_nodes) j->opt.limits.max_nodes = bo->limits.max_nodes;
  if (bo->limits.max_tensor_bytes) j->opt.limits.max_tensor_bytes = bo->limits.max_tensor_bytes;
  /* the manifest's budget, capped by --max-model-mb; else that, else the machine's share */
  uint64_t cli = bo->limits.max_model_bytes, own = j->max_model_bytes;
  j->opt.limits.max_model_bytes = own && (!cli || own < cli) ? own
                                  : cli                      ? cli
                                                             : ctx->default_model_bytes;
  j->opt.stop = pool_stop_flag();
  if (bo->use_cache && cache_lookup(j, bo->out_dir)) {
    if (!bo->verify) /* an earlier --verify run's check is not this run's */
      json_object_del(j->cached_record, "verify");
    else if (j->blob_path && !verify_record_current(j->cached_record, bo))
      verify_cached(j, bo);
    j->t_total = io_now() - t0;
    progress(ctx, j);
    return;
  }
  EmitCtx ectx = {.j = j, .bo = bo};
  if (bo->want_ir) {
    j->opt.emit_ir = emit_ir;
    j->opt.emit_ctx = &ectx;
  }
  int rc = compile_model(&j->res, &j->opt, &j->err);
  j->opt.emit_ir = NULL;
  j->opt.emit_ctx = NULL;
  if (join_ir(&ectx, rc == 0) < 0)
    rc = -1; /* the IR is on disk (or the job failed) before anything else */
  if (rc == 0 && j->activation_stats && j->res.blob.len && !j->opt.superblob)
    probe_activations(&j->probe, &j->res.blob, j->res.arena);
  if (rc == 0 && pool_stop_requested() && (bo->want_blob || bo->want_ir)) {
    /* compiled, but a stop came: do not start writing (a big blob's fsync can take seconds) */
    rc = -1;
    err_where(&j->err, j->opt.source, 0, NULL, NULL);
    err_set(&j->err, ERR_INTERRUPTED, "interrupted");
  }
  if (rc < 0) {
    j->status = j->err.code == ERR_INTERRUPTED ? JOB_INTERRUPTED : JOB_ERROR;
    err_where(&j->err, NULL, -1, j->name, NULL);
  } else {
    j->status = j->res.n_unsupported ? JOB_UNSUPPORTED : JOB_OK;
    if ((bo->want_blob || bo->want_ir) && write_outputs(j, bo) < 0) {
      j->status = JOB_ERROR;
      j->blob_sha256[0] = 0;
      err_where(&j->err, NULL, -1, j->name, NULL);
    }
  }
  if (j->status != JOB_OK && j->status != JOB_UNSUPPORTED &&
      !j->blob_file) { /* leave no empty folder behind */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", bo->out_dir, j->name);
    rmdir(dir); /* fails, harmlessly, when the folder holds files (an earlier run's) */
  }
  /* the blob is on disk: check it against its source model (build --verify) */
  if (bo->verify && j->status == JOB_OK && j->blob_path && j->res.blob.len)
    verify_job(j, bo, j->res.blob.data, j->res.blob.len);
  /* the big buffers are on disk now; keep only the summary */
  buf_free(&j->res.blob);
  buf_free(&j->res.xml);
  buf_free(&j->res.bin);
  j->t_total = io_now() - t0;
  if (bo->use_cache && (bo->want_blob || bo->want_ir) && j->status != JOB_INTERRUPTED)
    cache_store(j, bo->out_dir, job_record(j));
  progress(ctx, j);
}

int build_run(BuildJob *jobs, int n, const BuildOptions *bo) {
  Progress pr = {.t0 = io_now(), .tty = isatty(fileno(bo->diag ? bo->diag : stderr)) != 0};
  pthread_mutex_init(&pr.mu, NULL);
  RunCtx ctx = {jobs, n, bo, &pr, job_default_budget(bo->threads)};
  pool_run(bo->threads, n, run_one, &ctx);
  pthread_mutex_destroy(&pr.mu);
  int failed = 0;
  for (int i = 0; i < n; i++) {
    if (jobs[i].status == JOB_PENDING) jobs[i].status = JOB_SKIPPED;
    failed += jobs[i].status != JOB_OK;
  }
  return failed;
}

void build_jobs_free(BuildJob *jobs, int n) {
  if (!jobs) return;
  for (int i = 0; i < n; i++) {
    compile_result_free(&jobs[i].res);
    json_decref(jobs[i].cached_record);
    json_decref(jobs[i].verify_record);
  }
  free(jobs);
}

/* Double-quoted YAML scalar with every non-printable byte escaped (names are untrusted). */
static void yaml_str(Buf *b, const char *s) {
  buf_put(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\')
      buf_printf(b, "\\%c", *p);
    else if (*p < 0x20 || *p == 0x7f)
      buf_printf(b, "\\x%02x", *p);
    else
      buf_put(b, p, 1);
  }
  buf_put(b, "\"", 1);
}

int build_write_resolved(const char *path, const BuildJob *jobs, int n, Err *err) {
  Buf b = BUF_INIT;
  buf_printf(&b, "# every option as blobc resolved it (defaults merged): "
                 "pipeline/options.def\nversion: 1\nmodels:\n");
  for (int i = 0; i < n; i++) {
    const ManifestModel *mm = jobs[i].mm;
    buf_printf(&b, "  - name: ");
    yaml_str(&b, jobs[i].name);
    buf_printf(&b, "\n    source: ");
    yaml_str(&b, jobs[i].opt.source);
    buf_printf(&b, "\n");
    if (!mm) continue;
    for (int id = 0; id < OPT_COUNT; id++) {
      if (OPT_ROWS[id].level != OL_MODEL || !mm->opt.v[id].line) continue;
      buf_printf(&b, "    %s: ", OPT_ROWS[id].key);
      opt_format(&b, (OptId)id, &mm->opt.v[id]);
      buf_printf(&b, "\n");
    }
    buf_printf(&b, "    inputs:\n");
    for (int k = 0; k < mm->n_inputs; k++) {
      const ManifestInput *in = &mm->inputs[k];
      buf_printf(&b, "      - ");
      if (in->name) {
        buf_printf(&b, "name: ");
        yaml_str(&b, in->name);
        buf_printf(&b, "\n        ");
      }
      int written = 0;
      for (int id = 0; id < OPT_COUNT; id++) {
        if (OPT_ROWS[id].level != OL_INPUT || !in->opt.v[id].line) continue;
        buf_printf(&b, "%s%s: ", written++ ? "        " : "", OPT_ROWS[id].key);
        opt_format(&b, (OptId)id, &in->opt.v[id]);
        buf_printf(&b, "\n");
      }
      if (!written && !in->name)
        buf_printf(&b, "{}\n"); /* the model's first input, as the model has it */
      else if (!written)
        b.len -= 8, buf_printf(&b, "\n");
    }
  }
  int rc = io_write_atomic(path, b.data, b.len, err);
  buf_free(&b);
  return rc;
}
