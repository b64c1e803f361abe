/*
 * compiler/ref/seq_layers.c — see seq_layers.h. RoiAlign follows ONNX Runtime's roialign.cc
 * (the implementation ONNX's node tests were generated with) and OpenVINO's ROIAlign-3
 * reference (ngraph runtime/reference/roi_align.hpp); they differ only in the max mode.
 */
#include "seq_layers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Bilinear sample of map m [H, W] at (y, x) with ONNX Runtime's and OpenVINO's border rules:
 * outside [-1, H] x [-1, W] gives no contribution; the four corner weights and offsets. */
static void corners(int64_t H, int64_t W, float y, float x, int64_t off[4], float wt[4]) {
  if (!(y >= -1.0f && y <= (float)H && x >= -1.0f && x <= (float)W)) { /* NaN too */
    memset(off, 0, 4 * sizeof off[0]);
    memset(wt, 0, 4 * sizeof wt[0]);
    return;
  }
  if (y <= 0) y = 0;
  if (x <= 0) x = 0;
  int64_t yl = (int64_t)y, xl = (int64_t)x, yh, xh;
  if (yl >= H - 1)
    yh = yl = H - 1, y = (float)yl;
  else
    yh = yl + 1;
  if (xl >= W - 1)
    xh = xl = W - 1, x = (float)xl;
  else
    xh = xl + 1;
  float ly = y - (float)yl, lx = x - (float)xl, hy = 1.0f - ly, hx = 1.0f - lx;
  off[0] = yl * W + xl, off[1] = yl * W + xh, off[2] = yh * W + xl, off[3] = yh * W + xh;
  wt[0] = hy * hx, wt[1] = hy * lx, wt[2] = ly * hx, wt[3] = ly * lx;
}

/* Samples per bin along an axis of `size` cells split in `out` bins: sampling, or the adaptive
 * ceil(size / out), 0 for a NaN size, at most SEQ_ROI_MAX_GRID. */
static int64_t grid_of(int64_t sampling, float size, int64_t out) {
  if (sampling > 0) return sampling;
  float g = ceilf(size / (float)out);
  if (!(g >= 1.0f)) return 0;
  return g >= (float)SEQ_ROI_MAX_GRID ? SEQ_ROI_MAX_GRID : (int64_t)g;
}

/* The roi's scaled start, size and grid. */
static void roi_geometry(const float *box, float scale, bool half_pixel, int64_t ph, int64_t pw,
                         int64_t sampling, float *x0, float *y0, float *rw, float *rh, int64_t *gh,
                         int64_t *gw) {
  float off = half_pixel ? 0.5f : 0.0f;
  *x0 = box[0] * scale - off, *y0 = box[1] * scale - off;
  *rw = box[2] * scale - off - *x0, *rh = box[3] * scale - off - *y0;
  if (!half_pixel) {
    if (*rw < 1.0f) *rw = 1.0f;
    if (*rh < 1.0f) *rh = 1.0f;
  }
  *gh = grid_of(sampling, *rh, ph), *gw = grid_of(sampling, *rw, pw);
}

/* a * b, UINT64_MAX when it would wrap. */
static uint64_t sat_mul(uint64_t a, uint64_t b) {
  return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

uint64_t seq_roi_align_samples(const float *rois, int64_t R, int64_t ph, int64_t pw,
                               int64_t sampling, float scale, bool half_pixel) {
  uint64_t total = 0;
  for (int64_t r = 0; r < R; r++) {
    float x0, y0, rw, rh;
    int64_t gh, gw;
    roi_geometry(rois + r * 4, scale, half_pixel, ph, pw, sampling, &x0, &y0, &rw, &rh, &gh, &gw);
    uint64_t add =
        sat_mul(sat_mul((uint64_t)gh, (uint64_t)gw), sat_mul((uint64_t)ph, (uint64_t)pw));
    total = total > UINT64_MAX - add ? UINT64_MAX : total + add;
  }
  return total;
}

int seq_roi_align(const float *x, int64_t N, int64_t C, int64_t H, int64_t W, const float *rois,
                  const int64_t *batch, int64_t R, float *y, int64_t ph, int64_t pw,
                  int64_t sampling, float scale, bool half_pixel, SeqRoiMode mode) {
  for (int64_t r = 0; r < R; r++) {
    int64_t b = batch[r];
    if (b < 0 || b >= N) return -1;
    float x0, y0, rw, rh;
    int64_t gh, gw;
    roi_geometry(rois + r * 4, scale, half_pixel, ph, pw, sampling, &x0, &y0, &rw, &rh, &gh, &gw);
    float bh = rh / (float)ph, bw = rw / (float)pw;
    int64_t count = gh * gw > 1 ? gh * gw : 1;
    for (int64_t c = 0; c < C; c++) {
      const float *m = x + (b * C + c) * H * W;
      float *o = y + (r * C + c) * ph * pw;
      for (int64_t i = 0; i < ph; i++)
        for (int64_t j = 0; j < pw; j++) {
          double acc = 0;
          float best = 0;
          bool first = true;
          for (int64_t iy = 0; iy < gh; iy++) {
            float yy = y0 + (float)i * bh + ((float)iy + 0.5f) * bh / (float)gh;
            for (int64_t ix = 0; ix < gw; ix++) {
              float xx = x0 + (float)j * bw + ((float)ix + 0.5f) * bw / (float)gw;
              int64_t o4[4];
              float w4[4];
              corners(H, W, yy, xx, o4, w4);
              float v[4], s = 0;
              for (int k = 0; k < 4; k++) v[k] = w4[k] * m[o4[k]], s += v[k];
              if (mode == SEQ_ROI_AVG) {
                acc += s;
                continue;
              }
              float cand = s;
              if (mode == SEQ_ROI_MAX_ORT) cand = fmaxf(fmaxf(fmaxf(v[0], v[1]), v[2]), v[3]);
              best = first ? cand : fmaxf(best, cand);
              first = false;
            }
          }
          o[i * pw + j] = mode == SEQ_ROI_AVG ? (float)(acc / (double)count) : best;
        }
    }
  }
  return 0;
}

const int SEQ_GATES_ONNX[4] = {0, 1, 2, 3}, SEQ_GATES_FICO[4] = {1, 3, 0, 2};

static double sigm(double v) { return 1.0 / (1.0 + exp(-v)); }

static double clipped(double v, float clip) {
  return clip > 0 ? (v > clip ? clip : v < -clip ? -clip : v) : v;
}

int seq_lstm_step(const float *x, const float *h, const float *c, const float *W, const float *R,
                  const float *bias, const float *P, float clip, const int gate[4], int64_t B,
                  int64_t I, int64_t hs, float *ho, float *co) {
  double *g = malloc((size_t)(4 * hs) * sizeof *g);
  float *hn = malloc((size_t)(B * hs) * 2 * sizeof *hn);
  if (!g || !hn) {
    free(g), free(hn);
    return -1;
  }
  float *cn = hn + B * hs;
  for (int64_t b = 0; b < B; b++) {
    for (int64_t k = 0; k < 4 * hs; k++) {
      double s = bias ? bias[k] : 0.0;
      for (int64_t q = 0; q < I; q++) s += (double)x[b * I + q] * W[k * I + q];
      for (int64_t q = 0; q < hs; q++) s += (double)h[b * hs + q] * R[k * hs + q];
      g[k] = s;
    }
    for (int64_t q = 0; q < hs; q++) {
      double cp = c[b * hs + q];
      double gi = g[gate[0] * hs + q] + (P ? P[q] * cp : 0.0);
      double gf = g[gate[2] * hs + q] + (P ? P[2 * hs + q] * cp : 0.0);
      double it = sigm(clipped(gi, clip)), ft = sigm(clipped(gf, clip));
      double ct = tanh(clipped(g[gate[3] * hs + q], clip));
      double cv = ft * cp + it * ct;
      double go = g[gate[1] * hs + q] + (P ? P[hs + q] * cv : 0.0);
      cn[b * hs + q] = (float)cv;
      hn[b * hs + q] = (float)(sigm(clipped(go, clip)) * tanh(cv));
    }
  }
  memcpy(ho, hn, (size_t)(B * hs) * sizeof *ho);
  memcpy(co, cn, (size_t)(B * hs) * sizeof *co);
  free(g);
  free(hn);
  return 0;
}
