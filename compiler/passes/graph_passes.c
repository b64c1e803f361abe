/* compiler/passes/graph_passes.c — int_inputs, fuse_bn, verdicts, fp16 (see passes.h). */
#include "passes.h"

#include <math.h>
#include <string.h>

/* ---- int_inputs: the VPU has no I64; integer inputs are fed as I32 (S32) ---- */

int pass_int_inputs(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err) {
  (void)opt, (void)st, (void)err;
  for (int i = 0; i < g->n_inputs; i++) {
    IrTensor *t = &g->tensors[g->inputs[i]];
    if (t->dtype == DT_I64 || t->dtype == DT_U64 || t->dtype == DT_U32) {
      t->source_dtype = t->dtype;
      t->dtype = DT_I32;
    }
  }
  return 0;
}

/* ---- fuse_bn: Conv -> BatchNormalization becomes one Conv ---- */

static int fuse_one(IrGraph *g, int bn, PassStats *st) {
  IrNode *b = &g->nodes[bn];
  int x = b->inputs[0];
  int conv = g->tensors[x].producer;
  if (conv < 0 || g->nodes[conv].dead || g->nodes[conv].op != IR_OP_CONV) return 0;
  if (ir_consumers(g, x) != 1 || g->tensors[x].is_output) return 0;
  for (int k = 1; k < 5; k++)
    if (!ir_is_const(g, b->inputs[k])) return 0;
  IrNode *c = &g->nodes[conv];
  int w = c->inputs[1];
  if (!ir_is_const(g, w) || g->tensors[w].rank < 3) return 0;
  if (c->n_inputs > 2 && c->inputs[2] >= 0 && !ir_is_const(g, c->inputs[2])) return 0;
  const IrTensor *W = &g->tensors[w];
  int64_t oc = W->dims[0], per = ir_numel(W) / (oc ? oc : 1);
  for (int k = 1; k < 5; k++)
    if (ir_numel(&g->tensors[b->inputs[k]]) != oc) return 0;
  double eps = ir_attr_float(b, "epsilon", 1e-5f);
  float *nw = arena_array(g->arena, (size_t)(oc * per), sizeof(float));
  float *nb = arena_array(g->arena, (size_t)oc, sizeof(float));
  const IrTensor *gam = &g->tensors[b->inputs[1]], *bet = &g->tensors[b->inputs[2]];
  const IrTensor *mean = &g->tensors[b->inputs[3]], *var = &g->tensors[b->inputs[4]];
  bool has_bias = c->n_inputs > 2 && c->inputs[2] >= 0;
  const float *wf = W->dtype == DT_F32 ? (const float *)W->data : NULL;
  for (int64_t o = 0; o < oc; o++) {
    double s = ir_const_f64(gam, o) / sqrt(ir_const_f64(var, o) + eps);
    float sf = (float)s;
    if (wf)
      for (int64_t i = 0; i < per; i++) nw[o * per + i] = wf[o * per + i] * sf;
    else
      for (int64_t i = 0; i < per; i++) nw[o * per + i] = (float)(ir_const_f64(W, o * per + i) * s);
    double bias = has_bias ? ir_const_f64(&g->tensors[c->inputs[2]], o) : 0.0;
    nb[o] = (float)((bias - ir_const_f64(mean, o)) * s + ir_const_f64(bet, o));
  }
  /* the tensor takes nw as its data: no second copy of the weights */
  int nwt = ir_add_tensor(g, arena_printf(g->arena, "%s/fused_weights", g->nodes[conv].name));
  ir_set_shape(g, nwt, g->tensors[w].rank, g->tensors[w].dims);
  g->tensors[nwt].dtype = DT_F32;
  g->tensors[nwt].data = nw;
  g->tensors[nwt].nbytes = (size_t)(oc * per) * sizeof(float);
  int nbt = pass_const(g, arena_printf(g->arena, "%s/fused_bias", g->nodes[conv].name), DT_F32, 1, &oc, nb);
  c = &g->nodes[conv];
  b = &g->nodes[bn];
  c->inputs[1] = nwt;
  if (c->n_inputs > 2) c->inputs[2] = nbt;
  else ir_node_add_input(g, conv, nbt);
  /* the conv now produces the BN's output */
  int y = b->outputs[0];
  c->outputs[0] = y;
  g->tensors[y].producer = conv;
  b->n_outputs = 0; /* y now has the conv as its one producer */
  g->tensors[x].producer = -1;
  b->dead = true;
  b->verdict = VERDICT_FOLDED;
  b->reason = arena_printf(g->arena, "fused into Conv '%s'", c->name);
  st->n_fused++;
  return 0;
}

int pass_fuse_bn(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err) {
  (void)opt;
  for (int i = 0; i < g->n_nodes; i++)
    if (!g->nodes[i].dead && g->nodes[i].op == IR_OP_BATCH_NORM) fuse_one(g, i, st);
  return ir_toposort(g, err);
}

/* ---- verdicts ---- */

int pass_verdicts(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err) {
  (void)opt, (void)st, (void)err;
  for (int i = 0; i < g->n_nodes; i++) {
    IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    const char *reason = NULL, *fix = NULL;
    Verdict v = vpu_judge(g, i, &reason, &fix);
    n = &g->nodes[i];
    n->verdict = v;
    n->reason = reason;
    n->fix = fix;
  }
  return 0;
}

/* ---- fp16 ---- */

/* Float constants that are parameters of an op, not data: they stay FP32 (OpenVINO keeps them so). */
static bool is_param_input(const IrNode *n, int k) {
  switch (n->op) {
  case IR_OP_RESIZE: case IR_OP_UPSAMPLE: return k >= 1;
  case IR_OP_CONSTANT_OF_SHAPE: case IR_OP_RANGE: return true;
  default: return false;
  }
}

int pass_fp16(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err) {
  (void)err;
  if (opt->data_type == CP_FP32) return 0;
  uint8_t *mark = arena_alloc(g->arena, (size_t)g->n_tensors + 1); /* 1 data, 2 param */
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    for (int k = 0; k < n->n_inputs; k++) {
      int t = n->inputs[k];
      if (t < 0) continue;
      if (is_param_input(n, k)) mark[t] |= 2;
      else mark[t] |= 1;
    }
    for (int k = 0; k < n->n_outputs; k++)
      if (n->outputs[k] >= 0) mark[n->outputs[k]] |= 1;
  }
  for (int t = 0; t < g->n_tensors; t++) {
    IrTensor *x = &g->tensors[t];
    if (!(mark[t] & 1) && !x->is_input) continue;
    if (mark[t] & 2) continue;
    if (x->dtype != DT_F32 && x->dtype != DT_F64) {
      if (!x->data && x->dtype == DT_I64) x->dtype = DT_I32; /* VPU integer tensors are S32 */
      continue;
    }
    if (x->data) {
      int64_t n = ir_numel(x);
      uint16_t *h;
      if (x->dtype == DT_F32) {
        /* in place: element i's half lands at bytes 2i, which the chunk copy has already read */
        h = x->data;
        float chunk[4096];
        for (int64_t off = 0; off < n; off += 4096) {
          size_t len = (size_t)(n - off < 4096 ? n - off : 4096);
          memcpy(chunk, (const float *)x->data + off, len * sizeof(float));
          fp16_convert(h + off, chunk, len, &st->fp16_saturated, &st->fp16_underflowed);
        }
      } else {
        h = arena_array(g->arena, (size_t)(n > 0 ? n : 1), 2);
        for (int64_t i = 0; i < n; i++) {
          float f = (float)ir_const_f64(x, i);
          fp16_convert(&h[i], &f, 1, &st->fp16_saturated, &st->fp16_underflowed);
        }
      }
      st->fp16_converted += (size_t)n;
      x->data = h;
      x->nbytes = (size_t)n * 2;
    }
    x->dtype = DT_F16;
  }
  return 0;
}
