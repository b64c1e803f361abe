/*
 * compiler/graph/shape_internal.h — helpers shared by shape.c (dtype/shape inference, folding of
 * data-movement ops) and fold.c (folding of arithmetic, comparison, cast and copy ops).
 * Not part of the IR contract: only the two files above include it.
 */
#ifndef COMPILER_GRAPH_SHAPE_INTERNAL_H
#define COMPILER_GRAPH_SHAPE_INTERNAL_H

#include "ir.h"

/* No single folded tensor may exceed this; larger results are left unfolded (not an error). */
#define SHAPE__FOLD_CAP ((size_t)1 << 30)
/* Operands a ShapeWalk can track (Max/Min take up to 8 inputs, plus the output). */
#define SHAPE__WALK_MAX 9

/* ---- shape.c ---- */

/* Sets ERR_SHAPE on err with file = g->source, node = the node's name and a message
 * "<op_type>: <fmt...>". Always returns -1. */
int shape__fail(IrGraph *g, int n, Err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* True when tensor index t is a constant that folding may read (data set, not a graph input). */
bool shape__is_const(const IrGraph *g, int t);

/* ---- fold.c ---- */

/* Walks the elements of a row-major index space of `rank` dims; each operand k keeps an element
 * offset off[k] advanced by its own per-dim stride st[k][d] (0 for a broadcast dim). */
typedef struct {
  int rank, nop;
  int64_t dims[IR_MAX_DIMS];
  int64_t idx[IR_MAX_DIMS];
  int64_t st[SHAPE__WALK_MAX][IR_MAX_DIMS];
  int64_t off[SHAPE__WALK_MAX];
} ShapeWalk;

/* Starts a walk over dims with no operands. */
void shape__walk_init(ShapeWalk *w, int rank, const int64_t *dims);
/* Adds an operand reading tensor t broadcast (numpy rules, right-aligned) to the walk's dims;
 * returns its operand index. */
int shape__walk_bcast(ShapeWalk *w, const IrTensor *t);
/* Adds an operand with explicit base offset and strides; returns its operand index. */
int shape__walk_strided(ShapeWalk *w, int64_t base, const int64_t *st);
/* Moves to the next element (row-major). */
void shape__walk_next(ShapeWalk *w);
/* Row-major element strides of tensor t (rank known). */
void shape__strides(const IrTensor *t, int64_t *st);

/* True when every present output of node n has a known shape, a computable dtype and at most
 * SHAPE__FOLD_CAP bytes, and they fit the model's memory budget (job_fits), so it can be
 * materialised. */
bool shape__can_fold(const IrGraph *g, int n);
/* Allocates output k of node n as a zeroed constant of its inferred dtype/shape; returns it. */
IrTensor *shape__alloc_out(IrGraph *g, int n, int k);
/* Output 0 of node n (shape inferred, same dtype as input k) made by growing input k's block
 * in place, when input k is a folded intermediate that only this node reads: its bytes stay at
 * the front, the rest is zeroed. NULL when that is not possible (then use shape__alloc_out).
 * A chain y_i = Concat(y_{i-1}, c) folds in linear time and memory this way. */
IrTensor *shape__adopt_input(IrGraph *g, int n, int k);
/* ir_infer's reader counts (IrGraph.fold_readers, only when g->drop_dead_consts): set up before
 * the walk, and after node n was folded, so the constants nothing reads any more are freed at
 * once. */
void shape__readers_init(IrGraph *g);
void shape__readers_folded(IrGraph *g, int n);
/* Stores v as element i of constant t, converted to t's dtype (floats saturate to +-inf outside
 * the f32/f16 range, integers saturate from double then wrap to narrower types, bool is v != 0). */
void shape__put_f64(IrTensor *t, int64_t i, double v);
void shape__put_i64(IrTensor *t, int64_t i, int64_t v);
/* Marks node n dead with verdict FOLDED; returns 1. */
int shape__folded(IrGraph *g, int n);
/* Folds node n (all of whose inputs are constant) when its op has an evaluator here: returns 1
 * when folded (outputs constant, node dead + FOLDED), 0 when the op/dtype/values cannot be
 * folded (outputs left as inferred, non-constant). Never fails. */
int shape__fold(IrGraph *g, int n);

/* ---- shape_ir.c: the OpenVINO IR layers of issue 18 (named in ops.def) ---- */

int shape__region_yolo(IrGraph *g, int n, Err *err);
int shape__reorg_yolo(IrGraph *g, int n, Err *err);
int shape__prior_box(IrGraph *g, int n, Err *err); /* folds when both sizes are constant */
int shape__ctc_greedy_decoder(IrGraph *g, int n, Err *err);
int shape__gather_nd(IrGraph *g, int n, Err *err);
int shape__roi_pooling(IrGraph *g, int n, Err *err);
int shape__psroi_pooling(IrGraph *g, int n, Err *err);
int shape__roi_align(IrGraph *g, int n, Err *err);
int shape__lstm(IrGraph *g, int n, Err *err);
int shape__lstm_cell(IrGraph *g, int n, Err *err);
int shape__proposal(IrGraph *g, int n, Err *err);

/* ---- quant.c: QuantizeLinear / DequantizeLinear (named in ops.def); fold when constant ---- */

int shape__quantize_linear(IrGraph *g, int n, Err *err);
int shape__dequantize_linear(IrGraph *g, int n, Err *err);
/* ---- shape_gather.c: indexed data movement of issue 18 (named in ops.def) ---- */

int shape__gather_elements(IrGraph *g, int n, Err *err);
int shape__scatter(IrGraph *g, int n, Err *err); /* ScatterElements, ScatterND */
int shape__one_hot(IrGraph *g, int n, Err *err);
int shape__reverse_sequence(IrGraph *g, int n, Err *err);

#endif
