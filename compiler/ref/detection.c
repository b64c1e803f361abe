/* compiler/ref/detection.c — see detection.h. */
#include "detection.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  float score;
  int idx; /* prior, or label * p + prior after the per-class stage */
} Cand;

static int by_score(const void *a, const void *b) {
  const Cand *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return (x->idx > y->idx) - (x->idx < y->idx);
}

static int by_label_then_prior(const void *a, const void *b) {
  const Cand *x = a, *y = b;
  return (x->idx > y->idx) - (x->idx < y->idx);
}

static float iou(const float *a, const float *b) {
  float ix0 = fmaxf(a[0], b[0]), iy0 = fmaxf(a[1], b[1]), ix1 = fminf(a[2], b[2]),
        iy1 = fminf(a[3], b[3]);
  if (ix1 <= ix0 || iy1 <= iy0) return 0.0f;
  float inter = (ix1 - ix0) * (iy1 - iy0);
  float aa = (a[2] - a[0]) * (a[3] - a[1]), ab = (b[2] - b[0]) * (b[3] - b[1]);
  float u = aa + ab - inter;
  return u > 0.0f ? inter / u : 0.0f;
}

static void decode(const DetParams *dp, const float *pr, const float *var, const float *l,
                   float *o) {
  float v[4] = {1, 1, 1, 1};
  if (!dp->variance_encoded) memcpy(v, var, sizeof v);
  float pw = pr[2] - pr[0], ph = pr[3] - pr[1];
  if (dp->code_type == 1) { /* CORNER */
    for (int k = 0; k < 4; k++) o[k] = pr[k] + v[k] * l[k];
  } else if (dp->code_type == 3) { /* CORNER_SIZE */
    o[0] = pr[0] + v[0] * l[0] * pw, o[1] = pr[1] + v[1] * l[1] * ph;
    o[2] = pr[2] + v[2] * l[2] * pw, o[3] = pr[3] + v[3] * l[3] * ph;
  } else { /* CENTER_SIZE */
    float pcx = (pr[0] + pr[2]) / 2, pcy = (pr[1] + pr[3]) / 2;
    float cx = v[0] * l[0] * pw + pcx, cy = v[1] * l[1] * ph + pcy;
    float w = expf(v[2] * l[2]) * pw, h = expf(v[3] * l[3]) * ph;
    o[0] = cx - w / 2, o[1] = cy - h / 2, o[2] = cx + w / 2, o[3] = cy + h / 2;
  }
  if (dp->clip_before_nms)
    for (int k = 0; k < 4; k++) o[k] = fminf(fmaxf(o[k], 0.0f), 1.0f);
}

int det_output(const DetParams *dp, int n, int p, const float *loc, const float *conf,
               const float *priors, int priors_batch, float *out, int64_t rows) {
  int C = dp->num_classes, L = dp->share_location ? 1 : C;
  float *boxes = malloc((size_t)L * p * 4 * sizeof *boxes + 1);
  Cand *cand = malloc((size_t)p * sizeof *cand + 1),
       *kept = malloc((size_t)C * p * sizeof *kept + 1);
  if (!boxes || !cand || !kept) {
    free(boxes), free(cand), free(kept);
    return -1;
  }
  int64_t row = 0;
  for (int b = 0; b < n; b++) {
    const float *pr = priors + (size_t)(priors_batch > 1 ? b : 0) * 2 * p * 4,
                *var = pr + (size_t)p * 4;
    for (int l = 0; l < L; l++)
      for (int i = 0; i < p; i++)
        decode(dp, pr + (size_t)i * 4, var + (size_t)i * 4,
               loc + ((size_t)b * p * L + (size_t)i * L + l) * 4, boxes + ((size_t)l * p + i) * 4);
    int nk = 0;
    for (int c = 0; c < C; c++) {
      if (c == dp->background) continue;
      int nc = 0;
      for (int i = 0; i < p; i++) {
        float s = conf[(size_t)b * p * C + (size_t)i * C + c];
        if (s > dp->confidence_threshold) cand[nc++] = (Cand){s, i};
      }
      qsort(cand, (size_t)nc, sizeof *cand, by_score);
      if (dp->top_k > -1 && nc > dp->top_k) nc = dp->top_k;
      const float *bx = boxes + (size_t)(dp->share_location ? 0 : c) * p * 4;
      int first = nk;
      for (int k = 0; k < nc; k++) {
        bool keep = true;
        for (int j = first; j < nk && keep; j++)
          keep = iou(bx + (size_t)cand[k].idx * 4, bx + (size_t)(kept[j].idx - c * p) * 4) <=
                 dp->nms_threshold;
        if (keep) kept[nk++] = (Cand){cand[k].score, c * p + cand[k].idx};
      }
    }
    if (dp->keep_top_k > -1 && nk > dp->keep_top_k) {
      qsort(kept, (size_t)nk, sizeof *kept, by_score);
      nk = dp->keep_top_k;
    }
    /* by label, then by score within a label (ties: lower prior first) */
    qsort(kept, (size_t)nk, sizeof *kept, by_label_then_prior);
    for (int s = 0; s < nk;) {
      int e = s, lab = kept[s].idx / p;
      while (e < nk && kept[e].idx / p == lab) e++;
      qsort(kept + s, (size_t)(e - s), sizeof *kept, by_score);
      s = e;
    }
    for (int k = 0; k < nk && row < rows; k++, row++) {
      int lab = kept[k].idx / p, i = kept[k].idx % p;
      const float *bx = boxes + ((size_t)(dp->share_location ? 0 : lab) * p + i) * 4;
      float *o = out + row * 7;
      o[0] = (float)b;
      o[1] = (float)(dp->decrease_label_id ? lab - 1 : lab);
      o[2] = kept[k].score;
      for (int q = 0; q < 4; q++)
        o[3 + q] = dp->clip_after_nms ? fminf(fmaxf(bx[q], 0.0f), 1.0f) : bx[q];
    }
  }
  if (row < rows) out[row * 7] = -1.0f;
  free(boxes), free(cand), free(kept);
  return 0;
}
