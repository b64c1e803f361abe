/* compiler/ref/ir_layers.c — see ir_layers.h. Plain loops: readable over fast. */
#include "ir_layers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

float irl_softplus(float x) { return x > 20.0f ? x : log1pf(expf(x)); }
float irl_mish(float x) { return x * tanhf(irl_softplus(x)); }
float irl_swish(float x, float beta) { return x / (1.0f + expf(-beta * x)); }

float irl_gelu(float x, bool tanh_form) {
  if (tanh_form) return 0.5f * x * (1.0f + tanhf(0.7978845608f * (x + 0.044715f * x * x * x)));
  return 0.5f * x * (1.0f + erff(x * 0.70710678f));
}

void irl_grn(const float *x, float *y, int64_t N, int64_t C, int64_t S, float bias) {
  for (int64_t n = 0; n < N; n++)
    for (int64_t s = 0; s < S; s++) {
      double sq = 0;
      for (int64_t c = 0; c < C; c++) sq += (double)x[(n * C + c) * S + s] * x[(n * C + c) * S + s];
      double k = 1.0 / sqrt(sq + bias);
      for (int64_t c = 0; c < C; c++) y[(n * C + c) * S + s] = (float)(x[(n * C + c) * S + s] * k);
    }
}

void irl_normalize_channels(const float *x, float *y, int64_t N, int64_t C, int64_t S, float eps,
                            bool eps_max, const float *scale, int64_t n_scale) {
  for (int64_t n = 0; n < N; n++)
    for (int64_t s = 0; s < S; s++) {
      double sq = 0;
      for (int64_t c = 0; c < C; c++) sq += (double)x[(n * C + c) * S + s] * x[(n * C + c) * S + s];
      double k = 1.0 / sqrt(eps_max ? fmax(sq, eps) : sq + eps);
      for (int64_t c = 0; c < C; c++) {
        double sc = scale ? scale[n_scale == 1 ? 0 : c] : 1.0;
        y[(n * C + c) * S + s] = (float)(x[(n * C + c) * S + s] * k * sc);
      }
    }
}

static float logistic(float v) { return 1.0f / (1.0f + expf(-v)); }

void irl_region_yolo(const float *x, float *y, int64_t H, int64_t W, int coords, int classes,
                     int regions, bool softmax, int64_t out_c) {
  int64_t hw = H * W, per = (int64_t)(classes + coords + 1) * hw;
  memcpy(y, x, (size_t)(out_c * hw) * sizeof *y);
  for (int r = 0; r < regions; r++) {
    float *b = y + r * per;
    for (int64_t i = 0; i < 2 * hw; i++) b[i] = logistic(b[i]); /* x, y */
    int64_t n_obj = softmax ? hw : hw * (classes + 1);          /* objectness (and classes) */
    for (int64_t i = 0; i < n_obj; i++) b[coords * hw + i] = logistic(b[coords * hw + i]);
    if (!softmax) continue;
    const float *src = x + r * per + (int64_t)(coords + 1) * hw;
    float *dst = b + (int64_t)(coords + 1) * hw;
    for (int64_t l = 0; l < hw; l++) {
      float mx = src[l];
      for (int c = 1; c < classes; c++) mx = fmaxf(mx, src[c * hw + l]);
      double sum = 0;
      for (int c = 0; c < classes; c++) sum += dst[c * hw + l] = expf(src[c * hw + l] - mx);
      for (int c = 0; c < classes; c++) dst[c * hw + l] = (float)(dst[c * hw + l] / sum);
    }
  }
}

void irl_reorg_yolo(const float *x, float *y, int64_t N, int64_t C, int64_t H, int64_t W,
                    int64_t s) {
  /* the output, read as [N, C, H, W], takes element (c % oc, h*s + off/s, w*s + off%s) of the
   * input read as [N, oc, H*s, W*s], oc = C / s^2, off = c / oc (darknet's reorg) */
  int64_t oc = C / (s * s), oh = H * s, ow = W * s;
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t h = 0; h < H; h++)
        for (int64_t w = 0; w < W; w++) {
          int64_t off = c / oc, ic = c % oc, ih = h * s + off / s, iw = w * s + off % s;
          y[((n * C + c) * H + h) * W + w] = x[((n * oc + ic) * oh + ih) * ow + iw];
        }
}

void irl_ctc_greedy(const float *data, const float *mask, float *out, int64_t T, int64_t N,
                    int64_t C, bool merge) {
  for (int64_t i = 0; i < N * T; i++) out[i] = -1.0f;
  for (int64_t n = 0; n < N; n++) {
    int64_t k = 0, prev = -1;
    for (int64_t t = 0; t < T && mask[t * N + n] != 0.0f; t++) {
      const float *p = data + (t * N + n) * C;
      int64_t best = 0;
      for (int64_t c = 1; c < C; c++)
        if (p[c] > p[best]) best = c;
      if (best != C - 1 && !(merge && best == prev)) out[n * T + k++] = (float)best;
      prev = best;
    }
  }
}

static int64_t clampi(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

int irl_roi_pool(const float *x, int64_t N, int64_t C, int64_t H, int64_t W, const float *rois,
                 int64_t R, float *y, int64_t ph, int64_t pw, float scale, bool bilinear) {
  for (int64_t r = 0; r < R; r++) {
    const float *box = rois + r * 5;
    int64_t b = (int64_t)box[0];
    if (b < 0 || b >= N) return -1;
    for (int64_t c = 0; c < C; c++) {
      const float *m = x + (b * C + c) * H * W;
      float *o = y + (r * C + c) * ph * pw;
      if (!bilinear) {
        int64_t x0 = (int64_t)roundf(box[1] * scale), y0 = (int64_t)roundf(box[2] * scale);
        int64_t x1 = (int64_t)roundf(box[3] * scale), y1 = (int64_t)roundf(box[4] * scale);
        int64_t rh = y1 - y0 + 1 > 1 ? y1 - y0 + 1 : 1, rw = x1 - x0 + 1 > 1 ? x1 - x0 + 1 : 1;
        float bh = (float)rh / (float)ph, bw = (float)rw / (float)pw;
        for (int64_t i = 0; i < ph; i++)
          for (int64_t j = 0; j < pw; j++) {
            int64_t hs = clampi((int64_t)floorf((float)i * bh) + y0, 0, H),
                    he = clampi((int64_t)ceilf((float)(i + 1) * bh) + y0, 0, H);
            int64_t ws = clampi((int64_t)floorf((float)j * bw) + x0, 0, W),
                    we = clampi((int64_t)ceilf((float)(j + 1) * bw) + x0, 0, W);
            float v = he <= hs || we <= ws ? 0.0f : -INFINITY;
            for (int64_t hh = hs; hh < he; hh++)
              for (int64_t ww = ws; ww < we; ww++) v = fmaxf(v, m[hh * W + ww]);
            o[i * pw + j] = v;
          }
        continue;
      }
      float rh = (box[4] - box[2]) * (float)(H - 1), rw = (box[3] - box[1]) * (float)(W - 1);
      float sh = ph > 1 ? rh / (float)(ph - 1) : 0.0f, sw = pw > 1 ? rw / (float)(pw - 1) : 0.0f;
      for (int64_t i = 0; i < ph; i++)
        for (int64_t j = 0; j < pw; j++) {
          float iy = ph > 1 ? (float)i * sh + box[2] * (float)(H - 1)
                            : 0.5f * (box[2] + box[4]) * (float)(H - 1);
          float ix = pw > 1 ? (float)j * sw + box[1] * (float)(W - 1)
                            : 0.5f * (box[1] + box[3]) * (float)(W - 1);
          if (iy < 0 || iy > (float)(H - 1) || ix < 0 || ix > (float)(W - 1)) {
            o[i * pw + j] = 0.0f;
            continue;
          }
          int64_t t = (int64_t)floorf(iy), bo = (int64_t)ceilf(iy), l = (int64_t)floorf(ix),
                  rt = (int64_t)ceilf(ix);
          if (rt > W - 1) rt = W - 1;
          if (bo > H - 1) bo = H - 1;
          float top = m[t * W + l] + (m[t * W + rt] - m[t * W + l]) * (ix - (float)l);
          float bot = m[bo * W + l] + (m[bo * W + rt] - m[bo * W + l]) * (ix - (float)l);
          o[i * pw + j] = top + (bot - top) * (iy - (float)t);
        }
    }
  }
  return 0;
}

int irl_psroi_pool(const float *x, int64_t N, int64_t C, int64_t H, int64_t W, const float *rois,
                   int64_t R, float *y, int64_t odim, int64_t g, float scale) {
  for (int64_t r = 0; r < R; r++) {
    const float *box = rois + r * 5;
    int64_t b = (int64_t)box[0];
    if (b < 0 || b >= N) return -1;
    float sw = roundf(box[1]) * scale, sh = roundf(box[2]) * scale;
    float ew = (roundf(box[3]) + 1.0f) * scale, eh = (roundf(box[4]) + 1.0f) * scale;
    float bw = (ew - sw) / (float)g, bh = (eh - sh) / (float)g;
    int64_t ci = 0;
    for (int64_t co = 0; co < odim; co++)
      for (int64_t i = 0; i < g; i++)
        for (int64_t j = 0; j < g; j++, ci++) {
          int64_t x0 = clampi((int64_t)floorf(sw + (float)j * bw), 0, W - 1),
                  y0 = clampi((int64_t)floorf(sh + (float)i * bh), 0, H - 1);
          int64_t x1 = clampi((int64_t)ceilf(sw + (float)(j + 1) * bw), 0, W),
                  y1 = clampi((int64_t)ceilf(sh + (float)(i + 1) * bh), 0, H);
          double sum = 0;
          const float *m = x + (b * C + ci) * H * W;
          for (int64_t hh = y0; hh < y1; hh++)
            for (int64_t ww = x0; ww < x1; ww++) sum += m[hh * W + ww];
          int64_t cnt = (x1 - x0) * (y1 - y0);
          y[((r * odim + co) * g + i) * g + j] = cnt > 0 ? (float)(sum / (double)cnt) : 0.0f;
        }
  }
  return 0;
}

int irl_gather_nd(const float *data, const int64_t *dims, int rank, const int64_t *idx,
                  int64_t n_idx, int64_t k, int64_t b, float *y) {
  int64_t batches = 1, block = 1, bstride = 1;
  for (int64_t i = 0; i < b; i++) batches *= dims[i];
  for (int64_t i = b + k; i < rank; i++) block *= dims[i];
  for (int64_t i = b; i < rank; i++) bstride *= dims[i];
  int64_t per = batches ? n_idx / batches : 0;
  for (int64_t row = 0; row < n_idx; row++) {
    int64_t off = (per ? row / per : 0) * bstride, mul = bstride;
    for (int64_t j = 0; j < k; j++) {
      int64_t d = dims[b + j], v = idx[row * k + j];
      if (v < 0) v += d;
      if (v < 0 || v >= d) return -1;
      mul /= d;
      off += v * mul;
    }
    memcpy(y + row * block, data + off, (size_t)block * sizeof *y);
  }
  return 0;
}

int irl_scatter_update(const float *data, int64_t d0, int64_t inner, const int64_t *idx,
                       int64_t n_idx, const float *upd, float *y) {
  memcpy(y, data, (size_t)(d0 * inner) * sizeof *y);
  for (int64_t i = 0; i < n_idx; i++) {
    int64_t v = idx[i] < 0 ? idx[i] + d0 : idx[i];
    if (v < 0 || v >= d0) return -1;
    memcpy(y + v * inner, upd + i * inner, (size_t)inner * sizeof *y);
  }
  return 0;
}

void irl_lstm_cell(const float *x, const float *h, const float *c, const float *W, const float *R,
                   const float *bias, int64_t B, int64_t I, int64_t hs, float *ho, float *co) {
  for (int64_t b = 0; b < B; b++)
    for (int64_t j = 0; j < hs; j++) {
      double gate[4];
      for (int g = 0; g < 4; g++) {
        int64_t row = g * hs + j;
        double acc = bias ? bias[row] : 0.0;
        for (int64_t i = 0; i < I; i++) acc += (double)W[row * I + i] * x[b * I + i];
        for (int64_t k = 0; k < hs; k++) acc += (double)R[row * hs + k] * h[b * hs + k];
        gate[g] = acc;
      }
      double f = 1 / (1 + exp(-gate[0])), in = 1 / (1 + exp(-gate[1])), cc = tanh(gate[2]),
             o = 1 / (1 + exp(-gate[3]));
      double cn = f * c[b * hs + j] + in * cc;
      co[b * hs + j] = (float)cn;
      ho[b * hs + j] = (float)(o * tanh(cn));
    }
}

typedef struct {
  float x0, y0, x1, y1, score;
  int64_t order; /* enumeration order: equal scores keep it */
} PBox;

static int pbox_cmp(const void *a, const void *b) {
  const PBox *p = a, *q = b;
  if (p->score != q->score) return p->score > q->score ? -1 : 1;
  return p->order < q->order ? -1 : p->order > q->order;
}

static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

int irl_proposal(const IrlProposal *p, const float *probs, const float *deltas, const float *info,
                 int n_info, int64_t N, int64_t H, int64_t W, float *rois, float *scores) {
  int64_t A = (int64_t)p->n_ratios * p->n_scales, total = A * H * W;
  float *anc = malloc((size_t)(4 * A + 1) * sizeof *anc);
  PBox *box = malloc((size_t)(total + 1) * sizeof *box);
  int64_t *keep = malloc((size_t)(p->post_nms_topn + 1) * sizeof *keep);
  char *dead = malloc((size_t)(total + 1));
  if (!anc || !box || !keep || !dead) {
    free(anc), free(box), free(keep), free(dead);
    return -1;
  }
  /* anchors, ratio-major: the base box reshaped to each ratio (rounded for Caffe), then scaled */
  float off = p->coordinates_offset, area = (float)p->base_size * (float)p->base_size,
        ctr = 0.5f * ((float)p->base_size - off);
  for (int r = 0; r < p->n_ratios; r++) {
    float rw = sqrtf(area / p->ratios[r]), rh;
    if (p->round_ratios)
      rw = roundf(rw), rh = roundf(rw * p->ratios[r]);
    else
      rh = rw * p->ratios[r];
    for (int s = 0; s < p->n_scales; s++) {
      int64_t a = (int64_t)r * p->n_scales + s;
      float sw = 0.5f * (rw * p->scales[s] - off), sh = 0.5f * (rh * p->scales[s] - off),
            sh2 = p->shift_anchors ? 0.5f * (float)p->base_size : 0.0f;
      anc[a] = ctr - sw - sh2, anc[A + a] = ctr - sh - sh2, anc[2 * A + a] = ctr + sw - sh2,
      anc[3 * A + a] = ctr + sh - sh2;
    }
  }
  float img_h = info[0], img_w = info[1], sc_h = info[2], sc_w = n_info > 3 ? info[3] : info[2];
  float min_h = p->min_size * sc_h, min_w = p->min_size * sc_w;
  int64_t area_hw = H * W;
  for (int64_t b = 0; b < N; b++) {
    const float *score = probs + (b * 2 * A + A) * area_hw, *d = deltas + b * 4 * A * area_hw;
    int64_t nb = 0;
    for (int64_t h = 0; h < H; h++)
      for (int64_t w = 0; w < W; w++)
        for (int64_t a = 0; a < A; a++) {
          float x = (float)((p->swap_xy ? h : w) * p->feat_stride),
                y = (float)((p->swap_xy ? w : h) * p->feat_stride);
          int64_t at = h * W + w;
          float dx = d[(a * 4 + 0) * area_hw + at] / p->box_coordinate_scale,
                dy = d[(a * 4 + 1) * area_hw + at] / p->box_coordinate_scale;
          float dw = d[(a * 4 + 2) * area_hw + at] / p->box_size_scale,
                dh = d[(a * 4 + 3) * area_hw + at] / p->box_size_scale;
          float x0 = x + anc[a], y0 = y + anc[A + a], x1 = x + anc[2 * A + a],
                y1 = y + anc[3 * A + a];
          if (p->initial_clip)
            x0 = clampf(x0, 0, img_w), y0 = clampf(y0, 0, img_h), x1 = clampf(x1, 0, img_w),
            y1 = clampf(y1, 0, img_h);
          float ww = x1 - x0 + off, hh = y1 - y0 + off, cx = x0 + 0.5f * ww, cy = y0 + 0.5f * hh;
          float pcx = dx * ww + cx, pcy = dy * hh + cy, pw = expf(dw) * ww, ph = expf(dh) * hh;
          x0 = pcx - 0.5f * pw, y0 = pcy - 0.5f * ph, x1 = pcx + 0.5f * pw, y1 = pcy + 0.5f * ph;
          if (p->clip_before_nms)
            x0 = clampf(x0, 0, img_w - off), y0 = clampf(y0, 0, img_h - off),
            x1 = clampf(x1, 0, img_w - off), y1 = clampf(y1, 0, img_h - off);
          float bw = x1 - x0 + off, bh = y1 - y0 + off, sv = score[a * area_hw + at];
          if (bw < min_w || bh < min_h) sv = 0.0f;
          if (p->pre_nms_thresh > 0 && sv < p->pre_nms_thresh) continue;
          box[nb] = (PBox){x0, y0, x1, y1, sv, (h * W + w) * A + a};
          nb++;
        }
    qsort(box, (size_t)nb, sizeof *box, pbox_cmp);
    int64_t pre = nb < p->pre_nms_topn ? nb : p->pre_nms_topn, kept = 0;
    memset(dead, 0, (size_t)(pre + 1));
    for (int64_t i = 0; i < pre && kept < p->post_nms_topn;
         i++) { /* greedy NMS, IoU with the offset */
      if (dead[i]) continue;
      keep[kept++] = i;
      for (int64_t j = i + 1; j < pre; j++) {
        const PBox *u = &box[i], *v = &box[j];
        if (!(u->x0 <= v->x1 && u->y0 <= v->y1 && v->x0 <= u->x1 && v->y0 <= u->y1)) continue;
        float iw = fmaxf(0.0f, fminf(u->x1, v->x1) - fmaxf(u->x0, v->x0) + off);
        float ih = fmaxf(0.0f, fminf(u->y1, v->y1) - fmaxf(u->y0, v->y0) + off);
        float inter = iw * ih, au = (u->x1 - u->x0 + off) * (u->y1 - u->y0 + off),
              av = (v->x1 - v->x0 + off) * (v->y1 - v->y0 + off);
        if (p->nms_thresh < inter / (au + av - inter)) dead[j] = 1;
      }
    }
    for (int64_t r = 0; r < p->post_nms_topn; r++) {
      float *o = rois + (b * p->post_nms_topn + r) * 5;
      if (r >= kept) {
        memset(o, 0, 5 * sizeof *o);
        if (scores) scores[b * p->post_nms_topn + r] = 0.0f;
        continue;
      }
      const PBox *u = &box[keep[r]];
      float x0 = u->x0, y0 = u->y0, x1 = u->x1, y1 = u->y1;
      if (p->clip_after_nms)
        x0 = clampf(x0, 0, img_w), y0 = clampf(y0, 0, img_h), x1 = clampf(x1, 0, img_w),
        y1 = clampf(y1, 0, img_h);
      if (p->normalize) x0 /= img_w, y0 /= img_h, x1 /= img_w, y1 /= img_h;
      o[0] = (float)b, o[1] = x0, o[2] = y0, o[3] = x1, o[4] = y1;
      if (scores) scores[b * p->post_nms_topn + r] = u->score;
    }
  }
  free(anc), free(box), free(keep), free(dead);
  return 0;
}
