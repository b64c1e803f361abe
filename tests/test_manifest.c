/* tests/test_manifest.c — pipeline/manifest: schema, resolution and every error message. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/manifest.h"

/* A temp folder holding the manifest (zoo.yaml) and the model files it names. */
typedef struct {
  char *dir;
  char path[4200];
} Fx;

static int setup(void **state) {
  Fx *f = calloc(1, sizeof *f);
  assert_non_null(f);
  f->dir = tu_tmpdir();
  snprintf(f->path, sizeof f->path, "%s/zoo.yaml", f->dir);
  char p[4300];
  snprintf(p, sizeof p, "%s/a.onnx", f->dir);
  tu_write(p, "");
  snprintf(p, sizeof p, "%s/b.onnx", f->dir);
  tu_write(p, "");
  snprintf(p, sizeof p, "%s/zoo", f->dir);
  assert_int_equal(mkdir(p, 0755), 0);
  snprintf(p, sizeof p, "%s/zoo/m.xml", f->dir);
  tu_write(p, "");
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

/* Writes text as the manifest and loads it. */
static int load(Fx *f, const char *text, Manifest **m, Err *err) {
  tu_write(f->path, text);
  return manifest_load(m, f->path, err);
}

/* Loading text fails with exactly this error (code, line, model, message). */
#define EXPECT_ERR(f, text, code_, line_, model_, msg_) \
  do {                                                  \
    Manifest *m_ = NULL;                                \
    Err e_ = {0};                                       \
    assert_int_equal(load((f), (text), &m_, &e_), -1);  \
    assert_null(m_);                                    \
    assert_string_equal(e_.msg, (msg_));                \
    assert_int_equal(e_.code, (code_));                 \
    assert_int_equal(e_.line, (line_));                 \
    assert_string_equal(e_.model, (model_));            \
    assert_string_equal(e_.file, (f)->path);            \
  } while (0)

#define HEAD "version: 1\nmodels:\n"

/* ---- valid manifests --------------------------------------------------------------------- */

static const char FULL[] = "# demo zoo\n"                                     /* 1 */
                           "version: 1\n"                                     /* 2 */
                           "defaults:\n"                                      /* 3 */
                           "  data_type: FP16\n"                              /* 4 */
                           "  shaves: 8\n"                                    /* 5 */
                           "  openvino: \"2021.4\"\n"                         /* 6 */
                           "  mean_values: [127.5, 127.5, 127.5]\n"           /* 7 */
                           "  scale_values: 255\n"                            /* 8 */
                           "  reverse_input_channels: true\n"                 /* 9 */
                           "models:\n"                                        /* 10 */
                           "  - name: mobilenet_v2\n"                         /* 11 */
                           "    source: a.onnx\n"                             /* 12 */
                           "    inputs:\n"                                    /* 13 */
                           "      - name: input\n"                            /* 14 */
                           "        shape: [1, 3, 224, 224]\n"                /* 15 */
                           "        layout: nchw->NHWC\n"                     /* 16 */
                           "        mean_values: [123.675, 116.28, 103.53]\n" /* 17 */
                           "        scale_values: [58.395, 57.12, 57.375]\n"  /* 18 */
                           "        precision: u8\n"                          /* 19 */
                           "    shaves: 4\n"                                  /* 20 */
                           "  - name: yolo.v5-n\n"                            /* 21 */
                           "    source: zoo/m.xml\n"                          /* 22 */
                           "    layout: NHWC\n"                               /* 23 */
                           "    mean_values: 0\n"                             /* 24 */
                           "    precision: half\n"                            /* 25 */
                           "    data_type: fp32\n"                            /* 26 */
                           "    output_precision: FP32\n"                     /* 27 */
                           "    openvino: 2022.1\n"                           /* 28 */
                           "    reverse_input_channels: no\n"                 /* 29 */
                           "    cmx_slices: 10\n"                             /* 30 */
                           "  - name: two\n"                                  /* 31 */
                           "    source: b.onnx\n"                             /* 32 */
                           "    inputs:\n"                                    /* 33 */
                           "      - name: image\n"                            /* 34 */
                           "        shape: [1, 224, 224, 3]\n"                /* 35 */
                           "        layout: NHWC\n"                           /* 36 */
                           "        scale_values: [1, 2, 3]\n"                /* 37 */
                           "      - name: meta\n"                             /* 38 */
                           "        precision: FP32\n"                        /* 39 */
                           "        layout: NC\n"                             /* 40 */
                           "        shape: [1, 10]\n"                         /* 41 */
                           "        mean_values: -1.5\n"                      /* 42 */
                           "        scale_values: [2]\n"                      /* 43 */
                           "        reverse_input_channels: false\n";         /* 44 */

static void manifest__loads_full_manifest(void **state) {
  Fx *f = *state;
  Manifest *m = NULL;
  Err err = {0};
  assert_int_equal(load(f, FULL, &m, &err), 0);
  assert_non_null(m);
  assert_string_equal(m->path, f->path);
  assert_int_equal(m->version, 1);
  assert_int_equal(m->n_models, 3);
  char want[4300];

  /* model 1: explicit input overrides every per-input default, arrow layout, model shaves */
  const ManifestModel *a = &m->models[0];
  assert_string_equal(a->name, "mobilenet_v2");
  assert_int_equal(a->line, 11);
  assert_string_equal(a->source_raw, "a.onnx");
  snprintf(want, sizeof want, "%s/a.onnx", f->dir);
  assert_string_equal(a->source, want);
  assert_int_equal(a->source_line, 12);
  assert_int_equal(a->data_type, PREC_FP16);
  assert_int_equal(a->output_precision, PREC_FP16);
  assert_int_equal(a->shaves, 4);
  assert_int_equal(a->cmx_slices, 4);
  assert_string_equal(a->openvino, "2021.4");
  assert_int_equal(a->n_inputs, 1);
  const ManifestInput *in = &a->inputs[0];
  assert_string_equal(in->name, "input");
  assert_int_equal(in->line, 14);
  assert_true(in->has_shape);
  assert_int_equal(in->rank, 4);
  assert_int_equal(in->shape[0], 1);
  assert_int_equal(in->shape[1], 3);
  assert_int_equal(in->shape[3], 224);
  assert_int_equal(in->layout, LAYOUT_NCHW);
  assert_int_equal(in->frame_layout, LAYOUT_NHWC);
  assert_int_equal(in->n_mean, 3);
  assert_float_equal(in->mean[0], 123.675, 1e-12);
  assert_float_equal(in->mean[2], 103.53, 1e-12);
  assert_int_equal(in->n_scale, 3);
  assert_float_equal(in->scale[1], 57.12, 1e-12);
  assert_true(in->reverse_input_channels); /* from defaults */
  assert_int_equal(in->precision, PREC_U8);
  assert_int_equal(in->mean_line, 17);
  assert_int_equal(in->layout_line, 16);

  /* model 2: shorthand keys make one implicit input; scalar mean; spellings */
  const ManifestModel *b = &m->models[1];
  assert_string_equal(b->name, "yolo.v5-n");
  snprintf(want, sizeof want, "%s/zoo/m.xml", f->dir);
  assert_string_equal(b->source, want);
  assert_int_equal(b->data_type, PREC_FP32);
  assert_int_equal(b->output_precision, PREC_FP32);
  assert_int_equal(b->shaves, 8); /* from defaults */
  assert_int_equal(b->cmx_slices, 10);
  assert_string_equal(b->openvino, "2022.1");
  assert_int_equal(b->n_inputs, 1);
  in = &b->inputs[0];
  assert_null(in->name);
  assert_int_equal(in->line, 21);
  assert_false(in->has_shape);
  assert_int_equal(in->rank, 0);
  assert_int_equal(in->layout, LAYOUT_NHWC);
  assert_int_equal(in->frame_layout, LAYOUT_NHWC);
  assert_int_equal(in->n_mean, 1);
  assert_float_equal(in->mean[0], 0.0, 0);
  assert_int_equal(in->n_scale, 1); /* scalar default */
  assert_float_equal(in->scale[0], 255.0, 0);
  assert_int_equal(in->scale_line, 8);
  assert_false(in->reverse_input_channels);
  assert_int_equal(in->precision, PREC_FP16);

  /* model 3: two inputs, each merged with the defaults on its own */
  const ManifestModel *c = &m->models[2];
  assert_int_equal(c->n_inputs, 2);
  assert_string_equal(c->inputs[0].name, "image");
  assert_int_equal(c->inputs[0].n_mean, 3); /* from defaults */
  assert_float_equal(c->inputs[0].mean[1], 127.5, 0);
  assert_int_equal(c->inputs[0].n_scale, 3);
  assert_float_equal(c->inputs[0].scale[2], 3.0, 0);
  assert_true(c->inputs[0].reverse_input_channels);
  assert_int_equal(c->inputs[0].precision, PREC_DEFAULT); /* the compiler decides */
  assert_string_equal(c->inputs[1].name, "meta");
  assert_int_equal(c->inputs[1].line, 38);
  assert_int_equal(c->inputs[1].layout, LAYOUT_NC);
  assert_int_equal(c->inputs[1].n_mean, 1);
  assert_float_equal(c->inputs[1].mean[0], -1.5, 0);
  assert_int_equal(c->inputs[1].n_scale, 1);
  assert_false(c->inputs[1].reverse_input_channels);
  assert_int_equal(c->inputs[1].precision, PREC_FP32);

  assert_ptr_equal(manifest_find_model(m, "two"), c);
  assert_null(manifest_find_model(m, "nope"));
  manifest_free(m);
}

static void manifest__applies_schema_defaults(void **state) {
  Fx *f = *state;
  Manifest *m = NULL;
  Err err = {0};
  assert_int_equal(load(f, HEAD "  - {name: a, source: a.onnx}\n", &m, &err), 0);
  const ManifestModel *a = &m->models[0];
  assert_int_equal(a->line, 3);
  assert_int_equal(a->data_type, PREC_FP16);
  assert_int_equal(a->output_precision, PREC_FP16);
  assert_int_equal(a->shaves, 6);
  assert_int_equal(a->cmx_slices, 6);
  assert_string_equal(a->openvino, "2022.1");
  assert_int_equal(a->n_inputs, 1);
  assert_null(a->inputs[0].name);
  assert_int_equal(a->inputs[0].layout, LAYOUT_NONE);
  assert_int_equal(a->inputs[0].frame_layout, LAYOUT_NONE);
  assert_int_equal(a->inputs[0].n_mean, 0);
  assert_int_equal(a->inputs[0].n_scale, 0);
  assert_false(a->inputs[0].has_shape);
  assert_false(a->inputs[0].reverse_input_channels);
  assert_int_equal(a->inputs[0].precision, PREC_DEFAULT);
  manifest_free(m);
}

static void manifest__accepts_spelling_variants(void **state) {
  Fx *f = *state;
  Manifest *m = NULL;
  Err err = {0};
  const char *text = HEAD "  - name: a\n"
                          "    source: a.onnx\n"
                          "    data_type: Half\n"
                          "    output_precision: float32\n"
                          "    layout: ' chw -> hwc '\n"
                          "    precision: FLOAT16\n"
                          "    reverse_input_channels: Yes\n"
                          "    shaves: '3'\n";
  assert_int_equal(load(f, text, &m, &err), 0);
  const ManifestModel *a = &m->models[0];
  assert_int_equal(a->data_type, PREC_FP16);
  assert_int_equal(a->output_precision, PREC_FP32);
  assert_int_equal(a->inputs[0].layout, LAYOUT_CHW);
  assert_int_equal(a->inputs[0].frame_layout, LAYOUT_HWC);
  assert_int_equal(a->inputs[0].precision, PREC_FP16);
  assert_true(a->inputs[0].reverse_input_channels);
  assert_int_equal(a->shaves, 3);
  manifest_free(m);
}

static void manifest__parses_string_with_absolute_source(void **state) {
  Fx *f = *state;
  char text[5000];
  snprintf(text, sizeof text, HEAD "  - name: a\n    source: %s/a.onnx\n", f->dir);
  Manifest *m = NULL;
  Err err = {0};
  assert_int_equal(manifest_parse_str(&m, text, strlen(text), NULL, &err), 0);
  char want[4300];
  snprintf(want, sizeof want, "%s/a.onnx", f->dir);
  assert_string_equal(m->models[0].source, want);
  assert_string_equal(m->path, "");
  manifest_free(m);
  manifest_free(NULL);
}

static void manifest__names_layouts_and_precisions(void **state) {
  (void)state;
  assert_string_equal(layout_name(LAYOUT_NCHW), "NCHW");
  assert_string_equal(layout_name(LAYOUT_HWC), "HWC");
  assert_string_equal(layout_name(LAYOUT_C), "C");
  assert_string_equal(layout_name(LAYOUT_NONE), "");
  assert_string_equal(layout_name((Layout)99), "");
  assert_int_equal(layout_rank(LAYOUT_NHWC), 4);
  assert_int_equal(layout_channel_axis(LAYOUT_NHWC), 3);
  assert_int_equal(layout_channel_axis(LAYOUT_NONE), -1);
  assert_string_equal(precision_name(PREC_U8), "U8");
  assert_string_equal(precision_name(PREC_FP16), "FP16");
  assert_string_equal(precision_name(PREC_FP32), "FP32");
  assert_string_equal(precision_name(PREC_DEFAULT), "");
  assert_int_equal(precision_dtype(PREC_FP16), DT_F16);
  assert_int_equal(precision_dtype(PREC_U8), DT_U8);
}

/* ---- errors: file and YAML level --------------------------------------------------------- */

static void manifest__rejects_unreadable_file(void **state) {
  Fx *f = *state;
  Manifest *m = NULL;
  Err err = {0};
  char p[4300];
  snprintf(p, sizeof p, "%s/missing.yaml", f->dir);
  assert_int_equal(manifest_load(&m, p, &err), -1);
  assert_null(m);
  assert_int_equal(err.code, ERR_IO);
  assert_int_equal(err.line, 0);
  assert_string_equal(err.file, p);
  assert_string_equal(err.msg, "cannot read manifest: no such file or directory");
}

static void manifest__rejects_huge_file(void **state) {
  Fx *f = *state;
  tu_write(f->path, "");
  assert_int_equal(truncate(f->path, (off_t)MANIFEST_MAX_BYTES + 1), 0); /* sparse */
  Manifest *m = NULL;
  Err err = {0};
  assert_int_equal(manifest_load(&m, f->path, &err), -1);
  assert_null(m);
  assert_int_equal(err.code, ERR_MANIFEST);
  assert_int_equal(err.line, 0);
  assert_string_equal(err.msg, "manifest is 16777217 bytes, over the limit of 16 MiB");
  /* the same limit applies to text handed over directly */
  assert_int_equal(manifest_parse_str(&m, "", (size_t)MANIFEST_MAX_BYTES + 1, "x.yaml", &err), -1);
  assert_string_equal(err.msg, "manifest is 16777217 bytes, over the limit of 16 MiB");
}

static void manifest__rejects_yaml_syntax_error(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n   source: a.onnx\n", ERR_MANIFEST, 4, "",
             "yaml syntax error: did not find expected '-' indicator "
             "(while parsing a block collection at line 3)");
  EXPECT_ERR((Fx *)*state, "version: 1\nmodels: [a, b\n", ERR_MANIFEST, 3, "",
             "yaml syntax error: did not find expected ',' or ']' "
             "(while parsing a flow sequence at line 2)");
}

static void manifest__rejects_invalid_utf8(void **state) {
  EXPECT_ERR((Fx *)*state, "version: 1\n# caf\xc3\n", ERR_MANIFEST, 2, "",
             "invalid yaml: invalid trailing UTF-8 octet");
}

static void manifest__rejects_aliases(void **state) {
  EXPECT_ERR((Fx *)*state,
             "version: 1\n"
             "defaults: &d {shaves: 4}\n"
             "models:\n"
             "  - name: a\n"
             "    source: a.onnx\n"
             "    <<: *d\n",
             ERR_MANIFEST, 6, "", "yaml aliases are not allowed");
}

static void manifest__rejects_deep_nesting(void **state) {
  char text[256] = "version: 1\nmodels: ";
  for (int i = 0; i < 40; i++) strcat(text, "[");
  for (int i = 0; i < 40; i++) strcat(text, "]");
  strcat(text, "\n");
  EXPECT_ERR((Fx *)*state, text, ERR_MANIFEST, 2, "", "yaml nesting deeper than 32 levels");
}

static void manifest__rejects_two_documents(void **state) {
  EXPECT_ERR((Fx *)*state, "version: 1\n---\nversion: 1\n", ERR_MANIFEST, 2, "",
             "a manifest must hold one yaml document");
}

static void manifest__rejects_empty_manifest(void **state) {
  EXPECT_ERR((Fx *)*state, "# nothing yet\n", ERR_MANIFEST, 1, "", "manifest is empty");
}

static void manifest__rejects_non_mapping_root(void **state) {
  EXPECT_ERR((Fx *)*state, "\n- a\n- b\n", ERR_MANIFEST, 2, "",
             "manifest must be a mapping with keys 'version' and 'models'");
}

/* ---- errors: top level ------------------------------------------------------------------- */

static void manifest__rejects_missing_version(void **state) {
  EXPECT_ERR((Fx *)*state, "# zoo\nmodels:\n  - {name: a, source: a.onnx}\n", ERR_MANIFEST, 2, "",
             "missing key 'version'");
}

static void manifest__rejects_wrong_version(void **state) {
  EXPECT_ERR((Fx *)*state, "version: 2\nmodels:\n  - {name: a, source: a.onnx}\n", ERR_MANIFEST, 1,
             "", "unsupported manifest version 2 (expected 1)");
  EXPECT_ERR((Fx *)*state, "version: one\nmodels:\n  - {name: a, source: a.onnx}\n", ERR_MANIFEST,
             1, "", "'version' must be an integer");
}

static void manifest__rejects_missing_models(void **state) {
  EXPECT_ERR((Fx *)*state, "version: 1\ndefaults: {shaves: 4}\n", ERR_MANIFEST, 1, "",
             "missing key 'models'");
}

static void manifest__rejects_empty_models(void **state) {
  EXPECT_ERR((Fx *)*state, "version: 1\nmodels: []\n", ERR_MANIFEST, 2, "",
             "'models' must not be empty");
  EXPECT_ERR((Fx *)*state, "version: 1\nmodels:\n", ERR_MANIFEST, 2, "",
             "'models' must not be empty");
  EXPECT_ERR((Fx *)*state, "version: 1\nmodels: {a: 1}\n", ERR_MANIFEST, 2, "",
             "'models' must be a list");
}

static void manifest__rejects_unknown_key(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - name: ssd\n    source: a.onnx\n    mean_value: [1, 2, 3]\n",
             ERR_MANIFEST, 5, "ssd", "unknown key 'mean_value' (did you mean 'mean_values'?)");
  EXPECT_ERR((Fx *)*state, "version: 1\nmodel:\n  - {name: a, source: a.onnx}\n", ERR_MANIFEST, 2,
             "", "unknown key 'model' (did you mean 'models'?)");
  EXPECT_ERR((Fx *)*state, HEAD "  - {name: a, source: a.onnx, colour: red}\n", ERR_MANIFEST, 3,
             "a", "unknown key 'colour'");
}

static void manifest__rejects_key_at_wrong_level(void **state) {
  EXPECT_ERR((Fx *)*state,
             HEAD "  - name: a\n    source: a.onnx\n    inputs:\n      - {name: x, shaves: 4}\n",
             ERR_MANIFEST, 6, "a",
             "unknown key 'shaves' (it belongs to the model, not to an input)");
  EXPECT_ERR((Fx *)*state, "version: 1\ndefaults:\n  source: a.onnx\nmodels: []\n", ERR_MANIFEST, 3,
             "", "unknown key 'source' (it belongs to a model, not to defaults)");
}

static void manifest__rejects_duplicate_key(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    shaves: 4\n    shaves: 5\n",
             ERR_MANIFEST, 6, "a", "duplicate key 'shaves' (first at line 5)");
}

static void manifest__rejects_non_string_key(void **state) {
  EXPECT_ERR((Fx *)*state, "version: 1\n[a]: 1\n", ERR_MANIFEST, 2, "",
             "mapping keys must be strings");
}

static void manifest__rejects_wrong_defaults_type(void **state) {
  EXPECT_ERR((Fx *)*state, "version: 1\ndefaults: [1]\nmodels: []\n", ERR_MANIFEST, 2, "",
             "'defaults' must be a mapping");
}

/* ---- errors: models ---------------------------------------------------------------------- */

static void manifest__rejects_missing_name(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - source: a.onnx\n    shaves: 4\n", ERR_MANIFEST, 3, "",
             "missing key 'name'");
}

static void manifest__rejects_missing_source(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n  - name: b\n    shaves: 4\n", ERR_MANIFEST, 3, "a",
             "missing key 'source'");
}

static void manifest__rejects_model_entry_not_mapping(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - a.onnx\n", ERR_MANIFEST, 3, "",
             "each entry of 'models' must be a mapping");
}

static void manifest__rejects_missing_source_file(void **state) {
  Fx *f = *state;
  char want[4600];
  snprintf(want, sizeof want,
           "source file 'zoo/nope.onnx' not found (looked for '%s/zoo/nope.onnx')", f->dir);
  EXPECT_ERR(f, HEAD "  - name: a\n    source: a.onnx\n  - name: b\n    source: zoo/nope.onnx\n",
             ERR_MANIFEST, 6, "b", want);
  EXPECT_ERR(f, HEAD "  - name: a\n    source: zoo\n", ERR_MANIFEST, 4, "a",
             "source 'zoo' is not a regular file");
  EXPECT_ERR(f, HEAD "  - name: a\n    source: ''\n", ERR_MANIFEST, 4, "a",
             "'source' must not be empty");
}

static void manifest__rejects_duplicate_model_name(void **state) {
  EXPECT_ERR((Fx *)*state,
             HEAD "  - name: ssd\n    source: a.onnx\n  - name: x\n    source: a.onnx\n"
                  "  - source: b.onnx\n    name: ssd\n",
             ERR_MANIFEST, 8, "ssd", "duplicate model name 'ssd' (first at line 3)");
}

static void manifest__rejects_unsafe_model_name(void **state) {
  static const char MSG[] = "is not a safe file name (use letters, digits, '.', '_', '-', not "
                            "starting with '.', at most 100 characters)";
  char want[512];
  snprintf(want, sizeof want, "model name '../etc/x' %s", MSG);
  EXPECT_ERR((Fx *)*state, HEAD "  - name: ../etc/x\n    source: a.onnx\n", ERR_MANIFEST, 3, "",
             want);
  snprintf(want, sizeof want, "model name '.hidden' %s", MSG);
  EXPECT_ERR((Fx *)*state, HEAD "  - name: .hidden\n    source: a.onnx\n", ERR_MANIFEST, 3, "",
             want);
  snprintf(want, sizeof want, "model name 'a b' %s", MSG);
  EXPECT_ERR((Fx *)*state, HEAD "  - {source: a.onnx,\n     name: a b}\n", ERR_MANIFEST, 4, "",
             want);
  char text[512], name[102];
  memset(name, 'n', 101);
  name[101] = 0;
  snprintf(text, sizeof text, HEAD "  - name: %s\n    source: a.onnx\n", name);
  snprintf(want, sizeof want, "model name '%.64s' %s", name, MSG);
  EXPECT_ERR((Fx *)*state, text, ERR_MANIFEST, 3, "", want);
  EXPECT_ERR((Fx *)*state, HEAD "  - name: [a]\n    source: a.onnx\n", ERR_MANIFEST, 3, "",
             "'name' must be a string");
}

static void manifest__rejects_wrong_type(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    shaves: six\n", ERR_MANIFEST,
             5, "a", "'shaves' must be an integer");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    shaves: 4.5\n", ERR_MANIFEST,
             5, "a", "'shaves' must be an integer");
  EXPECT_ERR((Fx *)*state,
             HEAD "  - name: a\n    source: a.onnx\n    reverse_input_channels: maybe\n",
             ERR_MANIFEST, 5, "a", "'reverse_input_channels' must be true or false");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    layout: [N, C]\n",
             ERR_MANIFEST, 5, "a", "'layout' must be a string");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    inputs: {name: x}\n",
             ERR_MANIFEST, 5, "a", "'inputs' must be a list");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    inputs: [x]\n", ERR_MANIFEST,
             5, "a", "each entry of 'inputs' must be a mapping");
}

static void manifest__rejects_shaves_out_of_range(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    shaves: 17\n", ERR_MANIFEST,
             5, "a", "'shaves' must be between 1 and 16, got 17");
  EXPECT_ERR((Fx *)*state, "version: 1\ndefaults: {shaves: 0}\nmodels: []\n", ERR_MANIFEST, 2, "",
             "'shaves' must be between 1 and 16, got 0");
}

static void manifest__rejects_cmx_slices_below_shaves(void **state) {
  EXPECT_ERR((Fx *)*state,
             "version: 1\ndefaults:\n  cmx_slices: 4\nmodels:\n"
             "  - name: a\n    source: a.onnx\n    shaves: 8\n",
             ERR_MANIFEST, 3, "a", "'cmx_slices' (4) must not be less than 'shaves' (8)");
}

static void manifest__rejects_unknown_layout(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    layout: NCWH\n", ERR_MANIFEST,
             5, "a",
             "unknown layout 'NCWH' (expected NCHW, NHWC, CHW, HWC, NC or C, optionally "
             "MODEL->FRAME such as NCHW->NHWC)");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    layout: NCHW->HWC\n",
             ERR_MANIFEST, 5, "a",
             "layout 'NCHW->HWC': both sides of '->' must have the same dims");
}

static void manifest__rejects_unknown_precision(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    precision: I8\n",
             ERR_MANIFEST, 5, "a", "unknown precision 'I8' (expected U8, FP16 or FP32)");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    output_precision: U8\n",
             ERR_MANIFEST, 5, "a", "unknown output_precision 'U8' (expected FP16 or FP32)");
}

static void manifest__rejects_unknown_data_type(void **state) {
  EXPECT_ERR((Fx *)*state, "version: 1\ndefaults:\n  data_type: U8\nmodels: []\n", ERR_MANIFEST, 3,
             "", "unknown data_type 'U8' (expected FP16 or FP32)");
}

static void manifest__rejects_unknown_openvino(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    openvino: 2023.0\n",
             ERR_MANIFEST, 5, "a", "unknown openvino version '2023.0' (expected 2021.4 or 2022.1)");
}

/* ---- errors: inputs ---------------------------------------------------------------------- */

static void manifest__rejects_mean_length_mismatch(void **state) {
  EXPECT_ERR((Fx *)*state,
             HEAD "  - name: a\n    source: a.onnx\n    shape: [1, 3, 8, 8]\n    layout: NCHW\n"
                  "    mean_values: [1, 2]\n",
             ERR_MANIFEST, 7, "a", "'mean_values' has 2 values but the input has 3 channels");
  /* channels from an NHWC shape; the scale list comes from the defaults */
  EXPECT_ERR((Fx *)*state,
             "version: 1\ndefaults:\n  scale_values: [1, 2, 3]\nmodels:\n"
             "  - name: a\n    source: a.onnx\n    inputs:\n"
             "      - {name: x, shape: [1, 8, 8, 1], layout: NHWC}\n",
             ERR_MANIFEST, 3, "a", "'scale_values' has 3 values but the input has 1 channels");
  EXPECT_ERR((Fx *)*state,
             HEAD "  - name: a\n    source: a.onnx\n    mean_values: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n",
             ERR_MANIFEST, 5, "a", "'mean_values' has 9 values, at most 8");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    mean_values: []\n",
             ERR_MANIFEST, 5, "a", "'mean_values' must not be empty");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    mean_values: [1, x, 3]\n",
             ERR_MANIFEST, 5, "a", "'mean_values' must be a number or a list of numbers");
}

static void manifest__rejects_layout_rank_mismatch(void **state) {
  EXPECT_ERR((Fx *)*state,
             HEAD "  - name: a\n    source: a.onnx\n    layout: CHW\n    shape: [1, 3, 8, 8]\n",
             ERR_MANIFEST, 5, "a", "layout 'CHW' has 3 dims but 'shape' has 4");
}

static void manifest__rejects_reverse_without_three_channels(void **state) {
  EXPECT_ERR((Fx *)*state,
             "version: 1\ndefaults:\n  reverse_input_channels: true\nmodels:\n"
             "  - name: a\n    source: a.onnx\n    shape: [1, 1, 8, 8]\n    layout: NCHW\n",
             ERR_MANIFEST, 3, "a", "'reverse_input_channels' needs 3 channels, the input has 1");
}

static void manifest__rejects_zero_scale(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    scale_values: [1, 0, 1]\n",
             ERR_MANIFEST, 5, "a", "'scale_values' must be positive, got 0");
}

static void manifest__rejects_negative_scale(void **state) {
  EXPECT_ERR((Fx *)*state,
             HEAD "  - name: a\n    source: a.onnx\n    scale_values:\n      - 1\n      - -2.5\n",
             ERR_MANIFEST, 7, "a", "'scale_values' must be positive, got -2.5");
}

static void manifest__rejects_nan_mean(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    mean_values: [1, .nan, 3]\n",
             ERR_MANIFEST, 5, "a", "'mean_values' must be finite, got .nan");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    mean_values: NaN\n",
             ERR_MANIFEST, 5, "a", "'mean_values' must be finite, got NaN");
}

static void manifest__rejects_infinite_scale(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    scale_values: -.inf\n",
             ERR_MANIFEST, 5, "a", "'scale_values' must be finite, got -.inf");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    scale_values: 1e999\n",
             ERR_MANIFEST, 5, "a", "'scale_values' must be finite, got 1e999");
}

static void manifest__rejects_non_positive_shape(void **state) {
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    shape: [1, 3, 0, 224]\n",
             ERR_MANIFEST, 5, "a", "'shape' dims must be positive, got 0");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    shape: [-1, 3]\n",
             ERR_MANIFEST, 5, "a", "'shape' dims must be positive, got -1");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    shape: [1, 3.5]\n",
             ERR_MANIFEST, 5, "a", "'shape' must be a list of integers");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    shape: []\n", ERR_MANIFEST, 5,
             "a", "'shape' must not be empty");
}

static void manifest__rejects_too_many_dims(void **state) {
  EXPECT_ERR((Fx *)*state,
             HEAD "  - name: a\n    source: a.onnx\n    shape: [1, 1, 1, 1, 1, 1, 1, 1, 1]\n",
             ERR_MANIFEST, 5, "a", "'shape' has 9 dims, at most 8");
}

static void manifest__rejects_shorthand_beside_inputs(void **state) {
  EXPECT_ERR(
      (Fx *)*state,
      HEAD "  - name: a\n    source: a.onnx\n    layout: NCHW\n    inputs:\n      - name: x\n",
      ERR_MANIFEST, 5, "a", "'layout' cannot be given beside 'inputs': put it in an input entry");
}

static void manifest__rejects_bad_input_names(void **state) {
  EXPECT_ERR((Fx *)*state,
             HEAD "  - name: a\n    source: a.onnx\n    inputs:\n      - name: x\n"
                  "      - layout: NC\n",
             ERR_MANIFEST, 7, "a", "missing key 'name'");
  EXPECT_ERR((Fx *)*state,
             HEAD "  - name: a\n    source: a.onnx\n    inputs:\n      - name: x\n"
                  "      - name: x\n",
             ERR_MANIFEST, 7, "a", "duplicate input name 'x' (first at line 6)");
  EXPECT_ERR((Fx *)*state, HEAD "  - name: a\n    source: a.onnx\n    inputs: []\n", ERR_MANIFEST,
             5, "a", "'inputs' must not be empty");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

static void manifest__superblob_default_and_override(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char path[4096], src[4096], text[4096];
  snprintf(src, sizeof src, "%s/m.onnx", dir);
  tu_write(src, "");
  snprintf(path, sizeof path, "%s/zoo.yaml", dir);
  snprintf(text, sizeof text,
           "version: 1\ndefaults: {superblob: true}\nmodels:\n  - {name: a, source: m.onnx}\n"
           "  - {name: b, source: m.onnx, superblob: false}\n");
  tu_write(path, text);
  Manifest *m = NULL;
  Err err = {0};
  assert_int_equal(manifest_load(&m, path, &err), 0);
  assert_true(m->models[0].superblob);
  assert_false(m->models[1].superblob);
  manifest_free(m);
  tu_write(path, "version: 1\nmodels:\n  - {name: a, source: m.onnx, superblob: 3}\n");
  assert_int_equal(manifest_load(&m, path, &err), -1);
  assert_int_equal(err.line, 3);
  assert_string_equal(err.msg, "'superblob' must be true or false");
  tu_rmrf(dir);
  free(dir);
}

/* hw: auto (the default, as compile_tool) or off, in defaults or per model; anything else is a
 * one-line error naming the line and the model. */
static void manifest__hw_default_and_override(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char path[4096], src[4096];
  snprintf(src, sizeof src, "%s/m.onnx", dir);
  tu_write(src, "");
  snprintf(path, sizeof path, "%s/zoo.yaml", dir);
  tu_write(path, "version: 1\ndefaults: {hw: off}\nmodels:\n  - {name: a, source: m.onnx}\n"
                 "  - {name: b, source: m.onnx, hw: auto}\n");
  Manifest *m = NULL;
  Err err = {0};
  assert_int_equal(manifest_load(&m, path, &err), 0);
  assert_true(m->models[0].hw_off);
  assert_false(m->models[1].hw_off);
  manifest_free(m);
  tu_write(path, "version: 1\nmodels:\n  - {name: a, source: m.onnx}\n");
  assert_int_equal(manifest_load(&m, path, &err), 0);
  assert_false(m->models[0].hw_off); /* default auto */
  manifest_free(m);
  tu_write(path, "version: 1\nmodels:\n  - {name: a, source: m.onnx, hw: nce}\n");
  assert_int_equal(manifest_load(&m, path, &err), -1);
  assert_int_equal(err.line, 3);
  assert_string_equal(err.model, "a");
  assert_string_equal(err.msg, "unknown hw 'nce' (expected auto or off)");
  tu_rmrf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(manifest__superblob_default_and_override),
      cmocka_unit_test(manifest__hw_default_and_override),
      T(manifest__loads_full_manifest),
      T(manifest__applies_schema_defaults),
      T(manifest__accepts_spelling_variants),
      T(manifest__parses_string_with_absolute_source),
      T(manifest__names_layouts_and_precisions),
      T(manifest__rejects_unreadable_file),
      T(manifest__rejects_huge_file),
      T(manifest__rejects_yaml_syntax_error),
      T(manifest__rejects_invalid_utf8),
      T(manifest__rejects_aliases),
      T(manifest__rejects_deep_nesting),
      T(manifest__rejects_two_documents),
      T(manifest__rejects_empty_manifest),
      T(manifest__rejects_non_mapping_root),
      T(manifest__rejects_missing_version),
      T(manifest__rejects_wrong_version),
      T(manifest__rejects_missing_models),
      T(manifest__rejects_empty_models),
      T(manifest__rejects_unknown_key),
      T(manifest__rejects_key_at_wrong_level),
      T(manifest__rejects_duplicate_key),
      T(manifest__rejects_non_string_key),
      T(manifest__rejects_wrong_defaults_type),
      T(manifest__rejects_missing_name),
      T(manifest__rejects_missing_source),
      T(manifest__rejects_model_entry_not_mapping),
      T(manifest__rejects_missing_source_file),
      T(manifest__rejects_duplicate_model_name),
      T(manifest__rejects_unsafe_model_name),
      T(manifest__rejects_wrong_type),
      T(manifest__rejects_shaves_out_of_range),
      T(manifest__rejects_cmx_slices_below_shaves),
      T(manifest__rejects_unknown_layout),
      T(manifest__rejects_unknown_precision),
      T(manifest__rejects_unknown_data_type),
      T(manifest__rejects_unknown_openvino),
      T(manifest__rejects_mean_length_mismatch),
      T(manifest__rejects_layout_rank_mismatch),
      T(manifest__rejects_reverse_without_three_channels),
      T(manifest__rejects_zero_scale),
      T(manifest__rejects_negative_scale),
      T(manifest__rejects_nan_mean),
      T(manifest__rejects_infinite_scale),
      T(manifest__rejects_non_positive_shape),
      T(manifest__rejects_too_many_dims),
      T(manifest__rejects_shorthand_beside_inputs),
      T(manifest__rejects_bad_input_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
