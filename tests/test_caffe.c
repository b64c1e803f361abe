/* tests/test_caffe.c — Caffe frontend: prototxt text + caffemodel built in memory. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/frontend/caffe.h"

#if defined(__has_include)
#if __has_include("caffe.pb-c.h")
#define HAVE_PB 1
#endif
#endif

#ifdef HAVE_PB
#include "caffe.pb-c.h"

/* ---- caffemodel building (stack structs, packed into a malloc'd buffer) ---- */

typedef struct {
  Caffe__NetParameter net;
  Caffe__LayerParameter layers[8], *lp[8];
  Caffe__BlobProto blobs[8][3], *bp[8][3];
  Caffe__BlobShape shapes[8][3];
  int64_t dims[8][3][4];
  int n;
} Model;

static void m_init(Model *m) {
  memset(m, 0, sizeof *m);
  caffe__net_parameter__init(&m->net);
}

/* Layer name with blobs: shapes[i] has ranks[i] dims; data from vals (numel each). */
static void m_layer(Model *m, const char *name, int n_blobs, const int *ranks,
                    const int64_t (*shapes)[4], float *const *vals) {
  int l = m->n++;
  Caffe__LayerParameter *L = &m->layers[l];
  caffe__layer_parameter__init(L);
  L->name = (char *)name;
  for (int b = 0; b < n_blobs; b++) {
    Caffe__BlobProto *B = &m->blobs[l][b];
    caffe__blob_proto__init(B);
    Caffe__BlobShape *S = &m->shapes[l][b];
    caffe__blob_shape__init(S);
    size_t numel = 1;
    for (int k = 0; k < ranks[b]; k++)
      m->dims[l][b][k] = shapes[b][k], numel *= (size_t)shapes[b][k];
    S->n_dim = (size_t)ranks[b];
    S->dim = m->dims[l][b];
    B->shape = S;
    B->n_data = numel;
    B->data = vals[b];
    m->bp[l][b] = B;
  }
  L->n_blobs = (size_t)n_blobs;
  L->blobs = m->bp[l];
  m->lp[l] = L;
}

static Buf m_pack(Model *m) {
  m->net.n_layer = (size_t)m->n;
  m->net.layer = m->lp;
  Buf b = BUF_INIT;
  size_t len = caffe__net_parameter__get_packed_size(&m->net);
  buf_reserve(&b, len + 1);
  b.len = caffe__net_parameter__pack(&m->net, b.data);
  return b;
}

static int load(IrGraph **g, Arena *a, const char *text, const Buf *model, Err *err) {
  return fe_caffe_load_mem(g, a, text, strlen(text), model ? model->data : NULL,
                           model ? model->len : 0, "t.prototxt", err);
}

static const IrNode *only(const IrGraph *g, const char *op) {
  const IrNode *f = NULL;
  int c = 0;
  for (int i = 0; i < g->n_nodes; i++)
    if (!g->nodes[i].dead && !strcmp(g->nodes[i].op_type, op)) f = &g->nodes[i], c++;
  if (c != 1) fprintf(stderr, "%d nodes of type %s\n", c, op);
  assert_int_equal(c, 1);
  return f;
}

static float W1[4 * 3 * 3 * 3], B1[4], FC[10 * 4 * 4 * 4], FB[10],
    MEAN[4] = {1, 2, 3, 4}, VAR[4] = {1, 1, 1, 1}, FACTOR[1] = {2}, GAMMA[4] = {1, 1, 2, 2},
    BETA[4] = {0, 0, 1, 1};

static const char *NET =
    "name: \"tiny\"  # a comment\n"
    "layer { name: \"data\" type: \"Input\" top: \"data\"\n"
    "  input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }\n"
    "layer { name: \"conv1\" type: \"Convolution\" bottom: \"data\" top: \"conv1\"\n"
    "  param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 }\n"
    "  convolution_param { num_output: 4 kernel_size: 3 pad: 1 stride: 1\n"
    "    weight_filler { type: \"xavier\" } } }\n"
    "layer { name: \"bn1\" type: \"BatchNorm\" bottom: \"conv1\" top: \"conv1\"\n"
    "  batch_norm_param { use_global_stats: true eps: 0.001 } }\n"
    "layer { name: \"scale1\" type: \"Scale\" bottom: \"conv1\" top: \"conv1\" scale_param { "
    "bias_term: true } }\n"
    "layer { name: \"relu1\" type: \"ReLU\" bottom: \"conv1\" top: \"conv1\" }\n"
    "layer { name: \"pool1\" type: \"Pooling\" bottom: \"conv1\" top: \"pool1\"\n"
    "  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n"
    "layer { name: \"drop\" type: \"Dropout\" bottom: \"pool1\" top: \"pool1\" dropout_param { "
    "dropout_ratio: 0.5 } }\n"
    "layer { name: \"fc\" type: \"InnerProduct\" bottom: \"pool1\" top: \"fc\" inner_product_param "
    "{ num_output: 10 } }\n"
    "layer { name: \"loss\" type: \"SoftmaxWithLoss\" bottom: \"fc\" top: \"loss\" include { "
    "phase: TRAIN } }\n"
    "layer { name: \"prob\" type: \"Softmax\" bottom: \"fc\" top: \"prob\" }\n";

static Buf tiny_model(void) {
  static Model m;
  m_init(&m);
  m_layer(&m, "conv1", 2, (int[]){4, 1}, (const int64_t[][4]){{4, 3, 3, 3}, {4}},
          (float *[]){W1, B1});
  m_layer(&m, "bn1", 3, (int[]){1, 1, 1}, (const int64_t[][4]){{4}, {4}, {1}},
          (float *[]){MEAN, VAR, FACTOR});
  m_layer(&m, "scale1", 2, (int[]){1, 1}, (const int64_t[][4]){{4}, {4}}, (float *[]){GAMMA, BETA});
  m_layer(&m, "fc", 2, (int[]){2, 1}, (const int64_t[][4]){{10, 64}, {10}}, (float *[]){FC, FB});
  return m_pack(&m);
}

static void caffe__tiny_net_maps_every_layer(void **state) {
  (void)state;
  Arena *a = arena_new();
  Buf model = tiny_model();
  IrGraph *g = NULL;
  Err err = {0};
  int rc = load(&g, a, NET, &model, &err);
  if (rc) fprintf(stderr, "%s (%s)\n", err.msg, err.node);
  assert_int_equal(rc, 0);
  rc = ir_infer(g, &err);
  if (rc) fprintf(stderr, "infer: %s (%s)\n", err.msg, err.node);
  assert_int_equal(rc, 0);
  const IrNode *conv = only(g, "Conv");
  assert_int_equal(conv->n_inputs, 3);
  const IrNode *bn = only(g, "BatchNormalization");
  /* Scale folded into the BatchNorm: gamma from scale1, mean divided by the factor 2 */
  assert_true(ir_const_f64(&g->tensors[bn->inputs[1]], 2) == 2.0);
  assert_true(ir_const_f64(&g->tensors[bn->inputs[2]], 3) == 1.0);
  assert_true(ir_const_f64(&g->tensors[bn->inputs[3]], 3) == 2.0);
  assert_true(ir_attr_float(bn, "epsilon", 0) == 0.001f);
  only(g, "Relu");
  assert_int_equal(ir_attr_int(only(g, "MaxPool"), "ceil_mode", 0), 1);
  only(g, "Dropout");
  only(g, "Flatten");
  assert_int_equal(ir_attr_int(only(g, "Gemm"), "transB", 0), 1);
  only(g, "Softmax");
  assert_int_equal(g->n_nodes, 8); /* the TRAIN-only loss is dropped */
  assert_int_equal(g->n_inputs, 1);
  assert_int_equal(g->n_outputs, 1);
  const IrTensor *o = &g->tensors[g->outputs[0]];
  assert_string_equal(o->name, "prob");
  assert_int_equal(o->rank, 2);
  assert_int_equal(o->dims[1], 10);
  buf_free(&model);
  arena_free(a);
}

static void caffe__legacy_inputs_eltwise_concat_unknown(void **state) {
  (void)state;
  const char *net = "input: 'data'\ninput_dim: 1 input_dim: 2 input_dim: 4 input_dim: 4\n"
                    "layer { name: 's' type: 'Split' bottom: 'data' top: 'a' top: 'b' }\n"
                    "layer { name: 'sum' type: 'Eltwise' bottom: 'a' bottom: 'b' top: 'sum' "
                    "eltwise_param { operation: SUM coeff: [1, -1] } }\n"
                    "layer { name: 'cat' type: 'Concat' bottom: 'sum' bottom: 'a' top: 'cat' }\n"
                    "layer { name: 'perm' type: 'Permute' bottom: 'cat' top: 'perm' permute_param "
                    "{ order: 0 order: 2 order: 3 order: 1 } }\n"
                    "layer { name: 'flat' type: 'Flatten' bottom: 'perm' top: 'flat' }\n"
                    "layer { name: 'pb' type: 'PriorBox' bottom: 'cat' bottom: 'data' top: 'pb' "
                    "prior_box_param { min_size: 30 } }\n"
                    "layer { name: 'prelu' type: 'PReLU' bottom: 'cat' top: 'pr' }\n";
  static float slope[4] = {0.1f, 0.2f, 0.3f, 0.4f};
  static Model m;
  m_init(&m);
  m_layer(&m, "prelu", 1, (int[]){1}, (const int64_t[][4]){{4}}, (float *[]){slope});
  Buf model = m_pack(&m);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  int rc = load(&g, a, net, &model, &err);
  if (rc) fprintf(stderr, "%s (%s)\n", err.msg, err.node);
  assert_int_equal(rc, 0);
  assert_int_equal(ir_infer(g, &err), 0);
  assert_int_equal(g->tensors[g->inputs[0]].dims[1], 2);
  only(g, "Add");
  only(g, "Mul"); /* coefficient -1 on b */
  only(g, "Concat");
  only(g, "Transpose");
  only(g, "Reshape");
  assert_int_equal(only(g, "PriorBox")->op, IR_OP_UNKNOWN);
  const IrNode *pr = only(g, "PRelu");
  assert_int_equal(g->tensors[pr->inputs[1]].rank, 3);
  int fl = ir_find_tensor(g, "flat");
  assert_true(fl >= 0);
  assert_int_equal(g->tensors[fl].rank, 2);
  assert_int_equal(g->tensors[fl].dims[1], 64);
  assert_int_equal(g->n_outputs, 3); /* flat, pb, pr */
  buf_free(&model);
  arena_free(a);
}

static void expect_fail(const char *text, const Buf *model, ErrCode code, const char *msg,
                        const char *node) {
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load(&g, a, text, model, &err), -1);
  assert_null(g);
  if (strcmp(err.msg, msg)) fprintf(stderr, "got: %s\n", err.msg);
  assert_int_equal(err.code, code);
  assert_string_equal(err.msg, msg);
  assert_string_equal(err.file, "t.prototxt");
  if (node) assert_string_equal(err.node, node);
  arena_free(a);
}

static void caffe__bad_inputs_are_errors(void **state) {
  (void)state;
  Buf model = tiny_model();
  expect_fail("layer { name: 'x' type: 'ReLU'\n bottom: 'a' ", &model, ERR_PARSE,
              "prototxt line 2: expected '}'", NULL);
  expect_fail("layer { name: \"x\n }", &model, ERR_PARSE, "prototxt line 1: unterminated string",
              NULL);
  expect_fail("input: 'd' input_dim: 1 input_dim: x3", &model, ERR_PARSE,
              "prototxt line 1: 'x3' is not a valid value for field 'input_dim'", NULL);
  expect_fail("input: 'd'\nlayer { name: 'r' type: 'ReLU' bottom: 'nope' top: 'r' }", &model,
              ERR_PARSE, "bottom 'nope' is not an input or an earlier layer's top", "r");
  expect_fail("layer { name: 'r' type: 'ReLU' top: 'r' }", &model, ERR_PARSE,
              "the net has no inputs (no 'input:' and no Input layer)", NULL);
  /* weights missing, or of the wrong size */
  expect_fail(NET, NULL, ERR_PARSE,
              "Convolution layer needs 1 weight blobs, no .caffemodel was given, it has 0",
              "conv1");
  static float few[3];
  static Model m;
  m_init(&m);
  m_layer(&m, "conv1", 1, (int[]){4}, (const int64_t[][4]){{4, 3, 3, 3}}, (float *[]){few});
  m.blobs[0][0].n_data = 3;
  Buf bad = m_pack(&m);
  expect_fail(NET, &bad, ERR_PARSE, "blob 0 has 3 values, shape 4x3x3x3 needs 108", "conv1");
  /* a truncated caffemodel */
  Buf cut = model;
  cut.len = model.len / 2;
  expect_fail(NET, &cut, ERR_PARSE,
              "caffemodel is not a Caffe NetParameter (protobuf decoding failed)", NULL);
  /* deep nesting of unknown fields */
  Buf deep = BUF_INIT;
  buf_printf(&deep, "input: 'd' ");
  for (int i = 0; i < 100; i++) buf_printf(&deep, "x { ");
  buf_put(&deep, "", 1);
  expect_fail((const char *)deep.data, NULL, ERR_PARSE,
              "prototxt line 1: messages are nested deeper than 32 levels", NULL);
  buf_free(&deep);
  buf_free(&bad);
  buf_free(&model);
}

static void caffe__missing_caffemodel_is_an_io_error(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char p[4096];
  snprintf(p, sizeof p, "%s/net.prototxt", dir);
  tu_write(p, NET);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(fe_caffe_load(&g, a, p, &err), -1);
  assert_int_equal(err.code, ERR_IO);
  assert_string_equal(err.file, p);
  assert_non_null(strstr(err.msg, "net.caffemodel': cannot open: No such file or directory"));
  Buf model = tiny_model();
  char mp[4096];
  snprintf(mp, sizeof mp, "%s/net.caffemodel", dir);
  assert_int_equal(io_write_atomic(mp, model.data, model.len, &err), 0);
  assert_int_equal(fe_caffe_load(&g, a, p, &err), 0);
  assert_int_equal(g->n_nodes, 8);
  buf_free(&model);
  arena_free(a);
  tu_rmrf(dir);
  free(dir);
}

/* Every prefix of the prototxt fails cleanly or loads. */
static void caffe__truncated_prototxt_never_crashes(void **state) {
  (void)state;
  Buf model = tiny_model();
  size_t n = strlen(NET);
  Arena *a = arena_new();
  for (size_t k = 0; k < n; k += 3) {
    IrGraph *g = NULL;
    Err err = {0};
    int rc = fe_caffe_load_mem(&g, a, NET, k, model.data, model.len, "t.prototxt", &err);
    assert_true(rc == 0 || (rc == -1 && err.code == ERR_PARSE && g == NULL));
  }
  arena_free(a);
  buf_free(&model);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(caffe__tiny_net_maps_every_layer),
      cmocka_unit_test(caffe__legacy_inputs_eltwise_concat_unknown),
      cmocka_unit_test(caffe__bad_inputs_are_errors),
      cmocka_unit_test(caffe__missing_caffemodel_is_an_io_error),
      cmocka_unit_test(caffe__truncated_prototxt_never_crashes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* built before the Makefile generates caffe.pb-c.h */

static void caffe__bindings_missing(void **state) {
  (void)state;
  skip();
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(caffe__bindings_missing)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
