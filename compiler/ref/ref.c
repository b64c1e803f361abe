/* compiler/ref/ref.c — RefTensor helpers and the ref_run driver (see ref.h). */
#include "ref_internal.h"

#include "compiler/graph/optable.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest tensor the reference executor allocates (elements): 16 Gi floats would be 64 GiB. */
#define REF_MAX_NUMEL ((int64_t)1 << 34)

/* ---- tensors ---- */

int64_t ref_numel(const RefTensor *t) {
  int64_t n = 1;
  for (int i = 0; i < t->rank; i++) n *= t->dims[i];
  return n;
}

bool ref_is_float_dtype(DType dt) { return dt == DT_F32 || dt == DT_F16 || dt == DT_F64; }

int ref_tensor_alloc(RefTensor *t, DType dt, int rank, const int64_t *dims, Err *err) {
  memset(t, 0, sizeof *t);
  if (dt == DT_UNDEF || dt == DT_STRING || dt >= DT_COUNT)
    return err_set(err, ERR_UNSUPPORTED_OP, "tensors of type %s cannot be computed",
                   dtype_name(dt));
  if (rank < 0 || rank > IR_MAX_DIMS)
    return err_set(err, ERR_SHAPE, "rank %d is over the limit of %d", rank, IR_MAX_DIMS);
  int64_t n = 1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0)
      return err_set(err, ERR_SHAPE, "dim %d is negative (%lld)", i, (long long)dims[i]);
    if (__builtin_mul_overflow(n, dims[i], &n) || n > REF_MAX_NUMEL)
      return err_set(err, ERR_OOM, "tensor of more than %lld elements", (long long)REF_MAX_NUMEL);
  }
  t->dtype = dt;
  t->rank = rank;
  if (rank) memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
  size_t cnt = n ? (size_t)n : 1;
  if (ref_is_float_dtype(dt))
    t->f = calloc(cnt, sizeof *t->f);
  else
    t->i = calloc(cnt, sizeof *t->i);
  if (!t->f && !t->i) {
    memset(t, 0, sizeof *t);
    return err_set(err, ERR_OOM, "out of memory for a tensor of %lld elements", (long long)n);
  }
  return 0;
}

int ref_tensor_copy(RefTensor *dst, const RefTensor *src, Err *err) {
  if (ref_tensor_alloc(dst, src->dtype, src->rank, src->dims, err) < 0) return -1;
  size_t n = (size_t)ref_numel(src);
  if (dst->f)
    memcpy(dst->f, src->f, n * sizeof *dst->f);
  else
    memcpy(dst->i, src->i, n * sizeof *dst->i);
  return 0;
}

void ref_tensor_free(RefTensor *t) {
  if (!t) return;
  free(t->f);
  free(t->i);
  memset(t, 0, sizeof *t);
}

void ref_tensors_free(RefTensor *ts, int n) {
  if (!ts) return;
  for (int k = 0; k < n; k++) ref_tensor_free(&ts[k]);
  free(ts);
}

double ref_get_f64(const RefTensor *t, int64_t k) {
  return t->f ? (double)t->f[k] : (double)t->i[k];
}

int64_t ref_get_i64(const RefTensor *t, int64_t k) {
  if (t->i) return t->i[k];
  double d = t->f[k];
  if (!(d == d)) return 0;
  if (d >= 9.2e18) return INT64_MAX;
  if (d <= -9.2e18) return INT64_MIN;
  return (int64_t)d;
}

/* v wrapped to the value range of integer dtype dt (two's complement), bool as 0/1. */
static int64_t wrap_int(DType dt, int64_t v) {
  switch (dt) {
  case DT_I32: return (int32_t)(uint32_t)(uint64_t)v;
  case DT_I16: return (int16_t)(uint16_t)(uint64_t)v;
  case DT_I8: return (int8_t)(uint8_t)(uint64_t)v;
  case DT_U32: return (int64_t)(uint32_t)(uint64_t)v;
  case DT_U16: return (int64_t)(uint16_t)(uint64_t)v;
  case DT_U8: return (int64_t)(uint8_t)(uint64_t)v;
  case DT_BOOL: return v != 0;
  default: return v;
  }
}

void ref_set_i64(RefTensor *t, int64_t k, int64_t v) {
  if (t->i) {
    t->i[k] = wrap_int(t->dtype, v);
    return;
  }
  float f = (float)v;
  t->f[k] = t->dtype == DT_F16 ? fp16_to_f32(fp16_from_f32(f)) : f;
}

void ref_set_f64(RefTensor *t, int64_t k, double v) {
  if (t->f) {
    float f = (float)v;
    t->f[k] = t->dtype == DT_F16 ? fp16_to_f32(fp16_from_f32(f)) : f;
    return;
  }
  if (t->dtype == DT_BOOL) {
    t->i[k] = v != 0;
    return;
  }
  int64_t iv = 0;
  if (v == v) iv = v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v;
  t->i[k] = wrap_int(t->dtype, iv);
}

void ref_round_fp16(RefTensor *t) {
  if (!t->f) return;
  int64_t n = ref_numel(t);
  for (int64_t k = 0; k < n; k++) t->f[k] = fp16_to_f32(fp16_from_f32(t->f[k]));
}

const char *ref_shape_str(const RefTensor *t, char *buf, size_t size) {
  size_t n = 0;
  buf[0] = 0;
  if (t->rank == 0) {
    snprintf(buf, size, "scalar");
    return buf;
  }
  for (int i = 0; i < t->rank && n + 24 < size; i++)
    n += (size_t)snprintf(buf + n, size - n, "%s%lld", i ? "x" : "", (long long)t->dims[i]);
  return buf;
}

/* ---- kernel helpers (ref_internal.h) ---- */

int ref__fail(RefNode *x, ErrCode code, const char *fmt, ...) {
  err_where(x->err, x->g->source, 0, NULL, x->n->name);
  x->err->code = code;
  int k = snprintf(x->err->msg, sizeof x->err->msg, "%s: ", x->n->op_type);
  if (k < 0 || (size_t)k >= sizeof x->err->msg) return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(x->err->msg + k, sizeof x->err->msg - (size_t)k, fmt, ap);
  va_end(ap);
  return -1;
}

RefTensor *ref__out(RefNode *x, int k, DType dt, int rank, const int64_t *dims) {
  if (k >= x->n_out) {
    ref__fail(x, ERR_SHAPE, "output %d is missing", k + 1);
    return NULL;
  }
  ref_tensor_free(&x->out[k]);
  Err e = {0};
  if (ref_tensor_alloc(&x->out[k], dt, rank, dims, &e) < 0) {
    ref__fail(x, e.code, "output %d: %s", k + 1, e.msg);
    return NULL;
  }
  return &x->out[k];
}

const RefTensor *ref__need(RefNode *x, int k) {
  if (k < x->n_in && x->in[k]) return x->in[k];
  ref__fail(x, ERR_SHAPE, "required input %d is missing", k + 1);
  return NULL;
}

int ref__ints(RefNode *x, int k, const char *attr, IrInts av, int64_t *out, int max) {
  if (k < x->n_in && x->in[k]) {
    int64_t n = ref_numel(x->in[k]);
    if (n > max)
      return ref__fail(x, ERR_SHAPE, "input %d has %lld values, at most %d are supported", k + 1,
                       (long long)n, max);
    for (int64_t i = 0; i < n; i++) out[i] = ref_get_i64(x->in[k], i);
    return (int)n;
  }
  if (!attr) return 0;
  int c = ir_ints_copy(av, out, max);
  if (c > max)
    return ref__fail(x, ERR_SHAPE, "attribute %s has %d values, at most %d are supported", attr, c,
                     max);
  return c;
}

int ref__axis(RefNode *x, int64_t a, int r) {
  if (a < -r || a >= r)
    return ref__fail(x, ERR_SHAPE, "axis %lld is out of range for rank %d", (long long)a, r);
  return (int)(a < 0 ? a + r : a);
}

void ref__strides(int rank, const int64_t *dims, int64_t *st) {
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; d--) {
    st[d] = s;
    s *= dims[d];
  }
}

int ref__bcast2(const RefTensor *a, const RefTensor *b, int *rank, int64_t *d, int64_t *sa,
                int64_t *sb) {
  int r = a->rank > b->rank ? a->rank : b->rank;
  int64_t ea[IR_MAX_DIMS], eb[IR_MAX_DIMS];
  ref__strides(a->rank, a->dims, ea);
  ref__strides(b->rank, b->dims, eb);
  for (int i = 0; i < r; i++) {
    int ia = i - (r - a->rank), ib = i - (r - b->rank);
    int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if (da != db && da != 1 && db != 1) return -1;
    d[i] = da == 1 ? db : da;
    sa[i] = ia >= 0 && da > 1 ? ea[ia] : 0;
    sb[i] = ib >= 0 && db > 1 ? eb[ib] : 0;
  }
  *rank = r;
  return 0;
}

void ref__iter_init(RefIter *it, int rank, const int64_t *dims) {
  memset(it, 0, sizeof *it);
  it->rank = rank;
  if (rank) memcpy(it->dims, dims, (size_t)rank * sizeof *dims);
}

void ref__iter_next(RefIter *it) {
  for (int d = it->rank - 1; d >= 0; d--) {
    if (++it->idx[d] < it->dims[d]) return;
    it->idx[d] = 0;
  }
}

void ref__copy_elem(RefTensor *dst, int64_t dk, const RefTensor *src, int64_t sk) {
  if (dst->f && src->f)
    dst->f[dk] = src->f[sk];
  else if (dst->i && src->i)
    dst->i[dk] = src->i[sk];
  else if (dst->f)
    ref_set_f64(dst, dk, ref_get_f64(src, sk));
  else
    ref_set_i64(dst, dk, ref_get_i64(src, sk));
}

/* ---- the kernel table ---- */

/* The kernel of each op; NULL: no reference kernel (NonMaxSuppression: the node is UNSUPPORTED). */
/* clang-format off */
#define REF_KERNELS(Y)                                \
  Y(CONV,                ref__k_conv)                 \
  Y(CONV_TRANSPOSE,      ref__k_conv_transpose)       \
  Y(MAX_POOL,            ref__k_max_pool)             \
  Y(AVERAGE_POOL,        ref__k_average_pool)         \
  Y(GLOBAL_AVERAGE_POOL, ref__k_global_average_pool)  \
  Y(GLOBAL_MAX_POOL,     ref__k_global_max_pool)      \
  Y(BATCH_NORM,          ref__k_batch_norm)           \
  Y(RELU,                ref__k_unary)                \
  Y(LEAKY_RELU,          ref__k_unary)                \
  Y(PRELU,               ref__k_prelu)                \
  Y(CLIP,                ref__k_clip)                 \
  Y(SIGMOID,             ref__k_unary)                \
  Y(TANH,                ref__k_unary)                \
  Y(HARD_SIGMOID,        ref__k_unary)                \
  Y(HARD_SWISH,          ref__k_unary)                \
  Y(ELU,                 ref__k_unary)                \
  Y(EXP,                 ref__k_unary)                \
  Y(LOG,                 ref__k_unary)                \
  Y(SQRT,                ref__k_unary)                \
  Y(NEG,                 ref__k_unary)                \
  Y(ABS,                 ref__k_unary)                \
  Y(FLOOR,               ref__k_unary)                \
  Y(CEIL,                ref__k_unary)                \
  Y(SOFTMAX,             ref__k_softmax)              \
  Y(ADD,                 ref__k_binary)               \
  Y(SUB,                 ref__k_binary)               \
  Y(MUL,                 ref__k_binary)               \
  Y(DIV,                 ref__k_binary)               \
  Y(POW,                 ref__k_binary)               \
  Y(MAX,                 ref__k_variadic)             \
  Y(MIN,                 ref__k_variadic)             \
  Y(EQUAL,               ref__k_compare)              \
  Y(LESS,                ref__k_compare)              \
  Y(GREATER,             ref__k_compare)              \
  Y(WHERE,               ref__k_where)                \
  Y(MATMUL,              ref__k_matmul)               \
  Y(GEMM,                ref__k_gemm)                 \
  Y(CONCAT,              ref__k_concat)               \
  Y(RESHAPE,             ref__k_reshape)              \
  Y(FLATTEN,             ref__k_flatten)              \
  Y(TRANSPOSE,           ref__k_transpose)            \
  Y(SQUEEZE,             ref__k_squeeze)              \
  Y(UNSQUEEZE,           ref__k_unsqueeze)            \
  Y(PAD,                 ref__k_pad)                  \
  Y(RESIZE,              ref__k_resize)               \
  Y(UPSAMPLE,            ref__k_resize)               \
  Y(SLICE,               ref__k_slice)                \
  Y(SPLIT,               ref__k_split)                \
  Y(REDUCE_MEAN,         ref__k_reduce)               \
  Y(REDUCE_MAX,          ref__k_reduce)               \
  Y(REDUCE_SUM,          ref__k_reduce)               \
  Y(CAST,                ref__k_cast)                 \
  Y(IDENTITY,            ref__k_identity)             \
  Y(DROPOUT,             ref__k_identity)             \
  Y(CONSTANT,            ref__k_constant)             \
  Y(CONSTANT_OF_SHAPE,   ref__k_constant_of_shape)    \
  Y(SHAPE,               ref__k_shape)                \
  Y(GATHER,              ref__k_gather)               \
  Y(EXPAND,              ref__k_expand)               \
  Y(RANGE,               ref__k_range)                \
  Y(TILE,                ref__k_tile)                 \
  Y(ARGMAX,              ref__k_argmax)               \
  Y(TOPK,                ref__k_topk)                 \
  Y(LRN,                 ref__k_lrn)                  \
  Y(DEPTH_TO_SPACE,      ref__k_depth_to_space)       \
  Y(SPACE_TO_DEPTH,      ref__k_space_to_depth)       \
  Y(INSTANCE_NORM,       ref__k_instance_norm)        \
  Y(LOG_SOFTMAX,         ref__k_softmax)              \
  Y(NON_MAX_SUPPRESSION, NULL)                        \
  Y(PRIOR_BOX_CLUSTERED, ref__k_prior_box_clustered)  \
  Y(DETECTION_OUTPUT,    ref__k_detection_output) \
  Y(SUM,                 ref__k_sum_mean) \
  Y(MEAN,                ref__k_sum_mean) \
  Y(RECIPROCAL,          ref__k_unary) \
  Y(SELU,                ref__k_unary) \
  Y(SOFTSIGN,            ref__k_unary) \
  Y(THRESHOLDED_RELU,    ref__k_unary) \
  Y(CELU,                ref__k_unary) \
  Y(SHRINK,              ref__k_unary) \
  Y(ERF,                 ref__k_unary) \
  Y(SOFTPLUS,            ref__k_unary) \
  Y(SIGN,                ref__k_unary) \
  Y(ROUND,               ref__k_unary) \
  Y(MISH,                ref__k_unary) \
  Y(NOT,                 ref__k_unary) \
  Y(REDUCE_MIN,          ref__k_reduce) \
  Y(REDUCE_L1,           ref__k_reduce) \
  Y(REDUCE_L2,           ref__k_reduce) \
  Y(REDUCE_SUM_SQUARE,   ref__k_reduce) \
  Y(REDUCE_LOG_SUM_EXP,  ref__k_reduce) \
  Y(GREATER_OR_EQUAL,    ref__k_compare) \
  Y(LESS_OR_EQUAL,       ref__k_compare) \
  Y(AND,                 ref__k_compare) \
  Y(OR,                  ref__k_compare) \
  Y(XOR,                 ref__k_compare) \
  Y(SWISH,               ref__k_ir_activation) \
  Y(GELU,                ref__k_ir_activation) \
  Y(SQUARED_DIFF,        ref__k_squared_diff) \
  Y(GRN,                 ref__k_grn) \
  Y(NORMALIZE_L2,        ref__k_normalize_l2) \
  Y(REGION_YOLO,         ref__k_region_yolo) \
  Y(REORG_YOLO,          ref__k_reorg_yolo) \
  Y(PRIOR_BOX,           ref__k_prior_box) \
  Y(CTC_GREEDY_DECODER,  ref__k_ctc_greedy_decoder) \
  Y(SCATTER_UPDATE,      ref__k_scatter_update) \
  Y(GATHER_ND,           ref__k_gather_nd) \
  Y(ROI_POOLING,         ref__k_roi_pooling) \
  Y(PSROI_POOLING,       ref__k_roi_pooling) \
  Y(LSTM_CELL,           ref__k_lstm_cell) \
  Y(PROPOSAL,            ref__k_proposal) \
  Y(QUANTIZE_LINEAR,     ref__k_qdq) \
  Y(DEQUANTIZE_LINEAR,   ref__k_qdq) \
  Y(GATHER_ELEMENTS,     ref__k_gather_elements) \
  Y(SCATTER_ELEMENTS,    ref__k_scatter) \
  Y(SCATTER_ND,          ref__k_scatter) \
  Y(ONE_HOT,             ref__k_one_hot) \
  Y(REVERSE_SEQUENCE,    ref__k_reverse_sequence) \
  Y(MOD,                 ref__k_mod) \
  Y(SCATTER,             ref__k_scatter) \
  Y(MVN,                 ref__k_mvn) \
  Y(LP_NORM,             ref__k_lp_norm) \
  Y(MAX_ROI_POOL,        ref__k_roi_pooling) \
  Y(ROI_ALIGN,           ref__k_roi_align) \
  Y(LSTM,                ref__k_lstm)
/* clang-format on */
OPTABLE_SCALARS(static const RefKernel, KERNELS, REF_KERNELS);

bool ref_has_kernel(IrOp op) { return (unsigned)op < IR_OP_COUNT && KERNELS[op] != NULL; }

/* ---- the driver ---- */

typedef struct {
  const IrGraph *g;
  RefMode mode;
  RefTensor *val; /* per graph tensor */
  bool *have;
  int *uses;           /* remaining live readers; graph outputs are never released */
  RefObserver observe; /* NULL, or called after each node (ref_run_observed) */
  void *ctx;
  Err *err;
} Run;

/* Imports constant tensor t (dead node output, initializer) into r->val[t]. */
static int import_const(Run *r, int t) {
  const IrTensor *c = &r->g->tensors[t];
  RefTensor *v = &r->val[t];
  if (ref_tensor_alloc(v, c->dtype, c->rank, c->dims, r->err) < 0) {
    err_where(r->err, r->g->source, 0, NULL, NULL);
    char m[sizeof r->err->msg];
    snprintf(m, sizeof m, "constant '%s': %s", c->name, r->err->msg);
    memcpy(r->err->msg, m, sizeof m);
    return -1;
  }
  int64_t n = ref_numel(v);
  for (int64_t k = 0; k < n; k++) {
    if (v->f)
      v->f[k] = (float)ir_const_f64(c, k);
    else
      v->i[k] = wrap_int(v->dtype, ir_const_i64(c, k));
  }
  if (r->mode == REF_FP16) ref_round_fp16(v);
  r->have[t] = true;
  return 0;
}

/* The value of tensor t, importing constants on first use; NULL after an error. */
static const RefTensor *value_of(Run *r, int t, const IrNode *reader) {
  if (r->have[t]) return &r->val[t];
  if (r->g->tensors[t].data && r->g->tensors[t].dtype != DT_STRING) {
    if (import_const(r, t) < 0) return NULL;
    return &r->val[t];
  }
  err_where(r->err, r->g->source, 0, NULL, reader ? reader->name : NULL);
  err_set(r->err, ERR_INTERNAL,
          "tensor '%s' has no value (not a graph input, a constant or an earlier output)",
          r->g->tensors[t].name);
  return NULL;
}

/* Copies the user's input k into the run, converting the dtype to the graph's. */
static int set_input(Run *r, int k, const RefTensor *in) {
  int t = r->g->inputs[k];
  const IrTensor *it = &r->g->tensors[t];
  char a[256];
  bool ok = it->rank < 0 || it->rank == in->rank;
  for (int d = 0; ok && it->rank >= 0 && d < in->rank; d++)
    ok = it->dims[d] < 0 || it->dims[d] == in->dims[d];
  if (!ok) {
    err_where(r->err, r->g->source, 0, NULL, NULL);
    return err_set(r->err, ERR_SHAPE, "input '%s' has shape %s, the model expects %s", it->name,
                   ref_shape_str(in, a, sizeof a), ir_shape_str(r->g->arena, it));
  }
  DType dt = it->dtype != DT_UNDEF ? it->dtype : in->dtype;
  if (ref_tensor_alloc(&r->val[t], dt, in->rank, in->dims, r->err) < 0) return -1;
  int64_t n = ref_numel(in);
  for (int64_t e = 0; e < n; e++) ref__copy_elem(&r->val[t], e, in, e);
  if (dt == DT_F16 || r->mode == REF_FP16) ref_round_fp16(&r->val[t]);
  r->have[t] = true;
  return 0;
}

int ref_bind_input(IrGraph *g, int t, const RefTensor *v, Err *err) {
  IrTensor *it = &g->tensors[t];
  bool ok = it->rank < 0 || it->rank == v->rank;
  for (int d = 0; ok && it->rank >= 0 && d < v->rank; d++)
    ok = it->dims[d] < 0 || it->dims[d] == v->dims[d];
  if (!ok) {
    char a[256];
    err_where(err, g->source, 0, NULL, NULL);
    return err_set(err, ERR_SHAPE, "input '%s' has shape %s, the model expects %s", it->name,
                   ref_shape_str(v, a, sizeof a), ir_shape_str(g->arena, it));
  }
  ir_set_shape(g, t, v->rank, v->dims);
  if (it->dtype == DT_UNDEF) it->dtype = v->dtype;
  return 0;
}

/* Checks output k of node n against inferred dtype/shape; ERR_SHAPE on a disagreement. */
static int check_out(Run *r, const IrNode *n, const IrTensor *it, const RefTensor *v) {
  char a[256];
  bool ok = it->rank < 0 || it->rank == v->rank;
  for (int d = 0; ok && it->rank >= 0 && d < v->rank; d++)
    ok = it->dims[d] < 0 || it->dims[d] == v->dims[d];
  err_where(r->err, r->g->source, 0, NULL, n->name);
  if (!ok)
    return err_set(r->err, ERR_SHAPE,
                   "%s: output '%s': shape inference gave %s, the kernel computed %s", n->op_type,
                   it->name, ir_shape_str(r->g->arena, it), ref_shape_str(v, a, sizeof a));
  if (it->dtype != DT_UNDEF && it->dtype != v->dtype)
    return err_set(r->err, ERR_SHAPE,
                   "%s: output '%s': dtype inference gave %s, the kernel computed %s", n->op_type,
                   it->name, dtype_name(it->dtype), dtype_name(v->dtype));
  memset(r->err, 0, sizeof *r->err);
  return 0;
}

/* Runs live node i. */
static int run_node(Run *r, int i) {
  const IrNode *n = &r->g->nodes[i];
  RefKernel k = (unsigned)n->op < IR_OP_COUNT ? KERNELS[n->op] : NULL;
  if (!k) {
    err_where(r->err, r->g->source, 0, NULL, n->name);
    return err_set(r->err, ERR_UNSUPPORTED_OP, "no reference kernel for op '%s'", n->op_type);
  }
  RefNode x = {.g = r->g, .n = n, .n_in = n->n_inputs, .n_out = n->n_outputs, .err = r->err};
  const RefTensor *in_small[16] = {NULL}, **in = in_small; /* any number of inputs (Concat, Sum) */
  if (n->n_inputs > 16 && !(in = calloc((size_t)n->n_inputs, sizeof *in))) {
    err_where(r->err, r->g->source, 0, NULL, n->name);
    return err_set(r->err, ERR_OOM, "out of memory for %d inputs", n->n_inputs);
  }
  x.in = in;
  for (int j = 0; j < n->n_inputs; j++) {
    if (n->inputs[j] < 0) continue;
    x.in[j] = value_of(r, n->inputs[j], n);
    if (!x.in[j]) {
      if (in != in_small) free(in);
      return -1;
    }
  }
  int rc = k(&x);
  if (in != in_small) free(in);
  x.in = NULL;
  for (int j = 0; j < n->n_outputs && rc == 0; j++) {
    int t = n->outputs[j];
    if (t < 0 || (!x.out[j].f && !x.out[j].i)) continue;
    if (x.out[j].dtype == DT_F16 || r->mode == REF_FP16) ref_round_fp16(&x.out[j]);
    rc = check_out(r, n, &r->g->tensors[t], &x.out[j]);
    if (rc == 0) {
      ref_tensor_free(&r->val[t]);
      r->val[t] = x.out[j];
      memset(&x.out[j], 0, sizeof x.out[j]);
      r->have[t] = true;
    }
  }
  for (int j = 0; j < n->n_outputs; j++) ref_tensor_free(&x.out[j]);
  if (rc < 0) return -1;
  if (r->observe) {
    RefTensor *seen[IR_MAX_OUTPUTS] = {0};
    for (int j = 0; j < n->n_outputs && j < IR_MAX_OUTPUTS; j++)
      if (n->outputs[j] >= 0 && r->have[n->outputs[j]]) seen[j] = &r->val[n->outputs[j]];
    if (r->observe(r->ctx, r->g, i, seen, n->n_outputs, r->err) < 0) return -1;
  }
  /* release inputs nobody reads any more */
  for (int j = 0; j < n->n_inputs; j++) {
    int t = n->inputs[j];
    if (t < 0) continue;
    if (--r->uses[t] == 0 && !r->g->tensors[t].is_output) {
      ref_tensor_free(&r->val[t]);
      r->have[t] = false;
    }
  }
  return 0;
}

int ref_run(const IrGraph *g, RefMode mode, const RefTensor *inputs, int n_in, RefTensor **outputs,
            int *n_out, Err *err) {
  return ref_run_observed(g, mode, inputs, n_in, outputs, n_out, NULL, NULL, err);
}

int ref_run_observed(const IrGraph *g, RefMode mode, const RefTensor *inputs, int n_in,
                     RefTensor **outputs, int *n_out, RefObserver observe, void *ctx, Err *err) {
  if (n_in != g->n_inputs) {
    err_where(err, g->source, 0, NULL, NULL);
    return err_set(err, ERR_USAGE, "the model has %d input%s, %d given", g->n_inputs,
                   g->n_inputs == 1 ? "" : "s", n_in);
  }
  size_t nt = (size_t)g->n_tensors + 1;
  Run r = {.g = g, .mode = mode, .observe = observe, .ctx = ctx, .err = err};
  r.val = calloc(nt, sizeof *r.val);
  r.have = calloc(nt, sizeof *r.have);
  r.uses = calloc(nt, sizeof *r.uses);
  RefTensor *outs = calloc((size_t)g->n_outputs + 1, sizeof *outs);
  int rc = -1;
  if (!r.val || !r.have || !r.uses || !outs) {
    err_set(err, ERR_OOM, "out of memory");
    goto done;
  }
  for (int i = 0; i < g->n_nodes; i++)
    for (int j = 0; j < g->nodes[i].n_inputs && !g->nodes[i].dead; j++)
      if (g->nodes[i].inputs[j] >= 0) r.uses[g->nodes[i].inputs[j]]++;
  for (int k = 0; k < n_in; k++)
    if (set_input(&r, k, &inputs[k]) < 0) goto done;
  for (int i = 0; i < g->n_nodes; i++) {
    if (g->nodes[i].dead) continue;
    if (run_node(&r, i) < 0) goto done;
  }
  for (int k = 0; k < g->n_outputs; k++) {
    const RefTensor *v = value_of(&r, g->outputs[k], NULL);
    if (!v || ref_tensor_copy(&outs[k], v, err) < 0) goto done;
  }
  *outputs = outs;
  *n_out = g->n_outputs;
  outs = NULL;
  rc = 0;
done:
  ref_tensors_free(outs, g->n_outputs);
  if (r.val)
    for (size_t t = 0; t < nt; t++) ref_tensor_free(&r.val[t]);
  free(r.val);
  free(r.have);
  free(r.uses);
  return rc;
}
