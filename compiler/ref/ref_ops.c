/*
 * compiler/ref/ref_ops.c — reference kernels for elementwise ops, linear algebra, reductions and
 * data movement (see ref_internal.h for the kernel contract). Plain loops, readable over fast.
 */
#include "ref_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/graph/params.h"
#include "compiler/graph/scalar.h"

/* Longest int list a kernel reads (pads of rank 8 = 16, axes, shapes ...). */
#define MAX_INTS 64

/* ---- broadcasting ---- */

/* Offset into t of the walk's current index, t broadcast (numpy, right-aligned) to the walk. */
static int64_t bcast_off(const RefTensor *t, const RefIter *it) {
  int64_t off = 0, st = 1;
  for (int d = t->rank - 1; d >= 0; d--) {
    int od = d + it->rank - t->rank;
    if (t->dims[d] != 1) off += it->idx[od] * st;
    st *= t->dims[d];
  }
  return off;
}

/* numpy broadcast of dims (ra, a) into (ro, o) in place; false when incompatible. */
static bool bcast_into(int *ro, int64_t *o, int ra, const int64_t *a) {
  int r = *ro > ra ? *ro : ra;
  int64_t res[IR_MAX_DIMS];
  for (int i = 0; i < r; i++) {
    int io = i - (r - *ro), ia = i - (r - ra);
    int64_t dox = io >= 0 ? o[io] : 1, da = ia >= 0 ? a[ia] : 1;
    if (dox == da || da == 1)
      res[i] = dox;
    else if (dox == 1)
      res[i] = da;
    else
      return false;
  }
  *ro = r;
  memcpy(o, res, (size_t)r * sizeof *o);
  return true;
}

/* Broadcast shape of all present inputs; -1 after ref__fail. */
static int bcast_inputs(RefNode *x, int first, int last, int *rank, int64_t *dims) {
  *rank = 0;
  for (int k = first; k <= last && k < x->n_in; k++) {
    if (!x->in[k]) continue;
    if (!bcast_into(rank, dims, x->in[k]->rank, x->in[k]->dims)) {
      char a[256], b[256];
      RefTensor o = {.rank = *rank};
      memcpy(o.dims, dims, sizeof o.dims);
      return ref__fail(x, ERR_SHAPE, "cannot broadcast %s with %s", ref_shape_str(&o, a, sizeof a),
                       ref_shape_str(x->in[k], b, sizeof b));
    }
  }
  return 0;
}

/* ---- elementwise ---- */

/* The scalar maths of every elementwise kernel is compiler/graph/scalar.c, shared with folding. */

REF_KERNEL(unary) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  RefTensor *o = ref__out(x, 0, a->dtype, a->rank, a->dims);
  if (!o) return -1;
  int64_t n = ref_numel(a);
  IrOp op = x->n->op;
  IrUnaryArgs ua = ir_unary_args(x->g, x->n);
  for (int64_t k = 0; k < n; k++) {
    int64_t v;
    if (a->i && ir_eval_unary_i(op, a->i[k], INT64_MIN, INT64_MAX, &v))
      ref_set_i64(o, k, v);
    else
      ref_set_f64(o, k, ir_eval_unary_f(op, &ua, ref_get_f64(a, k)));
  }
  return 0;
}

REF_KERNEL(binary) {
  const RefTensor *a = ref__need(x, 0), *b = ref__need(x, 1);
  if (!a || !b) return -1;
  if (ir_binary_params(x->g, x->n)->legacy_axis)
    return ref__fail(x, ERR_UNSUPPORTED_OP, "legacy broadcast with an axis is not implemented");
  int r;
  int64_t d[IR_MAX_DIMS];
  if (bcast_inputs(x, 0, 1, &r, d) < 0) return -1;
  RefTensor *o = ref__out(x, 0, a->dtype, r, d);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, r, d);
  int64_t n = ref_numel(o);
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) {
    int64_t ka = bcast_off(a, &it), kb = bcast_off(b, &it);
    int64_t v;
    if (o->i && b->i) {
      ir_eval_binary_i(x->n->op, a->i[ka], b->i[kb], &v); /* undefined (division by 0): 0 */
      ref_set_i64(o, k, v);
    } else {
      ref_set_f64(o, k, ir_eval_binary_f(x->n->op, ref_get_f64(a, ka), ref_get_f64(b, kb)));
    }
  }
  return 0;
}

/* Max / Min over any number of broadcast inputs; NaN propagates (numpy maximum). */
REF_KERNEL(variadic) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  int r;
  int64_t d[IR_MAX_DIMS];
  if (bcast_inputs(x, 0, x->n_in - 1, &r, d) < 0) return -1;
  RefTensor *o = ref__out(x, 0, a->dtype, r, d);
  if (!o) return -1;
  IrOp op = x->n->op;
  RefIter it;
  ref__iter_init(&it, r, d);
  int64_t n = ref_numel(o);
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) {
    bool first = true;
    double fv = 0;
    int64_t iv = 0;
    for (int j = 0; j < x->n_in; j++) {
      const RefTensor *t = x->in[j];
      if (!t) continue;
      int64_t off = bcast_off(t, &it);
      if (o->i) {
        int64_t v = ref_get_i64(t, off);
        if (first)
          iv = v;
        else
          ir_eval_binary_i(op, iv, v, &iv);
      } else {
        double v = ref_get_f64(t, off);
        fv = first ? v : ir_eval_binary_f(op, fv, v);
      }
      first = false;
    }
    if (o->i)
      ref_set_i64(o, k, iv);
    else
      ref_set_f64(o, k, fv);
  }
  return 0;
}

REF_KERNEL(compare) {
  const RefTensor *a = ref__need(x, 0), *b = ref__need(x, 1);
  if (!a || !b) return -1;
  int r;
  int64_t d[IR_MAX_DIMS];
  if (bcast_inputs(x, 0, 1, &r, d) < 0) return -1;
  RefTensor *o = ref__out(x, 0, DT_BOOL, r, d);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, r, d);
  int64_t n = ref_numel(o);
  IrOp op = x->n->op;
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) {
    int64_t ka = bcast_off(a, &it), kb = bcast_off(b, &it);
    if (a->i && b->i)
      ir_eval_binary_i(op, a->i[ka], b->i[kb], &o->i[k]);
    else
      o->i[k] = ir_eval_binary_f(op, ref_get_f64(a, ka), ref_get_f64(b, kb)) != 0;
  }
  return 0;
}

REF_KERNEL(where) {
  const RefTensor *c = ref__need(x, 0), *a = ref__need(x, 1), *b = ref__need(x, 2);
  if (!c || !a || !b) return -1;
  int r;
  int64_t d[IR_MAX_DIMS];
  if (bcast_inputs(x, 0, 2, &r, d) < 0) return -1;
  RefTensor *o = ref__out(x, 0, a->dtype, r, d);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, r, d);
  int64_t n = ref_numel(o);
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) {
    bool pick_a = ref_get_f64(c, bcast_off(c, &it)) != 0;
    if (pick_a)
      ref__copy_elem(o, k, a, bcast_off(a, &it));
    else
      ref__copy_elem(o, k, b, bcast_off(b, &it));
  }
  return 0;
}

/* PRelu: slope broadcast (unidirectionally) to X. */
REF_KERNEL(prelu) {
  const RefTensor *a = ref__need(x, 0), *s = ref__need(x, 1);
  if (!a || !s) return -1;
  int r = a->rank;
  int64_t d[IR_MAX_DIMS];
  memcpy(d, a->dims, sizeof d);
  if (!bcast_into(&r, d, s->rank, s->dims) || r != a->rank ||
      memcmp(d, a->dims, (size_t)r * sizeof *d))
    return ref__fail(x, ERR_SHAPE, "slope does not broadcast to the input");
  RefTensor *o = ref__out(x, 0, a->dtype, a->rank, a->dims);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, r, d);
  int64_t n = ref_numel(o);
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) {
    double v = ref_get_f64(a, k);
    ref_set_f64(o, k, v < 0 ? v * ref_get_f64(s, bcast_off(s, &it)) : v);
  }
  return 0;
}

/* Clip: min/max attributes before opset 11, optional inputs 2 and 3 since. */
REF_KERNEL(clip) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  IrUnaryArgs ua = ir_unary_args(x->g, x->n);
  int64_t ilo = INT64_MIN, ihi = INT64_MAX;
  if (x->n_in > 1 || x->g->opset >= 11) {
    if (x->n_in > 1 && x->in[1]) ua.lo = ref_get_f64(x->in[1], 0), ilo = ref_get_i64(x->in[1], 0);
    if (x->n_in > 2 && x->in[2]) ua.hi = ref_get_f64(x->in[2], 0), ihi = ref_get_i64(x->in[2], 0);
  } else {
    const IrClipParams *p = ir_clip_params(x->g, x->n);
    ua.lo = p->min;
    ua.hi = p->max;
  }
  RefTensor *o = ref__out(x, 0, a->dtype, a->rank, a->dims);
  if (!o) return -1;
  int64_t n = ref_numel(a);
  for (int64_t k = 0; k < n; k++) {
    int64_t v;
    if (a->i && ir_eval_unary_i(IR_OP_CLIP, a->i[k], ilo, ihi, &v))
      ref_set_i64(o, k, v);
    else
      ref_set_f64(o, k, ir_eval_unary_f(IR_OP_CLIP, &ua, a->f[k]));
  }
  return 0;
}

/* ---- linear algebra ---- */

/* Flat batch number of tensor batch dims (rank rb, dims bd) at broadcast batch index it. */
static int64_t batch_off(int rb, const int64_t *bd, const RefIter *it) {
  RefTensor t = {.rank = rb};
  if (rb) memcpy(t.dims, bd, (size_t)rb * sizeof *bd);
  return bcast_off(&t, it);
}

REF_KERNEL(matmul) {
  const RefTensor *a = ref__need(x, 0), *b = ref__need(x, 1);
  if (!a || !b) return -1;
  if (a->rank == 0 || b->rank == 0)
    return ref__fail(x, ERR_SHAPE, "scalar operands are not allowed");
  /* promote 1-D operands: a [K] -> [1,K], b [K] -> [K,1] */
  int ra = a->rank < 2 ? 2 : a->rank, rb = b->rank < 2 ? 2 : b->rank;
  int64_t da[IR_MAX_DIMS], db[IR_MAX_DIMS];
  if (a->rank == 1) {
    da[0] = 1;
    da[1] = a->dims[0];
  } else
    memcpy(da, a->dims, sizeof da);
  if (b->rank == 1) {
    db[0] = b->dims[0];
    db[1] = 1;
  } else
    memcpy(db, b->dims, sizeof db);
  int64_t m = da[ra - 2], kk = da[ra - 1], kb = db[rb - 2], nn = db[rb - 1];
  if (kk != kb)
    return ref__fail(x, ERR_SHAPE, "inner dims disagree (%lld vs %lld)", (long long)kk,
                     (long long)kb);
  int r = ra - 2;
  int64_t d[IR_MAX_DIMS];
  memcpy(d, da, (size_t)r * sizeof *d);
  if (!bcast_into(&r, d, rb - 2, db)) return ref__fail(x, ERR_SHAPE, "batch dims do not broadcast");
  int rbatch = r;
  int64_t od[IR_MAX_DIMS];
  memcpy(od, d, sizeof od);
  if (a->rank != 1) od[r++] = m;
  if (b->rank != 1) od[r++] = nn;
  RefTensor *o = ref__out(x, 0, a->dtype, r, od);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, rbatch, d);
  int64_t nbatch = 1;
  for (int i = 0; i < rbatch; i++) nbatch *= d[i];
  for (int64_t bi = 0; bi < nbatch; bi++, ref__iter_next(&it)) {
    int64_t oa = batch_off(ra - 2, da, &it) * m * kk, ob = batch_off(rb - 2, db, &it) * kk * nn;
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < nn; j++) {
        int64_t ko = (bi * m + i) * nn + j;
        if (o->i) {
          int64_t s = 0;
          for (int64_t p = 0; p < kk; p++)
            s += ref_get_i64(a, oa + i * kk + p) * ref_get_i64(b, ob + p * nn + j);
          ref_set_i64(o, ko, s);
        } else {
          double s = 0;
          for (int64_t p = 0; p < kk; p++)
            s += ref_get_f64(a, oa + i * kk + p) * ref_get_f64(b, ob + p * nn + j);
          ref_set_f64(o, ko, s);
        }
      }
  }
  return 0;
}

REF_KERNEL(gemm) {
  const RefTensor *a = ref__need(x, 0), *b = ref__need(x, 1), *c = x->n_in > 2 ? x->in[2] : NULL;
  if (!a || !b) return -1;
  if (a->rank != 2 || b->rank != 2) return ref__fail(x, ERR_SHAPE, "operands must be 2-D");
  const IrGemmParams *gp = ir_gemm_params(x->g, x->n);
  bool ta = gp->trans_a, tb = gp->trans_b;
  double alpha = gp->alpha, beta = gp->beta;
  int64_t m = a->dims[ta ? 1 : 0], k = a->dims[ta ? 0 : 1], kb = b->dims[tb ? 1 : 0],
          n = b->dims[tb ? 0 : 1];
  if (k != kb)
    return ref__fail(x, ERR_SHAPE, "inner dims disagree (%lld vs %lld)", (long long)k,
                     (long long)kb);
  int64_t od[2] = {m, n};
  if (c) {
    int r = 2;
    int64_t d[IR_MAX_DIMS] = {m, n};
    if (c->rank > 2 || !bcast_into(&r, d, c->rank, c->dims) || d[0] != m || d[1] != n)
      return ref__fail(x, ERR_SHAPE, "bias C does not broadcast to %lldx%lld", (long long)m,
                       (long long)n);
  }
  RefTensor *o = ref__out(x, 0, a->dtype, 2, od);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, 2, od);
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++, ref__iter_next(&it)) {
      double s = 0;
      for (int64_t p = 0; p < k; p++)
        s +=
            ref_get_f64(a, ta ? p * m + i : i * k + p) * ref_get_f64(b, tb ? j * k + p : p * n + j);
      s *= alpha;
      if (c) s += beta * ref_get_f64(c, bcast_off(c, &it));
      ref_set_f64(o, i * n + j, s);
    }
  return 0;
}

/* ---- data movement ---- */

REF_KERNEL(concat) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  int ax = ref__axis(x, ir_axis_params(x->g, x->n)->axis, a->rank);
  if (ax < 0) return -1;
  int64_t d[IR_MAX_DIMS];
  memcpy(d, a->dims, sizeof d);
  d[ax] = 0;
  for (int j = 0; j < x->n_in; j++) {
    const RefTensor *t = x->in[j];
    if (!t) continue;
    bool ok = t->rank == a->rank;
    for (int i = 0; ok && i < a->rank; i++) ok = i == ax || t->dims[i] == a->dims[i];
    if (!ok)
      return ref__fail(x, ERR_SHAPE, "input %d does not match input 1 outside axis %d", j + 1, ax);
    d[ax] += t->dims[ax];
  }
  RefTensor *o = ref__out(x, 0, a->dtype, a->rank, d);
  if (!o) return -1;
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < ax; i++) outer *= d[i];
  for (int i = ax + 1; i < a->rank; i++) inner *= d[i];
  int64_t k = 0;
  for (int64_t p = 0; p < outer; p++)
    for (int j = 0; j < x->n_in; j++) {
      const RefTensor *t = x->in[j];
      if (!t) continue;
      int64_t blk = t->dims[ax] * inner;
      for (int64_t e = 0; e < blk; e++) ref__copy_elem(o, k++, t, p * blk + e);
    }
  return 0;
}

/* Output k (dtype/dims given) as a copy of a's elements in order. */
static int copy_as(RefNode *x, int k, const RefTensor *a, int rank, const int64_t *dims) {
  RefTensor *o = ref__out(x, k, a->dtype, rank, dims);
  if (!o) return -1;
  if (ref_numel(o) != ref_numel(a)) return ref__fail(x, ERR_SHAPE, "element count changes");
  int64_t n = ref_numel(a);
  for (int64_t e = 0; e < n; e++) ref__copy_elem(o, e, a, e);
  return 0;
}

REF_KERNEL(reshape) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  int64_t sh[MAX_INTS];
  int c =
      ref__ints(x, 1, NULL, IR_NO_INTS, sh, MAX_INTS); /* input 2 (shape inference requires it) */
  if (c < 0) return -1;
  if (c > IR_MAX_DIMS)
    return ref__fail(x, ERR_SHAPE, "target rank %d is over the limit of %d", c, IR_MAX_DIMS);
  bool allowzero = ir_reshape_params(x->g, x->n)->allowzero;
  int neg = -1;
  int64_t known = 1;
  for (int i = 0; i < c; i++) {
    if (sh[i] == 0 && !allowzero) {
      if (i >= a->rank)
        return ref__fail(x, ERR_SHAPE, "shape value 0 at index %d has no input dim", i);
      sh[i] = a->dims[i];
    }
    if (sh[i] == -1) {
      if (neg >= 0) return ref__fail(x, ERR_SHAPE, "more than one -1 in shape");
      neg = i;
    } else if (sh[i] < 0) {
      return ref__fail(x, ERR_SHAPE, "invalid shape value %lld", (long long)sh[i]);
    } else {
      known *= sh[i];
    }
  }
  int64_t total = ref_numel(a);
  if (neg >= 0) {
    if (known == 0 || total % known) return ref__fail(x, ERR_SHAPE, "cannot infer the -1 dim");
    sh[neg] = total / known;
  } else if (known != total) {
    char b[256];
    return ref__fail(x, ERR_SHAPE, "cannot reshape %s to %lld elements",
                     ref_shape_str(a, b, sizeof b), (long long)known);
  }
  return copy_as(x, 0, a, c, sh);
}

REF_KERNEL(flatten) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  int64_t axis = ir_axis_params(x->g, x->n)->axis;
  if (axis < -a->rank || axis > a->rank)
    return ref__fail(x, ERR_SHAPE, "axis %lld is out of range", (long long)axis);
  int ax = (int)(axis < 0 ? axis + a->rank : axis);
  int64_t d[2] = {1, 1};
  for (int i = 0; i < a->rank; i++) d[i < ax ? 0 : 1] *= a->dims[i];
  return copy_as(x, 0, a, 2, d);
}

REF_KERNEL(identity) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  if (x->n->op == IR_OP_DROPOUT && x->n_in > 2 && x->in[2] && ref_get_i64(x->in[2], 0))
    return ref__fail(x, ERR_UNSUPPORTED_OP, "training_mode is not implemented");
  if (copy_as(x, 0, a, a->rank, a->dims) < 0) return -1;
  if (x->n->op == IR_OP_DROPOUT && x->n_out > 1) {
    RefTensor *m = ref__out(x, 1, DT_BOOL, a->rank, a->dims);
    if (!m) return -1;
    for (int64_t e = 0; e < ref_numel(a); e++) m->i[e] = 1;
  }
  return 0;
}

REF_KERNEL(transpose) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  int64_t perm[MAX_INTS];
  int c = ir_ints_copy(ir_transpose_params(x->g, x->n)->perm, perm, MAX_INTS);
  if (c == 0) {
    c = a->rank;
    for (int i = 0; i < c; i++) perm[i] = a->rank - 1 - i;
  }
  if (c != a->rank) return ref__fail(x, ERR_SHAPE, "perm has %d values, expected %d", c, a->rank);
  int64_t d[IR_MAX_DIMS], st[IR_MAX_DIMS];
  bool seen[IR_MAX_DIMS] = {false};
  for (int i = 0; i < c; i++) {
    if (perm[i] < 0 || perm[i] >= c || seen[perm[i]])
      return ref__fail(x, ERR_SHAPE, "perm is not a permutation");
    seen[perm[i]] = true;
    d[i] = a->dims[perm[i]];
  }
  ref__strides(a->rank, a->dims, st);
  RefTensor *o = ref__out(x, 0, a->dtype, c, d);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, c, d);
  int64_t n = ref_numel(o);
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) {
    int64_t off = 0;
    for (int i = 0; i < c; i++) off += it.idx[i] * st[perm[i]];
    ref__copy_elem(o, k, a, off);
  }
  return 0;
}

/* Normalises axes in place against rank r, rejecting repeats; -1 after ref__fail. */
static int norm_axes(RefNode *x, int64_t *axes, int c, int r) {
  bool seen[IR_MAX_DIMS] = {false};
  for (int i = 0; i < c; i++) {
    int a = ref__axis(x, axes[i], r);
    if (a < 0) return -1;
    if (seen[a]) return ref__fail(x, ERR_SHAPE, "axis %d is repeated", a);
    seen[a] = true;
    axes[i] = a;
  }
  return 0;
}

REF_KERNEL(squeeze) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  int64_t axes[MAX_INTS];
  int c = ref__ints(x, 1, "axes", ir_axes_params(x->g, x->n)->axes, axes, MAX_INTS);
  if (c < 0 || norm_axes(x, axes, c, a->rank) < 0) return -1;
  bool drop[IR_MAX_DIMS] = {false};
  for (int i = 0; i < c; i++) {
    if (a->dims[axes[i]] != 1)
      return ref__fail(x, ERR_SHAPE, "cannot squeeze axis %lld of size %lld", (long long)axes[i],
                       (long long)a->dims[axes[i]]);
    drop[axes[i]] = true;
  }
  for (int i = 0; i < a->rank && c == 0; i++) drop[i] = a->dims[i] == 1;
  int r = 0;
  int64_t d[IR_MAX_DIMS];
  for (int i = 0; i < a->rank; i++)
    if (!drop[i]) d[r++] = a->dims[i];
  return copy_as(x, 0, a, r, d);
}

REF_KERNEL(unsqueeze) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  int64_t axes[MAX_INTS];
  int c = ref__ints(x, 1, "axes", ir_axes_params(x->g, x->n)->axes, axes, MAX_INTS);
  if (c < 0) return -1;
  int r = a->rank + c;
  if (r > IR_MAX_DIMS)
    return ref__fail(x, ERR_SHAPE, "output rank %d is over the limit of %d", r, IR_MAX_DIMS);
  if (norm_axes(x, axes, c, r) < 0) return -1;
  bool ins[IR_MAX_DIMS] = {false};
  for (int i = 0; i < c; i++) ins[axes[i]] = true;
  int64_t d[IR_MAX_DIMS];
  for (int i = 0, k = 0; i < r; i++) d[i] = ins[i] ? 1 : a->dims[k++];
  return copy_as(x, 0, a, r, d);
}

/* Source index on an axis of size n for padded index i (pb = leading pad); -1 = constant. */
static int64_t pad_src(IrPadMode m, int64_t i, int64_t pb, int64_t n) {
  int64_t s = i - pb;
  if (s >= 0 && s < n) return s;
  switch (m) {
  case IR_PAD_EDGE: return s < 0 ? 0 : n - 1;
  case IR_PAD_WRAP: return ((s % n) + n) % n;
  case IR_PAD_REFLECT: {
    if (n == 1) return 0;
    int64_t p = 2 * (n - 1);
    s = ((s % p) + p) % p;
    return s < n ? s : p - s;
  }
  default: return -1;
  }
}

REF_KERNEL(pad) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  const IrPadParams *pp = ir_pad_params(x->g, x->n);
  bool attrs = x->g->opset > 0 && x->g->opset < 11;
  int64_t pads[MAX_INTS], axes[MAX_INTS];
  int c = ref__ints(x, attrs ? 99 : 1, attrs ? "pads" : NULL, pp->pads, pads, MAX_INTS);
  if (c < 0) return -1;
  if (c == 0 && !attrs)
    c = ref__ints(x, 99, "pads", pp->pads, pads, MAX_INTS); /* lenient: attribute form */
  int na = ref__ints(x, 3, NULL, IR_NO_INTS, axes, MAX_INTS);
  if (na < 0) return -1;
  if (na == 0) {
    na = a->rank;
    for (int i = 0; i < na; i++) axes[i] = i;
  } else if (norm_axes(x, axes, na, a->rank) < 0) {
    return -1;
  }
  if (c != 2 * na) return ref__fail(x, ERR_SHAPE, "pads has %d values, expected %d", c, 2 * na);
  double value =
      attrs ? pp->value
            : (x->n_in > 2 && x->in[2] && ref_numel(x->in[2]) > 0 ? ref_get_f64(x->in[2], 0) : 0.0);
  const char *ms = pp->mode_name;
  IrPadMode m = pp->mode;
  if (m == IR_PAD_UNKNOWN)
    return ref__fail(x, ERR_UNSUPPORTED_OP, "mode '%s' is not implemented", ms);
  int64_t pb[IR_MAX_DIMS] = {0}, d[IR_MAX_DIMS], st[IR_MAX_DIMS];
  memcpy(d, a->dims, sizeof d);
  for (int i = 0; i < na; i++) {
    pb[axes[i]] = pads[i];
    d[axes[i]] += pads[i] + pads[na + i];
    if (d[axes[i]] < 0)
      return ref__fail(x, ERR_SHAPE, "padding gives a negative size on axis %lld",
                       (long long)axes[i]);
    if (m != IR_PAD_CONSTANT && a->dims[axes[i]] == 0 && d[axes[i]] > 0)
      return ref__fail(x, ERR_SHAPE, "cannot pad an empty axis in mode '%s'", ms);
  }
  ref__strides(a->rank, a->dims, st);
  RefTensor *o = ref__out(x, 0, a->dtype, a->rank, d);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, a->rank, d);
  int64_t n = ref_numel(o);
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) {
    int64_t off = 0;
    bool inside = true;
    for (int i = 0; i < a->rank && inside; i++) {
      int64_t s = pad_src(m, it.idx[i], pb[i], a->dims[i]);
      if (s < 0)
        inside = false;
      else
        off += s * st[i];
    }
    if (inside)
      ref__copy_elem(o, k, a, off);
    else
      ref_set_f64(o, k, value);
  }
  return 0;
}

/* Clamped start and output length of one Slice axis of size dim (ONNX rules). */
static void slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *s0,
                       int64_t *len) {
  if (start < 0) start = start < -dim ? 0 : start + dim;
  if (end < 0) end = end < -dim ? -1 : end + dim;
  if (step > 0) {
    if (start > dim) start = dim;
    if (end > dim) end = dim;
    if (end < 0) end = 0;
    *len = end > start ? (end - start + step - 1) / step : 0;
  } else {
    if (start > dim - 1) start = dim - 1;
    if (end > dim - 1) end = dim - 1;
    if (end < -1) end = -1;
    *len = start > end ? (start - end - 1) / (step == INT64_MIN ? INT64_MAX : -step) + 1 : 0;
  }
  *s0 = start;
}

REF_KERNEL(slice) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  int64_t st[MAX_INTS], en[MAX_INTS], ax[MAX_INTS], sp[MAX_INTS];
  const IrSliceParams *p = ir_slice_params(x->g, x->n);
  bool attrs = x->n_in == 1;
  int cs = ref__ints(x, attrs ? 99 : 1, attrs ? "starts" : NULL, p->starts, st, MAX_INTS);
  int ce = ref__ints(x, attrs ? 99 : 2, attrs ? "ends" : NULL, p->ends, en, MAX_INTS);
  int ca = ref__ints(x, attrs ? 99 : 3, attrs ? "axes" : NULL, p->axes, ax, MAX_INTS);
  int cp = attrs ? 0 : ref__ints(x, 4, NULL, IR_NO_INTS, sp, MAX_INTS);
  if (cs < 0 || ce < 0 || ca < 0 || cp < 0) return -1;
  if (ce != cs || (ca && ca != cs) || (cp && cp != cs))
    return ref__fail(x, ERR_SHAPE, "starts, ends, axes and steps have different lengths");
  if (!ca)
    for (int i = 0; i < cs; i++) ax[i] = i;
  if (norm_axes(x, ax, cs, a->rank) < 0) return -1;
  int64_t start[IR_MAX_DIMS] = {0}, step[IR_MAX_DIMS], d[IR_MAX_DIMS], str[IR_MAX_DIMS];
  memcpy(d, a->dims, sizeof d);
  for (int i = 0; i < IR_MAX_DIMS; i++) step[i] = 1;
  for (int i = 0; i < cs; i++) {
    int k = (int)ax[i];
    step[k] = cp ? sp[i] : 1;
    if (step[k] == 0) return ref__fail(x, ERR_SHAPE, "step on axis %d is 0", k);
    slice_axis(a->dims[k], st[i], en[i], step[k], &start[k], &d[k]);
  }
  ref__strides(a->rank, a->dims, str);
  RefTensor *o = ref__out(x, 0, a->dtype, a->rank, d);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, a->rank, d);
  int64_t n = ref_numel(o);
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) {
    int64_t off = 0;
    for (int i = 0; i < a->rank; i++) off += (start[i] + it.idx[i] * step[i]) * str[i];
    ref__copy_elem(o, k, a, off);
  }
  return 0;
}

REF_KERNEL(split) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  const IrSplitParams *sp = ir_split_params(x->g, x->n);
  int ax = ref__axis(x, sp->axis, a->rank);
  if (ax < 0) return -1;
  int nout = x->n_out;
  int64_t sz[MAX_INTS], dim = a->dims[ax];
  int c = ref__ints(x, 1, "split", sp->split, sz, MAX_INTS);
  if (c < 0) return -1;
  if (c) {
    int64_t sum = 0;
    for (int i = 0; i < c; i++) sum += sz[i];
    if (c != nout || sum != dim)
      return ref__fail(x, ERR_SHAPE, "split sizes do not match %d outputs over a dim of %lld", nout,
                       (long long)dim);
  } else if (sp->has_num_outputs) {
    int64_t chunk = dim / nout + (dim % nout != 0);
    for (int i = 0; i < nout; i++) {
      int64_t left = dim - chunk * i;
      sz[i] = left < 0 ? 0 : left < chunk ? left : chunk;
    }
  } else {
    if (nout > MAX_INTS || dim % nout)
      return ref__fail(x, ERR_SHAPE, "dim %lld cannot be split into %d equal parts", (long long)dim,
                       nout);
    for (int i = 0; i < nout; i++) sz[i] = dim / nout;
  }
  int64_t outer = 1, inner = 1, off = 0;
  for (int i = 0; i < ax; i++) outer *= a->dims[i];
  for (int i = ax + 1; i < a->rank; i++) inner *= a->dims[i];
  for (int k = 0; k < nout; k++) {
    int64_t d[IR_MAX_DIMS];
    memcpy(d, a->dims, sizeof d);
    d[ax] = sz[k];
    RefTensor *o = ref__out(x, k, a->dtype, a->rank, d);
    if (!o) return -1;
    int64_t e = 0;
    for (int64_t p = 0; p < outer; p++)
      for (int64_t q = 0; q < sz[k] * inner; q++)
        ref__copy_elem(o, e++, a, (p * dim + off) * inner + q);
    off += sz[k];
  }
  return 0;
}

/* ---- reductions ---- */

REF_KERNEL(reduce) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  int64_t axes[MAX_INTS];
  const IrAxesParams *ap = ir_axes_params(x->g, x->n);
  int c = ref__ints(x, 1, "axes", ap->axes, axes, MAX_INTS);
  if (c < 0 || norm_axes(x, axes, c, a->rank) < 0) return -1;
  bool keep = ap->keepdims;
  bool noop = c == 0 && ap->noop_with_empty_axes;
  bool red[IR_MAX_DIMS] = {false};
  for (int i = 0; i < a->rank; i++) red[i] = c == 0 && !noop;
  for (int i = 0; i < c; i++) red[axes[i]] = true;
  int r = 0;
  int64_t d[IR_MAX_DIMS], kd[IR_MAX_DIMS]; /* output dims; dims with reduced axes kept as 1 */
  for (int i = 0; i < a->rank; i++) {
    kd[i] = red[i] ? 1 : a->dims[i];
    if (!red[i])
      d[r++] = a->dims[i];
    else if (keep)
      d[r++] = 1;
  }
  RefTensor *o = ref__out(x, 0, a->dtype, r, d);
  if (!o) return -1;
  int64_t n = ref_numel(o), na = ref_numel(a), kst[IR_MAX_DIMS];
  ref__strides(a->rank, kd, kst);
  double *acc = calloc((size_t)(n ? n : 1), sizeof *acc);
  int64_t *cnt = calloc((size_t)(n ? n : 1), sizeof *cnt);
  if (!acc || !cnt) {
    free(acc);
    free(cnt);
    return ref__fail(x, ERR_OOM, "out of memory");
  }
  IrOp op = x->n->op;
  RefIter it;
  ref__iter_init(&it, a->rank, a->dims);
  for (int64_t e = 0; e < na; e++, ref__iter_next(&it)) {
    int64_t ko = 0;
    for (int i = 0; i < a->rank; i++) ko += (red[i] ? 0 : it.idx[i]) * kst[i];
    double v = ref_get_f64(a, e);
    if (op == IR_OP_REDUCE_L1)
      v = fabs(v);
    else if (op == IR_OP_REDUCE_L2 || op == IR_OP_REDUCE_SUM_SQUARE)
      v = v * v;
    else if (op == IR_OP_REDUCE_LOG_SUM_EXP)
      v = exp(v);
    if (op == IR_OP_REDUCE_MAX)
      acc[ko] = cnt[ko] == 0 || v > acc[ko] || isnan(v) ? v : acc[ko];
    else if (op == IR_OP_REDUCE_MIN)
      acc[ko] = cnt[ko] == 0 || v < acc[ko] || isnan(v) ? v : acc[ko];
    else
      acc[ko] += v;
    cnt[ko]++;
  }
  for (int64_t k = 0; k < n; k++) {
    double v = acc[k];
    if (op == IR_OP_REDUCE_MEAN) v = cnt[k] ? v / (double)cnt[k] : NAN;
    if (op == IR_OP_REDUCE_MAX && cnt[k] == 0) v = o->f ? -INFINITY : (double)INT64_MIN;
    if (op == IR_OP_REDUCE_MIN && cnt[k] == 0) v = o->f ? INFINITY : (double)INT64_MAX;
    if (op == IR_OP_REDUCE_L2) v = sqrt(v);
    if (op == IR_OP_REDUCE_LOG_SUM_EXP) v = log(v);
    ref_set_f64(o, k, v);
  }
  free(acc);
  free(cnt);
  return 0;
}

REF_KERNEL(argmax) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  const IrArgMaxParams *ap = ir_argmax_params(x->g, x->n);
  int ax = ref__axis(x, ap->axis, a->rank);
  if (ax < 0) return -1;
  bool keep = ap->keepdims, last = ap->select_last_index;
  int r = 0;
  int64_t d[IR_MAX_DIMS], outer = 1, inner = 1, dim = a->dims[ax];
  for (int i = 0; i < a->rank; i++) {
    if (i != ax)
      d[r++] = a->dims[i];
    else if (keep)
      d[r++] = 1;
    if (i < ax) outer *= a->dims[i];
    if (i > ax) inner *= a->dims[i];
  }
  if (dim == 0) return ref__fail(x, ERR_SHAPE, "axis %d is empty", ax);
  RefTensor *o = ref__out(x, 0, DT_I64, r, d);
  if (!o) return -1;
  for (int64_t p = 0; p < outer; p++)
    for (int64_t q = 0; q < inner; q++) {
      int64_t best = 0;
      double bv = ref_get_f64(a, p * dim * inner + q);
      for (int64_t j = 1; j < dim; j++) {
        double v = ref_get_f64(a, (p * dim + j) * inner + q);
        if (v > bv || (last && v == bv)) {
          bv = v;
          best = j;
        }
      }
      o->i[p * inner + q] = best;
    }
  return 0;
}

typedef struct {
  double v;
  int64_t idx;
} Ranked;

/* Larger value first, then smaller index. */
static int cmp_desc(const void *p, const void *q) {
  const Ranked *a = p, *b = q;
  if (a->v != b->v) return a->v > b->v ? -1 : 1;
  return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Smaller value first, then smaller index. */
static int cmp_asc(const void *p, const void *q) {
  const Ranked *a = p, *b = q;
  if (a->v != b->v) return a->v < b->v ? -1 : 1;
  return a->idx < b->idx ? -1 : a->idx > b->idx;
}

REF_KERNEL(topk) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  int64_t kv[MAX_INTS];
  const IrTopKParams *tp = ir_topk_params(x->g, x->n);
  int c = ref__ints(x, 1, NULL, IR_NO_INTS, kv, MAX_INTS);
  if (c < 0) return -1;
  if (c == 0 && tp->has_k) {
    kv[0] = tp->k;
    c = 1;
  } /* TopK-1 */
  if (c != 1) return ref__fail(x, ERR_SHAPE, "k must be a single value");
  int ax = ref__axis(x, tp->axis, a->rank);
  if (ax < 0) return -1;
  int64_t dim = a->dims[ax], k = kv[0], outer = 1, inner = 1;
  if (k < 0 || k > dim)
    return ref__fail(x, ERR_SHAPE, "k %lld is out of range for axis size %lld", (long long)k,
                     (long long)dim);
  bool largest = tp->largest;
  int64_t d[IR_MAX_DIMS];
  memcpy(d, a->dims, sizeof d);
  d[ax] = k;
  for (int i = 0; i < ax; i++) outer *= a->dims[i];
  for (int i = ax + 1; i < a->rank; i++) inner *= a->dims[i];
  RefTensor *ov = ref__out(x, 0, a->dtype, a->rank, d);
  RefTensor *oi = ov && x->n_out > 1 ? ref__out(x, 1, DT_I64, a->rank, d) : NULL;
  if (!ov || (x->n_out > 1 && !oi)) return -1;
  Ranked *row = malloc((size_t)(dim ? dim : 1) * sizeof *row);
  if (!row) return ref__fail(x, ERR_OOM, "out of memory");
  for (int64_t p = 0; p < outer; p++)
    for (int64_t q = 0; q < inner; q++) {
      for (int64_t j = 0; j < dim; j++)
        row[j] = (Ranked){ref_get_f64(a, (p * dim + j) * inner + q), j};
      qsort(row, (size_t)dim, sizeof *row, largest ? cmp_desc : cmp_asc);
      for (int64_t j = 0; j < k; j++) {
        int64_t ko = (p * k + j) * inner + q;
        ref__copy_elem(ov, ko, a, (p * dim + row[j].idx) * inner + q);
        if (oi) oi->i[ko] = row[j].idx;
      }
    }
  free(row);
  return 0;
}

/* ---- dtype, constants, shapes ---- */

REF_KERNEL(cast) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  const IrCastParams *p = ir_cast_params(x->g, x->n);
  DType dt = p->to;
  if (dt == DT_UNDEF || dt == DT_STRING)
    return ref__fail(x, ERR_UNSUPPORTED_OP, "cast to type %lld is not implemented",
                     (long long)p->to_code);
  RefTensor *o = ref__out(x, 0, dt, a->rank, a->dims);
  if (!o) return -1;
  int64_t n = ref_numel(a);
  for (int64_t k = 0; k < n; k++) {
    if (a->f)
      ref_set_f64(o, k, a->f[k]);
    else
      ref_set_i64(o, k, a->i[k]);
  }
  return 0;
}

/* Output 0 as a copy of constant graph tensor t. */
static int out_const(RefNode *x, const IrTensor *t) {
  RefTensor *o = ref__out(x, 0, t->dtype, t->rank, t->dims);
  if (!o) return -1;
  int64_t n = ref_numel(o);
  for (int64_t k = 0; k < n; k++) {
    if (o->f)
      o->f[k] = (float)ir_const_f64(t, k);
    else
      ref_set_i64(o, k, ir_const_i64(t, k));
  }
  return 0;
}

/* A Constant node that was not folded at load (the frontend folds the usual ones). */
REF_KERNEL(constant) {
  const IrConstantParams *p = ir_constant_params(x->g, x->n);
  if (p->kind == IR_CONST_TENSOR && x->g->tensors[p->tensor].dtype != DT_STRING)
    return out_const(x, &x->g->tensors[p->tensor]);
  if (p->kind == IR_CONST_FLOAT || p->kind == IR_CONST_INT) {
    RefTensor *o = ref__out(x, 0, p->kind == IR_CONST_FLOAT ? DT_F32 : DT_I64, 0, NULL);
    if (!o) return -1;
    if (o->f)
      o->f[0] = p->f;
    else
      o->i[0] = p->i;
    return 0;
  }
  if (p->kind == IR_CONST_FLOATS || p->kind == IR_CONST_INTS) {
    int64_t len = p->n;
    RefTensor *o = ref__out(x, 0, p->kind == IR_CONST_FLOATS ? DT_F32 : DT_I64, 1, &len);
    if (!o) return -1;
    for (int k = 0; k < p->n; k++) {
      if (o->f)
        o->f[k] = p->floats[k];
      else
        o->i[k] = p->ints[k];
    }
    return 0;
  }
  return ref__fail(x, ERR_UNSUPPORTED_OP, "this kind of value is not implemented");
}

REF_KERNEL(constant_of_shape) {
  const RefTensor *s = ref__need(x, 0);
  if (!s) return -1;
  int64_t d[MAX_INTS];
  int c = ref__ints(x, 0, NULL, IR_NO_INTS, d, MAX_INTS);
  if (c < 0) return -1;
  if (c > IR_MAX_DIMS)
    return ref__fail(x, ERR_SHAPE, "output rank %d is over the limit of %d", c, IR_MAX_DIMS);
  int v = ir_constant_of_shape_params(x->g, x->n)->value;
  const IrTensor *vt = NULL;
  if (v >= 0) {
    vt = &x->g->tensors[v];
    if (!vt->data || ir_numel(vt) != 1 || vt->dtype == DT_STRING)
      return ref__fail(x, ERR_SHAPE, "value must be a one-element tensor");
  }
  RefTensor *o = ref__out(x, 0, vt ? vt->dtype : DT_F32, c, d);
  if (!o) return -1;
  int64_t n = ref_numel(o);
  for (int64_t k = 0; k < n && vt; k++) {
    if (o->f)
      o->f[k] = (float)ir_const_f64(vt, 0);
    else
      ref_set_i64(o, k, ir_const_i64(vt, 0));
  }
  return 0;
}

REF_KERNEL(shape) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  const IrShapeParams *p = ir_shape_params(x->g, x->n);
  int64_t r = a->rank, s = p->start, e = p->end;
  s = s < 0 ? (s < -r ? 0 : s + r) : (s > r ? r : s);
  e = e < 0 ? (e < -r ? 0 : e + r) : (e > r ? r : e);
  int64_t len = e > s ? e - s : 0;
  RefTensor *o = ref__out(x, 0, DT_I64, 1, &len);
  if (!o) return -1;
  for (int64_t i = 0; i < len; i++) o->i[i] = a->dims[s + i];
  return 0;
}

REF_KERNEL(gather) {
  const RefTensor *a = ref__need(x, 0), *ix = ref__need(x, 1);
  if (!a || !ix) return -1;
  if (a->rank == 0) return ref__fail(x, ERR_SHAPE, "data must not be a scalar");
  int ax = ref__axis(x, ir_axis_params(x->g, x->n)->axis, a->rank);
  if (ax < 0) return -1;
  int r = a->rank - 1 + ix->rank;
  if (r > IR_MAX_DIMS)
    return ref__fail(x, ERR_SHAPE, "output rank %d is over the limit of %d", r, IR_MAX_DIMS);
  int64_t d[IR_MAX_DIMS], outer = 1, inner = 1, dim = a->dims[ax], ni = ref_numel(ix);
  r = 0;
  for (int i = 0; i < ax; i++) {
    d[r++] = a->dims[i];
    outer *= a->dims[i];
  }
  for (int i = 0; i < ix->rank; i++) d[r++] = ix->dims[i];
  for (int i = ax + 1; i < a->rank; i++) {
    d[r++] = a->dims[i];
    inner *= a->dims[i];
  }
  RefTensor *o = ref__out(x, 0, a->dtype, r, d);
  if (!o) return -1;
  int64_t k = 0;
  for (int64_t p = 0; p < outer; p++)
    for (int64_t j = 0; j < ni; j++) {
      int64_t v = ref_get_i64(ix, j);
      if (v < -dim || v >= dim)
        return ref__fail(x, ERR_SHAPE, "index %lld is out of range for axis %d of size %lld",
                         (long long)v, ax, (long long)dim);
      if (v < 0) v += dim;
      for (int64_t q = 0; q < inner; q++) ref__copy_elem(o, k++, a, (p * dim + v) * inner + q);
    }
  return 0;
}

REF_KERNEL(expand) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  int64_t sh[MAX_INTS];
  int c = ref__ints(x, 1, NULL, IR_NO_INTS, sh, MAX_INTS);
  if (c < 0) return -1;
  if (c > IR_MAX_DIMS)
    return ref__fail(x, ERR_SHAPE, "target rank %d is over the limit of %d", c, IR_MAX_DIMS);
  int r = a->rank;
  int64_t d[IR_MAX_DIMS];
  memcpy(d, a->dims, sizeof d);
  if (!bcast_into(&r, d, c, sh))
    return ref__fail(x, ERR_SHAPE, "shape does not broadcast with the input");
  RefTensor *o = ref__out(x, 0, a->dtype, r, d);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, r, d);
  int64_t n = ref_numel(o);
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) ref__copy_elem(o, k, a, bcast_off(a, &it));
  return 0;
}

REF_KERNEL(range) {
  const RefTensor *s = ref__need(x, 0), *l = ref__need(x, 1), *dl = ref__need(x, 2);
  if (!s || !l || !dl) return -1;
  if (ref_numel(s) != 1 || ref_numel(l) != 1 || ref_numel(dl) != 1)
    return ref__fail(x, ERR_SHAPE, "start, limit and delta must be scalars");
  double fs = ref_get_f64(s, 0), fl = ref_get_f64(l, 0), fd = ref_get_f64(dl, 0);
  if (fd == 0 || fd != fd) return ref__fail(x, ERR_SHAPE, "delta is 0");
  double cnt = ceil((fl - fs) / fd);
  if (!(cnt <= 4e18)) return ref__fail(x, ERR_SHAPE, "range of %g elements is too large", cnt);
  int64_t n = cnt > 0 ? (int64_t)cnt : 0;
  RefTensor *o = ref__out(x, 0, s->dtype, 1, &n);
  if (!o) return -1;
  for (int64_t i = 0; i < n; i++) {
    if (o->f)
      ref_set_f64(o, i, fs + (double)i * fd);
    else
      ref_set_i64(o, i, (int64_t)((uint64_t)s->i[0] + (uint64_t)i * (uint64_t)dl->i[0]));
  }
  return 0;
}

REF_KERNEL(tile) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  int64_t rep[MAX_INTS];
  int c = ref__ints(x, 1, NULL, IR_NO_INTS, rep, MAX_INTS);
  if (c < 0) return -1;
  if (c != a->rank)
    return ref__fail(x, ERR_SHAPE, "repeats has %d values, expected %d", c, a->rank);
  int64_t d[IR_MAX_DIMS], st[IR_MAX_DIMS];
  for (int i = 0; i < c; i++) {
    if (rep[i] < 0)
      return ref__fail(x, ERR_SHAPE, "repeats value %lld is negative", (long long)rep[i]);
    d[i] = a->dims[i] * rep[i];
  }
  ref__strides(a->rank, a->dims, st);
  RefTensor *o = ref__out(x, 0, a->dtype, a->rank, d);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, a->rank, d);
  int64_t n = ref_numel(o);
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) {
    int64_t off = 0;
    for (int i = 0; i < a->rank; i++) off += (it.idx[i] % a->dims[i]) * st[i];
    ref__copy_elem(o, k, a, off);
  }
  return 0;
}

/* DepthToSpace (DCR or CRD) and SpaceToDepth on NCHW. */
static int block_move(RefNode *x, bool to_space) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  if (a->rank != 4) return ref__fail(x, ERR_SHAPE, "input rank %d, expected 4", a->rank);
  const IrBlockParams *p = ir_block_params(x->g, x->n);
  int64_t b = p->blocksize;
  if (b < 1) return ref__fail(x, ERR_SHAPE, "blocksize %lld is invalid", (long long)b);
  int64_t N = a->dims[0], C = a->dims[1], H = a->dims[2], W = a->dims[3];
  bool crd = to_space && p->mode == IR_D2S_CRD;
  int64_t d[4];
  if (to_space) {
    if (C % (b * b))
      return ref__fail(x, ERR_SHAPE, "channels %lld are not divisible by blocksize^2",
                       (long long)C);
    d[0] = N;
    d[1] = C / (b * b);
    d[2] = H * b;
    d[3] = W * b;
  } else {
    if (H % b || W % b)
      return ref__fail(x, ERR_SHAPE, "spatial dims are not divisible by blocksize %lld",
                       (long long)b);
    d[0] = N;
    d[1] = C * b * b;
    d[2] = H / b;
    d[3] = W / b;
  }
  RefTensor *o = ref__out(x, 0, a->dtype, 4, d);
  if (!o) return -1;
  /* walk the block-space tensor [N, c, h, i, w, j] with c the small channel count */
  int64_t cs = to_space ? d[1] : C, hs = to_space ? H : d[2], ws = to_space ? W : d[3];
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < cs; c++)
      for (int64_t h = 0; h < hs; h++)
        for (int64_t i = 0; i < b; i++)
          for (int64_t w = 0; w < ws; w++)
            for (int64_t j = 0; j < b; j++) {
              int64_t deep =
                  crd ? c * b * b + i * b + j : (i * b + j) * cs + c;   /* channel in depth form */
              int64_t kd = ((n * cs * b * b + deep) * hs + h) * ws + w; /* depth-form offset */
              int64_t ks =
                  ((n * cs + c) * hs * b + h * b + i) * ws * b + w * b + j; /* space-form offset */
              if (to_space)
                ref__copy_elem(o, ks, a, kd);
              else
                ref__copy_elem(o, kd, a, ks);
            }
  return 0;
}

REF_KERNEL(depth_to_space) { return block_move(x, true); }
REF_KERNEL(space_to_depth) { return block_move(x, false); }
