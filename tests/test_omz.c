/* tests/test_omz.c — pipeline/omz: Model Optimizer argument forms, the OMZ tree walk, file choice
 * per framework, skipped models, hostile names, and that the output loads with manifest_load. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/omz.h"

/* ---- realistic model.yml files (OMZ 2022.1 layout, checksums shortened) --------------------- */

/* public/mobilenet-v2-pytorch, 2021-style mo args with --input / --input_shape. */
static const char MOBILENET_V2_PYTORCH[] =
    "description: >-\n"
    "  MobileNet V2 is image classification model pre-trained on ImageNet dataset.\n"
    "task_type: classification\n"
    "files:\n"
    "  - name: mobilenet_v2-b0353104.pth\n"
    "    size: 14212972\n"
    "    checksum: 7c1bd1f9cbc3b2a4c9f0a1b4e2d6f7a8\n"
    "    source: https://download.pytorch.org/models/mobilenet_v2-b0353104.pth\n"
    "conversion_to_onnx_args:\n"
    "  - --model-name=mobilenet_v2\n"
    "  - --weights=$dl_dir/mobilenet_v2-b0353104.pth\n"
    "  - --import-module=torchvision.models\n"
    "  - --input-shape=1,3,224,224\n"
    "  - --output-file=$conv_dir/mobilenet-v2.onnx\n"
    "  - --input-names=data\n"
    "  - --output-names=prob\n"
    "model_optimizer_args:\n"
    "  - --reverse_input_channels\n"
    "  - --input_shape=[1,3,224,224]\n"
    "  - --input=data\n"
    "  - --mean_values=data[123.675,116.28,103.53]\n"
    "  - --scale_values=data[58.624,57.12,57.375]\n"
    "  - --output=prob\n"
    "  - --input_model=$conv_dir/mobilenet-v2.onnx\n"
    "framework: pytorch\n"
    "quantizable: yes\n"
    "license: https://raw.githubusercontent.com/pytorch/vision/master/LICENSE\n";

/* intel/face-detection-retail-0004: IR in three precisions, input_info instead of mo args. */
static const char FACE_DETECTION_DLDT[] =
    "description: >-\n"
    "  Face detector based on SqueezeNet light (half-channels) as a backbone.\n"
    "task_type: detection\n"
    "files:\n"
    "  - name: FP32/face-detection-retail-0004.xml\n"
    "    size: 104329\n"
    "    checksum: 1f0f1e0d\n"
    "    source: "
    "https://storage.openvinotoolkit.org/repositories/open_model_zoo/2022.1/models_bin/3/"
    "face-detection-retail-0004/FP32/face-detection-retail-0004.xml\n"
    "  - name: FP32/face-detection-retail-0004.bin\n"
    "    size: 2352984\n"
    "    checksum: 2a2b2c2d\n"
    "    source: https://storage.openvinotoolkit.org/x/FP32/face-detection-retail-0004.bin\n"
    "  - name: FP16-INT8/face-detection-retail-0004.xml\n"
    "    size: 253010\n"
    "    checksum: 3a3b3c3d\n"
    "    source: https://storage.openvinotoolkit.org/x/FP16-INT8/face-detection-retail-0004.xml\n"
    "  - name: FP16/face-detection-retail-0004.xml\n"
    "    size: 104329\n"
    "    checksum: 4a4b4c4d\n"
    "    source: https://storage.openvinotoolkit.org/x/FP16/face-detection-retail-0004.xml\n"
    "  - name: FP16/face-detection-retail-0004.bin\n"
    "    size: 1176492\n"
    "    checksum: 5a5b5c5d\n"
    "    source: https://storage.openvinotoolkit.org/x/FP16/face-detection-retail-0004.bin\n"
    "input_info:\n"
    "  - name: data\n"
    "    shape: [1, 3, 300, 300]\n"
    "    layout: NCHW\n"
    "framework: dldt\n"
    "license: https://raw.githubusercontent.com/openvinotoolkit/open_model_zoo/master/LICENSE\n";

/* public/mobilenet-ssd: Caffe, which we cannot read yet. */
static const char MOBILENET_SSD_CAFFE[] =
    "description: >-\n"
    "  The mobilenet-ssd model is a Single-Shot multibox Detection (SSD) network.\n"
    "task_type: detection\n"
    "files:\n"
    "  - name: mobilenet-ssd.prototxt\n"
    "    size: 29353\n"
    "    checksum: 6a6b\n"
    "    source: "
    "https://raw.githubusercontent.com/chuanqi305/MobileNet-SSD/master/deploy.prototxt\n"
    "  - name: mobilenet-ssd.caffemodel\n"
    "    size: 23147564\n"
    "    checksum: 7a7b\n"
    "    source: https://drive.google.com/uc?export=download&id=0B3gersZ2cHIxRm5PMWRoTkdHdHc\n"
    "model_optimizer_args:\n"
    "  - --input_shape=[1,3,300,300]\n"
    "  - --input=data\n"
    "  - --mean_values=data[127.5,127.5,127.5]\n"
    "  - --scale_values=data[127.5]\n"
    "  - --output=detection_out\n"
    "  - --input_model=$dl_dir/mobilenet-ssd.caffemodel\n"
    "  - --input_proto=$dl_dir/mobilenet-ssd.prototxt\n"
    "framework: caffe\n"
    "quantizable: yes\n";

/* An ONNX-framework model with the unnamed forms: --mean_values=[..], --scale=N, --layout=nchw. */
static const char SQUEEZENET_ONNX[] =
    "task_type: classification\n"
    "files:\n"
    "  - name: squeezenet1.1.onnx\n"
    "    size: 4956208\n"
    "    checksum: 8a8b\n"
    "    source: https://github.com/onnx/models/raw/main/squeezenet1.1.onnx\n"
    "model_optimizer_args:\n"
    "  - --input_model=$dl_dir/squeezenet1.1.onnx\n"
    "  - --mean_values=[127.5,127.5,127.5]\n"
    "  - --scale=255\n"
    "  - --layout=nchw\n"
    "  - --data_type=half\n"
    "framework: onnx\n";

/* ---- fixture: a temp folder with zoo/ (the OMZ tree) and the output beside it ---------------- */

typedef struct {
  char *dir;
  char zoo[4200], out[4200];
} Fx;

static int setup(void **state) {
  Fx *f = calloc(1, sizeof *f);
  assert_non_null(f);
  f->dir = tu_tmpdir();
  snprintf(f->zoo, sizeof f->zoo, "%s/zoo", f->dir);
  snprintf(f->out, sizeof f->out, "%s/zoo.yaml", f->dir);
  assert_int_equal(mkdir(f->zoo, 0755), 0);
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

/* Writes text at zoo/rel, creating folders. */
static void put(const Fx *f, const char *rel, const char *text) {
  char p[8500], cmd[9000];
  snprintf(p, sizeof p, "%s/%s", f->zoo, rel);
  char *slash = strrchr(p, '/');
  *slash = 0;
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", p);
  assert_int_equal(system(cmd), 0);
  *slash = '/';
  tu_write(p, text);
}

/* Imports f->zoo into f->out (asserting success) and loads the result. */
static Manifest *import_and_load(const Fx *f, OmzStats *st) {
  Err err = {0};
  char line[1400];
  if (omz_import_write(f->zoo, f->out, st, &err) < 0)
    fail_msg("%s", err_line(&err, line, sizeof line));
  Manifest *m = NULL;
  if (manifest_load(&m, f->out, &err) < 0) fail_msg("%s", err_line(&err, line, sizeof line));
  return m;
}

/* The output manifest text (malloc'd). */
static char *out_text(const Fx *f) {
  uint8_t *d = NULL;
  size_t n = 0;
  Err err = {0};
  assert_int_equal(io_read_file(&d, &n, f->out, 0, &err), 0);
  char *s = malloc(n + 1);
  memcpy(s, d, n);
  s[n] = 0;
  free(d);
  return s;
}

/* Parses the args (NULL-terminated list) into *p; returns the omz_parse_mo_args result. */
static int parse(OmzPrep *p, Arena *a, Err *err, const char *const *args) {
  int n = 0;
  while (args[n]) n++;
  return omz_parse_mo_args(p, a, args, n, err);
}

/* ---- mo argument forms ------------------------------------------------------------------------ */

static void omz__parses_named_mean_and_scale_values(void **state) {
  (void)state;
  Arena *a = arena_new();
  OmzPrep p;
  Err err = {0};
  const char *args[] = {"--mean_values=data[123.675,116.28,103.53]",
                        "--scale_values=data[58.624,57.12,57.375]", NULL};
  assert_int_equal(parse(&p, a, &err, args), 0);
  assert_int_equal(p.n_inputs, 1);
  assert_string_equal(p.inputs[0].name, "data");
  assert_int_equal(p.inputs[0].n_mean, 3);
  assert_true(p.inputs[0].mean[1] == 116.28);
  assert_int_equal(p.inputs[0].n_scale, 3);
  assert_true(p.inputs[0].scale[2] == 57.375);
  assert_null(p.ignored);
  arena_free(a);
}

static void omz__parses_unnamed_values_and_round_brackets(void **state) {
  (void)state;
  Arena *a = arena_new();
  OmzPrep p;
  Err err = {0};
  const char *args[] = {"--mean_values=[127.5, 127.5, 127.5]", "--scale_values=(255)", NULL};
  assert_int_equal(parse(&p, a, &err, args), 0);
  assert_int_equal(p.n_inputs, 1);
  assert_null(p.inputs[0].name);
  assert_int_equal(p.inputs[0].n_mean, 3);
  assert_int_equal(p.inputs[0].n_scale, 1);
  assert_true(p.inputs[0].scale[0] == 255);
  arena_free(a);
}

static void omz__parses_scale_divisor_as_one_scale_value(void **state) {
  (void)state;
  Arena *a = arena_new();
  OmzPrep p;
  Err err = {0};
  const char *args[] = {"--input=data", "--scale=255", NULL};
  assert_int_equal(parse(&p, a, &err, args), 0);
  assert_int_equal(p.inputs[0].n_scale, 1);
  assert_true(p.inputs[0].scale[0] == 255);
  /* --scale_values wins over --scale */
  const char *both[] = {"--scale=255", "--scale_values=[1,2,3]", NULL};
  assert_int_equal(parse(&p, a, &err, both), 0);
  assert_int_equal(p.inputs[0].n_scale, 3);
  arena_free(a);
}

static void omz__parses_inputs_and_shapes_in_order(void **state) {
  (void)state;
  Arena *a = arena_new();
  OmzPrep p;
  Err err = {0};
  const char *args[] = {"--input=image,im_info", "--input_shape=[1,3,600,1024],[1,3]",
                        "--mean_values=image[102.9801,115.9465,122.7717]", NULL};
  assert_int_equal(parse(&p, a, &err, args), 0);
  assert_int_equal(p.n_inputs, 2);
  assert_string_equal(p.inputs[0].name, "image");
  assert_int_equal(p.inputs[0].rank, 4);
  assert_int_equal(p.inputs[0].shape[3], 1024);
  assert_string_equal(p.inputs[1].name, "im_info");
  assert_int_equal(p.inputs[1].rank, 2);
  assert_int_equal(p.inputs[1].n_mean, 0);
  assert_int_equal(p.inputs[0].n_mean, 3);
  arena_free(a);
}

static void omz__parses_input_with_inline_shape_and_type(void **state) {
  (void)state;
  Arena *a = arena_new();
  OmzPrep p;
  Err err = {0};
  const char *args[] = {"--input=data[1 3 224 224]{f32}", NULL};
  assert_int_equal(parse(&p, a, &err, args), 0);
  assert_string_equal(p.inputs[0].name, "data");
  assert_int_equal(p.inputs[0].rank, 4);
  assert_int_equal(p.inputs[0].shape[1], 3);
  arena_free(a);
}

static void omz__names_a_shape_only_input_from_later_values(void **state) {
  (void)state;
  Arena *a = arena_new();
  OmzPrep p;
  Err err = {0};
  /* mobilenet-ssd style: --input_shape without --input, names only in --mean_values */
  const char *args[] = {"--input_shape=(1,3,300,300)", "--mean_values=data[127.5,127.5,127.5]",
                        NULL};
  assert_int_equal(parse(&p, a, &err, args), 0);
  assert_int_equal(p.n_inputs, 1);
  assert_string_equal(p.inputs[0].name, "data");
  assert_int_equal(p.inputs[0].rank, 4);
  arena_free(a);
}

static void omz__parses_layout_forms(void **state) {
  (void)state;
  Arena *a = arena_new();
  OmzPrep p;
  Err err = {0};
  const char *plain[] = {"--input=data", "--layout=nchw", NULL};
  assert_int_equal(parse(&p, a, &err, plain), 0);
  assert_string_equal(p.inputs[0].layout, "NCHW");
  const char *named[] = {"--layout=data(nchw->nhwc),info(nc)", NULL};
  assert_int_equal(parse(&p, a, &err, named), 0);
  assert_int_equal(p.n_inputs, 2);
  assert_string_equal(p.inputs[0].name, "data");
  assert_string_equal(p.inputs[0].layout, "NCHW->NHWC");
  assert_string_equal(p.inputs[1].layout, "NC");
  const char *brackets[] = {"--layout=[n,c,h,w]", NULL};
  assert_int_equal(parse(&p, a, &err, brackets), 0);
  assert_string_equal(p.inputs[0].layout, "NCHW");
  const char *same[] = {"--layout=data(NHWC->nhwc)", NULL};
  assert_int_equal(parse(&p, a, &err, same), 0);
  assert_string_equal(p.inputs[0].layout, "NHWC");
  arena_free(a);
}

static void omz__parses_reverse_data_type_and_keeps_ignored_args(void **state) {
  (void)state;
  Arena *a = arena_new();
  OmzPrep p;
  Err err = {0};
  const char *args[] = {"--reverse_input_channels",
                        "--data_type=FP32",
                        "--output=prob",
                        "--input_model=$conv_dir/mobilenet-v2.onnx",
                        "--transformations_config=$mo_dir/x.json",
                        NULL};
  assert_int_equal(parse(&p, a, &err, args), 0);
  assert_int_equal(p.n_inputs, 1);
  assert_true(p.inputs[0].reverse_input_channels);
  assert_string_equal(p.data_type, "FP32");
  assert_string_equal(p.input_model, "mobilenet-v2.onnx");
  assert_string_equal(p.ignored, "--output=prob --transformations_config=$mo_dir/x.json");
  arena_free(a);
}

static void omz__parses_value_in_the_next_argument(void **state) {
  (void)state;
  Arena *a = arena_new();
  OmzPrep p;
  Err err = {0};
  const char *args[] = {"--input_shape", "[1,3,224,224]", "--mean_values", "data[1,2,3]", NULL};
  assert_int_equal(parse(&p, a, &err, args), 0);
  assert_int_equal(p.n_inputs, 1);
  assert_int_equal(p.inputs[0].rank, 4);
  assert_string_equal(p.inputs[0].name, "data");
  arena_free(a);
}

static void omz__reverse_skips_inputs_without_three_channels(void **state) {
  (void)state;
  Arena *a = arena_new();
  OmzPrep p;
  Err err = {0};
  const char *args[] = {"--input=image,mask", "--input_shape=[1,3,64,64],[1,1,64,64]",
                        "--reverse_input_channels", NULL};
  assert_int_equal(parse(&p, a, &err, args), 0);
  assert_true(p.inputs[0].reverse_input_channels);
  assert_false(p.inputs[1].reverse_input_channels);
  arena_free(a);
}

static void omz__rejects_malformed_values(void **state) {
  (void)state;
  Arena *a = arena_new();
  OmzPrep p;
  Err err = {0};
  const char *junk[] = {"--mean_values=data[1,x]", NULL};
  assert_int_equal(parse(&p, a, &err, junk), -1);
  assert_int_equal(err.code, ERR_PARSE);
  assert_string_equal(err.msg, "bad --mean_values 'data[1,x]'");
  const char *unbalanced[] = {"--input_shape=[1,3,224,224", NULL};
  assert_int_equal(parse(&p, a, &err, unbalanced), -1);
  assert_string_equal(err.msg, "bad --input_shape '[1,3,224,224'");
  const char *dynamic[] = {"--input_shape=[?,3,224,224]", NULL};
  assert_int_equal(parse(&p, a, &err, dynamic), -1);
  const char *nine[] = {"--scale_values=[1,2,3,4,5,6,7,8,9]", NULL};
  assert_int_equal(parse(&p, a, &err, nine), -1);
  assert_string_equal(err.msg, "bad --scale_values '[1,2,3,4,5,6,7,8,9]'");
  const char *layout[] = {"--layout=data(nc?hw)", NULL};
  assert_int_equal(parse(&p, a, &err, layout), -1);
  assert_string_equal(err.msg,
                      "unsupported --layout 'data(nc?hw)' (we know NCHW, NHWC, CHW, HWC, NC, C)");
  const char *dtype[] = {"--data_type=FP16-INT8", NULL};
  assert_int_equal(parse(&p, a, &err, dtype), -1);
  assert_string_equal(err.msg, "unsupported --data_type 'FP16-INT8' (FP16 or FP32)");
  arena_free(a);
}

/* ---- importing a tree ------------------------------------------------------------------------- */

static void omz__imports_pytorch_model_with_onnx(void **state) {
  Fx *f = *state;
  put(f, "public/mobilenet-v2-pytorch/model.yml", MOBILENET_V2_PYTORCH);
  put(f, "public/mobilenet-v2-pytorch/mobilenet-v2.onnx", "onnx");
  OmzStats st = {0};
  Manifest *m = import_and_load(f, &st);
  assert_int_equal(st.found, 1);
  assert_int_equal(st.imported, 1);
  assert_int_equal(m->n_models, 1);
  const ManifestModel *mm = &m->models[0];
  assert_string_equal(mm->name, "mobilenet-v2-pytorch");
  assert_string_equal(mm->source_raw, "zoo/public/mobilenet-v2-pytorch/mobilenet-v2.onnx");
  assert_int_equal(mm->n_inputs, 1);
  const ManifestInput *in = &mm->inputs[0];
  assert_string_equal(in->name, "data");
  assert_true(in->has_shape);
  assert_int_equal(in->rank, 4);
  assert_int_equal(in->shape[2], 224);
  assert_int_equal(in->n_mean, 3);
  assert_true(in->mean[0] == 123.675 && in->mean[1] == 116.28 && in->mean[2] == 103.53);
  assert_int_equal(in->n_scale, 3);
  assert_true(in->scale[0] == 58.624 && in->scale[1] == 57.12 && in->scale[2] == 57.375);
  assert_true(in->reverse_input_channels);
  char *text = out_text(f);
  assert_non_null(strstr(text, "  # mo args not used: --output=prob\n"));
  free(text);
  manifest_free(m);
}

static void omz__prefers_fp16_xml_for_dldt(void **state) {
  Fx *f = *state;
  put(f, "intel/face-detection-retail-0004/model.yml", FACE_DETECTION_DLDT);
  const char *prec[] = {"FP32", "FP16", "FP16-INT8"};
  for (int i = 0; i < 3; i++) {
    char rel[256];
    snprintf(rel, sizeof rel, "intel/face-detection-retail-0004/%s/face-detection-retail-0004.xml",
             prec[i]);
    put(f, rel, "<net/>");
    snprintf(rel, sizeof rel, "intel/face-detection-retail-0004/%s/face-detection-retail-0004.bin",
             prec[i]);
    put(f, rel, "");
  }
  Manifest *m = import_and_load(f, NULL);
  const ManifestModel *mm = &m->models[0];
  assert_string_equal(mm->name, "face-detection-retail-0004");
  assert_string_equal(mm->source_raw,
                      "zoo/intel/face-detection-retail-0004/FP16/face-detection-retail-0004.xml");
  /* input_info gives the name, shape and layout */
  assert_string_equal(mm->inputs[0].name, "data");
  assert_int_equal(mm->inputs[0].shape[3], 300);
  assert_int_equal(mm->inputs[0].layout, LAYOUT_NCHW);
  manifest_free(m);
}

static void omz__falls_back_to_fp32_and_finds_files_below_model_yml(void **state) {
  Fx *f = *state;
  put(f, "intel/face-detection-retail-0004/model.yml", FACE_DETECTION_DLDT);
  /* omz_downloader layout copied below the model folder */
  put(f,
      "intel/face-detection-retail-0004/dl/intel/face-detection-retail-0004/FP32/"
      "face-detection-retail-0004.xml",
      "x");
  put(f,
      "intel/face-detection-retail-0004/dl/intel/face-detection-retail-0004/FP32/"
      "face-detection-retail-0004.bin",
      "");
  Manifest *m = import_and_load(f, NULL);
  assert_string_equal(
      m->models[0].source_raw,
      "zoo/intel/face-detection-retail-0004/dl/intel/face-detection-retail-0004/FP32/"
      "face-detection-retail-0004.xml");
  manifest_free(m);
}

static void omz__parses_unnamed_forms_in_an_onnx_model(void **state) {
  Fx *f = *state;
  put(f, "public/squeezenet1.1-onnx/model.yml", SQUEEZENET_ONNX);
  put(f, "public/squeezenet1.1-onnx/squeezenet1.1.onnx", "onnx");
  Manifest *m = import_and_load(f, NULL);
  const ManifestModel *mm = &m->models[0];
  assert_string_equal(mm->name, "squeezenet1.1-onnx");
  assert_int_equal(mm->data_type, PREC_FP16);
  assert_null(mm->inputs[0].name);
  assert_int_equal(mm->inputs[0].layout, LAYOUT_NCHW);
  assert_int_equal(mm->inputs[0].n_mean, 3);
  assert_int_equal(mm->inputs[0].n_scale, 1);
  assert_true(mm->inputs[0].scale[0] == 255);
  manifest_free(m);
}

static void omz__skips_caffe_model_as_comment(void **state) {
  Fx *f = *state;
  put(f, "public/mobilenet-v2-pytorch/model.yml", MOBILENET_V2_PYTORCH);
  put(f, "public/mobilenet-v2-pytorch/mobilenet-v2.onnx", "onnx");
  put(f, "public/mobilenet-ssd/model.yml", MOBILENET_SSD_CAFFE);
  put(f, "public/mobilenet-ssd/mobilenet-ssd.caffemodel", "");
  OmzStats st = {0};
  Manifest *m = import_and_load(f, &st);
  assert_int_equal(st.found, 2);
  assert_int_equal(st.imported, 1);
  assert_int_equal(st.skipped, 1);
  assert_int_equal(m->n_models, 1);
  assert_string_equal(m->models[0].name, "mobilenet-v2-pytorch");
  char *text = out_text(f);
  assert_non_null(strstr(
      text,
      "  # skipped: framework 'caffe' cannot be read yet and no .onnx file was found\n"
      "  # from: public/mobilenet-ssd/model.yml (framework caffe)\n"
      "  # mo args not used: --output=detection_out --input_proto=$dl_dir/mobilenet-ssd.prototxt\n"
      "  # - name: \"mobilenet-ssd\"\n"
      "  #   inputs:\n"
      "  #     - name: \"data\"\n"
      "  #       shape: [1, 3, 300, 300]\n"
      "  #       mean_values: [127.5, 127.5, 127.5]\n"
      "  #       scale_values: [127.5]\n"));
  assert_non_null(strstr(text, "1 models, 1 skipped"));
  free(text);
  manifest_free(m);
}

static void omz__skips_missing_file_bad_yaml_and_rejected_values(void **state) {
  Fx *f = *state;
  put(f, "a-ok/model.yml", SQUEEZENET_ONNX);
  put(f, "a-ok/squeezenet1.1.onnx", "");
  put(f, "b-missing/model.yml", SQUEEZENET_ONNX); /* no .onnx beside it */
  put(f, "c-badyaml/model.yml", "framework: onnx\nfiles: [\n");
  put(f, "d-zero-scale/model.yml",
      "framework: onnx\nfiles:\n  - name: m.onnx\nmodel_optimizer_args: [--scale=0]\n");
  put(f, "d-zero-scale/m.onnx", "");
  put(f, "e-pytorch/model.yml", MOBILENET_V2_PYTORCH); /* not converted yet */
  put(f, "f-dldt-nobin/model.yml", "framework: dldt\nfiles:\n  - name: FP16/m.xml\n");
  put(f, "f-dldt-nobin/FP16/m.xml", "");
  put(f, "g-badarg/model.yml",
      "framework: onnx\nfiles: [{name: m.onnx}]\nmodel_optimizer_args: ['--input_shape=[1,3']\n");
  put(f, "g-badarg/m.onnx", "");
  OmzStats st = {0};
  Manifest *m = import_and_load(f, &st);
  assert_int_equal(st.imported, 1);
  assert_int_equal(st.skipped, 6);
  assert_int_equal(m->n_models, 1);
  char *text = out_text(f);
  assert_non_null(strstr(text, "# skipped: 'squeezenet1.1.onnx' not found next to model.yml or "
                               "below it (run omz_downloader first)\n"));
  assert_non_null(strstr(
      text,
      "# skipped: model.yml: yaml syntax error: did not find expected node content (line 3)\n"));
  assert_non_null(
      strstr(text, "# skipped: our manifest rejects it: 'scale_values' must be positive, got 0\n"));
  assert_non_null(strstr(text, "# skipped: 'mobilenet-v2.onnx' not found next to model.yml or "
                               "below it (run omz_downloader and omz_converter first)\n"));
  assert_non_null(
      strstr(text, "# skipped: weights 'FP16/m.bin' not found beside 'f-dldt-nobin/FP16/m.xml'\n"));
  assert_non_null(strstr(text, "# skipped: bad --input_shape '[1,3'\n"));
  free(text);
  manifest_free(m);
}

static void omz__sanitises_hostile_names(void **state) {
  Fx *f = *state;
  const char *dirs[] = {"evil\" name\n: {x}", "a b", "a_b", ".hidden", "über"};
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    char rel[256];
    snprintf(rel, sizeof rel, "%s/model.yml", dirs[i]);
    put(f, rel,
        "framework: onnx\nfiles:\n  - name: 'm\"x\\n.onnx'\n"
        "model_optimizer_args:\n  - \"--input=in\\\"put: #x\\n\\t&y\"\n  - "
        "\"--mean_values=[1,2,3]\"\n");
    snprintf(rel, sizeof rel, "%s/m\"x\\n.onnx", dirs[i]);
    put(f, rel, "");
  }
  OmzStats st = {0};
  Manifest *m = import_and_load(f, &st);
  assert_int_equal(st.imported, 5);
  assert_int_equal(m->n_models, 5);
  /* sorted by model.yml path: ".hidden", "a b", "a_b", "evil...", "über" */
  assert_string_equal(m->models[0].name, "_hidden");
  assert_string_equal(m->models[1].name, "a_b");
  assert_string_equal(m->models[2].name, "a_b-2");
  assert_string_equal(m->models[3].name, "evil__name____x_");
  assert_string_equal(m->models[4].name, "__ber");
  assert_string_equal(m->models[3].inputs[0].name, "in\"put: #x\n\t&y");
  assert_string_equal(m->models[3].source_raw, "zoo/evil\" name\n: {x}/m\"x\\n.onnx");
  manifest_free(m);
}

static void omz__refuses_paths_leaving_the_model_folder(void **state) {
  Fx *f = *state;
  put(f, "a/model.yml", "framework: onnx\nfiles:\n  - name: ../b/m.onnx\n");
  put(f, "b/m.onnx", "");
  put(f, "c/model.yml", "framework: onnx\nfiles:\n  - name: /etc/passwd.onnx\n");
  put(f, "d/model.yml", SQUEEZENET_ONNX);
  put(f, "d/squeezenet1.1.onnx", "");
  OmzStats st = {0};
  Manifest *m = import_and_load(f, &st);
  assert_int_equal(st.imported, 1);
  assert_int_equal(st.skipped, 2);
  char *text = out_text(f);
  assert_non_null(strstr(text, "# skipped: '../b/m.onnx' not found next to model.yml or below it"));
  free(text);
  manifest_free(m);
}

static void omz__writes_sources_relative_to_the_manifest_folder(void **state) {
  Fx *f = *state;
  put(f, "m1/model.yml", SQUEEZENET_ONNX);
  put(f, "m1/squeezenet1.1.onnx", "");
  snprintf(f->out, sizeof f->out, "%s/manifests/nightly/zoo.yaml",
           f->dir); /* folder made by the writer */
  Manifest *m = import_and_load(f, NULL);
  assert_string_equal(m->models[0].source_raw, "../../zoo/m1/squeezenet1.1.onnx");
  manifest_free(m);
}

static void omz__output_is_deterministic(void **state) {
  Fx *f = *state;
  put(f, "public/mobilenet-v2-pytorch/model.yml", MOBILENET_V2_PYTORCH);
  put(f, "public/mobilenet-v2-pytorch/mobilenet-v2.onnx", "onnx");
  put(f, "public/mobilenet-ssd/model.yml", MOBILENET_SSD_CAFFE);
  Buf a = BUF_INIT, b = BUF_INIT;
  Err err = {0};
  assert_int_equal(omz_import(&a, f->zoo, f->out, NULL, NULL, &err), 0);
  assert_int_equal(omz_import(&b, f->zoo, f->out, NULL, NULL, &err), 0);
  assert_int_equal(a.len, b.len);
  assert_memory_equal(a.data, b.data, a.len);
  buf_free(&a);
  buf_free(&b);
}

static void omz__fails_without_model_yml(void **state) {
  Fx *f = *state;
  put(f, "x/readme.txt", "");
  Err err = {0};
  Buf b = BUF_INIT;
  assert_int_equal(omz_import(&b, f->zoo, f->out, NULL, NULL, &err), -1);
  assert_int_equal(err.code, ERR_USAGE);
  assert_string_equal(err.msg, "no model.yml found");
  assert_int_equal(omz_import(&b, "/nonexistent/omz", f->out, NULL, NULL, &err), -1);
  assert_int_equal(err.code, ERR_IO);
  assert_string_equal(err.msg, "cannot open folder: No such file or directory");
  assert_false(io_exists(f->out));
}

static void omz__fails_when_nothing_can_be_imported(void **state) {
  Fx *f = *state;
  put(f, "public/mobilenet-ssd/model.yml", MOBILENET_SSD_CAFFE);
  Err err = {0};
  OmzStats st = {0};
  assert_int_equal(omz_import_write(f->zoo, f->out, &st, &err), -1);
  assert_int_equal(err.code, ERR_UNSUPPORTED_OP);
  assert_string_equal(
      err.msg,
      "none of 1 model.yml files could be imported (first: public/mobilenet-ssd/model.yml: "
      "framework 'caffe' cannot be read yet and no .onnx file was found)");
  assert_int_equal(st.skipped, 1);
  assert_false(io_exists(f->out));
}

/* The CLI, when cmd/main.c routes import-omz (skipped until it does). */
static void omz__cli_writes_manifest(void **state) {
  Fx *f = *state;
  put(f, "public/mobilenet-v2-pytorch/model.yml", MOBILENET_V2_PYTORCH);
  put(f, "public/mobilenet-v2-pytorch/mobilenet-v2.onnx", "onnx");
  put(f, "public/mobilenet-ssd/model.yml", MOBILENET_SSD_CAFFE);
  char *out = NULL;
  if (access(tu_blobc(), X_OK) != 0) skip();
  tu_run(&out, "'%s' import-omz --help", tu_blobc());
  bool wired = strstr(out, "usage: blobc import-omz") != NULL;
  free(out);
  if (!wired) skip();
  int rc = tu_run(&out, "'%s' import-omz '%s' -o '%s'", tu_blobc(), f->zoo, f->out);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(out, "2 model.yml files: 1 models imported, 1 skipped (commented out)"));
  free(out);
  rc = tu_run(&out, "'%s' import-omz '%s'", tu_blobc(), f->zoo);
  assert_int_equal(rc, 2);
  free(out);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(omz__parses_named_mean_and_scale_values),
      cmocka_unit_test(omz__parses_unnamed_values_and_round_brackets),
      cmocka_unit_test(omz__parses_scale_divisor_as_one_scale_value),
      cmocka_unit_test(omz__parses_inputs_and_shapes_in_order),
      cmocka_unit_test(omz__parses_input_with_inline_shape_and_type),
      cmocka_unit_test(omz__names_a_shape_only_input_from_later_values),
      cmocka_unit_test(omz__parses_layout_forms),
      cmocka_unit_test(omz__parses_reverse_data_type_and_keeps_ignored_args),
      cmocka_unit_test(omz__parses_value_in_the_next_argument),
      cmocka_unit_test(omz__reverse_skips_inputs_without_three_channels),
      cmocka_unit_test(omz__rejects_malformed_values),
      T(omz__imports_pytorch_model_with_onnx),
      T(omz__prefers_fp16_xml_for_dldt),
      T(omz__falls_back_to_fp32_and_finds_files_below_model_yml),
      T(omz__parses_unnamed_forms_in_an_onnx_model),
      T(omz__skips_caffe_model_as_comment),
      T(omz__skips_missing_file_bad_yaml_and_rejected_values),
      T(omz__sanitises_hostile_names),
      T(omz__refuses_paths_leaving_the_model_folder),
      T(omz__writes_sources_relative_to_the_manifest_folder),
      T(omz__output_is_deterministic),
      T(omz__fails_without_model_yml),
      T(omz__fails_when_nothing_can_be_imported),
      T(omz__cli_writes_manifest),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
