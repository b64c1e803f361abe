/*
 * compiler/ref/blob_exec_seq.c — CPU kernels of the MyriadX stages the ONNX ROI ops and LSTM of
 * issue 18 are written as (compiler/backend/blob/lower_seq.c), read through each stage's buffer
 * descriptors and parameters as compile_tool serializes them, with OpenVINO's semantics (the
 * arithmetic is seq_layers.c's, shared with the reference kernels).
 */
#include "blob_exec_internal.h"

#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_format.h"
#include "seq_layers.h"

/* ROIAlign (123): u32 pooled_w, pooled_h, sampling_ratio, f32 spatial_scale, u32 mode (Average
 * 0, Max 1); buffers maps [N, C, H, W], rois [R, 4], batch indices [R] (S32), output
 * [R, C, pooled_h, pooled_w] (roi_align.cpp). OpenVINO ROIAlign-3 sampling (output_half_pixel). */
int bx__roi_align(X *x, const BlobStage *s) {
  if (s->params_len < 20 || s->num_buffers < 4) return bx__fail(x, "bad ROIAlign parameters");
  V v[4];
  for (uint32_t i = 0; i < 4; i++)
    if (bx__view(x, &s->buffers[i], &v[i]) < 0) return -1;
  uint32_t pw = rd_u32(s->params), ph = rd_u32(s->params + 4), sr = rd_u32(s->params + 8),
           mode = rd_u32(s->params + 16);
  float scale;
  memcpy(&scale, s->params + 12, 4);
  if (v[0].nd != 4 || v[1].nd != 2 || v[1].d[0] != 4 || pw < 1 || ph < 1 || pw > 65536 ||
      ph > 65536 || mode > 1 || sr > 1024 || !(scale > 0))
    return bx__fail(x, "bad ROIAlign parameters or buffers");
  int64_t W = v[0].d[0], H = v[0].d[1], C = v[0].d[2], N = v[0].d[3], R = v[1].d[1];
  uint64_t bins = (uint64_t)ph * pw, out_n = bx__count(&v[3]);
  if (bx__count(&v[2]) != (uint64_t)R || out_n % bins || out_n / bins != (uint64_t)R * (uint64_t)C)
    return bx__fail(x, "ROIAlign sizes do not match");
  float *maps = bx__load_all(&v[0]), *rois = bx__load_all(&v[1]), *bf = bx__load_all(&v[2]);
  float *out = calloc((size_t)out_n + 1, sizeof *out);
  int64_t *bi = malloc((size_t)(R + 1) * sizeof *bi);
  int rc = 0;
  if (!maps || !rois || !bf || !out || !bi) rc = bx__fail(x, "out of memory");
  if (rc == 0) { /* the adaptive grid depends on the rois: spend what they ask for */
    uint64_t samples = seq_roi_align_samples(rois, R, ph, pw, sr, scale, false);
    if (bx__spend(x, samples > UINT64_MAX / 4 / (uint64_t)C ? UINT64_MAX
                                                            : samples * (uint64_t)C * 4) < 0)
      rc = -1;
  }
  if (rc == 0) {
    for (int64_t r = 0; r < R; r++) bi[r] = (int64_t)bf[r];
    if (seq_roi_align(maps, N, C, H, W, rois, bi, R, out, ph, pw, sr, scale, false,
                      mode ? SEQ_ROI_MAX_OV : SEQ_ROI_AVG) < 0)
      rc = bx__fail(x, "a roi names a batch outside the feature maps");
  }
  if (rc == 0) {
    uint32_t idx[BLOB_MAX_DIMS] = {0};
    uint64_t i = 0;
    do bx__st(&v[3], idx, out[i++]);
    while (bx__next(idx, v[3].d, v[3].nd));
  }
  free(maps), free(rois), free(bf), free(out), free(bi);
  return rc;
}

/* LSTMCell (70) over a sequence (rnn.cpp parseRNN): i32 RNNForward, nCells, nBatches,
 * useCellState, outputs; buffers X [B, S, I] (batch-major), H0, C0 [B, hs], weights (W [4 hs, I]
 * then R [4 hs, hs], gates f, i, c, o), biases [4 hs], Y [B, S, hs] (every step's h), [C' [B, hs]],
 * [a third output], and a temporary when nCells > 1. Reverse (RNNForward 0) runs the steps from
 * the last to the first and writes each step's h at its own position (inferred: the firmware is
 * not public; OpenVINO's LSTMSequence reverse has this meaning). */
int bx__lstm_sequence(X *x, const BlobStage *s) {
  if (s->params_len < 20) return bx__fail(x, "params too short");
  int32_t fwd = (int32_t)rd_u32(s->params), S = (int32_t)rd_u32(s->params + 4),
          B = (int32_t)rd_u32(s->params + 8), outs = (int32_t)rd_u32(s->params + 16);
  if ((fwd != 0 && fwd != 1) || S < 1 || B < 1 || outs < 1 || outs > 3)
    return bx__fail(x, "bad LSTMCell parameters");
  uint32_t nb = (uint32_t)(5 + outs);
  if (s->num_buffers < nb) return bx__fail(x, "buffers missing");
  V v[8];
  for (uint32_t i = 0; i < nb; i++) {
    if (i > 5 && s->buffers[i].location == BLOB_LOC_NONE) { /* a Fake extra output */
      v[i].nd = 0;
      continue;
    }
    if (bx__view(x, &s->buffers[i], &v[i]) < 0) return -1;
  }
  /* every count is that of a real buffer (< 2^32 elements), so these products cannot wrap */
  uint64_t nx = bx__count(&v[0]), nh = bx__count(&v[1]), bs = (uint64_t)B * (uint64_t)S;
  if (bs > nx || nx % bs || nh % (uint64_t)B) return bx__fail(x, "LSTMCell buffers do not match");
  int64_t I = (int64_t)(nx / bs), hs = (int64_t)(nh / (uint64_t)B);
  if (I < 1 || hs < 1 || bx__count(&v[2]) != nh ||
      bx__count(&v[3]) != 4 * (uint64_t)hs * (uint64_t)(I + hs) ||
      bx__count(&v[4]) != 4 * (uint64_t)hs || bx__count(&v[5]) != bs * (uint64_t)hs ||
      (outs > 1 && v[6].nd && bx__count(&v[6]) != nh) ||
      (outs > 2 && v[7].nd && bx__count(&v[7]) != nh))
    return bx__fail(x, "LSTMCell buffers do not match");
  if (bx__spend(x, (uint64_t)S * (uint64_t)B * 4 * (uint64_t)(hs * (I + hs))) < 0) return -1;
  float *f[5];
  for (int i = 0; i < 5; i++) f[i] = bx__load_all(&v[i]);
  size_t bh = (size_t)(B * hs);
  float *buf = calloc((size_t)(B * S * hs) + 4 * bh + (size_t)(B * I) + 1, sizeof *buf);
  int rc = 0;
  if (!f[0] || !f[1] || !f[2] || !f[3] || !f[4] || !buf) rc = bx__fail(x, "out of memory");
  if (rc == 0) {
    float *y = buf, *h = y + B * S * hs, *c = h + bh, *hn = c + bh, *cn = hn + bh, *xt = cn + bh;
    memcpy(h, f[1], bh * sizeof *h);
    memcpy(c, f[2], bh * sizeof *c);
    for (int32_t k = 0; k < S && rc == 0; k++) {
      int64_t t = fwd ? k : S - 1 - k;
      for (int64_t b = 0; b < B; b++)
        memcpy(xt + b * I, f[0] + (b * S + t) * I, (size_t)I * sizeof *xt);
      if (seq_lstm_step(xt, h, c, f[3], f[3] + 4 * hs * I, f[4], NULL, 0, SEQ_GATES_FICO, B, I, hs,
                        hn, cn) < 0) {
        rc = bx__fail(x, "out of memory");
        break;
      }
      memcpy(h, hn, bh * sizeof *h);
      memcpy(c, cn, bh * sizeof *c);
      for (int64_t b = 0; b < B; b++)
        memcpy(y + (b * S + t) * hs, h + b * hs, (size_t)hs * sizeof *y);
    }
    if (rc == 0) {
      uint32_t idx[BLOB_MAX_DIMS] = {0};
      uint64_t i = 0;
      do bx__st(&v[5], idx, y[i++]);
      while (bx__next(idx, v[5].d, v[5].nd));
      for (int o = 1; o < outs; o++) {
        if (!v[5 + o].nd) continue;
        const float *src = o == 1 ? c : h; /* C', then (inferred) H' */
        memset(idx, 0, sizeof idx);
        i = 0;
        do bx__st(&v[5 + o], idx, src[i++]);
        while (bx__next(idx, v[5 + o].d, v[5 + o].nd));
      }
    }
  }
  for (int i = 0; i < 5; i++) free(f[i]);
  free(buf);
  return rc;
}
