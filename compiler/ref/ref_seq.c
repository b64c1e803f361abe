/*
 * compiler/ref/ref_seq.c — reference kernels of the ONNX normalizations, ROI ops and LSTM of
 * issue 18, with ONNX's semantics (the operator specifications and their function bodies; RoiAlign
 * as ONNX Runtime computes it, see seq_layers.c). MaxRoiPool shares ROIPooling's kernel (ref_ir.c).
 */
#include "ref_internal.h"

#include "seq_layers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Float input k, failing when absent or not float. */
static const RefTensor *fin(RefNode *x, int k) {
  const RefTensor *t = ref__need(x, k);
  if (t && !t->f) return ref__fail(x, ERR_SHAPE, "input %d must be a float tensor", k + 1), NULL;
  return t;
}

/* For each element of t, the index of its group when the axes of mask (bit i = axis i) are
 * reduced (malloc'd); the number of groups in *ng. NULL after ref__fail. */
static int64_t *groups_of(RefNode *x, const RefTensor *t, uint32_t mask, int64_t *ng) {
  int64_t n = ref_numel(t), *gi = malloc((size_t)(n > 0 ? n : 1) * sizeof *gi);
  if (!gi) return ref__fail(x, ERR_OOM, "out of memory"), NULL;
  int64_t gd[IR_MAX_DIMS], gs[IR_MAX_DIMS];
  for (int i = 0; i < t->rank; i++) gd[i] = (mask >> i) & 1 ? 1 : t->dims[i];
  ref__strides(t->rank, gd, gs);
  *ng = 1;
  for (int i = 0; i < t->rank; i++) *ng *= gd[i];
  RefIter it;
  ref__iter_init(&it, t->rank, t->dims);
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) {
    int64_t g = 0;
    for (int i = 0; i < t->rank; i++) g += (mask >> i) & 1 ? 0 : it.idx[i] * gs[i];
    gi[k] = g;
  }
  return gi;
}

/* MeanVarianceNormalization (ONNX function body): (x - mean) / (sqrt(mean((x - mean)^2)) + 1e-9)
 * over axes. */
REF_KERNEL(mvn) {
  const RefTensor *a = fin(x, 0);
  if (!a) return -1;
  const IrAxesParams *p = ir_axes_params(x->g, x->n);
  uint32_t mask = 0;
  for (int i = 0; i < p->axes.n; i++) {
    int ax = ref__axis(x, p->axes.v[i], a->rank);
    if (ax < 0) return -1;
    mask |= 1u << ax;
  }
  int64_t ng, n = ref_numel(a), *gi = groups_of(x, a, mask, &ng);
  if (!gi) return -1;
  double *mean = calloc((size_t)ng * 3, sizeof *mean);
  RefTensor *o = mean ? ref__out(x, 0, a->dtype, a->rank, a->dims) : NULL;
  if (!o) {
    free(gi), free(mean);
    return mean ? -1 : ref__fail(x, ERR_OOM, "out of memory");
  }
  double *var = mean + ng, *cnt = mean + 2 * ng;
  for (int64_t k = 0; k < n; k++) mean[gi[k]] += a->f[k], cnt[gi[k]] += 1;
  for (int64_t g = 0; g < ng; g++) mean[g] /= cnt[g] > 0 ? cnt[g] : 1;
  for (int64_t k = 0; k < n; k++) {
    double d = a->f[k] - mean[gi[k]];
    var[gi[k]] += d * d;
  }
  for (int64_t g = 0; g < ng; g++) var[g] = sqrt(var[g] / (cnt[g] > 0 ? cnt[g] : 1)) + 1e-9;
  for (int64_t k = 0; k < n; k++) o->f[k] = (float)((a->f[k] - mean[gi[k]]) / var[gi[k]]);
  free(gi), free(mean);
  return 0;
}

/* LpNormalization: x / (sum over axis of |x|^p)^(1/p), p 1 or 2. */
REF_KERNEL(lp_norm) {
  const RefTensor *a = fin(x, 0);
  if (!a) return -1;
  const IrLpNormParams *p = ir_lp_norm_params(x->g, x->n);
  int ax = ref__axis(x, p->axis, a->rank);
  if (ax < 0) return -1;
  int64_t ng, n = ref_numel(a), *gi = groups_of(x, a, 1u << ax, &ng);
  if (!gi) return -1;
  double *norm = calloc((size_t)ng, sizeof *norm);
  RefTensor *o = norm ? ref__out(x, 0, a->dtype, a->rank, a->dims) : NULL;
  if (!o) {
    free(gi), free(norm);
    return norm ? -1 : ref__fail(x, ERR_OOM, "out of memory");
  }
  for (int64_t k = 0; k < n; k++)
    norm[gi[k]] += p->p == 1 ? fabs((double)a->f[k]) : (double)a->f[k] * a->f[k];
  for (int64_t k = 0; k < n; k++)
    o->f[k] = (float)(a->f[k] / (p->p == 1 ? norm[gi[k]] : sqrt(norm[gi[k]])));
  free(gi), free(norm);
  return 0;
}

/* RoiAlign: X [N, C, H, W], rois [R, 4], batch_indices [R] -> [R, C, output_h, output_w]. */
REF_KERNEL(roi_align) {
  const RefTensor *a = fin(x, 0), *r = fin(x, 1), *b = ref__need(x, 2);
  if (!a || !r || !b) return -1;
  if (a->rank != 4 || r->rank != 2 || r->dims[1] != 4 || ref_numel(b) != r->dims[0])
    return ref__fail(x, ERR_SHAPE, "expects X [N, C, H, W], rois [R, 4] and batch_indices [R]");
  const IrRoiAlignParams *p = ir_roi_align_params(x->g, x->n);
  int64_t R = r->dims[0], d[4] = {R, a->dims[1], p->output_h, p->output_w};
  int64_t *bi = malloc((size_t)(R > 0 ? R : 1) * sizeof *bi);
  if (!bi) return ref__fail(x, ERR_OOM, "out of memory");
  for (int64_t i = 0; i < R; i++) bi[i] = ref_get_i64(b, i);
  RefTensor *o = ref__out(x, 0, a->dtype, 4, d);
  int rc = o ? seq_roi_align(a->f, a->dims[0], a->dims[1], a->dims[2], a->dims[3], r->f, bi, R,
                             o->f, p->output_h, p->output_w, p->sampling_ratio, p->spatial_scale,
                             p->half_pixel, p->max ? SEQ_ROI_MAX_ORT : SEQ_ROI_AVG)
             : -2;
  free(bi);
  if (rc == -1) return ref__fail(x, ERR_SHAPE, "a batch index is outside the feature maps");
  return rc < 0 ? -1 : 0;
}
