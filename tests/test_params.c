/* tests/test_params.c — attributes decoded once (compiler/graph/params.c) and the one scalar
 * evaluator (compiler/graph/scalar.c). Expected defaults are the ONNX operator specification's
 * (OpenVINO's opset-1 specification for DetectionOutput / PriorBoxClustered); expected scalar
 * results are numpy's (the ONNX reference implementation), worked out by hand. */
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/graph/ir.h"
#include "compiler/graph/params.h"
#include "compiler/graph/scalar.h"
#include "compiler/ref/ref.h"

#define I64S(...)  ((const int64_t[]){__VA_ARGS__})
#define NARGS(...) ((int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)))

typedef struct {
  Arena *a;
  IrGraph *g;
  Err err;
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
  arena_free(c->a);
  free(c);
}

static int input(IrGraph *g, const char *name, DType dt, int rank, const int64_t *dims) {
  int t = ir_add_tensor(g, name);
  g->tensors[t].dtype = dt;
  ir_set_shape(g, t, rank, dims);
  ir_add_input(g, t);
  return t;
}
#define INPUT(g, name, dt, ...) input(g, name, dt, NARGS(__VA_ARGS__), I64S(__VA_ARGS__))

static int cst(IrGraph *g, const char *name, DType dt, int rank, const int64_t *dims,
               const void *data) {
  int t = ir_add_tensor(g, name);
  ir_set_const(g, t, dt, rank, dims, data);
  return t;
}

/* A node of op reading x (and y when >= 0), one output named <name>_0. */
static int node(IrGraph *g, IrOp op, const char *name, int x, int y) {
  int n = ir_add_node(g, op, NULL, name);
  ir_node_add_input(g, n, x);
  if (y >= 0) ir_node_add_input(g, n, y);
  char buf[160];
  snprintf(buf, sizeof buf, "%s_0", name);
  ir_node_add_output(g, n, buf);
  return n;
}

static void attr_i(IrGraph *g, int n, const char *name, int64_t v) {
  ir_node_add_attr(g, n, name, ATTR_INT)->i = v;
}
static void attr_f(IrGraph *g, int n, const char *name, float v) {
  ir_node_add_attr(g, n, name, ATTR_FLOAT)->f = v;
}
static void attr_s(IrGraph *g, int n, const char *name, const char *v) {
  ir_node_add_attr(g, n, name, ATTR_STRING)->s = arena_strdup(g->arena, v);
}
static void attr_ints(IrGraph *g, int n, const char *name, int cnt, const int64_t *v) {
  int64_t *p = arena_array(g->arena, (size_t)cnt + 1, sizeof *p);
  memcpy(p, v, (size_t)cnt * sizeof *p);
  IrAttr *a = ir_node_add_attr(g, n, name, ATTR_INTS);
  a->ints = p;
  a->n = cnt;
}
#define ATTR_INTS(g, n, name, ...) attr_ints(g, n, name, NARGS(__VA_ARGS__), I64S(__VA_ARGS__))

static const IrNode *N(Ctx *c, int n) { return &c->g->nodes[n]; }

/* ---- defaults (ONNX specification) ---- */

static void params__activation_defaults_are_onnx_s(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = INPUT(c->g, "x", DT_F32, 1, 4);
  int lr = node(c->g, IR_OP_LEAKY_RELU, "lr", x, -1), el = node(c->g, IR_OP_ELU, "el", x, -1);
  int hs = node(c->g, IR_OP_HARD_SIGMOID, "hs", x, -1), cl = node(c->g, IR_OP_CLIP, "cl", x, -1);
  assert_true(ir_act_params(c->g, N(c, lr))->alpha == 0.01f);
  assert_true(ir_act_params(c->g, N(c, el))->alpha == 1.0f);
  assert_true(ir_act_params(c->g, N(c, hs))->alpha == 0.2f &&
              ir_act_params(c->g, N(c, hs))->beta == 0.5f);
  const IrClipParams *cp = ir_clip_params(c->g, N(c, cl));
  assert_false(cp->has_min || cp->has_max);
  assert_true(cp->min == -INFINITY && cp->max == INFINITY);
  ctx_free(c);
}

static void params__window_defaults_and_given_values(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = INPUT(c->g, "x", DT_F32, 1, 3, 8, 8);
  int w = INPUT(c->g, "w", DT_F32, 4, 3, 3, 3);
  int a = node(c->g, IR_OP_CONV, "a", x, w), b = node(c->g, IR_OP_CONV, "b", x, w);
  const IrWindowParams *p = ir_window_params(c->g, N(c, a));
  assert_false(p->has_kernel);
  assert_int_equal(p->n_strides, 0);
  assert_int_equal(p->strides[0], 1);
  assert_int_equal(p->strides[1], 1);
  assert_int_equal(p->dilations[1], 1);
  assert_int_equal(p->pads[3], 0);
  assert_int_equal(p->group, 1);
  assert_int_equal(p->auto_pad, IR_AUTO_PAD_NOTSET);
  assert_false(p->ceil_mode);
  ATTR_INTS(c->g, b, "strides", 2, 3);
  ATTR_INTS(c->g, b, "pads", 1, 0, 2, 0);
  attr_s(c->g, b, "auto_pad", "");
  attr_i(c->g, b, "group", 3);
  p = ir_window_params(c->g, N(c, b));
  assert_int_equal(p->n_strides, 2);
  assert_int_equal(p->strides[0], 2);
  assert_int_equal(p->strides[1], 3);
  assert_int_equal(p->n_pads, 4);
  assert_int_equal(p->pads[2], 2);
  assert_int_equal(p->auto_pad, IR_AUTO_PAD_NOTSET); /* an empty auto_pad means NOTSET */
  assert_int_equal(p->group, 3);
  ctx_free(c);
}

static void params__axis_defaults_follow_the_opset(void **state) {
  (void)state;
  Ctx *old = ctx_new(11), *cur = ctx_new(13);
  int x = INPUT(old->g, "x", DT_F32, 2, 3), y = INPUT(cur->g, "x", DT_F32, 2, 3);
  int so = node(old->g, IR_OP_SOFTMAX, "s", x, -1),
      sc = node(cur->g, IR_OP_LOG_SOFTMAX, "s", y, -1);
  assert_int_equal(ir_axis_params(old->g, N(old, so))->axis, 1); /* Softmax-1..12 */
  assert_true(ir_axis_params(old->g, N(old, so))->legacy);
  assert_int_equal(ir_axis_params(cur->g, N(cur, sc))->axis, -1); /* Softmax-13 */
  assert_false(ir_axis_params(cur->g, N(cur, sc))->legacy);
  int ga = node(cur->g, IR_OP_GATHER, "g", y, y), fl = node(cur->g, IR_OP_FLATTEN, "f", y, -1);
  int tk = node(cur->g, IR_OP_TOPK, "t", y, y), am = node(cur->g, IR_OP_ARGMAX, "am", y, -1);
  assert_int_equal(ir_axis_params(cur->g, N(cur, ga))->axis, 0);
  assert_int_equal(ir_axis_params(cur->g, N(cur, fl))->axis, 1);
  const IrTopKParams *t = ir_topk_params(cur->g, N(cur, tk));
  assert_true(t->axis == -1 && t->largest && t->sorted && !t->has_k);
  const IrArgMaxParams *m = ir_argmax_params(cur->g, N(cur, am));
  assert_true(m->axis == 0 && m->keepdims && !m->select_last_index);
  ctx_free(old);
  ctx_free(cur);
}

static void params__other_defaults_are_onnx_s(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = INPUT(c->g, "x", DT_F32, 1, 4, 2, 2);
  const IrGemmParams *gm = ir_gemm_params(c->g, N(c, node(c->g, IR_OP_GEMM, "gm", x, x)));
  assert_true(!gm->trans_a && !gm->trans_b && gm->alpha == 1.0f && gm->beta == 1.0f);
  const IrLrnParams *l = ir_lrn_params(c->g, N(c, node(c->g, IR_OP_LRN, "l", x, -1)));
  assert_true(l->size == 0 && l->alpha == 1e-4f && l->beta == 0.75f && l->bias == 1.0f);
  assert_true(ir_norm_params(c->g, N(c, node(c->g, IR_OP_BATCH_NORM, "bn", x, x)))->epsilon ==
              1e-5f);
  assert_true(ir_norm_params(c->g, N(c, node(c->g, IR_OP_INSTANCE_NORM, "in", x, x)))->epsilon ==
              1e-5f);
  const IrPadParams *pd = ir_pad_params(c->g, N(c, node(c->g, IR_OP_PAD, "pd", x, x)));
  assert_true(pd->mode == IR_PAD_CONSTANT && pd->value == 0.0f && pd->pads.n == 0);
  const IrAxesParams *rd = ir_axes_params(c->g, N(c, node(c->g, IR_OP_REDUCE_MEAN, "rd", x, -1)));
  assert_true(rd->keepdims && !rd->noop_with_empty_axes && rd->axes.n == 0);
  /* Shape's end defaults to past the last axis */
  assert_true(ir_shape_params(c->g, N(c, node(c->g, IR_OP_SHAPE, "sh", x, -1)))->end == INT64_MAX);
  int rz = node(c->g, IR_OP_RESIZE, "rz", x, x);
  ir_node_add_input(c->g, rz, x); /* X, roi, scales: Resize-11 */
  const IrResizeParams *r = ir_resize_params(c->g, N(c, rz));
  assert_false(r->legacy);
  assert_true(r->mode == IR_RESIZE_NEAREST && r->coord == IR_COORD_HALF_PIXEL);
  assert_true(r->nearest == IR_NEAREST_ROUND_PREFER_FLOOR && r->cubic_coeff_a == -0.75f);
  assert_true(r->keep_aspect == IR_ASPECT_STRETCH && !r->exclude_outside &&
              r->extrapolation_value == 0.0f);
  /* Upsample has no coordinate mode: asymmetric with the opset-10 nearest rule */
  const IrResizeParams *u = ir_resize_params(c->g, N(c, node(c->g, IR_OP_UPSAMPLE, "up", x, x)));
  assert_true(u->legacy && u->coord == IR_COORD_ASYMMETRIC && u->nearest == IR_NEAREST_SIMPLE);
  ctx_free(c);
}

/* ---- decoding and its errors ---- */

static void params__adding_an_attribute_decodes_the_node_again(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = INPUT(c->g, "x", DT_F32, 1, 4);
  int n = node(c->g, IR_OP_LEAKY_RELU, "lr", x, -1);
  assert_true(ir_act_params(c->g, N(c, n))->alpha == 0.01f);
  attr_f(c->g, n, "alpha", 0.25f);
  assert_true(ir_act_params(c->g, N(c, n))->alpha == 0.25f);
  ctx_free(c);
}

static void params__invalid_attributes_are_shape_errors_of_the_first_bad_node(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = INPUT(c->g, "x", DT_F32, 1, 4, 4, 4);
  int d = node(c->g, IR_OP_DEPTH_TO_SPACE, "d2s", x, -1);        /* blocksize missing */
  node(c->g, IR_OP_CAST, "cast", c->g->nodes[d].outputs[0], -1); /* 'to' missing */
  assert_int_equal(ir_infer(c->g, &c->err), -1);
  assert_int_equal(c->err.code, ERR_SHAPE);
  assert_string_equal(c->err.file, "t.onnx");
  assert_string_equal(c->err.node, "d2s");
  assert_string_equal(c->err.msg, "DepthToSpace: blocksize 0 is invalid");
  attr_i(c->g, d, "blocksize", 2);
  assert_int_equal(ir_infer(c->g, &c->err), -1);
  assert_string_equal(c->err.node, "cast");
  assert_string_equal(c->err.msg, "Cast: attribute 'to' is missing");
  ctx_free(c);
}

static void params__input_count_errors_come_before_attribute_errors(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int x = INPUT(c->g, "x", DT_F32, 1, 4);
  node(c->g, IR_OP_CAST, "cast", x, x); /* two inputs and no 'to' */
  assert_int_equal(ir_infer(c->g, &c->err), -1);
  assert_string_equal(c->err.msg, "Cast: expects at most 1 input, got 2");
  ctx_free(c);
}

/* ---- the scalar evaluator (numpy semantics) ---- */

static void scalar__max_min_propagate_nan_and_keep_the_first_on_ties(void **state) {
  (void)state;
  assert_true(isnan(ir_eval_binary_f(IR_OP_MAX, NAN, 1.0)));
  assert_true(isnan(ir_eval_binary_f(IR_OP_MAX, 1.0, NAN)));
  assert_true(isnan(ir_eval_binary_f(IR_OP_MIN, 1.0, NAN)));
  assert_true(ir_eval_binary_f(IR_OP_MAX, 2.0, 3.0) == 3.0);
  assert_true(ir_eval_binary_f(IR_OP_MIN, 2.0, 3.0) == 2.0);
  assert_false(
      signbit(ir_eval_binary_f(IR_OP_MAX, 0.0, -0.0))); /* numpy.maximum(0.0, -0.0) == 0.0 */
  assert_true(ir_eval_binary_f(IR_OP_EQUAL, NAN, NAN) == 0 &&
              ir_eval_binary_f(IR_OP_LESS, 1, 2) == 1);
}

static void scalar__clip_and_hard_sigmoid_follow_numpy_clip(void **state) {
  (void)state;
  IrUnaryArgs a = {.alpha = 0.25, .beta = 0.5, .lo = 2.0, .hi = 1.0};
  assert_true(ir_eval_unary_f(IR_OP_CLIP, &a, 0.0) == 1.0); /* min > max: numpy.clip gives max */
  assert_true(ir_eval_unary_f(IR_OP_CLIP, &a, 5.0) == 1.0);
  assert_true(isnan(ir_eval_unary_f(IR_OP_CLIP, &a, NAN)));
  int64_t r;
  assert_true(ir_eval_unary_i(IR_OP_CLIP, 0, 2, 1, &r) && r == 1);
  assert_true(isnan(ir_eval_unary_f(IR_OP_HARD_SIGMOID, &a, NAN)));
  assert_true(ir_eval_unary_f(IR_OP_HARD_SIGMOID, &a, 1.0) == 0.75);
  assert_true(ir_eval_unary_f(IR_OP_HARD_SIGMOID, &a, 4.0) == 1.0);
  assert_true(ir_eval_unary_f(IR_OP_HARD_SWISH, &a, 3.0) == 3.0);
  /* Sigmoid far below 0: no overflow, exp(-800) underflows to 0 */
  assert_true(ir_eval_unary_f(IR_OP_SIGMOID, &a, -800.0) == 0.0);
  assert_true(ir_eval_unary_f(IR_OP_SIGMOID, &a, 0.0) == 0.5);
}

static void scalar__integer_division_and_power(void **state) {
  (void)state;
  int64_t r = 42;
  assert_false(ir_eval_binary_i(IR_OP_DIV, 7, 0, &r)); /* undefined */
  assert_int_equal(r, 0);
  assert_true(ir_eval_binary_i(IR_OP_DIV, -7, 2, &r) && r == -3); /* truncates toward zero */
  assert_true(ir_eval_binary_i(IR_OP_DIV, INT64_MIN, -1, &r) && r == INT64_MIN);     /* wraps */
  assert_true(ir_eval_binary_i(IR_OP_POW, 3, 39, &r) && r == 4052555153018976267LL); /* exact */
  assert_true(ir_eval_binary_i(IR_OP_POW, 2, 64, &r) && r == 0);                     /* wraps */
  assert_true(ir_eval_binary_i(IR_OP_POW, -1, -3, &r) && r == -1);
  assert_true(ir_eval_binary_i(IR_OP_POW, 2, -1, &r) && r == 0);
  assert_false(ir_eval_binary_i(IR_OP_POW, 0, -1, &r)); /* 1 / 0 */
  assert_true(ir_eval_unary_i(IR_OP_ABS, INT64_MIN, 0, 0, &r) && r == INT64_MIN);
  assert_false(ir_eval_unary_i(IR_OP_EXP, 1, 0, 0, &r)); /* computed in floating point */
}

/* Folding refuses an integer division by zero; the reference executor stores 0 for it. */
static void scalar__integer_division_by_zero_is_left_to_run_time(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int64_t a[2] = {6, 7}, b[2] = {3, 0}, two = 2;
  int ta = cst(c->g, "a", DT_I64, 1, &two, a), tb = cst(c->g, "b", DT_I64, 1, &two, b);
  int d = node(c->g, IR_OP_DIV, "div", ta, tb);
  ir_add_output(c->g, c->g->nodes[d].outputs[0]);
  assert_int_equal(ir_infer(c->g, &c->err), 0);
  assert_false(c->g->nodes[d].dead);
  assert_null(c->g->tensors[c->g->nodes[d].outputs[0]].data);
  RefTensor *outs = NULL;
  int n_out = 0;
  assert_int_equal(ref_run(c->g, REF_FP32, NULL, 0, &outs, &n_out, &c->err), 0);
  assert_int_equal(n_out, 1);
  assert_int_equal(outs[0].i[0], 2);
  assert_int_equal(outs[0].i[1], 0);
  ref_tensors_free(outs, n_out);
  ctx_free(c);
}

/* Folding and the reference executor agree on Max with a NaN (both propagate it). */
static void scalar__folding_and_reference_agree_on_max_with_nan(void **state) {
  (void)state;
  Ctx *c = ctx_new(13);
  int64_t two = 2;
  float a[2] = {NAN, 1.0f}, b[2] = {0.0f, NAN};
  int ta = cst(c->g, "a", DT_F32, 1, &two, a), tb = cst(c->g, "b", DT_F32, 1, &two, b);
  int x = INPUT(c->g, "x", DT_F32, 2);
  int m = node(c->g, IR_OP_MAX, "mx", ta, tb);                       /* folded */
  int r = node(c->g, IR_OP_MAX, "mr", x, c->g->nodes[m].outputs[0]); /* computed by the reference */
  ir_add_output(c->g, c->g->nodes[r].outputs[0]);
  assert_int_equal(ir_infer(c->g, &c->err), 0);
  assert_true(c->g->nodes[m].dead);
  const IrTensor *f = &c->g->tensors[c->g->nodes[m].outputs[0]];
  assert_true(isnan(ir_const_f64(f, 0)) && isnan(ir_const_f64(f, 1)));
  RefTensor in, *outs = NULL;
  int n_out = 0;
  assert_int_equal(ref_tensor_alloc(&in, DT_F32, 1, &two, &c->err), 0);
  in.f[0] = 5.0f, in.f[1] = -5.0f;
  assert_int_equal(ref_run(c->g, REF_FP32, &in, 1, &outs, &n_out, &c->err), 0);
  assert_true(isnan(outs[0].f[0]) && isnan(outs[0].f[1]));
  ref_tensors_free(outs, n_out);
  ref_tensor_free(&in);
  ctx_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(params__activation_defaults_are_onnx_s),
      cmocka_unit_test(params__window_defaults_and_given_values),
      cmocka_unit_test(params__axis_defaults_follow_the_opset),
      cmocka_unit_test(params__other_defaults_are_onnx_s),
      cmocka_unit_test(params__adding_an_attribute_decodes_the_node_again),
      cmocka_unit_test(params__invalid_attributes_are_shape_errors_of_the_first_bad_node),
      cmocka_unit_test(params__input_count_errors_come_before_attribute_errors),
      cmocka_unit_test(scalar__max_min_propagate_nan_and_keep_the_first_on_ties),
      cmocka_unit_test(scalar__clip_and_hard_sigmoid_follow_numpy_clip),
      cmocka_unit_test(scalar__integer_division_and_power),
      cmocka_unit_test(scalar__integer_division_by_zero_is_left_to_run_time),
      cmocka_unit_test(scalar__folding_and_reference_agree_on_max_with_nan),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
