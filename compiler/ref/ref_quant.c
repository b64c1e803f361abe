/*
 * compiler/ref/ref_quant.c — reference kernel of QuantizeLinear and DequantizeLinear (see
 * ref_internal.h for the kernel contract). The arithmetic is compiler/graph/quant.h's, the one
 * constant folding uses: ONNX's reference (numpy, float32), round half to even, saturation.
 */
#include "ref_internal.h"

#include "compiler/graph/quant.h"

REF_KERNEL(qdq) {
  const RefTensor *a = ref__need(x, 0), *s = ref__need(x, 1);
  const RefTensor *z = x->n_in > 2 ? x->in[2] : NULL;
  if (!a || !s) return -1;
  bool quantize = x->n->op == IR_OP_QUANTIZE_LINEAR;
  if (z && ref_numel(z) != ref_numel(s))
    return ref__fail(x, ERR_SHAPE, "zero point has %lld values, the scale %lld",
                     (long long)ref_numel(z), (long long)ref_numel(s));
  const IrAxisParams *p = ir_axis_params(x->g, x->n);
  IrQdqLayout l;
  const char *why = ir_qdq_layout(&l, a->rank, a->dims, s->rank, ref_numel(s), p->axis, p->legacy);
  if (why) return ref__fail(x, ERR_SHAPE, "%s", why);
  DType dt = quantize ? (z ? z->dtype : DT_U8) : (s->dtype != DT_UNDEF ? s->dtype : DT_F32);
  if (quantize && dt != DT_U8 && dt != DT_I8)
    return ref__fail(x, ERR_UNSUPPORTED_OP, "zero point type %s", dtype_name(dt));
  RefTensor *o = ref__out(x, 0, dt, a->rank, a->dims);
  if (!o) return -1;
  int64_t n = ref_numel(o);
  for (int64_t i = 0; i < n; i++) {
    int64_t c = ir_qdq_channel(&l, i);
    float sc = (float)ref_get_f64(s, c);
    int64_t zp = z ? ref_get_i64(z, c) : 0;
    if (quantize)
      ref_set_i64(o, i, ir_quantize((float)ref_get_f64(a, i), sc, zp, dt));
    else
      ref_set_f64(o, i, ir_dequantize(ref_get_i64(a, i), zp, sc));
  }
  return 0;
}
