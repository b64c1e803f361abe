/*
 * compiler/ref/ref_ext.c — reference kernels of the ops issue 18 added: ONNX ops MYRIAD runs
 * with a stage of its own, and the ops blobc rewrites into stages MYRIAD has (see
 * ref_internal.h for the kernel contract). Semantics are the ONNX operator specification's
 * (onnx/defs, v1.12.0) and its reference implementation; plain loops, readable over fast.
 */
#include "ref_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Offset into t of walk index it, t broadcast (numpy, right-aligned) to the walk's rank. */
static int64_t bcast_at(const RefTensor *t, const RefIter *it) {
  int64_t off = 0, st = 1;
  for (int d = t->rank - 1; d >= 0; d--) {
    int od = d + it->rank - t->rank;
    if (t->dims[d] != 1) off += it->idx[od] * st;
    st *= t->dims[d];
  }
  return off;
}

/* The numpy broadcast shape of inputs first..n_in-1 into rank/dims; -1 after ref__fail. */
static int bcast_shape(RefNode *x, int first, int *rank, int64_t *dims) {
  *rank = 0;
  for (int k = first; k < x->n_in; k++) {
    const RefTensor *t = x->in[k];
    if (!t) continue;
    int r = *rank > t->rank ? *rank : t->rank;
    int64_t res[IR_MAX_DIMS];
    for (int i = 0; i < r; i++) {
      int io = i - (r - *rank), ia = i - (r - t->rank);
      int64_t a = io >= 0 ? dims[io] : 1, b = ia >= 0 ? t->dims[ia] : 1;
      if (a != b && a != 1 && b != 1)
        return ref__fail(x, ERR_SHAPE, "input %d does not broadcast", k + 1);
      res[i] = a == 1 ? b : a;
    }
    *rank = r;
    memcpy(dims, res, (size_t)r * sizeof *dims);
  }
  return 0;
}

/* Sum / Mean: elementwise over any number of broadcast inputs, added left to right. */
REF_KERNEL(sum_mean) {
  const RefTensor *a = ref__need(x, 0);
  if (!a) return -1;
  int r;
  int64_t d[IR_MAX_DIMS];
  if (bcast_shape(x, 0, &r, d) < 0) return -1;
  RefTensor *o = ref__out(x, 0, a->dtype, r, d);
  if (!o) return -1;
  RefIter it;
  ref__iter_init(&it, r, d);
  int64_t n = ref_numel(o), cnt = 0;
  for (int j = 0; j < x->n_in; j++) cnt += x->in[j] != NULL;
  for (int64_t k = 0; k < n; k++, ref__iter_next(&it)) {
    double acc = 0;
    int64_t iacc = 0;
    for (int j = 0; j < x->n_in; j++) {
      const RefTensor *t = x->in[j];
      if (!t) continue;
      if (o->i)
        iacc += ref_get_i64(t, bcast_at(t, &it));
      else
        acc += ref_get_f64(t, bcast_at(t, &it));
    }
    if (o->i)
      ref_set_i64(o, k, x->n->op == IR_OP_MEAN ? iacc / cnt : iacc);
    else
      ref_set_f64(o, k, x->n->op == IR_OP_MEAN ? acc / (double)cnt : acc);
  }
  return 0;
}
