/*
 * compiler/frontend/caffe.h — the Caffe frontend: a deploy `.prototxt` (text format) plus its
 * `.caffemodel` (binary NetParameter) into an IrGraph with ONNX semantics.
 *
 * Overview. The .prototxt is parsed by our own text-format reader into the protobuf-c structs of
 * caffe.proto (a subset of BVLC's, same field numbers), walking the generated descriptors: fields
 * outside the subset are skipped by name. The .caffemodel is decoded with protobuf-c; its layers
 * give the weights (blobs) of the prototxt's layers, matched by layer name. Then:
 *   - `input:`/`input_shape`/`input_dim` and Input layers become graph inputs (f32);
 *   - layers with an `include { phase: TRAIN }` (or `exclude { phase: TEST }`) are dropped;
 *   - in-place layers (top == bottom) get a fresh tensor; the blob name always names the latest;
 *   - Convolution -> Conv, Deconvolution -> ConvTranspose, Pooling -> MaxPool/AveragePool
 *     (ceil rounding) or GlobalMax/AveragePool, ReLU -> Relu/LeakyRelu, PReLU -> PRelu,
 *     BatchNorm (+ an in-place Scale) -> BatchNormalization, Scale/Bias -> Mul/Add, Eltwise ->
 *     Add/Mul/Max chains, InnerProduct -> [Flatten +] Gemm, Concat, Softmax, Flatten/Reshape ->
 *     Reshape, Permute -> Transpose, Dropout, Sigmoid, TanH, AbsVal, ELU, LRN, Power, Split,
 *     Slice -> Split;
 *   - every other layer type (PriorBox, DetectionOutput, Normalize, ...) becomes an
 *     IR_OP_UNKNOWN node keeping its type, so it becomes an `unsupported` verdict.
 * Nodes come out in the prototxt's order (already topological). Shapes are not inferred beyond
 * what a layer needs to be mapped: run ir_infer() afterwards.
 *
 * Usage:
 *   if (fe_caffe_load(&g, a, "zoo/mobilenet.prototxt", &err) < 0) ...   // mobilenet.caffemodel
 *   if (fe_caffe_load_pair(&g, a, "m/deploy.prototxt", "m/weights.caffemodel", &err) < 0) ...
 *
 * Input is hostile: malformed text gives ERR_PARSE with the prototxt line (`prototxt line 12:
 * expected '}'`), a bad .caffemodel ERR_PARSE, an unreadable file ERR_IO; err->node names the
 * layer when the problem is in one (`blob 0 has 10 values, shape 4x3x3x3 needs 108`). Never a
 * crash, never a partial *out. Nothing needs ir_release (calling it is fine).
 */
#ifndef COMPILER_FRONTEND_CAFFE_H
#define COMPILER_FRONTEND_CAFFE_H

#include <stddef.h>
#include <stdint.h>

#include "compiler/graph/ir.h"

#define FE_CAFFE_MAX_TEXT  ((size_t)64 << 20)
#define FE_CAFFE_MAX_MODEL ((size_t)2 << 30)
#define FE_CAFFE_MAX_DEPTH 32 /* prototxt message nesting */

/* Reads prototxt_path and `<stem>.caffemodel` beside it (stem = path without ".prototxt" or
 * ".pbtxt"). On success *out is a graph in a; on failure *out is untouched and err is filled. */
int fe_caffe_load(IrGraph **out, Arena *a, const char *prototxt_path, Err *err);

/* Same with an explicit weights path; NULL means no weights (a layer that needs blobs is then
 * an error naming it). */
int fe_caffe_load_pair(IrGraph **out, Arena *a, const char *prototxt_path, const char *model_path,
                       Err *err);

/* Same from memory (buffers only read). model may be NULL. path is for messages ("<memory>"). */
int fe_caffe_load_mem(IrGraph **out, Arena *a, const char *text, size_t text_len,
                      const uint8_t *model, size_t model_len, const char *path, Err *err);

#endif
