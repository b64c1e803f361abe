/*
 * compiler/ref/ref_gather.c — reference kernels of the indexed data-movement ops of issue 18
 * (GatherElements, ScatterElements, ScatterND, OneHot, ReverseSequence) and Mod, with ONNX's
 * semantics (docs/Operators.md, onnx v1.12.0), for any element type. The index arithmetic is
 * gather_ops.c's, shared with the blob executor.
 */
#include "ref_internal.h"

#include "gather_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The values of input k as int64 (malloc'd, n values in *n); NULL after ref__fail. */
static int64_t *ints_of(RefNode *x, int k, int64_t *n) {
  const RefTensor *t = ref__need(x, k);
  if (!t) return NULL;
  *n = ref_numel(t);
  int64_t *v = malloc((size_t)(*n > 0 ? *n : 1) * sizeof *v);
  if (!v) return ref__fail(x, ERR_OOM, "out of memory"), NULL;
  for (int64_t i = 0; i < *n; i++) v[i] = ref_get_i64(t, i);
  return v;
}

static int64_t *offsets(RefNode *x, int64_t n) {
  int64_t *o = malloc((size_t)(n > 0 ? n : 1) * sizeof *o);
  if (!o) ref__fail(x, ERR_OOM, "out of memory");
  return o;
}

REF_KERNEL(gather_elements) {
  const RefTensor *a = ref__need(x, 0), *ix = ref__need(x, 1);
  if (!a || !ix) return -1;
  if (a->rank < 1 || ix->rank != a->rank)
    return ref__fail(x, ERR_SHAPE, "indices must have the data's rank");
  int ax = ref__axis(x, ir_axis_params(x->g, x->n)->axis, a->rank);
  if (ax < 0) return -1;
  int64_t n = 0, *idx = ints_of(x, 1, &n), *off = idx ? offsets(x, n) : NULL;
  RefTensor *o = off ? ref__out(x, 0, a->dtype, ix->rank, ix->dims) : NULL;
  int rc = o ? 0 : -1;
  if (o && gop_elements(a->dims, ix->dims, a->rank, ax, idx, off) < 0)
    rc = ref__fail(x, ERR_SHAPE, "an index is outside the data");
  for (int64_t e = 0; rc == 0 && e < n; e++) ref__copy_elem(o, e, a, off[e]);
  free(off);
  free(idx);
  return rc;
}

/* y[k] = reduce(y[k], u[j]) in the output's storage. */
static void combine(RefTensor *y, int64_t k, const RefTensor *u, int64_t j, IrScatterReduction r) {
  if (r == IR_REDUCE_NONE) {
    ref__copy_elem(y, k, u, j);
  } else if (y->f) {
    float p = y->f[k], q = u->f[j];
    y->f[k] = r == IR_REDUCE_ADD   ? p + q
              : r == IR_REDUCE_MUL ? p * q
              : r == IR_REDUCE_MIN ? (q < p ? q : p)
                                   : (q > p ? q : p);
  } else {
    int64_t p = ref_get_i64(y, k), q = ref_get_i64(u, j);
    ref_set_i64(y, k,
                r == IR_REDUCE_ADD   ? (int64_t)((uint64_t)p + (uint64_t)q)
                : r == IR_REDUCE_MUL ? (int64_t)((uint64_t)p * (uint64_t)q)
                : r == IR_REDUCE_MIN ? (q < p ? q : p)
                                     : (q > p ? q : p));
  }
}

/* ScatterElements: y = data, then each update element to the place its index names (duplicates
 * applied in order, with the reduction). ScatterND: indices [..., k] name slices of
 * prod(data.shape[k:]) values. */
REF_KERNEL(scatter) {
  const RefTensor *a = ref__need(x, 0), *ix = ref__need(x, 1), *u = ref__need(x, 2);
  if (!a || !ix || !u) return -1;
  if (a->dtype != u->dtype) return ref__fail(x, ERR_SHAPE, "updates must have the data's type");
  const IrScatterParams *p = ir_scatter_params(x->g, x->n);
  bool nd = x->n->op == IR_OP_SCATTER_ND;
  int64_t n = 0, rows = 0, k = 0, block = 1, *idx = ints_of(x, 1, &n), *off = NULL;
  if (!idx) return -1;
  int rc = 0;
  if (nd) {
    k = ix->rank ? ix->dims[ix->rank - 1] : 0;
    if (ix->rank < 1 || k < 1 || k > a->rank)
      rc = ref__fail(x, ERR_SHAPE, "indices do not fit the data");
    else {
      rows = n / k;
      for (int i = (int)k; i < a->rank; i++) block *= a->dims[i];
      if (ref_numel(u) != rows * block) rc = ref__fail(x, ERR_SHAPE, "updates do not fit");
    }
  } else {
    rows = n;
    if (ix->rank != a->rank || u->rank != a->rank || ref_numel(u) != n)
      rc = ref__fail(x, ERR_SHAPE, "indices and updates must match and have the data's rank");
  }
  int ax = rc == 0 && !nd ? ref__axis(x, p->axis, a->rank) : 0;
  if (ax < 0) rc = -1;
  if (rc == 0 && !(off = offsets(x, rows))) rc = -1;
  if (rc == 0 && (nd ? gop_gather_nd_rows(a->dims, a->rank, idx, rows, k, 0, off)
                     : gop_elements(a->dims, ix->dims, a->rank, ax, idx, off)) < 0)
    rc = ref__fail(x, ERR_SHAPE, "an index is outside the data");
  RefTensor *o = rc == 0 ? ref__out(x, 0, a->dtype, a->rank, a->dims) : NULL;
  if (rc == 0 && !o) rc = -1;
  for (int64_t e = 0; rc == 0 && e < ref_numel(a); e++) ref__copy_elem(o, e, a, e);
  for (int64_t r = 0; rc == 0 && r < rows; r++)
    for (int64_t q = 0; q < block; q++) combine(o, off[r] + q, u, r * block + q, p->reduction);
  free(off);
  free(idx);
  return rc;
}

/* OneHot-11: depth (one value, rounded down), values [off, on]; an index in [-depth, depth)
 * marks its position (negative from the end), others give a row of off. */
REF_KERNEL(one_hot) {
  const RefTensor *ix = ref__need(x, 0), *dp = ref__need(x, 1), *vs = ref__need(x, 2);
  if (!ix || !dp || !vs) return -1;
  if (ref_numel(dp) != 1 || ref_numel(vs) != 2)
    return ref__fail(x, ERR_SHAPE, "depth must be one value and values two");
  double dd = ref_get_f64(dp, 0);
  if (!(dd >= 1 && dd <= 1e9)) return ref__fail(x, ERR_SHAPE, "depth %g is invalid", dd);
  int64_t depth = (int64_t)dd, a = ir_axis_params(x->g, x->n)->axis, r = ix->rank + 1;
  if (a < -r || a >= r || r > IR_MAX_DIMS) return ref__fail(x, ERR_SHAPE, "axis is out of range");
  if (a < 0) a += r;
  int64_t d[IR_MAX_DIMS], outer = 1, inner = 1;
  for (int i = 0, j = 0; i < r; i++) d[i] = i == a ? depth : ix->dims[j++];
  for (int i = 0; i < ix->rank; i++) *(i < a ? &outer : &inner) *= ix->dims[i];
  int64_t n = 0, *idx = ints_of(x, 0, &n);
  float *y = idx ? malloc((size_t)(outer * depth * inner + 1) * sizeof *y) : NULL;
  RefTensor *o = y ? ref__out(x, 0, vs->dtype, (int)r, d) : NULL;
  if (idx && !y) ref__fail(x, ERR_OOM, "out of memory");
  int rc = o ? 0 : -1;
  if (rc == 0) {
    gop_one_hot(idx, outer, inner, depth, 1.0f, 0.0f, 1, y);
    for (int64_t e = 0; e < outer * depth * inner; e++) ref__copy_elem(o, e, vs, y[e] != 0);
  }
  free(y);
  free(idx);
  return rc;
}

REF_KERNEL(reverse_sequence) {
  const RefTensor *a = ref__need(x, 0), *l = ref__need(x, 1);
  if (!a || !l) return -1;
  const IrReverseSeqParams *p = ir_reverse_seq_params(x->g, x->n);
  if (a->rank < 2 || p->batch_axis >= a->rank || p->time_axis >= a->rank || l->rank != 1 ||
      l->dims[0] != a->dims[p->batch_axis])
    return ref__fail(x, ERR_SHAPE, "sequence_lens must have one value per batch");
  int64_t n = 0, *lens = ints_of(x, 1, &n), *src = lens ? offsets(x, ref_numel(a)) : NULL;
  RefTensor *o = src ? ref__out(x, 0, a->dtype, a->rank, a->dims) : NULL;
  int rc = o ? 0 : -1;
  if (o &&
      gop_reverse_sequence(a->dims, a->rank, (int)p->time_axis, (int)p->batch_axis, lens, src) < 0)
    rc = ref__fail(x, ERR_SHAPE, "a sequence length is outside [0, %lld]",
                   (long long)a->dims[p->time_axis]);
  for (int64_t e = 0; rc == 0 && e < ref_numel(a); e++) ref__copy_elem(o, e, a, src[e]);
  free(src);
  free(lens);
  return rc;
}

/* Mod with numpy broadcasting: fmod 0 has the divisor's sign (numpy.mod), fmod 1 the dividend's
 * (C fmod); an integer divisor of 0 gives 0 (numpy's answer). */
REF_KERNEL(mod) {
  const RefTensor *a = ref__need(x, 0), *b = ref__need(x, 1);
  if (!a || !b) return -1;
  if (a->dtype != b->dtype) return ref__fail(x, ERR_SHAPE, "operands differ in type");
  bool fm = ir_mod_params(x->g, x->n)->fmod;
  int r;
  int64_t d[IR_MAX_DIMS], sa[IR_MAX_DIMS], sb[IR_MAX_DIMS];
  if (ref__bcast2(a, b, &r, d, sa, sb) < 0)
    return ref__fail(x, ERR_SHAPE, "operands do not broadcast");
  RefTensor *o = ref__out(x, 0, a->dtype, r, d);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, r, d);
  for (int64_t k = 0; k < ref_numel(o); k++, ref__iter_next(&it)) {
    int64_t oa = 0, ob = 0;
    for (int i = 0; i < r; i++) oa += it.idx[i] * sa[i], ob += it.idx[i] * sb[i];
    if (o->f) {
      double p = a->f[oa], q = b->f[ob], m = fmod(p, q);
      if (!fm && m != 0 && (m < 0) != (q < 0)) m += q;
      o->f[k] = (float)m;
    } else {
      int64_t p = ref_get_i64(a, oa), q = ref_get_i64(b, ob), m = 0;
      if (q != 0 && !(q == -1)) m = p % q;
      if (!fm && m != 0 && (m < 0) != (q < 0)) m += q;
      ref_set_i64(o, k, m);
    }
  }
  return 0;
}
