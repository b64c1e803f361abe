/* tests/test_pipeline.c — the batch end to end: manifest -> jobs -> pool -> outputs -> report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compiler/backend/blob_read.h"
#include "pipeline/build.h"
#include "pipeline/record.h"
#include "reports/report.h"
#include "testutil.h"

/* Writes a manifest naming demo-zoo models (absolute paths) into dir; returns its path. */
static char *demo_manifest(const char *dir, const char *models_yaml) {
  static char path[4096];
  snprintf(path, sizeof path, "%s/zoo.yaml", dir);
  char text[8192];
  snprintf(text, sizeof text, "version: 1\ndefaults: {shaves: 4}\nmodels:\n%s", models_yaml);
  tu_write(path, text);
  return path;
}

static bool have_zoo(void) {
  char p[4096];
  snprintf(p, sizeof p, "%s/tiny_relu.onnx", tu_demo_zoo());
  return io_exists(p);
}

typedef struct {
  Manifest *m;
  BuildJob *jobs;
  int n;
  Arena *a;
} Run;

static void run_build(Run *r, const char *manifest, const char *out, int threads) {
  Err err = {0};
  memset(r, 0, sizeof *r);
  assert_int_equal(manifest_load(&r->m, manifest, &err), 0);
  r->a = arena_new();
  assert_int_equal(build_jobs_from_manifest(&r->jobs, &r->n, r->m, r->a, &err), 0);
  BuildOptions bo = {
      .out_dir = out, .threads = threads, .want_blob = true, .want_ir = true, .quiet = true};
  build_run(r->jobs, r->n, &bo);
}

static void run_free(Run *r) {
  build_jobs_free(r->jobs, r->n);
  manifest_free(r->m);
  arena_free(r->a);
}

static uint8_t *slurp(const char *path, size_t *len) {
  uint8_t *d = NULL;
  Err err = {0};
  if (io_read_file(&d, len, path, 0, &err) < 0) return NULL;
  return d;
}

static const char *ZOO_MODELS =
    "  - {name: tiny, source: %s/tiny_relu.onnx, mean_values: [127.5], scale_values: [255], "
    "reverse_input_channels: true, layout: NCHW->NHWC}\n"
    "  - {name: ids, source: %s/int64_input.onnx}\n"
    "  - {name: hs, source: %s/unsupported_op.onnx}\n"
    "  - {name: mobilenet, source: %s/mobilenet_v2.onnx, shaves: 8, openvino: '2021.4'}\n";

static char *zoo_yaml(void) {
  static char y[4096];
  const char *z = tu_demo_zoo();
  snprintf(y, sizeof y, ZOO_MODELS, z, z, z, z);
  return y;
}

static void pipeline__demo_models_build_and_blobs_pass_check(void **state) {
  (void)state;
  if (!have_zoo()) skip();
  char *dir = tu_tmpdir();
  char out[4096];
  snprintf(out, sizeof out, "%s/out", dir);
  Run r;
  run_build(&r, demo_manifest(dir, zoo_yaml()), out, 2);
  assert_int_equal(r.n, 4);
  assert_int_equal(r.jobs[0].status, JOB_OK);
  assert_int_equal(r.jobs[1].status, JOB_OK);
  assert_int_equal(r.jobs[2].status, JOB_UNSUPPORTED);
  assert_int_equal(r.jobs[3].status, JOB_OK);
  /* the unsupported model has its verdicts and no blob */
  assert_null(r.jobs[2].blob_path);
  assert_true(r.jobs[2].res.n_unsupported >= 1); /* Sin; its HardSigmoid is rewritten (converted) */
  assert_true(r.jobs[2].res.n_converted >= 1);
  /* the INT64 input is converted, not failed */
  assert_int_equal(r.jobs[1].res.n_converted, 1);
  for (int i = 0; i < r.n; i++) {
    if (!r.jobs[i].blob_path) continue;
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", out, r.jobs[i].blob_path);
    size_t len;
    uint8_t *d = slurp(p, &len);
    assert_non_null(d);
    Arena *a = arena_new();
    BlobInfo *b = NULL;
    Err err = {0};
    assert_int_equal(blob_parse(&b, a, d, len, p, &err), 0);
    Buf rep = BUF_INIT;
    int bad = blob_check(b, &rep, &err);
    if (bad) fprintf(stderr, "%s:\n%.*s", p, (int)rep.len, (char *)rep.data);
    assert_int_equal(bad, 0);
    buf_free(&rep);
    assert_int_equal(b->hdr.shaves, (uint32_t)r.jobs[i].opt.shaves);
    assert_int_equal(b->hdr.cmx_slices, (uint32_t)r.jobs[i].opt.shaves);
    assert_int_equal(b->hdr.stages_count, (uint32_t)r.jobs[i].res.n_stages);
    assert_int_equal(b->hdr.bss_mem_size, r.jobs[i].res.bss_size);
    assert_true(r.jobs[i].res.bss_size <= r.jobs[i].res.bss_naive);
    assert_true(r.jobs[i].res.bss_size >= r.jobs[i].res.bss_peak);
    if (i == 0) { /* frames: U8 interleaved, 1x3x8x8 */
      assert_int_equal(b->hdr.ver_major, 2022);
      assert_int_equal(b->hdr.ver_minor, 1);
      assert_int_equal(b->inputs[0].shape.data_type, 1 /* U8 */);
      assert_int_equal(b->inputs[0].shape.order, 0x4213 /* NHWC */);
      assert_string_equal(b->inputs[0].name, "input");
      assert_int_equal(b->hdr.inputs_size, 3 * 8 * 8);
      /* reverse_input_channels and the scale folded into the first Conv (mean stays: it pads):
       * nothing copies channels before it (after it, Copy stages move NCE results out of CMX) */
      for (uint32_t s = 0;
           s < b->hdr.stages_count && b->stages[s].type != BLOB_STAGE_MYRIAD_X_HW_OP; s++) {
        assert_string_not_equal(b->stages[s].type_name, "Copy");
        assert_string_not_equal(b->stages[s].type_name, "Scale");
      }
    }
    if (i == 3) {
      assert_int_equal(b->hdr.ver_major, 2021);
      assert_int_equal(b->hdr.ver_minor, 4);
      assert_true(r.jobs[i].res.bss_size < r.jobs[i].res.bss_naive / 4); /* liveness reuse pays */
    }
    free(d);
    arena_free(a);
  }
  /* blobconverter's naming */
  assert_string_equal(r.jobs[3].blob_path, "mobilenet/mobilenet_openvino_2021.4_8shave.blob");
  run_free(&r);
  tu_rmrf(dir);
  free(dir);
}

static void pipeline__output_bytes_identical_for_j1_and_j2(void **state) {
  (void)state;
  if (!have_zoo()) skip();
  char *dir = tu_tmpdir();
  char o1[4096], o2[4096];
  snprintf(o1, sizeof o1, "%s/o1", dir);
  snprintf(o2, sizeof o2, "%s/o2", dir);
  const char *mf = demo_manifest(dir, zoo_yaml());
  Run a, b;
  run_build(&a, mf, o1, 1);
  run_build(&b, mf, o2, 2);
  int compared = 0;
  for (int i = 0; i < a.n; i++) {
    const char *pa[3] = {a.jobs[i].blob_path, a.jobs[i].xml_path, a.jobs[i].bin_path};
    const char *pb[3] = {b.jobs[i].blob_path, b.jobs[i].xml_path, b.jobs[i].bin_path};
    for (int k = 0; k < 3; k++) {
      assert_true((pa[k] == NULL) == (pb[k] == NULL));
      if (!pa[k]) continue;
      char fa[4096], fb[4096];
      snprintf(fa, sizeof fa, "%s/%s", o1, pa[k]);
      snprintf(fb, sizeof fb, "%s/%s", o2, pb[k]);
      size_t la, lb;
      uint8_t *da = slurp(fa, &la), *db = slurp(fb, &lb);
      assert_non_null(da);
      assert_non_null(db);
      assert_int_equal(la, lb);
      assert_memory_equal(da, db, la);
      free(da);
      free(db);
      compared++;
    }
  }
  assert_true(compared >= 8);
  /* the reports agree except timings */
  json_t *ra = jobs_report(a.jobs, a.n, "m"), *rb = jobs_report(b.jobs, b.n, "m");
  size_t idx;
  json_t *m;
  json_array_foreach(json_object_get(ra, "models"), idx, m) json_object_del(m, "timings");
  json_array_foreach(json_object_get(rb, "models"), idx, m) json_object_del(m, "timings");
  assert_true(json_equal(ra, rb));
  json_decref(ra);
  json_decref(rb);
  run_free(&a);
  run_free(&b);
  tu_rmrf(dir);
  free(dir);
}

static void pipeline__broken_model_does_not_stop_the_others(void **state) {
  (void)state;
  if (!have_zoo()) skip();
  char *dir = tu_tmpdir();
  char bad[4096], y[8192], out[4096];
  snprintf(bad, sizeof bad, "%s/broken.onnx", dir);
  tu_write(bad, "this is not a protobuf \xff\xff\xff\xff");
  snprintf(y, sizeof y,
           "  - {name: broken, source: broken.onnx}\n  - {name: tiny, source: %s/tiny_relu.onnx}\n",
           tu_demo_zoo());
  snprintf(out, sizeof out, "%s/out", dir);
  Run r;
  run_build(&r, demo_manifest(dir, y), out, 2);
  assert_int_equal(r.jobs[0].status, JOB_ERROR);
  assert_int_equal(r.jobs[1].status, JOB_OK);
  char line[1400];
  err_line(&r.jobs[0].err, line, sizeof line);
  assert_non_null(strstr(line, "broken.onnx"));
  assert_non_null(strstr(line, "model 'broken'"));
  assert_null(strchr(line, '\n'));
  /* nothing written for the broken model, no temp files anywhere */
  char p[4096];
  snprintf(p, sizeof p, "%s/broken", out);
  assert_false(io_exists(p));
  char *o = NULL;
  tu_run(&o, "find '%s' -name '*.tmp.*' | wc -l", out);
  assert_int_equal(atoi(o), 0);
  free(o);
  run_free(&r);
  tu_rmrf(dir);
  free(dir);
}

static void pipeline__report_names_every_unsupported_node(void **state) {
  (void)state;
  if (!have_zoo()) skip();
  char *dir = tu_tmpdir();
  char y[4096], out[4096];
  snprintf(y, sizeof y, "  - {name: hs, source: %s/unsupported_op.onnx}\n", tu_demo_zoo());
  snprintf(out, sizeof out, "%s/out", dir);
  Run r;
  run_build(&r, demo_manifest(dir, y), out, 1);
  json_t *rep = jobs_report(r.jobs, r.n, "zoo.yaml");
  char *s = report_json_dumps(rep);
  json_decref(rep);
  json_error_t je;
  json_t *doc = json_loads(s, 0, &je);
  assert_non_null(doc);
  json_t *model = json_array_get(json_object_get(doc, "models"), 0);
  assert_string_equal(json_string_value(json_object_get(model, "status")), "unsupported");
  json_t *uns = json_object_get(model, "unsupported");
  bool hs = false,
       sin = false; /* HardSigmoid is rewritten (issue 18): converted, not unsupported */
  size_t i;
  json_t *u;
  json_array_foreach(uns, i, u) {
    const char *op = json_string_value(json_object_get(u, "op"));
    assert_true(strlen(json_string_value(json_object_get(u, "reason"))) > 10);
    assert_true(strlen(json_string_value(json_object_get(u, "fix"))) > 10);
    hs |= !strcmp(op, "HardSigmoid");
    sin |= !strcmp(op, "Sin");
  }
  assert_true(!hs && sin);
  json_array_foreach(json_object_get(model, "converted"), i, u) {
    if (!strcmp(json_string_value(json_object_get(u, "op")), "HardSigmoid"))
      hs = strstr(json_string_value(json_object_get(u, "reason")), "rewritten") != NULL;
  }
  assert_true(hs);
  json_decref(doc);
  free(s);
  run_free(&r);
  tu_rmrf(dir);
  free(dir);
}

static void pipeline__a_manifest_mixing_all_four_formats_builds(void **state) {
  (void)state;
  char p[4096];
  snprintf(p, sizeof p, "%s/tf_tiny.pb", tu_demo_zoo());
  if (!have_zoo() || !io_exists(p)) skip();
  char *dir = tu_tmpdir();
  char y[4096], out[4096];
  const char *z = tu_demo_zoo();
  snprintf(
      y, sizeof y,
      "  - {name: onnx, source: %s/tiny_relu.onnx}\n  - {name: tf, source: %s/tf_tiny.pb, "
      "mean_values: [127.5]}\n"
      "  - {name: caffe, source: %s/caffe_tiny.prototxt}\n  - {name: ir, source: %s/ir_tiny.xml}\n",
      z, z, z, z);
  snprintf(out, sizeof out, "%s/out", dir);
  Run r;
  run_build(&r, demo_manifest(dir, y), out, 2);
  for (int i = 0; i < r.n; i++) {
    char line[1400];
    if (r.jobs[i].status != JOB_OK)
      fail_msg("%s: %s", r.jobs[i].name, err_line(&r.jobs[i].err, line, sizeof line));
    assert_non_null(r.jobs[i].blob_path);
    assert_non_null(r.jobs[i].xml_path);
  }
  assert_string_equal(r.jobs[1].res.inputs[0].layout, "NHWC"); /* TF input stays interleaved */
  run_free(&r);
  tu_rmrf(dir);
  free(dir);
}

static void pipeline__every_onnx_node_model_gets_a_verdict_per_node(void **state) {
  (void)state;
  const char *d = tu_shared_data();
  if (!d) skip();
  char *o = NULL;
  tu_run(&o, "ls -d %s/onnx-node/*/ 2>/dev/null", d);
  int models = 0, sup = 0, conv = 0, uns = 0, errors = 0;
  for (char *line = o, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    char model[4096];
    snprintf(model, sizeof model, "%smodel.onnx", line);
    CompileOptions opt = {
        .model_name = "m", .source = model, .shaves = 6, .cmx_slices = 6, .openvino = "2022.1"};
    CompileResult res;
    Err err = {0};
    int rc = compile_model(&res, &opt, &err);
    models++;
    if (rc < 0) {
      errors++;
      char l[1400];
      fprintf(stderr, "  %s\n", err_line(&err, l, sizeof l));
    } else {
      /* every live node has exactly one verdict */
      assert_int_equal(res.n_supported + res.n_converted + res.n_unsupported + res.n_blocked,
                       res.n_nodes_live);
      sup += res.n_supported, conv += res.n_converted, uns += res.n_unsupported;
    }
    compile_result_free(&res);
  }
  free(o);
  fprintf(stderr,
          "  onnx-node: %d models, verdicts: %d supported, %d converted, %d unsupported; %d load "
          "errors\n",
          models, sup, conv, uns, errors);
  assert_true(models >= 50);
  assert_int_equal(errors, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pipeline__demo_models_build_and_blobs_pass_check),
      cmocka_unit_test(pipeline__output_bytes_identical_for_j1_and_j2),
      cmocka_unit_test(pipeline__broken_model_does_not_stop_the_others),
      cmocka_unit_test(pipeline__report_names_every_unsupported_node),
      cmocka_unit_test(pipeline__a_manifest_mixing_all_four_formats_builds),
      cmocka_unit_test(pipeline__every_onnx_node_model_gets_a_verdict_per_node),
  };
  return cmocka_run_group_tests_name("pipeline", tests, NULL, NULL);
}
