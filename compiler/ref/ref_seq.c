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

/* Input k when present (an empty name is absent), else NULL; no failure. */
static const RefTensor *opt_in(RefNode *x, int k) {
  return k < x->n_in && x->n->inputs[k] >= 0 ? ref__need(x, k) : NULL;
}

/* LSTM (ONNX): per direction d, steps t = 0..S-1 (reverse: S-1..0) over rows shorter than
 * sequence_lens stopping early (their later outputs 0); Y [S, D, B, hs] (layout 1 [B, S, D, hs]),
 * Y_h, Y_c the last step's state [D, B, hs] ([B, D, hs]). */
REF_KERNEL(lstm) {
  const IrOnnxLstmParams *p = ir_onnx_lstm_params(x->g, x->n);
  const RefTensor *X = fin(x, 0), *Wt = fin(x, 1), *Rt = fin(x, 2);
  if (!X || !Wt || !Rt) return -1;
  const RefTensor *Bt = opt_in(x, 3), *SL = opt_in(x, 4), *H0 = opt_in(x, 5), *C0 = opt_in(x, 6),
                  *Pt = opt_in(x, 7);
  if (!p->default_activations || p->input_forget)
    return ref__fail(x, ERR_UNSUPPORTED_OP,
                     "activations other than Sigmoid, Tanh, Tanh and "
                     "input_forget are not implemented");
  if (X->rank != 3) return ref__fail(x, ERR_SHAPE, "input rank %d, expected 3", X->rank);
  bool bf = p->batch_first;
  int64_t D = p->direction == IR_RNN_BIDIRECTIONAL ? 2 : 1, hs = p->hidden_size;
  int64_t S = X->dims[bf ? 1 : 0], B = X->dims[bf ? 0 : 1], I = X->dims[2];
  if (ref_numel(Wt) != D * 4 * hs * I || ref_numel(Rt) != D * 4 * hs * hs ||
      (Bt && (!Bt->f || ref_numel(Bt) != D * 8 * hs)) || (SL && ref_numel(SL) != B) ||
      (H0 && (!H0->f || ref_numel(H0) != D * B * hs)) ||
      (C0 && (!C0->f || ref_numel(C0) != D * B * hs)) ||
      (Pt && (!Pt->f || ref_numel(Pt) != D * 3 * hs)))
    return ref__fail(x, ERR_SHAPE, "inputs do not match hidden_size %lld", (long long)hs);
  int64_t yd[4] = {S, D, B, hs}, ybd[4] = {B, S, D, hs}, sd[3] = {D, B, hs}, sbd[3] = {B, D, hs};
  RefTensor *Y =
      x->n_out > 0 && x->n->outputs[0] >= 0 ? ref__out(x, 0, X->dtype, 4, bf ? ybd : yd) : NULL;
  RefTensor *Yh =
      x->n_out > 1 && x->n->outputs[1] >= 0 ? ref__out(x, 1, X->dtype, 3, bf ? sbd : sd) : NULL;
  RefTensor *Yc =
      x->n_out > 2 && x->n->outputs[2] >= 0 ? ref__out(x, 2, X->dtype, 3, bf ? sbd : sd) : NULL;
  if ((x->n_out > 0 && x->n->outputs[0] >= 0 && !Y) ||
      (x->n_out > 1 && x->n->outputs[1] >= 0 && !Yh) ||
      (x->n_out > 2 && x->n->outputs[2] >= 0 && !Yc))
    return -1;
  size_t bh = (size_t)(B * hs);
  float *buf = calloc(4 * bh + (size_t)(B * I) + (size_t)(4 * hs) + 1, sizeof *buf);
  if (!buf) return ref__fail(x, ERR_OOM, "out of memory");
  float *h = buf, *c = h + bh, *hn = c + bh, *cn = hn + bh, *xt = cn + bh, *bias = xt + B * I;
  int rc = 0;
  for (int64_t d = 0; d < D && rc == 0; d++) {
    bool rev = p->direction == IR_RNN_REVERSE || d == 1;
    for (int64_t b = 0; b < B; b++)
      for (int64_t q = 0; q < hs; q++) {
        int64_t k = bf ? (b * D + d) * hs + q : (d * B + b) * hs + q;
        h[b * hs + q] = H0 ? H0->f[k] : 0.0f;
        c[b * hs + q] = C0 ? C0->f[k] : 0.0f;
      }
    for (int64_t k = 0; k < 4 * hs; k++)
      bias[k] = Bt ? Bt->f[d * 8 * hs + k] + Bt->f[d * 8 * hs + 4 * hs + k] : 0.0f;
    for (int64_t s = 0; s < S && rc == 0; s++) {
      int64_t t = rev ? S - 1 - s : s;
      for (int64_t b = 0; b < B; b++)
        for (int64_t q = 0; q < I; q++) xt[b * I + q] = X->f[(bf ? b * S + t : t * B + b) * I + q];
      rc = seq_lstm_step(xt, h, c, Wt->f + d * 4 * hs * I, Rt->f + d * 4 * hs * hs, bias,
                         Pt ? Pt->f + d * 3 * hs : NULL, p->clip, SEQ_GATES_ONNX, B, I, hs, hn, cn);
      for (int64_t b = 0; b < B && rc == 0; b++) {
        int64_t len = SL ? ref_get_i64(SL, b) : S;
        bool live = t < len; /* a reverse row starts at its own last step */
        for (int64_t q = 0; q < hs; q++) {
          if (live) h[b * hs + q] = hn[b * hs + q], c[b * hs + q] = cn[b * hs + q];
          if (Y)
            Y->f[(bf ? (b * S + t) * D + d : (t * D + d) * B + b) * hs + q] =
                live ? hn[b * hs + q] : 0.0f;
        }
      }
    }
    for (int64_t b = 0; b < B && rc == 0; b++)
      for (int64_t q = 0; q < hs; q++) {
        int64_t k = bf ? (b * D + d) * hs + q : (d * B + b) * hs + q;
        if (Yh) Yh->f[k] = h[b * hs + q];
        if (Yc) Yc->f[k] = c[b * hs + q];
      }
  }
  free(buf);
  return rc < 0 ? ref__fail(x, ERR_OOM, "out of memory") : 0;
}
