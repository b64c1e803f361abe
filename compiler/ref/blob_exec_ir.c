/*
 * compiler/ref/blob_exec_ir.c — CPU kernels of the MyriadX stages the OpenVINO IR layers of
 * issue 18 are written as (compiler/backend/blob/lower_ir.c), read through each stage's own
 * buffer descriptors and parameters as compile_tool serializes them. The arithmetic is
 * ir_layers.c's, shared with the reference kernels.
 */
#include "blob_exec_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_format.h"
#include "ir_layers.h"

static float f32_at(const uint8_t *p) {
  float f;
  memcpy(&f, p, 4);
  return f;
}
static int32_t i32_at(const uint8_t *p) { return (int32_t)rd_u32(p); }

/* Views of the stage's first n buffers; -1 after a failure. */
static int views(X *x, const BlobStage *s, V *v, uint32_t n) {
  if (s->num_buffers < n) return bx__fail(x, "buffers missing");
  for (uint32_t i = 0; i < n; i++)
    if (bx__view(x, &s->buffers[i], &v[i]) < 0) return -1;
  return 0;
}

/* Writes f (memory order, count(y) values) into y. */
static void store_all(const V *y, const float *f) {
  uint32_t idx[BLOB_MAX_DIMS] = {0};
  uint64_t i = 0;
  do bx__st(y, idx, f[i++]);
  while (bx__next(idx, y->d, y->nd));
}

/* Loads the views in[0..n) and allocates out (count values); -1 after a failure (all freed). */
static int load(X *x, const V *in, float **f, int n, float **out, uint64_t count) {
  int rc = 0;
  for (int i = 0; i < n; i++) f[i] = NULL;
  *out = calloc((size_t)count + 1, sizeof **out);
  for (int i = 0; i < n; i++)
    if (!(f[i] = bx__load_all(&in[i]))) rc = -1;
  if (rc < 0 || !*out) {
    for (int i = 0; i < n; i++) free(f[i]);
    free(*out);
    return bx__fail(x, "out of memory");
  }
  return 0;
}

static void unload(float **f, int n, float *out) {
  for (int i = 0; i < n; i++) free(f[i]);
  free(out);
}

/* Mish / SoftPlus / Gelu / Swish (f32 beta): in, out. */
static int activation(X *x, const BlobStage *s) {
  V v[2];
  if (views(x, s, v, 2) < 0) return -1;
  if (bx__count(&v[0]) != bx__count(&v[1])) return bx__fail(x, "input and output sizes differ");
  float beta = s->type == BLOB_STAGE_SWISH && s->params_len >= 4 ? f32_at(s->params) : 1.0f;
  uint32_t ia[BLOB_MAX_DIMS] = {0}, iy[BLOB_MAX_DIMS] = {0};
  do {
    float a = bx__ld(&v[0], ia), r;
    switch (s->type) {
    case BLOB_STAGE_MISH: r = irl_mish(a); break;
    case BLOB_STAGE_SOFT_PLUS: r = irl_softplus(a); break;
    case BLOB_STAGE_SWISH: r = irl_swish(a, beta); break;
    default: r = irl_gelu(a, false); break;
    }
    bx__st(&v[1], iy, r);
    bx__next(ia, v[0].d, v[0].nd);
  } while (bx__next(iy, v[1].d, v[1].nd));
  return 0;
}

/* Squared_diff: (a - b)^2 with size-1 broadcasting; buffers a, y, b. */
static float sq_diff(float a, float b) { return (a - b) * (a - b); }
static int squared_diff(X *x, const BlobStage *s) { return bx__binary(x, s, sq_diff); }

/* GRN (f32 bias) and Normalize (i32 acrossSpatial, channelShared, f32 eps; + scales): 4-D
 * [N, C, H, W] views, in, out[, scales]. */
static int per_channel_norm(X *x, const BlobStage *s) {
  bool grn = s->type == BLOB_STAGE_GRN;
  V v[3];
  if (views(x, s, v, grn ? 2 : 3) < 0) return -1;
  if (s->params_len < (grn ? 4u : 12u)) return bx__fail(x, "params too short");
  if (v[0].nd != 4 || bx__count(&v[0]) != bx__count(&v[1]))
    return bx__fail(x, "expects 4-D input and output of one size");
  if (!grn && i32_at(s->params) != 0) return bx__fail(x, "across_spatial Normalize is not run");
  uint64_t N = v[0].d[3], C = v[0].d[2], S = (uint64_t)v[0].d[0] * v[0].d[1];
  float *f[2], *o;
  V in[2] = {v[0], v[grn ? 0 : 2]}; /* the input, and Normalize's scales */
  if (load(x, in, f, grn ? 1 : 2, &o, bx__count(&v[1])) < 0) return -1;
  if (grn)
    irl_grn(f[0], o, (int64_t)N, (int64_t)C, (int64_t)S, f32_at(s->params));
  else if (bx__count(&v[2]) != 1 && bx__count(&v[2]) != C) {
    unload(f, 2, o);
    return bx__fail(x, "scales have neither 1 nor C values");
  } else
    irl_normalize_channels(f[0], o, (int64_t)N, (int64_t)C, (int64_t)S, f32_at(s->params + 8),
                           false, f[1], (int64_t)bx__count(&v[2]));
  store_all(&v[1], o);
  unload(f, grn ? 1 : 2, o);
  return 0;
}

/* RegionYolo: i32 classes, coords, num, maskSize, doSoftMax; in [N, C, H, W], out. */
static int region_yolo(X *x, const BlobStage *s) {
  V v[2];
  if (views(x, s, v, 2) < 0) return -1;
  if (s->params_len < 20 || v[0].nd != 4)
    return bx__fail(x, "bad RegionYolo parameters or input rank");
  int32_t classes = i32_at(s->params), coords = i32_at(s->params + 4), num = i32_at(s->params + 8);
  int32_t mask = i32_at(s->params + 12);
  bool soft = i32_at(s->params + 16) != 0;
  int32_t regions = soft ? num : mask;
  uint64_t W = v[0].d[0], H = v[0].d[1], C = v[0].d[2], N = v[0].d[3];
  if (classes < 0 || coords < 0 || regions < 1 ||
      (uint64_t)regions * (uint64_t)(classes + coords + 1) > C)
    return bx__fail(x, "RegionYolo parameters do not fit the input");
  uint64_t oc = soft ? C : (uint64_t)regions * (uint64_t)(classes + coords + 1);
  if (bx__count(&v[1]) != N * oc * H * W)
    return bx__fail(x, "RegionYolo output size does not match");
  float *f[1], *o;
  if (load(x, v, f, 1, &o, bx__count(&v[1])) < 0) return -1;
  for (uint64_t n = 0; n < N; n++)
    irl_region_yolo(f[0] + n * C * H * W, o + n * oc * H * W, (int64_t)H, (int64_t)W, coords,
                    classes, regions, soft, (int64_t)oc);
  store_all(&v[1], o);
  unload(f, 1, o);
  return 0;
}

/* ReorgYolo: i32 stride; in [N, C, H, W], out (same count). */
static int reorg_yolo(X *x, const BlobStage *s) {
  V v[2];
  if (views(x, s, v, 2) < 0) return -1;
  if (s->params_len < 4 || v[0].nd != 4)
    return bx__fail(x, "bad ReorgYolo parameters or input rank");
  int64_t st = i32_at(s->params), W = v[0].d[0], H = v[0].d[1], C = v[0].d[2], N = v[0].d[3];
  if (st < 1 || C < st * st || bx__count(&v[1]) != bx__count(&v[0]))
    return bx__fail(x, "ReorgYolo stride does not fit");
  float *f[1], *o;
  if (load(x, v, f, 1, &o, bx__count(&v[1])) < 0) return -1;
  irl_reorg_yolo(f[0], o, N, C, H, W, st);
  store_all(&v[1], o);
  unload(f, 1, o);
  return 0;
}

/* CTCDecoder: data [T, N, C], sequence mask [T, N], out [N, T(, 1, 1)]. */
static int ctc_decoder(X *x, const BlobStage *s) {
  V v[3];
  if (views(x, s, v, 3) < 0) return -1;
  if (v[0].nd != 3) return bx__fail(x, "CTC data must be 3-D");
  int64_t C = v[0].d[0], N = v[0].d[1], T = v[0].d[2];
  if (bx__count(&v[1]) != (uint64_t)(T * N) || bx__count(&v[2]) != (uint64_t)(T * N))
    return bx__fail(x, "CTC mask or output size does not match the data");
  float *f[2], *o;
  if (load(x, v, f, 2, &o, bx__count(&v[2])) < 0) return -1;
  irl_ctc_greedy(f[0], f[1], o, T, N, C, true);
  store_all(&v[2], o);
  unload(f, 2, o);
  return 0;
}

/* ScatterUpdate: data, out, indices, updates, axis (S32 [1], 0): along the outermost axis. */
static int scatter_update(X *x, const BlobStage *s) {
  V v[5];
  if (views(x, s, v, 5) < 0) return -1;
  uint32_t z[BLOB_MAX_DIMS] = {0};
  if (bx__count(&v[4]) != 1 || bx__ld(&v[4], z) != 0.0f)
    return bx__fail(x, "ScatterUpdate runs along axis 0 only");
  uint64_t d0 = v[0].d[v[0].nd - 1], inner = bx__count(&v[0]) / d0, ni = bx__count(&v[2]);
  if (bx__count(&v[1]) != bx__count(&v[0]) || bx__count(&v[3]) != ni * inner)
    return bx__fail(x, "ScatterUpdate sizes do not match");
  float *f[4], *o;
  V in[3] = {v[0], v[2], v[3]};
  if (load(x, in, f, 3, &o, bx__count(&v[1])) < 0) return -1;
  int64_t *idx = malloc((size_t)(ni + 1) * sizeof *idx);
  int rc = idx ? 0 : bx__fail(x, "out of memory");
  for (uint64_t i = 0; rc == 0 && i < ni; i++) idx[i] = (int64_t)lrintf(f[1][i]);
  if (rc == 0 &&
      irl_scatter_update(f[0], (int64_t)d0, (int64_t)inner, idx, (int64_t)ni, f[2], o) < 0)
    rc = bx__fail(x, "ScatterUpdate index out of range");
  if (rc == 0) store_all(&v[1], o);
  free(idx);
  unload(f, 3, o);
  return rc;
}

/* GatherND: i32 batch_dims; data, out, indices (last dim = k). */
static int gather_nd(X *x, const BlobStage *s) {
  V v[3];
  if (views(x, s, v, 3) < 0) return -1;
  if (s->params_len < 4) return bx__fail(x, "params too short");
  int64_t b = i32_at(s->params), k = v[2].d[0], dims[BLOB_MAX_DIMS];
  int r = (int)v[0].nd;
  for (int i = 0; i < r; i++) dims[i] = v[0].d[r - 1 - i];
  if (b < 0 || k < 1 || b + k > r) return bx__fail(x, "GatherND indices do not fit the data");
  int64_t block = 1, n_idx = (int64_t)(bx__count(&v[2]) / (uint64_t)k);
  for (int64_t i = b + k; i < r; i++) block *= dims[i];
  if (bx__count(&v[1]) != (uint64_t)(n_idx * block))
    return bx__fail(x, "GatherND output size does not match");
  float *f[2], *o;
  V in[2] = {v[0], v[2]};
  if (load(x, in, f, 2, &o, bx__count(&v[1])) < 0) return -1;
  int64_t *idx = malloc((size_t)(n_idx * k + 1) * sizeof *idx);
  int rc = idx ? 0 : bx__fail(x, "out of memory");
  for (int64_t i = 0; rc == 0 && i < n_idx * k; i++) idx[i] = (int64_t)lrintf(f[1][i]);
  if (rc == 0 && irl_gather_nd(f[0], dims, r, idx, n_idx, k, b, o) < 0)
    rc = bx__fail(x, "GatherND index out of range");
  if (rc == 0) store_all(&v[1], o);
  free(idx);
  unload(f, 2, o);
  return rc;
}

/* ROIPooling (u32 pooled_w, pooled_h, f32 scale, u32 method) and PSROIPooling (u32 group_size,
 * output_dim, f32 scale): maps [N, C, H, W], out [R, C', ph, pw], rois [R, 5]. */
static int roi_pooling(X *x, const BlobStage *s) {
  V v[3];
  if (views(x, s, v, 3) < 0) return -1;
  bool ps = s->type == BLOB_STAGE_PSROI_POOLING;
  if (s->params_len < (ps ? 12u : 16u) || v[0].nd != 4 || v[2].d[0] != 5)
    return bx__fail(x, "bad ROI pooling parameters or buffers");
  uint32_t a = rd_u32(s->params), b = rd_u32(s->params + 4);
  float scale = f32_at(s->params + 8);
  int64_t W = v[0].d[0], H = v[0].d[1], C = v[0].d[2], N = v[0].d[3],
          R = (int64_t)(bx__count(&v[2]) / 5);
  int64_t oc = ps ? b : C, ph = ps ? a : b, pw = ps ? a : (int64_t)a;
  if (a < 1 || b < 1 || (ps && C != (int64_t)b * a * a) ||
      bx__count(&v[1]) != (uint64_t)(R * oc * ph * pw))
    return bx__fail(x, "ROI pooling sizes do not match");
  float *f[2], *o;
  V in[2] = {v[0], v[2]};
  if (load(x, in, f, 2, &o, bx__count(&v[1])) < 0) return -1;
  int rc =
      ps ? irl_psroi_pool(f[0], N, C, H, W, f[1], R, o, oc, ph, scale)
         : irl_roi_pool(f[0], N, C, H, W, f[1], R, o, ph, pw, scale, rd_u32(s->params + 12) == 1);
  if (rc < 0)
    rc = bx__fail(x, "a roi names a batch outside the feature maps");
  else
    store_all(&v[1], o);
  unload(f, 2, o);
  return rc;
}

/* LSTMCell: i32 RNNForward, nCells, nBatches, useCellState, outputs; buffers X [B, I], H, C
 * [B, hs], weights (W [4 hs, I] then R [4 hs, hs]), biases [4 hs], H' [, C']. One forward cell. */
static int lstm_cell(X *x, const BlobStage *s) {
  if (s->params_len < 20) return bx__fail(x, "params too short");
  int32_t fwd = i32_at(s->params), cells = i32_at(s->params + 4), B = i32_at(s->params + 8),
          outs = i32_at(s->params + 16);
  if (fwd != 1 || cells != 1) return bx__lstm_sequence(x, s); /* blob_exec_seq.c */
  if (B < 1 || outs < 1 || outs > 2) return bx__fail(x, "bad LSTMCell parameters");
  V v[7];
  if (views(x, s, v, (uint32_t)(5 + outs)) < 0) return -1;
  int64_t I = (int64_t)(bx__count(&v[0]) / (uint64_t)B),
          hs = (int64_t)(bx__count(&v[1]) / (uint64_t)B);
  if (bx__count(&v[2]) != (uint64_t)(B * hs) || bx__count(&v[3]) != (uint64_t)(4 * hs * (I + hs)) ||
      bx__count(&v[4]) != (uint64_t)(4 * hs) || bx__count(&v[5]) != (uint64_t)(B * hs))
    return bx__fail(x, "LSTMCell buffers do not match");
  float *f[5], *o;
  if (load(x, v, f, 5, &o, (uint64_t)(2 * B * hs)) < 0) return -1;
  irl_lstm_cell(f[0], f[1], f[2], f[3], f[3] + 4 * hs * I, f[4], B, I, hs, o, o + B * hs);
  store_all(&v[5], o);
  if (outs > 1) store_all(&v[6], o + B * hs);
  unload(f, 5, o);
  return 0;
}

/* Proposal: the params as lower_ir.c writes them; buffers probs, rois, scores (or Fake), deltas,
 * image info, work buffer (unused here). */
static int proposal(X *x, const BlobStage *s) {
  const uint8_t *q = s->params;
  if (s->params_len < 76 || s->num_buffers < 5)
    return bx__fail(x, "Proposal params or buffers missing");
  IrlProposal p = {.feat_stride = i32_at(q),
                   .base_size = i32_at(q + 4),
                   .min_size = (float)i32_at(q + 8),
                   .pre_nms_topn = i32_at(q + 12),
                   .post_nms_topn = i32_at(q + 16),
                   .nms_thresh = f32_at(q + 20),
                   .pre_nms_thresh = f32_at(q + 24),
                   .box_size_scale = f32_at(q + 28),
                   .box_coordinate_scale = f32_at(q + 32),
                   .coordinates_offset = f32_at(q + 36),
                   .initial_clip = i32_at(q + 40) != 0,
                   .clip_before_nms = i32_at(q + 44) != 0,
                   .clip_after_nms = i32_at(q + 48) != 0,
                   .normalize = i32_at(q + 52) != 0,
                   .shift_anchors = i32_at(q + 56) != 0,
                   .round_ratios = i32_at(q + 60) != 0,
                   .swap_xy = i32_at(q + 64) != 0};
  uint32_t ns = rd_u32(q + 68);
  if (ns < 1 || ns > 1024 || s->params_len < 72 + 4 * ns + 4)
    return bx__fail(x, "bad Proposal scales");
  uint32_t nr = rd_u32(q + 72 + 4 * ns);
  if (nr < 1 || nr > 1024 || s->params_len < 76 + 4 * ns + 4 * nr)
    return bx__fail(x, "bad Proposal ratios");
  float sc[1024], ra[1024];
  for (uint32_t i = 0; i < ns; i++) sc[i] = f32_at(q + 72 + 4 * i);
  for (uint32_t i = 0; i < nr; i++) ra[i] = f32_at(q + 76 + 4 * ns + 4 * i);
  p.scales = sc, p.n_scales = (int)ns, p.ratios = ra, p.n_ratios = (int)nr;
  bool scores = s->buffers[2].location != BLOB_LOC_NONE;
  V v[5];
  if (bx__view(x, &s->buffers[0], &v[0]) < 0 || bx__view(x, &s->buffers[1], &v[1]) < 0 ||
      (scores && bx__view(x, &s->buffers[2], &v[2]) < 0) ||
      bx__view(x, &s->buffers[3], &v[3]) < 0 || bx__view(x, &s->buffers[4], &v[4]) < 0)
    return -1;
  int64_t A = (int64_t)ns * nr;
  if (v[0].nd != 4 || v[0].d[2] != 2 * A || v[3].nd != 4 || v[3].d[2] != 4 * A ||
      p.post_nms_topn < 1 || p.pre_nms_topn < 1 || p.feat_stride < 1 || p.base_size < 1)
    return bx__fail(x, "Proposal buffers do not match its anchors");
  int64_t Wd = v[0].d[0], H = v[0].d[1], N = v[0].d[3], info = (int64_t)bx__count(&v[4]);
  if (bx__count(&v[1]) != (uint64_t)(N * p.post_nms_topn * 5) || (info != 3 && info != 4) ||
      (scores && bx__count(&v[2]) != (uint64_t)(N * p.post_nms_topn)))
    return bx__fail(x, "Proposal output sizes do not match");
  float *f[3], *o;
  V in[3] = {v[0], v[3], v[4]};
  if (load(x, in, f, 3, &o, (uint64_t)(N * p.post_nms_topn * 6)) < 0) return -1;
  int rc = irl_proposal(&p, f[0], f[1], f[2], (int)info, N, H, Wd, o, o + N * p.post_nms_topn * 5);
  if (rc < 0)
    rc = bx__fail(x, "out of memory");
  else {
    store_all(&v[1], o);
    if (scores) store_all(&v[2], o + N * p.post_nms_topn * 5);
  }
  unload(f, 3, o);
  return rc;
}

bool bx__supports_ir(uint32_t t) {
  switch (t) {
  case BLOB_STAGE_MISH:
  case BLOB_STAGE_SOFT_PLUS:
  case BLOB_STAGE_SWISH:
  case BLOB_STAGE_GELU:
  case BLOB_STAGE_SQUARED_DIFF:
  case BLOB_STAGE_GRN:
  case BLOB_STAGE_NORMALIZE:
  case BLOB_STAGE_REGION_YOLO:
  case BLOB_STAGE_REORG_YOLO:
  case BLOB_STAGE_CTC_DECODER:
  case BLOB_STAGE_SCATTER_UPDATE:
  case BLOB_STAGE_GATHER_ND:
  case BLOB_STAGE_ROI_POOLING:
  case BLOB_STAGE_PSROI_POOLING:
  case BLOB_STAGE_LSTM_CELL:
  case BLOB_STAGE_PROPOSAL:
  case BLOB_STAGE_ROI_ALIGN: return true;
  default: return bx__supports_gather(t);
  }
}

int bx__run_ir(X *x, const BlobStage *s) {
  switch (s->type) {
  case BLOB_STAGE_MISH:
  case BLOB_STAGE_SOFT_PLUS:
  case BLOB_STAGE_SWISH:
  case BLOB_STAGE_GELU: return activation(x, s);
  case BLOB_STAGE_SQUARED_DIFF: return squared_diff(x, s);
  case BLOB_STAGE_GRN:
  case BLOB_STAGE_NORMALIZE: return per_channel_norm(x, s);
  case BLOB_STAGE_REGION_YOLO: return region_yolo(x, s);
  case BLOB_STAGE_REORG_YOLO: return reorg_yolo(x, s);
  case BLOB_STAGE_CTC_DECODER: return ctc_decoder(x, s);
  case BLOB_STAGE_SCATTER_UPDATE: return scatter_update(x, s);
  case BLOB_STAGE_GATHER_ND: return gather_nd(x, s);
  case BLOB_STAGE_ROI_POOLING:
  case BLOB_STAGE_PSROI_POOLING: return roi_pooling(x, s);
  case BLOB_STAGE_LSTM_CELL: return lstm_cell(x, s);
  case BLOB_STAGE_PROPOSAL: return proposal(x, s);
  case BLOB_STAGE_ROI_ALIGN: return bx__roi_align(x, s);
  default: return bx__run_gather(x, s); /* blob_exec_gather.c; 1 when not one of its stages */
  }
}
