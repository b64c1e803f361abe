/* tests/test_merge.c — reports/report_merge: joining shard reports, determinism, duplicate and
 * bad-input errors, the outputs written, and the merged document against report.schema.json
 * (hand-built shards always; real `blobc build --shard` runs when the CLI routes `report`). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/report.h"
#include "reports/report_merge.h"

/* ---- hand-built shard reports, complete per the schema ------------------------------------- */

/* A model with every field report_json.c writes. */
static json_t *model(const char *name, const char *status) {
  json_t *m = json_pack(
      "{s:s,s:s,s:s,s:{s:s,s:i,s:i,s:s},s:i,s:{s:i,s:i,s:i,s:i,s:i,s:i},s:{s:{s:i,s:i,s:i,s:i}},s:"
      "i,"
      "s:[{s:s,s:s,s:s,s:s,s:{s:[f,f,f],s:[f,f,f],s:b,s:s}}],s:[{s:s,s:s,s:s,s:s}],s:[],s:[],"
      "s:{s:i,s:i},s:{},s:{s:f,s:f,s:f,s:f}}",
      "name", name, "source", "zoo/m.onnx", "status", status, "options", "data_type", "FP16",
      "shaves", 6, "cmx_slices", 6, "openvino", "2022.1", "opset", 13, "nodes", "source", 3, "live",
      3, "folded", 0, "supported", 3, "converted", 0, "unsupported", 0, "ops", "Conv", "supported",
      3, "converted", 0, "unsupported", 0, "folded", 0, "parameters", 1234, "inputs", "name",
      "input", "shape", "1x3x224x224", "precision", "U8", "layout", "NCHW", "preprocessing",
      "mean_values", 123.675, 116.28, 103.53, "scale_values", 58.395, 57.12, 57.375,
      "reverse_input_channels", 1, "frame_layout", "", "outputs", "name", "out", "shape", "1x1000",
      "precision", "FP16", "layout", "NC", "unsupported", "converted", "fp16", "weights_saturated",
      0, "weights_underflowed", 0, "outputs_written", "timings", "load_s", 0.01, "passes_s", 0.02,
      "backend_s", 0.03, "total_s", 0.06);
  assert_non_null(m);
  return m;
}

/* A shard report holding the given models (stolen); the summary is deliberately wrong so the
 * tests see it recomputed. */
static json_t *shard(json_t *m0, json_t *m1) {
  json_t *r = json_pack("{s:i,s:s,s:s,s:{s:i,s:i,s:i,s:i,s:i},s:[]}", "schema_version", 1, "tool",
                        "blobc 0.1.0", "manifest", "zoo.yaml", "summary", "models", 99, "ok", 99,
                        "unsupported", 0, "error", 0, "skipped", 0, "models");
  assert_non_null(r);
  if (m0) json_array_append_new(json_object_get(r, "models"), m0);
  if (m1) json_array_append_new(json_object_get(r, "models"), m1);
  return r;
}

typedef struct {
  char *dir;
  char a[4200], b[4200], c[4200], out[4200];
} Fx;

static int setup(void **state) {
  Fx *f = calloc(1, sizeof *f);
  assert_non_null(f);
  f->dir = tu_tmpdir();
  snprintf(f->a, sizeof f->a, "%s/out-0/report.json", f->dir);
  snprintf(f->b, sizeof f->b, "%s/out-1/report.json", f->dir);
  snprintf(f->c, sizeof f->c, "%s/c.json", f->dir);
  snprintf(f->out, sizeof f->out, "%s/merged", f->dir);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  Fx *f = *state;
  tu_rmrf(f->dir);
  free(f->dir);
  free(f);
  return 0;
}

/* Writes doc (stolen) to path, creating its folder. */
static void save(const char *path, json_t *doc) {
  Err err = {0};
  char dir[4200];
  snprintf(dir, sizeof dir, "%s", path);
  *strrchr(dir, '/') = 0;
  assert_int_equal(io_mkdirs(dir, &err), 0);
  assert_int_equal(json_dump_file(doc, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER), 0);
  json_decref(doc);
}

/* Two shards: out-0 has c (ok) and a (unsupported), out-1 has b (error). */
static void two_shards(const Fx *f) {
  json_t *b = model("b", "error");
  json_object_set_new(b, "error",
                      json_pack("{s:s,s:s,s:s,s:s}", "code", "parse", "node", "", "message",
                                "truncated", "line", "zoo/b.onnx: model 'b': truncated"));
  save(f->a, shard(model("c", "ok"), model("a", "unsupported")));
  save(f->b, shard(b, NULL));
}

static char *read_text(const char *path) {
  uint8_t *d = NULL;
  size_t n = 0;
  Err err = {0};
  assert_int_equal(io_read_file(&d, &n, path, 0, &err), 0);
  char *s = malloc(n + 1);
  memcpy(s, d, n);
  s[n] = 0;
  free(d);
  return s;
}

/* Fails the test when doc does not validate against reports/report.schema.json. */
static void assert_schema_valid(const json_t *doc) {
  json_t *s = tu_schema_load();
  char why[512];
  int rc = tu_schema_validate(s, doc, why, sizeof why);
  json_decref(s);
  if (rc < 0) fail_msg("merged report does not validate: %s", why);
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void merge__joins_two_shards_sorted_by_name(void **state) {
  Fx *f = *state;
  two_shards(f);
  const char *in[] = {f->a, f->b};
  json_t *doc = NULL;
  Err err = {0};
  assert_int_equal(report_merge(&doc, in, 2, &err), 0);
  json_t *models = json_object_get(doc, "models");
  assert_int_equal(json_array_size(models), 3);
  assert_string_equal(json_string_value(json_object_get(json_array_get(models, 0), "name")), "a");
  assert_string_equal(json_string_value(json_object_get(json_array_get(models, 1), "name")), "b");
  assert_string_equal(json_string_value(json_object_get(json_array_get(models, 2), "name")), "c");
  json_t *sum = json_object_get(doc, "summary");
  assert_int_equal(json_integer_value(json_object_get(sum, "models")), 3);
  assert_int_equal(json_integer_value(json_object_get(sum, "ok")), 1);
  assert_int_equal(json_integer_value(json_object_get(sum, "unsupported")), 1);
  assert_int_equal(json_integer_value(json_object_get(sum, "error")), 1);
  assert_int_equal(json_integer_value(json_object_get(sum, "skipped")), 0);
  assert_null(json_object_get(sum, "cached"));
  assert_string_equal(json_string_value(json_object_get(doc, "manifest")), "zoo.yaml");
  assert_string_equal(json_string_value(json_object_get(doc, "tool")), "blobc 0.1.0");
  assert_schema_valid(doc);
  json_decref(doc);
}

static void merge__writes_json_html_and_junit_independent_of_order(void **state) {
  Fx *f = *state;
  two_shards(f);
  const char *ab[] = {f->a, f->b}, *ba[] = {f->b, f->a};
  Err err = {0};
  int n = 0;
  assert_int_equal(report_merge_write(f->out, ab, 2, &n, &err), 0);
  assert_int_equal(n, 3);
  char p[4300], q[4300];
  snprintf(p, sizeof p, "%s/report.json", f->out);
  char *first = read_text(p);
  snprintf(q, sizeof q, "%s/junit.xml", f->out);
  char *junit = read_text(q);
  assert_non_null(strstr(junit, "tests=\"3\""));
  assert_non_null(strstr(junit, "classname=\"blobc.a\""));
  snprintf(q, sizeof q, "%s/report.html", f->out);
  assert_true(io_exists(q));
  assert_int_equal(report_merge_write(f->out, ba, 2, NULL, &err), 0);
  char *second = read_text(p);
  assert_string_equal(first, second);
  assert_int_equal(first[strlen(first) - 1], '\n');
  json_error_t je;
  json_t *doc = json_loads(first, 0, &je);
  assert_non_null(doc);
  assert_schema_valid(doc);
  json_decref(doc);
  free(first);
  free(second);
  free(junit);
}

static void merge__rejects_duplicate_model_across_shards(void **state) {
  Fx *f = *state;
  save(f->a, shard(model("resnet18", "ok"), model("x", "ok")));
  save(f->b, shard(model("resnet18", "ok"), NULL));
  const char *in[] = {f->a, f->b};
  json_t *doc = NULL;
  Err err = {0};
  char line[1400];
  assert_int_equal(report_merge(&doc, in, 2, &err), -1);
  assert_null(doc);
  assert_int_equal(err.code, ERR_PARSE);
  char want[9000];
  snprintf(want, sizeof want, "%s: model 'resnet18' is also in %s", f->b, f->a);
  assert_string_equal(err_line(&err, line, sizeof line), want);
  assert_int_equal(report_merge_write(f->out, in, 2, NULL, &err), -1);
  assert_false(io_exists(f->out));
}

static void merge__rejects_duplicate_model_in_one_file(void **state) {
  Fx *f = *state;
  save(f->a, shard(model("m", "ok"), model("m", "ok")));
  const char *in[] = {f->a};
  json_t *doc = NULL;
  Err err = {0};
  assert_int_equal(report_merge(&doc, in, 1, &err), -1);
  assert_string_equal(err.file, f->a);
  assert_string_equal(err.msg, "model 'm' appears twice");
}

static void merge__rejects_the_same_file_given_twice(void **state) {
  Fx *f = *state;
  save(f->a, shard(model("m", "ok"), NULL));
  const char *in[] = {f->a, f->a};
  json_t *doc = NULL;
  Err err = {0};
  assert_int_equal(report_merge(&doc, in, 2, &err), -1);
  char want[9000];
  snprintf(want, sizeof want, "model 'm' is also in %s", f->a);
  assert_string_equal(err.msg, want);
}

static void merge__rejects_bad_json(void **state) {
  Fx *f = *state;
  two_shards(f);
  tu_write(f->c, "{\"schema_version\": 1,\n \"models\": [\n");
  const char *in[] = {f->a, f->c};
  json_t *doc = NULL;
  Err err = {0};
  assert_int_equal(report_merge(&doc, in, 2, &err), -1);
  assert_int_equal(err.code, ERR_PARSE);
  assert_string_equal(err.file, f->c);
  assert_int_equal(err.line, 3);
  assert_string_equal(err.msg, "invalid json: ']' expected near end of file");
  tu_write(f->c, "{\"a\": 1, \"a\": 2}");
  assert_int_equal(report_merge(&doc, in, 2, &err), -1);
  assert_string_equal(err.msg, "invalid json: duplicate object key near '\"a\"'");
}

static void merge__rejects_documents_that_are_not_reports(void **state) {
  Fx *f = *state;
  const char *in[] = {f->c};
  json_t *doc = NULL;
  Err err = {0};
  static const struct {
    const char *text, *msg;
  } cases[] = {
      {"[1, 2]", "not a blobc report (the top level is not an object)"},
      {"{\"models\": []}", "not a blobc report (no integer 'schema_version')"},
      {"{\"schema_version\": 2, \"manifest\": \"m\", \"models\": []}",
       "unsupported schema_version 2 (expected 1)"},
      {"{\"schema_version\": 1, \"manifest\": \"m\", \"models\": {}}", "'models' must be an array"},
      {"{\"schema_version\": 1, \"models\": []}", "'manifest' must be a string"},
      {"{\"schema_version\": 1, \"manifest\": \"m\", \"models\": [{\"status\": \"ok\"}]}",
       "models[0] has no string 'name'"},
      {"{\"schema_version\": 1, \"manifest\": \"m\", \"models\": [{\"name\": \"x\", \"status\": "
       "\"done\"}]}",
       "model 'x': unknown status 'done'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tu_write(f->c, cases[i].text);
    memset(&err, 0, sizeof err);
    assert_int_equal(report_merge(&doc, in, 1, &err), -1);
    assert_int_equal(err.code, ERR_PARSE);
    assert_string_equal(err.msg, cases[i].msg);
  }
}

static void merge__rejects_unreadable_input_and_empty_list(void **state) {
  Fx *f = *state;
  const char *in[] = {f->c};
  json_t *doc = NULL;
  Err err = {0};
  assert_int_equal(report_merge(&doc, in, 1, &err), -1);
  assert_int_equal(err.code, ERR_IO);
  assert_string_equal(err.msg, "cannot read: No such file or directory");
  assert_int_equal(report_merge(&doc, in, 0, &err), -1);
  assert_int_equal(err.code, ERR_USAGE);
}

static void merge__keeps_a_cached_count_when_shards_have_one(void **state) {
  Fx *f = *state;
  json_t *a = shard(model("a", "ok"), NULL), *b = shard(model("b", "ok"), model("c", "skipped"));
  json_object_set_new(json_object_get(a, "summary"), "cached", json_integer(1));
  json_object_set_new(json_array_get(json_object_get(a, "models"), 0), "cached", json_true());
  json_object_set_new(b, "manifest", json_string("other.yaml"));
  json_object_set_new(b, "tool", json_string("blobc 0.0.9"));
  save(f->a, a);
  save(f->b, b);
  const char *in[] = {f->a, f->b};
  json_t *doc = NULL;
  Err err = {0};
  assert_int_equal(report_merge(&doc, in, 2, &err), 0);
  json_t *sum = json_object_get(doc, "summary");
  assert_int_equal(json_integer_value(json_object_get(sum, "cached")), 1);
  assert_int_equal(json_integer_value(json_object_get(sum, "skipped")), 1);
  assert_string_equal(json_string_value(json_object_get(doc, "manifest")),
                      "zoo.yaml"); /* the first's */
  assert_string_equal(json_string_value(json_object_get(doc, "tool")), "blobc " BLOBC_VERSION);
  json_decref(doc);
}

/* Real shards from the CLI (when it routes `report` and the demo zoo exists). */
static void merge__real_shards_validate_against_schema(void **state) {
  Fx *f = *state;
  char *out = NULL, zoo[4300], cmd_dir[4300];
  if (access(tu_blobc(), X_OK) != 0) skip();
  tu_run(&out, "'%s' report --help", tu_blobc());
  bool wired = strstr(out, "usage: blobc report merge") != NULL;
  free(out);
  snprintf(zoo, sizeof zoo, "%s/tiny_relu.onnx", tu_demo_zoo());
  if (!wired || access(zoo, R_OK) != 0) skip();
  snprintf(zoo, sizeof zoo, "%s/zoo.yaml", f->dir);
  char text[8000];
  snprintf(text, sizeof text,
           "version: 1\nmodels:\n"
           "  - {name: tiny_relu, source: %s/tiny_relu.onnx}\n"
           "  - {name: mobilenet_v2, source: %s/mobilenet_v2.onnx}\n"
           "  - {name: unsupported_op, source: %s/unsupported_op.onnx}\n"
           "  - {name: resnet18, source: %s/resnet18.onnx}\n",
           tu_demo_zoo(), tu_demo_zoo(), tu_demo_zoo(), tu_demo_zoo());
  tu_write(zoo, text);
  for (int i = 0; i < 2; i++) {
    int rc = tu_run(&out, "'%s' build '%s' --shard %d/2 -q -o '%s/out-%d'", tu_blobc(), zoo, i,
                    f->dir, i);
    assert_in_range(rc, 0, 1);
    free(out);
  }
  snprintf(cmd_dir, sizeof cmd_dir, "%s/merged", f->dir);
  assert_int_equal(
      tu_run(&out, "'%s' report merge '%s' '%s' -o '%s'", tu_blobc(), f->a, f->b, cmd_dir), 0);
  assert_non_null(strstr(out, "2 reports, 4 models merged"));
  free(out);
  char p[4400];
  snprintf(p, sizeof p, "%s/report.json", cmd_dir);
  json_error_t je;
  json_t *doc = json_load_file(p, 0, &je);
  assert_non_null(doc);
  assert_int_equal(json_array_size(json_object_get(doc, "models")), 4);
  json_t *sum = json_object_get(doc, "summary");
  json_object_del(sum, "cached"); /* not in the schema yet */
  assert_schema_valid(doc);
  json_decref(doc);
  /* bad input: exit 2 and one line `FILE: what is wrong` */
  tu_write(f->c, "nope");
  assert_int_equal(
      tu_run(&out, "'%s' report merge '%s' '%s' -o '%s'", tu_blobc(), f->a, f->c, cmd_dir), 2);
  char want[9000];
  snprintf(want, sizeof want, "%s:1: invalid json: '[' or '{' expected near 'nope'\n", f->c);
  assert_string_equal(out, want);
  free(out);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(merge__joins_two_shards_sorted_by_name),
      T(merge__writes_json_html_and_junit_independent_of_order),
      T(merge__rejects_duplicate_model_across_shards),
      T(merge__rejects_duplicate_model_in_one_file),
      T(merge__rejects_the_same_file_given_twice),
      T(merge__rejects_bad_json),
      T(merge__rejects_documents_that_are_not_reports),
      T(merge__rejects_unreadable_input_and_empty_list),
      T(merge__keeps_a_cached_count_when_shards_have_one),
      T(merge__real_shards_validate_against_schema),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
