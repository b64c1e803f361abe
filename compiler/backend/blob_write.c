/*
 * compiler/backend/blob_write.c — MyriadX blob writer (see blob_write.h).
 *
 * Three steps: (1) lower live nodes to a stage list whose buffers reference graph tensors or
 * const-section objects, recording each tensor's first and last stage; (2) place
 * intermediates in BSS by liveness; (3) serialize header, IO sections, stages and the const
 * section (weights at 64-aligned offsets, then dims/strides arrays), blob-format.md §1-§4.
 */
#include "blob_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob_format.h"

#define MAX_STAGE_BUFS 8

/* A buffer as one stage sees it: a view (dims/strides, minor -> major) of a tensor's storage. */
typedef struct {
  int tensor;            /* graph tensor (its storage root is resolved at serialization); -1 = const or fake */
  bool fake;             /* Location None placeholder (§3.6) */
  uint32_t const_off;    /* for const objects: offset in the const section */
  uint32_t dt, order, ndims;
  uint32_t dims[BLOB_MAX_DIMS], strides[BLOB_MAX_DIMS];
  uint32_t roi_offset;   /* bytes from the start of the tensor's storage */
} BRef;

typedef struct {
  uint32_t type, shaves;
  Buf params;
  BRef bufs[MAX_STAGE_BUFS];
  int nbufs;
  int node;              /* graph node, for messages */
} Stage;

typedef struct {
  uint32_t loc;          /* BLOB_LOC_* of the root */
  uint32_t io_idx;
  int base;              /* alias root (storage shared), -1 = own storage */
  uint32_t base_offset;  /* byte offset inside the base's storage */
  int first, last;       /* stage range using it */
  uint32_t bytes;
  uint32_t offset;       /* BSS offset, or IO buffer offset */
} Store;

typedef struct {
  const IrGraph *g;
  const CompileOptions *opt;
  Err *err;
  Stage *stages;
  int n_stages, cap_stages;
  Store *st;
  Buf cst;               /* const section */
  int cur_node;
  uint8_t *done;         /* per node: already lowered together with an earlier one */
  int *reader;           /* per tensor: its one live reading node, -1 none, -2 several or a graph output */
} W;

/* ---- small helpers ---- */

static int fail(W *w, const char *fmt, const char *a1) {
  err_where(w->err, w->g->source, 0, NULL, w->cur_node >= 0 ? w->g->nodes[w->cur_node].name : NULL);
  return err_set(w->err, ERR_BACKEND, fmt, a1);
}

static uint32_t blob_dt(DType t) {
  switch (t) {
  case DT_F16: return BLOB_DT_FP16;
  case DT_U8: return BLOB_DT_U8;
  case DT_I32: case DT_I64: case DT_BOOL: return BLOB_DT_S32; /* the plugin turns boolean into i32 */
  case DT_F32: return BLOB_DT_FP32;
  case DT_I8: return BLOB_DT_I8;
  default: return BLOB_DT_FP16;
  }
}

static const IrTensor *T(W *w, int t) { return &w->g->tensors[t]; }


static int rank_of(const IrTensor *x) { return x->rank <= 0 ? 1 : x->rank; }
static int64_t dim_of(const IrTensor *x, int i) { return x->rank <= 0 ? 1 : x->dims[i]; }

/* Default-order compact view of a tensor's whole storage. */
static BRef view(W *w, int t) {
  const IrTensor *x = T(w, t);
  BRef r;
  memset(&r, 0, sizeof r);
  r.tensor = t;
  r.dt = blob_dt(x->dtype);
  int rank = rank_of(x);
  r.ndims = (uint32_t)rank;
  r.order = blob_order_default((uint32_t)rank);
  uint32_t s = blob_dtype_size(r.dt);
  for (int i = 0; i < rank; i++) {
    r.dims[i] = (uint32_t)dim_of(x, rank - 1 - i);
    r.strides[i] = s;
    s *= r.dims[i];
  }
  return r;
}

/* Restricts a view to [start, start+count) along IE axis `axis`. */
static void roi(BRef *r, int axis, uint32_t start, uint32_t count) {
  int m = (int)r->ndims - 1 - axis;
  r->roi_offset += start * r->strides[m];
  r->dims[m] = count;
}

static uint32_t add_const(W *w, const void *data, size_t bytes) {
  buf_align(&w->cst, BLOB_DATA_ALIGN);
  uint32_t off = (uint32_t)w->cst.len;
  buf_put(&w->cst, data, bytes);
  return off;
}

/* A const-section object of n FP16 values filled in place: returns where to write them (valid
 * until the next const is added) and sets *r to its view with the given minor->major dims. The
 * weights are re-laid straight into the section, with no staging copy. */
static uint16_t *const_f16_slot(W *w, size_t n, int ndims, const uint32_t *dims_mm, BRef *r) {
  buf_align(&w->cst, BLOB_DATA_ALIGN);
  uint32_t off = (uint32_t)w->cst.len;
  buf_reserve(&w->cst, n * 2);
  w->cst.len += n * 2;
  memset(r, 0, sizeof *r);
  r->tensor = -1;
  r->const_off = off;
  r->dt = BLOB_DT_FP16;
  r->ndims = (uint32_t)ndims;
  r->order = blob_order_default((uint32_t)ndims);
  uint32_t s = 2;
  for (int i = 0; i < ndims; i++) {
    r->dims[i] = dims_mm[i];
    r->strides[i] = s;
    s *= dims_mm[i];
  }
  return (uint16_t *)(void *)(w->cst.data + off);
}

/* A const-section object holding n FP16 values; view with the given rank and minor->major dims. */
static BRef const_f16(W *w, const uint16_t *v, size_t n, int ndims, const uint32_t *dims_mm) {
  BRef r;
  memset(&r, 0, sizeof r);
  r.tensor = -1;
  r.const_off = add_const(w, v, n * 2);
  r.dt = BLOB_DT_FP16;
  r.ndims = (uint32_t)ndims;
  r.order = blob_order_default((uint32_t)ndims);
  uint32_t s = 2;
  for (int i = 0; i < ndims; i++) {
    r.dims[i] = dims_mm[i];
    r.strides[i] = s;
    s *= dims_mm[i];
  }
  return r;
}

/* A 1-D FP16 vector const of n values from doubles. */
static BRef const_vec(W *w, const double *v, size_t n) {
  uint16_t *h = arena_array(w->g->arena, n ? n : 1, 2);
  for (size_t i = 0; i < n; i++) h[i] = fp16_from_f32((float)v[i]);
  uint32_t d = (uint32_t)n;
  return const_f16(w, h, n, 1, &d);
}

/* Element i of a float constant as FP16 bits: a copy when it already is FP16 (after the fp16
 * pass it always is), a rounding otherwise. */
static inline uint16_t half_at(const IrTensor *x, int64_t i) {
  if (x->dtype == DT_F16) {
    uint16_t h;
    memcpy(&h, (const uint8_t *)x->data + 2 * i, 2);
    return h;
  }
  if (x->dtype == DT_F32) {
    float f;
    memcpy(&f, (const uint8_t *)x->data + 4 * i, 4);
    return fp16_from_f32(f);
  }
  return fp16_from_f32((float)ir_const_f64(x, i));
}

/* The FP16 bits of a float constant: its own data after the fp16 pass, else a rounded copy in
 * the arena (FP32 graphs, F64 constants). */
static const uint16_t *halves_of(W *w, const IrTensor *x) {
  if (x->dtype == DT_F16) return x->data;
  int64_t n = ir_numel(x);
  uint16_t *h = arena_array(w->g->arena, (size_t)(n > 0 ? n : 1), 2);
  if (x->dtype == DT_F32) fp16_convert(h, x->data, (size_t)n, NULL, NULL);
  else
    for (int64_t i = 0; i < n; i++) h[i] = half_at(x, i);
  return h;
}

/* A constant graph tensor as a blob const (float data as FP16, ints as S32). */
static BRef const_tensor(W *w, int t) {
  const IrTensor *x = T(w, t);
  int64_t n = ir_numel(x);
  BRef r = view(w, t);
  r.tensor = -1;
  if (dtype_is_float(x->dtype)) {
    uint16_t *h = arena_array(w->g->arena, (size_t)(n > 0 ? n : 1), 2);
    if (x->dtype == DT_F16) {
      r.const_off = add_const(w, x->data, (size_t)n * 2); /* already the bytes we want */
    } else {
      for (int64_t i = 0; i < n; i++) h[i] = half_at(x, i);
      r.const_off = add_const(w, h, (size_t)n * 2);
    }
    r.dt = BLOB_DT_FP16;
  } else {
    int32_t *v = arena_array(w->g->arena, (size_t)(n > 0 ? n : 1), 4);
    for (int64_t i = 0; i < n; i++) v[i] = (int32_t)ir_const_i64(x, i);
    r.const_off = add_const(w, v, (size_t)n * 4);
    r.dt = BLOB_DT_S32;
  }
  uint32_t s = blob_dtype_size(r.dt);
  for (uint32_t i = 0; i < r.ndims; i++) { r.strides[i] = s; s *= r.dims[i]; }
  return r;
}

static BRef fake_ref(void) {
  BRef r;
  memset(&r, 0, sizeof r);
  r.tensor = -1;
  r.fake = true;
  r.dt = BLOB_DT_FP16;
  r.order = BLOB_ORDER_C;
  r.ndims = 1;
  r.dims[0] = 1;
  r.strides[0] = 2;
  return r;
}

/* Input operand: a view of an activation, or the constant itself. */
static BRef in_ref(W *w, int t) { return ir_is_const(w->g, t) ? const_tensor(w, t) : view(w, t); }

static Stage *new_stage(W *w, uint32_t type, bool post_op) {
  if (w->n_stages == w->cap_stages) {
    w->cap_stages = w->cap_stages ? w->cap_stages * 2 : 64;
    Stage *ns = realloc(w->stages, (size_t)w->cap_stages * sizeof(Stage));
    if (!ns) base__assert_fail(__FILE__, __LINE__, "out of memory");
    w->stages = ns;
  }
  Stage *s = &w->stages[w->n_stages++];
  memset(s, 0, sizeof *s);
  s->type = type;
  s->node = w->cur_node;
  uint32_t sh = (uint32_t)(w->opt->shaves > 0 ? w->opt->shaves : 1);
  /* PostOp stages run on "TwoOrOne" SHAVEs, DMA on none, others on all reserved (§3.8) */
  if (blob_stage_category(type) != BLOB_CAT_SHAVE) s->shaves = 0;
  else s->shaves = post_op ? (sh < 2 ? sh : 2) : sh;
  return s;
}

static void add_buf(Stage *s, BRef r) {
  ASSERT(s->nbufs < MAX_STAGE_BUFS);
  s->bufs[s->nbufs++] = r;
}

static uint32_t tensor_bytes(const IrTensor *x);

/* Intermediate tensor made by the writer with its own shape, named after `like` + suffix, of
 * like's dtype. Adding a tensor may move g->tensors: callers re-fetch IrTensor pointers. */
static int temp_dims(W *w, int like, const char *suffix, int rank, const int64_t *dims) {
  IrGraph *g = (IrGraph *)w->g; /* adds a tensor only; nodes untouched */
  int t = ir_add_tensor(g, arena_printf(g->arena, "%s%s", g->tensors[like].name, suffix));
  ir_set_shape(g, t, rank, dims);
  g->tensors[t].dtype = g->tensors[like].dtype;
  /* keep the Store array in step */
  Store *ns = realloc(w->st, (size_t)g->n_tensors * sizeof(Store));
  if (!ns) base__assert_fail(__FILE__, __LINE__, "out of memory");
  w->st = ns;
  memset(&w->st[t], 0, sizeof(Store));
  w->st[t].base = -1;
  w->st[t].first = w->st[t].last = -1;
  w->st[t].loc = BLOB_LOC_BSS;
  w->st[t].bytes = tensor_bytes(&g->tensors[t]);
  return t;
}

/* Intermediate tensor made by the writer (e.g. conv result before its Bias stage). */
static int temp_like(W *w, int like) {
  int64_t dims[IR_MAX_DIMS];
  int rank = w->g->tensors[like].rank;
  if (rank > 0) memcpy(dims, w->g->tensors[like].dims, (size_t)rank * sizeof dims[0]);
  return temp_dims(w, like, "@pre", rank, dims);
}

/* ---- lowering, one function per family ---- */

static void params_u32(Stage *s, const uint32_t *v, int n) {
  for (int i = 0; i < n; i++) buf_put_u32(&s->params, v[i]);
}

static int lower_convert(W *w, const IrNode *n) {
  Stage *s = new_stage(w, BLOB_STAGE_CONVERT, false);
  buf_put_f32(&s->params, 1.0f); /* scale */
  buf_put_f32(&s->params, 0.0f); /* bias */
  buf_put_i32(&s->params, 0);    /* convertFromDetOutput */
  buf_put_i32(&s->params, 1);    /* haveBatch */
  add_buf(s, in_ref(w, n->inputs[0]));
  add_buf(s, view(w, n->outputs[0]));
  return 0;
}

static int lower_post(W *w, const IrNode *n, uint32_t type) {
  Stage *s = new_stage(w, type, true);
  switch (type) {
  case BLOB_STAGE_RELU:
    buf_put_u32(&s->params, 0);
    buf_put_f32(&s->params, 0.0f);
    break;
  case BLOB_STAGE_LEAKY_RELU:
    buf_put_u32(&s->params, 0);
    buf_put_f32(&s->params, ir_attr_float(n, "alpha", 0.01f));
    break;
  case BLOB_STAGE_ELU: buf_put_f32(&s->params, ir_attr_float(n, "alpha", 1.0f)); break;
  case BLOB_STAGE_CLAMP: {
    for (int k = 1; k < n->n_inputs && k < 3; k++)
      if (n->inputs[k] >= 0 && !ir_is_const(w->g, n->inputs[k])) return fail(w, "%s with run-time bounds is not written", n->op_type);
    float lo = ir_attr_float(n, "min", -65504.0f), hi = ir_attr_float(n, "max", 65504.0f);
    if (n->n_inputs > 1 && ir_is_const(w->g, n->inputs[1])) lo = (float)ir_const_f64(T(w, n->inputs[1]), 0);
    if (n->n_inputs > 2 && ir_is_const(w->g, n->inputs[2])) hi = (float)ir_const_f64(T(w, n->inputs[2]), 0);
    buf_put_f32(&s->params, lo);
    buf_put_f32(&s->params, hi);
    break;
  }
  default: break; /* Sigmoid, Tanh, Exp, Log, Floor, Ceiling, HSwish: no params */
  }
  add_buf(s, in_ref(w, n->inputs[0]));
  add_buf(s, view(w, n->outputs[0]));
  if (type == BLOB_STAGE_PRELU) add_buf(s, in_ref(w, n->inputs[1]));
  return 0;
}

static int lower_power(W *w, int in, int out, float bias, float scale, float power) {
  Stage *s = new_stage(w, BLOB_STAGE_POWER, true);
  buf_put_f32(&s->params, bias);
  buf_put_f32(&s->params, scale);
  buf_put_f32(&s->params, power);
  add_buf(s, in_ref(w, in));
  add_buf(s, view(w, out));
  return 0;
}

/* Per-channel (NCHW axis 1) constant: values or NULL if the tensor is not one. */
/* The constant t as one value per channel of an activation of rank `yrank`, or NULL when it is
 * not that. Channels are axis 1 of NCHW / NC activations (the stages' C); numpy broadcasting
 * aligns t's dims to the right, so t must be [C,1,1] / [1,C,1,1] for 4-D and [C] / [1,C] for
 * 2-D; a scalar works for any rank. */
static double *channel_values_r(W *w, int t, int64_t c, int yrank) {
  if (!ir_is_const(w->g, t)) return NULL;
  const IrTensor *x = T(w, t);
  int64_t n = ir_numel(x);
  if (n != 1 && n != c) return NULL;
  if (n == c && c > 1) {
    if (yrank != 4 && yrank != 2) return NULL;
    if (x->rank > yrank) return NULL;
    for (int i = 0; i < x->rank; i++) {
      int ya = yrank - x->rank + i; /* the activation axis this dim lines up with */
      if ((ya == 1) != (x->dims[i] == c && c > 1)) {
        if (!(ya != 1 && x->dims[i] == 1)) return NULL;
      }
    }
  }
  double *v = arena_array(w->g->arena, (size_t)c, sizeof(double));
  for (int64_t i = 0; i < c; i++) v[i] = ir_const_f64(x, n == 1 ? 0 : i);
  return v;
}

/* The same buffer seen with leading size-1 dims up to `rank` (numpy broadcasting). */
static BRef at_rank(BRef r, int rank) {
  if ((int)r.ndims >= rank) return r;
  uint32_t total = r.ndims ? r.strides[r.ndims - 1] * r.dims[r.ndims - 1] : blob_dtype_size(r.dt);
  for (int i = (int)r.ndims; i < rank; i++) {
    r.dims[i] = 1;
    r.strides[i] = total;
  }
  r.ndims = (uint32_t)rank;
  r.order = blob_order_default((uint32_t)rank);
  return r;
}

/* Eltwise stage (§3.4, eltwise.cpp): f32 coeff1, coeff2, i32 postOperation (Empty), f32
 * negativeSlope, min, max; buffers a, y, b, Fake. Size-1 dims of a and b broadcast. */
static void emit_eltwise(W *w, uint32_t type, float c1, float c2, BRef a, BRef y, BRef b) {
  Stage *s = new_stage(w, type, false);
  buf_put_f32(&s->params, c1);
  buf_put_f32(&s->params, c2);
  buf_put_i32(&s->params, -1); /* postOperation: Empty */
  buf_put_f32(&s->params, 0.0f);
  buf_put_f32(&s->params, 0.0f);
  buf_put_f32(&s->params, 1.0f);
  add_buf(s, a);
  add_buf(s, y);
  add_buf(s, b);
  add_buf(s, fake_ref());
}

static int lower_eltwise(W *w, const IrNode *n) {
  int a = n->inputs[0], b = n->inputs[1];
  bool ca = ir_is_const(w->g, a), cb = ir_is_const(w->g, b);
  const IrTensor *y = T(w, n->outputs[0]);
  int64_t c = y->rank >= 2 ? y->dims[1] : (y->rank == 1 ? y->dims[0] : 1);
  if (ca && !cb && (n->op == IR_OP_ADD || n->op == IR_OP_MUL)) { int t = a; a = b; b = t; ca = false; cb = true; }
  double *v = cb ? channel_values_r(w, b, c, y->rank) : NULL;
  if (cb && v) { /* activation (op) per-channel or scalar constant: Power / Scale / Bias */
    bool scalar = ir_numel(T(w, b)) == 1;
    if (scalar) {
      double k = v[0];
      switch (n->op) {
      case IR_OP_ADD: return lower_power(w, a, n->outputs[0], (float)k, 1, 1);
      case IR_OP_SUB: return lower_power(w, a, n->outputs[0], (float)-k, 1, 1);
      case IR_OP_MUL: return lower_power(w, a, n->outputs[0], 0, (float)k, 1);
      case IR_OP_DIV: return lower_power(w, a, n->outputs[0], 0, (float)(1.0 / k), 1);
      case IR_OP_POW: return lower_power(w, a, n->outputs[0], 0, 1, (float)k);
      default: break;
      }
    }
    /* x * s + b with per-channel constants: one ScaleShift (47), as compile_tool writes it for
     * an IR's input scaling (face-detection-retail-0004, stage 1) */
    if (n->op == IR_OP_MUL && w->done) {
      int mt = n->outputs[0], nxt = w->reader[mt];
      const IrNode *m = nxt >= 0 && w->g->nodes[nxt].op == IR_OP_ADD && w->g->nodes[nxt].n_inputs == 2 ? &w->g->nodes[nxt] : NULL;
      if (!m) nxt = -1;
      int bt = m ? (m->inputs[0] == mt ? m->inputs[1] : m->inputs[0]) : -1;
      const IrTensor *mo = m ? T(w, m->outputs[0]) : NULL;
      double *bv = bt >= 0 && ir_is_const(w->g, bt) && mo->rank == y->rank ? channel_values_r(w, bt, c, y->rank) : NULL;
      if (bv && ir_numel(T(w, b)) != 1 && ir_numel(T(w, bt)) != 1) {
        Stage *s = new_stage(w, BLOB_STAGE_SCALE_SHIFT, true);
        add_buf(s, view(w, a));
        add_buf(s, view(w, m->outputs[0]));
        add_buf(s, const_vec(w, v, (size_t)c));
        add_buf(s, const_vec(w, bv, (size_t)c));
        w->done[nxt] = 1;
        return 0;
      }
    }
    uint32_t type;
    switch (n->op) {
    case IR_OP_ADD: type = BLOB_STAGE_BIAS; break;
    case IR_OP_SUB: type = BLOB_STAGE_BIAS; for (int64_t i = 0; i < c; i++) v[i] = -v[i]; break;
    case IR_OP_MUL: type = BLOB_STAGE_SCALE; break;
    case IR_OP_DIV: type = BLOB_STAGE_SCALE; for (int64_t i = 0; i < c; i++) v[i] = 1.0 / v[i]; break;
    default: return fail(w, "%s with a per-channel constant is not supported by the blob writer yet", n->op_type);
    }
    Stage *s = new_stage(w, type, true);
    add_buf(s, view(w, a));
    add_buf(s, view(w, n->outputs[0]));
    add_buf(s, const_vec(w, v, (size_t)c));
    return 0;
  }
  if (ca && (n->op == IR_OP_SUB || n->op == IR_OP_DIV || n->op == IR_OP_POW) && ir_numel(T(w, a)) != ir_numel(y))
    return fail(w, "%s with a broadcast constant first operand is not supported by the blob writer yet", n->op_type);
  /* numpy broadcasting: both operands seen at the output's rank, each dim equal or 1 (the
   * eltwise stages broadcast size-1 dims; seen in a real blob: Prod of [1,400,640,3] and
   * [1,400,640,1]). The full-size operand goes first. */
  if (ir_numel(T(w, a)) != ir_numel(y) && ir_numel(T(w, b)) == ir_numel(y) && n->op != IR_OP_SUB &&
      n->op != IR_OP_DIV && n->op != IR_OP_POW) {
    int t = a; a = b; b = t;
  }
  const IrTensor *ta = T(w, a), *tb = T(w, b);
  if (ta->rank > y->rank || tb->rank > y->rank) return fail(w, "%s: operand rank above the output's", n->op_type);
  for (int i = 0; i < y->rank; i++) {
    int ia = i - (y->rank - ta->rank), ib = i - (y->rank - tb->rank);
    int64_t da = ia >= 0 ? ta->dims[ia] : 1, db = ib >= 0 ? tb->dims[ib] : 1;
    if ((da != y->dims[i] && da != 1) || (db != y->dims[i] && db != 1))
      return fail(w, "%s: operands do not broadcast to the output", n->op_type);
  }
  uint32_t type = BLOB_STAGE_SUM;
  float c1 = 1, c2 = 1;
  switch (n->op) {
  case IR_OP_ADD: break;
  case IR_OP_SUB: c2 = -1; break;
  case IR_OP_MUL: type = BLOB_STAGE_PROD; break;
  case IR_OP_DIV: type = BLOB_STAGE_DIV; break;
  case IR_OP_MAX: type = BLOB_STAGE_MAX; break;
  case IR_OP_MIN: type = BLOB_STAGE_MIN; break;
  case IR_OP_POW: type = BLOB_STAGE_POW; break;
  default: return fail(w, "%s is not supported by the blob writer yet", n->op_type);
  }
  emit_eltwise(w, type, c1, c2, at_rank(in_ref(w, a), rank_of(y)), view(w, n->outputs[0]),
               at_rank(in_ref(w, b), rank_of(y)));
  return 0;
}

static void copy_stage(W *w, BRef in, BRef out);

/* Operands a and b broadcast (numpy, size-1 dims) to tensor y. */
static bool broadcasts(W *w, int a, int b, int y) {
  const IrTensor *ta = T(w, a), *tb = T(w, b), *ty = T(w, y);
  if (ta->rank > ty->rank || tb->rank > ty->rank) return false;
  for (int i = 0; i < ty->rank; i++) {
    int ia = i - (ty->rank - ta->rank), ib = i - (ty->rank - tb->rank);
    int64_t da = ia >= 0 ? ta->dims[ia] : 1, db = ib >= 0 ? tb->dims[ib] : 1;
    if ((da != ty->dims[i] && da != 1) || (db != ty->dims[i] && db != 1)) return false;
  }
  return true;
}

/* Equal / Less / Greater -> the eltwise stages Equal (78) / Less (82) / Greater (80): FP16
 * operands, S32 output (the only comparisons allowed FP16 -> S32, eltwise.cpp initialCheck; the
 * plugin turns boolean into i32). Params and buffers as Sum's. */
static int lower_compare(W *w, const IrNode *n) {
  int a = n->inputs[0], b = n->inputs[1], y = n->outputs[0];
  if (T(w, a)->dtype != DT_F16 || T(w, b)->dtype != DT_F16)
    return fail(w, "%s of non-float operands is not written (the VPU compares FP16 only here)", n->op_type);
  if (!broadcasts(w, a, b, y)) return fail(w, "%s: operands do not broadcast to the output", n->op_type);
  uint32_t type = n->op == IR_OP_EQUAL ? BLOB_STAGE_EQUAL : n->op == IR_OP_LESS ? BLOB_STAGE_LESS : BLOB_STAGE_GREATER;
  int r = rank_of(T(w, y));
  emit_eltwise(w, type, 1, 1, at_rank(in_ref(w, a), r), view(w, y), at_rank(in_ref(w, b), r));
  return 0;
}

/* Where -> Select (90): buffers condition, output, then, else; the params follow the condition's
 * type, S32 here, so all six are int32 1, 1, -1, 0, 0, 1 (eltwise.cpp serializeParamsImpl). */
static int lower_where(W *w, const IrNode *n) {
  int c = n->inputs[0], a = n->inputs[1], b = n->inputs[2], y = n->outputs[0];
  if (!broadcasts(w, c, a, y) || !broadcasts(w, a, b, y))
    return fail(w, "%s: operands do not broadcast to the output", n->op_type);
  if (blob_dt(T(w, a)->dtype) != blob_dt(T(w, b)->dtype) || blob_dt(T(w, a)->dtype) != blob_dt(T(w, y)->dtype))
    return fail(w, "%s with branches of different types is not written", n->op_type);
  if (blob_dt(T(w, c)->dtype) != BLOB_DT_S32) return fail(w, "%s: the condition must be boolean or integer", n->op_type);
  int r = rank_of(T(w, y));
  Stage *s = new_stage(w, BLOB_STAGE_SELECT, false);
  static const int32_t prm[6] = {1, 1, -1, 0, 0, 1};
  for (int i = 0; i < 6; i++) buf_put_i32(&s->params, prm[i]);
  add_buf(s, at_rank(in_ref(w, c), r));
  add_buf(s, view(w, y));
  add_buf(s, at_rank(in_ref(w, a), r));
  add_buf(s, at_rank(in_ref(w, b), r));
  return 0;
}

/* Max / Min of more than two inputs: a chain of binary stages through temporaries, as the
 * plugin's parseEltwise does ("@temp@i"). */
static int lower_variadic(W *w, const IrNode *n) {
  if (n->n_inputs == 1) {
    copy_stage(w, in_ref(w, n->inputs[0]), view(w, n->outputs[0]));
    return 0;
  }
  int y = n->outputs[0], r = rank_of(T(w, y));
  uint32_t type = n->op == IR_OP_MAX ? BLOB_STAGE_MAX : BLOB_STAGE_MIN;
  for (int k = 0; k < n->n_inputs; k++)
    if (!broadcasts(w, n->inputs[k], y, y)) return fail(w, "%s: an input does not broadcast to the output", n->op_type);
  int acc = n->inputs[0];
  for (int k = 1; k < n->n_inputs; k++) {
    int out = k == n->n_inputs - 1 ? y : temp_like(w, y);
    emit_eltwise(w, type, 1, 1, at_rank(in_ref(w, acc), r), view(w, out), at_rank(in_ref(w, n->inputs[k]), r));
    acc = out;
  }
  return 0;
}

/* Abs as Max(x, -x): Power (scale -1) and the Max eltwise, both established stages. (The Abs
 * stage, 142, exists only in 2022.x firmware: openvino PR #6475 came after 2021.4.) */
static int lower_abs(W *w, const IrNode *n) {
  int x = n->inputs[0], y = n->outputs[0];
  int neg = temp_like(w, y);
  if (lower_power(w, x, neg, 0, -1, 1) < 0) return -1;
  int r = rank_of(T(w, y));
  emit_eltwise(w, BLOB_STAGE_MAX, 1, 1, at_rank(in_ref(w, x), r), view(w, y), at_rank(view(w, neg), r));
  return 0;
}

/* PRelu whose slope does not follow the channels (e.g. [W] against [N,C,W]):
 * y = relu(x) + slope * (x - relu(x)), from Relu, Sum (coeff2 -1), Prod and Sum. */
static int lower_prelu_bcast(W *w, const IrNode *n) {
  int x = n->inputs[0], sl = n->inputs[1], y = n->outputs[0], r = rank_of(T(w, y));
  if (!broadcasts(w, x, sl, y)) return fail(w, "%s: the slope does not broadcast to the input", n->op_type);
  int rl = temp_like(w, y), mn = temp_like(w, y), pr = temp_like(w, y);
  Stage *s = new_stage(w, BLOB_STAGE_RELU, true);
  buf_put_u32(&s->params, 0);
  buf_put_f32(&s->params, 0.0f);
  add_buf(s, view(w, x));
  add_buf(s, view(w, rl));
  emit_eltwise(w, BLOB_STAGE_SUM, 1, -1, view(w, x), view(w, mn), view(w, rl));
  emit_eltwise(w, BLOB_STAGE_PROD, 1, 1, view(w, mn), view(w, pr), at_rank(in_ref(w, sl), r));
  emit_eltwise(w, BLOB_STAGE_SUM, 1, 1, view(w, rl), view(w, y), view(w, pr));
  return 0;
}

/* Gather with run-time or multi-dimensional indices -> Gather (100): i32 axis as a memory index
 * (0 = innermost); buffers data, output, indices (S32 or FP16), default orders, compact
 * (stages/gather.cpp). */
static int lower_gather_stage(W *w, const IrNode *n) {
  int x = n->inputs[0], ix = n->inputs[1], y = n->outputs[0];
  int r = rank_of(T(w, x));
  int64_t axis = ir_attr_int(n, "axis", 0);
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r) return fail(w, "%s: axis out of range", n->op_type);
  uint32_t idt = blob_dt(T(w, ix)->dtype);
  if (idt != BLOB_DT_S32 && idt != BLOB_DT_FP16) return fail(w, "%s: indices must be integers", n->op_type);
  Stage *s = new_stage(w, BLOB_STAGE_GATHER, false);
  s->shaves = 0; /* StageSHAVEsRequirements::NotNeeded */
  buf_put_i32(&s->params, (int32_t)(r - 1 - axis));
  add_buf(s, in_ref(w, x));
  add_buf(s, view(w, y));
  add_buf(s, in_ref(w, ix));
  return 0;
}

/* DetectionOutput -> DetectionOutput (37): one packed struct of 19 words (detection_output.cpp
 * DetectionOutputParams; byte for byte as compile_tool in tests/test_compare.c); buffers loc,
 * conf (NC), priors (constant [1, 2, P*4]), output [1, 1, rows, 7], and a temp buffer in BSS of
 * the size the plugin computes: 8 terms over N, classes, P and SHAVEs, each + 64 bytes, U8
 * (addTempBuffer(size_t) in 2021+). The stage takes every SHAVE. */
static int lower_detection_output(W *w, const IrNode *n) {
  const IrTensor *loc = T(w, n->inputs[0]), *conf = T(w, n->inputs[1]), *pri = T(w, n->inputs[2]), *y = T(w, n->outputs[0]);
  if (loc->rank != 2 || conf->rank != 2 || pri->rank != 3 || !pri->data || y->rank != 4)
    return fail(w, "%s: expects 2-D loc/conf and constant 3-D priors", n->op_type);
  int64_t C = ir_attr_int(n, "num_classes", 0), P = pri->dims[2] / 4, N = conf->dims[0];
  bool share = ir_attr_int(n, "share_location", 1) != 0;
  if (C < 1 || P < 1 || N < 1 || conf->dims[1] != P * C || loc->dims[1] != P * 4 * (share ? 1 : C) || loc->dims[0] != N)
    return fail(w, "%s: loc, conf and priors do not agree on the prior count", n->op_type);
  int64_t keep = ir_attr_int(n, "keep_top_k", -1);
  if (keep < 0) keep = y->dims[2];
  Stage *s = new_stage(w, BLOB_STAGE_DETECTION_OUTPUT, false);
  buf_put_i32(&s->params, (int32_t)C);
  buf_put_i32(&s->params, share);
  buf_put_i32(&s->params, (int32_t)ir_attr_int(n, "background_label_id", 0));
  buf_put_f32(&s->params, ir_attr_float(n, "nms_threshold", 0.0f));
  buf_put_i32(&s->params, (int32_t)ir_attr_int(n, "top_k", -1));
  buf_put_i32(&s->params, (int32_t)ir_attr_int(n, "code_type", 2));
  buf_put_i32(&s->params, (int32_t)keep);
  buf_put_f32(&s->params, ir_attr_float(n, "confidence_threshold", -1.0f));
  buf_put_i32(&s->params, (int32_t)ir_attr_int(n, "variance_encoded_in_target", 0));
  buf_put_i32(&s->params, (int32_t)P);
  buf_put_i32(&s->params, (int32_t)ir_attr_int(n, "clip_before_nms", 0));
  buf_put_i32(&s->params, (int32_t)ir_attr_int(n, "clip_after_nms", 0));
  buf_put_i32(&s->params, (int32_t)ir_attr_int(n, "decrease_label_id", 0));
  buf_put_i32(&s->params, (int32_t)ir_attr_int(n, "input_width", 1));
  buf_put_i32(&s->params, (int32_t)ir_attr_int(n, "input_height", 1));
  buf_put_i32(&s->params, (int32_t)ir_attr_int(n, "normalized", 1));
  buf_put_i32(&s->params, (int32_t)N);
  buf_put_f32(&s->params, ir_attr_float(n, "objectness_score", 0.0f));
  buf_put_i32(&s->params, 0); /* has_arm_inputs: the 3-input form */
  add_buf(s, view(w, n->inputs[0]));
  add_buf(s, view(w, n->inputs[1]));
  add_buf(s, in_ref(w, n->inputs[2]));
  add_buf(s, view(w, n->outputs[0]));
  int64_t S = w->opt->shaves, A = 64;
  int64_t bytes = 2 * N * C * P * 4 + A + 4 * N * C * P + A + 4 * N * C * P + A + 4 * N * C + A + 2 * C * P + A +
                  2 * N * C * P + A + 4 * N + A + 2 * S * (P + 8) * 5 + A;
  if (bytes > ((int64_t)1 << 30)) return fail(w, "%s: its work buffer would exceed 1 GiB", n->op_type);
  int t = temp_dims(w, n->outputs[0], "@det_temp", 1, &bytes);
  IrGraph *g = (IrGraph *)w->g;
  g->tensors[t].dtype = DT_U8;
  w->st[t].bytes = tensor_bytes(&g->tensors[t]);
  add_buf(s, view(w, t));
  return 0;
}

/* Bias after a conv/FC: conv writes a temp, Bias writes the node output. */
static int with_bias(W *w, const IrNode *n, int bias_t, int64_t oc, int *conv_out) {
  if (bias_t < 0) { *conv_out = n->outputs[0]; return 0; }
  *conv_out = temp_like(w, n->outputs[0]);
  (void)oc;
  return 0;
}

static void emit_bias(W *w, const IrNode *n, int conv_out, int bias_t, double scale) {
  if (bias_t < 0) return;
  const IrTensor *b = T(w, bias_t);
  int64_t oc = ir_numel(b);
  double *v = arena_array(w->g->arena, (size_t)oc, sizeof(double));
  for (int64_t i = 0; i < oc; i++) v[i] = ir_const_f64(b, i) * scale;
  Stage *s = new_stage(w, BLOB_STAGE_BIAS, true);
  add_buf(s, view(w, conv_out));
  add_buf(s, view(w, n->outputs[0]));
  add_buf(s, const_vec(w, v, (size_t)oc));
}

/* The stage of group gi of a grouped (de)convolution: its params, then the input and output
 * restricted to the group's channels (views, as split_grouped_conv.cpp splits them); the caller
 * adds the weights. */
static Stage *group_stage(W *w, const IrNode *n, uint32_t type, const uint32_t *params, int np, int conv_out,
                          int64_t group, int64_t gi, int64_t icg, int64_t ocg) {
  Stage *s = new_stage(w, type, false);
  params_u32(s, params, np);
  BRef in = view(w, n->inputs[0]), out = view(w, conv_out);
  if (group > 1) {
    roi(&in, 1, (uint32_t)(gi * icg), (uint32_t)icg);
    roi(&out, 1, (uint32_t)(gi * ocg), (uint32_t)ocg);
  }
  add_buf(s, in);
  add_buf(s, out);
  return s;
}

static int lower_conv(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]), *wt = T(w, n->inputs[1]), *y = T(w, n->outputs[0]);
  if (x->rank != 4 || wt->rank != 4 || !wt->data)
    return fail(w, "%s: only 2-D convolutions with constant weights are written", n->op_type);
  int64_t ic = x->dims[1], oc = wt->dims[0], icg = wt->dims[1], kh = wt->dims[2], kw = wt->dims[3];
  int64_t group = ir_attr_int(n, "group", 1);
  int64_t st[2] = {1, 1}, dil[2] = {1, 1}, pads[4] = {0, 0, 0, 0};
  ir_attr_ints(n, "strides", st, 2);
  ir_attr_ints(n, "dilations", dil, 2);
  int np = ir_attr_ints(n, "pads", pads, 4);
  const char *ap = ir_attr_str(n, "auto_pad", "NOTSET");
  if (np == 0 && (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER"))) {
    for (int d = 0; d < 2; d++) {
      int64_t in = x->dims[2 + d], out = y->dims[2 + d], k = (d ? kw : kh), ek = (k - 1) * dil[d] + 1;
      int64_t total = (out - 1) * st[d] + ek - in;
      if (total < 0) total = 0;
      pads[d] = !strcmp(ap, "SAME_UPPER") ? total / 2 : total - total / 2;
    }
  }
  int bias_t = n->n_inputs > 2 ? n->inputs[2] : -1;
  int conv_out;
  with_bias(w, n, bias_t, oc, &conv_out);
  uint32_t params[8] = {(uint32_t)kw, (uint32_t)kh, (uint32_t)st[1], (uint32_t)st[0],
                        (uint32_t)pads[1], (uint32_t)pads[0], (uint32_t)dil[1], (uint32_t)dil[0]};
  int64_t K = kh * kw;
  bool depthwise = group > 1 && group == ic && icg == 1 && oc == group;
  const uint16_t *src = halves_of(w, wt); /* IR order [oc][ic/group][ky][kx] */
  if (depthwise) {
    /* DepthConv (8): weights [k][c] (C innermost), descriptor dims [K, 1, C] (blob-stages.md §1.2) */
    uint32_t dims[3] = {(uint32_t)K, 1, (uint32_t)oc};
    Stage *s = new_stage(w, BLOB_STAGE_DEPTH_CONV, false);
    params_u32(s, params, 8);
    add_buf(s, view(w, n->inputs[0]));
    add_buf(s, view(w, conv_out));
    BRef wr;
    uint16_t *h = const_f16_slot(w, (size_t)(oc * K), 3, dims, &wr);
    for (int64_t k = 0; k < K; k++)
      for (int64_t c = 0; c < oc; c++) h[c + oc * k] = src[c * K + k];
    add_buf(s, wr);
  } else {
    /* grouped: one Conv per group on channel views (split_grouped_conv.cpp does the same) */
    int64_t ocg = oc / group;
    bool conv1x1 = kh == 1 && kw == 1 && dil[0] == 1 && dil[1] == 1;
    for (int64_t gi = 0; gi < group; gi++) {
      uint32_t dims[3] = {(uint32_t)K, (uint32_t)icg, (uint32_t)ocg};
      Stage *s = group_stage(w, n, BLOB_STAGE_CONV, params, 8, conv_out, group, gi, icg, ocg);
      BRef wr;
      size_t cnt = (size_t)(ocg * icg * K);
      uint16_t *h = const_f16_slot(w, cnt, 3, dims, &wr);
      const uint16_t *g0 = src + gi * (int64_t)cnt;
      /* 1x1: IR order [oc][ic] kept; otherwise the CHW case [k][oc][ic] (ConvCHWWeightsContent),
       * written in destination order so the stores stream */
      if (conv1x1) memcpy(h, g0, cnt * 2);
      else
        for (int64_t k = 0; k < K; k++, h += ocg * icg)
          for (int64_t oi = 0; oi < ocg * icg; oi++) h[oi] = g0[oi * K + k];
      add_buf(s, wr);
    }
  }
  emit_bias(w, n, conv_out, bias_t, 1.0);
  return 0;
}

/* ConvTranspose -> Deconvolution (22) (group 1) or DepthDeconv (63) (group = IC = OC), other
 * groups one Deconvolution per group on channel views; bias as a following Bias stage
 * (sw_deconv_adaptation.cpp). Params: kx, ky, sx, sy, padLeft, padTop (the kernel takes the right
 * and bottom pads, and output_padding, from the output size). Weights (IR [IC][OC/g][KY][KX]) are
 * flipped in space and laid out per tap as an OC x IC matrix, IC innermost
 * (DeconvolutionWeightsContent): blob[((KY-1-ky)*KX + KX-1-kx)*OC*IC + oc*IC + ic], descriptor
 * dims [K, IC, OC]; DepthDeconv: blob[c*K + (KY-1-ky)*KX + KX-1-kx], dims [K, 1, C]. */
static int lower_deconv(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]), *wt = T(w, n->inputs[1]);
  if (x->rank != 4 || wt->rank != 4 || !wt->data)
    return fail(w, "%s: only 2-D transposed convolutions with constant weights are written", n->op_type);
  int64_t ic = x->dims[1], icw = wt->dims[0], ocg = wt->dims[1], kh = wt->dims[2], kw = wt->dims[3];
  int64_t group = ir_attr_int(n, "group", 1);
  int64_t st[2] = {1, 1}, dil[2] = {1, 1}, pads[4] = {0, 0, 0, 0};
  ir_attr_ints(n, "strides", st, 2);
  ir_attr_ints(n, "dilations", dil, 2);
  ir_attr_ints(n, "pads", pads, 4);
  const char *ap = ir_attr_str(n, "auto_pad", "NOTSET");
  if (dil[0] != 1 || dil[1] != 1)
    return fail(w, "%s with dilations: the VPU's Deconvolution stage has no dilation parameter", n->op_type);
  if (strcmp(ap, "NOTSET") && strcmp(ap, "VALID"))
    return fail(w, "%s with auto_pad SAME_*: export with explicit pads", n->op_type);
  if (group < 1 || icw != ic || ic % group) return fail(w, "%s: weights do not match the input channels", n->op_type);
  int64_t icg = ic / group, oc = ocg * group, K = kh * kw;
  int bias_t = n->n_inputs > 2 ? n->inputs[2] : -1;
  int conv_out;
  with_bias(w, n, bias_t, oc, &conv_out);
  uint32_t params[6] = {(uint32_t)kw, (uint32_t)kh, (uint32_t)st[1], (uint32_t)st[0], (uint32_t)pads[1], (uint32_t)pads[0]};
  const uint16_t *src = halves_of(w, wt);
  bool depthwise = group > 1 && group == ic && ocg == 1;
  if (depthwise) {
    uint32_t dims[3] = {(uint32_t)K, 1, (uint32_t)ic};
    Stage *s = new_stage(w, BLOB_STAGE_DEPTH_DECONV, false);
    params_u32(s, params, 6);
    add_buf(s, view(w, n->inputs[0]));
    add_buf(s, view(w, conv_out));
    BRef wr;
    uint16_t *h = const_f16_slot(w, (size_t)(ic * K), 3, dims, &wr);
    for (int64_t c = 0; c < ic; c++)
      for (int64_t ky = 0; ky < kh; ky++)
        for (int64_t kx = 0; kx < kw; kx++) h[c * K + (kh - 1 - ky) * kw + (kw - 1 - kx)] = src[(c * kh + ky) * kw + kx];
    add_buf(s, wr);
  } else {
    for (int64_t gi = 0; gi < group; gi++) {
      uint32_t dims[3] = {(uint32_t)K, (uint32_t)icg, (uint32_t)ocg};
      Stage *s = group_stage(w, n, BLOB_STAGE_DECONVOLUTION, params, 6, conv_out, group, gi, icg, ocg);
      BRef wr;
      uint16_t *h = const_f16_slot(w, (size_t)(icg * ocg * K), 3, dims, &wr);
      for (int64_t i = 0; i < icg; i++)
        for (int64_t o = 0; o < ocg; o++)
          for (int64_t ky = 0; ky < kh; ky++)
            for (int64_t kx = 0; kx < kw; kx++)
              h[((kh - 1 - ky) * kw + (kw - 1 - kx)) * ocg * icg + o * icg + i] =
                  src[(((gi * icg + i) * ocg + o) * kh + ky) * kw + kx];
      add_buf(s, wr);
    }
  }
  emit_bias(w, n, conv_out, bias_t, 1.0);
  return 0;
}

/* Gemm / MatMul with constant 2-D weights -> FC (4); weights [ic][oc] (OC innermost), §2.2. */
static int lower_fc(W *w, const IrNode *n) {
  const IrTensor *a = T(w, n->inputs[0]), *b = T(w, n->inputs[1]);
  bool gemm = n->op == IR_OP_GEMM;
  if (!b->data || b->rank != 2 || (gemm && ir_attr_int(n, "transA", 0)))
    return fail(w, "%s: only activation x constant 2-D weights is written", n->op_type);
  bool transb = gemm && ir_attr_int(n, "transB", 0);
  int64_t ic = transb ? b->dims[1] : b->dims[0], oc = transb ? b->dims[0] : b->dims[1];
  double alpha = gemm ? ir_attr_float(n, "alpha", 1.0f) : 1.0, beta = gemm ? ir_attr_float(n, "beta", 1.0f) : 1.0;
  if (ir_numel(a) % ic) return fail(w, "%s: input does not match the weights", n->op_type);
  int bias_t = gemm && n->n_inputs > 2 ? n->inputs[2] : -1;
  if (bias_t >= 0 && ir_numel(T(w, bias_t)) != oc) {
    if (ir_numel(T(w, bias_t)) != 1) return fail(w, "%s: bias must be per output channel", n->op_type);
  }
  int fc_out;
  with_bias(w, n, bias_t, oc, &fc_out);
  Stage *s = new_stage(w, BLOB_STAGE_FC, false);
  uint32_t dims[3] = {1, (uint32_t)ic, (uint32_t)oc};
  BRef in = view(w, n->inputs[0]), out = view(w, fc_out);
  /* FC reads NC: describe both sides as 2-D [rows, channels] */
  int64_t rows = ir_numel(a) / ic;
  in.ndims = out.ndims = 2;
  in.order = out.order = BLOB_ORDER_NC;
  in.dims[0] = (uint32_t)ic; in.dims[1] = (uint32_t)rows; in.strides[1] = in.strides[0] * (uint32_t)ic;
  out.dims[0] = (uint32_t)oc; out.dims[1] = (uint32_t)rows; out.strides[1] = out.strides[0] * (uint32_t)oc;
  add_buf(s, in);
  add_buf(s, out);
  BRef wr;
  uint16_t *h = const_f16_slot(w, (size_t)(ic * oc), 3, dims, &wr);
  if (alpha == 1.0 && !transb && b->dtype == DT_F16) memcpy(h, b->data, (size_t)(ic * oc) * 2);
  else if (alpha == 1.0) {
    const uint16_t *src = halves_of(w, b);
    for (int64_t i = 0; i < ic; i++)
      for (int64_t o = 0; o < oc; o++) h[o + oc * i] = src[transb ? o * ic + i : i * oc + o];
  } else
    for (int64_t i = 0; i < ic; i++)
      for (int64_t o = 0; o < oc; o++)
        h[o + oc * i] = fp16_from_f32((float)(ir_const_f64(b, transb ? o * ic + i : i * oc + o) * alpha));
  add_buf(s, wr);
  if (bias_t >= 0) {
    const IrTensor *bt = T(w, bias_t);
    double *v = arena_array(w->g->arena, (size_t)oc, sizeof(double));
    for (int64_t o = 0; o < oc; o++) v[o] = ir_const_f64(bt, ir_numel(bt) == 1 ? 0 : o) * beta;
    Stage *bs = new_stage(w, BLOB_STAGE_BIAS, true);
    BRef bi = view(w, fc_out), bo = view(w, n->outputs[0]);
    bi.ndims = bo.ndims = 2;
    bi.order = bo.order = BLOB_ORDER_NC;
    bi.dims[0] = bo.dims[0] = (uint32_t)oc;
    bi.dims[1] = bo.dims[1] = (uint32_t)rows;
    bi.strides[1] = bo.strides[1] = bi.strides[0] * (uint32_t)oc;
    add_buf(bs, bi);
    add_buf(bs, bo);
    add_buf(bs, const_vec(w, v, (size_t)oc));
  }
  return 0;
}

static int lower_pool(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]), *y = T(w, n->outputs[0]);
  if (x->rank != 4) return fail(w, "%s: only 2-D pooling is written", n->op_type);
  int64_t k[2] = {x->dims[2], x->dims[3]}, st[2] = {1, 1}, pads[4] = {0, 0, 0, 0};
  bool global = n->op == IR_OP_GLOBAL_AVERAGE_POOL || n->op == IR_OP_GLOBAL_MAX_POOL || n->op == IR_OP_REDUCE_MEAN;
  bool avg = n->op == IR_OP_AVERAGE_POOL || n->op == IR_OP_GLOBAL_AVERAGE_POOL || n->op == IR_OP_REDUCE_MEAN;
  uint32_t exclude = 1;
  if (!global) {
    ir_attr_ints(n, "kernel_shape", k, 2);
    ir_attr_ints(n, "strides", st, 2);
    int np = ir_attr_ints(n, "pads", pads, 4);
    const char *ap = ir_attr_str(n, "auto_pad", "NOTSET");
    if (np == 0 && (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")))
      for (int d = 0; d < 2; d++) {
        int64_t total = (y->dims[2 + d] - 1) * st[d] + k[d] - x->dims[2 + d];
        if (total < 0) total = 0;
        pads[d] = !strcmp(ap, "SAME_UPPER") ? total / 2 : total - total / 2;
      }
    if (avg) exclude = ir_attr_int(n, "count_include_pad", 0) ? 0 : 1;
  }
  uint32_t type = avg ? BLOB_STAGE_AVG_POOL : (global ? BLOB_STAGE_GLOBAL_MAX_POOL : BLOB_STAGE_MAX_POOL);
  Stage *s = new_stage(w, type, false);
  uint32_t p[7] = {(uint32_t)k[1], (uint32_t)k[0], (uint32_t)st[1], (uint32_t)st[0], (uint32_t)pads[1], (uint32_t)pads[0], exclude};
  params_u32(s, p, 7);
  add_buf(s, view(w, n->inputs[0]));
  add_buf(s, view(w, n->outputs[0]));
  return 0;
}

static int lower_softmax(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  int r = rank_of(x);
  int64_t axis = ir_attr_int(n, "axis", w->g->opset >= 13 ? -1 : 1);
  if (axis < 0) axis += r;
  Stage *s = new_stage(w, BLOB_STAGE_SOFT_MAX, false);
  buf_put_i32(&s->params, (int32_t)(r - 1 - axis)); /* memory index, 0 = innermost (§3.4) */
  add_buf(s, view(w, n->inputs[0]));
  add_buf(s, view(w, n->outputs[0]));
  return 0;
}

static int lower_transpose(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  int r = rank_of(x);
  int64_t perm[IR_MAX_DIMS];
  int np = ir_attr_ints(n, "perm", perm, IR_MAX_DIMS);
  if (np == 0)
    for (int i = 0; i < r; i++) perm[i] = r - 1 - i;
  Stage *s = new_stage(w, BLOB_STAGE_PERMUTE, false);
  /* memory-order indices: output memory dim m reads input memory dim r-1-perm[r-1-m] */
  for (int m = 0; m < 8; m++) buf_put_u32(&s->params, m < r ? (uint32_t)(r - 1 - perm[r - 1 - m]) : 0xFFFFFFFFu);
  add_buf(s, view(w, n->inputs[0]));
  add_buf(s, view(w, n->outputs[0]));
  return 0;
}

static void copy_stage(W *w, BRef in, BRef out) {
  Stage *s = new_stage(w, BLOB_STAGE_COPY, false);
  add_buf(s, in);
  add_buf(s, out);
}

static int lower_concat(W *w, const IrNode *n) {
  const IrTensor *y = T(w, n->outputs[0]);
  int r = rank_of(y);
  int64_t axis = ir_attr_int(n, "axis", 0);
  if (axis < 0) axis += r;
  uint32_t at = 0;
  for (int k = 0; k < n->n_inputs; k++) {
    int t = n->inputs[k];
    if (t < 0) continue;
    uint32_t len = (uint32_t)dim_of(T(w, t), (int)axis);
    BRef out = view(w, n->outputs[0]);
    roi(&out, (int)axis, at, len);
    copy_stage(w, in_ref(w, t), out);
    at += len;
  }
  return 0;
}

/* Slice with steps -> StridedSlice (133). Observed in a real compile_tool 2021.4 blob
 * (pointcloud_640x400, see compiler/backend/README.md): params are five u32 masks
 * (begin, end, new_axis, shrink_axis, ellipsis) where bit i set means "axis i (IE order) uses its
 * begin/end value"; buffers are input, begin, end, strides (S32 [rank] consts in IE order,
 * major -> minor), output. */
static int lower_strided_slice(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  int r = rank_of(x);
  if (r > 8) return fail(w, "%s of rank > 8", n->op_type);
  int32_t begin[8] = {0}, end[8] = {0}, step[8];
  for (int i = 0; i < r; i++) step[i] = 1;
  uint32_t mask = 0;
  const IrTensor *st = T(w, n->inputs[1]), *en = T(w, n->inputs[2]);
  const IrTensor *ax = n->n_inputs > 3 && n->inputs[3] >= 0 ? T(w, n->inputs[3]) : NULL;
  const IrTensor *sp = n->n_inputs > 4 && n->inputs[4] >= 0 ? T(w, n->inputs[4]) : NULL;
  for (int64_t i = 0; i < ir_numel(st); i++) {
    int64_t a = ax ? ir_const_i64(ax, i) : i;
    if (a < 0) a += r;
    if (a < 0 || a >= r) return fail(w, "%s axis out of range", n->op_type);
    int64_t b = ir_const_i64(st, i), e = ir_const_i64(en, i), k = sp ? ir_const_i64(sp, i) : 1;
    if (k <= 0) return fail(w, "%s with negative steps is not written yet", n->op_type);
    int64_t dim = dim_of(x, (int)a);
    if (b < 0) b += dim;
    if (e < 0) e += dim;
    if (e > INT32_MAX) e = INT32_MAX;
    begin[a] = (int32_t)(b < 0 ? 0 : b);
    end[a] = (int32_t)e;
    step[a] = (int32_t)k;
    mask |= 1u << a;
  }
  Stage *s = new_stage(w, BLOB_STAGE_STRIDED_SLICE, false);
  uint32_t params[5] = {mask, mask, 0, 0, 0};
  params_u32(s, params, 5);
  uint32_t d = (uint32_t)r;
  BRef vb, ve, vs;
  const int32_t *vals[3] = {begin, end, step};
  BRef *refs[3] = {&vb, &ve, &vs};
  for (int k = 0; k < 3; k++) {
    memset(refs[k], 0, sizeof(BRef));
    refs[k]->tensor = -1;
    refs[k]->const_off = add_const(w, vals[k], (size_t)r * 4);
    refs[k]->dt = BLOB_DT_S32;
    refs[k]->order = BLOB_ORDER_C;
    refs[k]->ndims = 1;
    refs[k]->dims[0] = d;
    refs[k]->strides[0] = 4;
  }
  add_buf(s, view(w, n->inputs[0]));
  add_buf(s, vb);
  add_buf(s, ve);
  add_buf(s, vs);
  add_buf(s, view(w, n->outputs[0]));
  return 0;
}

/* Slice / Split / Gather with constant indices: Copy stages from views of the input. */
static int lower_slice(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]), *y = T(w, n->outputs[0]);
  int r = rank_of(x);
  /* find the one axis that differs; steps must be 1 */
  int axis = -1;
  for (int i = 0; i < r; i++)
    if (dim_of(x, i) != dim_of(y, i)) { if (axis >= 0) return fail(w, "%s on several axes is not written yet", n->op_type); axis = i; }
  if (axis < 0) { copy_stage(w, view(w, n->inputs[0]), view(w, n->outputs[0])); return 0; }
  int64_t start = 0;
  if (n->n_inputs >= 3 && ir_is_const(w->g, n->inputs[1])) {
    const IrTensor *st = T(w, n->inputs[1]), *ax = n->n_inputs > 3 && n->inputs[3] >= 0 ? T(w, n->inputs[3]) : NULL;
    for (int64_t i = 0; i < ir_numel(st); i++) {
      int64_t a = ax ? ir_const_i64(ax, i) : i;
      if (a < 0) a += r;
      if (a == axis) start = ir_const_i64(st, i);
    }
    if (n->n_inputs > 4 && n->inputs[4] >= 0) {
      const IrTensor *sp = T(w, n->inputs[4]);
      for (int64_t i = 0; i < ir_numel(sp); i++)
        if (ir_const_i64(sp, i) != 1) return lower_strided_slice(w, n);
    }
  } else {
    int64_t starts[8], axes[8];
    int ns = ir_attr_ints(n, "starts", starts, 8), na = ir_attr_ints(n, "axes", axes, 8);
    for (int i = 0; i < ns; i++) {
      int64_t a = i < na ? axes[i] : i;
      if (a < 0) a += r;
      if (a == axis) start = starts[i];
    }
  }
  if (start < 0) start += dim_of(x, axis);
  if (start < 0) start = 0;
  BRef in = view(w, n->inputs[0]);
  roi(&in, axis, (uint32_t)start, (uint32_t)dim_of(y, axis));
  copy_stage(w, in, view(w, n->outputs[0]));
  return 0;
}

static int lower_split(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  int r = rank_of(x);
  int64_t axis = ir_attr_int(n, "axis", 0);
  if (axis < 0) axis += r;
  uint32_t at = 0;
  for (int k = 0; k < n->n_outputs; k++) {
    int t = n->outputs[k];
    if (t < 0) continue;
    uint32_t len = (uint32_t)dim_of(T(w, t), (int)axis);
    BRef in = view(w, n->inputs[0]);
    roi(&in, (int)axis, at, len);
    copy_stage(w, in, view(w, t));
    at += len;
  }
  return 0;
}

static int lower_gather(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  if (!ir_is_const(w->g, n->inputs[1]) || ir_numel(T(w, n->inputs[1])) > 64 || T(w, n->inputs[1])->rank > 1)
    return lower_gather_stage(w, n);
  const IrTensor *idx = T(w, n->inputs[1]);
  int r = rank_of(x);
  int64_t axis = ir_attr_int(n, "axis", 0);
  if (axis < 0) axis += r;
  for (int64_t i = 0; i < ir_numel(idx); i++) {
    int64_t v = ir_const_i64(idx, i);
    if (v < 0) v += dim_of(x, (int)axis);
    BRef in = view(w, n->inputs[0]), out = view(w, n->outputs[0]);
    roi(&in, (int)axis, (uint32_t)v, 1);
    if (idx->rank == 1) roi(&out, (int)axis, (uint32_t)i, 1);
    else { out = in; out.tensor = n->outputs[0]; out.roi_offset = 0; BRef o2 = view(w, n->outputs[0]); memcpy(out.strides, in.strides, sizeof out.strides); (void)o2; }
    copy_stage(w, in, out);
  }
  return 0;
}

static int lower_resize(W *w, const IrNode *n) {
  const char *mode = ir_attr_str(n, "mode", "nearest");
  const char *ctm = ir_attr_str(n, "coordinate_transformation_mode", n->op == IR_OP_UPSAMPLE ? "asymmetric" : "half_pixel");
  static const char *const CTM[] = {"half_pixel", "pytorch_half_pixel", "asymmetric", "tf_half_pixel_for_nn", "align_corners"};
  uint32_t ctm_code = 0;
  for (uint32_t i = 0; i < 5; i++)
    if (!strcmp(ctm, CTM[i])) ctm_code = i;
  if (!strcmp(mode, "nearest")) {
    static const char *const NM[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "simple"};
    bool legacy = n->op == IR_OP_UPSAMPLE || w->g->opset < 11; /* Upsample / Resize-10: floor */
    const char *nm = ir_attr_str(n, "nearest_mode", legacy ? "floor" : "round_prefer_floor");
    uint32_t nm_code = 0;
    for (uint32_t i = 0; i < 5; i++)
      if (!strcmp(nm, NM[i])) nm_code = i;
    Stage *s = new_stage(w, BLOB_STAGE_RESAMPLE, false);
    buf_put_i32(&s->params, 0);       /* antialias */
    buf_put_f32(&s->params, -1.0f);   /* factor: derived from the output size (§7 item 11) */
    buf_put_u32(&s->params, 0);       /* sampleType Nearest */
    buf_put_u32(&s->params, ctm_code);
    buf_put_u32(&s->params, nm_code);
    add_buf(s, view(w, n->inputs[0]));
    add_buf(s, view(w, n->outputs[0]));
    return 0;
  }
  Stage *s = new_stage(w, BLOB_STAGE_INTERP, false);
  buf_put_i32(&s->params, !strcmp(ctm, "align_corners"));
  buf_put_u32(&s->params, 1); /* Linear */
  buf_put_u32(&s->params, ctm_code);
  add_buf(s, view(w, n->inputs[0]));
  add_buf(s, view(w, n->outputs[0]));
  return 0;
}

static int lower_pad(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  int r = rank_of(x);
  int64_t pads[2 * IR_MAX_DIMS] = {0};
  int np = 0;
  if (n->n_inputs > 1 && ir_is_const(w->g, n->inputs[1])) {
    const IrTensor *p = T(w, n->inputs[1]);
    np = (int)ir_numel(p);
    for (int i = 0; i < np && i < 2 * IR_MAX_DIMS; i++) pads[i] = ir_const_i64(p, i);
  } else {
    np = ir_attr_ints(n, "pads", pads, 2 * IR_MAX_DIMS);
  }
  if (np != 2 * r || r > 4) return fail(w, "%s: pads must be constant for a tensor of rank <= 4", n->op_type);
  float value = ir_attr_float(n, "value", 0.0f);
  if (n->n_inputs > 2 && ir_is_const(w->g, n->inputs[2])) value = (float)ir_const_f64(T(w, n->inputs[2]), 0);
  const char *mode = ir_attr_str(n, "mode", "constant");
  uint32_t m = !strcmp(mode, "edge") ? 1 : !strcmp(mode, "reflect") ? 2 : 0;
  Stage *s = new_stage(w, BLOB_STAGE_PAD, false);
  for (int i = 0; i < 4; i++) { /* minor -> major */
    int ie = r - 1 - i;
    buf_put_u32(&s->params, ie >= 0 ? (uint32_t)pads[ie] : 0);
    buf_put_u32(&s->params, ie >= 0 ? (uint32_t)pads[ie + r] : 0);
  }
  buf_put_f32(&s->params, value);
  buf_put_u32(&s->params, m);
  add_buf(s, view(w, n->inputs[0]));
  add_buf(s, view(w, n->outputs[0]));
  return 0;
}

static int lower_batchnorm(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  int64_t c = x->rank >= 2 ? x->dims[1] : 1;
  double *sc = arena_array(w->g->arena, (size_t)c, sizeof(double)), *bi = arena_array(w->g->arena, (size_t)c, sizeof(double));
  double eps = ir_attr_float(n, "epsilon", 1e-5f);
  for (int k = 1; k < 5; k++)
    if (!ir_is_const(w->g, n->inputs[k])) return fail(w, "%s with non-constant statistics is not written", n->op_type);
  for (int64_t i = 0; i < c; i++) {
    double s = ir_const_f64(T(w, n->inputs[1]), i) / sqrt(ir_const_f64(T(w, n->inputs[4]), i) + eps);
    sc[i] = s;
    bi[i] = ir_const_f64(T(w, n->inputs[2]), i) - ir_const_f64(T(w, n->inputs[3]), i) * s;
  }
  Stage *s = new_stage(w, BLOB_STAGE_SCALE_SHIFT, true);
  add_buf(s, view(w, n->inputs[0]));
  add_buf(s, view(w, n->outputs[0]));
  add_buf(s, const_vec(w, sc, (size_t)c));
  add_buf(s, const_vec(w, bi, (size_t)c));
  return 0;
}

/* ---- reductions, normalization, matrix products, top-k ---- */

/* A 1-D S32 const of n values (axes lists, K). */
static BRef const_s32(W *w, const int32_t *v, uint32_t n) {
  BRef r;
  memset(&r, 0, sizeof r);
  r.tensor = -1;
  r.const_off = add_const(w, v, (size_t)n * 4);
  r.dt = BLOB_DT_S32;
  r.order = BLOB_ORDER_C;
  r.ndims = 1;
  r.dims[0] = n;
  r.strides[0] = 4;
  return r;
}

/* Tensor t's storage seen with `in`'s rank and dims, except 1 on the memory dims in `mask`
 * (bit m = memory dim m). The storage of a reduced / arg-reduced result is the same whether
 * or not the model keeps the reduced dims, so every such output is described with them kept. */
static BRef kept_view(W *w, int t, const BRef *in, uint32_t mask) {
  BRef r = view(w, t);
  r.ndims = in->ndims;
  r.order = blob_order_default(in->ndims);
  uint32_t s = blob_dtype_size(r.dt);
  for (uint32_t m = 0; m < in->ndims; m++) {
    r.dims[m] = (mask >> m) & 1 ? 1 : in->dims[m];
    r.strides[m] = s;
    s *= r.dims[m];
  }
  return r;
}

/* Reduce stages ReduceMean (114) / ReduceMax (112) / ReduceSum (113). Source: openvinotoolkit/
 * openvino inference-engine/src/vpu/graph_transformer/src/stages/reduce.cpp (2018-2020 copy,
 * index id 2640985537; same serialization in the 2019 copy at commit 1c794d97): params i32
 * keep_dims; buffers input, output, axes (S32 1-D const of memory-order dim indices, 0 =
 * innermost, sorted ascending — finalizeDataLayoutImpl rewrites the IR axes that way). Checked
 * on real bytes: person-reidentification-retail-0288 (2021.2) ReduceMean params `1`, 3
 * buffers, axes `0, 1` for a mean over H, W of NCHW. We always write keep_dims 1 with an output
 * view of the input's rank (same storage as the model's output). `mask` = memory dims. */
static void emit_reduce(W *w, uint32_t type, BRef in, BRef out, uint32_t mask) {
  Stage *s = new_stage(w, type, false);
  buf_put_i32(&s->params, 1); /* keep_dims */
  int32_t ax[BLOB_MAX_DIMS];
  uint32_t na = 0;
  for (uint32_t m = 0; m < in.ndims; m++)
    if ((mask >> m) & 1) ax[na++] = (int32_t)m;
  add_buf(s, in);
  add_buf(s, out);
  add_buf(s, const_s32(w, ax, na));
}

/* Memory-dim mask (bit m = memory dim m) of an IE axis list of rank r; -1 when out of range. */
static int64_t axes_mask(const int64_t *axes, int n, int r) {
  uint32_t mask = 0;
  for (int i = 0; i < n; i++) {
    int64_t a = axes[i] < 0 ? axes[i] + r : axes[i];
    if (a < 0 || a >= r) return -1;
    mask |= 1u << (r - 1 - a);
  }
  return mask;
}

static int lower_reduce(W *w, const IrNode *n, uint32_t type) {
  int r = rank_of(T(w, n->inputs[0]));
  if (r > 8) return fail(w, "%s of rank > 8", n->op_type);
  int64_t axes[IR_MAX_DIMS];
  int na;
  if (n->n_inputs > 1 && n->inputs[1] >= 0) { /* opset 13 ReduceSum / opset 18: axes input */
    if (!ir_is_const(w->g, n->inputs[1])) return fail(w, "%s with run-time axes is not written", n->op_type);
    const IrTensor *at = T(w, n->inputs[1]);
    na = (int)ir_numel(at);
    if (na > IR_MAX_DIMS) return fail(w, "%s: too many axes", n->op_type);
    for (int i = 0; i < na; i++) axes[i] = ir_const_i64(at, i);
  } else {
    na = ir_attr_ints(n, "axes", axes, IR_MAX_DIMS);
  }
  if (na == 0) {
    if (ir_attr_int(n, "noop_with_empty_axes", 0)) return fail(w, "%s with noop_with_empty_axes is not written", n->op_type);
    for (int i = 0; i < r; i++) axes[i] = i;
    na = r;
  }
  int64_t mask = axes_mask(axes, na, r);
  if (mask < 0) return fail(w, "%s: axis out of range", n->op_type);
  BRef in = view(w, n->inputs[0]);
  emit_reduce(w, type, in, kept_view(w, n->outputs[0], &in, (uint32_t)mask), (uint32_t)mask);
  return 0;
}

/* A rank-3 [N, C, L] view seen as 4-D [N, C, L, 1] (W = 1), so per-channel stages find C at
 * memory dim 2 as for NCHW. */
static BRef as_4d(BRef r) {
  if (r.ndims != 3) return r;
  for (int m = 3; m > 0; m--) {
    r.dims[m] = r.dims[m - 1];
    r.strides[m] = r.strides[m - 1];
  }
  r.dims[0] = 1;
  r.ndims = 4;
  r.order = BLOB_ORDER_NCHW;
  return r;
}

/* A per-channel [C] activation seen as rank r with C at IE axis 1 (memory dim r - 2). */
static BRef channel_view(W *w, int t, int r) {
  BRef v = view(w, t);
  uint32_t c = (uint32_t)ir_numel(T(w, t)), s = blob_dtype_size(v.dt);
  v.ndims = (uint32_t)r;
  v.order = blob_order_default((uint32_t)r);
  for (int m = 0; m < r; m++) {
    v.dims[m] = m == r - 2 ? c : 1;
    v.strides[m] = s;
    s *= v.dims[m];
  }
  return v;
}

/* InstanceNormalization y = scale * (x - mean) / sqrt(var + eps) + B over the spatial dims.
 * Not written as MVN (62): the MYRIAD MVN kernel adds eps outside the square root (mvn.cpp
 * accepts only eps_mode "outside_sqrt"), ONNX inside, and MVN's params changed between 2021.2
 * (12 bytes) and 2022.1 (16 bytes, across_width added by openvino PR #6748). Instead the exact
 * formula from stages whose params are established:
 *   m = ReduceMean(x) ; d = Sum(x, m, 1, -1) ; q = Prod(d, d) ; v = ReduceMean(q) ;
 *   k = Power(v; bias eps, scale 1, power -0.5) ; t = Prod(d, k) ; y = ScaleShift(t, scale, B). */
static int lower_instance_norm(W *w, const IrNode *n) {
  int xt = n->inputs[0], yt = n->outputs[0];
  int r = rank_of(T(w, xt));
  if (r != 3 && r != 4) return fail(w, "%s of rank other than 3 or 4 is not written", n->op_type);
  int64_t c = T(w, xt)->dims[1];
  if (ir_numel(T(w, n->inputs[1])) != c || ir_numel(T(w, n->inputs[2])) != c)
    return fail(w, "%s: scale and bias must have one value per channel", n->op_type);
  bool cst = ir_is_const(w->g, n->inputs[1]) && ir_is_const(w->g, n->inputs[2]);
  double eps = ir_attr_float(n, "epsilon", 1e-5f);
  double *sc = arena_array(w->g->arena, (size_t)c, sizeof(double)), *bi = arena_array(w->g->arena, (size_t)c, sizeof(double));
  for (int64_t i = 0; cst && i < c; i++) {
    sc[i] = ir_const_f64(T(w, n->inputs[1]), i);
    bi[i] = ir_const_f64(T(w, n->inputs[2]), i);
  }
  int64_t sd[IR_MAX_DIMS], xd[IR_MAX_DIMS];
  memcpy(xd, T(w, xt)->dims, (size_t)r * sizeof xd[0]);
  for (int i = 0; i < r; i++) sd[i] = i < 2 ? xd[i] : 1;
  int mt = temp_dims(w, xt, "@mean", r, sd), vt = temp_dims(w, xt, "@var", r, sd), kt = temp_dims(w, xt, "@rstd", r, sd);
  int dt = temp_dims(w, xt, "@centered", r, xd), qt = temp_dims(w, xt, "@sq", r, xd), tt = temp_dims(w, xt, "@norm", r, xd);
  uint32_t mask = (1u << (r - 2)) - 1; /* memory dims below C: the spatial ones */
  BRef x = view(w, xt);
  emit_reduce(w, BLOB_STAGE_REDUCE_MEAN, x, view(w, mt), mask);
  emit_eltwise(w, BLOB_STAGE_SUM, 1.0f, -1.0f, x, view(w, dt), view(w, mt));
  emit_eltwise(w, BLOB_STAGE_PROD, 1.0f, 1.0f, view(w, dt), view(w, qt), view(w, dt));
  emit_reduce(w, BLOB_STAGE_REDUCE_MEAN, view(w, qt), view(w, vt), mask);
  Stage *s = new_stage(w, BLOB_STAGE_POWER, true);
  buf_put_f32(&s->params, (float)eps);
  buf_put_f32(&s->params, 1.0f);
  buf_put_f32(&s->params, -0.5f);
  add_buf(s, view(w, vt));
  add_buf(s, view(w, kt));
  emit_eltwise(w, BLOB_STAGE_PROD, 1.0f, 1.0f, view(w, dt), view(w, tt), view(w, kt));
  if (!cst) { /* run-time scale / bias [C]: broadcast Prod and Sum against [1, C, 1(, 1)] */
    int ut = temp_dims(w, xt, "@scaled", r, xd);
    emit_eltwise(w, BLOB_STAGE_PROD, 1.0f, 1.0f, view(w, tt), view(w, ut), channel_view(w, n->inputs[1], r));
    emit_eltwise(w, BLOB_STAGE_SUM, 1.0f, 1.0f, view(w, ut), view(w, yt), channel_view(w, n->inputs[2], r));
    return 0;
  }
  s = new_stage(w, BLOB_STAGE_SCALE_SHIFT, true);
  add_buf(s, as_4d(view(w, tt)));
  add_buf(s, as_4d(view(w, yt)));
  add_buf(s, const_vec(w, sc, (size_t)c));
  add_buf(s, const_vec(w, bi, (size_t)c));
  return 0;
}

/* MatMul / Gemm that FC (4) cannot take (both operands activations, or transA) -> GEMM (91).
 * Source: openvinotoolkit/openvino inference-engine/src/vpu/graph_transformer/src/stages/
 * gemm.cpp (commit 036035647537834058ef7f2b4cfe8e89fed5391a, 2018-2020): params f32 alpha,
 * f32 beta, i32 hasThreeInputs, i32 transposeA, i32 transposeB; buffers A, B, [C], output;
 * all FP16; 2..4-D, default orders (C kept at memory dim 2). We never pass C: Gemm's beta * C
 * becomes a following Sum (12) eltwise with coeff2 = beta, whose broadcasting is established,
 * while GEMM's handling of a broadcast C is not. Batch dims must be equal (no broadcasting). */
static int lower_gemm(W *w, const IrNode *n) {
  int at = n->inputs[0], bt = n->inputs[1], yt = n->outputs[0];
  int ra = rank_of(T(w, at)), rb = rank_of(T(w, bt)), ry = rank_of(T(w, yt));
  bool gemm = n->op == IR_OP_GEMM;
  if (ra != rb || ra != ry || ra < 2 || ra > 4)
    return fail(w, "%s of operands with different ranks (or outside 2..4) is not written yet", n->op_type);
  for (int i = 0; i < ra - 2; i++)
    if (T(w, at)->dims[i] != T(w, bt)->dims[i]) return fail(w, "%s with broadcast batch dims is not written yet", n->op_type);
  bool ta = gemm && ir_attr_int(n, "transA", 0), tb = gemm && ir_attr_int(n, "transB", 0);
  float alpha = gemm ? ir_attr_float(n, "alpha", 1.0f) : 1.0f, beta = gemm ? ir_attr_float(n, "beta", 1.0f) : 1.0f;
  int ct = gemm && n->n_inputs > 2 ? n->inputs[2] : -1;
  if (ct >= 0) {
    const IrTensor *cy = T(w, ct), *y = T(w, yt);
    if (cy->rank > y->rank) return fail(w, "%s: C has a higher rank than the output", n->op_type);
    for (int i = 0; i < cy->rank; i++) {
      int64_t d = cy->dims[i], o = y->dims[y->rank - cy->rank + i];
      if (d != o && d != 1) return fail(w, "%s: C does not broadcast to the output", n->op_type);
    }
  }
  int gt = ct >= 0 ? temp_like(w, yt) : yt;
  Stage *s = new_stage(w, BLOB_STAGE_GEMM, false);
  buf_put_f32(&s->params, alpha);
  buf_put_f32(&s->params, beta);
  buf_put_i32(&s->params, 0); /* hasThreeInputs */
  buf_put_i32(&s->params, ta);
  buf_put_i32(&s->params, tb);
  add_buf(s, in_ref(w, at));
  add_buf(s, in_ref(w, bt));
  add_buf(s, view(w, gt));
  if (ct >= 0) emit_eltwise(w, BLOB_STAGE_SUM, 1.0f, beta, view(w, gt), view(w, yt), at_rank(in_ref(w, ct), ry));
  return 0;
}

/* ArgMax / TopK -> TopK (104). Source: openvinotoolkit/openvino inference-engine/src/vpu/
 * graph_transformer/src/stages/topk.cpp (2018-2020 copy, index id 2481748639; unchanged in the
 * 2023 copy at commit 0f1fa2cbdeb4f5bb31eb37de0baa3865dadc9c32): params i32 axisInd (memory-
 * order index, 0 = innermost), i32 mode (TopKMode Max 0, Min 1), i32 sort (TopKSort None 0,
 * Value 1, Index 2), i32 valuesPresent, i32 indicesPresent (TopKOutputs); buffers values
 * input (FP16), K (S32 1-D const [1]), [values output FP16], [indices output S32]. Enum values
 * from include/vpu/model/stage.hpp ("firmware implementations must be aligned"). A 2019 copy
 * (Model::Ptr API) had 3 params and order input, values, K, indices: not what 2021.x runs.
 * ArgMax = TopK k 1, Max, indices only (sort None, as OpenVINO's ONNX importer does). */
static int lower_topk(W *w, const IrNode *n) {
  int xt = n->inputs[0];
  int r = rank_of(T(w, xt));
  bool argmax = n->op == IR_OP_ARGMAX;
  int64_t axis = ir_attr_int(n, "axis", argmax ? 0 : -1), k = 1;
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r) return fail(w, "%s: axis out of range", n->op_type);
  int32_t mode = 0, sort = 0;
  if (argmax) {
    if (ir_attr_int(n, "select_last_index", 0)) return fail(w, "%s with select_last_index is not written", n->op_type);
  } else {
    if (n->n_inputs > 1 && n->inputs[1] >= 0) {
      if (!ir_is_const(w->g, n->inputs[1])) return fail(w, "%s with a run-time K is not written", n->op_type);
      k = ir_const_i64(T(w, n->inputs[1]), 0);
    } else {
      k = ir_attr_int(n, "k", 1);
    }
    if (!ir_attr_int(n, "sorted", 1)) return fail(w, "%s with sorted=0 (order unspecified) is not written", n->op_type);
    mode = ir_attr_int(n, "largest", 1) ? 0 : 1;
    sort = 1; /* Value */
  }
  if (k < 1 || k > dim_of(T(w, xt), (int)axis)) return fail(w, "%s: K out of range", n->op_type);
  BRef in = view(w, xt);
  uint32_t m = (uint32_t)(r - 1 - axis);
  int vt = argmax ? -1 : n->outputs[0], it = argmax ? n->outputs[0] : (n->n_outputs > 1 ? n->outputs[1] : -1);
  Stage *s = new_stage(w, BLOB_STAGE_TOP_K, false);
  buf_put_i32(&s->params, (int32_t)m);
  buf_put_i32(&s->params, mode);
  buf_put_i32(&s->params, sort);
  buf_put_i32(&s->params, vt >= 0);
  buf_put_i32(&s->params, it >= 0);
  int32_t kv = (int32_t)k;
  add_buf(s, in);
  add_buf(s, const_s32(w, &kv, 1));
  BRef out = kept_view(w, vt >= 0 ? vt : it, &in, 0);
  out.dims[m] = (uint32_t)k;
  for (uint32_t i = 0, st = blob_dtype_size(out.dt); i < out.ndims; st *= out.dims[i], i++) out.strides[i] = st;
  if (vt >= 0) add_buf(s, out);
  if (it >= 0) {
    BRef ix = out;
    ix.tensor = it;
    ix.dt = BLOB_DT_S32;
    for (uint32_t i = 0, st = 4; i < ix.ndims; st *= ix.dims[i], i++) ix.strides[i] = st;
    add_buf(s, ix);
  }
  return 0;
}

/* ONNX Tile -> one Tile (28) stage per repeated axis. Source: openvinotoolkit/openvino
 * inference-engine/src/vpu/graph_transformer/src/stages/tile.cpp (commit
 * 10c9ac56efb83fe0609f39222b33871e2e25d140, 2018-2020): params i32 axisInd (memory-order index
 * of the axis in the output's order), i32 tiles; buffers input, output (FP16); SHAVEs "OnlyOne".
 * The IE Tile layer repeats the whole tensor `tiles` times along one axis (numpy tile). */
/* Tile (constant repeats) and Expand (constant shape, ConvertBroadcastToTiles as the plugin
 * does): one Tile stage per repeated axis, the input seen at the output's rank. */
static int lower_tile(W *w, const IrNode *n) {
  int xt = n->inputs[0], yt = n->outputs[0];
  int r = rank_of(T(w, yt)), xr = rank_of(T(w, xt));
  bool expand = n->op == IR_OP_EXPAND;
  if (!ir_is_const(w->g, n->inputs[1]) || (!expand && ir_numel(T(w, n->inputs[1])) != xr) || xr > r)
    return fail(w, "%s with run-time repeats or shape is not written", n->op_type);
  int64_t dims[IR_MAX_DIMS], rep[IR_MAX_DIMS];
  int last = -1;
  for (int i = 0; i < r; i++) {
    int ix = i - (r - xr);
    dims[i] = ix >= 0 ? dim_of(T(w, xt), ix) : 1;
    rep[i] = expand ? (dims[i] ? dim_of(T(w, yt), i) / dims[i] : 0) : ir_const_i64(T(w, n->inputs[1]), i);
    if (rep[i] < 1 || dims[i] * rep[i] != dim_of(T(w, yt), i)) return fail(w, "%s: repeats do not give the output shape", n->op_type);
    if (rep[i] > 1) last = i;
  }
  if (last < 0) {
    copy_stage(w, at_rank(in_ref(w, xt), r), view(w, yt));
    return 0;
  }
  int cur = xt;
  for (int i = 0; i <= last; i++) {
    if (rep[i] == 1) continue;
    dims[i] *= rep[i];
    int nt = i == last ? yt : temp_dims(w, yt, "@tile", r, dims);
    Stage *s = new_stage(w, BLOB_STAGE_TILE, false);
    s->shaves = s->shaves ? 1 : 0; /* StageSHAVEsRequirements::OnlyOne */
    buf_put_i32(&s->params, r - 1 - i);
    buf_put_i32(&s->params, (int32_t)rep[i]);
    add_buf(s, cur == xt ? at_rank(in_ref(w, xt), r) : view(w, cur));
    add_buf(s, view(w, nt));
    cur = nt;
  }
  return 0;
}

/* A view of a padded temporary [.., W rounded up] restricted to the first W columns: the
 * same data with rows aligned for stages that need it. */
static BRef padded_rows(W *w, int like, const char *suffix, uint32_t align_bytes, int *temp) {
  const IrTensor *x = T(w, like);
  int rank = rank_of(x);
  int64_t dims[IR_MAX_DIMS];
  for (int i = 0; i < rank; i++) dims[i] = dim_of(x, i);
  int64_t wd = dims[rank - 1], per = (int64_t)(align_bytes / 2);
  dims[rank - 1] = (wd + per - 1) / per * per;
  *temp = temp_dims(w, like, suffix, rank, dims);
  BRef r = view(w, *temp);
  roi(&r, rank - 1, 0, (uint32_t)wd);
  return r;
}

/* LRN across channels -> LRN (11): u32 size, then FP16 k, alpha, beta and a zero (norm.cpp,
 * stage research in README.md); buffers in, out. alpha goes in as ONNX has it (the kernel divides
 * by size, as ONNX and Caffe do). With C not innermost the kernel wants rows aligned to 16 bytes
 * (DimStride::Aligned on memory dim 1; STRIDE_ALIGNMENT = 16 in data_desc.hpp): other widths go
 * through padded copies, as compile_tool's stride adjustment does. */
static int lower_lrn(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  int64_t size = ir_attr_int(n, "size", 0);
  if (x->rank != 4) return fail(w, "%s: only 4-D (NCHW) inputs are written", n->op_type);
  if (size < 1 || size % 2 == 0)
    return fail(w, "%s with an even size: the VPU's window is centred differently from ONNX's", n->op_type);
  float alpha = ir_attr_float(n, "alpha", 1e-4f), beta = ir_attr_float(n, "beta", 0.75f), bias = ir_attr_float(n, "bias", 1.0f);
  int64_t wd = x->dims[x->rank - 1];
  bool aligned = (wd * 2) % 16 == 0;
  BRef in = view(w, n->inputs[0]), out = view(w, n->outputs[0]);
  int ti = -1, to = -1;
  if (!aligned) {
    BRef a = padded_rows(w, n->inputs[0], "@lrn_in", 16, &ti);
    BRef b = padded_rows(w, n->outputs[0], "@lrn_out", 16, &to);
    copy_stage(w, in, a);
    in = a, out = b;
  }
  Stage *s = new_stage(w, BLOB_STAGE_LRN, false);
  buf_put_u32(&s->params, (uint32_t)size);
  uint16_t h[4] = {fp16_from_f32(bias), fp16_from_f32(alpha), fp16_from_f32(beta), 0};
  for (int i = 0; i < 4; i++) {
    uint8_t b2[2] = {(uint8_t)(h[i] & 0xff), (uint8_t)(h[i] >> 8)};
    buf_put(&s->params, b2, 2);
  }
  add_buf(s, in);
  add_buf(s, out);
  if (!aligned) copy_stage(w, out, view(w, n->outputs[0]));
  return 0;
}

/* A Transpose that only moves size-1 dims keeps the memory order: a view, no Permute (as
 * compile_tool does: pointcloud_640x400 has no stage for its [1,1,H,W] -> [1,H,W,1]). */
static bool transpose_is_view(const IrNode *n, const IrGraph *g) {
  const IrTensor *x = &g->tensors[n->inputs[0]];
  int64_t perm[IR_MAX_DIMS];
  int np = ir_attr_ints(n, "perm", perm, IR_MAX_DIMS);
  if (x->rank < 1 || (np && np != x->rank)) return false;
  if (!np)
    for (int i = 0; i < x->rank; i++) perm[i] = x->rank - 1 - i;
  int64_t last = -1;
  for (int i = 0; i < x->rank; i++) {
    if (perm[i] < 0 || perm[i] >= x->rank) return false;
    if (x->dims[perm[i]] == 1) continue;
    if (perm[i] < last) return false;
    last = perm[i];
  }
  return true;
}

static bool is_view_op(const IrNode *n, const IrGraph *g) {
  switch (n->op) {
  case IR_OP_TRANSPOSE: return transpose_is_view(n, g);
  case IR_OP_RESHAPE: case IR_OP_FLATTEN: case IR_OP_SQUEEZE: case IR_OP_UNSQUEEZE:
  case IR_OP_IDENTITY: case IR_OP_DROPOUT: return true;
  case IR_OP_CAST: return g->tensors[n->inputs[0]].dtype == g->tensors[n->outputs[0]].dtype;
  default: return false;
  }
}

static int lower_node(W *w, int i) {
  const IrNode *n = &w->g->nodes[i];
  w->cur_node = i;
  switch (n->op) {
  case IR_OP_CONV: return lower_conv(w, n);
  case IR_OP_GEMM: case IR_OP_MATMUL: {
    const IrTensor *b = T(w, n->inputs[1]);
    bool fc_ok = b->data && b->rank == 2 && !(n->op == IR_OP_GEMM && ir_attr_int(n, "transA", 0));
    return fc_ok ? lower_fc(w, n) : lower_gemm(w, n);
  }
  case IR_OP_MAX_POOL: case IR_OP_AVERAGE_POOL: case IR_OP_GLOBAL_AVERAGE_POOL: case IR_OP_GLOBAL_MAX_POOL:
    return lower_pool(w, n);
  case IR_OP_REDUCE_MEAN: return lower_reduce(w, n, BLOB_STAGE_REDUCE_MEAN);
  case IR_OP_REDUCE_MAX: return lower_reduce(w, n, BLOB_STAGE_REDUCE_MAX);
  case IR_OP_REDUCE_SUM: return lower_reduce(w, n, BLOB_STAGE_REDUCE_SUM);
  case IR_OP_INSTANCE_NORM: return lower_instance_norm(w, n);
  case IR_OP_ARGMAX: case IR_OP_TOPK: return lower_topk(w, n);
  case IR_OP_TILE: return lower_tile(w, n);
  case IR_OP_RELU: return lower_post(w, n, BLOB_STAGE_RELU);
  case IR_OP_LEAKY_RELU: return lower_post(w, n, BLOB_STAGE_LEAKY_RELU);
  case IR_OP_CLIP: return lower_post(w, n, BLOB_STAGE_CLAMP);
  case IR_OP_SIGMOID: return lower_post(w, n, BLOB_STAGE_SIGMOID);
  case IR_OP_TANH: return lower_post(w, n, BLOB_STAGE_TANH);
  case IR_OP_ELU: return lower_post(w, n, BLOB_STAGE_ELU);
  case IR_OP_EXP: return lower_post(w, n, BLOB_STAGE_EXP);
  case IR_OP_LOG: return lower_post(w, n, BLOB_STAGE_LOG);
  case IR_OP_FLOOR: return lower_post(w, n, BLOB_STAGE_FLOOR);
  case IR_OP_CEIL: return lower_post(w, n, BLOB_STAGE_CEILING);
  case IR_OP_HARD_SWISH: return lower_post(w, n, BLOB_STAGE_HSWISH);
  case IR_OP_PRELU: {
    const IrTensor *y = T(w, n->outputs[0]);
    int64_t c = y->rank >= 2 ? y->dims[1] : 1;
    double *v = channel_values_r(w, n->inputs[1], c, y->rank);
    if (!v || (y->rank != 4 && y->rank != 2 && ir_numel(T(w, n->inputs[1])) != 1)) return lower_prelu_bcast(w, n);
    Stage *s = new_stage(w, BLOB_STAGE_PRELU, true);
    add_buf(s, view(w, n->inputs[0]));
    add_buf(s, view(w, n->outputs[0]));
    add_buf(s, const_vec(w, v, (size_t)c));
    return 0;
  }
  case IR_OP_SQRT: return lower_power(w, n->inputs[0], n->outputs[0], 0, 1, 0.5f);
  case IR_OP_SOFTMAX: return lower_softmax(w, n);
  case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: case IR_OP_DIV: case IR_OP_POW: return lower_eltwise(w, n);
  case IR_OP_MAX: case IR_OP_MIN: return n->n_inputs == 2 ? lower_eltwise(w, n) : lower_variadic(w, n);
  case IR_OP_EQUAL: case IR_OP_LESS: case IR_OP_GREATER: return lower_compare(w, n);
  case IR_OP_WHERE: return lower_where(w, n);
  case IR_OP_ABS: return lower_abs(w, n);
  case IR_OP_EXPAND: return lower_tile(w, n);
  case IR_OP_BATCH_NORM: return lower_batchnorm(w, n);
  case IR_OP_TRANSPOSE: return lower_transpose(w, n);
  case IR_OP_CONCAT: return lower_concat(w, n);
  case IR_OP_SLICE: return lower_slice(w, n);
  case IR_OP_SPLIT: return lower_split(w, n);
  case IR_OP_GATHER: return lower_gather(w, n);
  case IR_OP_RESIZE: case IR_OP_UPSAMPLE: return lower_resize(w, n);
  case IR_OP_PAD: return lower_pad(w, n);
  case IR_OP_CAST: return lower_convert(w, n);
  case IR_OP_LRN: return lower_lrn(w, n);
  case IR_OP_CONV_TRANSPOSE: return lower_deconv(w, n);
  case IR_OP_DETECTION_OUTPUT: return lower_detection_output(w, n);
  default: return fail(w, "no MyriadX stage for op '%s' in the blob writer yet", n->op_type);
  }
}

/* ---- storage assignment ---- */

static int root_of(const W *w, int t, uint32_t *off) {
  uint32_t o = 0;
  while (w->st[t].base >= 0) {
    o += w->st[t].base_offset;
    t = w->st[t].base;
  }
  if (off) *off = o;
  return t;
}

/* RVC2 has 512 MiB of DDR: no single tensor can be larger (and every blob field is a u32). */
#define BLOB_MAX_TENSOR_BYTES (512u << 20)

static uint64_t tensor_bytes64(const IrTensor *x) {
  int64_t n = ir_numel(x);
  if (n < 0) return UINT64_MAX;
  return (uint64_t)(n > 0 ? n : 1) * blob_dtype_size(blob_dt(x->dtype));
}

static uint32_t tensor_bytes(const IrTensor *x) {
  uint64_t b = tensor_bytes64(x);
  return b > BLOB_MAX_TENSOR_BYTES ? BLOB_MAX_TENSOR_BYTES : (uint32_t)b;
}

static int assign_storage(W *w) {
  const IrGraph *g = w->g;
  for (int i = 0; i < g->n_nodes; i++) { /* every tensor a stage may touch must fit the device */
    const IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    for (int k = 0; k < n->n_inputs + n->n_outputs; k++) {
      int t = k < n->n_inputs ? n->inputs[k] : n->outputs[k - n->n_inputs];
      if (t < 0) continue;
      uint64_t b = tensor_bytes64(&g->tensors[t]);
      if (b > BLOB_MAX_TENSOR_BYTES) {
        err_where(w->err, g->source, 0, NULL, n->name);
        if (b == UINT64_MAX) return err_set(w->err, ERR_BACKEND, "tensor '%s' has no static shape", g->tensors[t].name);
        return err_set(w->err, ERR_BACKEND, "tensor '%s' of shape %s is %llu bytes, over the 512 MiB a MyriadX can hold",
                       g->tensors[t].name, ir_shape_str(g->arena, &g->tensors[t]), (unsigned long long)b);
      }
    }
  }
  for (int t = 0; t < g->n_tensors; t++) {
    Store *s = &w->st[t];
    memset(s, 0, sizeof *s);
    s->base = -1;
    s->first = s->last = -1;
    s->loc = BLOB_LOC_BSS;
    s->bytes = tensor_bytes(&g->tensors[t]);
  }
  for (int i = 0; i < g->n_inputs; i++) {
    w->st[g->inputs[i]].loc = BLOB_LOC_INPUT;
    w->st[g->inputs[i]].io_idx = (uint32_t)i;
  }
  for (int i = 0; i < g->n_outputs; i++) {
    int t = g->outputs[i];
    if (w->st[t].loc == BLOB_LOC_INPUT) return err_set(w->err, ERR_BACKEND, "graph output '%s' is a graph input", g->tensors[t].name);
    w->st[t].loc = BLOB_LOC_OUTPUT;
    w->st[t].io_idx = (uint32_t)i;
  }
  /* views: reshape-like outputs share the input's storage, or the other way round when the
   * output is a network output and the input has no other reader */
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead || !is_view_op(n, g) || ir_is_const(g, n->inputs[0])) continue;
    int in = n->inputs[0], out = n->outputs[0];
    if (w->st[out].loc == BLOB_LOC_OUTPUT) {
      if (w->st[in].loc == BLOB_LOC_BSS && ir_consumers(g, in) == 1) {
        int r = root_of(w, in, NULL);
        if (r != out && w->st[r].loc == BLOB_LOC_BSS) w->st[r].base = out;
      }
    } else {
      w->st[out].base = in;
    }
  }
  return 0;
}

static void touch(W *w, int t, int stage) {
  int r = root_of(w, t, NULL);
  Store *s = &w->st[r];
  if (s->first < 0 || stage < s->first) s->first = stage;
  if (stage > s->last) s->last = stage;
}

typedef struct { uint32_t off, size; int last; } Block;

static int cmp_first(const void *a, const void *b, void *ctx) {
  const W *w = ctx;
  int x = *(const int *)a, y = *(const int *)b;
  if (w->st[x].first != w->st[y].first) return w->st[x].first - w->st[y].first;
  return x - y;
}

/* First-fit placement by liveness; reports the naive sum and the live peak (lower bound). */
static void plan_bss(W *w, BlobStats *bs) {
  int n = w->g->n_tensors, cnt = 0;
  int *list = calloc((size_t)n + 1, sizeof(int));
  Block *live = calloc((size_t)n + 1, sizeof(Block));
  if (!list || !live) base__assert_fail(__FILE__, __LINE__, "out of memory");
  for (int t = 0; t < n; t++)
    if (w->st[t].base < 0 && w->st[t].loc == BLOB_LOC_BSS && w->st[t].first >= 0) list[cnt++] = t;
  qsort_r(list, (size_t)cnt, sizeof(int), cmp_first, w);
  int nlive = 0;
  uint64_t end = 0, cur = 0, peak = 0, naive = 0;
  for (int i = 0; i < cnt; i++) {
    Store *s = &w->st[list[i]];
    uint32_t size = (uint32_t)align_up(s->bytes, BLOB_DATA_ALIGN);
    naive += size;
    /* free blocks whose last use is before this first use */
    for (int k = 0; k < nlive;) {
      if (live[k].last < s->first) {
        cur -= live[k].size;
        live[k] = live[--nlive];
      } else k++;
    }
    /* lowest gap that fits: live blocks sorted by offset */
    for (int a = 1; a < nlive; a++)
      for (int b = a; b > 0 && live[b - 1].off > live[b].off; b--) {
        Block t = live[b]; live[b] = live[b - 1]; live[b - 1] = t;
      }
    uint32_t off = 0;
    for (int k = 0; k < nlive; k++) {
      if (live[k].off >= off + size) break;
      if (live[k].off + live[k].size > off) off = live[k].off + live[k].size;
    }
    s->offset = off;
    live[nlive++] = (Block){off, size, s->last};
    cur += size;
    if (cur > peak) peak = cur;
    if (off + size > end) end = off + size;
  }
  bs->bss_size = (uint32_t)end;
  bs->bss_naive = naive;
  bs->bss_peak = peak;
  free(list);
  free(live);
}

/* ---- serialization ---- */

/* dims/strides arrays go to the const section after the weights (§2.2, §4) */
static uint32_t put_shape(W *w, const uint32_t *v, uint32_t n) {
  buf_align(&w->cst, 4);
  uint32_t off = (uint32_t)w->cst.len;
  for (uint32_t i = 0; i < n; i++) buf_put_u32(&w->cst, v[i]);
  return off;
}

static void put_bref(W *w, Buf *b, const BRef *r) {
  buf_put_u32(b, r->dt);
  buf_put_u32(b, r->order);
  buf_put_u32(b, r->ndims);
  buf_put_u32(b, BLOB_LOC_BLOB);
  buf_put_u32(b, put_shape(w, r->dims, r->ndims));
  buf_put_u32(b, BLOB_LOC_BLOB);
  buf_put_u32(b, put_shape(w, r->strides, r->ndims));
  if (r->fake) {
    buf_put_u32(b, BLOB_LOC_NONE);
    buf_put_u32(b, 0);
    return;
  }
  if (r->tensor < 0) {
    buf_put_u32(b, BLOB_LOC_BLOB);
    buf_put_u32(b, r->const_off);
    return;
  }
  uint32_t extra = 0;
  int root = root_of(w, r->tensor, &extra);
  const Store *s = &w->st[root];
  buf_put_u32(b, s->loc);
  if (s->loc == BLOB_LOC_INPUT || s->loc == BLOB_LOC_OUTPUT) {
    buf_put_u32(b, s->io_idx);
    buf_put_u32(b, s->bytes);
    buf_put_u32(b, extra + r->roi_offset);
  } else {
    buf_put_u32(b, s->offset + extra + r->roi_offset);
  }
}

/* The layout the host feeds an input in: interleaved (NHWC/HWC) frames keep the row-major bytes
 * of [N,H,W,C], whose minor->major dims (C,W,H,N) are exactly what the NHWC order code names. */
static uint32_t io_order(W *w, int t, uint32_t dflt) {
  const IrTensor *x = T(w, t);
  if (!x->is_input) return dflt;
  if (x->layout == CL_NHWC && x->rank == 4) return BLOB_ORDER_NHWC; /* set by preprocessing */
  if (x->layout == CL_HWC && x->rank == 3) return BLOB_ORDER_HWC;
  return dflt;
}

static void put_io(W *w, Buf *b, int idx, int t) {
  const IrTensor *x = T(w, t);
  const Store *s = &w->st[t];
  BRef r = view(w, t);
  r.order = io_order(w, t, r.order);
  size_t len = strlen(x->name);
  uint32_t name_size = (uint32_t)align_up(len + 1, BLOB_NAME_ALIGN);
  buf_put_u32(b, (uint32_t)idx);
  buf_put_u32(b, s->offset);
  buf_put_u32(b, name_size);
  buf_put(b, x->name, len);
  buf_put_zeros(b, name_size - len);
  buf_put_u32(b, r.dt);
  buf_put_u32(b, r.order);
  buf_put_u32(b, r.ndims);
  buf_put_u32(b, BLOB_LOC_BLOB);
  buf_put_u32(b, put_shape(w, r.dims, r.ndims));
  buf_put_u32(b, BLOB_LOC_BLOB);
  buf_put_u32(b, put_shape(w, r.strides, r.ndims));
}

int be_blob_version(const char *openvino, uint32_t *major, uint32_t *minor) {
  if (!openvino) openvino = "2022.1";
  unsigned a = 0, b = 0;
  char tail;
  if (sscanf(openvino, "%u.%u%c", &a, &b, &tail) != 2 || !blob_openvino_release(a, b)) return -1;
  *major = a;
  *minor = b;
  return 0;
}

static int serialize(W *w, Buf *out, BlobStats *bs, uint32_t vmaj, uint32_t vmin) {
  const IrGraph *g = w->g;
  /* IO buffers: each tensor at align64(previous end) (§4) */
  uint32_t in_end = 0, out_end = 0;
  for (int i = 0; i < g->n_inputs; i++) {
    Store *s = &w->st[g->inputs[i]];
    s->offset = (uint32_t)align_up(in_end, BLOB_DATA_ALIGN);
    in_end = s->offset + s->bytes;
  }
  for (int i = 0; i < g->n_outputs; i++) {
    Store *s = &w->st[g->outputs[i]];
    s->offset = (uint32_t)align_up(out_end, BLOB_DATA_ALIGN);
    out_end = s->offset + s->bytes;
  }
  Buf ins = BUF_INIT, outs = BUF_INIT, stg = BUF_INIT;
  for (int i = 0; i < g->n_inputs; i++) put_io(w, &ins, i, g->inputs[i]);
  for (int i = 0; i < g->n_outputs; i++) put_io(w, &outs, i, g->outputs[i]);
  bool hw = false, shave = false, dma = false;
  for (int i = 0; i < w->n_stages; i++) {
    if (job_poll(w->err) < 0) { /* a stop request or the memory budget */
      buf_free(&ins), buf_free(&outs), buf_free(&stg);
      return -1;
    }
    Stage *s = &w->stages[i];
    size_t start = stg.len;
    buf_put_u32(&stg, 0); /* length, patched */
    buf_put_u32(&stg, s->type);
    buf_put_u32(&stg, s->shaves);
    buf_put_u32(&stg, (uint32_t)(4 + s->params.len));
    buf_put(&stg, s->params.data, s->params.len);
    for (int k = 0; k < s->nbufs; k++) put_bref(w, &stg, &s->bufs[k]);
    buf_put_u32(&stg, s->type);
    buf_put_u32(&stg, BLOB_STAGE_BORDER_SYMBOL);
    buf_set_u32(&stg, start, (uint32_t)(stg.len - start));
    BlobStageCategory cat = blob_stage_category(s->type);
    hw |= cat == BLOB_CAT_HW;
    shave |= cat == BLOB_CAT_SHAVE;
    dma |= cat == BLOB_CAT_DMA;
  }
  uint32_t in_off = BLOB_HDR_AREA;
  uint32_t out_off = in_off + (uint32_t)align_up(ins.len, BLOB_SECTION_ALIGN);
  uint32_t stg_off = out_off + (uint32_t)align_up(outs.len, BLOB_SECTION_ALIGN);
  uint32_t cst_off = stg_off + (uint32_t)align_up(stg.len, BLOB_SECTION_ALIGN);
  uint32_t file_size = cst_off + (uint32_t)align_up(w->cst.len, BLOB_SECTION_ALIGN);
  size_t base = out->len, cst_len = w->cst.len;
  uint8_t *p;
  if (base == 0 && cst_len) {
    /* the usual case: grow the const section's own buffer to the whole file and move the
     * constants to their place (realloc of a large block is an mremap: no second copy of the
     * weights at the peak), then zero the front and fill in the sections */
    buf_reserve(&w->cst, file_size - cst_len);
    memmove(w->cst.data + cst_off, w->cst.data, cst_len);
    memset(w->cst.data, 0, cst_off);
    memset(w->cst.data + cst_off + cst_len, 0, file_size - cst_off - cst_len);
    w->cst.len = file_size;
    buf_free(out);
    *out = w->cst;
    w->cst = (Buf)BUF_INIT;
    p = out->data;
  } else {
    buf_put_zeros(out, file_size);
    p = out->data + base;
    if (cst_len) memcpy(p + cst_off, w->cst.data, cst_len);
  }
  p[0] = BLOB_ELF_IDENT0, p[1] = BLOB_ELF_IDENT1, p[2] = BLOB_ELF_IDENT2, p[3] = BLOB_ELF_IDENT3;
  p[BLOB_ELF_OFF_TYPE] = BLOB_ELF_TYPE;
  p[BLOB_ELF_OFF_MACHINE] = BLOB_ELF_MACHINE;
  p[BLOB_ELF_OFF_VERSION] = BLOB_ELF_VERSION;
  p[BLOB_ELF_OFF_EHSIZE] = BLOB_ELF_EHSIZE & 0xFF;
  p[BLOB_ELF_OFF_EHSIZE + 1] = BLOB_ELF_EHSIZE >> 8;
  Buf hdr = {p, 0, file_size}; /* write through buf_set_u32 without reallocating */
  hdr.len = file_size;
  uint32_t shaves = (uint32_t)(w->opt->shaves > 0 ? w->opt->shaves : 1);
  uint32_t cmx = (uint32_t)(w->opt->cmx_slices > 0 ? w->opt->cmx_slices : (int)shaves);
  const uint32_t fields[][2] = {
      {BLOB_HDR_MAGIC, BLOB_MAGIC}, {BLOB_HDR_FILE_SIZE, file_size}, {BLOB_HDR_VER_MAJOR, vmaj},
      {BLOB_HDR_VER_MINOR, vmin}, {BLOB_HDR_INPUTS_COUNT, (uint32_t)g->n_inputs},
      {BLOB_HDR_OUTPUTS_COUNT, (uint32_t)g->n_outputs}, {BLOB_HDR_STAGES_COUNT, (uint32_t)w->n_stages},
      {BLOB_HDR_INPUTS_SIZE, in_end}, {BLOB_HDR_OUTPUTS_SIZE, out_end}, {BLOB_HDR_BATCH_SIZE, 1},
      {BLOB_HDR_BSS_MEM_SIZE, bs->bss_size}, {BLOB_HDR_CMX_SLICES, cmx}, {BLOB_HDR_SHAVES, shaves},
      {BLOB_HDR_HAS_HW_STAGE, hw}, {BLOB_HDR_HAS_SHAVE_STAGE, shave}, {BLOB_HDR_HAS_DMA_STAGE, dma},
      {BLOB_HDR_INPUT_SECTION, in_off}, {BLOB_HDR_OUTPUT_SECTION, out_off},
      {BLOB_HDR_STAGE_SECTION, stg_off}, {BLOB_HDR_CONST_SECTION, cst_off},
  };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) buf_set_u32(&hdr, fields[i][0], fields[i][1]);
  if (ins.len) memcpy(p + in_off, ins.data, ins.len);
  if (outs.len) memcpy(p + out_off, outs.data, outs.len);
  if (stg.len) memcpy(p + stg_off, stg.data, stg.len);
  bs->const_size = (uint32_t)cst_len;
  buf_free(&ins);
  buf_free(&outs);
  buf_free(&stg);
  return 0;
}

int be_blob_write(const IrGraph *g, const CompileOptions *opt, Buf *out, BlobStats *bs, Err *err) {
  W w;
  memset(&w, 0, sizeof w);
  w.g = g;
  w.opt = opt;
  w.err = err;
  w.cur_node = -1;
  int rc = -1;
  uint32_t vmaj, vmin;
  if (be_blob_version(opt->openvino, &vmaj, &vmin) < 0) {
    err_set(err, ERR_BACKEND, "unknown OpenVINO version '%s' (use 2021.4 or 2022.1)", opt->openvino);
    return -1;
  }
  if (opt->shaves < 1 || opt->shaves > 16) return err_set(err, ERR_BACKEND, "shaves must be 1..16, got %d", opt->shaves);
  w.st = calloc((size_t)g->n_tensors + 1, sizeof(Store));
  w.done = calloc((size_t)g->n_nodes + 1, 1);
  w.reader = malloc(((size_t)g->n_tensors + 1) * sizeof *w.reader);
  if (!w.st || !w.done || !w.reader) base__assert_fail(__FILE__, __LINE__, "out of memory");
  for (int t = 0; t < g->n_tensors; t++) w.reader[t] = g->tensors[t].is_output ? -2 : -1;
  for (int i = 0; i < g->n_nodes; i++) /* one pass, so fusions need not scan the graph per node */
    for (int k = 0; !g->nodes[i].dead && k < g->nodes[i].n_inputs; k++) {
      int t = g->nodes[i].inputs[k];
      if (t >= 0) w.reader[t] = w.reader[t] == -1 ? i : -2;
    }
  /* the const section ends up about as large as the constants in FP16: reserve it once, so
   * adding weights never reallocates and copies what is already there */
  size_t est = 1u << 16;
  for (int t = 0; t < g->n_tensors; t++)
    if (g->tensors[t].data && g->tensors[t].nbytes < ((size_t)1 << 32)) est += g->tensors[t].nbytes + BLOB_DATA_ALIGN;
  if (est > ((size_t)1 << 32)) est = (size_t)1 << 32;
  buf_reserve(&w.cst, est);
  if (assign_storage(&w) < 0) goto done;
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead || is_view_op(n, g)) {
      /* a view between a BSS tensor and a network output that could not alias gets a Copy */
      if (!n->dead && is_view_op(n, g)) {
        int vin = n->inputs[0], vout = n->outputs[0];
        int ri = root_of(&w, vin, NULL), ro = root_of(&w, vout, NULL);
        if (ri != ro) {
          w.cur_node = i;
          BRef a = in_ref(&w, vin), b = view(&w, vout);
          a.ndims = b.ndims = 1;
          a.order = b.order = BLOB_ORDER_C;
          a.dims[0] = b.dims[0] = (uint32_t)ir_numel(T(&w, vout));
          copy_stage(&w, a, b);
        }
      }
      continue;
    }
    if (w.done[i]) continue;
    if (lower_node(&w, i) < 0 || job_poll(err) < 0) goto done; /* job_poll: stop request, budget */
  }
  if (w.n_stages == 0) {
    err_set(err, ERR_BACKEND, "the network has no stage to run");
    goto done;
  }
  for (int s = 0; s < w.n_stages; s++)
    for (int k = 0; k < w.stages[s].nbufs; k++)
      if (w.stages[s].bufs[k].tensor >= 0) touch(&w, w.stages[s].bufs[k].tensor, s);
  plan_bss(&w, bs);
  bs->n_stages = w.n_stages;
  if (bs->bss_naive > UINT32_MAX || w.cst.len > (size_t)INT32_MAX) {
    err_set(err, ERR_BACKEND, "the network needs more memory than a MyriadX blob can describe");
    goto done;
  }
  if (serialize(&w, out, bs, vmaj, vmin) < 0) goto done;
  rc = 0;
done:
  for (int s = 0; s < w.n_stages; s++) buf_free(&w.stages[s].params);
  free(w.stages);
  free(w.st);
  free(w.done);
  free(w.reader);
  buf_free(&w.cst);
  return rc;
}
