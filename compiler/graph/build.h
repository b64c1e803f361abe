/*
 * compiler/graph/build.h — graph-building helpers shared by the frontends (and passes): unique
 * tensor names, constants, node outputs and attributes in ONNX form.
 *
 *   NameMap names;  namemap_init(&names);            // every tensor name the builder gave out
 *   int x = irb_tensor(g, &names, "conv1");          // "conv1", or "conv1_1", ... when taken
 *   int n = ir_add_node(g, IR_OP_CONV, NULL, "conv1");
 *   ir_node_add_input(g, n, x); irb_output(g, n, irb_tensor(g, &names, "conv1/out"));
 *   irb_ints(g, n, "strides", (int64_t[]){2, 2}, 2);
 */
#ifndef COMPILER_GRAPH_BUILD_H
#define COMPILER_GRAPH_BUILD_H

#include "compiler/graph/ir.h"

/* A new tensor named base, or base_1, base_2 ... when that name is taken in `names`. */
int irb_tensor(IrGraph *g, NameMap *names, const char *base);
/* A new constant tensor (irb_tensor naming) holding a copy of data. */
int irb_const(IrGraph *g, NameMap *names, const char *base, DType dt, int rank, const int64_t *dims,
              const void *data);
/* Makes existing tensor t the next output of node n (t -1: an omitted optional output). */
void irb_output(IrGraph *g, int n, int t);
/* Attributes of node n, as ONNX names and types them. */
void irb_int(IrGraph *g, int n, const char *k, int64_t v);
void irb_float(IrGraph *g, int n, const char *k, double v);
void irb_str(IrGraph *g, int n, const char *k, const char *v);
void irb_ints(IrGraph *g, int n, const char *k, const int64_t *v, int cnt);

#endif
