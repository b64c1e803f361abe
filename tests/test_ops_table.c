/* tests/test_ops_table.c — one table of coverage (issue 18 part 5): `blobc ops` lists every op of
 * ops.def and every OpenVINO IR layer type the reader maps, each with how it reaches the VPU, and
 * docs/ops.md holds exactly its --markdown form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/coverage.h"
#include "compiler/frontend/ir_read.h"
#include "testutil.h"

/* docs/ops.md from the repo root or $BUILD_DIR/.. (malloc'd text). */
static char *read_doc(void) {
  uint8_t *d = NULL;
  size_t len = 0;
  Err err = {0};
  if (io_read_file(&d, &len, "docs/ops.md", 0, &err) == 0) return (char *)d;
  char p[4200];
  snprintf(p, sizeof p, "%s/../docs/ops.md", getenv("BUILD_DIR") ? getenv("BUILD_DIR") : ".");
  if (io_read_file(&d, &len, p, 0, &err) < 0) fail_msg("cannot read docs/ops.md: %s", err.msg);
  return (char *)d;
}

static void ops_table__docs_ops_md_is_what_blobc_ops_prints(void **state) {
  (void)state;
  char *doc = read_doc(), *out = NULL;
  assert_int_equal(tu_run(&out, "'%s' ops --markdown", tu_blobc()), 0);
  const char *b = strstr(doc, "<!-- ops table: begin"), *e = strstr(doc, "<!-- ops table: end");
  assert_non_null(b);
  assert_non_null(e);
  b = strchr(b, '\n') + 1;
  size_t n = (size_t)(e - b);
  if (strlen(out) != n || memcmp(out, b, n) != 0)
    fail_msg("docs/ops.md is not what `blobc ops --markdown` prints: run `make ops-doc`");
  free(out);
  free(doc);
}

static const CoverageRow *row(const CoverageRow *rows, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (!strcmp(rows[i].name, name)) return &rows[i];
  fail_msg("no row for %s", name);
  return NULL;
}

static void ops_table__every_op_and_ir_layer_has_a_row_that_says_how(void **state) {
  (void)state;
  Arena *a = arena_new();
  CoverageRow *rows = NULL;
  int n = coverage_rows(&rows, a);
  for (int op = 0; op < IR_OP_COUNT; op++)
    assert_true(row(rows, n, ir_op_name((IrOp)op))->detail[0]);
  const char *type, *exp;
  IrOp op;
  for (int i = 0; fe_ir_layer(i, &type, &op, &exp); i++) assert_true(row(rows, n, type)->ir);
  for (int i = 1; i < n; i++)
    assert_true(strcmp(rows[i - 1].name, rows[i].name) < 0); /* sorted, no duplicate */
  /* what each kind means, on known ops */
  assert_int_equal(row(rows, n, "Conv")->how, COV_STAGE);
  assert_int_equal(row(rows, n, "RegionYolo")->how, COV_STAGE);
  assert_string_equal(row(rows, n, "RegionYolo")->detail, "RegionYolo");
  assert_int_equal(row(rows, n, "HSigmoid")->how, COV_REWRITE);
  assert_int_equal(row(rows, n, "Reshape")->how, COV_VIEW);
  assert_int_equal(row(rows, n, "Shape")->how, COV_FOLDED);
  assert_true(row(rows, n, "HardSigmoid")->how !=
              COV_UNSUPPORTED); /* ScaleShift + Clamp, or HSwish */
  assert_int_equal(row(rows, n, "NonMaxSuppression")->how, COV_UNSUPPORTED);
  assert_int_equal(row(rows, n, "TensorIterator")->how, COV_UNSUPPORTED);
  assert_int_equal(row(rows, n, "Proposal")->how, COV_STAGE);
  assert_true(row(rows, n, "Convolution")->ir && !row(rows, n, "Convolution")->onnx);
  assert_true(row(rows, n, "Relu")->ir && row(rows, n, "Relu")->onnx);
  arena_free(a);
}

static void ops_table__json_has_the_same_rows(void **state) {
  (void)state;
  char *out = NULL;
  assert_int_equal(tu_run(&out, "'%s' ops --json", tu_blobc()), 0);
  json_error_t je;
  json_t *arr = json_loads(out, 0, &je);
  assert_non_null(arr);
  Arena *a = arena_new();
  CoverageRow *rows = NULL;
  int n = coverage_rows(&rows, a);
  assert_int_equal((int)json_array_size(arr), n);
  for (int i = 0; i < n; i++) {
    json_t *o = json_array_get(arr, (size_t)i);
    assert_string_equal(json_string_value(json_object_get(o, "name")), rows[i].name);
    assert_string_equal(json_string_value(json_object_get(o, "how")),
                        coverage_how_name(rows[i].how));
  }
  arena_free(a);
  json_decref(arr);
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ops_table__docs_ops_md_is_what_blobc_ops_prints),
      cmocka_unit_test(ops_table__every_op_and_ir_layer_has_a_row_that_says_how),
      cmocka_unit_test(ops_table__json_has_the_same_rows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
