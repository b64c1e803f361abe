/*
 * compiler/graph/params_ir.c — attribute decoders of the OpenVINO IR layers of issue 18 (see
 * params_internal.h) and the PriorBox-1 generator. Defaults are those of the OpenVINO operation
 * specifications (docs/ops/<group>/<Op>_<n>.md of openvinotoolkit/openvino); the IR reader keeps the layers'
 * attribute names, so what a model says is what is decoded here.
 */
#include "params_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ERR_SHAPE "<op_type>: <msg>" naming the node; returns -1. */
static int bad(const IrGraph *g, const IrNode *n, Err *err, const char *what, double v) {
  if (!err) return -1;
  err_where(err, g->source, 0, NULL, n->name);
  err->code = ERR_SHAPE;
  snprintf(err->msg, sizeof err->msg, "%s: %s %g is invalid", n->op_type, what, v);
  return -1;
}

static IrFloats floats_of(const IrNode *n, const char *name) {
  const IrAttr *a = ir_attr(n, name);
  IrFloats r = {NULL, 0};
  if (a && a->kind == ATTR_FLOATS && a->n > 0) r.v = a->floats, r.n = a->n;
  return r;
}

static IrInts ints_of(const IrNode *n, const char *name) {
  const IrAttr *a = ir_attr(n, name);
  IrInts r = {NULL, 0};
  if (a && a->kind == ATTR_INTS && a->n > 0) r.v = a->ints, r.n = a->n;
  return r;
}

IR__DECODER(gelu) {
  (void)g, (void)err;
  IrGeluParams *p = out;
  p->tanh = strcmp(ir_attr_str(n, "approximate", "none"), "tanh") == 0;
  return 0;
}

IR__DECODER(grn) {
  IrNormParams *p = out;
  p->epsilon = ir_attr_float(n, "bias", 1.0f);
  if (!(p->epsilon >= 0)) return bad(g, n, err, "bias", p->epsilon);
  return 0;
}

IR__DECODER(normalize_l2) {
  IrNormalizeParams *p = out;
  p->eps = ir_attr_float(n, "eps", 1e-10f);
  p->eps_max = strcmp(ir_attr_str(n, "eps_mode", "add"), "max") == 0;
  if (!(p->eps >= 0)) return bad(g, n, err, "eps", p->eps);
  return 0;
}

IR__DECODER(region_yolo) {
  IrRegionYoloParams *p = out;
  p->coords = ir_attr_int(n, "coords", 4);
  p->classes = ir_attr_int(n, "classes", 20);
  p->num = ir_attr_int(n, "num", 5);
  p->do_softmax = ir_attr_int(n, "do_softmax", 1) != 0;
  p->mask = ints_of(n, "mask");
  p->axis = ir_attr_int(n, "axis", 1);
  p->end_axis = ir_attr_int(n, "end_axis", 3);
  if (p->coords < 0 || p->coords > 64) return bad(g, n, err, "coords", (double)p->coords);
  if (p->classes < 0 || p->classes > 100000) return bad(g, n, err, "classes", (double)p->classes);
  if (p->num < 1 || p->num > 4096) return bad(g, n, err, "num", (double)p->num);
  for (int i = 0; i < p->mask.n; i++)
    if (p->mask.v[i] < 0 || p->mask.v[i] >= p->num)
      return bad(g, n, err, "mask value", (double)p->mask.v[i]);
  return 0;
}

IR__DECODER(reorg_yolo) {
  IrBlockParams *p = out;
  p->blocksize = ir_attr_int(n, "stride", 0);
  p->mode = IR_D2S_DCR;
  if (p->blocksize < 1 || p->blocksize > 1024)
    return bad(g, n, err, "stride", (double)p->blocksize);
  return 0;
}

IR__DECODER(prior_box) {
  IrPriorBoxSsdParams *p = out;
  p->min_size = floats_of(n, "min_size");
  p->max_size = floats_of(n, "max_size");
  p->aspect_ratio = floats_of(n, "aspect_ratio");
  p->variance = floats_of(n, "variance");
  p->fixed_size = floats_of(n, "fixed_size");
  p->fixed_ratio = floats_of(n, "fixed_ratio");
  p->density = floats_of(n, "density");
  p->flip = ir_attr_int(n, "flip", 0) != 0;
  p->clip = ir_attr_int(n, "clip", 0) != 0;
  p->scale_all_sizes = ir_attr_int(n, "scale_all_sizes", 1) != 0;
  p->step = ir_attr_float(n, "step", 0.0f);
  p->offset = ir_attr_float(n, "offset", 0.5f);
  if (p->variance.n != 0 && p->variance.n != 1 && p->variance.n != 4)
    return bad(g, n, err, "variance count", p->variance.n);
  for (int i = 0; i < p->min_size.n; i++)
    if (!(p->min_size.v[i] > 0)) return bad(g, n, err, "min_size", p->min_size.v[i]);
  for (int i = 0; i < p->aspect_ratio.n; i++)
    if (!(p->aspect_ratio.v[i] > 0)) return bad(g, n, err, "aspect_ratio", p->aspect_ratio.v[i]);
  return 0;
}

IR__DECODER(ctc) {
  (void)g, (void)err;
  IrCtcParams *p = out;
  p->merge_repeated = ir_attr_int(n, "ctc_merge_repeated", 1) != 0;
  return 0;
}

IR__DECODER(gather_nd) {
  IrGatherNdParams *p = out;
  p->batch_dims = ir_attr_int(n, "batch_dims", 0);
  if (p->batch_dims < 0 || p->batch_dims > IR_MAX_DIMS)
    return bad(g, n, err, "batch_dims", (double)p->batch_dims);
  return 0;
}

IR__DECODER(roi_pooling) {
  IrRoiParams *p = out;
  int64_t sz[2] = {0, 0};
  ir_attr_ints(n, "output_size", sz, 2);
  p->pooled_h = sz[0], p->pooled_w = sz[1];
  p->spatial_scale = ir_attr_float(n, "spatial_scale", 1.0f);
  p->mode_name = ir_attr_str(n, "method", "max");
  p->bilinear = strcmp(p->mode_name, "bilinear") == 0;
  if (p->pooled_h < 1 || p->pooled_h > 4096)
    return bad(g, n, err, "output_size height", (double)p->pooled_h);
  if (p->pooled_w < 1 || p->pooled_w > 4096)
    return bad(g, n, err, "output_size width", (double)p->pooled_w);
  if (!(p->spatial_scale > 0)) return bad(g, n, err, "spatial_scale", p->spatial_scale);
  return 0;
}

IR__DECODER(psroi_pooling) {
  IrRoiParams *p = out;
  p->output_dim = ir_attr_int(n, "output_dim", 0);
  p->group_size = ir_attr_int(n, "group_size", 1);
  p->pooled_h = p->pooled_w = p->group_size;
  p->spatial_scale = ir_attr_float(n, "spatial_scale", 1.0f);
  p->mode_name = ir_attr_str(n, "mode", "average");
  p->bilinear = strcmp(p->mode_name, "bilinear") == 0;
  p->bins_x = ir_attr_int(n, "spatial_bins_x", 1);
  p->bins_y = ir_attr_int(n, "spatial_bins_y", 1);
  if (p->output_dim < 1 || p->output_dim > 65536)
    return bad(g, n, err, "output_dim", (double)p->output_dim);
  if (p->group_size < 1 || p->group_size > 1024)
    return bad(g, n, err, "group_size", (double)p->group_size);
  if (p->bins_x < 1 || p->bins_x > 1024 || p->bins_y < 1 || p->bins_y > 1024)
    return bad(g, n, err, "spatial_bins", (double)(p->bins_x < 1 ? p->bins_x : p->bins_y));
  if (!(p->spatial_scale > 0)) return bad(g, n, err, "spatial_scale", p->spatial_scale);
  return 0;
}

IR__DECODER(lstm_cell) {
  IrLstmParams *p = out;
  p->hidden_size = ir_attr_int(n, "hidden_size", 0);
  p->clip = ir_attr_float(n, "clip", 0.0f);
  const char *act = ir_attr_str(n, "activations", "sigmoid,tanh,tanh");
  p->default_activations = strcmp(act, "sigmoid,tanh,tanh") == 0;
  if (p->hidden_size < 1 || p->hidden_size > 65536)
    return bad(g, n, err, "hidden_size", (double)p->hidden_size);
  if (!(p->clip >= 0)) return bad(g, n, err, "clip", p->clip);
  return 0;
}

IR__DECODER(proposal) {
  IrProposalParams *p = out;
  p->base_size = ir_attr_int(n, "base_size", 0);
  p->pre_nms_topn = ir_attr_int(n, "pre_nms_topn", 0);
  p->post_nms_topn = ir_attr_int(n, "post_nms_topn", 0);
  p->feat_stride = ir_attr_int(n, "feat_stride", 0);
  p->nms_thresh = ir_attr_float(n, "nms_thresh", 0.0f);
  p->min_size = ir_attr_float(n, "min_size", 0.0f);
  p->ratio = floats_of(n, "ratio");
  p->scale = floats_of(n, "scale");
  p->clip_before_nms = ir_attr_int(n, "clip_before_nms", 1) != 0;
  p->clip_after_nms = ir_attr_int(n, "clip_after_nms", 0) != 0;
  p->normalize = ir_attr_int(n, "normalize", 0) != 0;
  p->box_size_scale = ir_attr_float(n, "box_size_scale", 1.0f);
  p->box_coordinate_scale = ir_attr_float(n, "box_coordinate_scale", 1.0f);
  p->tensorflow = strcmp(ir_attr_str(n, "framework", ""), "tensorflow") == 0;
  if (p->base_size < 1 || p->base_size > 4096)
    return bad(g, n, err, "base_size", (double)p->base_size);
  if (p->pre_nms_topn < 1 || p->pre_nms_topn > (1 << 20))
    return bad(g, n, err, "pre_nms_topn", (double)p->pre_nms_topn);
  if (p->post_nms_topn < 1 || p->post_nms_topn > (1 << 16))
    return bad(g, n, err, "post_nms_topn", (double)p->post_nms_topn);
  if (p->feat_stride < 1 || p->feat_stride > 4096)
    return bad(g, n, err, "feat_stride", (double)p->feat_stride);
  if (p->ratio.n < 1 || p->scale.n < 1 || p->ratio.n * p->scale.n > 1024)
    return bad(g, n, err, "ratio/scale count", p->ratio.n);
  for (int i = 0; i < p->ratio.n; i++)
    if (!(p->ratio.v[i] > 0)) return bad(g, n, err, "ratio", p->ratio.v[i]);
  if (!(p->box_size_scale > 0) || !(p->box_coordinate_scale > 0))
    return bad(g, n, err, "box scale", p->box_size_scale);
  return 0;
}

/* ---- PriorBox-1 ---- */

/* The aspect ratios PriorBox uses: 1, then each given one not yet present, with its inverse
 * when flip is set. Returns the count (at most max). */
static int aspect_ratios(const IrPriorBoxSsdParams *p, float *ar, int max) {
  int n = 0;
  ar[n++] = 1.0f;
  for (int i = 0; i < p->aspect_ratio.n && n < max; i++) {
    float a = p->aspect_ratio.v[i];
    bool seen = false;
    for (int k = 0; k < n; k++) seen |= fabsf(a - ar[k]) < 1e-6f;
    if (seen) continue;
    ar[n++] = a;
    if (p->flip && n < max) ar[n++] = 1.0f / a;
  }
  return n;
}

/* Formulas of OpenVINO's PriorBox-1 reference (ngraph runtime/reference/prior_box.hpp): per cell,
 * for each min_size a square box, a box of sqrt(min * max) when max_size has one, then one box per
 * aspect ratio other than 1 (for every min_size when scale_all_sizes, else for the first after the
 * last min_size); boxes are (centre -+ size / 2) / image; clip to [0, 1]; one variance or four. */
int64_t ir_prior_box(const IrPriorBoxSsdParams *p, int64_t h, int64_t w, int64_t ih, int64_t iw,
                     float *out) {
  enum { MAXAR = 64 };
  float ar[MAXAR];
  int nar = aspect_ratios(p, ar, MAXAR), nmin = p->min_size.n;
  if (p->fixed_size.n || p->fixed_ratio.n || p->density.n || nmin < 1 || nmin > 64) return -1;
  if (h < 1 || w < 1 || ih < 1 || iw < 1 || h > (1 << 16) || w > (1 << 16)) return -1;
  int64_t np = 0;
  for (int m = 0; m < nmin; m++)
    np += 1 + (m < p->max_size.n) + ((p->scale_all_sizes || m == nmin - 1) ? nar - 1 : 0);
  int64_t size = 4 * h * w * np;
  if (size > ((int64_t)1 << 28)) return -1;
  if (!out) return size;
  float step = p->step, min_scale = 1.0f;
  if (!p->scale_all_sizes) { /* mxnet-like: step and sizes relative to the image height */
    step = step == -1.0f ? (float)ih / (float)h : step * (float)ih;
    min_scale = (float)ih;
  }
  float sx = step == 0.0f ? (float)iw / (float)w : step,
        sy = step == 0.0f ? (float)ih / (float)h : step;
  int64_t k = 0;
  for (int64_t y = 0; y < h; y++)
    for (int64_t x = 0; x < w; x++) {
      float cx = step == 0.0f ? ((float)x + 0.5f) * sx : (p->offset + (float)x) * step;
      float cy = step == 0.0f ? ((float)y + 0.5f) * sy : (p->offset + (float)y) * step;
      for (int m = 0; m < nmin; m++) {
        float mn = p->min_size.v[m] * min_scale;
        float box[3][2];
        int nb = 0;
        box[nb][0] = box[nb][1] = mn * 0.5f, nb++;
        if (m < p->max_size.n) box[nb][0] = box[nb][1] = sqrtf(mn * p->max_size.v[m]) * 0.5f, nb++;
        for (int b = 0; b < nb; b++) {
          out[k++] = (cx - box[b][0]) / (float)iw, out[k++] = (cy - box[b][1]) / (float)ih;
          out[k++] = (cx + box[b][0]) / (float)iw, out[k++] = (cy + box[b][1]) / (float)ih;
        }
        if (!p->scale_all_sizes && m != nmin - 1) continue;
        float base = p->min_size.v[p->scale_all_sizes ? m : 0] * min_scale;
        for (int a = 0; a < nar; a++) {
          if (fabsf(ar[a] - 1.0f) < 1e-6f) continue;
          float r = sqrtf(ar[a]), bw = base * 0.5f * r, bh = base * 0.5f / r;
          out[k++] = (cx - bw) / (float)iw, out[k++] = (cy - bh) / (float)ih;
          out[k++] = (cx + bw) / (float)iw, out[k++] = (cy + bh) / (float)ih;
        }
      }
    }
  if (p->clip)
    for (int64_t i = 0; i < size; i++)
      out[i] = out[i] < 0.0f ? 0.0f : out[i] > 1.0f ? 1.0f : out[i];
  for (int64_t i = 0; i < size; i++)
    out[size + i] = p->variance.n == 4   ? p->variance.v[i % 4]
                    : p->variance.n == 1 ? p->variance.v[0]
                                         : 0.1f;
  return size;
}
