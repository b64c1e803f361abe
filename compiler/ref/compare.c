/* compiler/ref/compare.c — see compare.h. */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Error of one element pair: |a - e|, 0 when NaN meets NaN or inf the same inf, inf when a
 * non-finite value is not matched. */
static double elem_err(double a, double e) {
  if (!isfinite(a) || !isfinite(e)) return (isnan(a) && isnan(e)) || a == e ? 0 : INFINITY;
  return fabs(a - e);
}

/* RMS of the finite values of e. */
static double rms_of(const RefTensor *e) {
  int64_t n = ref_numel(e), cnt = 0;
  double ss = 0;
  for (int64_t k = 0; k < n; k++) {
    double v = ref_get_f64(e, k);
    if (isfinite(v)) ss += v * v, cnt++;
  }
  return cnt ? sqrt(ss / (double)cnt) : 0;
}

int ref_compare(RefDiff *d, const RefTensor *a, const RefTensor *e, double tol, double gain_floor) {
  memset(d, 0, sizeof *d);
  d->worst = -1;
  bool same = a->rank == e->rank;
  for (int i = 0; same && i < a->rank; i++) same = a->dims[i] == e->dims[i];
  if (!same) return -1;
  d->n = ref_numel(e);
  d->exact = !ref_is_float_dtype(e->dtype);
  d->scale = d->exact ? 0 : rms_of(e);
  double ss = 0, worst = -1, ae = 0, ee = 0;
  for (int64_t k = 0; k < d->n; k++) {
    double err;
    if (d->exact)
      err = ref_get_i64(a, k) == ref_get_i64(e, k) ? 0 : INFINITY;
    else
      err = elem_err(ref_get_f64(a, k), ref_get_f64(e, k));
    double base = fmax(fabs(ref_get_f64(e, k)), d->scale);
    double r = err == 0 ? 0 : base > 0 && isfinite(base) ? err / (REF_U16 * base) : INFINITY;
    if (err > d->max_abs) d->max_abs = err;
    ss += err * err;
    double va = ref_get_f64(a, k), ve = ref_get_f64(e, k);
    if (isfinite(va) && isfinite(ve)) ae += va * ve, ee += ve * ve;
    if (r > worst) worst = r, d->worst = k;
  }
  d->roundings = worst < 0 ? 0 : worst;
  double rms_err = d->n ? sqrt(ss / (double)d->n) : 0;
  d->rel = d->max_abs == 0 ? 0 : d->scale > 0 ? d->max_abs / d->scale : INFINITY;
  d->rms_rel = rms_err == 0 ? 0 : d->scale > 0 ? rms_err / d->scale : INFINITY;
  d->gain = ee > 0 ? ae / ee : 1;
  d->gain_tol = d->n > 0 ? 4 * d->rms_rel / sqrt((double)d->n) + gain_floor * REF_U16 : 0;
  d->pass = d->exact ? d->max_abs == 0 : d->roundings <= tol && fabs(d->gain - 1) <= d->gain_tol;
  return 0;
}

bool ref_trivial_passes(const RefTensor *e, double tol) {
  int64_t n = ref_numel(e);
  if (!ref_is_float_dtype(e->dtype) || n < 2) return false;
  double s = rms_of(e), mean = 0;
  int64_t cnt = 0;
  for (int64_t k = 0; k < n; k++) {
    double v = ref_get_f64(e, k);
    if (isfinite(v)) mean += v, cnt++;
  }
  if (cnt < n) return false; /* a NaN or inf expected is not met by a constant */
  mean /= (double)cnt;
  bool zero_ok = true, mean_ok = true;
  for (int64_t k = 0; k < n && (zero_ok || mean_ok); k++) {
    double v = ref_get_f64(e, k), allow = tol * REF_U16 * fmax(fabs(v), s);
    if (fabs(v) > allow) zero_ok = false;
    if (fabs(v - mean) > allow) mean_ok = false;
  }
  return zero_ok || mean_ok;
}

double ref_gain_fp16(int depth) {
  return REF_GAIN_FP16_BASE + REF_GAIN_FP16_LAYER * (depth < 1 ? 1 : depth);
}

double ref_tol_fp16(int depth) {
  return REF_TOL_FP16_BASE + REF_TOL_FP16_LAYER * (depth < 1 ? 1 : depth);
}

/* Ops whose FP16 output is one of their FP16 input values (no new rounding). */
static bool moves_only(IrOp op) {
  switch (op) {
  case IR_OP_RESHAPE:
  case IR_OP_FLATTEN:
  case IR_OP_TRANSPOSE:
  case IR_OP_SQUEEZE:
  case IR_OP_UNSQUEEZE:
  case IR_OP_CONCAT:
  case IR_OP_SLICE:
  case IR_OP_SPLIT:
  case IR_OP_IDENTITY:
  case IR_OP_DROPOUT:
  case IR_OP_GATHER:
  case IR_OP_TILE:
  case IR_OP_EXPAND:
  case IR_OP_PAD:
  case IR_OP_MAX_POOL:
  case IR_OP_GLOBAL_MAX_POOL:
  case IR_OP_RELU:
  case IR_OP_CLIP:
  case IR_OP_MAX:
  case IR_OP_MIN:
  case IR_OP_NEG:
  case IR_OP_ABS:
  case IR_OP_FLOOR:
  case IR_OP_CEIL:
  case IR_OP_DEPTH_TO_SPACE:
  case IR_OP_SPACE_TO_DEPTH:
  case IR_OP_CAST:
  case IR_OP_SHAPE:
  case IR_OP_WHERE:
  case IR_OP_EQUAL:
  case IR_OP_LESS:
  case IR_OP_GREATER:
  case IR_OP_ARGMAX:
  case IR_OP_TOPK:
  case IR_OP_REDUCE_MAX: return true;
  default: return false;
  }
}

int ref_depth(const IrGraph *g, int t) {
  int *d = calloc((size_t)g->n_tensors + 1, sizeof *d);
  if (!d) return 1;
  for (int i = 0; i < g->n_nodes; i++) { /* nodes are in topological order */
    const IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    int m = 0;
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] >= 0 && d[n->inputs[k]] > m) m = d[n->inputs[k]];
    if (!moves_only(n->op)) m++;
    for (int k = 0; k < n->n_outputs; k++)
      if (n->outputs[k] >= 0) d[n->outputs[k]] = m;
  }
  int r = t >= 0 && t < g->n_tensors ? d[t] : 0;
  free(d);
  return r < 1 ? 1 : r;
}
