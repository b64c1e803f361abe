/* pipeline/run.c — build, check and convert (see run.h). */
#include "run.h"

#include <ctype.h>
#include <signal.h>
#include <errno.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/compile.h"
#include "compiler/ref/blob_verify.h"
#include "pipeline/archive.h"
#include "pipeline/build.h"
#include "pipeline/options.h"
#include "pipeline/pool.h"
#include "pipeline/record.h"
#include "reports/report.h"
#include "reports/report_out.h"

#define MAX_SHOWN 64

typedef struct {
  RunIo *io;
  const char *cmd;
} Run;

/* Prints `blobc CMD: message` on diag, keeps the first one in io->err; returns 2. */
/* 128 + the signal that stopped the run (130 for SIGINT, 143 for SIGTERM). */
static int run_stopped_rc(void) { return 128 + (pool_stop_signal() ? pool_stop_signal() : SIGINT); }

static int usage(Run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage(Run *r, const char *fmt, ...) {
  char msg[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (r->io->diag) fprintf(r->io->diag, "blobc %s: %s\n", r->cmd, msg);
  if (r->io->err && !r->io->err[0])
    snprintf(r->io->err, r->io->err_size, "blobc %s: %s", r->cmd, msg);
  return 2;
}

/* Prints a file-naming error line (err_line) on diag and keeps it. */
static void diag_err(Run *r, const Err *err) {
  char line[1400];
  err_line(err, line, sizeof line);
  if (r->io->diag) fprintf(r->io->diag, "%s\n", line);
  if (r->io->err && !r->io->err[0]) snprintf(r->io->err, r->io->err_size, "%s", line);
}

static void set_result(Run *r, const char *s) {
  if (r->io->result) snprintf(r->io->result, r->io->result_size, "%s", s);
}

static void set_out_dir(Run *r, const char *dir) {
  if (r->io->out_dir) snprintf(r->io->out_dir, r->io->out_dir_size, "%s", dir);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* The run value of a STR option, or def. */
static const char *str_or(const OptArgs *a, OptId id, const char *def) {
  const char *s = opt_str(&a->run, id);
  return s ? s : def;
}

static bool flag(const OptArgs *a, OptId id) {
  return opt_isset(&a->run, id) && opt_int(&a->run, id);
}

/* A model name from a file name: the stem, every byte outside [A-Za-z0-9._-] made '_'. */
static const char *stem_name(Arena *a, const char *path, bool drop_ext) {
  const char *slash = strrchr(path, '/');
  char *stem = arena_strdup(a, slash ? slash + 1 : path);
  char *dot = strrchr(stem, '.');
  if (drop_ext && dot && dot != stem) *dot = 0;
  if (strlen(stem) > 100) stem[100] = 0;
  for (char *p = stem; *p; p++)
    if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-')) *p = '_';
  if (stem[0] == '.' || !stem[0]) return arena_printf(a, "model%s", stem);
  return stem;
}

/* The manifest's rule for model names (they become folder and file names). */
static bool safe_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 100 || s[0] == '.') return false;
  for (size_t i = 0; i < n; i++)
    if (!(isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '-')) return false;
  return true;
}

static void print_issues(Run *r, const BuildJob *j, FILE *f) {
  if (!f) return;
  char line[4096];
  for (int k = 0; k < j->res.n_issues; k++)
    fprintf(f, "%s\n", compile_issue_line(line, sizeof line, j->name, &j->res.issues[k], true));
  (void)r;
}

/* ---- job selection ------------------------------------------------------------------------ */

/* Levenshtein distance, case-insensitive, for "did you mean" on model names (< 64 bytes). */
static size_t distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), row[64];
  if (la >= 64 || lb >= 64) return 99;
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j],
             sub = diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
      size_t best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
      row[j] = sub < best ? sub : best;
      diag = up;
    }
  }
  return row[lb];
}

/* Checks every name of the comma list only against the jobs: an unknown name is an error. */
static int check_only(Run *r, const BuildJob *jobs, int n, const char *only, const char *manifest) {
  for (const char *p = only; *p;) {
    const char *c = strchr(p, ',');
    size_t k = c ? (size_t)(c - p) : strlen(p);
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(k < 255 ? k : 255), p);
    p += k + (c != NULL);
    if (!name[0]) return usage(r, "--only '%.*s': an empty model name", MAX_SHOWN, only);
    bool found = false;
    const char *best = NULL;
    size_t best_d = 3;
    for (int i = 0; i < n && !found; i++) {
      found = !strcmp(jobs[i].name, name);
      size_t d = distance(name, jobs[i].name);
      if (d < best_d && 3 * d <= strlen(jobs[i].name)) best = jobs[i].name, best_d = d;
    }
    if (found) continue;
    if (best)
      return usage(r, "--only: no model named '%s' in %s (did you mean '%s'?)", name, manifest,
                   best);
    return usage(r, "--only: no model named '%s' in %s", name, manifest);
  }
  return 0;
}

/* Keeps jobs whose name is in the comma list `only` and whose stable hash falls in shard. */
static int select_jobs(BuildJob *jobs, int n, const char *only, int shard_i, int shard_n) {
  int kept = 0;
  for (int i = 0; i < n; i++) {
    bool keep = true;
    if (only) {
      keep = false;
      size_t len = strlen(jobs[i].name);
      for (const char *p = only; *p;) {
        const char *c = strchr(p, ',');
        size_t k = c ? (size_t)(c - p) : strlen(p);
        if (k == len && !strncmp(p, jobs[i].name, k)) keep = true;
        p += k + (c ? 1 : 0);
      }
    }
    if (keep && shard_n > 1) {
      uint32_t h = 2166136261u; /* FNV-1a of the name: stable across machines */
      for (const char *c = jobs[i].name; *c; c++) h = (h ^ (uint8_t)*c) * 16777619u;
      keep = (int)(h % (uint32_t)shard_n) == shard_i;
    }
    if (keep)
      jobs[kept++] = jobs[i];
    else if (jobs[i].res.arena)
      compile_result_free(&jobs[i].res);
  }
  return kept;
}

/* ---- reports ------------------------------------------------------------------------------- */

/* The models of an --only run's report: this run's records for the models it built, the earlier
 * report's for the manifest's other models (in manifest order); records of models no longer in
 * the manifest are dropped. */
static json_t *merged_records(const BuildJob *jobs, int n, const Manifest *m,
                              const char *old_path) {
  json_error_t je;
  json_t *old = json_load_file(old_path, 0, &je), *models = json_array();
  json_t *old_models = json_object_get(old, "models");
  for (int k = 0; k < m->n_models; k++) {
    const char *name = m->models[k].name;
    json_t *rec = NULL;
    for (int i = 0; i < n && !rec; i++)
      if (!strcmp(jobs[i].name, name)) rec = job_record(&jobs[i]);
    size_t i;
    json_t *om;
    if (!rec && json_is_array(old_models)) json_array_foreach(old_models, i, om) {
        const char *on = json_string_value(json_object_get(om, "name"));
        if (on && !strcmp(on, name)) {
          rec = json_deep_copy(om);
          break;
        }
      }
    if (rec) json_array_append_new(models, rec);
  }
  json_decref(old);
  return models;
}

typedef struct {
  const char *out_dir, *manifest, *baseline;
  bool write_report, json_stdout, reproducible;
  bool verify; /* build --verify: count the checks, print the failures, fail the run on them */
  const Manifest *m; /* for an --only run's merge, else NULL */
} Finish;

/* build --verify: one line per blob that failed its check, the counts, and how many failed. */
static int verify_summary(Run *r, const BuildJob *jobs, int n) {
  int c[5] = {0}; /* PASS FAIL UNSUPPORTED UNINFORMATIVE ERROR */
  const char *names[5] = {"PASS", "FAIL", "UNSUPPORTED", "UNINFORMATIVE", "ERROR"};
  for (int i = 0; i < n; i++) {
    const json_t *v = jobs[i].verify_record ? jobs[i].verify_record
                                            : json_object_get(jobs[i].cached_record, "verify");
    const char *st = json_string_value(json_object_get(v, "status"));
    if (!st || jobs[i].status != JOB_OK) continue;
    int k = 0;
    while (k < 4 && strcmp(st, names[k])) k++;
    c[k]++;
    if (k != 0 && r->io->diag)
      fprintf(r->io->diag, "%s: verify %s: %s\n", jobs[i].name, names[k],
              json_string_value(json_object_get(v, "message")));
  }
  if (r->io->diag)
    fprintf(r->io->diag,
            "verify: %d passed, %d failed, %d unsupported, %d uninformative, %d could not run\n",
            c[0], c[1], c[2], c[3], c[4]);
  return c[1] + c[4];
}

static int finish(Run *r, BuildJob *jobs, int n, const Finish *f) {
  int newly_failing = 0, failed = 0, counts[JOB_STATUS_COUNT] = {0};
  bool interrupted = pool_stop_requested();
  for (int i = 0; i < n; i++) {
    counts[jobs[i].status]++;
    failed += jobs[i].status != JOB_OK;
  }
  if (f->verify && !interrupted) failed += verify_summary(r, jobs, n);
  if (f->write_report) {
    char path[4096];
    Err err = {0};
    snprintf(path, sizeof path, "%s/report.json", f->out_dir);
    int rc = io_mkdirs(f->out_dir, &err);
    json_t *doc = f->m && io_exists(path)
                      ? report_build(merged_records(jobs, n, f->m, path), f->manifest)
                      : jobs_report(jobs, n, f->manifest);
    if (interrupted) json_object_set_new(json_object_get(doc, "summary"), "stopped", json_true());
    if (f->reproducible) report_strip_timings(doc); /* archived: same bytes every run */
    if (rc == 0 && f->baseline) {
      newly_failing = report_baseline_apply(doc, f->baseline, &err);
      if (newly_failing < 0) rc = -1;
    }
    /* report.json, report.html and junit.xml as one atomic batch: one fsync commit for all */
    char *json = rc == 0 ? report_json_dumps(doc) : NULL;
    char *junit = rc == 0 ? report_junit_string(doc) : NULL;
    Buf html = BUF_INIT, jbuf = BUF_INIT;
    if (rc == 0 && (!json || !junit || report_html_render(&html, doc) < 0))
      rc = err_set(&err, ERR_INTERNAL, "cannot render the reports");
    if (rc == 0) {
      buf_put(&jbuf, json, strlen(json));
      buf_put(&jbuf, "\n", 1);
      char p_html[4096], p_junit[4096];
      snprintf(p_html, sizeof p_html, "%s/report.html", f->out_dir);
      snprintf(p_junit, sizeof p_junit, "%s/junit.xml", f->out_dir);
      const char *paths[3] = {path, p_html, p_junit};
      const void *datas[3] = {jbuf.data, html.data, junit};
      size_t lens[3] = {jbuf.len, html.len, strlen(junit)};
      rc = io_write_atomic_many(paths, datas, lens, 3, &err);
    }
    free(json);
    free(junit);
    buf_free(&html);
    buf_free(&jbuf);
    json_decref(doc);
    if (rc < 0) {
      diag_err(r, &err);
      return 2;
    }
    set_result(r, path);
    if (r->io->diag)
      fprintf(r->io->diag,
              "%s%d models: %d ok, %d unsupported, %d failed, %d interrupted, %d skipped; report: "
              "%s/report.html (and "
              "report.json, junit.xml)\n",
              interrupted ? "interrupted: " : "", n, counts[JOB_OK], counts[JOB_UNSUPPORTED],
              counts[JOB_ERROR], counts[JOB_INTERRUPTED], counts[JOB_SKIPPED] + counts[JOB_PENDING],
              f->out_dir);
  } else if (r->io->diag) {
    fprintf(r->io->diag,
            "%s%d models: %d ok, %d unsupported, %d failed, %d interrupted, %d skipped\n",
            interrupted ? "interrupted: " : "", n, counts[JOB_OK], counts[JOB_UNSUPPORTED],
            counts[JOB_ERROR], counts[JOB_INTERRUPTED], counts[JOB_SKIPPED] + counts[JOB_PENDING]);
  }
  if (f->json_stdout && r->io->out) {
    json_t *doc = jobs_report(jobs, n, f->manifest);
    if (interrupted) json_object_set_new(json_object_get(doc, "summary"), "stopped", json_true());
    char *s = report_json_dumps(doc);
    if (s) fprintf(r->io->out, "%s\n", s);
    free(s);
    json_decref(doc);
  }
  if (interrupted) return run_stopped_rc();
  if (newly_failing > 0) {
    if (r->io->diag)
      fprintf(r->io->diag, "%d model(s) newly failing since the baseline (see report.html)\n",
              newly_failing);
    return 3;
  }
  return failed ? 1 : 0;
}

/* The release tarball: every output, the reports and the resolved manifest. */
static int write_archive(Run *r, const char *archive, const char *out_dir, const BuildJob *jobs,
                         int n) {
  Err err = {0};
  char path[4096];
  snprintf(path, sizeof path, "%s/manifest.resolved.yaml", out_dir);
  if (build_write_resolved(path, jobs, n, &err) < 0) goto fail;
  const char **files = calloc((size_t)n * 4 + 8, sizeof *files);
  int nf = 0;
  for (int i = 0; i < n; i++) {
    const char *p[4] = {jobs[i].blob_path, jobs[i].xml_path, jobs[i].bin_path,
                        jobs[i].nn_archive_path};
    for (int k = 0; k < 4; k++)
      if (p[k] && jobs[i].status != JOB_ERROR) files[nf++] = p[k];
  }
  files[nf++] = "report.json";
  files[nf++] = "report.html";
  files[nf++] = "junit.xml";
  files[nf++] = "manifest.resolved.yaml";
  int rc = archive_write_release(archive, out_dir, files, nf, &err);
  free(files);
  if (rc == 0) {
    if (r->io->diag) fprintf(r->io->diag, "archive: %s (%d files + SHA256SUMS)\n", archive, nf);
    if (r->io->out) fprintf(r->io->out, "%s\n", archive);
    return 0;
  }
fail:
  diag_err(r, &err);
  return -1;
}

/* ---- build / check ------------------------------------------------------------------------- */

static int run_build(Run *r, const OptArgs *a, bool check) {
  if (a->n_pos == 0)
    return usage(r, "needs a manifest%s (blobc %s --help)", check ? " or a model" : "", r->cmd);
  if (a->n_pos > 1) return usage(r, "unexpected argument '%.*s'", MAX_SHOWN, a->pos[1]);
  const char *manifest = a->pos[0], *out_dir = str_or(a, OPT_OUTPUT, "out"),
             *only = opt_str(&a->run, OPT_ONLY);
  const char *archive = opt_str(&a->run, OPT_ARCHIVE), *baseline = opt_str(&a->run, OPT_BASELINE);
  int threads = opt_isset(&a->run, OPT_JOBS) ? (int)opt_int(&a->run, OPT_JOBS) : 2;
  int shard_i = opt_isset(&a->run, OPT_SHARD) ? (int)opt_int(&a->run, OPT_SHARD) : 0;
  int shard_n = opt_isset(&a->run, OPT_SHARD) ? a->run.v[OPT_SHARD].n : 1;
  bool json = flag(a, OPT_JSON);
  if (!check) set_out_dir(r, out_dir);
  Arena *ar = arena_new();
  BuildJob *jobs = NULL;
  int n = 0, rc;
  Err err = {0};
  Manifest *m = NULL;
  bool model_file = check && !ends_with(manifest, ".yaml") && !ends_with(manifest, ".yml");
  if (model_file) {
    if (!io_exists(manifest)) {
      arena_free(ar);
      return usage(r, "cannot read model '%.*s': no such file", MAX_SHOWN, manifest);
    }
    rc = manifest_from_args(&m, manifest, stem_name(ar, manifest, false), a, &err);
  } else {
    ManifestOptions mo = {.overrides = &a->model, .defer_missing_source = !check};
    rc = manifest_load_opts(&m, manifest, &mo, &err);
  }
  if (rc < 0) {
    if (model_file)
      usage(r, "%s", err.msg);
    else
      diag_err(r, &err);
    arena_free(ar);
    return 2;
  }
  build_jobs_from_manifest(&jobs, &n, m, ar, &err);
  for (int i = 0; model_file && i < n; i++)
    jobs[i].opt.shape_source = SHAPE_FROM_CLI; /* advice: --input_shape */
  if (only && check_only(r, jobs, n, only, manifest) != 0) {
    build_jobs_free(jobs, n);
    manifest_free(m);
    arena_free(ar);
    return 2;
  }
  n = select_jobs(jobs, n, only, shard_i, shard_n);
  /* build --verify: the frames, read once for every model */
  bool verify = !check && flag(a, OPT_VERIFY);
  const char *frames_dir = opt_str(&a->run, OPT_FRAMES);
  RefTensor *frames = NULL;
  int n_frames = 0;
  if (verify && frames_dir && blob_verify_load_frames(&frames, &n_frames, frames_dir, &err) < 0) {
    diag_err(r, &err);
    build_jobs_free(jobs, n);
    manifest_free(m);
    arena_free(ar);
    return 2;
  }
  if (n == 0 && r->io->diag)
    fprintf(r->io->diag, "blobc %s: shard %d/%d of %s holds no model\n", r->cmd, shard_i, shard_n,
            manifest);
  BuildOptions bo = {.out_dir = out_dir,
                     .threads = threads,
                     .want_blob = !check,
                     .want_ir = !check,
                     .quiet = flag(a, OPT_QUIET) || (check && json) || !r->io->diag,
                     .silent = (check && json) || !r->io->diag,
                     .verbose = flag(a, OPT_VERBOSE),
                     .use_cache = !check && !flag(a, OPT_FORCE),
                     .activation_stats = flag(a, OPT_ACTIVATION_STATS),
                     .verify = verify,
                     .verify_frames = frames,
                     .n_verify_frames = n_frames,
                     .verify_random =
                         opt_isset(&a->run, OPT_RANDOM) ? (int)opt_int(&a->run, OPT_RANDOM) : 3,
                     .verify_frames_dir = frames ? frames_dir : NULL,
                     .diag = r->io->diag};
  build_run(jobs, n, &bo);
  if (check && !json)
    for (int i = 0; i < n; i++) print_issues(r, &jobs[i], r->io->out);
  if (!check && r->io->out)
    for (int i = 0; i < n; i++) {
      if (jobs[i].blob_path && jobs[i].status == JOB_OK)
        fprintf(r->io->out, "%s/%s\n", out_dir, jobs[i].blob_path);
      if (jobs[i].nn_archive_path && jobs[i].status == JOB_OK)
        fprintf(r->io->out, "%s/%s\n", out_dir, jobs[i].nn_archive_path);
    }
  Finish f = {.out_dir = out_dir,
              .manifest = manifest,
              .baseline = baseline,
              .write_report = !check,
              .json_stdout = check && json,
              .reproducible = archive != NULL,
              .verify = verify,
              .m = only ? m : NULL};
  rc = finish(r, jobs, n, &f);
  for (int i = 0; i < n_frames; i++) ref_tensor_free(&frames[i]);
  free(frames);
  if (archive && !check && (rc == 0 || rc == 1) && write_archive(r, archive, out_dir, jobs, n) < 0)
    rc = 2;
  build_jobs_free(jobs, n);
  manifest_free(m);
  arena_free(ar);
  return rc;
}

/* ---- convert -------------------------------------------------------------------------------- */

/* The weights file blobc reads beside model (x.xml -> x.bin, x.prototxt -> x.caffemodel), or NULL. */
static const char *sibling_weights(Arena *a, const char *model) {
  const char *dot = strrchr(model, '.');
  if (!dot) return NULL;
  const char *ext = !strcasecmp(dot, ".xml")        ? ".bin"
                    : !strcasecmp(dot, ".prototxt") ? ".caffemodel"
                                                    : NULL;
  return ext ? arena_printf(a, "%.*s%s", (int)(dot - model), model, ext) : NULL;
}

static bool same_file(const char *x, const char *y) {
  struct stat a, b;
  if (stat(x, &a) < 0 || stat(y, &b) < 0) return !strcmp(x, y);
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* compile_tool's -iop "in:FP16,out:FP32": an input name sets that input's precision, an output
 * name the precision of the outputs (one for all, as blobc writes them). */
static int apply_iop(Run *r, OptArgs *a, const char *model, Arena *ar) {
  const OptVal *v = &a->run.v[OPT_IOP];
  if (!v->line) return 0;
  IrGraph *g = NULL;
  Err err = {0};
  if (compile_load(&g, ar, model, &err) < 0) {
    diag_err(r, &err);
    return 1;
  }
  int rc = 0;
  for (int k = 0; k < v->n && rc == 0; k++)
    for (const char *p = v->u.sv[k]; *p && rc == 0;) {
      const char *c = strchr(p, ',');
      size_t len = c ? (size_t)(c - p) : strlen(p);
      char item[512], *colon;
      snprintf(item, sizeof item, "%.*s", (int)(len < 511 ? len : 511), p);
      p += len + (c != NULL);
      char *s = item;
      while (*s == ' ') s++;
      if (!(colon = strrchr(s, ':'))) {
        rc = usage(r, "-iop '%.*s': expected NAME:PRECISION entries separated by commas", MAX_SHOWN,
                   v->u.sv[k]);
        break;
      }
      *colon = 0;
      const char *prec = colon + 1;
      bool in = false, out = false;
      for (int i = 0; i < g->n_inputs; i++) in |= !strcmp(g->tensors[g->inputs[i]].name, s);
      for (int i = 0; i < g->n_outputs; i++) out |= !strcmp(g->tensors[g->outputs[i]].name, s);
      OptText t = {.text = prec};
      OptVal val;
      char msg[400];
      int bad;
      OptId id = in ? OPT_PRECISION : OPT_OUTPUT_PRECISION;
      if (!in && !out) {
        rc = usage(r, "-iop: the model has no input or output named '%.*s'", MAX_SHOWN, s);
      } else if (opt_value_parse(&val, id, &t, ar, &bad, msg, sizeof msg) < 0) {
        rc = usage(r, "-iop '%.*s': %s", MAX_SHOWN, v->u.sv[k], msg);
      } else if (out && a->model.v[OPT_OUTPUT_PRECISION].line &&
                 a->model.v[OPT_OUTPUT_PRECISION].u.i != val.u.i) {
        rc = usage(r, "-iop: blobc gives every output one precision; '%s' asks for %s after %s", s,
                   prec, precision_name((Precision)a->model.v[OPT_OUTPUT_PRECISION].u.i));
      } else {
        val.line = OPT_LINE_CLI;
        opt_put(in ? opt_args_input(a, s) : &a->model, id, &val, ar);
      }
    }
  ir_release(g);
  return rc;
}

static int run_convert(Run *r, OptArgs *a) {
  const char *model = opt_str(&a->run, OPT_MODEL);
  if (a->n_pos > 1 || (a->n_pos == 1 && model && strcmp(model, a->pos[0])))
    return usage(r, "unexpected argument '%.*s' (one model per convert)", MAX_SHOWN,
                 a->pos[a->n_pos - 1]);
  if (a->n_pos == 1) model = a->pos[0];
  if (!model)
    return usage(r, "needs a model file (blobc convert MODEL [options]; blobc convert --help)");
  if (!io_exists(model))
    return usage(r, "cannot read model '%.*s': no such file", MAX_SHOWN, model);
  Arena *ar = arena_new();
  int rc = 0;
  const char *weights = opt_str(&a->run, OPT_WEIGHTS), *beside = sibling_weights(ar, model);
  if (weights && (!beside || !same_file(weights, beside))) {
    rc = beside
             ? usage(r,
                     "blobc reads the weights beside the model: '%s', not '%.*s' (put them there)",
                     beside, MAX_SHOWN, weights)
             : usage(r, "'%.*s' has no separate weights file", MAX_SHOWN, model);
    goto done;
  }
  const char *name = opt_str(&a->run, OPT_NAME);
  if (name && !safe_name(name)) {
    rc = usage(r, "--name '%.*s' must be 1-100 of [A-Za-z0-9._-], not starting with '.'", MAX_SHOWN,
               name);
    goto done;
  }
  if (!name) name = stem_name(ar, model, true);
  /* -o: a folder, or (compile_tool) the blob file itself */
  const char *out = str_or(a, OPT_OUTPUT, "."), *out_dir = out, *blob_file = NULL;
  if (ends_with(out, ".blob") || ends_with(out, ".superblob")) {
    blob_file = out;
    const char *slash = strrchr(out, '/');
    out_dir = slash ? arena_strndup(ar, out, slash == out ? 1 : (size_t)(slash - out)) : ".";
    if (ends_with(out, ".superblob") && !a->model.v[OPT_SUPERBLOB].line) {
      OptVal t = {.line = OPT_LINE_CLI, .u.i = 1};
      a->model.v[OPT_SUPERBLOB] = t;
    }
  }
  set_out_dir(r, out_dir);
  if ((rc = apply_iop(r, a, model, ar)) != 0) goto done;
  Manifest *m = NULL;
  Err err = {0};
  if (manifest_from_args(&m, model, name, a, &err) < 0) {
    rc = usage(r, "%s", err.msg);
    goto done;
  }
  BuildJob *jobs = NULL;
  int n = 0;
  build_jobs_from_manifest(&jobs, &n, m, ar, &err);
  jobs[0].blob_file = blob_file;
  jobs[0].opt.shape_source = SHAPE_FROM_CLI; /* advice: --input_shape */
  BuildOptions bo = {.out_dir = out_dir,
                     .threads = 1,
                     .want_blob = true,
                     .want_ir = blob_file == NULL,
                     .quiet = flag(a, OPT_QUIET) || !r->io->diag,
                     .silent = !r->io->diag,
                     .diag = r->io->diag};
  build_run(jobs, 1, &bo);
  BuildJob *j = &jobs[0];
  if (j->blob_path) {
    char path[4096];
    if (blob_file)
      snprintf(path, sizeof path, "%s", blob_file);
    else
      snprintf(path, sizeof path, "%s/%s", out_dir, j->blob_path);
    if (r->io->out) fprintf(r->io->out, "%s\n", path);
    if (j->nn_archive_path && r->io->out)
      fprintf(r->io->out, "%s/%s\n", out_dir, j->nn_archive_path);
    set_result(r, path);
  }
  print_issues(r, j, r->io->diag);
  if (j->status == JOB_ERROR && r->io->err && !r->io->err[0])
    err_line(&j->err, r->io->err, r->io->err_size);
  if (j->status == JOB_UNSUPPORTED && r->io->err && !r->io->err[0])
    snprintf(r->io->err, r->io->err_size,
             "%s: %d node(s) the VPU cannot run (no blob written); first: node '%s' (%s): %s",
             j->name, j->res.n_unsupported, j->res.n_issues ? j->res.issues[0].node : "?",
             j->res.n_issues ? j->res.issues[0].op : "?",
             j->res.n_issues ? j->res.issues[0].reason : "");
  rc = pool_stop_requested() ? run_stopped_rc() : j->status == JOB_OK ? 0 : 1;
  build_jobs_free(jobs, n);
  manifest_free(m);
done:
  arena_free(ar);
  return rc;
}

int run_command(const char *cmd, int argc, char **argv, RunIo *io) {
  Run r = {.io = io, .cmd = cmd};
  unsigned bit = opt_cmd_by_name(cmd);
  if (!(bit & CMD_COMPILE)) return usage(&r, "not a compile command");
  if (io->err && io->err_size) io->err[0] = 0;
  if (io->result && io->result_size) io->result[0] = 0;
  xmlInitParser();
  Arena *a = arena_new();
  OptArgs args;
  Err err = {0};
  int rc;
  if (opt_cli_parse(&args, bit, argc, argv, a, &err) < 0) {
    rc = usage(&r, "%s", err.msg);
  } else if (args.help) {
    Buf b = BUF_INIT;
    opt_help(&b, bit);
    if (io->out) fwrite(b.data, 1, b.len, io->out);
    buf_free(&b);
    rc = 0;
  } else {
    if (args.notes.len && io->diag)
      fprintf(io->diag, "%.*s", (int)args.notes.len, (const char *)args.notes.data);
    rc = bit == CMD_CONVERT ? run_convert(&r, &args) : run_build(&r, &args, bit == CMD_CHECK);
  }
  opt_args_free(&args);
  arena_free(a);
  return rc;
}
