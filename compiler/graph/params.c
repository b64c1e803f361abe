/*
 * compiler/graph/params.c — the attribute decoders (see params.h). The ONNX defaults of every
 * op's attributes are written here and nowhere else; so is the check of an attribute that is
 * invalid whatever the shapes (a missing Cast 'to', a blocksize below 1, ...). Checks that need
 * shapes (a kernel_shape of the wrong length, an axis out of range) stay in the shape functions,
 * which read the decoded values.
 */
#include "params.h"
#include "params_internal.h"

#include "optable.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- helpers ---- */

/* Fills err like shape inference does: ERR_SHAPE, file and node named, "<op_type>: <fmt...>".
 * Returns -1. */
static int fail(const IrGraph *g, const IrNode *n, Err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(const IrGraph *g, const IrNode *n, Err *err, const char *fmt, ...) {
  if (!err) return -1;
  err_where(err, g->source, 0, NULL, n->name);
  err->code = ERR_SHAPE;
  int k = snprintf(err->msg, sizeof err->msg, "%s: ", n->op_type);
  if (k < 0 || (size_t)k >= sizeof err->msg) return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg + k, sizeof err->msg - (size_t)k, fmt, ap);
  va_end(ap);
  return -1;
}

/* True when attribute name is given as a number (int or float); its value as float in *out. */
static bool num_attr(const IrNode *n, const char *name, float *out) {
  const IrAttr *a = ir_attr(n, name);
  if (!a || (a->kind != ATTR_INT && a->kind != ATTR_FLOAT)) return false;
  *out = ir_attr_float(n, name, 0.0f);
  return true;
}

/* Copies int-list attribute name into dst[0..max), dst[i] = dflt beyond what is given; returns
 * the count given (0 when absent or not a list; may exceed max). */
static int ints_into(const IrNode *n, const char *name, int64_t *dst, int max, int64_t dflt) {
  for (int i = 0; i < max; i++) dst[i] = dflt;
  return ir_attr_ints(n, name, dst, max);
}

/* Int-list attribute name as given ({NULL, 0} when absent or not a list). */
static IrInts ints_of(const IrNode *n, const char *name) {
  const IrAttr *a = ir_attr(n, name);
  IrInts r = {NULL, 0};
  if (a && a->kind == ATTR_INTS && a->n > 0) r.v = a->ints, r.n = a->n;
  return r;
}

int ir_ints_copy(IrInts a, int64_t *out, int max) {
  for (int i = 0; i < a.n && i < max; i++) out[i] = a.v[i];
  return a.n;
}

/* ---- activations ---- */

static int dec_leaky_relu(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrActParams *p = out;
  p->alpha = ir_attr_float(n, "alpha", 0.01f);
  return 0;
}

static int dec_elu(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrActParams *p = out;
  p->alpha = ir_attr_float(n, "alpha", 1.0f);
  return 0;
}

static int dec_hard_sigmoid(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrActParams *p = out;
  p->alpha = ir_attr_float(n, "alpha", 0.2f);
  p->beta = ir_attr_float(n, "beta", 0.5f);
  return 0;
}

/* Selu: alpha, gamma (in beta); ThresholdedRelu: alpha; Celu: alpha; Shrink: lambd (in alpha),
 * bias (in beta). Defaults from the ONNX operator specification. */
static int dec_selu(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrActParams *p = out;
  p->alpha = ir_attr_float(n, "alpha", 1.67326319217681884765625f);
  p->beta = ir_attr_float(n, "gamma", 1.05070102214813232421875f);
  return 0;
}

static int dec_thresholded_relu(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  ((IrActParams *)out)->alpha = ir_attr_float(n, "alpha", 1.0f);
  return 0;
}

static int dec_celu(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g;
  IrActParams *p = out;
  p->alpha = ir_attr_float(n, "alpha", 1.0f);
  if (p->alpha == 0) return err_set(err, ERR_SHAPE, "%s: alpha must not be 0", n->op_type);
  return 0;
}

static int dec_shrink(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrActParams *p = out;
  p->alpha = ir_attr_float(n, "lambd", 0.5f);
  p->beta = ir_attr_float(n, "bias", 0.0f);
  return 0;
}

static int dec_clip(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrClipParams *p = out;
  p->min = -INFINITY;
  p->max = INFINITY;
  p->has_min = num_attr(n, "min", &p->min);
  p->has_max = num_attr(n, "max", &p->max);
  return 0;
}

/* ---- windows ---- */

static IrAutoPad auto_pad_of(const char *s) {
  if (strcmp(s, "NOTSET") == 0 || s[0] == 0) return IR_AUTO_PAD_NOTSET;
  if (strcmp(s, "SAME_UPPER") == 0) return IR_AUTO_PAD_SAME_UPPER;
  if (strcmp(s, "SAME_LOWER") == 0) return IR_AUTO_PAD_SAME_LOWER;
  if (strcmp(s, "VALID") == 0) return IR_AUTO_PAD_VALID;
  return IR_AUTO_PAD_UNKNOWN;
}

static int dec_window(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrWindowParams *p = out;
  p->has_kernel = ir_attr(n, "kernel_shape") != NULL;
  p->n_kernel = ints_into(n, "kernel_shape", p->kernel, IR_MAX_DIMS, 1);
  p->n_strides = ints_into(n, "strides", p->strides, IR_MAX_DIMS, 1);
  p->n_dilations = ints_into(n, "dilations", p->dilations, IR_MAX_DIMS, 1);
  p->n_pads = ints_into(n, "pads", p->pads, 2 * IR_MAX_DIMS, 0);
  p->auto_pad_name = ir_attr_str(n, "auto_pad", "NOTSET");
  p->auto_pad = auto_pad_of(p->auto_pad_name);
  p->group = ir_attr_int(n, "group", 1);
  p->ceil_mode = ir_attr_int(n, "ceil_mode", 0) != 0;
  p->count_include_pad = ir_attr_int(n, "count_include_pad", 0) != 0;
  p->storage_order = ir_attr_int(n, "storage_order", 0);
  p->has_output_shape = ir_attr(n, "output_shape") != NULL;
  p->n_output_padding = ints_into(n, "output_padding", p->output_padding, IR_MAX_DIMS, 0);
  p->n_output_shape = ints_into(n, "output_shape", p->output_shape, IR_MAX_DIMS, 0);
  return 0;
}

/* ---- Gemm ---- */

static int dec_gemm(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrGemmParams *p = out;
  p->trans_a = ir_attr_int(n, "transA", 0) != 0;
  p->trans_b = ir_attr_int(n, "transB", 0) != 0;
  p->alpha = ir_attr_float(n, "alpha", 1.0f);
  p->beta = ir_attr_float(n, "beta", 1.0f);
  return 0;
}

/* ---- one axis ---- */

static int dec_softmax(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)err;
  IrAxisParams *p = out;
  p->legacy = g->opset > 0 && g->opset < 13; /* opset 0: unknown, taken as current */
  p->axis = ir_attr_int(n, "axis", p->legacy ? 1 : -1);
  return 0;
}

static int dec_concat(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  IrAxisParams *p = out;
  p->axis = ir_attr_int(n, "axis", 0);
  if (!ir_attr(n, "axis")) return fail(g, n, err, "axis attribute is missing");
  return 0;
}

static int dec_gather(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrAxisParams *p = out;
  p->axis = ir_attr_int(n, "axis", 0);
  return 0;
}

/* QuantizeLinear / DequantizeLinear: axis 1 (opset 13); before opset 13 per-tensor only. */
static int dec_qdq(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)err;
  IrAxisParams *p = out;
  p->legacy = g->opset > 0 && g->opset < 13;
  p->axis = ir_attr_int(n, "axis", 1);
  return 0;
}

static int dec_flatten(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrAxisParams *p = out;
  p->axis = ir_attr_int(n, "axis", 1);
  return 0;
}

/* ---- Split ---- */

static int dec_split(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrSplitParams *p = out;
  p->axis = ir_attr_int(n, "axis", 0);
  p->split = ints_of(n, "split");
  p->has_num_outputs = ir_attr(n, "num_outputs") != NULL;
  return 0;
}

/* ---- a list of axes ---- */

static int dec_axes(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrAxesParams *p = out;
  p->axes = ints_of(n, "axes");
  p->keepdims = ir_attr_int(n, "keepdims", 1) != 0;
  p->noop_with_empty_axes = ir_attr_int(n, "noop_with_empty_axes", 0) != 0;
  return 0;
}

/* ---- Transpose ---- */

static int dec_transpose(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrTransposeParams *p = out;
  p->perm = ints_of(n, "perm");
  return 0;
}

/* ---- Slice ---- */

static int dec_slice(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrSliceParams *p = out;
  p->starts = ints_of(n, "starts");
  p->ends = ints_of(n, "ends");
  p->axes = ints_of(n, "axes");
  return 0;
}

/* ---- Pad ---- */

static int dec_pad(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrPadParams *p = out;
  p->pads = ints_of(n, "pads");
  p->value = ir_attr_float(n, "value", 0.0f);
  p->mode_name = ir_attr_str(n, "mode", "constant");
  static const char *const modes[] = {"constant", "reflect", "edge", "wrap"};
  p->mode = IR_PAD_UNKNOWN;
  for (int i = 0; i < 4; i++)
    if (strcmp(p->mode_name, modes[i]) == 0) p->mode = (IrPadMode)i;
  return 0;
}

/* ---- ArgMax ---- */

static int dec_argmax(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrArgMaxParams *p = out;
  p->axis = ir_attr_int(n, "axis", 0);
  p->keepdims = ir_attr_int(n, "keepdims", 1) != 0;
  p->select_last_index = ir_attr_int(n, "select_last_index", 0) != 0;
  return 0;
}

/* ---- TopK ---- */

static int dec_topk(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrTopKParams *p = out;
  p->axis = ir_attr_int(n, "axis", -1);
  p->largest = ir_attr_int(n, "largest", 1) != 0;
  p->sorted = ir_attr_int(n, "sorted", 1) != 0;
  p->has_k = ir_attr(n, "k") != NULL;
  p->k = ir_attr_int(n, "k", 0);
  return 0;
}

/* ---- Reshape ---- */

static int dec_reshape(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrReshapeParams *p = out;
  p->allowzero = ir_attr_int(n, "allowzero", 0) != 0;
  return 0;
}

/* ---- Resize, Upsample ---- */

/* Index of s in names[count], or unknown. */
static int name_index(const char *s, const char *const *names, int count, int unknown) {
  for (int i = 0; i < count; i++)
    if (strcmp(s, names[i]) == 0) return i;
  return unknown;
}

static int dec_resize(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)err;
  IrResizeParams *p = out;
  static const char *const modes[] = {"nearest", "linear", "cubic"};
  static const char *const coords[] = {
      "half_pixel",           "asymmetric",         "align_corners",       "pytorch_half_pixel",
      "tf_half_pixel_for_nn", "tf_crop_and_resize", "half_pixel_symmetric"};
  static const char *const nearests[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil",
                                         "simple"};
  static const char *const aspects[] = {"stretch", "not_larger", "not_smaller"};
  p->legacy = n->op == IR_OP_UPSAMPLE || n->n_inputs == 2 || (g->opset > 0 && g->opset < 11);
  p->mode_name = ir_attr_str(n, "mode", "nearest");
  p->mode = (IrResizeMode)name_index(p->mode_name, modes, 3, IR_RESIZE_MODE_UNKNOWN);
  if (strcmp(p->mode_name, "bilinear") == 0) p->mode = IR_RESIZE_LINEAR; /* Upsample-7 */
  if (p->legacy) {
    p->coord_name = "asymmetric";
    p->nearest_name = "simple";
  } else {
    p->coord_name = ir_attr_str(n, "coordinate_transformation_mode", "half_pixel");
    p->nearest_name = ir_attr_str(n, "nearest_mode", "round_prefer_floor");
  }
  p->coord = (IrResizeCoord)name_index(p->coord_name, coords, 7, IR_COORD_UNKNOWN);
  p->nearest = (IrResizeNearest)name_index(p->nearest_name, nearests, 5, IR_NEAREST_UNKNOWN);
  p->cubic_coeff_a = ir_attr_float(n, "cubic_coeff_a", -0.75f);
  p->extrapolation_value = ir_attr_float(n, "extrapolation_value", 0.0f);
  p->exclude_outside = ir_attr_int(n, "exclude_outside", 0) != 0;
  p->antialias = ir_attr_int(n, "antialias", 0) != 0;
  p->keep_aspect_name = ir_attr_str(n, "keep_aspect_ratio_policy", "stretch");
  p->keep_aspect = (IrResizeAspect)name_index(p->keep_aspect_name, aspects, 3, IR_ASPECT_UNKNOWN);
  p->has_axes = ir_attr(n, "axes") != NULL;
  p->axes = ints_of(n, "axes");
  const IrAttr *s = ir_attr(n, "scales");
  p->has_scales = s != NULL;
  if (s && s->kind == ATTR_FLOATS) p->scales = s->floats, p->n_scales = s->n;
  return 0;
}

/* ---- Cast ---- */

static int dec_cast(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  IrCastParams *p = out;
  if (!ir_attr(n, "to")) return fail(g, n, err, "attribute 'to' is missing");
  p->to_code = ir_attr_int(n, "to", 0);
  p->to = dtype_from_onnx(p->to_code);
  if (p->to == DT_UNDEF)
    return fail(g, n, err, "unsupported target type %lld", (long long)p->to_code);
  return 0;
}

/* ---- Constant, ConstantOfShape ---- */

/* The tensor of attribute name when it is a tensor attribute naming a graph tensor, else -1. */
static int tensor_attr(const IrGraph *g, const IrNode *n, const char *name) {
  const IrAttr *a = ir_attr(n, name);
  return a && a->kind == ATTR_TENSOR && a->tensor >= 0 && a->tensor < g->n_tensors ? a->tensor : -1;
}

static int dec_constant(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)err;
  IrConstantParams *p = out;
  const IrAttr *a;
  p->tensor = tensor_attr(g, n, "value");
  if (p->tensor >= 0 && g->tensors[p->tensor].data) {
    p->kind = IR_CONST_TENSOR;
  } else if ((a = ir_attr(n, "value_float")) != NULL || (a = ir_attr(n, "value_int")) != NULL) {
    p->kind = a->kind == ATTR_FLOAT ? IR_CONST_FLOAT : IR_CONST_INT;
    p->f = a->f;
    p->i = a->i;
  } else if ((a = ir_attr(n, "value_floats")) != NULL || (a = ir_attr(n, "value_ints")) != NULL) {
    p->kind = a->kind == ATTR_FLOATS ? IR_CONST_FLOATS : IR_CONST_INTS;
    p->floats = a->floats;
    p->ints = a->ints;
    p->n = a->n;
  } else if (ir_attr(n, "value_string") || ir_attr(n, "value_strings")) {
    p->kind = IR_CONST_STRING;
  }
  return 0;
}

static int dec_const_shape(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  IrConstantOfShapeParams *p = out;
  p->value = tensor_attr(g, n, "value");
  if (p->value < 0) return 0;
  const IrTensor *t = &g->tensors[p->value];
  if (ir_numel(t) != 1 || !t->data || dtype_size(t->dtype) == 0 || t->nbytes < dtype_size(t->dtype))
    return fail(g, n, err, "value must be a one-element tensor");
  return 0;
}

/* ---- Shape ---- */

static int dec_shape(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrShapeParams *p = out;
  p->start = ir_attr_int(n, "start", 0);
  p->end = ir_attr_int(n, "end", INT64_MAX);
  return 0;
}

/* ---- DepthToSpace, SpaceToDepth ---- */

static int dec_block(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  IrBlockParams *p = out;
  const char *m = ir_attr_str(n, "mode", "DCR");
  p->mode = strcmp(m, "DCR") == 0   ? IR_D2S_DCR
            : strcmp(m, "CRD") == 0 ? IR_D2S_CRD
                                    : IR_D2S_UNKNOWN;
  p->blocksize = ir_attr_int(n, "blocksize", 0);
  if (p->blocksize < 1 || p->blocksize > (1 << 20))
    return fail(g, n, err, "blocksize %lld is invalid", (long long)p->blocksize);
  return 0;
}

/* ---- LRN ---- */

static int dec_lrn(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrLrnParams *p = out;
  p->size = ir_attr_int(n, "size", 0);
  p->alpha = ir_attr_float(n, "alpha", 1e-4f);
  p->beta = ir_attr_float(n, "beta", 0.75f);
  p->bias = ir_attr_float(n, "bias", 1.0f);
  return 0;
}

/* ---- BatchNormalization, InstanceNormalization ---- */

static int dec_norm(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrNormParams *p = out;
  p->epsilon = ir_attr_float(n, "epsilon", 1e-5f);
  p->training_mode = ir_attr_int(n, "training_mode", 0) != 0;
  return 0;
}

/* ---- Add, Sub, Mul, Div, Pow ---- */

static int dec_binary(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrBinaryParams *p = out;
  p->legacy_axis = ir_attr(n, "broadcast") && ir_attr(n, "axis");
  return 0;
}

/* ---- NonMaxSuppression ---- */

static int dec_nms(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrNmsParams *p = out;
  p->center_point_box = ir_attr_int(n, "center_point_box", 0) != 0;
  return 0;
}

/* ---- PriorBoxClustered ---- */

/* Float-list attribute name as given: its values and count (NULL, 0 when absent or not a list). */
static const float *floats_of(const IrNode *n, const char *name, int *count) {
  const IrAttr *a = ir_attr(n, name);
  *count = a && a->kind == ATTR_FLOATS ? a->n : 0;
  return *count ? a->floats : NULL;
}

static int dec_prior_box(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  (void)g, (void)err;
  IrPriorBoxParams *p = out;
  p->widths = floats_of(n, "width", &p->n_widths);
  p->heights = floats_of(n, "height", &p->n_heights);
  for (int i = 0; i < 4; i++) p->variance[i] = 0.1f;
  p->n_variance = ir_attr_floats(n, "variance", p->variance, 4);
  if (p->n_variance == 1) p->variance[1] = p->variance[2] = p->variance[3] = p->variance[0];
  p->step = ir_attr_float(n, "step", 0.0f);
  p->step_w = ir_attr_float(n, "step_w", 0.0f);
  p->step_h = ir_attr_float(n, "step_h", 0.0f);
  p->offset = ir_attr_float(n, "offset", 0.5f);
  p->clip = ir_attr_int(n, "clip", 0) != 0;
  return 0;
}

/* Formulas of OpenVINO's PriorBoxClustered-1 reference (see compiler/backend/README.md for the
 * source): centre ((w + offset) * step_w, (h + offset) * step_h), the step from `step_w`/`step_h`
 * or else `step`, or else image / feature size; box corners at centre -+ size / 2, divided by the
 * image size; clip to [0, 1]; one variance repeated or four. */
int64_t ir_prior_box_clustered(const IrPriorBoxParams *p, int64_t h, int64_t w, int64_t ih,
                               int64_t iw, float *out) {
  enum { MAXP = 256 };
  int np = p->n_widths;
  if (np < 1 || np > MAXP || p->n_heights != np ||
      (p->n_variance != 0 && p->n_variance != 1 && p->n_variance != 4))
    return -1;
  if (h < 1 || w < 1 || ih < 1 || iw < 1 || h > (1 << 16) || w > (1 << 16)) return -1;
  int64_t size = 4 * h * w * np;
  if (size > ((int64_t)1 << 28)) return -1;
  if (!out) return size;
  float sw = p->step_w, sh = p->step_h;
  if (sw == 0.0f) sw = p->step;
  if (sh == 0.0f) sh = p->step;
  if (sw == 0.0f && sh == 0.0f) sw = (float)iw / (float)w, sh = (float)ih / (float)h;
  for (int64_t y = 0; y < h; y++)
    for (int64_t x = 0; x < w; x++) {
      float cx = ((float)x + p->offset) * sw, cy = ((float)y + p->offset) * sh;
      for (int s = 0; s < np; s++) {
        float wd = p->widths[s], ht = p->heights[s];
        float b[4] = {(cx - wd / 2.0f) / (float)iw, (cy - ht / 2.0f) / (float)ih,
                      (cx + wd / 2.0f) / (float)iw, (cy + ht / 2.0f) / (float)ih};
        int64_t at = ((y * w + x) * np + s) * 4;
        for (int k = 0; k < 4; k++) {
          float v = b[k];
          if (p->clip) v = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
          out[at + k] = v;
          out[size + at + k] = p->variance[k];
        }
      }
    }
  return size;
}

/* ---- DetectionOutput ---- */

static int dec_detection(const IrGraph *g, const IrNode *n, void *out, Err *err) {
  IrDetectionParams *p = out;
  p->num_classes = ir_attr_int(n, "num_classes", 0);
  p->background_label_id = ir_attr_int(n, "background_label_id", 0);
  p->top_k = ir_attr_int(n, "top_k", -1);
  p->keep_top_k = ir_attr_int(n, "keep_top_k", -1);
  p->code_type = ir_attr_int(n, "code_type", 1);
  p->share_location = ir_attr_int(n, "share_location", 1) != 0;
  p->variance_encoded_in_target = ir_attr_int(n, "variance_encoded_in_target", 0) != 0;
  p->clip_before_nms = ir_attr_int(n, "clip_before_nms", 0) != 0;
  p->clip_after_nms = ir_attr_int(n, "clip_after_nms", 0) != 0;
  p->decrease_label_id = ir_attr_int(n, "decrease_label_id", 0) != 0;
  p->normalized = ir_attr_int(n, "normalized", 0) != 0;
  p->input_height = ir_attr_int(n, "input_height", 1);
  p->input_width = ir_attr_int(n, "input_width", 1);
  p->nms_threshold = ir_attr_float(n, "nms_threshold", 0.0f);
  p->confidence_threshold = ir_attr_float(n, "confidence_threshold", 0.0f);
  p->objectness_score = ir_attr_float(n, "objectness_score", 0.0f);
  if (p->num_classes < 1 || p->num_classes > 100000)
    return fail(g, n, err, "num_classes %lld is invalid", (long long)p->num_classes);
  return 0;
}

/* ---- the decoder table ---- */

/* The parameter struct families: tag, struct, accessor (defined below, one per family). An
 * accessor checks the node's op belongs to its family. */
/* clang-format off */
#define FAMILIES(F)                                                       \
  F(PK_ACT,         IrActParams,             ir_act_params)               \
  F(PK_CLIP,        IrClipParams,            ir_clip_params)              \
  F(PK_WINDOW,      IrWindowParams,          ir_window_params)            \
  F(PK_GEMM,        IrGemmParams,            ir_gemm_params)              \
  F(PK_AXIS,        IrAxisParams,            ir_axis_params)              \
  F(PK_SPLIT,       IrSplitParams,           ir_split_params)             \
  F(PK_AXES,        IrAxesParams,            ir_axes_params)              \
  F(PK_TRANSPOSE,   IrTransposeParams,       ir_transpose_params)         \
  F(PK_SLICE,       IrSliceParams,           ir_slice_params)             \
  F(PK_PAD,         IrPadParams,             ir_pad_params)               \
  F(PK_ARGMAX,      IrArgMaxParams,          ir_argmax_params)            \
  F(PK_TOPK,        IrTopKParams,            ir_topk_params)              \
  F(PK_RESHAPE,     IrReshapeParams,         ir_reshape_params)           \
  F(PK_RESIZE,      IrResizeParams,          ir_resize_params)            \
  F(PK_CAST,        IrCastParams,            ir_cast_params)              \
  F(PK_CONST,       IrConstantParams,        ir_constant_params)          \
  F(PK_CONST_SHAPE, IrConstantOfShapeParams, ir_constant_of_shape_params) \
  F(PK_SHAPE,       IrShapeParams,           ir_shape_params)             \
  F(PK_BLOCK,       IrBlockParams,           ir_block_params)             \
  F(PK_LRN,         IrLrnParams,             ir_lrn_params)               \
  F(PK_NORM,        IrNormParams,            ir_norm_params)              \
  F(PK_BINARY,      IrBinaryParams,          ir_binary_params)            \
  F(PK_NMS,         IrNmsParams,             ir_nms_params)               \
  F(PK_PRIOR_BOX,   IrPriorBoxParams,        ir_prior_box_params)         \
  F(PK_DETECTION,   IrDetectionParams,       ir_detection_params)         \
  F(PK_GELU,        IrGeluParams,            ir_gelu_params)              \
  F(PK_NORMALIZE,   IrNormalizeParams,       ir_normalize_params)         \
  F(PK_REGION_YOLO, IrRegionYoloParams,      ir_region_yolo_params)       \
  F(PK_PRIOR_BOX_SSD, IrPriorBoxSsdParams,   ir_prior_box_ssd_params)     \
  F(PK_CTC,         IrCtcParams,             ir_ctc_params)               \
  F(PK_GATHER_ND,   IrGatherNdParams,        ir_gather_nd_params)         \
  F(PK_ROI,         IrRoiParams,             ir_roi_params)               \
  F(PK_LSTM,        IrLstmParams,            ir_lstm_params)              \
  F(PK_PROPOSAL,    IrProposalParams,        ir_proposal_params)          \
  F(PK_SCATTER,     IrScatterParams,         ir_scatter_params)           \
  F(PK_REVERSE_SEQ, IrReverseSeqParams,      ir_reverse_seq_params)       \
  F(PK_MOD,         IrModParams,             ir_mod_params) \
  F(PK_LP_NORM,     IrLpNormParams,          ir_lp_norm_params)           \
  F(PK_ROI_ALIGN,   IrRoiAlignParams,        ir_roi_align_params)         \
  F(PK_ONNX_LSTM,   IrOnnxLstmParams,        ir_onnx_lstm_params)
/* clang-format on */

#define KIND_ENUM_(k, type, fn) k,
typedef enum { PK_NONE, FAMILIES(KIND_ENUM_) PK_COUNT } Kind;
#undef KIND_ENUM_

#define KIND_SIZE_(k, type, fn) [k] = sizeof(type),
static const size_t KIND_SIZE[PK_COUNT] = {FAMILIES(KIND_SIZE_)};
#undef KIND_SIZE_

typedef int (*Decoder)(const IrGraph *g, const IrNode *n, void *out, Err *err);

typedef struct {
  Decoder fn; /* NULL: the op has no attributes */
  Kind kind;
} DecoderEntry;

/* The decoder of each op and the family of its struct; NULL, PK_NONE: the op has no attributes. */
/* clang-format off */
#define PARAM_DECODERS(Y)                                  \
  Y(CONV,                dec_window,       PK_WINDOW)      \
  Y(CONV_TRANSPOSE,      dec_window,       PK_WINDOW)      \
  Y(MAX_POOL,            dec_window,       PK_WINDOW)      \
  Y(AVERAGE_POOL,        dec_window,       PK_WINDOW)      \
  Y(GLOBAL_AVERAGE_POOL, NULL,             PK_NONE)        \
  Y(GLOBAL_MAX_POOL,     NULL,             PK_NONE)        \
  Y(BATCH_NORM,          dec_norm,         PK_NORM)        \
  Y(RELU,                NULL,             PK_NONE)        \
  Y(LEAKY_RELU,          dec_leaky_relu,   PK_ACT)         \
  Y(PRELU,               NULL,             PK_NONE)        \
  Y(CLIP,                dec_clip,         PK_CLIP)        \
  Y(SIGMOID,             NULL,             PK_NONE)        \
  Y(TANH,                NULL,             PK_NONE)        \
  Y(HARD_SIGMOID,        dec_hard_sigmoid, PK_ACT)         \
  Y(HARD_SWISH,          NULL,             PK_NONE)        \
  Y(ELU,                 dec_elu,          PK_ACT)         \
  Y(EXP,                 NULL,             PK_NONE)        \
  Y(LOG,                 NULL,             PK_NONE)        \
  Y(SQRT,                NULL,             PK_NONE)        \
  Y(NEG,                 NULL,             PK_NONE)        \
  Y(ABS,                 NULL,             PK_NONE)        \
  Y(FLOOR,               NULL,             PK_NONE)        \
  Y(CEIL,                NULL,             PK_NONE)        \
  Y(SOFTMAX,             dec_softmax,      PK_AXIS)        \
  Y(ADD,                 dec_binary,       PK_BINARY)      \
  Y(SUB,                 dec_binary,       PK_BINARY)      \
  Y(MUL,                 dec_binary,       PK_BINARY)      \
  Y(DIV,                 dec_binary,       PK_BINARY)      \
  Y(POW,                 dec_binary,       PK_BINARY)      \
  Y(MAX,                 NULL,             PK_NONE)        \
  Y(MIN,                 NULL,             PK_NONE)        \
  Y(EQUAL,               NULL,             PK_NONE)        \
  Y(LESS,                NULL,             PK_NONE)        \
  Y(GREATER,             NULL,             PK_NONE)        \
  Y(WHERE,               NULL,             PK_NONE)        \
  Y(MATMUL,              NULL,             PK_NONE)        \
  Y(GEMM,                dec_gemm,         PK_GEMM)        \
  Y(CONCAT,              dec_concat,       PK_AXIS)        \
  Y(RESHAPE,             dec_reshape,      PK_RESHAPE)     \
  Y(FLATTEN,             dec_flatten,      PK_AXIS)        \
  Y(TRANSPOSE,           dec_transpose,    PK_TRANSPOSE)   \
  Y(SQUEEZE,             dec_axes,         PK_AXES)        \
  Y(UNSQUEEZE,           dec_axes,         PK_AXES)        \
  Y(PAD,                 dec_pad,          PK_PAD)         \
  Y(RESIZE,              dec_resize,       PK_RESIZE)      \
  Y(UPSAMPLE,            dec_resize,       PK_RESIZE)      \
  Y(SLICE,               dec_slice,        PK_SLICE)       \
  Y(SPLIT,               dec_split,        PK_SPLIT)       \
  Y(REDUCE_MEAN,         dec_axes,         PK_AXES)        \
  Y(REDUCE_MAX,          dec_axes,         PK_AXES)        \
  Y(REDUCE_SUM,          dec_axes,         PK_AXES)        \
  Y(CAST,                dec_cast,         PK_CAST)        \
  Y(IDENTITY,            NULL,             PK_NONE)        \
  Y(DROPOUT,             NULL,             PK_NONE)        \
  Y(CONSTANT,            dec_constant,     PK_CONST)       \
  Y(CONSTANT_OF_SHAPE,   dec_const_shape,  PK_CONST_SHAPE) \
  Y(SHAPE,               dec_shape,        PK_SHAPE)       \
  Y(GATHER,              dec_gather,       PK_AXIS)        \
  Y(EXPAND,              NULL,             PK_NONE)        \
  Y(RANGE,               NULL,             PK_NONE)        \
  Y(TILE,                NULL,             PK_NONE)        \
  Y(ARGMAX,              dec_argmax,       PK_ARGMAX)      \
  Y(TOPK,                dec_topk,         PK_TOPK)        \
  Y(LRN,                 dec_lrn,          PK_LRN)         \
  Y(DEPTH_TO_SPACE,      dec_block,        PK_BLOCK)       \
  Y(SPACE_TO_DEPTH,      dec_block,        PK_BLOCK)       \
  Y(INSTANCE_NORM,       dec_norm,         PK_NORM)        \
  Y(LOG_SOFTMAX,         dec_softmax,      PK_AXIS)        \
  Y(NON_MAX_SUPPRESSION, dec_nms,          PK_NMS)         \
  Y(PRIOR_BOX_CLUSTERED, dec_prior_box,    PK_PRIOR_BOX)   \
  Y(DETECTION_OUTPUT,    dec_detection,    PK_DETECTION)   \
  Y(SUM,                 NULL,             PK_NONE) \
  Y(MEAN,                NULL,             PK_NONE) \
  Y(RECIPROCAL,          NULL,             PK_NONE) \
  Y(SELU,                dec_selu,         PK_ACT, ) \
  Y(SOFTSIGN,            NULL,             PK_NONE) \
  Y(THRESHOLDED_RELU,    dec_thresholded_relu, PK_ACT, ) \
  Y(CELU,                dec_celu,         PK_ACT, ) \
  Y(SHRINK,              dec_shrink,       PK_ACT, ) \
  Y(ERF,                 NULL,             PK_NONE) \
  Y(SOFTPLUS,            NULL,             PK_NONE) \
  Y(SIGN,                NULL,             PK_NONE) \
  Y(ROUND,               NULL,             PK_NONE) \
  Y(MISH,                NULL,             PK_NONE) \
  Y(NOT,                 NULL,             PK_NONE) \
  Y(REDUCE_MIN,          dec_axes,         PK_AXES) \
  Y(REDUCE_L1,           dec_axes,         PK_AXES) \
  Y(REDUCE_L2,           dec_axes,         PK_AXES) \
  Y(REDUCE_SUM_SQUARE,   dec_axes,         PK_AXES) \
  Y(REDUCE_LOG_SUM_EXP,  dec_axes,         PK_AXES) \
  Y(GREATER_OR_EQUAL,    NULL,             PK_NONE) \
  Y(LESS_OR_EQUAL,       NULL,             PK_NONE) \
  Y(AND,                 NULL,             PK_NONE) \
  Y(OR,                  NULL,             PK_NONE) \
  Y(XOR,                 NULL,             PK_NONE) \
  Y(SWISH,               NULL,             PK_NONE) \
  Y(GELU,                ir__dec_gelu,     PK_GELU) \
  Y(SQUARED_DIFF,        NULL,             PK_NONE) \
  Y(GRN,                 ir__dec_grn,      PK_NORM) \
  Y(NORMALIZE_L2,        ir__dec_normalize_l2, PK_NORMALIZE) \
  Y(REGION_YOLO,         ir__dec_region_yolo, PK_REGION_YOLO) \
  Y(REORG_YOLO,          ir__dec_reorg_yolo, PK_BLOCK) \
  Y(PRIOR_BOX,           ir__dec_prior_box, PK_PRIOR_BOX_SSD) \
  Y(CTC_GREEDY_DECODER,  ir__dec_ctc,      PK_CTC) \
  Y(SCATTER_UPDATE,      NULL,             PK_NONE) \
  Y(GATHER_ND,           ir__dec_gather_nd, PK_GATHER_ND) \
  Y(ROI_POOLING,         ir__dec_roi_pooling, PK_ROI) \
  Y(PSROI_POOLING,       ir__dec_psroi_pooling, PK_ROI) \
  Y(LSTM_CELL,           ir__dec_lstm_cell, PK_LSTM) \
  Y(PROPOSAL,            ir__dec_proposal, PK_PROPOSAL) \
  Y(QUANTIZE_LINEAR,     dec_qdq,          PK_AXIS) \
  Y(DEQUANTIZE_LINEAR,   dec_qdq,          PK_AXIS) \
  Y(GATHER_ELEMENTS,     ir__dec_gather_elements, PK_AXIS) \
  Y(SCATTER_ELEMENTS,    ir__dec_scatter_elements, PK_SCATTER) \
  Y(SCATTER_ND,          ir__dec_scatter_nd, PK_SCATTER) \
  Y(ONE_HOT,             ir__dec_one_hot, PK_AXIS) \
  Y(REVERSE_SEQUENCE,    ir__dec_reverse_sequence, PK_REVERSE_SEQ) \
  Y(MOD,                 ir__dec_mod, PK_MOD) \
  Y(SCATTER,             ir__dec_scatter_elements, PK_SCATTER) \
  Y(MVN,                 ir__dec_mvn,      PK_AXES) \
  Y(LP_NORM,             ir__dec_lp_norm,  PK_LP_NORM) \
  Y(MAX_ROI_POOL,        ir__dec_max_roi_pool, PK_ROI) \
  Y(ROI_ALIGN,           ir__dec_roi_align, PK_ROI_ALIGN) \
  Y(LSTM,                ir__dec_onnx_lstm, PK_ONNX_LSTM)
/* clang-format on */
OPTABLE(static const DecoderEntry, DECODERS, PARAM_DECODERS);

/* True when op has attributes to decode. */
static bool has_params(IrOp op) { return (unsigned)op < IR_OP_COUNT && DECODERS[op].fn != NULL; }

/* Decodes x into its params struct (allocated once per node, cleared before each decode). */
static int decode_node(const IrGraph *g, IrNode *x, Err *err) {
  if (!has_params(x->op)) return 0;
  const DecoderEntry *d = &DECODERS[x->op];
  size_t size = KIND_SIZE[d->kind];
  if (!x->params)
    x->params = arena_alloc(g->arena, size);
  else
    memset(x->params, 0, size);
  return d->fn(g, x, x->params, err);
}

int ir_params_decode(IrGraph *g, int n, Err *err) { return decode_node(g, &g->nodes[n], err); }

/* The params of n, an op of family kind, decoded now when nothing decoded them yet. The node is
 * const for the caller, but its params are a cache of its own attributes: filling the cache
 * changes nothing the caller can see. */
static const void *params_of(const IrGraph *g, const IrNode *n, Kind kind) {
  ASSERT(has_params(n->op) && DECODERS[n->op].kind == kind);
  if (!n->params) {
    Err e = {0};
    if (decode_node(g, (IrNode *)n, &e) < 0) /* invalid attributes that ir_infer never saw */
      base__assert_fail(__FILE__, __LINE__, e.msg);
  }
  return n->params;
}

#define ACCESSOR_(k, type, fn) \
  const type *fn(const IrGraph *g, const IrNode *n) { return params_of(g, n, k); }
FAMILIES(ACCESSOR_)
#undef ACCESSOR_
