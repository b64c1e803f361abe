/*
 * compiler/backend/blob/util.c — buffer views, const-section objects, stages and temporary tensors (helpers of every lowering).
 */
#include "compiler/backend/blob/bw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---- */

int bw_fail(W *w, const char *fmt, const char *a1) {
  err_where(w->err, w->g->source, 0, NULL, w->cur_node >= 0 ? w->g->nodes[w->cur_node].name : NULL);
  return err_set(w->err, ERR_BACKEND, fmt, a1);
}

uint32_t bw_blob_dt(DType t) {
  switch (t) {
  case DT_F16: return BLOB_DT_FP16;
  case DT_U8: return BLOB_DT_U8;
  case DT_I32:
  case DT_I64:
  case DT_BOOL: return BLOB_DT_S32; /* the plugin turns boolean into i32 */
  case DT_F32: return BLOB_DT_FP32;
  case DT_I8: return BLOB_DT_I8;
  default: return BLOB_DT_FP16;
  }
}

const IrTensor *bw_T(W *w, int t) { return &w->g->tensors[t]; }

int bw_rank_of(const IrTensor *x) { return x->rank <= 0 ? 1 : x->rank; }
int64_t bw_dim_of(const IrTensor *x, int i) { return x->rank <= 0 ? 1 : x->dims[i]; }

/* Default-order compact view of a tensor's whole storage. */
BRef bw_view(W *w, int t) {
  const IrTensor *x = bw_T(w, t);
  BRef r;
  memset(&r, 0, sizeof r);
  r.tensor = t;
  r.dt = bw_blob_dt(x->dtype);
  int rank = bw_rank_of(x);
  r.ndims = (uint32_t)rank;
  r.order = blob_order_default((uint32_t)rank);
  uint32_t s = blob_dtype_size(r.dt);
  for (int i = 0; i < rank; i++) {
    r.dims[i] = (uint32_t)bw_dim_of(x, rank - 1 - i);
    r.strides[i] = s;
    s *= r.dims[i];
  }
  if (rank == 4) { /* storage in the NCE layout (lower_hw.c): rows padded to 16 bytes */
    const Store *st = &w->st[bw_root_of(w, t, NULL)];
    if (st->pitch) {
      r.strides[1] = st->pitch;
      r.strides[2] = st->pitch * st->lay_h;
      r.strides[3] = r.strides[2] * st->lay_c;
    }
  }
  return r;
}

/* The same buffer seen with leading (major) size-1 dims up to `rank`: the same memory, for numpy
 * broadcasting and for stages that take 4-D buffers only. */
BRef bw_at_rank(BRef r, int rank) {
  if ((int)r.ndims >= rank) return r;
  uint32_t total = r.ndims ? r.strides[r.ndims - 1] * r.dims[r.ndims - 1] : blob_dtype_size(r.dt);
  for (int i = (int)r.ndims; i < rank; i++) r.dims[i] = 1, r.strides[i] = total;
  r.ndims = (uint32_t)rank;
  r.order = blob_order_default((uint32_t)rank);
  return r;
}

/* Convert (111) in -> out (U8/S32/FP16/FP32; convert.cpp): f32 scale 1, f32 bias 0, i32
 * convertFromDetOutput 0, i32 haveBatch 1. */
void bw_emit_convert(W *w, BRef in, BRef out) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_CONVERT, false);
  buf_put_f32(&s->params, 1.0f);
  buf_put_f32(&s->params, 0.0f);
  buf_put_i32(&s->params, 0);
  buf_put_i32(&s->params, 1);
  bw_add_buf(s, in);
  bw_add_buf(s, out);
}

/* Restricts a view to [start, start+count) along IE axis `axis`. */
void bw_roi(BRef *r, int axis, uint32_t start, uint32_t count) {
  int m = (int)r->ndims - 1 - axis;
  r->roi_offset += start * r->strides[m];
  r->dims[m] = count;
}

uint32_t bw_add_const(W *w, const void *data, size_t bytes) {
  buf_align(&w->cst, BLOB_DATA_ALIGN);
  uint32_t off = (uint32_t)w->cst.len;
  buf_put(&w->cst, data, bytes);
  return off;
}

/* A const-section object of n FP16 values filled in place: returns where to write them (valid
 * until the next const is added) and sets *r to its view with the given minor->major dims. The
 * weights are re-laid straight into the section, with no staging copy. */
uint16_t *bw_const_f16_slot(W *w, size_t n, int ndims, const uint32_t *dims_mm, BRef *r) {
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

/* A 1-D S32 const of n values (axes lists, K, an axis input). */
BRef bw_const_s32(W *w, const int32_t *v, uint32_t n) {
  BRef r;
  memset(&r, 0, sizeof r);
  r.tensor = -1;
  r.const_off = bw_add_const(w, v, (size_t)n * 4);
  r.dt = BLOB_DT_S32;
  r.order = BLOB_ORDER_C;
  r.ndims = 1;
  r.dims[0] = n;
  r.strides[0] = 4;
  return r;
}

/* A const-section object holding n FP16 values; view with the given rank and minor->major dims. */
BRef bw_const_f16(W *w, const uint16_t *v, size_t n, int ndims, const uint32_t *dims_mm) {
  BRef r;
  memset(&r, 0, sizeof r);
  r.tensor = -1;
  r.const_off = bw_add_const(w, v, n * 2);
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
BRef bw_const_vec(W *w, const double *v, size_t n) {
  uint16_t *h = arena_array(w->g->arena, n ? n : 1, 2);
  for (size_t i = 0; i < n; i++) h[i] = fp16_from_f32((float)v[i]);
  uint32_t d = (uint32_t)n;
  return bw_const_f16(w, h, n, 1, &d);
}

/* The FP16 bits of a float constant: its own data after the fp16 pass, else a rounded copy in
 * the arena (FP32 graphs, F64 constants). */
const uint16_t *bw_halves_of(W *w, const IrTensor *x) {
  if (x->dtype == DT_F16) return x->data;
  int64_t n = ir_numel(x);
  uint16_t *h = arena_array(w->g->arena, (size_t)(n > 0 ? n : 1), 2);
  if (x->dtype == DT_F32)
    fp16_convert(h, x->data, (size_t)n, NULL, NULL);
  else
    for (int64_t i = 0; i < n; i++) h[i] = bw_half_at(x, i);
  return h;
}

/* A constant graph tensor as a blob const (float data as FP16, ints as S32). */
BRef bw_const_tensor(W *w, int t) {
  const IrTensor *x = bw_T(w, t);
  int64_t n = ir_numel(x);
  BRef r = bw_view(w, t);
  r.tensor = -1;
  if (dtype_is_float(x->dtype)) {
    uint16_t *h = arena_array(w->g->arena, (size_t)(n > 0 ? n : 1), 2);
    if (x->dtype == DT_F16) {
      r.const_off = bw_add_const(w, x->data, (size_t)n * 2); /* already the bytes we want */
    } else {
      for (int64_t i = 0; i < n; i++) h[i] = bw_half_at(x, i);
      r.const_off = bw_add_const(w, h, (size_t)n * 2);
    }
    r.dt = BLOB_DT_FP16;
  } else {
    int32_t *v = arena_array(w->g->arena, (size_t)(n > 0 ? n : 1), 4);
    for (int64_t i = 0; i < n; i++) v[i] = (int32_t)ir_const_i64(x, i);
    r.const_off = bw_add_const(w, v, (size_t)n * 4);
    r.dt = BLOB_DT_S32;
  }
  uint32_t s = blob_dtype_size(r.dt);
  for (uint32_t i = 0; i < r.ndims; i++) {
    r.strides[i] = s;
    s *= r.dims[i];
  }
  return r;
}

BRef bw_fake_ref(void) {
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
BRef bw_in_ref(W *w, int t) { return ir_is_const(w->g, t) ? bw_const_tensor(w, t) : bw_view(w, t); }

Stage *bw_new_stage(W *w, uint32_t type, bool post_op) {
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
  if (blob_stage_category(type) != BLOB_CAT_SHAVE)
    s->shaves = 0;
  else
    s->shaves = post_op ? (sh < 2 ? sh : 2) : sh;
  return s;
}

void bw_add_buf(Stage *s, BRef r) {
  ASSERT(s->nbufs < MAX_STAGE_BUFS);
  s->bufs[s->nbufs++] = r;
}

/* Intermediate tensor made by the writer with its own shape, named after `like` + suffix, of
 * like's dtype. Adding a tensor may move g->tensors: callers re-fetch IrTensor pointers. */
int bw_temp_dims(W *w, int like, const char *suffix, int rank, const int64_t *dims) {
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
  w->st[t].bytes = bw_tensor_bytes(&g->tensors[t]);
  return t;
}

/* A writer temporary shaped like tensor `like`, of dtype dt. */
int bw_temp_typed(W *w, int like, DType dt) {
  int t = bw_temp_like(w, like);
  IrGraph *g = (IrGraph *)w->g; /* a tensor the writer owns */
  g->tensors[t].dtype = dt;
  w->st[t].bytes = bw_tensor_bytes(&g->tensors[t]);
  return t;
}

/* Intermediate tensor made by the writer (e.g. conv result before its Bias stage). */
int bw_temp_like(W *w, int like) {
  int64_t dims[IR_MAX_DIMS];
  int rank = w->g->tensors[like].rank;
  if (rank > 0) memcpy(dims, w->g->tensors[like].dims, (size_t)rank * sizeof dims[0]);
  return bw_temp_dims(w, like, "@pre", rank, dims);
}

uint64_t bw_tensor_bytes64(const IrTensor *x) {
  int64_t n = ir_numel(x);
  if (n < 0) return UINT64_MAX;
  return (uint64_t)(n > 0 ? n : 1) * blob_dtype_size(bw_blob_dt(x->dtype));
}

uint32_t bw_tensor_bytes(const IrTensor *x) {
  uint64_t b = bw_tensor_bytes64(x);
  return b > BLOB_MAX_TENSOR_BYTES ? BLOB_MAX_TENSOR_BYTES : (uint32_t)b;
}
