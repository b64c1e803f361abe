/* tests/test_passes.c — FP16 rounding, preprocessing insertion, BN fusion, VPU verdicts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/passes/passes.h"
#include "testutil.h"

static float f32_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

/* ---- FP16 ---- */

static void passes__fp16_rounds_ties_to_even(void **state) {
  (void)state;
  /* 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1.0) */
  assert_int_equal(fp16_from_f32(1.0f + ldexpf(1, -11)), 0x3c00);
  /* 1 + 3 * 2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even): rounds up */
  assert_int_equal(fp16_from_f32(1.0f + 3 * ldexpf(1, -11)), 0x3c02);
  /* just above the halfway point rounds up */
  assert_int_equal(fp16_from_f32(f32_bits(0x3f801001u)), 0x3c01);
  assert_int_equal(fp16_from_f32(0.1f), 0x2e66);
  assert_int_equal(fp16_from_f32(-2.0f), 0xc000);
  assert_int_equal(fp16_from_f32(0.0f), 0x0000);
  assert_int_equal(fp16_from_f32(-0.0f), 0x8000);
}

static void passes__fp16_subnormals(void **state) {
  (void)state;
  assert_int_equal(fp16_from_f32(ldexpf(1, -24)), 0x0001);    /* smallest subnormal */
  assert_int_equal(fp16_from_f32(ldexpf(1, -25)), 0x0000);    /* half of it: tie to even 0 */
  assert_int_equal(fp16_from_f32(ldexpf(3, -26)), 0x0001);    /* 0.75 * 2^-24 -> 1 */
  assert_int_equal(fp16_from_f32(ldexpf(3, -25)), 0x0002);    /* 1.5 * 2^-24: tie to even 2 */
  assert_int_equal(fp16_from_f32(ldexpf(1, -14)), 0x0400);    /* smallest normal */
  assert_int_equal(fp16_from_f32(ldexpf(1023, -24)), 0x03ff); /* largest subnormal */
  assert_int_equal(fp16_from_f32(ldexpf(2047, -25)), 0x0400); /* rounds up into the normals */
  assert_true(fp16_to_f32(0x0001) == ldexpf(1, -24));
  assert_true(fp16_to_f32(0x03ff) == ldexpf(1023, -24));
}

static void passes__fp16_overflow_gives_inf_and_is_counted(void **state) {
  (void)state;
  assert_int_equal(fp16_from_f32(65504.0f), 0x7bff); /* largest half */
  assert_int_equal(fp16_from_f32(65519.0f), 0x7bff); /* below the midpoint to inf */
  assert_int_equal(fp16_from_f32(65520.0f), 0x7c00); /* midpoint rounds to inf */
  assert_int_equal(fp16_from_f32(-1e6f), 0xfc00);
  assert_int_equal(fp16_from_f32(INFINITY), 0x7c00);
  assert_true((fp16_from_f32(NAN) & 0x7c00) == 0x7c00 && (fp16_from_f32(NAN) & 0x3ff) != 0);
  float src[6] = {1e6f, -70000.0f, 1e-9f, 0.0f, INFINITY, 1.0f};
  uint16_t dst[6];
  size_t sat = 0, under = 0;
  fp16_convert(dst, src, 6, &sat, &under);
  assert_int_equal(sat, 2);   /* 1e6 and -70000; inf was inf already */
  assert_int_equal(under, 1); /* 1e-9; 0 was 0 already */
  assert_int_equal(dst[5], 0x3c00);
}

static void passes__fp16_roundtrip_all_halves(void **state) {
  (void)state;
  for (uint32_t h = 0; h < 0x10000; h++) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue; /* NaNs: payload kept, checked above */
    assert_int_equal(fp16_from_f32(fp16_to_f32((uint16_t)h)), h);
  }
}

/* fp16_convert (F16C path on CPUs that have it) agrees with fp16_from_f32 and its counters on a
 * sweep of 2^20 bit patterns across the whole float range, NaNs and infinities included. */
static void passes__fp16_convert_matches_the_scalar_rounding(void **state) {
  (void)state;
  enum { N = 1 << 12 };
  static float src[N];
  static uint16_t got[N];
  for (uint64_t base = 0; base < (1ull << 32); base += (1ull << 32) / 256) {
    for (int i = 0; i < N; i++) {
      uint32_t x = (uint32_t)(base + (uint64_t)i * 1048573u);
      memcpy(&src[i], &x, 4);
    }
    size_t s1 = 0, u1 = 0, s2 = 0, u2 = 0;
    fp16_convert(got, src, N, &s1, &u1);
    for (int i = 0; i < N; i++) {
      uint16_t h = fp16_from_f32(src[i]);
      assert_int_equal(got[i], h);
      uint32_t x;
      memcpy(&x, &src[i], 4);
      s2 += ((h & 0x7fff) == 0x7c00) && ((x & 0x7f800000) != 0x7f800000);
      u2 += ((h & 0x7fff) == 0) && ((x & 0x7fffffff) != 0);
    }
    assert_int_equal(s1, s2);
    assert_int_equal(u1, u2);
  }
}

/* ---- graph helpers ---- */

static int tensor(IrGraph *g, const char *name, DType dt, int rank, const int64_t *dims) {
  int t = ir_add_tensor(g, name);
  g->tensors[t].dtype = dt;
  ir_set_shape(g, t, rank, dims);
  return t;
}

/* x [1,3,4,4] f32 -> Relu -> y */
static IrGraph *relu_graph(Arena *a) {
  IrGraph *g = ir_new(a, "t.onnx");
  int64_t d[4] = {1, 3, 4, 4};
  int x = tensor(g, "x", DT_F32, 4, d);
  ir_add_input(g, x);
  int n = ir_add_node(g, IR_OP_RELU, NULL, "relu");
  ir_node_add_input(g, n, x);
  int y = ir_node_add_output(g, n, "y");
  ir_add_output(g, y);
  return g;
}

static const IrNode *producer(const IrGraph *g, int t) {
  int p = g->tensors[t].producer;
  return p >= 0 ? &g->nodes[p] : NULL;
}

static void passes__preprocessing_chain_in_mo_order(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = relu_graph(a);
  CompInput in = {.layout = LAYOUT_NCHW,
                  .frame_layout = LAYOUT_NHWC,
                  .n_mean = 3,
                  .mean = {1, 2, 3},
                  .n_scale = 1,
                  .scale = {4},
                  .reverse_input_channels = true,
                  .precision = PREC_U8};
  CompileOptions opt = {.inputs = &in, .n_inputs = 1};
  PassStats st = {0};
  Err err = {0};
  assert_int_equal(pass_preprocess(g, &opt, &st, &err), 0);
  assert_int_equal(ir_infer(g, &err), 0);
  /* the graph input keeps its name, is U8 and interleaved */
  const IrTensor *in_t = &g->tensors[g->inputs[0]];
  assert_string_equal(in_t->name, "x");
  assert_int_equal(in_t->dtype, DT_U8);
  assert_int_equal(in_t->rank, 4);
  assert_int_equal(in_t->dims[1], 4);
  assert_int_equal(in_t->dims[3], 3);
  /* walk back from the relu: Gather <- Div <- Sub <- Transpose <- Cast <- input */
  const IrNode *relu = NULL;
  for (int i = 0; i < g->n_nodes; i++)
    if (g->nodes[i].op == IR_OP_RELU) relu = &g->nodes[i];
  assert_non_null(relu);
  IrOp want[5] = {IR_OP_GATHER, IR_OP_DIV, IR_OP_SUB, IR_OP_TRANSPOSE, IR_OP_CAST};
  int t = relu->inputs[0];
  for (int k = 0; k < 5; k++) {
    const IrNode *p = producer(g, t);
    assert_non_null(p);
    assert_int_equal(p->op, want[k]);
    assert_string_equal(p->origin, "preprocessing");
    t = p->inputs[0];
  }
  assert_int_equal(t, g->inputs[0]);
  /* mean is per channel in frame order (reversed with the channels), shaped [1,3,1,1] */
  const IrNode *sub = producer(g, producer(g, producer(g, relu->inputs[0])->inputs[0])->inputs[0]);
  assert_int_equal(sub->op, IR_OP_SUB);
  const IrTensor *mean = &g->tensors[sub->inputs[1]];
  assert_int_equal(mean->rank, 4);
  assert_int_equal(mean->dims[1], 3);
  assert_true(ir_const_f64(mean, 0) == 3.0 && ir_const_f64(mean, 2) == 1.0);
  /* the relu input is again 1x3x4x4 float */
  assert_int_equal(g->tensors[relu->inputs[0]].dims[1], 3);
  ir_release(g);
  arena_free(a);
}

static void check_pre_error(CompInput in, const char *msg) {
  Arena *a = arena_new();
  IrGraph *g = relu_graph(a);
  CompileOptions opt = {.inputs = &in, .n_inputs = 1};
  PassStats st = {0};
  Err err = {0};
  assert_int_equal(pass_preprocess(g, &opt, &st, &err), -1);
  assert_int_equal(err.code, ERR_SHAPE);
  assert_string_equal(err.msg, msg);
  assert_string_equal(err.file, "t.onnx");
  arena_free(a);
}

static void passes__preprocessing_errors_are_exact(void **state) {
  (void)state;
  check_pre_error((CompInput){.n_mean = 2, .mean = {1, 2}},
                  "mean_values has 2 values, input 'x' has 3 channels");
  check_pre_error((CompInput){.n_scale = 3, .scale = {1, 0, 1}}, "scale_values[1] is 0");
  check_pre_error((CompInput){.n_mean = 1, .mean = {NAN}}, "mean_values[0] is not a finite number");
  check_pre_error((CompInput){.name = "nope"}, "the model has no input named 'nope'");
  check_pre_error((CompInput){.has_shape = true, .rank = 4, .shape = {1, 3, 5, 4}},
                  "shape dim 2 is 5, model input 'x' has 1x3x4x4");
  check_pre_error((CompInput){.layout = LAYOUT_NC}, "layout NC does not fit input 'x' of rank 4");
}

static void passes__fp16_input_keeps_float_and_skips_cast(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = relu_graph(a);
  CompInput in = {.precision = PREC_FP16};
  CompileOptions opt = {.inputs = &in, .n_inputs = 1};
  PassStats st = {0};
  Err err = {0};
  assert_int_equal(pass_preprocess(g, &opt, &st, &err), 0);
  assert_int_equal(g->n_nodes, 1); /* nothing to do */
  assert_int_equal(pass_fp16(g, &opt, &st, &err), 0);
  assert_int_equal(g->tensors[g->inputs[0]].dtype, DT_F16);
  arena_free(a);
}

/* ---- BN fusion ---- */

static void passes__batchnorm_folds_into_conv(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "bn.onnx");
  int64_t xd[4] = {1, 1, 3, 3}, wd[4] = {2, 1, 1, 1}, cd[1] = {2};
  int x = tensor(g, "x", DT_F32, 4, xd);
  ir_add_input(g, x);
  float w[2] = {1, 2}, gam[2] = {2, 3}, bet[2] = {0.5f, -1}, mean[2] = {1, 0}, var[2] = {3, 0};
  int wt = pass_const(g, "w", DT_F32, 4, wd, w);
  int c = ir_add_node(g, IR_OP_CONV, NULL, "conv");
  ir_node_add_input(g, c, x);
  ir_node_add_input(g, c, wt);
  int cy = ir_node_add_output(g, c, "cy");
  int b = ir_add_node(g, IR_OP_BATCH_NORM, NULL, "bn");
  ir_node_add_input(g, b, cy);
  ir_node_add_input(g, b, pass_const(g, "g", DT_F32, 1, cd, gam));
  ir_node_add_input(g, b, pass_const(g, "b", DT_F32, 1, cd, bet));
  ir_node_add_input(g, b, pass_const(g, "m", DT_F32, 1, cd, mean));
  ir_node_add_input(g, b, pass_const(g, "v", DT_F32, 1, cd, var));
  ir_node_add_attr(g, b, "epsilon", ATTR_FLOAT)->f = 1.0f;
  int y = ir_node_add_output(g, b, "y");
  ir_add_output(g, y);
  Err err = {0};
  assert_int_equal(ir_infer(g, &err), 0);
  CompileOptions opt = {0};
  PassStats st = {0};
  assert_int_equal(pass_fuse_bn(g, &opt, &st, &err), 0);
  assert_int_equal(st.n_fused, 1);
  assert_int_equal(ir_count_live(g), 1);
  const IrNode *conv = producer(g, y);
  assert_non_null(conv);
  assert_int_equal(conv->op, IR_OP_CONV);
  /* s = gamma / sqrt(var + eps) = {1, 3}; w' = w * s; b' = (0 - mean) * s + beta */
  const IrTensor *nw = &g->tensors[conv->inputs[1]], *nb = &g->tensors[conv->inputs[2]];
  assert_true(fabs(ir_const_f64(nw, 0) - 1.0) < 1e-6 && fabs(ir_const_f64(nw, 1) - 6.0) < 1e-6);
  assert_true(fabs(ir_const_f64(nb, 0) - (-0.5)) < 1e-6 &&
              fabs(ir_const_f64(nb, 1) - (-1.0)) < 1e-6);
  assert_int_equal(ir_toposort(g, &err), 0);
  arena_free(a);
}

/* ---- verdicts ---- */

static Verdict judge_one(IrOp op, const char *op_type, const char *attr, const char *val,
                         const char **reason, const char **fix, Arena *a) {
  IrGraph *g = ir_new(a, "v.onnx");
  int64_t d[4] = {1, 3, 4, 4};
  int x = tensor(g, "x", DT_F32, 4, d);
  ir_add_input(g, x);
  int n = ir_add_node(g, op, op_type, "node");
  ir_node_add_input(g, n, x);
  if (attr) ir_node_add_attr(g, n, attr, ATTR_STRING)->s = val;
  int y = ir_node_add_output(g, n, "y");
  g->tensors[y].dtype = DT_F32;
  ir_set_shape(g, y, 4, d);
  return vpu_judge(g, n, reason, fix);
}

static void passes__verdicts_name_reason_and_fix(void **state) {
  (void)state;
  Arena *a = arena_new();
  const char *r, *f;
  assert_int_equal(judge_one(IR_OP_RELU, NULL, NULL, NULL, &r, &f, a), VERDICT_SUPPORTED);
  assert_int_equal(judge_one(IR_OP_RANGE, NULL, NULL, NULL, &r, &f, a), VERDICT_UNSUPPORTED);
  assert_string_equal(r, "Range is not supported on MYRIAD (VPU column 'Not Supported')");
  assert_non_null(strstr(f, "constant"));
  /* issue 18: what MYRIAD lacks but can express is rewritten, the reason names the rewrite */
  assert_int_equal(judge_one(IR_OP_HARD_SIGMOID, NULL, NULL, NULL, &r, &f, a), VERDICT_CONVERTED);
  assert_string_equal(
      r, "HardSigmoid rewritten as ScaleShift (a Power stage: alpha * x + beta) + Clamp [0, 1]");
  assert_int_equal(judge_one(IR_OP_LOG_SOFTMAX, NULL, NULL, NULL, &r, &f, a), VERDICT_CONVERTED);
  assert_non_null(strstr(r, "LogSoftmax rewritten as"));
  assert_int_equal(judge_one(IR_OP_RESIZE, NULL, "mode", "cubic", &r, &f, a), VERDICT_UNSUPPORTED);
  assert_string_equal(r,
                      "Resize mode 'cubic' is not supported on MYRIAD (nearest and linear only)");
  assert_string_equal(f, "export with mode='linear' or 'nearest'");
  assert_int_equal(judge_one(IR_OP_UNKNOWN, "Sin", NULL, NULL, &r, &f, a), VERDICT_UNSUPPORTED);
  assert_string_equal(r, "unsupported layer type 'Sin': not in the MYRIAD layer list");
  assert_int_equal(judge_one(IR_OP_RESIZE, NULL, "mode", "linear", &r, &f, a), VERDICT_CONVERTED);
  assert_non_null(strstr(r, "half_pixel"));
  arena_free(a);
}

static void passes__int64_input_becomes_i32_with_a_converted_verdict(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "i.onnx");
  int64_t d[2] = {1, 16};
  int x = tensor(g, "ids", DT_I64, 2, d);
  ir_add_input(g, x);
  int n = ir_add_node(g, IR_OP_CAST, NULL, "cast");
  ir_node_add_input(g, n, x);
  ir_node_add_attr(g, n, "to", ATTR_INT)->i = 1;
  int y = ir_node_add_output(g, n, "y");
  ir_add_output(g, y);
  CompileOptions opt = {0};
  PassStats st = {0};
  Err err = {0};
  assert_int_equal(pass_int_inputs(g, &opt, &st, &err), 0);
  assert_int_equal(ir_infer(g, &err), 0);
  assert_int_equal(g->tensors[x].dtype, DT_I32);
  assert_int_equal(pass_verdicts(g, &opt, &st, &err), 0);
  assert_int_equal(g->nodes[n].verdict, VERDICT_CONVERTED);
  assert_string_equal(g->nodes[n].reason, "input 'ids' is INT64: the VPU has no I64, it is fed as "
                                          "I32 and a Convert to FP16 is inserted");
  arena_free(a);
}

/* ---- the IR verifier run between passes ---- */

/* x -> Relu -> y -> Relu -> z, in order. */
static IrGraph *chain(Arena *a, int *n1, int *n2) {
  IrGraph *g = ir_new(a, "v.onnx");
  int64_t d[2] = {1, 4};
  int x = tensor(g, "x", DT_F32, 2, d);
  ir_add_input(g, x);
  *n1 = ir_add_node(g, IR_OP_RELU, "Relu", "r1");
  ir_node_add_input(g, *n1, x);
  int y = ir_node_add_output(g, *n1, "y");
  *n2 = ir_add_node(g, IR_OP_RELU, "Relu", "r2");
  ir_node_add_input(g, *n2, y);
  int z = ir_node_add_output(g, *n2, "z");
  ir_add_output(g, z);
  return g;
}

static void passes__ir_verify_catches_broken_graphs(void **state) {
  (void)state;
  Arena *a = arena_new();
  Err err = {0};
  int n1, n2;
  IrGraph *g = chain(a, &n1, &n2);
  assert_int_equal(ir_verify(g, "test", &err), 0);
  assert_int_equal(ir_infer(g, &err), 0);
  assert_int_equal(ir_verify(g, "infer", &err), 0);
  /* out of order: r2 placed before the node that makes its input */
  IrNode t = g->nodes[n1];
  g->nodes[n1] = g->nodes[n2];
  g->nodes[n2] = t;
  g->tensors[g->nodes[n1].outputs[0]].producer = n1;
  g->tensors[g->nodes[n2].outputs[0]].producer = n2;
  assert_int_equal(ir_verify(g, "swap", &err), -1);
  assert_int_equal(err.code, ERR_INTERNAL);
  assert_non_null(strstr(err.msg, "after swap: node reads a tensor made later"));
  assert_string_equal(err.node, "r2");
  /* two producers of one tensor */
  g = chain(a, &n1, &n2);
  g->nodes[n2].outputs[0] = g->nodes[n1].outputs[0];
  memset(&err, 0, sizeof err);
  assert_int_equal(ir_verify(g, "dup", &err), -1);
  assert_non_null(strstr(err.msg, "tensor produced by two live nodes"));
  /* a read tensor that nothing makes */
  g = chain(a, &n1, &n2);
  g->nodes[n2].inputs[0] = ir_add_tensor(g, "ghost");
  memset(&err, 0, sizeof err);
  assert_int_equal(ir_verify(g, "ghost", &err), -1);
  assert_non_null(strstr(err.msg, "node reads a tensor nothing makes: 'ghost'"));
  /* after inference: a constant shorter than its shape */
  g = chain(a, &n1, &n2);
  assert_int_equal(ir_infer(g, &err), 0);
  int64_t d[1] = {8};
  int c = pass_const(g, "w", DT_F32, 1, d, (float[8]){0});
  g->tensors[c].nbytes = 4;
  memset(&err, 0, sizeof err);
  assert_int_equal(ir_verify(g, "short", &err), -1);
  assert_non_null(strstr(err.msg, "constant shorter than its shape: 'w'"));
  /* a dead node's producer entry does not count: folding keeps the tensor as a constant */
  g = chain(a, &n1, &n2);
  g->nodes[n1].dead = true;
  memset(&err, 0, sizeof err);
  assert_int_equal(ir_verify(g, "dead", &err), -1); /* y is neither made nor constant */
  assert_non_null(strstr(err.msg, "node reads a tensor nothing makes: 'y'"));
  arena_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(passes__ir_verify_catches_broken_graphs),
      cmocka_unit_test(passes__fp16_rounds_ties_to_even),
      cmocka_unit_test(passes__fp16_subnormals),
      cmocka_unit_test(passes__fp16_overflow_gives_inf_and_is_counted),
      cmocka_unit_test(passes__fp16_roundtrip_all_halves),
      cmocka_unit_test(passes__fp16_convert_matches_the_scalar_rounding),
      cmocka_unit_test(passes__preprocessing_chain_in_mo_order),
      cmocka_unit_test(passes__preprocessing_errors_are_exact),
      cmocka_unit_test(passes__fp16_input_keeps_float_and_skips_cast),
      cmocka_unit_test(passes__batchnorm_folds_into_conv),
      cmocka_unit_test(passes__verdicts_name_reason_and_fix),
      cmocka_unit_test(passes__int64_input_becomes_i32_with_a_converted_verdict),
  };
  return cmocka_run_group_tests_name("passes", tests, NULL, NULL);
}
