/* compiler/passes/graph_passes.c — int_inputs, fuse_bn, verdicts, fp16 (see passes.h). */
#include "passes.h"

#include "compiler/graph/params.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
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

/* Marks the tensors whose constant bytes overlap another tensor's (a folded Reshape or Identity
 * of a constant may alias its data): their bytes must not be changed in place. O(T log T). */
typedef struct {
  uintptr_t lo, hi;
  int t;
} Span;

static int cmp_span(const void *a, const void *b) {
  const Span *x = a, *y = b;
  return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static uint8_t *mark_shared(const IrGraph *g) {
  uint8_t *shared = calloc((size_t)g->n_tensors + 1, 1);
  Span *sp = malloc(((size_t)g->n_tensors + 1) * sizeof *sp);
  if (!shared || !sp) base__assert_fail(__FILE__, __LINE__, "out of memory");
  int n = 0;
  for (int t = 0; t < g->n_tensors; t++)
    if (g->tensors[t].data) {
      uintptr_t lo = (uintptr_t)g->tensors[t].data;
      sp[n++] = (Span){lo, lo + (g->tensors[t].nbytes ? g->tensors[t].nbytes : 1), t};
    }
  qsort(sp, (size_t)n, sizeof *sp, cmp_span);
  uintptr_t reach = 0; /* furthest end among the spans before i */
  int reach_t = -1;
  for (int i = 0; i < n; i++) {
    if (i > 0 && sp[i].lo < reach) shared[sp[i].t] = shared[reach_t] = 1;
    if (sp[i].hi > reach) reach = sp[i].hi, reach_t = sp[i].t;
  }
  free(sp);
  return shared;
}

/* Live readers of tensor t: from the count taken before fusing began (fusing never adds a
 * reader to a tensor that existed then), else counted. */
static int readers(const IrGraph *g, const int *cnt, int n_counted, int t) {
  return t < n_counted ? cnt[t] : ir_consumers(g, t);
}

static int fuse_one(IrGraph *g, int bn, const uint8_t *shared, const int *cnt, int n_marked,
                    PassStats *st) {
  IrNode *b = &g->nodes[bn];
  int x = b->inputs[0];
  int conv = g->tensors[x].producer;
  if (conv < 0 || g->nodes[conv].dead || g->nodes[conv].op != IR_OP_CONV) return 0;
  if (readers(g, cnt, n_marked, x) != 1 || g->tensors[x].is_output) return 0;
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
  double eps = ir_norm_params(g, b)->epsilon;
  /* scale the weights where they are when nothing else reads them (the usual case): a 100 MB
   * model then never holds a second FP32 copy of its conv weights */
  bool in_place =
      W->dtype == DT_F32 && readers(g, cnt, n_marked, w) == 1 && !W->is_input && !W->is_output &&
      (w >= n_marked || !shared[w]); /* a tensor made by an earlier fusion owns its bytes */
  float *nw =
      in_place ? (float *)W->data : arena_array(g->arena, (size_t)(oc * per), sizeof(float));
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
  if (in_place) { /* the new tensor owns the bytes now; the old one is read by nobody */
    g->tensors[nwt].borrowed = g->tensors[w].borrowed;
    g->tensors[w].data = NULL;
    g->tensors[w].nbytes = 0;
    g->tensors[w].borrowed = false;
  }
  int nbt = pass_const(g, arena_printf(g->arena, "%s/fused_bias", g->nodes[conv].name), DT_F32, 1,
                       &oc, nb);
  c = &g->nodes[conv];
  b = &g->nodes[bn];
  c->inputs[1] = nwt;
  if (c->n_inputs > 2)
    c->inputs[2] = nbt;
  else
    ir_node_add_input(g, conv, nbt);
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
  uint8_t *shared = mark_shared(g);
  int n_marked = g->n_tensors;
  int *cnt =
      calloc((size_t)n_marked + 1, sizeof *cnt); /* one pass instead of a graph scan per BN */
  if (!cnt) base__assert_fail(__FILE__, __LINE__, "out of memory");
  for (int t = 0; t < n_marked; t++) cnt[t] = g->tensors[t].is_output ? 1 : 0;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; !g->nodes[i].dead && k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] >= 0 && g->nodes[i].inputs[k] < n_marked)
        cnt[g->nodes[i].inputs[k]]++;
  for (int i = 0; i < g->n_nodes; i++)
    if (!g->nodes[i].dead && g->nodes[i].op == IR_OP_BATCH_NORM)
      fuse_one(g, i, shared, cnt, n_marked, st);
  free(cnt);
  free(shared);
  return ir_toposort(g, err);
}

/* ---- fold_preprocess: the manifest's scale, mean and channel reversal into the first Conv ----
 *
 * conv(gather(x)), conv((x - m)) and conv(x / s) are one conv with changed weights and bias:
 *   / s:      W'[o][c] = W[o][c] / s[c]                    (exact also with zero padding: 0/s = 0)
 *   - m:      b'[o] = b[o] - sum_{c,k} W[o][c][k] m[c]     (only without padding: a padded zero
 *                                                         of x - m would be -m after folding)
 *   gather:   W'[o][idx[c]] = W[o][c]                       (a permutation of input channels)
 * Each fold removes a stage; tests/test_blob_exec.c proves the result equal to the source model. */
static const IrNode *pre_producer(const IrGraph *g, int t, IrOp op) {
  int p = t >= 0 ? g->tensors[t].producer : -1;
  if (p < 0) return NULL;
  const IrNode *n = &g->nodes[p];
  if (n->dead || n->op != op || !n->origin || ir_consumers(g, t) != 1 || g->tensors[t].is_output)
    return NULL;
  return n;
}

static float *conv_weights_f32(IrGraph *g, IrNode *c, int64_t *oc, int64_t *ic, int64_t *k) {
  const IrTensor *w = &g->tensors[c->inputs[1]];
  if (!w->data || w->rank != 4 || ir_window_params(g, c)->group != 1) return NULL;
  *oc = w->dims[0], *ic = w->dims[1], *k = w->dims[2] * w->dims[3];
  int64_t n = ir_numel(w);
  float *nw = arena_array(g->arena, (size_t)n, sizeof(float));
  for (int64_t i = 0; i < n; i++) nw[i] = (float)ir_const_f64(w, i);
  return nw;
}

static void set_conv_weights(IrGraph *g, int conv, float *nw, const char *what) {
  IrNode *c = &g->nodes[conv];
  const IrTensor *w = &g->tensors[c->inputs[1]];
  int t = ir_add_tensor(g, arena_printf(g->arena, "%s/%s", c->name, what));
  c = &g->nodes[conv];
  w = &g->tensors[c->inputs[1]];
  ir_set_shape(g, t, w->rank, w->dims);
  g->tensors[t].dtype = DT_F32;
  g->tensors[t].data = nw;
  g->tensors[t].nbytes = (size_t)ir_numel(w) * sizeof(float);
  c->inputs[1] = t;
}

static void kill_folded(IrGraph *g, const IrNode *n, const IrNode *conv) {
  IrNode *m = &g->nodes[n - g->nodes];
  m->dead = true;
  m->verdict = VERDICT_FOLDED;
  m->reason = arena_printf(g->arena, "folded into Conv '%s'", conv->name);
}

static void fold_into_conv(IrGraph *g, int conv, PassStats *st) {
  IrNode *c = &g->nodes[conv];
  if (c->dead || c->op != IR_OP_CONV || !ir_is_const(g, c->inputs[1])) return;
  int64_t oc, ic, k;
  /* channel reversal: Gather on axis 1 with constant indices */
  const IrNode *ga = pre_producer(g, c->inputs[0], IR_OP_GATHER);
  if (ga && ir_axis_params(g, ga)->axis == 1 && ir_is_const(g, ga->inputs[1])) {
    const IrTensor *idx = &g->tensors[ga->inputs[1]];
    float *w0 = conv_weights_f32(g, c, &oc, &ic, &k);
    if (!w0 || ir_numel(idx) != ic) return;
    float *nw = arena_array(g->arena, (size_t)(oc * ic * k), sizeof(float));
    bool seen[64] = {0};
    for (int64_t i = 0; i < ic; i++) {
      int64_t j = ir_const_i64(idx, i);
      if (j < 0 || j >= ic || ic > 64 || seen[j]) return; /* not a permutation */
      seen[j] = true;
      for (int64_t o = 0; o < oc; o++)
        memcpy(&nw[(o * ic + j) * k], &w0[(o * ic + i) * k], (size_t)k * sizeof(float));
    }
    set_conv_weights(g, conv, nw, "channels_folded");
    c = &g->nodes[conv];
    c->inputs[0] = ga->inputs[0];
    kill_folded(g, ga, c);
    st->n_fused++;
  }
  /* scale: Div by a per-channel constant */
  const IrNode *div = pre_producer(g, c->inputs[0], IR_OP_DIV);
  if (div && ir_is_const(g, div->inputs[1])) {
    const IrTensor *s = &g->tensors[div->inputs[1]];
    float *nw = conv_weights_f32(g, c, &oc, &ic, &k);
    int64_t ns = ir_numel(s);
    if (nw && (ns == ic || ns == 1)) {
      for (int64_t o = 0; o < oc; o++)
        for (int64_t i = 0; i < ic; i++)
          for (int64_t q = 0; q < k; q++)
            nw[(o * ic + i) * k + q] /= (float)ir_const_f64(s, ns == 1 ? 0 : i);
      set_conv_weights(g, conv, nw, "scale_folded");
      c = &g->nodes[conv];
      c->inputs[0] = div->inputs[0];
      kill_folded(g, div, c);
      st->n_fused++;
    } else {
      return;
    }
  }
  /* mean: Sub of a per-channel constant, only when the conv does not pad */
  const IrWindowParams *wp = ir_window_params(g, c);
  const int64_t *pads = wp->pads;
  bool padded = pads[0] || pads[1] || pads[2] || pads[3] ||
                (wp->auto_pad != IR_AUTO_PAD_NOTSET && wp->auto_pad != IR_AUTO_PAD_VALID);
  const IrNode *sub = padded ? NULL : pre_producer(g, c->inputs[0], IR_OP_SUB);
  if (sub && ir_is_const(g, sub->inputs[1])) {
    const IrTensor *m = &g->tensors[sub->inputs[1]];
    const IrTensor *w = &g->tensors[c->inputs[1]];
    oc = w->dims[0], ic = w->dims[1], k = w->dims[2] * w->dims[3];
    int64_t nm = ir_numel(m);
    if (nm != ic && nm != 1) return;
    float *nb = arena_array(g->arena, (size_t)oc, sizeof(float));
    bool has_b = c->n_inputs > 2 && c->inputs[2] >= 0;
    for (int64_t o = 0; o < oc; o++) {
      double acc = has_b ? ir_const_f64(&g->tensors[c->inputs[2]], o) : 0;
      for (int64_t i = 0; i < ic; i++)
        for (int64_t q = 0; q < k; q++)
          acc -= ir_const_f64(w, (o * ic + i) * k + q) * ir_const_f64(m, nm == 1 ? 0 : i);
      nb[o] = (float)acc;
    }
    int bt = pass_const(g, arena_printf(g->arena, "%s/mean_folded", c->name), DT_F32, 1, &oc, nb);
    c = &g->nodes[conv];
    if (has_b)
      c->inputs[2] = bt;
    else
      ir_node_add_input(g, conv, bt);
    c = &g->nodes[conv];
    c->inputs[0] = sub->inputs[0];
    kill_folded(g, sub, c);
    st->n_fused++;
  }
}

int pass_fold_preprocess(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err) {
  (void)opt;
  for (int i = 0; i < g->n_nodes; i++)
    if (!g->nodes[i].dead && g->nodes[i].op == IR_OP_CONV) fold_into_conv(g, i, st);
  return ir_toposort(g, err);
}

/* ---- verdicts ---- */

int pass_verdicts(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err) {
  (void)st, (void)err;
  vpu_judge_graph(g, opt);
  return 0;
}

/* ---- output precision ---- */

int pass_output_precision(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err) {
  (void)st, (void)err;
  if (opt->output_precision != PREC_FP32) return 0;
  for (int k = 0; k < g->n_outputs; k++) {
    int t = g->outputs[k];
    if (g->tensors[t].dtype != DT_F16 || g->tensors[t].data) continue;
    const char *name = g->tensors[t].name;
    g->tensors[t].name = arena_printf(g->arena, "%s/fp16", name);
    int n = ir_add_node(g, IR_OP_CAST, NULL, arena_printf(g->arena, "%s/to_fp32", name));
    g->nodes[n].origin = "output_precision";
    g->nodes[n].verdict = VERDICT_SUPPORTED;
    ir_node_add_input(g, n, t);
    ir_node_add_attr(g, n, "to", ATTR_INT)->i = 1; /* FLOAT */
    int o = ir_node_add_output(g, n, name);
    const IrTensor *x = &g->tensors[t];
    ir_set_shape(g, o, x->rank, x->dims);
    g->tensors[o].dtype = DT_F32;
    g->tensors[o].layout = g->tensors[t].layout;
    g->tensors[o].is_output = true;
    g->tensors[t].is_output = false;
    for (int j = 0; j < g->n_outputs; j++)
      if (g->outputs[j] == t) g->outputs[j] = o;
  }
  return 0;
}

/* ---- fp16 ---- */

/* Float constants that are parameters of an op, not data: they stay FP32 (OpenVINO keeps them so). */
static bool is_param_input(const IrNode *n, int k) {
  switch (n->op) {
  case IR_OP_RESIZE:
  case IR_OP_UPSAMPLE: return k >= 1;
  case IR_OP_CONSTANT_OF_SHAPE:
  case IR_OP_RANGE: return true;
  default: return false;
  }
}

int pass_fp16(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err) {
  (void)err;
  if (opt->data_type == PREC_FP32) return 0;
  uint8_t *mark = arena_alloc(g->arena, (size_t)g->n_tensors + 1); /* 1 data, 2 param */
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    for (int k = 0; k < n->n_inputs; k++) {
      int t = n->inputs[k];
      if (t < 0) continue;
      if (is_param_input(n, k))
        mark[t] |= 2;
      else
        mark[t] |= 1;
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
