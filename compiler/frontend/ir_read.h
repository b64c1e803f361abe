/*
 * compiler/frontend/ir_read.h — the OpenVINO IR frontend: `<name>.xml` + `<name>.bin` (IR v10
 * and v11, opset1..opset8) into an IrGraph with ONNX semantics.
 *
 * Overview. The .xml is parsed with libxml2 (no network, no entity expansion, a DOCTYPE is
 * refused), the .bin is read whole. Then:
 *   - every output port becomes a tensor with the port's precision and dims (so ops we do not
 *     know still carry shapes); v11 port `names` give the tensor its name, else the layer name
 *     ("<layer>.<port>" for a second output);
 *   - `Const` layers become constant tensors (offset/size checked against the .bin and against
 *     shape x element_type; f32, f16, f64, i64, i32, i16, i8, u8, u16, u32, u64, boolean);
 *   - `Parameter` layers become graph inputs, `Result` layers graph outputs;
 *   - every other layer becomes one or a few IrNodes with ONNX op names and attributes
 *     (Convolution -> Conv, GroupConvolution -> Conv with group and re-shaped weights,
 *     Clamp -> Clip, StridedSlice -> Slice [+ Squeeze], Interpolate -> Resize, MVN ->
 *     InstanceNormalization or a decomposition, ...). Parameters OpenVINO passes as Const inputs
 *     (axes, pads, order, ...) become ONNX attributes or ONNX-style constant inputs;
 *   - a layer type or attribute combination without an ONNX equivalent becomes an
 *     IR_OP_UNKNOWN node keeping the layer type (op_type) and its <data> attributes as strings,
 *     so it turns into an `unsupported` verdict, never a load error;
 *   - a bias Add after Convolution / ConvolutionBackpropData, and after a 2-D MatMul, is folded
 *     back into the Conv / ConvTranspose / Gemm node (the writer splits them the same way);
 *     ReduceMean/ReduceMax over all spatial axes with keep_dims become GlobalAverage/MaxPool;
 *   - nodes are put in topological order. The graph's opset is 13 (the ONNX semantics produced).
 *     Shapes are not inferred: run ir_infer() afterwards.
 * Constants are copied into the arena; no file stays open and nothing needs ir_release (it is
 * still fine to call it).
 *
 * Usage:
 *   IrGraph *g = NULL;
 *   Err err = {0};
 *   if (fe_ir_load(&g, a, "zoo/face.xml", &err) < 0) print err_line(&err, ...);   // face.bin
 *   if (fe_ir_load_pair(&g, a, "m/definition.xml", "m/weights.bin", &err) < 0) ...
 *
 * Input is hostile: a malformed file gives -1 with ERR_PARSE (ERR_IO when a file cannot be
 * read), err->file = the .xml path and err->node = the layer name when the problem is in a
 * layer, e.g. `const offset 64 + size 1728 is beyond the end of the weights (1000 bytes)`.
 * Never a crash, never a partial *out.
 */
#ifndef COMPILER_FRONTEND_IR_READ_H
#define COMPILER_FRONTEND_IR_READ_H

#include <stddef.h>
#include <stdint.h>

#include "compiler/graph/ir.h"

/* Files larger than these are refused. */
#define FE_IR_MAX_XML ((size_t)256 << 20)
#define FE_IR_MAX_BIN ((size_t)2 << 30)

/* Reads xml_path and the weights `<stem>.bin` beside it (stem = xml_path without ".xml").
 * On success *out is a graph in a; on failure *out is untouched and err is filled. */
int fe_ir_load(IrGraph **out, Arena *a, const char *xml_path, Err *err);

/* Same with an explicit weights path (e.g. definition.xml + weights.bin). bin_path NULL means
 * "no weights": any Const layer with bytes is then an error. */
int fe_ir_load_pair(IrGraph **out, Arena *a, const char *xml_path, const char *bin_path, Err *err);

/* Same from memory (both buffers only read; they may be freed once this returns). path is
 * used in messages only; NULL means "<memory>". bin may be NULL when bin_len is 0. */
int fe_ir_load_mem(IrGraph **out, Arena *a, const char *xml, size_t xml_len, const uint8_t *bin,
                   size_t bin_len, const char *path, Err *err);

/* The layer types the reader maps (for `blobc ops`): entry i's type, the op it becomes and, for a
 * layer written as several ops, what they are (else NULL). false past the last entry. */
bool fe_ir_layer(int i, const char **type, IrOp *op, const char **expansion);

/* OpenVINO element_type ("f16") or port precision ("FP16") to DType; DT_UNDEF when unknown. */
DType fe_ir_dtype(const char *name);

#endif
