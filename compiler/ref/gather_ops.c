/*
 * compiler/ref/gather_ops.c — index arithmetic of GatherND, GatherElements, ScatterElements,
 * ReverseSequence and OneHot (see gather_ops.h).
 */
#include "gather_ops.h"

/* v inside [-d, d) made non-negative; -1 when outside. */
static int64_t wrap_index(int64_t v, int64_t d) {
  if (v < -d || v >= d) return -1;
  return v < 0 ? v + d : v;
}

int gop_gather_nd_rows(const int64_t *dims, int r, const int64_t *idx, int64_t n_idx, int64_t k,
                       int64_t b, int64_t *off) {
  int64_t batches = 1, bstride = 1;
  for (int64_t i = 0; i < b; i++) batches *= dims[i];
  for (int64_t i = b; i < r; i++) bstride *= dims[i];
  int64_t per = batches ? n_idx / batches : 0;
  for (int64_t row = 0; row < n_idx; row++) {
    int64_t o = (per ? row / per : 0) * bstride, mul = bstride;
    for (int64_t j = 0; j < k; j++) {
      int64_t d = dims[b + j], v = wrap_index(idx[row * k + j], d);
      if (v < 0) return -1;
      mul /= d;
      o += v * mul;
    }
    off[row] = o;
  }
  return 0;
}

int gop_elements(const int64_t *ddims, const int64_t *idims, int r, int axis, const int64_t *idx,
                 int64_t *off) {
  int64_t n = 1, c[16] = {0};
  if (r < 1 || r > 16 || axis < 0 || axis >= r) return -1;
  for (int i = 0; i < r; i++) {
    if (i != axis && idims[i] > ddims[i]) return -1;
    n *= idims[i];
  }
  for (int64_t e = 0; e < n; e++) {
    int64_t v = wrap_index(idx[e], ddims[axis]), o = 0;
    if (v < 0) return -1;
    for (int i = 0; i < r; i++) o = o * ddims[i] + (i == axis ? v : c[i]);
    off[e] = o;
    for (int i = r - 1; i >= 0 && ++c[i] == idims[i]; i--) c[i] = 0;
  }
  return 0;
}

int gop_reverse_sequence(const int64_t *dims, int r, int seq_axis, int batch_axis,
                         const int64_t *lens, int64_t *src) {
  int64_t n = 1, c[16] = {0};
  if (r < 2 || r > 16 || seq_axis < 0 || seq_axis >= r || batch_axis < 0 || batch_axis >= r ||
      seq_axis == batch_axis)
    return -1;
  for (int64_t i = 0; i < dims[batch_axis]; i++)
    if (lens[i] < 0 || lens[i] > dims[seq_axis]) return -1;
  for (int i = 0; i < r; i++) n *= dims[i];
  for (int64_t e = 0; e < n; e++) {
    int64_t len = lens[c[batch_axis]], o = 0;
    for (int i = 0; i < r; i++) {
      int64_t v = c[i];
      if (i == seq_axis && v < len) v = len - 1 - v;
      o = o * dims[i] + v;
    }
    src[e] = o;
    for (int i = r - 1; i >= 0 && ++c[i] == dims[i]; i--) c[i] = 0;
  }
  return 0;
}

void gop_one_hot(const int64_t *idx, int64_t outer, int64_t inner, int64_t depth, float on,
                 float off, int wrap, float *y) {
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      int64_t v = idx[o * inner + i];
      if (wrap && v < 0) v += depth;
      for (int64_t d = 0; d < depth; d++) y[(o * depth + d) * inner + i] = v == d ? on : off;
    }
}
