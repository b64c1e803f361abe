/*
 * compiler/backend/blob/lower_ir.c — lowering of the OpenVINO IR layers of issue 18 to the
 * MyriadX stages compile_tool writes for them. Parameters and buffer order of each stage are
 * those of its serializeParamsImpl / serializeDataImpl in openvinotoolkit/openvino
 * inference-engine/src/vpu/graph_transformer/src/stages/<file>.cpp (2021.x), named per function.
 * Every buffer is a compact default-order (NCHW) view, as the stages' strides requirements ask.
 */
#include "compiler/backend/blob/bw.h"

#include "compiler/graph/params.h"

/* A compact view of t seen as 4-D [N, C, S, 1] (S = the product of the dims after C), the form
 * the per-channel stages (GRN, Normalize) read; 4-D tensors keep their own. */
static BRef view4(W *w, int t) {
  BRef r = bw_view(w, t);
  const IrTensor *x = bw_T(w, t);
  if (x->rank == 4) return r;
  uint32_t n = (uint32_t)bw_dim_of(x, 0), c = x->rank > 1 ? (uint32_t)x->dims[1] : 1, s = 1,
           e = blob_dtype_size(r.dt);
  for (int i = 2; i < x->rank; i++) s *= (uint32_t)x->dims[i];
  uint32_t d[4] = {1, s, c, n};
  r.ndims = 4;
  r.order = BLOB_ORDER_NCHW;
  for (int i = 0; i < 4; i++) r.dims[i] = d[i], r.strides[i] = e, e *= d[i];
  return r;
}

/* Mish (131, NeedMax SHAVEs), SoftPlus (134), Gelu (132): PostOp stages without parameters;
 * Swish (135): f32 beta (swish.cpp). Buffers input, output. */
int bw_lower_ir_activation(W *w, const IrNode *n, uint32_t type) {
  float beta = 1.0f;
  if (n->op == IR_OP_SWISH && n->n_inputs > 1 && n->inputs[1] >= 0) {
    if (!ir_is_const(w->g, n->inputs[1]))
      return bw_fail(w, "%s with a run-time beta is not written", n->op_type);
    beta = (float)ir_const_f64(bw_T(w, n->inputs[1]), 0);
  }
  Stage *s = bw_new_stage(w, type, n->op != IR_OP_MISH);
  if (n->op == IR_OP_SWISH) buf_put_f32(&s->params, beta);
  bw_add_buf(s, bw_in_ref(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  return 0;
}

/* SquaredDifference -> Squared_diff (77), an eltwise stage (eltwise.cpp): params as Sum's (f32
 * coeff1, coeff2, i32 postOperation Empty, f32 negativeSlope, min, max); buffers a, y, b, Fake. */
int bw_lower_squared_diff(W *w, const IrNode *n) {
  int y = n->outputs[0], r = bw_rank_of(bw_T(w, y));
  const IrTensor *ty = bw_T(w, y);
  for (int k = 0; k < 2; k++) {
    const IrTensor *t = bw_T(w, n->inputs[k]);
    if (t->rank > ty->rank) return bw_fail(w, "%s: operand rank above the output's", n->op_type);
    for (int i = 0; i < t->rank; i++) {
      int64_t d = t->dims[i], o = ty->dims[ty->rank - t->rank + i];
      if (d != o && d != 1)
        return bw_fail(w, "%s: operands do not broadcast to the output", n->op_type);
    }
  }
  Stage *s = bw_new_stage(w, BLOB_STAGE_SQUARED_DIFF, false);
  buf_put_f32(&s->params, 1.0f);
  buf_put_f32(&s->params, 1.0f);
  buf_put_i32(&s->params, -1); /* postOperation: Empty */
  buf_put_f32(&s->params, 0.0f);
  buf_put_f32(&s->params, 0.0f);
  buf_put_f32(&s->params, 1.0f);
  bw_add_buf(s, bw_at_rank(bw_in_ref(w, n->inputs[0]), r));
  bw_add_buf(s, bw_view(w, y));
  bw_add_buf(s, bw_at_rank(bw_in_ref(w, n->inputs[1]), r));
  bw_add_buf(s, bw_fake_ref());
  return 0;
}

/* GRN (61): f32 bias; buffers input, output (grn.cpp). */
int bw_lower_grn(W *w, const IrNode *n) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_GRN, false);
  buf_put_f32(&s->params, ir_norm_params(w->g, n)->epsilon);
  bw_add_buf(s, view4(w, n->inputs[0]));
  bw_add_buf(s, view4(w, n->outputs[0]));
  return 0;
}

/* NormalizeL2 over the channels -> Normalize (35): i32 acrossSpatial 0, i32 channelShared 1,
 * f32 eps; buffers input, output, scales (FP16 [1] = 1: NormalizeL2 has none; the legacy
 * Normalize conversion gives channel_shared weights of 1) (normalize.cpp). */
int bw_lower_normalize_l2(W *w, const IrNode *n) {
  const IrTensor *ax = bw_T(w, n->inputs[1]);
  int r = bw_rank_of(bw_T(w, n->inputs[0]));
  int64_t a = ax->data && ir_numel(ax) == 1 ? ir_const_i64(ax, 0) : -9;
  if (a < 0) a += r;
  if (a != 1) return bw_fail(w, "%s over axes other than the channels is not written", n->op_type);
  return bw_normalize_channels(w, n->inputs[0], n->outputs[0], ir_normalize_params(w->g, n)->eps);
}

int bw_normalize_channels(W *w, int x, int y, float eps) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_NORMALIZE, false);
  buf_put_i32(&s->params, 0);
  buf_put_i32(&s->params, 1);
  buf_put_f32(&s->params, eps);
  double one = 1.0;
  bw_add_buf(s, view4(w, x));
  bw_add_buf(s, view4(w, y));
  bw_add_buf(s, bw_const_vec(w, &one, 1));
  return 0;
}

/* RegionYolo (29): i32 classes, coords, num, maskSize, doSoftMax; buffers input, output
 * (region_yolo.cpp). The output is the input's storage size or less, compact. */
int bw_lower_region_yolo(W *w, const IrNode *n) {
  const IrRegionYoloParams *p = ir_region_yolo_params(w->g, n);
  if (bw_T(w, n->inputs[0])->rank != 4) return bw_fail(w, "%s: input must be 4-D", n->op_type);
  Stage *s = bw_new_stage(w, BLOB_STAGE_REGION_YOLO, false);
  buf_put_i32(&s->params, (int32_t)p->classes);
  buf_put_i32(&s->params, (int32_t)p->coords);
  buf_put_i32(&s->params, (int32_t)p->num);
  buf_put_i32(&s->params, p->mask.n);
  buf_put_i32(&s->params, p->do_softmax);
  bw_add_buf(s, bw_view(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  return 0;
}

/* ReorgYolo (30): i32 stride; buffers input, output (reorg_yolo.cpp). */
int bw_lower_reorg_yolo(W *w, const IrNode *n) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_REORG_YOLO, false);
  buf_put_i32(&s->params, (int32_t)ir_block_params(w->g, n)->blocksize);
  bw_add_buf(s, bw_view(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  return 0;
}

/* CTCGreedyDecoder -> CTCDecoder (43): no params, OnlyOne SHAVE; buffers data, sequence mask,
 * output (ctc_decoder.cpp). */
int bw_lower_ctc_greedy_decoder(W *w, const IrNode *n) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_CTC_DECODER, false);
  s->shaves = s->shaves ? 1 : 0;
  bw_add_buf(s, bw_in_ref(w, n->inputs[0]));
  bw_add_buf(s, bw_in_ref(w, n->inputs[1]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  return 0;
}

/* ScatterUpdate (103): no params, no SHAVEs; buffers data, output, indices (S32), updates,
 * axis (S32 [1]) (scatter_update.cpp). */
int bw_lower_scatter_update(W *w, const IrNode *n) {
  int32_t axis = 0;
  Stage *s = bw_new_stage(w, BLOB_STAGE_SCATTER_UPDATE, false);
  s->shaves = 0;
  BRef ax = bw_const_s32(w, &axis, 1);
  bw_add_buf(s, bw_in_ref(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  bw_add_buf(s, bw_in_ref(w, n->inputs[1]));
  bw_add_buf(s, bw_in_ref(w, n->inputs[2]));
  bw_add_buf(s, ax);
  return 0;
}

/* GatherND (136): i32 batch_dims, no SHAVEs; buffers data, output, indices (S32) (gather_nd.cpp). */
int bw_lower_gather_nd(W *w, const IrNode *n) {
  if (bw_blob_dt(bw_T(w, n->inputs[1])->dtype) != BLOB_DT_S32)
    return bw_fail(w, "%s: indices must be integers", n->op_type);
  Stage *s = bw_new_stage(w, BLOB_STAGE_GATHER_ND, false);
  s->shaves = 0;
  buf_put_i32(&s->params, (int32_t)ir_gather_nd_params(w->g, n)->batch_dims);
  bw_add_buf(s, bw_in_ref(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  bw_add_buf(s, bw_in_ref(w, n->inputs[1]));
  return 0;
}

/* ROIPooling (65): u32 pooled_w, pooled_h, f32 spatial_scale, u32 method (Max 0, Bilinear 1);
 * PSROIPooling (66): u32 group_size, output_dim, f32 spatial_scale. Buffers maps, output, rois
 * (roipooling.cpp, psroipooling.cpp). */
int bw_lower_roi_pooling(W *w, const IrNode *n, uint32_t type) {
  const IrRoiParams *p = ir_roi_params(w->g, n);
  bool ps = type == BLOB_STAGE_PSROI_POOLING;
  if (ps && p->bilinear) return bw_fail(w, "%s in bilinear mode has no MyriadX stage", n->op_type);
  Stage *s = bw_new_stage(w, type, false);
  if (ps) {
    buf_put_u32(&s->params, (uint32_t)p->group_size);
    buf_put_u32(&s->params, (uint32_t)p->output_dim);
    buf_put_f32(&s->params, p->spatial_scale);
  } else {
    buf_put_u32(&s->params, (uint32_t)p->pooled_w);
    buf_put_u32(&s->params, (uint32_t)p->pooled_h);
    buf_put_f32(&s->params, p->spatial_scale);
    buf_put_u32(&s->params, p->bilinear);
  }
  bw_add_buf(s, bw_in_ref(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  bw_add_buf(s, bw_in_ref(w, n->inputs[1]));
  return 0;
}

/* LSTMCell -> LSTMCell (70): i32 RNNForward 1, nCells 1, nBatches, useCellState (two outputs),
 * the output count; buffers X, H, C, weights (FP16: W [4 hs, I] then R [4 hs, hs], the rows of
 * the legacy [4 hs, I + hs] matrix split as RNNRelayout does), biases (FP16 [4 hs]), outputs H'
 * [, C'] (rnn.cpp parseLSTMCell). One cell: no temp buffer. */
int bw_lower_lstm_cell(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]), *wt = bw_T(w, n->inputs[3]),
                 *rt = bw_T(w, n->inputs[4]), *bt = bw_T(w, n->inputs[5]);
  if (!wt->data || !rt->data || !bt->data)
    return bw_fail(w, "%s with run-time weights is not written", n->op_type);
  int64_t nw = ir_numel(wt), nr = ir_numel(rt), hs = ir_lstm_params(w->g, n)->hidden_size;
  int outs = n->n_outputs > 1 && n->outputs[1] >= 0 ? 2 : 1;
  Stage *s = bw_new_stage(w, BLOB_STAGE_LSTM_CELL, false);
  buf_put_i32(&s->params, 1);
  buf_put_i32(&s->params, 1);
  buf_put_i32(&s->params, (int32_t)bw_dim_of(x, 0));
  buf_put_i32(&s->params, outs >= 2);
  buf_put_i32(&s->params, outs);
  for (int k = 0; k < 3; k++) bw_add_buf(s, bw_in_ref(w, n->inputs[k]));
  if (nw != 4 * hs * bw_dim_of(x, 1) || nr != 4 * hs * hs || ir_numel(bt) != 4 * hs)
    return bw_fail(w, "%s: weights do not match hidden_size", n->op_type);
  const uint16_t *sw = bw_halves_of(w, wt),
                 *sr = bw_halves_of(w, rt); /* arena copies, not the const section */
  BRef wr;
  uint32_t dims[1] = {(uint32_t)(nw + nr)};
  uint16_t *h = bw_const_f16_slot(w, (size_t)(nw + nr), 1, dims, &wr);
  memcpy(h, sw, (size_t)nw * 2);
  memcpy(h + nw, sr, (size_t)nr * 2);
  bw_add_buf(s, wr);
  bw_add_buf(s, bw_const_tensor(w, n->inputs[5]));
  for (int k = 0; k < outs; k++) bw_add_buf(s, bw_view(w, n->outputs[k]));
  return 0;
}

/* Proposal (64) (proposal.cpp): u32 feat_stride, base_size, min_size, i32 pre_nms_topn,
 * post_nms_topn, f32 nms_thresh, pre_nms_thresh (0.1: the IR has no such attribute), box_size_scale,
 * box_coordinate_scale, coordinates_offset, u32 initial_clip, clip_before_nms, clip_after_nms,
 * normalize, shift_anchors, round_ratios, swap_xy (the last five and the offset from the
 * framework: Caffe or TensorFlow), u32 + f32[] scales, u32 + f32[] ratios; buffers probabilities,
 * rois, scores (Fake when unused), deltas, image info, and a U8 work buffer of
 * (H + 16) * W * A * 5 * 4 + shaves * max(2 (1 + pre) 8, (1 + pre) 8 + 4 A) bytes. */
int bw_lower_proposal(W *w, const IrNode *n) {
  const IrProposalParams *q = ir_proposal_params(w->g, n);
  const IrTensor *pr = bw_T(w, n->inputs[0]);
  if (pr->rank != 4) return bw_fail(w, "%s: probabilities must be 4-D", n->op_type);
  int64_t A = (int64_t)q->ratio.n * q->scale.n, H = pr->dims[2], Wd = pr->dims[3];
  int64_t total = A * H * Wd, pre = total < q->pre_nms_topn ? total : q->pre_nms_topn;
  bool tf = q->tensorflow;
  Stage *s = bw_new_stage(w, BLOB_STAGE_PROPOSAL, false);
  buf_put_u32(&s->params, (uint32_t)q->feat_stride);
  buf_put_u32(&s->params, (uint32_t)q->base_size);
  buf_put_u32(&s->params, (uint32_t)q->min_size);
  buf_put_i32(&s->params, (int32_t)q->pre_nms_topn);
  buf_put_i32(&s->params, (int32_t)q->post_nms_topn);
  buf_put_f32(&s->params, q->nms_thresh);
  buf_put_f32(&s->params, 0.1f);
  buf_put_f32(&s->params, q->box_size_scale);
  buf_put_f32(&s->params, q->box_coordinate_scale);
  buf_put_f32(&s->params, tf ? 0.0f : 1.0f);
  uint32_t flags[7] = {tf, q->clip_before_nms, q->clip_after_nms, q->normalize, tf, !tf, tf};
  for (int i = 0; i < 7; i++) buf_put_u32(&s->params, flags[i]);
  buf_put_u32(&s->params, (uint32_t)q->scale.n);
  for (int i = 0; i < q->scale.n; i++) buf_put_f32(&s->params, q->scale.v[i]);
  buf_put_u32(&s->params, (uint32_t)q->ratio.n);
  for (int i = 0; i < q->ratio.n; i++) buf_put_f32(&s->params, q->ratio.v[i]);
  bw_add_buf(s, bw_in_ref(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  bw_add_buf(s, n->n_outputs > 1 && n->outputs[1] >= 0 ? bw_view(w, n->outputs[1]) : bw_fake_ref());
  bw_add_buf(s, bw_in_ref(w, n->inputs[1]));
  bw_add_buf(s, bw_in_ref(w, n->inputs[2]));
  int64_t sort = 8 * (1 + pre), cmx = 2 * sort > sort + 4 * A ? 2 * sort : sort + 4 * A;
  int64_t bytes = (H + 16) * Wd * A * 5 * 4 + (int64_t)w->opt->shaves * cmx;
  if (bytes > ((int64_t)1 << 30))
    return bw_fail(w, "%s: its work buffer would exceed 1 GiB", n->op_type);
  int t = bw_temp_dims(w, n->outputs[0], "@proposal_temp", 1, &bytes);
  IrGraph *g = (IrGraph *)w->g;
  g->tensors[t].dtype = DT_U8;
  w->st[t].bytes = bw_tensor_bytes(&g->tensors[t]);
  bw_add_buf(s, bw_view(w, t));
  return 0;
}
