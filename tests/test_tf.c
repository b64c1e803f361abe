/* tests/test_tf.c — TensorFlow frontend: GraphDefs built in memory with the generated structs. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_read.h"
#include "compiler/compile.h"
#include "compiler/frontend/tf.h"
#include "compiler/ref/ref.h"

#if defined(__has_include)
#if __has_include("tf.pb-c.h")
#define HAVE_PB 1
#endif
#endif

#ifdef HAVE_PB
#include "tf.pb-c.h"

/* ---- GraphDef building: everything malloc'd, released by free_unpacked ---- */

static void *xcalloc(size_t n) {
  void *p = calloc(1, n);
  assert_non_null(p);
  return p;
}

static char *xstrdup(const char *s) {
  char *p = strdup(s);
  assert_non_null(p);
  return p;
}

static Tensorflow__GraphDef *gd_new(void) {
  Tensorflow__GraphDef *gd = xcalloc(sizeof *gd);
  tensorflow__graph_def__init(gd);
  return gd;
}

static void gd_free(Tensorflow__GraphDef *gd) { tensorflow__graph_def__free_unpacked(gd, NULL); }

/* A node op `name` reading the NULL-terminated input list. */
static Tensorflow__NodeDef *nd(Tensorflow__GraphDef *gd, const char *op, const char *name, ...) {
  Tensorflow__NodeDef *n = xcalloc(sizeof *n);
  tensorflow__node_def__init(n);
  n->name = xstrdup(name);
  n->op = xstrdup(op);
  va_list ap;
  va_start(ap, name);
  for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) {
    n->input = realloc(n->input, (n->n_input + 1) * sizeof *n->input);
    assert_non_null(n->input);
    n->input[n->n_input++] = xstrdup(s);
  }
  va_end(ap);
  gd->node = realloc(gd->node, (gd->n_node + 1) * sizeof *gd->node);
  assert_non_null(gd->node);
  gd->node[gd->n_node++] = n;
  return n;
}

static Tensorflow__AttrValue *attr(Tensorflow__NodeDef *n, const char *key) {
  Tensorflow__NodeDef__AttrEntry *e = xcalloc(sizeof *e);
  tensorflow__node_def__attr_entry__init(e);
  e->key = xstrdup(key);
  e->value = xcalloc(sizeof *e->value);
  tensorflow__attr_value__init(e->value);
  n->attr = realloc(n->attr, (n->n_attr + 1) * sizeof *n->attr);
  assert_non_null(n->attr);
  n->attr[n->n_attr++] = e;
  return e->value;
}

static void a_s(Tensorflow__NodeDef *n, const char *key, const char *s) {
  Tensorflow__AttrValue *v = attr(n, key);
  v->value_case = TENSORFLOW__ATTR_VALUE__VALUE_S;
  v->s.len = strlen(s);
  v->s.data = (uint8_t *)xstrdup(s);
}

static void a_b(Tensorflow__NodeDef *n, const char *key, bool b) {
  Tensorflow__AttrValue *v = attr(n, key);
  v->value_case = TENSORFLOW__ATTR_VALUE__VALUE_B;
  v->b = b;
}

static void a_f(Tensorflow__NodeDef *n, const char *key, float f) {
  Tensorflow__AttrValue *v = attr(n, key);
  v->value_case = TENSORFLOW__ATTR_VALUE__VALUE_F;
  v->f = f;
}

static void a_ints(Tensorflow__NodeDef *n, const char *key, int cnt, const int64_t *vals) {
  Tensorflow__AttrValue *v = attr(n, key);
  v->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
  v->list = xcalloc(sizeof *v->list);
  tensorflow__attr_value__list_value__init(v->list);
  v->list->n_i = (size_t)cnt;
  v->list->i = xcalloc(sizeof(int64_t) * (size_t)(cnt ? cnt : 1));
  memcpy(v->list->i, vals, sizeof(int64_t) * (size_t)cnt);
}

static Tensorflow__TensorShapeProto *shape(int rank, const int64_t *dims) {
  Tensorflow__TensorShapeProto *s = xcalloc(sizeof *s);
  tensorflow__tensor_shape_proto__init(s);
  s->n_dim = (size_t)rank;
  s->dim = xcalloc(sizeof *s->dim * (size_t)(rank ? rank : 1));
  for (int i = 0; i < rank; i++) {
    s->dim[i] = xcalloc(sizeof *s->dim[i]);
    tensorflow__tensor_shape_proto__dim__init(s->dim[i]);
    s->dim[i]->size = dims[i];
  }
  return s;
}

static void placeholder(Tensorflow__GraphDef *gd, const char *name, int rank, const int64_t *dims) {
  Tensorflow__NodeDef *n = nd(gd, "Placeholder", name, NULL);
  Tensorflow__AttrValue *t = attr(n, "dtype");
  t->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TYPE;
  t->type = TENSORFLOW__DATA_TYPE__DT_FLOAT;
  Tensorflow__AttrValue *s = attr(n, "shape");
  s->value_case = TENSORFLOW__ATTR_VALUE__VALUE_SHAPE;
  s->shape = shape(rank, dims);
}

/* A Const node holding nbytes of data as tensor_content (nbytes is not checked: tests write
 * malformed tensors). Returns the tensor for tweaks. */
static Tensorflow__TensorProto *const_raw(Tensorflow__GraphDef *gd, const char *name, int dt,
                                          int rank, const int64_t *dims, const void *data,
                                          size_t nbytes) {
  Tensorflow__NodeDef *n = nd(gd, "Const", name, NULL);
  Tensorflow__AttrValue *v = attr(n, "value");
  v->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TENSOR;
  Tensorflow__TensorProto *t = v->tensor = xcalloc(sizeof *t);
  tensorflow__tensor_proto__init(t);
  t->dtype = dt;
  t->tensor_shape = shape(rank, dims);
  if (nbytes) {
    t->tensor_content.data = xcalloc(nbytes);
    memcpy(t->tensor_content.data, data, nbytes);
    t->tensor_content.len = nbytes;
  }
  return t;
}

static void const_f32(Tensorflow__GraphDef *gd, const char *name, int rank, const int64_t *dims,
                      const float *v) {
  size_t n = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
  const_raw(gd, name, TENSORFLOW__DATA_TYPE__DT_FLOAT, rank, dims, v, n * 4);
}

/* An int32 vector through the typed int_val field (the other encoding). */
static void const_i32(Tensorflow__GraphDef *gd, const char *name, int n, const int32_t *v) {
  Tensorflow__TensorProto *t =
      const_raw(gd, name, TENSORFLOW__DATA_TYPE__DT_INT32, 1, (const int64_t[]){n}, NULL, 0);
  t->n_int_val = (size_t)n;
  t->int_val = xcalloc(sizeof(int32_t) * (size_t)(n ? n : 1));
  memcpy(t->int_val, v, sizeof(int32_t) * (size_t)n);
}

static Buf gd_pack(const Tensorflow__GraphDef *gd) {
  Buf b = BUF_INIT;
  size_t len = tensorflow__graph_def__get_packed_size(gd);
  buf_reserve(&b, len + 1);
  b.len = tensorflow__graph_def__pack(gd, b.data);
  return b;
}

static int load(IrGraph **g, Arena *a, const Buf *b, Err *err) {
  return fe_tf_load_mem(g, a, b->data, b->len, "t.pb", err);
}

/* Loads gd and runs shape inference; fails the test on an error. */
static IrGraph *load_ok(Arena *a, Tensorflow__GraphDef *gd) {
  Buf b = gd_pack(gd);
  IrGraph *g = NULL;
  Err err = {0};
  int rc = load(&g, a, &b, &err);
  if (rc) fprintf(stderr, "load: %s (%s)\n", err.msg, err.node);
  assert_int_equal(rc, 0);
  rc = ir_infer(g, &err);
  if (rc) fprintf(stderr, "infer: %s (%s)\n", err.msg, err.node);
  assert_int_equal(rc, 0);
  buf_free(&b);
  return g;
}

static int count(const IrGraph *g, const char *op) {
  int k = 0;
  for (int i = 0; i < g->n_nodes; i++) k += !g->nodes[i].dead && !strcmp(g->nodes[i].op_type, op);
  return k;
}

static const IrNode *only(const IrGraph *g, const char *op) {
  const IrNode *f = NULL;
  for (int i = 0; i < g->n_nodes; i++)
    if (!g->nodes[i].dead && !strcmp(g->nodes[i].op_type, op)) f = &g->nodes[i];
  if (count(g, op) != 1) fprintf(stderr, "%d nodes of type %s\n", count(g, op), op);
  assert_int_equal(count(g, op), 1);
  return f;
}

static void assert_dims(const IrTensor *t, int rank, const int64_t *dims) {
  assert_int_equal(t->rank, rank);
  for (int i = 0; i < rank; i++) assert_int_equal(t->dims[i], dims[i]);
}

/* Deterministic small values. */
static void fill(float *v, size_t n, int seed) {
  for (size_t i = 0; i < n; i++) v[i] = (float)((int)((i * 7 + (size_t)seed * 13) % 11) - 5) / 4.0f;
}

/* ---- the conv net ---- */

static float CW[3 * 3 * 3 * 4], CB[4], DW[3 * 3 * 4 * 2], BN_S[8], BN_O[8], BN_M[8], BN_V[8],
    FW[8 * 10];

/* x 1x8x8x3 -> Conv2D SAME -> BiasAdd -> Relu6 -> MaxPool -> DepthwiseConv -> FusedBatchNormV3
 * -> Mean(1,2) -> Reshape [-1,8] -> MatMul -> Softmax "prob". */
static Tensorflow__GraphDef *conv_net(void) {
  fill(CW, sizeof CW / 4, 1), fill(CB, 4, 2), fill(DW, sizeof DW / 4, 3),
      fill(FW, sizeof FW / 4, 4);
  for (int i = 0; i < 8; i++)
    BN_S[i] = 1.0f + 0.1f * (float)i, BN_O[i] = 0.5f, BN_M[i] = 0.1f * (float)i, BN_V[i] = 2.0f;
  Tensorflow__GraphDef *gd = gd_new();
  /* consumers before producers: the frontend orders the walk itself */
  Tensorflow__NodeDef *n = nd(gd, "Softmax", "prob", "logits", NULL);
  n = nd(gd, "MatMul", "logits", "flat", "fc/w/read", "^conv/w", NULL);
  a_b(n, "transpose_a", false);
  nd(gd, "Identity", "fc/w/read", "fc/w", NULL);
  const_f32(gd, "fc/w", 2, (const int64_t[]){8, 10}, FW);
  nd(gd, "Reshape", "flat", "gap", "flat/shape", NULL);
  const_i32(gd, "flat/shape", 2, (const int32_t[]){-1, 8});
  n = nd(gd, "Mean", "gap", "bn", "gap/axes", NULL);
  a_b(n, "keep_dims", false);
  const_i32(gd, "gap/axes", 2, (const int32_t[]){1, 2});
  placeholder(gd, "x", 4, (const int64_t[]){1, 8, 8, 3});
  const_f32(gd, "conv/w", 4, (const int64_t[]){3, 3, 3, 4}, CW);
  nd(gd, "Identity", "conv/w/read", "conv/w", NULL);
  n = nd(gd, "Conv2D", "conv", "x", "conv/w/read", NULL);
  a_ints(n, "strides", 4, (const int64_t[]){1, 1, 1, 1});
  a_s(n, "padding", "SAME");
  a_s(n, "data_format", "NHWC");
  const_f32(gd, "conv/b", 1, (const int64_t[]){4}, CB);
  nd(gd, "BiasAdd", "conv/bias", "conv", "conv/b", NULL);
  nd(gd, "Relu6", "conv/relu6", "conv/bias", NULL);
  n = nd(gd, "MaxPool", "pool", "conv/relu6", NULL);
  a_ints(n, "ksize", 4, (const int64_t[]){1, 2, 2, 1});
  a_ints(n, "strides", 4, (const int64_t[]){1, 2, 2, 1});
  a_s(n, "padding", "VALID");
  const_f32(gd, "dw/w", 4, (const int64_t[]){3, 3, 4, 2}, DW);
  n = nd(gd, "DepthwiseConv2dNative", "dw", "pool", "dw/w", NULL);
  a_ints(n, "strides", 4, (const int64_t[]){1, 1, 1, 1});
  a_s(n, "padding", "SAME");
  const_f32(gd, "bn/scale", 1, (const int64_t[]){8}, BN_S);
  const_f32(gd, "bn/offset", 1, (const int64_t[]){8}, BN_O);
  const_f32(gd, "bn/mean", 1, (const int64_t[]){8}, BN_M);
  const_f32(gd, "bn/var", 1, (const int64_t[]){8}, BN_V);
  n = nd(gd, "FusedBatchNormV3", "bn", "dw", "bn/scale", "bn/offset", "bn/mean", "bn/var", NULL);
  a_f(n, "epsilon", 0.001f);
  a_b(n, "is_training", false);
  return gd;
}

static void tf__conv_net_maps_every_op(void **state) {
  (void)state;
  Arena *a = arena_new();
  Tensorflow__GraphDef *gd = conv_net();
  IrGraph *g = load_ok(a, gd);
  assert_int_equal(g->n_inputs, 1);
  assert_string_equal(g->tensors[g->inputs[0]].name, "x");
  assert_dims(&g->tensors[g->inputs[0]], 4, (const int64_t[]){1, 8, 8, 3});
  assert_int_equal(g->n_outputs, 1);
  const IrTensor *o = &g->tensors[g->outputs[0]];
  assert_string_equal(o->name, "prob");
  assert_dims(o, 2, (const int64_t[]){1, 10});
  assert_int_equal(count(g, "Transpose"), 1); /* the input's only; Reshape reads a [N,C] value */
  assert_int_equal(count(g, "Conv"), 2);
  const IrNode *conv = NULL, *dw = NULL;
  for (int i = 0; i < g->n_nodes; i++)
    if (g->nodes[i].op == IR_OP_CONV)
      *(ir_attr_int(&g->nodes[i], "group", 1) > 1 ? &dw : &conv) = &g->nodes[i];
  assert_non_null(conv);
  assert_non_null(dw);
  assert_dims(&g->tensors[conv->inputs[1]], 4, (const int64_t[]){4, 3, 3, 3});
  /* OIHW: w[o][i][h][w] = HWIO[h][w][i][o] */
  assert_true(ir_const_f64(&g->tensors[conv->inputs[1]], ((1 * 3 + 2) * 3 + 0) * 3 + 1) ==
              CW[((0 * 3 + 1) * 3 + 2) * 4 + 1]);
  assert_string_equal(ir_attr_str(conv, "auto_pad", ""), "SAME_UPPER");
  assert_int_equal(ir_attr_int(dw, "group", 1), 4);
  assert_dims(&g->tensors[dw->inputs[1]], 4, (const int64_t[]){8, 1, 3, 3});
  /* group weights: out channel c*M+m = HWCM[h][w][c][m] */
  assert_true(ir_const_f64(&g->tensors[dw->inputs[1]], ((3 * 2 + 1) * 3 + 2) * 3 + 0) ==
              DW[((2 * 3 + 0) * 4 + 3) * 2 + 1]);
  assert_dims(&g->tensors[dw->outputs[0]], 4, (const int64_t[]){1, 8, 4, 4});
  const IrNode *bias = only(g, "Add");
  assert_dims(&g->tensors[bias->inputs[1]], 4, (const int64_t[]){1, 4, 1, 1});
  const IrNode *clip = only(g, "Clip");
  assert_int_equal(clip->n_inputs, 3);
  assert_true(ir_const_f64(&g->tensors[clip->inputs[2]], 0) == 6.0);
  only(g, "MaxPool");
  assert_true(ir_attr_float(only(g, "BatchNormalization"), "epsilon", 0) == 0.001f);
  const IrNode *mean = only(g, "ReduceMean");
  int64_t ax[4];
  assert_int_equal(ir_attr_ints(mean, "axes", ax, 4), 2);
  assert_int_equal(ax[0], 2);
  assert_int_equal(ax[1], 3);
  assert_int_equal(ir_attr_int(mean, "keepdims", 1), 0);
  only(g, "Reshape");
  only(g, "Gemm");
  assert_int_equal(ir_attr_int(only(g, "Softmax"), "axis", 0), -1);
  assert_int_equal(count(g, "Identity"), 0); /* Identity of a constant is the constant */
  arena_free(a);
  gd_free(gd);
}

/* ---- numerical proof of the layout mapping ---- */

/* Runs g on one input (caller frees with ref_tensors_free(*outs, *n)). */
static void run(const IrGraph *g, const RefTensor *x, RefTensor **outs, int *n) {
  Err err = {0};
  int rc = ref_run(g, REF_FP32, x, 1, outs, n, &err);
  if (rc) fprintf(stderr, "run: %s (%s)\n", err.msg, err.node);
  assert_int_equal(rc, 0);
}

/* The output named name among outs. */
static const RefTensor *named(const IrGraph *g, const RefTensor *outs, int n, const char *name) {
  for (int k = 0; k < n; k++)
    if (!strcmp(g->tensors[g->outputs[k]].name, name)) return &outs[k];
  fail_msg("no output %s", name);
  return NULL;
}

static void assert_close(const RefTensor *t, int rank, const int64_t *dims, const float *want) {
  assert_int_equal(t->rank, rank);
  for (int i = 0; i < rank; i++) assert_int_equal(t->dims[i], dims[i]);
  for (int64_t k = 0; k < ref_numel(t); k++) {
    if (fabsf(t->f[k] - want[k]) > 1e-4f * fmaxf(1.0f, fabsf(want[k])))
      fail_msg("element %lld: %g, want %g", (long long)k, t->f[k], want[k]);
  }
}

/* 1x3x3x2 input, 2x2 VALID conv with 3 output channels + bias: the output (NHWC) equals a
 * direct NHWC convolution computed here. */
static void tf__conv_layout_matches_nhwc_numerically(void **state) {
  (void)state;
  float w[2 * 2 * 2 * 3], b[3] = {0.5f, -1.0f, 2.0f};
  fill(w, 24, 5);
  Tensorflow__GraphDef *gd = gd_new();
  placeholder(gd, "x", 4, (const int64_t[]){1, 3, 3, 2});
  const_f32(gd, "w", 4, (const int64_t[]){2, 2, 2, 3}, w);
  const_f32(gd, "b", 1, (const int64_t[]){3}, b);
  Tensorflow__NodeDef *n = nd(gd, "Conv2D", "conv", "x", "w", NULL);
  a_ints(n, "strides", 4, (const int64_t[]){1, 1, 1, 1});
  a_s(n, "padding", "VALID");
  nd(gd, "BiasAdd", "y", "conv", "b", NULL);
  Arena *a = arena_new();
  IrGraph *g = load_ok(a, gd);
  RefTensor x = {0};
  Err err = {0};
  assert_int_equal(ref_tensor_alloc(&x, DT_F32, 4, (const int64_t[]){1, 3, 3, 2}, &err), 0);
  for (int i = 0; i < 18; i++) x.f[i] = (float)(i + 1) * 0.5f - 3.0f;
  float want[2 * 2 * 3];
  for (int oy = 0; oy < 2; oy++)
    for (int ox = 0; ox < 2; ox++)
      for (int oc = 0; oc < 3; oc++) {
        float s = b[oc];
        for (int ky = 0; ky < 2; ky++)
          for (int kx = 0; kx < 2; kx++)
            for (int ic = 0; ic < 2; ic++)
              s += x.f[((oy + ky) * 3 + (ox + kx)) * 2 + ic] * w[((ky * 2 + kx) * 2 + ic) * 3 + oc];
        want[(oy * 2 + ox) * 3 + oc] = s;
      }
  RefTensor *outs = NULL;
  int no = 0;
  run(g, &x, &outs, &no);
  assert_close(named(g, outs, no, "y"), 4, (const int64_t[]){1, 2, 2, 3}, want);
  ref_tensors_free(outs, no);
  ref_tensor_free(&x);
  arena_free(a);
  gd_free(gd);
}

/* Depthwise SAME stride 2, ConcatV2 on the channel axis, Reshape (NHWC element order), Mean
 * keep_dims (a global pool) + Squeeze, Pad and nearest Resize, each against NHWC loops. */
static void tf__depthwise_concat_reshape_pad_resize_numerically(void **state) {
  (void)state;
  enum { H = 4, W = 4, C = 3, M = 2, OH = 2, OW = 2, OC = C * M };
  float w[3 * 3 * C * M];
  fill(w, sizeof w / 4, 6);
  Tensorflow__GraphDef *gd = gd_new();
  placeholder(gd, "x", 4, (const int64_t[]){1, H, W, C});
  const_f32(gd, "w", 4, (const int64_t[]){3, 3, C, M}, w);
  Tensorflow__NodeDef *n = nd(gd, "DepthwiseConv2dNative", "dw", "x", "w", NULL);
  a_ints(n, "strides", 4, (const int64_t[]){1, 2, 2, 1});
  a_s(n, "padding", "SAME");
  nd(gd, "Relu", "relu", "dw", NULL);
  const_i32(gd, "axis", 1, (const int32_t[]){-1});
  nd(gd, "ConcatV2", "cat", "dw", "relu", "axis", NULL);
  const_i32(gd, "shape", 2, (const int32_t[]){1, -1});
  nd(gd, "Reshape", "flat", "cat", "shape", NULL);
  const_i32(gd, "axes", 2, (const int32_t[]){1, 2});
  n = nd(gd, "Mean", "gap", "dw", "axes", NULL);
  a_b(n, "keep_dims", true);
  n = nd(gd, "Squeeze", "vec", "gap", NULL);
  a_ints(n, "squeeze_dims", 2, (const int64_t[]){1, 2});
  const_i32(gd, "paddings", 8, (const int32_t[]){0, 0, 1, 1, 2, 0, 0, 0});
  nd(gd, "Pad", "padded", "x", "paddings", NULL);
  const_i32(gd, "size", 2, (const int32_t[]){8, 8});
  nd(gd, "ResizeNearestNeighbor", "up", "x", "size", NULL);
  Arena *a = arena_new();
  IrGraph *g = load_ok(a, gd);
  only(g, "GlobalAveragePool");
  assert_int_equal(g->n_outputs, 4); /* flat, vec, padded, up */
  RefTensor x = {0};
  Err err = {0};
  assert_int_equal(ref_tensor_alloc(&x, DT_F32, 4, (const int64_t[]){1, H, W, C}, &err), 0);
  for (int i = 0; i < H * W * C; i++) x.f[i] = (float)((i * 5) % 17) * 0.25f - 2.0f;
  /* depthwise: SAME with stride 2 on 4 pads 0 before, 1 after */
  float dw[OH * OW * OC];
  for (int oy = 0; oy < OH; oy++)
    for (int ox = 0; ox < OW; ox++)
      for (int c = 0; c < C; c++)
        for (int m = 0; m < M; m++) {
          float s = 0;
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
              int iy = oy * 2 + ky, ix = ox * 2 + kx;
              if (iy < H && ix < W)
                s += x.f[(iy * W + ix) * C + c] * w[((ky * 3 + kx) * C + c) * M + m];
            }
          dw[(oy * OW + ox) * OC + c * M + m] = s;
        }
  float flat[OH * OW * OC * 2], vec[OC] = {0}, padded[6 * 6 * C], up[8 * 8 * C];
  for (int p = 0; p < OH * OW; p++)
    for (int k = 0; k < 2 * OC; k++)
      flat[p * 2 * OC + k] = k < OC ? dw[p * OC + k] : fmaxf(dw[p * OC + k - OC], 0.0f);
  for (int p = 0; p < OH * OW; p++)
    for (int k = 0; k < OC; k++) vec[k] += dw[p * OC + k] / (OH * OW);
  for (int y = 0; y < 6; y++)
    for (int xx = 0; xx < 6; xx++)
      for (int c = 0; c < C; c++) {
        int iy = y - 1, ix = xx - 2;
        padded[(y * 6 + xx) * C + c] =
            iy >= 0 && iy < H && ix >= 0 && ix < W ? x.f[(iy * W + ix) * C + c] : 0.0f;
      }
  for (int y = 0; y < 8; y++)
    for (int xx = 0; xx < 8; xx++)
      for (int c = 0; c < C; c++) up[(y * 8 + xx) * C + c] = x.f[((y / 2) * W + xx / 2) * C + c];
  RefTensor *outs = NULL;
  int no = 0;
  run(g, &x, &outs, &no);
  assert_close(named(g, outs, no, "flat"), 2, (const int64_t[]){1, 2 * OH * OW * OC}, flat);
  assert_close(named(g, outs, no, "vec"), 2, (const int64_t[]){1, OC}, vec);
  assert_close(named(g, outs, no, "padded"), 4, (const int64_t[]){1, 6, 6, C}, padded);
  assert_close(named(g, outs, no, "up"), 4, (const int64_t[]){1, 8, 8, C}, up);
  ref_tensors_free(outs, no);
  ref_tensor_free(&x);
  arena_free(a);
  gd_free(gd);
}

/* Broadcasting constants against an NCHW value, reductions whose kept axes change order (or
 * not), bilinear Resize with half_pixel_centers on an unknown batch (dynamic sizes), MatMul
 * with transpose_b, each against NHWC loops. */
static void tf__elementwise_reduce_resize_matmul_numerically(void **state) {
  (void)state;
  enum { H = 2, W = 3, C = 2, OH = 4, OW = 5 };
  float cv[C] = {1.5f, -2.0f}, k = 0.5f, hw[H * 1 * C] = {1, 2, 3, 4}, mw[4 * H * W * C];
  fill(mw, sizeof mw / 4, 8);
  Tensorflow__GraphDef *gd = gd_new();
  placeholder(gd, "x", 4, (const int64_t[]){-1, H, W, C});
  const_f32(gd, "cv", 1, (const int64_t[]){C}, cv);
  const_f32(gd, "k", 0, NULL, &k);
  const_f32(gd, "hw", 3, (const int64_t[]){H, 1, C}, hw);
  nd(gd, "AddV2", "add", "x", "cv", NULL);
  nd(gd, "Mul", "mul", "add", "k", NULL);
  nd(gd, "Sub", "sub", "hw", "mul", NULL); /* constant first, rank 3 */
  const_i32(gd, "c_axis", 1, (const int32_t[]){3});
  nd(gd, "Max", "cmax", "sub", "c_axis", NULL); /* [N,H,W]: kept order N,H,W */
  const_i32(gd, "h_axis", 1, (const int32_t[]){1});
  nd(gd, "Sum", "hsum", "sub", "h_axis", NULL); /* [N,W,C]: NCHW would give N,C,W */
  const_i32(gd, "size", 2, (const int32_t[]){OH, OW});
  Tensorflow__NodeDef *n = nd(gd, "ResizeBilinear", "up", "x", "size", NULL);
  a_b(n, "half_pixel_centers", true);
  const_i32(gd, "shape", 2, (const int32_t[]){1, H * W * C});
  nd(gd, "Reshape", "flat", "sub", "shape", NULL);
  const_f32(gd, "mw", 2, (const int64_t[]){4, H * W * C}, mw);
  n = nd(gd, "MatMul", "mm", "flat", "mw", NULL);
  a_b(n, "transpose_b", true);
  Arena *a = arena_new();
  Buf b = gd_pack(gd);
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load(&g, a, &b, &err), 0);
  only(g, "Shape"); /* sizes from the input's N, C at run time */
  RefTensor x = {0};
  assert_int_equal(ref_tensor_alloc(&x, DT_F32, 4, (const int64_t[]){1, H, W, C}, &err), 0);
  for (int i = 0; i < H * W * C; i++) x.f[i] = (float)((i * 3) % 7) - 2.5f;
  assert_int_equal(ref_bind_input(g, g->inputs[0], &x, &err), 0);
  int rc = ir_infer(g, &err);
  if (rc) fprintf(stderr, "infer: %s (%s)\n", err.msg, err.node);
  assert_int_equal(rc, 0);
  assert_int_equal(only(g, "Gemm")->op, IR_OP_GEMM);
  float sub[H * W * C], cmax[H * W], hsum[W * C] = {0}, up[OH * OW * C], mm[4] = {0};
  for (int y = 0; y < H; y++)
    for (int xx = 0; xx < W; xx++)
      for (int c = 0; c < C; c++) {
        int i = (y * W + xx) * C + c;
        sub[i] = hw[y * C + c] - (x.f[i] + cv[c]) * k;
      }
  for (int p = 0; p < H * W; p++) cmax[p] = fmaxf(sub[p * C], sub[p * C + 1]);
  for (int y = 0; y < H; y++)
    for (int i = 0; i < W * C; i++) hsum[i] += sub[y * W * C + i];
  for (int oy = 0; oy < OH; oy++)
    for (int ox = 0; ox < OW; ox++) {
      float iy = ((float)oy + 0.5f) * H / OH - 0.5f, ix = ((float)ox + 0.5f) * W / OW - 0.5f;
      int y0 = iy < 0 ? 0 : (int)floorf(iy), y1 = (int)ceilf(iy) > H - 1 ? H - 1 : (int)ceilf(iy);
      int x0 = ix < 0 ? 0 : (int)floorf(ix), x1 = (int)ceilf(ix) > W - 1 ? W - 1 : (int)ceilf(ix);
      float ly = iy - floorf(iy), lx = ix - floorf(ix);
      if (y1 < 0) y1 = 0;
      if (x1 < 0) x1 = 0;
      for (int c = 0; c < C; c++) {
#define X_(yy, xq) x.f[((yy)*W + (xq)) * C + c]
        float top = X_(y0, x0) + (X_(y0, x1) - X_(y0, x0)) * lx,
              bot = X_(y1, x0) + (X_(y1, x1) - X_(y1, x0)) * lx;
#undef X_
        up[(oy * OW + ox) * C + c] = top + (bot - top) * ly;
      }
    }
  for (int o = 0; o < 4; o++)
    for (int i = 0; i < H * W * C; i++) mm[o] += sub[i] * mw[o * H * W * C + i];
  RefTensor *outs = NULL;
  int no = 0;
  run(g, &x, &outs, &no);
  assert_int_equal(no, 4); /* cmax, hsum, up, mm */
  assert_close(named(g, outs, no, "cmax"), 3, (const int64_t[]){1, H, W}, cmax);
  assert_close(named(g, outs, no, "hsum"), 3, (const int64_t[]){1, W, C}, hsum);
  assert_close(named(g, outs, no, "up"), 4, (const int64_t[]){1, OH, OW, C}, up);
  assert_close(named(g, outs, no, "mm"), 2, (const int64_t[]){1, 4}, mm);
  ref_tensors_free(outs, no);
  ref_tensor_free(&x);
  buf_free(&b);
  arena_free(a);
  gd_free(gd);
}

/* ---- unknown ops, inputs, errors ---- */

static void tf__unknown_op_is_kept_with_nhwc_inputs(void **state) {
  (void)state;
  Tensorflow__GraphDef *gd = gd_new();
  placeholder(gd, "x", 4, (const int64_t[]){-1, 4, 4, 3});
  nd(gd, "Relu", "r", "x", NULL);
  nd(gd, "MyCustomOp", "custom", "r", "^nowhere", NULL);
  nd(gd, "Sigmoid", "s", "custom:1", NULL);
  Arena *a = arena_new();
  Buf b = gd_pack(gd);
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load(&g, a, &b, &err), 0);
  assert_int_equal(g->tensors[g->inputs[0]].dims[0], -1); /* unknown batch */
  const IrNode *u = only(g, "MyCustomOp");
  assert_int_equal(u->op, IR_OP_UNKNOWN);
  assert_int_equal(u->n_outputs, 2); /* output 1 made when read */
  /* fed TensorFlow's layout: the Relu ran on NCHW, a Transpose brings it back */
  const IrTensor *in0 = &g->tensors[u->inputs[0]];
  assert_int_equal(g->nodes[in0->producer].op, IR_OP_TRANSPOSE);
  int64_t perm[4];
  assert_int_equal(ir_attr_ints(&g->nodes[in0->producer], "perm", perm, 4), 4);
  assert_int_equal(perm[1], 2);
  assert_int_equal(perm[3], 1);
  assert_int_equal(g->n_outputs, 1); /* s; custom:0 is read by nobody but custom is read */
  assert_string_equal(g->tensors[g->outputs[0]].name, "s");
  buf_free(&b);
  arena_free(a);
  gd_free(gd);
}

static void expect_fail(Tensorflow__GraphDef *gd, const char *msg, const char *node) {
  Buf b = gd_pack(gd);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  int rc = load(&g, a, &b, &err);
  if (rc == 0) fprintf(stderr, "loaded, expected: %s\n", msg);
  assert_int_equal(rc, -1);
  assert_null(g);
  if (strcmp(err.msg, msg)) fprintf(stderr, "got: %s\n", err.msg);
  assert_int_equal(err.code, ERR_PARSE);
  assert_string_equal(err.msg, msg);
  assert_string_equal(err.file, "t.pb");
  assert_string_equal(err.node, node);
  arena_free(a);
  buf_free(&b);
  gd_free(gd);
}

static void tf__bad_tensor_content_is_an_exact_error(void **state) {
  (void)state;
  Tensorflow__GraphDef *gd = gd_new();
  placeholder(gd, "x", 4, (const int64_t[]){1, 4, 4, 2});
  const_raw(gd, "w", TENSORFLOW__DATA_TYPE__DT_FLOAT, 4, (const int64_t[]){2, 2, 2, 2},
            "0123456789", 10);
  nd(gd, "Conv2D", "conv", "x", "w", NULL);
  expect_fail(gd, "tensor_content has 10 bytes, shape 2x2x2x2 of f32 needs 64", "w");
  /* more typed values than the shape holds */
  gd = gd_new();
  Tensorflow__TensorProto *t =
      const_raw(gd, "v", TENSORFLOW__DATA_TYPE__DT_FLOAT, 1, (const int64_t[]){2}, NULL, 0);
  t->n_float_val = 3;
  t->float_val = xcalloc(3 * sizeof(float));
  expect_fail(gd, "tensor has 3 values, shape 2 needs 2", "v");
  /* dims whose product overflows */
  gd = gd_new();
  const_raw(gd, "big", TENSORFLOW__DATA_TYPE__DT_FLOAT, 3,
            (const int64_t[]){1 << 20, 1 << 20, 1 << 20}, "", 0);
  expect_fail(gd, "tensor of shape 1048576x1048576x1048576 is over 1073741824 bytes", "big");
  gd = gd_new();
  const_raw(gd, "neg", TENSORFLOW__DATA_TYPE__DT_FLOAT, 2, (const int64_t[]){2, -3}, "", 0);
  expect_fail(gd, "shape dimension 1 is -3", "neg");
  gd = gd_new();
  placeholder(gd, "x", 9, (const int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1});
  expect_fail(gd, "shape has 9 dimensions, over the limit of 8", "x");
}

static void tf__bad_graphs_are_errors(void **state) {
  (void)state;
  Tensorflow__GraphDef *gd = gd_new();
  placeholder(gd, "x", 2, (const int64_t[]){1, 4});
  nd(gd, "Relu", "r", "x", "nope:0", NULL);
  expect_fail(gd, "input 'nope:0' is not a node of the graph", "r");
  gd = gd_new();
  nd(gd, "Relu", "a", "b", NULL);
  nd(gd, "Relu", "b", "a", NULL);
  expect_fail(gd, "the graph has a cycle through 'a' (control flow loops are not supported)", "b");
  gd = gd_new();
  placeholder(gd, "x", 2, (const int64_t[]){1, 4});
  placeholder(gd, "x", 2, (const int64_t[]){1, 4});
  expect_fail(gd, "node name is used twice", "x");
  gd = gd_new();
  placeholder(gd, "x", 4, (const int64_t[]){1, 4, 4, 2});
  nd(gd, "Conv2D", "conv", "x", NULL);
  expect_fail(gd, "Conv2D needs 2 inputs, has 1", "conv");
  gd = gd_new();
  placeholder(gd, "x", 2, (const int64_t[]){1, 4});
  nd(gd, "Relu", "r", "x:3", NULL);
  expect_fail(gd, "input 'x:3': node 'x' (Placeholder) has no output 3", "r");
  gd = gd_new();
  nd(gd, "Const", "c", NULL);
  expect_fail(gd, "Const has no 'value' tensor", "c");
  gd = gd_new();
  expect_fail(gd, "the graph has no nodes", "");
  /* a 3-D filter */
  gd = gd_new();
  placeholder(gd, "x", 4, (const int64_t[]){1, 4, 4, 2});
  const_f32(gd, "w", 3, (const int64_t[]){2, 2, 2}, (const float[8]){0});
  a_s(nd(gd, "Conv2D", "conv", "x", "w", NULL), "padding", "VALID");
  expect_fail(gd, "filter has 3 dimensions, expected 4", "conv");
  /* not protobuf at all */
  Buf junk = BUF_INIT;
  buf_put(&junk, "\xff\xff\xff\xff", 4);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load(&g, a, &junk, &err), -1);
  assert_int_equal(err.code, ERR_PARSE);
  assert_string_equal(err.msg, "not a TensorFlow GraphDef (protobuf decoding failed)");
  arena_free(a);
  buf_free(&junk);
}

/* Mapped ops with arguments we cannot express become verdicts, not errors. */
static void tf__inexpressible_arguments_become_unknown_nodes(void **state) {
  (void)state;
  Tensorflow__GraphDef *gd = gd_new();
  placeholder(gd, "x", 4, (const int64_t[]){1, 4, 4, 2});
  placeholder(gd, "axes", 1, (const int64_t[]){1});
  nd(gd, "Mean", "m", "x", "axes", NULL); /* reduction_indices not constant */
  Tensorflow__NodeDef *n = nd(gd, "FusedBatchNorm", "bn", "x", "x", "x", "x", "x", NULL);
  a_b(n, "is_training", true);
  Arena *a = arena_new();
  Buf b = gd_pack(gd);
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load(&g, a, &b, &err), 0);
  assert_int_equal(only(g, "Mean")->op, IR_OP_UNKNOWN);
  assert_int_equal(only(g, "FusedBatchNorm")->op, IR_OP_UNKNOWN);
  buf_free(&b);
  arena_free(a);
  gd_free(gd);
}

/* Every prefix of a packed graph (and every single-byte corruption) fails cleanly or loads. */
static void tf__truncated_and_corrupt_graphs_never_crash(void **state) {
  (void)state;
  Tensorflow__GraphDef *gd = conv_net();
  Buf b = gd_pack(gd);
  gd_free(gd);
  int loaded = 0;
  for (size_t k = 0; k <= b.len; k++) {
    Arena *a = arena_new();
    IrGraph *g = NULL;
    Err err = {0};
    int rc = fe_tf_load_mem(&g, a, b.data, k, "t.pb", &err);
    assert_true(rc == 0 || (rc == -1 && err.code == ERR_PARSE && g == NULL));
    if (rc == 0) loaded++, ir_infer(g, &err);
    arena_free(a);
  }
  assert_true(loaded > 0);
  for (size_t k = 0; k < b.len; k += 7) {
    uint8_t keep = b.data[k];
    b.data[k] ^= 0x5a;
    Arena *a = arena_new();
    IrGraph *g = NULL;
    Err err = {0};
    int rc = fe_tf_load_mem(&g, a, b.data, b.len, "t.pb", &err);
    assert_true(rc == 0 || (rc == -1 && g == NULL));
    if (rc == 0) ir_infer(g, &err);
    arena_free(a);
    b.data[k] = keep;
  }
  buf_free(&b);
}

static void tf__missing_file_is_an_io_error(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(fe_tf_load(&g, a, "/nonexistent/model.pb", &err), -1);
  assert_int_equal(err.code, ERR_IO);
  arena_free(a);
}

/* A frozen graph on disk through the whole compiler with mean/scale and no layout given: the
 * placeholder's own NHWC layout is the default, so the mean applies per channel (3, not 8) and
 * the blob takes interleaved U8 frames. */
static void tf__frozen_graph_compiles_with_nhwc_frames(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char path[4096];
  snprintf(path, sizeof path, "%s/net.pb", dir);
  Tensorflow__GraphDef *gd = conv_net();
  Buf b = gd_pack(gd);
  gd_free(gd);
  Err err = {0};
  assert_int_equal(io_write_atomic(path, b.data, b.len, &err), 0);
  buf_free(&b);
  CompInput in = {.n_mean = 3, .mean = {1, 2, 3}, .n_scale = 1, .scale = {255}};
  CompileOptions opt = {.model_name = "net",
                        .source = path,
                        .inputs = &in,
                        .n_inputs = 1,
                        .shaves = 4,
                        .cmx_slices = 4,
                        .openvino = "2022.1",
                        .want_blob = true,
                        .want_ir = true};
  CompileResult res;
  if (compile_model(&res, &opt, &err) < 0) fail_msg("%s", err.msg);
  assert_int_equal(res.n_unsupported, 0);
  assert_string_equal(res.inputs[0].layout, "NHWC");
  assert_string_equal(res.inputs[0].precision, "U8");
  Arena *a = arena_new();
  BlobInfo *bi = NULL;
  assert_int_equal(blob_parse(&bi, a, res.blob.data, res.blob.len, "net", &err), 0);
  assert_int_equal(bi->inputs[0].shape.order, 0x4213); /* NHWC */
  assert_int_equal(bi->inputs[0].shape.data_type, 1);  /* U8 */
  assert_int_equal(bi->hdr.inputs_size, 8 * 8 * 3);
  assert_int_equal(blob_check(bi, NULL, &err), 0);
  arena_free(a);
  compile_result_free(&res);
  tu_rmrf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tf__frozen_graph_compiles_with_nhwc_frames),
      cmocka_unit_test(tf__conv_net_maps_every_op),
      cmocka_unit_test(tf__conv_layout_matches_nhwc_numerically),
      cmocka_unit_test(tf__depthwise_concat_reshape_pad_resize_numerically),
      cmocka_unit_test(tf__elementwise_reduce_resize_matmul_numerically),
      cmocka_unit_test(tf__unknown_op_is_kept_with_nhwc_inputs),
      cmocka_unit_test(tf__bad_tensor_content_is_an_exact_error),
      cmocka_unit_test(tf__bad_graphs_are_errors),
      cmocka_unit_test(tf__inexpressible_arguments_become_unknown_nodes),
      cmocka_unit_test(tf__truncated_and_corrupt_graphs_never_crash),
      cmocka_unit_test(tf__missing_file_is_an_io_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* !HAVE_PB */

static void tf__bindings_missing(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(fe_tf_load_mem(&g, a, NULL, 0, NULL, &err), -1);
  assert_int_equal(err.code, ERR_INTERNAL);
  arena_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(tf__bindings_missing)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
