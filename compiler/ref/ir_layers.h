/*
 * compiler/ref/ir_layers.h — the arithmetic of the OpenVINO IR layers of issue 18, on plain
 * row-major float arrays, shared by the reference kernels (ref_ir.c, graph path) and the blob
 * executor (blob_exec_ir.c, the MyriadX stages). Semantics are those of OpenVINO's operation
 * specifications and its reference implementations (ngraph runtime/reference/<op>.hpp, named per
 * function); every function trusts its sizes (the callers check them) and returns nothing.
 */
#ifndef COMPILER_REF_IR_LAYERS_H
#define COMPILER_REF_IR_LAYERS_H

#include <stdbool.h>
#include <stdint.h>

/* Elementwise activations of one value. beta: Swish's. */
float irl_mish(float x);
float irl_softplus(float x);
float irl_swish(float x, float beta);
float irl_gelu(float x, bool tanh_form);

/* GRN-1: y = x / sqrt(sum over C of x^2 + bias), per (n, spatial position); data [N, C, S]. */
void irl_grn(const float *x, float *y, int64_t N, int64_t C, int64_t S, float bias);

/* NormalizeL2 across channels (MYRIAD Normalize, across_spatial 0): y = x * scale[c] /
 * sqrt(sum over C of x^2 (+ or max) eps); scale has 1 (channel_shared) or C values; [N, C, S]. */
void irl_normalize_channels(const float *x, float *y, int64_t N, int64_t C, int64_t S, float eps,
                            bool eps_max, const float *scale, int64_t n_scale);

/* RegionYolo-1 (region_yolo.hpp) for one image [C, H, W] into [out_c, H, W] (out_c = C with
 * do_softmax, else regions * (classes + coords + 1)): logistic on x, y and the objectness (and the
 * classes without softmax), softmax over the classes with it. regions: num with softmax, the
 * mask's length without. */
void irl_region_yolo(const float *x, float *y, int64_t H, int64_t W, int coords, int classes,
                     int regions, bool softmax, int64_t out_c);

/* ReorgYolo-1 (reorg_yolo.hpp) of [N, C, H, W] by stride s into the same number of values,
 * read as [N, C*s*s, H/s, W/s]. */
void irl_reorg_yolo(const float *x, float *y, int64_t N, int64_t C, int64_t H, int64_t W,
                    int64_t s);

/* CTCGreedyDecoder-1: data [T, N, C], mask [T, N] (a sequence ends at its first 0) -> out [N, T]
 * of class indices, -1 after the decoded ones; the blank is class C-1; with merge, repeats of the
 * previous class are dropped. */
void irl_ctc_greedy(const float *data, const float *mask, float *out, int64_t T, int64_t N,
                    int64_t C, bool merge);

/* ROIPooling-1 (roi_pooling.hpp): maps [N, C, H, W], rois [R, 5] (batch, x1, y1, x2, y2) ->
 * [R, C, ph, pw]; max pooling over scaled, rounded bins, or bilinear over normalized boxes.
 * Returns -1 when a roi names a batch outside [0, N). */
int irl_roi_pool(const float *x, int64_t N, int64_t C, int64_t H, int64_t W, const float *rois,
                 int64_t R, float *y, int64_t ph, int64_t pw, float scale, bool bilinear);

/* PSROIPooling-1, average mode (psroi_pooling.hpp): maps [N, odim*g*g, H, W], rois [R, 5] ->
 * [R, odim, g, g]. Returns -1 for a roi batch outside [0, N). */
int irl_psroi_pool(const float *x, int64_t N, int64_t C, int64_t H, int64_t W, const float *rois,
                   int64_t R, float *y, int64_t odim, int64_t g, float scale);

/* GatherND (ONNX semantics): data of rank r (dims), indices [..., k] (n_idx rows of k, already
 * inside the data's dims or negative from the end); each row picks the block data[b..][i0..ik-1]
 * of `block` values; batch_dims b leading dims are shared between data and indices (rows per
 * batch: n_idx / batches). Returns -1 for an index out of range. */
int irl_gather_nd(const float *data, const int64_t *dims, int rank, const int64_t *idx,
                  int64_t n_idx, int64_t k, int64_t b, float *y);

/* ScatterUpdate-3 along axis 0: y = data [D0, inner], then y[idx[i]] = updates[i] for each of the
 * n_idx indices (rows of `inner` values). Returns -1 for an index out of range. */
int irl_scatter_update(const float *data, int64_t d0, int64_t inner, const int64_t *idx,
                       int64_t n_idx, const float *upd, float *y);

/* LSTMCell-4 (gate order f, i, c, o; sigmoid, tanh, tanh): x [B, I], h, c [B, hs], W [4 hs, I],
 * R [4 hs, hs], bias [4 hs] (NULL: none) -> ho, co [B, hs]. */
void irl_lstm_cell(const float *x, const float *h, const float *c, const float *W, const float *R,
                   const float *bias, int64_t B, int64_t I, int64_t hs, float *ho, float *co);

/* Proposal (proposal.hpp; MYRIAD's proposal.cpp parameters). */
typedef struct {
  int feat_stride, base_size, pre_nms_topn, post_nms_topn;
  float min_size, nms_thresh,
      pre_nms_thresh; /* pre_nms_thresh: proposals below it dropped (0: none) */
  float box_size_scale, box_coordinate_scale, coordinates_offset;
  bool initial_clip, clip_before_nms, clip_after_nms, normalize, shift_anchors, round_ratios,
      swap_xy;
  const float *scales, *ratios;
  int n_scales, n_ratios;
} IrlProposal;
/* probs [N, 2A, H, W] (the second A channels are the objectness), deltas [N, 4A, H, W], info
 * [img_h, img_w, scale_h (, scale_w)] (n_info 3 or 4) -> rois [N * post, 5] (batch, x0, y0, x1,
 * y1; rows past the kept ones 0) and scores [N * post] (may be NULL). Returns -1 out of memory. */
int irl_proposal(const IrlProposal *p, const float *probs, const float *deltas, const float *info,
                 int n_info, int64_t N, int64_t H, int64_t W, float *rois, float *scores);

#endif
