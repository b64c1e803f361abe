/*
 * compiler/ref/ref_verify.c — ref_verify_dir: runs ONNX backend test folders through the
 * frontend, shape inference and the reference executor and compares with the expected outputs.
 *
 * Comparison (compare.h): each output against its own scale S = RMS(expected); an element passes
 * when its error is at most tol FP16 roundings (2^-11) of max(|e_k|, S). FP32 paths: tol 0.2
 * (~1e-4 relative). FP16 paths (graph-fp16, blob): ref_tol_fp16(depth), a budget per rounding
 * step on the longest path to the output. A test that passes is then judged informative or not
 * (judge_informative): an output that vanishes against its input, an expected output a constant
 * would match, or one that another input's output also matches proves nothing: UNINFORMATIVE.
 */
#include "ref.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob_run.h"
#include "compiler/backend/blob_format.h"
#include "compiler/compile.h"
#include "compare.h"
#include "tensor_io.h"

const char *ref_status_name(RefStatus s) {
  return s == REF_PASS          ? "PASS"
         : s == REF_FAIL        ? "FAIL"
         : s == REF_UNSUPPORTED ? "UNSUPPORTED"
                                : "UNINFORMATIVE";
}

/* Sets the case's status and message (printf-style). */
static void set_case(RefCase *c, RefStatus st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_case(RefCase *c, RefStatus st, const char *fmt, ...) {
  c->status = st;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->msg, sizeof c->msg, fmt, ap);
  va_end(ap);
}

/* Marks c from an error: UNSUPPORTED for ERR_UNSUPPORTED_OP, FAIL otherwise. */
static void case_from_err(RefCase *c, const char *stage, const Err *e) {
  const char *node = e->node[0] ? e->node : NULL;
  set_case(c, e->code == ERR_UNSUPPORTED_OP ? REF_UNSUPPORTED : REF_FAIL, "%s: %s%s%s%s", stage,
           node ? "node '" : "", node ? node : "", node ? "': " : "", e->msg);
}

/* Compares output `name`: a (ours) with e (expected) at tol FP16 roundings (compare.h); updates
 * the case's maxima and fails it (with the first message) on a mismatch. Returns the diff's pass. */
static bool compare(RefCase *c, const char *name, const RefTensor *a, const RefTensor *e,
                    double tol, double gfloor) {
  char sa[256], se[256];
  RefDiff d;
  if (ref_compare(&d, a, e, tol, gfloor) < 0) {
    set_case(c, REF_FAIL, "output '%s': shape %s, expected %s", name,
             ref_shape_str(a, sa, sizeof sa), ref_shape_str(e, se, sizeof se));
    return false;
  }
  if (c->max_abs_err < 0) c->max_abs_err = c->max_rel_err = c->roundings = 0;
  if (d.max_abs > c->max_abs_err) c->max_abs_err = d.max_abs;
  if (d.rel > c->max_rel_err) c->max_rel_err = d.rel;
  if (d.roundings >= c->roundings) c->roundings = d.roundings, c->tol = tol;
  if (!d.pass && c->status != REF_FAIL) {
    int64_t k = d.worst;
    if (d.exact)
      set_case(c, REF_FAIL, "output '%s': element %lld is %lld, expected %lld", name, (long long)k,
               (long long)ref_get_i64(a, k), (long long)ref_get_i64(e, k));
    else if (d.roundings > tol)
      set_case(
          c, REF_FAIL,
          "output '%s': element %lld is %.9g, expected %.9g: %.3g FP16 roundings of the output's "
          "scale %.3g, tolerance %.3g",
          name, (long long)k, ref_get_f64(a, k), ref_get_f64(e, k), d.roundings, d.scale, tol);
    else
      set_case(
          c, REF_FAIL,
          "output '%s': scaled by %.6f against the expected values (a coherent error; at most %.3g "
          "allowed)",
          name, d.gain, d.gain_tol);
  }
  return d.pass;
}

/* RMS of a float tensor's finite values (0 for integer tensors). */
static double rms(const RefTensor *t) {
  if (!ref_is_float_dtype(t->dtype)) return 0;
  double ss = 0;
  int64_t n = ref_numel(t), cnt = 0;
  for (int64_t k = 0; k < n; k++) {
    double v = ref_get_f64(t, k);
    if (isfinite(v)) ss += v * v, cnt++;
  }
  return cnt ? sqrt(ss / (double)cnt) : 0;
}

/* True when an integer / bool tensor holds at least two distinct values. */
static bool varies(const RefTensor *t) {
  int64_t n = ref_numel(t);
  for (int64_t k = 1; k < n; k++)
    if (ref_get_i64(t, k) != ref_get_i64(t, 0)) return true;
  return false;
}

/* Reads dir/prefix_N.pb for N = 0.. into a malloc'd array (names too); *n counts them. */
static int read_pbs(RefTensor **ts, char ***names, int *n, const char *dir, const char *prefix,
                    Err *err) {
  *ts = NULL;
  *names = NULL;
  *n = 0;
  for (int k = 0;; k++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s_%d.pb", dir, prefix, k);
    if (!io_exists(path)) return 0;
    RefTensor *nt = realloc(*ts, (size_t)(k + 1) * sizeof *nt);
    if (nt) *ts = nt;
    char **nn = realloc(*names, (size_t)(k + 1) * sizeof *nn);
    if (nn) *names = nn;
    if (!nt || !nn) return err_set(err, ERR_OOM, "out of memory");
    memset(&(*ts)[k], 0, sizeof **ts);
    (*names)[k] = NULL;
    *n = k + 1;
    if (tio_read_pb(&(*ts)[k], &(*names)[k], path, err) < 0) return -1;
  }
}

static void free_pbs(RefTensor *ts, char **names, int n) {
  for (int k = 0; k < n; k++) {
    ref_tensor_free(&ts[k]);
    if (names) free(names[k]);
  }
  free(ts);
  free(names);
}

/* Index into files (0..n-1) of the data for graph tensor t at position pos: by name, else by
 * position; -1 when there is none. */
static int match(const IrGraph *g, int t, int pos, char **names, int n) {
  for (int k = 0; k < n; k++)
    if (names[k] && names[k][0] && !strcmp(names[k], g->tensors[t].name)) return k;
  if (pos < n && (!names[pos] || !names[pos][0] || ir_find_tensor(g, names[pos]) < 0)) return pos;
  return -1;
}

/* Operand k of n is a parameter (weights, statistics, bounds, pads, indices, shapes), which a
 * deployed VPU model has as a constant; ONNX node tests feed them as inputs. */
static bool is_param_use(const IrNode *n, int k) {
  switch (n->op) {
  case IR_OP_CONV:
  case IR_OP_CONV_TRANSPOSE:
  case IR_OP_BATCH_NORM:
  case IR_OP_INSTANCE_NORM:
  case IR_OP_CLIP:
  case IR_OP_PAD:
  case IR_OP_RESIZE:
  case IR_OP_UPSAMPLE:
  case IR_OP_SLICE:
  case IR_OP_SPLIT:
  case IR_OP_SQUEEZE:
  case IR_OP_UNSQUEEZE:
  case IR_OP_REDUCE_MEAN:
  case IR_OP_REDUCE_MAX:
  case IR_OP_REDUCE_SUM:
  case IR_OP_DEQUANTIZE_LINEAR:      /* scale, zero point */
  case IR_OP_ONE_HOT: return k >= 1; /* OneHot: depth, values */
  case IR_OP_GATHER:
  case IR_OP_PRELU:
  case IR_OP_RESHAPE:
  case IR_OP_TILE:
  case IR_OP_EXPAND:
  case IR_OP_TOPK: return k == 1;
  case IR_OP_LSTM: return (k >= 1 && k <= 4) || k == 7; /* W, R, B, sequence_lens, P */
  default: return false;
  }
}

/* Graph input t is read only as a parameter: the blob run freezes it to the test's values. */
static bool frozen_input(const IrGraph *g, int t) {
  int uses = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] == t) {
        if (!is_param_use(n, k)) return false;
        uses++;
      }
  }
  return uses > 0 && !g->tensors[t].is_output;
}

/* --via blob: the model through the whole compiler (FP16 inputs at the test data's shapes, no
 * preprocessing), the blob run by blob_run (the same as `blobc run FILE.blob`), outputs compared
 * with the FP16 tolerance. */
static void run_blob(RefCase *c, const char *model, const IrGraph *g, const RefTensor *feed,
                     RefTensor **outs, int *n_outs) {
  CompInput *ci = calloc((size_t)g->n_inputs + 1, sizeof *ci);
  int *live = calloc((size_t)g->n_inputs + 1, sizeof *live); /* graph input index of blob input j */
  double **vals = calloc((size_t)g->n_inputs + 1, sizeof *vals);
  int n_live = 0;
  CompileResult res;
  memset(&res, 0, sizeof res);
  Err e = {0};
  Arena *a = arena_new();
  BlobFeed *feeds = calloc((size_t)g->n_inputs + 1, sizeof *feeds);
  if (!ci || !live || !vals || !feeds) {
    set_case(c, REF_FAIL, "out of memory");
    goto done;
  }
  for (int k = 0; k < g->n_inputs; k++) {
    const IrTensor *t = &g->tensors[g->inputs[k]];
    ci[k].name = t->name;
    ci[k].has_shape = true;
    ci[k].rank = feed[k].rank;
    memcpy(ci[k].shape, feed[k].dims, sizeof ci[k].shape);
    ci[k].precision = PREC_FP16;
    if (frozen_input(g, g->inputs[k])) {
      int64_t n = ref_numel(&feed[k]);
      vals[k] = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
      if (!vals[k]) {
        set_case(c, REF_FAIL, "out of memory");
        goto done;
      }
      for (int64_t i = 0; i < n; i++) vals[k][i] = ref_get_f64(&feed[k], i);
      ci[k].value = vals[k];
      ci[k].n_value = n;
    } else {
      live[n_live++] = k;
    }
  }
  CompileOptions opt = {.model_name = "verify",
                        .source = model,
                        .inputs = ci,
                        .n_inputs = g->n_inputs,
                        .shaves = 6,
                        .cmx_slices = 6,
                        .openvino = "2022.1",
                        .want_blob = true}; /* NCE where it can, as built */
  if (compile_model(&res, &opt, &e) < 0) {
    if (e.code == ERR_BACKEND || e.code == ERR_UNSUPPORTED_OP)
      set_case(c, REF_UNSUPPORTED, "blob writer: %s", e.msg);
    else
      case_from_err(c, "compile", &e);
    goto done;
  }
  if (res.n_unsupported) {
    set_case(c, REF_UNSUPPORTED, "not on the VPU: %s (%s)", res.issues[0].op, res.issues[0].reason);
    goto done;
  }
  BlobInfo *b = NULL;
  if (blob_parse(&b, a, res.blob.data, res.blob.len, "verify", &e) < 0) {
    case_from_err(c, "blob", &e);
    goto done;
  }
  if ((int)b->hdr.inputs_count != n_live || (int)b->hdr.outputs_count != g->n_outputs) {
    set_case(c, REF_FAIL, "blob has %u inputs / %u outputs, the model %d / %d", b->hdr.inputs_count,
             b->hdr.outputs_count, n_live, g->n_outputs);
    goto done;
  }
  for (int j = 0; j < n_live; j++) /* the test data in IE order, converted to the inputs' types */
    feeds[j] = (BlobFeed){b->inputs[j].name, &feed[live[j]], false};
  BlobResult run;
  memset(&run, 0, sizeof run);
  if (blob_run(&run, b, res.blob.data, res.blob.len, feeds, n_live, NULL, &e) < 0) {
    if (strstr(e.msg, "no CPU kernel"))
      set_case(c, REF_UNSUPPORTED, "%s", e.msg);
    else
      case_from_err(c, "blob run", &e);
    goto done;
  }
  *outs = run.outputs; /* taken over: blob output order, which is the graph's */
  *n_outs = run.n_out;
  run.outputs = NULL; /* ref_tensors_free(NULL, n) frees nothing; the names still go */
  blob_result_free(&run);
  c->status = REF_PASS;
done:
  for (int k = 0; vals && k < g->n_inputs; k++) free(vals[k]);
  free(feeds);
  free(vals);
  free(live);
  compile_result_free(&res);
  arena_free(a);
  free(ci);
}

/* The informative-data rules (compare.h, README): after the comparison, turns case c into
 * UNINFORMATIVE when the expected outputs prove nothing. `other` is another data set of the same
 * folder (NULL when there is none); without one, the source model's FP32 reference run on a
 * different input (the input reversed and scaled by 3/4) stands in for it. */
static void judge_informative(RefCase *c, const IrGraph *g, const RefTensor *feed,
                              const RefTensor *exp, const int *ef, const double *tols,
                              const double *gfl, const char *other) {
  double in_scale = 0;
  for (int k = 0; k < g->n_inputs; k++)
    if (!frozen_input(g, g->inputs[k])) in_scale = fmax(in_scale, rms(&feed[k]));
  bool any_informative = false;
  for (int k = 0; k < g->n_outputs; k++) {
    const RefTensor *e = &exp[ef[k]];
    const char *name = g->tensors[g->outputs[k]].name;
    if (ref_is_float_dtype(e->dtype) && in_scale > 0 && rms(e) < REF_VANISH * in_scale) {
      set_case(c, REF_UNINFORMATIVE,
               "output '%s' vanishes: RMS %.3g against its input's %.3g (below 2^-24 of it): "
               "the data set is degenerate",
               name, rms(e), in_scale);
      return;
    }
    if (ref_is_float_dtype(e->dtype) ? !ref_trivial_passes(e, tols[k]) : varies(e))
      any_informative = true;
  }
  if (c->status != REF_PASS) return;
  if (!any_informative) {
    set_case(c, REF_UNINFORMATIVE,
             "a constant or all-zero output would pass too: the expected output%s constant",
             g->n_outputs > 1 ? "s are" : " is");
    return;
  }
  /* the expected output for another input: does it pass for this one? Without another data set,
   * two probes (the input reversed, the input rotated by one element, each scaled by 3/4): the
   * test is uninformative only when both pass (one can coincide, as ArgMax of a tiny example). */
  Err e = {0};
  RefTensor *alt = NULL, *probe = NULL, *outs = NULL;
  char **names = NULL;
  int n_alt = 0, n_outs = 0;
  bool all_pass = true;
  for (int round = 0; all_pass && round < (other ? 1 : 2); round++) {
    bool have = false, live = false;
    if (other) {
      have = read_pbs(&alt, &names, &n_alt, other, "output", &e) == 0 && n_alt > 0;
    } else {
      probe = probe ? probe : calloc((size_t)g->n_inputs + 1, sizeof *probe);
      for (int i = 0; probe && i < g->n_nodes; i++)
        if (!g->nodes[i].dead && !ref_has_kernel(g->nodes[i].op)) goto done;
      for (int k = 0; probe && k < g->n_inputs; k++) {
        ref_tensor_free(&probe[k]);
        if (ref_tensor_copy(&probe[k], &feed[k], &e) < 0) goto done;
        if (frozen_input(g, g->inputs[k]) || !ref_is_float_dtype(feed[k].dtype)) continue;
        int64_t n = ref_numel(&feed[k]);
        for (int64_t i = 0; i < n; i++)
          ref_set_f64(&probe[k], i,
                      0.75 * ref_get_f64(&feed[k], round == 0 ? n - 1 - i : (i + 1) % n));
        live = true;
      }
      ref_tensors_free(outs, n_outs);
      outs = NULL, n_outs = 0;
      have = live && ref_run(g, REF_FP32, probe, g->n_inputs, &outs, &n_outs, &e) == 0;
    }
    all_pass = have;
    for (int k = 0; have && all_pass && k < g->n_outputs; k++) {
      const RefTensor *d = other ? (ef[k] < n_alt ? &alt[ef[k]] : NULL) : &outs[k];
      RefDiff df;
      all_pass = d && ref_compare(&df, d, &exp[ef[k]], tols[k], gfl[k]) == 0 && df.pass;
    }
  }
  if (all_pass)
    set_case(c, REF_UNINFORMATIVE,
             "the expected output for another input (%s) passes too: the output does not "
             "depend on the input",
             other ? "the folder's other data set" : "this input reversed or rotated, x 3/4");
done:
  free_pbs(alt, names, n_alt);
  if (probe)
    for (int k = 0; k < g->n_inputs; k++) ref_tensor_free(&probe[k]);
  free(probe);
  ref_tensors_free(outs, n_outs);
}

/* Runs one data set folder `set` of model `model` into case c; `other` is another data set of the
 * same folder or NULL. */
static void run_set(RefCase *c, const char *model, const char *set, const char *other,
                    RefMode mode) {
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err e = {0};
  RefTensor *ins = NULL, *exp = NULL, *outs = NULL, *feed = NULL;
  char **in_names = NULL, **exp_names = NULL;
  int n_ins = 0, n_exp = 0, n_outs = 0, *ef = NULL;
  double *tols = NULL, *gfl = NULL;
  if (compile_load(&g, a, model, &e) < 0) {
    case_from_err(c, "load", &e);
    goto done;
  }
  for (int i = 0; i < g->n_nodes && mode != REF_BLOB; i++)
    if (!g->nodes[i].dead && !ref_has_kernel(g->nodes[i].op)) {
      set_case(c, REF_UNSUPPORTED, "no reference kernel for op '%s'", g->nodes[i].op_type);
      goto done;
    }
  if (read_pbs(&ins, &in_names, &n_ins, set, "input", &e) < 0 ||
      read_pbs(&exp, &exp_names, &n_exp, set, "output", &e) < 0) {
    case_from_err(c, "test data", &e);
    goto done;
  }
  feed = calloc((size_t)g->n_inputs + 1, sizeof *feed);
  ef = calloc((size_t)g->n_outputs + 1, sizeof *ef);
  tols = calloc((size_t)g->n_outputs + 1, sizeof *tols);
  gfl = calloc((size_t)g->n_outputs + 1, sizeof *gfl);
  if (!feed || !ef || !tols || !gfl) {
    set_case(c, REF_FAIL, "out of memory");
    goto done;
  }
  for (int k = 0; k < g->n_inputs; k++) {
    int t = g->inputs[k], f = match(g, t, k, in_names, n_ins);
    if (f < 0) {
      set_case(c, REF_FAIL, "no test data for input '%s'", g->tensors[t].name);
      goto done;
    }
    feed[k] = ins[f]; /* shallow: ins owns the storage */
    if (ref_bind_input(g, t, &ins[f], &e) < 0) {
      case_from_err(c, "test data", &e);
      goto done;
    }
  }
  if (ir_infer(g, &e) < 0) {
    case_from_err(c, "shape inference", &e);
    goto done;
  }
  for (int k = 0; k < g->n_outputs; k++) {
    int t = g->outputs[k];
    ef[k] = match(g, t, k, exp_names, n_exp);
    if (ef[k] < 0) {
      set_case(c, REF_FAIL, "no expected data for output '%s'", g->tensors[t].name);
      goto done;
    }
    tols[k] = mode == REF_FP32 ? REF_TOL_FP32 : ref_tol_fp16(ref_depth(g, t));
    gfl[k] = mode == REF_FP32 ? REF_GAIN_FP32 : ref_gain_fp16(ref_depth(g, t));
  }
  if (mode == REF_BLOB) {
    run_blob(c, model, g, feed, &outs, &n_outs);
    if (c->status != REF_PASS) goto done;
  } else if (ref_run(g, mode, feed, g->n_inputs, &outs, &n_outs, &e) < 0) {
    case_from_err(c, "run", &e);
    goto done;
  }
  c->status = REF_PASS;
  for (int k = 0; k < g->n_outputs; k++)
    compare(c, g->tensors[g->outputs[k]].name, &outs[k], &exp[ef[k]], tols[k], gfl[k]);
  judge_informative(c, g, feed, exp, ef, tols, gfl, other);
done:
  free(feed);
  free(ef);
  free(tols);
  free(gfl);
  free_pbs(ins, in_names, n_ins);
  free_pbs(exp, exp_names, n_exp);
  ref_tensors_free(outs, n_outs);
  ir_release(g);
  arena_free(a);
}

static int cmp_str(const void *p, const void *q) {
  return strcmp(*(char *const *)p, *(char *const *)q);
}

/* Sorted names of dir's entries starting with "test_data_set_" (malloc'd array of malloc'd). */
static int list_sets(char ***out, int *n, const char *dir, Err *err) {
  *out = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) {
    err_where(err, dir, 0, NULL, NULL);
    return err_set(err, ERR_IO, "cannot open folder");
  }
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(d)) != NULL) {
    if (strncmp(de->d_name, "test_data_set_", 14)) continue;
    char **nl = realloc(*out, (size_t)(*n + 1) * sizeof *nl);
    char *s = strdup(de->d_name);
    if (!nl || !s) {
      free(s);
      if (nl) *out = nl;
      rc = err_set(err, ERR_OOM, "out of memory");
      break;
    }
    *out = nl;
    (*out)[(*n)++] = s;
  }
  closedir(d);
  if (*n > 1) qsort(*out, (size_t)*n, sizeof **out, cmp_str);
  return rc;
}

int ref_verify_dir(RefCase **cases, int *n_cases, const char *dir, RefMode mode, Err *err) {
  char model[4096];
  snprintf(model, sizeof model, "%s/model.onnx", dir);
  if (!io_exists(model))
    snprintf(model, sizeof model, "%s/model.xml", dir); /* the same layout for an IR */
  if (!io_exists(model)) {
    err_where(err, dir, 0, NULL, NULL);
    return err_set(err, ERR_IO, "not an ONNX backend test folder (no model.onnx or model.xml)");
  }
  char **sets = NULL;
  int n_sets = 0, rc = -1;
  if (list_sets(&sets, &n_sets, dir, err) < 0) goto done;
  if (n_sets == 0) {
    err_where(err, dir, 0, NULL, NULL);
    err_set(err, ERR_IO, "not an ONNX backend test folder (no test_data_set_*)");
    goto done;
  }
  const char *base = strrchr(dir, '/');
  size_t blen = strlen(dir);
  while (base && base[1] == 0 && base > dir) { /* "dir/" -> the component before the slash */
    blen = (size_t)(base - dir);
    const char *p = base - 1;
    while (p > dir && *p != '/') p--;
    base = *p == '/' ? p : NULL;
  }
  const char *bname = base ? base + 1 : dir;
  int bn = (int)(blen - (size_t)(bname - dir));
  RefCase *nc = realloc(*cases, (size_t)(*n_cases + n_sets) * sizeof *nc);
  if (!nc) {
    err_set(err, ERR_OOM, "out of memory");
    goto done;
  }
  *cases = nc;
  for (int s = 0; s < n_sets; s++) {
    RefCase *c = &(*cases)[(*n_cases)++];
    memset(c, 0, sizeof *c);
    c->max_abs_err = c->max_rel_err = c->roundings = -1;
    if (n_sets == 1)
      snprintf(c->name, sizeof c->name, "%.*s", bn, bname);
    else
      snprintf(c->name, sizeof c->name, "%.*s/%s", bn, bname, sets[s]);
    char set[4096], other[4096];
    snprintf(set, sizeof set, "%s/%s", dir, sets[s]);
    snprintf(other, sizeof other, "%s/%s", dir, sets[(s + 1) % n_sets]);
    run_set(c, model, set, n_sets > 1 ? other : NULL, mode);
  }
  rc = 0;
done:
  for (int s = 0; s < n_sets; s++) free(sets[s]);
  free(sets);
  return rc;
}
