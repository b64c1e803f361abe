/*
 * compiler/graph/shape_gather.c — shape functions of the indexed data-movement ops of issue 18
 * (GatherElements, ScatterElements, ScatterND, OneHot, ReverseSequence), with the contract of
 * shape.c: outputs from inputs and decoded attributes, unknown in -> unknown out, inconsistent
 * shapes -> ERR_SHAPE "<op>: <problem>" naming the node. Shapes are ONNX's (docs/Operators.md,
 * onnx v1.12.0).
 */
#include "shape_internal.h"

#include "params.h"

#include <string.h>

static const IrTensor *in_t(const IrGraph *g, int n, int i) {
  const IrNode *x = &g->nodes[n];
  return i < x->n_inputs && x->inputs[i] >= 0 ? &g->tensors[x->inputs[i]] : NULL;
}

/* Sets output 0's dtype and shape (rank < 0: dtype only); a dim given as -1 keeps what the model
 * stated for it. */
static void out0(IrGraph *g, int n, DType dt, int rank, const int64_t *dims) {
  const IrNode *x = &g->nodes[n];
  if (x->n_outputs < 1 || x->outputs[0] < 0) return;
  IrTensor *t = &g->tensors[x->outputs[0]];
  if (t->data) return;
  if (dt != DT_UNDEF) t->dtype = dt;
  if (rank < 0) return;
  bool same = t->rank == rank;
  int64_t d[IR_MAX_DIMS];
  for (int i = 0; i < rank; i++)
    d[i] = dims[i] < 0 && same && t->dims[i] >= 0 ? t->dims[i] : dims[i];
  ir_set_shape(g, x->outputs[0], rank, d);
}

/* Constant indices t must lie in [-d, d) of axis `axis` (size d); ERR_SHAPE naming the first
 * that does not. */
static int const_indices_in_range(IrGraph *g, int n, Err *err, int t, int axis, int64_t d) {
  const IrTensor *ix = &g->tensors[t];
  if (!shape__is_const(g, t) || d < 0) return 0;
  for (int64_t i = 0; i < ir_numel(ix); i++) {
    int64_t v = ir_const_i64(ix, i);
    if (v < -d || v >= d)
      return shape__fail(g, n, err, "index %lld is out of range for axis %d of size %lld",
                         (long long)v, axis, (long long)d);
  }
  return 0;
}

/* GatherElements: the indices' shape, the data's dtype; same rank, axis inside it. */
int shape__gather_elements(IrGraph *g, int n, Err *err) {
  const IrTensor *x = in_t(g, n, 0), *ix = in_t(g, n, 1);
  if (!x || !ix || x->rank < 0 || ix->rank < 0)
    return out0(g, n, x ? x->dtype : DT_UNDEF, -1, NULL), 0;
  int64_t a = ir_axis_params(g, &g->nodes[n])->axis;
  if (x->rank < 1 || ix->rank != x->rank)
    return shape__fail(g, n, err, "indices %s must have the rank of data %s",
                       ir_shape_str(g->arena, ix), ir_shape_str(g->arena, x));
  if (a < -x->rank || a >= x->rank)
    return shape__fail(g, n, err, "axis %lld is out of range for rank %d", (long long)a, x->rank);
  for (int i = 0; i < x->rank; i++)
    if (i != (a < 0 ? a + x->rank : a) && ix->dims[i] > x->dims[i] && x->dims[i] >= 0)
      return shape__fail(g, n, err, "indices %s are larger than data %s off the axis",
                         ir_shape_str(g->arena, ix), ir_shape_str(g->arena, x));
  int ax = (int)(a < 0 ? a + x->rank : a);
  if (const_indices_in_range(g, n, err, g->nodes[n].inputs[1], ax, x->dims[ax]) < 0) return -1;
  out0(g, n, x->dtype, ix->rank, ix->dims);
  return 0;
}

/* ScatterElements / ScatterND: the data's shape and dtype. ScatterElements: indices and updates
 * of one shape and the data's rank; ScatterND: indices [..., k] (k <= rank), updates
 * indices.shape[:-1] + data.shape[k:]. */
int shape__scatter(IrGraph *g, int n, Err *err) {
  const IrTensor *x = in_t(g, n, 0), *ix = in_t(g, n, 1), *u = in_t(g, n, 2);
  if (!x || x->rank < 0) return out0(g, n, x ? x->dtype : DT_UNDEF, -1, NULL), 0;
  if (ix && u && ix->rank >= 0 && u->rank >= 0 && x->rank >= 1) {
    bool nd = g->nodes[n].op == IR_OP_SCATTER_ND, bad = false;
    if (!nd) {
      int64_t a = ir_scatter_params(g, &g->nodes[n])->axis;
      if (a < -x->rank || a >= x->rank)
        return shape__fail(g, n, err, "axis %lld is out of range for rank %d", (long long)a,
                           x->rank);
      bad = ix->rank != x->rank || u->rank != x->rank;
      for (int i = 0; !bad && i < x->rank; i++)
        bad = (ix->dims[i] >= 0 && u->dims[i] >= 0 && ix->dims[i] != u->dims[i]) ||
              (i != (a < 0 ? a + x->rank : a) && x->dims[i] >= 0 && ix->dims[i] > x->dims[i]);
    } else if (ix->rank < 1 || ix->dims[ix->rank - 1] > x->rank) {
      bad = true;
    } else if (ix->dims[ix->rank - 1] >= 0) {
      int64_t k = ix->dims[ix->rank - 1];
      bad = u->rank != ix->rank - 1 + x->rank - (int)k;
      for (int i = 0; !bad && i < u->rank; i++) {
        int64_t e = i < ix->rank - 1 ? ix->dims[i] : x->dims[k + i - (ix->rank - 1)];
        bad = e >= 0 && u->dims[i] >= 0 && e != u->dims[i];
      }
    }
    if (bad)
      return shape__fail(g, n, err, "indices %s and updates %s do not fit data %s",
                         ir_shape_str(g->arena, ix), ir_shape_str(g->arena, u),
                         ir_shape_str(g->arena, x));
    if (!nd) {
      int64_t a = ir_scatter_params(g, &g->nodes[n])->axis;
      int ax = (int)(a < 0 ? a + x->rank : a);
      if (const_indices_in_range(g, n, err, g->nodes[n].inputs[1], ax, x->dims[ax]) < 0) return -1;
    }
  }
  out0(g, n, x->dtype, x->rank, x->dims);
  return 0;
}

/* OneHot: the indices' shape with depth inserted at axis (-1: last), the values' dtype; depth
 * unknown until it is a constant. */
int shape__one_hot(IrGraph *g, int n, Err *err) {
  const IrTensor *ix = in_t(g, n, 0), *dp = in_t(g, n, 1), *v = in_t(g, n, 2);
  DType dt = v ? v->dtype : DT_UNDEF;
  if (!ix || ix->rank < 0) return out0(g, n, dt, -1, NULL), 0;
  int r = ix->rank + 1;
  int64_t a = ir_axis_params(g, &g->nodes[n])->axis;
  if (a < -r || a >= r || r > IR_MAX_DIMS)
    return shape__fail(g, n, err, "axis %lld is out of range for rank %d", (long long)a, r);
  if (a < 0) a += r;
  if (v && v->rank >= 0 && ir_numel(v) >= 0 && ir_numel(v) != 2)
    return shape__fail(g, n, err, "values must hold [off_value, on_value], it is %s",
                       ir_shape_str(g->arena, v));
  int64_t depth = -1;
  if (dp && shape__is_const(g, g->nodes[n].inputs[1])) {
    if (ir_numel(dp) != 1) return shape__fail(g, n, err, "depth must be one value");
    double d = ir_const_f64(dp, 0);
    if (!(d >= 1 && d <= 1e9)) return shape__fail(g, n, err, "depth %g is invalid", d);
    depth = (int64_t)d;
  }
  int64_t d[IR_MAX_DIMS];
  for (int i = 0, j = 0; i < r; i++) d[i] = i == a ? depth : ix->dims[j++];
  out0(g, n, dt, r, d);
  return 0;
}

/* ReverseSequence: the input's shape and dtype; rank >= 2, sequence_lens [batch]. */
int shape__reverse_sequence(IrGraph *g, int n, Err *err) {
  const IrTensor *x = in_t(g, n, 0), *l = in_t(g, n, 1);
  if (!x || x->rank < 0) return out0(g, n, x ? x->dtype : DT_UNDEF, -1, NULL), 0;
  const IrReverseSeqParams *p = ir_reverse_seq_params(g, &g->nodes[n]);
  if (x->rank < 2 || p->batch_axis >= x->rank || p->time_axis >= x->rank)
    return shape__fail(g, n, err, "batch_axis %lld / time_axis %lld do not fit input %s",
                       (long long)p->batch_axis, (long long)p->time_axis,
                       ir_shape_str(g->arena, x));
  if (l && l->rank >= 0 &&
      (l->rank != 1 ||
       (l->dims[0] >= 0 && x->dims[p->batch_axis] >= 0 && l->dims[0] != x->dims[p->batch_axis])))
    return shape__fail(g, n, err, "sequence_lens %s must be [%lld]", ir_shape_str(g->arena, l),
                       (long long)x->dims[p->batch_axis]);
  int64_t tmax = x->dims[p->time_axis];
  if (l && shape__is_const(g, g->nodes[n].inputs[1]) && tmax >= 0)
    for (int64_t i = 0; i < ir_numel(l); i++) {
      int64_t v = ir_const_i64(l, i);
      if (v < 0 || v > tmax)
        return shape__fail(g, n, err, "sequence length %lld is outside [0, %lld]", (long long)v,
                           (long long)tmax);
    }
  out0(g, n, x->dtype, x->rank, x->dims);
  return 0;
}
