/*
 * compiler/graph/params.h — every op's attributes decoded once into a typed parameter struct.
 *
 * Overview. An op of ops.def that has attributes has one decoder in params.c (the PARAM_DECODERS
 * table, an OPTABLE the compiler checks complete; NULL for ops without attributes). The decoder
 * reads the node's attribute list once, applies the ONNX defaults — params.c is the only place
 * they are written — and stores the result in an arena struct hung on the node (IrNode.params).
 * Every later stage (shape inference, folding, VPU rules, passes, the IR writer, the blob
 * lowering, the reference executor) reads that struct through the accessor of the op's family,
 * never the attribute list. Only the frontends (which build attributes), params.c and the IR
 * writer's copy of an unknown op's attributes touch IrNode.attrs.
 *
 * When a node is decoded:
 *   - ir_infer (shape.c) decodes each live node right before its shape function and reports an
 *     invalid attribute there, as ERR_SHAPE "<op_type>: <problem>" naming the node, so the first
 *     bad node of the graph is still the one reported;
 *   - a node made after shape inference, or a graph handed to a stage without ir_infer (tests
 *     build such graphs), is decoded on the first access; ir_node_add_attr drops a decoded struct
 *     so a node is never read with stale parameters.
 * An accessor asked for an op outside its family, or for a node whose attributes are invalid
 * (which ir_infer would have refused), is an internal error (ASSERT): no stage ever falls back to
 * a default of its own.
 *
 * Usage:
 *   const IrActParams *p = ir_act_params(g, n);       // LeakyRelu: p->alpha, 0.01 unless given
 *
 * A new op with attributes: its line in ops.def; here, its struct (or reuse a family's, e.g.
 * IrAxisParams for one axis); in params.c, a decoder that holds the ONNX defaults and refuses
 * what is invalid whatever the shapes (message "<what> is invalid", as shape inference words
 * it), its PARAM_DECODERS line, and a FAMILIES line when the struct is new (that line makes the
 * accessor). Its shape function, rule, emitter, lowering and kernel then read the struct.
 */
#ifndef COMPILER_GRAPH_PARAMS_H
#define COMPILER_GRAPH_PARAMS_H

#include "ir.h"

/* An int-list attribute as given: n values at v; {NULL, 0} when absent (or not an int list). The
 * values live in the node's attribute (arena memory). */
typedef struct {
  const int64_t *v;
  int n;
} IrInts;
#define IR_NO_INTS ((IrInts){NULL, 0})
/* Copies up to max values of a into out; returns a.n (which may exceed max). */
int ir_ints_copy(IrInts a, int64_t *out, int max);

/* Decodes node n's attributes into n's params (allocated on first use, overwritten after).
 * Returns 0, or -1 with ERR_SHAPE "<op_type>: <problem>" naming the node when an attribute is
 * invalid (the struct then holds what could be read). Nothing to do (0) for ops without
 * attributes and for IR_OP_UNKNOWN. */
int ir_params_decode(IrGraph *g, int n, Err *err);

/* ---- activations: LeakyRelu, Elu, HardSigmoid ---- */

typedef struct {
  float alpha; /* LeakyRelu 0.01, Elu 1, HardSigmoid 0.2 */
  float beta;  /* HardSigmoid 0.5; 0 for the others */
} IrActParams;
const IrActParams *ir_act_params(const IrGraph *g, const IrNode *n);

/* ---- Clip ---- */

/* Clip-6 bounds (attributes); Clip-11 and later take them as inputs 2 and 3 instead. */
typedef struct {
  bool has_min, has_max; /* the attribute is given */
  float min, max;        /* -inf / +inf when not given */
} IrClipParams;
const IrClipParams *ir_clip_params(const IrGraph *g, const IrNode *n);

/* ---- windows: Conv, ConvTranspose, MaxPool, AveragePool ---- */

typedef enum {
  IR_AUTO_PAD_NOTSET, /* explicit pads; also what an empty string means */
  IR_AUTO_PAD_SAME_UPPER,
  IR_AUTO_PAD_SAME_LOWER,
  IR_AUTO_PAD_VALID,
  IR_AUTO_PAD_UNKNOWN, /* any other string: shape inference refuses it */
} IrAutoPad;

/* Lists hold the values as given (the count may exceed the array: only the count is then of
 * use, to say it is wrong); the spatial rank they must match is the input's, known to the
 * shape function, which checks the counts. */
typedef struct {
  bool has_kernel; /* kernel_shape given; else the weights' spatial dims */
  int n_kernel, n_strides, n_dilations, n_pads; /* values given, 0 when absent */
  int64_t kernel[IR_MAX_DIMS];                  /* 1 where not given */
  int64_t strides[IR_MAX_DIMS];                 /* 1 where not given */
  int64_t dilations[IR_MAX_DIMS];               /* 1 where not given */
  int64_t pads[2 * IR_MAX_DIMS]; /* the begins of every axis, then the ends; 0 where not given */
  IrAutoPad auto_pad;
  const char *auto_pad_name; /* as given, for messages ("NOTSET" when absent) */
  int64_t group;             /* Conv, ConvTranspose: 1 */
  bool ceil_mode;            /* pools: false */
  bool count_include_pad;    /* AveragePool: false */
  int64_t storage_order;     /* MaxPool Indices: 0 row major, else column major */
  /* ConvTranspose */
  bool has_output_shape;
  int n_output_padding, n_output_shape;
  int64_t output_padding[IR_MAX_DIMS]; /* 0 where not given */
  int64_t output_shape[IR_MAX_DIMS];   /* spatial sizes, or N, C and the spatial sizes */
} IrWindowParams;
const IrWindowParams *ir_window_params(const IrGraph *g, const IrNode *n);

/* ---- Gemm ---- */

typedef struct {
  bool trans_a, trans_b; /* false */
  float alpha, beta;     /* 1 */
} IrGemmParams;
const IrGemmParams *ir_gemm_params(const IrGraph *g, const IrNode *n);

/* ---- one axis: Softmax, LogSoftmax, Concat, Gather, Flatten ---- */

typedef struct {
  int64_t
      axis; /* Softmax, LogSoftmax: -1 (1 before opset 13); Gather 0; Flatten 1; Concat: required */
  bool legacy; /* Softmax, LogSoftmax before opset 13: over the input coerced to 2-D at axis */
} IrAxisParams;
const IrAxisParams *ir_axis_params(const IrGraph *g, const IrNode *n);

/* ---- Split ---- */

typedef struct {
  int64_t axis;         /* 0 */
  IrInts split;         /* the sizes as an attribute (before opset 13; input 2 since) */
  bool has_num_outputs; /* opset 18 num_outputs: the last part may be smaller */
} IrSplitParams;
const IrSplitParams *ir_split_params(const IrGraph *g, const IrNode *n);

/* ---- a list of axes: Squeeze, Unsqueeze, ReduceMean, ReduceMax, ReduceSum ---- */

typedef struct {
  IrInts axes;   /* the attribute form (before opset 13; reductions but ReduceSum: 18) */
  bool keepdims; /* reductions: true */
  bool noop_with_empty_axes; /* reductions: false */
} IrAxesParams;
const IrAxesParams *ir_axes_params(const IrGraph *g, const IrNode *n);

/* ---- Transpose ---- */

typedef struct {
  IrInts perm; /* absent: the axes reversed */
} IrTransposeParams;
const IrTransposeParams *ir_transpose_params(const IrGraph *g, const IrNode *n);

/* ---- Slice ---- */

typedef struct {
  IrInts starts, ends, axes; /* Slice-1 attributes (inputs 2..5 since opset 10) */
} IrSliceParams;
const IrSliceParams *ir_slice_params(const IrGraph *g, const IrNode *n);

/* ---- Pad ---- */

typedef enum {
  IR_PAD_CONSTANT,
  IR_PAD_REFLECT,
  IR_PAD_EDGE,
  IR_PAD_WRAP,
  IR_PAD_UNKNOWN
} IrPadMode;

typedef struct {
  IrInts pads;           /* Pad-2 attribute (an input since opset 11) */
  float value;           /* Pad-2 attribute: 0 (an input since opset 11) */
  IrPadMode mode;        /* constant */
  const char *mode_name; /* as given, for messages */
} IrPadParams;
const IrPadParams *ir_pad_params(const IrGraph *g, const IrNode *n);

/* ---- ArgMax ---- */

typedef struct {
  int64_t axis;           /* 0 */
  bool keepdims;          /* true */
  bool select_last_index; /* false */
} IrArgMaxParams;
const IrArgMaxParams *ir_argmax_params(const IrGraph *g, const IrNode *n);

/* ---- TopK ---- */

typedef struct {
  int64_t axis; /* -1 */
  bool largest; /* true */
  bool sorted;  /* true */
  bool has_k;   /* TopK-1 attribute k (an input since opset 10) */
  int64_t k;
} IrTopKParams;
const IrTopKParams *ir_topk_params(const IrGraph *g, const IrNode *n);

/* ---- Reshape ---- */

typedef struct {
  bool allowzero; /* false: a 0 in the shape copies the input dim */
} IrReshapeParams;
const IrReshapeParams *ir_reshape_params(const IrGraph *g, const IrNode *n);

/* ---- Resize, Upsample ---- */

typedef enum {
  IR_RESIZE_NEAREST,
  IR_RESIZE_LINEAR,
  IR_RESIZE_CUBIC,
  IR_RESIZE_MODE_UNKNOWN
} IrResizeMode;
typedef enum {
  IR_COORD_HALF_PIXEL,
  IR_COORD_ASYMMETRIC,
  IR_COORD_ALIGN_CORNERS,
  IR_COORD_PYTORCH_HALF_PIXEL,
  IR_COORD_TF_HALF_PIXEL_FOR_NN,
  IR_COORD_TF_CROP_AND_RESIZE,
  IR_COORD_HALF_PIXEL_SYMMETRIC,
  IR_COORD_UNKNOWN
} IrResizeCoord;
typedef enum {
  IR_NEAREST_ROUND_PREFER_FLOOR,
  IR_NEAREST_ROUND_PREFER_CEIL,
  IR_NEAREST_FLOOR,
  IR_NEAREST_CEIL,
  IR_NEAREST_SIMPLE, /* the opset-10 rule (OpenVINO "simple"): floor, ceil when downscaling */
  IR_NEAREST_UNKNOWN
} IrResizeNearest;
typedef enum {
  IR_ASPECT_STRETCH,
  IR_ASPECT_NOT_LARGER,
  IR_ASPECT_NOT_SMALLER,
  IR_ASPECT_UNKNOWN
} IrResizeAspect;

typedef struct {
  /* Upsample, Resize-10 (two inputs, or an opset below 11): no coordinate_transformation_mode
   * nor nearest_mode; they resize asymmetric with the opset-10 nearest rule */
  bool legacy;
  IrResizeMode mode;       /* nearest; Upsample-7's "bilinear" is linear */
  IrResizeCoord coord;     /* half_pixel; legacy: asymmetric */
  IrResizeNearest nearest; /* round_prefer_floor; legacy: simple */
  const char *mode_name, *coord_name, *nearest_name; /* as given (or the default), for messages */
  float cubic_coeff_a;                               /* -0.75 */
  float extrapolation_value;                         /* 0 */
  bool exclude_outside;                              /* false */
  bool antialias;                                    /* false (opset 18) */
  IrResizeAspect keep_aspect;                        /* stretch (opset 18) */
  const char *keep_aspect_name;
  bool has_axes; /* opset 18 axes given */
  IrInts axes;
  bool has_scales;     /* Upsample-7 scales attribute given */
  const float *scales; /* its values when a float list, else NULL */
  int n_scales;
} IrResizeParams;
const IrResizeParams *ir_resize_params(const IrGraph *g, const IrNode *n);

/* ---- Cast ---- */

typedef struct {
  int64_t to_code; /* the ONNX TensorProto type code (required) */
  DType to;        /* its dtype (DT_STRING for strings); an unknown code is refused */
} IrCastParams;
const IrCastParams *ir_cast_params(const IrGraph *g, const IrNode *n);

/* ---- Constant ---- */

typedef enum {
  IR_CONST_NONE,   /* no value attribute (shape inference refuses the node) */
  IR_CONST_TENSOR, /* value: a constant tensor of the graph */
  IR_CONST_FLOAT,  /* value_float: f32 scalar */
  IR_CONST_INT,    /* value_int: i64 scalar */
  IR_CONST_FLOATS, /* value_floats: f32 [n] */
  IR_CONST_INTS,   /* value_ints: i64 [n] */
  IR_CONST_STRING, /* value_string(s): a string tensor, never computed on */
} IrConstKind;

typedef struct {
  IrConstKind kind;
  int tensor;          /* IR_CONST_TENSOR: its index */
  float f;             /* IR_CONST_FLOAT */
  int64_t i;           /* IR_CONST_INT */
  const float *floats; /* IR_CONST_FLOATS */
  const int64_t *ints; /* IR_CONST_INTS */
  int n;               /* count of floats / ints */
} IrConstantParams;
const IrConstantParams *ir_constant_params(const IrGraph *g, const IrNode *n);

/* ---- ConstantOfShape ---- */

typedef struct {
  int value; /* the one-element tensor of the value attribute; -1: absent, a float 0 */
} IrConstantOfShapeParams;
const IrConstantOfShapeParams *ir_constant_of_shape_params(const IrGraph *g, const IrNode *n);

/* ---- Shape ---- */

typedef struct {
  int64_t start; /* 0 */
  int64_t end;   /* INT64_MAX when not given: clamped to the rank, every dim */
} IrShapeParams;
const IrShapeParams *ir_shape_params(const IrGraph *g, const IrNode *n);

/* ---- DepthToSpace, SpaceToDepth ---- */

typedef enum { IR_D2S_DCR, IR_D2S_CRD, IR_D2S_UNKNOWN } IrDepthMode;

typedef struct {
  int64_t blocksize; /* required, 1 .. 2^20 */
  IrDepthMode mode;  /* DepthToSpace: DCR */
} IrBlockParams;
const IrBlockParams *ir_block_params(const IrGraph *g, const IrNode *n);

/* ---- LRN ---- */

typedef struct {
  int64_t size;            /* required; 0 when absent (refused by the VPU rule and the reference) */
  float alpha, beta, bias; /* 1e-4, 0.75, 1 */
} IrLrnParams;
const IrLrnParams *ir_lrn_params(const IrGraph *g, const IrNode *n);

/* ---- BatchNormalization, InstanceNormalization ---- */

typedef struct {
  float epsilon;      /* 1e-5 */
  bool training_mode; /* BatchNormalization-14: false */
} IrNormParams;
const IrNormParams *ir_norm_params(const IrGraph *g, const IrNode *n);

/* ---- Add, Sub, Mul, Div, Pow ---- */

typedef struct {
  bool legacy_axis; /* opset < 7 broadcast with an axis attribute (not implemented anywhere) */
} IrBinaryParams;
const IrBinaryParams *ir_binary_params(const IrGraph *g, const IrNode *n);

/* ---- NonMaxSuppression ---- */

typedef struct {
  bool center_point_box; /* false: boxes are corners */
} IrNmsParams;
const IrNmsParams *ir_nms_params(const IrGraph *g, const IrNode *n);

/* ---- PriorBoxClustered (OpenVINO PriorBoxClustered-1) ---- */

typedef struct {
  const float *widths, *heights; /* the prior sizes as given (NULL when absent) */
  int n_widths, n_heights;
  float variance[4];          /* 0.1 each; one value given is used for all four */
  int n_variance;             /* values given: 0, 1 or 4 are valid */
  float step, step_w, step_h; /* 0: derived from the image and feature sizes */
  float offset;               /* 0.5 */
  bool clip;                  /* false */
} IrPriorBoxParams;
const IrPriorBoxParams *ir_prior_box_params(const IrGraph *g, const IrNode *n);

/* PriorBoxClustered for a feature map of h x w cells and an image of ih x iw: out[0 .. 4*h*w*P)
 * the boxes (xmin, ymin, xmax, ymax per prior, priors innermost, then w, then h), out[4*h*w*P ..)
 * the variances; P = the count of widths. Returns 4*h*w*P, or -1 when the parameters are
 * inconsistent (out untouched). out may be NULL to get the size only. */
int64_t ir_prior_box_clustered(const IrPriorBoxParams *p, int64_t h, int64_t w, int64_t ih,
                               int64_t iw, float *out);

/* ---- DetectionOutput (OpenVINO DetectionOutput-1; the defaults are its specification's) ---- */

typedef struct {
  int64_t num_classes;         /* required, 1 .. 100000 */
  int64_t background_label_id; /* 0 */
  int64_t top_k, keep_top_k;   /* -1: every box */
  int64_t code_type;   /* 1 CORNER (the default), 2 CENTER_SIZE, 3 CORNER_SIZE; else unknown */
  bool share_location; /* true */
  bool variance_encoded_in_target, clip_before_nms, clip_after_nms, decrease_label_id; /* false */
  bool normalized;                                                                     /* false */
  int64_t input_height, input_width;                                                   /* 1 */
  float nms_threshold, confidence_threshold, objectness_score;                         /* 0 */
} IrDetectionParams;
const IrDetectionParams *ir_detection_params(const IrGraph *g, const IrNode *n);

/* ---- OpenVINO IR layers (issue 18 part 1). Attributes keep their OpenVINO names and values
 * (these layers have no ONNX form), except Gelu and GatherND, which are ONNX ops too. ---- */

/* A float-list attribute as given: n values at v; {NULL, 0} when absent. */
typedef struct {
  const float *v;
  int n;
} IrFloats;

/* Gelu: ONNX `approximate` ("none" | "tanh"; OpenVINO Gelu-7 approximation_mode ERF | TANH). */
typedef struct {
  bool tanh; /* false */
} IrGeluParams;
const IrGeluParams *ir_gelu_params(const IrGraph *g, const IrNode *n);

/* NormalizeL2-1: x / sqrt(sum over the axes input of x^2 (+|max) eps). */
typedef struct {
  float eps;    /* required */
  bool eps_max; /* eps_mode "max"; "add" (false) otherwise */
} IrNormalizeParams;
const IrNormalizeParams *ir_normalize_params(const IrGraph *g, const IrNode *n);

/* RegionYolo-1. */
typedef struct {
  int64_t coords, classes, num; /* required */
  bool do_softmax;              /* true */
  IrInts mask;                  /* the regions used when do_softmax is false */
  int64_t axis, end_axis;       /* 1, 3: the axes flattened when do_softmax is true */
} IrRegionYoloParams;
const IrRegionYoloParams *ir_region_yolo_params(const IrGraph *g, const IrNode *n);

/* PriorBox-1 (SSD priors; folded to a constant in shape inference). */
typedef struct {
  IrFloats min_size, max_size, aspect_ratio, variance, fixed_size, fixed_ratio, density;
  bool flip, clip;      /* false */
  bool scale_all_sizes; /* true */
  float step, offset;   /* 0, required */
} IrPriorBoxSsdParams;
const IrPriorBoxSsdParams *ir_prior_box_ssd_params(const IrGraph *g, const IrNode *n);
/* PriorBox for a feature map of h x w cells and an image of ih x iw: out[0 .. 4*h*w*P) the boxes,
 * out[4*h*w*P ..) the variances (P priors per cell). Returns 4*h*w*P, or -1 when the parameters
 * are inconsistent or use fixed_size/density (out untouched). out may be NULL for the size. */
int64_t ir_prior_box(const IrPriorBoxSsdParams *p, int64_t h, int64_t w, int64_t ih, int64_t iw,
                     float *out);

/* CTCGreedyDecoder-1. */
typedef struct {
  bool merge_repeated; /* ctc_merge_repeated: true */
} IrCtcParams;
const IrCtcParams *ir_ctc_params(const IrGraph *g, const IrNode *n);

/* GatherND (ONNX GatherND-12, OpenVINO GatherND-5). */
typedef struct {
  int64_t batch_dims; /* 0 */
} IrGatherNdParams;
const IrGatherNdParams *ir_gather_nd_params(const IrGraph *g, const IrNode *n);

/* ROIPooling-1 and PSROIPooling-1. */
typedef struct {
  int64_t pooled_h, pooled_w; /* ROIPooling output_size (required) */
  float spatial_scale;        /* required */
  bool bilinear; /* method / mode: "max" (ROIPooling), "average" (PSROIPooling) when false */
  const char *mode_name;          /* as given */
  int64_t output_dim, group_size; /* PSROIPooling: required, 1 */
  int64_t bins_x, bins_y;         /* PSROIPooling spatial_bins_x / _y: 1 */
} IrRoiParams;
const IrRoiParams *ir_roi_params(const IrGraph *g, const IrNode *n);

/* LSTMCell-4: gates in the order f, i, c, o (the OpenVINO spec's "fico"). */
typedef struct {
  int64_t hidden_size;      /* required */
  float clip;               /* 0: none */
  bool default_activations; /* activations absent or sigmoid, tanh, tanh */
} IrLstmParams;
const IrLstmParams *ir_lstm_params(const IrGraph *g, const IrNode *n);

/* Proposal-1/-4 (Faster R-CNN region proposals). */
typedef struct {
  int64_t base_size, pre_nms_topn, post_nms_topn, feat_stride; /* required */
  float nms_thresh, min_size;                                  /* required */
  IrFloats ratio, scale;                                       /* required, non-empty */
  bool clip_before_nms;                                        /* true */
  bool clip_after_nms, normalize;                              /* false */
  float box_size_scale, box_coordinate_scale;                  /* 1 */
  bool tensorflow; /* framework "tensorflow" ("": Caffe) */
} IrProposalParams;
const IrProposalParams *ir_proposal_params(const IrGraph *g, const IrNode *n);

/* ---- indexed data movement (issue 18): ScatterElements, ScatterND, ReverseSequence, Mod.
 * GatherElements (axis 0) and OneHot (axis -1) use IrAxisParams. ---- */

typedef enum {
  IR_REDUCE_NONE,
  IR_REDUCE_ADD,
  IR_REDUCE_MUL,
  IR_REDUCE_MIN,
  IR_REDUCE_MAX
} IrScatterReduction;
typedef struct {
  int64_t axis;                 /* ScatterElements: 0 */
  IrScatterReduction reduction; /* "none"; add, mul (opset 16), min, max (opset 18) */
  const char *reduction_name;   /* as given */
} IrScatterParams;
const IrScatterParams *ir_scatter_params(const IrGraph *g, const IrNode *n);

typedef struct {
  int64_t batch_axis, time_axis; /* 1, 0 */
} IrReverseSeqParams;
const IrReverseSeqParams *ir_reverse_seq_params(const IrGraph *g, const IrNode *n);

typedef struct {
  bool fmod; /* 0: floor (the divisor's sign), 1: C fmod (the dividend's sign) */
} IrModParams;
const IrModParams *ir_mod_params(const IrGraph *g, const IrNode *n);
/* ONNX LpNormalization-1: x / (sum over axis of |x|^p)^(1/p). */
typedef struct {
  int64_t axis; /* -1 */
  int p;        /* 2; 1 or 2 */
} IrLpNormParams;
const IrLpNormParams *ir_lp_norm_params(const IrGraph *g, const IrNode *n);

/* ONNX RoiAlign-10/-16 (OpenVINO ROIAlign-3 when the coordinates are output_half_pixel). */
typedef struct {
  bool max;                   /* mode "max"; "avg" (false) */
  int64_t output_h, output_w; /* 1, 1 */
  int64_t sampling_ratio;     /* 0: adaptive, ceil(roi size / output size) */
  float spatial_scale;        /* 1 */
  bool half_pixel;            /* coordinate_transformation_mode "half_pixel" (opset 16 default) */
} IrRoiAlignParams;
const IrRoiAlignParams *ir_roi_align_params(const IrGraph *g, const IrNode *n);

/* ONNX LSTM-7/-14 (gates i, o, f, c). */
typedef enum { IR_RNN_FORWARD, IR_RNN_REVERSE, IR_RNN_BIDIRECTIONAL } IrRnnDirection;
typedef struct {
  int64_t hidden_size;      /* required */
  IrRnnDirection direction; /* forward */
  float clip;               /* 0: none (the attribute absent) */
  bool default_activations; /* activations absent, or Sigmoid, Tanh, Tanh per direction */
  bool input_forget;        /* false */
  bool batch_first;         /* layout 1 (opset 14); false */
} IrOnnxLstmParams;
const IrOnnxLstmParams *ir_onnx_lstm_params(const IrGraph *g, const IrNode *n);

#endif
