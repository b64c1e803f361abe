/*
 * compiler/backend/blob/lower_sw.c — lowering of graph nodes to SHAVE/DMA stages, one function per op family.
 */
#include "compiler/backend/blob/bw.h"

#include "compiler/graph/optable.h"
#include "compiler/graph/params.h"
#include "compiler/graph/quant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- lowering, one function per family ---- */

static void params_u32(Stage *s, const uint32_t *v, int n) {
  for (int i = 0; i < n; i++) buf_put_u32(&s->params, v[i]);
}

static int lower_convert(W *w, const IrNode *n) {
  bw_emit_convert(w, bw_in_ref(w, n->inputs[0]), bw_view(w, n->outputs[0]));
  return 0;
}

static int lower_post(W *w, const IrNode *n, uint32_t type) {
  Stage *s = bw_new_stage(w, type, true);
  switch (type) {
  case BLOB_STAGE_RELU:
    buf_put_u32(&s->params, 0);
    buf_put_f32(&s->params, 0.0f);
    break;
  case BLOB_STAGE_LEAKY_RELU:
    buf_put_u32(&s->params, 0);
    buf_put_f32(&s->params, ir_act_params(w->g, n)->alpha);
    break;
  case BLOB_STAGE_ELU: buf_put_f32(&s->params, ir_act_params(w->g, n)->alpha); break;
  case BLOB_STAGE_CLAMP: {
    for (int k = 1; k < n->n_inputs && k < 3; k++)
      if (n->inputs[k] >= 0 && !ir_is_const(w->g, n->inputs[k]))
        return bw_fail(w, "%s with run-time bounds is not written", n->op_type);
    const IrClipParams *p = ir_clip_params(w->g, n);
    float lo = p->has_min ? p->min : -65504.0f,
          hi = p->has_max ? p->max : 65504.0f; /* FP16 range: unbounded */
    if (n->n_inputs > 1 && ir_is_const(w->g, n->inputs[1]))
      lo = (float)ir_const_f64(bw_T(w, n->inputs[1]), 0);
    if (n->n_inputs > 2 && ir_is_const(w->g, n->inputs[2]))
      hi = (float)ir_const_f64(bw_T(w, n->inputs[2]), 0);
    buf_put_f32(&s->params, lo);
    buf_put_f32(&s->params, hi);
    break;
  }
  default: break; /* Sigmoid, Tanh, Exp, Log, Floor, Ceiling, HSwish: no params */
  }
  bw_add_buf(s, bw_in_ref(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  if (type == BLOB_STAGE_PRELU) bw_add_buf(s, bw_in_ref(w, n->inputs[1]));
  return 0;
}

static int lower_power(W *w, int in, int out, float bias, float scale, float power) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_POWER, true);
  buf_put_f32(&s->params, bias);
  buf_put_f32(&s->params, scale);
  buf_put_f32(&s->params, power);
  bw_add_buf(s, bw_in_ref(w, in));
  bw_add_buf(s, bw_view(w, out));
  return 0;
}

/* Per-channel (NCHW axis 1) constant: values or NULL if the tensor is not one. */
/* The constant t as one value per channel of an activation of rank `yrank`, or NULL when it is
 * not that. Channels are axis 1 of NCHW / NC activations (the stages' C); numpy broadcasting
 * aligns t's dims to the right, so t must be [C,1,1] / [1,C,1,1] for 4-D and [C] / [1,C] for
 * 2-D; a scalar works for any rank. */
static double *channel_values_r(W *w, int t, int64_t c, int yrank) {
  if (!ir_is_const(w->g, t)) return NULL;
  const IrTensor *x = bw_T(w, t);
  int64_t n = ir_numel(x);
  if (n != 1 && n != c) return NULL;
  if (n == c && c > 1) {
    if (yrank != 4 && yrank != 2) return NULL;
    if (x->rank > yrank) return NULL;
    for (int i = 0; i < x->rank; i++) {
      int ya = yrank - x->rank + i; /* the activation axis this dim lines up with */
      if ((ya == 1) != (x->dims[i] == c && c > 1)) {
        if (!(ya != 1 && x->dims[i] == 1)) return NULL;
      }
    }
  }
  double *v = arena_array(w->g->arena, (size_t)c, sizeof(double));
  for (int64_t i = 0; i < c; i++) v[i] = ir_const_f64(x, n == 1 ? 0 : i);
  return v;
}

/* Eltwise stage (§3.4, eltwise.cpp): f32 coeff1, coeff2, i32 postOperation (Empty), f32
 * negativeSlope, min, max; buffers a, y, b, Fake. Size-1 dims of a and b broadcast. */
static void emit_eltwise(W *w, uint32_t type, float c1, float c2, BRef a, BRef y, BRef b) {
  Stage *s = bw_new_stage(w, type, false);
  buf_put_f32(&s->params, c1);
  buf_put_f32(&s->params, c2);
  buf_put_i32(&s->params, -1); /* postOperation: Empty */
  buf_put_f32(&s->params, 0.0f);
  buf_put_f32(&s->params, 0.0f);
  buf_put_f32(&s->params, 1.0f);
  bw_add_buf(s, a);
  bw_add_buf(s, y);
  bw_add_buf(s, b);
  bw_add_buf(s, bw_fake_ref());
}

static int lower_eltwise(W *w, const IrNode *n) {
  int a = n->inputs[0], b = n->inputs[1];
  bool ca = ir_is_const(w->g, a), cb = ir_is_const(w->g, b);
  const IrTensor *y = bw_T(w, n->outputs[0]);
  int64_t c = y->rank >= 2 ? y->dims[1] : (y->rank == 1 ? y->dims[0] : 1);
  if (ca && !cb && (n->op == IR_OP_ADD || n->op == IR_OP_MUL)) {
    int t = a;
    a = b;
    b = t;
    ca = false;
    cb = true;
  }
  double *v = cb ? channel_values_r(w, b, c, y->rank) : NULL;
  if (cb && v) { /* activation (op) per-channel or scalar constant: Power / Scale / Bias */
    bool scalar = ir_numel(bw_T(w, b)) == 1;
    if (scalar) {
      double k = v[0];
      switch (n->op) {
      case IR_OP_ADD: return lower_power(w, a, n->outputs[0], (float)k, 1, 1);
      case IR_OP_SUB: return lower_power(w, a, n->outputs[0], (float)-k, 1, 1);
      case IR_OP_MUL: return lower_power(w, a, n->outputs[0], 0, (float)k, 1);
      case IR_OP_DIV: return lower_power(w, a, n->outputs[0], 0, (float)(1.0 / k), 1);
      case IR_OP_POW: return lower_power(w, a, n->outputs[0], 0, 1, (float)k);
      default: break;
      }
    }
    /* x * s + b with per-channel constants: one ScaleShift (47), as compile_tool writes it for
     * an IR's input scaling (face-detection-retail-0004, stage 1) */
    if (n->op == IR_OP_MUL && w->done) {
      int mt = n->outputs[0], nxt = w->reader[mt];
      const IrNode *m =
          nxt >= 0 && w->g->nodes[nxt].op == IR_OP_ADD && w->g->nodes[nxt].n_inputs == 2
              ? &w->g->nodes[nxt]
              : NULL;
      if (!m) nxt = -1;
      int bt = m ? (m->inputs[0] == mt ? m->inputs[1] : m->inputs[0]) : -1;
      const IrTensor *mo = m ? bw_T(w, m->outputs[0]) : NULL;
      double *bv = bt >= 0 && ir_is_const(w->g, bt) && mo->rank == y->rank
                       ? channel_values_r(w, bt, c, y->rank)
                       : NULL;
      if (bv && ir_numel(bw_T(w, b)) != 1 && ir_numel(bw_T(w, bt)) != 1) {
        Stage *s = bw_new_stage(w, BLOB_STAGE_SCALE_SHIFT, true);
        bw_add_buf(s, bw_view(w, a));
        bw_add_buf(s, bw_view(w, m->outputs[0]));
        bw_add_buf(s, bw_const_vec(w, v, (size_t)c));
        bw_add_buf(s, bw_const_vec(w, bv, (size_t)c));
        w->done[nxt] = 1;
        return 0;
      }
    }
    uint32_t type;
    switch (n->op) {
    case IR_OP_ADD: type = BLOB_STAGE_BIAS; break;
    case IR_OP_SUB:
      type = BLOB_STAGE_BIAS;
      for (int64_t i = 0; i < c; i++) v[i] = -v[i];
      break;
    case IR_OP_MUL: type = BLOB_STAGE_SCALE; break;
    case IR_OP_DIV:
      type = BLOB_STAGE_SCALE;
      for (int64_t i = 0; i < c; i++) v[i] = 1.0 / v[i];
      break;
    default:
      return bw_fail(w, "%s with a per-channel constant is not supported by the blob writer yet",
                     n->op_type);
    }
    Stage *s = bw_new_stage(w, type, true);
    bw_add_buf(s, bw_view(w, a));
    bw_add_buf(s, bw_view(w, n->outputs[0]));
    bw_add_buf(s, bw_const_vec(w, v, (size_t)c));
    return 0;
  }
  if (ca && (n->op == IR_OP_SUB || n->op == IR_OP_DIV || n->op == IR_OP_POW) &&
      ir_numel(bw_T(w, a)) != ir_numel(y))
    return bw_fail(
        w, "%s with a broadcast constant first operand is not supported by the blob writer yet",
        n->op_type);
  /* numpy broadcasting: both operands seen at the output's rank, each dim equal or 1 (the
   * eltwise stages broadcast size-1 dims; seen in a real blob: Prod of [1,400,640,3] and
   * [1,400,640,1]). The full-size operand goes first. */
  if (ir_numel(bw_T(w, a)) != ir_numel(y) && ir_numel(bw_T(w, b)) == ir_numel(y) &&
      n->op != IR_OP_SUB && n->op != IR_OP_DIV && n->op != IR_OP_POW) {
    int t = a;
    a = b;
    b = t;
  }
  const IrTensor *ta = bw_T(w, a), *tb = bw_T(w, b);
  if (ta->rank > y->rank || tb->rank > y->rank)
    return bw_fail(w, "%s: operand rank above the output's", n->op_type);
  for (int i = 0; i < y->rank; i++) {
    int ia = i - (y->rank - ta->rank), ib = i - (y->rank - tb->rank);
    int64_t da = ia >= 0 ? ta->dims[ia] : 1, db = ib >= 0 ? tb->dims[ib] : 1;
    if ((da != y->dims[i] && da != 1) || (db != y->dims[i] && db != 1))
      return bw_fail(w, "%s: operands do not broadcast to the output", n->op_type);
  }
  uint32_t type = BLOB_STAGE_SUM;
  float c1 = 1, c2 = 1;
  switch (n->op) {
  case IR_OP_ADD: break;
  case IR_OP_SUB: c2 = -1; break;
  case IR_OP_MUL: type = BLOB_STAGE_PROD; break;
  case IR_OP_DIV: type = BLOB_STAGE_DIV; break;
  case IR_OP_MAX: type = BLOB_STAGE_MAX; break;
  case IR_OP_MIN: type = BLOB_STAGE_MIN; break;
  case IR_OP_POW: type = BLOB_STAGE_POW; break;
  default: return bw_fail(w, "%s is not supported by the blob writer yet", n->op_type);
  }
  emit_eltwise(w, type, c1, c2, bw_at_rank(bw_in_ref(w, a), bw_rank_of(y)),
               bw_view(w, n->outputs[0]), bw_at_rank(bw_in_ref(w, b), bw_rank_of(y)));
  return 0;
}

void bw_copy_stage(W *w, BRef in, BRef out);

/* Operands a and b broadcast (numpy, size-1 dims) to tensor y. */
static bool broadcasts(W *w, int a, int b, int y) {
  const IrTensor *ta = bw_T(w, a), *tb = bw_T(w, b), *ty = bw_T(w, y);
  if (ta->rank > ty->rank || tb->rank > ty->rank) return false;
  for (int i = 0; i < ty->rank; i++) {
    int ia = i - (ty->rank - ta->rank), ib = i - (ty->rank - tb->rank);
    int64_t da = ia >= 0 ? ta->dims[ia] : 1, db = ib >= 0 ? tb->dims[ib] : 1;
    if ((da != ty->dims[i] && da != 1) || (db != ty->dims[i] && db != 1)) return false;
  }
  return true;
}

/* Equal / Less / Greater -> the eltwise stages Equal (78) / Less (82) / Greater (80): FP16
 * operands, S32 output (the only comparisons allowed FP16 -> S32, eltwise.cpp initialCheck; the
 * plugin turns boolean into i32). Params and buffers as Sum's. */
static int lower_compare(W *w, const IrNode *n) {
  int a = n->inputs[0], b = n->inputs[1], y = n->outputs[0];
  if (bw_T(w, a)->dtype != DT_F16 || bw_T(w, b)->dtype != DT_F16)
    return bw_fail(w, "%s of non-float operands is not written (the VPU compares FP16 only here)",
                   n->op_type);
  if (!broadcasts(w, a, b, y))
    return bw_fail(w, "%s: operands do not broadcast to the output", n->op_type);
  uint32_t type = n->op == IR_OP_EQUAL  ? BLOB_STAGE_EQUAL
                  : n->op == IR_OP_LESS ? BLOB_STAGE_LESS
                                        : BLOB_STAGE_GREATER;
  int r = bw_rank_of(bw_T(w, y));
  emit_eltwise(w, type, 1, 1, bw_at_rank(bw_in_ref(w, a), r), bw_view(w, y),
               bw_at_rank(bw_in_ref(w, b), r));
  return 0;
}

/* Where -> Select (90): buffers condition, output, then, else; the params follow the condition's
 * type, S32 here, so all six are int32 1, 1, -1, 0, 0, 1 (eltwise.cpp serializeParamsImpl). */
static int lower_where(W *w, const IrNode *n) {
  int c = n->inputs[0], a = n->inputs[1], b = n->inputs[2], y = n->outputs[0];
  if (!broadcasts(w, c, a, y) || !broadcasts(w, a, b, y))
    return bw_fail(w, "%s: operands do not broadcast to the output", n->op_type);
  if (bw_blob_dt(bw_T(w, a)->dtype) != bw_blob_dt(bw_T(w, b)->dtype) ||
      bw_blob_dt(bw_T(w, a)->dtype) != bw_blob_dt(bw_T(w, y)->dtype))
    return bw_fail(w, "%s with branches of different types is not written", n->op_type);
  if (bw_blob_dt(bw_T(w, c)->dtype) != BLOB_DT_S32)
    return bw_fail(w, "%s: the condition must be boolean or integer", n->op_type);
  int r = bw_rank_of(bw_T(w, y));
  Stage *s = bw_new_stage(w, BLOB_STAGE_SELECT, false);
  static const int32_t prm[6] = {1, 1, -1, 0, 0, 1};
  for (int i = 0; i < 6; i++) buf_put_i32(&s->params, prm[i]);
  bw_add_buf(s, bw_at_rank(bw_in_ref(w, c), r));
  bw_add_buf(s, bw_view(w, y));
  bw_add_buf(s, bw_at_rank(bw_in_ref(w, a), r));
  bw_add_buf(s, bw_at_rank(bw_in_ref(w, b), r));
  return 0;
}

/* Max / Min of more than two inputs: a chain of binary stages through temporaries, as the
 * plugin's parseEltwise does ("@temp@i"). */
static int lower_variadic(W *w, const IrNode *n) {
  if (n->n_inputs == 1) {
    bw_copy_stage(w, bw_in_ref(w, n->inputs[0]), bw_view(w, n->outputs[0]));
    return 0;
  }
  int y = n->outputs[0], r = bw_rank_of(bw_T(w, y));
  uint32_t type = n->op == IR_OP_MAX ? BLOB_STAGE_MAX : BLOB_STAGE_MIN;
  for (int k = 0; k < n->n_inputs; k++)
    if (!broadcasts(w, n->inputs[k], y, y))
      return bw_fail(w, "%s: an input does not broadcast to the output", n->op_type);
  int acc = n->inputs[0];
  for (int k = 1; k < n->n_inputs; k++) {
    int out = k == n->n_inputs - 1 ? y : bw_temp_like(w, y);
    emit_eltwise(w, type, 1, 1, bw_at_rank(bw_in_ref(w, acc), r), bw_view(w, out),
                 bw_at_rank(bw_in_ref(w, n->inputs[k]), r));
    acc = out;
  }
  return 0;
}

/* Abs as Max(x, -x): Power (scale -1) and the Max eltwise, both established stages. (The Abs
 * stage, 142, exists only in 2022.x firmware: openvino PR #6475 came after 2021.4.) */
static int lower_abs(W *w, const IrNode *n) {
  int x = n->inputs[0], y = n->outputs[0];
  int neg = bw_temp_like(w, y);
  if (lower_power(w, x, neg, 0, -1, 1) < 0) return -1;
  int r = bw_rank_of(bw_T(w, y));
  emit_eltwise(w, BLOB_STAGE_MAX, 1, 1, bw_at_rank(bw_in_ref(w, x), r), bw_view(w, y),
               bw_at_rank(bw_view(w, neg), r));
  return 0;
}

/* PRelu whose slope does not follow the channels (e.g. [W] against [N,C,W]):
 * y = relu(x) + slope * (x - relu(x)), from Relu, Sum (coeff2 -1), Prod and Sum. */
static int lower_prelu_bcast(W *w, const IrNode *n) {
  int x = n->inputs[0], sl = n->inputs[1], y = n->outputs[0], r = bw_rank_of(bw_T(w, y));
  if (!broadcasts(w, x, sl, y))
    return bw_fail(w, "%s: the slope does not broadcast to the input", n->op_type);
  int rl = bw_temp_like(w, y), mn = bw_temp_like(w, y), pr = bw_temp_like(w, y);
  Stage *s = bw_new_stage(w, BLOB_STAGE_RELU, true);
  buf_put_u32(&s->params, 0);
  buf_put_f32(&s->params, 0.0f);
  bw_add_buf(s, bw_view(w, x));
  bw_add_buf(s, bw_view(w, rl));
  emit_eltwise(w, BLOB_STAGE_SUM, 1, -1, bw_view(w, x), bw_view(w, mn), bw_view(w, rl));
  emit_eltwise(w, BLOB_STAGE_PROD, 1, 1, bw_view(w, mn), bw_view(w, pr),
               bw_at_rank(bw_in_ref(w, sl), r));
  emit_eltwise(w, BLOB_STAGE_SUM, 1, 1, bw_view(w, rl), bw_view(w, y), bw_view(w, pr));
  return 0;
}

/* Gather with run-time or multi-dimensional indices -> Gather (100): i32 axis as a memory index
 * (0 = innermost); buffers data, output, indices (S32 or FP16), default orders, compact
 * (stages/gather.cpp). */
static int lower_gather_stage(W *w, const IrNode *n) {
  int x = n->inputs[0], ix = n->inputs[1], y = n->outputs[0];
  int r = bw_rank_of(bw_T(w, x));
  int64_t axis = ir_axis_params(w->g, n)->axis;
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r) return bw_fail(w, "%s: axis out of range", n->op_type);
  uint32_t idt = bw_blob_dt(bw_T(w, ix)->dtype);
  if (idt != BLOB_DT_S32 && idt != BLOB_DT_FP16)
    return bw_fail(w, "%s: indices must be integers", n->op_type);
  Stage *s = bw_new_stage(w, BLOB_STAGE_GATHER, false);
  s->shaves = 0; /* StageSHAVEsRequirements::NotNeeded */
  buf_put_i32(&s->params, (int32_t)(r - 1 - axis));
  bw_add_buf(s, bw_in_ref(w, x));
  bw_add_buf(s, bw_view(w, y));
  bw_add_buf(s, bw_in_ref(w, ix));
  return 0;
}

/* DetectionOutput -> DetectionOutput (37): one packed struct of 19 words (detection_output.cpp
 * DetectionOutputParams; byte for byte as compile_tool in tests/test_compare.c); buffers loc,
 * conf (NC), priors (constant [1, 2, P*4]), output [1, 1, rows, 7], and a temp buffer in BSS of
 * the size the plugin computes: 8 terms over N, classes, P and SHAVEs, each + 64 bytes, U8
 * (addTempBuffer(size_t) in 2021+). The stage takes every SHAVE. */
static int lower_detection_output(W *w, const IrNode *n) {
  const IrTensor *loc = bw_T(w, n->inputs[0]), *conf = bw_T(w, n->inputs[1]),
                 *pri = bw_T(w, n->inputs[2]), *y = bw_T(w, n->outputs[0]);
  if (loc->rank != 2 || conf->rank != 2 || pri->rank != 3 || !pri->data || y->rank != 4)
    return bw_fail(w, "%s: expects 2-D loc/conf and constant 3-D priors", n->op_type);
  const IrDetectionParams *p = ir_detection_params(w->g, n);
  int64_t C = p->num_classes, P = pri->dims[2] / 4, N = conf->dims[0];
  bool share = p->share_location;
  if (C < 1 || P < 1 || N < 1 || conf->dims[1] != P * C ||
      loc->dims[1] != P * 4 * (share ? 1 : C) || loc->dims[0] != N)
    return bw_fail(w, "%s: loc, conf and priors do not agree on the prior count", n->op_type);
  int64_t keep = p->keep_top_k;
  if (keep < 0) keep = y->dims[2];
  Stage *s = bw_new_stage(w, BLOB_STAGE_DETECTION_OUTPUT, false);
  buf_put_i32(&s->params, (int32_t)C);
  buf_put_i32(&s->params, share);
  buf_put_i32(&s->params, (int32_t)p->background_label_id);
  buf_put_f32(&s->params, p->nms_threshold);
  buf_put_i32(&s->params, (int32_t)p->top_k);
  buf_put_i32(&s->params, (int32_t)p->code_type);
  buf_put_i32(&s->params, (int32_t)keep);
  buf_put_f32(&s->params, p->confidence_threshold);
  buf_put_i32(&s->params, p->variance_encoded_in_target);
  buf_put_i32(&s->params, (int32_t)P);
  buf_put_i32(&s->params, p->clip_before_nms);
  buf_put_i32(&s->params, p->clip_after_nms);
  buf_put_i32(&s->params, p->decrease_label_id);
  buf_put_i32(&s->params, (int32_t)p->input_width);
  buf_put_i32(&s->params, (int32_t)p->input_height);
  buf_put_i32(&s->params, p->normalized);
  buf_put_i32(&s->params, (int32_t)N);
  buf_put_f32(&s->params, p->objectness_score);
  buf_put_i32(&s->params, 0); /* has_arm_inputs: the 3-input form */
  bw_add_buf(s, bw_view(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->inputs[1]));
  bw_add_buf(s, bw_in_ref(w, n->inputs[2]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  int64_t S = w->opt->shaves, A = 64;
  int64_t bytes = 2 * N * C * P * 4 + A + 4 * N * C * P + A + 4 * N * C * P + A + 4 * N * C + A +
                  2 * C * P + A + 2 * N * C * P + A + 4 * N + A + 2 * S * (P + 8) * 5 + A;
  if (bytes > ((int64_t)1 << 30))
    return bw_fail(w, "%s: its work buffer would exceed 1 GiB", n->op_type);
  int t = bw_temp_dims(w, n->outputs[0], "@det_temp", 1, &bytes);
  IrGraph *g = (IrGraph *)w->g;
  g->tensors[t].dtype = DT_U8;
  w->st[t].bytes = bw_tensor_bytes(&g->tensors[t]);
  bw_add_buf(s, bw_view(w, t));
  return 0;
}

/* Bias after a conv/FC: conv writes a temp, Bias writes the node output. */
static int with_bias(W *w, const IrNode *n, int bias_t, int64_t oc, int *conv_out) {
  if (bias_t < 0) {
    *conv_out = n->outputs[0];
    return 0;
  }
  *conv_out = bw_temp_like(w, n->outputs[0]);
  (void)oc;
  return 0;
}

static void emit_bias(W *w, const IrNode *n, int conv_out, int bias_t, double scale) {
  if (bias_t < 0) return;
  const IrTensor *b = bw_T(w, bias_t);
  int64_t oc = ir_numel(b);
  double *v = arena_array(w->g->arena, (size_t)oc, sizeof(double));
  for (int64_t i = 0; i < oc; i++) v[i] = ir_const_f64(b, i) * scale;
  Stage *s = bw_new_stage(w, BLOB_STAGE_BIAS, true);
  bw_add_buf(s, bw_view(w, conv_out));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  bw_add_buf(s, bw_const_vec(w, v, (size_t)oc));
}

/* The stage of group gi of a grouped (de)convolution: its params, then the input and output
 * restricted to the group's channels (views, as split_grouped_conv.cpp splits them); the caller
 * adds the weights. */
static Stage *group_stage(W *w, const IrNode *n, uint32_t type, const uint32_t *params, int np,
                          int conv_out, int64_t group, int64_t gi, int64_t icg, int64_t ocg) {
  Stage *s = bw_new_stage(w, type, false);
  params_u32(s, params, np);
  BRef in = bw_view(w, n->inputs[0]), out = bw_view(w, conv_out);
  if (group > 1) {
    bw_roi(&in, 1, (uint32_t)(gi * icg), (uint32_t)icg);
    bw_roi(&out, 1, (uint32_t)(gi * ocg), (uint32_t)ocg);
  }
  bw_add_buf(s, in);
  bw_add_buf(s, out);
  return s;
}

static int lower_conv(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]), *wt = bw_T(w, n->inputs[1]),
                 *y = bw_T(w, n->outputs[0]);
  if (x->rank != 4 || wt->rank != 4 || !wt->data)
    return bw_fail(w, "%s: only 2-D convolutions with constant weights are written", n->op_type);
  int64_t ic = x->dims[1], oc = wt->dims[0], icg = wt->dims[1], kh = wt->dims[2], kw = wt->dims[3];
  const IrWindowParams *p = ir_window_params(w->g, n);
  int64_t group = p->group;
  const int64_t *st = p->strides, *dil = p->dilations;
  int64_t pads[4] = {p->pads[0], p->pads[1], p->pads[2], p->pads[3]};
  if (p->n_pads == 0 &&
      (p->auto_pad == IR_AUTO_PAD_SAME_UPPER || p->auto_pad == IR_AUTO_PAD_SAME_LOWER)) {
    for (int d = 0; d < 2; d++) {
      int64_t in = x->dims[2 + d], out = y->dims[2 + d], k = (d ? kw : kh),
              ek = (k - 1) * dil[d] + 1;
      int64_t total = (out - 1) * st[d] + ek - in;
      if (total < 0) total = 0;
      pads[d] = p->auto_pad == IR_AUTO_PAD_SAME_UPPER ? total / 2 : total - total / 2;
    }
  }
  int bias_t = n->n_inputs > 2 ? n->inputs[2] : -1;
  int conv_out;
  with_bias(w, n, bias_t, oc, &conv_out);
  uint32_t params[8] = {(uint32_t)kw,      (uint32_t)kh,      (uint32_t)st[1],  (uint32_t)st[0],
                        (uint32_t)pads[1], (uint32_t)pads[0], (uint32_t)dil[1], (uint32_t)dil[0]};
  int64_t K = kh * kw;
  bool depthwise = group > 1 && group == ic && icg == 1 && oc == group;
  const uint16_t *src = bw_halves_of(w, wt); /* IR order [oc][ic/group][ky][kx] */
  if (depthwise) {
    /* DepthConv (8): weights [k][c] (C innermost), descriptor dims [K, 1, C] (blob-stages.md §1.2) */
    uint32_t dims[3] = {(uint32_t)K, 1, (uint32_t)oc};
    Stage *s = bw_new_stage(w, BLOB_STAGE_DEPTH_CONV, false);
    params_u32(s, params, 8);
    bw_add_buf(s, bw_view(w, n->inputs[0]));
    bw_add_buf(s, bw_view(w, conv_out));
    BRef wr;
    uint16_t *h = bw_const_f16_slot(w, (size_t)(oc * K), 3, dims, &wr);
    for (int64_t k = 0; k < K; k++)
      for (int64_t c = 0; c < oc; c++) h[c + oc * k] = src[c * K + k];
    bw_add_buf(s, wr);
  } else {
    /* grouped: one Conv per group on channel views (split_grouped_conv.cpp does the same) */
    int64_t ocg = oc / group;
    bool conv1x1 = kh == 1 && kw == 1 && dil[0] == 1 && dil[1] == 1;
    for (int64_t gi = 0; gi < group; gi++) {
      uint32_t dims[3] = {(uint32_t)K, (uint32_t)icg, (uint32_t)ocg};
      Stage *s = group_stage(w, n, BLOB_STAGE_CONV, params, 8, conv_out, group, gi, icg, ocg);
      BRef wr;
      size_t cnt = (size_t)(ocg * icg * K);
      uint16_t *h = bw_const_f16_slot(w, cnt, 3, dims, &wr);
      const uint16_t *g0 = src + gi * (int64_t)cnt;
      /* 1x1: IR order [oc][ic] kept; otherwise the CHW case [k][oc][ic] (ConvCHWWeightsContent),
       * written in destination order so the stores stream */
      if (conv1x1)
        memcpy(h, g0, cnt * 2);
      else
        for (int64_t k = 0; k < K; k++, h += ocg * icg)
          for (int64_t oi = 0; oi < ocg * icg; oi++) h[oi] = g0[oi * K + k];
      bw_add_buf(s, wr);
    }
  }
  emit_bias(w, n, conv_out, bias_t, 1.0);
  return 0;
}

/* ConvTranspose -> Deconvolution (22) (group 1) or DepthDeconv (63) (group = IC = OC), other
 * groups one Deconvolution per group on channel views; bias as a following Bias stage
 * (sw_deconv_adaptation.cpp). Params: kx, ky, sx, sy, padLeft, padTop (the kernel takes the right
 * and bottom pads, and output_padding, from the output size). Weights (IR [IC][OC/g][KY][KX]) are
 * flipped in space and laid out per tap as an OC x IC matrix, IC innermost
 * (DeconvolutionWeightsContent): blob[((KY-1-ky)*KX + KX-1-kx)*OC*IC + oc*IC + ic], descriptor
 * dims [K, IC, OC]; DepthDeconv: blob[c*K + (KY-1-ky)*KX + KX-1-kx], dims [K, 1, C]. */
static int lower_deconv(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]), *wt = bw_T(w, n->inputs[1]);
  if (x->rank != 4 || wt->rank != 4 || !wt->data)
    return bw_fail(w, "%s: only 2-D transposed convolutions with constant weights are written",
                   n->op_type);
  int64_t ic = x->dims[1], icw = wt->dims[0], ocg = wt->dims[1], kh = wt->dims[2], kw = wt->dims[3];
  const IrWindowParams *p = ir_window_params(w->g, n);
  int64_t group = p->group;
  const int64_t *st = p->strides, *dil = p->dilations, *pads = p->pads;
  if (dil[0] != 1 || dil[1] != 1)
    return bw_fail(w, "%s with dilations: the VPU's Deconvolution stage has no dilation parameter",
                   n->op_type);
  if (p->auto_pad != IR_AUTO_PAD_NOTSET && p->auto_pad != IR_AUTO_PAD_VALID)
    return bw_fail(w, "%s with auto_pad SAME_*: export with explicit pads", n->op_type);
  if (group < 1 || icw != ic || ic % group)
    return bw_fail(w, "%s: weights do not match the input channels", n->op_type);
  int64_t icg = ic / group, oc = ocg * group, K = kh * kw;
  int bias_t = n->n_inputs > 2 ? n->inputs[2] : -1;
  int conv_out;
  with_bias(w, n, bias_t, oc, &conv_out);
  uint32_t params[6] = {(uint32_t)kw,    (uint32_t)kh,      (uint32_t)st[1],
                        (uint32_t)st[0], (uint32_t)pads[1], (uint32_t)pads[0]};
  const uint16_t *src = bw_halves_of(w, wt);
  bool depthwise = group > 1 && group == ic && ocg == 1;
  if (depthwise) {
    uint32_t dims[3] = {(uint32_t)K, 1, (uint32_t)ic};
    Stage *s = bw_new_stage(w, BLOB_STAGE_DEPTH_DECONV, false);
    params_u32(s, params, 6);
    bw_add_buf(s, bw_view(w, n->inputs[0]));
    bw_add_buf(s, bw_view(w, conv_out));
    BRef wr;
    uint16_t *h = bw_const_f16_slot(w, (size_t)(ic * K), 3, dims, &wr);
    for (int64_t c = 0; c < ic; c++)
      for (int64_t ky = 0; ky < kh; ky++)
        for (int64_t kx = 0; kx < kw; kx++)
          h[c * K + (kh - 1 - ky) * kw + (kw - 1 - kx)] = src[(c * kh + ky) * kw + kx];
    bw_add_buf(s, wr);
  } else {
    for (int64_t gi = 0; gi < group; gi++) {
      uint32_t dims[3] = {(uint32_t)K, (uint32_t)icg, (uint32_t)ocg};
      Stage *s =
          group_stage(w, n, BLOB_STAGE_DECONVOLUTION, params, 6, conv_out, group, gi, icg, ocg);
      BRef wr;
      uint16_t *h = bw_const_f16_slot(w, (size_t)(icg * ocg * K), 3, dims, &wr);
      for (int64_t i = 0; i < icg; i++)
        for (int64_t o = 0; o < ocg; o++)
          for (int64_t ky = 0; ky < kh; ky++)
            for (int64_t kx = 0; kx < kw; kx++)
              h[((kh - 1 - ky) * kw + (kw - 1 - kx)) * ocg * icg + o * icg + i] =
                  src[(((gi * icg + i) * ocg + o) * kh + ky) * kw + kx];
      bw_add_buf(s, wr);
    }
  }
  emit_bias(w, n, conv_out, bias_t, 1.0);
  return 0;
}

/* Gemm / MatMul with constant 2-D weights -> FC (4); weights [ic][oc] (OC innermost), §2.2. */
static int lower_fc(W *w, const IrNode *n) {
  const IrTensor *a = bw_T(w, n->inputs[0]), *b = bw_T(w, n->inputs[1]);
  bool gemm = n->op == IR_OP_GEMM;
  const IrGemmParams *gp = gemm ? ir_gemm_params(w->g, n) : NULL; /* MatMul: no attributes */
  if (!b->data || b->rank != 2 || (gemm && gp->trans_a))
    return bw_fail(w, "%s: only activation x constant 2-D weights is written", n->op_type);
  bool transb = gemm && gp->trans_b;
  int64_t ic = transb ? b->dims[1] : b->dims[0], oc = transb ? b->dims[0] : b->dims[1];
  double alpha = gemm ? gp->alpha : 1.0, beta = gemm ? gp->beta : 1.0;
  if (ir_numel(a) % ic) return bw_fail(w, "%s: input does not match the weights", n->op_type);
  int bias_t = gemm && n->n_inputs > 2 ? n->inputs[2] : -1;
  if (bias_t >= 0 && ir_numel(bw_T(w, bias_t)) != oc) {
    if (ir_numel(bw_T(w, bias_t)) != 1)
      return bw_fail(w, "%s: bias must be per output channel", n->op_type);
  }
  int fc_out;
  with_bias(w, n, bias_t, oc, &fc_out);
  Stage *s = bw_new_stage(w, BLOB_STAGE_FC, false);
  uint32_t dims[3] = {1, (uint32_t)ic, (uint32_t)oc};
  BRef in = bw_view(w, n->inputs[0]), out = bw_view(w, fc_out);
  /* FC reads NC: describe both sides as 2-D [rows, channels] */
  int64_t rows = ir_numel(a) / ic;
  in.ndims = out.ndims = 2;
  in.order = out.order = BLOB_ORDER_NC;
  in.dims[0] = (uint32_t)ic;
  in.dims[1] = (uint32_t)rows;
  in.strides[1] = in.strides[0] * (uint32_t)ic;
  out.dims[0] = (uint32_t)oc;
  out.dims[1] = (uint32_t)rows;
  out.strides[1] = out.strides[0] * (uint32_t)oc;
  bw_add_buf(s, in);
  bw_add_buf(s, out);
  BRef wr;
  uint16_t *h = bw_const_f16_slot(w, (size_t)(ic * oc), 3, dims, &wr);
  if (alpha == 1.0 && !transb && b->dtype == DT_F16)
    memcpy(h, b->data, (size_t)(ic * oc) * 2);
  else if (alpha == 1.0) {
    const uint16_t *src = bw_halves_of(w, b);
    for (int64_t i = 0; i < ic; i++)
      for (int64_t o = 0; o < oc; o++) h[o + oc * i] = src[transb ? o * ic + i : i * oc + o];
  } else
    for (int64_t i = 0; i < ic; i++)
      for (int64_t o = 0; o < oc; o++)
        h[o + oc * i] =
            fp16_from_f32((float)(ir_const_f64(b, transb ? o * ic + i : i * oc + o) * alpha));
  bw_add_buf(s, wr);
  if (bias_t >= 0) {
    const IrTensor *bt = bw_T(w, bias_t);
    double *v = arena_array(w->g->arena, (size_t)oc, sizeof(double));
    for (int64_t o = 0; o < oc; o++) v[o] = ir_const_f64(bt, ir_numel(bt) == 1 ? 0 : o) * beta;
    Stage *bs = bw_new_stage(w, BLOB_STAGE_BIAS, true);
    BRef bi = bw_view(w, fc_out), bo = bw_view(w, n->outputs[0]);
    bi.ndims = bo.ndims = 2;
    bi.order = bo.order = BLOB_ORDER_NC;
    bi.dims[0] = bo.dims[0] = (uint32_t)oc;
    bi.dims[1] = bo.dims[1] = (uint32_t)rows;
    bi.strides[1] = bo.strides[1] = bi.strides[0] * (uint32_t)oc;
    bw_add_buf(bs, bi);
    bw_add_buf(bs, bo);
    bw_add_buf(bs, bw_const_vec(w, v, (size_t)oc));
  }
  return 0;
}

static int lower_pool(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]), *y = bw_T(w, n->outputs[0]);
  if (x->rank != 4) return bw_fail(w, "%s: only 2-D pooling is written", n->op_type);
  int64_t k[2] = {x->dims[2], x->dims[3]}, st[2] = {1, 1}, pads[4] = {0, 0, 0, 0};
  bool global = n->op == IR_OP_GLOBAL_AVERAGE_POOL || n->op == IR_OP_GLOBAL_MAX_POOL ||
                n->op == IR_OP_REDUCE_MEAN;
  bool avg = n->op == IR_OP_AVERAGE_POOL || n->op == IR_OP_GLOBAL_AVERAGE_POOL ||
             n->op == IR_OP_REDUCE_MEAN;
  uint32_t exclude = 1;
  if (!global) {
    const IrWindowParams *p = ir_window_params(w->g, n);
    for (int d = 0; d < 2; d++) k[d] = p->kernel[d], st[d] = p->strides[d];
    for (int d = 0; d < 4; d++) pads[d] = p->pads[d];
    if (p->n_pads == 0 &&
        (p->auto_pad == IR_AUTO_PAD_SAME_UPPER || p->auto_pad == IR_AUTO_PAD_SAME_LOWER))
      for (int d = 0; d < 2; d++) {
        int64_t total = (y->dims[2 + d] - 1) * st[d] + k[d] - x->dims[2 + d];
        if (total < 0) total = 0;
        pads[d] = p->auto_pad == IR_AUTO_PAD_SAME_UPPER ? total / 2 : total - total / 2;
      }
    if (avg) exclude = p->count_include_pad ? 0 : 1;
  }
  uint32_t type =
      avg ? BLOB_STAGE_AVG_POOL : (global ? BLOB_STAGE_GLOBAL_MAX_POOL : BLOB_STAGE_MAX_POOL);
  Stage *s = bw_new_stage(w, type, false);
  uint32_t p[7] = {(uint32_t)k[1],    (uint32_t)k[0],    (uint32_t)st[1], (uint32_t)st[0],
                   (uint32_t)pads[1], (uint32_t)pads[0], exclude};
  params_u32(s, p, 7);
  bw_add_buf(s, bw_view(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  return 0;
}

static int lower_softmax(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]);
  int r = bw_rank_of(x);
  int64_t axis = ir_axis_params(w->g, n)->axis;
  if (axis < 0) axis += r;
  Stage *s = bw_new_stage(w, BLOB_STAGE_SOFT_MAX, false);
  buf_put_i32(&s->params, (int32_t)(r - 1 - axis)); /* memory index, 0 = innermost (§3.4) */
  bw_add_buf(s, bw_view(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  return 0;
}

static int lower_transpose(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]);
  int r = bw_rank_of(x);
  int64_t perm[IR_MAX_DIMS];
  int np = ir_ints_copy(ir_transpose_params(w->g, n)->perm, perm, IR_MAX_DIMS);
  if (np == 0)
    for (int i = 0; i < r; i++) perm[i] = r - 1 - i;
  Stage *s = bw_new_stage(w, BLOB_STAGE_PERMUTE, false);
  /* memory-order indices: output memory dim m reads input memory dim r-1-perm[r-1-m] */
  for (int m = 0; m < 8; m++)
    buf_put_u32(&s->params, m < r ? (uint32_t)(r - 1 - perm[r - 1 - m]) : 0xFFFFFFFFu);
  bw_add_buf(s, bw_view(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  return 0;
}

void bw_copy_stage(W *w, BRef in, BRef out) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_COPY, false);
  bw_add_buf(s, in);
  bw_add_buf(s, out);
}

static int lower_concat(W *w, const IrNode *n) {
  const IrTensor *y = bw_T(w, n->outputs[0]);
  int r = bw_rank_of(y);
  int64_t axis = ir_axis_params(w->g, n)->axis;
  if (axis < 0) axis += r;
  uint32_t at = 0;
  for (int k = 0; k < n->n_inputs; k++) {
    int t = n->inputs[k];
    if (t < 0) continue;
    uint32_t len = (uint32_t)bw_dim_of(bw_T(w, t), (int)axis);
    BRef out = bw_view(w, n->outputs[0]);
    bw_roi(&out, (int)axis, at, len);
    bw_copy_stage(w, bw_in_ref(w, t), out);
    at += len;
  }
  return 0;
}

/* Slice with steps -> StridedSlice (133). Observed in a real compile_tool 2021.4 blob
 * (pointcloud_640x400, see compiler/backend/README.md): params are five u32 masks
 * (begin, end, new_axis, shrink_axis, ellipsis) where bit i set means "axis i (IE order) uses its
 * begin/end value"; buffers are input, begin, end, strides (S32 [rank] consts in IE order,
 * major -> minor), output. */
static int lower_strided_slice(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]);
  int r = bw_rank_of(x);
  if (r > 8) return bw_fail(w, "%s of rank > 8", n->op_type);
  int32_t begin[8] = {0}, end[8] = {0}, step[8];
  for (int i = 0; i < r; i++) step[i] = 1;
  uint32_t mask = 0;
  const IrTensor *st = bw_T(w, n->inputs[1]), *en = bw_T(w, n->inputs[2]);
  const IrTensor *ax = n->n_inputs > 3 && n->inputs[3] >= 0 ? bw_T(w, n->inputs[3]) : NULL;
  const IrTensor *sp = n->n_inputs > 4 && n->inputs[4] >= 0 ? bw_T(w, n->inputs[4]) : NULL;
  for (int64_t i = 0; i < ir_numel(st); i++) {
    int64_t a = ax ? ir_const_i64(ax, i) : i;
    if (a < 0) a += r;
    if (a < 0 || a >= r) return bw_fail(w, "%s axis out of range", n->op_type);
    int64_t b = ir_const_i64(st, i), e = ir_const_i64(en, i), k = sp ? ir_const_i64(sp, i) : 1;
    if (k <= 0) return bw_fail(w, "%s with negative steps is not written yet", n->op_type);
    int64_t dim = bw_dim_of(x, (int)a);
    if (b < 0) b += dim;
    if (e < 0) e += dim;
    if (e > INT32_MAX) e = INT32_MAX;
    begin[a] = (int32_t)(b < 0 ? 0 : b);
    end[a] = (int32_t)e;
    step[a] = (int32_t)k;
    mask |= 1u << a;
  }
  Stage *s = bw_new_stage(w, BLOB_STAGE_STRIDED_SLICE, false);
  uint32_t params[5] = {mask, mask, 0, 0, 0};
  params_u32(s, params, 5);
  uint32_t d = (uint32_t)r;
  BRef vb, ve, vs;
  const int32_t *vals[3] = {begin, end, step};
  BRef *refs[3] = {&vb, &ve, &vs};
  for (int k = 0; k < 3; k++) {
    memset(refs[k], 0, sizeof(BRef));
    refs[k]->tensor = -1;
    refs[k]->const_off = bw_add_const(w, vals[k], (size_t)r * 4);
    refs[k]->dt = BLOB_DT_S32;
    refs[k]->order = BLOB_ORDER_C;
    refs[k]->ndims = 1;
    refs[k]->dims[0] = d;
    refs[k]->strides[0] = 4;
  }
  bw_add_buf(s, bw_view(w, n->inputs[0]));
  bw_add_buf(s, vb);
  bw_add_buf(s, ve);
  bw_add_buf(s, vs);
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  return 0;
}

/* Slice / Split / Gather with constant indices: Copy stages from views of the input. */
static int lower_slice(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]), *y = bw_T(w, n->outputs[0]);
  int r = bw_rank_of(x);
  /* find the one axis that differs; steps must be 1 */
  int axis = -1;
  for (int i = 0; i < r; i++)
    if (bw_dim_of(x, i) != bw_dim_of(y, i)) {
      if (axis < 0) {
        axis = i;
        continue;
      }
      if (n->n_inputs >= 3 && ir_is_const(w->g, n->inputs[1]) && ir_is_const(w->g, n->inputs[2]))
        return lower_strided_slice(w, n);
      return bw_fail(w, "%s on several axes is not written yet", n->op_type);
    }
  if (axis < 0) {
    bw_copy_stage(w, bw_view(w, n->inputs[0]), bw_view(w, n->outputs[0]));
    return 0;
  }
  int64_t start = 0;
  if (n->n_inputs >= 3 && ir_is_const(w->g, n->inputs[1])) {
    const IrTensor *st = bw_T(w, n->inputs[1]),
                   *ax = n->n_inputs > 3 && n->inputs[3] >= 0 ? bw_T(w, n->inputs[3]) : NULL;
    for (int64_t i = 0; i < ir_numel(st); i++) {
      int64_t a = ax ? ir_const_i64(ax, i) : i;
      if (a < 0) a += r;
      if (a == axis) start = ir_const_i64(st, i);
    }
    if (n->n_inputs > 4 && n->inputs[4] >= 0) {
      const IrTensor *sp = bw_T(w, n->inputs[4]);
      for (int64_t i = 0; i < ir_numel(sp); i++)
        if (ir_const_i64(sp, i) != 1) return lower_strided_slice(w, n);
    }
  } else {
    const IrSliceParams *p = ir_slice_params(w->g, n); /* Slice-1 */
    for (int i = 0; i < p->starts.n && i < 8; i++) {
      int64_t a = i < p->axes.n && i < 8 ? p->axes.v[i] : i;
      if (a < 0) a += r;
      if (a == axis) start = p->starts.v[i];
    }
  }
  if (start < 0) start += bw_dim_of(x, axis);
  if (start < 0) start = 0;
  BRef in = bw_view(w, n->inputs[0]);
  bw_roi(&in, axis, (uint32_t)start, (uint32_t)bw_dim_of(y, axis));
  bw_copy_stage(w, in, bw_view(w, n->outputs[0]));
  return 0;
}

static int lower_split(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]);
  int r = bw_rank_of(x);
  int64_t axis = ir_split_params(w->g, n)->axis;
  if (axis < 0) axis += r;
  uint32_t at = 0;
  for (int k = 0; k < n->n_outputs; k++) {
    int t = n->outputs[k];
    if (t < 0) continue;
    uint32_t len = (uint32_t)bw_dim_of(bw_T(w, t), (int)axis);
    BRef in = bw_view(w, n->inputs[0]);
    bw_roi(&in, (int)axis, at, len);
    bw_copy_stage(w, in, bw_view(w, t));
    at += len;
  }
  return 0;
}

static int lower_gather(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]);
  if (!ir_is_const(w->g, n->inputs[1]) || ir_numel(bw_T(w, n->inputs[1])) > 64 ||
      bw_T(w, n->inputs[1])->rank > 1)
    return lower_gather_stage(w, n);
  const IrTensor *idx = bw_T(w, n->inputs[1]);
  int r = bw_rank_of(x);
  int64_t axis = ir_axis_params(w->g, n)->axis;
  if (axis < 0) axis += r;
  for (int64_t i = 0; i < ir_numel(idx); i++) {
    int64_t v = ir_const_i64(idx, i);
    if (v < 0) v += bw_dim_of(x, (int)axis);
    BRef in = bw_view(w, n->inputs[0]), out = bw_view(w, n->outputs[0]);
    bw_roi(&in, (int)axis, (uint32_t)v, 1);
    if (idx->rank == 1)
      bw_roi(&out, (int)axis, (uint32_t)i, 1);
    else {
      out = in;
      out.tensor = n->outputs[0];
      out.roi_offset = 0;
      BRef o2 = bw_view(w, n->outputs[0]);
      memcpy(out.strides, in.strides, sizeof out.strides);
      (void)o2;
    }
    bw_copy_stage(w, in, out);
  }
  return 0;
}

static int lower_resize(W *w, const IrNode *n) {
  const IrResizeParams *p = ir_resize_params(w->g, n);
  /* the stage's codes; a mode it does not have is written as the first one */
  static const IrResizeCoord CTM[] = {IR_COORD_HALF_PIXEL, IR_COORD_PYTORCH_HALF_PIXEL,
                                      IR_COORD_ASYMMETRIC, IR_COORD_TF_HALF_PIXEL_FOR_NN,
                                      IR_COORD_ALIGN_CORNERS};
  uint32_t ctm_code = 0;
  for (uint32_t i = 0; i < 5; i++)
    if (p->coord == CTM[i]) ctm_code = i;
  if (p->mode == IR_RESIZE_NEAREST) {
    static const IrResizeNearest NM[] = {IR_NEAREST_ROUND_PREFER_FLOOR,
                                         IR_NEAREST_ROUND_PREFER_CEIL, IR_NEAREST_FLOOR,
                                         IR_NEAREST_CEIL, IR_NEAREST_SIMPLE};
    IrResizeNearest nr =
        p->legacy ? IR_NEAREST_FLOOR : p->nearest; /* Upsample / Resize-10: floor */
    uint32_t nm_code = 0;
    for (uint32_t i = 0; i < 5; i++)
      if (nr == NM[i]) nm_code = i;
    Stage *s = bw_new_stage(w, BLOB_STAGE_RESAMPLE, false);
    buf_put_i32(&s->params, 0);     /* antialias */
    buf_put_f32(&s->params, -1.0f); /* factor: derived from the output size (§7 item 11) */
    buf_put_u32(&s->params, 0);     /* sampleType Nearest */
    buf_put_u32(&s->params, ctm_code);
    buf_put_u32(&s->params, nm_code);
    bw_add_buf(s, bw_view(w, n->inputs[0]));
    bw_add_buf(s, bw_view(w, n->outputs[0]));
    return 0;
  }
  Stage *s = bw_new_stage(w, BLOB_STAGE_INTERP, false);
  buf_put_i32(&s->params, p->coord == IR_COORD_ALIGN_CORNERS);
  buf_put_u32(&s->params, 1); /* Linear */
  buf_put_u32(&s->params, ctm_code);
  bw_add_buf(s, bw_view(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  return 0;
}

static int lower_pad(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]);
  int r = bw_rank_of(x);
  const IrPadParams *pp = ir_pad_params(w->g, n);
  int64_t pads[2 * IR_MAX_DIMS] = {0};
  int np = 0;
  if (n->n_inputs > 1 && ir_is_const(w->g, n->inputs[1])) {
    const IrTensor *p = bw_T(w, n->inputs[1]);
    np = (int)ir_numel(p);
    for (int i = 0; i < np && i < 2 * IR_MAX_DIMS; i++) pads[i] = ir_const_i64(p, i);
  } else {
    np = ir_ints_copy(pp->pads, pads, 2 * IR_MAX_DIMS); /* Pad-2 */
  }
  if (np != 2 * r || r > 4)
    return bw_fail(w, "%s: pads must be constant for a tensor of rank <= 4", n->op_type);
  float value = pp->value;
  if (n->n_inputs > 2 && ir_is_const(w->g, n->inputs[2]))
    value = (float)ir_const_f64(bw_T(w, n->inputs[2]), 0);
  uint32_t m = pp->mode == IR_PAD_EDGE ? 1 : pp->mode == IR_PAD_REFLECT ? 2 : 0;
  Stage *s = bw_new_stage(w, BLOB_STAGE_PAD, false);
  for (int i = 0; i < 4; i++) { /* minor -> major */
    int ie = r - 1 - i;
    buf_put_u32(&s->params, ie >= 0 ? (uint32_t)pads[ie] : 0);
    buf_put_u32(&s->params, ie >= 0 ? (uint32_t)pads[ie + r] : 0);
  }
  buf_put_f32(&s->params, value);
  buf_put_u32(&s->params, m);
  /* the stage takes 4D tensors only: a lower rank is viewed with leading dims of 1 */
  bw_add_buf(s, bw_at_rank(bw_view(w, n->inputs[0]), 4));
  bw_add_buf(s, bw_at_rank(bw_view(w, n->outputs[0]), 4));
  return 0;
}

/* DequantizeLinear of a u8 graph input (ir_dequantize_form): Convert (111) to an FP16 temporary,
 * then s x - zp s as one Power (per tensor) or ScaleShift (per channel): mo's Convert + Subtract
 * + Multiply in two stages. */
static int lower_dequantize(W *w, const IrNode *n) {
  IrDqForm form = ir_dequantize_form(w->g, n);
  const IrTensor *x = bw_T(w, n->inputs[0]);
  int64_t c = form == DQ_PER_CHANNEL ? x->dims[1] : 1;
  if (form == DQ_NONE || x->dtype != DT_U8)
    return bw_fail(w, "%s: only of a u8 input with constant scale and zero point", n->op_type);
  double *sc = arena_array(w->g->arena, (size_t)c, sizeof(double)),
         *sh = arena_array(w->g->arena, (size_t)c, sizeof(double));
  ir_dequantize_affine(w->g, n, sc, sh, c);
  int t = bw_temp_typed(w, n->inputs[0], DT_F16);
  bw_emit_convert(w, bw_view(w, n->inputs[0]), bw_view(w, t));
  if (form == DQ_PER_TENSOR) return lower_power(w, t, n->outputs[0], (float)sh[0], (float)sc[0], 1);
  Stage *s = bw_new_stage(w, BLOB_STAGE_SCALE_SHIFT, true);
  bw_add_buf(s, bw_view(w, t));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  bw_add_buf(s, bw_const_vec(w, sc, (size_t)c));
  bw_add_buf(s, bw_const_vec(w, sh, (size_t)c));
  return 0;
}

static int lower_batchnorm(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]);
  int64_t c = x->rank >= 2 ? x->dims[1] : 1;
  double *sc = arena_array(w->g->arena, (size_t)c, sizeof(double)),
         *bi = arena_array(w->g->arena, (size_t)c, sizeof(double));
  double eps = ir_norm_params(w->g, n)->epsilon;
  for (int k = 1; k < 5; k++)
    if (!ir_is_const(w->g, n->inputs[k]))
      return bw_fail(w, "%s with non-constant statistics is not written", n->op_type);
  for (int64_t i = 0; i < c; i++) {
    double s =
        ir_const_f64(bw_T(w, n->inputs[1]), i) / sqrt(ir_const_f64(bw_T(w, n->inputs[4]), i) + eps);
    sc[i] = s;
    bi[i] = ir_const_f64(bw_T(w, n->inputs[2]), i) - ir_const_f64(bw_T(w, n->inputs[3]), i) * s;
  }
  Stage *s = bw_new_stage(w, BLOB_STAGE_SCALE_SHIFT, true);
  bw_add_buf(s, bw_view(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  bw_add_buf(s, bw_const_vec(w, sc, (size_t)c));
  bw_add_buf(s, bw_const_vec(w, bi, (size_t)c));
  return 0;
}

/* ---- reductions, normalization, matrix products, top-k ---- */

/* Tensor t's storage seen with `in`'s rank and dims, except 1 on the memory dims in `mask`
 * (bit m = memory dim m). The storage of a reduced / arg-reduced result is the same whether
 * or not the model keeps the reduced dims, so every such output is described with them kept. */
static BRef kept_view(W *w, int t, const BRef *in, uint32_t mask) {
  BRef r = bw_view(w, t);
  r.ndims = in->ndims;
  r.order = blob_order_default(in->ndims);
  uint32_t s = blob_dtype_size(r.dt);
  for (uint32_t m = 0; m < in->ndims; m++) {
    r.dims[m] = (mask >> m) & 1 ? 1 : in->dims[m];
    r.strides[m] = s;
    s *= r.dims[m];
  }
  return r;
}

/* Reduce stages ReduceMean (114) / ReduceMax (112) / ReduceSum (113). Source: openvinotoolkit/
 * openvino inference-engine/src/vpu/graph_transformer/src/stages/reduce.cpp (2018-2020 copy,
 * index id 2640985537; same serialization in the 2019 copy at commit 1c794d97): params i32
 * keep_dims; buffers input, output, axes (S32 1-D const of memory-order dim indices, 0 =
 * innermost, sorted ascending — finalizeDataLayoutImpl rewrites the IR axes that way). Checked
 * on real bytes: person-reidentification-retail-0288 (2021.2) ReduceMean params `1`, 3
 * buffers, axes `0, 1` for a mean over H, W of NCHW. We always write keep_dims 1 with an output
 * view of the input's rank (same storage as the model's output). `mask` = memory dims. */
static void emit_reduce(W *w, uint32_t type, BRef in, BRef out, uint32_t mask) {
  Stage *s = bw_new_stage(w, type, false);
  buf_put_i32(&s->params, 1); /* keep_dims */
  int32_t ax[BLOB_MAX_DIMS];
  uint32_t na = 0;
  for (uint32_t m = 0; m < in.ndims; m++)
    if ((mask >> m) & 1) ax[na++] = (int32_t)m;
  bw_add_buf(s, in);
  bw_add_buf(s, out);
  bw_add_buf(s, bw_const_s32(w, ax, na));
}

/* Memory-dim mask (bit m = memory dim m) of an IE axis list of rank r; -1 when out of range. */
static int64_t axes_mask(const int64_t *axes, int n, int r) {
  uint32_t mask = 0;
  for (int i = 0; i < n; i++) {
    int64_t a = axes[i] < 0 ? axes[i] + r : axes[i];
    if (a < 0 || a >= r) return -1;
    mask |= 1u << (r - 1 - a);
  }
  return mask;
}

static int lower_reduce(W *w, const IrNode *n, uint32_t type) {
  int r = bw_rank_of(bw_T(w, n->inputs[0]));
  if (r > 8) return bw_fail(w, "%s of rank > 8", n->op_type);
  const IrAxesParams *p = ir_axes_params(w->g, n);
  int64_t axes[IR_MAX_DIMS];
  int na;
  if (n->n_inputs > 1 && n->inputs[1] >= 0) { /* opset 13 ReduceSum / opset 18: axes input */
    if (!ir_is_const(w->g, n->inputs[1]))
      return bw_fail(w, "%s with run-time axes is not written", n->op_type);
    const IrTensor *at = bw_T(w, n->inputs[1]);
    na = (int)ir_numel(at);
    if (na > IR_MAX_DIMS) return bw_fail(w, "%s: too many axes", n->op_type);
    for (int i = 0; i < na; i++) axes[i] = ir_const_i64(at, i);
  } else {
    na = ir_ints_copy(p->axes, axes, IR_MAX_DIMS);
    if (na > IR_MAX_DIMS) return bw_fail(w, "%s: too many axes", n->op_type);
  }
  if (na == 0) {
    if (p->noop_with_empty_axes)
      return bw_fail(w, "%s with noop_with_empty_axes is not written", n->op_type);
    for (int i = 0; i < r; i++) axes[i] = i;
    na = r;
  }
  int64_t mask = axes_mask(axes, na, r);
  if (mask < 0) return bw_fail(w, "%s: axis out of range", n->op_type);
  BRef in = bw_view(w, n->inputs[0]);
  emit_reduce(w, type, in, kept_view(w, n->outputs[0], &in, (uint32_t)mask), (uint32_t)mask);
  return 0;
}

/* A rank-3 [N, C, L] view seen as 4-D [N, C, L, 1] (W = 1), so per-channel stages find C at
 * memory dim 2 as for NCHW. */
static BRef as_4d(BRef r) {
  if (r.ndims != 3) return r;
  for (int m = 3; m > 0; m--) {
    r.dims[m] = r.dims[m - 1];
    r.strides[m] = r.strides[m - 1];
  }
  r.dims[0] = 1;
  r.ndims = 4;
  r.order = BLOB_ORDER_NCHW;
  return r;
}

/* A per-channel [C] activation seen as rank r with C at IE axis 1 (memory dim r - 2). */
static BRef channel_view(W *w, int t, int r) {
  BRef v = bw_view(w, t);
  uint32_t c = (uint32_t)ir_numel(bw_T(w, t)), s = blob_dtype_size(v.dt);
  v.ndims = (uint32_t)r;
  v.order = blob_order_default((uint32_t)r);
  for (int m = 0; m < r; m++) {
    v.dims[m] = m == r - 2 ? c : 1;
    v.strides[m] = s;
    s *= v.dims[m];
  }
  return v;
}

/* InstanceNormalization y = scale * (x - mean) / sqrt(var + eps) + B over the spatial dims.
 * Not written as MVN (62): the MYRIAD MVN kernel adds eps outside the square root (mvn.cpp
 * accepts only eps_mode "outside_sqrt"), ONNX inside, and MVN's params changed between 2021.2
 * (12 bytes) and 2022.1 (16 bytes, across_width added by openvino PR #6748). Instead the exact
 * formula from stages whose params are established:
 *   m = ReduceMean(x) ; d = Sum(x, m, 1, -1) ; q = Prod(d, d) ; v = ReduceMean(q) ;
 *   k = Power(v; bias eps, scale 1, power -0.5) ; t = Prod(d, k) ; y = ScaleShift(t, scale, B). */
static int lower_instance_norm(W *w, const IrNode *n) {
  int xt = n->inputs[0], yt = n->outputs[0];
  int r = bw_rank_of(bw_T(w, xt));
  if (r != 3 && r != 4)
    return bw_fail(w, "%s of rank other than 3 or 4 is not written", n->op_type);
  int64_t c = bw_T(w, xt)->dims[1];
  if (ir_numel(bw_T(w, n->inputs[1])) != c || ir_numel(bw_T(w, n->inputs[2])) != c)
    return bw_fail(w, "%s: scale and bias must have one value per channel", n->op_type);
  bool cst = ir_is_const(w->g, n->inputs[1]) && ir_is_const(w->g, n->inputs[2]);
  double eps = ir_norm_params(w->g, n)->epsilon;
  double *sc = arena_array(w->g->arena, (size_t)c, sizeof(double)),
         *bi = arena_array(w->g->arena, (size_t)c, sizeof(double));
  for (int64_t i = 0; cst && i < c; i++) {
    sc[i] = ir_const_f64(bw_T(w, n->inputs[1]), i);
    bi[i] = ir_const_f64(bw_T(w, n->inputs[2]), i);
  }
  int64_t sd[IR_MAX_DIMS], xd[IR_MAX_DIMS];
  memcpy(xd, bw_T(w, xt)->dims, (size_t)r * sizeof xd[0]);
  for (int i = 0; i < r; i++) sd[i] = i < 2 ? xd[i] : 1;
  int mt = bw_temp_dims(w, xt, "@mean", r, sd), vt = bw_temp_dims(w, xt, "@var", r, sd),
      kt = bw_temp_dims(w, xt, "@rstd", r, sd);
  int dt = bw_temp_dims(w, xt, "@centered", r, xd), qt = bw_temp_dims(w, xt, "@sq", r, xd),
      tt = bw_temp_dims(w, xt, "@norm", r, xd);
  uint32_t mask = (1u << (r - 2)) - 1; /* memory dims below C: the spatial ones */
  BRef x = bw_view(w, xt);
  emit_reduce(w, BLOB_STAGE_REDUCE_MEAN, x, bw_view(w, mt), mask);
  emit_eltwise(w, BLOB_STAGE_SUM, 1.0f, -1.0f, x, bw_view(w, dt), bw_view(w, mt));
  emit_eltwise(w, BLOB_STAGE_PROD, 1.0f, 1.0f, bw_view(w, dt), bw_view(w, qt), bw_view(w, dt));
  emit_reduce(w, BLOB_STAGE_REDUCE_MEAN, bw_view(w, qt), bw_view(w, vt), mask);
  Stage *s = bw_new_stage(w, BLOB_STAGE_POWER, true);
  buf_put_f32(&s->params, (float)eps);
  buf_put_f32(&s->params, 1.0f);
  buf_put_f32(&s->params, -0.5f);
  bw_add_buf(s, bw_view(w, vt));
  bw_add_buf(s, bw_view(w, kt));
  emit_eltwise(w, BLOB_STAGE_PROD, 1.0f, 1.0f, bw_view(w, dt), bw_view(w, tt), bw_view(w, kt));
  if (!cst) { /* run-time scale / bias [C]: broadcast Prod and Sum against [1, C, 1(, 1)] */
    int ut = bw_temp_dims(w, xt, "@scaled", r, xd);
    emit_eltwise(w, BLOB_STAGE_PROD, 1.0f, 1.0f, bw_view(w, tt), bw_view(w, ut),
                 channel_view(w, n->inputs[1], r));
    emit_eltwise(w, BLOB_STAGE_SUM, 1.0f, 1.0f, bw_view(w, ut), bw_view(w, yt),
                 channel_view(w, n->inputs[2], r));
    return 0;
  }
  s = bw_new_stage(w, BLOB_STAGE_SCALE_SHIFT, true);
  bw_add_buf(s, as_4d(bw_view(w, tt)));
  bw_add_buf(s, as_4d(bw_view(w, yt)));
  bw_add_buf(s, bw_const_vec(w, sc, (size_t)c));
  bw_add_buf(s, bw_const_vec(w, bi, (size_t)c));
  return 0;
}

/* MatMul / Gemm that FC (4) cannot take (both operands activations, or transA) -> GEMM (91).
 * Source: openvinotoolkit/openvino inference-engine/src/vpu/graph_transformer/src/stages/
 * gemm.cpp (commit 036035647537834058ef7f2b4cfe8e89fed5391a, 2018-2020): params f32 alpha,
 * f32 beta, i32 hasThreeInputs, i32 transposeA, i32 transposeB; buffers A, B, [C], output;
 * all FP16; 2..4-D, default orders (C kept at memory dim 2). We never pass C: Gemm's beta * C
 * becomes a following Sum (12) eltwise with coeff2 = beta, whose broadcasting is established,
 * while GEMM's handling of a broadcast C is not. Batch dims must be equal (no broadcasting). */
static int lower_gemm(W *w, const IrNode *n) {
  int at = n->inputs[0], bt = n->inputs[1], yt = n->outputs[0];
  int ra = bw_rank_of(bw_T(w, at)), rb = bw_rank_of(bw_T(w, bt)), ry = bw_rank_of(bw_T(w, yt));
  bool gemm = n->op == IR_OP_GEMM;
  if (ra != rb || ra != ry || ra < 2 || ra > 4)
    return bw_fail(w, "%s of operands with different ranks (or outside 2..4) is not written yet",
                   n->op_type);
  for (int i = 0; i < ra - 2; i++)
    if (bw_T(w, at)->dims[i] != bw_T(w, bt)->dims[i])
      return bw_fail(w, "%s with broadcast batch dims is not written yet", n->op_type);
  const IrGemmParams *gp = gemm ? ir_gemm_params(w->g, n) : NULL; /* MatMul: no attributes */
  bool ta = gemm && gp->trans_a, tb = gemm && gp->trans_b;
  float alpha = gemm ? gp->alpha : 1.0f, beta = gemm ? gp->beta : 1.0f;
  int ct = gemm && n->n_inputs > 2 ? n->inputs[2] : -1;
  if (ct >= 0) {
    const IrTensor *cy = bw_T(w, ct), *y = bw_T(w, yt);
    if (cy->rank > y->rank)
      return bw_fail(w, "%s: C has a higher rank than the output", n->op_type);
    for (int i = 0; i < cy->rank; i++) {
      int64_t d = cy->dims[i], o = y->dims[y->rank - cy->rank + i];
      if (d != o && d != 1) return bw_fail(w, "%s: C does not broadcast to the output", n->op_type);
    }
  }
  int gt = ct >= 0 ? bw_temp_like(w, yt) : yt;
  Stage *s = bw_new_stage(w, BLOB_STAGE_GEMM, false);
  buf_put_f32(&s->params, alpha);
  buf_put_f32(&s->params, beta);
  buf_put_i32(&s->params, 0); /* hasThreeInputs */
  buf_put_i32(&s->params, ta);
  buf_put_i32(&s->params, tb);
  bw_add_buf(s, bw_in_ref(w, at));
  bw_add_buf(s, bw_in_ref(w, bt));
  bw_add_buf(s, bw_view(w, gt));
  if (ct >= 0)
    emit_eltwise(w, BLOB_STAGE_SUM, 1.0f, beta, bw_view(w, gt), bw_view(w, yt),
                 bw_at_rank(bw_in_ref(w, ct), ry));
  return 0;
}

/* ArgMax / TopK -> TopK (104). Source: openvinotoolkit/openvino inference-engine/src/vpu/
 * graph_transformer/src/stages/topk.cpp (2018-2020 copy, index id 2481748639; unchanged in the
 * 2023 copy at commit 0f1fa2cbdeb4f5bb31eb37de0baa3865dadc9c32): params i32 axisInd (memory-
 * order index, 0 = innermost), i32 mode (TopKMode Max 0, Min 1), i32 sort (TopKSort None 0,
 * Value 1, Index 2), i32 valuesPresent, i32 indicesPresent (TopKOutputs); buffers values
 * input (FP16), K (S32 1-D const [1]), [values output FP16], [indices output S32]. Enum values
 * from include/vpu/model/stage.hpp ("firmware implementations must be aligned"). A 2019 copy
 * (Model::Ptr API) had 3 params and order input, values, K, indices: not what 2021.x runs.
 * ArgMax = TopK k 1, Max, indices only (sort None, as OpenVINO's ONNX importer does). */
static int lower_topk(W *w, const IrNode *n) {
  int xt = n->inputs[0];
  int r = bw_rank_of(bw_T(w, xt));
  bool argmax = n->op == IR_OP_ARGMAX;
  const IrArgMaxParams *ap = argmax ? ir_argmax_params(w->g, n) : NULL;
  const IrTopKParams *tp = argmax ? NULL : ir_topk_params(w->g, n);
  int64_t axis = argmax ? ap->axis : tp->axis, k = 1;
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r) return bw_fail(w, "%s: axis out of range", n->op_type);
  int32_t mode = 0, sort = 0;
  if (argmax) {
    if (ap->select_last_index)
      return bw_fail(w, "%s with select_last_index is not written", n->op_type);
  } else {
    if (n->n_inputs > 1 && n->inputs[1] >= 0) {
      if (!ir_is_const(w->g, n->inputs[1]))
        return bw_fail(w, "%s with a run-time K is not written", n->op_type);
      k = ir_const_i64(bw_T(w, n->inputs[1]), 0);
    } else {
      k = tp->k; /* TopK-1 */
    }
    if (!tp->sorted)
      return bw_fail(w, "%s with sorted=0 (order unspecified) is not written", n->op_type);
    mode = tp->largest ? 0 : 1;
    sort = 1; /* Value */
  }
  if (k < 1 || k > bw_dim_of(bw_T(w, xt), (int)axis))
    return bw_fail(w, "%s: K out of range", n->op_type);
  BRef in = bw_view(w, xt);
  uint32_t m = (uint32_t)(r - 1 - axis);
  int vt = argmax ? -1 : n->outputs[0],
      it = argmax ? n->outputs[0] : (n->n_outputs > 1 ? n->outputs[1] : -1);
  Stage *s = bw_new_stage(w, BLOB_STAGE_TOP_K, false);
  buf_put_i32(&s->params, (int32_t)m);
  buf_put_i32(&s->params, mode);
  buf_put_i32(&s->params, sort);
  buf_put_i32(&s->params, vt >= 0);
  buf_put_i32(&s->params, it >= 0);
  int32_t kv = (int32_t)k;
  bw_add_buf(s, in);
  bw_add_buf(s, bw_const_s32(w, &kv, 1));
  BRef out = kept_view(w, vt >= 0 ? vt : it, &in, 0);
  out.dims[m] = (uint32_t)k;
  for (uint32_t i = 0, st = blob_dtype_size(out.dt); i < out.ndims; st *= out.dims[i], i++)
    out.strides[i] = st;
  if (vt >= 0) bw_add_buf(s, out);
  if (it >= 0) {
    BRef ix = out;
    ix.tensor = it;
    ix.dt = BLOB_DT_S32;
    for (uint32_t i = 0, st = 4; i < ix.ndims; st *= ix.dims[i], i++) ix.strides[i] = st;
    bw_add_buf(s, ix);
  }
  return 0;
}

/* ONNX Tile -> one Tile (28) stage per repeated axis. Source: openvinotoolkit/openvino
 * inference-engine/src/vpu/graph_transformer/src/stages/tile.cpp (commit
 * 10c9ac56efb83fe0609f39222b33871e2e25d140, 2018-2020): params i32 axisInd (memory-order index
 * of the axis in the output's order), i32 tiles; buffers input, output (FP16); SHAVEs "OnlyOne".
 * The IE Tile layer repeats the whole tensor `tiles` times along one axis (numpy tile). */
/* Tile (constant repeats) and Expand (constant shape, ConvertBroadcastToTiles as the plugin
 * does): one Tile stage per repeated axis, the input seen at the output's rank. */
static int lower_tile(W *w, const IrNode *n) {
  int xt = n->inputs[0], yt = n->outputs[0];
  int r = bw_rank_of(bw_T(w, yt)), xr = bw_rank_of(bw_T(w, xt));
  bool expand = n->op == IR_OP_EXPAND;
  if (!ir_is_const(w->g, n->inputs[1]) || (!expand && ir_numel(bw_T(w, n->inputs[1])) != xr) ||
      xr > r)
    return bw_fail(w, "%s with run-time repeats or shape is not written", n->op_type);
  int64_t dims[IR_MAX_DIMS], rep[IR_MAX_DIMS];
  int last = -1;
  for (int i = 0; i < r; i++) {
    int ix = i - (r - xr);
    dims[i] = ix >= 0 ? bw_dim_of(bw_T(w, xt), ix) : 1;
    rep[i] = expand ? (dims[i] ? bw_dim_of(bw_T(w, yt), i) / dims[i] : 0)
                    : ir_const_i64(bw_T(w, n->inputs[1]), i);
    if (rep[i] < 1 || dims[i] * rep[i] != bw_dim_of(bw_T(w, yt), i))
      return bw_fail(w, "%s: repeats do not give the output shape", n->op_type);
    if (rep[i] > 1) last = i;
  }
  if (last < 0) {
    bw_copy_stage(w, bw_at_rank(bw_in_ref(w, xt), r), bw_view(w, yt));
    return 0;
  }
  int cur = xt;
  for (int i = 0; i <= last; i++) {
    if (rep[i] == 1) continue;
    dims[i] *= rep[i];
    int nt = i == last ? yt : bw_temp_dims(w, yt, "@tile", r, dims);
    Stage *s = bw_new_stage(w, BLOB_STAGE_TILE, false);
    s->shaves = s->shaves ? 1 : 0; /* StageSHAVEsRequirements::OnlyOne */
    buf_put_i32(&s->params, r - 1 - i);
    buf_put_i32(&s->params, (int32_t)rep[i]);
    bw_add_buf(s, cur == xt ? bw_at_rank(bw_in_ref(w, xt), r) : bw_view(w, cur));
    bw_add_buf(s, bw_view(w, nt));
    cur = nt;
  }
  return 0;
}

/* A view of a padded temporary [.., W rounded up] restricted to the first W columns: the
 * same data with rows aligned for stages that need it. */
static BRef padded_rows(W *w, int like, const char *suffix, uint32_t align_bytes, int *temp) {
  const IrTensor *x = bw_T(w, like);
  int rank = bw_rank_of(x);
  int64_t dims[IR_MAX_DIMS];
  for (int i = 0; i < rank; i++) dims[i] = bw_dim_of(x, i);
  int64_t wd = dims[rank - 1], per = (int64_t)(align_bytes / 2);
  dims[rank - 1] = (wd + per - 1) / per * per;
  *temp = bw_temp_dims(w, like, suffix, rank, dims);
  BRef r = bw_view(w, *temp);
  bw_roi(&r, rank - 1, 0, (uint32_t)wd);
  return r;
}

/* LRN across channels -> LRN (11): u32 size, then FP16 k, alpha, beta and a zero (norm.cpp,
 * stage research in README.md); buffers in, out. alpha goes in as ONNX has it (the kernel divides
 * by size, as ONNX and Caffe do). With C not innermost the kernel wants rows aligned to 16 bytes
 * (DimStride::Aligned on memory dim 1; STRIDE_ALIGNMENT = 16 in data_desc.hpp): other widths go
 * through padded copies, as compile_tool's stride adjustment does. */
static int lower_lrn(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]);
  const IrLrnParams *p = ir_lrn_params(w->g, n);
  int64_t size = p->size;
  if (x->rank != 4) return bw_fail(w, "%s: only 4-D (NCHW) inputs are written", n->op_type);
  if (size < 1 || size % 2 == 0)
    return bw_fail(w, "%s with an even size: the VPU's window is centred differently from ONNX's",
                   n->op_type);
  float alpha = p->alpha, beta = p->beta, bias = p->bias;
  int64_t wd = x->dims[x->rank - 1];
  bool aligned = (wd * 2) % 16 == 0;
  BRef in = bw_view(w, n->inputs[0]), out = bw_view(w, n->outputs[0]);
  int ti = -1, to = -1;
  if (!aligned) {
    BRef a = padded_rows(w, n->inputs[0], "@lrn_in", 16, &ti);
    BRef b = padded_rows(w, n->outputs[0], "@lrn_out", 16, &to);
    bw_copy_stage(w, in, a);
    in = a, out = b;
  }
  Stage *s = bw_new_stage(w, BLOB_STAGE_LRN, false);
  buf_put_u32(&s->params, (uint32_t)size);
  uint16_t h[4] = {fp16_from_f32(bias), fp16_from_f32(alpha), fp16_from_f32(beta), 0};
  for (int i = 0; i < 4; i++) {
    uint8_t b2[2] = {(uint8_t)(h[i] & 0xff), (uint8_t)(h[i] >> 8)};
    buf_put(&s->params, b2, 2);
  }
  bw_add_buf(s, in);
  bw_add_buf(s, out);
  if (!aligned) bw_copy_stage(w, out, bw_view(w, n->outputs[0]));
  return 0;
}

/* A Transpose that only moves size-1 dims keeps the memory order: a view, no Permute (as
 * compile_tool does: pointcloud_640x400 has no stage for its [1,1,H,W] -> [1,H,W,1]). */
static bool transpose_is_view(const IrNode *n, const IrGraph *g) {
  const IrTensor *x = &g->tensors[n->inputs[0]];
  int64_t perm[IR_MAX_DIMS];
  int np = ir_ints_copy(ir_transpose_params(g, n)->perm, perm, IR_MAX_DIMS);
  if (x->rank < 1 || (np && np != x->rank)) return false;
  if (!np)
    for (int i = 0; i < x->rank; i++) perm[i] = x->rank - 1 - i;
  int64_t last = -1;
  for (int i = 0; i < x->rank; i++) {
    if (perm[i] < 0 || perm[i] >= x->rank) return false;
    if (x->dims[perm[i]] == 1) continue;
    if (perm[i] < last) return false;
    last = perm[i];
  }
  return true;
}

bool bw_is_view_op(const IrNode *n, const IrGraph *g) {
  switch (n->op) {
  case IR_OP_TRANSPOSE: return transpose_is_view(n, g);
  case IR_OP_RESHAPE:
  case IR_OP_FLATTEN:
  case IR_OP_SQUEEZE:
  case IR_OP_UNSQUEEZE:
  case IR_OP_IDENTITY:
  case IR_OP_DROPOUT: return true;
  case IR_OP_CAST: return g->tensors[n->inputs[0]].dtype == g->tensors[n->outputs[0]].dtype;
  default: return false;
  }
}

static int lower_matmul(W *w, const IrNode *n) {
  const IrTensor *b = bw_T(w, n->inputs[1]);
  bool fc_ok =
      b->data && b->rank == 2 && !(n->op == IR_OP_GEMM && ir_gemm_params(w->g, n)->trans_a);
  return fc_ok ? lower_fc(w, n) : lower_gemm(w, n);
}

static int lower_prelu(W *w, const IrNode *n) {
  const IrTensor *y = bw_T(w, n->outputs[0]);
  int64_t c = y->rank >= 2 ? y->dims[1] : 1;
  double *v = channel_values_r(w, n->inputs[1], c, y->rank);
  if (!v || (y->rank != 4 && y->rank != 2 && ir_numel(bw_T(w, n->inputs[1])) != 1))
    return lower_prelu_bcast(w, n);
  Stage *s = bw_new_stage(w, BLOB_STAGE_PRELU, true);
  bw_add_buf(s, bw_view(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  bw_add_buf(s, bw_const_vec(w, v, (size_t)c));
  return 0;
}

static int lower_sqrt(W *w, const IrNode *n) {
  return lower_power(w, n->inputs[0], n->outputs[0], 0, 1, 0.5f);
}

static int lower_minmax(W *w, const IrNode *n) {
  return n->n_inputs == 2 ? lower_eltwise(w, n) : lower_variadic(w, n);
}

/* ---- issue 18: ONNX ops MYRIAD runs, and rewrites of those it lacks into stages it has ---- */

/* Sum / Mean of any number of inputs: a chain of binary Sum (12) stages through temporaries, as
 * parseEltwise chains n-ary eltwise; Mean scales each operand by 1/n in the stage's coefficients
 * (eltwise.cpp writes the two-input Mean as Sum with coeff1 = coeff2 = 0.5). */
static int lower_sum_mean(W *w, const IrNode *n) {
  int y = n->outputs[0], r = bw_rank_of(bw_T(w, y)), cnt = n->n_inputs;
  float k = n->op == IR_OP_MEAN ? 1.0f / (float)cnt : 1.0f;
  for (int i = 0; i < cnt; i++)
    if (n->inputs[i] < 0 || !broadcasts(w, n->inputs[i], y, y))
      return bw_fail(w, "%s: an input does not broadcast to the output", n->op_type);
  if (cnt == 1) {
    if (k == 1.0f)
      bw_copy_stage(w, bw_at_rank(bw_in_ref(w, n->inputs[0]), r), bw_view(w, y));
    else
      return lower_power(w, n->inputs[0], y, 0, k, 1);
    return 0;
  }
  int acc = n->inputs[0];
  for (int i = 1; i < cnt; i++) {
    int out = i == cnt - 1 ? y : bw_temp_like(w, y);
    emit_eltwise(w, BLOB_STAGE_SUM, i == 1 ? k : 1.0f, k, bw_at_rank(bw_in_ref(w, acc), r),
                 bw_view(w, out), bw_at_rank(bw_in_ref(w, n->inputs[i]), r));
    acc = out;
  }
  return 0;
}

/* A FP16 constant of one value seen at rank r (every dim 1): the broadcast operand of an
 * eltwise stage (size-1 dims broadcast). */
static BRef const_scalar_at(W *w, float v, int r) {
  uint16_t h = fp16_from_f32(v);
  uint32_t dims[BLOB_MAX_DIMS];
  for (int i = 0; i < r; i++) dims[i] = 1;
  return bw_const_f16(w, &h, 1, r, dims);
}

/* A writer temporary shaped like tensor `like` but of dtype dt (S32 comparison results). */

/* A PostOp stage of no params (Sigmoid, Exp, Log, SoftPlus, Mish, Erf, ...) between views. */
static void emit_post0(W *w, uint32_t type, BRef in, BRef out) {
  Stage *s = bw_new_stage(w, type, true);
  bw_add_buf(s, in);
  bw_add_buf(s, out);
}

static void emit_power(W *w, BRef in, BRef out, float bias, float scale, float power) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_POWER, true);
  buf_put_f32(&s->params, bias);
  buf_put_f32(&s->params, scale);
  buf_put_f32(&s->params, power);
  bw_add_buf(s, in);
  bw_add_buf(s, out);
}

static void emit_clamp(W *w, BRef in, BRef out, float lo, float hi) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_CLAMP, true);
  buf_put_f32(&s->params, lo);
  buf_put_f32(&s->params, hi);
  bw_add_buf(s, in);
  bw_add_buf(s, out);
}

static void emit_elu(W *w, BRef in, BRef out, float alpha) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_ELU, true);
  buf_put_f32(&s->params, alpha);
  bw_add_buf(s, in);
  bw_add_buf(s, out);
}

/* Select (90) as lower_where writes it: S32 condition, then, else (size-1 dims broadcast). */
static void emit_select(W *w, BRef c, BRef out, BRef a, BRef b) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_SELECT, false);
  static const int32_t prm[6] = {1, 1, -1, 0, 0, 1};
  for (int i = 0; i < 6; i++) buf_put_i32(&s->params, prm[i]);
  bw_add_buf(s, c);
  bw_add_buf(s, out);
  bw_add_buf(s, a);
  bw_add_buf(s, b);
}

/* The input as FP16: itself, or a Convert (111) into a temporary for an S32 (boolean) input. */
static BRef as_fp16(W *w, int x, int like) {
  if (bw_blob_dt(bw_T(w, x)->dtype) == BLOB_DT_FP16) return bw_in_ref(w, x);
  int t = bw_temp_typed(w, like, DT_F16);
  bw_emit_convert(w, bw_in_ref(w, x), bw_view(w, t));
  return bw_view(w, t);
}

/* HardSigmoid = Clamp(alpha x + beta, 0, 1): the scalar ScaleShift as a Power stage (power 1),
 * then Clamp (57). x * HardSigmoid(x) with alpha 1/6, beta 1/2 (PyTorch's hardswish before
 * opset 14) is HSwish (137): the Mul reading the HardSigmoid is lowered with it. */
static bool is_hswish_pattern(const IrGraph *g, const IrNode *n, int reader) {
  const IrActParams *p = ir_act_params(g, n);
  if (reader < 0 || fabsf(p->alpha - 1.0f / 6.0f) > 1e-6f || fabsf(p->beta - 0.5f) > 1e-6f)
    return false;
  const IrNode *m = &g->nodes[reader];
  if (m->op != IR_OP_MUL || m->n_inputs != 2) return false;
  int other = m->inputs[0] == n->outputs[0] ? m->inputs[1] : m->inputs[0];
  return other == n->inputs[0] && g->tensors[m->outputs[0]].rank == g->tensors[n->inputs[0]].rank;
}

static int lower_hard_sigmoid(W *w, const IrNode *n) {
  int x = n->inputs[0], y = n->outputs[0];
  int rd = w->reader ? w->reader[y] : -1;
  if (w->done && is_hswish_pattern(w->g, n, rd)) {
    emit_post0(w, BLOB_STAGE_HSWISH, bw_view(w, x), bw_view(w, w->g->nodes[rd].outputs[0]));
    w->done[rd] = 1;
    return 0;
  }
  const IrActParams *p = ir_act_params(w->g, n);
  int t = bw_temp_like(w, y);
  emit_power(w, bw_view(w, x), bw_view(w, t), p->beta, p->alpha, 1.0f);
  emit_clamp(w, bw_view(w, t), bw_view(w, y), 0.0f, 1.0f);
  return 0;
}

/* Neg = Power(0, -1, 1); Reciprocal = Power(0, 1, -1). */
static int lower_neg(W *w, const IrNode *n) {
  return lower_power(w, n->inputs[0], n->outputs[0], 0, -1, 1);
}
static int lower_reciprocal(W *w, const IrNode *n) {
  return lower_power(w, n->inputs[0], n->outputs[0], 0, 1, -1);
}

/* Selu = gamma * Elu_alpha(x): Elu (23), Power (scale gamma). */
static int lower_selu(W *w, const IrNode *n) {
  const IrActParams *p = ir_act_params(w->g, n);
  int t = bw_temp_like(w, n->outputs[0]);
  emit_elu(w, bw_view(w, n->inputs[0]), bw_view(w, t), p->alpha);
  emit_power(w, bw_view(w, t), bw_view(w, n->outputs[0]), 0, p->beta, 1);
  return 0;
}

/* Celu = alpha * Elu_1(x / alpha): Power, Elu, Power. */
static int lower_celu(W *w, const IrNode *n) {
  float a = ir_act_params(w->g, n)->alpha;
  int t = bw_temp_like(w, n->outputs[0]), u = bw_temp_like(w, n->outputs[0]);
  emit_power(w, bw_view(w, n->inputs[0]), bw_view(w, t), 0, 1.0f / a, 1);
  emit_elu(w, bw_view(w, t), bw_view(w, u), 1.0f);
  emit_power(w, bw_view(w, u), bw_view(w, n->outputs[0]), 0, a, 1);
  return 0;
}

/* Softsign = x / (1 + |x|): Power (-x), Max (|x|), Power ((1 + |x|)^-1), Prod. */
static int lower_softsign(W *w, const IrNode *n) {
  int x = n->inputs[0], y = n->outputs[0];
  int ng = bw_temp_like(w, y), ab = bw_temp_like(w, y), rc = bw_temp_like(w, y);
  emit_power(w, bw_view(w, x), bw_view(w, ng), 0, -1, 1);
  emit_eltwise(w, BLOB_STAGE_MAX, 1, 1, bw_view(w, x), bw_view(w, ab), bw_view(w, ng));
  emit_power(w, bw_view(w, ab), bw_view(w, rc), 1, 1, -1);
  emit_eltwise(w, BLOB_STAGE_PROD, 1, 1, bw_view(w, x), bw_view(w, y), bw_view(w, rc));
  return 0;
}

/* ThresholdedRelu = Select(x > alpha, x, 0): Greater (80, S32 out), Select (90). */
static int lower_thresholded_relu(W *w, const IrNode *n) {
  int x = n->inputs[0], y = n->outputs[0], r = bw_rank_of(bw_T(w, y));
  int c = bw_temp_typed(w, y, DT_BOOL);
  emit_eltwise(w, BLOB_STAGE_GREATER, 1, 1, bw_view(w, x), bw_view(w, c),
               const_scalar_at(w, ir_act_params(w->g, n)->alpha, r));
  emit_select(w, bw_view(w, c), bw_view(w, y), bw_view(w, x), const_scalar_at(w, 0, r));
  return 0;
}

/* Shrink = x < -lambd ? x + bias : x > lambd ? x - bias : 0: Greater, Less, two Powers, two Selects. */
static int lower_shrink(W *w, const IrNode *n) {
  int x = n->inputs[0], y = n->outputs[0], r = bw_rank_of(bw_T(w, y));
  const IrActParams *p = ir_act_params(w->g, n);
  float l = p->alpha, b = p->beta;
  int gt = bw_temp_typed(w, y, DT_BOOL), lt = bw_temp_typed(w, y, DT_BOOL);
  int hi = bw_temp_like(w, y), lo = bw_temp_like(w, y), mid = bw_temp_like(w, y);
  emit_eltwise(w, BLOB_STAGE_GREATER, 1, 1, bw_view(w, x), bw_view(w, gt),
               const_scalar_at(w, l, r));
  emit_eltwise(w, BLOB_STAGE_LESS, 1, 1, bw_view(w, x), bw_view(w, lt), const_scalar_at(w, -l, r));
  emit_power(w, bw_view(w, x), bw_view(w, hi), -b, 1, 1);
  emit_power(w, bw_view(w, x), bw_view(w, lo), b, 1, 1);
  emit_select(w, bw_view(w, lt), bw_view(w, mid), bw_view(w, lo), const_scalar_at(w, 0, r));
  emit_select(w, bw_view(w, gt), bw_view(w, y), bw_view(w, hi), bw_view(w, mid));
  return 0;
}

/* Sign = (x > 0) - (x < 0): Greater and Less (S32), Converts to FP16, Sum (coeff2 -1). MYRIAD
 * has no Sign stage: the plugin decomposes Sign too; these stages are all established. */
static int lower_sign(W *w, const IrNode *n) {
  int x = n->inputs[0], y = n->outputs[0], r = bw_rank_of(bw_T(w, y));
  int gt = bw_temp_typed(w, y, DT_BOOL), lt = bw_temp_typed(w, y, DT_BOOL);
  BRef xv = as_fp16(w, x, y);
  emit_eltwise(w, BLOB_STAGE_GREATER, 1, 1, xv, bw_view(w, gt), const_scalar_at(w, 0, r));
  emit_eltwise(w, BLOB_STAGE_LESS, 1, 1, xv, bw_view(w, lt), const_scalar_at(w, 0, r));
  BRef g16 = as_fp16(w, gt, y), l16 = as_fp16(w, lt, y);
  emit_eltwise(w, BLOB_STAGE_SUM, 1, -1, g16, bw_view(w, y), l16);
  return 0;
}

/* Not of a boolean (S32 in the blob) = Equal(float(x), 0): Convert, Equal (S32 out). */
static int lower_not(W *w, const IrNode *n) {
  int x = n->inputs[0], y = n->outputs[0], r = bw_rank_of(bw_T(w, y));
  emit_eltwise(w, BLOB_STAGE_EQUAL, 1, 1, as_fp16(w, x, y), bw_view(w, y),
               const_scalar_at(w, 0, r));
  return 0;
}

/* Erf (110), SoftPlus (134), Mish (131): PostOp stages without params (softplus.cpp, mish.cpp:
 * serializeParamsImpl appends nothing); Round (140): PostOp, i32 mode (RoundMode HALF_TO_EVEN
 * 0, HALF_AWAY_FROM_ZERO 1; round.cpp, stage.hpp). */
static int lower_post0(W *w, const IrNode *n, uint32_t type) {
  emit_post0(w, type, bw_view(w, n->inputs[0]), bw_view(w, n->outputs[0]));
  return 0;
}

static int lower_round(W *w, const IrNode *n) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_ROUND, true);
  buf_put_i32(&s->params, 0); /* HALF_TO_EVEN: ONNX Round */
  bw_add_buf(s, bw_view(w, n->inputs[0]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  return 0;
}

/* The memory-dim mask of Softmax/LogSoftmax's reduced axes: `axis` alone (opset 13+), or every
 * axis from `axis` on (before opset 13 the input is seen as 2-D [before axis, from axis]). */
static uint32_t softmax_mask(W *w, const IrNode *n, int r) {
  int64_t axis = ir_axis_params(w->g, n)->axis;
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r) return 0;
  if (w->g->opset && w->g->opset < 13) return (1u << (r - axis)) - 1;
  return 1u << (r - 1 - axis);
}

/* LogSoftmax = x - m - log(sum(exp(x - m))), m = max over the axis: ReduceMax, Sum (coeff2 -1),
 * Exp, ReduceSum, Log, Sum (coeff2 -1). The max keeps exp in range (FP16 overflows at e^11). */
static int lower_log_softmax(W *w, const IrNode *n) {
  int x = n->inputs[0], y = n->outputs[0], r = bw_rank_of(bw_T(w, x));
  uint32_t mask = softmax_mask(w, n, r);
  if (!mask) return bw_fail(w, "%s: axis out of range", n->op_type);
  int64_t sd[IR_MAX_DIMS];
  for (int i = 0; i < r; i++) sd[i] = (mask >> (r - 1 - i)) & 1 ? 1 : bw_dim_of(bw_T(w, x), i);
  int m = bw_temp_dims(w, x, "@max", r, sd), s = bw_temp_dims(w, x, "@sum", r, sd),
      l = bw_temp_dims(w, x, "@logsum", r, sd);
  int d = bw_temp_like(w, y), e = bw_temp_like(w, y);
  BRef xv = bw_view(w, x);
  emit_reduce(w, BLOB_STAGE_REDUCE_MAX, xv, bw_view(w, m), mask);
  emit_eltwise(w, BLOB_STAGE_SUM, 1, -1, xv, bw_view(w, d), bw_view(w, m));
  emit_post0(w, BLOB_STAGE_EXP, bw_view(w, d), bw_view(w, e));
  emit_reduce(w, BLOB_STAGE_REDUCE_SUM, bw_view(w, e), bw_view(w, s), mask);
  emit_post0(w, BLOB_STAGE_LOG, bw_view(w, s), bw_view(w, l));
  emit_eltwise(w, BLOB_STAGE_SUM, 1, -1, bw_view(w, d), bw_view(w, y), bw_view(w, l));
  return 0;
}

/* A compact view of tensor t's storage with IE dims `dims` (rank r, same element count). */
static BRef reshaped(W *w, int t, int r, const int64_t *dims) {
  BRef v = bw_view(w, t);
  uint32_t s = blob_dtype_size(v.dt);
  v.ndims = (uint32_t)r;
  v.order = blob_order_default((uint32_t)r);
  for (int m = 0; m < r; m++) {
    v.dims[m] = (uint32_t)dims[r - 1 - m];
    v.strides[m] = s;
    s *= v.dims[m];
  }
  return v;
}

/* DepthToSpace / SpaceToDepth = Reshape + Permute (34) + Reshape, the reshapes as views of the
 * input's and output's storage (6-D), as OpenVINO's DepthToSpaceFusion / the ONNX definition:
 *   DCR: [N, b, b, C', H, W] perm (0, 3, 4, 1, 5, 2) -> [N, C', H, b, W, b]
 *   CRD: [N, C', b, b, H, W] perm (0, 1, 4, 2, 5, 3) -> [N, C', H, b, W, b]
 *   SpaceToDepth: [N, C, H', b, W', b] perm (0, 3, 5, 1, 2, 4) -> [N, b, b, C, H', W'] */
static int lower_depth_space(W *w, const IrNode *n) {
  const IrTensor *x = bw_T(w, n->inputs[0]);
  if (x->rank != 4) return bw_fail(w, "%s: only 4-D inputs are written", n->op_type);
  const IrBlockParams *p = ir_block_params(w->g, n);
  int64_t b = p->blocksize, N = x->dims[0], C = x->dims[1], H = x->dims[2], W_ = x->dims[3];
  int64_t in6[6], perm[6];
  if (n->op == IR_OP_DEPTH_TO_SPACE) {
    int64_t c = C / (b * b);
    if (p->mode == IR_D2S_CRD) {
      int64_t d[6] = {N, c, b, b, H, W_}, q[6] = {0, 1, 4, 2, 5, 3};
      memcpy(in6, d, sizeof d), memcpy(perm, q, sizeof q);
    } else {
      int64_t d[6] = {N, b, b, c, H, W_}, q[6] = {0, 3, 4, 1, 5, 2};
      memcpy(in6, d, sizeof d), memcpy(perm, q, sizeof q);
    }
  } else {
    int64_t d[6] = {N, C, H / b, b, W_ / b, b}, q[6] = {0, 3, 5, 1, 2, 4};
    memcpy(in6, d, sizeof d), memcpy(perm, q, sizeof q);
  }
  int64_t out6[6];
  for (int i = 0; i < 6; i++) out6[i] = in6[perm[i]];
  Stage *s = bw_new_stage(w, BLOB_STAGE_PERMUTE, false);
  for (int m = 0; m < 8; m++)
    buf_put_u32(&s->params, m < 6 ? (uint32_t)(5 - perm[5 - m]) : 0xFFFFFFFFu);
  bw_add_buf(s, reshaped(w, n->inputs[0], 6, in6));
  bw_add_buf(s, reshaped(w, n->outputs[0], 6, out6));
  return 0;
}

/* The memory-dim mask of a Reduce node's axes (attribute or constant input; none = all), as
 * lower_reduce reads them; -1 after bw_fail. */
static int64_t reduce_mask_of(W *w, const IrNode *n) {
  int r = bw_rank_of(bw_T(w, n->inputs[0]));
  const IrAxesParams *p = ir_axes_params(w->g, n);
  int64_t axes[IR_MAX_DIMS];
  int na;
  if (n->n_inputs > 1 && n->inputs[1] >= 0) {
    if (!ir_is_const(w->g, n->inputs[1]) || ir_numel(bw_T(w, n->inputs[1])) > IR_MAX_DIMS)
      return bw_fail(w, "%s with run-time axes is not written", n->op_type);
    na = (int)ir_numel(bw_T(w, n->inputs[1]));
    for (int i = 0; i < na; i++) axes[i] = ir_const_i64(bw_T(w, n->inputs[1]), i);
  } else if ((na = ir_ints_copy(p->axes, axes, IR_MAX_DIMS)) > IR_MAX_DIMS) {
    return bw_fail(w, "%s: too many axes", n->op_type);
  }
  if (na == 0) {
    if (p->noop_with_empty_axes)
      return bw_fail(w, "%s with noop_with_empty_axes is not written", n->op_type);
    for (int i = 0; i < r; i++) axes[i] = i;
    na = r;
  }
  int64_t mask = axes_mask(axes, na, r);
  return mask < 0 ? bw_fail(w, "%s: axis out of range", n->op_type) : mask;
}

/* ReduceL1 = ReduceSum(|x|) (|x| as Max(x, Power(-x))); ReduceL2 = Power(ReduceSum(x * x), 1/2);
 * ReduceSumSquare = ReduceSum(x * x); ReduceLogSumExp = m + Log(ReduceSum(Exp(x - m))) with m
 * the ReduceMax (FP16's exp overflows past 11). Stages: Power, Max, Prod, Sum, Exp, Log and
 * ReduceSum / ReduceMax (112, 113), all established. */
static int lower_reduce_rewrite(W *w, const IrNode *n) {
  int64_t mask = reduce_mask_of(w, n);
  if (mask < 0) return -1;
  int x = n->inputs[0], r = bw_rank_of(bw_T(w, x));
  int64_t sd[IR_MAX_DIMS];
  for (int i = 0; i < r; i++) sd[i] = (mask >> (r - 1 - i)) & 1 ? 1 : bw_dim_of(bw_T(w, x), i);
  BRef xv = bw_view(w, x), in = xv;
  BRef out = kept_view(w, n->outputs[0], &in, (uint32_t)mask);
  int t = bw_temp_like(w, x);
  switch (n->op) {
  case IR_OP_REDUCE_L1: {
    int ng = bw_temp_like(w, x);
    emit_power(w, xv, bw_view(w, ng), 0, -1, 1);
    emit_eltwise(w, BLOB_STAGE_MAX, 1, 1, xv, bw_view(w, t), bw_view(w, ng));
    emit_reduce(w, BLOB_STAGE_REDUCE_SUM, bw_view(w, t), out, (uint32_t)mask);
    return 0;
  }
  case IR_OP_REDUCE_SUM_SQUARE:
    emit_eltwise(w, BLOB_STAGE_PROD, 1, 1, xv, bw_view(w, t), xv);
    emit_reduce(w, BLOB_STAGE_REDUCE_SUM, bw_view(w, t), out, (uint32_t)mask);
    return 0;
  case IR_OP_REDUCE_L2: {
    int s = bw_temp_dims(w, x, "@sumsq", r, sd);
    emit_eltwise(w, BLOB_STAGE_PROD, 1, 1, xv, bw_view(w, t), xv);
    emit_reduce(w, BLOB_STAGE_REDUCE_SUM, bw_view(w, t), bw_view(w, s), (uint32_t)mask);
    emit_power(w, bw_view(w, s), out, 0, 1, 0.5f);
    return 0;
  }
  case IR_OP_REDUCE_LOG_SUM_EXP: {
    int m = bw_temp_dims(w, x, "@max", r, sd), s = bw_temp_dims(w, x, "@sum", r, sd),
        l = bw_temp_dims(w, x, "@log", r, sd);
    int e = bw_temp_like(w, x);
    emit_reduce(w, BLOB_STAGE_REDUCE_MAX, xv, bw_view(w, m), (uint32_t)mask);
    emit_eltwise(w, BLOB_STAGE_SUM, 1, -1, xv, bw_view(w, t), bw_view(w, m));
    emit_post0(w, BLOB_STAGE_EXP, bw_view(w, t), bw_view(w, e));
    emit_reduce(w, BLOB_STAGE_REDUCE_SUM, bw_view(w, e), bw_view(w, s), (uint32_t)mask);
    emit_post0(w, BLOB_STAGE_LOG, bw_view(w, s), bw_view(w, l));
    emit_eltwise(w, BLOB_STAGE_SUM, 1, 1, bw_view(w, l), out, bw_view(w, m));
    return 0;
  }
  default: return bw_fail(w, "%s is not a reduction rewrite", n->op_type);
  }
}

/* MeanVarianceNormalization (ONNX's function: eps 1e-9 outside the square root) over any axes:
 *   m = ReduceMean(x) ; d = Sum(x, m, 1, -1) ; q = Prod(d, d) ; v = ReduceMean(q) ;
 *   s = Power(v; 0, 1, 0.5) ; k = Power(s; 1e-9, 1, -1) ; y = Prod(d, k).
 * MVN (62) is not used: it refuses the batch axis (mvn.cpp) and its params differ between
 * 2021.2 and 2021.4.1 (see lower_instance_norm). */
static int lower_mvn(W *w, const IrNode *n) {
  int x = n->inputs[0], y = n->outputs[0], r = bw_rank_of(bw_T(w, x));
  const IrAxesParams *p = ir_axes_params(w->g, n);
  int64_t mask = axes_mask(p->axes.v, p->axes.n, r);
  if (mask < 0 || r > 8) return bw_fail(w, "%s: axis out of range", n->op_type);
  int64_t sd[IR_MAX_DIMS];
  for (int i = 0; i < r; i++) sd[i] = (mask >> (r - 1 - i)) & 1 ? 1 : bw_dim_of(bw_T(w, x), i);
  int m = bw_temp_dims(w, x, "@mean", r, sd), v = bw_temp_dims(w, x, "@var", r, sd),
      sq = bw_temp_dims(w, x, "@std", r, sd), k = bw_temp_dims(w, x, "@rstd", r, sd);
  int d = bw_temp_like(w, x), q = bw_temp_like(w, x);
  BRef xv = bw_view(w, x);
  emit_reduce(w, BLOB_STAGE_REDUCE_MEAN, xv, bw_view(w, m), (uint32_t)mask);
  emit_eltwise(w, BLOB_STAGE_SUM, 1, -1, xv, bw_view(w, d), bw_view(w, m));
  emit_eltwise(w, BLOB_STAGE_PROD, 1, 1, bw_view(w, d), bw_view(w, q), bw_view(w, d));
  emit_reduce(w, BLOB_STAGE_REDUCE_MEAN, bw_view(w, q), bw_view(w, v), (uint32_t)mask);
  emit_power(w, bw_view(w, v), bw_view(w, sq), 0, 1, 0.5f);
  emit_power(w, bw_view(w, sq), bw_view(w, k), 1e-9f, 1, -1);
  emit_eltwise(w, BLOB_STAGE_PROD, 1, 1, bw_view(w, d), bw_view(w, y), bw_view(w, k));
  return 0;
}

/* LpNormalization: p = 2 over the channels of a 2-D..4-D input is Normalize (35), as
 * NormalizeL2 (eps 0: ONNX has none); else y = x * Power(ReduceSum(|x|^p), -1/p) with |x| as
 * Max(x, -x) (p = 1) or x * x (p = 2). */
static int lower_lp_norm(W *w, const IrNode *n) {
  int x = n->inputs[0], y = n->outputs[0], r = bw_rank_of(bw_T(w, x));
  const IrLpNormParams *p = ir_lp_norm_params(w->g, n);
  int64_t a = p->axis < 0 ? p->axis + r : p->axis;
  if (a < 0 || a >= r || r > 8) return bw_fail(w, "%s: axis out of range", n->op_type);
  if (p->p == 2 && a == 1 && r >= 2 && r <= 4) return bw_normalize_channels(w, x, y, 0.0f);
  uint32_t mask = 1u << (r - 1 - a);
  int64_t sd[IR_MAX_DIMS];
  for (int i = 0; i < r; i++) sd[i] = i == a ? 1 : bw_dim_of(bw_T(w, x), i);
  int t = bw_temp_like(w, x), s = bw_temp_dims(w, x, "@sum", r, sd),
      k = bw_temp_dims(w, x, "@rnorm", r, sd);
  BRef xv = bw_view(w, x);
  if (p->p == 1) {
    int ng = bw_temp_like(w, x);
    emit_power(w, xv, bw_view(w, ng), 0, -1, 1);
    emit_eltwise(w, BLOB_STAGE_MAX, 1, 1, xv, bw_view(w, t), bw_view(w, ng));
  } else {
    emit_eltwise(w, BLOB_STAGE_PROD, 1, 1, xv, bw_view(w, t), xv);
  }
  emit_reduce(w, BLOB_STAGE_REDUCE_SUM, bw_view(w, t), bw_view(w, s), mask);
  emit_power(w, bw_view(w, s), bw_view(w, k), 0, 1, p->p == 1 ? -1.0f : -0.5f);
  emit_eltwise(w, BLOB_STAGE_PROD, 1, 1, xv, bw_view(w, y), bw_view(w, k));
  return 0;
}

/* GreaterOrEqual / LessOrEqual of FP16 operands, And / Or / Xor of booleans (S32 in the blob),
 * from the stages whose FP16 -> S32 form is established (only Greater, Less and Equal may write
 * S32 from FP16, eltwise.cpp): a >= b is Equal(Less(a, b), 0), a <= b Equal(Greater(a, b), 0);
 * booleans are Converted to FP16, then And = Greater(Prod, 0.5), Or = Greater(Max, 0.5),
 * Xor = Greater((a - b)^2, 0.5). */
static int lower_logic(W *w, const IrNode *n) {
  int a = n->inputs[0], b = n->inputs[1], y = n->outputs[0], r = bw_rank_of(bw_T(w, y));
  if (!broadcasts(w, a, b, y))
    return bw_fail(w, "%s: operands do not broadcast to the output", n->op_type);
  BRef av = bw_at_rank(as_fp16(w, a, a), r), bv = bw_at_rank(as_fp16(w, b, b), r);
  if (n->op == IR_OP_GREATER_OR_EQUAL || n->op == IR_OP_LESS_OR_EQUAL) {
    int c = bw_temp_typed(w, y, DT_BOOL);
    emit_eltwise(w, n->op == IR_OP_GREATER_OR_EQUAL ? BLOB_STAGE_LESS : BLOB_STAGE_GREATER, 1, 1,
                 av, bw_view(w, c), bv);
    emit_eltwise(w, BLOB_STAGE_EQUAL, 1, 1, as_fp16(w, c, y), bw_view(w, y),
                 const_scalar_at(w, 0, r));
    return 0;
  }
  int t = bw_temp_typed(w, y, DT_F16);
  if (n->op == IR_OP_AND)
    emit_eltwise(w, BLOB_STAGE_PROD, 1, 1, av, bw_view(w, t), bv);
  else if (n->op == IR_OP_OR)
    emit_eltwise(w, BLOB_STAGE_MAX, 1, 1, av, bw_view(w, t), bv);
  else {
    int d = bw_temp_typed(w, y, DT_F16);
    emit_eltwise(w, BLOB_STAGE_SUM, 1, -1, av, bw_view(w, d), bv);
    emit_eltwise(w, BLOB_STAGE_PROD, 1, 1, bw_view(w, d), bw_view(w, t), bw_view(w, d));
  }
  emit_eltwise(w, BLOB_STAGE_GREATER, 1, 1, bw_view(w, t), bw_view(w, y),
               const_scalar_at(w, 0.5f, r));
  return 0;
}

/* How each op becomes stages: a lowering of its own (fn), or a family lowering given the stage
 * type (fn_stage, stage). Both NULL: no stage, because the op is a memory view (bw_is_view_op:
 * Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout, most Transposes and Casts), is
 * always folded or replaced before the backend (Constant, Shape, ...), or has no MyriadX stage
 * (its verdict says so before the writer runs). */
typedef struct {
  int (*fn)(W *w, const IrNode *n);
  int (*fn_stage)(W *w, const IrNode *n, uint32_t stage);
  uint32_t stage;
} Lowering;

/* clang-format off */
#define LOWERINGS(Y)                                          \
  Y(CONV, lower_conv, NULL, 0)                                \
  Y(CONV_TRANSPOSE, lower_deconv, NULL, 0)                    \
  Y(MAX_POOL, lower_pool, NULL, 0)                            \
  Y(AVERAGE_POOL, lower_pool, NULL, 0)                        \
  Y(GLOBAL_AVERAGE_POOL, lower_pool, NULL, 0)                 \
  Y(GLOBAL_MAX_POOL, lower_pool, NULL, 0)                     \
  Y(BATCH_NORM, lower_batchnorm, NULL, 0)                     \
  Y(RELU, NULL, lower_post, BLOB_STAGE_RELU)                  \
  Y(LEAKY_RELU, NULL, lower_post, BLOB_STAGE_LEAKY_RELU)      \
  Y(PRELU, lower_prelu, NULL, 0)                              \
  Y(CLIP, NULL, lower_post, BLOB_STAGE_CLAMP)                 \
  Y(SIGMOID, NULL, lower_post, BLOB_STAGE_SIGMOID)            \
  Y(TANH, NULL, lower_post, BLOB_STAGE_TANH)                  \
  Y(HARD_SIGMOID, lower_hard_sigmoid, NULL, 0)                              \
  Y(HARD_SWISH, NULL, lower_post, BLOB_STAGE_HSWISH)          \
  Y(ELU, NULL, lower_post, BLOB_STAGE_ELU)                    \
  Y(EXP, NULL, lower_post, BLOB_STAGE_EXP)                    \
  Y(LOG, NULL, lower_post, BLOB_STAGE_LOG)                    \
  Y(SQRT, lower_sqrt, NULL, 0)                                \
  Y(NEG, lower_neg, NULL, 0)                                  \
  Y(ABS, lower_abs, NULL, 0)                                  \
  Y(FLOOR, NULL, lower_post, BLOB_STAGE_FLOOR)                \
  Y(CEIL, NULL, lower_post, BLOB_STAGE_CEILING)               \
  Y(SOFTMAX, lower_softmax, NULL, 0)                          \
  Y(ADD, lower_eltwise, NULL, 0)                              \
  Y(SUB, lower_eltwise, NULL, 0)                              \
  Y(MUL, lower_eltwise, NULL, 0)                              \
  Y(DIV, lower_eltwise, NULL, 0)                              \
  Y(POW, lower_eltwise, NULL, 0)                              \
  Y(MAX, lower_minmax, NULL, 0)                               \
  Y(MIN, lower_minmax, NULL, 0)                               \
  Y(EQUAL, lower_compare, NULL, 0)                            \
  Y(LESS, lower_compare, NULL, 0)                             \
  Y(GREATER, lower_compare, NULL, 0)                          \
  Y(WHERE, lower_where, NULL, 0)                              \
  Y(MATMUL, lower_matmul, NULL, 0)                            \
  Y(GEMM, lower_matmul, NULL, 0)                              \
  Y(CONCAT, lower_concat, NULL, 0)                            \
  Y(RESHAPE, NULL, NULL, 0)                                   \
  Y(FLATTEN, NULL, NULL, 0)                                   \
  Y(TRANSPOSE, lower_transpose, NULL, 0)                      \
  Y(SQUEEZE, NULL, NULL, 0)                                   \
  Y(UNSQUEEZE, NULL, NULL, 0)                                 \
  Y(PAD, lower_pad, NULL, 0)                                  \
  Y(RESIZE, lower_resize, NULL, 0)                            \
  Y(UPSAMPLE, lower_resize, NULL, 0)                          \
  Y(SLICE, lower_slice, NULL, 0)                              \
  Y(SPLIT, lower_split, NULL, 0)                              \
  Y(REDUCE_MEAN, NULL, lower_reduce, BLOB_STAGE_REDUCE_MEAN)  \
  Y(REDUCE_MAX, NULL, lower_reduce, BLOB_STAGE_REDUCE_MAX)    \
  Y(REDUCE_SUM, NULL, lower_reduce, BLOB_STAGE_REDUCE_SUM)    \
  Y(CAST, lower_convert, NULL, 0)                             \
  Y(IDENTITY, NULL, NULL, 0)                                  \
  Y(DROPOUT, NULL, NULL, 0)                                   \
  Y(CONSTANT, NULL, NULL, 0)                                  \
  Y(CONSTANT_OF_SHAPE, NULL, NULL, 0)                         \
  Y(SHAPE, NULL, NULL, 0)                                     \
  Y(GATHER, lower_gather, NULL, 0)                            \
  Y(EXPAND, lower_tile, NULL, 0)                              \
  Y(RANGE, NULL, NULL, 0)                                     \
  Y(TILE, lower_tile, NULL, 0)                                \
  Y(ARGMAX, lower_topk, NULL, 0)                              \
  Y(TOPK, lower_topk, NULL, 0)                                \
  Y(LRN, lower_lrn, NULL, 0)                                  \
  Y(DEPTH_TO_SPACE, lower_depth_space, NULL, 0)                            \
  Y(SPACE_TO_DEPTH, lower_depth_space, NULL, 0)                            \
  Y(INSTANCE_NORM, lower_instance_norm, NULL, 0)              \
  Y(LOG_SOFTMAX, lower_log_softmax, NULL, 0)                               \
  Y(NON_MAX_SUPPRESSION, NULL, NULL, 0)                       \
  Y(PRIOR_BOX_CLUSTERED, NULL, NULL, 0)                       \
  Y(DETECTION_OUTPUT, lower_detection_output, NULL, 0) \
  Y(SUM, lower_sum_mean, NULL, 0) \
  Y(MEAN, lower_sum_mean, NULL, 0) \
  Y(RECIPROCAL, lower_reciprocal, NULL, 0) \
  Y(SELU, lower_selu, NULL, 0) \
  Y(SOFTSIGN, lower_softsign, NULL, 0) \
  Y(THRESHOLDED_RELU, lower_thresholded_relu, NULL, 0) \
  Y(CELU, lower_celu, NULL, 0) \
  Y(SHRINK, lower_shrink, NULL, 0) \
  Y(ERF, NULL, lower_post0, BLOB_STAGE_ERF) \
  Y(SOFTPLUS, NULL, lower_post0, BLOB_STAGE_SOFT_PLUS) \
  Y(SIGN, lower_sign, NULL, 0) \
  Y(ROUND, lower_round, NULL, 0) \
  Y(MISH, NULL, lower_post0, BLOB_STAGE_MISH) \
  Y(NOT, lower_not, NULL, 0) \
  Y(REDUCE_MIN, NULL, lower_reduce, BLOB_STAGE_REDUCE_MIN) \
  Y(REDUCE_L1, lower_reduce_rewrite, NULL, 0) \
  Y(REDUCE_L2, lower_reduce_rewrite, NULL, 0) \
  Y(REDUCE_SUM_SQUARE, lower_reduce_rewrite, NULL, 0) \
  Y(REDUCE_LOG_SUM_EXP, lower_reduce_rewrite, NULL, 0) \
  Y(GREATER_OR_EQUAL, lower_logic, NULL, 0) \
  Y(LESS_OR_EQUAL, lower_logic, NULL, 0) \
  Y(AND, lower_logic, NULL, 0) \
  Y(OR, lower_logic, NULL, 0) \
  Y(XOR, lower_logic, NULL, 0) \
  Y(SWISH, NULL, bw_lower_ir_activation, BLOB_STAGE_SWISH) \
  Y(GELU, NULL, bw_lower_ir_activation, BLOB_STAGE_GELU) \
  Y(SQUARED_DIFF, bw_lower_squared_diff, NULL, 0) \
  Y(GRN, bw_lower_grn, NULL, 0) \
  Y(NORMALIZE_L2, bw_lower_normalize_l2, NULL, 0) \
  Y(REGION_YOLO, bw_lower_region_yolo, NULL, 0) \
  Y(REORG_YOLO, bw_lower_reorg_yolo, NULL, 0) \
  Y(PRIOR_BOX, NULL, NULL, 0) \
  Y(CTC_GREEDY_DECODER, bw_lower_ctc_greedy_decoder, NULL, 0) \
  Y(SCATTER_UPDATE, bw_lower_scatter_update, NULL, 0) \
  Y(GATHER_ND, bw_lower_gather_nd, NULL, 0) \
  Y(ROI_POOLING, NULL, bw_lower_roi_pooling, BLOB_STAGE_ROI_POOLING) \
  Y(PSROI_POOLING, NULL, bw_lower_roi_pooling, BLOB_STAGE_PSROI_POOLING) \
  Y(LSTM_CELL, bw_lower_lstm_cell, NULL, 0) \
  Y(PROPOSAL, bw_lower_proposal, NULL, 0) \
  Y(QUANTIZE_LINEAR, NULL, NULL, 0) \
  Y(DEQUANTIZE_LINEAR, lower_dequantize, NULL, 0) \
  Y(GATHER_ELEMENTS, bw_lower_gather_elements, NULL, 0) \
  Y(SCATTER_ELEMENTS, bw_lower_scatter_elements, NULL, 0) \
  Y(SCATTER_ND, bw_lower_scatter_nd, NULL, 0) \
  Y(ONE_HOT, bw_lower_one_hot, NULL, 0) \
  Y(REVERSE_SEQUENCE, bw_lower_reverse_sequence, NULL, 0) \
  Y(MOD, bw_lower_mod, NULL, 0) \
  Y(SCATTER, bw_lower_scatter_elements, NULL, 0) \
  Y(MVN, lower_mvn, NULL, 0) \
  Y(LP_NORM, lower_lp_norm, NULL, 0) \
  Y(MAX_ROI_POOL, NULL, bw_lower_roi_pooling, BLOB_STAGE_ROI_POOLING) \
  Y(ROI_ALIGN, bw_lower_roi_align, NULL, 0) \
  Y(LSTM, bw_lower_lstm, NULL, 0)
/* clang-format on */
OPTABLE(static const Lowering, LOWER, LOWERINGS);

/* The stages each lowering writes, for `blobc ops` (be_blob_lowering): keyed by the lowering
 * function's name as LOWERINGS gives it; a lowering missing here is named by its function. */
static const struct {
  const char *fn, *stages;
} STAGES_OF[] = {
    {"lower_conv", "Conv, DepthConv (+ Bias); one Conv per group"},
    {"lower_deconv", "Deconvolution, DepthDeconv (+ Bias)"},
    {"lower_pool", "MaxPool, AvgPool, GlobalMaxPool"},
    {"lower_batchnorm", "ScaleShift"},
    {"lower_prelu", "PRelu (Relu, Sum, Prod for a slope not per channel)"},
    {"lower_sqrt", "Power"},
    {"lower_abs", "Power + Max"},
    {"lower_softmax", "SoftMax"},
    {"lower_eltwise",
     "Sum, Prod, Div, Max, Min, Pow; Power, Bias, Scale, ScaleShift with a constant"},
    {"lower_minmax", "Max, Min (a chain for more than two inputs)"},
    {"lower_compare", "Equal, Less, Greater"},
    {"lower_where", "Select"},
    {"lower_matmul", "FC (+ Bias) with constant weights, else GEMM"},
    {"lower_concat", "Copy per input (DMA)"},
    {"lower_transpose", "Permute (a view when only size-1 dims move)"},
    {"lower_pad", "Pad"},
    {"lower_resize", "Resample (nearest), Interp (linear)"},
    {"lower_slice", "Copy (DMA), StridedSlice with steps or several axes"},
    {"lower_split", "Copy per output (DMA)"},
    {"lower_convert", "Convert"},
    {"lower_dequantize", "Convert + Power (per tensor) or ScaleShift (per channel)"},
    {"lower_gather", "Copy per constant index (DMA), else Gather"},
    {"lower_tile", "Tile per repeated axis"},
    {"lower_topk", "TopK"},
    {"lower_lrn", "LRN"},
    {"lower_instance_norm", "ReduceMean, Sum, Prod, Power, ScaleShift"},
    {"lower_detection_output", "DetectionOutput"},
    {"bw_lower_squared_diff", "Squared_diff"},
    {"bw_lower_grn", "GRN"},
    {"bw_lower_normalize_l2", "Normalize"},
    {"bw_lower_region_yolo", "RegionYolo"},
    {"bw_lower_reorg_yolo", "ReorgYolo"},
    {"bw_lower_ctc_greedy_decoder", "CTCDecoder"},
    {"bw_lower_scatter_update", "ScatterUpdate"},
    {"bw_lower_gather_nd", "GatherND"},
    {"bw_lower_lstm_cell", "LSTMCell"},
    {"bw_lower_proposal", "Proposal"},
    {"bw_lower_gather_elements", "GatherElements (+ Convert of float indices)"},
    {"bw_lower_scatter_elements", "ScatterElementsUpdate"},
    {"bw_lower_scatter_nd", "ScatterUpdate (indices of one coordinate)"},
    {"bw_lower_one_hot",
     "OneHot (+ Less, Power, Select, Convert wrapping negative indices; Convert to an integer "
     "output)"},
    {"bw_lower_reverse_sequence", "ReverseSequence (+ Convert of integer lengths)"},
    {"bw_lower_mod", "Floor_mod; fmod=1: Power, Max, Floor_mod, Less, Select"},
    {"lower_mvn", "ReduceMean, Sum, Prod, Power"},
    {"lower_lp_norm", "Normalize (p 2 over the channels), else Power, Max, Prod, ReduceSum"},
    {"bw_lower_roi_align", "ROIAlign (+ Power on the rois for half_pixel)"},
    {"bw_lower_lstm", "LSTMCell over the sequence per direction (+ Permute, Copy)"},
};

#define LOWER_FN_NAME_(e, fn, fs, st) [IR_OP_##e] = #fn,
static const char *const LOWER_FN[IR_OP_COUNT] = {LOWERINGS(LOWER_FN_NAME_)};
#undef LOWER_FN_NAME_

bool be_blob_lowering(IrOp op, const char **stages) {
  *stages = NULL;
  if ((unsigned)op >= IR_OP_COUNT) return false;
  const Lowering *l = &LOWER[op];
  if (l->fn_stage) {
    *stages = blob_stage_name(l->stage);
    return true;
  }
  if (!l->fn) return false;
  *stages = LOWER_FN[op];
  for (size_t i = 0; i < sizeof STAGES_OF / sizeof STAGES_OF[0]; i++)
    if (!strcmp(STAGES_OF[i].fn, LOWER_FN[op])) *stages = STAGES_OF[i].stages;
  return true;
}

bool be_blob_view_op(IrOp op) {
  if ((unsigned)op >= IR_OP_COUNT || op == IR_OP_TRANSPOSE || op == IR_OP_CAST)
    return false; /* depend on the node */
  IrNode n = {.op = op};
  return bw_is_view_op(&n, NULL);
}

int bw_lower_node(W *w, int i) {
  const IrNode *n = &w->g->nodes[i];
  w->cur_node = i;
  const Lowering *l = (unsigned)n->op < IR_OP_COUNT ? &LOWER[n->op] : NULL;
  if (l && l->fn) return l->fn(w, n);
  if (l && l->fn_stage) return l->fn_stage(w, n, l->stage);
  return bw_fail(w, "no MyriadX stage for op '%s' in the blob writer yet", n->op_type);
}
