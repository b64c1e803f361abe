/* tests/test_ref.c — the reference executor (hand-computed cases per op), tensor files (.npy,
 * .pb, .ppm) and verification against the ONNX backend node tests when the shared data exists. */
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/graph/ir.h"
#include "compiler/ref/ref.h"
#include "compiler/ref/tensor_io.h"
#include "onnx.pb-c.h"

#define I64S(...)  ((const int64_t[]){__VA_ARGS__})
#define F32S(...)  ((const float[]){__VA_ARGS__})
#define NARGS(...) ((int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)))

/* ---- graph building ---- */

typedef struct {
  Arena *a;
  IrGraph *g;
  Err err;
  RefTensor in[4];
  int n_in;
  RefTensor *out;
  int n_out;
} Ctx;

static Ctx *ctx_new(int64_t opset) {
  Ctx *c = calloc(1, sizeof *c);
  assert_non_null(c);
  c->a = arena_new();
  c->g = ir_new(c->a, "t.onnx");
  c->g->opset = opset;
  return c;
}

static void ctx_free(Ctx *c) {
  for (int k = 0; k < c->n_in; k++) ref_tensor_free(&c->in[k]);
  ref_tensors_free(c->out, c->n_out);
  arena_free(c->a);
  free(c);
}

/* A float graph input with values. */
static int input_f(Ctx *c, const char *name, int rank, const int64_t *dims, const float *v) {
  int t = ir_add_tensor(c->g, name);
  c->g->tensors[t].dtype = DT_F32;
  ir_set_shape(c->g, t, rank, dims);
  ir_add_input(c->g, t);
  RefTensor *r = &c->in[c->n_in++];
  assert_int_equal(ref_tensor_alloc(r, DT_F32, rank, dims, &c->err), 0);
  memcpy(r->f, v, (size_t)ref_numel(r) * sizeof *v);
  return t;
}

static int const_f(Ctx *c, const char *name, int rank, const int64_t *dims, const float *v) {
  int t = ir_add_tensor(c->g, name);
  ir_set_const(c->g, t, DT_F32, rank, dims, v);
  return t;
}

static int const_i(Ctx *c, const char *name, int n, const int64_t *v) {
  int t = ir_add_tensor(c->g, name);
  int64_t len = n;
  ir_set_const(c->g, t, DT_I64, 1, &len, v);
  return t;
}

/* A node with the given inputs and one output (a graph output). */
static int node(Ctx *c, IrOp op, const char *name, int nin, const int *ins) {
  int n = ir_add_node(c->g, op, ir_op_name(op), name);
  for (int i = 0; i < nin; i++) ir_node_add_input(c->g, n, ins[i]);
  int o = ir_node_add_output(c->g, n, "y");
  ir_add_output(c->g, o);
  return n;
}
#define NODE(c, op, ...) \
  node(c, op, #op, (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)), (int[]){__VA_ARGS__})

static void attr_i(Ctx *c, int n, const char *name, int64_t v) {
  ir_node_add_attr(c->g, n, name, ATTR_INT)->i = v;
}
static void attr_f(Ctx *c, int n, const char *name, float v) {
  ir_node_add_attr(c->g, n, name, ATTR_FLOAT)->f = v;
}
static void attr_s(Ctx *c, int n, const char *name, const char *v) {
  ir_node_add_attr(c->g, n, name, ATTR_STRING)->s = arena_strdup(c->a, v);
}
static void attr_ints(Ctx *c, int n, const char *name, int cnt, const int64_t *v) {
  int64_t *p = arena_array(c->a, (size_t)cnt + 1, sizeof *p);
  memcpy(p, v, (size_t)cnt * sizeof *p);
  IrAttr *a = ir_node_add_attr(c->g, n, name, ATTR_INTS);
  a->ints = p;
  a->n = cnt;
}
#define ATTR_INTS(c, n, name, ...) attr_ints(c, n, name, NARGS(__VA_ARGS__), I64S(__VA_ARGS__))

/* Runs shape inference and the executor; fails the test on an error. */
static void run(Ctx *c, RefMode mode) {
  if (ir_infer(c->g, &c->err) < 0) fail_msg("ir_infer: %s: %s", c->err.node, c->err.msg);
  ref_tensors_free(c->out, c->n_out);
  c->out = NULL;
  if (ref_run(c->g, mode, c->in, c->n_in, &c->out, &c->n_out, &c->err) < 0)
    fail_msg("ref_run: %s: %s", c->err.node, c->err.msg);
}

/* Asserts output k has the given dims and float values (to 1e-5). */
static void expect(Ctx *c, int k, int rank, const int64_t *dims, const float *v) {
  const RefTensor *o = &c->out[k];
  char s[256];
  if (o->rank != rank)
    fail_msg("output rank %d (%s), expected %d", o->rank, ref_shape_str(o, s, sizeof s), rank);
  for (int i = 0; i < rank; i++)
    if (o->dims[i] != dims[i])
      fail_msg("output shape %s: dim %d, expected %lld", ref_shape_str(o, s, sizeof s), i,
               (long long)dims[i]);
  for (int64_t e = 0; e < ref_numel(o); e++)
    if (fabs(ref_get_f64(o, e) - v[e]) > 1e-5)
      fail_msg("element %lld is %.7g, expected %.7g", (long long)e, ref_get_f64(o, e), v[e]);
}
#define DIMS(...) NARGS(__VA_ARGS__), I64S(__VA_ARGS__)

/* ---- kernels ---- */

static void ref__conv_pads_and_stride(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = input_f(c, "x", DIMS(1, 1, 3, 3), F32S(1, 2, 3, 4, 5, 6, 7, 8, 9));
  int w = const_f(c, "w", DIMS(1, 1, 2, 2), F32S(1, 1, 1, 1));
  int n = NODE(c, IR_OP_CONV, x, w);
  ATTR_INTS(c, n, "pads", 1, 1, 1, 1);
  ATTR_INTS(c, n, "strides", 2, 2);
  run(c, REF_FP32);
  expect(c, 0, DIMS(1, 1, 2, 2), F32S(1, 5, 11, 28));
  ctx_free(c);
}

static void ref__conv_group_with_bias(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = input_f(c, "x", DIMS(1, 2, 2, 2), F32S(1, 2, 3, 4, 5, 6, 7, 8));
  int w = const_f(c, "w", DIMS(2, 1, 1, 1), F32S(2, 3));
  int b = const_f(c, "b", DIMS(2), F32S(1, -1));
  int n = NODE(c, IR_OP_CONV, x, w, b);
  attr_i(c, n, "group", 2);
  run(c, REF_FP32);
  expect(c, 0, DIMS(1, 2, 2, 2), F32S(3, 5, 7, 9, 14, 17, 20, 23));
  ctx_free(c);
}

static void ref__conv_dilation(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = input_f(c, "x", DIMS(1, 1, 1, 5), F32S(1, 2, 3, 4, 5));
  int w = const_f(c, "w", DIMS(1, 1, 1, 2), F32S(1, 10));
  int n = NODE(c, IR_OP_CONV, x, w);
  ATTR_INTS(c, n, "dilations", 1, 2);
  run(c, REF_FP32);
  expect(c, 0, DIMS(1, 1, 1, 3), F32S(31, 42, 53));
  ctx_free(c);
}

static void ref__conv_auto_pad_same_lower(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = input_f(c, "x", DIMS(1, 1, 1, 4), F32S(1, 2, 3, 4));
  int w = const_f(c, "w", DIMS(1, 1, 1, 2), F32S(1, 10));
  int n = NODE(c, IR_OP_CONV, x, w);
  attr_s(c, n, "auto_pad", "SAME_LOWER"); /* total pad 1, at the start */
  run(c, REF_FP32);
  expect(c, 0, DIMS(1, 1, 1, 4), F32S(10, 21, 32, 43));
  ctx_free(c);
}

static void ref__conv_transpose_stride(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = input_f(c, "x", DIMS(1, 1, 1, 2), F32S(1, 2));
  int w = const_f(c, "w", DIMS(1, 1, 1, 3), F32S(1, 10, 100));
  int n = NODE(c, IR_OP_CONV_TRANSPOSE, x, w);
  ATTR_INTS(c, n, "strides", 1, 2);
  run(c, REF_FP32);
  /* out width (2-1)*2 + 3 = 5: 1*[1,10,100] at 0, 2*[1,10,100] at 2 */
  expect(c, 0, DIMS(1, 1, 1, 5), F32S(1, 10, 102, 20, 200));
  ctx_free(c);
}

static void ref__max_pool_ceil_mode(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = input_f(c, "x", DIMS(1, 1, 3, 3), F32S(1, 2, 3, 4, 5, 6, 7, 8, 9));
  int n = NODE(c, IR_OP_MAX_POOL, x);
  ATTR_INTS(c, n, "kernel_shape", 2, 2);
  ATTR_INTS(c, n, "strides", 2, 2);
  attr_i(c, n, "ceil_mode", 1);
  run(c, REF_FP32);
  expect(c, 0, DIMS(1, 1, 2, 2), F32S(5, 6, 8, 9));
  ctx_free(c);
  c = ctx_new(13); /* floor mode drops the partial windows */
  x = input_f(c, "x", DIMS(1, 1, 3, 3), F32S(1, 2, 3, 4, 5, 6, 7, 8, 9));
  n = NODE(c, IR_OP_MAX_POOL, x);
  ATTR_INTS(c, n, "kernel_shape", 2, 2);
  ATTR_INTS(c, n, "strides", 2, 2);
  run(c, REF_FP32);
  expect(c, 0, DIMS(1, 1, 1, 1), F32S(5));
  ctx_free(c);
}

static void avg_pool_case(int include, const float *want) {
  Ctx *c = ctx_new(13);
  int x = input_f(c, "x", DIMS(1, 1, 2, 2), F32S(1, 2, 3, 4));
  int n = NODE(c, IR_OP_AVERAGE_POOL, x);
  ATTR_INTS(c, n, "kernel_shape", 2, 2);
  ATTR_INTS(c, n, "pads", 1, 1, 1, 1);
  attr_i(c, n, "count_include_pad", include);
  run(c, REF_FP32);
  expect(c, 0, DIMS(1, 1, 3, 3), want);
  ctx_free(c);
}

static void ref__average_pool_count_include_pad(void **state) {
  (void)state;
  avg_pool_case(1, F32S(0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1));
  avg_pool_case(0, F32S(1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4));
}

static void ref__resize_nearest_modes(void **state) {
  (void)state;
  Ctx *c = ctx_new(13); /* default: half_pixel + round_prefer_floor */
  int x = input_f(c, "x", DIMS(1, 1, 2, 2), F32S(1, 2, 3, 4));
  int sc = const_f(c, "scales", DIMS(4), F32S(1, 1, 2, 2));
  NODE(c, IR_OP_RESIZE, x, -1, sc);
  run(c, REF_FP32);
  expect(c, 0, DIMS(1, 1, 4, 4), F32S(1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4));
  ctx_free(c);
  static const char *const modes[] = {"floor", "round_prefer_floor", "ceil"};
  static const float want[3][6] = {{1, 1, 1, 2, 2, 2}, {1, 1, 2, 2, 2, 2}, {1, 2, 2, 2, 2, 2}};
  for (int m = 0; m < 3; m++) { /* asymmetric: x/3 = 0, .33, .67, 1, 1.33, 1.67 */
    c = ctx_new(13);
    x = input_f(c, "x", DIMS(2), F32S(1, 2));
    sc = const_f(c, "scales", DIMS(1), F32S(3));
    int n = NODE(c, IR_OP_RESIZE, x, -1, sc);
    attr_s(c, n, "coordinate_transformation_mode", "asymmetric");
    attr_s(c, n, "nearest_mode", modes[m]);
    run(c, REF_FP32);
    expect(c, 0, DIMS(6), want[m]);
    ctx_free(c);
  }
}

static void ref__resize_linear(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = input_f(c, "x", DIMS(1, 1, 2, 2), F32S(1, 2, 3, 4));
  int sz = const_i(c, "sizes", 4, I64S(1, 1, 4, 4));
  int n = NODE(c, IR_OP_RESIZE, x, -1, -1, sz);
  attr_s(c, n, "mode", "linear");
  run(c, REF_FP32);
  expect(c, 0, DIMS(1, 1, 4, 4),
         F32S(1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f,
              3.75f, 4));
  ctx_free(c);
  c = ctx_new(13);
  x = input_f(c, "x", DIMS(2), F32S(1, 2));
  sz = const_i(c, "sizes", 1, I64S(4));
  n = NODE(c, IR_OP_RESIZE, x, -1, -1, sz);
  attr_s(c, n, "mode", "linear");
  attr_s(c, n, "coordinate_transformation_mode", "align_corners");
  run(c, REF_FP32);
  expect(c, 0, DIMS(4), F32S(1, 4.0f / 3, 5.0f / 3, 2));
  ctx_free(c);
}

static void ref__gemm_trans_b_and_bias(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int a = input_f(c, "a", DIMS(2, 3), F32S(1, 2, 3, 4, 5, 6));
  int b = const_f(c, "b", DIMS(2, 3), F32S(1, 0, 1, 0, 1, 0));
  int bias = const_f(c, "c", DIMS(2), F32S(1, 2));
  int n = NODE(c, IR_OP_GEMM, a, b, bias);
  attr_i(c, n, "transB", 1);
  attr_f(c, n, "beta", 0.5f);
  run(c, REF_FP32);
  expect(c, 0, DIMS(2, 2), F32S(4.5f, 3, 10.5f, 6));
  ctx_free(c);
}

static void ref__softmax_axis_per_opset(void **state) {
  (void)state;
  float l3 = logf(3);
  Ctx *c = ctx_new(13); /* one axis */
  int x = input_f(c, "x", DIMS(1, 2, 2), F32S(0, 0, l3, 0));
  int n = NODE(c, IR_OP_SOFTMAX, x);
  attr_i(c, n, "axis", 1);
  run(c, REF_FP32);
  expect(c, 0, DIMS(1, 2, 2), F32S(0.25f, 0.5f, 0.75f, 0.5f));
  ctx_free(c);
  c = ctx_new(11); /* opset < 13: flattened to [1, 4] at axis 1 */
  x = input_f(c, "x", DIMS(1, 2, 2), F32S(0, 0, l3, 0));
  n = NODE(c, IR_OP_SOFTMAX, x);
  attr_i(c, n, "axis", 1);
  run(c, REF_FP32);
  expect(c, 0, DIMS(1, 2, 2), F32S(1.0f / 6, 1.0f / 6, 0.5f, 1.0f / 6));
  ctx_free(c);
}

static void ref__slice_negative_steps(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = input_f(c, "x", DIMS(10), F32S(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
  NODE(c, IR_OP_SLICE, x, const_i(c, "s", 1, I64S(-1)), const_i(c, "e", 1, I64S(INT64_MIN)),
       const_i(c, "a", 1, I64S(0)), const_i(c, "st", 1, I64S(-3)));
  run(c, REF_FP32);
  expect(c, 0, DIMS(4), F32S(9, 6, 3, 0));
  ctx_free(c);
  c = ctx_new(13); /* start clamped to the last element, end exclusive */
  x = input_f(c, "x", DIMS(10), F32S(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
  NODE(c, IR_OP_SLICE, x, const_i(c, "s", 1, I64S(20)), const_i(c, "e", 1, I64S(0)),
       const_i(c, "a", 1, I64S(0)), const_i(c, "st", 1, I64S(-2)));
  run(c, REF_FP32);
  expect(c, 0, DIMS(5), F32S(9, 7, 5, 3, 1));
  ctx_free(c);
}

static void ref__topk_and_argmax_prefer_first_index(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = input_f(c, "x", DIMS(5), F32S(3, 7, 1, 7, 2));
  int n = ir_add_node(c->g, IR_OP_TOPK, "TopK", "topk");
  ir_node_add_input(c->g, n, x);
  ir_node_add_input(c->g, n, const_i(c, "k", 1, I64S(3)));
  ir_add_output(c->g, ir_node_add_output(c->g, n, "values"));
  ir_add_output(c->g, ir_node_add_output(c->g, n, "indices"));
  run(c, REF_FP32);
  expect(c, 0, DIMS(3), F32S(7, 7, 3));
  expect(c, 1, DIMS(3), F32S(1, 3, 0));
  ctx_free(c);
  c = ctx_new(13);
  x = input_f(c, "x", DIMS(5), F32S(3, 7, 1, 7, 2));
  n = NODE(c, IR_OP_ARGMAX, x);
  attr_i(c, n, "keepdims", 0);
  run(c, REF_FP32);
  expect(c, 0, 0, NULL, F32S(1));
  assert_int_equal(c->out[0].dtype, DT_I64);
  ctx_free(c);
}

static void ref__depth_to_space_crd(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = input_f(c, "x", DIMS(1, 4, 1, 1), F32S(1, 2, 3, 4));
  int n = NODE(c, IR_OP_DEPTH_TO_SPACE, x);
  attr_i(c, n, "blocksize", 2);
  attr_s(c, n, "mode", "CRD");
  run(c, REF_FP32);
  expect(c, 0, DIMS(1, 1, 2, 2), F32S(1, 2, 3, 4));
  ctx_free(c);
}

static void ref__fp16_mode_rounds_every_float(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = input_f(c, "x", DIMS(2), F32S(1.0f, 0.1f));
  int k = const_f(c, "k", DIMS(2), F32S(1e-4f, 0));
  NODE(c, IR_OP_ADD, x, k);
  run(c, REF_FP32);
  assert_true(c->out[0].f[0] == 1.0001f);
  assert_true(c->out[0].f[1] == 0.1f);
  run(c, REF_FP16);
  assert_true(c->out[0].f[0] == 1.0f);             /* the FP16 ulp at 1 is 2^-10 */
  assert_true(c->out[0].f[1] == 0.0999755859375f); /* 0.1 to the nearest FP16 */
  ctx_free(c);
}

static void ref__unknown_op_is_unsupported(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = input_f(c, "x", DIMS(2), F32S(1, 2));
  int n = ir_add_node(c->g, IR_OP_UNKNOWN, "DeformConv", "dc");
  ir_node_add_input(c->g, n, x);
  ir_add_output(c->g, ir_node_add_output(c->g, n, "y"));
  assert_int_equal(ir_infer(c->g, &c->err), 0);
  assert_int_equal(ref_run(c->g, REF_FP32, c->in, c->n_in, &c->out, &c->n_out, &c->err), -1);
  assert_int_equal(c->err.code, ERR_UNSUPPORTED_OP);
  assert_string_equal(c->err.node, "dc");
  assert_string_equal(c->err.msg, "no reference kernel for op 'DeformConv'");
  ctx_free(c);
}

static void ref__wrong_input_shape_is_an_error(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  input_f(c, "x", DIMS(2), F32S(1, 2));
  NODE(c, IR_OP_RELU, c->g->inputs[0]);
  assert_int_equal(ir_infer(c->g, &c->err), 0);
  ref_tensor_free(&c->in[0]);
  assert_int_equal(ref_tensor_alloc(&c->in[0], DT_F32, 1, I64S(3), &c->err), 0);
  assert_int_equal(ref_run(c->g, REF_FP32, c->in, c->n_in, &c->out, &c->n_out, &c->err), -1);
  assert_int_equal(c->err.code, ERR_SHAPE);
  assert_string_equal(c->err.msg, "input 'x' has shape 3, the model expects 2");
  ctx_free(c);
}

static void ref__every_op_but_nms_has_a_kernel(void **state) {
  (void)state;
  for (int op = 0; op < IR_OP_COUNT; op++)
    if (op != IR_OP_NON_MAX_SUPPRESSION && !ref_has_kernel((IrOp)op))
      fail_msg("no kernel for %s", ir_op_name((IrOp)op));
  assert_false(ref_has_kernel(IR_OP_UNKNOWN));
}

/* ---- tensor files ---- */

static void ref__npy_round_trip(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), path[4200];
  Err err = {0};
  static const DType types[] = {DT_F32, DT_F16, DT_I64, DT_I32, DT_U8, DT_BOOL};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    RefTensor t = {0}, back = {0};
    assert_int_equal(ref_tensor_alloc(&t, types[i], 2, I64S(2, 3), &err), 0);
    for (int k = 0; k < 6; k++) ref_set_f64(&t, k, k * 1.5 - 2);
    snprintf(path, sizeof path, "%s/t%zu.npy", dir, i);
    assert_int_equal(tio_write_npy(path, &t, &err), 0);
    assert_int_equal(tio_read_npy(&back, path, &err), 0);
    assert_int_equal(back.dtype, types[i]);
    assert_int_equal(back.rank, 2);
    assert_int_equal(back.dims[1], 3);
    for (int k = 0; k < 6; k++) assert_true(ref_get_f64(&back, k) == ref_get_f64(&t, k));
    ref_tensor_free(&t);
    ref_tensor_free(&back);
  }
  /* a 1-D shape is written "(3,)", which numpy requires */
  RefTensor t = {0};
  Buf b = BUF_INIT;
  assert_int_equal(ref_tensor_alloc(&t, DT_F32, 1, I64S(3), &err), 0);
  assert_int_equal(tio_encode_npy(&b, &t, &err), 0);
  assert_int_equal(b.len % 16, 12); /* 64-byte header + 12 bytes of data */
  assert_non_null(memmem(b.data, b.len, "'shape': (3,)", 13));
  /* hostile and unsupported headers */
  RefTensor bad = {0};
  assert_int_equal(tio_decode_npy(&bad, b.data, 20, "x.npy", &err), -1);
  assert_int_equal(err.code, ERR_PARSE);
  char *p = memmem(b.data, b.len, "False", 5);
  memcpy(p, "True ", 5);
  assert_int_equal(tio_decode_npy(&bad, b.data, b.len, "x.npy", &err), -1);
  assert_int_equal(err.code, ERR_UNSUPPORTED_OP);
  assert_string_equal(err.msg, "Fortran-order .npy arrays are not supported (save in C order)");
  buf_free(&b);
  ref_tensor_free(&t);
  tu_rmrf(dir);
  free(dir);
}

static void ref__pb_parse_raw_and_typed(void **state) {
  (void)state;
  Err err = {0};
  RefTensor t = {0}, back = {0};
  char *name = NULL;
  Buf b = BUF_INIT;
  assert_int_equal(ref_tensor_alloc(&t, DT_I64, 1, I64S(3), &err), 0);
  t.i[0] = -5, t.i[1] = 1LL << 40, t.i[2] = 7;
  assert_int_equal(tio_encode_pb(&b, &t, "shape", &err), 0);
  assert_int_equal(tio_decode_pb(&back, &name, b.data, b.len, "x.pb", &err), 0);
  assert_string_equal(name, "shape");
  assert_int_equal(back.dtype, DT_I64);
  assert_true(back.i[1] == 1LL << 40 && back.i[0] == -5);
  free(name);
  ref_tensor_free(&back);
  buf_free(&b);
  /* float_data (typed field) instead of raw_data */
  Onnx__TensorProto tp;
  onnx__tensor_proto__init(&tp);
  int64_t dims[2] = {1, 2};
  float fv[2] = {0.5f, -3};
  tp.n_dims = 2, tp.dims = dims, tp.has_data_type = 1, tp.data_type = 1, tp.n_float_data = 2,
  tp.float_data = fv;
  uint8_t raw[64];
  size_t len = onnx__tensor_proto__pack(&tp, raw);
  assert_int_equal(tio_decode_pb(&back, NULL, raw, len, "x.pb", &err), 0);
  assert_int_equal(back.rank, 2);
  assert_true(back.f[0] == 0.5f && back.f[1] == -3);
  ref_tensor_free(&back);
  tp.n_float_data = 1; /* too few values for the shape */
  len = onnx__tensor_proto__pack(&tp, raw);
  assert_int_equal(tio_decode_pb(&back, NULL, raw, len, "x.pb", &err), -1);
  assert_int_equal(err.code, ERR_PARSE);
  assert_string_equal(err.msg, "tensor has 1 values, its shape needs 2");
  assert_string_equal(err.file, "x.pb");
  ref_tensor_free(&t);
}

static void ref__ppm_is_u8_nhwc(void **state) {
  (void)state;
  static const uint8_t ppm[] = "P6\n# comment\n2 1\n255\n\x01\x02\x03\x04\x05\x06";
  RefTensor t = {0};
  Err err = {0};
  assert_int_equal(tio_decode_image(&t, ppm, sizeof ppm - 1, "x.ppm", &err), 0);
  assert_int_equal(t.dtype, DT_U8);
  assert_int_equal(t.rank, 4);
  assert_true(t.dims[0] == 1 && t.dims[1] == 1 && t.dims[2] == 2 && t.dims[3] == 3);
  assert_true(t.i[0] == 1 && t.i[5] == 6);
  ref_tensor_free(&t);
  assert_int_equal(tio_decode_image(&t, ppm, sizeof ppm - 3, "x.ppm", &err), -1);
  assert_int_equal(err.code, ERR_PARSE);
}

/* ---- ONNX backend node tests ---- */

static void verify_all(RefMode mode) {
  const char *data = tu_shared_data();
  char dir[4096];
  if (data) snprintf(dir, sizeof dir, "%s/onnx-node", data);
  if (!data || !io_exists(dir)) {
    skip();
    return;
  }
  char *list = NULL;
  assert_int_equal(tu_run(&list, "ls -d '%s'/test_*/ 2>/dev/null", dir), 0);
  RefCase *cases = NULL;
  int n = 0, count[4] = {0, 0, 0, 0};
  for (char *line = list, *nl; line && *line; line = nl ? nl + 1 : NULL) {
    nl = strchr(line, '\n');
    if (nl) *nl = 0;
    Err err = {0};
    if (ref_verify_dir(&cases, &n, line, mode, &err) < 0) fail_msg("%s: %s", line, err.msg);
  }
  for (int i = 0; i < n; i++) {
    count[cases[i].status]++;
    if (cases[i].status == REF_FAIL || cases[i].status == REF_UNINFORMATIVE)
      print_message("%s %s: %s\n", cases[i].status == REF_FAIL ? "FAIL" : "UNINFORMATIVE",
                    cases[i].name, cases[i].msg);
  }
  print_message("onnx-node via %s: %d passed, %d failed, %d unsupported, %d uninformative\n",
                mode == REF_FP16 ? "graph-fp16" : "graph", count[REF_PASS], count[REF_FAIL],
                count[REF_UNSUPPORTED], count[REF_UNINFORMATIVE]);
  assert_true(n > 0);
  assert_int_equal(count[REF_FAIL], 0);
  free(cases);
  free(list);
}

static void ref__onnx_node_tests_pass_fp32(void **state) {
  (void)state;
  verify_all(REF_FP32);
}

static void ref__onnx_node_tests_pass_fp16(void **state) {
  (void)state;
  verify_all(REF_FP16);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ref__conv_pads_and_stride),
      cmocka_unit_test(ref__conv_group_with_bias),
      cmocka_unit_test(ref__conv_dilation),
      cmocka_unit_test(ref__conv_auto_pad_same_lower),
      cmocka_unit_test(ref__conv_transpose_stride),
      cmocka_unit_test(ref__max_pool_ceil_mode),
      cmocka_unit_test(ref__average_pool_count_include_pad),
      cmocka_unit_test(ref__resize_nearest_modes),
      cmocka_unit_test(ref__resize_linear),
      cmocka_unit_test(ref__gemm_trans_b_and_bias),
      cmocka_unit_test(ref__softmax_axis_per_opset),
      cmocka_unit_test(ref__slice_negative_steps),
      cmocka_unit_test(ref__topk_and_argmax_prefer_first_index),
      cmocka_unit_test(ref__depth_to_space_crd),
      cmocka_unit_test(ref__fp16_mode_rounds_every_float),
      cmocka_unit_test(ref__unknown_op_is_unsupported),
      cmocka_unit_test(ref__wrong_input_shape_is_an_error),
      cmocka_unit_test(ref__every_op_but_nms_has_a_kernel),
      cmocka_unit_test(ref__npy_round_trip),
      cmocka_unit_test(ref__pb_parse_raw_and_typed),
      cmocka_unit_test(ref__ppm_is_u8_nhwc),
      cmocka_unit_test(ref__onnx_node_tests_pass_fp32),
      cmocka_unit_test(ref__onnx_node_tests_pass_fp16),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
