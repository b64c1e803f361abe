/*
 * compiler/frontend/onnx.h — the ONNX frontend: an .onnx file (protobuf) into an IrGraph.
 *
 * Overview. The file is decoded with protobuf-c (onnx.proto), then turned into the graph IR:
 *   - initializers become constant tensors (IrTensor.data); graph inputs that name an
 *     initializer (old exporters list them) are not graph inputs;
 *   - graph inputs/outputs keep their declared dtype and shape (dim_param -> dims[i] = -1 and
 *     dim_names[i] = "batch"); value_info shapes are copied onto intermediate tensors;
 *   - every node becomes an IrNode (op from ops.def for the default domain, IR_OP_UNKNOWN with
 *     its op_type and domain otherwise), attributes keep their ONNX names and values;
 *   - `Constant` nodes are folded at load: their output is a constant and the node is dead;
 *   - nodes are put in topological order (ir_toposort). Shapes are NOT inferred here: run
 *     ir_infer() afterwards.
 * Large weights are not copied: when a raw_data field is little-endian and aligned for its
 * dtype the constant points into the decoded message, which the graph keeps alive through
 * g->keepalive. The caller must therefore call ir_release(g) before freeing the arena.
 * External data (data_location = EXTERNAL) is read from a file beside the model; its
 * location must be a relative path without "..".
 *
 * Usage:
 *   Arena *a = arena_new();
 *   IrGraph *g = NULL;
 *   Err err = {0};
 *   if (fe_onnx_load(&g, a, "zoo/mobilenet_v2.onnx", &err) < 0) print err_line(&err, ...);
 *   ...
 *   ir_release(g);           // accepts NULL
 *   arena_free(a);
 *
 * Input is treated as hostile: a malformed file gives -1 with ERR_PARSE (ERR_IO when a file
 * cannot be read), err->file = the model path and err->node = the node name when the problem
 * is in a node, e.g. `tensor 'conv1.weight': raw_data has 100 bytes, shape 64x3x7x7 of f32
 * needs 37632`. Never a crash, never a partial *out.
 */
#ifndef COMPILER_FRONTEND_ONNX_H
#define COMPILER_FRONTEND_ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "compiler/graph/ir.h"

/* Files (and in-memory models) larger than this are refused. */
#define FE_ONNX_MAX_FILE  ((size_t)2 << 30)
/* Deepest message nesting accepted (graph attributes inside nodes inside graphs ...). */
#define FE_ONNX_MAX_DEPTH 48

/* Reads and converts the model at path. On success *out is a graph in a (arena); on failure
 * *out is untouched, err is filled and nothing is left allocated outside the arena. */
int fe_onnx_load(IrGraph **out, Arena *a, const char *path, Err *err);

/* Same from bytes in memory (data is only read, and may be freed once this returns). path is
 * used for messages and to find external data beside it; NULL means "<memory>" and a model
 * with external data is then refused. */
int fe_onnx_load_mem(IrGraph **out, Arena *a, const uint8_t *data, size_t len, const char *path,
                     Err *err);

#endif
