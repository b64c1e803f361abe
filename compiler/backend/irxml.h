/*
 * compiler/backend/irxml.h — OpenVINO IR v11 writer: the graph as `<name>.xml` + `<name>.bin`.
 *
 * Overview. The writer walks a shape-inferred IrGraph in node order and emits one or more
 * OpenVINO layers per live node (ONNX semantics mapped onto opset1..8). Graph inputs become
 * `Parameter` layers, graph outputs `Result` layers, and every constant tensor a live node
 * reads becomes one `Const` layer whose bytes are packed contiguously into the .bin in the
 * order the Const layers are created. Dead nodes are skipped; Identity/Dropout are wired
 * through; a node whose outputs were all folded to constants is skipped too. An op that
 * cannot be mapped (IR_OP_UNKNOWN, or an attribute combination OpenVINO cannot express) is
 * still written, as a layer whose type is the source op name and whose version is
 * "unknown", so the IR shows where the problem is. Names come from the model (untrusted):
 * they are made valid UTF-8 and escaped by libxml2. Output is byte-identical for the same
 * graph.
 *
 * Usage:
 *   Buf xml = BUF_INIT, bin = BUF_INIT;
 *   if (be_irxml_write(g, "mobilenet_v2", &xml, &bin, &err) == 0) {
 *     io_write_atomic("out/mobilenet_v2.xml", xml.data, xml.len, &err);
 *     io_write_atomic("out/mobilenet_v2.bin", bin.data, bin.len, &err);
 *   }
 *   buf_free(&xml); buf_free(&bin);
 *
 * Threads: libxml2 should be initialised once (xmlInitParser()) by the program before jobs
 * run in parallel; the writer keeps no other shared state.
 */
#ifndef COMPILER_BACKEND_IRXML_H
#define COMPILER_BACKEND_IRXML_H

#include "../graph/ir.h"

/* Writes g as IR v11. On success returns 0 and appends the .xml text (UTF-8, not
 * NUL-terminated) to *xml and the weights to *bin; both Bufs are the caller's (buf_free).
 * model_name is the <net name>; NULL means "model". On failure returns -1, fills err
 * (ERR_BACKEND for a malformed graph, e.g. a tensor read but never produced; ERR_SHAPE for a
 * mapped op whose tensors have no static shape) and leaves *xml and *bin as they were.
 * g is not modified. */
int be_irxml_write(const IrGraph *g, const char *model_name, Buf *xml, Buf *bin, Err *err);

#endif
