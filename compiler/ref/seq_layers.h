/*
 * compiler/ref/seq_layers.h — the arithmetic of the ONNX ROI ops and LSTM of issue 18, on plain
 * row-major float arrays, shared by the reference kernels (ref_seq.c, graph path, ONNX semantics)
 * and the blob executor (blob_exec_seq.c, the MyriadX stages, OpenVINO semantics). Every
 * function trusts its sizes (the callers check them).
 */
#ifndef COMPILER_REF_SEQ_LAYERS_H
#define COMPILER_REF_SEQ_LAYERS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
  SEQ_ROI_AVG,     /* mean of the bilinear samples of a bin (ONNX and OpenVINO agree) */
  SEQ_ROI_MAX_ORT, /* ONNX Runtime's max: the largest weighted corner over the bin's samples */
  SEQ_ROI_MAX_OV,  /* OpenVINO ROIAlign-3 max: the largest interpolated sample of the bin */
} SeqRoiMode;

/* RoiAlign: maps [N, C, H, W], rois [R, 4] (x1, y1, x2, y2), batch [R] -> y [R, C, ph, pw].
 * half_pixel: coordinates shifted by -0.5 after scaling and rois not widened to one cell (ONNX
 * opset 16 half_pixel); else output_half_pixel (ONNX opset 10, OpenVINO ROIAlign-3). sampling 0:
 * ceil(roi size / output size) samples per bin and axis (at most SEQ_ROI_MAX_GRID; a NaN roi gives
 * zeros). Returns -1 when a batch index is
 * outside [0, N). */
/* Adaptive sampling grids are capped at this many samples per bin and axis. */
#define SEQ_ROI_MAX_GRID 4096

/* The bilinear samples seq_roi_align takes per channel (a work estimate, saturating). */
uint64_t seq_roi_align_samples(const float *rois, int64_t R, int64_t ph, int64_t pw,
                               int64_t sampling, float scale, bool half_pixel);

int seq_roi_align(const float *x, int64_t N, int64_t C, int64_t H, int64_t W, const float *rois,
                  const int64_t *batch, int64_t R, float *y, int64_t ph, int64_t pw,
                  int64_t sampling, float scale, bool half_pixel, SeqRoiMode mode);

/* Gate positions in the weight rows: ONNX's i, o, f, c order, and OpenVINO's f, i, c, o. */
extern const int SEQ_GATES_ONNX[4], SEQ_GATES_FICO[4]; /* positions of i, o, f, c */

/* One LSTM step for B rows: g = x W^T + h R^T + bias; i = s(g_i + P_i c), f = s(g_f + P_f c),
 * c~ = tanh(g_c), c' = f c + i c~, o = s(g_o + P_o c'), h' = o tanh(c') (s the logistic; gate
 * values clipped to [-clip, clip] before the activations when clip > 0). gate: the row blocks of
 * i, o, f, c in W, R and bias. x [B, I], h, c [B, hs], W [4 hs, I], R [4 hs, hs], bias [4 hs]
 * (NULL: zero), P [3 hs] (i, o, f; NULL: none). Writes h' and c' (may alias h and c); -1 when out
 * of memory. */
int seq_lstm_step(const float *x, const float *h, const float *c, const float *W, const float *R,
                  const float *bias, const float *P, float clip, const int gate[4], int64_t B,
                  int64_t I, int64_t hs, float *ho, float *co);

#endif
