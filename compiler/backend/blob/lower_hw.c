/*
 * compiler/backend/blob/lower_hw.c — which layers run on the NCE (MyriadXHwOp, stage 38), and
 * their stages: convolutions (dense, grouped, depthwise as diagonal tiles), pooling (mode
 * 16_16) and fully-connected layers rewritten as a k x k stride-k convolution, with a following
 * ReLU / LeakyReLU / Clamp(0, max) fused into the ops.
 *
 * The choices are compile_tool's (OpenVINO 2021.x, inference-engine/src/vpu/graph_transformer/):
 *   [CONV] src/stages/convolution.cpp canTryHW, [POOL] src/stages/pooling.cpp canTryHW,
 *   [FC] src/stages/fc.cpp, [FC2CONV] src/middleend/passes/replace_fc_by_conv.cpp,
 *   [MERGE] merge_hw_stages.cpp (fused activations), [DEPTH] split_hw_depth_convolution.cpp,
 *   [PAD] hw_padding.cpp, [TILER] hw_conv_tiling.cpp + conv_tiling/hw_stage_tiler.cpp (tiles,
 *   partial sums over input channels, junk rows), [FIN] finalize_hw_ops.cpp (the op list),
 *   [MX] src/stages/mx_stage.cpp (buffers, 16-byte rows and offsets).
 * A layer the NCE cannot take stays on the SHAVEs (lower_sw.c) and the reason goes to the
 * report (BlobStats.hw_layers). Tensors an NCE stage reads or writes get rows padded to 16
 * bytes when every other stage touching them accepts strided buffers; otherwise a Copy moves
 * the data in or out of a padded temporary, as compile_tool's stride adjustment does.
 */
#include "compiler/backend/blob/bw.h"

#include "compiler/graph/params.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { HWK_CONV, HWK_POOL, HWK_FC } HwKind;

typedef struct {
  int node;
  HwKind kind;
  bool nce;
  const char *reason; /* why not the NCE */
  int post;           /* fused activation node, -1 none */
  int pool;           /* max pooling fused as CONV_POOL, -1 none */
  int in, out;        /* input tensor, final output (after the fused activation) */
  int bias;           /* bias tensor, -1 none */
  HwGeom g;           /* geometry of one part (a group, a diagonal tile, or the layer) */
  int parts, part_c;  /* groups / diagonal tiles and channels per part (the last may have fewer) */
  bool depthwise;
  bool oc_split;          /* parts over output channels sharing the whole input ([SPLIT]) */
  HwTiling *tl, *tl_last; /* tiling of a full part and of the last part */
  int shift;              /* FP16 range scaling: weights x 2^shift, scales 2^-shift */
  bool relu, clamp;
  uint32_t a0, a1;
  float slope, relu_scale, clamp_max;
  bool pool_max;
  int pads[4];    /* pl, pr, pt, pb as the layer has them (before a Pad stage) */
  bool pad_stage; /* pads the NCE cannot do: a Pad stage first, the op without pads */
  int fc_k;       /* FC as convolution: kernel = stride */
  double fc_alpha, fc_beta;
  bool fc_transb;
  int need_in_c; /* input channels the NCE reads (>= C when the mode wants blocks) */
  uint64_t macs;
  int n_stages;
} HwLayer;

struct BwHw {
  int *layer_of; /* per node: index in L, -1 */
  HwLayer *L;
  int n;
  BlobStats *bs;
};

static int div_up(int a, int b) { return (a + b - 1) / b; }
static uint32_t align16(uint32_t v) { return (v + 15u) & ~15u; }

/* ---- node attributes, from their decoded parameters (compiler/graph/params.h) ---- */

typedef struct {
  int64_t kernel[2], strides[2], dilations[2]; /* 1 where not given */
  int64_t pads[4];        /* ONNX order: begins (y, x), then ends; 0 where not given */
  int n_kernel, n_pads;   /* values given */
  const char *auto_pad;   /* "NOTSET" when absent */
  int64_t group;          /* 1 */
  bool count_include_pad; /* false */
} HwWin;

static void win_attrs(const IrGraph *g, const IrNode *n, HwWin *a) {
  const IrWindowParams *p = ir_window_params(g, n);
  memset(a, 0, sizeof *a);
  for (int d = 0; d < 2; d++) {
    a->kernel[d] = p->kernel[d];
    a->strides[d] = p->strides[d];
    a->dilations[d] = p->dilations[d];
  }
  a->n_kernel = p->has_kernel ? p->n_kernel : 0;
  a->n_pads = p->n_pads;
  for (int i = 0; i < 4; i++) a->pads[i] = p->pads[i];
  a->auto_pad = p->auto_pad == IR_AUTO_PAD_SAME_UPPER   ? "SAME_UPPER"
                : p->auto_pad == IR_AUTO_PAD_SAME_LOWER ? "SAME_LOWER"
                : p->auto_pad == IR_AUTO_PAD_VALID      ? "VALID"
                                                        : "NOTSET";
  a->group = p->group;
  a->count_include_pad = p->count_include_pad;
}

static float leaky_alpha(const IrGraph *g, const IrNode *p) { return ir_act_params(g, p)->alpha; }

/* Clip-6 bounds (Clip-11 takes them as inputs 1 and 2); FP16's range where not given */
static void clip_attrs(const IrGraph *g, const IrNode *p, float *lo, float *hi) {
  const IrClipParams *c = ir_clip_params(g, p);
  *lo = c->has_min ? c->min : -65504.0f;
  *hi = c->has_max ? c->max : 65504.0f;
}

static void gemm_attrs(const IrGraph *g, const IrNode *n, bool *trans_a, bool *trans_b,
                       float *alpha, float *beta) {
  const IrGemmParams *p = ir_gemm_params(g, n);
  *trans_a = p->trans_a;
  *trans_b = p->trans_b;
  *alpha = p->alpha;
  *beta = p->beta;
}

/* Gemm with transA cannot be an FC on the NCE */
static bool gemm_trans_a(const IrGraph *g, const IrNode *n) {
  bool ta, tb;
  float al, be;
  gemm_attrs(g, n, &ta, &tb, &al, &be);
  return ta;
}

/* ---- geometry of a convolution / pooling node (as lower_sw.c reads it) ---- */

static void node_pads(const HwWin *a, const IrTensor *x, const IrTensor *y, const int64_t *k,
                      const int64_t *st, const int64_t *dil, int64_t *pads) {
  for (int i = 0; i < 4; i++) pads[i] = a->pads[i];
  const char *ap = a->auto_pad;
  if (a->n_pads == 0 && (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")))
    for (int d = 0; d < 2; d++) {
      int64_t ek = (k[d] - 1) * dil[d] + 1,
              total = (y->dims[2 + d] - 1) * st[d] + ek - x->dims[2 + d];
      if (total < 0) total = 0;
      int64_t lo = !strcmp(ap, "SAME_UPPER") ? total / 2 : total - total / 2;
      pads[d] = lo;
      pads[d + 2] = total - lo;
    }
}

/* The activation a convolution's output feeds, when the NCE can apply it [MERGE]: ReLU;
 * LeakyReLU whose 1/slope is an integer (a0 1, a1 1/slope, outputs scaled by slope); Clamp(0,
 * max). Only when the convolution's output has no other reader and is not a network output. */
static int fusable_post(W *w, int y, HwLayer *L, bool conv) {
  int r = w->reader[y];
  if (r < 0) return -1;
  const IrNode *p = &w->g->nodes[r];
  if (p->dead || p->n_outputs < 1) return -1;
  if (p->op == IR_OP_RELU) {
    L->relu = true, L->a0 = 0, L->a1 = 1, L->relu_scale = 1, L->slope = 0;
    return r;
  }
  if (!conv) return -1;
  if (p->op == IR_OP_LEAKY_RELU) {
    float s = leaky_alpha(w->g, p);
    if (s == 0.0f) {
      L->relu = true, L->a0 = 0, L->a1 = 1, L->relu_scale = 1, L->slope = 0;
      return r;
    }
    float inv = 1.0f / s;
    if (fabsf(ceilf(inv) - inv) > 1e-6f || inv < 1.0f || inv > 65535.0f)
      return -1; /* "only integer scales" */
    L->relu = true, L->a0 = 1, L->a1 = (uint32_t)inv, L->relu_scale = s, L->slope = s;
    return r;
  }
  if (p->op == IR_OP_CLIP) {
    float lo, hi;
    clip_attrs(w->g, p, &lo, &hi);
    for (int k = 1; k < p->n_inputs && k < 3; k++)
      if (p->inputs[k] >= 0 && !ir_is_const(w->g, p->inputs[k])) return -1;
    if (p->n_inputs > 1 && p->inputs[1] >= 0) lo = (float)ir_const_f64(bw_T(w, p->inputs[1]), 0);
    if (p->n_inputs > 2 && p->inputs[2] >= 0) hi = (float)ir_const_f64(bw_T(w, p->inputs[2]), 0);
    if (lo != 0.0f) return -1;
    L->clamp = true, L->clamp_max = hi;
    return r;
  }
  return -1;
}

/* ---- candidates ---- */

/* Fills a convolution layer; returns false with L->reason when the NCE cannot take it. */
static bool plan_conv(W *w, const IrNode *n, HwLayer *L) {
  const IrTensor *x = bw_T(w, n->inputs[0]), *wt = bw_T(w, n->inputs[1]),
                 *y = bw_T(w, n->outputs[0]);
  if (x->rank != 4 || wt->rank != 4 || !wt->data || y->rank != 4) {
    L->reason = "only 2-D convolutions with constant weights go to the NCE";
    return false;
  }
  HwWin a;
  win_attrs(w->g, n, &a);
  int64_t k[2] = {wt->dims[2], wt->dims[3]}, *st = a.strides, *dil = a.dilations, pads[4];
  node_pads(&a, x, y, k, st, dil, pads);
  int64_t group = a.group, ic = x->dims[1], oc = y->dims[1];
  L->in = n->inputs[0];
  L->out = n->outputs[0];
  L->bias = n->n_inputs > 2 ? n->inputs[2] : -1;
  L->pads[0] = (int)pads[1], L->pads[1] = (int)pads[3], L->pads[2] = (int)pads[0],
  L->pads[3] = (int)pads[2];
  L->macs = (uint64_t)oc * y->dims[2] * y->dims[3] * wt->dims[1] * k[0] * k[1];
  int64_t sy = st[0], sx = st[1];
  if (k[0] == x->dims[2] + pads[0] + pads[2])
    sy = sx; /* [CONV]: a 1-D kernel's stride Y does not matter */
  if (x->dims[0] != 1)
    return L->reason = "batch above 1: the NCE stages are written for batch 1", false;
  if (sx != sy) return L->reason = "different strides in X and Y (compile_tool's canTryHW)", false;
  if (dil[0] != 1 || dil[1] != 1)
    return L->reason =
               "dilated convolution (compile_tool tries the NCE only with HW dilation enabled)",
           false;
  if (k[0] > 15 || k[1] > 15) return L->reason = "kernel above 15 (the NCE's limit)", false;
  if (sx > 8) return L->reason = "stride above 8 (the NCE's limit)", false;
  if (group < 1 || ic % group || oc % group)
    return L->reason = "groups do not divide the channels", false;
  L->depthwise = group > 1 && group == ic && ic == oc;
  L->g = (HwGeom){.in_c = (int)(ic / group),
                  .in_h = (int)x->dims[2],
                  .in_w = (int)x->dims[3],
                  .out_c = (int)(oc / group),
                  .out_h = (int)y->dims[2],
                  .out_w = (int)y->dims[3],
                  .kx = (int)k[1],
                  .ky = (int)k[0],
                  .stride = (int)sx,
                  .pl = (int)pads[1],
                  .pr = (int)pads[3],
                  .pt = (int)pads[0],
                  .pb = (int)pads[2],
                  .cmx_slices = w->opt->cmx_slices > 0 ? w->opt->cmx_slices : w->opt->shaves};
  L->parts = (int)group;
  L->part_c = L->g.in_c;
  return true;
}

/* [POOL] canTryHW, for batch 1. */
static bool plan_pool(W *w, const IrNode *n, HwLayer *L) {
  const IrTensor *x = bw_T(w, n->inputs[0]), *y = bw_T(w, n->outputs[0]);
  if (x->rank != 4 || y->rank != 4) return L->reason = "only 2-D pooling goes to the NCE", false;
  bool global = n->op == IR_OP_GLOBAL_AVERAGE_POOL || n->op == IR_OP_GLOBAL_MAX_POOL;
  L->pool_max = n->op == IR_OP_MAX_POOL || n->op == IR_OP_GLOBAL_MAX_POOL;
  int64_t k[2] = {x->dims[2], x->dims[3]}, st[2] = {1, 1}, dil[2] = {1, 1}, pads[4] = {0, 0, 0, 0};
  bool exclude = false, same_upper = false;
  if (!global) {
    HwWin a;
    win_attrs(w->g, n, &a);
    if (a.n_kernel) k[0] = a.kernel[0], k[1] = a.kernel[1];
    st[0] = a.strides[0], st[1] = a.strides[1];
    node_pads(&a, x, y, k, st, dil, pads);
    if (!L->pool_max) exclude = !a.count_include_pad;
    same_upper = !strcmp(a.auto_pad, "SAME_UPPER");
    if (a.dilations[0] != 1 || a.dilations[1] != 1) return L->reason = "dilated pooling", false;
  }
  L->in = n->inputs[0];
  L->out = n->outputs[0];
  L->bias = -1;
  int iw = (int)x->dims[3], ih = (int)x->dims[2], ow = (int)y->dims[3], oh = (int)y->dims[2];
  int kx = (int)k[1], ky = (int)k[0], sx = (int)st[1], sy = (int)st[0];
  int pl = (int)pads[1], pr = (int)pads[3], pt = (int)pads[0], pb = (int)pads[2];
  /* "for old IR's IE doesn't return valid padding. Fix paddings" (the ceil rounding mode) */
  if ((ow - 1) * sx + kx > iw + pl + pr) pr = (ow - 1) * sx + kx - (iw + pl);
  if ((oh - 1) * sy + ky > ih + pt + pb) pb = (oh - 1) * sy + ky - (ih + pt);
  if (ky == ih + pt + pb) sy = sx;
  L->pads[0] = pl, L->pads[1] = pr, L->pads[2] = pt, L->pads[3] = pb;
  L->g = (HwGeom){.in_c = (int)x->dims[1],
                  .in_h = ih,
                  .in_w = iw,
                  .out_c = (int)y->dims[1],
                  .out_h = oh,
                  .out_w = ow,
                  .kx = kx,
                  .ky = ky,
                  .stride = sx,
                  .pl = pl,
                  .pr = pr,
                  .pt = pt,
                  .pb = pb,
                  .cmx_slices = w->opt->cmx_slices > 0 ? w->opt->cmx_slices : w->opt->shaves};
  L->parts = 1;
  L->part_c = L->g.in_c;
  if (x->dims[0] != 1)
    return L->reason = "batch above 1: the NCE stages are written for batch 1", false;
  if (sx != sy) return L->reason = "different strides in X and Y (compile_tool's canTryHW)", false;
  { /* the output size must follow the floor or ceil rule with the NCE's extra padding */
    int iw2 = iw, ih2 = ih;
    if (iw % 2 == 1 && kx % 2 == 0 && pr == 0) iw2++;
    if (ih % 2 == 1 && ky % 2 == 0 && pb == 0) ih2++;
    int tx = iw2 + pl + pr - kx, ty = ih2 + pt + pb - ky;
    int wf = (tx + sx) / sx, hf = (ty + sy) / sy;
    int wc = (int)ceil((double)tx / sx + 1), hc = (int)ceil((double)ty / sy + 1);
    if ((ow != wc && ow != wf) || (oh != hc && oh != hf))
      return L->reason = "output size the NCE pooling cannot produce", false;
  }
  if (kx > 15 || ky > 15 || sx > 8)
    return L->reason = "kernel above 15 or stride above 8 (the NCE's limits)", false;
  if (kx == 3 && ky == 3 && sx == 2 && !L->pool_max)
    return L->reason = "3x3 stride-2 average pooling (not supported by the NCE, compile_tool)",
           false;
  if ((kx % 2 == 0 || ky % 2 == 0) && !L->pool_max && (iw % 2 == 1 || ih % 2 == 1))
    return L->reason = "average pooling with an even kernel on an odd input (compile_tool)", false;
  if (kx == 5 && ky == 5 && sx == 3 && !L->pool_max)
    return L->reason = "5x5 stride-3 average pooling hangs the device (compile_tool)", false;
  if ((kx % 2 == 0 || ky % 2 == 0) && (iw > 1000 || ih > 700))
    return L->reason = "even kernel on a large input: slower on the NCE (compile_tool)", false;
  if (kx == 3 && ky == 3 && sx == 2 && L->pool_max && pl == 0 && pt == 0 && pr == 2 && pb == 2)
    return L->reason = "3x3 stride-2 max pooling with [2,2] end padding (compile_tool)", false;
  if (exclude && !L->pool_max && ow == 5 && oh == 5 && kx == 5 && ky == 5)
    return L->reason = "5x5 average pooling to 5x5 (compile_tool)", false;
  if (kx == 1 && ky == 1 && !L->pool_max)
    return L->reason = "1x1 average pooling gives 0 on the NCE (compile_tool)", false;
  if (kx == 2 && ky == 2 && sx == 1 && ow % 2 == 0 && oh % 2 == 0 && same_upper)
    return L->reason = "2x2 stride-1 SAME_UPPER pooling (compile_tool)", false;
  if (iw == 382 && ih == 214 && kx == 2 && ky == 2 && sx == 2 && L->pool_max)
    return L->reason = "a shape that hangs the device (compile_tool)", false;
  if (exclude && !L->pool_max && (pl || pr || pt || pb))
    return L->reason =
               "average pooling that excludes padding: the NCE averages over the whole kernel",
           false;
  return true;
}

/* Gemm / MatMul with constant 2-D weights and one row [FC]: rewritten as a k x k stride-k
 * convolution [FC2CONV] with k the largest of 8..1 where k^2 divides the input size (a power
 * of two quotient first). */
static bool plan_fc(W *w, const IrNode *n, HwLayer *L) {
  const IrTensor *a = bw_T(w, n->inputs[0]), *b = bw_T(w, n->inputs[1]),
                 *y = bw_T(w, n->outputs[0]);
  bool gemm = n->op == IR_OP_GEMM;
  L->in = n->inputs[0];
  L->out = n->outputs[0];
  L->bias = gemm && n->n_inputs > 2 ? n->inputs[2] : -1;
  bool ta = false, tb = false;
  float alpha = 1.0f, beta = 1.0f;
  if (gemm) gemm_attrs(w->g, n, &ta, &tb, &alpha, &beta);
  L->fc_transb = tb;
  L->fc_alpha = alpha;
  L->fc_beta = beta;
  int64_t ic = L->fc_transb ? b->dims[1] : b->dims[0], oc = L->fc_transb ? b->dims[0] : b->dims[1];
  L->macs = (uint64_t)ic * oc * (ir_numel(a) / (ic ? ic : 1));
  L->parts = 1;
  if (ir_numel(a) != ic)
    return L->reason = "fully-connected over several rows: the NCE stages are written for batch 1",
           false;
  if (ir_numel(y) == 1)
    return L->reason = "one output value (compile_tool keeps it on SHAVEs)", false;
  if (L->bias >= 0 && ir_numel(bw_T(w, L->bias)) != oc && ir_numel(bw_T(w, L->bias)) != 1)
    return L->reason = "bias not per output channel", false;
  int kk = -1;
  for (int pass = 0; pass < 2 && kk < 0; pass++)
    for (int k = 8; k >= 1; k--) {
      int64_t q = ic / (k * k);
      if (ic >= k * k && ic % (k * k) == 0 && (pass || (q & (q - 1)) == 0)) {
        kk = k;
        break;
      }
    }
  L->fc_k = kk;
  L->g = (HwGeom){.in_c = (int)(ic / (kk * kk)),
                  .in_h = kk,
                  .in_w = kk,
                  .out_c = (int)oc,
                  .out_h = 1,
                  .out_w = 1,
                  .kx = kk,
                  .ky = kk,
                  .stride = kk,
                  .cmx_slices = w->opt->cmx_slices > 0 ? w->opt->cmx_slices : w->opt->shaves};
  L->part_c = L->g.in_c;
  return true;
}

/* [MERGE] getNextPoolStage: the max pooling that follows a 3x3 stride-1 pad-1 convolution
 * (after its fused activation) as its only reader, 2x2 stride 2 without pads, itself an NCE
 * candidate, every size even; -1 when there is none. */
static int poolable_next(W *w, const HwLayer *L) {
  const HwGeom *G = &L->g;
  if (G->kx != 3 || G->ky != 3 || G->stride != 1 || G->pl != 1 || G->pr != 1 || G->pt != 1 ||
      G->pb != 1)
    return -1;
  if (G->in_w % 2 || G->in_h % 2 || G->out_w % 2 || G->out_h % 2) return -1;
  int p = w->reader[L->out];
  if (p < 0 || w->g->nodes[p].dead || w->g->nodes[p].op != IR_OP_MAX_POOL) return -1;
  HwLayer q;
  memset(&q, 0, sizeof q);
  if (!plan_pool(w, &w->g->nodes[p], &q)) return -1;
  const HwGeom *P = &q.g;
  if (P->kx != 2 || P->ky != 2 || P->stride != 2 || P->pl || P->pr || P->pt || P->pb ||
      P->out_w % 2 || P->out_h % 2)
    return -1;
  return p;
}

/* ---- weights analysis [WA] over every layer tried on the NCE, in graph order ---- */

/* isGrowingOutput: no scaling of a network input (through a Convert) below 0.1. */
static bool growing_output(W *w) {
  const IrGraph *g = w->g;
  uint8_t *cast_of_input = arena_alloc(g->arena, (size_t)g->n_tensors + 1);
  memset(cast_of_input, 0, (size_t)g->n_tensors + 1);
  for (int j = 0; j < g->n_nodes; j++)
    if (!g->nodes[j].dead && g->nodes[j].op == IR_OP_CAST &&
        g->tensors[g->nodes[j].inputs[0]].is_input)
      cast_of_input[g->nodes[j].outputs[0]] = 1;
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead || (n->op != IR_OP_MUL && n->op != IR_OP_DIV) || n->n_inputs != 2) continue;
    int a = n->inputs[0], b = n->inputs[1];
    if (ir_is_const(g, a)) {
      int t = a;
      a = b;
      b = t;
    }
    if (!ir_is_const(g, b)) continue;
    if (!g->tensors[a].is_input && !cast_of_input[a]) continue;
    const IrTensor *c = &g->tensors[b];
    for (int64_t k = 0; k < ir_numel(c); k++) {
      double v = ir_const_f64(c, k);
      if (n->op == IR_OP_DIV) v = 1.0 / v;
      if (v < 0.1) return false;
    }
  }
  return true;
}

/* ---- tensor layouts ---- */

/* SW ops whose stages take the NCE layout (rows padded, channels compact): post-ops, eltwise,
 * ScaleShift, Convert, and the Copy-based concat / split (the stride rules of PostOpStage,
 * EltwiseStage, ConvertStage). */
static bool stride_tolerant(const IrGraph *g, const IrNode *n) {
  switch (n->op) {
  case IR_OP_RELU:
  case IR_OP_LEAKY_RELU:
  case IR_OP_SIGMOID:
  case IR_OP_TANH:
  case IR_OP_ELU:
  case IR_OP_EXP:
  case IR_OP_LOG:
  case IR_OP_FLOOR:
  case IR_OP_CEIL:
  case IR_OP_HARD_SWISH:
  case IR_OP_BATCH_NORM:
  case IR_OP_CONCAT:
  case IR_OP_SPLIT: return true;
  case IR_OP_CAST: /* Convert: "only inner stride" compact, rows free (stages/convert.cpp) */
    return g->tensors[n->inputs[0]].dtype != g->tensors[n->outputs[0]].dtype;
  case IR_OP_CLIP:
    for (int k = 1; k < n->n_inputs && k < 3; k++)
      if (n->inputs[k] >= 0 && !ir_is_const(g, n->inputs[k])) return false;
    return true;
  case IR_OP_ADD:
  case IR_OP_SUB:
  case IR_OP_MUL:
  case IR_OP_DIV:
  case IR_OP_MAX:
  case IR_OP_MIN:
    if (n->n_inputs != 2) return false;
    for (int k = 0; k < 2; k++)
      if (n->inputs[k] >= 0 && !ir_is_const(g, n->inputs[k]) && g->tensors[n->inputs[k]].rank != 4)
        return false;
    return g->tensors[n->outputs[0]].rank == 4;
  default: return false;
  }
}

static int hw_temp(W *w, int like, const char *sfx, int c, int h, int wd) {
  int64_t d[4] = {1, c, h, wd};
  int t = bw_temp_dims(w, like, sfx, 4, d);
  Store *s = &w->st[t];
  s->pitch = align16((uint32_t)wd * 2);
  s->lay_h = (uint32_t)h;
  s->lay_c = (uint32_t)c;
  s->bytes = s->pitch * (uint32_t)h * (uint32_t)c;
  return t;
}

/* Which tensors take the NCE layout, and which inputs are widened in place to the channels
 * the mode reads (the producer writes the first C channels of the wider buffer, as
 * compile_tool's Expand does). */
static void plan_layouts(W *w, struct BwHw *H) {
  const IrGraph *g = w->g;
  int nt = g->n_tensors;
  uint8_t *bad = arena_alloc(g->arena, (size_t)nt + 1),
          *used = arena_alloc(g->arena, (size_t)nt + 1);
  int *need = arena_array(g->arena, (size_t)nt + 1, sizeof(int));
  memset(bad, 0, (size_t)nt + 1);
  memset(used, 0, (size_t)nt + 1);
  uint8_t *fused = arena_alloc(g->arena, (size_t)g->n_nodes + 1);
  memset(fused, 0, (size_t)g->n_nodes + 1);
  for (int l = 0; l < H->n; l++) {
    if (H->L[l].nce && H->L[l].post >= 0) fused[H->L[l].post] = 1;
    if (H->L[l].nce && H->L[l].pool >= 0) fused[H->L[l].pool] = 1;
  }
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead || fused[i])
      continue; /* a fused activation's input is never written; its output is the layer's */
    int li = H->layer_of[i];
    bool nce = li >= 0 && H->L[li].nce;
    bool view = bw_is_view_op(n, g);
    for (int k = 0; k < n->n_inputs + n->n_outputs; k++) {
      int t = k < n->n_inputs ? n->inputs[k] : n->outputs[k - n->n_inputs];
      if (t < 0 || ir_is_const(g, t)) continue;
      if (nce) {
        const HwLayer *L = &H->L[li];
        if (t == L->in && L->kind != HWK_FC && !L->pad_stage) {
          used[t] = 1;
          if ((L->parts == 1 || L->oc_split) && L->need_in_c > need[t]) need[t] = L->need_in_c;
        } else if (t != n->outputs[0])
          bad[t] = 1; /* outputs come by Copy from CMX: any layout */
        continue;
      }
      if (view || !stride_tolerant(g, n)) bad[t] = 1;
    }
  }
  for (int t = 0; t < nt; t++) {
    const IrTensor *x = &g->tensors[t];
    Store *s = &w->st[t];
    if (!used[t] || bad[t] || x->rank != 4 || x->dtype != DT_F16 || x->dims[0] != 1 ||
        s->loc != BLOB_LOC_BSS || s->base >= 0)
      continue;
    int c = (int)x->dims[1], h = (int)x->dims[2], wd = (int)x->dims[3];
    if (need[t] > c) {
      int e = hw_temp(w, t, "@hw-extended", need[t], h, wd);
      s = &w->st[t]; /* bw_temp_dims may move the stores */
      s->base = e;
      s->base_offset = 0;
    } else if ((wd * 2) % 16) {
      s->pitch = align16((uint32_t)wd * 2);
      s->lay_h = (uint32_t)h;
      s->lay_c = (uint32_t)c;
      s->bytes = s->pitch * (uint32_t)h * (uint32_t)c;
    }
  }
}

/* ---- the plan ---- */

int bw_hw_plan(W *w, BlobStats *bs) {
  const IrGraph *g = w->g;
  bool off = w->opt->hw_off;
  int cand = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    cand += n->op == IR_OP_CONV || n->op == IR_OP_MAX_POOL || n->op == IR_OP_AVERAGE_POOL ||
            n->op == IR_OP_GLOBAL_AVERAGE_POOL || n->op == IR_OP_GLOBAL_MAX_POOL ||
            ((n->op == IR_OP_GEMM || n->op == IR_OP_MATMUL) && n->n_inputs >= 2 &&
             g->tensors[n->inputs[1]].data && g->tensors[n->inputs[1]].rank == 2 &&
             !(n->op == IR_OP_GEMM && gemm_trans_a(g, n)));
  }
  if (cand == 0) return 0;
  struct BwHw *H = arena_alloc(g->arena, sizeof *H);
  memset(H, 0, sizeof *H);
  H->layer_of = arena_array(g->arena, (size_t)g->n_nodes + 1, sizeof(int));
  H->L = arena_array(g->arena, (size_t)cand, sizeof(HwLayer));
  H->bs = bs;
  for (int i = 0; i < g->n_nodes; i++) H->layer_of[i] = -1;
  bool first = true, growing = growing_output(w);
  uint8_t *fused_pool = arena_alloc(g->arena, (size_t)g->n_nodes + 1);
  memset(fused_pool, 0, (size_t)g->n_nodes + 1);
  int *pool_split = arena_array(g->arena, (size_t)g->n_nodes + 1,
                                sizeof(int)); /* channels per part of a cut pooling */
  int normal_val = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    if (fused_pool[i]) continue; /* part of the convolution before it (CONV_POOL) */
    HwKind kind;
    if (n->op == IR_OP_CONV)
      kind = HWK_CONV;
    else if (n->op == IR_OP_MAX_POOL || n->op == IR_OP_AVERAGE_POOL ||
             n->op == IR_OP_GLOBAL_AVERAGE_POOL || n->op == IR_OP_GLOBAL_MAX_POOL)
      kind = HWK_POOL;
    else if ((n->op == IR_OP_GEMM || n->op == IR_OP_MATMUL) && n->n_inputs >= 2 &&
             g->tensors[n->inputs[1]].data && g->tensors[n->inputs[1]].rank == 2 &&
             !(n->op == IR_OP_GEMM && gemm_trans_a(g, n)))
      kind = HWK_FC;
    else
      continue;
    HwLayer *L = &H->L[H->n];
    memset(L, 0, sizeof *L);
    L->node = i;
    L->kind = kind;
    L->post = -1;
    L->pool = -1;
    L->relu_scale = 1;
    bool tried = kind == HWK_CONV   ? plan_conv(w, n, L)
                 : kind == HWK_POOL ? plan_pool(w, n, L)
                                    : plan_fc(w, n, L);
    H->layer_of[i] = H->n++;
    if (off) {
      L->reason = "--hw off";
      continue;
    }
    if (tried && (bw_T(w, L->in)->dtype != DT_F16 || bw_T(w, L->out)->dtype != DT_F16))
      tried = false, L->reason = "FP32 data: the NCE computes in FP16";
    if (!tried) continue;
    /* [WA] the range scaling is decided for every layer tried on the NCE, before tiling */
    if (L->kind != HWK_POOL) {
      const IrTensor *wt = bw_T(w, n->inputs[1]);
      /* "weights C" of the stub stage: IC/group for a convolution ({KX, KY, IC, OC}), OC for an FC
       * ({W*H, C, OC} is 3-D, so its C is the last) */
      L->shift = bw_hw_weights_shift(bw_halves_of(w, wt), (size_t)ir_numel(wt), &first, &normal_val,
                                     growing, L->kind == HWK_FC,
                                     L->kind == HWK_FC ? L->g.out_c : L->g.in_c);
    }
    /* [MERGE] the following activation */
    if (L->kind != HWK_FC && (L->parts == 1 || L->depthwise)) {
      int p = fusable_post(w, L->out, L, L->kind == HWK_CONV);
      if (p >= 0) {
        L->post = p;
        L->out = g->nodes[p].outputs[0];
      } else {
        L->relu = L->clamp = false;
        L->relu_scale = 1;
      }
    }
    /* [PAD] pads the NCE cannot apply: a Pad stage first */
    HwGeom *G = &L->g;
    if (L->kind == HWK_CONV) {
      bool zero = !G->pl && !G->pr && !G->pt && !G->pb;
      bool sym = G->pl == G->kx / 2 && G->pt == G->ky / 2 && G->pr == (G->kx - 1) / 2 &&
                 G->pb == (G->ky - 1) / 2;
      L->pad_stage = !zero && !sym;
    } else if (L->kind == HWK_POOL) {
      bool force = false;
      if (G->kx % 2 == 0 && G->in_w % 2 == 1) {
        if (G->pr == 0) G->pr = 1;
        force = true;
      }
      if (G->ky % 2 == 0 && G->in_h % 2 == 1) {
        if (G->pb == 0) G->pb = 1;
        force = true;
      }
      HwPad p = bw_hw_padding(G->in_w, G->in_h, G->out_w, G->out_h, G->kx, G->ky, G->stride, G->pl,
                              G->pt);
      bool ok =
          (p.left == 0 || p.left == G->kx / 2) && (p.right == 0 || p.right == (G->kx - 1) / 2) &&
          (p.top == 0 || p.top == G->ky / 2) && (p.bottom == 0 || p.bottom == (G->ky - 1) / 2);
      L->pad_stage = force || !ok;
    }
    if (L->pad_stage) {
      L->pads[0] = G->pl, L->pads[1] = G->pr, L->pads[2] = G->pt, L->pads[3] = G->pb;
      G->in_w += G->pl + G->pr;
      G->in_h += G->pt + G->pb;
      G->pl = G->pr = G->pt = G->pb = 0;
    }
    /* [DEPTH] depthwise: diagonal tiles of T channels, T of least total cost */
    if (L->depthwise) {
      int C = G->in_c * L->parts, best_t = C;
      double best = -1;
      for (int t = 1; t < C; t++) {
        HwConvTile f = bw_hw_split_out_channels(G->in_w, G->in_h, t, t, G->kx, G->ky, G->stride);
        if (f.num_descr == 0) continue;
        double cost = (double)f.cost * div_up(C, t);
        if (best < 0 || cost < best) best = cost, best_t = t;
      }
      L->part_c = best_t;
      L->parts = div_up(C, best_t);
      G->in_c = G->out_c = best_t;
    }
    /* [SPLIT] split_hw_conv_and_pool.cpp: a convolution whose output is over the CMX budget and
     * whose only reader is an NCE pooling is cut over output channels (128, 64 or 32 per part,
     * what fits), the pooling with it */
    if (pool_split[i]) {
      L->parts = (int)(bw_T(w, n->inputs[0])->dims[1] / pool_split[i]);
      L->part_c = G->in_c = G->out_c = pool_split[i];
    }
    if (L->kind == HWK_CONV && L->parts == 1 && !L->depthwise && !L->pad_stage) {
      int p = w->reader[L->out];
      HwLayer q;
      memset(&q, 0, sizeof q);
      int64_t limit = bw_hw_cmx_limit(G->cmx_slices);
      if (p >= 0 && !g->nodes[p].dead &&
          (g->nodes[p].op == IR_OP_MAX_POOL || g->nodes[p].op == IR_OP_AVERAGE_POOL) &&
          bw_hw_buffer_size(G->out_c, G->out_h, G->out_w) > limit && poolable_next(w, L) < 0 &&
          plan_pool(w, &g->nodes[p], &q)) {
        static const int TILE[3] = {128, 64, 32};
        for (int k = 0; k < 3; k++)
          if (G->out_c >= TILE[k] && G->out_c % TILE[k] == 0 &&
              bw_hw_buffer_size(TILE[k], G->out_h, G->out_w) <= limit) {
            L->oc_split = true;
            L->parts = G->out_c / TILE[k];
            L->part_c = G->out_c = TILE[k];
            pool_split[p] = TILE[k];
            break;
          }
      }
    }
    /* [MERGE] a following 2x2 stride-2 max pooling becomes part of the op (CONV_POOL) */
    int pool = L->kind == HWK_CONV && L->parts == 1 && !L->pad_stage ? poolable_next(w, L) : -1;
    if (pool >= 0) {
      const IrTensor *py = bw_T(w, g->nodes[pool].outputs[0]);
      G->with_pool = true;
      G->conv_out_h = G->out_h, G->conv_out_w = G->out_w;
      G->out_h = (int)py->dims[2], G->out_w = (int)py->dims[3];
    }
    /* tiling of a part and of the last part */
    L->tl = arena_alloc(g->arena, sizeof(HwTiling));
    bool fits = L->kind == HWK_POOL ? bw_hw_pool_tiling(G, L->tl) : bw_hw_conv_tiling(G, L->tl);
    if (pool >= 0 && fits) {
      L->pool = pool;
      L->out = g->nodes[pool].outputs[0];
      fused_pool[pool] = 1;
    } else if (pool >= 0) { /* [TILER] no tiling with the pooling: the convolution alone */
      G->with_pool = false;
      G->out_h = G->conv_out_h, G->out_w = G->conv_out_w;
      fits = bw_hw_conv_tiling(G, L->tl);
    }
    L->tl_last = L->tl;
    int last_c = L->depthwise ? (int)(bw_T(w, L->in)->dims[1] - (int64_t)(L->parts - 1) * L->part_c)
                              : G->in_c;
    if (fits && L->depthwise && last_c != G->in_c) {
      HwGeom g2 = *G;
      g2.in_c = g2.out_c = last_c;
      L->tl_last = arena_alloc(g->arena, sizeof(HwTiling));
      fits = bw_hw_conv_tiling(&g2, L->tl_last);
    }
    if (!fits) {
      L->reason = "no tiling fits the NCE within the CMX budget";
      L->relu = L->clamp = false;
      L->post = -1;
      L->out = n->outputs[0];
      continue;
    }
    if (L->kind != HWK_POOL && (L->parts == 1 || L->oc_split)) {
      const HwTiling *t = L->tl;
      int m = 0;
      for (int a = 0; a < t->n_h; a++)
        for (int b = 0; b < t->n_w; b++) {
          HwConvTile f = bw_hw_split_out_channels(t->wd[b].in_with_junk, t->h[a].in_with_junk,
                                                  t->tile_c, G->out_c, G->kx, G->ky, G->stride);
          if ((t->n_c - 1) * t->tile_c + f.ext_in_c > m) m = (t->n_c - 1) * t->tile_c + f.ext_in_c;
        }
      L->need_in_c = m;
    }
    L->nce = true;
  }
  w->hw = H;
  plan_layouts(w, H);
  /* the const section grows by the NCE layouts (channels rounded up, diagonal tiles): reserve
   * it now so adding them never moves what is already there */
  size_t more = 0;
  for (int l = 0; l < H->n; l++) {
    const HwLayer *L = &H->L[l];
    if (!L->nce || L->kind == HWK_POOL) continue;
    size_t tc = (size_t)(L->tl->tile_c + 15) / 16 * 16, oc = (size_t)(L->g.out_c + 7) / 8 * 8;
    more += (size_t)L->parts *
            ((size_t)L->tl->n_c * (2 * (size_t)L->g.kx * L->g.ky * tc * oc + 64) + 4 * oc + 128);
  }
  if (more && w->cst.len == 0) { /* nothing in it yet: a fresh block rather than a copy */
    size_t cap = w->cst.cap + more;
    buf_free(&w->cst);
    buf_reserve(&w->cst, cap);
  } else if (more) {
    buf_reserve(&w->cst, w->cst.cap - w->cst.len + more);
  }
  bs->hw_layers = arena_array(g->arena, (size_t)H->n + 1, sizeof(BlobHwLayer));
  bs->n_hw_layers = H->n;
  for (int l = 0; l < H->n; l++) {
    const HwLayer *L = &H->L[l];
    BlobHwLayer *o = &bs->hw_layers[l];
    o->node = g->nodes[L->node].name;
    o->op = g->nodes[L->node].op_type;
    o->kind = L->kind == HWK_POOL            ? "pool"
              : L->kind == HWK_FC            ? "fc"
              : L->depthwise                 ? "depthwise"
              : L->parts > 1 && !L->oc_split ? "grouped"
                                             : "conv";
    o->first_stage = o->last_stage = -1;
    o->nce = L->nce;
    o->reason = L->nce ? NULL : (L->reason ? L->reason : "not taken");
    o->macs = L->macs;
    bs->macs += L->macs;
    if (L->nce) bs->macs_nce += L->macs;
  }
  return 0;
}

/* ---- emission helpers ---- */

/* An NCE buffer: FP16, 4-D, W contiguous, rows and data offset 16-byte aligned [MX]. */
static bool hw_ok(W *w, const BRef *r) {
  if (r->ndims != 4 || r->dt != BLOB_DT_FP16 || r->strides[0] != 2 || r->strides[1] % 16 ||
      r->strides[2] % 16)
    return false;
  uint32_t off = r->roi_offset, extra = 0;
  if (r->tensor >= 0) bw_root_of(w, r->tensor, &extra);
  return (off + extra) % 16 == 0;
}

static void put_u32s(Buf *b, const uint32_t *v, int n) {
  for (int i = 0; i < n; i++) buf_put_u32(b, v[i]);
}

/* Eltwise Sum a + b -> y (partial sums over input channels, [TILER]). */
static void emit_sum(W *w, BRef a, BRef y, BRef b) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_SUM, false);
  buf_put_f32(&s->params, 1.0f);
  buf_put_f32(&s->params, 1.0f);
  buf_put_i32(&s->params, -1);
  buf_put_f32(&s->params, 0.0f);
  buf_put_f32(&s->params, 0.0f);
  buf_put_f32(&s->params, 1.0f);
  bw_add_buf(s, a);
  bw_add_buf(s, y);
  bw_add_buf(s, b);
  bw_add_buf(s, bw_fake_ref());
}

/* The activation as a SHAVE stage (after partial sums, [TILER]). */
static void emit_act(W *w, const HwLayer *L, BRef in, BRef out) {
  Stage *s;
  if (L->clamp) {
    s = bw_new_stage(w, BLOB_STAGE_CLAMP, true);
    buf_put_f32(&s->params, 0.0f);
    buf_put_f32(&s->params, L->clamp_max);
  } else {
    s = bw_new_stage(w, L->slope != 0.0f ? BLOB_STAGE_LEAKY_RELU : BLOB_STAGE_RELU, true);
    buf_put_u32(&s->params, 0);
    buf_put_f32(&s->params, L->slope);
  }
  bw_add_buf(s, in);
  bw_add_buf(s, out);
}

/* A padded temporary with the dims of view r (4-D), and its view. */
static BRef temp_like_view(W *w, int like, const char *sfx, const BRef *r, int *t) {
  *t = hw_temp(w, like, sfx, (int)r->dims[2], (int)r->dims[1], (int)r->dims[0]);
  return bw_view(w, *t);
}

/* ROI of a 4-D view over H (axis 2) and W (axis 3). */
static BRef roi_hw(BRef r, int h0, int hn, int w0, int wn) {
  bw_roi(&r, 2, (uint32_t)h0, (uint32_t)hn);
  bw_roi(&r, 3, (uint32_t)w0, (uint32_t)wn);
  return r;
}

/* One MyriadXHwOp convolution stage: op list [FIN] then buffers input, weights, [biases],
 * [scales], output [MX]. */
static void conv_stage(W *w, const HwLayer *L, const HwGeom *g, const HwConvTile *f, BRef in,
                       BRef wts, const BRef *bias, const BRef *scales, BRef out, bool act) {
  Stage *s = bw_new_stage(w, BLOB_STAGE_MYRIAD_X_HW_OP, false);
  int pool = g->with_pool ? 2 : 1; /* CONV_POOL: the padding of the convolution's own output */
  HwPad pad = bw_hw_padding((int)in.dims[0], (int)in.dims[1], (int)out.dims[0] * pool,
                            (int)out.dims[1] * pool, g->kx, g->ky, g->stride, g->pl, g->pt);
  int bi = 2, si = bias ? 3 : 2, oi = 2 + (bias != NULL) + (scales != NULL);
  buf_put_u32(&s->params, (uint32_t)f->num_descr);
  for (int d = 0; d < f->num_descr; d++) {
    buf_put_u32(&s->params, g->with_pool ? BLOB_HW_OP_CONV_POOL : BLOB_HW_OP_CONV);
    buf_put_u32(&s->params, (uint32_t)f->mode);
    buf_put_u32(&s->params, pad.enable);
    if (pad.enable) buf_put_u32(&s->params, BLOB_HW_PAD_WITH_ZEROS);
    buf_put_i32(&s->params, 0);
    buf_put_i32(&s->params, oi);
    buf_put_i32(&s->params, 1);
    buf_put_i32(&s->params, bias ? bi : BLOB_HW_NO_BUFFER);
    buf_put_i32(&s->params, scales ? si : BLOB_HW_NO_BUFFER);
    uint32_t chans = (uint32_t)(d == f->num_descr - 1 ? f->last_out : f->out_per_descr);
    uint32_t v[5] = {(uint32_t)(d * f->out_per_descr), chans, (uint32_t)g->kx, (uint32_t)g->ky,
                     (uint32_t)g->stride};
    put_u32s(&s->params, v, 5);
    if (g->with_pool) {
      buf_put_u32(&s->params, 2); /* poolKernelWidth */
      buf_put_u32(&s->params, 2); /* poolKernelHeight */
    }
    bool relu = act && L->relu, clamp = act && L->clamp;
    buf_put_u32(&s->params, relu);
    if (relu) {
      uint32_t r[3] = {0, L->a0, L->a1};
      put_u32s(&s->params, r, 3);
    }
    buf_put_u32(&s->params, clamp);
    if (clamp) buf_put_f32(&s->params, L->clamp_max);
    buf_put_u32(&s->params, 0); /* reuseData */
    buf_put_u32(&s->params, 0); /* reuseCoeff */
  }
  buf_put_u32(&s->params, 0); /* no injected stage */
  bw_add_buf(s, in);
  bw_add_buf(s, wts);
  if (bias) bw_add_buf(s, *bias);
  if (scales) bw_add_buf(s, *scales);
  bw_add_buf(s, out);
}

/* Source weights of one part as [OC][IC][K] FP16, scaled: the layer's own, a group's slice,
 * a diagonal tile of a depthwise layer [DEPTH], or an FC matrix read as k x k kernels. */
static const uint16_t *part_weights(W *w, const HwLayer *L, const uint16_t *all, int part, int pc) {
  const IrNode *n = &w->g->nodes[L->node];
  int K = L->g.kx * L->g.ky;
  if (L->depthwise) {
    uint16_t *d = arena_array(w->g->arena, (size_t)pc * pc * K + 1, 2);
    for (int i = 0; i < pc; i++)
      memcpy(d + ((size_t)i * pc + i) * K, all + ((size_t)part * L->part_c + i) * K, (size_t)K * 2);
    return d;
  }
  if (L->kind == HWK_FC) {
    const IrTensor *b = bw_T(w, n->inputs[1]);
    int64_t ic = L->g.in_c * (int64_t)K, oc = L->g.out_c;
    if (!L->fc_transb && L->fc_alpha == 1.0) { /* [IC][OC] -> [OC][IC] */
      uint16_t *d = arena_array(w->g->arena, (size_t)(ic * oc) + 1, 2);
      for (int64_t o = 0; o < oc; o++)
        for (int64_t i = 0; i < ic; i++) d[o * ic + i] = all[i * oc + o];
      return d;
    }
    if (L->fc_alpha != 1.0) {
      uint16_t *d = arena_array(w->g->arena, (size_t)(ic * oc) + 1, 2);
      for (int64_t o = 0; o < oc; o++)
        for (int64_t i = 0; i < ic; i++)
          d[o * ic + i] = fp16_from_f32(
              (float)(ir_const_f64(b, L->fc_transb ? o * ic + i : i * oc + o) * L->fc_alpha));
      return d;
    }
    return all;
  }
  return all + (size_t)part * L->g.out_c * L->g.in_c * K;
}

/* The input of a part as an NCE buffer with `need` channels (from channel c0, n real ones):
 * the tensor itself when its layout fits (widened in place by the plan), else a Copy into a
 * padded temporary. */
static BRef part_input(W *w, const HwLayer *L, BRef src, int c0, int n, int need) {
  BRef r = src;
  bw_roi(&r, 1, (uint32_t)c0, (uint32_t)n);
  if (need == n && hw_ok(w, &r)) return r;
  if ((L->parts == 1 || L->oc_split) && need > n && src.tensor >= 0) {
    const Store *st = &w->st[bw_root_of(w, src.tensor, NULL)];
    if (w->st[src.tensor].base >= 0 && st->lay_c >= (uint32_t)need && hw_ok(w, &r)) {
      r.dims[2] = (uint32_t)need;
      return r;
    }
  }
  BRef full = r;
  full.dims[2] = (uint32_t)need;
  int t;
  BRef e = temp_like_view(w, L->out, "@hw-in", &full, &t), dst = e;
  bw_roi(&dst, 1, 0, (uint32_t)n);
  bw_copy_stage(w, r, dst);
  return e;
}

/* The buffer an NCE stage writes: a temporary in CMX, as compile_tool gives every HW output
 * ([ADL] adjust_data_location.cpp collectMemReqs: "Use CMX for HW Stage output"; all 679 HW
 * stages of the real blobs write CMX). A Copy (DMA, no SHAVE) moves it out right after, so
 * at most one such buffer is live and no SHAVE stage runs while CMX holds data (the SHAVEs use
 * the free slices, allocator/shaves.cpp): each sits at the top of CMX, where the allocator
 * starts. Its size is within the tiling limit, below the CMX size. */
static BRef cmx_out(W *w, const HwLayer *L, int c, int h, int wd) {
  int t = hw_temp(w, L->out, "@hw-cmx", c, h, wd);
  Store *s = &w->st[t];
  uint32_t slices = (uint32_t)(w->opt->cmx_slices > 0 ? w->opt->cmx_slices : w->opt->shaves);
  s->loc = BLOB_LOC_CMX;
  s->offset = slices * BLOB_CMX_SLICE_SIZE - (uint32_t)align_up(s->bytes, BLOB_DATA_ALIGN);
  return bw_view(w, t);
}

/* A BSS temporary of the view's dims. */
static BRef bss_like(W *w, const HwLayer *L, const char *sfx, const BRef *r) {
  int64_t d[4] = {1, r->dims[2], r->dims[1], r->dims[0]};
  return bw_view(w, bw_temp_dims(w, L->out, sfx, 4, d));
}

/* The valid part of a tile output (junk lines dropped) copied to its place. */
static void copy_out(W *w, BRef src, const HwPlane *hp, const HwPlane *wp, BRef dst) {
  bw_copy_stage(w,
                roi_hw(src, hp->junk_before, hp->out_end - hp->out_start, wp->junk_before,
                       wp->out_end - wp->out_start),
                dst);
}

/* Emits the stages of one part of a convolution [TILER]: per plane tile and input-channel
 * tile one MyriadXHwOp writing CMX, then a Copy out; partial sums (Sum stages) over
 * input-channel tiles with the activation as a SHAVE stage after the last; junk lines
 * dropped by the Copy; input tiles that do not start on 16 bytes copied to an aligned
 * buffer first. */
static void emit_conv_part(W *w, HwLayer *L, const HwGeom *g, const HwTiling *t, BRef in, BRef out,
                           const uint16_t *wts, const uint16_t *bias, const uint16_t *scales,
                           uint16_t scale_pad) {
  int K = g->kx * g->ky, ext_oc = (g->out_c + 7) / 8 * 8;
  BRef wc[BW_HW_MAX_PLANE];
  bool have_wc[BW_HW_MAX_PLANE];
  memset(have_wc, 0, sizeof have_wc);
  BRef bref, sref;
  if (bias) bref = bw_hw_vec_const(w, bias, g->out_c, ext_oc, 0);
  if (scales) sref = bw_hw_vec_const(w, scales, g->out_c, ext_oc, scale_pad);
  for (int i = 0; i < t->n_h; i++)
    for (int j = 0; j < t->n_w; j++) {
      const HwPlane *hp = &t->h[i], *wp = &t->wd[j];
      BRef tgt = roi_hw(out, hp->out_start, hp->out_end - hp->out_start, wp->out_start,
                        wp->out_end - wp->out_start);
      bool junk = hp->junk_before || hp->junk_after || wp->junk_before || wp->junk_after;
      BRef acc;
      memset(&acc, 0, sizeof acc);
      for (int c = 0; c < t->n_c; c++) {
        HwConvTile f = bw_hw_split_out_channels(wp->in_with_junk, hp->in_with_junk, t->tile_c,
                                                g->out_c, g->kx, g->ky, g->stride);
        BRef it = roi_hw(in, hp->in_start, hp->in_with_junk, wp->in_start, wp->in_with_junk);
        bw_roi(&it, 1, (uint32_t)(c * t->tile_c), (uint32_t)f.ext_in_c);
        if ((wp->in_start * 2) % 16) {
          int ta;
          BRef al = temp_like_view(w, L->out, "@hw-aligned", &it, &ta);
          bw_copy_stage(w, it, al);
          it = al;
        }
        BRef wr;
        if (c < BW_HW_MAX_PLANE && have_wc[c])
          wr = wc[c];
        else { /* one weights const per channel tile, as compile_tool keys them */
          wr = bw_hw_weights_const(w, wts, g->out_c, g->in_c, K, c * t->tile_c, t->tile_c,
                                   f.ext_in_c, ext_oc, L->shift);
          if (c < BW_HW_MAX_PLANE) wc[c] = wr, have_wc[c] = true;
        }
        BRef cm = cmx_out(w, L, g->out_c, hp->out_with_junk, wp->out_with_junk);
        conv_stage(w, L, g, &f, it, wr, bias && c == 0 ? &bref : NULL, scales ? &sref : NULL, cm,
                   t->n_c == 1);
        L->n_stages++;
        if (t->n_c == 1) {
          copy_out(w, cm, hp, wp, tgt);
          continue;
        }
        BRef part = bss_like(w, L, "@hw-partial", &cm);
        bw_copy_stage(w, cm, part);
        if (c == 0) {
          acc = part;
          continue;
        }
        bool last = c == t->n_c - 1, act = L->relu || L->clamp;
        BRef sum = last && !act && !junk ? tgt : bss_like(w, L, "@hw-accum", &cm);
        emit_sum(w, acc, sum, part);
        acc = sum;
        if (last && act) {
          BRef a = junk ? bss_like(w, L, "@hw-act", &cm) : tgt;
          emit_act(w, L, sum, a);
          acc = a;
        }
        if (last && junk) copy_out(w, acc, hp, wp, tgt);
      }
    }
}

/* Emits the stages of a pooling layer: one MyriadXHwOp per plane tile writing CMX, ops of 16
 * channels in mode 16_16, replicated-edge padding for max pooling [FIN], [POOL]; a Copy out. */
static void emit_pool(W *w, HwLayer *L, BRef in, BRef out) {
  const HwGeom *g = &L->g;
  const HwTiling *t = L->tl;
  int nd = div_up(g->in_c, 16);
  for (int i = 0; i < t->n_h; i++)
    for (int j = 0; j < t->n_w; j++) {
      const HwPlane *hp = &t->h[i], *wp = &t->wd[j];
      BRef it = roi_hw(in, hp->in_start, hp->in_with_junk, wp->in_start, wp->in_with_junk);
      if ((wp->in_start * 2) % 16) {
        int ta;
        BRef al = temp_like_view(w, L->out, "@hw-aligned", &it, &ta);
        bw_copy_stage(w, it, al);
        it = al;
      }
      BRef tgt = roi_hw(out, hp->out_start, hp->out_end - hp->out_start, wp->out_start,
                        wp->out_end - wp->out_start);
      BRef dst = cmx_out(w, L, g->out_c, hp->out_with_junk, wp->out_with_junk);
      /* the tile's pads: the layer's at the edges it touches, what the output needs elsewhere */
      int padw = (wp->out_with_junk - 1) * g->stride + g->kx - wp->in_with_junk;
      int padh = (hp->out_with_junk - 1) * g->stride + g->ky - hp->in_with_junk;
      HwPad pad;
      pad.left = g->pl;
      pad.right = g->in_w <= wp->in_end ? g->pr : padw - pad.left;
      pad.top = g->pt;
      pad.bottom = g->in_h <= hp->in_end ? g->pb : padh - pad.top;
      pad.enable = pad.left || pad.right || pad.top || pad.bottom;
      uint32_t mode = BLOB_HW_PAD_WITH_ZEROS;
      if (L->pool_max) {
        if (pad.left > 0) mode |= BLOB_HW_PAD_REPEAT_LEFT_EDGE;
        if (pad.right > 0) mode |= BLOB_HW_PAD_REPEAT_RIGHT_EDGE;
        if (pad.top > 0) mode |= BLOB_HW_PAD_REPEAT_TOP_EDGE;
        if (pad.bottom > 0) mode |= BLOB_HW_PAD_REPEAT_BOTTOM_EDGE;
      }
      Stage *s = bw_new_stage(w, BLOB_STAGE_MYRIAD_X_HW_OP, false);
      buf_put_u32(&s->params, (uint32_t)nd);
      for (int d = 0; d < nd; d++) {
        buf_put_u32(&s->params, BLOB_HW_OP_POOL);
        buf_put_u32(&s->params, L->pool_max ? BLOB_HW_POOL_MAX : BLOB_HW_POOL_AVERAGE);
        buf_put_u32(&s->params, BLOB_HW_MODE_16_16);
        buf_put_u32(&s->params, pad.enable);
        if (pad.enable) buf_put_u32(&s->params, mode);
        int32_t ind[5] = {0, 1, BLOB_HW_NO_BUFFER, BLOB_HW_NO_BUFFER, BLOB_HW_NO_BUFFER};
        for (int k = 0; k < 5; k++) buf_put_i32(&s->params, ind[k]);
        uint32_t chans = (uint32_t)(d == nd - 1 ? g->in_c - d * 16 : 16);
        uint32_t v[5] = {(uint32_t)(d * 16), chans, (uint32_t)g->kx, (uint32_t)g->ky,
                         (uint32_t)g->stride};
        put_u32s(&s->params, v, 5);
        buf_put_u32(&s->params, L->relu);
        if (L->relu) {
          uint32_t r[3] = {0, 0, 1};
          put_u32s(&s->params, r, 3);
        }
        buf_put_u32(&s->params, 0); /* withClamp */
        buf_put_u32(&s->params, 0);
        buf_put_u32(&s->params, 0);
      }
      buf_put_u32(&s->params, 0);
      bw_add_buf(s, it);
      bw_add_buf(s, dst);
      L->n_stages++;
      copy_out(w, dst, hp, wp, tgt);
    }
}

/* A Pad stage in front of an NCE layer whose pads the NCE cannot apply [PAD]: zeros for
 * convolution and average pooling, edge values for max pooling. Returns the padded tensor. */
static int emit_pad_stage(W *w, const HwLayer *L) {
  const IrTensor *x = bw_T(w, L->in);
  int64_t d[4] = {1, x->dims[1], x->dims[2] + L->pads[2] + L->pads[3],
                  x->dims[3] + L->pads[0] + L->pads[1]};
  int t = bw_temp_dims(w, L->in, "@hw-padded", 4, d);
  Stage *s = bw_new_stage(w, BLOB_STAGE_PAD, false);
  uint32_t p[8] = {(uint32_t)L->pads[0],
                   (uint32_t)L->pads[1],
                   (uint32_t)L->pads[2],
                   (uint32_t)L->pads[3],
                   0,
                   0,
                   0,
                   0};
  put_u32s(&s->params, p, 8);
  buf_put_f32(&s->params, 0.0f);
  buf_put_u32(&s->params, L->kind == HWK_POOL && L->pool_max ? 1u : 0u); /* Edge / Constant */
  bw_add_buf(s, bw_view(w, L->in));
  bw_add_buf(s, bw_view(w, t));
  return t;
}

/* ---- lowering ---- */

int bw_hw_lower(W *w, int i) {
  struct BwHw *H = w->hw;
  if (!H || H->layer_of[i] < 0 || !H->L[H->layer_of[i]].nce) return BW_HW_NOT_TAKEN;
  HwLayer *L = &H->L[H->layer_of[i]];
  const IrNode *n = &w->g->nodes[i];
  HwGeom *g = &L->g;
  int first = w->n_stages;
  int x = L->pad_stage ? emit_pad_stage(w, L) : L->in;
  /* the whole output: each HW stage writes CMX and a Copy puts its part here (any strides) */
  BRef out = bw_view(w, L->out);
  if (L->kind == HWK_FC) { /* [1, OC, 1, 1] over the compact output */
    uint32_t oc = (uint32_t)g->out_c;
    out.ndims = 4;
    out.order = BLOB_ORDER_NCHW;
    uint32_t d[4] = {1, 1, oc, 1}, s[4] = {2, 2, 2, 2 * oc};
    memcpy(out.dims, d, sizeof d);
    memcpy(out.strides, s, sizeof s);
  }
  if (L->kind == HWK_POOL) {
    for (int p = 0; p < L->parts; p++) { /* parts over channels when cut with its convolution */
      BRef pout = out;
      bw_roi(&pout, 1, (uint32_t)(p * g->in_c), (uint32_t)g->in_c);
      emit_pool(w, L, part_input(w, L, bw_view(w, x), p * g->in_c, g->in_c, g->in_c), pout);
    }
  } else {
    BRef src = bw_view(w, x);
    if (L->kind == HWK_FC) { /* the input seen as [1, S/k^2, k, k] (a reshape) */
      uint32_t k = (uint32_t)L->fc_k, c = (uint32_t)g->in_c;
      src.ndims = 4;
      src.order = BLOB_ORDER_NCHW;
      uint32_t d[4] = {k, k, c, 1}, s[4] = {2, 2 * k, 2 * k * k, 2 * k * k * c};
      memcpy(src.dims, d, sizeof d);
      memcpy(src.strides, s, sizeof s);
    }
    const IrTensor *wt = bw_T(w, n->inputs[1]);
    const uint16_t *all = bw_halves_of(w, wt); /* scaled by 2^shift as they are laid out */
    int64_t total_c = L->depthwise || L->parts > 1 ? bw_T(w, L->in)->dims[1] : g->in_c;
    for (int p = 0; p < L->parts; p++) {
      int pc =
          L->depthwise && p == L->parts - 1 ? (int)(total_c - (int64_t)p * L->part_c) : L->part_c;
      HwGeom gp = *g;
      const HwTiling *t = L->depthwise && p == L->parts - 1 ? L->tl_last : L->tl;
      if (L->depthwise) gp.in_c = gp.out_c = pc;
      int need = L->parts == 1 || L->oc_split ? L->need_in_c : 0;
      if (L->parts > 1 &&
          !L->oc_split) { /* each part reads its own channels, widened by a copy when needed */
        need = 0;
        for (int a = 0; a < t->n_h; a++)
          for (int b = 0; b < t->n_w; b++) {
            HwConvTile f = bw_hw_split_out_channels(t->wd[b].in_with_junk, t->h[a].in_with_junk,
                                                    t->tile_c, gp.out_c, gp.kx, gp.ky, gp.stride);
            if ((t->n_c - 1) * t->tile_c + f.ext_in_c > need)
              need = (t->n_c - 1) * t->tile_c + f.ext_in_c;
          }
      }
      int c0 = L->depthwise ? p * L->part_c : L->oc_split ? 0 : p * gp.in_c;
      int oc0 = L->depthwise ? p * L->part_c : p * gp.out_c;
      BRef pin = part_input(w, L, src, c0, gp.in_c, need);
      BRef pout = out;
      bw_roi(&pout, 1, (uint32_t)oc0, (uint32_t)gp.out_c);
      const uint16_t *pw = part_weights(w, L, all, p, pc);
      uint16_t *bias = NULL;
      if (L->bias >= 0)
        bias =
            bw_hw_biases(w, L->bias, oc0, gp.out_c, L->shift, L->kind == HWK_FC ? L->fc_beta : 1.0);
      uint16_t pad = 0;
      uint16_t *scales = bw_hw_scales(w, gp.out_c, L->shift, L->relu_scale, t->n_c > 1, &pad);
      emit_conv_part(w, L, &gp, t, pin, pout, pw, bias, scales, pad);
    }
  }
  ASSERT(L->n_stages > 0); /* a layer planned for the NCE always gets its stages */
  if (L->post >= 0) w->done[L->post] = 1;
  if (L->pool >= 0) w->done[L->pool] = 1;
  if (H->bs) {
    BlobHwLayer *o = &H->bs->hw_layers[H->layer_of[i]];
    o->n_stages = L->n_stages;
    o->first_stage = first;
    o->last_stage = w->n_stages - 1;
  }
  return 0;
}
