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

#include <math.h>
#include <string.h>

typedef struct {
  const IrGraph *g;
  const IrNode *n;
  const char **reason, **fix;
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

static Verdict ok(Ctx *c) { (void)c; return VERDICT_SUPPORTED; }

/* "Not Supported" in the VPU column (Supported_Devices.md). */
static Verdict not_listed(Ctx *c) {
  const char *op = c->n->op_type;
  const char *fix = "remove the op from the exported graph or compute it on the host; the VPU has no kernel for it";
  if (!strcmp(op, "HardSigmoid"))
    fix = "rewrite as Clip(x * alpha + beta, 0, 1) (e.g. relu6(x + 3) / 6 in PyTorch) before export (blobconverter issue #63)";
  else if (!strcmp(op, "Neg")) fix = "multiply by -1 instead (Mul with a constant)";
  else if (!strcmp(op, "LogSoftmax")) fix = "use Softmax followed by Log, or drop it and take the argmax on the host";
  else if (!strcmp(op, "DepthToSpace") || !strcmp(op, "SpaceToDepth"))
    fix = "express it as Reshape + Transpose + Reshape before export";
  else if (!strcmp(op, "Range")) fix = "make its inputs constant (static shapes) so it folds, or precompute it";
  *c->reason = arena_printf(c->g->arena, "%s is not supported on MYRIAD (VPU column 'Not Supported')", op);
  *c->fix = arena_strdup(c->g->arena, fix);
  return VERDICT_UNSUPPORTED;
}

/* Layers the VPU column lists as supported (myriad-supported-ops.md) that our op table does not
 * carry yet: the device could run them, blobc cannot write their stages. */
static const char *const VPU_LISTED[] = {
    "PriorBox", "Proposal", "RegionYolo", "ReorgYolo", "ROIPooling",
    "MaxRoiPool", "PSROIPooling", "CTCGreedyDecoder", "LSTMCell", "LSTMSequence", "LSTM", "RNN", "TensorIterator",
    "GRN", "MVN", "MeanVarianceNormalization", "Normalize", "NormalizeL2", "LpNormalization", "ScatterUpdate",
    "OneHot", "ReverseSequence", "Erf", "Sign", "Softplus", "Mish", "Swish", "Gelu", "Not", "And", "Or", "Xor",
    "LogicalNot", "LogicalAnd", "LogicalOr", "LogicalXor", "FloorMod", "Mod", "SquaredDifference", "GreaterOrEqual",
    "LessOrEqual", "NotEqual", "ReduceMin", "ReduceAnd", "StridedSlice", "Broadcast", "Select", "ScaleShift", "Crop",
    "Interp", "Resample", "Power", "Clamp", "Permute", "SoftMax", "ROIAlign", "ExperimentalDetectronDetectionOutput",
};

static Verdict rule_unknown(Ctx *c) {
  for (size_t i = 0; i < sizeof VPU_LISTED / sizeof VPU_LISTED[0]; i++)
    if (!strcmp(c->n->op_type, VPU_LISTED[i])) {
      *c->reason = arena_printf(c->g->arena, "'%s' is on the MYRIAD layer list, but blobc cannot write its stage yet",
                                c->n->op_type);
      *c->fix = arena_strdup(c->g->arena, "compile this model's IR (written beside the report) with OpenVINO's compile_tool for now, or run the layer on the host");
      return VERDICT_UNSUPPORTED;
    }
  *c->reason = arena_printf(c->g->arena, "unsupported layer type '%s%s%s': not in the MYRIAD layer list",
                            c->n->domain && c->n->domain[0] ? c->n->domain : "",
                            c->n->domain && c->n->domain[0] ? "." : "", c->n->op_type);
  *c->fix = arena_strdup(c->g->arena, "replace it with supported ops before export, or run it on the host after the network");
  return VERDICT_UNSUPPORTED;
}

/* Shape-computing ops that survive folding mean a dynamic shape. */
static Verdict rule_dynamic(Ctx *c) {
  return unsupported(c, "computes a shape at run time (dynamic shapes are not supported on MYRIAD)",
                     "give every input a static shape in the manifest (shape: [...]) so this folds to a constant");
}

static Verdict rule_conv(Ctx *c) {
  const IrTensor *w = in_t(c, 1);
  if (w && w->rank == 5) return unsupported(c, "3D convolution is not supported on MYRIAD", "use 2D convolutions");
  if (w && w->rank >= 0 && w->rank != 4 && w->rank != 3)
    return unsupported(c, "only 1D/2D convolutions are supported", "reshape to a 2D convolution");
  if (w && !w->data) return unsupported(c, "weights are not constant", "export with constant weights");
  return VERDICT_SUPPORTED;
}

static Verdict rule_pool(Ctx *c) {
  const IrTensor *x = in_t(c, 0);
  if (x && x->rank == 5) return unsupported(c, "3D pooling is not supported on MYRIAD", "use 2D pooling");
  return VERDICT_SUPPORTED;
}

/* issue 18 part 4: the scale of a spatial axis that does not give a whole output size (ONNX
 * samples at x / scale, MYRIAD's stages at x * in / out, which then differ), or 0. */
static double resize_odd_scale(Ctx *c, int *axis, int64_t *in_dim) {
  const IrResizeParams *p = ir_resize_params(c->g, c->n);
  const IrTensor *x = in_t(c, 0), *s = NULL;
  if (!x || x->rank < 3) return 0;
  if (c->n->op == IR_OP_UPSAMPLE || p->legacy) s = in_t(c, 1);
  else if (!in_t(c, 3) || ir_numel(in_t(c, 3)) <= 0) s = in_t(c, 2); /* scales, not sizes */
  for (int i = 2; i < x->rank; i++) {
    double k = 0;
    if (s && s->data && ir_numel(s) == x->rank) k = ir_const_f64(s, i);
    else if (!s && p->scales && p->n_scales == x->rank) k = p->scales[i];
    else continue;
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
    return unsupported(c, arena_printf(c->g->arena, "Resize mode '%s' is not supported on MYRIAD (nearest and linear only)", p->mode_name),
                       "export with mode='linear' or 'nearest'");
  if (p->coord == IR_COORD_TF_CROP_AND_RESIZE)
    return unsupported(c, "Resize with coordinate_transformation_mode 'tf_crop_and_resize': MYRIAD's Resample and Interp stages take no region of interest",
                       "crop with Slice first, then resize with 'asymmetric' or 'align_corners'");
  int ax = 0;
  int64_t in = 0;
  double k = resize_odd_scale(c, &ax, &in);
  if (k != 0 && p->mode == IR_RESIZE_LINEAR)
    return unsupported(c, arena_printf(c->g->arena, "linear Resize by scale %g on axis %d: %lld x %g is not a whole size, so ONNX samples at x / %g and MYRIAD's Interp at the size ratio %g: the results differ",
                                       k, ax, (long long)in, k, k, floor((double)in * k + 1e-6) / (double)in),
                       "export with output sizes (F.interpolate(size=...)) or a scale that gives a whole size");
  if (k != 0) {
    *c->reason = arena_printf(c->g->arena, "warning: nearest Resize by scale %g on axis %d: %lld x %g is not a whole size; MYRIAD picks pixels at the size ratio, ONNX at the scale (some pixels differ)",
                              k, ax, (long long)in, k);
    *c->fix = arena_strdup(c->g->arena, "export with output sizes or a scale that gives a whole size");
    return VERDICT_CONVERTED;
  }
  /* Resample honours nearest only as half_pixel + round_prefer_ceil or asymmetric + floor; other
   * pairs run as its defaults (openvino PR #2963, myriad-supported-ops.md) */
  if (p->mode == IR_RESIZE_NEAREST && !p->legacy &&
      !(p->coord == IR_COORD_HALF_PIXEL && p->nearest == IR_NEAREST_ROUND_PREFER_CEIL) &&
      !(p->coord == IR_COORD_ASYMMETRIC && p->nearest == IR_NEAREST_FLOOR)) {
    *c->reason = arena_printf(c->g->arena, "warning: nearest Resize with coordinate_transformation_mode '%s' and nearest_mode '%s' runs with MYRIAD's defaults (only half_pixel + round_prefer_ceil and asymmetric + floor are honoured, openvino PR #2963): some pixels may differ",
                              p->coord_name, p->nearest_name);
    *c->fix = arena_strdup(c->g->arena, "export with coordinate_transformation_mode='asymmetric', nearest_mode='floor' (PyTorch's nearest) to be exact");
    return VERDICT_CONVERTED;
  }
  if (p->mode == IR_RESIZE_LINEAR && p->coord != IR_COORD_ALIGN_CORNERS && p->coord != IR_COORD_ASYMMETRIC) {
    *c->reason = arena_printf(c->g->arena, "warning: linear Resize with coordinate_transformation_mode '%s' runs as 'asymmetric' on MYRIAD (small pixel differences, openvino PR #2932)", p->coord_name);
    *c->fix = arena_strdup(c->g->arena, "export with align_corners=True or accept the difference");
    return VERDICT_CONVERTED;
  }
  return VERDICT_SUPPORTED;
}

static Verdict rule_pad(Ctx *c) {
  const IrTensor *x = in_t(c, 0);
  if (x && x->rank != 4) return unsupported(c, "Pad is supported on 4D tensors only", "pad a 4D (NCHW) tensor");
  const IrPadParams *p = ir_pad_params(c->g, c->n);
  if (p->mode != IR_PAD_CONSTANT && p->mode != IR_PAD_EDGE && p->mode != IR_PAD_REFLECT)
    return unsupported(c, arena_printf(c->g->arena, "Pad mode '%s' is not supported", p->mode_name), "use constant, edge or reflect");
  return VERDICT_SUPPORTED;
}

static Verdict rule_cast(Ctx *c) {
  const IrTensor *x = in_t(c, 0);
  if (x && (x->dtype == DT_I64 || x->dtype == DT_I32)) {
    bool was64 = x->dtype == DT_I64 || x->source_dtype == DT_I64;
    *c->reason = was64 ? arena_printf(c->g->arena, "input '%s' is INT64: the VPU has no I64, it is fed as I32 and a Convert to FP16 is inserted", x->name)
                       : arena_printf(c->g->arena, "input '%s' is INT32: a Convert to FP16 is inserted", x->name);
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
      *c->reason = arena_printf(c->g->arena, "input #%d has type %s where FP16 is expected: a Convert to FP16 is inserted", k,
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
    return unsupported(c, "dilated ConvTranspose: the MYRIAD Deconvolution stage has no dilation parameter",
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
  if (x && x->rank != 4) return unsupported(c, "LRN is written for 4-D (NCHW) inputs only", "apply it to a 4-D tensor");
  return VERDICT_SUPPORTED;
}

/* On the MYRIAD list (StaticShapeNMS), but its stage is not written by blobc yet. */
static Verdict rule_nms(Ctx *c) {
  *c->reason = arena_strdup(c->g->arena, "'NonMaxSuppression' is on the MYRIAD layer list, but blobc cannot write its stage (StaticShapeNMS) yet");
  *c->fix = arena_strdup(c->g->arena, "cut the graph before NMS and run it on the host (depthai's detection post-processing does), or compile the IR written beside the report with compile_tool");
  return VERDICT_UNSUPPORTED;
}

/* DetectionOutput (detection_output.cpp): FP16 2-D loc/conf, constant normalized priors. */
static Verdict rule_detection_output(Ctx *c) {
  const IrTensor *loc = in_t(c, 0), *conf = in_t(c, 1), *pri = in_t(c, 2);
  const IrDetectionParams *p = ir_detection_params(c->g, c->n);
  if (p->code_type < 1 || p->code_type > 3)
    return unsupported(c, "DetectionOutput with an unknown code_type", "use caffe.PriorBoxParameter.CORNER, CENTER_SIZE or CORNER_SIZE");
  if (!p->normalized)
    return unsupported(c, "DetectionOutput with normalized=0 priors is not written by blobc",
                       "export normalized priors (the SSD default)");
  if (c->n->n_inputs != 3)
    return unsupported(c, "DetectionOutput with ARM inputs (5 inputs) is not written by blobc", "use the 3-input form");
  if ((loc && loc->rank != 2) || (conf && conf->rank != 2))
    return unsupported(c, "DetectionOutput wants 2-D [N, P*4] locations and [N, P*classes] confidences",
                       "flatten them before the layer, as the SSD exports do");
  if (pri && (!pri->data || pri->rank != 3))
    return unsupported(c, "DetectionOutput priors must be a constant [1, 2, P*4] (folded PriorBox)",
                       "give the network a static input shape so the priors fold");
  if (p->decrease_label_id && p->background_label_id != 0)
    return unsupported(c, "decrease_label_id with a background label other than 0 is refused by MYRIAD",
                       "set background_label_id to 0");
  return VERDICT_SUPPORTED;
}

static Verdict rule_instance_norm(Ctx *c) {
  *c->reason = arena_strdup(c->g->arena, "lowered to ReduceMean, Power and ScaleShift stages with the model's eps (MYRIAD's own MVN adds eps outside the square root and fixes it at 1e-9, VPU.md known limitations)");
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
    r = hswish_mul(c->g, c->n) >= 0 ? "x * HardSigmoid(x) (alpha 1/6, beta 1/2) rewritten as one HSwish stage"
                                     : "HardSigmoid rewritten as ScaleShift (a Power stage: alpha * x + beta) + Clamp [0, 1]";
    break;
  case IR_OP_NEG: r = "Neg rewritten as Power (scale -1)"; break;
  case IR_OP_RECIPROCAL: r = "Reciprocal rewritten as Power (power -1)"; break;
  case IR_OP_DEPTH_TO_SPACE:
    r = ir_block_params(c->g, c->n)->mode == IR_D2S_CRD ? "DepthToSpace (CRD) rewritten as Reshape + Permute + Reshape"
                                                         : "DepthToSpace (DCR) rewritten as Reshape + Permute + Reshape";
    break;
  case IR_OP_SPACE_TO_DEPTH: r = "SpaceToDepth rewritten as Reshape + Permute + Reshape"; break;
  case IR_OP_LOG_SOFTMAX: r = "LogSoftmax rewritten as x - max - Log(ReduceSum(Exp(x - max))) (ReduceMax, Sum, Exp, ReduceSum, Log)"; break;
  case IR_OP_SELU: r = "Selu rewritten as Elu + Power (scale gamma)"; break;
  case IR_OP_CELU: r = "Celu rewritten as Power (1/alpha) + Elu + Power (alpha)"; break;
  case IR_OP_SOFTSIGN: r = "Softsign rewritten as x * Power(1 + |x|, -1) (Power, Max, Power, Prod)"; break;
  case IR_OP_THRESHOLDED_RELU: r = "ThresholdedRelu rewritten as Select(Greater(x, alpha), x, 0)"; break;
  case IR_OP_SHRINK: r = "Shrink rewritten as Greater, Less, Power and Select stages"; break;
  case IR_OP_REDUCE_L1: r = "ReduceL1 rewritten as ReduceSum(|x|) (Power, Max, ReduceSum)"; break;
  case IR_OP_REDUCE_L2: r = "ReduceL2 rewritten as Power(ReduceSum(x * x), 0.5)"; break;
  case IR_OP_REDUCE_SUM_SQUARE: r = "ReduceSumSquare rewritten as ReduceSum(x * x)"; break;
  case IR_OP_REDUCE_LOG_SUM_EXP: r = "ReduceLogSumExp rewritten as max + Log(ReduceSum(Exp(x - max))) (ReduceMax, Sum, Exp, ReduceSum, Log, Sum)"; break;
  default: UNREACHABLE();
  }
  *c->reason = arena_strdup(c->g->arena, r);
  *c->fix = arena_strdup(c->g->arena, "none needed");
  return VERDICT_CONVERTED;
}

/* Round (140) is in the 2022.x firmware's stage list (openvino's stage.hpp), as is the ONNX
 * half-to-even mode. */
static Verdict rule_round(Ctx *c) { return rule_integer_data(c); }

/* The verdict rule of each op (every op has one: an op MYRIAD cannot run has a rule that says
 * why). DetectionOutput folds to a constant unless its sizes are run-time. */
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
  Y(XOR,                 rule_integer_data     )
/* clang-format on */
OPTABLE_SCALARS(static const Rule, RULES, RULE_LIST);


/* A tensor with an unknown dim after inference means a dynamic shape, unless it only follows
 * from an unsupported node upstream (then that node is the verdict to act on). */
static bool after_unsupported(const IrGraph *g, const IrNode *n) {
  for (int k = 0; k < n->n_inputs; k++) {
    int t = n->inputs[k];
    if (t < 0 || g->tensors[t].producer < 0) continue;
    const IrNode *p = &g->nodes[g->tensors[t].producer];
    if (p->verdict == VERDICT_UNSUPPORTED || p->op >= IR_OP_COUNT) return true;
  }
  return false;
}

static bool has_dynamic_output(const IrGraph *g, const IrNode *n) {
  if (after_unsupported(g, n)) return false;
  for (int k = 0; k < n->n_outputs; k++) {
    int t = n->outputs[k];
    if (t >= 0 && ir_numel(&g->tensors[t]) < 0 && g->tensors[t].dtype != DT_UNDEF) return true;
  }
  return false;
}

Verdict vpu_judge(const IrGraph *g, int node, const char **reason, const char **fix) {
  const IrNode *n = &g->nodes[node];
  Ctx c = {g, n, reason, fix};
  *reason = *fix = NULL;
  if (n->op >= IR_OP_COUNT || (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx"))) return rule_unknown(&c);
  Verdict v = RULES[n->op](&c);
  if (v != VERDICT_UNSUPPORTED && has_dynamic_output(g, n) && n->op != IR_OP_NON_MAX_SUPPRESSION)
    return unsupported(&c, "output shape is not static (dynamic shapes are not supported on MYRIAD)",
                       "set a static shape for every input in the manifest (shape: [...])");
  return v;
}
