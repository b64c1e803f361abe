/*
 * compiler/graph/shape_ir.c — shape functions of the OpenVINO IR layers of issue 18, with the
 * contract of shape.c: outputs from inputs and decoded attributes, unknown in -> unknown out,
 * inconsistent shapes -> ERR_SHAPE "<op>: <problem>" naming the node. Output shapes follow the
 * OpenVINO operation specifications (docs/ops/detection/<Op>_1.md, docs/ops/movement/GatherND_*.md).
 */
#include "shape_internal.h"

#include "params.h"

#include <string.h>

/* Input i of node n (NULL when absent). */
static const IrTensor *in_t(const IrGraph *g, int n, int i) {
  const IrNode *x = &g->nodes[n];
  return i < x->n_inputs && x->inputs[i] >= 0 ? &g->tensors[x->inputs[i]] : NULL;
}

/* True when every dim of t is known. */
static bool known(const IrTensor *t) { return t && t->rank >= 0 && ir_numel(t) >= 0; }

/* Sets output k's dtype and shape (rank < 0: dtype only); a dim given as -1 keeps what the model
 * stated for it. */
static void out(IrGraph *g, int n, int k, DType dt, int rank, const int64_t *dims) {
  const IrNode *x = &g->nodes[n];
  if (k >= x->n_outputs || x->outputs[k] < 0) return;
  IrTensor *t = &g->tensors[x->outputs[k]];
  if (t->data) return;
  if (dt != DT_UNDEF) t->dtype = dt;
  if (rank < 0) return;
  bool same = t->rank == rank;
  int64_t d[IR_MAX_DIMS];
  for (int i = 0; i < rank; i++)
    d[i] = dims[i] < 0 && same && t->dims[i] >= 0 ? t->dims[i] : dims[i];
  ir_set_shape(g, x->outputs[k], rank, d);
}

static DType float_of(const IrTensor *t) {
  return t && dtype_is_float(t->dtype) ? t->dtype : DT_F32;
}

/* RegionYolo: do_softmax flattens axes axis..end_axis of [N, C, H, W]; otherwise
 * [N, len(mask) * (classes + coords + 1), H, W]. */
int shape__region_yolo(IrGraph *g, int n, Err *err) {
  const IrTensor *x = in_t(g, n, 0);
  const IrRegionYoloParams *p = ir_region_yolo_params(g, &g->nodes[n]);
  if (!x || x->rank < 0) return out(g, n, 0, x ? x->dtype : DT_UNDEF, -1, NULL), 0;
  if (x->rank != 4)
    return shape__fail(g, n, err, "input rank %d, expected 4 ([N, C, H, W])", x->rank);
  int64_t d[IR_MAX_DIMS];
  int r = 0;
  if (p->do_softmax) {
    int64_t a = p->axis < 0 ? p->axis + 4 : p->axis,
            e = p->end_axis < 0 ? p->end_axis + 4 : p->end_axis;
    if (a < 0 || e < a || e > 3)
      return shape__fail(g, n, err, "axis %lld / end_axis %lld are out of range",
                         (long long)p->axis, (long long)p->end_axis);
    for (int i = 0; i < 4; i++) {
      if (i <= a || i > e)
        d[r++] = x->dims[i];
      else
        d[r - 1] = d[r - 1] < 0 || x->dims[i] < 0 ? -1 : d[r - 1] * x->dims[i];
    }
  } else {
    int64_t per = p->classes + p->coords + 1, regions = p->mask.n ? p->mask.n : p->num;
    if (x->dims[1] >= 0 && x->dims[1] < regions * per)
      return shape__fail(g, n, err, "%lld channels, fewer than %lld regions x %lld",
                         (long long)x->dims[1], (long long)regions, (long long)per);
    d[0] = x->dims[0], d[1] = regions * per, d[2] = x->dims[2], d[3] = x->dims[3];
    r = 4;
  }
  out(g, n, 0, x->dtype, r, d);
  return 0;
}

/* ReorgYolo: [N, C * s^2, H / s, W / s]. */
int shape__reorg_yolo(IrGraph *g, int n, Err *err) {
  const IrTensor *x = in_t(g, n, 0);
  int64_t s = ir_block_params(g, &g->nodes[n])->blocksize;
  if (!x || x->rank < 0) return out(g, n, 0, x ? x->dtype : DT_UNDEF, -1, NULL), 0;
  if (x->rank != 4)
    return shape__fail(g, n, err, "input rank %d, expected 4 ([N, C, H, W])", x->rank);
  int64_t N = x->dims[0], C = x->dims[1], H = x->dims[2], W = x->dims[3];
  if ((H >= 0 && H % s) || (W >= 0 && W % s) || (C >= 0 && C < s * s))
    return shape__fail(g, n, err, "input %lldx%lldx%lld does not divide by stride %lld",
                       (long long)C, (long long)H, (long long)W, (long long)s);
  int64_t d[4] = {N, C < 0 ? -1 : C * s * s, H < 0 ? -1 : H / s, W < 0 ? -1 : W / s};
  out(g, n, 0, x->dtype, 4, d);
  return 0;
}

/* PriorBox: [2, 4 * H * W * priors] from the feature-map size (input 1) and the image size
 * (input 2), both [H, W] values; folded to a constant when both are constant. */
int shape__prior_box(IrGraph *g, int n, Err *err) {
  const IrTensor *fs = in_t(g, n, 0), *is = in_t(g, n, 1);
  int64_t d[2] = {2, -1};
  const IrNode *x = &g->nodes[n];
  if (!shape__is_const(g, x->inputs[0]) || !shape__is_const(g, x->inputs[1]))
    return out(g, n, 0, DT_F32, 2, d), 0;
  int64_t nf = ir_numel(fs), ni = ir_numel(is);
  if (nf < 2 || ni < 2) return shape__fail(g, n, err, "sizes must hold [height, width]");
  int64_t h = ir_const_i64(fs, nf - 2), w = ir_const_i64(fs, nf - 1), ih = ir_const_i64(is, ni - 2),
          iw = ir_const_i64(is, ni - 1);
  const IrPriorBoxSsdParams *p = ir_prior_box_ssd_params(g, x);
  int64_t size = ir_prior_box(p, h, w, ih, iw, NULL);
  if (size < 0) return out(g, n, 0, DT_F32, 2, d), 0; /* fixed_size/density: the verdict says so */
  d[1] = size;
  out(g, n, 0, DT_F32, 2, d);
  if (!shape__can_fold(g, n) || x->outputs[0] < 0) return 0;
  IrTensor *o = shape__alloc_out(g, n, 0);
  ir_prior_box(p, h, w, ih, iw, o->data);
  return shape__folded(g, n), 0;
}

/* CTCGreedyDecoder: data [T, N, C], sequence mask [T, N] -> [N, T, 1, 1] class indices. */
int shape__ctc_greedy_decoder(IrGraph *g, int n, Err *err) {
  const IrTensor *x = in_t(g, n, 0), *m = in_t(g, n, 1);
  if (!x || x->rank < 0) return out(g, n, 0, float_of(x), -1, NULL), 0;
  if (x->rank != 3) return shape__fail(g, n, err, "data rank %d, expected 3 ([T, N, C])", x->rank);
  if (m && m->rank >= 0 &&
      (m->rank != 2 ||
       (known(m) && known(x) && (m->dims[0] != x->dims[0] || m->dims[1] != x->dims[1]))))
    return shape__fail(g, n, err, "sequence mask must be [T, N] of the data");
  int64_t d[4] = {x->dims[1], x->dims[0], 1, 1};
  out(g, n, 0, float_of(x), 4, d);
  return 0;
}

/* GatherND (ONNX semantics): indices.shape[:-1] + data.shape[batch_dims + k:], k = indices'
 * last dim. */
int shape__gather_nd(IrGraph *g, int n, Err *err) {
  const IrTensor *x = in_t(g, n, 0), *ix = in_t(g, n, 1);
  int64_t b = ir_gather_nd_params(g, &g->nodes[n])->batch_dims;
  if (!x || !ix || x->rank < 0 || ix->rank < 0 || ix->dims[ix->rank - 1] < 0)
    return out(g, n, 0, x ? x->dtype : DT_UNDEF, -1, NULL), 0;
  int64_t k = ix->dims[ix->rank - 1];
  if (ix->rank < 1 || x->rank < 1 || b >= ix->rank || b >= x->rank || k < 1 || b + k > x->rank)
    return shape__fail(g, n, err, "indices %s do not index data %s with batch_dims %lld",
                       ir_shape_str(g->arena, ix), ir_shape_str(g->arena, x), (long long)b);
  int64_t d[IR_MAX_DIMS];
  int r = 0;
  for (int i = 0; i < ix->rank - 1; i++) d[r++] = ix->dims[i];
  for (int64_t i = b + k; i < x->rank; i++) {
    if (r >= IR_MAX_DIMS) return shape__fail(g, n, err, "output rank over %d", IR_MAX_DIMS);
    d[r++] = x->dims[i];
  }
  out(g, n, 0, x->dtype, r, d);
  return 0;
}

/* ROIPooling: feature maps [N, C, H, W], rois [R, 5] -> [R, C, pooled_h, pooled_w]. */
int shape__roi_pooling(IrGraph *g, int n, Err *err) {
  const IrTensor *x = in_t(g, n, 0), *r = in_t(g, n, 1);
  const IrRoiParams *p = ir_roi_params(g, &g->nodes[n]);
  if (x && x->rank >= 0 && x->rank != 4)
    return shape__fail(g, n, err, "feature maps rank %d, expected 4", x->rank);
  if (r && r->rank >= 0 && (r->rank != 2 || (r->dims[1] >= 0 && r->dims[1] != 5)))
    return shape__fail(g, n, err, "rois must be [R, 5]");
  int64_t d[4] = {r && r->rank == 2 ? r->dims[0] : -1, x && x->rank == 4 ? x->dims[1] : -1,
                  p->pooled_h, p->pooled_w};
  out(g, n, 0, float_of(x), 4, d);
  return 0;
}

/* PSROIPooling: [R, output_dim, group_size, group_size]; the input has output_dim * group_size^2
 * channels (average) or output_dim * bins_x * bins_y (bilinear). */
int shape__psroi_pooling(IrGraph *g, int n, Err *err) {
  const IrTensor *x = in_t(g, n, 0), *r = in_t(g, n, 1);
  const IrRoiParams *p = ir_roi_params(g, &g->nodes[n]);
  if (x && x->rank >= 0 && x->rank != 4)
    return shape__fail(g, n, err, "feature maps rank %d, expected 4", x->rank);
  if (r && r->rank >= 0 && (r->rank != 2 || (r->dims[1] >= 0 && r->dims[1] != 5)))
    return shape__fail(g, n, err, "rois must be [R, 5]");
  int64_t want =
      p->output_dim * (p->bilinear ? p->bins_x * p->bins_y : p->group_size * p->group_size);
  if (x && x->rank == 4 && x->dims[1] >= 0 && x->dims[1] != want)
    return shape__fail(g, n, err, "%lld input channels, expected %lld", (long long)x->dims[1],
                       (long long)want);
  int64_t d[4] = {r && r->rank == 2 ? r->dims[0] : -1, p->output_dim, p->group_size, p->group_size};
  out(g, n, 0, float_of(x), 4, d);
  return 0;
}

/* LSTMCell: X [B, I], H and C [B, hs], W [4 hs, I], R [4 hs, hs], B [4 hs] -> H', C' [B, hs]. */
int shape__lstm_cell(IrGraph *g, int n, Err *err) {
  const IrTensor *x = in_t(g, n, 0), *w = in_t(g, n, 3), *r = in_t(g, n, 4), *b = in_t(g, n, 5);
  int64_t hs = ir_lstm_params(g, &g->nodes[n])->hidden_size;
  if (x && x->rank >= 0 && x->rank != 2)
    return shape__fail(g, n, err, "input rank %d, expected 2 ([batch, input])", x->rank);
  if ((w && w->rank >= 0 &&
       (w->rank != 2 || (w->dims[0] >= 0 && w->dims[0] != 4 * hs) ||
        (x && x->rank == 2 && w->dims[1] >= 0 && x->dims[1] >= 0 && w->dims[1] != x->dims[1]))) ||
      (r && r->rank >= 0 &&
       (r->rank != 2 || (r->dims[0] >= 0 && r->dims[0] != 4 * hs) ||
        (r->dims[1] >= 0 && r->dims[1] != hs))) ||
      (b && b->rank >= 0 && (b->rank != 1 || (b->dims[0] >= 0 && b->dims[0] != 4 * hs))))
    return shape__fail(g, n, err,
                       "weights, recurrence weights or bias do not match hidden_size %lld",
                       (long long)hs);
  int64_t d[2] = {x && x->rank == 2 ? x->dims[0] : -1, hs};
  out(g, n, 0, float_of(x), 2, d);
  out(g, n, 1, float_of(x), 2, d);
  return 0;
}

/* Proposal: class probabilities [N, 2A, H, W], deltas [N, 4A, H, W], image info [3 | 4] ->
 * rois [N * post_nms_topn, 5] (and scores [N * post_nms_topn]); A = ratios x scales. */
int shape__proposal(IrGraph *g, int n, Err *err) {
  const IrTensor *p = in_t(g, n, 0), *d = in_t(g, n, 1);
  const IrProposalParams *q = ir_proposal_params(g, &g->nodes[n]);
  int64_t A = (int64_t)q->ratio.n * q->scale.n;
  if (p && p->rank >= 0 && (p->rank != 4 || (p->dims[1] >= 0 && p->dims[1] != 2 * A)))
    return shape__fail(g, n, err, "class probabilities must be [N, %lld, H, W]",
                       (long long)(2 * A));
  if (d && d->rank >= 0 && (d->rank != 4 || (d->dims[1] >= 0 && d->dims[1] != 4 * A)))
    return shape__fail(g, n, err, "box deltas must be [N, %lld, H, W]", (long long)(4 * A));
  int64_t rows = p && p->rank == 4 && p->dims[0] >= 0 ? p->dims[0] * q->post_nms_topn : -1;
  out(g, n, 0, float_of(p), 2, (const int64_t[]){rows, 5});
  out(g, n, 1, float_of(p), 1, &rows);
  return 0;
}

/* ONNX RoiAlign: X [N, C, H, W], rois [R, 4], batch_indices [R] -> [R, C, output_h, output_w]. */
int shape__roi_align(IrGraph *g, int n, Err *err) {
  const IrTensor *x = in_t(g, n, 0), *r = in_t(g, n, 1), *b = in_t(g, n, 2);
  const IrRoiAlignParams *p = ir_roi_align_params(g, &g->nodes[n]);
  if (x && x->rank >= 0 && x->rank != 4)
    return shape__fail(g, n, err, "feature maps rank %d, expected 4", x->rank);
  if (r && r->rank >= 0 && (r->rank != 2 || (r->dims[1] >= 0 && r->dims[1] != 4)))
    return shape__fail(g, n, err, "rois must be [R, 4]");
  if (b && b->rank >= 0 &&
      (b->rank != 1 ||
       (r && r->rank == 2 && b->dims[0] >= 0 && r->dims[0] >= 0 && b->dims[0] != r->dims[0])))
    return shape__fail(g, n, err, "batch_indices must be [R], one per roi");
  int64_t d[4] = {r && r->rank == 2 ? r->dims[0] : -1, x && x->rank == 4 ? x->dims[1] : -1,
                  p->output_h, p->output_w};
  out(g, n, 0, float_of(x), 4, d);
  return 0;
}

/* ONNX LSTM: X [S, B, I] (layout 1: [B, S, I]), W [D, 4 hs, I], R [D, 4 hs, hs] -> Y [S, D, B, hs]
 * ([B, S, D, hs]), Y_h and Y_c [D, B, hs] ([B, D, hs]); D = 2 when bidirectional. */
int shape__lstm(IrGraph *g, int n, Err *err) {
  const IrTensor *x = in_t(g, n, 0), *w = in_t(g, n, 1), *r = in_t(g, n, 2), *b = in_t(g, n, 3);
  const IrOnnxLstmParams *p = ir_onnx_lstm_params(g, &g->nodes[n]);
  int64_t D = p->direction == IR_RNN_BIDIRECTIONAL ? 2 : 1, hs = p->hidden_size;
  if (x && x->rank >= 0 && x->rank != 3)
    return shape__fail(g, n, err, "input rank %d, expected 3", x->rank);
  int64_t S = -1, B = -1, I = -1;
  if (x && x->rank == 3)
    S = x->dims[p->batch_first ? 1 : 0], B = x->dims[p->batch_first ? 0 : 1], I = x->dims[2];
  if ((w && w->rank >= 0 &&
       (w->rank != 3 || (w->dims[0] >= 0 && w->dims[0] != D) ||
        (w->dims[1] >= 0 && w->dims[1] != 4 * hs) ||
        (I >= 0 && w->dims[2] >= 0 && w->dims[2] != I))) ||
      (r && r->rank >= 0 &&
       (r->rank != 3 || (r->dims[0] >= 0 && r->dims[0] != D) ||
        (r->dims[1] >= 0 && r->dims[1] != 4 * hs) || (r->dims[2] >= 0 && r->dims[2] != hs))) ||
      (b && b->rank >= 0 &&
       (b->rank != 2 || (b->dims[0] >= 0 && b->dims[0] != D) ||
        (b->dims[1] >= 0 && b->dims[1] != 8 * hs))))
    return shape__fail(g, n, err, "W, R or B do not match hidden_size %lld and %lld direction(s)",
                       (long long)hs, (long long)D);
  DType dt = float_of(x);
  int64_t y[4] = {S, D, B, hs}, yb[4] = {B, S, D, hs}, st[3] = {D, B, hs}, stb[3] = {B, D, hs};
  out(g, n, 0, dt, 4, p->batch_first ? yb : y);
  out(g, n, 1, dt, 3, p->batch_first ? stb : st);
  out(g, n, 2, dt, 3, p->batch_first ? stb : st);
  return 0;
}
