/* tests/test_verdicts.c — verdicts that name the root cause (issue 18 part 3): a node blocked only
 * because something upstream is unsupported or dynamic is filed under that node; repeated verdicts
 * are grouped ("2x Sin (first 's1')") in the console, report.json and report.html; the dynamic-shape
 * advice appears only for a really dynamic input and speaks the command's language; run-time
 * weights, statistics, bounds and pads are verdicts ("freeze the input"), not backend errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/report.h"
#include "reports/report_out.h"
#include "tests/support/onnx_build.h"
#include "testutil.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define S(...) ((const char *[]){__VA_ARGS__})

static void conv_weights(OnnxBuilder *ob, const char *name, int64_t oc, int64_t ic) {
  size_t n = (size_t)(oc * ic * 9);
  float *v = calloc(n, sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = (float)((int)(i % 7) - 3) * 0.1f;
  ob_init_f32(ob, name, 4, D(oc, ic, 3, 3), v);
  free(v);
}

static void conv(OnnxBuilder *ob, const char *name, const char *x, const char *w, const char *y) {
  ob_node(ob, "Conv", name, 2, S(x, w), 1, S(y));
  ob_attr_ints(ob, "pads", 4, D(1, 1, 1, 1));
}

static void save(OnnxBuilder *ob, const char *path) {
  Err err = {0};
  assert_int_equal(ob_save(ob, path, &err), 0);
  ob_free(ob);
}

/* x -> c1 -> s1 (Sin) -> c2 -> r2 -> s2 (Sin) -> c3 -> r3 -> y: two roots, four blocked. */
static void write_two_roots(const char *path) {
  OnnxBuilder *ob = ob_new("roots", 13);
  ob_input(ob, "x", OB_FLOAT, 4, D(1, 3, 8, 8));
  conv_weights(ob, "w1", 4, 3);
  conv_weights(ob, "w2", 4, 4);
  conv_weights(ob, "w3", 4, 4);
  conv(ob, "c1", "x", "w1", "a1");
  ob_node(ob, "Sin", "s1", 1, S("a1"), 1, S("b1"));
  conv(ob, "c2", "b1", "w2", "a2");
  ob_node(ob, "Relu", "r2", 1, S("a2"), 1, S("b2"));
  ob_node(ob, "Sin", "s2", 1, S("b2"), 1, S("c2o"));
  conv(ob, "c3", "c2o", "w3", "a3");
  ob_node(ob, "Relu", "r3", 1, S("a3"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save(ob, path);
}

/* x [1,3,H,W] (H, W symbolic) -> conv -> relu -> y. */
static void write_dynamic(const char *path) {
  OnnxBuilder *ob = ob_new("dyn", 13);
  ob_input_sym(ob, "x", OB_FLOAT, 4, D(1, 3, -1, -1), (const char *const[]){NULL, NULL, "H", "W"});
  conv_weights(ob, "w1", 4, 3);
  conv(ob, "conv", "x", "w1", "a");
  ob_node(ob, "Relu", "relu", 1, S("a"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save(ob, path);
}

/* BatchNormalization whose mean is a graph input, Clip whose lower bound is one, Pad whose pads
 * are one: three verdicts (freeze the input), the model is unsupported, not a backend error. */
static void write_runtime_params(const char *path) {
  OnnxBuilder *ob = ob_new("rt", 13);
  ob_input(ob, "x", OB_FLOAT, 4, D(1, 3, 8, 8));
  ob_input(ob, "mean", OB_FLOAT, 1, D(3));
  ob_input(ob, "lo", OB_FLOAT, 0, NULL);
  ob_input(ob, "pads", OB_INT64, 1, D(8));
  float one[3] = {1, 1, 1}, zero[3] = {0, 0, 0}, hi = 6;
  ob_init_f32(ob, "scale", 1, D(3), one);
  ob_init_f32(ob, "bias", 1, D(3), zero);
  ob_init_f32(ob, "var", 1, D(3), one);
  ob_init_f32(ob, "hi", 0, NULL, &hi);
  ob_node(ob, "BatchNormalization", "bn", 5, S("x", "scale", "bias", "mean", "var"), 1, S("a"));
  ob_node(ob, "Clip", "clip", 3, S("a", "lo", "hi"), 1, S("b"));
  ob_node(ob, "Pad", "pad", 2, S("b", "pads"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save(ob, path);
}

/* `blobc check` of path with extra arguments: exit code, output in *out (caller frees). */
static int check(char **out, const char *path, const char *extra) {
  int rc = tu_run(out, "'%s' check '%s' %s 2>&1", tu_blobc(), path, extra);
  if (getenv("TEST_VERBOSE")) fprintf(stderr, "check %s: %d\n%s\n", path, rc, *out);
  return rc;
}

static json_t *check_json(const char *path) {
  char *out = NULL;
  int rc = tu_run(&out, "{ '%s' check '%s' --json 2>/dev/null; }", tu_blobc(),
                  path); /* tu_run adds 2>&1 */
  assert_int_equal(rc, 1);
  json_error_t je;
  json_t *doc = json_loads(out, 0, &je);
  if (!doc) fail_msg("check --json is not JSON: %s\n%s", je.text, out);
  free(out);
  json_t *schema = tu_schema_load();
  char why[512];
  if (tu_schema_validate(schema, doc, why, sizeof why) < 0) fail_msg("schema: %s", why);
  json_decref(schema);
  return doc;
}

static void verdicts__blocked_nodes_are_filed_under_their_root_cause(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), path[4096];
  snprintf(path, sizeof path, "%s/roots.onnx", dir);
  write_two_roots(path);
  char *out = NULL;
  assert_int_equal(check(&out, path, ""), 1);
  /* one grouped line, no line of a blocked node, no dynamic-shape advice: the input is static */
  assert_non_null(strstr(
      out, "roots.onnx: 2\u00d7 Sin (first 's1'): unsupported: unsupported layer type 'Sin'"));
  assert_non_null(strstr(out, "; blocks 4 nodes below them"));
  assert_null(strstr(out, "(Conv)"));
  assert_null(strstr(out, "(Relu)"));
  assert_null(strstr(out, "static shape"));
  free(out);

  json_t *doc = check_json(path);
  json_t *m = json_array_get(json_object_get(doc, "models"), 0);
  json_t *nodes = json_object_get(m, "nodes"), *uns = json_object_get(m, "unsupported");
  assert_int_equal(json_integer_value(json_object_get(nodes, "unsupported")), 2);
  assert_int_equal(json_integer_value(json_object_get(nodes, "blocked")), 4);
  assert_int_equal(json_array_size(uns), 1);
  json_t *is = json_array_get(uns, 0);
  assert_string_equal(json_string_value(json_object_get(is, "node")), "s1");
  assert_int_equal(json_integer_value(json_object_get(is, "count")), 2);
  assert_string_equal(json_string_value(json_array_get(json_object_get(is, "nodes"), 1)), "s2");
  assert_int_equal(json_integer_value(json_object_get(is, "blocked")), 4);
  json_t *bl = json_object_get(is, "blocked_nodes");
  assert_int_equal(json_array_size(bl), 4);
  const char *want[4][2] = {{"c2", "Conv"}, {"r2", "Relu"}, {"c3", "Conv"}, {"r3", "Relu"}};
  for (int i = 0; i < 4; i++) {
    assert_string_equal(json_string_value(json_object_get(json_array_get(bl, (size_t)i), "node")),
                        want[i][0]);
    assert_string_equal(json_string_value(json_object_get(json_array_get(bl, (size_t)i), "op")),
                        want[i][1]);
  }
  json_t *ops = json_object_get(m, "ops"), *cv = json_object_get(ops, "Conv");
  assert_int_equal(json_integer_value(json_object_get(cv, "supported")), 1);
  assert_int_equal(json_integer_value(json_object_get(cv, "blocked")), 2);
  assert_int_equal(json_integer_value(json_object_get(cv, "unsupported")), 0);

  /* the HTML matrix lists the root cause first and the grouped verdict once */
  Buf html = BUF_INIT;
  assert_int_equal(report_html_render(&html, doc), 0);
  buf_put(&html, "", 1);
  const char *h = (const char *)html.data, *tbody = strstr(h, "<table id=\"matrix\"");
  assert_non_null(tbody);
  tbody = strstr(tbody, "<tbody>");
  assert_non_null(tbody);
  const char *first_row = "<tbody>\n<tr class=\"has-u\"><th class=\"op\">Sin</th>";
  assert_true(strncmp(tbody, first_row, strlen(first_row)) == 0);
  assert_non_null(strstr(tbody, "<tr class=\"has-b\"><th class=\"op\">Conv</th>"));
  assert_non_null(strstr(h, "2\u00d7 Sin</td><td class=\"mono\">first s1</td>"));
  assert_non_null(strstr(h, "blocks 4 nodes: <code>c2</code> (Conv)"));
  buf_free(&html);
  json_decref(doc);
  tu_rmrf(dir);
  free(dir);
}

static void verdicts__dynamic_advice_only_for_a_dynamic_input_in_the_commands_words(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), path[4096], zoo[4096];
  snprintf(path, sizeof path, "%s/dyn.onnx", dir);
  write_dynamic(path);
  char *out = NULL;
  /* blobc check MODEL: the shape is given on the command line */
  assert_int_equal(check(&out, path, ""), 1);
  assert_non_null(
      strstr(out, "node 'conv' (Conv): unsupported: input 'x' has a dynamic shape (1x3x?x?)"));
  assert_non_null(strstr(out, "with --input_shape [...]"));
  assert_null(strstr(out, "shape: [...]"));
  assert_null(strstr(out, "(Relu)")); /* blocked, filed under the root */
  free(out);
  /* a manifest: its shape: key */
  snprintf(zoo, sizeof zoo, "%s/zoo.yaml", dir);
  char text[8192];
  snprintf(text, sizeof text, "version: 1\nmodels:\n  - {name: dyn, source: %s}\n", path);
  tu_write(zoo, text);
  assert_int_equal(check(&out, zoo, ""), 1);
  assert_non_null(strstr(out, "in the manifest (shape: [...]"));
  assert_null(strstr(out, "--input_shape"));
  free(out);
  /* and given a static shape, the model converts */
  snprintf(text, sizeof text,
           "version: 1\nmodels:\n  - {name: dyn, source: %s, shape: [1, 3, 8, 8]}\n", path);
  tu_write(zoo, text);
  assert_int_equal(check(&out, zoo, ""), 0);
  free(out);
  tu_rmrf(dir);
  free(dir);
}

static void verdicts__runtime_parameters_are_verdicts_not_backend_errors(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), path[4096];
  snprintf(path, sizeof path, "%s/rt.onnx", dir);
  write_runtime_params(path);
  char *out = NULL;
  assert_int_equal(check(&out, path, ""), 1);
  assert_non_null(strstr(
      out, "node 'bn' (BatchNormalization): unsupported: BatchNormalization scale, bias and "
           "statistics come from 'mean' at run time: MYRIAD takes them as constants; fix: freeze "
           "the input 'mean' to its values"));
  assert_non_null(
      strstr(out, "node 'clip' (Clip): unsupported: Clip bounds come from 'lo' at run time"));
  assert_non_null(
      strstr(out, "node 'pad' (Pad): unsupported: Pad pads come from 'pads' at run time"));
  assert_null(strstr(out, "static shape"));
  free(out);
  /* a build says the same and writes no blob: the model is unsupported, not an error */
  char zoo[4096], text[8192];
  snprintf(zoo, sizeof zoo, "%s/zoo.yaml", dir);
  snprintf(text, sizeof text, "version: 1\nmodels:\n  - {name: rt, source: %s}\n", path);
  tu_write(zoo, text);
  assert_int_equal(tu_run(&out, "'%s' build '%s' -o '%s/out' 2>&1", tu_blobc(), zoo, dir), 1);
  assert_non_null(strstr(out, "1 models: 0 ok, 1 unsupported, 0 failed"));
  assert_null(strstr(out, "backend"));
  free(out);
  tu_rmrf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(verdicts__blocked_nodes_are_filed_under_their_root_cause),
      cmocka_unit_test(verdicts__dynamic_advice_only_for_a_dynamic_input_in_the_commands_words),
      cmocka_unit_test(verdicts__runtime_parameters_are_verdicts_not_backend_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
