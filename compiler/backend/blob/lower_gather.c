/*
 * compiler/backend/blob/lower_gather.c — lowering of the indexed data-movement ops of issue 18
 * and Mod to the MyriadX stages compile_tool writes for them. Parameters, buffer order and
 * SHAVE needs are those of serializeParamsImpl / serializeDataImpl / getSHAVEsRequirementsImpl in
 * openvinotoolkit/openvino inference-engine/src/vpu/graph_transformer/src/stages/<file>.cpp
 * (2021.x), named per function; stage numbers from StageType (include/vpu/model/stage.hpp,
 * 2022.1). Every buffer is a compact default-order view, as those stages ask.
 */
#include "compiler/backend/blob/bw.h"

#include "compiler/graph/params.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Tensor x as blob type dt: itself, or a Convert into a temporary shaped like it. */
static BRef as_type(W *w, int x, uint32_t dt) {
  if (bw_blob_dt(bw_T(w, x)->dtype) == dt) return bw_in_ref(w, x);
  int t = bw_temp_typed(w, x, dt == BLOB_DT_S32 ? DT_I32 : DT_F16);
  bw_emit_convert(w, bw_in_ref(w, x), bw_view(w, t));
  return bw_view(w, t);
}

/* An S32 [1] constant. */
static BRef const_s32(W *w, int32_t v) { return bw_const_s32(w, &v, 1); }

static int64_t norm_axis(int64_t a, int r) { return a < 0 ? a + r : a; }

/* v as float, saturating to +-inf (a model's f64 values may be out of range). */
static float sat_f32(double v) {
  return v > FLT_MAX ? INFINITY : v < -FLT_MAX ? -INFINITY : (float)v;
}

/* GatherElements (139, gather_elements.cpp): i32 axis (as the layer gives it: 0 = outermost);
 * buffers data, output, indices (S32); all SHAVEs when the axis is the innermost, else none. */
int bw_lower_gather_elements(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]);
  int64_t a = norm_axis(ir_axis_params(w->g, n)->axis, x->rank);
  Stage *s = bw_new_stage(w, BLOB_STAGE_GATHER_ELEMENTS, false);
  if (a != x->rank - 1) s->shaves = 0;
  buf_put_i32(&s->params, (int32_t)a);
  bw_add_buf(s, bw_in_ref(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  bw_add_buf(s, as_type(w, n->inputs[1], BLOB_DT_S32));
  return 0;
}

/* ScatterElementsUpdate (126, scatter_elements_update.cpp): no params, no SHAVEs; buffers data,
 * output, indices (S32), updates, axis (S32 [1], as the layer's axis input: 0 = outermost). */
int bw_lower_scatter_elements(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]);
  int64_t a = norm_axis(ir_scatter_params(w->g, n)->axis, x->rank);
  Stage *s = bw_new_stage(w, BLOB_STAGE_SCATTER_ELEMENTS_UPDATE, false);
  s->shaves = 0;
  BRef ix = as_type(w, n->inputs[1], BLOB_DT_S32);
  bw_add_buf(s, bw_in_ref(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  bw_add_buf(s, ix);
  bw_add_buf(s, bw_in_ref(w, n->inputs[2]));
  bw_add_buf(s, const_s32(w, (int32_t)a));
  return 0;
}

/* ScatterND with indices [..., 1] (rows of the first axis) -> ScatterUpdate (103,
 * scatter_update.cpp) along axis 0: no params, no SHAVEs; buffers data, output, indices (S32,
 * the trailing 1 dropped), updates, axis (S32 [1] 0). */
int bw_lower_scatter_nd(W *w, const IrNode *n) {
  const IrTensor *ix = bw_T(w, n->inputs[1]);
  if (ix->rank < 1 || ix->dims[ix->rank - 1] != 1)
    return bw_fail(w, "%s: only indices of one coordinate have a MYRIAD stage", n->op_type);
  BRef iv = as_type(w, n->inputs[1], BLOB_DT_S32);
  if (iv.ndims > 1) { /* minor -> major: dims[0] is the trailing 1 */
    for (uint32_t i = 0; i + 1 < iv.ndims; i++) iv.dims[i] = iv.dims[i + 1];
    for (uint32_t i = 0; i + 1 < iv.ndims; i++) iv.strides[i] = iv.strides[i + 1];
    iv.ndims--;
    iv.order = blob_order_default(iv.ndims);
  }
  Stage *s = bw_new_stage(w, BLOB_STAGE_SCATTER_UPDATE, false);
  s->shaves = 0;
  bw_add_buf(s, bw_in_ref(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  bw_add_buf(s, iv);
  bw_add_buf(s, bw_in_ref(w, n->inputs[2]));
  bw_add_buf(s, const_s32(w, 0));
  return 0;
}

/* Eltwise stage (eltwise.cpp) with FP16 params: f32 coeff1 1, coeff2 1, i32 postOperation Empty,
 * f32 negativeSlope 0, min 0, max 1; buffers a, y, b, Fake. */
static void emit_eltwise(W *w, uint32_t type, BRef a, BRef y, BRef b) {
  Stage *s = bw_new_stage(w, type, false);
  buf_put_f32(&s->params, 1.0f);
  buf_put_f32(&s->params, 1.0f);
  buf_put_i32(&s->params, -1);
  buf_put_f32(&s->params, 0.0f);
  buf_put_f32(&s->params, 0.0f);
  buf_put_f32(&s->params, 1.0f);
  bw_add_buf(s, a);
  bw_add_buf(s, y);
  bw_add_buf(s, b);
  bw_add_buf(s, bw_fake_ref());
}

/* OneHot indices as S32 with ONNX's negative indices counted from depth, which OneHot-1 leaves
 * undefined: in FP16 (exact below 2048), f = indices, neg = Less(f, 0), g = Select(neg, f + depth
 * (Power bias depth), f), then Convert to S32. Indices known not to be negative (unsigned or
 * boolean) go as they are. */
static BRef one_hot_indices(W *w, int ix, uint32_t depth) {
  DType dt = bw_T(w, ix)->dtype;
  if (dt == DT_BOOL || dt == DT_U8 || dt == DT_U16 || dt == DT_U32 || dt == DT_U64 || depth > 2048)
    return as_type(w, ix, BLOB_DT_S32);
  int r = bw_rank_of(bw_T(w, ix));
  BRef f = as_type(w, ix, BLOB_DT_FP16);
  int neg = bw_temp_typed(w, ix, DT_BOOL), sh = bw_temp_typed(w, ix, DT_F16),
      g = bw_temp_typed(w, ix, DT_F16), out = bw_temp_typed(w, ix, DT_I32);
  uint16_t zero = 0;
  uint32_t ones[BLOB_MAX_DIMS];
  for (int i = 0; i < r; i++) ones[i] = 1;
  emit_eltwise(w, BLOB_STAGE_LESS, f, bw_view(w, neg), bw_const_f16(w, &zero, 1, r, ones));
  Stage *s = bw_new_stage(w, BLOB_STAGE_POWER, true);
  buf_put_f32(&s->params, (float)depth); /* bias */
  buf_put_f32(&s->params, 1.0f);         /* scale */
  buf_put_f32(&s->params, 1.0f);         /* power */
  bw_add_buf(s, f);
  bw_add_buf(s, bw_view(w, sh));
  Stage *sel = bw_new_stage(w, BLOB_STAGE_SELECT, false); /* params follow the S32 condition */
  static const int32_t prm[6] = {1, 1, -1, 0, 0, 1};
  for (int i = 0; i < 6; i++) buf_put_i32(&sel->params, prm[i]);
  bw_add_buf(sel, bw_view(w, neg));
  bw_add_buf(sel, bw_view(w, g));
  bw_add_buf(sel, bw_view(w, sh));
  bw_add_buf(sel, f);
  bw_emit_convert(w, bw_view(w, g), bw_view(w, out));
  return bw_view(w, out);
}

/* OneHot (117, oneHot.cpp): i32 axis (memory order of the output: input rank - layer axis, 0 for
 * the innermost), u32 depth, f32 on_value, f32 off_value; buffers indices (S32), output (FP16).
 * Float indices are Converted to S32 first; an integer output is Converted from FP16 after. */
int bw_lower_one_hot(W *w, const IrNode *n) {
  int y = n->outputs[0];
  const IrTensor *ix = bw_T(w, n->inputs[0]), *dp = bw_T(w, n->inputs[1]),
                 *vs = bw_T(w, n->inputs[2]);
  if (!ir_is_const(w->g, n->inputs[1]) || !ir_is_const(w->g, n->inputs[2]) || ir_numel(vs) != 2)
    return bw_fail(w, "%s with a run-time depth or values is not written", n->op_type);
  int r = ix->rank;
  int64_t a = norm_axis(ir_axis_params(w->g, n)->axis, r + 1);
  uint32_t depth = (uint32_t)ir_const_f64(dp, 0);
  float on = sat_f32(ir_const_f64(vs, 1)), off = sat_f32(ir_const_f64(vs, 0));
  BRef iv = one_hot_indices(w, n->inputs[0], depth);
  bool int_out = bw_blob_dt(bw_T(w, y)->dtype) != BLOB_DT_FP16;
  int t = int_out ? bw_temp_typed(w, y, DT_F16) : y;
  Stage *s = bw_new_stage(w, BLOB_STAGE_ONE_HOT, false);
  buf_put_i32(&s->params, (int32_t)(r - a));
  buf_put_u32(&s->params, depth);
  buf_put_f32(&s->params, on);
  buf_put_f32(&s->params, off);
  bw_add_buf(s, iv);
  bw_add_buf(s, bw_view(w, t));
  if (int_out) bw_emit_convert(w, bw_view(w, t), bw_view(w, y));
  return 0;
}

/* ReverseSequence (94, reverse_sequence.cpp): i32 seq_axis, i32 batch_axis (memory-order
 * indices, 0 = innermost); buffers input, seq_lengths (FP16), output. */
int bw_lower_reverse_sequence(W *w, const IrNode *n) {
  const IrReverseSeqParams *p = ir_reverse_seq_params(w->g, n);
  const IrTensor *x = bw_T(w, n->inputs[0]);
  if (bw_blob_dt(x->dtype) != BLOB_DT_FP16)
    return bw_fail(w, "%s of non-float data has no MYRIAD stage (it reverses FP16 only)",
                   n->op_type);
  int r = x->rank;
  BRef lv;
  if (ir_is_const(w->g, n->inputs[1])) {
    const IrTensor *l = bw_T(w, n->inputs[1]);
    int64_t nl = ir_numel(l);
    double *v = nl >= 1 ? malloc((size_t)nl * sizeof *v) : NULL;
    if (!v) return bw_fail(w, "%s: no sequence lengths, or out of memory", n->op_type);
    for (int64_t i = 0; i < nl; i++) v[i] = ir_const_f64(l, i);
    lv = bw_const_vec(w, v, (size_t)nl);
    free(v);
  } else {
    lv = as_type(w, n->inputs[1], BLOB_DT_FP16);
  }
  Stage *s = bw_new_stage(w, BLOB_STAGE_REVERSE_SEQUENCE, false);
  buf_put_i32(&s->params, (int32_t)(r - 1 - p->time_axis));
  buf_put_i32(&s->params, (int32_t)(r - 1 - p->batch_axis));
  bw_add_buf(s, bw_in_ref(w, n->inputs[0]));
  bw_add_buf(s, lv);
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  return 0;
}

/* Power (26), a PostOp stage: y = (bias + scale x)^power. */
static void emit_power(W *w, BRef in, BRef out, float bias, float scale) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_POWER, true);
  buf_put_f32(&s->params, bias);
  buf_put_f32(&s->params, scale);
  buf_put_f32(&s->params, 1.0f);
  bw_add_buf(s, in);
  bw_add_buf(s, out);
}

/* |x| into a temporary shaped like x: Max(x, -x) (Power scale -1, Max). */
static int abs_of(W *w, int x) {
  int neg = bw_temp_typed(w, x, DT_F16), a = bw_temp_typed(w, x, DT_F16);
  emit_power(w, bw_in_ref(w, x), bw_view(w, neg), 0.0f, -1.0f);
  emit_eltwise(w, BLOB_STAGE_MAX, bw_in_ref(w, x), bw_view(w, a), bw_view(w, neg));
  return a;
}

/* Mod, fmod 0 -> Floor_mod (89), an eltwise stage (eltwise.cpp): FP16 params as Sum's (f32
 * coeff1, coeff2, i32 postOperation Empty, f32 negativeSlope, min, max); buffers a, y, b, Fake;
 * size-1 dims broadcast. fmod 1 (C fmod, the dividend's sign) has no stage: OpenVINO's
 * ConvertMod decomposes Mod-1 for MYRIAD into Sign, Abs, Divide, Floor, Multiply, Subtract;
 * here the same value as sign(a) * Floor_mod(|a|, |b|): |.| as Max(x, -x), the sign by Less(a, 0)
 * and Select of -m or m. */
int bw_lower_mod(W *w, const IrNode *n) {
  int y = n->outputs[0], r = bw_rank_of(bw_T(w, y));
  bool fm = ir_mod_params(w->g, n)->fmod;
  const IrTensor *ty = bw_T(w, y);
  if (bw_blob_dt(ty->dtype) != BLOB_DT_FP16)
    return bw_fail(w, "%s of integers has no MYRIAD stage (Floor_mod is FP16)", n->op_type);
  for (int k = 0; k < 2; k++) {
    const IrTensor *t = bw_T(w, n->inputs[k]);
    if (t->rank > ty->rank) return bw_fail(w, "%s: operand rank above the output's", n->op_type);
    for (int i = 0; i < t->rank; i++) {
      int64_t d = t->dims[i], o = ty->dims[ty->rank - t->rank + i];
      if (d != o && d != 1)
        return bw_fail(w, "%s: operands do not broadcast to the output", n->op_type);
    }
  }
  int a = n->inputs[0], b = n->inputs[1];
  if (!fm) {
    emit_eltwise(w, BLOB_STAGE_FLOOR_MOD, bw_at_rank(bw_in_ref(w, a), r), bw_view(w, y),
                 bw_at_rank(bw_in_ref(w, b), r));
    return 0;
  }
  int aa = abs_of(w, a), ab = abs_of(w, b), m = bw_temp_typed(w, y, DT_F16),
      nm = bw_temp_typed(w, y, DT_F16), neg = bw_temp_typed(w, a, DT_BOOL);
  emit_eltwise(w, BLOB_STAGE_FLOOR_MOD, bw_at_rank(bw_view(w, aa), r), bw_view(w, m),
               bw_at_rank(bw_view(w, ab), r));
  emit_power(w, bw_view(w, m), bw_view(w, nm), 0.0f, -1.0f);
  uint16_t zero = 0;
  uint32_t ones[BLOB_MAX_DIMS];
  int ra = bw_rank_of(bw_T(w, a));
  for (int i = 0; i < ra; i++) ones[i] = 1;
  emit_eltwise(w, BLOB_STAGE_LESS, bw_in_ref(w, a), bw_view(w, neg),
               bw_const_f16(w, &zero, 1, ra, ones));
  Stage *sel = bw_new_stage(w, BLOB_STAGE_SELECT, false); /* params follow the S32 condition */
  static const int32_t prm[6] = {1, 1, -1, 0, 0, 1};
  for (int i = 0; i < 6; i++) buf_put_i32(&sel->params, prm[i]);
  bw_add_buf(sel, bw_at_rank(bw_view(w, neg), r));
  bw_add_buf(sel, bw_view(w, y));
  bw_add_buf(sel, bw_view(w, nm));
  bw_add_buf(sel, bw_view(w, m));
  return 0;
}
