/*
 * compiler/frontend/tf.c — TensorFlow frozen GraphDef to graph IR. See tf.h.
 *
 * Three parts: constants (TensorProto -> constant tensor, every size checked against the
 * shape), the walk (node names, an iterative depth-first order, input resolution) and one
 * emitter per op family. Each converted TensorFlow output is a Val: an IR tensor plus its
 * layout (plain or nchw) and, once made, the same value in the other layout.
 */
#include "tf.h"
#include "compiler/graph/build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Until the Makefile generates tf.pb-c.h from tf.proto, this file builds stubs that refuse to
 * load (so the rest of the tree keeps building). */
#if defined(__has_include)
#if __has_include("tf.pb-c.h")
#define FE_TF_HAVE_PB 1
#endif
#endif

#ifdef FE_TF_HAVE_PB
#include "tf.pb-c.h"

#define UNMAPPED 1

/* Axis maps between NHWC and NCHW: NCHW position of NHWC axis a, NHWC axis of NCHW position j. */
static const int NHWC_TO_NCHW_AXIS[4] = {0, 2, 3, 1};
static const int NCHW_TO_NHWC_AXIS[4] = {0, 3, 1, 2};
static const int64_t PERM_TO_NCHW[4] = {0, 3, 1, 2};
static const int64_t PERM_TO_NHWC[4] = {0, 2, 3, 1};

typedef struct {
  int t;     /* IR tensor */
  int alt;   /* the same value in the other layout once made, else -1 */
  bool nchw; /* t holds a 4-D NHWC value transposed to NCHW */
} Val;

typedef struct {
  const Tensorflow__NodeDef *def;
  Val out[IR_MAX_OUTPUTS];
  int n_out;
  int lazy;      /* IR node of an unknown op whose outputs are made on demand, else -1 */
  int users;     /* data inputs of other nodes naming this one */
  uint8_t state; /* 0 not reached, 1 on the walk's stack, 2 converted */
} TfNode;

typedef struct {
  IrGraph *g;
  Arena *a;
  Err *err;
  const char *path;
  Tensorflow__GraphDef *gd;
  TfNode *nodes;
  int n;
  NameMap byname; /* TensorFlow node name -> index in nodes */
  NameMap names;  /* IR tensor names in use -> 1 */
  bool inferred;  /* ir_infer ran since the last node was added */
} Ctx;

/* What an emitter sees: the node, its data inputs and the table entry's op. */
typedef struct {
  int v; /* index in c->nodes */
  const Tensorflow__NodeDef *d;
  const char *name;
  Val *in[IR_MAX_INPUTS];
  int n_in;
  IrOp op;
} Em;

static const char *S(const char *s) { return s ? s : ""; }

/* The one-line error of this model file (base.h err_at); returns -1. */
#define fail(c, code, node, ...) err_at((c)->err, (c)->path, (node), (code), __VA_ARGS__)

/* ---- graph building helpers ------------------------------------------------------------------ */

static int node(Ctx *c, IrOp op, const char *name) {
  c->inferred = false;
  return ir_add_node(c->g, op, NULL, name);
}
static void in(Ctx *c, int n, int t) { ir_node_add_input(c->g, n, t); }

static int cst_i64(Ctx *c, const char *name, const int64_t *v, int n) {
  int64_t d = n;
  return irb_const(c->g, &c->names, name, DT_I64, 1, &d, v);
}

/* One-input, one-output node op(x) writing a new tensor named `name`; returns the tensor. */
static int unary(Ctx *c, IrOp op, const char *name, int x) {
  int n = node(c, op, name);
  in(c, n, x);
  int t = irb_tensor(c->g, &c->names, name);
  irb_output(c->g, n, t);
  return t;
}

/* Shape of tensor t, running shape inference once when it is not known yet (rank -1 when
 * still unknown). */
static const IrTensor *shaped(Ctx *c, int t) {
  if (c->g->tensors[t].rank < 0 && !c->inferred) {
    Err e = {0};
    ir_infer(c->g, &e); /* failures resurface in the compile's own ir_infer */
    c->inferred = true;
  }
  return &c->g->tensors[t];
}

/* Constant t with its elements permuted (out dim i = in dim perm[i]) into a new constant. */
static int permute_const(Ctx *c, int t, const int64_t *perm, const char *name) {
  const IrTensor *x = &c->g->tensors[t];
  int r = x->rank;
  int64_t od[IR_MAX_DIMS], st[IR_MAX_DIMS], idx[IR_MAX_DIMS] = {0};
  int64_t s = 1;
  for (int i = r - 1; i >= 0; i--) st[i] = s, s *= x->dims[i];
  for (int i = 0; i < r; i++) od[i] = x->dims[perm[i]];
  int o = irb_tensor(c->g, &c->names, name);
  ir_set_const(c->g, o, c->g->tensors[t].dtype, r, od, NULL);
  x = &c->g->tensors[t];
  size_t es = dtype_size(x->dtype);
  int64_t ne = ir_numel(x);
  uint8_t *dst = c->g->tensors[o].data;
  const uint8_t *src = x->data;
  for (int64_t k = 0; k < ne; k++) {
    int64_t off = 0;
    for (int i = 0; i < r; i++) off += idx[i] * st[perm[i]];
    memcpy(dst + (size_t)k * es, src + (size_t)off * es, es);
    for (int i = r - 1; i >= 0 && ++idx[i] == od[i]; i--) idx[i] = 0;
  }
  return o;
}

/* Constant t with the same elements and a new shape. */
static int reshape_const(Ctx *c, int t, int rank, const int64_t *dims, const char *name) {
  int o = irb_tensor(c->g, &c->names, name);
  const IrTensor *x = &c->g->tensors[t];
  ir_set_const(c->g, o, x->dtype, rank, dims, NULL);
  x = &c->g->tensors[t];
  ASSERT(c->g->tensors[o].nbytes == x->nbytes);
  if (x->nbytes) memcpy(c->g->tensors[o].data, x->data, x->nbytes);
  return o;
}

/* t transposed by perm (4-D): a permuted constant, or a Transpose node. */
static int transpose(Ctx *c, int t, const int64_t *perm, const char *name) {
  if (ir_is_const(c->g, t) && c->g->tensors[t].rank == 4) return permute_const(c, t, perm, name);
  int n = node(c, IR_OP_TRANSPOSE, name);
  in(c, n, t);
  irb_ints(c->g, n, "perm", perm, 4);
  int o = irb_tensor(c->g, &c->names, name);
  irb_output(c->g, n, o);
  return o;
}

/* v in NCHW (v must be 4-D): itself, or its cached or a new Transpose (0,3,1,2). */
static int as_nchw(Ctx *c, Val *v) {
  if (v->nchw) return v->t;
  if (v->alt < 0)
    v->alt =
        transpose(c, v->t, PERM_TO_NCHW, arena_printf(c->a, "%s/nchw", c->g->tensors[v->t].name));
  return v->alt;
}

/* v in TensorFlow's own layout: itself, or its cached or a new Transpose (0,2,3,1). */
static int as_plain(Ctx *c, Val *v) {
  if (!v->nchw) return v->t;
  if (v->alt < 0)
    v->alt =
        transpose(c, v->t, PERM_TO_NHWC, arena_printf(c->a, "%s/nhwc", c->g->tensors[v->t].name));
  return v->alt;
}

/* Rank of v's value (4 for nchw values; -1 when unknown). */
static int rank_of(Ctx *c, const Val *v) { return v->nchw ? 4 : shaped(c, v->t)->rank; }

/* Sets output k of the emitting node. */
static void set_out(Ctx *c, const Em *e, int k, int t, bool nchw) {
  TfNode *x = &c->nodes[e->v];
  x->out[k] = (Val){t, -1, nchw};
  if (x->n_out < k + 1) x->n_out = k + 1;
}

/* A node op with inputs ins writing output 0 of the TensorFlow node; returns the IR node. */
static int emit(Ctx *c, const Em *e, IrOp op, const int *ins, int n_ins, bool nchw) {
  int n = node(c, op, e->name);
  for (int k = 0; k < n_ins; k++) in(c, n, ins[k]);
  int t = irb_tensor(c->g, &c->names, e->name);
  irb_output(c->g, n, t);
  set_out(c, e, 0, t, nchw);
  return n;
}

/* ---- attributes ------------------------------------------------------------------------------ */

static const Tensorflow__AttrValue *attr(const Tensorflow__NodeDef *d, const char *key) {
  for (size_t i = 0; i < d->n_attr; i++)
    if (d->attr[i]->value && strcmp(S(d->attr[i]->key), key) == 0) return d->attr[i]->value;
  return NULL;
}

static bool attr_b(const Tensorflow__NodeDef *d, const char *key, bool dflt) {
  const Tensorflow__AttrValue *v = attr(d, key);
  return v && v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_B ? v->b != 0 : dflt;
}

static double attr_f(const Tensorflow__NodeDef *d, const char *key, double dflt) {
  const Tensorflow__AttrValue *v = attr(d, key);
  return v && v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_F ? v->f : dflt;
}

/* True when string attribute key equals s; an absent attribute equals dflt. */
static bool attr_is(const Tensorflow__NodeDef *d, const char *key, const char *s,
                    const char *dflt) {
  const Tensorflow__AttrValue *v = attr(d, key);
  if (!v || v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_S) return dflt && strcmp(dflt, s) == 0;
  return v->s.len == strlen(s) && memcmp(v->s.data, s, v->s.len) == 0;
}

/* List-of-int attribute into out; returns the count (0 when absent), -1 when over max. */
static int attr_ints(const Tensorflow__NodeDef *d, const char *key, int64_t *out, int max) {
  const Tensorflow__AttrValue *v = attr(d, key);
  if (!v || v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_LIST || !v->list) return 0;
  if (v->list->n_i > (size_t)max) return -1;
  for (size_t i = 0; i < v->list->n_i; i++) out[i] = v->list->i[i];
  return (int)v->list->n_i;
}

/* The NHWC/NCHW data_format attribute: 1 NHWC (default), 0 NCHW, -1 anything else. */
static int nhwc_format(const Tensorflow__NodeDef *d) {
  if (attr_is(d, "data_format", "NHWC", "NHWC")) return 1;
  return attr_is(d, "data_format", "NCHW", NULL) ? 0 : -1;
}

/* ---- constants ------------------------------------------------------------------------------- */

static DType tf_dtype(int t) {
  switch (t) {
  case TENSORFLOW__DATA_TYPE__DT_FLOAT: return DT_F32;
  case TENSORFLOW__DATA_TYPE__DT_DOUBLE: return DT_F64;
  case TENSORFLOW__DATA_TYPE__DT_HALF: return DT_F16;
  case TENSORFLOW__DATA_TYPE__DT_INT32: return DT_I32;
  case TENSORFLOW__DATA_TYPE__DT_INT64: return DT_I64;
  case TENSORFLOW__DATA_TYPE__DT_INT16: return DT_I16;
  case TENSORFLOW__DATA_TYPE__DT_INT8: return DT_I8;
  case TENSORFLOW__DATA_TYPE__DT_UINT8: return DT_U8;
  case TENSORFLOW__DATA_TYPE__DT_UINT16: return DT_U16;
  case TENSORFLOW__DATA_TYPE__DT_UINT32: return DT_U32;
  case TENSORFLOW__DATA_TYPE__DT_UINT64: return DT_U64;
  case TENSORFLOW__DATA_TYPE__DT_BOOL: return DT_BOOL;
  case TENSORFLOW__DATA_TYPE__DT_STRING: return DT_STRING;
  default: return DT_UNDEF;
  }
}

/* "2x3x4" ("scalar" for rank 0) into buf. */
static const char *dims_str(char *buf, size_t size, int rank, const int64_t *dims) {
  size_t o = 0;
  buf[0] = 0;
  if (rank == 0) snprintf(buf, size, "scalar");
  for (int k = 0; k < rank && o + 24 < size; k++)
    o += (size_t)snprintf(buf + o, size - o, "%s%lld", k ? "x" : "", (long long)dims[k]);
  return buf;
}

/* Shape s into rank/dims. unknown: -1 dims and unknown_rank are allowed (Placeholder), else
 * every dim must be >= 0. -1 with err filled when invalid. */
static int read_shape(Ctx *c, const char *nd, const Tensorflow__TensorShapeProto *s, bool unknown,
                      int *rank, int64_t *dims) {
  *rank = 0;
  if (!s) return 0;
  if (s->unknown_rank) {
    if (!unknown) return fail(c, ERR_PARSE, nd, "tensor has an unknown rank");
    *rank = -1;
    return 0;
  }
  if (s->n_dim > IR_MAX_DIMS)
    return fail(c, ERR_PARSE, nd, "shape has %zu dimensions, over the limit of %d", s->n_dim,
                IR_MAX_DIMS);
  for (size_t i = 0; i < s->n_dim; i++) {
    int64_t v = s->dim[i]->size;
    if (v < (unknown ? -1 : 0) || v > ((int64_t)1 << 40))
      return fail(c, ERR_PARSE, nd, "shape dimension %zu is %lld", i, (long long)v);
    dims[i] = v;
  }
  *rank = (int)s->n_dim;
  return 0;
}

/* Element j of the typed value list of tp (dtype dt) written to dst. */
static void put_val(const Tensorflow__TensorProto *tp, DType dt, size_t j, uint8_t *dst) {
  switch (dt) {
  case DT_F32: memcpy(dst, &tp->float_val[j], 4); break;
  case DT_F64: memcpy(dst, &tp->double_val[j], 8); break;
  case DT_F16: {
    uint16_t h = (uint16_t)tp->half_val[j];
    memcpy(dst, &h, 2);
    break;
  }
  case DT_I32: memcpy(dst, &tp->int_val[j], 4); break;
  case DT_I16:
  case DT_U16: {
    uint16_t h = (uint16_t)tp->int_val[j];
    memcpy(dst, &h, 2);
    break;
  }
  case DT_I8:
  case DT_U8: *dst = (uint8_t)tp->int_val[j]; break;
  case DT_I64: memcpy(dst, &tp->int64_val[j], 8); break;
  case DT_U32: memcpy(dst, &tp->uint32_val[j], 4); break;
  case DT_U64: memcpy(dst, &tp->uint64_val[j], 8); break;
  case DT_BOOL: *dst = tp->bool_val[j] ? 1 : 0; break;
  default: UNREACHABLE();
  }
}

/* Number of typed values tp holds for dt. */
static size_t n_vals(const Tensorflow__TensorProto *tp, DType dt) {
  switch (dt) {
  case DT_F32: return tp->n_float_val;
  case DT_F64: return tp->n_double_val;
  case DT_F16: return tp->n_half_val;
  case DT_I32:
  case DT_I16:
  case DT_U16:
  case DT_I8:
  case DT_U8: return tp->n_int_val;
  case DT_I64: return tp->n_int64_val;
  case DT_U32: return tp->n_uint32_val;
  case DT_U64: return tp->n_uint64_val;
  case DT_BOOL: return tp->n_bool_val;
  default: return 0;
  }
}

/* tp as a new constant tensor named name in *out. UNMAPPED for element types we do not
 * compute on (strings, complex, quantized); -1 with err filled when sizes disagree. Typed value
 * lists shorter than the shape repeat their last value (TensorFlow's rule); none means zeros. */
static int const_tensor(Ctx *c, const char *nd, const char *name, const Tensorflow__TensorProto *tp,
                        int *out_t) {
  DType dt = tf_dtype(tp->dtype);
  if (dt == DT_UNDEF || dt == DT_STRING) return UNMAPPED;
  int rank;
  int64_t dims[IR_MAX_DIMS];
  if (read_shape(c, nd, tp->tensor_shape, false, &rank, dims) < 0) return -1;
  size_t es = dtype_size(dt);
  uint64_t numel = 1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] && numel > FE_TF_MAX_TENSOR / es / (uint64_t)dims[i]) {
      char sh[160];
      return fail(c, ERR_PARSE, nd, "tensor of shape %s is over %zu bytes",
                  dims_str(sh, sizeof sh, rank, dims), FE_TF_MAX_TENSOR);
    }
    numel *= (uint64_t)dims[i];
  }
  char sh[160];
  size_t need = (size_t)numel * es;
  if (tp->tensor_content.len && tp->tensor_content.len != need)
    return fail(c, ERR_PARSE, nd, "tensor_content has %zu bytes, shape %s of %s needs %zu",
                tp->tensor_content.len, dims_str(sh, sizeof sh, rank, dims), dtype_name(dt), need);
  size_t nv = n_vals(tp, dt);
  if (!tp->tensor_content.len && nv > numel)
    return fail(c, ERR_PARSE, nd, "tensor has %zu values, shape %s needs %llu", nv,
                dims_str(sh, sizeof sh, rank, dims), (unsigned long long)numel);
  int t = irb_tensor(c->g, &c->names, name);
  ir_set_const(c->g, t, dt, rank, dims, tp->tensor_content.len ? tp->tensor_content.data : NULL);
  uint8_t *p = c->g->tensors[t].data;
  for (size_t k = 0; !tp->tensor_content.len && nv && k < numel; k++)
    put_val(tp, dt, k < nv ? k : nv - 1, p + k * es);
  *out_t = t;
  return 0;
}

/* Integer values of a constant input (at most max); -1 when v is not a constant or too long. */
static int const_ints(Ctx *c, const Val *v, int64_t *out, int max) {
  const IrTensor *t = &c->g->tensors[v->t];
  if (!ir_is_const(c->g, v->t) || v->nchw || !dtype_is_int(t->dtype)) return -1;
  int64_t n = ir_numel(t);
  if (n < 0 || n > max) return -1;
  for (int64_t i = 0; i < n; i++) out[i] = ir_const_i64(t, i);
  return (int)n;
}

/* ---- emitters -------------------------------------------------------------------------------- */

typedef int (*EmitFn)(Ctx *c, Em *e);

static int e_placeholder(Ctx *c, Em *e) {
  const Tensorflow__AttrValue *dt = attr(e->d, "dtype"), *sh = attr(e->d, "shape");
  int rank = -1;
  int64_t dims[IR_MAX_DIMS];
  if (sh && sh->value_case == TENSORFLOW__ATTR_VALUE__VALUE_SHAPE &&
      read_shape(c, e->name, sh->shape, true, &rank, dims) < 0)
    return -1;
  int t = irb_tensor(c->g, &c->names, e->name);
  DType d =
      dt && dt->value_case == TENSORFLOW__ATTR_VALUE__VALUE_TYPE ? tf_dtype(dt->type) : DT_F32;
  c->g->tensors[t].dtype = d == DT_UNDEF ? DT_F32 : d;
  if (rank >= 0) ir_set_shape(c->g, t, rank, dims);
  ir_add_input(c->g, t);
  if (rank == 4) c->g->tensors[t].layout = LAYOUT_NHWC; /* preprocessing's default for this input */
  if (rank != 4) {
    set_out(c, e, 0, t, false);
    return 0;
  }
  Val v = {t, -1, false};
  int x = as_nchw(c, &v);
  set_out(c, e, 0, x, true);
  c->nodes[e->v].out[0].alt = t;
  return 0;
}

static int e_const(Ctx *c, Em *e) {
  const Tensorflow__AttrValue *v = attr(e->d, "value");
  if (!v || v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_TENSOR || !v->tensor)
    return fail(c, ERR_PARSE, e->name, "Const has no 'value' tensor");
  int t = -1;
  int rc = const_tensor(c, e->name, e->name, v->tensor, &t);
  if (rc == 0) set_out(c, e, 0, t, false);
  return rc;
}

static int e_noop(Ctx *c, Em *e) {
  (void)c, (void)e;
  return 0;
}

/* Identity and friends: a constant passes through (so weights behind an Identity stay
 * constants); anything else gets an Identity node in the same layout. */
static int e_identity(Ctx *c, Em *e) {
  Val *x = e->in[0];
  if (ir_is_const(c->g, x->t)) {
    c->nodes[e->v].out[0] = *x;
    c->nodes[e->v].n_out = 1;
    return 0;
  }
  emit(c, e, IR_OP_IDENTITY, &x->t, 1, x->nchw);
  return 0;
}

/* Elementwise one-input ops keep the layout. */
static int e_unary(Ctx *c, Em *e) {
  Val *x = e->in[0];
  int n = emit(c, e, e->op, &x->t, 1, x->nchw);
  if (e->op == IR_OP_LEAKY_RELU) irb_float(c->g, n, "alpha", attr_f(e->d, "alpha", 0.2));
  return 0;
}

static int e_relu6(Ctx *c, Em *e) {
  Val *x = e->in[0];
  float lo = 0.0f, hi = 6.0f;
  int ins[3] = {
      x->t, irb_const(c->g, &c->names, arena_printf(c->a, "%s/min", e->name), DT_F32, 0, NULL, &lo),
      irb_const(c->g, &c->names, arena_printf(c->a, "%s/max", e->name), DT_F32, 0, NULL, &hi)};
  emit(c, e, IR_OP_CLIP, ins, 3, x->nchw);
  return 0;
}

/* True when v can join an NCHW elementwise op: nchw, a constant of rank <= 4, or a 4-D or
 * scalar value. */
static bool nchw_ok(Ctx *c, const Val *v) {
  if (v->nchw) return true;
  int r = rank_of(c, v);
  if (ir_is_const(c->g, v->t)) return r >= 0 && r <= 4;
  return r == 4 || r == 0;
}

/* v as an operand of an NCHW elementwise op (nchw_ok(v) holds): constants are right-aligned to
 * 4-D NHWC (numpy broadcasting) and permuted. */
static int nchw_operand(Ctx *c, Val *v) {
  int r = rank_of(c, v);
  if (v->nchw || r == 4) return as_nchw(c, v);
  if (r == 0 || !ir_is_const(c->g, v->t)) return v->t;
  const IrTensor *x = &c->g->tensors[v->t];
  int64_t d4[4] = {1, 1, 1, 1};
  for (int i = 0; i < r; i++) d4[4 - r + i] = x->dims[i];
  int t4 = reshape_const(c, v->t, 4, d4, arena_printf(c->a, "%s/4d", x->name));
  return permute_const(c, t4, PERM_TO_NCHW,
                       arena_printf(c->a, "%s/nchw", c->g->tensors[v->t].name));
}

static int e_binary(Ctx *c, Em *e) {
  Val *a = e->in[0], *b = e->in[1];
  bool nchw = (a->nchw || b->nchw) && nchw_ok(c, a) && nchw_ok(c, b);
  int ins[2] = {nchw ? nchw_operand(c, a) : as_plain(c, a),
                nchw ? nchw_operand(c, b) : as_plain(c, b)};
  emit(c, e, e->op, ins, 2, nchw);
  return 0;
}

/* BiasAdd: a [C] bias along the channel axis. */
static int e_bias_add(Ctx *c, Em *e) {
  Val *x = e->in[0], *b = e->in[1];
  int fmt = nhwc_format(e->d);
  if (fmt < 0) return UNMAPPED;
  int r = rank_of(c, x);
  if (fmt == 1 && r != 4) return e_binary(c, e); /* channels last already broadcast */
  if (fmt == 0 && r < 2) return UNMAPPED;
  int rb = fmt == 1 ? 4 : r - 1; /* NCHW: [1,C,1,1]; NCHW-format rank r: [C,1,...] */
  int64_t d[IR_MAX_DIMS];
  for (int i = 0; i < rb; i++) d[i] = 1;
  int bt = as_plain(c, b), ci = fmt == 1 ? 1 : 0;
  if (ir_is_const(c->g, bt)) {
    d[ci] = ir_numel(&c->g->tensors[bt]);
    bt = reshape_const(c, bt, rb, d, arena_printf(c->a, "%s/bias", e->name));
  } else {
    d[ci] = -1;
    int n = node(c, IR_OP_RESHAPE, arena_printf(c->a, "%s/bias_shape", e->name));
    in(c, n, bt);
    in(c, n, cst_i64(c, arena_printf(c->a, "%s/bias_dims", e->name), d, rb));
    bt = irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/bias", e->name));
    irb_output(c->g, n, bt);
  }
  int ins[2] = {fmt == 1 ? as_nchw(c, x) : as_plain(c, x), bt};
  emit(c, e, IR_OP_ADD, ins, 2, fmt == 1);
  return 0;
}

/* Strides/dilations/ksize of a 4-entry NHWC or NCHW list as [h, w] (1 when absent); false when
 * malformed or when the batch/channel entries are not 1. */
static bool hw_list(const Tensorflow__NodeDef *d, const char *key, int fmt, int64_t out[2]) {
  int64_t v[4];
  int n = attr_ints(d, key, v, 4);
  out[0] = out[1] = 1;
  if (n == 0) return true;
  if (n != 4) return false;
  int h = fmt == 1 ? 1 : 2, w = h + 1, ch = fmt == 1 ? 3 : 1;
  if (v[0] != 1 || v[ch] != 1 || v[h] < 1 || v[w] < 1) return false;
  out[0] = v[h], out[1] = v[w];
  return true;
}

/* SAME/VALID/EXPLICIT padding onto node n (EXPLICIT: explicit_paddings in data format order). */
static bool set_padding(Ctx *c, const Tensorflow__NodeDef *d, int fmt, int n, bool check_only) {
  if (attr_is(d, "padding", "SAME", NULL)) {
    if (!check_only) irb_str(c->g, n, "auto_pad", "SAME_UPPER");
    return true;
  }
  if (attr_is(d, "padding", "VALID", NULL)) {
    if (!check_only) irb_str(c->g, n, "auto_pad", "VALID");
    return true;
  }
  int64_t p[8];
  if (!attr_is(d, "padding", "EXPLICIT", NULL) || attr_ints(d, "explicit_paddings", p, 8) != 8)
    return false;
  int h = fmt == 1 ? 1 : 2, w = h + 1;
  int64_t pads[4] = {p[2 * h], p[2 * w], p[2 * h + 1], p[2 * w + 1]};
  for (int i = 0; i < 4; i++)
    if (pads[i] < 0) return false;
  if (!check_only) irb_ints(c->g, n, "pads", pads, 4);
  return true;
}

/* Conv2D (HWIO filter) and DepthwiseConv2dNative (HWCM filter, group = C). */
static int e_conv(Ctx *c, Em *e) {
  bool dw = strcmp(S(e->d->op), "DepthwiseConv2dNative") == 0;
  int fmt = nhwc_format(e->d);
  int64_t s[2], dl[2];
  if (fmt < 0 || !hw_list(e->d, "strides", fmt, s) || !hw_list(e->d, "dilations", fmt, dl) ||
      !set_padding(c, e->d, fmt, -1, true))
    return UNMAPPED;
  Val *f = e->in[1];
  int w = f->t;
  const IrTensor *ft = &c->g->tensors[w];
  bool fc = ir_is_const(c->g, w) && !f->nchw;
  if (fc && ft->rank != 4)
    return fail(c, ERR_PARSE, e->name, "filter has %d dimensions, expected 4", ft->rank);
  if (dw && !fc) return UNMAPPED;
  int64_t group = 1, kh = fc ? ft->dims[0] : -1, kw = fc ? ft->dims[1] : -1;
  if (dw) {
    int64_t ch = ft->dims[2], m = ft->dims[3];
    group = ch;
    int cm = permute_const(c, w, (const int64_t[]){2, 3, 0, 1},
                           arena_printf(c->a, "%s/filter_cmhw", e->name));
    w = reshape_const(c, cm, 4, (const int64_t[]){ch * m, 1, kh, kw},
                      arena_printf(c->a, "%s/filter", e->name));
  } else {
    w = transpose(c, as_plain(c, f), (const int64_t[]){3, 2, 0, 1},
                  arena_printf(c->a, "%s/filter", e->name));
  }
  int ins[2] = {fmt == 1 ? as_nchw(c, e->in[0]) : as_plain(c, e->in[0]), w};
  int n = emit(c, e, IR_OP_CONV, ins, 2, fmt == 1);
  if (kh >= 0) irb_ints(c->g, n, "kernel_shape", (const int64_t[]){kh, kw}, 2);
  irb_ints(c->g, n, "strides", s, 2);
  irb_ints(c->g, n, "dilations", dl, 2);
  set_padding(c, e->d, fmt, n, false);
  if (group > 1) irb_int(c->g, n, "group", group);
  return 0;
}

static int e_pool(Ctx *c, Em *e) {
  int fmt = nhwc_format(e->d);
  int64_t k[2], s[2];
  if (fmt < 0 || attr_ints(e->d, "ksize", (int64_t[4]){0}, 4) != 4 ||
      !hw_list(e->d, "ksize", fmt, k) || !hw_list(e->d, "strides", fmt, s) ||
      attr_is(e->d, "padding", "EXPLICIT", NULL) || !set_padding(c, e->d, fmt, -1, true))
    return UNMAPPED;
  int x = fmt == 1 ? as_nchw(c, e->in[0]) : as_plain(c, e->in[0]);
  int n = emit(c, e, e->op, &x, 1, fmt == 1);
  irb_ints(c->g, n, "kernel_shape", k, 2);
  irb_ints(c->g, n, "strides", s, 2);
  set_padding(c, e->d, fmt, n, false);
  return 0;
}

/* FusedBatchNorm/V2/V3 in inference mode: output 0 only (the batch statistics are training
 * outputs). */
static int e_batch_norm(Ctx *c, Em *e) {
  int fmt = nhwc_format(e->d);
  if (fmt < 0 || attr_b(e->d, "is_training", true)) return UNMAPPED;
  int ins[5] = {fmt == 1 ? as_nchw(c, e->in[0]) : as_plain(c, e->in[0])};
  for (int k = 1; k < 5; k++) ins[k] = as_plain(c, e->in[k]);
  int n = emit(c, e, IR_OP_BATCH_NORM, ins, 5, fmt == 1);
  irb_float(c->g, n, "epsilon", attr_f(e->d, "epsilon", 1e-4));
  return 0;
}

static int e_matmul(Ctx *c, Em *e) {
  int ins[2] = {as_plain(c, e->in[0]), as_plain(c, e->in[1])};
  int n = emit(c, e, IR_OP_GEMM, ins, 2, false);
  if (attr_b(e->d, "transpose_a", false)) irb_int(c->g, n, "transA", 1);
  if (attr_b(e->d, "transpose_b", false)) irb_int(c->g, n, "transB", 1);
  return 0;
}

/* Softmax over the last axis: the channel axis of an nchw value. */
static int e_softmax(Ctx *c, Em *e) {
  Val *x = e->in[0];
  int n = emit(c, e, IR_OP_SOFTMAX, &x->t, 1, x->nchw);
  irb_int(c->g, n, "axis", x->nchw ? 1 : -1);
  return 0;
}

/* Normalises NHWC axes of a 4-D value and maps them to NCHW positions: out gets them sorted
 * without duplicates, *na their count. Returns 1 when the axes left after removing them keep
 * their relative order in NCHW (so a Squeeze, or a reduction without keep_dims, gives
 * TensorFlow's element order), 0 when not, -1 with err filled on an axis out of range. */
static int nchw_axes(Ctx *c, const char *nd, const int64_t *axes, int n, int64_t *out, int *na) {
  bool gone[4] = {false};
  for (int i = 0; i < n; i++) {
    int64_t a = axes[i] < 0 ? axes[i] + 4 : axes[i];
    if (a < 0 || a > 3)
      return fail(c, ERR_PARSE, nd, "axis %lld is out of range for a 4-D input",
                  (long long)axes[i]);
    gone[a] = true;
  }
  *na = 0;
  for (int j = 0; j < 4; j++)
    if (gone[NCHW_TO_NHWC_AXIS[j]]) out[(*na)++] = j;
  int last = -1;
  for (int a = 0; a < 4; a++) {
    if (gone[a]) continue;
    if (NHWC_TO_NCHW_AXIS[a] < last) return 0;
    last = NHWC_TO_NCHW_AXIS[a];
  }
  return 1;
}

static int e_squeeze(Ctx *c, Em *e) {
  Val *x = e->in[0];
  int64_t axes[IR_MAX_DIMS], mapped[4];
  int n = attr_ints(e->d, "squeeze_dims", axes, IR_MAX_DIMS), na = 0;
  if (n == 0) n = attr_ints(e->d, "axis", axes, IR_MAX_DIMS);
  if (n < 0)
    return fail(c, ERR_PARSE, e->name, "squeeze_dims has more than %d values", IR_MAX_DIMS);
  int ok = x->nchw && n ? nchw_axes(c, e->name, axes, n, mapped, &na) : 0;
  if (ok < 0) return -1;
  int cnt = ok ? na : n;
  int ins[2] = {ok ? x->t : as_plain(c, x), -1};
  if (cnt) ins[1] = cst_i64(c, arena_printf(c->a, "%s/axes", e->name), ok ? mapped : axes, cnt);
  emit(c, e, IR_OP_SQUEEZE, ins, cnt ? 2 : 1, false);
  return 0;
}

/* Mean/Max/Sum over constant reduction_indices; a spatial keep_dims Mean/Max of an nchw value
 * is a global pool. */
static int e_reduce(Ctx *c, Em *e) {
  Val *x = e->in[0];
  int64_t axes[IR_MAX_DIMS], mapped[4];
  int n = const_ints(c, e->in[1], axes, IR_MAX_DIMS);
  if (n < 0) return UNMAPPED;
  bool keep = attr_b(e->d, "keep_dims", false);
  if (n == 0) { /* TensorFlow reduces nothing; ONNX would reduce everything */
    emit(c, e, IR_OP_IDENTITY, &x->t, 1, x->nchw);
    return 0;
  }
  int na = 0, ok = x->nchw ? nchw_axes(c, e->name, axes, n, mapped, &na) : 0;
  if (ok < 0) return -1;
  if (x->nchw && keep && na == 2 && mapped[0] == 2 && mapped[1] == 3 && e->op != IR_OP_REDUCE_SUM) {
    emit(c, e, e->op == IR_OP_REDUCE_MEAN ? IR_OP_GLOBAL_AVERAGE_POOL : IR_OP_GLOBAL_MAX_POOL,
         &x->t, 1, true);
    return 0;
  }
  bool on_nchw = x->nchw && (keep || ok);
  int t = on_nchw ? x->t : as_plain(c, x);
  int nn = emit(c, e, e->op, &t, 1, on_nchw && keep);
  irb_ints(c->g, nn, "axes", on_nchw ? mapped : axes, on_nchw ? na : n);
  irb_int(c->g, nn, "keepdims", keep);
  return 0;
}

static int e_concat(Ctx *c, Em *e) {
  bool v1 = strcmp(S(e->d->op), "Concat") == 0;
  Val **vals = v1 ? e->in + 1 : e->in;
  int nv = e->n_in - 1;
  int64_t axis;
  if (const_ints(c, v1 ? e->in[0] : e->in[e->n_in - 1], &axis, 1) != 1) return UNMAPPED;
  bool any = false, all4 = true;
  for (int k = 0; k < nv; k++) {
    any |= vals[k]->nchw;
    all4 &= rank_of(c, vals[k]) == 4;
  }
  bool nchw = any && all4;
  if (nchw) {
    if (axis < -4 || axis > 3)
      return fail(c, ERR_PARSE, e->name, "axis %lld is out of range for 4-D inputs",
                  (long long)axis);
    axis = NHWC_TO_NCHW_AXIS[axis < 0 ? axis + 4 : axis];
  }
  int ins[IR_MAX_INPUTS];
  for (int k = 0; k < nv; k++) ins[k] = nchw ? as_nchw(c, vals[k]) : as_plain(c, vals[k]);
  int n = emit(c, e, IR_OP_CONCAT, ins, nv, nchw);
  irb_int(c->g, n, "axis", axis);
  return 0;
}

/* Reshape in TensorFlow's element order: an nchw input goes back to NHWC first. */
static int e_reshape(Ctx *c, Em *e) {
  int64_t s[IR_MAX_DIMS];
  int n = const_ints(c, e->in[1], s, IR_MAX_DIMS);
  int shape = e->in[1]->t;
  if (n >= 0) {
    for (int i = 0; i < n; i++)
      if (s[i] == 0 || s[i] < -1) return UNMAPPED; /* ONNX reads 0 as "copy" */
    shape = cst_i64(c, arena_printf(c->a, "%s/shape", e->name), s, n);
  }
  int ins[2] = {as_plain(c, e->in[0]), shape};
  emit(c, e, IR_OP_RESHAPE, ins, 2, false);
  return 0;
}

/* Pad / PadV2 (constant_values) / MirrorPad (REFLECT) with constant [rank, 2] paddings. */
static int e_pad(Ctx *c, Em *e) {
  Val *x = e->in[0];
  int64_t p[2 * IR_MAX_DIMS], pads[2 * IR_MAX_DIMS];
  int n = const_ints(c, e->in[1], p, 2 * IR_MAX_DIMS);
  bool mirror = strcmp(S(e->d->op), "MirrorPad") == 0;
  if (n < 0 || n % 2 || (mirror && !attr_is(e->d, "mode", "REFLECT", NULL))) return UNMAPPED;
  int r = n / 2;
  bool nchw = x->nchw && r == 4;
  for (int j = 0; j < r; j++) {
    int a = nchw ? NCHW_TO_NHWC_AXIS[j] : j;
    pads[j] = p[2 * a];
    pads[r + j] = p[2 * a + 1];
  }
  int ins[3] = {nchw ? x->t : as_plain(c, x),
                cst_i64(c, arena_printf(c->a, "%s/pads", e->name), pads, n), -1};
  bool v2 = e->n_in > 2 && !mirror;
  if (v2) ins[2] = as_plain(c, e->in[2]);
  int nn = emit(c, e, IR_OP_PAD, ins, v2 ? 3 : 2, nchw);
  if (mirror) irb_str(c->g, nn, "mode", "reflect");
  return 0;
}

/* The [N, C, h, w] sizes of a Resize of x: a constant when N and C are known, else
 * Concat(Slice(Shape(x), 0, 2), [h, w]). */
static int resize_sizes(Ctx *c, const char *name, int x, const int64_t hw[2]) {
  const IrTensor *t = shaped(c, x);
  if (t->rank == 4 && t->dims[0] >= 0 && t->dims[1] >= 0)
    return cst_i64(c, arena_printf(c->a, "%s/sizes", name),
                   (const int64_t[]){t->dims[0], t->dims[1], hw[0], hw[1]}, 4);
  int sh = unary(c, IR_OP_SHAPE, arena_printf(c->a, "%s/shape", name), x);
  int n = node(c, IR_OP_SLICE, arena_printf(c->a, "%s/nc", name));
  in(c, n, sh);
  in(c, n, cst_i64(c, arena_printf(c->a, "%s/nc_start", name), (const int64_t[]){0}, 1));
  in(c, n, cst_i64(c, arena_printf(c->a, "%s/nc_end", name), (const int64_t[]){2}, 1));
  int nc = irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/nc", name));
  irb_output(c->g, n, nc);
  n = node(c, IR_OP_CONCAT, arena_printf(c->a, "%s/sizes", name));
  in(c, n, nc);
  in(c, n, cst_i64(c, arena_printf(c->a, "%s/hw", name), hw, 2));
  irb_int(c->g, n, "axis", 0);
  int s = irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/sizes", name));
  irb_output(c->g, n, s);
  return s;
}

/* ResizeBilinear / ResizeNearestNeighbor: align_corners and half_pixel_centers pick the
 * coordinate transformation (and rounding) TensorFlow uses. */
static int e_resize(Ctx *c, Em *e) {
  int64_t hw[2];
  bool ac = attr_b(e->d, "align_corners", false), hp = attr_b(e->d, "half_pixel_centers", false);
  bool linear = e->op == IR_OP_RESIZE && strcmp(S(e->d->op), "ResizeBilinear") == 0;
  if (const_ints(c, e->in[1], hw, 2) != 2 || hw[0] < 1 || hw[1] < 1 || (ac && hp)) return UNMAPPED;
  int x = as_nchw(c, e->in[0]);
  int ins[4] = {x, -1, -1, resize_sizes(c, e->name, x, hw)};
  int n = emit(c, e, IR_OP_RESIZE, ins, 4, true);
  irb_str(c->g, n, "mode", linear ? "linear" : "nearest");
  irb_str(c->g, n, "coordinate_transformation_mode",
          ac   ? "align_corners"
          : hp ? (linear ? "half_pixel" : "tf_half_pixel_for_nn")
               : "asymmetric");
  if (!linear) irb_str(c->g, n, "nearest_mode", ac ? "round_prefer_ceil" : "floor");
  return 0;
}

/* Emitters by TensorFlow op; min_in data inputs are required (fewer is a parse error). */
static const struct {
  const char *op;
  EmitFn fn;
  IrOp ir;
  int min_in;
} EMIT[] = {
    {"Placeholder", e_placeholder, IR_OP_IDENTITY, 0},
    {"Const", e_const, IR_OP_CONSTANT, 0},
    {"NoOp", e_noop, IR_OP_IDENTITY, 0},
    {"Identity", e_identity, IR_OP_IDENTITY, 1},
    {"StopGradient", e_identity, IR_OP_IDENTITY, 1},
    {"Snapshot", e_identity, IR_OP_IDENTITY, 1},
    {"Conv2D", e_conv, IR_OP_CONV, 2},
    {"DepthwiseConv2dNative", e_conv, IR_OP_CONV, 2},
    {"BiasAdd", e_bias_add, IR_OP_ADD, 2},
    {"Add", e_binary, IR_OP_ADD, 2},
    {"AddV2", e_binary, IR_OP_ADD, 2},
    {"Sub", e_binary, IR_OP_SUB, 2},
    {"Mul", e_binary, IR_OP_MUL, 2},
    {"RealDiv", e_binary, IR_OP_DIV, 2},
    {"Maximum", e_binary, IR_OP_MAX, 2},
    {"Minimum", e_binary, IR_OP_MIN, 2},
    {"FusedBatchNorm", e_batch_norm, IR_OP_BATCH_NORM, 5},
    {"FusedBatchNormV2", e_batch_norm, IR_OP_BATCH_NORM, 5},
    {"FusedBatchNormV3", e_batch_norm, IR_OP_BATCH_NORM, 5},
    {"Relu", e_unary, IR_OP_RELU, 1},
    {"Relu6", e_relu6, IR_OP_CLIP, 1},
    {"LeakyRelu", e_unary, IR_OP_LEAKY_RELU, 1},
    {"Elu", e_unary, IR_OP_ELU, 1},
    {"Sigmoid", e_unary, IR_OP_SIGMOID, 1},
    {"Tanh", e_unary, IR_OP_TANH, 1},
    {"Exp", e_unary, IR_OP_EXP, 1},
    {"Log", e_unary, IR_OP_LOG, 1},
    {"Sqrt", e_unary, IR_OP_SQRT, 1},
    {"Neg", e_unary, IR_OP_NEG, 1},
    {"Abs", e_unary, IR_OP_ABS, 1},
    {"Floor", e_unary, IR_OP_FLOOR, 1},
    {"Ceil", e_unary, IR_OP_CEIL, 1},
    {"MaxPool", e_pool, IR_OP_MAX_POOL, 1},
    {"AvgPool", e_pool, IR_OP_AVERAGE_POOL, 1},
    {"ConcatV2", e_concat, IR_OP_CONCAT, 2},
    {"Concat", e_concat, IR_OP_CONCAT, 2},
    {"Reshape", e_reshape, IR_OP_RESHAPE, 2},
    {"Squeeze", e_squeeze, IR_OP_SQUEEZE, 1},
    {"MatMul", e_matmul, IR_OP_GEMM, 2},
    {"Softmax", e_softmax, IR_OP_SOFTMAX, 1},
    {"Mean", e_reduce, IR_OP_REDUCE_MEAN, 2},
    {"Max", e_reduce, IR_OP_REDUCE_MAX, 2},
    {"Sum", e_reduce, IR_OP_REDUCE_SUM, 2},
    {"Pad", e_pad, IR_OP_PAD, 2},
    {"PadV2", e_pad, IR_OP_PAD, 3},
    {"MirrorPad", e_pad, IR_OP_PAD, 2},
    {"ResizeBilinear", e_resize, IR_OP_RESIZE, 2},
    {"ResizeNearestNeighbor", e_resize, IR_OP_RESIZE, 2},
};

/* ---- the walk -------------------------------------------------------------------------------- */

/* Splits input string s into producer node index *p and output *k. Returns 1 for a control
 * input (ignored), 0 on success, -1 with err filled (naming node nd) when it names no node. */
static int resolve(Ctx *c, const char *nd, const char *s, int *p, int *k) {
  if (s[0] == '^') return 1;
  size_t len = strlen(s), cut = len;
  const char *colon = strrchr(s, ':');
  *k = 0;
  if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1) &&
      strlen(colon + 1) <= 4) {
    cut = (size_t)(colon - s);
    *k = atoi(colon + 1);
  }
  char *name = arena_strndup(c->a, s, cut);
  *p = namemap_get(&c->byname, name);
  if (*p < 0) return fail(c, ERR_PARSE, nd, "input '%s' is not a node of the graph", s);
  if (*k >= IR_MAX_OUTPUTS)
    return fail(c, ERR_PARSE, nd, "input '%s' names output %d; at most %d are supported", s, *k,
                IR_MAX_OUTPUTS);
  return 0;
}

/* Output k of node p as read by input string s of node nd; NULL with err filled when p has no
 * such output. Unknown ops make their outputs on demand. */
static Val *output_of(Ctx *c, int p, int k, const char *nd, const char *s) {
  TfNode *x = &c->nodes[p];
  while (k >= x->n_out && x->lazy >= 0) {
    const char *nm = arena_printf(c->a, "%s:%d", x->def->name, x->n_out);
    int t = irb_tensor(c->g, &c->names, nm);
    irb_output(c->g, x->lazy, t);
    x->out[x->n_out++] = (Val){t, -1, false};
  }
  if (k < x->n_out) return &x->out[k];
  fail(c, ERR_PARSE, nd, "input '%s': node '%s' (%s) has no output %d", s, x->def->name,
       S(x->def->op), k);
  return NULL;
}

/* The node as an IR_OP_UNKNOWN node keeping its op name, fed NHWC values; output 0 is made now,
 * the others when read. */
static void emit_unknown(Ctx *c, Em *e) {
  const char *op = S(e->d->op)[0] ? e->d->op : "Unknown";
  int n = ir_add_node(c->g, IR_OP_UNKNOWN, op, e->name);
  c->inferred = false;
  for (int k = 0; k < e->n_in; k++) in(c, n, as_plain(c, e->in[k]));
  int t = irb_tensor(c->g, &c->names, e->name);
  irb_output(c->g, n, t);
  TfNode *x = &c->nodes[e->v];
  x->out[0] = (Val){t, -1, false};
  x->n_out = 1;
  x->lazy = n;
}

static int convert_node(Ctx *c, int v) {
  const Tensorflow__NodeDef *d = c->nodes[v].def;
  Em e = {.v = v, .d = d, .name = d->name};
  for (size_t i = 0; i < d->n_input; i++) {
    int p, k;
    int rc = resolve(c, d->name, S(d->input[i]), &p, &k);
    if (rc < 0) return -1;
    if (rc == 1) continue;
    if (e.n_in == IR_MAX_INPUTS)
      return fail(c, ERR_PARSE, d->name, "node has more than %d inputs", IR_MAX_INPUTS);
    Val *x = output_of(c, p, k, d->name, d->input[i]);
    if (!x) return -1;
    c->nodes[p].users++;
    e.in[e.n_in++] = x;
  }
  const char *op = S(d->op);
  int rc = UNMAPPED;
  for (size_t i = 0; i < sizeof EMIT / sizeof EMIT[0]; i++) {
    if (strcmp(EMIT[i].op, op)) continue;
    if (e.n_in < EMIT[i].min_in)
      return fail(c, ERR_PARSE, d->name, "%s needs %d inputs, has %d", op, EMIT[i].min_in, e.n_in);
    e.op = EMIT[i].ir;
    rc = EMIT[i].fn(c, &e);
    break;
  }
  if (rc < 0) return -1;
  if (rc == UNMAPPED) emit_unknown(c, &e);
  return 0;
}

/* Converts every node after the nodes it reads (iterative depth-first walk; a cycle is an
 * error naming a node on it). */
static int walk(Ctx *c) {
  int *stack = arena_array(c->a, (size_t)c->n + 1, sizeof(int));
  size_t *pos = arena_array(c->a, (size_t)c->n + 1, sizeof(size_t));
  for (int root = 0; root < c->n; root++) {
    if (c->nodes[root].state) continue;
    int sp = 0;
    stack[sp++] = root;
    c->nodes[root].state = 1;
    while (sp) {
      int v = stack[sp - 1];
      const Tensorflow__NodeDef *d = c->nodes[v].def;
      if (pos[v] < d->n_input) {
        int p, k;
        int rc = resolve(c, d->name, S(d->input[pos[v]++]), &p, &k);
        if (rc < 0) return -1;
        if (rc == 1 || c->nodes[p].state == 2) continue;
        if (c->nodes[p].state == 1)
          return fail(c, ERR_PARSE, d->name,
                      "the graph has a cycle through '%s' (control flow loops are not supported)",
                      c->nodes[p].def->name);
        c->nodes[p].state = 1;
        stack[sp++] = p;
        continue;
      }
      sp--;
      if (convert_node(c, v) < 0) return -1;
      c->nodes[v].state = 2;
    }
  }
  return 0;
}

/* Graph outputs: output 0 of every node nobody reads (not a Const, NoOp, Placeholder or
 * Assert); an nchw value goes back to NHWC under the node's own name. */
static void graph_outputs(Ctx *c) {
  static const char *const skip[] = {"Const", "NoOp", "Placeholder", "Assert"};
  for (int v = 0; v < c->n; v++) {
    TfNode *x = &c->nodes[v];
    bool skipped = x->users || x->n_out == 0 || ir_is_const(c->g, x->out[0].t);
    for (size_t i = 0; i < sizeof skip / sizeof skip[0] && !skipped; i++)
      skipped = strcmp(S(x->def->op), skip[i]) == 0;
    if (skipped) continue;
    Val *o = &x->out[0];
    if (!o->nchw) {
      ir_add_output(c->g, o->t);
      continue;
    }
    IrTensor *t = &c->g->tensors[o->t];
    const char *name = t->name;
    const char *nn = arena_printf(c->a, "%s/nchw", name);
    for (int k = 1; namemap_get(&c->names, nn) >= 0; k++)
      nn = arena_printf(c->a, "%s/nchw_%d", name, k);
    t->name = nn;
    namemap_put(&c->names, nn, 1);
    int n = node(c, IR_OP_TRANSPOSE, arena_printf(c->a, "%s/to_nhwc", name));
    in(c, n, o->t);
    irb_ints(c->g, n, "perm", PERM_TO_NHWC, 4);
    int y = ir_add_tensor(c->g, name);
    irb_output(c->g, n, y);
    ir_add_output(c->g, y);
  }
}

static int convert(Ctx *c) {
  const Tensorflow__GraphDef *gd = c->gd;
  if (gd->n_node == 0) return fail(c, ERR_PARSE, NULL, "the graph has no nodes");
  if (gd->n_node > (size_t)1 << 24)
    return fail(c, ERR_PARSE, NULL, "the graph has %zu nodes", gd->n_node);
  c->n = (int)gd->n_node;
  c->nodes = arena_array(c->a, (size_t)c->n, sizeof(TfNode));
  namemap_init(&c->byname, (size_t)c->n);
  namemap_init(&c->names, (size_t)c->n * 2);
  c->g->producer_name = "tensorflow";
  c->g->opset = 13;
  for (int v = 0; v < c->n; v++) {
    const Tensorflow__NodeDef *d = gd->node[v];
    c->nodes[v].def = d;
    c->nodes[v].lazy = -1;
    if (!S(d->name)[0]) return fail(c, ERR_PARSE, NULL, "node %d (%s) has no name", v, S(d->op));
    if (namemap_get(&c->byname, d->name) >= 0)
      return fail(c, ERR_PARSE, d->name, "node name is used twice");
    namemap_put(&c->byname, d->name, v);
  }
  if (walk(c) < 0) return -1;
  graph_outputs(c);
  return ir_toposort(c->g, c->err);
}

int fe_tf_load_mem(IrGraph **out_g, Arena *a, const uint8_t *data, size_t len, const char *path,
                   Err *err) {
  Ctx c = {0};
  c.a = a;
  c.err = err;
  c.path = path ? path : "<memory>";
  if (len > FE_TF_MAX_FILE)
    return fail(&c, ERR_PARSE, NULL, "GraphDef is over %zu bytes", FE_TF_MAX_FILE);
  c.gd = tensorflow__graph_def__unpack(NULL, len, data);
  if (!c.gd)
    return fail(&c, ERR_PARSE, NULL, "not a TensorFlow GraphDef (protobuf decoding failed)");
  c.g = ir_new(a, c.path);
  int rc = convert(&c);
  namemap_free(&c.byname);
  namemap_free(&c.names);
  tensorflow__graph_def__free_unpacked(c.gd, NULL);
  if (rc == 0) *out_g = c.g;
  return rc;
}

int fe_tf_load(IrGraph **out_g, Arena *a, const char *path, Err *err) {
  uint8_t *data = NULL;
  size_t len = 0;
  int rc = io_read_file(&data, &len, path, FE_TF_MAX_FILE, err);
  if (rc == 0) rc = fe_tf_load_mem(out_g, a, data, len, path, err);
  free(data);
  return rc;
}

#else /* !FE_TF_HAVE_PB */

int fe_tf_load_mem(IrGraph **out_g, Arena *a, const uint8_t *data, size_t len, const char *path,
                   Err *err) {
  (void)out_g, (void)a, (void)data, (void)len;
  err_where(err, path ? path : "<memory>", 0, NULL, "");
  return err_set(err, ERR_INTERNAL,
                 "this blobc was built without the TensorFlow bindings (tf.pb-c.h)");
}

int fe_tf_load(IrGraph **out_g, Arena *a, const char *path, Err *err) {
  return fe_tf_load_mem(out_g, a, NULL, 0, path, err);
}

#endif
