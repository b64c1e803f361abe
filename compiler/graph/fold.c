/*
 * compiler/graph/fold.c — constant evaluation for nodes whose inputs are all constant:
 * elementwise unary/binary/variadic math, comparisons, Where, Cast and the pure-copy ops
 * (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout). Data-movement ops whose parameters
 * come out of shape inference (Slice, Gather, Concat, ...) fold in shape.c.
 *
 * The maths is compiler/graph/scalar.c, shared with the reference executor: integers compute in
 * int64 (wrapping), floats in double, results are stored in the output's inferred dtype. Anything
 * doubtful (integer division by zero, string tensors) is left unfolded.
 */
#include "shape_internal.h"

#include "compiler/graph/optable.h"
#include "compiler/graph/params.h"
#include "compiler/graph/scalar.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- walking ---- */

void shape__walk_init(ShapeWalk *w, int rank, const int64_t *dims) {
  memset(w, 0, sizeof *w);
  w->rank = rank;
  for (int d = 0; d < rank; d++) w->dims[d] = dims[d];
}

void shape__strides(const IrTensor *t, int64_t *st) {
  int64_t s = 1;
  for (int d = t->rank - 1; d >= 0; d--) {
    st[d] = s;
    s *= t->dims[d];
  }
}

int shape__walk_strided(ShapeWalk *w, int64_t base, const int64_t *st) {
  ASSERT(w->nop < SHAPE__WALK_MAX);
  int k = w->nop++;
  w->off[k] = base;
  for (int d = 0; d < w->rank; d++) w->st[k][d] = st[d];
  return k;
}

int shape__walk_bcast(ShapeWalk *w, const IrTensor *t) {
  int64_t st[IR_MAX_DIMS], bst[IR_MAX_DIMS] = {0};
  shape__strides(t, st);
  for (int d = 0; d < w->rank; d++) {
    int ad = d - (w->rank - t->rank);
    bst[d] = (ad >= 0 && t->dims[ad] != 1) ? st[ad] : 0;
  }
  return shape__walk_strided(w, 0, bst);
}

void shape__walk_next(ShapeWalk *w) {
  for (int d = w->rank - 1; d >= 0; d--) {
    for (int k = 0; k < w->nop; k++) w->off[k] += w->st[k][d];
    if (++w->idx[d] < w->dims[d]) return;
    for (int k = 0; k < w->nop; k++) w->off[k] -= w->st[k][d] * w->dims[d];
    w->idx[d] = 0;
  }
}

/* ---- output bookkeeping ---- */

bool shape__can_fold(const IrGraph *g, int n) {
  const IrNode *x = &g->nodes[n];
  for (int k = 0; k < x->n_inputs; k++) { /* strings have no data to compute with */
    int t = x->inputs[k];
    if (t >= 0 && (g->tensors[t].dtype == DT_STRING || g->tensors[t].dtype == DT_UNDEF))
      return false;
    if (t >= 0 && g->tensors[t].data) {
      int64_t ne = ir_numel(&g->tensors[t]);
      if (ne < 0 || g->tensors[t].nbytes < (uint64_t)ne * dtype_size(g->tensors[t].dtype))
        return false;
    }
  }
  uint64_t bytes = 0;
  for (int k = 0; k < x->n_outputs; k++) {
    if (x->outputs[k] < 0) continue;
    const IrTensor *t = &g->tensors[x->outputs[k]];
    int64_t ne = ir_numel(t);
    size_t es = dtype_size(t->dtype);
    if (ne < 0 || es == 0 || (uint64_t)ne > SHAPE__FOLD_CAP / es) return false;
    bytes += (uint64_t)ne * es;
  }
  /* the model's memory budget, before anything is allocated: a refusal is reported by the
   * job_poll after this node (ir_infer), naming it */
  return job_fits(bytes);
}

/* Calls fn(g, t) for every tensor node n reads: inputs and tensor attributes. */
static void each_read(IrGraph *g, int n, void (*fn)(IrGraph *, int)) {
  const IrNode *x = &g->nodes[n];
  for (int k = 0; k < x->n_inputs; k++)
    if (x->inputs[k] >= 0 && x->inputs[k] < g->n_tensors) fn(g, x->inputs[k]);
  for (int k = 0; k < x->n_attrs; k++)
    if (x->attrs[k].kind == ATTR_TENSOR && x->attrs[k].tensor >= 0 &&
        x->attrs[k].tensor < g->n_tensors)
      fn(g, x->attrs[k].tensor);
}

static void count_read(IrGraph *g, int t) { g->fold_readers[t]++; }

/* One reader of t was folded away; with none left (and t not a graph output) its data goes. */
static void drop_read(IrGraph *g, int t) {
  if (--g->fold_readers[t] == 0 && !g->tensors[t].is_output) ir_drop_const(g, t);
}

void shape__readers_init(IrGraph *g) {
  if (!g->drop_dead_consts) return;
  g->fold_readers = arena_array(g->arena, (size_t)g->n_tensors + 1, sizeof(int));
  for (int n = 0; n < g->n_nodes; n++)
    if (!g->nodes[n].dead) each_read(g, n, count_read);
  for (int i = 0; i < g->n_outputs; i++) g->fold_readers[g->outputs[i]]++;
}

void shape__readers_folded(IrGraph *g, int n) {
  if (g->fold_readers) each_read(g, n, drop_read);
}

IrTensor *shape__adopt_input(IrGraph *g, int n, int k) {
  const IrNode *x = &g->nodes[n];
  int ti = x->inputs[k], to = x->outputs[0];
  if (!g->fold_readers || ti < 0 || to < 0 || g->fold_readers[ti] != 1 || g->tensors[ti].is_output)
    return NULL;
  for (int i = 0; i < x->n_inputs; i++) /* read once, by input k only */
    if (i != k && x->inputs[i] == ti) return NULL;
  IrTensor *in = &g->tensors[ti], *o = &g->tensors[to];
  int64_t ne = ir_numel(o);
  if (!in->block || in->data != in->block || in->dtype != o->dtype || ne < 0) return NULL;
  size_t bytes = (size_t)ne * dtype_size(o->dtype);
  if (bytes < in->nbytes) return NULL;
  void *p = arena_block_grow(g->arena, in->block, bytes ? bytes : 1);
  in = &g->tensors[ti];
  in->data = in->block = NULL; /* o owns the bytes now; input k's count drops to 0 later */
  in->nbytes = 0;
  o->data = o->block = p;
  o->nbytes = bytes;
  return o;
}

IrTensor *shape__alloc_out(IrGraph *g, int n, int k) {
  int ti = g->nodes[n].outputs[k];
  if (ti < 0) return NULL;
  IrTensor *t = &g->tensors[ti];
  ir_set_const(g, ti, t->dtype, t->rank, t->dims, NULL);
  return t;
}

int shape__folded(IrGraph *g, int n) {
  g->nodes[n].dead = true;
  g->nodes[n].verdict = VERDICT_FOLDED;
  return 1;
}

/* ---- scalar conversion ---- */

/* double -> int64 without UB: NaN gives 0, out-of-range values saturate. */
static int64_t f2i(double d) {
  if (d != d) return 0;
  if (d >= 9.2e18) return INT64_MAX;
  if (d <= -9.2e18) return INT64_MIN;
  return (int64_t)d;
}

/* double -> float, saturating finite values outside the float range to +-inf. */
static float d2f(double v) {
  if (v > FLT_MAX) return INFINITY;
  if (v < -FLT_MAX) return -INFINITY;
  return (float)v;
}

void shape__put_f64(IrTensor *t, int64_t i, double v) {
  uint8_t *p = t->data;
  switch (t->dtype) {
  case DT_F32: {
    float f = d2f(v);
    memcpy(p + 4 * i, &f, 4);
    return;
  }
  case DT_F16: {
    uint16_t h = fp16_from_f32(d2f(v));
    memcpy(p + 2 * i, &h, 2);
    return;
  }
  case DT_F64: memcpy(p + 8 * i, &v, 8); return;
  case DT_BOOL: p[i] = v != 0; return;
  default: shape__put_i64(t, i, f2i(v)); return;
  }
}

void ir_const_put_f64(IrTensor *t, int64_t i, double v) { shape__put_f64(t, i, v); }

void shape__put_i64(IrTensor *t, int64_t i, int64_t v) {
  uint8_t *p = t->data;
  uint64_t u = (uint64_t)v;
  switch (t->dtype) {
  case DT_I64:
  case DT_U64: memcpy(p + 8 * i, &v, 8); return;
  case DT_I32:
  case DT_U32: {
    uint32_t x = (uint32_t)u;
    memcpy(p + 4 * i, &x, 4);
    return;
  }
  case DT_I16:
  case DT_U16: {
    uint16_t x = (uint16_t)u;
    memcpy(p + 2 * i, &x, 2);
    return;
  }
  case DT_I8:
  case DT_U8: p[i] = (uint8_t)u; return;
  case DT_BOOL: p[i] = v != 0; return;
  case DT_F32:
  case DT_F16:
  case DT_F64: shape__put_f64(t, i, (double)v); return;
  default: return;
  }
}

/* ---- elementwise math (the evaluator is compiler/graph/scalar.c) ---- */

/* Reads Clip bounds from inputs 1/2 (opset >= 11) or attributes min/max (older). */
static void clip_bounds(const IrGraph *g, const IrNode *x, double *lo, double *hi) {
  const IrClipParams *p = ir_clip_params(g, x);
  *lo = p->min;
  *hi = p->max;
  if (x->n_inputs > 1 && x->inputs[1] >= 0 && ir_numel(&g->tensors[x->inputs[1]]) > 0)
    *lo = ir_const_f64(&g->tensors[x->inputs[1]], 0);
  if (x->n_inputs > 2 && x->inputs[2] >= 0 && ir_numel(&g->tensors[x->inputs[2]]) > 0)
    *hi = ir_const_f64(&g->tensors[x->inputs[2]], 0);
}

static int fold_unary(IrGraph *g, int n) {
  const IrNode *x = &g->nodes[n];
  const IrTensor *a = &g->tensors[x->inputs[0]];
  IrUnaryArgs ua = ir_unary_args(g, x);
  if (x->op == IR_OP_CLIP) clip_bounds(g, x, &ua.lo, &ua.hi);
  IrTensor *o = shape__alloc_out(g, n, 0);
  int64_t ne = ir_numel(o);
  bool as_int = dtype_is_int(a->dtype) && a->dtype != DT_BOOL;
  for (int64_t i = 0; i < ne; i++) {
    int64_t r;
    if (as_int && ir_eval_unary_i(x->op, ir_const_i64(a, i), f2i(ua.lo), f2i(ua.hi), &r))
      shape__put_i64(o, i, r);
    else
      shape__put_f64(o, i, ir_eval_unary_f(x->op, &ua, ir_const_f64(a, i)));
  }
  return 1;
}

/* Add/Sub/Mul/Div/Pow/Max/Min (variadic, folded left to right) and Equal/Less/Greater. */
static int fold_binary(IrGraph *g, int n) {
  const IrNode *x = &g->nodes[n];
  const IrTensor *a0 = &g->tensors[x->inputs[0]];
  bool as_int = !dtype_is_float(a0->dtype);
  for (int k = 0; k < x->n_inputs; k++)
    if (x->inputs[k] < 0 || dtype_is_float(g->tensors[x->inputs[k]].dtype)) as_int = false;
  IrTensor *o = shape__alloc_out(g, n, 0);
  int64_t ne = ir_numel(o);
  ShapeWalk w;
  shape__walk_init(&w, o->rank, o->dims);
  for (int k = 0; k < x->n_inputs; k++) shape__walk_bcast(&w, &g->tensors[x->inputs[k]]);
  for (int64_t i = 0; i < ne; i++, shape__walk_next(&w)) {
    if (as_int) {
      int64_t acc = ir_const_i64(a0, w.off[0]);
      for (int k = 1; k < x->n_inputs; k++)
        if (!ir_eval_binary_i(x->op, acc, ir_const_i64(&g->tensors[x->inputs[k]], w.off[k]), &acc))
          return 0; /* undefined (integer division by zero): left to run time */
      shape__put_i64(o, i, acc);
    } else {
      double acc = ir_const_f64(a0, w.off[0]);
      for (int k = 1; k < x->n_inputs; k++)
        acc = ir_eval_binary_f(x->op, acc, ir_const_f64(&g->tensors[x->inputs[k]], w.off[k]));
      shape__put_f64(o, i, acc);
    }
  }
  return 1;
}

/* Sum / Mean of any number of float inputs (numpy broadcasting): added left to right in double,
 * Mean divided by the count. Integer Sum/Mean and more inputs than a walk tracks stay unfolded. */
static int fold_sum_mean(IrGraph *g, int n) {
  const IrNode *x = &g->nodes[n];
  if (x->n_inputs >= SHAPE__WALK_MAX) return 0;
  for (int k = 0; k < x->n_inputs; k++)
    if (x->inputs[k] < 0 || !dtype_is_float(g->tensors[x->inputs[k]].dtype)) return 0;
  IrTensor *o = shape__alloc_out(g, n, 0);
  int64_t ne = ir_numel(o);
  ShapeWalk w;
  shape__walk_init(&w, o->rank, o->dims);
  for (int k = 0; k < x->n_inputs; k++) shape__walk_bcast(&w, &g->tensors[x->inputs[k]]);
  for (int64_t i = 0; i < ne; i++, shape__walk_next(&w)) {
    double acc = 0;
    for (int k = 0; k < x->n_inputs; k++) acc += ir_const_f64(&g->tensors[x->inputs[k]], w.off[k]);
    shape__put_f64(o, i, x->op == IR_OP_MEAN ? acc / x->n_inputs : acc);
  }
  return 1;
}

static int fold_where(IrGraph *g, int n) {
  const IrNode *x = &g->nodes[n];
  const IrTensor *c = &g->tensors[x->inputs[0]], *a = &g->tensors[x->inputs[1]],
                 *b = &g->tensors[x->inputs[2]];
  if (a->dtype != b->dtype) return 0;
  IrTensor *o = shape__alloc_out(g, n, 0);
  size_t es = dtype_size(o->dtype);
  ShapeWalk w;
  shape__walk_init(&w, o->rank, o->dims);
  shape__walk_bcast(&w, c);
  shape__walk_bcast(&w, a);
  shape__walk_bcast(&w, b);
  int64_t ne = ir_numel(o);
  for (int64_t i = 0; i < ne; i++, shape__walk_next(&w)) {
    const IrTensor *src = ir_const_i64(c, w.off[0]) ? a : b;
    int64_t off = src == a ? w.off[1] : w.off[2];
    memcpy((uint8_t *)o->data + (size_t)i * es, (const uint8_t *)src->data + (size_t)off * es, es);
  }
  return 1;
}

static int fold_cast(IrGraph *g, int n) {
  const IrNode *x = &g->nodes[n];
  const IrTensor *a = &g->tensors[x->inputs[0]];
  IrTensor *o = shape__alloc_out(g, n, 0);
  int64_t ne = ir_numel(o);
  bool from_float = dtype_is_float(a->dtype);
  for (int64_t i = 0; i < ne; i++) {
    if (from_float)
      shape__put_f64(o, i, ir_const_f64(a, i));
    else if (a->dtype == DT_U64 && dtype_is_float(o->dtype)) {
      uint64_t u;
      memcpy(&u, (const uint8_t *)a->data + 8 * i, 8);
      shape__put_f64(o, i, (double)u);
    } else
      shape__put_i64(o, i, ir_const_i64(a, i));
  }
  return 1;
}

/* Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout: same bytes, new shape. */
static int fold_copy(IrGraph *g, int n) {
  const IrNode *x = &g->nodes[n];
  const IrTensor *a = &g->tensors[x->inputs[0]];
  IrTensor *o = shape__alloc_out(g, n, 0);
  if (o->dtype != a->dtype || a->nbytes < o->nbytes) return 0;
  memcpy(o->data, a->data, o->nbytes);
  if (x->op == IR_OP_DROPOUT && x->n_outputs > 1 && x->outputs[1] >= 0) {
    IrTensor *mask = shape__alloc_out(g, n, 1);
    memset(mask->data, 1, mask->nbytes); /* inference: nothing is dropped */
  }
  return 1;
}

/* ReduceMean/Max/Min/Sum/L1/L2/SumSquare/LogSumExp of a constant (axes from the attribute or a
 * constant input 1; none: every axis unless noop_with_empty_axes), in double, stored in the
 * output's dtype: torchvision's exports compute sizes this way (ReduceMax of a shape constant),
 * and a reduction left unfolded makes everything downstream of it a run-time value. */
static int fold_reduce(IrGraph *g, int n) {
  const IrNode *x = &g->nodes[n];
  const IrTensor *a = &g->tensors[x->inputs[0]];
  const IrAxesParams *p = ir_axes_params(g, x);
  int64_t ne = ir_numel(a);
  if (a->rank < 0 || ne <= 0 || (uint64_t)ne > SHAPE__FOLD_CAP / 8) return 0;
  bool red[IR_MAX_DIMS] = {false};
  int na = 0;
  if (x->n_inputs > 1 && x->inputs[1] >= 0) {
    const IrTensor *ax = &g->tensors[x->inputs[1]];
    na = (int)ir_numel(ax);
    for (int i = 0; i < na; i++) {
      int64_t v = ir_const_i64(ax, i);
      if (v < -a->rank || v >= a->rank) return 0;
      red[v < 0 ? v + a->rank : v] = true;
    }
  } else {
    na = (int)p->axes.n;
    for (int i = 0; i < na; i++) {
      int64_t v = p->axes.v[i];
      if (v < -a->rank || v >= a->rank) return 0;
      red[v < 0 ? v + a->rank : v] = true;
    }
  }
  if (na == 0 && p->noop_with_empty_axes) return 0; /* an Identity: left to the passes */
  for (int d = 0; na == 0 && d < a->rank; d++) red[d] = true;
  IrTensor *o = shape__alloc_out(g, n, 0);
  int64_t no = ir_numel(o), st[IR_MAX_DIMS], ost[IR_MAX_DIMS], m = 1;
  shape__strides(a, st);
  for (int d = a->rank - 1; d >= 0; d--) /* strides of the kept dims in the output */
    ost[d] = red[d] ? 0 : m, m *= red[d] ? 1 : a->dims[d];
  if (m != no) return 0;
  double *acc = calloc((size_t)no + 1, sizeof *acc), *top = calloc((size_t)no + 1, sizeof *top);
  if (!acc || !top) {
    free(acc), free(top);
    return 0;
  }
  IrOp op = x->op;
  for (int64_t j = 0; j < no; j++) top[j] = op == IR_OP_REDUCE_MIN ? INFINITY : -INFINITY;
  for (int pass = 0; pass < (op == IR_OP_REDUCE_LOG_SUM_EXP ? 2 : 1); pass++)
    for (int64_t i = 0; i < ne; i++) {
      int64_t j = 0;
      for (int d = 0; d < a->rank; d++) j += (i / st[d] % a->dims[d]) * ost[d];
      double v = ir_const_f64(a, i);
      switch (op) {
      case IR_OP_REDUCE_MAX: top[j] = fmax(top[j], v); break;
      case IR_OP_REDUCE_MIN: top[j] = fmin(top[j], v); break;
      case IR_OP_REDUCE_L1: acc[j] += fabs(v); break;
      case IR_OP_REDUCE_L2:
      case IR_OP_REDUCE_SUM_SQUARE: acc[j] += v * v; break;
      case IR_OP_REDUCE_LOG_SUM_EXP:
        if (pass == 0)
          top[j] = fmax(top[j], v);
        else
          acc[j] += exp(v - top[j]);
        break;
      default: acc[j] += v; break; /* Sum, Mean */
      }
    }
  for (int64_t j = 0; j < no; j++) {
    double v = acc[j];
    if (op == IR_OP_REDUCE_MAX || op == IR_OP_REDUCE_MIN) v = top[j];
    if (op == IR_OP_REDUCE_MEAN) v /= (double)(ne / no);
    if (op == IR_OP_REDUCE_L2) v = sqrt(v);
    if (op == IR_OP_REDUCE_LOG_SUM_EXP) v = top[j] + log(v);
    shape__put_f64(o, j, v);
  }
  free(acc);
  free(top);
  return 1;
}

typedef int (*FoldFn)(IrGraph *g, int n);

/* The folding function of each op; NULL: not folded here (data-movement ops whose parameters
 * come out of shape inference fold in shape.c, the rest is never folded). */
/* clang-format off */
#define FOLDS(Y)                       \
  Y(CONV,                NULL)         \
  Y(CONV_TRANSPOSE,      NULL)         \
  Y(MAX_POOL,            NULL)         \
  Y(AVERAGE_POOL,        NULL)         \
  Y(GLOBAL_AVERAGE_POOL, NULL)         \
  Y(GLOBAL_MAX_POOL,     NULL)         \
  Y(BATCH_NORM,          NULL)         \
  Y(RELU,                fold_unary)   \
  Y(LEAKY_RELU,          fold_unary)   \
  Y(PRELU,               NULL)         \
  Y(CLIP,                fold_unary)   \
  Y(SIGMOID,             fold_unary)   \
  Y(TANH,                fold_unary)   \
  Y(HARD_SIGMOID,        fold_unary)   \
  Y(HARD_SWISH,          fold_unary)   \
  Y(ELU,                 fold_unary)   \
  Y(EXP,                 fold_unary)   \
  Y(LOG,                 fold_unary)   \
  Y(SQRT,                fold_unary)   \
  Y(NEG,                 fold_unary)   \
  Y(ABS,                 fold_unary)   \
  Y(FLOOR,               fold_unary)   \
  Y(CEIL,                fold_unary)   \
  Y(SOFTMAX,             NULL)         \
  Y(ADD,                 fold_binary)  \
  Y(SUB,                 fold_binary)  \
  Y(MUL,                 fold_binary)  \
  Y(DIV,                 fold_binary)  \
  Y(POW,                 fold_binary)  \
  Y(MAX,                 fold_binary)  \
  Y(MIN,                 fold_binary)  \
  Y(EQUAL,               fold_binary)  \
  Y(LESS,                fold_binary)  \
  Y(GREATER,             fold_binary)  \
  Y(WHERE,               fold_where)   \
  Y(MATMUL,              NULL)         \
  Y(GEMM,                NULL)         \
  Y(CONCAT,              NULL)         \
  Y(RESHAPE,             fold_copy)    \
  Y(FLATTEN,             fold_copy)    \
  Y(TRANSPOSE,           NULL)         \
  Y(SQUEEZE,             fold_copy)    \
  Y(UNSQUEEZE,           fold_copy)    \
  Y(PAD,                 NULL)         \
  Y(RESIZE,              NULL)         \
  Y(UPSAMPLE,            NULL)         \
  Y(SLICE,               NULL)         \
  Y(SPLIT,               NULL)         \
  Y(REDUCE_MEAN,         fold_reduce)         \
  Y(REDUCE_MAX,          fold_reduce)         \
  Y(REDUCE_SUM,          fold_reduce)         \
  Y(CAST,                fold_cast)    \
  Y(IDENTITY,            fold_copy)    \
  Y(DROPOUT,             fold_copy)    \
  Y(CONSTANT,            NULL)         \
  Y(CONSTANT_OF_SHAPE,   NULL)         \
  Y(SHAPE,               NULL)         \
  Y(GATHER,              NULL)         \
  Y(EXPAND,              NULL)         \
  Y(RANGE,               NULL)         \
  Y(TILE,                NULL)         \
  Y(ARGMAX,              NULL)         \
  Y(TOPK,                NULL)         \
  Y(LRN,                 NULL)         \
  Y(DEPTH_TO_SPACE,      NULL)         \
  Y(SPACE_TO_DEPTH,      NULL)         \
  Y(INSTANCE_NORM,       NULL)         \
  Y(LOG_SOFTMAX,         NULL)         \
  Y(NON_MAX_SUPPRESSION, NULL)         \
  Y(PRIOR_BOX_CLUSTERED, NULL)         \
  Y(DETECTION_OUTPUT,    NULL)         \
  Y(SUM,                 fold_sum_mean) \
  Y(MEAN,                fold_sum_mean) \
  Y(RECIPROCAL,          fold_unary) \
  Y(SELU,                fold_unary) \
  Y(SOFTSIGN,            fold_unary) \
  Y(THRESHOLDED_RELU,    fold_unary) \
  Y(CELU,                fold_unary) \
  Y(SHRINK,              fold_unary) \
  Y(ERF,                 fold_unary) \
  Y(SOFTPLUS,            fold_unary) \
  Y(SIGN,                fold_unary) \
  Y(ROUND,               fold_unary) \
  Y(MISH,                fold_unary) \
  Y(NOT,                 fold_unary) \
  Y(REDUCE_MIN,          fold_reduce) \
  Y(REDUCE_L1,           fold_reduce) \
  Y(REDUCE_L2,           fold_reduce) \
  Y(REDUCE_SUM_SQUARE,   fold_reduce) \
  Y(REDUCE_LOG_SUM_EXP,  fold_reduce) \
  Y(GREATER_OR_EQUAL,    fold_binary) \
  Y(LESS_OR_EQUAL,       fold_binary) \
  Y(AND,                 fold_binary) \
  Y(OR,                  fold_binary) \
  Y(XOR,                 fold_binary) \
  Y(SWISH,               NULL) \
  Y(GELU,                NULL) \
  Y(SQUARED_DIFF,        NULL) \
  Y(GRN,                 NULL) \
  Y(NORMALIZE_L2,        NULL) \
  Y(REGION_YOLO,         NULL) \
  Y(REORG_YOLO,          NULL) \
  Y(PRIOR_BOX,           NULL) \
  Y(CTC_GREEDY_DECODER,  NULL) \
  Y(SCATTER_UPDATE,      NULL) \
  Y(GATHER_ND,           NULL) \
  Y(ROI_POOLING,         NULL) \
  Y(PSROI_POOLING,       NULL) \
  Y(LSTM_CELL,           NULL) \
  Y(PROPOSAL,            NULL) \
  Y(QUANTIZE_LINEAR,     NULL) \
  Y(DEQUANTIZE_LINEAR,   NULL) \
  Y(GATHER_ELEMENTS,     NULL) \
  Y(SCATTER_ELEMENTS,    NULL) \
  Y(SCATTER_ND,          NULL) \
  Y(ONE_HOT,             NULL) \
  Y(REVERSE_SEQUENCE,    NULL) \
  Y(MOD,                 NULL) \
  Y(SCATTER,             NULL) \
  Y(MVN,                 NULL) \
  Y(LP_NORM,             NULL) \
  Y(MAX_ROI_POOL,        NULL) \
  Y(ROI_ALIGN,           NULL) \
  Y(LSTM,                NULL)
/* clang-format on */
OPTABLE_SCALARS(static const FoldFn, FOLD, FOLDS);

/* Clears the constant data a failed evaluator may have allocated on node n's outputs. */
static void unfold_outputs(IrGraph *g, int n) {
  const IrNode *x = &g->nodes[n];
  for (int k = 0; k < x->n_outputs; k++) {
    if (x->outputs[k] < 0) continue;
    g->tensors[x->outputs[k]].data = NULL;
    g->tensors[x->outputs[k]].nbytes = 0;
  }
}

int shape__fold(IrGraph *g, int n) {
  const IrNode *x = &g->nodes[n];
  if ((unsigned)x->op >= IR_OP_COUNT || !FOLD[x->op] || x->n_inputs < 1) return 0;
  if (x->n_outputs < 1 || x->outputs[0] < 0) return 0;
  for (int k = 0; k < x->n_inputs; k++) {
    if (x->inputs[k] < 0) continue;
    if (!shape__is_const(g, x->inputs[k]) || dtype_size(g->tensors[x->inputs[k]].dtype) == 0)
      return 0;
  }
  if (!shape__can_fold(g, n)) return 0;
  if (FOLD[x->op](g, n) != 1) {
    unfold_outputs(g, n);
    return 0;
  }
  return shape__folded(g, n);
}
