/*
 * tests/test_numcheck.c — the comparison rule of the numerical proof (compiler/ref/compare.h)
 * cannot pass vacuously: a wrong answer of any magnitude fails, and test data that a wrong answer
 * would pass is called UNINFORMATIVE by verify. Expected values here are hand-made (a ramp, a
 * product of two known factors), never from the reference executor.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/onnx_build.h"
#include "compiler/ref/compare.h"
#include "compiler/ref/ref.h"
#include "compiler/ref/tensor_io.h"
#include "testutil.h"

/* e_k = scale * (k - n/2 + 0.25) / n: varies, crosses zero, never exactly zero. */
static void ramp(RefTensor *t, int64_t n, double scale) {
  Err e = {0};
  assert_int_equal(ref_tensor_alloc(t, DT_F32, 2, (int64_t[]){1, n}, &e), 0);
  for (int64_t k = 0; k < n; k++)
    t->f[k] = (float)(scale * ((double)k - (double)n / 2 + 0.25) / (double)n);
}

static void numcheck__zero_or_constant_output_fails_at_any_magnitude(void **state) {
  (void)state;
  static const double MAG[] = {1e-9, 1e-6, 1e-3, 1, 1e3};
  static const double TOL[] = {REF_TOL_FP32, 9, 104, 504}; /* FP32; FP16 at depth 1, 20, 100 */
  for (size_t m = 0; m < sizeof MAG / sizeof MAG[0]; m++)
    for (size_t t = 0; t < sizeof TOL / sizeof TOL[0]; t++) {
      RefTensor e, zero, flat;
      ramp(&e, 1000, MAG[m]);
      Err err = {0};
      assert_int_equal(ref_tensor_alloc(&zero, DT_F32, 2, e.dims, &err), 0);
      assert_int_equal(ref_tensor_alloc(&flat, DT_F32, 2, e.dims, &err), 0);
      double mean = 0;
      for (int64_t k = 0; k < 1000; k++) mean += e.f[k] / 1000.0;
      for (int64_t k = 0; k < 1000; k++) flat.f[k] = (float)mean;
      RefDiff d;
      assert_int_equal(ref_compare(&d, &zero, &e, TOL[t], 1), 0);
      if (d.pass) fail_msg("all-zero output passes at magnitude %g, tolerance %g", MAG[m], TOL[t]);
      assert_true(d.rel >= 1.0); /* the error is the whole signal: rel = 1.7 for a ramp */
      assert_int_equal(ref_compare(&d, &flat, &e, TOL[t], 1), 0);
      if (d.pass) fail_msg("constant output passes at magnitude %g, tolerance %g", MAG[m], TOL[t]);
      assert_false(ref_trivial_passes(&e, TOL[t]));
      /* the same answer correct to a few FP16 roundings passes (FP16 tolerances) */
      for (int64_t k = 0; k < 1000; k++)
        flat.f[k] = e.f[k] * (float)(1 + ((k % 3) - 1) * 2 * REF_U16);
      assert_int_equal(ref_compare(&d, &flat, &e, TOL[t], 1), 0);
      assert_int_equal(d.pass, TOL[t] > 2);
      assert_true(fabs(d.roundings - 2) < 0.01); /* two roundings of each element's own size */
      ref_tensor_free(&e), ref_tensor_free(&zero), ref_tensor_free(&flat);
    }
}

static void numcheck__relative_error_is_against_the_outputs_scale(void **state) {
  (void)state;
  RefTensor e, a;
  ramp(&e, 100, 2e-9);
  Err err = {0};
  assert_int_equal(ref_tensor_copy(&a, &e, &err), 0);
  a.f[10] += (float)(1e-2 * 2e-9); /* 1% of the scale on one element */
  RefDiff d;
  assert_int_equal(ref_compare(&d, &a, &e, 9, 1), 0);
  double s = 0;
  for (int k = 0; k < 100; k++) s += (double)e.f[k] * e.f[k];
  s = sqrt(s / 100);
  assert_true(fabs(d.scale - s) < 1e-6 * s);
  assert_true(fabs(d.rel - 2e-11 / s) <
              1e-3 * d.rel); /* max|a-e| / RMS(e), not an absolute error */
  assert_false(d.pass);      /* 1% of the scale is ~20 FP16 roundings */
  assert_int_equal(d.worst, 10);
  /* a coherent 0.5% scale passes the max rule at depth 20 but not the gain rule */
  for (int k = 0; k < 100; k++) a.f[k] = e.f[k] * 1.005f;
  assert_int_equal(ref_compare(&d, &a, &e, ref_tol_fp16(20), 1), 0);
  assert_true(d.roundings < ref_tol_fp16(20));
  assert_false(d.pass);
  ref_tensor_free(&e), ref_tensor_free(&a);
}

/* A one-input ONNX test folder: model y = x * w + c (w, c per element), data set(s) with the
 * given inputs and the hand-computed outputs. */
static void write_case(const char *dir, const float *w, const float *c, int n,
                       const float *const *xs, int n_sets) {
  char path[4096];
  OnnxBuilder *ob = ob_new("t", 13);
  int64_t d[2] = {1, n};
  ob_input(ob, "x", OB_FLOAT, 2, d);
  ob_init_f32(ob, "w", 2, d, w);
  ob_init_f32(ob, "c", 2, d, c);
  ob_node(ob, "Mul", "mul", 2, (const char *const[]){"x", "w"}, 1, (const char *const[]){"xw"});
  ob_node(ob, "Add", "add", 2, (const char *const[]){"xw", "c"}, 1, (const char *const[]){"y"});
  ob_output(ob, "y", OB_FLOAT, 2, d);
  Err err = {0};
  snprintf(path, sizeof path, "%s/model.onnx", dir);
  assert_int_equal(ob_save(ob, path, &err), 0);
  ob_free(ob);
  for (int s = 0; s < n_sets; s++) {
    RefTensor x, y;
    assert_int_equal(ref_tensor_alloc(&x, DT_F32, 2, d, &err), 0);
    assert_int_equal(ref_tensor_alloc(&y, DT_F32, 2, d, &err), 0);
    for (int k = 0; k < n; k++) x.f[k] = xs[s][k], y.f[k] = xs[s][k] * w[k] + c[k];
    snprintf(path, sizeof path, "%s/test_data_set_%d", dir, s);
    assert_int_equal(io_mkdirs(path, &err), 0);
    snprintf(path, sizeof path, "%s/test_data_set_%d/input_0.pb", dir, s);
    assert_int_equal(tio_write_pb(path, &x, "x", &err), 0);
    snprintf(path, sizeof path, "%s/test_data_set_%d/output_0.pb", dir, s);
    assert_int_equal(tio_write_pb(path, &y, "y", &err), 0);
    ref_tensor_free(&x), ref_tensor_free(&y);
  }
}

static RefStatus verify_one(const char *dir, RefMode mode, char *msg, size_t len) {
  RefCase *cases = NULL;
  int n = 0;
  Err err = {0};
  assert_int_equal(ref_verify_dir(&cases, &n, dir, mode, &err), 0);
  assert_true(n >= 1);
  RefStatus st = cases[0].status;
  for (int i = 1; i < n; i++)
    if (cases[i].status != REF_PASS) st = cases[i].status;
  snprintf(msg, len, "%s", cases[0].msg);
  free(cases);
  return st;
}

static void numcheck__verify_calls_degenerate_data_uninformative(void **state) {
  (void)state;
  enum { N = 16 };
  float w[N], c[N], z[N], tiny[N], x0[N], x1[N];
  for (int k = 0; k < N; k++) {
    w[k] = 0.5f + 0.125f * (float)(k % 5), c[k] = 0.25f * (float)(k % 7) - 0.5f, z[k] = 0,
    tiny[k] = 1e-12f * w[k];
    x0[k] = (float)(k % 9) * 0.25f - 1.0f, x1[k] = (float)((k * 5) % 11) * 0.2f - 1.0f;
  }
  char msg[600];
  const RefMode modes[3] = {REF_FP32, REF_FP16, REF_BLOB};
  for (int m = 0; m < 3; m++) {
    char *dir = tu_tmpdir();
    /* informative: y = x * w + c, two data sets */
    write_case(dir, w, c, N, (const float *const[]){x0, x1}, 2);
    assert_int_equal(verify_one(dir, modes[m], msg, sizeof msg), REF_PASS);
    tu_rmrf(dir), free(dir);
    /* the output does not depend on the input (w = 0), one data set: the probe finds it */
    dir = tu_tmpdir();
    write_case(dir, z, c, N, (const float *const[]){x0}, 1);
    assert_int_equal(verify_one(dir, modes[m], msg, sizeof msg), REF_UNINFORMATIVE);
    assert_non_null(strstr(msg, "does not depend on the input"));
    tu_rmrf(dir), free(dir);
    /* the same with two data sets: the other set's expected output passes for this one */
    dir = tu_tmpdir();
    write_case(dir, z, c, N, (const float *const[]){x0, x1}, 2);
    assert_int_equal(verify_one(dir, modes[m], msg, sizeof msg), REF_UNINFORMATIVE);
    assert_non_null(strstr(msg, "other data set"));
    tu_rmrf(dir), free(dir);
    /* the output vanishes against its input (1e-12): degenerate, whatever the result */
    dir = tu_tmpdir();
    write_case(dir, tiny, z, N, (const float *const[]){x0, x1}, 2);
    assert_int_equal(verify_one(dir, modes[m], msg, sizeof msg), REF_UNINFORMATIVE);
    assert_non_null(strstr(msg, "vanishes"));
    tu_rmrf(dir), free(dir);
    /* a constant expected output (w = 0, c = 3): a constant answer would pass */
    float three[N];
    for (int k = 0; k < N; k++) three[k] = 3;
    dir = tu_tmpdir();
    write_case(dir, z, three, N, (const float *const[]){x0, x1}, 2);
    assert_int_equal(verify_one(dir, modes[m], msg, sizeof msg), REF_UNINFORMATIVE);
    assert_non_null(strstr(msg, "constant"));
    tu_rmrf(dir), free(dir);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(numcheck__zero_or_constant_output_fails_at_any_magnitude),
      cmocka_unit_test(numcheck__relative_error_is_against_the_outputs_scale),
      cmocka_unit_test(numcheck__verify_calls_degenerate_data_uninformative),
  };
  return cmocka_run_group_tests_name("numcheck", tests, NULL, NULL);
}
