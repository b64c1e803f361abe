/*
 * compiler/frontend/tf.h — the TensorFlow frontend: a frozen GraphDef (.pb) into an IrGraph with
 * ONNX semantics and NCHW layout.
 *
 * Overview. The file is decoded with protobuf-c (tf.proto, our subset of TensorFlow's protos; it
 * has no recursive messages, so decoding depth is bounded by the schema). Nodes are converted in
 * dependency order (an iterative depth-first walk: no recursion on the input, a cycle is an
 * error). TensorFlow computes in NHWC; the graph we produce is NCHW:
 *   - a 4-D Placeholder becomes an NHWC graph input followed by a Transpose (perm 0,3,1,2);
 *     other Placeholders are plain inputs (shape attr; unknown dims, e.g. the batch, are -1);
 *   - every converted value is either "plain" (TensorFlow's own layout) or "nchw" (a 4-D NHWC
 *     value held transposed); layout-aware ops take and give nchw, ops whose meaning depends on
 *     the element order (Reshape, MatMul, unknown ops, ...) get a Transpose back to NHWC first;
 *   - a graph output (a node nobody reads, not Const/NoOp/Placeholder) held in nchw gets a
 *     Transpose back (perm 0,2,3,1), so outputs keep TensorFlow's shapes and names.
 * Ops: Conv2D (HWIO filter -> OIHW), DepthwiseConv2dNative (HWCM -> group conv), BiasAdd, Add,
 * AddV2, Sub, Mul, RealDiv, Maximum, Minimum, FusedBatchNorm/V2/V3 (inference only), Relu,
 * Relu6 (Clip 0..6), LeakyRelu, Elu, Sigmoid, Tanh, Exp, Log, Sqrt, Neg, Abs, Floor, Ceil,
 * MaxPool, AvgPool (SAME -> auto_pad SAME_UPPER), ConcatV2/Concat, Reshape, Squeeze, MatMul
 * (-> Gemm), Softmax, Mean/Max/Sum (-> ReduceMean/Max/Sum; a spatial keep_dims Mean/Max ->
 * GlobalAverage/MaxPool), Pad, PadV2, MirrorPad (REFLECT), ResizeBilinear,
 * ResizeNearestNeighbor, Identity/StopGradient/Snapshot, Const, Placeholder, NoOp. Axis
 * arguments (ConcatV2, Mean, Squeeze, Pad) must be constants. Every other op (and a mapped op
 * with arguments we cannot express) becomes an IR_OP_UNKNOWN node keeping the TensorFlow op
 * name, fed plain NHWC values: an `unsupported` verdict, not an error.
 * Inputs are "node", "node:k" or "^control"; control inputs are ignored. Nodes are in
 * topological order; shapes are inferred only where a mapping needs them: run ir_infer().
 *
 * Usage:
 *   if (fe_tf_load(&g, a, "zoo/mobilenet_frozen.pb", &err) < 0) print err_line(&err, ...);
 *
 * Input is hostile: a malformed file gives ERR_PARSE (ERR_IO when unreadable) with err->node
 * naming the node, e.g. `node 'w': tensor_content has 10 bytes, shape 2x2x2x2 of f32 needs 64`,
 * `input 'conv9' is not a node of the graph`. Never a crash, never a partial *out. Nothing needs
 * ir_release (calling it is fine).
 */
#ifndef COMPILER_FRONTEND_TF_H
#define COMPILER_FRONTEND_TF_H

#include <stddef.h>
#include <stdint.h>

#include "compiler/graph/ir.h"

#define FE_TF_MAX_FILE   ((size_t)2 << 30)
/* A constant may not expand (a one-value splat) beyond this many bytes. */
#define FE_TF_MAX_TENSOR ((size_t)1 << 30)

/* Reads and converts the frozen GraphDef at path. On success *out is a graph in a; on failure
 * *out is untouched and err is filled. */
int fe_tf_load(IrGraph **out, Arena *a, const char *path, Err *err);

/* Same from bytes in memory (only read; may be freed once this returns). path is for messages;
 * NULL means "<memory>". */
int fe_tf_load_mem(IrGraph **out, Arena *a, const uint8_t *data, size_t len, const char *path,
                   Err *err);

#endif
