/*
 * compiler/ref/ref_ir.c — reference kernels of the OpenVINO IR layers of issue 18. The arithmetic
 * is in ir_layers.c (shared with the blob executor); here inputs are checked, outputs shaped and
 * the generic forms the MyriadX stage does not take (NormalizeL2 over any axes) computed.
 */
#include "ref_internal.h"

#include "gather_ops.h"
#include "ir_layers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Float input k (ref_tensor: float storage), failing when absent or not float. */
static const RefTensor *fin(RefNode *x, int k) {
  const RefTensor *t = ref__need(x, k);
  if (t && !t->f) return ref__fail(x, ERR_SHAPE, "input %d must be a float tensor", k + 1), NULL;
  return t;
}

static int64_t prod(const int64_t *d, int n) {
  int64_t p = 1;
  for (int i = 0; i < n; i++) p *= d[i];
  return p;
}

/* The values of input k as int64 (malloc'd, n values in *n); NULL after ref__fail. */
static int64_t *ints_of(RefNode *x, int k, int64_t *n) {
  const RefTensor *t = ref__need(x, k);
  if (!t) return NULL;
  *n = ref_numel(t);
  int64_t *v = malloc((size_t)(*n > 0 ? *n : 1) * sizeof *v);
  if (!v) return ref__fail(x, ERR_OOM, "out of memory"), NULL;
  for (int64_t i = 0; i < *n; i++) v[i] = ref_get_i64(t, i);
  return v;
}

REF_KERNEL(ir_activation) {
  const RefTensor *a = fin(x, 0);
  if (!a) return -1;
  float beta = 1.0f;
  if (x->n->op == IR_OP_SWISH && x->n_in > 1 && x->in[1]) beta = (float)ref_get_f64(x->in[1], 0);
  bool tanh_form = x->n->op == IR_OP_GELU && ir_gelu_params(x->g, x->n)->tanh;
  RefTensor *o = ref__out(x, 0, a->dtype, a->rank, a->dims);
  if (!o) return -1;
  for (int64_t k = 0; k < ref_numel(a); k++) {
    float v = a->f[k];
    switch (x->n->op) {
    case IR_OP_MISH: v = irl_mish(v); break;
    case IR_OP_SOFTPLUS: v = irl_softplus(v); break;
    case IR_OP_SWISH: v = irl_swish(v, beta); break;
    default: v = irl_gelu(v, tanh_form); break;
    }
    o->f[k] = v;
  }
  return 0;
}

/* SquaredDifference: (a - b)^2 with numpy broadcasting. */
REF_KERNEL(squared_diff) {
  const RefTensor *a = fin(x, 0), *b = fin(x, 1);
  if (!a || !b) return -1;
  int r;
  int64_t d[IR_MAX_DIMS], sa[IR_MAX_DIMS], sb[IR_MAX_DIMS];
  if (ref__bcast2(a, b, &r, d, sa, sb) < 0)
    return ref__fail(x, ERR_SHAPE, "operands do not broadcast");
  RefTensor *o = ref__out(x, 0, a->dtype, r, d);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, r, d);
  for (int64_t k = 0; k < ref_numel(o); k++, ref__iter_next(&it)) {
    int64_t oa = 0, ob = 0;
    for (int i = 0; i < r; i++) oa += it.idx[i] * sa[i], ob += it.idx[i] * sb[i];
    float v = a->f[oa] - b->f[ob];
    o->f[k] = v * v;
  }
  return 0;
}

REF_KERNEL(grn) {
  const RefTensor *a = fin(x, 0);
  if (!a) return -1;
  if (a->rank < 2) return ref__fail(x, ERR_SHAPE, "input rank %d, expected at least 2", a->rank);
  RefTensor *o = ref__out(x, 0, a->dtype, a->rank, a->dims);
  if (!o) return -1;
  irl_grn(a->f, o->f, a->dims[0], a->dims[1], prod(a->dims + 2, a->rank - 2),
          ir_norm_params(x->g, x->n)->epsilon);
  return 0;
}

/* NormalizeL2 over any set of axes: x / sqrt(sum over the axes of x^2 (+|max) eps). */
REF_KERNEL(normalize_l2) {
  const RefTensor *a = fin(x, 0);
  int64_t na = 0, *axes = a ? ints_of(x, 1, &na) : NULL;
  if (!axes) return -1;
  const IrNormalizeParams *p = ir_normalize_params(x->g, x->n);
  bool red[IR_MAX_DIMS] = {false};
  for (int64_t i = 0; i < na; i++) {
    int ax = ref__axis(x, axes[i], a->rank);
    if (ax < 0) return free(axes), -1;
    red[ax] = true;
  }
  free(axes);
  RefTensor *o = ref__out(x, 0, a->dtype, a->rank, a->dims);
  if (!o) return -1;
  int64_t n = ref_numel(a), st[IR_MAX_DIMS], kd[IR_MAX_DIMS];
  for (int i = 0; i < a->rank; i++) kd[i] = red[i] ? 1 : a->dims[i];
  ref__strides(a->rank, kd, st);
  double *sum = calloc((size_t)(n > 0 ? n : 1), sizeof *sum);
  if (!sum) return ref__fail(x, ERR_OOM, "out of memory");
  RefIter it;
  ref__iter_init(&it, a->rank, a->dims);
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) { /* sum of squares at the kept index */
    int64_t s = 0;
    for (int i = 0; i < a->rank; i++) s += red[i] ? 0 : it.idx[i] * st[i];
    sum[s] += (double)a->f[k] * a->f[k];
  }
  ref__iter_init(&it, a->rank, a->dims);
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) {
    int64_t s = 0;
    for (int i = 0; i < a->rank; i++) s += red[i] ? 0 : it.idx[i] * st[i];
    o->f[k] = (float)(a->f[k] / sqrt(p->eps_max ? fmax(sum[s], p->eps) : sum[s] + p->eps));
  }
  free(sum);
  return 0;
}

REF_KERNEL(region_yolo) {
  const RefTensor *a = fin(x, 0);
  if (!a) return -1;
  if (a->rank != 4) return ref__fail(x, ERR_SHAPE, "input rank %d, expected 4", a->rank);
  const IrRegionYoloParams *p = ir_region_yolo_params(x->g, x->n);
  int64_t N = a->dims[0], C = a->dims[1], H = a->dims[2], W = a->dims[3];
  int regions = (int)(p->do_softmax ? p->num : (p->mask.n ? p->mask.n : p->num));
  int64_t oc = p->do_softmax ? C : regions * (p->classes + p->coords + 1);
  if (oc > C || regions * (p->classes + p->coords + 1) > C)
    return ref__fail(x, ERR_SHAPE, "%lld channels are fewer than the regions need", (long long)C);
  int64_t d[4] = {N, oc, H, W}, fd[2] = {N, C * H * W};
  int r = 4;
  const int64_t *od = d;
  if (p->do_softmax) { /* flattened over axis..end_axis; only the default [N, C*H*W] and 4-D forms */
    int64_t ax = p->axis < 0 ? p->axis + 4 : p->axis,
            e = p->end_axis < 0 ? p->end_axis + 4 : p->end_axis;
    if (ax == 1 && e == 3)
      od = fd, r = 2;
    else if (ax != e)
      return ref__fail(x, ERR_UNSUPPORTED_OP, "flattening axes %lld..%lld is not implemented",
                       (long long)ax, (long long)e);
  }
  RefTensor *o = ref__out(x, 0, a->dtype, r, od);
  if (!o) return -1;
  for (int64_t n = 0; n < N; n++)
    irl_region_yolo(a->f + n * C * H * W, o->f + n * oc * H * W, H, W, (int)p->coords,
                    (int)p->classes, regions, p->do_softmax, oc);
  return 0;
}

REF_KERNEL(reorg_yolo) {
  const RefTensor *a = fin(x, 0);
  if (!a) return -1;
  int64_t s = ir_block_params(x->g, x->n)->blocksize;
  if (a->rank != 4 || a->dims[2] % s || a->dims[3] % s || a->dims[1] < s * s)
    return ref__fail(
        x, ERR_SHAPE,
        "input must be [N, C, H, W] with H, W multiples of the stride and C >= stride^2");
  int64_t d[4] = {a->dims[0], a->dims[1] * s * s, a->dims[2] / s, a->dims[3] / s};
  RefTensor *o = ref__out(x, 0, a->dtype, 4, d);
  if (!o) return -1;
  irl_reorg_yolo(a->f, o->f, a->dims[0], a->dims[1], a->dims[2], a->dims[3], s);
  return 0;
}

REF_KERNEL(prior_box) {
  const RefTensor *fs = ref__need(x, 0), *is = ref__need(x, 1);
  if (!fs || !is) return -1;
  int64_t nf = ref_numel(fs), ni = ref_numel(is);
  if (nf < 2 || ni < 2) return ref__fail(x, ERR_SHAPE, "sizes must hold [height, width]");
  const IrPriorBoxSsdParams *p = ir_prior_box_ssd_params(x->g, x->n);
  int64_t h = ref_get_i64(fs, nf - 2), w = ref_get_i64(fs, nf - 1), ih = ref_get_i64(is, ni - 2),
          iw = ref_get_i64(is, ni - 1);
  int64_t size = ir_prior_box(p, h, w, ih, iw, NULL);
  if (size < 0)
    return ref__fail(x, ERR_UNSUPPORTED_OP,
                     "fixed_size / density or inconsistent sizes are not implemented");
  RefTensor *o = ref__out(x, 0, DT_F32, 2, (const int64_t[]){2, size});
  if (!o) return -1;
  ir_prior_box(p, h, w, ih, iw, o->f);
  return 0;
}

REF_KERNEL(ctc_greedy_decoder) {
  const RefTensor *a = fin(x, 0), *m = ref__need(x, 1);
  if (!a || !m) return -1;
  if (a->rank != 3 || m->rank != 2 || m->dims[0] != a->dims[0] || m->dims[1] != a->dims[1])
    return ref__fail(x, ERR_SHAPE, "expects data [T, N, C] and mask [T, N]");
  int64_t T = a->dims[0], N = a->dims[1], C = a->dims[2];
  float *mask = malloc((size_t)(T * N > 0 ? T * N : 1) * sizeof *mask);
  if (!mask) return ref__fail(x, ERR_OOM, "out of memory");
  for (int64_t i = 0; i < T * N; i++) mask[i] = (float)ref_get_f64(m, i);
  RefTensor *o = ref__out(x, 0, a->dtype, 4, (const int64_t[]){N, T, 1, 1});
  if (o) irl_ctc_greedy(a->f, mask, o->f, T, N, C, ir_ctc_params(x->g, x->n)->merge_repeated);
  free(mask);
  return o ? 0 : -1;
}

/* ScatterUpdate along any axis: the data seen as [outer, D, inner], each index row replaced. */
REF_KERNEL(scatter_update) {
  const RefTensor *a = fin(x, 0), *u = fin(x, 2);
  int64_t ni = 0, na = 0, *idx = a && u ? ints_of(x, 1, &ni) : NULL,
          *axv = idx ? ints_of(x, 3, &na) : NULL;
  if (!axv) return free(idx), -1;
  int ax =
      na == 1 ? ref__axis(x, axv[0], a->rank) : ref__fail(x, ERR_SHAPE, "axis must be one value");
  free(axv);
  if (ax < 0) return free(idx), -1;
  int64_t outer = prod(a->dims, ax), D = a->dims[ax],
          inner = prod(a->dims + ax + 1, a->rank - ax - 1);
  if (ref_numel(u) != outer * ni * inner)
    return free(idx), ref__fail(x, ERR_SHAPE, "updates do not match data and indices");
  RefTensor *o = ref__out(x, 0, a->dtype, a->rank, a->dims);
  int rc = o ? 0 : -1;
  for (int64_t q = 0; rc == 0 && q < outer; q++) /* per outer block: axis 0 of [D, inner] */
    if (irl_scatter_update(a->f + q * D * inner, D, inner, idx, ni, u->f + q * ni * inner,
                           o->f + q * D * inner) < 0)
      rc = ref__fail(x, ERR_SHAPE, "an index is outside the data");
  free(idx);
  return rc;
}

/* Any element type (ONNX's tests gather int32 data): offsets from gather_ops.c. */
REF_KERNEL(gather_nd) {
  const RefTensor *a = ref__need(x, 0), *ix = ref__need(x, 1);
  if (!a || !ix) return -1;
  int64_t b = ir_gather_nd_params(x->g, x->n)->batch_dims,
          k = ix->rank ? ix->dims[ix->rank - 1] : 0;
  if (ix->rank < 1 || b >= ix->rank || k < 1 || b + k > a->rank)
    return ref__fail(x, ERR_SHAPE, "indices do not fit the data");
  int64_t d[IR_MAX_DIMS];
  int r = 0;
  for (int i = 0; i < ix->rank - 1; i++) d[r++] = ix->dims[i];
  for (int64_t i = b + k; i < a->rank; i++) d[r++] = a->dims[i];
  int64_t n = 0, *idx = ints_of(x, 1, &n);
  if (!idx) return -1;
  RefTensor *o = ref__out(x, 0, a->dtype, r, d);
  int64_t *off = malloc((size_t)(n / k + 1) * sizeof *off),
          block = prod(a->dims + b + k, a->rank - (int)(b + k));
  int rc = o && off ? 0 : -1;
  if (o && !off) ref__fail(x, ERR_OOM, "out of memory");
  if (rc == 0 && gop_gather_nd_rows(a->dims, a->rank, idx, n / k, k, b, off) < 0)
    rc = ref__fail(x, ERR_SHAPE, "an index is outside the data");
  for (int64_t row = 0; rc == 0 && row < n / k; row++)
    for (int64_t q = 0; q < block; q++) ref__copy_elem(o, row * block + q, a, off[row] + q);
  free(off);
  free(idx);
  return rc;
}

REF_KERNEL(roi_pooling) {
  const RefTensor *a = fin(x, 0), *r = fin(x, 1);
  if (!a || !r) return -1;
  if (a->rank != 4 || r->rank != 2 || r->dims[1] != 5)
    return ref__fail(x, ERR_SHAPE, "expects maps [N, C, H, W] and rois [R, 5]");
  const IrRoiParams *p = ir_roi_params(x->g, x->n);
  bool ps = x->n->op == IR_OP_PSROI_POOLING;
  if (ps && p->bilinear)
    return ref__fail(x, ERR_UNSUPPORTED_OP, "bilinear mode is not implemented");
  int64_t R = r->dims[0], C = a->dims[1];
  int64_t d[4] = {R, ps ? p->output_dim : C, p->pooled_h, p->pooled_w};
  if (ps && C != p->output_dim * p->group_size * p->group_size)
    return ref__fail(x, ERR_SHAPE, "%lld channels, expected output_dim * group_size^2",
                     (long long)C);
  RefTensor *o = ref__out(x, 0, a->dtype, 4, d);
  if (!o) return -1;
  int rc = ps ? irl_psroi_pool(a->f, a->dims[0], C, a->dims[2], a->dims[3], r->f, R, o->f,
                               p->output_dim, p->group_size, p->spatial_scale)
              : irl_roi_pool(a->f, a->dims[0], C, a->dims[2], a->dims[3], r->f, R, o->f,
                             p->pooled_h, p->pooled_w, p->spatial_scale, p->bilinear);
  return rc < 0 ? ref__fail(x, ERR_SHAPE, "a roi names a batch outside the feature maps") : 0;
}

REF_KERNEL(lstm_cell) {
  const RefTensor *t[6];
  for (int k = 0; k < 6; k++)
    if (!(t[k] = fin(x, k))) return -1;
  const IrLstmParams *p = ir_lstm_params(x->g, x->n);
  int64_t hs = p->hidden_size, B = t[0]->rank == 2 ? t[0]->dims[0] : -1,
          I = t[0]->rank == 2 ? t[0]->dims[1] : -1;
  if (!p->default_activations || p->clip != 0)
    return ref__fail(x, ERR_UNSUPPORTED_OP, "activations or clip are not implemented");
  if (B < 0 || ref_numel(t[1]) != B * hs || ref_numel(t[2]) != B * hs ||
      ref_numel(t[3]) != 4 * hs * I || ref_numel(t[4]) != 4 * hs * hs || ref_numel(t[5]) != 4 * hs)
    return ref__fail(x, ERR_SHAPE, "inputs do not match hidden_size %lld", (long long)hs);
  int64_t d[2] = {B, hs};
  RefTensor *ho = ref__out(x, 0, t[0]->dtype, 2, d),
            *co = x->n_out > 1 ? ref__out(x, 1, t[0]->dtype, 2, d) : NULL;
  if (!ho || (x->n_out > 1 && !co)) return -1;
  float *cbuf = co ? NULL : malloc((size_t)(B * hs) * sizeof *cbuf);
  if (!co && !cbuf) return ref__fail(x, ERR_OOM, "out of memory");
  irl_lstm_cell(t[0]->f, t[1]->f, t[2]->f, t[3]->f, t[4]->f, t[5]->f, B, I, hs, ho->f,
                co ? co->f : cbuf);
  free(cbuf);
  return 0;
}

/* Proposal's configuration from the decoded params: the framework decides the offset,
 * clipping, anchor shift, ratio rounding and axis swap (proposal.cpp); pre_nms_thresh as given. */
static void proposal_cfg(const IrProposalParams *q, IrlProposal *p, float pre_nms_thresh) {
  memset(p, 0, sizeof *p);
  p->feat_stride = (int)q->feat_stride, p->base_size = (int)q->base_size;
  p->pre_nms_topn = (int)q->pre_nms_topn, p->post_nms_topn = (int)q->post_nms_topn;
  p->min_size = q->min_size, p->nms_thresh = q->nms_thresh, p->pre_nms_thresh = pre_nms_thresh;
  p->box_size_scale = q->box_size_scale, p->box_coordinate_scale = q->box_coordinate_scale;
  p->coordinates_offset = q->tensorflow ? 0.0f : 1.0f;
  p->initial_clip = q->tensorflow, p->shift_anchors = q->tensorflow, p->swap_xy = q->tensorflow,
  p->round_ratios = !q->tensorflow;
  p->clip_before_nms = q->clip_before_nms, p->clip_after_nms = q->clip_after_nms,
  p->normalize = q->normalize;
  p->scales = q->scale.v, p->n_scales = q->scale.n, p->ratios = q->ratio.v,
  p->n_ratios = q->ratio.n;
}

REF_KERNEL(proposal) {
  const RefTensor *pr = fin(x, 0), *d = fin(x, 1), *info = fin(x, 2);
  if (!pr || !d || !info) return -1;
  const IrProposalParams *q = ir_proposal_params(x->g, x->n);
  int64_t A = (int64_t)q->ratio.n * q->scale.n;
  if (pr->rank != 4 || d->rank != 4 || pr->dims[1] != 2 * A || d->dims[1] != 4 * A ||
      d->dims[0] != pr->dims[0] || d->dims[2] != pr->dims[2] || d->dims[3] != pr->dims[3] ||
      (ref_numel(info) != 3 && ref_numel(info) != 4))
    return ref__fail(x, ERR_SHAPE, "inputs do not match the anchors (%lld)", (long long)A);
  IrlProposal p;
  proposal_cfg(q, &p, 0.0f);
  int64_t rows = pr->dims[0] * q->post_nms_topn;
  RefTensor *r = ref__out(x, 0, pr->dtype, 2, (const int64_t[]){rows, 5});
  RefTensor *s = x->n_out > 1 && x->n->outputs[1] >= 0 ? ref__out(x, 1, pr->dtype, 1, &rows) : NULL;
  if (!r || (x->n_out > 1 && x->n->outputs[1] >= 0 && !s)) return -1;
  if (irl_proposal(&p, pr->f, d->f, info->f, (int)ref_numel(info), pr->dims[0], pr->dims[2],
                   pr->dims[3], r->f, s ? s->f : NULL) < 0)
    return ref__fail(x, ERR_OOM, "out of memory");
  return 0;
}
