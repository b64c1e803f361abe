/*
 * compiler/backend/blob/lower_seq.c — lowering of the ONNX ROI ops and LSTM of issue 18 to the
 * MyriadX stages compile_tool writes for them. Parameters and buffer order are those of
 * serializeParamsImpl / serializeDataImpl in openvinotoolkit/openvino
 * inference-engine/src/vpu/graph_transformer/src/stages/<file>.cpp (2021.x), named per function.
 */
#include "compiler/backend/blob/bw.h"

#include "compiler/graph/params.h"

/* RoiAlign -> ROIAlign (123) (roi_align.cpp, index commit 127cbac5bc095bd4d2e674e1865a0275c1728d4c):
 * u32 pooled_w, pooled_h, sampling_ratio, f32 spatial_scale, u32 mode (Average 0, Max 1);
 * buffers maps (FP16), rois (FP16), batch indices (S32), output (FP16), compact NCHW. The stage
 * samples as ONNX's output_half_pixel; half_pixel shifts the rois by -0.5 / spatial_scale first
 * (a Power stage into a temporary), which is the same unless a roi spans less than one cell. */
int bw_lower_roi_align(W *w, const IrNode *n) {
  const IrRoiAlignParams *p = ir_roi_align_params(w->g, n);
  const IrTensor *x = bw_T(w, n->inputs[0]), *b = bw_T(w, n->inputs[2]);
  if (x->rank != 4) return bw_fail(w, "%s: feature maps must be 4-D", n->op_type);
  if (bw_blob_dt(b->dtype) != BLOB_DT_S32)
    return bw_fail(w, "%s: batch_indices must be integers", n->op_type);
  BRef rois = bw_in_ref(w, n->inputs[1]);
  if (p->half_pixel) {
    int t = bw_temp_like(w, n->inputs[1]);
    Stage *s = bw_new_stage(w, BLOB_STAGE_POWER, true);
    buf_put_f32(&s->params, -0.5f / p->spatial_scale);
    buf_put_f32(&s->params, 1.0f);
    buf_put_f32(&s->params, 1.0f);
    bw_add_buf(s, rois);
    rois = bw_view(w, t);
    bw_add_buf(s, rois);
  }
  Stage *s = bw_new_stage(w, BLOB_STAGE_ROI_ALIGN, false);
  buf_put_u32(&s->params, (uint32_t)p->output_w);
  buf_put_u32(&s->params, (uint32_t)p->output_h);
  buf_put_u32(&s->params, (uint32_t)p->sampling_ratio);
  buf_put_f32(&s->params, p->spatial_scale);
  buf_put_u32(&s->params, p->max ? 1u : 0u);
  bw_add_buf(s, bw_in_ref(w, n->inputs[0]));
  bw_add_buf(s, rois);
  bw_add_buf(s, bw_in_ref(w, n->inputs[2]));
  bw_add_buf(s, bw_view(w, n->outputs[0]));
  return 0;
}
