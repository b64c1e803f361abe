/*
 * tests/test_blob_exec.c — numerical proof that the blobs we write compute what the source
 * model computes: the model goes through the whole compiler (preprocessing, FP16, blob writer),
 * the blob is run stage by stage on the CPU (compiler/ref/blob_exec.c), and its outputs are
 * compared with the FP32 graph reference executor run on the SOURCE model (no passes) fed what
 * the manifest promises: the float, planar, RGB tensor (x - mean) / scale of the same frame.
 *
 * Tolerance (FP16 storage of every activation and weight): |blob - ref| <= 0.02 * max|ref| +
 * 0.001, i.e. a few FP16 ulps (2^-11 relative) accumulated over the network's depth. Swapped
 * channels, a wrong mean/scale or a wrong weight layout give errors of the order of max|ref|,
 * far outside it (the tests below also check that a wrong preprocessing is detected).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_read.h"
#include "compiler/compile.h"
#include "tests/support/onnx_build.h"
#include "compiler/ref/blob_exec.h"
#include "compiler/ref/ref.h"
#include "testutil.h"

typedef struct {
  double max_abs, max_ref;
} Diff;

/* Runs the source model (graph, FP32) on `in` and the compiled blob on `frame`: the blob with
 * every layer on SHAVEs (--hw off), and the blob with NCE (MyriadXHwOp) stages when it has any.
 * The second needs the blob executor's MyriadXHwOp interpreter (issue 16 part 1): until it is
 * there such a run is reported as not run, and the SHAVE run is the proof. Returns the worse. */
static Diff prove_once(const char *model, const CompileOptions *opt, const RefTensor *in,
                       const void *frame, bool hw_off);

static Diff prove(const char *model, const CompileOptions *opt, const RefTensor *in,
                  const void *frame) {
  Diff d = prove_once(model, opt, in, frame, true), h = prove_once(model, opt, in, frame, false);
  if (h.max_ref > 0 && h.max_abs > d.max_abs) d.max_abs = h.max_abs;
  return d;
}

static Diff prove_once(const char *model, const CompileOptions *opt, const RefTensor *in,
                       const void *frame, bool hw_off) {
  Err err = {0};
  Arena *a = arena_new();
  IrGraph *g = NULL;
  assert_int_equal(compile_load(&g, a, model, &err), 0);
  assert_int_equal(ir_infer(g, &err), 0);
  RefTensor *ref = NULL;
  int n_ref = 0;
  if (ref_run(g, REF_FP32, in, 1, &ref, &n_ref, &err) < 0) {
    char l[1400];
    fail_msg("%s", err_line(&err, l, sizeof l));
  }
  CompileResult res;
  CompileOptions o = *opt;
  o.source = model;
  o.want_blob = true;
  o.hw_off = hw_off;
  if (compile_model(&res, &o, &err) < 0) {
    char l[1400];
    fail_msg("%s", err_line(&err, l, sizeof l));
  }
  assert_true(res.blob.len > 0);
  BlobInfo *b = NULL;
  assert_int_equal(blob_parse(&b, a, res.blob.data, res.blob.len, "ours", &err), 0);
  Buf rep = BUF_INIT; /* every proven blob also passes blobc inspect --check */
  if (blob_check(b, &rep, &err) != 0)
    fail_msg("check: %.*s", (int)rep.len, rep.data ? (const char *)rep.data : "");
  buf_free(&rep);
  BlobRun run;
  const void *ins[1] = {frame};
  Diff d = {0, 0};
  if (!hw_off && res.n_hw_stages == 0) goto out; /* the same blob as the SHAVE run */
  if (blob_exec(&run, b, res.blob.data, res.blob.len, ins, &err) < 0) fail_msg("%s", err.msg);
  assert_int_equal(run.n_out, n_ref);
  for (int k = 0; k < n_ref; k++) {
    int64_t n = ref_numel(&ref[k]);
    bool ints = b->outputs[k].shape.data_type == BLOB_DT_S32; /* indices (ArgMax, TopK): exact */
    assert_true(ints || b->outputs[k].shape.data_type == BLOB_DT_FP16);
    assert_int_equal((uint64_t)n * (ints ? 4 : 2), b->outputs[k].byte_size);
    for (int64_t i = 0; i < n; i++) {
      double e = ref_get_f64(&ref[k], i), got;
      if (ints) {
        int32_t v;
        memcpy(&v, run.out[k] + 4 * i, 4);
        got = v;
        if (got != e)
          fail_msg("output %d element %lld: index %g, expected %g", k, (long long)i, got, e);
        continue;
      }
      uint16_t h;
      memcpy(&h, run.out[k] + 2 * i, 2);
      got = fp16_to_f32(h);
      if (fabs(got - e) > d.max_abs) d.max_abs = fabs(got - e);
      if (fabs(e) > d.max_ref) d.max_ref = fabs(e);
    }
  }
  blob_run_free(&run);
out:
  compile_result_free(&res);
  ref_tensors_free(ref, n_ref);
  ir_release(g);
  arena_free(a);
  return d;
}

static bool within(Diff d) { return d.max_abs <= 0.02 * d.max_ref + 1e-3; }

/* A BGR U8 frame [1,H,W,3] (interleaved) and the planar float input the model expects. */
static uint8_t *make_frame(int h, int w, uint64_t seed) {
  uint8_t *f = malloc((size_t)h * w * 3);
  for (int i = 0; i < h * w * 3; i++) {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    f[i] = (uint8_t)(seed >> 24);
  }
  return f;
}

static void planar_input(RefTensor *t, const uint8_t *frame, int h, int w, bool reverse,
                         const double *mean, const double *scale) {
  Err err = {0};
  int64_t dims[4] = {1, 3, h, w};
  assert_int_equal(ref_tensor_alloc(t, DT_F32, 4, dims, &err), 0);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        int src_c = reverse ? 2 - c : c; /* frames are BGR */
        double v = frame[(y * w + x) * 3 + src_c];
        t->f[(c * h + y) * w + x] = (float)((v - mean[c]) / scale[c]);
      }
}

static const char *zoo_model(const char *name) {
  static char p[4096];
  snprintf(p, sizeof p, "%s/%s", tu_demo_zoo(), name);
  return p;
}

static void check_preprocessing(const double mean[3], const double scale[3], bool reverse) {
  const char *model = zoo_model("tiny_relu.onnx");
  if (!io_exists(model)) skip();
  int h = 8, w = 8;
  uint8_t *frame = make_frame(h, w, 0x9e3779b97f4a7c15ull ^ (uint64_t)(mean[0] * 7 + scale[2]));
  CompInput ci = {.layout = LAYOUT_NCHW,
                  .frame_layout = LAYOUT_NHWC,
                  .n_mean = 3,
                  .n_scale = 3,
                  .reverse_input_channels = reverse,
                  .precision = PREC_U8};
  memcpy(ci.mean, mean, 3 * sizeof(double));
  memcpy(ci.scale, scale, 3 * sizeof(double));
  CompileOptions opt = {.model_name = "t",
                        .inputs = &ci,
                        .n_inputs = 1,
                        .shaves = 4,
                        .cmx_slices = 4,
                        .openvino = "2022.1"};
  RefTensor in;
  planar_input(&in, frame, h, w, reverse, mean, scale);
  Diff d = prove(model, &opt, &in, frame);
  fprintf(stderr, "  mean %g scale %g reverse %d: max |blob - ref| = %.4g (max |ref| %.3g)\n",
          mean[0], scale[0], reverse, d.max_abs, d.max_ref);
  assert_true(within(d));
  /* the same frame with the channels NOT reversed must be far off: the check has teeth */
  if (reverse) {
    RefTensor wrong;
    planar_input(&wrong, frame, h, w, false, mean, scale);
    Diff bad = prove(model, &opt, &wrong, frame);
    assert_false(within(bad));
    ref_tensor_free(&wrong);
  }
  ref_tensor_free(&in);
  free(frame);
}

static void blob_exec__preprocessing_range_0_1(void **state) {
  (void)state;
  double m[3] = {0, 0, 0}, s[3] = {255, 255, 255};
  check_preprocessing(m, s, true);
}
static void blob_exec__preprocessing_range_minus1_1(void **state) {
  (void)state;
  double m[3] = {127.5, 127.5, 127.5}, s[3] = {127.5, 127.5, 127.5};
  check_preprocessing(m, s, true);
}
static void blob_exec__preprocessing_range_minus_half_half(void **state) {
  (void)state;
  double m[3] = {127.5, 127.5, 127.5}, s[3] = {255, 255, 255};
  check_preprocessing(m, s, false);
}
static void blob_exec__preprocessing_imagenet_per_channel(void **state) {
  (void)state;
  double m[3] = {123.675, 116.28, 103.53}, s[3] = {58.395, 57.12, 57.375};
  check_preprocessing(m, s, true);
}

static void blob_exec__mobilenet_v2_matches_the_source_model(void **state) {
  (void)state;
  const char *model = zoo_model("mobilenet_v2.onnx");
  if (!io_exists(model)) skip();
  int h = 224, w = 224;
  uint8_t *frame = make_frame(h, w, 42);
  double m[3] = {123.675, 116.28, 103.53}, s[3] = {58.395, 57.12, 57.375};
  CompInput ci = {.layout = LAYOUT_NCHW,
                  .frame_layout = LAYOUT_NHWC,
                  .n_mean = 3,
                  .n_scale = 3,
                  .reverse_input_channels = true,
                  .precision = PREC_U8};
  memcpy(ci.mean, m, sizeof m);
  memcpy(ci.scale, s, sizeof s);
  CompileOptions opt = {.model_name = "m",
                        .inputs = &ci,
                        .n_inputs = 1,
                        .shaves = 8,
                        .cmx_slices = 8,
                        .openvino = "2022.1"};
  RefTensor in;
  planar_input(&in, frame, h, w, true, m, s);
  Diff d = prove(model, &opt, &in, frame);
  fprintf(stderr, "  mobilenet_v2: max |blob - ref| = %.4g (max |ref| %.3g)\n", d.max_abs,
          d.max_ref);
  assert_true(within(d));
  ref_tensor_free(&in);
  free(frame);
}

/* A small model touching most stage kinds: grouped + depthwise conv, pools, concat, resize,
 * pad, transpose, slice with steps, eltwise with broadcasting, gemm, softmax. */
static void blob_exec__many_stage_kinds_match_the_source_model(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char model[4096];
  snprintf(model, sizeof model, "%s/mix.onnx", dir);
  OnnxBuilder *ob = ob_new("mix", 13);
  ObRng rng;
  ob_rng_seed(&rng, 7);
  int64_t in_d[4] = {1, 4, 8, 8};
  ob_input(ob, "x", OB_FLOAT, 4, in_d);
  float w1[8 * 2 * 3 * 3], b1[8], wd[8 * 1 * 3 * 3], fcw[8 * 16 * 10], fcb[10];
  ob_rng_fill(&rng, w1, 8 * 2 * 9, 0.5f);
  ob_rng_fill(&rng, b1, 8, 0.1f);
  ob_rng_fill(&rng, wd, 8 * 9, 0.5f);
  ob_rng_fill(&rng, fcw, 8 * 16 * 10, 0.2f);
  ob_rng_fill(&rng, fcb, 10, 0.1f);
  int64_t w1d[4] = {8, 2, 3, 3}, b1d[1] = {8}, wdd[4] = {8, 1, 3, 3}, fcwd[2] = {128, 10},
          fcbd[1] = {10};
  ob_init_f32(ob, "w1", 4, w1d, w1);
  ob_init_f32(ob, "b1", 1, b1d, b1);
  ob_init_f32(ob, "wd", 4, wdd, wd);
  ob_init_f32(ob, "fcw", 2, fcwd, fcw);
  ob_init_f32(ob, "fcb", 1, fcbd, fcb);
  const char *c1 = ob_node(ob, "Conv", "c1", 3, (const char *const[]){"x", "w1", "b1"}, 1,
                           (const char *const[]){"c1"});
  ob_attr_int(ob, "group", 2);
  ob_attr_ints(ob, "pads", 4, (int64_t[]){1, 1, 1, 1});
  const char *r1 = ob_node(ob, "LeakyRelu", "r1", 1, &c1, 1, (const char *const[]){"r1"});
  ob_attr_float(ob, "alpha", 0.1f);
  const char *dw =
      ob_node(ob, "Conv", "dw", 2, (const char *const[]){r1, "wd"}, 1, (const char *const[]){"dw"});
  ob_attr_int(ob, "group", 8);
  ob_attr_ints(ob, "pads", 4, (int64_t[]){1, 1, 1, 1});
  ob_attr_ints(ob, "strides", 2, (int64_t[]){2, 2});
  const char *sg = ob_node(ob, "Sigmoid", "sg", 1, &dw, 1, (const char *const[]){"sg"});
  const char *mp = ob_node(ob, "MaxPool", "mp", 1, &r1, 1, (const char *const[]){"mp"});
  ob_attr_ints(ob, "kernel_shape", 2, (int64_t[]){2, 2});
  ob_attr_ints(ob, "strides", 2, (int64_t[]){2, 2});
  const char *mul =
      ob_node(ob, "Mul", "mul", 2, (const char *const[]){sg, mp}, 1, (const char *const[]){"mul"});
  const char *cat = ob_node(ob, "Concat", "cat", 2, (const char *const[]){mul, dw}, 1,
                            (const char *const[]){"cat"});
  ob_attr_int(ob, "axis", 1);
  int64_t sc_d[1] = {4};
  float sc[4] = {1, 1, 2, 2};
  ob_init_f32(ob, "scales", 1, sc_d, sc);
  const char *up = ob_node(ob, "Resize", "up", 3, (const char *const[]){cat, "", "scales"}, 1,
                           (const char *const[]){"up"});
  ob_attr_string(ob, "mode", "nearest");
  ob_attr_string(ob, "coordinate_transformation_mode", "asymmetric");
  ob_attr_string(ob, "nearest_mode", "floor");
  const char *ap = ob_node(ob, "AveragePool", "ap", 1, &up, 1, (const char *const[]){"ap"});
  ob_attr_ints(ob, "kernel_shape", 2, (int64_t[]){3, 3});
  ob_attr_ints(ob, "strides", 2, (int64_t[]){2, 2});
  ob_attr_ints(ob, "pads", 4, (int64_t[]){1, 1, 1, 1});
  int64_t sh_d[1] = {2}, shape[2] = {1, 256};
  ob_init_i64(ob, "shape", 1, sh_d, shape);
  const char *fl = ob_node(ob, "Reshape", "fl", 2, (const char *const[]){ap, "shape"}, 1,
                           (const char *const[]){"fl"});
  int64_t one[1] = {1}, st[1] = {0}, en[1] = {256}, ax[1] = {1}, sp[1] = {2};
  ob_init_i64(ob, "st", 1, one, st);
  ob_init_i64(ob, "en", 1, one, en);
  ob_init_i64(ob, "ax", 1, one, ax);
  ob_init_i64(ob, "sp", 1, one, sp);
  const char *sl = ob_node(ob, "Slice", "sl", 5, (const char *const[]){fl, "st", "en", "ax", "sp"},
                           1, (const char *const[]){"sl"});
  const char *gm = ob_node(ob, "Gemm", "gm", 3, (const char *const[]){sl, "fcw", "fcb"}, 1,
                           (const char *const[]){"gm"});
  ob_node(ob, "Softmax", "sm", 1, &gm, 1, (const char *const[]){"y"});
  int64_t y_d[2] = {1, 10};
  ob_output(ob, "y", OB_FLOAT, 2, y_d);
  Err err = {0};
  assert_int_equal(ob_save(ob, model, &err), 0);
  ob_free(ob);
  /* FP16 input, no preprocessing: feed the same values to both sides */
  CompInput ci = {.precision = PREC_FP16};
  CompileOptions opt = {.model_name = "mix",
                        .inputs = &ci,
                        .n_inputs = 1,
                        .shaves = 6,
                        .cmx_slices = 6,
                        .openvino = "2022.1"};
  RefTensor in;
  assert_int_equal(ref_tensor_alloc(&in, DT_F32, 4, in_d, &err), 0);
  uint16_t *half = malloc(4 * 64 * 2);
  for (int i = 0; i < 4 * 64; i++) {
    in.f[i] = fp16_to_f32(fp16_from_f32(ob_rng_uniform(&rng) * 2 - 1));
    half[i] = fp16_from_f32(in.f[i]);
  }
  Diff d = prove(model, &opt, &in, half);
  fprintf(stderr, "  mix: max |blob - ref| = %.4g (max |ref| %.3g)\n", d.max_abs, d.max_ref);
  assert_true(within(d));
  free(half);
  ref_tensor_free(&in);
  tu_rmrf(dir);
  free(dir);
}

/* The stages added for reductions, normalization, matrix products and top-k: ReduceMean /
 * ReduceMax / ReduceSum over arbitrary axes (keepdims 0 and 1, axes as attribute and input),
 * InstanceNormalization (as ReduceMean/eltwise/Power/ScaleShift), MatMul of two activations
 * (batched GEMM), Gemm with transA, alpha, beta and a broadcast C, ArgMax and TopK (values and
 * indices outputs, S32 in the blob, compared exactly), Tile on two axes (two Tile stages). */
static void blob_exec__reduce_norm_gemm_topk_match_the_source_model(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char model[4096];
  snprintf(model, sizeof model, "%s/rngt.onnx", dir);
  OnnxBuilder *ob = ob_new("rngt", 13);
  ObRng rng;
  ob_rng_seed(&rng, 11);
  int64_t in_d[4] = {1, 4, 6, 5};
  ob_input(ob, "x", OB_FLOAT, 4, in_d);
  float isc[4], ibi[4], gc[1] = {0.25f};
  ob_rng_fill(&rng, isc, 4, 1.0f);
  ob_rng_fill(&rng, ibi, 4, 0.5f);
  int64_t c_d[1] = {4}, one[1] = {1};
  ob_init_f32(ob, "isc", 1, c_d, isc);
  ob_init_f32(ob, "ibi", 1, c_d, ibi);
  ob_init_f32(ob, "gc", 1, one, gc);
  int64_t last[1] = {-1}, k3[1] = {3}, sh_b[2] = {4, 1}, sh_a[2] = {4, 6}, two[1] = {2};
  ob_init_i64(ob, "last", 1, one, last);
  ob_init_i64(ob, "k3", 1, one, k3);
  ob_init_i64(ob, "sh_b", 1, two, sh_b);
  ob_init_i64(ob, "sh_a", 1, two, sh_a);
  const char *in =
      ob_node(ob, "InstanceNormalization", "in", 3, (const char *const[]){"x", "isc", "ibi"}, 1,
              (const char *const[]){"in"});
  ob_attr_float(ob, "epsilon", 1e-3f);
  const char *rm =
      ob_node(ob, "ReduceMean", "rm", 1, &in, 1, (const char *const[]){"rm"}); /* [1,6,5] */
  ob_attr_ints(ob, "axes", 1, (int64_t[]){1});
  ob_attr_int(ob, "keepdims", 0);
  const char *rt =
      ob_node(ob, "Transpose", "rt", 1, &rm, 1, (const char *const[]){"rt"}); /* [1,5,6] */
  ob_attr_ints(ob, "perm", 3, (int64_t[]){0, 2, 1});
  ob_node(ob, "MatMul", "mm", 2, (const char *const[]){rm, rt}, 1,
          (const char *const[]){"y_mm"}); /* [1,6,6] */
  const char *rx =
      ob_node(ob, "ReduceMax", "rx", 1, (const char *const[]){"x"}, 1, (const char *const[]){"rx"});
  ob_attr_ints(ob, "axes", 2, (int64_t[]){2, 3}); /* [1,4,1,1] */
  const char *rs = ob_node(ob, "ReduceSum", "rs", 2, (const char *const[]){"x", "last"}, 1,
                           (const char *const[]){"rs"});
  const char *ga = ob_node(ob, "Reshape", "ga", 2, (const char *const[]){rs, "sh_a"}, 1,
                           (const char *const[]){"ga"});
  const char *gb = ob_node(ob, "Reshape", "gb", 2, (const char *const[]){rx, "sh_b"}, 1,
                           (const char *const[]){"gb"});
  ob_node(ob, "Gemm", "gm", 3, (const char *const[]){ga, gb, "gc"}, 1,
          (const char *const[]){"y_gm"}); /* [6,1] */
  ob_attr_int(ob, "transA", 1);
  ob_attr_float(ob, "alpha", 0.5f);
  ob_attr_float(ob, "beta", 2.0f);
  ob_node(ob, "ArgMax", "am", 1, (const char *const[]){"x"}, 1, (const char *const[]){"y_am"});
  ob_attr_int(ob, "axis", 1);
  ob_attr_int(ob, "keepdims", 0);
  int64_t four[1] = {4}, reps[4] = {1, 1, 2, 3};
  ob_init_i64(ob, "reps", 1, four, reps);
  ob_node(ob, "Tile", "tl", 2, (const char *const[]){rx, "reps"}, 1,
          (const char *const[]){"y_tl"}); /* [1,4,2,3] */
  ob_node(ob, "TopK", "tk", 2, (const char *const[]){"x", "k3"}, 2,
          (const char *const[]){"y_tv", "y_ti"});
  ob_attr_int(ob, "largest", 0);
  ob_output(ob, "y_mm", OB_FLOAT, 3, (int64_t[]){1, 6, 6});
  ob_output(ob, "y_gm", OB_FLOAT, 2, (int64_t[]){6, 1});
  ob_output(ob, "y_am", OB_INT64, 3, (int64_t[]){1, 6, 5});
  ob_output(ob, "y_tv", OB_FLOAT, 4, (int64_t[]){1, 4, 6, 3});
  ob_output(ob, "y_ti", OB_INT64, 4, (int64_t[]){1, 4, 6, 3});
  ob_output(ob, "y_tl", OB_FLOAT, 4, (int64_t[]){1, 4, 2, 3});
  Err err = {0};
  assert_int_equal(ob_save(ob, model, &err), 0);
  ob_free(ob);
  CompInput ci = {.precision = PREC_FP16};
  CompileOptions opt = {.model_name = "rngt",
                        .inputs = &ci,
                        .n_inputs = 1,
                        .shaves = 6,
                        .cmx_slices = 6,
                        .openvino = "2022.1"};
  RefTensor x;
  assert_int_equal(ref_tensor_alloc(&x, DT_F32, 4, in_d, &err), 0);
  uint16_t *half = malloc(120 * 2);
  for (int i = 0; i < 120; i++) { /* distinct FP16 values: no ties for ArgMax / TopK */
    float v = (float)((i * 37) % 120) / 60.0f - 1.0f + ob_rng_uniform(&rng) * 0.004f;
    x.f[i] = fp16_to_f32(fp16_from_f32(v));
    half[i] = fp16_from_f32(x.f[i]);
  }
  Diff d = prove(model, &opt, &x, half);
  fprintf(stderr, "  reduce/instnorm/gemm/topk: max |blob - ref| = %.4g (max |ref| %.3g)\n",
          d.max_abs, d.max_ref);
  assert_true(within(d));
  free(half);
  ref_tensor_free(&x);
  tu_rmrf(dir);
  free(dir);
}

/* The stages added for the rest of the op table: ConvTranspose as Deconvolution (group 1 with
 * bias, stride 2, pads and output_padding), DepthDeconv (depthwise) and one Deconvolution per
 * group (group 2); LRN on rows of 8 (16-byte aligned) and of 5 (through padded copies); Greater,
 * Less, Equal (S32 outputs, compared exactly) feeding Where (Select); Expand (Tile stages,
 * rank raised); Abs (Power + Max); Max of three inputs (chained); PRelu with a last-axis slope;
 * Gather with 2-D indices (the Gather stage); x * s + b per channel (one ScaleShift). */
static void blob_exec__deconv_lrn_select_gather_match_the_source_model(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char model[4096];
  snprintf(model, sizeof model, "%s/dlsg.onnx", dir);
  OnnxBuilder *ob = ob_new("dlsg", 13);
  ObRng rng;
  ob_rng_seed(&rng, 23);
  int64_t in_d[4] = {1, 4, 6, 8};
  ob_input(ob, "x", OB_FLOAT, 4, in_d);
  ob_init_rand(ob, &rng, "wd1", 4, (int64_t[]){4, 3, 3, 3}, 0.5f, 0);
  ob_init_rand(ob, &rng, "bd1", 1, (int64_t[]){3}, 0.5f, 0);
  ob_init_rand(ob, &rng, "wd2", 4, (int64_t[]){4, 1, 3, 3}, 0.5f, 0);
  ob_init_rand(ob, &rng, "wd3", 4, (int64_t[]){4, 2, 2, 2}, 0.5f, 0);
  ob_init_rand(ob, &rng, "slope", 1, (int64_t[]){8}, 0.5f, 0);
  float thr[1] = {0.1f}, neg[1] = {-0.5f}, zero[1] = {0.0f}, lim[8];
  ob_rng_fill(&rng, lim, 8, 0.5f);
  int64_t one[1] = {1}, eight[1] = {8};
  ob_init_f32(ob, "thr", 1, one, thr);
  ob_init_f32(ob, "neg", 1, one, neg);
  ob_init_f32(ob, "zero", 1, one, zero);
  ob_init_f32(ob, "lim", 1, eight, lim);
  int64_t st0[1] = {0}, en5[1] = {5}, ax3[1] = {3}, exs[4] = {2, 3, 4, 6}, sh3[3] = {4, 6, 8};
  int64_t gi[6] = {5, 0, 2, 2, 4, 1};
  ob_init_i64(ob, "st0", 1, one, st0);
  ob_init_i64(ob, "en5", 1, one, en5);
  ob_init_i64(ob, "ax3", 1, one, ax3);
  ob_init_i64(ob, "exs", 1, (int64_t[]){4}, exs);
  ob_init_i64(ob, "sh3", 1, (int64_t[]){3}, sh3);
  ob_init_i64(ob, "gi", 2, (int64_t[]){2, 3}, gi);
  ob_node(ob, "ConvTranspose", "d1", 3, (const char *const[]){"x", "wd1", "bd1"}, 1,
          (const char *const[]){"y_d1"});
  ob_attr_ints(ob, "strides", 2, (int64_t[]){2, 2});
  ob_attr_ints(ob, "pads", 4, (int64_t[]){1, 1, 1, 1});
  ob_attr_ints(ob, "output_padding", 2, (int64_t[]){1, 1});
  ob_node(ob, "ConvTranspose", "d2", 2, (const char *const[]){"x", "wd2"}, 1,
          (const char *const[]){"y_d2"});
  ob_attr_int(ob, "group", 4);
  ob_node(ob, "ConvTranspose", "d3", 2, (const char *const[]){"x", "wd3"}, 1,
          (const char *const[]){"y_d3"});
  ob_attr_int(ob, "group", 2);
  ob_attr_ints(ob, "strides", 2, (int64_t[]){2, 2});
  ob_node(ob, "LRN", "l1", 1, (const char *const[]){"x"}, 1, (const char *const[]){"y_l1"});
  ob_attr_int(ob, "size", 3);
  const char *xs = ob_node(ob, "Slice", "xs", 4, (const char *const[]){"x", "st0", "en5", "ax3"}, 1,
                           (const char *const[]){"xs"}); /* [1,4,6,5] */
  ob_node(ob, "LRN", "l2", 1, &xs, 1, (const char *const[]){"y_l2"});
  ob_attr_int(ob, "size", 5);
  ob_attr_float(ob, "alpha", 0.05f);
  ob_attr_float(ob, "beta", 0.6f);
  ob_attr_float(ob, "bias", 2.0f);
  ob_node(ob, "Greater", "gt", 2, (const char *const[]){"x", "zero"}, 1,
          (const char *const[]){"y_gt"});
  const char *lt = ob_node(ob, "Less", "lt", 2, (const char *const[]){"x", "lim"}, 1,
                           (const char *const[]){"lt"});
  const char *fl =
      ob_node(ob, "Floor", "fl", 1, (const char *const[]){"x"}, 1, (const char *const[]){"fl"});
  const char *eq = ob_node(ob, "Equal", "eq", 2, (const char *const[]){fl, "zero"}, 1,
                           (const char *const[]){"eq"});
  ob_node(ob, "Where", "wh", 3, (const char *const[]){lt, "x", "neg"}, 1,
          (const char *const[]){"y_wh"});
  ob_node(ob, "Where", "we", 3, (const char *const[]){eq, "neg", "x"}, 1,
          (const char *const[]){"y_we"});
  const char *rm = ob_node(ob, "ReduceMean", "rm", 1, (const char *const[]){"x"}, 1,
                           (const char *const[]){"rm"});
  ob_attr_ints(ob, "axes", 1, (int64_t[]){3});
  ob_attr_int(ob, "keepdims", 0); /* [1,4,6] */
  ob_node(ob, "Expand", "ex", 2, (const char *const[]){rm, "exs"}, 1,
          (const char *const[]){"y_ex"}); /* [2,3,4,6] */
  const char *ab =
      ob_node(ob, "Abs", "ab", 1, (const char *const[]){"x"}, 1, (const char *const[]){"y_ab"});
  ob_node(ob, "Max", "mx", 3, (const char *const[]){"x", "y_l1", ab}, 1,
          (const char *const[]){"y_mx"});
  const char *x3 = ob_node(ob, "Reshape", "x3", 2, (const char *const[]){"x", "sh3"}, 1,
                           (const char *const[]){"x3"});
  ob_node(ob, "PRelu", "pr", 2, (const char *const[]){x3, "slope"}, 1,
          (const char *const[]){"y_pr"});
  ob_node(ob, "Gather", "ga", 2, (const char *const[]){"x", "gi"}, 1,
          (const char *const[]){"y_ga"});
  ob_attr_int(ob, "axis", 2);
  ob_init_rand(ob, &rng, "cs", 4, (int64_t[]){1, 4, 1, 1}, 1.0f, 0);
  ob_init_rand(ob, &rng, "cb", 4, (int64_t[]){1, 4, 1, 1}, 1.0f, 0);
  const char *ms =
      ob_node(ob, "Mul", "ms", 2, (const char *const[]){"x", "cs"}, 1, (const char *const[]){"ms"});
  ob_node(ob, "Add", "ss", 2, (const char *const[]){ms, "cb"}, 1,
          (const char *const[]){"y_ss"}); /* ScaleShift */
  ob_output(ob, "y_d1", OB_FLOAT, 4, (int64_t[]){1, 3, 12, 16});
  ob_output(ob, "y_d2", OB_FLOAT, 4, (int64_t[]){1, 4, 8, 10});
  ob_output(ob, "y_d3", OB_FLOAT, 4, (int64_t[]){1, 4, 12, 16});
  ob_output(ob, "y_l1", OB_FLOAT, 4, in_d);
  ob_output(ob, "y_l2", OB_FLOAT, 4, (int64_t[]){1, 4, 6, 5});
  ob_output(ob, "y_gt", OB_BOOL, 4, in_d);
  ob_output(ob, "y_wh", OB_FLOAT, 4, in_d);
  ob_output(ob, "y_we", OB_FLOAT, 4, in_d);
  ob_output(ob, "y_ex", OB_FLOAT, 4, exs);
  ob_output(ob, "y_ab", OB_FLOAT, 4, in_d);
  ob_output(ob, "y_mx", OB_FLOAT, 4, in_d);
  ob_output(ob, "y_pr", OB_FLOAT, 3, sh3);
  ob_output(ob, "y_ga", OB_FLOAT, 5, (int64_t[]){1, 4, 2, 3, 8});
  ob_output(ob, "y_ss", OB_FLOAT, 4, in_d);
  Err err = {0};
  assert_int_equal(ob_save(ob, model, &err), 0);
  ob_free(ob);
  CompInput ci = {.precision = PREC_FP16};
  CompileOptions opt = {.model_name = "dlsg",
                        .inputs = &ci,
                        .n_inputs = 1,
                        .shaves = 6,
                        .cmx_slices = 6,
                        .openvino = "2022.1"};
  RefTensor x;
  assert_int_equal(ref_tensor_alloc(&x, DT_F32, 4, in_d, &err), 0);
  uint16_t *half = malloc(192 * 2);
  for (int i = 0; i < 192;
       i++) { /* FP16-exact inputs, none equal to a threshold, some whole numbers */
    float v = i % 11 == 0 ? (float)(i % 3) - 1.0f : ob_rng_range(&rng, -1.5f, 1.5f);
    if (fabsf(v - 0.1f) < 0.01f) v = 0.3f;
    x.f[i] = fp16_to_f32(fp16_from_f32(v));
    half[i] = fp16_from_f32(x.f[i]);
  }
  Diff d = prove(model, &opt, &x, half);
  fprintf(stderr, "  deconv/lrn/select/gather: max |blob - ref| = %.4g (max |ref| %.3g)\n",
          d.max_abs, d.max_ref);
  assert_true(within(d));
  free(half);
  ref_tensor_free(&x);
  tu_rmrf(dir);
  free(dir);
}

/* The TensorFlow, Caffe and OpenVINO IR demo models (tests/fixtures/gen_demo.c): each blob,
 * run on the CPU, equals its source model (FP16 input, no preprocessing). */
static void blob_exec__other_formats_match_their_source_models(void **state) {
  (void)state;
  const char *files[3] = {"tf_tiny.pb", "caffe_tiny.prototxt", "ir_tiny.xml"};
  for (int f = 0; f < 3; f++) {
    const char *model = zoo_model(files[f]);
    if (!io_exists(model)) skip();
    Err err = {0};
    Arena *a = arena_new();
    IrGraph *g = NULL;
    assert_int_equal(compile_load(&g, a, model, &err), 0);
    assert_int_equal(ir_infer(g, &err), 0);
    const IrTensor *x = &g->tensors[g->inputs[0]];
    RefTensor in;
    assert_int_equal(ref_tensor_alloc(&in, DT_F32, x->rank, x->dims, &err), 0);
    int64_t n = ref_numel(&in);
    uint16_t *half = malloc((size_t)n * 2);
    uint64_t r = 0x853c49e6748fea9bull + (uint64_t)f;
    for (int64_t i = 0; i < n; i++) {
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      in.f[i] = fp16_to_f32(fp16_from_f32((float)(r >> 40) / (float)(1 << 23) - 1.0f));
      half[i] = fp16_from_f32(in.f[i]);
    }
    ir_release(g);
    arena_free(a);
    CompInput ci = {.precision = PREC_FP16};
    CompileOptions opt = {.model_name = "m",
                          .inputs = &ci,
                          .n_inputs = 1,
                          .shaves = 6,
                          .cmx_slices = 6,
                          .openvino = "2022.1"};
    Diff d = prove(model, &opt, &in, half);
    fprintf(stderr, "  %s: max |blob - ref| = %.4g (max |ref| %.3g)\n", files[f], d.max_abs,
            d.max_ref);
    assert_true(within(d));
    free(half);
    ref_tensor_free(&in);
  }
}

/* Resize-10 (opset 10: X and scales, no coordinate_transformation_mode) resizes asymmetric:
 * nearest x2 repeats every pixel (ONNX's reference for Resize-10 / Upsample), whatever the blob
 * writer's default for the opset-11 attribute. Expected values by hand. */
static void blob_exec__resize10_nearest_repeats_pixels(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char model[4096];
  snprintf(model, sizeof model, "%s/up10.onnx", dir);
  OnnxBuilder *ob = ob_new("up10", 10);
  int64_t in_d[4] = {1, 1, 2, 3}, out_d[4] = {1, 1, 4, 6}, sc_d[1] = {4};
  ob_input(ob, "x", OB_FLOAT, 4, in_d);
  ob_init_f32(ob, "scales", 1, sc_d, (float[]){1, 1, 2, 2});
  ob_node(ob, "Resize", "up", 2, (const char *const[]){"x", "scales"}, 1,
          (const char *const[]){"y"});
  ob_attr_string(ob, "mode", "nearest");
  ob_output(ob, "y", OB_FLOAT, 4, out_d);
  Err err = {0};
  assert_int_equal(ob_save(ob, model, &err), 0);
  ob_free(ob);
  CompInput ci = {.precision = PREC_FP16};
  CompileOptions opt = {.model_name = "up10",
                        .source = model,
                        .want_blob = true,
                        .inputs = &ci,
                        .n_inputs = 1,
                        .shaves = 4,
                        .cmx_slices = 4,
                        .openvino = "2022.1"};
  CompileResult res;
  if (compile_model(&res, &opt, &err) < 0) fail_msg("%s", err.msg);
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  assert_int_equal(blob_parse(&b, a, res.blob.data, res.blob.len, "ours", &err), 0);
  uint16_t half[6];
  for (int i = 0; i < 6; i++) half[i] = fp16_from_f32((float)(i + 1));
  BlobRun run;
  const void *ins[1] = {half};
  if (blob_exec(&run, b, res.blob.data, res.blob.len, ins, &err) < 0) fail_msg("%s", err.msg);
  assert_int_equal(b->outputs[0].byte_size, 24 * 2);
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 6; x++) {
      uint16_t h;
      memcpy(&h, run.out[0] + 2 * (y * 6 + x), 2);
      if (fp16_to_f32(h) != (float)((y / 2) * 3 + x / 2 + 1))
        fail_msg("y[%d][%d] = %g, expected %d", y, x, fp16_to_f32(h), (y / 2) * 3 + x / 2 + 1);
    }
  blob_run_free(&run);
  compile_result_free(&res);
  arena_free(a);
  tu_rmrf(dir);
  free(dir);
}

/* Issue 18: GatherElements, ScatterElementsUpdate, ReverseSequence, OneHot and Floor_mod (and
 * Mod fmod=1 as sign(a) * Floor_mod(|a|, |b|)) through the blob, on x = [[1, 2, 3], [4, 5, 6]]
 * and run-time OneHot indices [1, -1, 3]; expected values worked out by hand from ONNX's
 * definitions (docs/Operators.md). The stages' parameters are those of the plugin's
 * stages/<name>.cpp: GatherElements i32 axis (0 = outermost), OneHot i32 axis in the output's
 * memory order, u32 depth, f32 on, off; ReverseSequence i32 seq_axis, batch_axis (memory order). */
static void blob_exec__gather_scatter_reverse_onehot_mod_by_hand(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char model[4096];
  snprintf(model, sizeof model, "%s/gs.onnx", dir);
  OnnxBuilder *ob = ob_new("gs", 13);
  int64_t xd[2] = {2, 3}, two2[2] = {2, 2}, two1[2] = {2, 1}, three[1] = {3}, two[1] = {2};
  ob_input(ob, "x", OB_FLOAT, 2, xd);
  ob_input(ob, "oi", OB_INT64, 1, three);
  ob_init_i64(ob, "gi", 2, two2, (int64_t[]){2, 0, 1, -2});
  ob_init_i64(ob, "si", 2, two1, (int64_t[]){2, 0});
  ob_init_f32(ob, "su", 2, two1, (float[]){10, 20});
  ob_init_i64(ob, "lens", 1, two, (int64_t[]){3, 2});
  ob_init_f32(ob, "depth", 0, NULL, (float[]){4});
  ob_init_f32(ob, "vals", 1, two, (float[]){-1, 7});
  ob_init_f32(ob, "c", 2, two1, (float[]){2.5f, -4});
  ob_node(ob, "GatherElements", "ge", 2, (const char *const[]){"x", "gi"}, 1,
          (const char *const[]){"g"});
  ob_attr_int(ob, "axis", 1);
  ob_node(ob, "ScatterElements", "se", 3, (const char *const[]){"x", "si", "su"}, 1,
          (const char *const[]){"s"});
  ob_attr_int(ob, "axis", 1);
  ob_node(ob, "ReverseSequence", "rs", 2, (const char *const[]){"x", "lens"}, 1,
          (const char *const[]){"r"});
  ob_attr_int(ob, "batch_axis", 0);
  ob_attr_int(ob, "time_axis", 1);
  ob_node(ob, "OneHot", "oh", 3, (const char *const[]){"oi", "depth", "vals"}, 1,
          (const char *const[]){"o"});
  ob_attr_int(ob, "axis", 0);
  ob_node(ob, "Mod", "m0", 2, (const char *const[]){"x", "c"}, 1, (const char *const[]){"m"});
  ob_node(ob, "Mod", "m1", 2, (const char *const[]){"x", "c"}, 1, (const char *const[]){"f"});
  ob_attr_int(ob, "fmod", 1);
  ob_output(ob, "g", OB_FLOAT, 2, two2);
  ob_output(ob, "s", OB_FLOAT, 2, xd);
  ob_output(ob, "r", OB_FLOAT, 2, xd);
  ob_output(ob, "o", OB_FLOAT, 2, (int64_t[]){4, 3});
  ob_output(ob, "m", OB_FLOAT, 2, xd);
  ob_output(ob, "f", OB_FLOAT, 2, xd);
  Err err = {0};
  assert_int_equal(ob_save(ob, model, &err), 0);
  ob_free(ob);
  CompInput ci[2] = {{.name = "x", .precision = PREC_FP16}, {.name = "oi"}};
  CompileOptions opt = {.model_name = "gs",
                        .source = model,
                        .want_blob = true,
                        .inputs = ci,
                        .n_inputs = 2,
                        .shaves = 4,
                        .cmx_slices = 4,
                        .openvino = "2022.1"};
  CompileResult res;
  if (compile_model(&res, &opt, &err) < 0) fail_msg("%s", err.msg);
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  assert_int_equal(blob_parse(&b, a, res.blob.data, res.blob.len, "ours", &err), 0);
  Buf rep = BUF_INIT;
  if (blob_check(b, &rep, &err) != 0)
    fail_msg("check: %.*s", (int)rep.len, rep.data ? (const char *)rep.data : "");
  buf_free(&rep);
  int seen = 0;
  for (uint32_t i = 0; i < b->hdr.stages_count; i++) {
    const BlobStage *st = &b->stages[i];
    int32_t p[4] = {0};
    memcpy(p, st->params, st->params_len < 16 ? st->params_len : 16);
    if (st->type == BLOB_STAGE_GATHER_ELEMENTS) {
      assert_int_equal(st->params_len, 4);
      assert_int_equal(p[0], 1);
      assert_int_equal(st->num_buffers, 3);
      seen |= 1;
    } else if (st->type == BLOB_STAGE_SCATTER_ELEMENTS_UPDATE) {
      assert_int_equal(st->params_len, 0);
      assert_int_equal(st->num_buffers, 5);
      seen |= 2;
    } else if (st->type == BLOB_STAGE_REVERSE_SEQUENCE) {
      assert_int_equal(st->params_len, 8);
      assert_int_equal(p[0], 0); /* time axis 1 of [2, 3]: the innermost */
      assert_int_equal(p[1], 1);
      seen |= 4;
    } else if (st->type == BLOB_STAGE_ONE_HOT) {
      float on, off;
      memcpy(&on, st->params + 8, 4);
      memcpy(&off, st->params + 12, 4);
      assert_int_equal(st->params_len, 16);
      assert_int_equal(p[0], 1); /* axis 0 of the [4, 3] output: memory index 1 */
      assert_int_equal(p[1], 4);
      assert_true(on == 7 && off == -1);
      seen |= 8;
    } else if (st->type == BLOB_STAGE_FLOOR_MOD) {
      seen |= 16;
    }
  }
  assert_int_equal(seen, 31);
  uint16_t x[6];
  for (int i = 0; i < 6; i++) x[i] = fp16_from_f32((float)(i + 1));
  int32_t oi[3] = {1, -1, 3};
  BlobRun run;
  const void *ins[2] = {x, oi};
  if (blob_exec(&run, b, res.blob.data, res.blob.len, ins, &err) < 0) fail_msg("%s", err.msg);
  static const float want_g[4] = {3, 1, 5, 5}, want_s[6] = {1, 2, 10, 20, 5, 6},
                     want_r[6] = {3, 2, 1, 5, 4, 6},
                     want_o[12] = {-1, -1, -1, 7, -1, -1, -1, -1, -1, -1, 7, 7},
                     want_m[6] = {1, 2, 0.5f, 0, -3, -2}, want_f[6] = {1, 2, 0.5f, 0, 1, 2};
  const float *want[6] = {want_g, want_s, want_r, want_o, want_m, want_f};
  const int count[6] = {4, 6, 6, 12, 6, 6};
  assert_int_equal(run.n_out, 6);
  for (int k = 0; k < 6; k++)
    for (int i = 0; i < count[k]; i++) {
      uint16_t h;
      memcpy(&h, run.out[k] + 2 * i, 2);
      if (fp16_to_f32(h) != want[k][i])
        fail_msg("output %d element %d: %g, expected %g", k, i, fp16_to_f32(h), want[k][i]);
    }
  blob_run_free(&run);
  compile_result_free(&res);
  arena_free(a);
  tu_rmrf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(blob_exec__other_formats_match_their_source_models),
      cmocka_unit_test(blob_exec__preprocessing_range_0_1),
      cmocka_unit_test(blob_exec__preprocessing_range_minus1_1),
      cmocka_unit_test(blob_exec__preprocessing_range_minus_half_half),
      cmocka_unit_test(blob_exec__preprocessing_imagenet_per_channel),
      cmocka_unit_test(blob_exec__many_stage_kinds_match_the_source_model),
      cmocka_unit_test(blob_exec__reduce_norm_gemm_topk_match_the_source_model),
      cmocka_unit_test(blob_exec__deconv_lrn_select_gather_match_the_source_model),
      cmocka_unit_test(blob_exec__mobilenet_v2_matches_the_source_model),
      cmocka_unit_test(blob_exec__resize10_nearest_repeats_pixels),
      cmocka_unit_test(blob_exec__gather_scatter_reverse_onehot_mod_by_hand),
  };
  return cmocka_run_group_tests_name("blob_exec", tests, NULL, NULL);
}
