/*
 * compiler/ref/hw_exec.c — MyriadXHwOp (NCE) stages on the CPU, for the blob executor.
 *
 * A HW stage holds an op list (blob-format.md §3.5) over its own buffers; the firmware turns
 * each op into NCE descriptors, and how the NCE rounds internally is not public. So this is a
 * model of what each op computes, with FP16 tolerances in mind: inputs and coefficients are the
 * stored FP16 values, sums are FP32, results are rounded to FP16 once, when stored.
 *
 *   CONV       output channels [outChanOffset, +outNumChans) of
 *              sum over the input's channels and the kernel of input * weight, on the input
 *              padded as blob_hw_pad says; then + bias[oc], * scale[oc], then the activation.
 *              Weights [8, K, ICx, OCx/8] (minor -> major): w(oc, ic, k) at
 *              (oc % 8) + 8 k + 8 K ic + 8 K ICx (oc / 8) (hw_weights_content.cpp, blob-stages.md
 *              §3.3; byte-identical to the IR's weights in hw-stages.md item 1).
 *   CONV_POOL  CONV, then a max pool of poolKernelWidth x poolKernelHeight with a stride of the
 *              pool kernel (the plugin only fuses a 2x2 stride-2 max pool, merge_hw_stages.cpp).
 *   POOL       planes [outChanOffset, +outNumChans) of N*C (hwDimC, finalize_hw_ops.cpp); MAX, or
 *              AVERAGE over kx*ky including the pads (the plugin sets excludePad false).
 *   FC         outputs [fcOutputOffset, +fcOutputNum) += inputs [fcInputOffset, +fcInputNum) x
 *              weights [8, 1, ICx, OCx/8]; fcAccum 1 keeps the sums for the next op, the op with
 *              fcAccum 0 adds bias, scale and the activation and stores (hw_fc_tiling.cpp).
 *   activation withReLU: x < t0 ? x * a0 : x * a1. ReLU is (0, 0, 1); LeakyReLU(slope) is
 *              (0, 1, 1/slope) with the scales multiplied by slope ("reluScale",
 *              merge_hw_stages.cpp and hw_stage_tiler.cpp createScales), which gives slope * x
 *              below 0 and x above. withClamp: min(max(x, 0), clampMaxVal) (the plugin fuses only
 *              Clamp(0, max)).
 * The injected stage (a SHAVE/DMA stage the plugin runs alongside, inject_sw.cpp) runs first:
 * the plugin only injects a stage that neither reads the HW stage's results nor writes what
 * the HW stage reads, so the order does not change the values.
 *
 * Zero coefficients are skipped, so channel padding that no stage ever wrote (the NCE reads
 * whole channel blocks, hw-stages.md checker finding 2) cannot turn into NaN.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob_exec_internal.h"

/* A view index for (w, h, c, n) in an NCHW / CHW / NC buffer. */
static void hw_idx(const BxView *v, uint32_t w, uint32_t h, uint32_t c, uint32_t n, uint32_t *idx) {
  if (v->nd == 2) {
    idx[0] = c, idx[1] = n;
  } else {
    idx[0] = w, idx[1] = h, idx[2] = c;
    if (v->nd > 3) idx[3] = n;
  }
}

static float hw_ld(const BxView *v, uint32_t w, uint32_t h, uint32_t c, uint32_t n) {
  uint32_t idx[BLOB_MAX_DIMS] = {0};
  hw_idx(v, w, h, c, n, idx);
  return bx__ld(v, idx);
}

static void hw_st(const BxView *v, uint32_t w, uint32_t h, uint32_t c, uint32_t n, float f) {
  uint32_t idx[BLOB_MAX_DIMS] = {0};
  hw_idx(v, w, h, c, n, idx);
  bx__st(v, idx, f);
}

/* Coefficient (oc, ic, tap) of weights [8, K, ICx, OCx/8]. */
static float hw_w(const BxView *w, uint32_t oc, uint32_t ic, uint32_t tap) {
  uint32_t idx[BLOB_MAX_DIMS] = {oc % 8, tap, ic, oc / 8};
  return bx__ld(w, idx);
}

/* Element i of a 1-D vector (biases, scales), or dflt when the op has none. */
static float hw_vec(const BxView *v, bool have, uint32_t i, float dflt) {
  if (!have) return dflt;
  uint32_t idx[BLOB_MAX_DIMS] = {0};
  for (uint32_t k = 0; k < v->nd; k++) { /* flat index i over the vector's dims */
    idx[k] = i % v->d[k];
    i /= v->d[k];
  }
  return bx__ld(v, idx);
}

static float hw_activate(const BlobHwOp *op, float v) {
  if (op->with_relu) v = v < (float)op->relu_t0 ? v * (float)op->relu_a0 : v * (float)op->relu_a1;
  if (op->with_clamp) v = v < 0 ? 0 : v > op->clamp_max ? op->clamp_max : v;
  return v;
}

/* One plane (c, n) of a HW data buffer, padded: [PH][PW] with the input at (top, left); the
 * pads are zeros, or the nearest edge pixel when p->edge. */
static void hw_padded_plane(float *dst, const BxView *v, const BlobHwDims *d, uint32_t c,
                            uint32_t n, const BlobHwPad *p) {
  uint32_t pw = d->w + p->left + p->right, ph = d->h + p->top + p->bottom;
  for (uint32_t y = 0; y < ph; y++)
    for (uint32_t xx = 0; xx < pw; xx++) {
      int64_t iy = (int64_t)y - p->top, ix = (int64_t)xx - p->left;
      bool inside = iy >= 0 && ix >= 0 && iy < d->h && ix < d->w;
      if (!inside && !p->edge) {
        dst[(size_t)y * pw + xx] = 0;
        continue;
      }
      iy = iy < 0 ? 0 : iy >= d->h ? d->h - 1 : iy;
      ix = ix < 0 ? 0 : ix >= d->w ? d->w - 1 : ix;
      dst[(size_t)y * pw + xx] = hw_ld(v, (uint32_t)ix, (uint32_t)iy, c, n);
    }
}

typedef struct {
  BxView in, out, w, b, s;
  BlobHwDims di, dout;
  bool have_b, have_s;
} HwBufs;

static int hw_views(BxCtx *x, const BlobStage *st, const BlobHwOp *op, HwBufs *h) {
  memset(h, 0, sizeof *h);
  blob_hw_dims(&st->buffers[op->input_ind], &h->di);
  blob_hw_dims(&st->buffers[op->output_ind], &h->dout);
  if (bx__view(x, &st->buffers[op->input_ind], &h->in) < 0 ||
      bx__view(x, &st->buffers[op->output_ind], &h->out) < 0)
    return -1;
  if (op->coeffs_ind >= 0 && bx__view(x, &st->buffers[op->coeffs_ind], &h->w) < 0) return -1;
  h->have_b = op->biases_ind >= 0 && op->op_type != BLOB_HW_OP_POOL;
  h->have_s = op->scales_ind >= 0 && op->op_type != BLOB_HW_OP_POOL;
  if (h->have_b && bx__view(x, &st->buffers[op->biases_ind], &h->b) < 0) return -1;
  if (h->have_s && bx__view(x, &st->buffers[op->scales_ind], &h->s) < 0) return -1;
  return 0;
}

/* acc[ch][cw] += w * padded[(oy * stride + ty)][(ox * stride + tx)] for one input plane. */
static void hw_conv_plane(float *acc, const float *plane, uint32_t pw, uint32_t cw, uint32_t ch,
                          uint32_t stride, uint32_t tx, uint32_t ty, float w) {
  for (uint32_t oy = 0; oy < ch; oy++) {
    const float *row = plane + (size_t)(oy * stride + ty) * pw + tx;
    float *a = acc + (size_t)oy * cw;
    if (stride == 1)
      for (uint32_t ox = 0; ox < cw; ox++) a[ox] += w * row[ox];
    else
      for (uint32_t ox = 0; ox < cw; ox++) a[ox] += w * row[(size_t)ox * stride];
  }
}

/* Stores one finished output channel: bias, scale, activation, then CONV_POOL's max pool. */
static void hw_conv_store(const HwBufs *h, const BlobHwOp *op, float *acc, uint32_t cw, uint32_t ch,
                          uint32_t oc, uint32_t n) {
  float bias = hw_vec(&h->b, h->have_b, oc, 0), scale = hw_vec(&h->s, h->have_s, oc, 1);
  for (size_t i = 0; i < (size_t)cw * ch; i++) acc[i] = hw_activate(op, (acc[i] + bias) * scale);
  if (op->op_type != BLOB_HW_OP_CONV_POOL) {
    for (uint32_t oy = 0; oy < ch; oy++)
      for (uint32_t ox = 0; ox < cw; ox++) hw_st(&h->out, ox, oy, oc, n, acc[(size_t)oy * cw + ox]);
    return;
  }
  uint32_t pw = op->pool_kernel_width, ph = op->pool_kernel_height;
  for (uint32_t oy = 0; oy < h->dout.h; oy++)
    for (uint32_t ox = 0; ox < h->dout.w; ox++) {
      float m = -INFINITY;
      for (uint32_t ty = 0; ty < ph; ty++)
        for (uint32_t tx = 0; tx < pw; tx++) {
          float v = acc[(size_t)(oy * ph + ty) * cw + ox * pw + tx];
          m = v > m ? v : m;
        }
      hw_st(&h->out, ox, oy, oc, n, m);
    }
}

static int hw_conv(BxCtx *x, const BlobStage *st, const BlobHwOp *op) {
  HwBufs h;
  if (hw_views(x, st, op, &h) < 0) return -1;
  BlobHwPad p;
  blob_hw_pad(op, &p);
  uint32_t kx = op->kernel_width, ky = op->kernel_height, sd = op->kernel_stride, taps = kx * ky;
  uint32_t pw = h.di.w + p.left + p.right, ph = h.di.h + p.top + p.bottom;
  uint32_t cw = (pw - kx) / sd + 1, ch = (ph - ky) / sd + 1; /* blob_hw_op_check: the kernel fits */
  uint64_t macs = (uint64_t)h.di.n * op->out_num_chans * cw * ch * h.di.c * taps;
  uint64_t loads =
      (uint64_t)h.di.n * h.di.c * pw * ph + (uint64_t)op->out_num_chans * h.di.c * taps;
  if (bx__spend(x, macs + loads) < 0) return -1;
  size_t plane = (size_t)pw * ph;
  float *in = malloc(plane * h.di.c * sizeof *in + 1),
        *acc = malloc((size_t)cw * ch * sizeof *acc + 1);
  float *w = malloc((size_t)h.di.c * taps * sizeof *w + 1);
  int rc = in && acc && w ? 0 : bx__fail(x, "out of memory");
  for (uint32_t n = 0; rc == 0 && n < h.di.n; n++) {
    for (uint32_t c = 0; c < h.di.c; c++) hw_padded_plane(in + plane * c, &h.in, &h.di, c, n, &p);
    for (uint32_t j = 0; j < op->out_num_chans; j++) {
      uint32_t oc = op->out_chan_offset + j;
      for (uint32_t c = 0; c < h.di.c; c++)
        for (uint32_t t = 0; t < taps; t++) w[(size_t)c * taps + t] = hw_w(&h.w, oc, c, t);
      memset(acc, 0, (size_t)cw * ch * sizeof *acc);
      for (uint32_t c = 0; c < h.di.c; c++)
        for (uint32_t ty = 0; ty < ky; ty++)
          for (uint32_t tx = 0; tx < kx; tx++) {
            float wv = w[(size_t)c * taps + ty * kx + tx];
            if (wv != 0) hw_conv_plane(acc, in + plane * c, pw, cw, ch, sd, tx, ty, wv);
          }
      hw_conv_store(&h, op, acc, cw, ch, oc, n);
    }
  }
  free(in), free(acc), free(w);
  return rc;
}

static int hw_pool(BxCtx *x, const BlobStage *st, const BlobHwOp *op) {
  HwBufs h;
  if (hw_views(x, st, op, &h) < 0) return -1;
  BlobHwPad p;
  blob_hw_pad(op, &p);
  uint32_t kx = op->kernel_width, ky = op->kernel_height, sd = op->kernel_stride;
  uint32_t pw = h.di.w + p.left + p.right, ph = h.di.h + p.top + p.bottom;
  bool avg = op->pool_type == BLOB_HW_POOL_AVERAGE;
  if (bx__spend(x, (uint64_t)op->out_num_chans *
                       ((uint64_t)pw * ph + (uint64_t)h.dout.w * h.dout.h * kx * ky)) < 0)
    return -1;
  float *plane = malloc((size_t)pw * ph * sizeof *plane + 1);
  if (!plane) return bx__fail(x, "out of memory");
  for (uint32_t j = 0; j < op->out_num_chans; j++) {
    uint32_t q = op->out_chan_offset + j; /* plane of N*C */
    hw_padded_plane(plane, &h.in, &h.di, q % h.di.c, q / h.di.c, &p);
    for (uint32_t oy = 0; oy < h.dout.h; oy++)
      for (uint32_t ox = 0; ox < h.dout.w; ox++) {
        float r = avg ? 0 : -INFINITY;
        for (uint32_t ty = 0; ty < ky; ty++)
          for (uint32_t tx = 0; tx < kx; tx++) {
            float v = plane[(size_t)(oy * sd + ty) * pw + ox * sd + tx];
            r = avg ? r + v : v > r ? v : r;
          }
        if (avg) r /= (float)(kx * ky);
        hw_st(&h.out, ox, oy, q % h.dout.c, q / h.dout.c, hw_activate(op, r));
      }
  }
  free(plane);
  return 0;
}

/* Sums of an FC op chain (fcAccum 1 ... fcAccum 0) over one stage's op list. */
typedef struct {
  float *acc; /* [n][out channels of the weights] */
  size_t len;
  bool open; /* the previous op had fcAccum 1 */
} HwFcAcc;

static int hw_fc(BxCtx *x, const BlobStage *st, const BlobHwOp *op, HwFcAcc *fa) {
  HwBufs h;
  if (hw_views(x, st, op, &h) < 0) return -1;
  uint32_t ocx = 8 * h.w.d[3], o_end = op->fc_output_offset + op->fc_output_num;
  uint32_t i_end = op->fc_input_offset + op->fc_input_num;
  if (o_end > ocx) o_end = ocx;
  if (bx__spend(x, (uint64_t)h.di.n * (o_end - op->fc_output_offset) * op->fc_input_num) < 0)
    return -1;
  size_t need = (size_t)h.di.n * ocx;
  if (!fa->acc || fa->len < need) {
    float *na = realloc(fa->acc, need * sizeof *na + 1);
    if (!na) return bx__fail(x, "out of memory");
    fa->acc = na, fa->len = need, fa->open = false;
  }
  for (uint32_t n = 0; n < h.di.n; n++) {
    float *acc = fa->acc + (size_t)n * ocx;
    if (!fa->open)
      for (uint32_t o = op->fc_output_offset; o < o_end; o++) acc[o] = 0;
    for (uint32_t i = op->fc_input_offset; i < i_end; i++) {
      float v = hw_ld(&h.in, 0, 0, i, n);
      if (v == 0) continue;
      for (uint32_t o = op->fc_output_offset; o < o_end; o++) acc[o] += v * hw_w(&h.w, o, i, 0);
    }
    if (op->fc_accum) continue;
    for (uint32_t o = op->fc_output_offset; o < o_end && o < h.dout.c; o++) {
      float r = (acc[o] + hw_vec(&h.b, h.have_b, o, 0)) * hw_vec(&h.s, h.have_s, o, 1);
      hw_st(&h.out, 0, 0, o, n, hw_activate(op, r));
    }
  }
  fa->open = op->fc_accum != 0;
  return 0;
}

int hw_exec_stage(BxCtx *x, const BlobStage *s) {
  const char *name = x->stage_name;
  if (s->injected) {
    char both[96];
    snprintf(both, sizeof both, "%s, injected %s", name, s->injected->type_name);
    x->stage_name = both;
    int rc = bx__run_stage(x, s->injected);
    x->stage_name = name;
    if (rc < 0) return -1;
  }
  if (!s->num_hw_ops) return bx__fail(x, "no HW ops");
  HwFcAcc fa = {NULL, 0, false};
  int rc = 0;
  for (uint32_t k = 0; rc == 0 && k < s->num_hw_ops; k++) {
    char why[400];
    const BlobHwOp *op = &s->hw_ops[k];
    if (blob_hw_op_check(s, k, why, sizeof why) < 0)
      rc = bx__fail(x, "%s", why);
    else if (fa.open && op->op_type != BLOB_HW_OP_FC)
      rc = bx__fail(x, "op %u: an FC op with fcAccum 1 is followed by a non-FC op", k);
    else if (op->op_type == BLOB_HW_OP_POOL)
      rc = hw_pool(x, s, op);
    else if (op->op_type == BLOB_HW_OP_FC)
      rc = hw_fc(x, s, op, &fa);
    else
      rc = hw_conv(x, s, op);
  }
  if (rc == 0 && fa.open)
    rc = bx__fail(x, "op %u: the last FC op has fcAccum 1 (its sums are never stored)",
                  s->num_hw_ops - 1);
  free(fa.acc);
  return rc;
}
