/* tests/support/calibrate.c — see calibrate.h. */
#include "tests/support/calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/frontend/onnx.h"
#include "compiler/ref/ref.h"

typedef struct {
  OnnxBuilder *ob;
  IrGraph *g;
  int changed;
} Cal;

/* The builder's f32 initializer `name` stored in raw_data with n elements, else NULL. */
static float *init_f32(OnnxBuilder *ob, const char *name, int64_t n) {
  Onnx__GraphProto *gp = ob_model(ob)->graph;
  for (size_t i = 0; i < gp->n_initializer; i++) {
    Onnx__TensorProto *t = gp->initializer[i];
    if (t->name && !strcmp(t->name, name))
      return t->data_type == OB_FLOAT && t->raw_data.len == (size_t)n * 4
                 ? (float *)(void *)t->raw_data.data
                 : NULL;
  }
  return NULL;
}

/* Live nodes reading t, and whether every one is a BatchNormalization reading it as X. */
static int readers(const IrGraph *g, int t, bool *all_bn) {
  int n = 0;
  *all_bn = true;
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *m = &g->nodes[i];
    if (m->dead) continue;
    for (int k = 0; k < m->n_inputs; k++)
      if (m->inputs[k] == t) {
        n++;
        if (m->op != IR_OP_BATCH_NORM || k != 0) *all_bn = false;
      }
  }
  return n;
}

/* Per-channel mean and standard deviation (and rms) of v along axis 1 into m, s, r (C each);
 * when a channel has fewer than 16 values every channel gets the whole tensor's. */
static void channel_stats(const RefTensor *v, int64_t C, double *m, double *s, double *r) {
  int64_t n = ref_numel(v), inner = n / (v->dims[0] * C), outer = v->dims[0];
  bool whole = outer * inner < 16;
  double tot[3] = {0, 0, 0};
  for (int64_t c = 0; c < C; c++) {
    double sum = 0, sq = 0;
    for (int64_t o = 0; o < outer; o++)
      for (int64_t k = 0; k < inner; k++) {
        double x = v->f[(o * C + c) * inner + k];
        sum += x, sq += x * x;
      }
    double cnt = (double)(outer * inner);
    m[c] = sum / cnt, r[c] = sqrt(sq / cnt), s[c] = sqrt(fmax(0, sq / cnt - m[c] * m[c]));
    tot[0] += sum, tot[1] += sq;
  }
  if (!whole) return;
  double cnt = (double)n, mm = tot[0] / cnt;
  for (int64_t c = 0; c < C; c++)
    m[c] = mm, r[c] = sqrt(tot[1] / cnt), s[c] = sqrt(fmax(0, tot[1] / cnt - mm * mm));
}

/* Sets each BN reading t: running mean / variance from v's statistics. */
static void set_bn(Cal *c, int t, const RefTensor *v, double *m, double *s, double *r) {
  for (int i = 0; i < c->g->n_nodes; i++) {
    IrNode *bn = &c->g->nodes[i];
    if (bn->dead || bn->op != IR_OP_BATCH_NORM || bn->inputs[0] != t || bn->n_inputs < 5) continue;
    IrTensor *mt = &c->g->tensors[bn->inputs[3]], *vt = &c->g->tensors[bn->inputs[4]];
    int64_t C = ir_numel(mt);
    if (v->rank < 2 || C != v->dims[1] || ir_numel(vt) != C || !mt->data || !vt->data) continue;
    float *bm = init_f32(c->ob, mt->name, C), *bv = init_f32(c->ob, vt->name, C);
    if (!bm || !bv) continue;
    channel_stats(v, C, m, s, r);
    for (int64_t k = 0; k < C; k++) {
      bm[k] = (float)m[k], bv[k] = (float)(s[k] * s[k]);
      ir_const_put_f64(mt, k, bm[k]);
      ir_const_put_f64(vt, k, bv[k]);
    }
    c->changed++;
  }
}

/* Conv / Gemm n whose output v no BN reads: per output channel, mean b_c and deviation g. */
static void set_linear(Cal *c, const IrNode *n, RefTensor *v, double *m, double *s, double *r) {
  const IrTensor *wt = &c->g->tensors[n->inputs[1]];
  bool gemm = n->op == IR_OP_GEMM, trans_b = gemm && ir_attr_int(n, "transB", 0);
  if (v->rank < 2 || !wt->data ||
      (gemm && (wt->rank != 2 || ir_attr_int(n, "transA", 0) || ir_attr_float(n, "alpha", 1) != 1 ||
                ir_attr_float(n, "beta", 1) != 1)))
    return;
  int64_t C = v->dims[1], nw = ir_numel(wt), fan_in = nw / C;
  bool all_bn;
  if (nw <= 0 || nw % C || readers(c->g, n->inputs[1], &all_bn) != 1) return;
  const IrTensor *bt = n->n_inputs > 2 && n->inputs[2] >= 0 ? &c->g->tensors[n->inputs[2]] : NULL;
  float *w = init_f32(c->ob, wt->name, nw), *b = bt ? init_f32(c->ob, bt->name, C) : NULL;
  if (!w || (bt && (!b || readers(c->g, n->inputs[2], &all_bn) != 1))) return;
  double ss = 0;
  for (int64_t k = 0; k < nw; k++) ss += (double)w[k] * w[k];
  double gain = sqrt(ss / (double)nw) * sqrt((double)fan_in / 2);
  channel_stats(v, C, m, s, r);
  int64_t inner = ref_numel(v) / (v->dims[0] * C);
  for (int64_t ch = 0; ch < C; ch++) {
    double dev = b ? s[ch] : r[ch];
    if (!(dev > 1e-12)) continue; /* a dead channel stays as it is */
    double k = gain / dev, bc = b ? b[ch] : 0, shift = b ? bc - (m[ch] - bc) * k : 0;
    for (int64_t i = 0; i < fan_in; i++) { /* [C][fan_in], or [fan_in][C] for Gemm without transB */
      int64_t at = gemm && !trans_b ? i * C + ch : ch * fan_in + i;
      w[at] = (float)(w[at] * k);
    }
    if (b) b[ch] = (float)shift;
    for (int64_t o = 0; o < v->dims[0]; o++)
      for (int64_t i = 0; i < inner; i++) {
        float *y = &v->f[(o * C + ch) * inner + i];
        *y = b ? (float)((*y - m[ch]) * k + bc) : (float)(*y * k);
      }
  }
  c->changed++;
}

/* Runs on inputs of at most side x side pixels (a 4-D input's last two dims): statistics
 * of noise do not depend on the image size, and the executor's time grows with it. Declared
 * output shapes are dropped so shape inference takes the smaller ones. */
static void shrink(IrGraph *g, int64_t side) {
  for (int k = 0; k < g->n_inputs && side > 0; k++) {
    IrTensor *t = &g->tensors[g->inputs[k]];
    if (t->rank != 4 || t->dims[2] <= side || t->dims[3] <= side) continue;
    int64_t d[4] = {t->dims[0], t->dims[1], side, side};
    ir_set_shape(g, g->inputs[k], 4, d);
    for (int j = 0; j < g->n_outputs; j++) ir_set_shape(g, g->outputs[j], -1, NULL);
  }
}

static int observe(void *ctx, const IrGraph *g, int node, RefTensor *const *outs, int n_outs,
                   Err *err) {
  (void)err;
  Cal *c = ctx;
  const IrNode *n = &g->nodes[node];
  RefTensor *v = n_outs > 0 ? outs[0] : NULL;
  if (!v || !v->f || v->rank < 2 || v->dims[0] < 1 || v->dims[1] < 1) return 0;
  int64_t C = v->dims[1];
  double *m = malloc((size_t)C * 3 * sizeof *m + 1);
  if (!m) return err_set(err, ERR_OOM, "out of memory");
  bool all_bn;
  int nr = readers(g, n->outputs[0], &all_bn);
  if (nr > 0 && all_bn)
    set_bn(c, n->outputs[0], v, m, m + C, m + 2 * C);
  else if (n->op == IR_OP_CONV || n->op == IR_OP_GEMM)
    set_linear(c, n, v, m, m + C, m + 2 * C);
  free(m);
  return 0;
}

int ref_calibrate(OnnxBuilder *ob, uint64_t seed, int side, int *changed, Err *err) {
  if (changed) *changed = 0;
  uint8_t *bytes = NULL;
  size_t len = 0;
  ob_pack(ob, &bytes, &len);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  RefTensor *in = NULL, *outs = NULL;
  int n_outs = 0, rc = fe_onnx_load_mem(&g, a, bytes, len, NULL, err);
  free(bytes);
  if (rc == 0) shrink(g, side);
  if (rc == 0) rc = ir_infer(g, err);
  bool runnable = rc == 0;
  for (int i = 0; runnable && i < g->n_nodes; i++)
    runnable = g->nodes[i].dead || ref_has_kernel(g->nodes[i].op);
  if (runnable) in = calloc((size_t)g->n_inputs + 1, sizeof *in);
  ObRng rng;
  ob_rng_seed(&rng, seed);
  for (int k = 0; runnable && in && k < g->n_inputs; k++) {
    const IrTensor *t = &g->tensors[g->inputs[k]];
    runnable = (t->dtype == DT_F32 || t->dtype == DT_F16) && ir_numel(t) > 0;
    if (runnable && ref_tensor_alloc(&in[k], DT_F32, t->rank, t->dims, err) < 0)
      rc = -1, runnable = false;
    for (int64_t i = 0; runnable && i < ir_numel(t); i++)
      in[k].f[i] = ob_rng_range(&rng, -1.7320508f, 1.7320508f);
  }
  Cal c = {.ob = ob, .g = g};
  if (rc == 0 && runnable && in)
    rc = ref_run_observed(g, REF_FP32, in, g->n_inputs, &outs, &n_outs, observe, &c, err);
  else if (rc == 0 && !in && runnable)
    rc = err_set(err, ERR_OOM, "out of memory");
  if (rc == 0 && changed) *changed = c.changed;
  if (in)
    for (int k = 0; k < g->n_inputs; k++) ref_tensor_free(&in[k]);
  free(in);
  ref_tensors_free(outs, n_outs);
  ir_release(g);
  arena_free(a);
  return rc;
}
