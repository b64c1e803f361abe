/*
 * compiler/ref/blob_exec_gather.c — CPU kernels of the MyriadX stages the indexed data-movement
 * ops of issue 18 and Mod are written as (compiler/backend/blob/lower_gather.c): GatherElements,
 * ScatterElementsUpdate, OneHot, ReverseSequence and Floor_mod, read through each stage's own
 * buffer descriptors and parameters as compile_tool serializes them (the plugin's
 * stages/<name>.cpp). Index arithmetic is gather_ops.c's, shared with the reference kernels.
 * Where the firmware's behaviour is not public, the OpenVINO operation specification's is taken:
 * OneHot-1 gives a row of off_value for an index outside [0, depth) (negative indices are
 * "undefined" there); GatherElements-6 and ScatterElementsUpdate-3 count negative indices from
 * the end of the axis.
 */
#include "blob_exec_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_format.h"
#include "gather_ops.h"

static int32_t i32_at(const uint8_t *p) { return (int32_t)rd_u32(p); }
static float f32_at(const uint8_t *p) {
  float f;
  memcpy(&f, p, 4);
  return f;
}

static int views(X *x, const BlobStage *s, V *v, uint32_t n) {
  if (s->num_buffers < n) return bx__fail(x, "buffers missing");
  for (uint32_t i = 0; i < n; i++)
    if (bx__view(x, &s->buffers[i], &v[i]) < 0) return -1;
  return 0;
}

/* Logical dims (outermost first) of a view. */
static int dims_of(const V *v, int64_t *d) {
  for (uint32_t i = 0; i < v->nd; i++) d[i] = v->d[v->nd - 1 - i];
  return (int)v->nd;
}

static void store_all(const V *y, const float *f) {
  uint32_t idx[BLOB_MAX_DIMS] = {0};
  uint64_t i = 0;
  do bx__st(y, idx, f[i++]);
  while (bx__next(idx, y->d, y->nd));
}

/* The values of a view as int64 (rounded), malloc'd; NULL when out of memory. */
static int64_t *ints_of(const V *v) {
  uint64_t n = bx__count(v);
  float *f = bx__load_all(v);
  int64_t *r = f ? malloc((size_t)(n + 1) * sizeof *r) : NULL;
  for (uint64_t i = 0; r && i < n; i++) r[i] = (int64_t)lrintf(f[i]);
  free(f);
  return r;
}

/* Work arrays of one kernel, freed together. */
typedef struct {
  float *a, *b, *y;
  int64_t *i, *o;
} Bufs;

static void release(Bufs *b) { free(b->a), free(b->b), free(b->y), free(b->i), free(b->o); }

/* GatherElements (139): i32 axis (0 = outermost); data, output, indices. */
static int gather_elements(X *x, const BlobStage *s) {
  V v[3];
  if (views(x, s, v, 3) < 0) return -1;
  if (s->params_len < 4) return bx__fail(x, "params too short");
  int64_t dd[BLOB_MAX_DIMS], di[BLOB_MAX_DIMS];
  int r = dims_of(&v[0], dd), ri = dims_of(&v[2], di), ax = i32_at(s->params);
  uint64_t n = bx__count(&v[2]);
  if (ri != r || bx__count(&v[1]) != n || ax < 0 || ax >= r)
    return bx__fail(x, "GatherElements buffers or axis do not match");
  Bufs b = {bx__load_all(&v[0]), NULL, calloc(n + 1, sizeof(float)), ints_of(&v[2]),
            malloc((n + 1) * sizeof(int64_t))};
  int rc = b.a && b.y && b.i && b.o ? 0 : bx__fail(x, "out of memory");
  if (rc == 0 && gop_elements(dd, di, r, ax, b.i, b.o) < 0)
    rc = bx__fail(x, "GatherElements index out of range");
  for (uint64_t e = 0; rc == 0 && e < n; e++) b.y[e] = b.a[b.o[e]];
  if (rc == 0) store_all(&v[1], b.y);
  release(&b);
  return rc;
}

/* ScatterElementsUpdate (126): data, output, indices, updates, axis (S32 [1], 0 = outermost). */
static int scatter_elements(X *x, const BlobStage *s) {
  V v[5];
  if (views(x, s, v, 5) < 0) return -1;
  int64_t dd[BLOB_MAX_DIMS], di[BLOB_MAX_DIMS];
  int r = dims_of(&v[0], dd), ri = dims_of(&v[2], di);
  uint64_t n = bx__count(&v[2]), nd = bx__count(&v[0]);
  if (ri != r || bx__count(&v[3]) != n || bx__count(&v[1]) != nd || bx__count(&v[4]) != 1)
    return bx__fail(x, "ScatterElementsUpdate buffers do not match");
  uint32_t z[BLOB_MAX_DIMS] = {0};
  int ax = (int)lrintf(bx__ld(&v[4], z));
  if (ax < 0 || ax >= r) return bx__fail(x, "ScatterElementsUpdate axis out of range");
  Bufs b = {bx__load_all(&v[0]), bx__load_all(&v[3]), NULL, ints_of(&v[2]),
            malloc((n + 1) * sizeof(int64_t))};
  int rc = b.a && b.b && b.i && b.o ? 0 : bx__fail(x, "out of memory");
  if (rc == 0 && gop_elements(dd, di, r, ax, b.i, b.o) < 0)
    rc = bx__fail(x, "ScatterElementsUpdate index out of range");
  for (uint64_t e = 0; rc == 0 && e < n; e++) b.a[b.o[e]] = b.b[e];
  if (rc == 0) store_all(&v[1], b.a);
  release(&b);
  return rc;
}

/* OneHot (117): i32 axis (memory order of the output, 0 = innermost), u32 depth, f32 on, off;
 * indices, output. */
static int one_hot(X *x, const BlobStage *s) {
  V v[2];
  if (views(x, s, v, 2) < 0) return -1;
  if (s->params_len < 16) return bx__fail(x, "params too short");
  int64_t di[BLOB_MAX_DIMS], outer = 1, inner = 1;
  int r = dims_of(&v[0], di), axm = i32_at(s->params);
  uint32_t depth = rd_u32(s->params + 4);
  int a = r - axm; /* logical position of the new axis in the output */
  if (axm < 0 || a < 0 || depth < 1 || v[1].nd != (uint32_t)r + 1 || v[1].d[axm] != depth)
    return bx__fail(x, "OneHot axis or depth do not match the buffers");
  for (int i = 0; i < r; i++) *(i < a ? &outer : &inner) *= di[i];
  uint64_t n = (uint64_t)(outer * inner) * depth;
  if (bx__count(&v[1]) != n) return bx__fail(x, "OneHot output size does not match");
  Bufs b = {NULL, NULL, calloc(n + 1, sizeof(float)), ints_of(&v[0]), NULL};
  int rc = b.y && b.i ? 0 : bx__fail(x, "out of memory");
  if (rc == 0) {
    gop_one_hot(b.i, outer, inner, depth, f32_at(s->params + 8), f32_at(s->params + 12), 0, b.y);
    store_all(&v[1], b.y);
  }
  release(&b);
  return rc;
}

/* ReverseSequence (94): i32 seq_axis, batch_axis (memory order); input, seq_lengths, output. */
static int reverse_sequence(X *x, const BlobStage *s) {
  V v[3];
  if (views(x, s, v, 3) < 0) return -1;
  if (s->params_len < 8) return bx__fail(x, "params too short");
  int64_t d[BLOB_MAX_DIMS];
  int r = dims_of(&v[0], d), sq = r - 1 - i32_at(s->params), ba = r - 1 - i32_at(s->params + 4);
  uint64_t n = bx__count(&v[0]);
  if (sq < 0 || sq >= r || ba < 0 || ba >= r || bx__count(&v[2]) != n ||
      bx__count(&v[1]) != (uint64_t)d[ba])
    return bx__fail(x, "ReverseSequence axes or buffers do not match");
  Bufs b = {bx__load_all(&v[0]), NULL, calloc(n + 1, sizeof(float)), ints_of(&v[1]),
            malloc((n + 1) * sizeof(int64_t))};
  int rc = b.a && b.y && b.i && b.o ? 0 : bx__fail(x, "out of memory");
  if (rc == 0 && gop_reverse_sequence(d, r, sq, ba, b.i, b.o) < 0)
    rc = bx__fail(x, "ReverseSequence length out of range");
  for (uint64_t e = 0; rc == 0 && e < n; e++) b.y[e] = b.a[b.o[e]];
  if (rc == 0) store_all(&v[2], b.y);
  release(&b);
  return rc;
}

/* Floor_mod (89): a, y, b, Fake; size-1 dims broadcast; the result has the divisor's sign. */
static float floor_mod_of(float p, float q) {
  float m = fmodf(p, q);
  return m != 0 && (m < 0) != (q < 0) ? m + q : m;
}
static int floor_mod(X *x, const BlobStage *s) { return bx__binary(x, s, floor_mod_of); }

bool bx__supports_gather(uint32_t t) {
  return t == BLOB_STAGE_GATHER_ELEMENTS || t == BLOB_STAGE_SCATTER_ELEMENTS_UPDATE ||
         t == BLOB_STAGE_ONE_HOT || t == BLOB_STAGE_REVERSE_SEQUENCE || t == BLOB_STAGE_FLOOR_MOD;
}

int bx__run_gather(X *x, const BlobStage *s) {
  switch (s->type) {
  case BLOB_STAGE_GATHER_ELEMENTS: return gather_elements(x, s);
  case BLOB_STAGE_SCATTER_ELEMENTS_UPDATE: return scatter_elements(x, s);
  case BLOB_STAGE_ONE_HOT: return one_hot(x, s);
  case BLOB_STAGE_REVERSE_SEQUENCE: return reverse_sequence(x, s);
  case BLOB_STAGE_FLOOR_MOD: return floor_mod(x, s);
  default: return 1;
  }
}
