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
  if (v[0].nd != 4 || v[1].nd != 2 || v[1].d[0] != 4 || pw < 1 || ph < 1 || mode > 1 || sr > 1024 ||
      !(scale > 0))
    return bx__fail(x, "bad ROIAlign parameters or buffers");
  int64_t W = v[0].d[0], H = v[0].d[1], C = v[0].d[2], N = v[0].d[3], R = v[1].d[1];
  if (bx__count(&v[2]) != (uint64_t)R || bx__count(&v[3]) != (uint64_t)R * (uint64_t)C * ph * pw)
    return bx__fail(x, "ROIAlign sizes do not match");
  uint64_t samples = (uint64_t)R * (uint64_t)C * ph * pw * (sr ? sr * sr : 4);
  if (bx__spend(x, samples * 4) < 0) return -1;
  float *maps = bx__load_all(&v[0]), *rois = bx__load_all(&v[1]), *bf = bx__load_all(&v[2]);
  float *out = calloc((size_t)bx__count(&v[3]) + 1, sizeof *out);
  int64_t *bi = malloc((size_t)(R + 1) * sizeof *bi);
  int rc = 0;
  if (!maps || !rois || !bf || !out || !bi) {
    rc = bx__fail(x, "out of memory");
  } else {
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
