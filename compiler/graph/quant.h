/*
 * compiler/graph/quant.h — the arithmetic of ONNX QuantizeLinear and DequantizeLinear (opset 10:
 * per-tensor; opset 13: per-tensor or per-axis scale and zero point), shared by constant folding
 * (quant.c) and the reference executor (ref/ref_quant.c), so the two cannot drift apart.
 *
 * Semantics are ONNX's reference (numpy, float32 throughout):
 *   QuantizeLinear:   y = saturate(round_half_even(x / scale) + zero_point), the division in
 *                     float32, saturated to [0, 255] (uint8) or [-128, 127] (int8); NaN gives the
 *                     zero point (numpy leaves it undefined);
 *   DequantizeLinear: y = (float32(x) - float32(zero_point)) * scale.
 *
 * Usage:
 *   IrQdqLayout l;
 *   const char *why = ir_qdq_layout(&l, x->rank, x->dims, s->rank, ir_numel(s), axis, legacy);
 *   if (why) ...;                              // the shapes do not fit together
 *   int64_t c = ir_qdq_channel(&l, i);         // scale / zero point index of element i
 *   int64_t q = ir_quantize(x_i, scale[c], zp[c], DT_U8);
 */
#ifndef COMPILER_GRAPH_QUANT_H
#define COMPILER_GRAPH_QUANT_H

#include "ir.h"

/* Which scale an element of the quantized tensor uses. */
typedef struct {
  int64_t n_scale; /* 1: one scale for the tensor; else the length of the quantized axis */
  int64_t inner;   /* elements after that axis (row-major) */
} IrQdqLayout;

/* Fills *out for an input of rank/dims and a scale of scale_rank with n_scale elements along
 * axis (the decoded attribute; legacy: opset < 13, per-tensor only). Returns NULL, or what does
 * not fit (static text, e.g. "a per-axis scale needs opset 13"); rank < 0 is not accepted. */
const char *ir_qdq_layout(IrQdqLayout *out, int rank, const int64_t *dims, int scale_rank,
                          int64_t n_scale, int64_t axis, bool legacy);

/* The scale / zero point index of element i. */
int64_t ir_qdq_channel(const IrQdqLayout *l, int64_t i);

/* saturate(round_half_even(x / scale) + zp) for out DT_U8 or DT_I8. */
int64_t ir_quantize(float x, float scale, int64_t zp, DType out);

/* (float(q) - float(zp)) * scale, in float32. */
float ir_dequantize(int64_t q, int64_t zp, float scale);

/* How a DequantizeLinear node n of a run-time input can run on MYRIAD stages: DQ_PER_TENSOR
 * (one constant scale and zero point: Convert + Power), DQ_PER_CHANNEL (constant vectors along
 * axis 1 of a 2-D or 4-D input: Convert + ScaleShift), or DQ_NONE. */
typedef enum { DQ_NONE, DQ_PER_TENSOR, DQ_PER_CHANNEL } IrDqForm;
IrDqForm ir_dequantize_form(const IrGraph *g, const IrNode *n);
/* Its scale and -zero_point * scale (n values, n = 1 per tensor) into scale[] / shift[]. */
int64_t ir_dequantize_affine(const IrGraph *g, const IrNode *n, double *scale, double *shift,
                             int64_t max);

#endif
