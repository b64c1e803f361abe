/*
 * compiler/backend/blob/lower_seq.c — lowering of the ONNX ROI ops and LSTM of issue 18 to the
 * MyriadX stages compile_tool writes for them. Parameters and buffer order are those of
 * serializeParamsImpl / serializeDataImpl in openvinotoolkit/openvino
 * inference-engine/src/vpu/graph_transformer/src/stages/<file>.cpp (2021.x), named per function.
 */
#include "compiler/backend/blob/bw.h"

#include "compiler/graph/params.h"

/* RoiAlign -> ROIAlign (123) (roi_align.cpp, index commit 127cbac5bc095bd4d2e674e1865a0275c1728d4c):
 * u32 pooled_w, pooled_h, sampling_ratio, f32 spatial_scale, u32 mode (Average 0, Max 1);
 * buffers maps (FP16), rois (FP16), batch indices (S32), output (FP16), compact NCHW. The stage
 * samples as ONNX's output_half_pixel; half_pixel shifts the rois by -0.5 / spatial_scale first
 * (a Power stage into a temporary), which is the same unless a roi spans less than one cell. */
int bw_lower_roi_align(W *w, const IrNode *n) {
  const IrRoiAlignParams *p = ir_roi_align_params(w->g, n);
  const IrTensor *x = bw_T(w, n->inputs[0]), *b = bw_T(w, n->inputs[2]);
  if (x->rank != 4) return bw_fail(w, "%s: feature maps must be 4-D", n->op_type);
  if (bw_blob_dt(b->dtype) != BLOB_DT_S32)
    return bw_fail(w, "%s: batch_indices must be integers", n->op_type);
  BRef rois = bw_in_ref(w, n->inputs[1]);
  if (p->half_pixel) {
    int t = bw_temp_like(w, n->inputs[1]);
    Stage *s = bw_new_stage(w, BLOB_STAGE_POWER, true);
    buf_put_f32(&s->params, -0.5f / p->spatial_scale);
    buf_put_f32(&s->params, 1.0f);
    buf_put_f32(&s->params, 1.0f);
    bw_add_buf(s, rois);
    rois = bw_view(w, t);
    bw_add_buf(s, rois);
  }
  Stage *s = bw_new_stage(w, BLOB_STAGE_ROI_ALIGN, false);
  buf_put_u32(&s->params, (uint32_t)p->output_w);
  buf_put_u32(&s->params, (uint32_t)p->output_h);
  buf_put_u32(&s->params, (uint32_t)p->sampling_ratio);
  buf_put_f32(&s->params, p->spatial_scale);
  buf_put_u32(&s->params, p->max ? 1u : 0u);
  bw_add_buf(s, bw_in_ref(w, n->inputs[0]));
  bw_add_buf(s, rois);
  bw_add_buf(s, bw_in_ref(w, n->inputs[2]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  return 0;
}

/* A compact view of tensor t's storage (an input: bw_in_ref) from element `at`, IE dims `dims`. */
static BRef flat(BRef r, uint32_t at, int rank, const int64_t *dims) {
  uint32_t e = blob_dtype_size(r.dt);
  r.roi_offset += at * e;
  r.ndims = (uint32_t)rank;
  r.order = blob_order_default((uint32_t)rank);
  for (int m = 0; m < rank; m++) {
    r.dims[m] = (uint32_t)dims[rank - 1 - m];
    r.strides[m] = e;
    e *= r.dims[m];
  }
  return r;
}

/* Permute (34) of a 3-D compact [a, b, c] into [b, a, c] (perm 1, 0, 2). */
static void swap01(W *w, BRef in, BRef out) {
  static const int perm[3] = {1, 0, 2};
  Stage *s = bw_new_stage(w, BLOB_STAGE_PERMUTE, false);
  for (int m = 0; m < 8; m++)
    buf_put_u32(&s->params, m < 3 ? (uint32_t)(2 - perm[2 - m]) : 0xFFFFFFFFu);
  bw_add_buf(s, in);
  bw_add_buf(s, out);
}

/* Tensor t's rows of one direction: [D, B, hs] slice d (layout 0: compact) or [B, D, hs] slice d
 * (layout 1), as a 3-D [.., .., hs] view. */
static BRef dir_rows(BRef r, bool batch_first, int64_t D, int64_t d, int64_t B, int64_t hs) {
  int64_t full[3] = {batch_first ? B : D, batch_first ? D : B, hs};
  BRef v = flat(r, 0, 3, full);
  bw_roi(&v, batch_first ? 1 : 0, (uint32_t)d, 1);
  return v;
}

/* A state input slice as the stage reads it: compact [B, hs]; a Copy into a temporary when the
 * slice is strided (layout 1, bidirectional); zeros when the input is absent. */
static BRef state_in(W *w, const IrNode *n, int k, bool bf, int64_t D, int64_t d, int64_t B,
                     int64_t hs) {
  int64_t bhs[2] = {B, hs};
  if (k >= n->n_inputs || n->inputs[k] < 0) {
    double *z = arena_array(w->g->arena, (size_t)(B * hs), sizeof *z);
    BRef c = bw_const_vec(w, z, (size_t)(B * hs));
    return flat(c, 0, 2, bhs);
  }
  BRef r = bw_in_ref(w, n->inputs[k]);
  if (!bf || D == 1) return flat(r, bf ? 0 : (uint32_t)(d * B * hs), 2, bhs);
  int t = bw_temp_dims(w, n->outputs[0], "@lstm_state", 2, bhs);
  BRef tv = flat(bw_view(w, t), 0, 3, (const int64_t[]){B, 1, hs});
  bw_copy_stage(w, dir_rows(r, bf, D, d, B, hs), tv);
  return flat(bw_view(w, t), 0, 2, bhs);
}

/* LSTM -> one LSTMCell (70) per direction over the whole sequence (rnn.cpp parseRNN, the form
 * compile_tool gives mo's LSTMSequence): i32 RNNForward (1 forward, 0 reverse), nCells (steps),
 * nBatches, useCellState 1, outputs 2; buffers X [B, S, I], H0, C0 [B, hs], weights (FP16: W
 * [4 hs, I] then R [4 hs, hs], gates in OpenVINO's f, i, c, o order as RNNRelayout splits the
 * legacy rows), biases (FP16 [4 hs]: ONNX's Wb + Rb), Y [B, S, hs] (every step's h), C' [B, hs],
 * and a FP16 [hs] temporary when nCells > 1. ONNX's [S, B, ..] layout is Permuted to and from
 * batch-major when B and S are both above 1; Y_h is the last step's rows of Y (a Copy), Y_c the
 * stage's C' output. Peepholes, clip, other activations and short sequence_lens have verdicts
 * (the stage has none of them). */
int bw_lower_lstm(W *w, const IrNode *n) {
  const IrOnnxLstmParams *p = ir_onnx_lstm_params(w->g, n);
  const IrTensor *xt = bw_T(w, n->inputs[0]), *wt = bw_T(w, n->inputs[1]),
                 *rt = bw_T(w, n->inputs[2]);
  const IrTensor *bt = n->n_inputs > 3 && n->inputs[3] >= 0 ? bw_T(w, n->inputs[3]) : NULL;
  if (xt->rank != 3) return bw_fail(w, "%s: input must be 3-D", n->op_type);
  if (!wt->data || !rt->data || (bt && !bt->data))
    return bw_fail(w, "%s with run-time weights is not written", n->op_type);
  bool bf = p->batch_first;
  int64_t D = p->direction == IR_RNN_BIDIRECTIONAL ? 2 : 1, hs = p->hidden_size;
  int64_t S = xt->dims[bf ? 1 : 0], B = xt->dims[bf ? 0 : 1], I = xt->dims[2];
  if (ir_numel(wt) != D * 4 * hs * I || ir_numel(rt) != D * 4 * hs * hs ||
      (bt && ir_numel(bt) != D * 8 * hs))
    return bw_fail(w, "%s: weights do not match hidden_size", n->op_type);
  int yo = n->n_outputs > 0 ? n->outputs[0] : -1, ho = n->n_outputs > 1 ? n->outputs[1] : -1,
      co = n->n_outputs > 2 ? n->outputs[2] : -1;
  int64_t bsi[3] = {B, S, I}, bsh[3] = {B, S, hs}, sbh[3] = {S, B, hs}, bhs[2] = {B, hs};
  bool mixed = !bf && B > 1 && S > 1; /* [S, B, ..] and [B, S, ..] differ in memory */
  /* the input, batch-major */
  BRef xin = bw_in_ref(w, n->inputs[0]);
  if (mixed) {
    int t = bw_temp_dims(w, n->inputs[0], "@lstm_x", 3, bsi);
    swap01(w, flat(xin, 0, 3, (const int64_t[]){S, B, I}), bw_view(w, t));
    xin = bw_view(w, t);
  }
  xin = flat(xin, 0, 3, bsi);
  static const int FICO_FROM_IOFC[4] = {2, 0, 3, 1}; /* blob gate g takes ONNX gate [g] */
  for (int64_t d = 0; d < D; d++) {
    bool rev = p->direction == IR_RNN_REVERSE || d == 1;
    /* weights: W then R, rows re-ordered to f, i, c, o */
    BRef wr;
    uint32_t wdims[1] = {(uint32_t)(4 * hs * (I + hs))};
    uint16_t *h = bw_const_f16_slot(w, (size_t)wdims[0], 1, wdims, &wr);
    for (int g = 0; g < 4; g++)
      for (int64_t q = 0; q < hs; q++) {
        int64_t src = (d * 4 + FICO_FROM_IOFC[g]) * hs + q, dst = g * hs + q;
        for (int64_t i = 0; i < I; i++) h[dst * I + i] = bw_half_at(wt, src * I + i);
        for (int64_t i = 0; i < hs; i++)
          h[4 * hs * I + dst * hs + i] = bw_half_at(rt, src * hs + i);
      }
    double *bias = arena_array(w->g->arena, (size_t)(4 * hs), sizeof *bias);
    for (int g = 0; g < 4 && bt; g++)
      for (int64_t q = 0; q < hs; q++) {
        int64_t src = (d * 8 + FICO_FROM_IOFC[g]) * hs + q;
        bias[g * hs + q] = ir_const_f64(bt, src) + ir_const_f64(bt, src + 4 * hs);
      }
    BRef h0 = state_in(w, n, 5, bf, D, d, B, hs), c0 = state_in(w, n, 6, bf, D, d, B, hs);
    /* Y rows of this direction, batch-major [B, S, hs]: Y itself when its memory is that */
    BRef yb;
    bool direct_y = yo >= 0 && D == 1 && !mixed;
    if (direct_y) {
      yb = flat(bw_view(w, yo), 0, 3, bsh);
    } else {
      int t = bw_temp_dims(w, n->inputs[0], "@lstm_y", 3, bsh);
      yb = bw_view(w, t);
    }
    /* C' of this direction: the Y_c slice when compact, else a temporary copied after */
    BRef cb;
    bool direct_c = co >= 0 && (!bf || D == 1);
    if (direct_c) {
      cb = flat(bw_view(w, co), bf ? 0 : (uint32_t)(d * B * hs), 2, bhs);
    } else {
      int t = bw_temp_dims(w, n->inputs[0], "@lstm_c", 2, bhs);
      cb = bw_view(w, t);
    }
    Stage *s = bw_new_stage(w, BLOB_STAGE_LSTM_CELL, false);
    buf_put_i32(&s->params, rev ? 0 : 1);
    buf_put_i32(&s->params, (int32_t)S);
    buf_put_i32(&s->params, (int32_t)B);
    buf_put_i32(&s->params, 1);
    buf_put_i32(&s->params, 2);
    bw_add_buf(s, xin);
    bw_add_buf(s, h0);
    bw_add_buf(s, c0);
    bw_add_buf(s, wr);
    bw_add_buf(s, bw_const_vec(w, bias, (size_t)(4 * hs)));
    bw_add_buf(s, yb);
    bw_add_buf(s, cb);
    if (S > 1) {
      int t = bw_temp_dims(w, n->inputs[0], "@lstm_temp", 1, &hs);
      bw_add_buf(s, bw_view(w, t));
    }
    /* Y: the direction's rows into Y when not written in place: one Permute straight into Y
     * (one direction, [S, B, ..] layout), else into a temporary and a Copy into Y's slice */
    if (yo >= 0 && !direct_y && D == 1) {
      swap01(w, yb, flat(bw_view(w, yo), 0, 3, sbh));
    } else if (yo >= 0 && !direct_y) {
      BRef src = yb;
      if (mixed) {
        int t = bw_temp_dims(w, n->inputs[0], "@lstm_ys", 3, sbh);
        swap01(w, yb, bw_view(w, t));
        src = bw_view(w, t);
      }
      /* Y [S, D, B, hs] slice d as [S, 1, B, hs], or [B, S, D, hs] slice d as [B, S, 1, hs] */
      int64_t full[4] = {S, D, B, hs}, fullb[4] = {B, S, D, hs};
      int64_t one[4] = {S, 1, B, hs}, oneb[4] = {B, S, 1, hs};
      BRef dst = flat(bw_view(w, yo), 0, 4, bf ? fullb : full);
      bw_roi(&dst, bf ? 2 : 1, (uint32_t)d, 1);
      bw_copy_stage(w, flat(src, 0, 4, bf ? oneb : one), dst);
    }
    /* Y_h: the last step's rows of this direction (t = S - 1, reverse t = 0), into Y_h's slice
     * seen as [B, 1, hs] */
    if (ho >= 0) {
      BRef src = yb;
      bw_roi(&src, 1, rev ? 0u : (uint32_t)(S - 1), 1);
      bw_copy_stage(
          w, src,
          bf ? dir_rows(bw_view(w, ho), bf, D, d, B, hs)
             : flat(bw_view(w, ho), (uint32_t)(d * B * hs), 3, (const int64_t[]){B, 1, hs}));
    }
    if (co >= 0 && !direct_c)
      bw_copy_stage(w, flat(cb, 0, 3, (const int64_t[]){B, 1, hs}),
                    dir_rows(bw_view(w, co), bf, D, d, B, hs));
  }
  return 0;
}
