/*
 * compiler/graph/params_seq.c — attribute decoders of the ONNX normalizations, ROI ops and LSTM
 * of issue 18 (MeanVarianceNormalization, LpNormalization, MaxRoiPool, RoiAlign, LSTM), for
 * params.c's PARAM_DECODERS (declared in params_internal.h). Defaults are those of the ONNX
 * operator specifications (onnx/docs/Operators.md, v1.12.0).
 */
#include "params_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ERR_SHAPE "<op_type>: <what> <v> is invalid" naming the node; returns -1. */
static int bad(const IrGraph *g, const IrNode *n, Err *err, const char *what, double v) {
  if (!err) return -1;
  err_where(err, g->source, 0, NULL, n->name);
  err->code = ERR_SHAPE;
  snprintf(err->msg, sizeof err->msg, "%s: %s %g is invalid", n->op_type, what, v);
  return -1;
}

/* ERR_SHAPE "<op_type>: <what> '<v>' is invalid (<want>)" naming the node; returns -1. */
static int bad_str(const IrGraph *g, const IrNode *n, Err *err, const char *what, const char *v,
                   const char *want) {
  if (!err) return -1;
  err_where(err, g->source, 0, NULL, n->name);
  err->code = ERR_SHAPE;
  snprintf(err->msg, sizeof err->msg, "%s: %s '%s' is invalid (%s)", n->op_type, what, v, want);
  return -1;
}

/* MeanVarianceNormalization-9/-13: axes, default [0, 2, 3]. */
IR__DECODER(mvn) {
  static const int64_t DEFAULT_AXES[3] = {0, 2, 3};
  IrAxesParams *p = out;
  const IrAttr *a = ir_attr(n, "axes");
  if (a && a->kind == ATTR_INTS && a->n > 0)
    p->axes.v = a->ints, p->axes.n = a->n;
  else if (a)
    return bad(g, n, err, "axes count", a->kind == ATTR_INTS ? a->n : -1);
  else
    p->axes.v = DEFAULT_AXES, p->axes.n = 3;
  p->keepdims = true;
  return 0;
}

/* LpNormalization-1: axis -1, p 2 (only 1 and 2 are defined). */
IR__DECODER(lp_norm) {
  IrLpNormParams *p = out;
  p->axis = ir_attr_int(n, "axis", -1);
  int64_t pp = ir_attr_int(n, "p", 2);
  if (pp != 1 && pp != 2) return bad(g, n, err, "p", (double)pp);
  p->p = (int)pp;
  return 0;
}

/* MaxRoiPool-1: pooled_shape [h, w] (required), spatial_scale 1; ROIPooling's max method. */
IR__DECODER(max_roi_pool) {
  IrRoiParams *p = out;
  int64_t sz[2] = {0, 0};
  const IrAttr *a = ir_attr(n, "pooled_shape");
  if (!a || a->kind != ATTR_INTS || a->n != 2)
    return bad(g, n, err, "pooled_shape count", a && a->kind == ATTR_INTS ? a->n : 0);
  ir_attr_ints(n, "pooled_shape", sz, 2);
  p->pooled_h = sz[0], p->pooled_w = sz[1];
  p->spatial_scale = ir_attr_float(n, "spatial_scale", 1.0f);
  p->mode_name = "max";
  p->bilinear = false;
  if (p->pooled_h < 1 || p->pooled_h > 4096)
    return bad(g, n, err, "pooled_shape height", (double)p->pooled_h);
  if (p->pooled_w < 1 || p->pooled_w > 4096)
    return bad(g, n, err, "pooled_shape width", (double)p->pooled_w);
  if (!(p->spatial_scale > 0)) return bad(g, n, err, "spatial_scale", p->spatial_scale);
  return 0;
}

/* RoiAlign-10/-16: mode "avg", output_height/_width 1, sampling_ratio 0, spatial_scale 1;
 * coordinate_transformation_mode (16 only) "half_pixel", before 16 always "output_half_pixel". */
IR__DECODER(roi_align) {
  IrRoiAlignParams *p = out;
  const char *mode = ir_attr_str(n, "mode", "avg");
  if (strcmp(mode, "avg") && strcmp(mode, "max"))
    return bad_str(g, n, err, "mode", mode, "avg or max");
  p->max = !strcmp(mode, "max");
  p->output_h = ir_attr_int(n, "output_height", 1);
  p->output_w = ir_attr_int(n, "output_width", 1);
  p->sampling_ratio = ir_attr_int(n, "sampling_ratio", 0);
  p->spatial_scale = ir_attr_float(n, "spatial_scale", 1.0f);
  const char *ct = ir_attr_str(n, "coordinate_transformation_mode",
                               g->opset > 0 && g->opset < 16 ? "output_half_pixel" : "half_pixel");
  if (strcmp(ct, "half_pixel") && strcmp(ct, "output_half_pixel"))
    return bad_str(g, n, err, "coordinate_transformation_mode", ct,
                   "half_pixel or output_half_pixel");
  p->half_pixel = !strcmp(ct, "half_pixel");
  if (p->output_h < 1 || p->output_h > 4096)
    return bad(g, n, err, "output_height", (double)p->output_h);
  if (p->output_w < 1 || p->output_w > 4096)
    return bad(g, n, err, "output_width", (double)p->output_w);
  if (p->sampling_ratio < 0 || p->sampling_ratio > 1024)
    return bad(g, n, err, "sampling_ratio", (double)p->sampling_ratio);
  if (!(p->spatial_scale > 0)) return bad(g, n, err, "spatial_scale", p->spatial_scale);
  return 0;
}

/* LSTM-7/-14: hidden_size (required), direction "forward", clip (none), activations (Sigmoid,
 * Tanh, Tanh per direction), input_forget 0, layout 0. The ONNX reader keeps a list of strings
 * as one comma-separated string. */
IR__DECODER(onnx_lstm) {
  IrOnnxLstmParams *p = out;
  p->hidden_size = ir_attr_int(n, "hidden_size", 0);
  const char *dir = ir_attr_str(n, "direction", "forward");
  if (!strcmp(dir, "forward"))
    p->direction = IR_RNN_FORWARD;
  else if (!strcmp(dir, "reverse"))
    p->direction = IR_RNN_REVERSE;
  else if (!strcmp(dir, "bidirectional"))
    p->direction = IR_RNN_BIDIRECTIONAL;
  else
    return bad_str(g, n, err, "direction", dir, "forward, reverse or bidirectional");
  p->clip = ir_attr_float(n, "clip", 0.0f);
  if (ir_attr(n, "clip") && !(p->clip > 0)) return bad(g, n, err, "clip", p->clip);
  const IrAttr *act = ir_attr(n, "activations");
  const char *want = p->direction == IR_RNN_BIDIRECTIONAL ? "sigmoid,tanh,tanh,sigmoid,tanh,tanh"
                                                          : "sigmoid,tanh,tanh";
  /* OpenVINO's LSTMSequence lists the three once for both directions */
  p->default_activations =
      !act || (act->kind == ATTR_STRING && act->s &&
               (!strcasecmp(act->s, want) || !strcasecmp(act->s, "sigmoid,tanh,tanh")));
  p->input_forget = ir_attr_int(n, "input_forget", 0) != 0;
  int64_t layout = ir_attr_int(n, "layout", 0);
  if (layout != 0 && layout != 1) return bad(g, n, err, "layout", (double)layout);
  p->batch_first = layout == 1;
  if (p->hidden_size < 1 || p->hidden_size > 65536)
    return bad(g, n, err, "hidden_size", (double)p->hidden_size);
  return 0;
}
