/*
 * compiler/ref/detection.h — SSD DetectionOutput (Caffe / OpenVINO DetectionOutput-1), shared by
 * the reference kernel (graph) and the blob executor (the MyriadX DetectionOutput stage).
 *
 * Semantics (OpenVINO's reference detection_output.hpp, Caffe's DetectionOutputLayer): boxes are
 * decoded from the priors (CORNER, CENTER_SIZE or CORNER_SIZE, variances from the priors' second
 * row unless encoded in the target), optionally clipped to [0, 1]; per class other than the
 * background, scores above confidence_threshold are sorted (ties: lower prior first), cut to
 * top_k and reduced by greedy NMS at nms_threshold (IoU); over all classes the best keep_top_k
 * stay. Output rows [image, label, score, xmin, ymin, xmax, ymax], per image by label, then by
 * score; after the last row one row starts with -1 when rows remain. Normalized priors only.
 */
#ifndef COMPILER_REF_DETECTION_H
#define COMPILER_REF_DETECTION_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  int num_classes, background, top_k, keep_top_k,
      code_type; /* code_type: 1 CORNER, 2 CENTER_SIZE, 3 CORNER_SIZE */
  bool share_location, variance_encoded, clip_before_nms, clip_after_nms, decrease_label_id;
  float nms_threshold, confidence_threshold;
} DetParams;

/* n images, p priors. loc [n][p * (share_location ? 1 : classes) * 4], conf [n][p * classes],
 * priors [priors_batch][2][p * 4] (priors_batch 1 or n); out [rows][7], zeroed by the caller.
 * Returns 0, or -1 when memory runs out. */
int det_output(const DetParams *dp, int n, int p, const float *loc, const float *conf,
               const float *priors, int priors_batch, float *out, int64_t rows);

#endif
