/*
 * compiler/ref/ref_nn.c — reference kernels for convolution, pooling, normalisation, LRN,
 * Resize/Upsample and (Log)Softmax (see ref_internal.h for the kernel contract). N-d windows
 * (1-D, 2-D, 3-D ...) share one Window description; loops are plain and accumulate in double.
 */
#include "ref_internal.h"
#include "detection.h"

#include "compiler/graph/params.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INTS 64

/* ---- windows (Conv, ConvTranspose, pools) ---- */

typedef struct {
  int ns; /* spatial axes */
  int64_t in[IR_MAX_DIMS], out[IR_MAX_DIMS];
  int64_t k[IR_MAX_DIMS], s[IR_MAX_DIMS], d[IR_MAX_DIMS];
  int64_t pb[IR_MAX_DIMS], pe[IR_MAX_DIMS]; /* pads at the start / end (after auto_pad) */
} Window;

/* Checks the c values of attribute name (v: decoded, 1 where not given) against ns spatial axes
 * and copies them to out, each at least 1. */
static int win_ints(RefNode *x, const char *name, int c, const int64_t *v, int ns, int64_t *out) {
  if (c && c != ns) return ref__fail(x, ERR_SHAPE, "%s has %d values, expected %d", name, c, ns);
  for (int i = 0; i < ns; i++) {
    out[i] = v[i];
    if (out[i] < 1)
      return ref__fail(x, ERR_SHAPE, "%s value %lld is invalid", name, (long long)out[i]);
  }
  return 0;
}

/* Kernel (kernel_shape, else kern), strides and dilations of p into w. */
static int win_common(RefNode *x, const IrWindowParams *p, int ns, const int64_t *kern, Window *w) {
  if (p->has_kernel) {
    if (win_ints(x, "kernel_shape", p->n_kernel, p->kernel, ns, w->k) < 0) return -1;
  } else if (kern) {
    memcpy(w->k, kern, (size_t)ns * sizeof *kern);
  } else {
    return ref__fail(x, ERR_SHAPE, "kernel_shape is missing");
  }
  if (win_ints(x, "strides", p->n_strides, p->strides, ns, w->s) < 0 ||
      win_ints(x, "dilations", p->n_dilations, p->dilations, ns, w->d) < 0)
    return -1;
  return 0;
}

/* Reads kernel (attribute kernel_shape, else kern), strides, dilations, pads and auto_pad for
 * input spatial dims in[]. Output sizes are computed for a conv/pool (not ConvTranspose). */
static int win_read(RefNode *x, int ns, const int64_t *in, const int64_t *kern, bool pool,
                    Window *w) {
  const IrWindowParams *p = ir_window_params(x->g, x->n);
  memset(w, 0, sizeof *w);
  w->ns = ns;
  memcpy(w->in, in, (size_t)ns * sizeof *in);
  if (win_common(x, p, ns, kern, w) < 0) return -1;
  int c = p->n_pads;
  if (c && c != 2 * ns)
    return ref__fail(x, ERR_SHAPE, "pads has %d values, expected %d", c, 2 * ns);
  for (int i = 0; i < ns && c; i++) {
    w->pb[i] = p->pads[i];
    w->pe[i] = p->pads[ns + i];
  }
  IrAutoPad ap = p->auto_pad;
  bool ceil_mode = pool && p->ceil_mode;
  for (int i = 0; i < ns; i++) {
    int64_t dk = (w->k[i] - 1) * w->d[i] + 1;
    if (ap == IR_AUTO_PAD_SAME_UPPER || ap == IR_AUTO_PAD_SAME_LOWER) {
      w->out[i] = (in[i] + w->s[i] - 1) / w->s[i];
      int64_t total = (w->out[i] - 1) * w->s[i] + dk - in[i];
      if (total < 0) total = 0;
      w->pb[i] = ap == IR_AUTO_PAD_SAME_UPPER ? total / 2 : total - total / 2;
      w->pe[i] = total - w->pb[i];
      continue;
    }
    if (ap == IR_AUTO_PAD_VALID)
      w->pb[i] = w->pe[i] = 0;
    else if (ap != IR_AUTO_PAD_NOTSET)
      return ref__fail(x, ERR_UNSUPPORTED_OP, "auto_pad '%s' is not implemented", p->auto_pad_name);
    int64_t total = in[i] + w->pb[i] + w->pe[i];
    if (total < dk)
      return ref__fail(x, ERR_SHAPE, "kernel is larger than the padded input on spatial axis %d",
                       i);
    w->out[i] = (total - dk) / w->s[i] + 1;
    if (ceil_mode && (total - dk) % w->s[i]) {
      w->out[i]++;
      /* the last window must start inside the input or the left padding */
      if ((w->out[i] - 1) * w->s[i] >= in[i] + w->pb[i]) w->out[i]--;
    }
  }
  return 0;
}

/* Product of n dims. */
static int64_t prod(const int64_t *d, int n) {
  int64_t p = 1;
  for (int i = 0; i < n; i++) p *= d[i];
  return p;
}

/* Flat offset inside the spatial block of input position o*s - pb + q*d; -1 when outside the
 * input. With lo/hi (may be NULL) also reports whether the position is inside the padded area. */
static int64_t win_src(const Window *w, const int64_t *o, const int64_t *q, bool *in_pad) {
  int64_t off = 0;
  bool inside = true, pad = true;
  for (int a = 0; a < w->ns; a++) {
    int64_t p = o[a] * w->s[a] - w->pb[a] + q[a] * w->d[a];
    if (p < 0 || p >= w->in[a]) inside = false;
    if (p < -w->pb[a] || p >= w->in[a] + w->pe[a]) pad = false;
    off = off * w->in[a] + p;
  }
  if (in_pad) *in_pad = pad;
  return inside ? off : -1;
}

/* 2-D float convolution with the generic kernel's arithmetic (double sum, bias first, then
 * channels, then taps row by row: bit-identical), row-wise so it runs ~30x faster; false when
 * the tensors are not float or out of memory (the generic loop then runs). */
static bool conv2d_fast(const RefTensor *X, const RefTensor *W, const RefTensor *B, RefTensor *o,
                        const Window *w, int64_t g) {
  if (w->ns != 2 || !X->f || !W->f || (B && !B->f)) return false;
  int64_t N = X->dims[0], C = X->dims[1], M = W->dims[0], Cg = C / g, Mg = M / g;
  int64_t H = w->in[0], Wd = w->in[1], OH = w->out[0], OW = w->out[1], KH = w->k[0], KW = w->k[1];
  double *acc = malloc((size_t)(OH * OW) * sizeof *acc + 1);
  if (!acc) return false;
  for (int64_t n = 0; n < N; n++)
    for (int64_t m = 0; m < M; m++) {
      for (int64_t p = 0; p < OH * OW; p++) acc[p] = B ? (double)B->f[m] : 0.0;
      for (int64_t c = 0; c < Cg; c++) {
        const float *xp = X->f + (n * C + m / Mg * Cg + c) * H * Wd,
                    *wk = W->f + (m * Cg + c) * KH * KW;
        for (int64_t ky = 0; ky < KH; ky++)
          for (int64_t kx = 0; kx < KW; kx++) {
            double wv = wk[ky * KW + kx];
            for (int64_t oy = 0; oy < OH; oy++) {
              int64_t iy = oy * w->s[0] - w->pb[0] + ky * w->d[0];
              if (iy < 0 || iy >= H) continue;
              const float *row = xp + iy * Wd;
              double *a = acc + oy * OW;
              for (int64_t ox = 0; ox < OW; ox++) {
                int64_t ix = ox * w->s[1] - w->pb[1] + kx * w->d[1];
                if (ix >= 0 && ix < Wd) a[ox] += (double)row[ix] * wv;
              }
            }
          }
      }
      for (int64_t p = 0; p < OH * OW; p++) ref_set_f64(o, (n * M + m) * OH * OW + p, acc[p]);
    }
  free(acc);
  return true;
}

REF_KERNEL(conv) {
  const RefTensor *X = ref__need(x, 0), *W = ref__need(x, 1), *B = x->n_in > 2 ? x->in[2] : NULL;
  if (!X || !W) return -1;
  if (X->rank < 3 || W->rank != X->rank)
    return ref__fail(x, ERR_SHAPE, "input and weight must have the same rank >= 3");
  int ns = X->rank - 2;
  int64_t N = X->dims[0], C = X->dims[1], M = W->dims[0], g = ir_window_params(x->g, x->n)->group;
  if (g < 1 || C % g || M % g || W->dims[1] * g != C)
    return ref__fail(x, ERR_SHAPE, "channels %lld, weight %lldx%lld and group %lld disagree",
                     (long long)C, (long long)M, (long long)W->dims[1], (long long)g);
  if (B && ref_numel(B) != M)
    return ref__fail(x, ERR_SHAPE, "bias has %lld values, expected %lld", (long long)ref_numel(B),
                     (long long)M);
  Window w;
  if (win_read(x, ns, X->dims + 2, W->dims + 2, false, &w) < 0) return -1;
  int64_t od[IR_MAX_DIMS] = {N, M};
  memcpy(od + 2, w.out, (size_t)ns * sizeof *od);
  RefTensor *o = ref__out(x, 0, X->dtype, X->rank, od);
  if (!o) return -1;
  if (conv2d_fast(X, W, B, o, &w, g)) return 0;
  int64_t Cg = C / g, Mg = M / g, isz = prod(w.in, ns), osz = prod(w.out, ns), ksz = prod(w.k, ns);
  for (int64_t n = 0; n < N; n++)
    for (int64_t m = 0; m < M; m++) {
      int64_t gi = m / Mg;
      RefIter op;
      ref__iter_init(&op, ns, w.out);
      for (int64_t p = 0; p < osz; p++, ref__iter_next(&op)) {
        double s = B ? ref_get_f64(B, m) : 0.0;
        for (int64_t c = 0; c < Cg; c++) {
          int64_t xbase = (n * C + gi * Cg + c) * isz, wbase = (m * Cg + c) * ksz;
          RefIter kq;
          ref__iter_init(&kq, ns, w.k);
          for (int64_t q = 0; q < ksz; q++, ref__iter_next(&kq)) {
            int64_t off = win_src(&w, op.idx, kq.idx, NULL);
            if (off >= 0) s += ref_get_f64(X, xbase + off) * ref_get_f64(W, wbase + q);
          }
        }
        ref_set_f64(o, (n * M + m) * osz + p, s);
      }
    }
  return 0;
}

/* ConvTranspose window: output sizes and pads from output_shape, auto_pad or pads. */
static int deconv_window(RefNode *x, int ns, const RefTensor *X, const RefTensor *W, Window *w) {
  const IrWindowParams *p = ir_window_params(x->g, x->n);
  memset(w, 0, sizeof *w);
  w->ns = ns;
  memcpy(w->in, X->dims + 2, (size_t)ns * sizeof *w->in);
  if (win_common(x, p, ns, W->dims + 2, w) < 0) return -1;
  const int64_t *pads = p->pads, *opad = p->output_padding, *os = p->output_shape;
  int np = p->n_pads, nop = p->n_output_padding, nos = p->n_output_shape;
  if ((np && np != 2 * ns) || (nop && nop != ns) || (nos && nos != ns && nos != ns + 2))
    return ref__fail(x, ERR_SHAPE, "pads, output_padding or output_shape has the wrong length");
  IrAutoPad ap = p->auto_pad;
  bool same = ap == IR_AUTO_PAD_SAME_UPPER || ap == IR_AUTO_PAD_SAME_LOWER,
       upper = ap == IR_AUTO_PAD_SAME_UPPER;
  if (ap == IR_AUTO_PAD_UNKNOWN)
    return ref__fail(x, ERR_UNSUPPORTED_OP, "auto_pad '%s' is not implemented", p->auto_pad_name);
  for (int i = 0; i < ns; i++) {
    int64_t dk = (w->k[i] - 1) * w->d[i] + 1, full = w->s[i] * (w->in[i] - 1) + opad[i] + dk;
    if (nos || same) {
      w->out[i] = nos ? os[nos - ns + i] : w->in[i] * w->s[i];
      int64_t total = full - w->out[i];
      /* ONNX: SAME_UPPER puts the smaller half first, otherwise the larger half */
      w->pb[i] = upper ? total / 2 : total - total / 2;
      w->pe[i] = total - w->pb[i];
    } else {
      if (ap != IR_AUTO_PAD_VALID && np) {
        w->pb[i] = pads[i];
        w->pe[i] = pads[ns + i];
      }
      w->out[i] = full - w->pb[i] - w->pe[i];
    }
    if (w->out[i] < 1)
      return ref__fail(x, ERR_SHAPE, "output size on spatial axis %d is not positive", i);
  }
  return 0;
}

REF_KERNEL(conv_transpose) {
  const RefTensor *X = ref__need(x, 0), *W = ref__need(x, 1), *B = x->n_in > 2 ? x->in[2] : NULL;
  if (!X || !W) return -1;
  if (X->rank < 3 || W->rank != X->rank)
    return ref__fail(x, ERR_SHAPE, "input and weight must have the same rank >= 3");
  int ns = X->rank - 2;
  int64_t N = X->dims[0], C = X->dims[1], g = ir_window_params(x->g, x->n)->group;
  if (g < 1 || C % g || W->dims[0] != C)
    return ref__fail(x, ERR_SHAPE, "input channels do not match the weight");
  int64_t Cg = C / g, Mg = W->dims[1], M = Mg * g;
  if (B && ref_numel(B) != M)
    return ref__fail(x, ERR_SHAPE, "bias has %lld values, expected %lld", (long long)ref_numel(B),
                     (long long)M);
  Window w;
  if (deconv_window(x, ns, X, W, &w) < 0) return -1;
  int64_t od[IR_MAX_DIMS] = {N, M};
  memcpy(od + 2, w.out, (size_t)ns * sizeof *od);
  RefTensor *o = ref__out(x, 0, X->dtype, X->rank, od);
  if (!o) return -1;
  int64_t isz = prod(w.in, ns), osz = prod(w.out, ns), ksz = prod(w.k, ns), ne = ref_numel(o);
  double *acc = calloc((size_t)(ne ? ne : 1), sizeof *acc);
  if (!acc) return ref__fail(x, ERR_OOM, "out of memory");
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++) {
      int64_t gi = c / Cg;
      RefIter ip;
      ref__iter_init(&ip, ns, w.in);
      for (int64_t p = 0; p < isz; p++, ref__iter_next(&ip)) {
        double v = ref_get_f64(X, (n * C + c) * isz + p);
        RefIter kq;
        ref__iter_init(&kq, ns, w.k);
        for (int64_t q = 0; q < ksz; q++, ref__iter_next(&kq)) {
          int64_t off = 0;
          bool inside = true;
          for (int a = 0; a < ns; a++) {
            int64_t t = ip.idx[a] * w.s[a] - w.pb[a] + kq.idx[a] * w.d[a];
            if (t < 0 || t >= w.out[a]) inside = false;
            off = off * w.out[a] + t;
          }
          if (!inside) continue;
          for (int64_t mm = 0; mm < Mg; mm++)
            acc[(n * M + gi * Mg + mm) * osz + off] += v * ref_get_f64(W, (c * Mg + mm) * ksz + q);
        }
      }
    }
  for (int64_t e = 0; e < ne; e++)
    ref_set_f64(o, e, acc[e] + (B ? ref_get_f64(B, (e / osz) % M) : 0.0));
  free(acc);
  return 0;
}

/* MaxPool (with optional Indices output) and AveragePool. */
static int pool(RefNode *x, bool is_max) {
  const RefTensor *X = ref__need(x, 0);
  if (!X) return -1;
  if (X->rank < 3) return ref__fail(x, ERR_SHAPE, "input rank %d, expected at least 3", X->rank);
  int ns = X->rank - 2;
  Window w;
  if (win_read(x, ns, X->dims + 2, NULL, true, &w) < 0) return -1;
  int64_t od[IR_MAX_DIMS] = {X->dims[0], X->dims[1]};
  memcpy(od + 2, w.out, (size_t)ns * sizeof *od);
  RefTensor *o = ref__out(x, 0, X->dtype, X->rank, od);
  if (!o) return -1;
  RefTensor *oi = NULL;
  if (is_max && x->n_out > 1 && x->n->outputs[1] >= 0 &&
      !(oi = ref__out(x, 1, DT_I64, X->rank, od)))
    return -1;
  const IrWindowParams *wp = ir_window_params(x->g, x->n);
  bool col_major = wp->storage_order != 0, incl = wp->count_include_pad;
  int64_t NC = X->dims[0] * X->dims[1], isz = prod(w.in, ns), osz = prod(w.out, ns),
          ksz = prod(w.k, ns);
  for (int64_t nc = 0; nc < NC; nc++) {
    RefIter op;
    ref__iter_init(&op, ns, w.out);
    for (int64_t p = 0; p < osz; p++, ref__iter_next(&op)) {
      double best = -INFINITY, sum = 0;
      int64_t arg = -1, cnt = 0;
      RefIter kq;
      ref__iter_init(&kq, ns, w.k);
      for (int64_t q = 0; q < ksz; q++, ref__iter_next(&kq)) {
        bool in_pad;
        int64_t off = win_src(&w, op.idx, kq.idx, &in_pad);
        if (off < 0) {
          cnt += incl && in_pad;
          continue;
        }
        double v = ref_get_f64(X, nc * isz + off);
        if (arg < 0 || v > best) {
          best = v;
          arg = off;
        }
        sum += v;
        cnt++;
      }
      int64_t ko = nc * osz + p;
      if (!is_max) {
        ref_set_f64(o, ko, cnt ? sum / (double)cnt : 0.0);
        continue;
      }
      ref_set_f64(o, ko, best);
      if (!oi) continue;
      int64_t idx = arg < 0 ? 0 : arg;
      if (col_major &&
          arg >= 0) { /* spatial offset re-linearised with the first spatial axis fastest */
        int64_t rem = arg, c_idx[IR_MAX_DIMS];
        for (int a = ns - 1; a >= 0; a--) {
          c_idx[a] = rem % w.in[a];
          rem /= w.in[a];
        }
        idx = 0;
        for (int a = ns - 1; a >= 0; a--) idx = idx * w.in[a] + c_idx[a];
      }
      oi->i[ko] = nc * isz + idx;
    }
  }
  return 0;
}

REF_KERNEL(max_pool) { return pool(x, true); }
REF_KERNEL(average_pool) { return pool(x, false); }

/* GlobalAveragePool / GlobalMaxPool over all spatial axes. */
static int global_pool(RefNode *x, bool is_max) {
  const RefTensor *X = ref__need(x, 0);
  if (!X) return -1;
  if (X->rank < 3) return ref__fail(x, ERR_SHAPE, "input rank %d, expected at least 3", X->rank);
  int64_t od[IR_MAX_DIMS] = {X->dims[0], X->dims[1]}, NC = X->dims[0] * X->dims[1],
          sz = prod(X->dims + 2, X->rank - 2);
  for (int i = 2; i < X->rank; i++) od[i] = 1;
  RefTensor *o = ref__out(x, 0, X->dtype, X->rank, od);
  if (!o) return -1;
  for (int64_t nc = 0; nc < NC; nc++) {
    double acc = is_max ? -INFINITY : 0;
    for (int64_t p = 0; p < sz; p++) {
      double v = ref_get_f64(X, nc * sz + p);
      acc = is_max ? (v > acc ? v : acc) : acc + v;
    }
    ref_set_f64(o, nc, is_max ? acc : acc / (double)sz);
  }
  return 0;
}

REF_KERNEL(global_average_pool) { return global_pool(x, false); }
REF_KERNEL(global_max_pool) { return global_pool(x, true); }

/* ---- normalisation ---- */

REF_KERNEL(batch_norm) {
  const RefTensor *X = ref__need(x, 0), *sc = ref__need(x, 1), *b = ref__need(x, 2),
                  *mu = ref__need(x, 3), *var = ref__need(x, 4);
  if (!X || !sc || !b || !mu || !var) return -1;
  const IrNormParams *np = ir_norm_params(x->g, x->n);
  if (np->training_mode)
    return ref__fail(x, ERR_UNSUPPORTED_OP, "training_mode is not implemented");
  if (X->rank < 2) return ref__fail(x, ERR_SHAPE, "input rank %d, expected at least 2", X->rank);
  int64_t C = X->dims[1], inner = prod(X->dims + 2, X->rank - 2), N = X->dims[0];
  if (ref_numel(sc) != C || ref_numel(b) != C || ref_numel(mu) != C || ref_numel(var) != C)
    return ref__fail(x, ERR_SHAPE, "scale, bias, mean and var must have %lld values", (long long)C);
  double eps = np->epsilon;
  RefTensor *o = ref__out(x, 0, X->dtype, X->rank, X->dims);
  if (!o) return -1;
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++) {
      double a = ref_get_f64(sc, c) / sqrt(ref_get_f64(var, c) + eps), m = ref_get_f64(mu, c),
             bb = ref_get_f64(b, c);
      for (int64_t p = 0; p < inner; p++) {
        int64_t k = (n * C + c) * inner + p;
        ref_set_f64(o, k, (ref_get_f64(X, k) - m) * a + bb);
      }
    }
  for (int k = 1; k < x->n_out;
       k++) /* running mean/var outputs (training only): pass the inputs through */
    if (x->n->outputs[k] >= 0) {
      const RefTensor *src = k == 1 ? mu : var;
      RefTensor *t = ref__out(x, k, src->dtype, src->rank, src->dims);
      if (!t) return -1;
      for (int64_t e = 0; e < C; e++) ref__copy_elem(t, e, src, e);
    }
  return 0;
}

REF_KERNEL(instance_norm) {
  const RefTensor *X = ref__need(x, 0), *sc = ref__need(x, 1), *b = ref__need(x, 2);
  if (!X || !sc || !b) return -1;
  if (X->rank < 3) return ref__fail(x, ERR_SHAPE, "input rank %d, expected at least 3", X->rank);
  int64_t N = X->dims[0], C = X->dims[1], inner = prod(X->dims + 2, X->rank - 2);
  if (ref_numel(sc) != C || ref_numel(b) != C)
    return ref__fail(x, ERR_SHAPE, "scale and bias must have %lld values", (long long)C);
  double eps = ir_norm_params(x->g, x->n)->epsilon;
  RefTensor *o = ref__out(x, 0, X->dtype, X->rank, X->dims);
  if (!o) return -1;
  for (int64_t nc = 0; nc < N * C; nc++) {
    double mean = 0, var = 0;
    for (int64_t p = 0; p < inner; p++) mean += ref_get_f64(X, nc * inner + p);
    mean /= (double)inner;
    for (int64_t p = 0; p < inner; p++) {
      double dv = ref_get_f64(X, nc * inner + p) - mean;
      var += dv * dv;
    }
    var /= (double)inner;
    double a = ref_get_f64(sc, nc % C) / sqrt(var + eps), bb = ref_get_f64(b, nc % C);
    for (int64_t p = 0; p < inner; p++)
      ref_set_f64(o, nc * inner + p, (ref_get_f64(X, nc * inner + p) - mean) * a + bb);
  }
  return 0;
}

/* LRN across channels: x / (bias + alpha/size * sum of squares over the channel window)^beta. */
REF_KERNEL(lrn) {
  const RefTensor *X = ref__need(x, 0);
  if (!X) return -1;
  if (X->rank < 3) return ref__fail(x, ERR_SHAPE, "input rank %d, expected at least 3", X->rank);
  const IrLrnParams *lp = ir_lrn_params(x->g, x->n);
  int64_t size = lp->size;
  if (size < 1) return ref__fail(x, ERR_SHAPE, "size %lld is invalid", (long long)size);
  double alpha = lp->alpha, beta = lp->beta, bias = lp->bias;
  int64_t N = X->dims[0], C = X->dims[1], inner = prod(X->dims + 2, X->rank - 2);
  int64_t lo = (size - 1) / 2, hi = (size - 1) - lo; /* floor and ceil of (size-1)/2 */
  RefTensor *o = ref__out(x, 0, X->dtype, X->rank, X->dims);
  if (!o) return -1;
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t p = 0; p < inner; p++) {
        double sq = 0;
        for (int64_t j = c - lo; j <= c + hi; j++) {
          if (j < 0 || j >= C) continue;
          double v = ref_get_f64(X, (n * C + j) * inner + p);
          sq += v * v;
        }
        int64_t k = (n * C + c) * inner + p;
        ref_set_f64(o, k, ref_get_f64(X, k) / pow(bias + alpha / (double)size * sq, beta));
      }
  return 0;
}

/* ---- Softmax / LogSoftmax ---- */

REF_KERNEL(softmax) {
  const RefTensor *X = ref__need(x, 0);
  if (!X) return -1;
  const IrAxisParams *ap = ir_axis_params(x->g, x->n);
  bool old = ap->legacy; /* opset < 13: coerce to 2-D at axis */
  int64_t axis = ap->axis;
  int r = X->rank;
  int64_t outer = 1, dim = 1, inner = 1;
  if (old) {
    if (axis < -r || axis > r)
      return ref__fail(x, ERR_SHAPE, "axis %lld is out of range for rank %d", (long long)axis, r);
    int ax = (int)(axis < 0 ? axis + r : axis);
    outer = prod(X->dims, ax);
    dim = prod(X->dims + ax, r - ax);
  } else {
    int ax = ref__axis(x, axis, r);
    if (ax < 0) return -1;
    outer = prod(X->dims, ax);
    dim = X->dims[ax];
    inner = prod(X->dims + ax + 1, r - ax - 1);
  }
  bool is_log = x->n->op == IR_OP_LOG_SOFTMAX;
  RefTensor *o = ref__out(x, 0, X->dtype, X->rank, X->dims);
  if (!o) return -1;
  for (int64_t p = 0; p < outer; p++)
    for (int64_t q = 0; q < inner; q++) {
      double mx = -INFINITY, sum = 0;
      for (int64_t j = 0; j < dim; j++) mx = fmax(mx, ref_get_f64(X, (p * dim + j) * inner + q));
      for (int64_t j = 0; j < dim; j++) sum += exp(ref_get_f64(X, (p * dim + j) * inner + q) - mx);
      for (int64_t j = 0; j < dim; j++) {
        int64_t k = (p * dim + j) * inner + q;
        double v = ref_get_f64(X, k) - mx;
        ref_set_f64(o, k, is_log ? v - log(sum) : exp(v) / sum);
      }
    }
  return 0;
}

/* ---- Resize / Upsample ---- */

typedef struct {
  IrResizeMode mode;
  IrResizeCoord coord;
  IrResizeNearest nearest;
  double cubic_a, extrapolation;
  bool exclude_outside;
} Rz;

/* One output position of a 1-D resize: up to 4 taps, or the extrapolation value. */
typedef struct {
  int n;
  int64_t idx[4];
  double w[4];
  bool extrapolate;
} Taps;

/* Resize attributes; the opset < 11 semantics (Upsample, Resize-10) are asymmetric + the opset-10
 * nearest rule (params.c decides which node is legacy). */
static int rz_read(RefNode *x, Rz *rz) {
  const IrResizeParams *p = ir_resize_params(x->g, x->n);
  if (p->mode == IR_RESIZE_MODE_UNKNOWN)
    return ref__fail(x, ERR_UNSUPPORTED_OP, "mode '%s' is not implemented", p->mode_name);
  rz->mode = p->mode;
  if (p->coord == IR_COORD_UNKNOWN)
    return ref__fail(x, ERR_UNSUPPORTED_OP,
                     "coordinate_transformation_mode '%s' is not implemented", p->coord_name);
  /* "simple" is not an ONNX nearest_mode: only the legacy ops have that rule */
  if (p->nearest == IR_NEAREST_UNKNOWN || (p->nearest == IR_NEAREST_SIMPLE && !p->legacy))
    return ref__fail(x, ERR_UNSUPPORTED_OP, "nearest_mode '%s' is not implemented",
                     p->nearest_name);
  rz->coord = p->coord;
  rz->nearest = p->nearest;
  if (p->antialias) return ref__fail(x, ERR_UNSUPPORTED_OP, "antialias is not implemented");
  if (p->keep_aspect != IR_ASPECT_STRETCH)
    return ref__fail(x, ERR_UNSUPPORTED_OP, "keep_aspect_ratio_policy '%s' is not implemented",
                     p->keep_aspect_name);
  rz->cubic_a = p->cubic_coeff_a;
  rz->extrapolation = p->extrapolation_value;
  rz->exclude_outside = p->exclude_outside;
  return 0;
}

/* Source coordinate of output index o (ONNX Resize formulas; len = in * scale, as the ONNX
 * reference implementation uses it). */
static double rz_coord(const Rz *rz, double o, double scale, int64_t in, int64_t out, double r0,
                       double r1) {
  double len = (double)in * scale;
  switch (rz->coord) {
  case IR_COORD_ASYMMETRIC: return o / scale;
  case IR_COORD_ALIGN_CORNERS: return len == 1 ? 0.0 : o * (double)(in - 1) / (len - 1);
  case IR_COORD_PYTORCH_HALF_PIXEL: return len > 1 ? (o + 0.5) / scale - 0.5 : -0.5;
  case IR_COORD_TF_HALF_PIXEL_FOR_NN: return (o + 0.5) / scale;
  case IR_COORD_TF_CROP_AND_RESIZE:
    if (len == 1) return (r1 - r0) * (double)(in - 1) / 2 + r0 * (double)(in - 1);
    return o * (r1 - r0) * (double)(in - 1) / (len - 1) + r0 * (double)(in - 1);
  case IR_COORD_HALF_PIXEL_SYMMETRIC: {
    double adj = (double)out / len, center = (double)in / 2;
    return center * (1 - adj) + (o + 0.5) / scale - 0.5;
  }
  default: return (o + 0.5) / scale - 0.5;
  }
}

/* Cubic convolution weights for the 4 taps around a point at fraction t (Keys, coefficient A). */
static void cubic_w(double t, double A, double *w) {
  double d[4] = {t + 1, t, 1 - t, 2 - t};
  for (int i = 0; i < 4; i++) {
    double v = d[i];
    w[i] = v <= 1 ? ((A + 2) * v - (A + 3)) * v * v + 1 : ((A * v - 5 * A) * v + 8 * A) * v - 4 * A;
  }
}

/* Taps of output index o on an axis resized from in to out with scale. */
static Taps rz_taps(const Rz *rz, int64_t o, double scale, int64_t in, int64_t out, double r0,
                    double r1) {
  Taps t = {0};
  double xo = rz_coord(rz, (double)o, scale, in, out, r0, r1);
  if (rz->coord == IR_COORD_TF_CROP_AND_RESIZE && (xo < 0 || xo > (double)(in - 1))) {
    t.extrapolate = true;
    return t;
  }
  double fl = floor(xo), r = xo - fl;
  int64_t i0 = (int64_t)fl;
  if (rz->mode == IR_RESIZE_NEAREST) {
    int64_t i = i0;
    switch (rz->nearest) {
    case IR_NEAREST_ROUND_PREFER_FLOOR: i = r <= 0.5 ? i0 : i0 + 1; break;
    case IR_NEAREST_ROUND_PREFER_CEIL: i = r < 0.5 ? i0 : i0 + 1; break;
    case IR_NEAREST_FLOOR: i = i0; break;
    case IR_NEAREST_CEIL: i = r > 0 ? i0 + 1 : i0; break;
    case IR_NEAREST_SIMPLE:
      i = scale < 1 ? (int64_t)ceil(xo) : i0;
      break;                                /* onnxruntime's opset-10 rule */
    case IR_NEAREST_UNKNOWN: UNREACHABLE(); /* refused by rz_read */
    }
    t.n = 1;
    t.idx[0] = i;
    t.w[0] = 1;
  } else if (rz->mode == IR_RESIZE_LINEAR) {
    t.n = 2;
    t.idx[0] = i0;
    t.idx[1] = i0 + 1;
    t.w[0] = 1 - r;
    t.w[1] = r;
  } else {
    t.n = 4;
    for (int k = 0; k < 4; k++) t.idx[k] = i0 - 1 + k;
    cubic_w(r, rz->cubic_a, t.w);
  }
  if (rz->exclude_outside && t.n > 1) {
    double s = 0;
    for (int k = 0; k < t.n; k++) {
      if (t.idx[k] < 0 || t.idx[k] >= in) t.w[k] = 0;
      s += t.w[k];
    }
    for (int k = 0; k < t.n && s != 0; k++) t.w[k] /= s;
  }
  for (int k = 0; k < t.n; k++) t.idx[k] = t.idx[k] < 0 ? 0 : t.idx[k] >= in ? in - 1 : t.idx[k];
  return t;
}

/* Resizes axis a of buffer src (dims d, rank r) to out elements into a new buffer (malloc'd). */
static double *rz_axis(const Rz *rz, const double *src, int r, int64_t *d, int a, int64_t out,
                       double scale, double r0, double r1) {
  int64_t outer = prod(d, a), in = d[a], inner = prod(d + a + 1, r - a - 1);
  int64_t total = outer * out * inner;
  double *dst = calloc((size_t)(total > 0 ? total : 1), sizeof *dst);
  if (!dst) return NULL;
  for (int64_t o = 0; o < out; o++) {
    Taps t = rz_taps(rz, o, scale, in, out, r0, r1);
    for (int64_t p = 0; p < outer; p++)
      for (int64_t q = 0; q < inner; q++) {
        double v = rz->extrapolation;
        if (!t.extrapolate) {
          v = 0;
          for (int k = 0; k < t.n; k++) v += t.w[k] * src[(p * in + t.idx[k]) * inner + q];
        }
        dst[(p * out + o) * inner + q] = v;
      }
  }
  d[a] = out;
  return dst;
}

/* Output sizes, scales and roi per axis for Resize (any opset) and Upsample. */
static int rz_sizes(RefNode *x, const RefTensor *X, bool legacy, int64_t *out, double *scale,
                    double *r0, double *r1) {
  int r = X->rank;
  const RefTensor *ts = NULL, *tz = NULL, *troi = NULL;
  if (legacy) {
    ts = x->n_in > 1 ? x->in[1] : NULL;
  } else {
    troi = x->n_in > 1 ? x->in[1] : NULL;
    ts = x->n_in > 2 ? x->in[2] : NULL;
    tz = x->n_in > 3 ? x->in[3] : NULL;
  }
  if (ts && ref_numel(ts) == 0) ts = NULL;
  if (tz && ref_numel(tz) == 0) tz = NULL;
  const IrResizeParams *p = ir_resize_params(x->g, x->n);
  int64_t axes[MAX_INTS];
  int na = ir_ints_copy(p->axes, axes, MAX_INTS);
  if (na > r) return ref__fail(x, ERR_SHAPE, "axes has %d values for rank %d", na, r);
  if (na == 0) {
    na = r;
    for (int i = 0; i < r; i++) axes[i] = i;
  }
  for (int i = 0; i < r; i++) {
    out[i] = X->dims[i];
    scale[i] = 1;
    r0[i] = 0;
    r1[i] = 1;
  }
  float fs[MAX_INTS];
  int nf = 0;
  if (!ts && !tz) { /* Upsample-7: scales attribute */
    if (!p->scales || p->n_scales > MAX_INTS)
      return ref__fail(x, ERR_SHAPE, "neither scales nor sizes is given");
    nf = p->n_scales;
    memcpy(fs, p->scales, (size_t)nf * sizeof *fs);
  } else if (ts) {
    if (ref_numel(ts) > MAX_INTS) return ref__fail(x, ERR_SHAPE, "too many scales");
    nf = (int)ref_numel(ts);
    for (int i = 0; i < nf; i++) fs[i] = (float)ref_get_f64(ts, i);
  }
  int cnt = tz ? (int)ref_numel(tz) : nf;
  if (cnt != na)
    return ref__fail(x, ERR_SHAPE, "%s has %d values, expected %d", tz ? "sizes" : "scales", cnt,
                     na);
  if (troi && ref_numel(troi) != 2 * na && ref_numel(troi) != 0)
    return ref__fail(x, ERR_SHAPE, "roi has %lld values, expected %d", (long long)ref_numel(troi),
                     2 * na);
  for (int i = 0; i < na; i++) {
    int a = ref__axis(x, axes[i], r);
    if (a < 0) return -1;
    if (troi && ref_numel(troi)) {
      r0[a] = ref_get_f64(troi, i);
      r1[a] = ref_get_f64(troi, na + i);
    }
    if (tz) {
      out[a] = ref_get_i64(tz, i);
      if (out[a] < 0)
        return ref__fail(x, ERR_SHAPE, "sizes value %lld is negative", (long long)out[a]);
      scale[a] = X->dims[a] ? (double)out[a] / (double)X->dims[a] : 1.0;
    } else {
      scale[a] = fs[i];
      if (!(scale[a] > 0) || !isfinite(scale[a]))
        return ref__fail(x, ERR_SHAPE, "scale %g is invalid", scale[a]);
      out[a] = (int64_t)floor((double)X->dims[a] * scale[a]);
    }
  }
  return 0;
}

REF_KERNEL(resize) {
  const RefTensor *X = ref__need(x, 0);
  if (!X) return -1;
  bool legacy = ir_resize_params(x->g, x->n)->legacy;
  Rz rz = {0};
  int64_t out[IR_MAX_DIMS], d[IR_MAX_DIMS];
  double scale[IR_MAX_DIMS], r0[IR_MAX_DIMS], r1[IR_MAX_DIMS];
  if (rz_read(x, &rz) < 0 || rz_sizes(x, X, legacy, out, scale, r0, r1) < 0) return -1;
  int r = X->rank;
  for (int i = 0; i < r; i++)
    if (X->dims[i] == 0 && out[i] > 0)
      return ref__fail(x, ERR_SHAPE, "cannot resize an empty axis");
  RefTensor *o = ref__out(x, 0, X->dtype, r, out);
  if (!o) return -1;
  int64_t n = ref_numel(X);
  double *buf = malloc((size_t)(n ? n : 1) * sizeof *buf);
  if (!buf) return ref__fail(x, ERR_OOM, "out of memory");
  for (int64_t k = 0; k < n; k++) buf[k] = ref_get_f64(X, k);
  memcpy(d, X->dims, sizeof d);
  /* separable: innermost axis first, as the ONNX reference recursion applies the outer axes last */
  for (int a = r - 1; a >= 0; a--) {
    if (out[a] == d[a] && scale[a] == 1 && rz.coord != IR_COORD_TF_CROP_AND_RESIZE) continue;
    double *nb = rz_axis(&rz, buf, r, d, a, out[a], scale[a], r0[a], r1[a]);
    free(buf);
    buf = nb;
    if (!buf) return ref__fail(x, ERR_OOM, "out of memory");
  }
  int64_t no = ref_numel(o);
  for (int64_t k = 0; k < no; k++) ref_set_f64(o, k, o->i ? nearbyint(buf[k]) : buf[k]);
  free(buf);
  return 0;
}

/* PriorBoxClustered: the same formulas as shape inference's folding (ir_prior_box_clustered). */
REF_KERNEL(prior_box_clustered) {
  const RefTensor *fs = ref__need(x, 0), *is = ref__need(x, 1);
  if (!fs || !is) return -1;
  int64_t nf = ref_numel(fs), ni = ref_numel(is);
  if (nf < 2 || ni < 2) return ref__fail(x, ERR_SHAPE, "sizes must hold [height, width]");
  int64_t h = (int64_t)ref_get_f64(fs, nf - 2), w = (int64_t)ref_get_f64(fs, nf - 1);
  int64_t ih = (int64_t)ref_get_f64(is, ni - 2), iw = (int64_t)ref_get_f64(is, ni - 1);
  const IrPriorBoxParams *p = ir_prior_box_params(x->g, x->n);
  int64_t size = ir_prior_box_clustered(p, h, w, ih, iw, NULL);
  if (size < 0) return ref__fail(x, ERR_SHAPE, "inconsistent widths/heights/variances or sizes");
  int64_t dims[2] = {2, size};
  RefTensor *o = ref__out(x, 0, DT_F32, 2, dims);
  if (!o) return -1;
  ir_prior_box_clustered(p, h, w, ih, iw, o->f);
  return 0;
}

/* DetectionOutput (3-input form, normalized priors): detection.c. */
REF_KERNEL(detection_output) {
  const RefTensor *loc = ref__need(x, 0), *conf = ref__need(x, 1), *pri = ref__need(x, 2);
  if (!loc || !conf || !pri) return -1;
  const IrDetectionParams *p = ir_detection_params(x->g, x->n);
  DetParams dp = {.num_classes = (int)p->num_classes,
                  .background = (int)p->background_label_id,
                  .top_k = (int)p->top_k,
                  .keep_top_k = (int)p->keep_top_k,
                  .code_type = (int)p->code_type,
                  .share_location = p->share_location,
                  .variance_encoded = p->variance_encoded_in_target,
                  .clip_before_nms = p->clip_before_nms,
                  .clip_after_nms = p->clip_after_nms,
                  .decrease_label_id = p->decrease_label_id,
                  .nms_threshold = p->nms_threshold,
                  .confidence_threshold = p->confidence_threshold};
  if (loc->rank != 2 || conf->rank != 2 || pri->rank != 3 || dp.num_classes < 1 ||
      dp.code_type < 1 || dp.code_type > 3)
    return ref__fail(x, ERR_SHAPE, "expects 2-D loc/conf, 3-D priors and a known code_type");
  if (!p->normalized || x->n_in != 3)
    return ref__fail(x, ERR_UNSUPPORTED_OP, "only normalized priors and 3 inputs");
  int64_t N = conf->dims[0], C = dp.num_classes, P = pri->dims[2] / 4,
          L = dp.share_location ? 1 : C;
  if (P < 1 || C * P > (1 << 26) || conf->dims[1] != P * C || loc->dims[0] != N ||
      loc->dims[1] != P * 4 * L || pri->dims[1] != 2 || (pri->dims[0] != 1 && pri->dims[0] != N))
    return ref__fail(x, ERR_SHAPE, "loc, conf and priors do not agree on the prior count");
  int64_t per = dp.keep_top_k > 0 ? dp.keep_top_k : (dp.top_k > 0 ? dp.top_k : P) * C;
  int64_t dims[4] = {1, 1, N * per, 7};
  RefTensor *o = ref__out(x, 0, DT_F32, 4, dims);
  if (!o) return -1;
  if (det_output(&dp, (int)N, (int)P, loc->f, conf->f, pri->f, (int)pri->dims[0], o->f, N * per) <
      0)
    return ref__fail(x, ERR_OOM, "out of memory");
  return 0;
}
