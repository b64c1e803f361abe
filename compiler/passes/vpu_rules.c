/*
 * compiler/passes/vpu_rules.c — one VPU (MYRIAD / RVC2) legality rule per op.
 *
 * Source of every rule: ../shared/docs/myriad-supported-ops.md, which transcribes OpenVINO's
 * Supported_Devices.md (VPU column), VPU.md "Known Layers Limitations" and the issues cited
 * there. A rule returns VERDICT_SUPPORTED, VERDICT_CONVERTED (runs after a change we make) or
 * VERDICT_UNSUPPORTED with a reason and a fix a user can act on.
 */
#include "passes.h"

#include "compiler/graph/optable.h"
#include "compiler/graph/params.h"
#include "compiler/graph/quant.h"

#include <math.h>
#include <string.h>

typedef struct {
  const IrGraph *g;
  const IrNode *n;
  const char **reason, **fix;
  const CompileOptions *opt; /* NULL: judged alone (fix texts speak of a manifest) */
} Ctx;

typedef Verdict (*Rule)(Ctx *c);

static Verdict unsupported(Ctx *c, const char *reason, const char *fix) {
  *c->reason = arena_strdup(c->g->arena, reason);
  *c->fix = arena_strdup(c->g->arena, fix);
  return VERDICT_UNSUPPORTED;
}

static const IrTensor *in_t(Ctx *c, int k) {
  return k < c->n->n_inputs && c->n->inputs[k] >= 0 ? &c->g->tensors[c->n->inputs[k]] : NULL;
}

static Verdict ok(Ctx *c) {
  (void)c;
  return VERDICT_SUPPORTED;
}

/* "Not Supported" in the VPU column (Supported_Devices.md). */
static Verdict not_listed(Ctx *c) {
  const char *op = c->n->op_type;
  const char *fix = "remove the op from the exported graph or compute it on the host; the VPU has "
                    "no kernel for it";
  if (!strcmp(op, "HardSigmoid"))
    fix = "rewrite as Clip(x * alpha + beta, 0, 1) (e.g. relu6(x + 3) / 6 in PyTorch) before "
          "export (blobconverter issue #63)";
  else if (!strcmp(op, "Neg"))
    fix = "multiply by -1 instead (Mul with a constant)";
  else if (!strcmp(op, "LogSoftmax"))
    fix = "use Softmax followed by Log, or drop it and take the argmax on the host";
  else if (!strcmp(op, "DepthToSpace") || !strcmp(op, "SpaceToDepth"))
    fix = "express it as Reshape + Transpose + Reshape before export";
  else if (!strcmp(op, "Range"))
    fix = "make its inputs constant (static shapes) so it folds, or precompute it";
  *c->reason =
      arena_printf(c->g->arena, "%s is not supported on MYRIAD (VPU column 'Not Supported')", op);
  *c->fix = arena_strdup(c->g->arena, fix);
  return VERDICT_UNSUPPORTED;
}

/* Layers the VPU column lists as supported (myriad-supported-ops.md) that our op table does not
 * carry yet: the device could run them, blobc cannot write their stages. */
static const char *const VPU_LISTED[] = {
    "PriorBox",
    "Proposal",
    "RegionYolo",
    "ReorgYolo",
    "ROIPooling",
    "MaxRoiPool",
    "PSROIPooling",
    "CTCGreedyDecoder",
    "LSTMCell",
    "LSTMSequence",
    "LSTM",
    "RNN",
    "TensorIterator",
    "GRN",
    "MVN",
    "MeanVarianceNormalization",
    "Normalize",
    "NormalizeL2",
    "LpNormalization",
    "ScatterUpdate",
    "OneHot",
    "ReverseSequence",
    "Erf",
    "Sign",
    "Softplus",
    "Mish",
    "Swish",
    "Gelu",
    "Not",
    "And",
    "Or",
    "Xor",
    "LogicalNot",
    "LogicalAnd",
    "LogicalOr",
    "LogicalXor",
    "FloorMod",
    "Mod",
    "SquaredDifference",
    "GreaterOrEqual",
    "LessOrEqual",
    "NotEqual",
    "ReduceMin",
    "ReduceAnd",
    "StridedSlice",
    "Broadcast",
    "Select",
    "ScaleShift",
    "Crop",
    "Interp",
    "Resample",
    "Power",
    "Clamp",
    "Permute",
    "SoftMax",
    "ROIAlign",
    "ExperimentalDetectronDetectionOutput",
};

static Verdict rule_unknown(Ctx *c) {
  for (size_t i = 0; i < sizeof VPU_LISTED / sizeof VPU_LISTED[0]; i++)
    if (!strcmp(c->n->op_type, VPU_LISTED[i])) {
      *c->reason = arena_printf(
          c->g->arena, "'%s' is on the MYRIAD layer list, but blobc cannot write its stage yet",
          c->n->op_type);
      *c->fix = arena_strdup(c->g->arena,
                             "compile this model's IR (written beside the report) with OpenVINO's "
                             "compile_tool for now, or run the layer on the host");
      return VERDICT_UNSUPPORTED;
    }
  *c->reason =
      arena_printf(c->g->arena, "unsupported layer type '%s%s%s': not in the MYRIAD layer list",
                   c->n->domain && c->n->domain[0] ? c->n->domain : "",
                   c->n->domain && c->n->domain[0] ? "." : "", c->n->op_type);
  *c->fix = arena_strdup(
      c->g->arena,
      "replace it with supported ops before export, or run it on the host after the network");
  return VERDICT_UNSUPPORTED;
}

/* Shape-computing ops that survive folding: from a dynamic input (vpu_judge_graph words that
 * verdict), or from values computed at run time. */
static Verdict rule_dynamic(Ctx *c) {
  return unsupported(
      c, "computes a shape from values known only at run time (MYRIAD runs static shapes only)",
      "make the values it reads constant (freeze the inputs they come from) so it folds");
}

static Verdict rule_conv(Ctx *c) {
  const IrTensor *w = in_t(c, 1);
  if (w && w->rank == 5)
    return unsupported(c, "3D convolution is not supported on MYRIAD", "use 2D convolutions");
  if (w && w->rank >= 0 && w->rank != 4 && w->rank != 3)
    return unsupported(c, "only 1D/2D convolutions are supported", "reshape to a 2D convolution");
  return VERDICT_SUPPORTED;
}

static Verdict rule_pool(Ctx *c) {
  const IrTensor *x = in_t(c, 0);
  if (x && x->rank == 5)
    return unsupported(c, "3D pooling is not supported on MYRIAD", "use 2D pooling");
  return VERDICT_SUPPORTED;
}

/* issue 18 part 4: the scale of a spatial axis that does not give a whole output size (ONNX
 * samples at x / scale, MYRIAD's stages at x * in / out, which then differ), or 0. */
static double resize_odd_scale(Ctx *c, int *axis, int64_t *in_dim) {
  const IrResizeParams *p = ir_resize_params(c->g, c->n);
  const IrTensor *x = in_t(c, 0), *s = NULL;
  if (!x || x->rank < 3) return 0;
  if (c->n->op == IR_OP_UPSAMPLE || p->legacy)
    s = in_t(c, 1);
  else if (!in_t(c, 3) || ir_numel(in_t(c, 3)) <= 0)
    s = in_t(c, 2); /* scales, not sizes */
  for (int i = 2; i < x->rank; i++) {
    double k = 0;
    if (s && s->data && ir_numel(s) == x->rank)
      k = ir_const_f64(s, i);
    else if (!s && p->scales && p->n_scales == x->rank)
      k = p->scales[i];
    else
      continue;
    double want = (double)x->dims[i] * k;
    if (x->dims[i] > 0 && fabs(want - floor(want + 1e-6)) > 1e-6) {
      *axis = i, *in_dim = x->dims[i];
      return k;
    }
  }
  return 0;
}

static Verdict rule_resize(Ctx *c) {
  const IrResizeParams *p = ir_resize_params(c->g, c->n);
  if (p->mode != IR_RESIZE_NEAREST && p->mode != IR_RESIZE_LINEAR)
    return unsupported(
        c,
        arena_printf(c->g->arena,
                     "Resize mode '%s' is not supported on MYRIAD (nearest and linear only)",
                     p->mode_name),
        "export with mode='linear' or 'nearest'");
  if (p->coord == IR_COORD_TF_CROP_AND_RESIZE)
    return unsupported(c,
                       "Resize with coordinate_transformation_mode 'tf_crop_and_resize': MYRIAD's "
                       "Resample and Interp stages take no region of interest",
                       "crop with Slice first, then resize with 'asymmetric' or 'align_corners'");
  int ax = 0;
  int64_t in = 0;
  double k = resize_odd_scale(c, &ax, &in);
  if (k != 0 && p->mode == IR_RESIZE_LINEAR)
    return unsupported(
        c,
        arena_printf(
            c->g->arena,
            "linear Resize by scale %g on axis %d: %lld x %g is not a whole size, so ONNX samples "
            "at x / %g and MYRIAD's Interp at the size ratio %g: the results differ",
            k, ax, (long long)in, k, k, floor((double)in * k + 1e-6) / (double)in),
        "export with output sizes (F.interpolate(size=...)) or a scale that gives a whole size");
  if (k != 0) {
    *c->reason = arena_printf(
        c->g->arena,
        "warning: nearest Resize by scale %g on axis %d: %lld x %g is not a whole size; MYRIAD "
        "picks pixels at the size ratio, ONNX at the scale (some pixels differ)",
        k, ax, (long long)in, k);
    *c->fix =
        arena_strdup(c->g->arena, "export with output sizes or a scale that gives a whole size");
    return VERDICT_CONVERTED;
  }
  /* Resample honours nearest only as half_pixel + round_prefer_ceil or asymmetric + floor; other
   * pairs run as its defaults (openvino PR #2963, myriad-supported-ops.md) */
  if (p->mode == IR_RESIZE_NEAREST && !p->legacy &&
      !(p->coord == IR_COORD_HALF_PIXEL && p->nearest == IR_NEAREST_ROUND_PREFER_CEIL) &&
      !(p->coord == IR_COORD_ASYMMETRIC && p->nearest == IR_NEAREST_FLOOR)) {
    *c->reason = arena_printf(
        c->g->arena,
        "warning: nearest Resize with coordinate_transformation_mode '%s' and nearest_mode '%s' "
        "runs with MYRIAD's defaults (only half_pixel + round_prefer_ceil and asymmetric + floor "
        "are honoured, openvino PR #2963): some pixels may differ",
        p->coord_name, p->nearest_name);
    *c->fix = arena_strdup(c->g->arena, "export with coordinate_transformation_mode='asymmetric', "
                                        "nearest_mode='floor' (PyTorch's nearest) to be exact");
    return VERDICT_CONVERTED;
  }
  if (p->mode == IR_RESIZE_LINEAR && p->coord != IR_COORD_ALIGN_CORNERS &&
      p->coord != IR_COORD_ASYMMETRIC) {
    *c->reason =
        arena_printf(c->g->arena,
                     "warning: linear Resize with coordinate_transformation_mode '%s' runs as "
                     "'asymmetric' on MYRIAD (small pixel differences, openvino PR #2932)",
                     p->coord_name);
    *c->fix = arena_strdup(c->g->arena, "export with align_corners=True or accept the difference");
    return VERDICT_CONVERTED;
  }
  return VERDICT_SUPPORTED;
}

static Verdict rule_pad(Ctx *c) {
  const IrTensor *x = in_t(c, 0);
  if (x && x->rank > 4)
    return unsupported(c, "Pad is supported on tensors of up to 4 dims only",
                       "pad a 4D (NCHW) tensor");
  const IrPadParams *p = ir_pad_params(c->g, c->n);
  if (p->mode != IR_PAD_CONSTANT && p->mode != IR_PAD_EDGE && p->mode != IR_PAD_REFLECT)
    return unsupported(c, arena_printf(c->g->arena, "Pad mode '%s' is not supported", p->mode_name),
                       "use constant, edge or reflect");
  if (x && x->rank >= 1 && x->rank < 4) { /* MYRIAD's Pad stage takes 4D tensors only */
    *c->reason = arena_printf(c->g->arena,
                              "Pad of a %d-D tensor runs as a 4-D Pad of the same memory (leading "
                              "dims of 1): MYRIAD's Pad stage takes 4D tensors only",
                              x->rank);
    *c->fix = arena_strdup(c->g->arena, "none needed");
    return VERDICT_CONVERTED;
  }
  return VERDICT_SUPPORTED;
}

static Verdict rule_cast(Ctx *c) {
  const IrTensor *x = in_t(c, 0);
  if (x && (x->dtype == DT_I64 || x->dtype == DT_I32)) {
    bool was64 = x->dtype == DT_I64 || x->source_dtype == DT_I64;
    *c->reason = was64
                     ? arena_printf(c->g->arena,
                                    "input '%s' is INT64: the VPU has no I64, it is fed as I32 and "
                                    "a Convert to FP16 is inserted",
                                    x->name)
                     : arena_printf(c->g->arena,
                                    "input '%s' is INT32: a Convert to FP16 is inserted", x->name);
    *c->fix = arena_strdup(c->g->arena, "none needed; feed int32 values on the device");
    return VERDICT_CONVERTED;
  }
  return VERDICT_SUPPORTED;
}

static Verdict rule_integer_data(Ctx *c) {
  /* eltwise and comparison stages need FP16 inputs ("input #0 has type S32, but one of [FP16] is expected") */
  for (int k = 0; k < c->n->n_inputs; k++) {
    const IrTensor *t = in_t(c, k);
    if (t && !t->data && dtype_is_int(t->dtype) && t->dtype != DT_BOOL) {
      *c->reason = arena_printf(
          c->g->arena,
          "input #%d has type %s where FP16 is expected: a Convert to FP16 is inserted", k,
          dtype_name(t->dtype));
      *c->fix = arena_strdup(c->g->arena, "none needed; or Cast to float in the model");
      return VERDICT_CONVERTED;
    }
  }
  return VERDICT_SUPPORTED;
}

/* sw_deconv_adaptation.cpp serializes no dilation (kx, ky, sx, sy, padLeft, padTop only). */
static Verdict rule_deconv(Ctx *c) {
  Verdict v = rule_conv(c);
  if (v != VERDICT_SUPPORTED) return v;
  const IrWindowParams *p = ir_window_params(c->g, c->n);
  if (p->dilations[0] != 1 || p->dilations[1] != 1)
    return unsupported(
        c, "dilated ConvTranspose: the MYRIAD Deconvolution stage has no dilation parameter",
        "use dilation 1, or upsample with zeros (Resize) and use a dilated Conv");
  if (p->auto_pad != IR_AUTO_PAD_NOTSET && p->auto_pad != IR_AUTO_PAD_VALID)
    return unsupported(c, "ConvTranspose with auto_pad SAME_*: blobc needs explicit pads",
                       "export with explicit pads (PyTorch does by default)");
  return VERDICT_SUPPORTED;
}

/* ONNX LRN sums channels [c - (size-1)/2, c + size/2]; the MYRIAD kernel [c - size/2, ...]:
 * the same only for odd sizes (myriad_layers_lrn_test.hpp reference). */
static Verdict rule_lrn(Ctx *c) {
  const IrTensor *x = in_t(c, 0);
  int64_t size = ir_lrn_params(c->g, c->n)->size;
  if (size < 1 || size % 2 == 0)
    return unsupported(c, "LRN with an even size: the VPU centres the window differently from ONNX",
                       "use an odd size (AlexNet and GoogLeNet use 5)");
  if (x && x->rank != 4)
    return unsupported(c, "LRN is written for 4-D (NCHW) inputs only", "apply it to a 4-D tensor");
  return VERDICT_SUPPORTED;
}

/* On the MYRIAD list (StaticShapeNMS), but its stage is not written by blobc yet. */
static Verdict rule_nms(Ctx *c) {
  *c->reason = arena_strdup(c->g->arena, "'NonMaxSuppression' is on the MYRIAD layer list, but "
                                         "blobc cannot write its stage (StaticShapeNMS) yet");
  *c->fix = arena_strdup(
      c->g->arena,
      "cut the graph before NMS and run it on the host (depthai's detection post-processing does), "
      "or compile the IR written beside the report with compile_tool");
  return VERDICT_UNSUPPORTED;
}

/* DetectionOutput (detection_output.cpp): FP16 2-D loc/conf, constant normalized priors. */
static Verdict rule_detection_output(Ctx *c) {
  const IrTensor *loc = in_t(c, 0), *conf = in_t(c, 1), *pri = in_t(c, 2);
  const IrDetectionParams *p = ir_detection_params(c->g, c->n);
  if (p->code_type < 1 || p->code_type > 3)
    return unsupported(c, "DetectionOutput with an unknown code_type",
                       "use caffe.PriorBoxParameter.CORNER, CENTER_SIZE or CORNER_SIZE");
  if (!p->normalized)
    return unsupported(c, "DetectionOutput with normalized=0 priors is not written by blobc",
                       "export normalized priors (the SSD default)");
  if (c->n->n_inputs != 3)
    return unsupported(c, "DetectionOutput with ARM inputs (5 inputs) is not written by blobc",
                       "use the 3-input form");
  if ((loc && loc->rank != 2) || (conf && conf->rank != 2))
    return unsupported(
        c, "DetectionOutput wants 2-D [N, P*4] locations and [N, P*classes] confidences",
        "flatten them before the layer, as the SSD exports do");
  if (pri && (!pri->data || pri->rank != 3))
    return unsupported(c, "DetectionOutput priors must be a constant [1, 2, P*4] (folded PriorBox)",
                       "give the network a static input shape so the priors fold");
  if (p->decrease_label_id && p->background_label_id != 0)
    return unsupported(
        c, "decrease_label_id with a background label other than 0 is refused by MYRIAD",
        "set background_label_id to 0");
  return VERDICT_SUPPORTED;
}

static Verdict rule_instance_norm(Ctx *c) {
  *c->reason = arena_strdup(
      c->g->arena,
      "lowered to ReduceMean, Power and ScaleShift stages with the model's eps (MYRIAD's own MVN "
      "adds eps outside the square root and fixes it at 1e-9, VPU.md known limitations)");
  *c->fix = arena_strdup(c->g->arena, "none needed");
  return VERDICT_CONVERTED;
}

/* ---- issue 18: rewrites of what MYRIAD lacks into stages it has (blob/lower_sw.c) ---- */

/* x * HardSigmoid(x) with alpha 1/6, beta 1/2 (PyTorch's hardswish below opset 14): the live
 * Mul that reads the HardSigmoid and x, or -1. */
static int hswish_mul(const IrGraph *g, const IrNode *n) {
  const IrActParams *p = ir_act_params(g, n);
  if (fabsf(p->alpha - 1.0f / 6.0f) > 1e-6f || fabsf(p->beta - 0.5f) > 1e-6f) return -1;
  int y = n->outputs[0], found = -1;
  if (g->tensors[y].is_output) return -1;
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *m = &g->nodes[i];
    if (m->dead) continue;
    for (int k = 0; k < m->n_inputs; k++)
      if (m->inputs[k] == y) {
        if (found >= 0 || m->op != IR_OP_MUL || m->n_inputs != 2) return -1;
        found = i;
        break;
      }
  }
  if (found < 0) return -1;
  const IrNode *m = &g->nodes[found];
  return (m->inputs[0] == y ? m->inputs[1] : m->inputs[0]) == n->inputs[0] ? found : -1;
}

/* Ops MYRIAD does not run (VPU column 'Not Supported', or no layer at all) that blobc writes
 * as stages it has: VERDICT_CONVERTED, the reason naming the rewrite. */
static Verdict rule_rewrite(Ctx *c) {
  const char *r = NULL;
  switch (c->n->op) {
  case IR_OP_HARD_SIGMOID:
    r = hswish_mul(c->g, c->n) >= 0
            ? "x * HardSigmoid(x) (alpha 1/6, beta 1/2) rewritten as one HSwish stage"
            : "HardSigmoid rewritten as ScaleShift (a Power stage: alpha * x + beta) + Clamp [0, "
              "1]";
    break;
  case IR_OP_NEG: r = "Neg rewritten as Power (scale -1)"; break;
  case IR_OP_RECIPROCAL: r = "Reciprocal rewritten as Power (power -1)"; break;
  case IR_OP_DEPTH_TO_SPACE:
    r = ir_block_params(c->g, c->n)->mode == IR_D2S_CRD
            ? "DepthToSpace (CRD) rewritten as Reshape + Permute + Reshape"
            : "DepthToSpace (DCR) rewritten as Reshape + Permute + Reshape";
    break;
  case IR_OP_SPACE_TO_DEPTH: r = "SpaceToDepth rewritten as Reshape + Permute + Reshape"; break;
  case IR_OP_LOG_SOFTMAX:
    r = "LogSoftmax rewritten as x - max - Log(ReduceSum(Exp(x - max))) (ReduceMax, Sum, Exp, "
        "ReduceSum, Log)";
    break;
  case IR_OP_SELU: r = "Selu rewritten as Elu + Power (scale gamma)"; break;
  case IR_OP_CELU: r = "Celu rewritten as Power (1/alpha) + Elu + Power (alpha)"; break;
  case IR_OP_SOFTSIGN:
    r = "Softsign rewritten as x * Power(1 + |x|, -1) (Power, Max, Power, Prod)";
    break;
  case IR_OP_THRESHOLDED_RELU:
    r = "ThresholdedRelu rewritten as Select(Greater(x, alpha), x, 0)";
    break;
  case IR_OP_SHRINK: r = "Shrink rewritten as Greater, Less, Power and Select stages"; break;
  case IR_OP_REDUCE_L1: r = "ReduceL1 rewritten as ReduceSum(|x|) (Power, Max, ReduceSum)"; break;
  case IR_OP_REDUCE_L2: r = "ReduceL2 rewritten as Power(ReduceSum(x * x), 0.5)"; break;
  case IR_OP_REDUCE_SUM_SQUARE: r = "ReduceSumSquare rewritten as ReduceSum(x * x)"; break;
  case IR_OP_REDUCE_LOG_SUM_EXP:
    r = "ReduceLogSumExp rewritten as max + Log(ReduceSum(Exp(x - max))) (ReduceMax, Sum, Exp, "
        "ReduceSum, Log, Sum)";
    break;
  default: UNREACHABLE();
  }
  *c->reason = arena_strdup(c->g->arena, r);
  *c->fix = arena_strdup(c->g->arena, "none needed");
  return VERDICT_CONVERTED;
}

/* ---- OpenVINO IR layers (issue 18 part 1) ---- */

/* Gelu: MYRIAD's Gelu stage has no parameter: it computes the erf form. */
static Verdict rule_gelu(Ctx *c) {
  if (!ir_gelu_params(c->g, c->n)->tanh) return VERDICT_SUPPORTED;
  *c->reason = arena_strdup(
      c->g->arena, "Gelu with the tanh approximation runs as the exact (erf) Gelu on MYRIAD (the "
                   "two differ by less than 0.0005)");
  *c->fix = arena_strdup(c->g->arena, "none needed");
  return VERDICT_CONVERTED;
}

/* Round (140) is in the 2022.x firmware's stage list (openvino's stage.hpp), as is the ONNX
 * half-to-even mode. */
static Verdict rule_round(Ctx *c) { return rule_integer_data(c); }

/* GRN and NormalizeL2 are written for [N, C] .. [N, C, H, W] across channels. */
static Verdict rule_grn(Ctx *c) {
  const IrTensor *x = in_t(c, 0);
  if (x && (x->rank < 2 || x->rank > 4))
    return unsupported(c, "GRN is written for 2-D to 4-D inputs only",
                       "apply it to an [N, C, H, W] tensor");
  return VERDICT_SUPPORTED;
}

/* NormalizeL2 -> Normalize (normalize.cpp): across channels only (across_spatial = 0 is the one
 * MYRIAD runs, VPU.md known limitations), eps fixed at 1e-9 by the firmware. */
static Verdict rule_normalize(Ctx *c) {
  const IrTensor *x = in_t(c, 0), *ax = in_t(c, 1);
  if (x && (x->rank < 2 || x->rank > 4))
    return unsupported(c, "NormalizeL2 is written for 2-D to 4-D inputs only",
                       "normalize an [N, C, H, W] tensor");
  if (ax && ax->data) {
    int64_t a = ir_numel(ax) == 1 ? ir_const_i64(ax, 0) : -9;
    if (a < 0 && x && x->rank > 0) a += x->rank;
    if (a != 1)
      return unsupported(c,
                         "NormalizeL2 over axes other than the channels (across_spatial) is not "
                         "supported on MYRIAD (VPU.md "
                         "known limitations: only across_spatial = 0)",
                         "normalize over axis 1 only");
  }
  float eps = ir_normalize_params(c->g, c->n)->eps;
  if (eps > 1e-6f) {
    *c->reason = arena_printf(
        c->g->arena,
        "MYRIAD's Normalize uses eps 1e-9 whatever the model says (%g here; VPU.md known "
        "limitations): results differ where the norm is below about sqrt(eps)",
        (double)eps);
    *c->fix =
        arena_strdup(c->g->arena, "none needed unless inputs can be all zero across the channels");
    return VERDICT_CONVERTED;
  }
  return VERDICT_SUPPORTED;
}

/* PriorBox folds to a constant in shape inference; left over it has run-time sizes (dynamic) or
 * uses fixed_size / density, which blobc does not generate. */
static Verdict rule_prior_box(Ctx *c) {
  const IrPriorBoxSsdParams *p = ir_prior_box_ssd_params(c->g, c->n);
  if (p->fixed_size.n || p->fixed_ratio.n || p->density.n)
    return unsupported(c, "PriorBox with fixed_size / fixed_ratio / density is not folded by blobc",
                       "compile this model's IR (written beside the report) with compile_tool, or "
                       "export the priors as a constant");
  return rule_dynamic(c);
}

/* CTCDecoder (ctc_decoder.cpp): only ctc_merge_repeated = 1 (VPU.md known limitations). */
static Verdict rule_ctc(Ctx *c) {
  if (!ir_ctc_params(c->g, c->n)->merge_repeated)
    return unsupported(c,
                       "CTCGreedyDecoder with ctc_merge_repeated = 0 is not supported on MYRIAD "
                       "(VPU.md known limitations)",
                       "merge repeated classes (ctc_merge_repeated = 1), or decode on the host");
  return VERDICT_SUPPORTED;
}

/* ScatterUpdate (scatter_update.cpp): the updates must fit the data on every axis but the
 * outermost, i.e. the scatter runs along axis 0. */
static Verdict rule_scatter_update(Ctx *c) {
  const IrTensor *x = in_t(c, 0), *ax = in_t(c, 3);
  if (!ax || !ax->data)
    return unsupported(c, "ScatterUpdate axis is not a constant", "give the axis as a constant");
  int64_t a = ir_const_i64(ax, 0);
  if (a < 0 && x) a += x->rank;
  if (a != 0)
    return unsupported(c,
                       "ScatterUpdate along an axis other than 0 is not supported on MYRIAD (its "
                       "stage scatters along the "
                       "outermost axis)",
                       "transpose the axis to the front before the scatter and back after it");
  return VERDICT_SUPPORTED;
}

/* PSROIPooling (psroipooling.cpp): the stage has group_size, output_dim, spatial_scale only,
 * i.e. the average mode. */
static Verdict rule_psroi(Ctx *c) {
  if (ir_roi_params(c->g, c->n)->bilinear)
    return unsupported(
        c,
        "PSROIPooling in bilinear mode is not supported on MYRIAD (its stage pools averages only)",
        "use mode=average (R-FCN), or pool on the host");
  return VERDICT_SUPPORTED;
}

/* LSTMCell (rnn.cpp): the stage computes the default activations without clipping. */
static Verdict rule_lstm(Ctx *c) {
  const IrLstmParams *p = ir_lstm_params(c->g, c->n);
  if (!p->default_activations || p->clip != 0)
    return unsupported(c,
                       "LSTMCell with activations other than sigmoid, tanh, tanh or with clip is "
                       "not supported on MYRIAD "
                       "(its LSTMCell stage has neither parameter)",
                       "use the default activations and no clip, or run the cell on the host");
  return VERDICT_SUPPORTED;
}

/* Proposal (proposal.cpp): MYRIAD's stage drops proposals scoring below 0.1 before its NMS
 * (pre_nms_thresh, a parameter the IR cannot set), which OpenVINO's specification does not. */
static Verdict rule_proposal(Ctx *c) {
  *c->reason = arena_strdup(
      c->g->arena, "MYRIAD's Proposal stage drops proposals scoring below 0.1 before NMS "
                   "(pre_nms_thresh 0.1, proposal.cpp), which OpenVINO's specification does not");
  *c->fix = arena_strdup(c->g->arena, "none needed unless low-scoring proposals matter");
  return VERDICT_CONVERTED;
}

/* QuantizeLinear / DequantizeLinear that did not fold (compiler/graph/quant.c folds them on
 * constants): on run-time values mo writes FakeQuantize (a Q -> DQ pair, or Q alone) or Convert +
 * Subtract + Multiply on an integer tensor (DQ alone); FakeQuantize is 'Not Supported' in the VPU
 * column and MYRIAD's tensors are FP16, so neither runs. */
static Verdict rule_qdq(Ctx *c) {
  const IrTensor *x = in_t(c, 0);
  int q = x ? x->producer : -1;
  bool pair = q >= 0 && c->g->nodes[q].op == IR_OP_QUANTIZE_LINEAR;
  const char *fix = "quantize the weights only (a QuantizeLinear -> DequantizeLinear on a constant "
                    "folds into FP16 weights), export the float model, or run the model on the "
                    "host: MYRIAD computes in FP16";
  if (c->n->op == IR_OP_QUANTIZE_LINEAR || pair)
    return unsupported(c,
                       pair ? "QuantizeLinear -> DequantizeLinear on run-time values: mo fuses the "
                              "pair into FakeQuantize, which MYRIAD does not run (VPU column 'Not "
                              "Supported'; MYRIAD computes in FP16)"
                            : "QuantizeLinear on run-time values: mo writes FakeQuantize, which "
                              "MYRIAD does not run (VPU column 'Not Supported'), and MYRIAD has no "
                              "int8 tensors (it computes in FP16)",
                       fix);
  if (x && x->is_input && x->dtype == DT_U8 && ir_dequantize_form(c->g, c->n) != DQ_NONE) {
    *c->reason = arena_printf(c->g->arena,
                              "DequantizeLinear of the u8 graph input '%s' runs as a Convert to "
                              "FP16 then (x - zero_point) * scale (%s), as mo writes Convert + "
                              "Subtract + Multiply",
                              x->name,
                              ir_dequantize_form(c->g, c->n) == DQ_PER_TENSOR ? "a Power stage"
                                                                              : "a ScaleShift");
    *c->fix = arena_strdup(c->g->arena, "none needed");
    return VERDICT_CONVERTED;
  }
  if (x && x->is_input)
    return unsupported(
        c,
        arena_printf(c->g->arena,
                     "DequantizeLinear of the %s graph input '%s': blobc writes a stage for a "
                     "u8 input with constant scale and zero point, per tensor or per channel "
                     "(axis 1 of a 2-D or 4-D input) only (mo writes Convert + Subtract + "
                     "Multiply; MYRIAD computes in FP16)",
                     dtype_name(x->dtype), x->name),
        "feed the dequantized float values as the input instead (FP16 or U8 with "
        "--mean_values/--scale_values)");
  return unsupported(c,
                     "DequantizeLinear of int8/uint8 values computed at run time: MYRIAD has no "
                     "int8 tensors (it computes in FP16) and no QuantizeLinear to produce them",
                     fix);
}

/* ---- ONNX normalizations and ROI ops (issue 18) ---- */

/* MeanVarianceNormalization: ONNX's function adds eps 1e-9 outside the square root, as MYRIAD's
 * MVN (62) does, but that stage refuses the batch axis (mvn.cpp: "only across channel and full
 * batch") and its parameters changed between 2021.2 and 2021.4.1; the stages below take any axes
 * and are the same in both versions. */
static Verdict rule_mvn(Ctx *c) {
  const IrTensor *x = in_t(c, 0);
  const IrAxesParams *p = ir_axes_params(c->g, c->n);
  for (int i = 0; x && x->rank >= 0 && i < p->axes.n; i++)
    if (p->axes.v[i] < -x->rank || p->axes.v[i] >= x->rank)
      return unsupported(c, "MeanVarianceNormalization axis out of range",
                         "give axes within the input's rank");
  *c->reason =
      arena_strdup(c->g->arena, "MeanVarianceNormalization rewritten as (x - ReduceMean(x)) / "
                                "(sqrt(ReduceMean((x - mean)^2)) + 1e-9) (ReduceMean, Sum, Prod, "
                                "Power stages)");
  *c->fix = arena_strdup(c->g->arena, "none needed");
  return VERDICT_CONVERTED;
}

/* LpNormalization p = 2 over the channels of a 2-D..4-D input is MYRIAD's Normalize (35), as
 * NormalizeL2; any other axis, and p = 1, from ReduceSum and eltwise stages. */
static Verdict rule_lp_norm(Ctx *c) {
  const IrTensor *x = in_t(c, 0);
  const IrLpNormParams *p = ir_lp_norm_params(c->g, c->n);
  int64_t a = p->axis;
  if (x && x->rank >= 0) {
    if (a < 0) a += x->rank;
    if (a < 0 || a >= x->rank)
      return unsupported(c, "LpNormalization axis out of range", "give an axis within the rank");
    if (p->p == 2 && a == 1 && x->rank >= 2 && x->rank <= 4) return VERDICT_SUPPORTED;
  }
  *c->reason = arena_strdup(c->g->arena,
                            p->p == 1 ? "LpNormalization (p = 1) rewritten as x * Power(ReduceSum("
                                        "|x|), -1) (Power, Max, ReduceSum, Power, Prod)"
                                      : "LpNormalization (p = 2) over an axis other than the "
                                        "channels rewritten as x * Power(ReduceSum(x * x), -0.5) "
                                        "(Prod, ReduceSum, Power, Prod)");
  *c->fix = arena_strdup(c->g->arena, "none needed");
  return VERDICT_CONVERTED;
}

/* RoiAlign -> ROIAlign (123, roi_align.cpp: mode, pooled sizes, sampling_ratio, spatial_scale;
 * no aligned / half_pixel mode). */
static Verdict rule_roi_align(Ctx *c) {
  const IrRoiAlignParams *p = ir_roi_align_params(c->g, c->n);
  const IrTensor *b = in_t(c, 2);
  if (b && dtype_is_float(b->dtype))
    return unsupported(c, "RoiAlign batch_indices must be integers",
                       "give batch_indices as int64 (the ONNX type)");
  if (p->max) {
    *c->reason =
        arena_strdup(c->g->arena, "RoiAlign max mode runs as MYRIAD's ROIAlign max, the largest "
                                  "interpolated sample of each bin; ONNX Runtime takes the largest "
                                  "weighted corner of each sample instead, so values can differ");
    *c->fix = arena_strdup(c->g->arena, "use mode avg where the exact ONNX values matter");
    return VERDICT_CONVERTED;
  }
  if (p->half_pixel) {
    *c->reason = arena_strdup(
        c->g->arena,
        "RoiAlign half_pixel (opset 16's default) rewritten as MYRIAD's ROIAlign (which samples as "
        "output_half_pixel) on rois shifted by -0.5 / spatial_scale (a Power stage); equal unless "
        "a roi spans less than one feature-map cell, which the stage widens to one cell");
    *c->fix = arena_strdup(c->g->arena, "none needed; export with coordinate_transformation_mode "
                                        "'output_half_pixel' for the stage as is");
    return VERDICT_CONVERTED;
  }
  return VERDICT_SUPPORTED;
}

/* LSTM -> LSTMCell (70) over the whole sequence, one stage per direction (rnn.cpp parseRNN: the
 * stage has RNNForward, nCells, nBatches and no activation, clip or peephole parameter). */
static Verdict rule_onnx_lstm(Ctx *c) {
  const IrOnnxLstmParams *p = ir_onnx_lstm_params(c->g, c->n);
  const IrTensor *x = in_t(c, 0), *sl = in_t(c, 4), *pw = in_t(c, 7);
  if (!p->default_activations)
    return unsupported(c,
                       "LSTM with activations other than Sigmoid, Tanh, Tanh is not supported on "
                       "MYRIAD (its LSTMCell stage has no activation parameter, rnn.cpp)",
                       "use the default activations, or run the LSTM on the host");
  if (p->clip > 0)
    return unsupported(c,
                       "LSTM with clip is not supported on MYRIAD (its LSTMCell stage has no "
                       "clip parameter, rnn.cpp)",
                       "export the LSTM without clip, or run it on the host");
  if (p->input_forget)
    return unsupported(c,
                       "LSTM with input_forget = 1 (coupled input and forget gates) is not "
                       "supported on MYRIAD (its LSTMCell stage computes both gates)",
                       "export the LSTM with input_forget = 0, or run it on the host");
  if (pw && pw->data)
    for (int64_t i = 0; i < ir_numel(pw); i++)
      if (ir_const_f64(pw, i) != 0)
        return unsupported(c,
                           "LSTM with peephole weights (input P) is not supported on MYRIAD "
                           "(its LSTMCell stage has no peepholes, rnn.cpp)",
                           "export the LSTM without peepholes, or run it on the host");
  if (sl && sl->data && x && x->rank == 3) {
    int64_t S = x->dims[p->batch_first ? 1 : 0];
    for (int64_t i = 0; i < ir_numel(sl); i++)
      if (ir_const_i64(sl, i) != S)
        return unsupported(c,
                           "LSTM with sequence_lens shorter than the sequence is not supported on "
                           "MYRIAD (its LSTMCell stage runs every step of every batch row)",
                           "pad or cut the sequences to one length and drop sequence_lens");
  }
  return VERDICT_SUPPORTED;
}

/* The verdict rule of each op (every op has one: an op MYRIAD cannot run has a rule that says
 * why). DetectionOutput folds to a constant unless its sizes are run-time. */
/* ---- indexed data movement and Mod (issue 18): stages of the MYRIAD plugin (stages/NAME.cpp) ---- */

/* ScatterElements -> ScatterElementsUpdate (126): ScatterElementsUpdate-3 overwrites only. */
static Verdict rule_scatter_elements(Ctx *c) {
  const IrScatterParams *p = ir_scatter_params(c->g, c->n);
  if (p->reduction != IR_REDUCE_NONE)
    return unsupported(c,
                       arena_printf(c->g->arena,
                                    "ScatterElements with reduction '%s': MYRIAD's "
                                    "ScatterElementsUpdate stage only overwrites",
                                    p->reduction_name),
                       "apply the reduction on the host, or scatter without duplicate indices");
  return VERDICT_SUPPORTED;
}

/* ScatterND: MYRIAD has no ScatterNDUpdate stage (StageType of the 2022.1 plugin); indices that
 * address whole slices of the first axis ([..., 1]) are a ScatterUpdate (103) along axis 0. */
static Verdict rule_scatter_nd(Ctx *c) {
  const IrScatterParams *p = ir_scatter_params(c->g, c->n);
  const IrTensor *ix = in_t(c, 1);
  if (p->reduction != IR_REDUCE_NONE)
    return unsupported(c,
                       arena_printf(c->g->arena,
                                    "ScatterND with reduction '%s': MYRIAD has no ScatterNDUpdate "
                                    "stage, and its ScatterUpdate only overwrites",
                                    p->reduction_name),
                       "apply the reduction on the host");
  if (ix && ix->rank >= 1 && ix->dims[ix->rank - 1] != 1)
    return unsupported(c,
                       "ScatterND with indices of more than one coordinate: MYRIAD has no "
                       "ScatterNDUpdate stage (only ScatterUpdate along one axis and "
                       "ScatterElementsUpdate)",
                       "index only the first axis (indices [..., 1]), or scatter on the host");
  *c->reason = arena_strdup(c->g->arena, "ScatterND over the first axis rewritten as ScatterUpdate "
                                         "(axis 0)");
  *c->fix = arena_strdup(c->g->arena, "none needed");
  return VERDICT_CONVERTED;
}

/* OneHot -> OneHot (117): ONNX counts negative indices from depth, OneHot-1 leaves them
 * undefined; run-time signed indices are wrapped first (lower_gather.c, FP16: depth <= 2048). */
static Verdict rule_one_hot(Ctx *c) {
  const IrTensor *ix = in_t(c, 0), *dp = in_t(c, 1);
  if (!ix || ix->data || ix->dtype == DT_BOOL || ix->dtype == DT_U8 || ix->dtype == DT_U16 ||
      ix->dtype == DT_U32 || ix->dtype == DT_U64)
    return VERDICT_SUPPORTED;
  if (dp && dp->data && ir_const_f64(dp, 0) > 2048) {
    *c->reason =
        arena_strdup(c->g->arena, "warning: negative indices give a row of off_value (ONNX counts "
                                  "them from the end; MYRIAD's OneHot leaves them undefined, and "
                                  "blobc wraps them only for depth up to 2048)");
    *c->fix = arena_strdup(c->g->arena, "feed indices in [0, depth)");
    return VERDICT_CONVERTED;
  }
  *c->reason = arena_strdup(c->g->arena,
                            "negative indices (counted from the end in ONNX, undefined for "
                            "MYRIAD's OneHot) wrapped first by Less, Power, Select and Convert");
  *c->fix = arena_strdup(c->g->arena, "none needed");
  return VERDICT_CONVERTED;
}

/* Mod: fmod 0 is Floor_mod (89), an eltwise stage of FP16 only (eltwise.cpp initialCheck: S32 is
 * not among its types); fmod 1 (C fmod) has no stage of its own (lower_gather.c rewrites it). */
static Verdict rule_mod(Ctx *c) {
  for (int k = 0; k < 2; k++) {
    const IrTensor *t = in_t(c, k);
    if (t && dtype_is_int(t->dtype))
      return unsupported(c,
                         arena_printf(c->g->arena,
                                      "Mod of %s data: MYRIAD's Floor_mod stage computes in FP16 "
                                      "only, which holds integers exactly only up to 2048",
                                      dtype_name(t->dtype)),
                         "compute it in float in the model (Cast to float), or on the host");
  }
  if (ir_mod_params(c->g, c->n)->fmod) {
    *c->reason = arena_strdup(c->g->arena,
                              "Mod with fmod=1 (C fmod) rewritten as sign(a) * Floor_mod(|a|, |b|) "
                              "(Power, Max, Floor_mod, Less, Select), the value of OpenVINO's "
                              "ConvertMod decomposition MYRIAD runs");
    *c->fix = arena_strdup(c->g->arena, "none needed");
    return VERDICT_CONVERTED;
  }
  return VERDICT_SUPPORTED;
}

/* clang-format off */
#define RULE_LIST(Y)                             \
  Y(CONV,                rule_conv)              \
  Y(CONV_TRANSPOSE,      rule_deconv)            \
  Y(MAX_POOL,            rule_pool)              \
  Y(AVERAGE_POOL,        rule_pool)              \
  Y(GLOBAL_AVERAGE_POOL, rule_pool)              \
  Y(GLOBAL_MAX_POOL,     rule_pool)              \
  Y(BATCH_NORM,          ok)                     \
  Y(RELU,                ok)                     \
  Y(LEAKY_RELU,          ok)                     \
  Y(PRELU,               ok)                     \
  Y(CLIP,                ok)                     \
  Y(SIGMOID,             ok)                     \
  Y(TANH,                ok)                     \
  Y(HARD_SIGMOID,        rule_rewrite)             \
  Y(HARD_SWISH,          ok)                     \
  Y(ELU,                 ok)                     \
  Y(EXP,                 ok)                     \
  Y(LOG,                 ok)                     \
  Y(SQRT,                ok)                     \
  Y(NEG,                 rule_rewrite)             \
  Y(ABS,                 ok)                     \
  Y(FLOOR,               ok)                     \
  Y(CEIL,                ok)                     \
  Y(SOFTMAX,             ok)                     \
  Y(ADD,                 rule_integer_data)      \
  Y(SUB,                 rule_integer_data)      \
  Y(MUL,                 rule_integer_data)      \
  Y(DIV,                 rule_integer_data)      \
  Y(POW,                 rule_integer_data)      \
  Y(MAX,                 rule_integer_data)      \
  Y(MIN,                 rule_integer_data)      \
  Y(EQUAL,               rule_integer_data)      \
  Y(LESS,                rule_integer_data)      \
  Y(GREATER,             rule_integer_data)      \
  Y(WHERE,               ok)                     \
  Y(MATMUL,              ok)                     \
  Y(GEMM,                ok)                     \
  Y(CONCAT,              ok)                     \
  Y(RESHAPE,             ok)                     \
  Y(FLATTEN,             ok)                     \
  Y(TRANSPOSE,           ok)                     \
  Y(SQUEEZE,             ok)                     \
  Y(UNSQUEEZE,           ok)                     \
  Y(PAD,                 rule_pad)               \
  Y(RESIZE,              rule_resize)            \
  Y(UPSAMPLE,            rule_resize)            \
  Y(SLICE,               ok)                     \
  Y(SPLIT,               ok)                     \
  Y(REDUCE_MEAN,         ok)                     \
  Y(REDUCE_MAX,          ok)                     \
  Y(REDUCE_SUM,          ok)                     \
  Y(CAST,                rule_cast)              \
  Y(IDENTITY,            ok)                     \
  Y(DROPOUT,             ok)                     \
  Y(CONSTANT,            ok)                     \
  Y(CONSTANT_OF_SHAPE,   rule_dynamic)           \
  Y(SHAPE,               rule_dynamic)           \
  Y(GATHER,              ok)                     \
  Y(EXPAND,              ok)                     \
  Y(RANGE,               not_listed)             \
  Y(TILE,                ok)                     \
  Y(ARGMAX,              ok)                     \
  Y(TOPK,                ok)                     \
  Y(LRN,                 rule_lrn)               \
  Y(DEPTH_TO_SPACE,      rule_rewrite)             \
  Y(SPACE_TO_DEPTH,      rule_rewrite)             \
  Y(INSTANCE_NORM,       rule_instance_norm)     \
  Y(LOG_SOFTMAX,         rule_rewrite)             \
  Y(NON_MAX_SUPPRESSION, rule_nms)               \
  Y(PRIOR_BOX_CLUSTERED, rule_dynamic)           \
  Y(DETECTION_OUTPUT,    rule_detection_output)  \
  Y(SUM,                 rule_integer_data)      \
  Y(MEAN,                rule_integer_data)      \
  Y(RECIPROCAL,          rule_rewrite          )\
  Y(SELU,                rule_rewrite          )\
  Y(SOFTSIGN,            rule_rewrite          )\
  Y(THRESHOLDED_RELU,    rule_rewrite          )\
  Y(CELU,                rule_rewrite          )\
  Y(SHRINK,              rule_rewrite          )\
  Y(ERF,                 ok                    )\
  Y(SOFTPLUS,            ok                    )\
  Y(SIGN,                ok                    )\
  Y(ROUND,               rule_round            )\
  Y(MISH,                ok                    )\
  Y(NOT,                 ok                    ) \
  Y(REDUCE_MIN,          ok                    )\
  Y(REDUCE_L1,           rule_rewrite          )\
  Y(REDUCE_L2,           rule_rewrite          )\
  Y(REDUCE_SUM_SQUARE,   rule_rewrite          )\
  Y(REDUCE_LOG_SUM_EXP,  rule_rewrite          ) \
  Y(GREATER_OR_EQUAL,    rule_integer_data     )\
  Y(LESS_OR_EQUAL,       rule_integer_data     )\
  Y(AND,                 rule_integer_data     )\
  Y(OR,                  rule_integer_data     )\
  Y(XOR,                 rule_integer_data     )\
  Y(SWISH,               ok)                     \
  Y(GELU,                rule_gelu)              \
  Y(SQUARED_DIFF,        rule_integer_data)      \
  Y(GRN,                 rule_grn)               \
  Y(NORMALIZE_L2,        rule_normalize)         \
  Y(REGION_YOLO,         ok)                     \
  Y(REORG_YOLO,          ok)                     \
  Y(PRIOR_BOX,           rule_prior_box)         \
  Y(CTC_GREEDY_DECODER,  rule_ctc)               \
  Y(SCATTER_UPDATE,      rule_scatter_update)    \
  Y(GATHER_ND,           ok)                     \
  Y(ROI_POOLING,         ok)                     \
  Y(PSROI_POOLING,       rule_psroi)             \
  Y(LSTM_CELL,           rule_lstm)              \
  Y(PROPOSAL,            rule_proposal) \
  Y(QUANTIZE_LINEAR,     rule_qdq) \
  Y(DEQUANTIZE_LINEAR,   rule_qdq) \
  Y(GATHER_ELEMENTS,     ok)                     \
  Y(SCATTER_ELEMENTS,    rule_scatter_elements)  \
  Y(SCATTER_ND,          rule_scatter_nd)        \
  Y(ONE_HOT,             rule_one_hot)           \
  Y(REVERSE_SEQUENCE,    ok)                     \
  Y(MOD,                 rule_mod)               \
  Y(SCATTER,             ok) \
  Y(MVN,                 rule_mvn)               \
  Y(LP_NORM,             rule_lp_norm)           \
  Y(MAX_ROI_POOL,        ok)                     \
  Y(ROI_ALIGN,           rule_roi_align)         \
  Y(LSTM,                rule_onnx_lstm)
/* clang-format on */
OPTABLE_SCALARS(static const Rule, RULES, RULE_LIST);

/* ---- judging a graph: root causes, blocked nodes, run-time parameters ---- */

/* Inputs that must be constant for the stage to be written (weights, statistics, bounds, pads
 * and counts are stage parameters on MYRIAD); [first, last] input slots, and what they are. */
static const struct {
  IrOp op;
  int first, last;
  const char *what; /* "<what> come(s) from ..." */
  bool plural;
} PARAM_SLOTS[] = {
    {IR_OP_CONV, 1, 2, "weights", true},
    {IR_OP_CONV_TRANSPOSE, 1, 2, "weights", true},
    {IR_OP_BATCH_NORM, 1, 4, "scale, bias and statistics", true},
    {IR_OP_CLIP, 1, 2, "bounds", true},
    {IR_OP_PAD, 1, 1, "pads", true},
    {IR_OP_PAD, 2, 2, "pad value", false},
    {IR_OP_TOPK, 1, 1, "K", false},
    {IR_OP_TILE, 1, 1, "repeats", true},
    {IR_OP_EXPAND, 1, 1, "shape", false},
    {IR_OP_REDUCE_MEAN, 1, 1, "axes", true},
    {IR_OP_REDUCE_MAX, 1, 1, "axes", true},
    {IR_OP_REDUCE_SUM, 1, 1, "axes", true},
    {IR_OP_SWISH, 1, 1, "beta", false},
    {IR_OP_NORMALIZE_L2, 1, 1, "axes", true},
    {IR_OP_SCATTER_UPDATE, 3, 3, "axis", false},
    {IR_OP_LSTM_CELL, 3, 5, "weights and biases", true},
    {IR_OP_ONE_HOT, 1, 2, "depth and values", true},
    {IR_OP_LSTM, 1, 3, "weights and biases", true},
    {IR_OP_LSTM, 4, 4, "sequence lengths", true},
    {IR_OP_LSTM, 7, 7, "peephole weights", true},
};

#define ORIGIN_NONE (-1) /* a tensor's origin: nothing upstream blocks it */
/* origin <= -2: dynamic graph input number -2 - origin; origin >= 0: the root-cause node */

/* True when tensor t has no dtype or no static shape. */
static bool unknown_shape(const IrTensor *t) { return t->dtype == DT_UNDEF || ir_numel(t) < 0; }

/* Names of up to three graph inputs whose values reach tensor t ("'a', 'b'"), or NULL. */
static const char *feeding_inputs(const IrGraph *g, int t) {
  int *stack = arena_array(g->arena, (size_t)g->n_tensors + 1, sizeof(int));
  uint8_t *seen = arena_alloc(g->arena, (size_t)g->n_tensors + 1);
  int sp = 0, found = 0;
  Buf b = BUF_INIT;
  stack[sp++] = t;
  seen[t] = 1;
  while (sp && found < 3) {
    const IrTensor *x = &g->tensors[stack[--sp]];
    if (x->is_input) {
      buf_printf(&b, "%s'%s'", found++ ? ", " : "", x->name);
      continue;
    }
    if (x->producer < 0 || x->data) continue;
    const IrNode *p = &g->nodes[x->producer];
    for (int k = 0; k < p->n_inputs; k++)
      if (p->inputs[k] >= 0 && !seen[p->inputs[k]])
        seen[p->inputs[k]] = 1, stack[sp++] = p->inputs[k];
  }
  buf_put(&b, "", 1);
  const char *s = found ? arena_strdup(g->arena, (const char *)b.data) : NULL;
  buf_free(&b);
  return s;
}

/* A parameter input (PARAM_SLOTS) computed at run time from the graph's inputs: unsupported, with
 * the fix of freezing them. Slots whose value is blocked by something upstream are left to the
 * caller (origin not NONE). */
static Verdict runtime_params(Ctx *c, const int *origin) {
  for (size_t i = 0; i < sizeof PARAM_SLOTS / sizeof PARAM_SLOTS[0]; i++) {
    if (PARAM_SLOTS[i].op != c->n->op) continue;
    for (int k = PARAM_SLOTS[i].first; k <= PARAM_SLOTS[i].last && k < c->n->n_inputs; k++) {
      int t = c->n->inputs[k];
      if (t < 0 || ir_is_const(c->g, t) || (origin && origin[t] != ORIGIN_NONE)) continue;
      const IrTensor *x = &c->g->tensors[t];
      const char *from = feeding_inputs(c->g, t);
      *c->reason = arena_printf(
          c->g->arena, "%s %s come%s from '%s' at run time: MYRIAD takes them as constants",
          c->n->op_type, PARAM_SLOTS[i].what, PARAM_SLOTS[i].plural ? "" : "s", x->name);
      *c->fix =
          x->is_input ? arena_printf(c->g->arena,
                                     "freeze the input '%s' to its values (mo: --input %s->[...]), "
                                     "or export it as an initializer",
                                     x->name, x->name)
          : from      ? arena_printf(c->g->arena,
                                     "freeze the input%s it is computed from (%s) to their values, "
                                          "or export it as an initializer",
                                strchr(from, ',') ? "s" : "", from)
                      : arena_strdup(
                            c->g->arena,
                            "freeze the input it is computed from, or export it as an initializer");
      return VERDICT_UNSUPPORTED;
    }
  }
  return VERDICT_SUPPORTED;
}

/* The node's own verdict: a limit of blobc, an unknown op, run-time parameters, then its rule. */
static Verdict own_verdict(Ctx *c, const int *origin) {
  const IrNode *n = c->n;
  if (n->dropped_inputs > 0) {
    *c->reason = arena_printf(
        c->g->arena,
        "%s with %d inputs: blobc keeps at most %d inputs per node (a limit of blobc, not "
        "of the model or of MYRIAD)",
        n->op_type, n->n_inputs + n->dropped_inputs, IR_NODE_MAX_INPUTS);
    *c->fix =
        arena_printf(c->g->arena,
                     "split it into %ss of at most %d inputs joined by one more %s, or report the "
                     "model to blobc",
                     n->op_type, IR_NODE_MAX_INPUTS, n->op_type);
    return VERDICT_UNSUPPORTED;
  }
  if (n->op >= IR_OP_COUNT || (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx")))
    return rule_unknown(c);
  Verdict v = runtime_params(c, origin);
  return v == VERDICT_UNSUPPORTED ? v : RULES[n->op](c);
}

/* Rules whose verdict does not depend on shapes: they stand even below a blocked input. */
static bool shape_free(const IrNode *n) {
  return n->dropped_inputs > 0 || n->op >= IR_OP_COUNT || RULES[n->op] == not_listed;
}

static bool has_unknown_output(const IrGraph *g, const IrNode *n) {
  for (int k = 0; k < n->n_outputs; k++) {
    int t = n->outputs[k];
    if (t >= 0 && ir_numel(&g->tensors[t]) < 0 && g->tensors[t].dtype != DT_UNDEF) return true;
  }
  return false;
}

/* The advice for a dynamic graph input, in the words of the command: convert takes
 * --input_shape, a manifest `shape:`. */
static Verdict dynamic_input(Ctx *c, const IrTensor *in) {
  Arena *a = c->g->arena;
  const char *shape = ir_shape_str(a, in);
  *c->reason = arena_printf(
      a,
      "input '%s' has a dynamic shape (%s), so this output's shape is not static: MYRIAD runs "
      "static shapes only",
      in->name, shape);
  if (c->opt && c->opt->shape_source == SHAPE_FROM_CLI)
    *c->fix = arena_printf(
        a, "give '%s' a static shape with --input_shape [...] (its shape is %s: a size for each ?)",
        in->name, shape);
  else
    *c->fix = arena_printf(
        a,
        "give input '%s' a static shape in the manifest (shape: [...]; its shape is %s: a size for "
        "each ?)",
        in->name, shape);
  return VERDICT_UNSUPPORTED;
}

Verdict vpu_judge(const IrGraph *g, int node, const char **reason, const char **fix) {
  const IrNode *n = &g->nodes[node];
  Ctx c = {g, n, reason, fix, NULL};
  *reason = *fix = NULL;
  Verdict v = own_verdict(&c, NULL);
  if (v != VERDICT_UNSUPPORTED && has_unknown_output(g, n) && n->op != IR_OP_NON_MAX_SUPPRESSION)
    return unsupported(&c,
                       "output shape is not static: it depends on values known only at run time",
                       "make the values it depends on constant (freeze the inputs they come from)");
  return v;
}

/* The input of n that carries a root cause: a tensor of unknown shape below an unsupported or
 * blocked node first, else one that a dynamic graph input reaches; -1 when none. */
static int upstream(const IrGraph *g, const IrNode *n, const int *origin) {
  int dyn = -1;
  for (int k = 0; k < n->n_inputs; k++) {
    int t = n->inputs[k];
    if (t < 0 || origin[t] == ORIGIN_NONE) continue;
    if (origin[t] >= 0 && unknown_shape(&g->tensors[t])) return t;
    if (origin[t] <= -2 && dyn < 0) dyn = t;
  }
  return dyn;
}

void vpu_judge_graph(IrGraph *g, const CompileOptions *opt) {
  int *origin = arena_array(g->arena, (size_t)g->n_tensors + 1, sizeof(int));
  for (int t = 0; t < g->n_tensors; t++) origin[t] = ORIGIN_NONE;
  for (int i = 0; i < g->n_inputs; i++)
    if (unknown_shape(&g->tensors[g->inputs[i]])) origin[g->inputs[i]] = -2 - i;
  for (int i = 0; i < g->n_nodes; i++) {
    IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    const char *reason = NULL, *fix = NULL;
    int up = upstream(g, n, origin);
    Ctx c = {g, n, &reason, &fix, opt};
    Verdict v = own_verdict(&c, origin);
    bool dyn_out = has_unknown_output(g, n) && n->op != IR_OP_NON_MAX_SUPPRESSION,
         out_unknown = dyn_out;
    for (int k = 0; k < n->n_outputs; k++)
      if (n->outputs[k] >= 0 && unknown_shape(&g->tensors[n->outputs[k]])) out_unknown = true;
    /* a verdict that does not depend on shapes stands; any other is only known with them */
    bool needs_shapes = v == VERDICT_UNSUPPORTED ? !shape_free(n) : out_unknown;
    int root = -1;
    if (n->origin && up >= 0 && origin[up] <= -2 && v != VERDICT_UNSUPPORTED) {
      /* preprocessing we inserted passes a dynamic input on: the model's node is the verdict */
      for (int k = 0; k < n->n_outputs; k++)
        if (n->outputs[k] >= 0) origin[n->outputs[k]] = origin[up];
      n->verdict = v, n->reason = reason, n->fix = fix, n->blocked_by = -1;
      continue;
    }
    if (up >= 0 && origin[up] >= 0 && needs_shapes) {
      root = origin[up];
      v = VERDICT_BLOCKED;
      reason = fix = NULL;
    } else if (up >= 0 && needs_shapes) {
      v = dynamic_input(&c, &g->tensors[g->inputs[-2 - origin[up]]]);
    } else if (dyn_out && v != VERDICT_UNSUPPORTED) {
      v = unsupported(&c, "output shape is not static: it depends on values known only at run time",
                      "make the values it depends on constant (freeze the inputs they come from)");
    }
    n = &g->nodes[i];
    n->verdict = v;
    n->reason = reason;
    n->fix = fix;
    n->blocked_by = root;
    int o = v == VERDICT_BLOCKED ? root : v == VERDICT_UNSUPPORTED ? i : ORIGIN_NONE;
    for (int k = 0; k < n->n_outputs; k++)
      if (n->outputs[k] >= 0) origin[n->outputs[k]] = o;
  }
}

/* ---- what an op's rule says whatever the node (blobc ops) ---- */

Verdict vpu_rule_static(IrOp op, Arena *a, const char **reason) {
  *reason = NULL;
  if ((unsigned)op >= IR_OP_COUNT) return VERDICT_NONE;
  Rule r = RULES[op];
  for (size_t i = 0; i < sizeof PARAM_SLOTS / sizeof PARAM_SLOTS[0]; i++)
    if (PARAM_SLOTS[i].op == op && r == ok) return VERDICT_NONE; /* constant parameters needed */
  if (r == ok) return VERDICT_SUPPORTED;
  if (r == rule_qdq) {
    *reason = "on constants: folded into FP16 weights (converted, the DequantizeLinear names the "
              "rewrite); on run-time values unsupported (mo's FakeQuantize is not on MYRIAD)";
    return VERDICT_FOLDED;
  }
  if (r == rule_dynamic || r == rule_prior_box) {
    *reason = "computed at compile time when the input shapes are static";
    return VERDICT_FOLDED;
  }
  if (r != not_listed && r != rule_nms && r != rule_instance_norm) return VERDICT_NONE;
  IrGraph *g = ir_new(a, "ops");
  int n = ir_add_node(g, op, ir_op_name(op), "op");
  const char *fix = NULL;
  Ctx c = {g, &g->nodes[n], reason, &fix, NULL};
  return r(&c);
}

int vpu_listed_count(void) { return (int)(sizeof VPU_LISTED / sizeof VPU_LISTED[0]); }
const char *vpu_listed_name(int i) {
  return i >= 0 && i < vpu_listed_count() ? VPU_LISTED[i] : NULL;
}
