/*
 * cmd/cmd_verify.c — `blobc verify` (numerical proof against ONNX backend test data) and
 * `blobc run` (reference execution of a model on given inputs).
 *
 *   blobc verify DIR... [--via graph|graph-fp16|blob] [--json]
 *       DIR is an ONNX backend test folder (model.onnx + test_data_set_N/), or a folder of them.
 *       stdout: one line per data set `PASS|FAIL|UNSUPPORTED|UNINFORMATIVE name rel_err
 *       roundings/tol` (rel_err = max |a-e| / RMS(e), roundings = the worst error in FP16 roundings
 *       of the output's scale, tol = its tolerance; "-" when nothing was compared), then
 *       `N passed, N failed, N unsupported, N uninformative` alone on the last line; why a test
 *       failed, is unsupported or uninformative goes to stderr. --json prints one JSON
 *       document instead. Exit 0 when nothing failed, 1 when something failed, 2 on bad usage.
 *   blobc verify --blob FILE.blob --model MODEL [--frames DIR | --random N] [--json]
 *       [--mean_values .. --scale_values .. --reverse_input_channels --layout ..]
 *       The written blob run on U8 frames against its source model with that preprocessing
 *       (compiler/ref/blob_verify.h): a PASS|FAIL|UNSUPPORTED|UNINFORMATIVE line with the error
 *       against the output's scale and top-1/top-5 agreement, then one line per output; why it
 *       is not PASS goes to stderr. Exit 0 unless it FAILs (1); 2 when it cannot run (a malformed
 *       blob, a blob of another model, a missing model).
 *   blobc run MODEL --input [NAME=]FILE [...] [-o DIR] [--fp16]
 *       FILE: .npy (C order), .pb (ONNX TensorProto), .ppm/.pgm (U8 NHWC 1xHxWx3 / 1xHxWx1,
 *       transposed to NCHW when the model input is NCHW). Writes DIR/<output name>.npy (name
 *       sanitised: characters other than [A-Za-z0-9._-] become '_', no leading '.'), atomically.
 *       Exit 0 ok, 1 when the model cannot run, 2 on bad usage.
 *       MODEL may be a .blob (ours or compile_tool's): its stages run on the CPU, HW (NCE) stages
 *       included (compiler/ref/blob_run.h); tensors are given in IE order (NCHW), frames as
 *       1xHxWxC; outputs are written the same way (FP16 outputs as f32). Exit 2 also for a
 *       malformed blob; --fp16 has no effect on a blob.
 * argv[0] is the command name ("verify" / "run").
 */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compiler/backend/blob_read.h"
#include "compiler/compile.h"
#include "compiler/ref/blob_run.h"
#include "compiler/ref/ref.h"
#include "compiler/ref/tensor_io.h"
#include "pipeline/build.h"
#include "pipeline/manifest.h"
#include "pipeline/options.h"
#include "pipeline/verify.h"

int cmd_verify(int argc, char **argv);
int cmd_run(int argc, char **argv);

static void print_err(const Err *err) {
  char line[1400];
  fprintf(stderr, "blobc: %s\n", err_line(err, line, sizeof line));
}

static int cmp_str(const void *p, const void *q) {
  return strcmp(*(char *const *)p, *(char *const *)q);
}

/* True when dir holds a test model: model.onnx, or an OpenVINO IR model.xml. */
static bool has_model(const char *dir) {
  char model[4200];
  snprintf(model, sizeof model, "%s/model.onnx", dir);
  if (io_exists(model)) return true;
  snprintf(model, sizeof model, "%s/model.xml", dir);
  return io_exists(model);
}

/* Subfolders of dir holding a test model, sorted (malloc'd array of malloc'd paths). */
static int sub_tests(char ***out, int *n, const char *dir) {
  *out = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return -1;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    if (!has_model(path)) continue;
    char **nl = realloc(*out, (size_t)(*n + 1) * sizeof *nl);
    if (!nl) break;
    *out = nl;
    if (!((*out)[*n] = strdup(path))) break;
    (*n)++;
  }
  closedir(d);
  if (*n > 1) qsort(*out, (size_t)*n, sizeof **out, cmp_str);
  return 0;
}

/* Verifies one folder (or a folder of test folders), appending cases. */
static void verify_path(RefCase **cases, int *n, const char *dir, RefMode mode) {
  struct stat sb;
  if (stat(dir, &sb) == 0 && S_ISREG(sb.st_mode))
    return; /* a shell glob over a data folder also matches LICENSE, README.md */
  char **subs = NULL;
  int n_subs = 0;
  if (!has_model(dir) && sub_tests(&subs, &n_subs, dir) == 0 && n_subs > 0) {
    for (int i = 0; i < n_subs; i++) {
      verify_path(cases, n, subs[i], mode);
      free(subs[i]);
    }
    free(subs);
    return;
  }
  free(subs);
  Err err = {0};
  if (ref_verify_dir(cases, n, dir, mode, &err) == 0) return;
  RefCase *nc = realloc(*cases, (size_t)(*n + 1) * sizeof *nc);
  if (!nc) return;
  *cases = nc;
  RefCase *c = &nc[(*n)++];
  memset(c, 0, sizeof *c);
  snprintf(c->name, sizeof c->name, "%s", dir);
  c->status = REF_FAIL;
  c->max_abs_err = c->max_rel_err = c->roundings = -1;
  char line[1400];
  snprintf(c->msg, sizeof c->msg, "%s", err_line(&err, line, sizeof line));
}

/* "%.3g" of v, "-" when v < 0 (not compared). */
static const char *num(char *buf, size_t size, double v) {
  if (v < 0)
    snprintf(buf, size, "-");
  else
    snprintf(buf, size, "%.3g", v);
  return buf;
}

static void print_json(const RefCase *cases, int n, const char *via, const int *count) {
  json_t *root = json_object(), *tests = json_array();
  json_object_set_new(root, "via", json_string(via));
  for (int i = 0; i < n; i++) {
    json_t *t = json_object();
    json_object_set_new(t, "name", json_string(cases[i].name));
    json_object_set_new(t, "status", json_string(ref_status_name(cases[i].status)));
    json_object_set_new(t, "max_abs_err",
                        cases[i].max_abs_err < 0 ? json_null() : json_real(cases[i].max_abs_err));
    json_object_set_new(t, "max_rel_err",
                        cases[i].max_rel_err < 0 ? json_null() : json_real(cases[i].max_rel_err));
    json_object_set_new(t, "fp16_roundings",
                        cases[i].roundings < 0 ? json_null() : json_real(cases[i].roundings));
    json_object_set_new(t, "tolerance",
                        cases[i].roundings < 0 ? json_null() : json_real(cases[i].tol));
    json_object_set_new(t, "message", json_string(cases[i].msg));
    json_array_append_new(tests, t);
  }
  json_object_set_new(root, "tests", tests);
  json_object_set_new(root, "passed", json_integer(count[REF_PASS]));
  json_object_set_new(root, "failed", json_integer(count[REF_FAIL]));
  json_object_set_new(root, "unsupported", json_integer(count[REF_UNSUPPORTED]));
  json_object_set_new(root, "uninformative", json_integer(count[REF_UNINFORMATIVE]));
  char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
  if (s) puts(s);
  free(s);
  json_decref(root);
}

/* "0.00123" of v, "-" for NaN/inf */
static const char *fig(char *buf, size_t size, double v) {
  if (!isfinite(v))
    snprintf(buf, size, "-");
  else
    snprintf(buf, size, "%.3g", v);
  return buf;
}

/* " top-1 3/3 top-5 3/3" (empty when not ranked) */
static const char *ranks(char *buf, size_t size, int t1, int n1, int t5, int n5) {
  buf[0] = 0;
  if (n1) snprintf(buf, size, ", top-1 %d/%d", t1, n1);
  if (n5) snprintf(buf + strlen(buf), size - strlen(buf), ", top-5 %d/%d", t5, n5);
  return buf;
}

/* `blobc verify --blob B --model M [--frames DIR | --random N] [preprocessing]`: exit 0 unless
 * the blob does not compute the model (1) or the check cannot run (2). */
static int verify_blob(const OptArgs *args, bool json) {
  const char *blob = opt_str(&args->run, OPT_BLOB), *model = opt_str(&args->run, OPT_MODEL);
  if (!model && args->n_pos == 1) model = args->pos[0];
  if (!model || args->n_pos > 1 || (args->n_pos == 1 && strcmp(model, args->pos[0]))) {
    fprintf(stderr, "blobc verify: --blob needs its source model (blobc verify --blob B.blob "
                    "--model M.onnx [--frames DIR | --random N] [--mean_values ...])\n");
    return 2;
  }
  Err err = {0};
  Manifest *m = NULL;
  BuildJob *jobs = NULL;
  int n = 0, rc = 2, n_frames = 0;
  RefTensor *frames = NULL;
  uint8_t *data = NULL;
  size_t len = 0;
  Arena *a = arena_new();
  const char *frames_dir = opt_str(&args->run, OPT_FRAMES);
  BvFrames fr = {.n_random =
                     opt_isset(&args->run, OPT_RANDOM) ? (int)opt_int(&args->run, OPT_RANDOM) : 3};
  BlobVerify v = {0};
  if (!io_exists(model)) {
    err_where(&err, model, 0, NULL, NULL);
    err_set(&err, ERR_IO, "cannot read the model: no such file");
    goto done;
  }
  if (manifest_from_args(&m, model, "verify", args, &err) < 0 ||
      build_jobs_from_manifest(&jobs, &n, m, a, &err) < 0)
    goto done;
  if (frames_dir && blob_verify_load_frames(&frames, &n_frames, frames_dir, &err) < 0) goto done;
  fr.frames = frames, fr.n_frames = n_frames;
  if (io_read_file(&data, &len, blob, (size_t)1 << 32, &err) < 0) {
    err_where(&err, blob, 0, NULL, NULL);
    goto done;
  }
  if (blob_verify(&v, data, len, model, &jobs[0].opt, &fr, &err) < 0) {
    if (err.code == ERR_PARSE && !strcmp(err.file, "blob"))
      snprintf(err.file, sizeof err.file, "%s", blob);
    goto done;
  }
  const char *source = verify_frames_source(frames_dir);
  if (json) {
    json_t *o = verify_json(&v, source);
    json_object_set_new(o, "blob", json_string(blob));
    json_object_set_new(o, "model", json_string(model));
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    if (s) puts(s);
    free(s);
    json_decref(o);
  } else {
    char r1[32], r2[32], r3[32], r4[32], rk[64];
    printf("%s %s: %d %s frame%s, error %s of the output's scale, %s/%s FP16 roundings%s\n",
           ref_status_name(v.status), blob, v.n_frames, source, v.n_frames == 1 ? "" : "s",
           fig(r1, sizeof r1, v.rel), fig(r2, sizeof r2, v.roundings), fig(r3, sizeof r3, v.tol),
           ranks(rk, sizeof rk, v.top1, v.n_top1, v.top5, v.n_top5));
    for (int j = 0; j < v.n_outputs; j++) {
      const BvOutput *o = &v.outputs[j];
      printf("  %s %s: error %s (RMS %s) of its scale, %s/%s FP16 roundings%s\n",
             ref_status_name(o->status), o->name, fig(r1, sizeof r1, o->rel),
             fig(r2, sizeof r2, o->rms_rel), fig(r3, sizeof r3, o->roundings),
             fig(r4, sizeof r4, o->tol),
             ranks(rk, sizeof rk, o->top1, o->n_top1, o->top5, o->n_top5));
    }
    if (v.msg[0]) fprintf(stderr, "blobc verify: %s: %s\n", blob, v.msg);
  }
  fflush(stdout);
  rc = v.status == REF_FAIL ? 1 : 0;
done:
  if (rc == 2) print_err(&err);
  if (rc == 2 && json) { /* the same record a build writes for a check that could not run */
    json_t *o = verify_error_json(&err, verify_frames_source(frames_dir));
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s) puts(s);
    free(s);
    json_decref(o);
  }
  blob_verify_free(&v);
  for (int i = 0; i < n_frames; i++) ref_tensor_free(&frames[i]);
  free(frames);
  free(data);
  build_jobs_free(jobs, n);
  manifest_free(m);
  arena_free(a);
  return rc;
}

int cmd_verify(int argc, char **argv) {
  Arena *pa = arena_new();
  OptArgs args;
  Err perr = {0};
  if (opt_cli_parse(&args, CMD_VERIFY, argc - 1, argv + 1, pa, &perr) < 0) {
    fprintf(stderr, "blobc verify: %s\n", perr.msg);
    arena_free(pa);
    return 2;
  }
  if (args.help) {
    Buf b = BUF_INIT;
    opt_help(&b, CMD_VERIFY);
    fwrite(b.data, 1, b.len, stdout);
    buf_free(&b);
    opt_args_free(&args);
    arena_free(pa);
    return 0;
  }
  const char *via = opt_isset(&args.run, OPT_VIA) ? opt_str(&args.run, OPT_VIA) : "graph";
  bool json = opt_isset(&args.run, OPT_JSON) && opt_int(&args.run, OPT_JSON);
  if (opt_isset(&args.run, OPT_BLOB)) {
    int rc = verify_blob(&args, json);
    opt_args_free(&args);
    arena_free(pa);
    return rc;
  }
  if (!args.n_pos) {
    fprintf(stderr, "blobc verify: no test folder given (usage: blobc verify DIR... [--via "
                    "graph|graph-fp16|blob] [--json])\n");
    opt_args_free(&args);
    arena_free(pa);
    return 2;
  }
  RefMode mode = !strcmp(via, "blob") ? REF_BLOB : !strcmp(via, "graph-fp16") ? REF_FP16 : REF_FP32;
  RefCase *cases = NULL;
  int n = 0;
  for (int i = 0; i < args.n_pos; i++) verify_path(&cases, &n, args.pos[i], mode);
  int count[4] = {0, 0, 0, 0};
  for (int i = 0; i < n; i++) count[cases[i].status]++;
  if (json) {
    print_json(cases, n, via, count);
  } else {
    for (int i = 0; i < n; i++) {
      char r[32], u[32], t[32];
      printf("%s %s %s %s/%s\n", ref_status_name(cases[i].status), cases[i].name,
             num(r, sizeof r, cases[i].max_rel_err), num(u, sizeof u, cases[i].roundings),
             num(t, sizeof t, cases[i].roundings < 0 ? -1 : cases[i].tol));
      if (cases[i].status != REF_PASS)
        fprintf(stderr, "blobc verify: %s: %s\n", cases[i].name, cases[i].msg);
    }
    printf("%d passed, %d failed, %d unsupported, %d uninformative\n", count[REF_PASS],
           count[REF_FAIL], count[REF_UNSUPPORTED], count[REF_UNINFORMATIVE]);
  }
  fflush(stdout);
  free(cases);
  opt_args_free(&args);
  arena_free(pa);
  return count[REF_FAIL] ? 1 : 0;
}

/* ---- run ---- */

/* A file-name-safe copy of name in out: [A-Za-z0-9._-] kept, others '_', no leading '.'. */
static void sanitize(char *out, size_t size, const char *name, int k) {
  size_t n = 0;
  for (const char *p = name; *p && n + 1 < size && n < 200; p++) {
    char ch = *p;
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-';
    out[n++] = ok ? ch : '_';
  }
  out[n] = 0;
  if (n == 0)
    snprintf(out, size, "output_%d", k);
  else if (out[0] == '.')
    out[0] = '_';
}

/* NHWC image [1,H,W,C] to NCHW when the model input t is NCHW with C channels. */
static int fit_image(RefTensor *in, const IrTensor *t, Err *err) {
  if (in->rank != 4 || t->rank != 4) return 0;
  int64_t H = in->dims[1], W = in->dims[2], C = in->dims[3];
  bool nhwc = (t->dims[3] == C || t->dims[3] < 0) && (t->dims[1] == H || t->dims[1] < 0);
  bool nchw =
      t->dims[1] == C && (t->dims[2] == H || t->dims[2] < 0) && (t->dims[3] == W || t->dims[3] < 0);
  if (nhwc || !nchw) return 0;
  RefTensor o = {0};
  if (ref_tensor_alloc(&o, in->dtype, 4, (int64_t[]){1, C, H, W}, err) < 0) return -1;
  for (int64_t c = 0; c < C; c++)
    for (int64_t h = 0; h < H; h++)
      for (int64_t w = 0; w < W; w++) o.i[(c * H + h) * W + w] = in->i[(h * W + w) * C + c];
  ref_tensor_free(in);
  *in = o;
  return 0;
}

/* Parses one --input value against the graph: fills feed[k] for the matching input. */
static int load_input(RefTensor *feed, bool *given, const IrGraph *g, const char *arg, Err *err) {
  const char *eq = strchr(arg, '=');
  int k = -1;
  const char *file = arg;
  if (eq) {
    char name[512];
    snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
    for (int i = 0; i < g->n_inputs; i++)
      if (!strcmp(g->tensors[g->inputs[i]].name, name)) k = i;
    if (k >= 0) file = eq + 1;
  }
  if (k < 0) {
    if (g->n_inputs != 1)
      return err_set(err, ERR_USAGE,
                     "--input '%s': say which input (NAME=FILE); the model has %d inputs", arg,
                     g->n_inputs);
    k = 0;
  }
  if (given[k])
    return err_set(err, ERR_USAGE, "input '%s' is given twice", g->tensors[g->inputs[k]].name);
  char *pbname = NULL;
  if (tio_read_any(&feed[k], &pbname, file, err) < 0) return -1;
  free(pbname);
  given[k] = true;
  bool image = strcasecmp(file + (strlen(file) > 4 ? strlen(file) - 4 : 0), ".ppm") == 0 ||
               strcasecmp(file + (strlen(file) > 4 ? strlen(file) - 4 : 0), ".pgm") == 0;
  return image ? fit_image(&feed[k], &g->tensors[g->inputs[k]], err) : 0;
}

/* Writes outs[k] as DIR/<sanitised names[k]>.npy and prints one line per output. */
static int write_named(const char *const *names_in, const RefTensor *outs, int n, const char *dir,
                       Err *err) {
  if (io_mkdirs(dir, err) < 0) return -1;
  char(*names)[256] = calloc((size_t)n + 1, sizeof *names);
  if (!names) return err_set(err, ERR_OOM, "out of memory");
  int rc = 0;
  for (int k = 0; k < n && rc == 0; k++) {
    sanitize(names[k], sizeof names[k], names_in[k], k);
    for (int j = 0; j < k; j++) /* two names that sanitise alike get the output index appended */
      if (!strcmp(names[j], names[k]))
        snprintf(names[k] + strlen(names[k]), sizeof names[k] - strlen(names[k]), "_%d", k);
    char path[4600], shape[256];
    snprintf(path, sizeof path, "%s/%s.npy", dir, names[k]);
    rc = tio_write_npy(path, &outs[k], err);
    if (rc == 0)
      printf("%s: %s %s -> %s\n", names_in[k], dtype_name(outs[k].dtype),
             ref_shape_str(&outs[k], shape, sizeof shape), path);
  }
  free(names);
  return rc;
}

/* Writes every output of the model as DIR/<sanitised name>.npy. */
static int write_outputs(const IrGraph *g, const RefTensor *outs, const char *dir, Err *err) {
  const char **names = calloc((size_t)g->n_outputs + 1, sizeof *names);
  if (!names) return err_set(err, ERR_OOM, "out of memory");
  for (int k = 0; k < g->n_outputs; k++) names[k] = g->tensors[g->outputs[k]].name;
  int rc = write_named(names, outs, g->n_outputs, dir, err);
  free(names);
  return rc;
}

static bool is_image_file(const char *file) {
  size_t n = strlen(file);
  const char *ext = file + (n > 4 ? n - 4 : 0);
  return strcasecmp(ext, ".ppm") == 0 || strcasecmp(ext, ".pgm") == 0;
}

/* `blobc run FILE.blob`: the blob's stages on the CPU (compiler/ref/blob_run.h). Exit 0 ok, 1 when
 * the blob cannot run, 2 on bad usage or a malformed blob. */
static int run_blob(const char *path, const char **inputs, int n_inputs, const char *out_dir) {
  Err err = {0};
  uint8_t *data = NULL;
  size_t len = 0;
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  RefTensor *ts = calloc((size_t)n_inputs + 1, sizeof *ts);
  BlobFeed *feeds = calloc((size_t)n_inputs + 1, sizeof *feeds);
  char **names = calloc((size_t)n_inputs + 1, sizeof *names);
  BlobResult res = {0};
  int rc = 2;
  if (!ts || !feeds || !names) {
    err_set(&err, ERR_OOM, "out of memory");
    goto done;
  }
  if (io_read_file(&data, &len, path, (size_t)1 << 32, &err) < 0 ||
      blob_parse(&b, a, data, len, path, &err) < 0) {
    err_where(&err, path, 0, NULL, NULL);
    goto done;
  }
  for (int i = 0; i < n_inputs; i++) {
    const char *arg = inputs[i], *eq = strchr(arg, '='), *file = arg;
    if (eq) { /* NAME=FILE when NAME is one of the blob's inputs */
      for (uint32_t k = 0; k < b->hdr.inputs_count && !names[i]; k++)
        if (strlen(b->inputs[k].name) == (size_t)(eq - arg) &&
            !strncmp(b->inputs[k].name, arg, (size_t)(eq - arg)))
          names[i] = strdup(b->inputs[k].name), file = eq + 1;
    }
    if (!names[i] && b->hdr.inputs_count != 1) {
      err_set(&err, ERR_USAGE, "--input '%s': say which input (NAME=FILE); the blob has %u inputs",
              arg, b->hdr.inputs_count);
      goto done;
    }
    char *pbname = NULL;
    if (tio_read_any(&ts[i], &pbname, file, &err) < 0) {
      rc = 1;
      goto done;
    }
    free(pbname);
    feeds[i] = (BlobFeed){names[i], &ts[i], is_image_file(file)};
  }
  if (blob_run(&res, b, data, len, feeds, n_inputs, NULL, &err) < 0) {
    if (err.code != ERR_USAGE) rc = 1, err_where(&err, path, 0, NULL, NULL);
    goto done;
  }
  rc = write_named((const char *const *)res.names, res.outputs, res.n_out, out_dir, &err) < 0 ? 1
                                                                                              : 0;
done:
  if (rc) print_err(&err);
  blob_result_free(&res);
  for (int i = 0; i < n_inputs && ts; i++) ref_tensor_free(&ts[i]);
  for (int i = 0; i < n_inputs && names; i++) free(names[i]);
  free(names);
  free(ts);
  free(feeds);
  arena_free(a);
  free(data);
  return rc;
}

int cmd_run(int argc, char **argv) {
  Arena *pa = arena_new();
  OptArgs args;
  Err perr = {0};
  if (opt_cli_parse(&args, CMD_RUN, argc - 1, argv + 1, pa, &perr) < 0 || args.help ||
      args.n_pos != 1) {
    int rc = 2;
    if (args.help) {
      Buf b = BUF_INIT;
      opt_help(&b, CMD_RUN);
      fwrite(b.data, 1, b.len, stdout);
      buf_free(&b);
      rc = 0;
    } else if (perr.msg[0]) {
      fprintf(stderr, "blobc run: %s\n", perr.msg);
    } else {
      fprintf(stderr,
              "blobc run: %s (usage: blobc run MODEL --input [NAME=]FILE ... [-o DIR] [--fp16])\n",
              args.n_pos ? "one model at a time" : "no model given");
    }
    opt_args_free(&args);
    arena_free(pa);
    return rc;
  }
  const char *model = args.pos[0],
             *out_dir = opt_isset(&args.run, OPT_OUTPUT) ? opt_str(&args.run, OPT_OUTPUT) : ".";
  bool fp16 = opt_isset(&args.run, OPT_FP16) && opt_int(&args.run, OPT_FP16);
  const OptVal *iv = &args.run.v[OPT_RUN_INPUT];
  int n_inputs = iv->line ? iv->n : 0;
  const char **inputs = calloc((size_t)n_inputs + 1, sizeof *inputs);
  if (!inputs) return 1;
  for (int i = 0; i < n_inputs; i++) inputs[i] = iv->u.sv[i];
  size_t ml = strlen(model);
  if (ml > 5 && !strcasecmp(model + ml - 5,
                            ".blob")) { /* --fp16 has no effect: a blob runs in its own types */
    int brc = run_blob(model, inputs, n_inputs, out_dir);
    free(inputs);
    opt_args_free(&args);
    arena_free(pa);
    return brc;
  }
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  RefTensor *feed = NULL, *outs = NULL;
  bool *given = NULL;
  int n_outs = 0, rc = 1;
  if (compile_load(&g, a, model, &err) < 0) goto done;
  feed = calloc((size_t)g->n_inputs + 1, sizeof *feed);
  given = calloc((size_t)g->n_inputs + 1, sizeof *given);
  if (!feed || !given) {
    err_set(&err, ERR_OOM, "out of memory");
    goto done;
  }
  for (int i = 0; i < n_inputs; i++)
    if (load_input(feed, given, g, inputs[i], &err) < 0) {
      if (err.code == ERR_USAGE) rc = 2;
      goto done;
    }
  for (int k = 0; k < g->n_inputs; k++) {
    int t = g->inputs[k];
    if (!given[k]) {
      err_set(&err, ERR_USAGE, "no --input for model input '%s'", g->tensors[t].name);
      rc = 2;
      goto done;
    }
    if (ref_bind_input(g, t, &feed[k], &err) < 0) goto done;
  }
  if (ir_infer(g, &err) < 0 ||
      ref_run(g, fp16 ? REF_FP16 : REF_FP32, feed, g->n_inputs, &outs, &n_outs, &err) < 0 ||
      write_outputs(g, outs, out_dir, &err) < 0)
    goto done;
  rc = 0;
done:
  if (rc) print_err(&err);
  if (feed)
    for (int k = 0; k < g->n_inputs; k++) ref_tensor_free(&feed[k]);
  free(feed);
  free(given);
  free(inputs);
  opt_args_free(&args);
  arena_free(pa);
  ref_tensors_free(outs, n_outs);
  ir_release(g);
  arena_free(a);
  return rc;
}
