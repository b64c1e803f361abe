/*
 * compiler/graph/params_gather.c — attribute decoders of the indexed data-movement ops of issue
 * 18 and Mod (see params_internal.h). Defaults are ONNX's (docs/Operators.md, onnx v1.12.0).
 */
#include "params_internal.h"

#include <stdio.h>
#include <string.h>

/* ERR_SHAPE "<op_type>: <what> '<v>' is invalid" naming the node; returns -1. */
static int bad(const IrGraph *g, const IrNode *n, Err *err, const char *what, const char *v) {
  if (!err) return -1;
  err_where(err, g->source, 0, NULL, n->name);
  err->code = ERR_SHAPE;
  snprintf(err->msg, sizeof err->msg, "%s: %s '%s' is invalid", n->op_type, what, v);
  return -1;
}

IR__DECODER(gather_elements) {
  (void)g, (void)err;
  IrAxisParams *p = out;
  p->axis = ir_attr_int(n, "axis", 0);
  return 0;
}

IR__DECODER(one_hot) {
  (void)g, (void)err;
  IrAxisParams *p = out;
  p->axis = ir_attr_int(n, "axis", -1);
  return 0;
}

/* ScatterElements / ScatterND reduction: none, add, mul (opset 16), min, max (opset 18). */
static int scatter(const IrGraph *g, const IrNode *n, IrScatterParams *p, Err *err) {
  const char *r = ir_attr_str(n, "reduction", "none");
  p->reduction_name = r;
  if (!strcmp(r, "none"))
    p->reduction = IR_REDUCE_NONE;
  else if (!strcmp(r, "add"))
    p->reduction = IR_REDUCE_ADD;
  else if (!strcmp(r, "mul"))
    p->reduction = IR_REDUCE_MUL;
  else if (!strcmp(r, "min"))
    p->reduction = IR_REDUCE_MIN;
  else if (!strcmp(r, "max"))
    p->reduction = IR_REDUCE_MAX;
  else
    return bad(g, n, err, "reduction", r);
  return 0;
}

IR__DECODER(scatter_elements) {
  IrScatterParams *p = out;
  p->axis = ir_attr_int(n, "axis", 0);
  return scatter(g, n, p, err);
}

IR__DECODER(scatter_nd) { return scatter(g, n, out, err); }

IR__DECODER(reverse_sequence) {
  IrReverseSeqParams *p = out;
  p->batch_axis = ir_attr_int(n, "batch_axis", 1);
  p->time_axis = ir_attr_int(n, "time_axis", 0);
  char v[48];
  if ((p->batch_axis != 0 && p->batch_axis != 1) || (p->time_axis != 0 && p->time_axis != 1) ||
      p->batch_axis == p->time_axis) {
    snprintf(v, sizeof v, "%lld / %lld", (long long)p->batch_axis, (long long)p->time_axis);
    return bad(g, n, err, "batch_axis / time_axis (0 and 1, different)", v);
  }
  return 0;
}

IR__DECODER(mod) {
  IrModParams *p = out;
  int64_t f = ir_attr_int(n, "fmod", 0);
  if (f != 0 && f != 1) {
    char v[24];
    snprintf(v, sizeof v, "%lld", (long long)f);
    return bad(g, n, err, "fmod", v);
  }
  p->fmod = f == 1;
  return 0;
}
