/*
 * compiler/backend/blob/hw_weights.c — the constants of an NCE convolution: FP16 range scaling,
 * the interleaved weight layout, biases and scales, byte for byte as compile_tool writes them.
 *
 * Sources (OpenVINO 2021.x, inference-engine/src/vpu/graph_transformer):
 *   [WA]  src/middleend/passes/weights_analysis.cpp      the shift per HW convolution / FC
 *   [SC]  src/model/data_contents/scaled_content.cpp     how weights and biases are scaled
 *   [HWW] src/model/data_contents/hw_weights_content.cpp the [8, K, ICx, OCx/8] layout
 *   [HST] src/middleend/hw/conv_tiling/hw_stage_tiler.cpp  biases and scales padded to OCx
 *   [PU]  inference-engine/src/inference_engine/precision_utils.cpp  f16tof32 / f32tof16
 * Checked against the const sections of face-detection-retail-0004 and
 * person-detection-retail-0013 (tests/test_compare.c; ../shared/docs/hw-stages.md).
 */
#include "compiler/backend/blob/bw.h"

#include <math.h>
#include <string.h>

/* ---- Inference Engine's FP16 conversions [PU] ---- */

/* f16tof32: subnormal halves become (signed) zero. */
float bw_ie_f16_to_f32(uint16_t h) {
  if ((h & 0x7c00u) == 0) return (h & 0x8000u) ? -0.0f : 0.0f;
  return fp16_to_f32(h);
}

/* f32tof16: adds half an FP16 ulp and truncates (ties away from zero), gives no subnormals
 * (|x| < 2^-15 -> 0, below 2^-14 -> 2^-14) and saturates at 65504 instead of inf. */
uint16_t bw_ie_f32_to_f16(float x) {
  uint32_t u;
  memcpy(&u, &x, 4);
  uint16_t s = (uint16_t)((u >> 16) & 0x8000u);
  u &= 0x7fffffffu;
  if ((u & 0x7f800000u) == 0x7f800000u) /* inf or nan */
    return (uint16_t)(s | (u >> 13) | ((u & 0x7fffffu) ? 0x200u : 0u));
  float v, half_ulp;
  uint32_t e = u & 0x7f800000u, k = (127u - 11u) << 23;
  memcpy(&v, &u, 4);
  float fe, fk;
  memcpy(&fe, &e, 4);
  memcpy(&fk, &k, 4);
  half_ulp = fe * fk;
  v += half_ulp;
  const float min16 = 6.103515625e-05f; /* 2^-14 */
  const float max16 = 65504.0f;         /* the largest FP16 */
  if (v < min16 * 0.5f) return s;
  if (v < min16) return (uint16_t)(s | (1u << 10));
  if (v >= max16) return (uint16_t)(s | 0x7bffu);
  memcpy(&u, &v, 4);
  u -= (127u - 15u) << 23;
  return (uint16_t)(s | (u >> 13));
}

/* One value scaled as ScaledContent does it [SC], except that the FP16 source is read exactly:
 * compile_tool's bytes keep the IR's subnormal weights (scaled into the normal range), which
 * the [PU] f16tof32 of this source tree would flush to zero (hw-stages.md item 3). */
static uint16_t scale_half(uint16_t h, float factor) {
  return bw_ie_f32_to_f16(fp16_to_f32(h) * factor);
}

/* h x 2^shift: a normal half that stays normal only moves its exponent (exact, as the
 * conversion gives it); the rest goes through the conversion. */
static inline uint16_t scale_pow2(uint16_t h, int shift) {
  uint32_t e = h & 0x7c00u, add = (uint32_t)shift << 10;
  if (e != 0 && e + add < 0x7c00u) return (uint16_t)(h + add);
  return shift ? scale_half(h, ldexpf(1.0f, shift)) : h;
}

/* ---- [WA] weights analysis ---- */

/* The shift (power of two) a HW convolution's or FC's weights are scaled by, from the FP16
 * exponents of all its weights: min(15 - max exponent, -mean exponent of the non-zero ones);
 * on the first analysed layer 8 less when above 10, capped at 8 (convolution) or 9 (FC);
 * `normal_val` (5) is subtracted once the preprocessing rule set it. The caller keeps `first`
 * and `normal_val` across the layers, in graph order. 0 means no scaling. */
int bw_hw_weights_shift(const uint16_t *wts, size_t n, bool *first, int *normal_val, bool growing,
                        bool fc, int64_t in_c) {
  uint64_t hist[32] = {0};    /* how many weights have each exponent field */
  uint32_t h4[4][32] = {{0}}; /* four in turn: no store-to-load chain on runs of one exponent */
  size_t i = 0;
  while (i < n) {
    size_t end = n - i > ((size_t)1 << 30) ? i + ((size_t)1 << 30) : n;
    for (; i + 4 <= end; i += 4) {
      h4[0][(wts[i] >> 10) & 31]++;
      h4[1][(wts[i + 1] >> 10) & 31]++;
      h4[2][(wts[i + 2] >> 10) & 31]++;
      h4[3][(wts[i + 3] >> 10) & 31]++;
    }
    for (; i < end; i++) h4[0][(wts[i] >> 10) & 31]++;
    for (int e = 0; e < 32; e++) {
      hist[e] += (uint64_t)h4[0][e] + h4[1][e] + h4[2][e] + h4[3][e];
      h4[0][e] = h4[1][e] = h4[2][e] = h4[3][e] = 0;
    }
  }
  int max_exp = -15;
  uint64_t cnt = 0;
  double sum = 0;
  for (int e = 0; e < 32; e++) {
    if (!hist[e]) continue;
    if (e - 15 > max_exp) max_exp = e - 15;
    if (e != 0) { /* zero and subnormals (exponent -15) are left out of the mean */
      sum += (double)(e - 15) * (double)hist[e];
      cnt += hist[e];
    }
  }
  int mean = cnt ? (int)(sum / (double)cnt) : -15;
  int shift = 15 - max_exp;
  if (-mean < shift) shift = -mean;
  if (*first && shift < 4 && growing && in_c > 1) *normal_val = 5;
  if (*first && shift > 10) shift -= 8;
  if (!fc && shift > 8) shift = 8;
  if (fc && shift > 9) shift = 9;
  shift -= *normal_val;
  *first = false;
  return shift >= 1 ? shift : 0;
}

/* ---- constants of one HW stage ---- */

/* Weights of one input-channel tile in the NCE layout [HWW], scaled by 2^shift [WA]: dims
 * (minor -> major) [8, K, ICx, OCx/8]; dst[(oc % 8) + 8 k + 8 K ic + 8 K ICx (oc / 8)] =
 * W[oc][c0 + ic][k] for ic < min(n_ic, IC - c0), zeros elsewhere. src is [OC][IC][K] (IR
 * order). Written once, in destination order. */
BRef bw_hw_weights_const(W *w, const uint16_t *src, int oc, int ic, int k, int c0, int n_ic,
                         int ext_ic, int ext_oc, int shift) {
  uint32_t dims[4] = {8, (uint32_t)k, (uint32_t)ext_ic, (uint32_t)(ext_oc / 8)};
  size_t n = (size_t)8 * k * ext_ic * (ext_oc / 8);
  BRef r;
  uint16_t *d = bw_const_f16_slot(w, n, 4, dims, &r);
  int real = ic - c0 < n_ic ? ic - c0 : n_ic;
  size_t run =
      (size_t)(real > 0 ? real : 0) * k; /* channels c0 .. c0+real are one run of each row */
  uint32_t add = (uint32_t)shift << 10;
  for (int ob = 0; ob < ext_oc / 8; ob++) {
    const uint16_t *row[8]; /* the 8 output channels of this block, from input channel c0 */
    int live = 0;
    for (int o8 = 0; o8 < 8; o8++)
      if (ob * 8 + o8 < oc) row[live++] = src + ((size_t)(ob * 8 + o8) * ic + c0) * k;
    if (live == 8) { /* exponent + shift; a value that leaves the normal range is redone */
      for (size_t x = 0; x < run; x++, d += 8) {
        uint32_t odd = 0;
        for (int o8 = 0; o8 < 8; o8++) {
          uint32_t h = row[o8][x], e = h & 0x7c00u;
          d[o8] = (uint16_t)(h + add);
          odd |= (uint32_t)(e == 0 || e + add >= 0x7c00u) << o8;
        }
        if (shift && odd)
          for (int o8 = 0; o8 < 8; o8++)
            if (odd >> o8 & 1) d[o8] = scale_pow2(row[o8][x], shift);
      }
    } else {
      for (size_t x = 0; x < run; x++, d += 8) {
        int o8 = 0;
        for (; o8 < live; o8++) d[o8] = scale_pow2(row[o8][x], shift);
        for (; o8 < 8; o8++) d[o8] = 0;
      }
    }
    size_t pad =
        (size_t)(ext_ic - (real > 0 ? real : 0)) * k * 8; /* channels the mode rounds up to */
    memset(d, 0, pad * 2);
    d += pad;
  }
  return r;
}

/* A [n] FP16 vector const padded with `pad` up to ext entries ([HST] createBiases/createScales). */
BRef bw_hw_vec_const(W *w, const uint16_t *v, int n, int ext, uint16_t pad) {
  uint32_t d = (uint32_t)ext;
  BRef r;
  uint16_t *h = bw_const_f16_slot(w, (size_t)ext, 1, &d, &r);
  for (int i = 0; i < ext; i++) h[i] = i < n ? v[i] : pad;
  return r;
}

/* Biases of a HW layer: the graph's (FP16; times Gemm's beta when not 1) scaled by 2^shift,
 * or NULL without biases. */
uint16_t *bw_hw_biases(W *w, int bias_t, int64_t off, int n, int shift, double beta) {
  if (bias_t < 0) return NULL;
  const IrTensor *b = bw_T(w, bias_t);
  uint16_t *h = arena_array(w->g->arena, (size_t)n + 1, 2);
  for (int i = 0; i < n; i++) {
    int64_t k = ir_numel(b) == 1 ? 0 : off + i;
    uint16_t x = beta == 1.0 ? bw_half_at(b, k) : fp16_from_f32((float)(ir_const_f64(b, k) * beta));
    h[i] = scale_pow2(x, shift);
  }
  return h;
}

/* Scales of a HW layer ([WA] addScaleInput, [HST] createScales): 2^-shift per output channel,
 * times reluScale (LeakyReLU's slope) when the layer has no input-channel tiles; NULL when there
 * is nothing to scale. `*pad` is what the entries past n hold (0, or reluScale when the vector
 * comes from reluScale alone). */
uint16_t *bw_hw_scales(W *w, int n, int shift, float relu_scale, bool soc, uint16_t *pad) {
  bool rs = !soc && relu_scale != 1.0f;
  *pad = 0;
  if (!shift && !rs) return NULL;
  uint16_t *h = arena_array(w->g->arena, (size_t)n + 1, 2);
  if (shift) {
    uint16_t v = bw_ie_f32_to_f16(ldexpf(1.0f, -shift));
    for (int i = 0; i < n; i++) h[i] = rs ? scale_half(v, relu_scale) : v;
  } else {
    uint16_t v = bw_ie_f32_to_f16(relu_scale);
    for (int i = 0; i < n; i++) h[i] = v;
    *pad = v;
  }
  return h;
}
